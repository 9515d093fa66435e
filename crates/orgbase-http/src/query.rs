//! Query parameters: parsed into the domain's [`ListQuery`] and the rendering options, with
//! every bad parameter reported at once, each naming itself in `source.parameter`.
//! Percent-encoded brackets (`filter%5Bname%5D`) mean the same as raw ones: the whole query
//! string is decoded before names are read.

use std::collections::{BTreeSet, HashSet};

use orgbase_domain::query::{FieldKind, MAX_PAGE_SIZE};
use orgbase_domain::{
    ArchivedFilter, CustomFields, Field, Filter, Keyset, ListQuery, Operator, SortDirection,
    SortKey,
};
use serde_json::json;

use orgbase_domain::attributes::{
    API_KEY_ATTRIBUTES, Attribute, CONTACT_ATTRIBUTES, CUSTOM_FIELD_ATTRIBUTES,
    DOCUMENT_ATTRIBUTES, MEMBERSHIP_ATTRIBUTES, ORGANIZATION_ATTRIBUTES, PROJECT_ATTRIBUTES,
    TASK_ATTRIBUTES, USER_ATTRIBUTES, WEBHOOK_ATTRIBUTES, WEBHOOK_DELIVERY_ATTRIBUTES,
};

use crate::cursor::{CURSOR_PROFILE, Cursors};
use crate::document::{
    API_KEYS, CONTACT_INCLUDES, CONTACT_RELATIONSHIPS, CONTACT_TO_MANY, CONTACTS, CUSTOM_FIELDS,
    DOCUMENT_RELATIONSHIPS, DOCUMENTS, FieldSet, MEMBERSHIP_RELATIONSHIPS, MEMBERSHIPS,
    ORGANIZATION_INCLUDES, ORGANIZATION_RELATIONSHIPS, ORGANIZATION_TO_MANY, ORGANIZATIONS,
    PROJECT_RELATIONSHIPS, PROJECTS, TASK_RELATIONSHIPS, TASKS, USERS, WEBHOOK_DELIVERIES,
    WEBHOOKS,
};
use crate::errors::{ApiError, DefinedError, ErrorObject, Kind};
use crate::state::DefinedFields;

/// The decoded `(name, value)` pairs of a query string, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryPairs(pub Vec<(String, String)>);

impl QueryPairs {
    pub fn parse(raw: &str) -> Self {
        Self(
            form_urlencoded::parse(raw.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The pairs with `name` set to `value` (in place, or appended).
    pub fn with(&self, name: &str, value: String) -> Vec<(String, String)> {
        let mut pairs = self.0.clone();
        match pairs.iter_mut().find(|(k, _)| k == name) {
            Some(pair) => pair.1 = value,
            None => pairs.push((name.to_owned(), value)),
        }
        pairs
    }

    /// The pairs without the cursor parameters, then with these set (in this order).
    pub fn with_cursors(&self, cursors: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = self
            .0
            .iter()
            .filter(|(k, _)| k != "page[after]" && k != "page[before]")
            .cloned()
            .collect();
        pairs.extend(cursors.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        pairs
    }
}

/// What a list request's paging depends on beyond its query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paging {
    /// The collection's path: cursors are bound to it.
    pub path: String,
    /// `Accept` asks for the cursor pagination profile.
    pub cursor_profile: bool,
}

impl Paging {
    /// Whether an `Accept` header asks for the cursor pagination profile: a JSON:API media
    /// range whose `profile` parameter (a space-separated list of URIs) names it.
    pub fn accepts_cursor_profile(accept: &str) -> bool {
        accept.split(',').any(|range| {
            let media = crate::media_type::MediaType::parse(range);
            media.essence == crate::jsonapi::JSONAPI_MEDIA_TYPE
                && media.params.iter().any(|(name, value)| {
                    name == "profile"
                        && value
                            .split_ascii_whitespace()
                            .any(|uri| uri.trim_end_matches('/') == CURSOR_PROFILE)
                })
        })
    }
}

/// How a response renders resources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// `fields[organizations]`.
    pub fields: FieldSet,
    /// `fields[contacts]`.
    pub contact_fields: FieldSet,
    /// `fields[memberships]`.
    pub membership_fields: FieldSet,
    /// `fields[documents]`.
    pub document_fields: FieldSet,
    /// `fields[projects]`.
    pub project_fields: FieldSet,
    /// `fields[tasks]`.
    pub task_fields: FieldSet,
    /// `fields[users]`.
    pub user_fields: FieldSet,
    /// `fields[api_keys]`.
    pub api_key_fields: FieldSet,
    /// `fields[custom_fields]`.
    pub custom_field_fields: FieldSet,
    /// `fields[webhooks]`.
    pub webhook_fields: FieldSet,
    /// `fields[webhook_deliveries]`.
    pub delivery_fields: FieldSet,
    /// `Some` when `include` was given (even empty): the document then has `included`.
    pub include: Option<Vec<String>>,
}

/// `GET /organizations` parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListParams {
    pub query: ListQuery,
    pub render: RenderOptions,
    /// Set when the list is paged by cursor (the cursor pagination profile); the query's page
    /// then has a keyset.
    pub cursors: Option<Cursors>,
}

/// Parameters of a request about one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceParams {
    pub render: RenderOptions,
    pub return_existing: bool,
    /// `?upsert=ATTRIBUTE` on a create: the attribute that finds the organization to update.
    pub upsert: Option<UpsertKey>,
}

