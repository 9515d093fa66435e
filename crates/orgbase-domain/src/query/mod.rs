//! The storage-agnostic list query: which organizations (or contacts), in which order, which
//! page. One query model serves both types: [`Field::ALL`] are organizations' fields,
//! [`Field::CONTACT`] contacts', and the reference semantics run on any [`Listed`] record.
//!
//! The HTTP layer parses query strings into a [`ListQuery`]; every backend executes it itself
//! (SQL for diesel), never by loading a table into memory. This module is the query model and
//! its parsing from text; [`reference`] holds the reference semantics ([`Filter::matches`],
//! [`ListQuery::compare`]), which the in-memory store runs and the SQL backends are tested to
//! agree with exactly.
//!
//! Case: `name` compares through its Unicode-lower-cased key (the one its uniqueness uses);
//! list and domain elements are Unicode-lower-cased too; every other text compares with ASCII
//! letters folded, which is what `lower()` does in both SQLite and PostgreSQL (on the `C`
//! collation orgbase uses), so all backends agree byte for byte.

use uuid::Uuid;

use crate::custom_field::{CustomFieldKey, CustomFormat};
use crate::time::Timestamp;

mod page;
mod reference;

pub use page::{DEFAULT_PAGE_SIZE, Keyset, MAX_PAGE_SIZE, Page, PageRequest, Position};
pub use reference::{FieldValue, Listed, compare_values, search_matches};

/// The attributes a list can filter or sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Id,
    Name,
    Slug,
    OrganizationType,
    Status,
    Description,
    Website,
    Email,
    Phone,
    Address,
    City,
    State,
    Country,
    Industry,
    CompanySize,
    CreatedFrom,
    LastContactAt,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
    Lists,
    Domains,
    /// The owner's user id.
    Owner,
    /// A contact's job title.
    Title,
    /// A contact's notes.
    Notes,
    /// A membership's role.
    Role,
    /// A membership's organization (its id).
    Organization,
    /// A membership's contact (its id).
    Contact,
    /// A document's URL.
    Url,
    /// A document's media type.
    ContentType,
    /// A document's size.
    SizeBytes,
    /// A project's status.
    ProjectStatus,
    /// A project's first day.
    StartsOn,
    /// A project's last day.
    EndsOn,
    /// A task's status.
    TaskStatus,
    /// A task's due day.
    DueOn,
    /// When a task was done.
    CompletedAt,
    /// A task's assignee (a user id).
    Assignee,
    /// A custom field, addressed by its identifier in query strings.
    Custom(CustomFieldKey),
}

/// How a field's values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// An id (the organization's, or its owner's): equality only.
    Id,
    /// Text; see the module docs for case folding.
    Text,
    /// One of a fixed set of lower-case words (`status`).
    Enum(&'static [&'static str]),
    Integer,
    /// A custom number (a double).
    Number,
    Boolean,
    DateTime,
    /// A custom select: one of the field's options, compared ignoring case.
    Choice,
    /// A set of strings (`lists`, `domains`): filters test membership.
    Set,
}

impl Field {
    /// The built-in fields (custom ones come from the custom field definitions).
    pub const ALL: [Field; 23] = [
        Field::Id,
        Field::Name,
        Field::Slug,
        Field::OrganizationType,
        Field::Status,
        Field::Description,
        Field::Website,
        Field::Email,
        Field::Phone,
        Field::Address,
        Field::City,
        Field::State,
        Field::Country,
        Field::Industry,
        Field::CompanySize,
        Field::CreatedFrom,
        Field::LastContactAt,
        Field::ArchivedAt,
        Field::CreatedAt,
        Field::UpdatedAt,
        Field::Lists,
        Field::Domains,
        Field::Owner,
    ];

    /// The fields of contacts, which lists filter and sort by.
    pub const CONTACT: [Field; 9] = [
        Field::Id,
        Field::Name,
        Field::Email,
        Field::Phone,
        Field::Title,
        Field::Notes,
        Field::CreatedAt,
        Field::UpdatedAt,
        Field::Owner,
    ];

    /// The fields of memberships.
    pub const MEMBERSHIP: [Field; 6] = [
        Field::Id,
        Field::Role,
        Field::CreatedAt,
        Field::UpdatedAt,
        Field::Organization,
        Field::Contact,
    ];

