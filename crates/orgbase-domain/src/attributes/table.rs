//! The attributes of each resource type, declared once: name, JSON type, nullability, limits,
//! who writes it, and which query field it is.
//!
//! The attribute readers take their limits from here; the HTTP layer's field lists, sparse
//! fieldsets and OpenAPI schemas, the query parser's attribute names and the importer's CSV
//! columns all read these tables, so the API description cannot drift from validation. The
//! organization serializer is written by hand for speed; a test holds it to
//! [`ORGANIZATION_ATTRIBUTES`].

use crate::custom_field::{CustomFormat, CustomResourceType, IDENTIFIER_MAX_CHARS};
use crate::name::NAME_MAX_CHARS;
use crate::organization::Status;
use crate::query::Field;
use crate::user::Role;

/// The JSON value an attribute holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Text,
    Integer,
    /// An RFC 3339 date-time with offset, answered in UTC.
    DateTime,
    /// One of these words.
    Enum(&'static [&'static str]),
    /// An array of distinct strings.
    TextList,
    /// Any JSON object.
    Object,
    /// `true` or `false`.
    Boolean,
}

/// Who sets an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// The client, on create and update.
    Always,
    /// The client on create only (to back-fill history); read-only afterwards: an update may
    /// send the current value back, and another value is a 422 `read_only`.
    OnCreate,
    /// Only the server; a request may send the current value back.
    Never,
}

/// One attribute of a resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute {
    pub name: &'static str,
    pub value: ValueType,
    /// Whether responses may hold `null` and requests may send it to clear the value.
    pub nullable: bool,
    /// Shortest text (of each element, for lists), in characters.
    pub min_chars: usize,
    /// Longest text (of each element, for lists), in characters.
    pub max_chars: Option<usize>,
    /// Smallest integer.
    pub minimum: Option<i64>,
    /// Largest value serialized as JSON, in bytes.
    pub max_bytes: Option<usize>,
    /// The JSON Schema `format` of text values, where one applies.
    pub format: Option<&'static str>,
    /// A regular expression text values match, where one applies.
    pub pattern: Option<&'static str>,
    /// The value when a create leaves the attribute out, where that is a constant.
    pub default: Option<&'static str>,
    pub writes: Writes,
    /// The query field that filters and sorts by this attribute, if any.
    pub field: Option<Field>,
    pub description: Option<&'static str>,
}

impl Attribute {
    const fn new(name: &'static str, value: ValueType) -> Self {
        Self {
            name,
            value,
            nullable: false,
            min_chars: 0,
            max_chars: None,
            minimum: None,
            max_bytes: None,
            format: None,
            pattern: None,
            default: None,
            writes: Writes::Always,
            field: None,
            description: None,
        }
    }

    const fn text(name: &'static str) -> Self {
        Self::new(name, ValueType::Text)
    }

    const fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    const fn chars(mut self, min: usize, max: usize) -> Self {
        self.min_chars = min;
        self.max_chars = Some(max);
        self
    }

    const fn at_most(mut self, max: usize) -> Self {
        self.max_chars = Some(max);
        self
    }

    const fn field(mut self, field: Field) -> Self {
        self.field = Some(field);
        self
    }

    const fn writes(mut self, writes: Writes) -> Self {
        self.writes = writes;
        self
    }

    const fn format(mut self, format: &'static str) -> Self {
        self.format = Some(format);
        self
    }

    const fn describe(mut self, description: &'static str) -> Self {
        self.description = Some(description);
        self
    }

    /// The longest text the attribute takes, for the readers (`usize::MAX`: no limit).
    pub const fn max_len(&self) -> usize {
        match self.max_chars {
            Some(max) => max,
            None => usize::MAX,
        }
    }
}

const STATUSES: &[&str] = &[Status::Active.as_str(), Status::Inactive.as_str()];
const ROLES: &[&str] = &[
    Role::Admin.as_str(),
    Role::Member.as_str(),
    Role::Viewer.as_str(),
];
const FORMATS: &[&str] = &[
    CustomFormat::Text.as_str(),
    CustomFormat::Number.as_str(),
    CustomFormat::Boolean.as_str(),
    CustomFormat::Date.as_str(),
    CustomFormat::DateTime.as_str(),
    CustomFormat::Url.as_str(),
    CustomFormat::Email.as_str(),
    CustomFormat::Select.as_str(),
    CustomFormat::MultiSelect.as_str(),
];