use orgbase_domain::service::UpsertKey;

/// For endpoints whose resources have no custom fields.
static NO_CUSTOM_FIELDS: CustomFields = CustomFields::EMPTY;

/// Whose fields a collection's filters and sorts name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Organizations,
    Contacts,
    Memberships,
    Documents,
    Projects,
    Tasks,
}

impl Listing {
    /// The built-in fields, in the order messages list them.
    pub(crate) fn fields(self) -> &'static [Field] {
        match self {
            Listing::Organizations => &Field::ALL,
            Listing::Contacts => &Field::CONTACT,
            Listing::Memberships => &Field::MEMBERSHIP,
            Listing::Documents => &Field::DOCUMENT,
            Listing::Projects => &Field::PROJECT,
            Listing::Tasks => &Field::TASK,
        }
    }

    fn field(self, attribute: &str) -> Option<Field> {
        match self {
            Listing::Organizations => Field::from_attribute(attribute),
            Listing::Contacts => Field::from_contact_attribute(attribute),
            Listing::Memberships => Field::from_membership_attribute(attribute),
            Listing::Documents => Field::from_document_attribute(attribute),
            Listing::Projects => Field::from_project_attribute(attribute),
            Listing::Tasks => Field::from_task_attribute(attribute),
        }
    }

    /// The collection an endpoint lists (or is about), by its path.
    pub(crate) fn of_path(path: &str) -> Self {
        let collection = |segment: &str| match segment {
            "contacts" | "members" => Some(Listing::Contacts),
            "memberships" => Some(Listing::Memberships),
            "documents" => Some(Listing::Documents),
            "projects" => Some(Listing::Projects),
            "tasks" => Some(Listing::Tasks),
            "organizations" => Some(Listing::Organizations),
            _ => None,
        };
        let mut segments = path.split('/').filter(|s| !s.is_empty());
        let first = segments.next().and_then(collection);
        // A related collection (`/organizations/{id}/members`) lists its last segment's.
        path.rsplit('/')
            .next()
            .and_then(collection)
            .or(first)
            .unwrap_or(Listing::Organizations)
    }

    /// Organizations and contacts have custom fields.
    pub(crate) fn has_custom_fields(self) -> bool {
        matches!(self, Listing::Organizations | Listing::Contacts)
    }

    /// Only organizations are archived.
    pub(crate) fn archivable(self) -> bool {
        self == Listing::Organizations
    }

    /// Memberships and documents have no `filter[q]`.
    pub(crate) fn searchable(self) -> bool {
        matches!(self, Listing::Organizations | Listing::Contacts)
    }
}

/// What an endpoint accepts beyond `fields` and `include`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Accepts {
    /// Organizations: filters, sorts and pages.
    Collection,
    /// Users or keys: pages only.
    PlainCollection,
    /// The changes feed: pages (its filters are read by [`crate::change_query`]).
    Changes,
    Resource,
    Create,
}

/// Collects parameters and errors in one pass.
struct Parser<'a> {
    accepts: Accepts,
    /// Whose fields filters and sorts name.
    listing: Listing,
    /// The relationship paths `include` may name.
    includable: &'static [&'static str],
    /// The custom fields organization attributes, filters and sorts may name.
    custom: &'a CustomFields,
    /// The custom fields contact attributes, filters and sorts may name.
    contact_custom: &'a CustomFields,
    errors: Vec<ErrorObject>,
    list: ListParams,
    return_existing: bool,
    upsert: Option<UpsertKey>,
    /// The paging parameters, read when every other parameter is known (a cursor depends on
    /// the sort and filters, which may come after it).
    number_given: bool,
    total_given: Option<bool>,
    after: Option<String>,
    before: Option<String>,
}

