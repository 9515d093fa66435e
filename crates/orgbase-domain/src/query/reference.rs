//! The reference semantics of a [`ListQuery`]: which records (organizations or contacts, any
//! [`Listed`] type) a filter, a search and an archive state admit, and in which order,
//! evaluated on records in memory. The in-memory
//! store runs these; the SQL backends are tested to agree with them exactly (the
//! differential property test).

use std::cmp::Ordering;

use uuid::Uuid;

use super::{
    ArchivedFilter, CONTACT_SEARCHED_FIELDS, Condition, Field, Filter, ListQuery, Operand, Page,
    Position, SEARCHED_FIELDS, SortDirection, SortKey,
};
use crate::contact::Contact;
use crate::custom_field::{CustomFieldKey, CustomFormat, CustomValue};
use crate::document::Document;
use crate::membership::Membership;
use crate::organization::Organization;
use crate::project::Project;
use crate::task::Task;
use crate::time::Timestamp;

/// A record lists hold: what the reference semantics read of it.
pub trait Listed {
    /// The fields `filter[q]` searches.
    const SEARCHED: &'static [Field];
    /// This field's value, folded as queries compare it.
    fn value(&self, field: Field) -> FieldValue;
    /// The id that breaks ties.
    fn list_id(&self) -> Uuid;
    /// Whether lists hide it by default.
    fn archived(&self) -> bool {
        false
    }
}

impl<T: Listed> Listed for &T {
    const SEARCHED: &'static [Field] = T::SEARCHED;
    fn value(&self, field: Field) -> FieldValue {
        (**self).value(field)
    }
    fn list_id(&self) -> Uuid {
        (**self).list_id()
    }
    fn archived(&self) -> bool {
        (**self).archived()
    }
}

impl Listed for Organization {
    const SEARCHED: &'static [Field] = &SEARCHED_FIELDS;
    fn value(&self, field: Field) -> FieldValue {
        field.value_of(self)
    }
    fn list_id(&self) -> Uuid {
        self.id.as_uuid()
    }
    fn archived(&self) -> bool {
        self.details.archived_at.is_some()
    }
}

impl Listed for Contact {
    const SEARCHED: &'static [Field] = &CONTACT_SEARCHED_FIELDS;
    fn value(&self, field: Field) -> FieldValue {
        let text = |v: &Option<String>| v.as_deref().map(|t| field.fold(t));
        match field {
            Field::Id => FieldValue::Id(Some(self.id.as_uuid())),
            Field::Owner => FieldValue::Id(self.owner_id.map(|u| u.as_uuid())),
            Field::Name => FieldValue::Text(Some(self.name_key())),
            Field::Email => FieldValue::Text(text(&self.email)),
            Field::Phone => FieldValue::Text(text(&self.phone)),
            Field::Title => FieldValue::Text(text(&self.title)),
            Field::Notes => FieldValue::Text(text(&self.notes)),
            Field::CreatedAt => FieldValue::DateTime(Some(self.created_at)),
            Field::UpdatedAt => FieldValue::DateTime(Some(self.updated_at)),
            Field::Custom(key) => custom_value_of(key, self.custom.get(&key.id)),
            // Not contact fields: the query parser never names them for contacts.
            _ => FieldValue::Text(None),
        }
    }
    fn list_id(&self) -> Uuid {
        self.id.as_uuid()
    }
}

impl Listed for Membership {
    // Memberships have no text to search; the parser refuses `filter[q]` for them.
    const SEARCHED: &'static [Field] = &[];
    fn value(&self, field: Field) -> FieldValue {
        match field {
            Field::Id => FieldValue::Id(Some(self.id.as_uuid())),
            Field::Role => FieldValue::Text(Some(self.role.as_str().to_owned())),
            Field::Organization => FieldValue::Id(Some(self.organization_id.as_uuid())),
            Field::Contact => FieldValue::Id(Some(self.contact_id.as_uuid())),
            Field::CreatedAt => FieldValue::DateTime(Some(self.created_at)),
            Field::UpdatedAt => FieldValue::DateTime(Some(self.updated_at)),
            // Not membership fields: the query parser never names them for memberships.
            _ => FieldValue::Text(None),
        }
    }
    fn list_id(&self) -> Uuid {
        self.id.as_uuid()
    }
}

