//! The built-in filters and `filter[q]` as SQL conditions; filters on custom fields are
//! [`super::custom`]'s.

use diesel::dsl::{not, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};
use orgbase_domain::query::FieldKind;
use orgbase_domain::{Condition, Error, Field, Filter, ListQuery, Operand};

use super::custom;
use super::sql::{
    BoxedCondition, BoxedOrganizations, Dialect, Unindexed, datetime, folded, id, integer,
    like_escaped, mismatch, text,
};
use crate::schema::{organization_domains, organization_lists, organizations};

/// One condition on a scalar column. `$value` is the compared (nullable) expression, `$null`
/// the column's IS NULL, `$convert` turns an operand into the column's Rust type.
macro_rules! scalar_condition {
    ($filter:expr, $value:expr, $null:expr, $convert:expr, like: $like:tt) => {{
        let filter: &Filter = $filter;
        let convert = |o: &Operand| $convert(o).ok_or_else(|| mismatch(filter));
        let condition: BoxedCondition = match &filter.condition {
            Condition::Eq(o) => Box::new($value.eq(convert(o)?)),
            // Nulls are "not equal" too, as in the reference semantics.
            Condition::Ne(o) => Box::new($null.nullable().or($value.ne(convert(o)?))),
            Condition::In(os) => Box::new($value.eq_any(os.iter().map(convert).collect::<Result<Vec<_>, _>>()?)),
            Condition::Gt(o) => Box::new($value.gt(convert(o)?)),
            Condition::Gte(o) => Box::new($value.ge(convert(o)?)),
            Condition::Lt(o) => Box::new($value.lt(convert(o)?)),
            Condition::Lte(o) => Box::new($value.le(convert(o)?)),
            Condition::Null(true) => Box::new($null.nullable()),
            Condition::Null(false) => Box::new(not($null).nullable()),
            Condition::Contains(s) => scalar_condition!(@like $like, $value, format!("%{}%", like_escaped(s)), filter),
            Condition::StartsWith(s) => scalar_condition!(@like $like, $value, format!("{}%", like_escaped(s)), filter),
        };
        condition
    }};
    (@like true, $value:expr, $pattern:expr, $filter:expr) => {
        Box::new($value.like($pattern).escape('\\'))
    };
    (@like false, $value:expr, $pattern:expr, $filter:expr) => {{
        // Only text columns take patterns; the HTTP parser never builds one for others.
        let _ = $pattern;
        return Err(mismatch($filter));
    }};
}

/// How a membership filter (`lists`, `domains`) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// `id IN (SELECT organization_id …)`: its cost is bounded by the number of members, so
    /// it suits counts, rare members and orders no index serves.
    Subquery,
    /// A correlated `EXISTS`, probed per row: SQLite then walks the order's index and stops
    /// after the page, which wins when members are dense (1 in 20 members sorted by name:
    /// 12 ms against 6 s cold, 190 ms warm). For counts and rare members it would probe every
    /// row, and SQLite does not choose between the two by cost; [`super::page`] does, from
    /// the member count.
    Probe,
}

/// Membership in a side table (`lists`, `domains`), written as `membership` says; `lacks`
/// (`ne`) is always the subquery.
macro_rules! set_condition {
    ($filter:expr, $table:ident, $key:ident, $membership:expr) => {{
        let filter: &Filter = $filter;
        let holders = |keys: Vec<String>| {
            organizations::id.eq_any(
                $table::table
                    .filter($table::$key.eq_any(keys))
                    .select($table::organization_id),
            )
        };
        let probed = |keys: Vec<String>| -> BoxedCondition {
            Box::new(
                diesel::dsl::exists(
                    $table::table
                        .filter($table::organization_id.eq(organizations::id))
                        .filter($table::$key.eq_any(keys)),
                )
                .nullable(),
            )
        };
        let one = |o: &Operand| text(o).ok_or_else(|| mismatch(filter));
        let condition: BoxedCondition = match (&filter.condition, $membership) {
            (Condition::Eq(o), Membership::Probe) => probed(vec![one(o)?]),
            (Condition::In(os), Membership::Probe) => {
                probed(os.iter().map(one).collect::<Result<_, _>>()?)
            }
            (Condition::Eq(o), _) => Box::new(holders(vec![one(o)?]).nullable()),
            (Condition::Ne(o), _) => Box::new(not(holders(vec![one(o)?])).nullable()),
            (Condition::In(os), _) => {
                Box::new(holders(os.iter().map(one).collect::<Result<_, _>>()?).nullable())
            }
            _ => return Err(mismatch(filter)),
        };
        condition
    }};
}

