//! The `organizations` row and its conversion to and from the domain record.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use orgbase_domain::organization::Details;
use orgbase_domain::{Error, Organization, Status};

use crate::columns::{to_json, utc};
use crate::schema::organizations;

/// An `organizations` row. Both backends store the same types: UUID text, UTC timestamps,
/// JSON text for lists, domains and metadata.
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = organizations, treat_none_as_null = true, treat_none_as_default_value = false)]
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
    pub owner_id: Option<String>,
    pub creator_id: Option<String>,
    pub updater_id: Option<String>,
    pub version: i64,
}

fn user_id(text: &Option<String>) -> Result<Option<orgbase_domain::UserId>, ()> {
    text.as_deref().map(|t| t.parse().map_err(drop)).transpose()
}

impl From<&Organization> for OrganizationRow {
    fn from(org: &Organization) -> Self {
        Self {
            id: org.id.to_string(),
            name: org.name.clone(),
            name_key: org.name_key(),
            organization_type: org.details.organization_type.clone(),
            status: org.details.status.as_str().to_owned(),
            description: org.details.description.clone(),
            website: org.details.website.clone(),
            email: org.details.email.clone(),
            phone: org.details.phone.clone(),
            address: org.details.address.clone(),
            city: org.details.city.clone(),
            state: org.details.state.clone(),
            country: org.details.country.clone(),
            industry: org.details.industry.clone(),
            company_size: org.details.company_size,
            domains: to_json(&org.details.domains),
            lists: to_json(&org.details.lists),
            metadata: org.details.metadata.as_ref().map(to_json),
            slug: org.slug.clone(),
            created_from: org.created_from.clone(),
            last_contact_at: org.details.last_contact_at.map(|t| t.naive_utc()),
            archived_at: org.details.archived_at.map(|t| t.naive_utc()),
            created_at: org.created_at.naive_utc(),
            updated_at: org.updated_at.naive_utc(),
            owner_id: org.details.owner_id.map(|u| u.to_string()),
            creator_id: org.creator_id.map(|u| u.to_string()),
            updater_id: org.updater_id.map(|u| u.to_string()),
            version: i64::try_from(org.version).unwrap_or(i64::MAX),
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
            details: Details {
                status: Status::parse(&row.status).ok_or_else(|| corrupt("status"))?,
                domains: serde_json::from_str(&row.domains).map_err(|_| corrupt("domains"))?,
                lists: serde_json::from_str(&row.lists).map_err(|_| corrupt("lists"))?,
                metadata: match &row.metadata {
                    Some(text) => {
                        Some(serde_json::from_str(text).map_err(|_| corrupt("metadata"))?)
                    }
                    None => None,
                },
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
                last_contact_at: row.last_contact_at.map(utc),
                archived_at: row.archived_at.map(utc),
                owner_id: user_id(&row.owner_id).map_err(|_| corrupt("owner"))?,
                // Read from their own table: see `custom_values::attach`.
                custom: Default::default(),
            },
            creator_id: user_id(&row.creator_id).map_err(|_| corrupt("creator"))?,
            updater_id: user_id(&row.updater_id).map_err(|_| corrupt("updater"))?,
            name: row.name,
            slug: row.slug,
            created_from: row.created_from,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
            version: u64::try_from(row.version).unwrap_or(0),
        })
    }
}