pub(crate) fn invalid(name: &str, detail: impl Into<String>) -> ErrorObject {
    ErrorObject::new(Kind::InvalidParameter, detail).parameter(name)
}

pub(crate) fn unknown(name: &str, detail: impl Into<String>) -> ErrorObject {
    ErrorObject::new(Kind::UnknownParameter, detail).parameter(name)
}

fn boolean(name: &str, value: &str) -> Result<bool, ErrorObject> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid(
            name,
            format!("`{name}` must be true or false, not {value:?}."),
        )),
    }
}

impl<'a> Parser<'a> {
    fn new(
        accepts: Accepts,
        includable: &'static [&'static str],
        custom: &'a CustomFields,
    ) -> Self {
        Self {
            accepts,
            listing: Listing::Organizations,
            includable,
            custom,
            contact_custom: &NO_CUSTOM_FIELDS,
            errors: Vec::new(),
            list: ListParams::default(),
            return_existing: false,
            upsert: None,
            number_given: false,
            total_given: None,
            after: None,
            before: None,
        }
    }

    /// Both resource types' custom fields, for parameters that may name either.
    fn with_fields(mut self, fields: &'a DefinedFields) -> Self {
        self.custom = &fields.organizations;
        self.contact_custom = &fields.contacts;
        self
    }

    /// The custom fields of the listed type, which filters and sorts name.
    fn listing_custom(&self) -> &'a CustomFields {
        match self.listing {
            Listing::Organizations => self.custom,
            Listing::Contacts => self.contact_custom,
            _ => &NO_CUSTOM_FIELDS,
        }
    }

    fn run(&mut self, pairs: &QueryPairs) {
        let mut seen = HashSet::new();
        for (name, value) in &pairs.0 {
            if !seen.insert(name.as_str()) {
                self.errors
                    .push(invalid(name, format!("`{name}` is given more than once.")));
                continue;
            }
            if let Err(error) = self.one(name, value) {
                self.errors.push(error);
            }
        }
    }

    fn one(&mut self, name: &str, value: &str) -> Result<(), ErrorObject> {
        let collection = self.accepts == Accepts::Collection;
        let paged =
            collection || matches!(self.accepts, Accepts::PlainCollection | Accepts::Changes);
        match name {
            "fields[organizations]" => {
                let known: Vec<&str> =
                    field_names(ORGANIZATION_ATTRIBUTES, ORGANIZATION_RELATIONSHIPS)
                        .chain(ORGANIZATION_TO_MANY.iter().map(|t| t.name))
                        .chain(self.custom.identifiers())
                        .collect();
                self.list.render.fields = fieldset(name, value, ORGANIZATIONS, &known)?;
            }
            "fields[contacts]" => {
                let known: Vec<&str> = field_names(CONTACT_ATTRIBUTES, CONTACT_RELATIONSHIPS)
                    .chain(CONTACT_TO_MANY.iter().map(|t| t.name))
                    .chain(self.contact_custom.identifiers())
                    .collect();
                self.list.render.contact_fields = fieldset(name, value, CONTACTS, &known)?;
            }
            "fields[memberships]" => {
                let known: Vec<&str> =
                    field_names(MEMBERSHIP_ATTRIBUTES, MEMBERSHIP_RELATIONSHIPS).collect();
                self.list.render.membership_fields = fieldset(name, value, MEMBERSHIPS, &known)?;
            }
            "fields[documents]" => {
                let known: Vec<&str> =
                    field_names(DOCUMENT_ATTRIBUTES, DOCUMENT_RELATIONSHIPS).collect();
                self.list.render.document_fields = fieldset(name, value, DOCUMENTS, &known)?;
            }
            "fields[projects]" => {
                let known: Vec<&str> =
                    field_names(PROJECT_ATTRIBUTES, PROJECT_RELATIONSHIPS).collect();
                self.list.render.project_fields = fieldset(name, value, PROJECTS, &known)?;
            }
            "fields[tasks]" => {
                let known: Vec<&str> = field_names(TASK_ATTRIBUTES, TASK_RELATIONSHIPS).collect();
                self.list.render.task_fields = fieldset(name, value, TASKS, &known)?;
            }
            "fields[users]" => {
                let known: Vec<&str> = field_names(USER_ATTRIBUTES, &[]).collect();
                self.list.render.user_fields = fieldset(name, value, USERS, &known)?
            }
            "fields[api_keys]" => {
                let known: Vec<&str> = field_names(API_KEY_ATTRIBUTES, &["user"]).collect();
                self.list.render.api_key_fields = fieldset(name, value, API_KEYS, &known)?
            }
            "fields[custom_fields]" => {
                let known: Vec<&str> = field_names(CUSTOM_FIELD_ATTRIBUTES, &[]).collect();
                self.list.render.custom_field_fields = fieldset(name, value, CUSTOM_FIELDS, &known)?
            }
            "fields[webhooks]" => {
                let known: Vec<&str> = field_names(WEBHOOK_ATTRIBUTES, &[]).collect();
                self.list.render.webhook_fields = fieldset(name, value, WEBHOOKS, &known)?
            }
            "fields[webhook_deliveries]" => {
                let known: Vec<&str> = field_names(WEBHOOK_DELIVERY_ATTRIBUTES, &[]).collect();
                self.list.render.delivery_fields =
                    fieldset(name, value, WEBHOOK_DELIVERIES, &known)?
            }
            "include" => self.list.render.include = Some(include(name, value, self.includable)?),
            "page[number]" if paged => {
                self.list.query.page.number = page_number(name, value)?;
                self.number_given = true;
            }
            "page[size]" if paged => self.list.query.page.size = page_size(name, value)?,
            "page[total]" if paged => self.total_given = Some(boolean(name, value)?),
            "page[after]" if paged => self.after = Some(value.to_owned()),
            "page[before]" if paged => self.before = Some(value.to_owned()),
            "sort" if collection => {
                self.list.query.sort = sort(name, value, self.listing, self.listing_custom())?
            }
            "filter[archived]" if collection && self.listing.archivable() => {
                self.list.query.archived = archived(name, value)?
            }
            // An empty search is no search (and keeps the constant-time total).
            "filter[q]" if collection && self.listing.searchable() => {
                self.list.query.search = (!value.is_empty()).then(|| value.to_owned())
            }
            "return_existing" if self.accepts == Accepts::Create => {
                self.return_existing = boolean(name, value)?
            }
            "upsert" if self.accepts == Accepts::Create => {
                self.upsert = Some(upsert_key(name, value, self.custom)?)
            }
            _ if name.starts_with("fields[") => {
                return Err(invalid(
                    name,
                    format!(
                        "Sparse fieldsets are available for: {ORGANIZATIONS}, {CONTACTS}, {MEMBERSHIPS}, {DOCUMENTS}, {PROJECTS}, {TASKS}, {USERS}, {API_KEYS}, {CUSTOM_FIELDS}, {WEBHOOKS}, {WEBHOOK_DELIVERIES}."
                    ),
                ));
            }
            _ if name.starts_with("filter[") && collection => self.list.query.filters.push(filter(
                name,
                value,
                self.listing,
                self.listing_custom(),
            )?),
            _ if name.starts_with("page[") && paged => {
                return Err(unknown(
                    name,
                    "Pages are chosen with page[number] and page[size] (and page[total]=false to skip counting), or by cursor with page[after], page[before], page[size] and page[total]=true.",
                ));
            }
            _ => {
                return Err(unknown(
                    name,
                    format!("`{name}` is not a query parameter of this endpoint."),
                ));
            }
        }
        Ok(())
    }

    /// Settles how a collection is paged: by cursor when a cursor is given or `Accept` asks
    /// for the profile, else by number exactly as before the profile existed. Only the
    /// collection parsers call it.
    fn settle_paging(&mut self, pairs: &QueryPairs, paging: &Paging) {
        let by_cursor = self.after.is_some() || self.before.is_some() || paging.cursor_profile;
        let size = self.list.query.page.size;
        if !by_cursor {
            if size > MAX_PAGE_SIZE {
                let sent = pairs
                    .0
                    .iter()
                    .find(|(name, _)| name == "page[size]")
                    .map_or("", |(_, value)| value.as_str());
                self.errors.push(invalid(
                    "page[size]",
                    format!("`page[size]` must be a whole number from 1 to {MAX_PAGE_SIZE}, not {sent:?}."),
                ));
            }
            self.list.query.with_total = self.total_given.unwrap_or(true);
            return;
        }
        if self.number_given {
            self.errors.push(invalid(
                "page[number]",
                "`page[number]` cannot be combined with cursor paging (page[after], page[before], or an Accept asking for the cursor pagination profile).",
            ));
        }
        if size > MAX_PAGE_SIZE {
            let mut error = ErrorObject::new(
                Kind::MaxPageSizeExceeded,
                format!("`page[size]` may be at most {MAX_PAGE_SIZE}."),
            )
            .parameter("page[size]");
            error.defined = Some(Box::new(DefinedError {
                links: json!({ "type": crate::cursor::MAX_SIZE_EXCEEDED }),
                meta: json!({ "page": { "maxSize": MAX_PAGE_SIZE } }),
            }));
            self.errors.push(error);
        }
        // Counting costs what the filter costs; a cursor walk asks for it when it wants it.
        self.list.query.with_total = self.total_given.unwrap_or(false);
        let kinds: Vec<FieldKind> = if self.accepts == Accepts::Collection {
            self.list
                .query
                .sort
                .iter()
                .map(|k| k.field.kind())
                .collect()
        } else if self.accepts == Accepts::Changes {
            // The feed is ordered by sequence alone.
            vec![FieldKind::Integer]
        } else {
            // Users, keys and custom fields list oldest first: (created_at, id).
            vec![FieldKind::DateTime]
        };
        let cursors = Cursors::new(&paging.path, pairs, kinds);
        let mut keyset = Keyset::default();
        for (name, raw, bound) in [
            ("page[after]", &self.after, &mut keyset.after),
            ("page[before]", &self.before, &mut keyset.before),
        ] {
            if let Some(raw) = raw {
                match cursors.decode(raw) {
                    Ok(position) => *bound = Some(position),
                    Err(why) => self.errors.push(invalid(name, format!("`{name}` {why}."))),
                }
            }
        }
        self.list.query.page.number = 1;
        self.list.query.page.keyset = Some(keyset);
        self.list.cursors = Some(cursors);
    }

    fn finish<T>(self, value: impl FnOnce(ListParams, bool) -> T) -> Result<T, ApiError> {
        if self.errors.is_empty() {
            Ok(value(self.list, self.return_existing))
        } else {
            Err(ApiError::many(self.errors))
        }
    }
}