    /// The fields of documents.
    pub const DOCUMENT: [Field; 9] = [
        Field::Id,
        Field::Title,
        Field::Url,
        Field::ContentType,
        Field::SizeBytes,
        Field::Description,
        Field::CreatedAt,
        Field::UpdatedAt,
        Field::Organization,
    ];

    /// The fields of projects.
    pub const PROJECT: [Field; 9] = [
        Field::Id,
        Field::Name,
        Field::ProjectStatus,
        Field::StartsOn,
        Field::EndsOn,
        Field::Description,
        Field::CreatedAt,
        Field::UpdatedAt,
        Field::Organization,
    ];

    /// The fields of tasks.
    pub const TASK: [Field; 10] = [
        Field::Id,
        Field::Title,
        Field::TaskStatus,
        Field::DueOn,
        Field::CompletedAt,
        Field::Description,
        Field::CreatedAt,
        Field::UpdatedAt,
        Field::Organization,
        Field::Assignee,
    ];

    /// The attribute name clients use; custom fields are named by their definition.
    pub fn attribute(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Name => "name",
            Field::Slug => "slug",
            Field::OrganizationType => "organization_type",
            Field::Status => "status",
            Field::Description => "description",
            Field::Website => "website",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Address => "address",
            Field::City => "city",
            Field::State => "state",
            Field::Country => "country",
            Field::Industry => "industry",
            Field::CompanySize => "company_size",
            Field::CreatedFrom => "created_from",
            Field::LastContactAt => "last_contact_at",
            Field::ArchivedAt => "archived_at",
            Field::CreatedAt => "created_at",
            Field::UpdatedAt => "updated_at",
            Field::Lists => "lists",
            Field::Domains => "domains",
            Field::Owner => "owner",
            Field::Title => "title",
            Field::Notes => "notes",
            Field::Role => "role",
            Field::Organization => "organization",
            Field::Contact => "contact",
            Field::Url => "url",
            Field::ContentType => "content_type",
            Field::SizeBytes => "size_bytes",
            Field::ProjectStatus => "status",
            Field::StartsOn => "starts_on",
            Field::EndsOn => "ends_on",
            Field::TaskStatus => "status",
            Field::DueOn => "due_on",
            Field::CompletedAt => "completed_at",
            Field::Assignee => "assignee",
            Field::Custom(_) => "custom field",
        }
    }

    /// The field a query parameter names: the id, the owner, or an attribute that the
    /// attribute table ([`crate::attributes::table`]) says is filterable.
    pub fn from_attribute(name: &str) -> Option<Self> {
        match name {
            "id" => Some(Field::Id),
            "owner" => Some(Field::Owner),
            _ => crate::attributes::organization_attribute(name).and_then(|a| a.field),
        }
    }

    /// The contact field a query parameter names, as [`Self::from_attribute`] for contacts.
    pub fn from_contact_attribute(name: &str) -> Option<Self> {
        match name {
            "id" => Some(Field::Id),
            "owner" => Some(Field::Owner),
            _ => crate::attributes::contact_attribute(name).and_then(|a| a.field),
        }
    }

    /// The membership field a query parameter names: the id, the organization, the
    /// contact, or a membership attribute.
    pub fn from_membership_attribute(name: &str) -> Option<Self> {
        match name {
            "id" => Some(Field::Id),
            "organization" => Some(Field::Organization),
            "contact" => Some(Field::Contact),
            _ => crate::attributes::membership_attribute(name).and_then(|a| a.field),
        }
    }

    /// The task field a query parameter names.
    pub fn from_task_attribute(name: &str) -> Option<Self> {
        match name {
            "id" => Some(Field::Id),
            "organization" => Some(Field::Organization),
            "assignee" => Some(Field::Assignee),
            _ => crate::attributes::task_attribute(name).and_then(|a| a.field),
        }
    }

    /// The project field a query parameter names.
    pub fn from_project_attribute(name: &str) -> Option<Self> {
        match name {
            "id" => Some(Field::Id),
            "organization" => Some(Field::Organization),
            _ => crate::attributes::project_attribute(name).and_then(|a| a.field),
        }
    }

    /// The document field a query parameter names.
    pub fn from_document_attribute(name: &str) -> Option<Self> {
        match name {
            "id" => Some(Field::Id),
            "organization" => Some(Field::Organization),
            _ => crate::attributes::document_attribute(name).and_then(|a| a.field),
        }
    }

    pub fn kind(self) -> FieldKind {
        match self {
            Field::Id | Field::Owner | Field::Organization | Field::Contact | Field::Assignee => {
                FieldKind::Id
            }
            Field::TaskStatus => FieldKind::Enum(crate::task::TaskStatus::NAMES),
            Field::DueOn | Field::CompletedAt => FieldKind::DateTime,
            Field::Role => FieldKind::Enum(crate::membership::MembershipRole::NAMES),
            Field::ProjectStatus => FieldKind::Enum(crate::project::ProjectStatus::NAMES),
            // Days compare as their midnight in UTC, as custom date fields do.
            Field::StartsOn | Field::EndsOn => FieldKind::DateTime,
            Field::Status => FieldKind::Enum(&["active", "inactive"]),
            Field::CompanySize | Field::SizeBytes => FieldKind::Integer,
            Field::LastContactAt | Field::ArchivedAt | Field::CreatedAt | Field::UpdatedAt => {
                FieldKind::DateTime
            }
            Field::Lists | Field::Domains => FieldKind::Set,
            Field::Custom(key) => match key.format {
                CustomFormat::Text | CustomFormat::Url | CustomFormat::Email => FieldKind::Text,
                CustomFormat::Number => FieldKind::Number,
                CustomFormat::Boolean => FieldKind::Boolean,
                CustomFormat::Date | CustomFormat::DateTime => FieldKind::DateTime,
                CustomFormat::Select => FieldKind::Choice,
                CustomFormat::MultiSelect => FieldKind::Set,
            },
            _ => FieldKind::Text,
        }
    }

    /// Whether the attribute can be null (so `null` filters apply and sorts put nulls last).
    pub fn nullable(self) -> bool {
        matches!(
            self,
            Field::OrganizationType
                | Field::Description
                | Field::Website
                | Field::Email
                | Field::Phone
                | Field::Address
                | Field::City
                | Field::State
                | Field::Country
                | Field::Industry
                | Field::CompanySize
                | Field::LastContactAt
                | Field::ArchivedAt
                | Field::Owner
                | Field::Title
                | Field::Notes
                | Field::Url
                | Field::ContentType
                | Field::SizeBytes
                | Field::StartsOn
                | Field::EndsOn
                | Field::DueOn
                | Field::CompletedAt
                | Field::Assignee
                | Field::Custom(_)
        )
    }

    /// Sets and the ids of related records cannot be sorted by.
    pub fn sortable(self) -> bool {
        self.kind() != FieldKind::Set
            && !matches!(
                self,
                Field::Owner | Field::Organization | Field::Contact | Field::Assignee
            )
    }

    /// The operators a filter on this field accepts.
    pub fn operators(self) -> &'static [Operator] {
        use Operator::*;
        const NULLABLE_TEXT: &[Operator] =
            &[Eq, Ne, In, Contains, StartsWith, Gt, Gte, Lt, Lte, Null];
        const TEXT: &[Operator] = &[Eq, Ne, In, Contains, StartsWith, Gt, Gte, Lt, Lte];
        const NULLABLE_ORDERED: &[Operator] = &[Eq, Ne, In, Gt, Gte, Lt, Lte, Null];
        const ORDERED: &[Operator] = &[Eq, Ne, In, Gt, Gte, Lt, Lte];
        match (self.kind(), self.nullable()) {
            (FieldKind::Id, true) => &[Eq, Ne, In, Null],
            (FieldKind::Id, false) => &[Eq, Ne, In],
            (FieldKind::Enum(_), _) => &[Eq, Ne, In],
            (FieldKind::Set, _) => &[Eq, Ne, In],
            (FieldKind::Choice, _) => &[Eq, Ne, In, Null],
            (FieldKind::Boolean, _) => &[Eq, Ne, Null],
            (FieldKind::Text, true) => NULLABLE_TEXT,
            (FieldKind::Text, false) => TEXT,
            (_, true) => NULLABLE_ORDERED,
            (_, false) => ORDERED,
        }
    }

    /// Folds text of this field for comparison (see the module docs).
    pub fn fold(self, text: &str) -> String {
        match self {
            Field::Name | Field::Lists | Field::Domains => text.to_lowercase(),
            _ => text.to_ascii_lowercase(),
        }
    }
}

