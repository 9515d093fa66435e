use chrono::{NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use orgbase_domain::time::Timestamp;
use orgbase_domain::{Error, Organization, Status};

use crate::schema::organizations;

/// An `organizations` row. Both backends store the same types: UUID text, UTC timestamps,
/// JSON text for lists, domains and metadata.
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = organizations, treat_none_as_null = true)]
pub struct OrganizationRow {
    pub id: String,
    pub name: String,
    pub name_key: String,
    pub organization_type: Option<String>,
    pub status: String,
    pub description: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub industry: Option<String>,
    pub company_size: Option<i64>,
    pub domains: String,
    pub lists: String,
    pub metadata: Option<String>,
    pub slug: String,
    pub created_from: String,
    pub last_contact_at: Option<NaiveDateTime>,
    pub archived_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

fn to_json(value: &impl serde::Serialize) -> String {
    // Serializing strings and JSON maps cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn utc(at: NaiveDateTime) -> Timestamp {
    Utc.from_utc_datetime(&at)
}

impl From<&Organization> for OrganizationRow {
    fn from(org: &Organization) -> Self {
        Self {
            id: org.id.to_string(),
            name: org.name.clone(),
            name_key: org.name_key(),
            organization_type: org.organization_type.clone(),
            status: org.status.as_str().to_owned(),
            description: org.description.clone(),
            website: org.website.clone(),
            email: org.email.clone(),
            phone: org.phone.clone(),
            address: org.address.clone(),
            city: org.city.clone(),
            state: org.state.clone(),
            country: org.country.clone(),
            industry: org.industry.clone(),
            company_size: org.company_size,
            domains: to_json(&org.domains),
            lists: to_json(&org.lists),
            metadata: org.metadata.as_ref().map(to_json),
            slug: org.slug.clone(),
            created_from: org.created_from.clone(),
            last_contact_at: org.last_contact_at.map(|t| t.naive_utc()),
            archived_at: org.archived_at.map(|t| t.naive_utc()),
            created_at: org.created_at.naive_utc(),
            updated_at: org.updated_at.naive_utc(),
        }
    }
}

impl TryFrom<OrganizationRow> for Organization {
    type Error = Error;

    /// Fails only on rows orgbase did not write (bad JSON, an unknown status).
    fn try_from(row: OrganizationRow) -> Result<Self, Error> {
        let corrupt = |what: &str| {
            Error::Backend(format!("organization {} has an unreadable {what}", row.id))
        };
        Ok(Organization {
            id: row.id.parse().map_err(|_| corrupt("id"))?,
            status: Status::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            domains: serde_json::from_str(&row.domains).map_err(|_| corrupt("domains"))?,
            lists: serde_json::from_str(&row.lists).map_err(|_| corrupt("lists"))?,
            metadata: match &row.metadata {
                Some(text) => Some(serde_json::from_str(text).map_err(|_| corrupt("metadata"))?),
                None => None,
            },
            name: row.name,
            organization_type: row.organization_type,
            description: row.description,
            website: row.website,
            email: row.email,
            phone: row.phone,
            address: row.address,
            city: row.city,
            state: row.state,
            country: row.country,
            industry: row.industry,
            company_size: row.company_size,
            slug: row.slug,
            created_from: row.created_from,
            last_contact_at: row.last_contact_at.map(utc),
            archived_at: row.archived_at.map(utc),
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        })
    }
}