const CUSTOM_RESOURCE_TYPES: &[&str] = &[
    CustomResourceType::Organizations.as_str(),
    CustomResourceType::Contacts.as_str(),
];

/// A custom field's identifier as an attribute name (see [`crate::custom_field`]).
pub const CUSTOM_ATTRIBUTE_PATTERN: &str = "^c_[a-z0-9_]{0,59}[a-z0-9]$";

/// The largest `metadata` object, serialized.
pub const METADATA_MAX_BYTES: usize = 16 * 1024;

/// The longest e-mail address (RFC 5321's path limit).
pub const EMAIL_MAX_CHARS: usize = 254;

pub mod organization {
    //! Each organization attribute, by name, for the readers.
    use super::*;

    pub const NAME: Attribute = Attribute::text("name")
        .chars(1, NAME_MAX_CHARS)
        .field(Field::Name)
        .describe("Required on create; trimmed; unique ignoring case and surrounding space.");
    pub const ORGANIZATION_TYPE: Attribute = Attribute::text("organization_type")
        .nullable()
        .at_most(100)
        .field(Field::OrganizationType);
    pub const STATUS: Attribute = Attribute {
        default: Some("active"),
        ..Attribute::new("status", ValueType::Enum(STATUSES)).field(Field::Status)
    };
    pub const DESCRIPTION: Attribute = Attribute::text("description")
        .nullable()
        .at_most(10_000)
        .field(Field::Description);
    pub const WEBSITE: Attribute = Attribute::text("website")
        .nullable()
        .at_most(500)
        .format("uri")
        .field(Field::Website)
        .describe("An absolute http(s) URL.");
    pub const EMAIL: Attribute = Attribute::text("email")
        .nullable()
        .at_most(EMAIL_MAX_CHARS)
        .field(Field::Email)
        .describe("An email address.");
    pub const PHONE: Attribute = Attribute::text("phone")
        .nullable()
        .at_most(50)
        .field(Field::Phone);
    pub const ADDRESS: Attribute = Attribute::text("address")
        .nullable()
        .at_most(500)
        .field(Field::Address);
    pub const CITY: Attribute = Attribute::text("city")
        .nullable()
        .at_most(100)
        .field(Field::City);
    pub const STATE: Attribute = Attribute::text("state")
        .nullable()
        .at_most(100)
        .field(Field::State);
    pub const COUNTRY: Attribute = Attribute::text("country")
        .nullable()
        .at_most(100)
        .field(Field::Country);
    pub const INDUSTRY: Attribute = Attribute::text("industry")
        .nullable()
        .at_most(100)
        .field(Field::Industry);
    pub const COMPANY_SIZE: Attribute = Attribute {
        minimum: Some(0),
        ..Attribute::new("company_size", ValueType::Integer)
            .nullable()
            .field(Field::CompanySize)
    };
    /// `null` in a request empties the list; responses always hold an array.
    pub const DOMAINS: Attribute = Attribute::new("domains", ValueType::TextList)
        .at_most(253)
        .format("hostname")
        .field(Field::Domains)
        .describe("Hostnames, stored lower-case; the first is the primary domain.");
    /// `null` in a request empties the list; responses always hold an array.
    pub const LISTS: Attribute = Attribute::new("lists", ValueType::TextList)
        .chars(1, 100)
        .field(Field::Lists)
        .describe("List (tag) names.");
    pub const METADATA: Attribute = Attribute {
        max_bytes: Some(METADATA_MAX_BYTES),
        ..Attribute::new("metadata", ValueType::Object)
            .nullable()
            .describe("Any JSON object up to 16 KiB serialized.")
    };
    pub const SLUG: Attribute = Attribute {
        pattern: Some("^[a-z0-9-]+$"),
        ..Attribute::text("slug")
            .field(Field::Slug)
            .describe("Unique; derived from the name when not given.")
    };
    pub const CREATED_FROM: Attribute = Attribute::text("created_from")
        .at_most(100)
        .writes(Writes::OnCreate)
        .field(Field::CreatedFrom)
        .describe("Where the record came from: `api` by default, `import` for `orgbase import`; set on create only.");
    pub const LAST_CONTACT_AT: Attribute = Attribute::new("last_contact_at", ValueType::DateTime)
        .nullable()
        .field(Field::LastContactAt);
    pub const ARCHIVED_AT: Attribute = Attribute::new("archived_at", ValueType::DateTime)
        .nullable()
        .field(Field::ArchivedAt)
        .describe("A timestamp archives the organization (hidden from lists unless asked for); null restores it.");
    pub const CREATED_AT: Attribute = BACKFILLED_CREATED_AT;
    pub const UPDATED_AT: Attribute = BACKFILLED_UPDATED_AT;
}