/// A filter operator, as spelled in `filter[attr][op]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Ne,
    In,
    Contains,
    StartsWith,
    Gt,
    Gte,
    Lt,
    Lte,
    Null,
}

impl Operator {
    pub const ALL: [Operator; 10] = [
        Operator::Eq,
        Operator::Ne,
        Operator::In,
        Operator::Contains,
        Operator::StartsWith,
        Operator::Gt,
        Operator::Gte,
        Operator::Lt,
        Operator::Lte,
        Operator::Null,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Operator::Eq => "eq",
            Operator::Ne => "ne",
            Operator::In => "in",
            Operator::Contains => "contains",
            Operator::StartsWith => "starts_with",
            Operator::Gt => "gt",
            Operator::Gte => "gte",
            Operator::Lt => "lt",
            Operator::Lte => "lte",
            Operator::Null => "null",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// A filter operand, already checked against the field's type and folded.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Id(Uuid),
    Text(String),
    Integer(i64),
    /// Finite.
    Number(f64),
    Boolean(bool),
    DateTime(Timestamp),
}

/// What a filter requires of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Equal; for sets: has this element.
    Eq(Operand),
    /// Not equal, nulls included; for sets: lacks this element.
    Ne(Operand),
    /// Equal to any; for sets: has any of these elements.
    In(Vec<Operand>),
    /// Text containing this (folded) text.
    Contains(String),
    /// Text starting with this (folded) text.
    StartsWith(String),
    /// Ordered comparisons; nulls never match.
    Gt(Operand),
    Gte(Operand),
    Lt(Operand),
    Lte(Operand),
    /// `true`: is null; `false`: is not null.
    Null(bool),
}