fn condition(
    filter: &Filter,
    archived: orgbase_domain::ArchivedFilter,
    membership: Membership,
) -> Result<BoxedCondition, Error> {
    use organizations::dsl as o;
    Ok(match filter.field {
        Field::Id => scalar_condition!(filter, o::id.nullable(), o::id.is_null(), id, like: false),
        Field::Name => {
            scalar_condition!(filter, o::name_key.nullable(), o::name_key.is_null(), text, like: true)
        }
        Field::Status => {
            scalar_condition!(filter, o::status.nullable(), o::status.is_null(), text, like: false)
        }
        Field::Slug => {
            scalar_condition!(filter, folded!(o::slug), o::slug.is_null(), text, like: true)
        }
        Field::CreatedFrom => {
            scalar_condition!(filter, folded!(o::created_from), o::created_from.is_null(), text, like: true)
        }
        Field::OrganizationType => {
            scalar_condition!(filter, folded!(o::organization_type), o::organization_type.is_null(), text, like: true)
        }
        Field::Description => {
            scalar_condition!(filter, folded!(o::description), o::description.is_null(), text, like: true)
        }
        Field::Website => {
            scalar_condition!(filter, folded!(o::website), o::website.is_null(), text, like: true)
        }
        Field::Email => {
            scalar_condition!(filter, folded!(o::email), o::email.is_null(), text, like: true)
        }
        Field::Phone => {
            scalar_condition!(filter, folded!(o::phone), o::phone.is_null(), text, like: true)
        }
        Field::Address => {
            scalar_condition!(filter, folded!(o::address), o::address.is_null(), text, like: true)
        }
        Field::City => {
            scalar_condition!(filter, folded!(o::city), o::city.is_null(), text, like: true)
        }
        Field::State => {
            scalar_condition!(filter, folded!(o::state), o::state.is_null(), text, like: true)
        }
        Field::Country => {
            scalar_condition!(filter, folded!(o::country), o::country.is_null(), text, like: true)
        }
        Field::Industry => {
            scalar_condition!(filter, folded!(o::industry), o::industry.is_null(), text, like: true)
        }
        Field::CompanySize => {
            scalar_condition!(filter, o::company_size, o::company_size.is_null(), integer, like: false)
        }
        Field::LastContactAt => {
            scalar_condition!(filter, o::last_contact_at, o::last_contact_at.is_null(), datetime, like: false)
        }
        Field::ArchivedAt => {
            scalar_condition!(filter, o::archived_at, o::archived_at.is_null(), datetime, like: false)
        }
        Field::CreatedAt => {
            scalar_condition!(filter, o::created_at.nullable(), o::created_at.is_null(), datetime, like: false)
        }
        Field::UpdatedAt => {
            scalar_condition!(filter, o::updated_at.nullable(), o::updated_at.is_null(), datetime, like: false)
        }
        Field::Owner => {
            scalar_condition!(filter, o::owner_id, o::owner_id.is_null(), id, like: false)
        }
        Field::Lists => set_condition!(filter, organization_lists, list_key, membership),
        Field::Domains => set_condition!(filter, organization_domains, domain, membership),
        Field::Custom(key) => custom::condition(filter, key, archived)?,
        // Contacts' fields: the HTTP layer never names them for organizations.
        Field::Title
        | Field::Notes
        | Field::Role
        | Field::Organization
        | Field::Contact
        | Field::Url
        | Field::ContentType
        | Field::SizeBytes
        | Field::ProjectStatus
        | Field::StartsOn
        | Field::EndsOn
        | Field::TaskStatus
        | Field::DueOn
        | Field::CompletedAt
        | Field::Assignee => {
            return Err(mismatch(filter));
        }
    })
}