/// Every organization attribute, in response order. Custom fields (`c_…`) follow them; the
/// `owner_id` alias of the `owner` relationship is accepted in requests and never answered.
pub const ORGANIZATION_ATTRIBUTES: &[Attribute] = {
    use organization::*;
    &[
        NAME,
        ORGANIZATION_TYPE,
        STATUS,
        DESCRIPTION,
        WEBSITE,
        EMAIL,
        PHONE,
        ADDRESS,
        CITY,
        STATE,
        COUNTRY,
        INDUSTRY,
        COMPANY_SIZE,
        DOMAINS,
        LISTS,
        METADATA,
        SLUG,
        CREATED_FROM,
        LAST_CONTACT_AT,
        ARCHIVED_AT,
        CREATED_AT,
        UPDATED_AT,
    ]
};

/// `created_at` and `updated_at` of the records after organizations (contacts, memberships,
/// documents): set by the server, back-filled on create only.
const BACKFILLED_CREATED_AT: Attribute = Attribute::new("created_at", ValueType::DateTime)
    .writes(Writes::OnCreate)
    .field(Field::CreatedAt)
    .describe("Set by the server; a client may set it on create only, to back-fill history.");
const BACKFILLED_UPDATED_AT: Attribute = Attribute::new("updated_at", ValueType::DateTime)
    .writes(Writes::OnCreate)
    .field(Field::UpdatedAt)
    .describe("Set by the server; a client may set it on create only, to back-fill history.");

pub mod contact {
    //! Each contact attribute, by name, for the readers.
    use super::*;

    pub const NAME: Attribute = Attribute::text("name")
        .chars(1, NAME_MAX_CHARS)
        .field(Field::Name)
        .describe("Required on create; trimmed. Two contacts may share a name.");
    pub const EMAIL: Attribute = Attribute::text("email")
        .nullable()
        .at_most(EMAIL_MAX_CHARS)
        .field(Field::Email)
        .describe("An email address, unique among contacts ignoring case when present.");
    pub const PHONE: Attribute = Attribute::text("phone")
        .nullable()
        .at_most(50)
        .field(Field::Phone);
    pub const TITLE: Attribute = Attribute::text("title")
        .nullable()
        .at_most(NAME_MAX_CHARS)
        .field(Field::Title)
        .describe("The job title.");
    pub const NOTES: Attribute = Attribute::text("notes")
        .nullable()
        .at_most(10_000)
        .field(Field::Notes);
    pub const CREATED_AT: Attribute = BACKFILLED_CREATED_AT;
    pub const UPDATED_AT: Attribute = BACKFILLED_UPDATED_AT;
}

/// Every contact attribute, in response order.
pub const CONTACT_ATTRIBUTES: &[Attribute] = {
    use contact::*;
    &[NAME, EMAIL, PHONE, TITLE, NOTES, CREATED_AT, UPDATED_AT]
};

pub mod membership {
    //! Each membership attribute, by name, for the readers.
    use super::*;

    pub const ROLE: Attribute = Attribute {
        default: Some("member"),
        ..Attribute::new(
            "role",
            ValueType::Enum(crate::membership::MembershipRole::NAMES),
        )
        .field(Field::Role)
        .describe("What the contact does at the organization.")
    };
    pub const CREATED_AT: Attribute = BACKFILLED_CREATED_AT;
    pub const UPDATED_AT: Attribute = BACKFILLED_UPDATED_AT;
}

/// Every membership attribute, in response order.
pub const MEMBERSHIP_ATTRIBUTES: &[Attribute] = {
    use membership::*;
    &[ROLE, CREATED_AT, UPDATED_AT]
};

pub mod document {
    //! Each document attribute, by name, for the readers.
    use super::*;