impl Listed for Task {
    // Tasks are found by their organization and filters, not searched.
    const SEARCHED: &'static [Field] = &[];
    fn value(&self, field: Field) -> FieldValue {
        match field {
            Field::Id => FieldValue::Id(Some(self.id.as_uuid())),
            Field::Organization => FieldValue::Id(Some(self.organization_id.as_uuid())),
            Field::Assignee => FieldValue::Id(self.assignee_id.map(|u| u.as_uuid())),
            Field::Title => FieldValue::Text(Some(field.fold(&self.title))),
            Field::TaskStatus => FieldValue::Text(Some(self.status.as_str().to_owned())),
            Field::DueOn => FieldValue::DateTime(self.due_on.map(CustomValue::date_instant)),
            Field::CompletedAt => FieldValue::DateTime(self.completed_at),
            Field::Description => {
                FieldValue::Text(self.description.as_deref().map(|t| field.fold(t)))
            }
            Field::CreatedAt => FieldValue::DateTime(Some(self.created_at)),
            Field::UpdatedAt => FieldValue::DateTime(Some(self.updated_at)),
            _ => FieldValue::Text(None),
        }
    }
    fn list_id(&self) -> Uuid {
        self.id.as_uuid()
    }
}

impl Listed for Project {
    // Projects are found by their organization and filters, not searched.
    const SEARCHED: &'static [Field] = &[];
    fn value(&self, field: Field) -> FieldValue {
        let day = |d: Option<chrono::NaiveDate>| d.map(CustomValue::date_instant);
        match field {
            Field::Id => FieldValue::Id(Some(self.id.as_uuid())),
            Field::Organization => FieldValue::Id(Some(self.organization_id.as_uuid())),
            Field::Name => FieldValue::Text(Some(self.name_key())),
            Field::ProjectStatus => FieldValue::Text(Some(self.status.as_str().to_owned())),
            Field::StartsOn => FieldValue::DateTime(day(self.starts_on)),
            Field::EndsOn => FieldValue::DateTime(day(self.ends_on)),
            Field::Description => {
                FieldValue::Text(self.description.as_deref().map(|t| field.fold(t)))
            }
            Field::CreatedAt => FieldValue::DateTime(Some(self.created_at)),
            Field::UpdatedAt => FieldValue::DateTime(Some(self.updated_at)),
            _ => FieldValue::Text(None),
        }
    }
    fn list_id(&self) -> Uuid {
        self.id.as_uuid()
    }
}

impl Listed for Document {
    // Documents are found by their organization and filters, not searched.
    const SEARCHED: &'static [Field] = &[];
    fn value(&self, field: Field) -> FieldValue {
        let text = |v: &Option<String>| v.as_deref().map(|t| field.fold(t));
        match field {
            Field::Id => FieldValue::Id(Some(self.id.as_uuid())),
            Field::Organization => FieldValue::Id(Some(self.organization_id.as_uuid())),
            Field::Title => FieldValue::Text(Some(field.fold(&self.title))),
            Field::Url => FieldValue::Text(text(&self.url)),
            Field::ContentType => FieldValue::Text(text(&self.content_type)),
            Field::SizeBytes => FieldValue::Integer(self.size_bytes),
            Field::Description => FieldValue::Text(text(&self.description)),
            Field::CreatedAt => FieldValue::DateTime(Some(self.created_at)),
            Field::UpdatedAt => FieldValue::DateTime(Some(self.updated_at)),
            _ => FieldValue::Text(None),
        }
    }
    fn list_id(&self) -> Uuid {
        self.id.as_uuid()
    }
}

impl Field {
    /// This field's value in `org`.
    pub fn value_of(self, org: &Organization) -> FieldValue {
        let d = &org.details;
        let text = |v: &Option<String>| -> Option<String> { v.as_deref().map(|t| self.fold(t)) };
        match self {
            Field::Id => FieldValue::Id(Some(org.id.as_uuid())),
            Field::Owner => FieldValue::Id(d.owner_id.map(|u| u.as_uuid())),
            Field::Name => FieldValue::Text(Some(org.name_key())),
            Field::Slug => FieldValue::Text(Some(self.fold(&org.slug))),
            Field::CreatedFrom => FieldValue::Text(Some(self.fold(&org.created_from))),
            Field::Status => FieldValue::Text(Some(d.status.as_str().to_owned())),
            Field::OrganizationType => FieldValue::Text(text(&d.organization_type)),
            Field::Description => FieldValue::Text(text(&d.description)),
            Field::Website => FieldValue::Text(text(&d.website)),
            Field::Email => FieldValue::Text(text(&d.email)),
            Field::Phone => FieldValue::Text(text(&d.phone)),
            Field::Address => FieldValue::Text(text(&d.address)),
            Field::City => FieldValue::Text(text(&d.city)),
            Field::State => FieldValue::Text(text(&d.state)),
            Field::Country => FieldValue::Text(text(&d.country)),
            Field::Industry => FieldValue::Text(text(&d.industry)),
            Field::CompanySize => FieldValue::Integer(d.company_size),
            Field::LastContactAt => FieldValue::DateTime(d.last_contact_at),
            Field::ArchivedAt => FieldValue::DateTime(d.archived_at),
            Field::CreatedAt => FieldValue::DateTime(Some(org.created_at)),
            Field::UpdatedAt => FieldValue::DateTime(Some(org.updated_at)),
            Field::Lists => FieldValue::Set(d.lists.iter().map(|l| self.fold(l)).collect()),
            Field::Domains => FieldValue::Set(d.domains.iter().map(|l| self.fold(l)).collect()),
            Field::Custom(key) => custom_value_of(key, d.custom.get(&key.id)),
            // Contacts' and memberships' fields; organizations have none.
            Field::Title | Field::Notes | Field::Role | Field::Url | Field::ContentType => {
                FieldValue::Text(None)
            }
            Field::SizeBytes => FieldValue::Integer(None),
            Field::ProjectStatus => FieldValue::Text(None),
            Field::StartsOn | Field::EndsOn | Field::DueOn | Field::CompletedAt => {
                FieldValue::DateTime(None)
            }
            Field::TaskStatus => FieldValue::Text(None),
            Field::Assignee => FieldValue::Id(None),
            Field::Organization | Field::Contact => FieldValue::Id(None),
        }
    }
}