/// The fields `fields[type]` may name: the type's attributes, then its relationships.
fn field_names<'a>(
    attributes: &'a [Attribute],
    relationships: &'a [&'static str],
) -> impl Iterator<Item = &'a str> {
    attributes
        .iter()
        .map(|a| a.name)
        .chain(relationships.iter().copied())
}

fn fieldset(
    name: &str,
    value: &str,
    resource: &str,
    known: &[&str],
) -> Result<FieldSet, ErrorObject> {
    let mut names = BTreeSet::new();
    for field in value.split(',').filter(|f| !f.is_empty()) {
        if !known.contains(&field) {
            return Err(invalid(
                name,
                format!("{field:?} is not a field of {resource}."),
            ));
        }
        names.insert(field.to_owned());
    }
    Ok(FieldSet::Only(names))
}

/// `include=owner,memberships.contact`: relationship paths of the primary resources, from the
/// endpoint's list (the only nested ones are memberships' other end). Empty is valid; each
/// path is included once.
fn include(name: &str, value: &str, includable: &[&str]) -> Result<Vec<String>, ErrorObject> {
    let mut paths: Vec<String> = Vec::new();
    for path in value.split(',').filter(|p| !p.is_empty()) {
        if !includable.contains(&path) {
            let allowed = if includable.is_empty() {
                "nothing".to_owned()
            } else {
                includable.join(", ")
            };
            return Err(invalid(
                name,
                format!("{path:?} cannot be included here; include may name {allowed}."),
            ));
        }
        if !paths.iter().any(|p| p == path) {
            paths.push(path.to_owned());
        }
    }
    Ok(paths)
}