    pub const TITLE: Attribute = Attribute::text("title")
        .chars(1, NAME_MAX_CHARS)
        .field(Field::Title)
        .describe("Required on create; trimmed.");
    pub const URL: Attribute = Attribute::text("url")
        .nullable()
        .at_most(500)
        .format("uri")
        .field(Field::Url)
        .describe("Where the file lives: an absolute http(s) URL. orgbase stores the record, not the file.");
    pub const CONTENT_TYPE: Attribute = Attribute::text("content_type")
        .nullable()
        .at_most(255)
        .field(Field::ContentType)
        .describe("The file's media type, e.g. application/pdf.");
    pub const SIZE_BYTES: Attribute = Attribute {
        minimum: Some(0),
        ..Attribute::new("size_bytes", ValueType::Integer)
            .nullable()
            .field(Field::SizeBytes)
    };
    pub const DESCRIPTION: Attribute = Attribute::text("description")
        .nullable()
        .at_most(10_000)
        .field(Field::Description);
    pub const CREATED_AT: Attribute = BACKFILLED_CREATED_AT;
    pub const UPDATED_AT: Attribute = BACKFILLED_UPDATED_AT;
}

/// Every document attribute, in response order.
pub const DOCUMENT_ATTRIBUTES: &[Attribute] = {
    use document::*;
    &[
        TITLE,
        URL,
        CONTENT_TYPE,
        SIZE_BYTES,
        DESCRIPTION,
        CREATED_AT,
        UPDATED_AT,
    ]
};

pub mod project {
    //! Each project attribute, by name, for the readers.
    use super::*;

    pub const NAME: Attribute = Attribute::text("name")
        .chars(1, NAME_MAX_CHARS)
        .field(Field::Name)
        .describe("Required on create; trimmed.");
    pub const STATUS: Attribute = Attribute {
        default: Some("planned"),
        ..Attribute::new(
            "status",
            ValueType::Enum(crate::project::ProjectStatus::NAMES),
        )
        .field(Field::ProjectStatus)
    };
    pub const STARTS_ON: Attribute = Attribute::text("starts_on")
        .nullable()
        .format("date")
        .field(Field::StartsOn)
        .describe("A date, YYYY-MM-DD.");
    pub const ENDS_ON: Attribute = Attribute::text("ends_on")
        .nullable()
        .format("date")
        .field(Field::EndsOn)
        .describe("A date, YYYY-MM-DD, not before `starts_on`.");
    pub const DESCRIPTION: Attribute = Attribute::text("description")
        .nullable()
        .at_most(10_000)
        .field(Field::Description);
    pub const CREATED_AT: Attribute = BACKFILLED_CREATED_AT;
    pub const UPDATED_AT: Attribute = BACKFILLED_UPDATED_AT;
}

/// Every project attribute, in response order.
pub const PROJECT_ATTRIBUTES: &[Attribute] = {
    use project::*;
    &[
        NAME,
        STATUS,
        STARTS_ON,
        ENDS_ON,
        DESCRIPTION,
        CREATED_AT,
        UPDATED_AT,
    ]
};

pub mod task {
    //! Each task attribute, by name, for the readers.
    use super::*;

    pub const TITLE: Attribute = Attribute::text("title")
        .chars(1, NAME_MAX_CHARS)
        .field(Field::Title)
        .describe("Required on create; trimmed.");
    pub const STATUS: Attribute = Attribute {
        default: Some("open"),
        ..Attribute::new("status", ValueType::Enum(crate::task::TaskStatus::NAMES))
            .field(Field::TaskStatus)
    };
    pub const DUE_ON: Attribute = Attribute::text("due_on")
        .nullable()
        .format("date")
        .field(Field::DueOn)
        .describe("A date, YYYY-MM-DD.");
    pub const COMPLETED_AT: Attribute = Attribute::new("completed_at", ValueType::DateTime)
        .nullable()
        .field(Field::CompletedAt)
        .describe("When it was done: set to now when `status` becomes `done` unless given, cleared when it becomes `open`.");
    pub const DESCRIPTION: Attribute = Attribute::text("description")
        .nullable()
        .at_most(10_000)
        .field(Field::Description);
    pub const CREATED_AT: Attribute = BACKFILLED_CREATED_AT;
    pub const UPDATED_AT: Attribute = BACKFILLED_UPDATED_AT;
}

