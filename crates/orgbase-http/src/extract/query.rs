use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use orgbase_domain::{CustomFields, UserId};

use crate::change_query::{ChangeParams, change_params};
use crate::document::{ORGANIZATION_INCLUDES, ORGANIZATION_RELATIONSHIPS};
use crate::errors::ApiError;
use crate::query::{self, ListParams, Paging, QueryPairs, ResourceParams};
use crate::state::{AppState, DefinedFields};

/// What an endpoint's query string may hold, and how it is parsed.
pub trait QueryShape: 'static {
    type Params: std::fmt::Debug;
    /// Whether the parameters may name custom fields (organization or contact attributes), so
    /// parsing needs the definitions.
    const NAMES_CUSTOM_FIELDS: bool;
    fn parse(
        pairs: &QueryPairs,
        custom: &DefinedFields,
        paging: &Paging,
    ) -> Result<Self::Params, ApiError>;
}

/// The query string, parsed for the endpoint's shape `S`.
#[derive(Debug)]
pub struct Query<S: QueryShape> {
    pub params: S::Params,
    /// The decoded pairs, which links keep.
    pub pairs: QueryPairs,
    /// The organizations' custom fields the parameters were read against: those defined now
    /// for shapes that name custom fields, none for the others.
    pub custom: Arc<CustomFields>,
    /// The contacts' custom fields, likewise.
    pub contact_custom: Arc<CustomFields>,
}

fn no_custom_fields() -> Arc<DefinedFields> {
    static EMPTY: OnceLock<Arc<DefinedFields>> = OnceLock::new();
    Arc::clone(EMPTY.get_or_init(Arc::default))
}

impl<S: QueryShape> FromRequest for Query<S> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = QueryPairs::parse(req.query_string());
        let paging = Paging {
            path: req.path().to_owned(),
            cursor_profile: req
                .headers()
                .get(actix_web::http::header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(Paging::accepts_cursor_profile),
        };
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let custom = if S::NAMES_CUSTOM_FIELDS {
                let state = state.ok_or_else(|| ApiError::internal("no application state"))?;
                state.custom_fields().await?
            } else {
                no_custom_fields()
            };
            let params = S::parse(&pairs, &custom, &paging)?;
            Ok(Query {
                params,
                pairs,
                custom: Arc::clone(&custom.organizations),
                contact_custom: Arc::clone(&custom.contacts),
            })
        })
    }
}

/// `GET /organizations`: filters, sorts, pages, fieldsets, `include`.
#[derive(Debug)]
pub struct OrganizationList;

impl QueryShape for OrganizationList {
    type Params = ListParams;
    const NAMES_CUSTOM_FIELDS: bool = true;
    fn parse(
        pairs: &QueryPairs,
        custom: &DefinedFields,
        paging: &Paging,
    ) -> Result<ListParams, ApiError> {
        query::list_params(pairs, custom, paging)
    }
}

/// `POST /organizations`: fieldsets, `include`, `return_existing`.
#[derive(Debug)]
pub struct OrganizationCreate;

impl QueryShape for OrganizationCreate {
    type Params = ResourceParams;
    const NAMES_CUSTOM_FIELDS: bool = true;
    fn parse(
        pairs: &QueryPairs,
        custom: &DefinedFields,
        _: &Paging,
    ) -> Result<ResourceParams, ApiError> {
        query::create_params(pairs, custom)
    }
}

/// A request answered with one organization: fieldsets (custom fields too) and `include`.
#[derive(Debug)]
pub struct OneOrganization;

impl QueryShape for OneOrganization {
    type Params = ResourceParams;
    const NAMES_CUSTOM_FIELDS: bool = true;
    fn parse(
        pairs: &QueryPairs,
        custom: &DefinedFields,
        _: &Paging,
    ) -> Result<ResourceParams, ApiError> {
        query::organization_params(pairs, ORGANIZATION_INCLUDES, custom)
    }
}

/// A request about an organization that renders none of its attributes (delete, the
/// relationship endpoints): fieldsets of built-in fields and `include`.
#[derive(Debug)]
pub struct OrganizationReference;

impl QueryShape for OrganizationReference {
    type Params = ResourceParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        _: &Paging,
    ) -> Result<ResourceParams, ApiError> {
        query::resource_params(pairs, ORGANIZATION_RELATIONSHIPS)
    }
}

/// `GET /contacts`: filters, sorts, pages, fieldsets, `include`.
#[derive(Debug)]
pub struct ContactList;

impl QueryShape for ContactList {
    type Params = ListParams;
    const NAMES_CUSTOM_FIELDS: bool = true;
    fn parse(
        pairs: &QueryPairs,
        custom: &DefinedFields,
        paging: &Paging,
    ) -> Result<ListParams, ApiError> {
        query::contact_list_params(pairs, custom, paging)
    }
}

/// A request answered with one contact, or about one (its relationships, its delete):
/// fieldsets and `include`.
#[derive(Debug)]
pub struct ContactReference;

impl QueryShape for ContactReference {
    type Params = ResourceParams;
    const NAMES_CUSTOM_FIELDS: bool = true;
    fn parse(
        pairs: &QueryPairs,
        custom: &DefinedFields,
        _: &Paging,
    ) -> Result<ResourceParams, ApiError> {
        query::contact_params(pairs, custom)
    }
}