/// `filter[attr]=v` (equality, or membership for lists and domains) or `filter[attr][op]=v`.
/// The built-in field or custom field an attribute names.
fn resolve(listing: Listing, attribute: &str, custom: &CustomFields) -> Option<Field> {
    listing.field(attribute).or_else(|| {
        custom
            .by_identifier(attribute)
            .map(|f| Field::Custom(f.key()))
    })
}

fn filter(
    name: &str,
    value: &str,
    listing: Listing,
    custom: &CustomFields,
) -> Result<Filter, ErrorObject> {
    let inner = name.strip_prefix("filter[").unwrap_or(name);
    let (attribute, operator) = match inner.split_once("][") {
        Some((attribute, rest)) => (attribute, rest.strip_suffix(']')),
        None => (inner.strip_suffix(']').unwrap_or(inner), Some("eq")),
    };
    let Some(operator_name) = operator.filter(|op| !op.contains(['[', ']'])) else {
        return Err(invalid(
            name,
            "Filters are written filter[attribute]=value or filter[attribute][operator]=value.",
        ));
    };
    let Some(field) = resolve(listing, attribute, custom) else {
        let filterable: Vec<&str> = listing
            .searchable()
            .then_some("q")
            .into_iter()
            .chain(listing.archivable().then_some("archived"))
            .chain(listing.fields().iter().map(|f| f.attribute()))
            .chain(custom.identifiers())
            .collect();
        return Err(unknown(
            name,
            format!(
                "{attribute:?} cannot be filtered; filter by {}.",
                filterable.join(", ")
            ),
        ));
    };
    let Some(operator) = Operator::from_name(operator_name) else {
        let operators: Vec<&str> = Operator::ALL.iter().map(|o| o.name()).collect();
        return Err(invalid(
            name,
            format!(
                "{operator_name:?} is not an operator; use one of: {}.",
                operators.join(", ")
            ),
        ));
    };
    Filter::parse(field, operator, value).map_err(|why| invalid(name, format!("{why}.")))
}