/// Every task attribute, in response order.
pub const TASK_ATTRIBUTES: &[Attribute] = {
    use task::*;
    &[
        TITLE,
        STATUS,
        DUE_ON,
        COMPLETED_AT,
        DESCRIPTION,
        CREATED_AT,
        UPDATED_AT,
    ]
};

pub mod user {
    //! Each user attribute, by name, for the readers.
    use super::*;

    pub const NAME: Attribute = Attribute::text("name").chars(1, NAME_MAX_CHARS);
    pub const EMAIL: Attribute = Attribute::text("email")
        .at_most(EMAIL_MAX_CHARS)
        .describe("Unique.");
    pub const ROLE: Attribute = Attribute {
        default: Some("viewer"),
        ..Attribute::new("role", ValueType::Enum(ROLES))
    };
    pub const CREATED_AT: Attribute =
        Attribute::new("created_at", ValueType::DateTime).writes(Writes::Never);
}

/// Every user attribute, in response order.
pub const USER_ATTRIBUTES: &[Attribute] = &[user::NAME, user::EMAIL, user::ROLE, user::CREATED_AT];

pub mod custom_field {
    //! Each custom field attribute, by name, for the readers.
    use super::*;

    pub const RESOURCE_TYPE: Attribute = Attribute {
        default: Some("organizations"),
        ..Attribute::new("resource_type", ValueType::Enum(CUSTOM_RESOURCE_TYPES))
            .writes(Writes::OnCreate)
            .describe("Whose attribute this field is: organizations' or contacts'; immutable.")
    };
    pub const IDENTIFIER: Attribute = Attribute {
        pattern: Some(CUSTOM_ATTRIBUTE_PATTERN),
        ..Attribute::text("identifier")
            .chars(3, 2 + IDENTIFIER_MAX_CHARS)
            .writes(Writes::OnCreate)
            .describe("The attribute this field becomes on its resource type (unique within it); immutable.")
    };
    pub const NAME: Attribute = Attribute::text("name").chars(1, NAME_MAX_CHARS);
    pub const FORMAT: Attribute =
        Attribute::new("format", ValueType::Enum(FORMATS)).writes(Writes::OnCreate);
    pub const OPTIONS: Attribute = Attribute::new("options", ValueType::TextList)
        .nullable()
        .describe("The allowed values of select and multi_select (required for them, forbidden otherwise).");
    pub const UNIQUE: Attribute = Attribute {
        default: Some("false"),
        ..Attribute::new("unique", ValueType::Boolean).describe(
            "No two records of its resource type hold the same value (ignoring case for text, email and url); on organizations, what `POST /organizations?upsert=IDENTIFIER` matches by. Only for text, number, email and url; set on an existing field only while its values are already unique.",
        )
    };
    pub const CREATED_AT: Attribute =
        Attribute::new("created_at", ValueType::DateTime).writes(Writes::Never);
    pub const UPDATED_AT: Attribute =
        Attribute::new("updated_at", ValueType::DateTime).writes(Writes::Never);
}

/// Every custom field attribute, in response order.
pub const CUSTOM_FIELD_ATTRIBUTES: &[Attribute] = &[
    custom_field::RESOURCE_TYPE,
    custom_field::IDENTIFIER,
    custom_field::NAME,
    custom_field::FORMAT,
    custom_field::OPTIONS,
    custom_field::UNIQUE,
    custom_field::CREATED_AT,
    custom_field::UPDATED_AT,
];

pub mod api_key {
    //! Each API key attribute, by name, for the readers.
    use super::*;

    pub const NAME: Attribute = Attribute {
        default: Some("API key"),
        ..Attribute::text("name").at_most(100)
    };
    pub const PREFIX: Attribute = Attribute::text("prefix")
        .writes(Writes::Never)
        .describe("The key's first characters, to tell keys apart.");
    pub const SECRET: Attribute = Attribute::text("secret")
        .writes(Writes::Never)
        .describe("The key itself: only in the 201 answer that creates it.");
    pub const CREATED_AT: Attribute =
        Attribute::new("created_at", ValueType::DateTime).writes(Writes::Never);
    pub const LAST_USED_AT: Attribute = Attribute::new("last_used_at", ValueType::DateTime)
        .nullable()
        .writes(Writes::Never);
}