impl SortKey {
    /// The reference ordering under this key alone: folded values, nulls last in both
    /// directions.
    pub fn compare<T: Listed>(&self, a: &T, b: &T) -> Ordering {
        self.compare_values(&a.value(self.field), &b.value(self.field))
    }

    /// [`compare_values`] in this key's direction, nulls still last.
    pub fn compare_values(&self, a: &FieldValue, b: &FieldValue) -> Ordering {
        match (a.is_null(), b.is_null()) {
            (false, false) => match self.direction {
                SortDirection::Ascending => compare_values(a, b),
                SortDirection::Descending => compare_values(a, b).reverse(),
            },
            _ => compare_values(a, b),
        }
    }
}

/// Two values of one field in ascending order, nulls after every value.
pub fn compare_values(a: &FieldValue, b: &FieldValue) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    match (a, b) {
        (FieldValue::Id(x), FieldValue::Id(y)) => x.cmp(y),
        (FieldValue::Text(x), FieldValue::Text(y)) => x.cmp(y),
        (FieldValue::Integer(x), FieldValue::Integer(y)) => x.cmp(y),
        (FieldValue::Number(x), FieldValue::Number(y)) => {
            x.partial_cmp(y).unwrap_or(Ordering::Equal)
        }
        (FieldValue::Boolean(x), FieldValue::Boolean(y)) => x.cmp(y),
        (FieldValue::DateTime(x), FieldValue::DateTime(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

impl ArchivedFilter {
    pub fn admits(self, record: &impl Listed) -> bool {
        match self {
            ArchivedFilter::Exclude => !record.archived(),
            ArchivedFilter::Only => record.archived(),
            ArchivedFilter::Any => true,
        }
    }
}

impl ListQuery {
    /// The reference selection: every filter, the search and the archive state.
    pub fn admits(&self, record: &impl Listed) -> bool {
        self.archived.admits(record)
            && self.filters.iter().all(|f| f.matches(record))
            && self
                .search
                .as_deref()
                .is_none_or(|q| search_matches(q, record))
    }

    /// The reference total ordering: the sort keys, then the id in [`Self::tie_break`]'s
    /// direction.
    pub fn compare<T: Listed>(&self, a: &T, b: &T) -> Ordering {
        // Key by key, without building a position: sorts call this n log n times.
        self.sort
            .iter()
            .map(|key| key.compare(a, b))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| self.compare_ids(a.list_id(), b.list_id()))
    }

    /// The tie-break: ids in [`Self::tie_break`]'s direction.
    fn compare_ids(&self, a: Uuid, b: Uuid) -> Ordering {
        match self.tie_break() {
            SortDirection::Ascending => a.cmp(&b),
            SortDirection::Descending => b.cmp(&a),
        }
    }

    /// Where `record` stands in this query's order.
    pub fn position_of(&self, record: &impl Listed) -> Position {
        Position {
            values: self.sort.iter().map(|k| record.value(k.field)).collect(),
            id: record.list_id(),
        }
    }

    /// `org` against a position in this query's order (a cursor's): the reference of keyset
    /// pages.
    pub fn compare_to(&self, record: &impl Listed, position: &Position) -> Ordering {
        self.sort
            .iter()
            .zip(&position.values)
            .map(|(key, value)| key.compare_values(&record.value(key.field), value))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| self.compare_ids(record.list_id(), position.id))
    }

    /// The reference page of this query from all its matches, in order.
    pub fn cut<T: Listed>(&self, sorted: Vec<T>) -> Page<T> {
        Page::cut(sorted, &self.page, self.with_total, |org, position| {
            self.compare_to(org, position)
        })
    }
}

/// A custom field's value as the query compares it: text folded, dates as their midnight.
fn custom_value_of(key: CustomFieldKey, value: Option<&CustomValue>) -> FieldValue {
    let fold = |t: &String| t.to_ascii_lowercase();
    match (key.format, value) {
        (CustomFormat::MultiSelect, Some(CustomValue::Choices(c))) => {
            FieldValue::Set(c.iter().map(fold).collect())
        }
        (CustomFormat::MultiSelect, _) => FieldValue::Set(Vec::new()),
        (_, Some(CustomValue::Text(t))) => FieldValue::Text(Some(fold(t))),
        (_, Some(CustomValue::Number(n))) => FieldValue::Number(Some(*n)),
        (_, Some(CustomValue::Boolean(b))) => FieldValue::Boolean(Some(*b)),
        (_, Some(CustomValue::Date(date))) => {
            FieldValue::DateTime(Some(CustomValue::date_instant(*date)))
        }
        (_, Some(CustomValue::DateTime(at))) => FieldValue::DateTime(Some(*at)),
        (CustomFormat::Number, _) => FieldValue::Number(None),
        (CustomFormat::Boolean, _) => FieldValue::Boolean(None),
        (CustomFormat::Date | CustomFormat::DateTime, _) => FieldValue::DateTime(None),
        (_, _) => FieldValue::Text(None),
    }
}

/// A field's value, folded for comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Id(Option<Uuid>),
    Text(Option<String>),
    Integer(Option<i64>),
    Number(Option<f64>),
    Boolean(Option<bool>),
    DateTime(Option<Timestamp>),
    Set(Vec<String>),
}