fn page_number(name: &str, value: &str) -> Result<u64, ErrorObject> {
    match value.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(invalid(
            name,
            format!("`{name}` must be a whole number from 1, not {value:?}."),
        )),
    }
}

/// A positive whole number; the maximum is checked once the paging is known, because the
/// cursor profile answers a size above it with its own error.
fn page_size(name: &str, value: &str) -> Result<u64, ErrorObject> {
    match value.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => Ok(u64::MAX),
        _ => Err(invalid(
            name,
            format!("`{name}` must be a whole number from 1 to {MAX_PAGE_SIZE}, not {value:?}."),
        )),
    }
}

fn sort(
    name: &str,
    value: &str,
    listing: Listing,
    custom: &CustomFields,
) -> Result<Vec<SortKey>, ErrorObject> {
    let mut keys: Vec<SortKey> = Vec::new();
    for item in value.split(',') {
        let (field_name, direction) = match item.strip_prefix('-') {
            Some(rest) => (rest, SortDirection::Descending),
            None => (item, SortDirection::Ascending),
        };
        let Some(field) = resolve(listing, field_name, custom).filter(|f| f.sortable()) else {
            let sortable: Vec<&str> = listing
                .fields()
                .iter()
                .filter(|f| f.sortable())
                .map(|f| f.attribute())
                .chain(
                    custom
                        .iter()
                        .filter(|f| Field::Custom(f.key()).sortable())
                        .map(|f| f.identifier.as_str()),
                )
                .collect();
            return Err(invalid(
                name,
                format!(
                    "{field_name:?} is not sortable; sort by {}.",
                    sortable.join(", ")
                ),
            ));
        };
        if keys.iter().any(|k| k.field == field) {
            return Err(invalid(
                name,
                format!("{field_name:?} is named more than once."),
            ));
        }
        keys.push(SortKey { field, direction });
    }
    Ok(keys)
}

fn archived(name: &str, value: &str) -> Result<ArchivedFilter, ErrorObject> {
    match value {
        "false" => Ok(ArchivedFilter::Exclude),
        "true" => Ok(ArchivedFilter::Only),
        "any" => Ok(ArchivedFilter::Any),
        _ => Err(invalid(
            name,
            format!("`{name}` must be false, true or any, not {value:?}."),
        )),
    }
}

/// `GET /organizations`: `fields` are the custom fields defined now.
pub fn list_params(
    pairs: &QueryPairs,
    fields: &DefinedFields,
    paging: &Paging,
) -> Result<ListParams, ApiError> {
    let mut parser = Parser::new(
        Accepts::Collection,
        ORGANIZATION_INCLUDES,
        &NO_CUSTOM_FIELDS,
    )
    .with_fields(fields);
    parser.run(pairs);
    parser.settle_paging(pairs, paging);
    parser.finish(|list, _| list)
}