pub mod webhook {
    //! Each webhook attribute, by name, for the readers.
    use super::*;

    pub const URL: Attribute = Attribute::text("url")
        .chars(1, 2048)
        .format("uri")
        .describe("Where deliveries are POSTed: an absolute https URL to a public address (http, loopback, private and link-local ones only with ORGBASE_WEBHOOKS_ALLOW_PRIVATE).");
    pub const DESCRIPTION: Attribute = Attribute::text("description").nullable().at_most(1000);
    pub const EVENTS: Attribute = Attribute::new("events", ValueType::TextList).describe(
        "The events delivered: `TYPE.created`, `TYPE.updated` or `TYPE.deleted` for each resource type the change log records (`organizations`, `custom_fields`, `users`, `api_keys`, `webhooks`), or `*` for all; default `[\"*\"]`.",
    );
    pub const ACTIVE: Attribute = Attribute {
        default: Some("true"),
        ..Attribute::new("active", ValueType::Boolean).describe(
            "Whether deliveries are made. orgbase sets it false after three days of failures (see `disabled_reason`); setting it true again resumes from where deliveries stopped.",
        )
    };
    pub const SECRET: Attribute = Attribute::text("secret").writes(Writes::Never).describe(
        "The signing secret (`whsec_` and base64, the Standard Webhooks format): only in the 201 answer that creates the webhook.",
    );
    pub const LAST_DELIVERED_SEQUENCE: Attribute = Attribute {
        minimum: Some(0),
        ..Attribute::new("last_delivered_sequence", ValueType::Integer)
            .writes(Writes::Never)
            .describe("The change log position deliveries have reached: every matching entry up to it was answered 2xx.")
    };
    pub const LAST_SUCCESS_AT: Attribute = Attribute::new("last_success_at", ValueType::DateTime)
        .nullable()
        .writes(Writes::Never);
    pub const LAST_FAILURE_AT: Attribute = Attribute::new("last_failure_at", ValueType::DateTime)
        .nullable()
        .writes(Writes::Never);
    pub const CONSECUTIVE_FAILURES: Attribute = Attribute {
        minimum: Some(0),
        ..Attribute::new("consecutive_failures", ValueType::Integer).writes(Writes::Never)
    };
    pub const DISABLED_REASON: Attribute = Attribute::text("disabled_reason")
        .nullable()
        .writes(Writes::Never)
        .describe("Why orgbase turned the webhook off, if it did.");
    pub const CREATED_AT: Attribute =
        Attribute::new("created_at", ValueType::DateTime).writes(Writes::Never);
    pub const UPDATED_AT: Attribute =
        Attribute::new("updated_at", ValueType::DateTime).writes(Writes::Never);
}

/// Every webhook attribute, in response order.
pub const WEBHOOK_ATTRIBUTES: &[Attribute] = &[
    webhook::URL,
    webhook::DESCRIPTION,
    webhook::EVENTS,
    webhook::ACTIVE,
    webhook::SECRET,
    webhook::LAST_DELIVERED_SEQUENCE,
    webhook::LAST_SUCCESS_AT,
    webhook::LAST_FAILURE_AT,
    webhook::CONSECUTIVE_FAILURES,
    webhook::DISABLED_REASON,
    webhook::CREATED_AT,
    webhook::UPDATED_AT,
];

pub mod webhook_delivery {
    //! Each attribute of a delivery attempt (all set by orgbase).
    use super::*;

    const fn read_only(attribute: Attribute) -> Attribute {
        attribute.writes(Writes::Never)
    }

    pub const SEQUENCE: Attribute = read_only(Attribute::new("sequence", ValueType::Integer))
        .describe("The change log entry delivered.");
    pub const EVENT_TYPE: Attribute = read_only(Attribute::text("event_type"));
    pub const ATTEMPT: Attribute = read_only(Attribute::new("attempt", ValueType::Integer))
        .describe("1 for the first attempt at this entry, then 2, 3 …");
    pub const STATUS_CODE: Attribute =
        read_only(Attribute::new("status_code", ValueType::Integer).nullable())
            .describe("The receiver's status; null when it did not answer.");
    pub const DURATION_MS: Attribute = read_only(Attribute::new("duration_ms", ValueType::Integer));
    pub const ERROR: Attribute = read_only(Attribute::text("error").nullable())
        .describe("Why it was not a 2xx: the status, a timeout, a refused connection.");
    pub const DELIVERED_AT: Attribute =
        read_only(Attribute::new("delivered_at", ValueType::DateTime));
    pub const NEXT_ATTEMPT_AT: Attribute = read_only(
        Attribute::new("next_attempt_at", ValueType::DateTime).nullable(),
    )
    .describe("When a failed attempt is tried again; null after a success, or once given up on.");
}