/// One `filter[attr][op]=value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: Field,
    pub condition: Condition,
}

impl Field {
    /// Reads one operand for this field from text: checked against the field's type and
    /// folded the way the field compares. The error is a sentence for the client.
    pub fn parse_operand(self, raw: &str) -> Result<Operand, String> {
        match self.kind() {
            FieldKind::Id => Uuid::parse_str(raw)
                .map(Operand::Id)
                .map_err(|_| format!("{raw:?} is not a UUID")),
            FieldKind::Text | FieldKind::Set | FieldKind::Choice => {
                Ok(Operand::Text(self.fold(raw)))
            }
            FieldKind::Number => match raw.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(Operand::Number(if n == 0.0 { 0.0 } else { n })),
                _ => Err(format!("{raw:?} is not a number")),
            },
            FieldKind::Boolean => match raw {
                "true" => Ok(Operand::Boolean(true)),
                "false" => Ok(Operand::Boolean(false)),
                _ => Err(format!("{raw:?} is not true or false")),
            },
            FieldKind::Enum(words) => {
                let word = raw.to_ascii_lowercase();
                if words.contains(&word.as_str()) {
                    Ok(Operand::Text(word))
                } else {
                    Err(format!("{raw:?} is not one of: {}", words.join(", ")))
                }
            }
            FieldKind::Integer => raw
                .parse()
                .map(Operand::Integer)
                .map_err(|_| format!("{raw:?} is not a whole number")),
            FieldKind::DateTime => parse_datetime(raw)
                .map(Operand::DateTime)
                .ok_or_else(|| format!("{raw:?} is not an RFC 3339 date-time (2026-01-31T09:00:00Z) or a date (2026-01-31)")),
        }
    }
}

/// RFC 3339, or a plain date meaning its midnight in UTC.
fn parse_datetime(raw: &str) -> Option<Timestamp> {
    crate::time::parse(raw).or_else(|| {
        chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    })
}