/// `filter[q]`: any searched field contains the text. The exact test is the reference's (name
/// and domains compared Unicode-lower-cased, the rest ASCII-folded); what serves it is a
/// trigram index, which each database reads differently:
/// - SQLite: the FTS5 table `organization_search_index` (trigram tokenizer, no positions)
///   gives the organizations holding every trigram of the text, and the exact test runs on
///   those alone. Text under three characters has no trigram: the exact test scans.
/// - PostgreSQL: a `pg_trgm` GIN index on the searched text of the organization in one
///   expression gives the candidates (a `LIKE` of either folding of the text), which are then
///   tested exactly; the domains' own GIN index joins in through a UNION, as an OR with a
///   subquery would make the planner scan the table instead.
fn search(text: &str, dialect: Dialect) -> BoxedCondition {
    let unicode = format!("%{}%", like_escaped(&Field::Name.fold(text)));
    let ascii = format!("%{}%", like_escaped(&Field::Website.fold(text)));
    match dialect {
        Dialect::Postgres => {
            // The indexed expression, written exactly as the index has it.
            const SEARCHED_TEXT: &str = "lower(searched.name_key || chr(10) \
                || coalesce(searched.website, '') || chr(10) || coalesce(searched.email, '') \
                || chr(10) || coalesce(searched.description, ''))";
            Box::new(
                sql::<Nullable<Bool>>(&format!(
                    "organizations.id IN (SELECT searched.id FROM organizations searched \
                     WHERE ({SEARCHED_TEXT} LIKE "
                ))
                .bind::<Text, _>(unicode.clone())
                .sql(&format!(" ESCAPE '\\' OR {SEARCHED_TEXT} LIKE "))
                .bind::<Text, _>(ascii.clone())
                .sql(" ESCAPE '\\') AND (searched.name_key LIKE ")
                .bind::<Text, _>(unicode.clone())
                .sql(" ESCAPE '\\' OR lower(searched.website) LIKE ")
                .bind::<Text, _>(ascii.clone())
                .sql(" ESCAPE '\\' OR lower(searched.email) LIKE ")
                .bind::<Text, _>(ascii.clone())
                .sql(" ESCAPE '\\' OR lower(searched.description) LIKE ")
                .bind::<Text, _>(ascii)
                .sql(
                    " ESCAPE '\\') UNION SELECT d.organization_id FROM organization_domains d \
                     WHERE d.domain LIKE ",
                )
                .bind::<Text, _>(unicode)
                .sql(" ESCAPE '\\')"),
            )
        }
        Dialect::Sqlite => {
            use organizations::dsl as o;
            let in_domains = sql::<Bool>(
                "EXISTS (SELECT 1 FROM organization_domains d \
                 WHERE d.organization_id = organizations.id AND d.domain LIKE ",
            )
            .bind::<Text, _>(unicode.clone())
            .sql(" ESCAPE '\\')");
            let exact = o::name_key
                .nullable()
                .like(unicode)
                .escape('\\')
                .or(folded!(o::website).like(ascii.clone()).escape('\\'))
                .or(folded!(o::email).like(ascii.clone()).escape('\\'))
                .or(folded!(o::description).like(ascii).escape('\\'))
                .or(in_domains.nullable());
            match trigram_query(text) {
                Some(trigrams) => Box::new(
                    sql::<Nullable<Bool>>(
                        "organizations.id IN (SELECT s.organization_id FROM organization_search s \
                         WHERE s.rowid IN (SELECT rowid FROM organization_search_index \
                         WHERE organization_search_index MATCH ",
                    )
                    .bind::<Text, _>(trigrams)
                    .sql("))")
                    .and(exact),
                ),
                None => Box::new(exact),
            }
        }
    }
}

/// The FTS5 query asking for every trigram of `text` (each a quoted string, so no character
/// is query syntax), or `None` for text under three characters. The index folds case itself.
fn trigram_query(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut trigrams: Vec<String> = chars
        .windows(3)
        .map(|w| format!("\"{}\"", w.iter().collect::<String>().replace('"', "\"\"")))
        .collect();
    trigrams.sort();
    trigrams.dedup();
    (!trigrams.is_empty()).then(|| trigrams.join(" AND "))
}

/// Whether `filter` needs the organization to hold a value of its field (so a join on a
/// custom field can be an inner one, and no null needs placing in its order).
pub fn needs_value(filter: &Filter) -> bool {
    !matches!(filter.condition, Condition::Ne(_) | Condition::Null(true))
}

/// Whether every row the query selects holds a value of `field`: a filter on it needs one.
pub fn every_row_holds(query: &ListQuery, field: Field) -> bool {
    query
        .filters
        .iter()
        .any(|f| f.field == field && needs_value(f))
}

/// The conditions selecting a query's rows, except filters on `skip` (written elsewhere).
/// `along`: the field whose index SQLite is to walk for the order; filters on other fields
/// are then written so that no index serves them ([`Unindexed`]).
pub fn conditions(
    query: &ListQuery,
    skip: Option<Field>,
    dialect: Dialect,
    membership: Membership,
    along: Option<Field>,
) -> Result<Vec<BoxedCondition>, Error> {
    use orgbase_domain::ArchivedFilter;
    let mut conditions: Vec<BoxedCondition> = Vec::new();
    match query.archived {
        ArchivedFilter::Exclude => {
            conditions.push(Box::new(organizations::archived_at.is_null().nullable()))
        }
        ArchivedFilter::Only => conditions.push(Box::new(
            organizations::archived_at.is_not_null().nullable(),
        )),
        ArchivedFilter::Any => {}
    }
    for filter in query.filters.iter().filter(|f| Some(f.field) != skip) {
        let condition = condition(filter, query.archived, membership)?;
        let elsewhere = along.is_some_and(|a| a != filter.field);
        conditions.push(if elsewhere && filter.field.kind() != FieldKind::Set {
            Box::new(Unindexed(condition))
        } else {
            condition
        });
    }
    if let Some(text) = &query.search {
        conditions.push(search(text, dialect));
    }
    Ok(conditions)
}

/// The rows a query selects, before ordering and paging.
pub fn filtered(query: &ListQuery, dialect: Dialect) -> Result<BoxedOrganizations, Error> {
    Ok(filtered_by(conditions(
        query,
        None,
        dialect,
        Membership::Subquery,
        None,
    )?))
}

/// The rows meeting every condition, in the order given (which SQLite's planner heeds).
pub fn filtered_by(conditions: Vec<BoxedCondition>) -> BoxedOrganizations {
    let mut rows = organizations::table.into_boxed();
    for condition in conditions {
        rows = rows.filter(condition);
    }
    rows
}