/// `GET /memberships`: filters, sorts, pages, fieldsets.
#[derive(Debug)]
pub struct MembershipList;

impl QueryShape for MembershipList {
    type Params = ListParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        paging: &Paging,
    ) -> Result<ListParams, ApiError> {
        query::membership_list_params(pairs, paging)
    }
}

/// A request answered with one membership, or about one: fieldsets, and an `include` that
/// may name nothing.
#[derive(Debug)]
pub struct MembershipReference;

impl QueryShape for MembershipReference {
    type Params = ResourceParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        _: &Paging,
    ) -> Result<ResourceParams, ApiError> {
        query::resource_params(pairs, &[])
    }
}

/// `GET /documents` and an organization's documents: filters, sorts, pages, fieldsets.
#[derive(Debug)]
pub struct DocumentList;

impl QueryShape for DocumentList {
    type Params = ListParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        paging: &Paging,
    ) -> Result<ListParams, ApiError> {
        query::document_list_params(pairs, paging)
    }
}

/// A request answered with one document, or about one: fieldsets, and an empty `include`.
#[derive(Debug)]
pub struct DocumentReference;

impl QueryShape for DocumentReference {
    type Params = ResourceParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        _: &Paging,
    ) -> Result<ResourceParams, ApiError> {
        query::resource_params(pairs, &[])
    }
}

/// `GET /projects` and an organization's projects: filters, sorts, pages, fieldsets.
#[derive(Debug)]
pub struct ProjectList;

impl QueryShape for ProjectList {
    type Params = ListParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        paging: &Paging,
    ) -> Result<ListParams, ApiError> {
        query::project_list_params(pairs, paging)
    }
}

/// A request answered with one project, or about one: fieldsets, and an empty `include`.
#[derive(Debug)]
pub struct ProjectReference;

impl QueryShape for ProjectReference {
    type Params = ResourceParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        _: &Paging,
    ) -> Result<ResourceParams, ApiError> {
        query::resource_params(pairs, &[])
    }
}

/// `GET /tasks` and an organization's tasks: filters, sorts, pages, fieldsets.
#[derive(Debug)]
pub struct TaskList;

impl QueryShape for TaskList {
    type Params = ListParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        paging: &Paging,
    ) -> Result<ListParams, ApiError> {
        query::task_list_params(pairs, paging)
    }
}

/// A request answered with one task, or about one: fieldsets, and an empty `include`.
#[derive(Debug)]
pub struct TaskReference;

impl QueryShape for TaskReference {
    type Params = ResourceParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        _: &Paging,
    ) -> Result<ResourceParams, ApiError> {
        query::resource_params(pairs, &[])
    }
}

/// `POST /operations`: fieldsets of the results (custom fields too), no `include`.
#[derive(Debug)]
pub struct Operations;

impl QueryShape for Operations {
    type Params = ResourceParams;
    const NAMES_CUSTOM_FIELDS: bool = true;
    fn parse(
        pairs: &QueryPairs,
        custom: &DefinedFields,
        _: &Paging,
    ) -> Result<ResourceParams, ApiError> {
        query::organization_params(pairs, &[], custom)
    }
}

/// A collection of users, keys or custom fields: pages and fieldsets.
#[derive(Debug)]
pub struct PageOnly;

impl QueryShape for PageOnly {
    type Params = ListParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        paging: &Paging,
    ) -> Result<ListParams, ApiError> {
        query::plain_list_params(pairs, paging)
    }
}

/// `GET /custom_fields`: pages, fieldsets and `filter[resource_type]`.
#[derive(Debug)]
pub struct CustomFieldList;

impl QueryShape for CustomFieldList {
    type Params = query::CustomFieldListParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        paging: &Paging,
    ) -> Result<query::CustomFieldListParams, ApiError> {
        query::custom_field_list_params(pairs, paging)
    }
}

/// One user, key or custom field: fieldsets, and an `include` that may name nothing.
#[derive(Debug)]
pub struct OneResource;

impl QueryShape for OneResource {
    type Params = ResourceParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        _: &Paging,
    ) -> Result<ResourceParams, ApiError> {
        query::resource_params(pairs, &[])
    }
}

/// `DELETE /users/{id}`: `reassign_to`, the user who takes over their organizations.
#[derive(Debug)]
pub struct DeleteUser;

impl QueryShape for DeleteUser {
    type Params = Option<UserId>;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        _: &Paging,
    ) -> Result<Option<UserId>, ApiError> {
        query::delete_user_params(pairs)
    }
}

/// `GET /changes`: the feed's filters and pages.
#[derive(Debug)]
pub struct ChangeList;

impl QueryShape for ChangeList {
    type Params = ChangeParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        paging: &Paging,
    ) -> Result<ChangeParams, ApiError> {
        change_params(pairs, paging, false)
    }
}

/// `GET /organizations/{id}/changes`: one record's feed (no type or id filter).
#[derive(Debug)]
pub struct RecordHistory;

impl QueryShape for RecordHistory {
    type Params = ChangeParams;
    const NAMES_CUSTOM_FIELDS: bool = false;
    fn parse(
        pairs: &QueryPairs,
        _: &DefinedFields,
        paging: &Paging,
    ) -> Result<ChangeParams, ApiError> {
        change_params(pairs, paging, true)
    }
}