impl Filter {
    /// Builds a filter from `filter[attr][op]=raw`. The error is a sentence for the client.
    pub fn parse(field: Field, operator: Operator, raw: &str) -> Result<Self, String> {
        if !field.operators().contains(&operator) {
            let allowed: Vec<&str> = field.operators().iter().map(|o| o.name()).collect();
            return Err(format!(
                "`{}` does not apply to this attribute; use one of: {}",
                operator.name(),
                allowed.join(", ")
            ));
        }
        let operand = |raw: &str| field.parse_operand(raw);
        let condition = match operator {
            Operator::Eq => Condition::Eq(operand(raw)?),
            Operator::Ne => Condition::Ne(operand(raw)?),
            Operator::Gt => Condition::Gt(operand(raw)?),
            Operator::Gte => Condition::Gte(operand(raw)?),
            Operator::Lt => Condition::Lt(operand(raw)?),
            Operator::Lte => Condition::Lte(operand(raw)?),
            Operator::Contains => Condition::Contains(field.fold(raw)),
            Operator::StartsWith => Condition::StartsWith(field.fold(raw)),
            Operator::In => {
                let items: Vec<&str> = raw.split(',').collect();
                if items.iter().any(|i| i.is_empty()) {
                    return Err(
                        "`in` takes a comma-separated list of values, none of them empty"
                            .to_owned(),
                    );
                }
                Condition::In(items.into_iter().map(operand).collect::<Result<_, _>>()?)
            }
            Operator::Null => match raw {
                "true" => Condition::Null(true),
                "false" => Condition::Null(false),
                _ => return Err(format!("`null` takes true or false, not {raw:?}")),
            },
        };
        Ok(Self { field, condition })
    }
}

/// The fields `filter[q]` searches in organizations: it matches when any contains the text,
/// ignoring case.
pub const SEARCHED_FIELDS: [Field; 5] = [
    Field::Name,
    Field::Website,
    Field::Email,
    Field::Domains,
    Field::Description,
];

/// The fields `filter[q]` searches in contacts.
pub const CONTACT_SEARCHED_FIELDS: [Field; 4] =
    [Field::Name, Field::Email, Field::Phone, Field::Title];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    Ascending,
    Descending,
}

impl SortDirection {
    pub fn reversed(self) -> Self {
        match self {
            SortDirection::Ascending => SortDirection::Descending,
            SortDirection::Descending => SortDirection::Ascending,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: Field,
    pub direction: SortDirection,
}

impl SortKey {
    pub fn ascending(field: Field) -> Self {
        Self {
            field,
            direction: SortDirection::Ascending,
        }
    }

    pub fn descending(field: Field) -> Self {
        Self {
            field,
            direction: SortDirection::Descending,
        }
    }
}

/// Which organizations a list shows by their archive state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchivedFilter {
    /// Only those not archived: the default, archived records are hidden from lists.
    #[default]
    Exclude,
    /// Only archived ones.
    Only,
    /// Both.
    Any,
}

/// A list request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// All must match.
    pub filters: Vec<Filter>,
    /// `filter[q]`: free-text search over [`SEARCHED_FIELDS`].
    pub search: Option<String>,
    pub archived: ArchivedFilter,
    /// Sort keys in priority order. Backends always end with the id, in the direction of
    /// [`ListQuery::tie_break`], so pages neither overlap nor skip rows.
    pub sort: Vec<SortKey>,
    pub page: PageRequest,
    /// Whether to count every match for [`Page::total`]. Unfiltered counts are cheap in every
    /// backend; a filtered count costs what the filter costs, so clients paging through large
    /// filtered sets may skip it (`page[total]=false`).
    pub with_total: bool,
    /// Contacts only: just those with a membership in this organization (its `members`).
    /// Not a [`Filter`], because it reads another table than the listed one.
    pub member_of: Option<crate::ids::OrganizationId>,
}

impl Default for ListQuery {
    /// Not archived, oldest first, the first page of 100.
    fn default() -> Self {
        Self {
            filters: Vec::new(),
            search: None,
            archived: ArchivedFilter::default(),
            sort: vec![SortKey::ascending(Field::CreatedAt)],
            page: PageRequest::default(),
            with_total: true,
            member_of: None,
        }
    }
}

impl ListQuery {
    /// The direction of the id that breaks ties: the last sort key's. `-created_at` then means
    /// `created_at DESC, id DESC`, which one `(created_at, id)` index serves read backwards; an
    /// ascending id under a descending key would make the database sort every run of equal
    /// values (an import batch shares one timestamp) instead of walking the index.
    pub fn tie_break(&self) -> SortDirection {
        self.sort
            .last()
            .map_or(SortDirection::Ascending, |key| key.direction)
    }

    /// Whether the order needs the id appended to be total: not when a sort key is the id
    /// already. A repeated `id` term is not only redundant: SQLite then sorts the page's rows
    /// by it ("temp B-tree for right part of ORDER BY") instead of reading the index in order.
    pub fn needs_tie_break(&self) -> bool {
        !self.sort.iter().any(|key| key.field == Field::Id)
    }
}