/// Every attribute of a delivery attempt, in response order.
pub const WEBHOOK_DELIVERY_ATTRIBUTES: &[Attribute] = &[
    webhook_delivery::SEQUENCE,
    webhook_delivery::EVENT_TYPE,
    webhook_delivery::ATTEMPT,
    webhook_delivery::STATUS_CODE,
    webhook_delivery::DURATION_MS,
    webhook_delivery::ERROR,
    webhook_delivery::DELIVERED_AT,
    webhook_delivery::NEXT_ATTEMPT_AT,
];

/// Every API key attribute, in response order.
pub const API_KEY_ATTRIBUTES: &[Attribute] = &[
    api_key::NAME,
    api_key::PREFIX,
    api_key::SECRET,
    api_key::CREATED_AT,
    api_key::LAST_USED_AT,
];

/// The organization attribute named `name`.
pub fn organization_attribute(name: &str) -> Option<&'static Attribute> {
    ORGANIZATION_ATTRIBUTES.iter().find(|a| a.name == name)
}

/// The task attribute named `name`.
pub fn task_attribute(name: &str) -> Option<&'static Attribute> {
    TASK_ATTRIBUTES.iter().find(|a| a.name == name)
}

/// The project attribute named `name`.
pub fn project_attribute(name: &str) -> Option<&'static Attribute> {
    PROJECT_ATTRIBUTES.iter().find(|a| a.name == name)
}

/// The document attribute named `name`.
pub fn document_attribute(name: &str) -> Option<&'static Attribute> {
    DOCUMENT_ATTRIBUTES.iter().find(|a| a.name == name)
}

/// The membership attribute named `name`.
pub fn membership_attribute(name: &str) -> Option<&'static Attribute> {
    MEMBERSHIP_ATTRIBUTES.iter().find(|a| a.name == name)
}

/// The contact attribute named `name`.
pub fn contact_attribute(name: &str) -> Option<&'static Attribute> {
    CONTACT_ATTRIBUTES.iter().find(|a| a.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contact_field_is_an_attribute_but_the_id_and_the_owner() {
        for attribute in CONTACT_ATTRIBUTES {
            let field = attribute
                .field
                .expect("every contact attribute is queryable");
            assert_eq!(field.attribute(), attribute.name);
            assert_eq!(field.nullable(), attribute.nullable, "{}", attribute.name);
        }
        for field in Field::CONTACT {
            assert_eq!(
                Field::from_contact_attribute(field.attribute()),
                Some(field),
                "{field:?}"
            );
        }
    }

    #[test]
    fn every_query_field_of_an_attribute_carries_its_name() {
        for attribute in ORGANIZATION_ATTRIBUTES {
            if let Some(field) = attribute.field {
                assert_eq!(field.attribute(), attribute.name);
                assert_eq!(field.nullable(), attribute.nullable, "{}", attribute.name);
            }
        }
        let fields: Vec<Field> = ORGANIZATION_ATTRIBUTES
            .iter()
            .filter_map(|a| a.field)
            .collect();
        // Every built-in query field but the id and the owner (not attributes) is one.
        for field in Field::ALL {
            assert_eq!(
                fields.contains(&field),
                !matches!(field, Field::Id | Field::Owner),
                "{field:?}"
            );
        }
    }

    #[test]
    fn enums_list_every_value_of_their_type() {
        assert_eq!(STATUSES, Status::ALL.map(Status::as_str));
        assert_eq!(ROLES, Role::ALL.map(Role::as_str));
        assert_eq!(FORMATS, CustomFormat::ALL.map(CustomFormat::as_str));
        assert_eq!(
            CUSTOM_RESOURCE_TYPES,
            CustomResourceType::ALL.map(CustomResourceType::as_str)
        );
    }
}