/// `GET /contacts`: filters and sorts over contacts' fields (custom ones too), pages,
/// fieldsets, `include`.
pub fn contact_list_params(
    pairs: &QueryPairs,
    fields: &DefinedFields,
    paging: &Paging,
) -> Result<ListParams, ApiError> {
    let mut parser =
        Parser::new(Accepts::Collection, CONTACT_INCLUDES, &NO_CUSTOM_FIELDS).with_fields(fields);
    parser.listing = Listing::Contacts;
    parser.run(pairs);
    parser.settle_paging(pairs, paging);
    parser.finish(|list, _| list)
}

/// `GET /memberships`: filters and sorts over memberships' fields, pages, fieldsets.
pub fn membership_list_params(pairs: &QueryPairs, paging: &Paging) -> Result<ListParams, ApiError> {
    let mut parser = Parser::new(Accepts::Collection, &[], &NO_CUSTOM_FIELDS);
    parser.listing = Listing::Memberships;
    parser.run(pairs);
    parser.settle_paging(pairs, paging);
    parser.finish(|list, _| list)
}

/// `GET /documents`: filters and sorts over documents' fields, pages, fieldsets.
pub fn document_list_params(pairs: &QueryPairs, paging: &Paging) -> Result<ListParams, ApiError> {
    let mut parser = Parser::new(Accepts::Collection, &[], &NO_CUSTOM_FIELDS);
    parser.listing = Listing::Documents;
    parser.run(pairs);
    parser.settle_paging(pairs, paging);
    parser.finish(|list, _| list)
}

/// `GET /projects`: filters and sorts over projects' fields, pages, fieldsets.
pub fn project_list_params(pairs: &QueryPairs, paging: &Paging) -> Result<ListParams, ApiError> {
    let mut parser = Parser::new(Accepts::Collection, &[], &NO_CUSTOM_FIELDS);
    parser.listing = Listing::Projects;
    parser.run(pairs);
    parser.settle_paging(pairs, paging);
    parser.finish(|list, _| list)
}

/// `GET /tasks`: filters and sorts over tasks' fields, pages, fieldsets.
pub fn task_list_params(pairs: &QueryPairs, paging: &Paging) -> Result<ListParams, ApiError> {
    let mut parser = Parser::new(Accepts::Collection, &[], &NO_CUSTOM_FIELDS);
    parser.listing = Listing::Tasks;
    parser.run(pairs);
    parser.settle_paging(pairs, paging);
    parser.finish(|list, _| list)
}

/// Parameters of `GET /users`, `GET /api_keys` and `GET /custom_fields`: pages and fieldsets.
pub fn plain_list_params(pairs: &QueryPairs, paging: &Paging) -> Result<ListParams, ApiError> {
    let mut parser = Parser::new(Accepts::PlainCollection, &[], &NO_CUSTOM_FIELDS);
    parser.run(pairs);
    parser.settle_paging(pairs, paging);
    parser.finish(|list, _| list)
}

/// `GET /custom_fields` parameters: pages, fieldsets, and the resource type listed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomFieldListParams {
    pub list: ListParams,
    /// `filter[resource_type]`: only the fields of this type.
    pub resource_type: Option<orgbase_domain::CustomResourceType>,
}

/// `GET /custom_fields`: as [`plain_list_params`], and `filter[resource_type]`, which a
/// cursor is bound to like any filter.
pub fn custom_field_list_params(
    pairs: &QueryPairs,
    paging: &Paging,
) -> Result<CustomFieldListParams, ApiError> {
    const NAME: &str = "filter[resource_type]";
    let mut resource_type = None;
    let mut errors = Vec::new();
    let rest = QueryPairs(
        pairs
            .0
            .iter()
            .filter(|(name, value)| {
                if name != NAME {
                    return true;
                }
                match orgbase_domain::CustomResourceType::parse(value) {
                    Some(t) => resource_type = Some(t),
                    None => errors.push(invalid(
                        NAME,
                        format!("`{NAME}` must be organizations or contacts, not {value:?}."),
                    )),
                }
                false
            })
            .cloned()
            .collect(),
    );
    let mut parser = Parser::new(Accepts::PlainCollection, &[], &NO_CUSTOM_FIELDS);
    parser.run(&rest);
    parser.settle_paging(pairs, paging);
    parser.errors.extend(errors);
    parser.finish(|list, _| CustomFieldListParams {
        list,
        resource_type,
    })
}