fn operand_cmp(value: &FieldValue, operand: &Operand) -> Option<Ordering> {
    match (value, operand) {
        (FieldValue::Id(Some(v)), Operand::Id(o)) => Some(v.cmp(o)),
        (FieldValue::Text(Some(v)), Operand::Text(o)) => Some(v.as_str().cmp(o.as_str())),
        (FieldValue::Integer(Some(v)), Operand::Integer(o)) => Some(v.cmp(o)),
        (FieldValue::Number(Some(v)), Operand::Number(o)) => v.partial_cmp(o),
        (FieldValue::Boolean(Some(v)), Operand::Boolean(o)) => Some(v.cmp(o)),
        (FieldValue::DateTime(Some(v)), Operand::DateTime(o)) => Some(v.cmp(o)),
        _ => None,
    }
}

impl FieldValue {
    /// No value (a set is never null: empty is its "none").
    pub fn is_null(&self) -> bool {
        matches!(
            self,
            FieldValue::Id(None)
                | FieldValue::Text(None)
                | FieldValue::Integer(None)
                | FieldValue::Number(None)
                | FieldValue::Boolean(None)
                | FieldValue::DateTime(None)
        )
    }
}

/// `filter[q]`: the reference semantics of free-text search.
pub fn search_matches<T: Listed>(text: &str, record: &T) -> bool {
    T::SEARCHED.iter().any(|field| {
        let needle = field.fold(text);
        match record.value(*field) {
            FieldValue::Text(Some(t)) => t.contains(&needle),
            FieldValue::Set(elements) => elements.iter().any(|e| e.contains(&needle)),
            _ => false,
        }
    })
}

impl Filter {
    /// The reference semantics of this filter.
    pub fn matches(&self, record: &impl Listed) -> bool {
        let value = record.value(self.field);
        if let FieldValue::Set(elements) = &value {
            let has =
                |operand: &Operand| matches!(operand, Operand::Text(t) if elements.contains(t));
            return match &self.condition {
                Condition::Eq(o) => has(o),
                Condition::Ne(o) => !has(o),
                Condition::In(os) => os.iter().any(has),
                _ => false,
            };
        }
        let cmp = |o: &Operand| operand_cmp(&value, o);
        let text = match &value {
            FieldValue::Text(Some(t)) => Some(t.as_str()),
            _ => None,
        };
        match &self.condition {
            Condition::Eq(o) => cmp(o) == Some(Ordering::Equal),
            Condition::Ne(o) => cmp(o) != Some(Ordering::Equal),
            Condition::In(os) => os.iter().any(|o| cmp(o) == Some(Ordering::Equal)),
            Condition::Contains(s) => text.is_some_and(|t| t.contains(s.as_str())),
            Condition::StartsWith(s) => text.is_some_and(|t| t.starts_with(s.as_str())),
            Condition::Gt(o) => cmp(o) == Some(Ordering::Greater),
            Condition::Gte(o) => matches!(cmp(o), Some(Ordering::Greater | Ordering::Equal)),
            Condition::Lt(o) => cmp(o) == Some(Ordering::Less),
            Condition::Lte(o) => matches!(cmp(o), Some(Ordering::Less | Ordering::Equal)),
            Condition::Null(want) => value.is_null() == *want,
        }
    }
}
