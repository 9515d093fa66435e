//! The `organization_lists` and `organization_domains` rows that index list and domain
//! membership. Always written in the transaction that writes the organization.

use std::collections::BTreeSet;

use diesel::prelude::*;
use orgbase_domain::{Field, Organization};

use crate::connection::{AnyConnection, insert_many};
use crate::schema::{organization_domains, organization_lists};

#[derive(Insertable)]
#[diesel(table_name = organization_lists, treat_none_as_default_value = false)]
struct ListEntry {
    list_key: String,
    organization_id: String,
}

#[derive(Insertable)]
#[diesel(table_name = organization_domains, treat_none_as_default_value = false)]
struct DomainEntry {
    domain: String,
    organization_id: String,
}

/// Folded, distinct keys: two lists differing only in case share one index row.
fn keys(field: Field, values: &[String]) -> BTreeSet<String> {
    values.iter().map(|v| field.fold(v)).collect()
}

/// Writes the membership rows of a new organization.
pub fn insert(conn: &mut AnyConnection, org: &Organization) -> QueryResult<()> {
    insert_all(conn, std::slice::from_ref(org))
}

/// Writes the membership rows of new organizations, in one INSERT per table and chunk.
pub fn insert_all(conn: &mut AnyConnection, orgs: &[Organization]) -> QueryResult<()> {
    let mut lists = Vec::new();
    let mut domains = Vec::new();
    for org in orgs {
        let id = org.id.to_string();
        lists.extend(
            keys(Field::Lists, &org.details.lists)
                .into_iter()
                .map(|list_key| ListEntry {
                    list_key,
                    organization_id: id.clone(),
                }),
        );
        domains.extend(
            keys(Field::Domains, &org.details.domains)
                .into_iter()
                .map(|domain| DomainEntry {
                    domain,
                    organization_id: id.clone(),
                }),
        );
    }
    insert_many!(&mut *conn, organization_lists::table, &lists)?;
    insert_many!(&mut *conn, organization_domains::table, &domains)?;
    Ok(())
}

/// Replaces the membership rows when lists or domains changed.
pub fn replace(
    conn: &mut AnyConnection,
    before: &Organization,
    after: &Organization,
) -> QueryResult<()> {
    let id = after.id.to_string();
    if before.details.lists != after.details.lists {
        diesel::delete(
            organization_lists::table.filter(organization_lists::organization_id.eq(&id)),
        )
        .execute(conn)?;
    }
    if before.details.domains != after.details.domains {
        diesel::delete(
            organization_domains::table.filter(organization_domains::organization_id.eq(&id)),
        )
        .execute(conn)?;
    }
    let mut changed = after.clone();
    if before.details.lists == after.details.lists {
        changed.details.lists.clear();
    }
    if before.details.domains == after.details.domains {
        changed.details.domains.clear();
    }
    insert(conn, &changed)
}