/// The paging of the changes feed: `rest` holds its parameters but the filters and `sort`
/// (read by [`crate::change_query`]), `pairs` all of them, which a cursor is bound to.
pub fn change_paging(
    rest: &QueryPairs,
    pairs: &QueryPairs,
    paging: &Paging,
) -> (ListParams, Vec<ErrorObject>) {
    let mut parser = Parser::new(Accepts::Changes, &[], &NO_CUSTOM_FIELDS);
    parser.run(rest);
    parser.settle_paging(pairs, paging);
    (parser.list, parser.errors)
}

/// Parameters of a request about one resource whose relationships `include` may name.
pub fn resource_params(
    pairs: &QueryPairs,
    includable: &'static [&'static str],
) -> Result<ResourceParams, ApiError> {
    one_resource_params(
        Parser::new(Accepts::Resource, includable, &NO_CUSTOM_FIELDS),
        pairs,
    )
}

/// Parameters of a request about one organization, whose fieldsets may name custom fields.
pub fn organization_params(
    pairs: &QueryPairs,
    includable: &'static [&'static str],
    fields: &DefinedFields,
) -> Result<ResourceParams, ApiError> {
    let parser = Parser::new(Accepts::Resource, includable, &NO_CUSTOM_FIELDS).with_fields(fields);
    one_resource_params(parser, pairs)
}

/// Parameters of a request about one contact, whose fieldsets may name custom fields.
pub fn contact_params(
    pairs: &QueryPairs,
    fields: &DefinedFields,
) -> Result<ResourceParams, ApiError> {
    organization_params(pairs, CONTACT_INCLUDES, fields)
}

fn one_resource_params(
    mut parser: Parser<'_>,
    pairs: &QueryPairs,
) -> Result<ResourceParams, ApiError> {
    parser.run(pairs);
    parser.finish(|list, _| ResourceParams {
        render: list.render,
        return_existing: false,
        upsert: None,
    })
}

pub fn create_params(
    pairs: &QueryPairs,
    fields: &DefinedFields,
) -> Result<ResourceParams, ApiError> {
    let mut parser =
        Parser::new(Accepts::Create, ORGANIZATION_INCLUDES, &NO_CUSTOM_FIELDS).with_fields(fields);
    parser.run(pairs);
    let upsert = parser.upsert;
    if upsert.is_some() && parser.return_existing {
        parser.errors.push(invalid(
            "upsert",
            "`upsert` updates the organization that holds the value, `return_existing` returns it unchanged: send one of them.",
        ));
    }
    parser.finish(|list, return_existing| ResourceParams {
        render: list.render,
        return_existing,
        upsert,
    })
}

/// `upsert=name`, or the identifier of a unique custom field.
pub(crate) fn upsert_key(
    name: &str,
    value: &str,
    custom: &CustomFields,
) -> Result<UpsertKey, ErrorObject> {
    if value == "name" {
        return Ok(UpsertKey::Name);
    }
    match custom.by_identifier(value) {
        Some(field) if field.unique => Ok(UpsertKey::Custom(field.id)),
        Some(field) => Err(invalid(
            name,
            format!(
                "`{}` is not a unique custom field; make it unique first (PATCH /custom_fields/{} with \"unique\": true).",
                field.identifier, field.id
            ),
        )),
        None => Err(invalid(
            name,
            format!(
                "`{name}` must be `name` or the identifier of a unique custom field, not {value:?}."
            ),
        )),
    }
}

/// `DELETE /users/{id}`: `reassign_to=<user id>` hands their organizations to another user.
pub fn delete_user_params(pairs: &QueryPairs) -> Result<Option<orgbase_domain::UserId>, ApiError> {
    let mut reassign_to = None;
    let mut errors = Vec::new();
    for (name, value) in &pairs.0 {
        match name.as_str() {
            "reassign_to" => match value.parse() {
                Ok(id) if reassign_to.is_none() => reassign_to = Some(id),
                Ok(_) => errors.push(invalid(name, "`reassign_to` is given more than once.")),
                Err(_) => errors.push(invalid(
                    name,
                    format!("`reassign_to` must be a user id, not {value:?}."),
                )),
            },
            _ => errors.push(unknown(
                name,
                format!("`{name}` is not a query parameter of this endpoint."),
            )),
        }
    }
    if errors.is_empty() {
        Ok(reassign_to)
    } else {
        Err(ApiError::many(errors))
    }
}
