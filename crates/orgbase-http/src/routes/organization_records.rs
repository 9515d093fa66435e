//! What the collections of an organization's records (documents, projects, tasks) share: a
//! page of all of them, or of one organization's (`GET /organizations/{id}/tasks`, 404 for an
//! organization that is not there).

use actix_web::{HttpRequest, HttpResponse, web};
use orgbase_domain::query::Listed;
use orgbase_domain::{Field, Filter, ListQuery, Operator, OrganizationId, Page, Store};
use serde_json::Value;

use crate::document::FieldSet;
use crate::errors::ApiError;
use crate::links::BaseUrl;
use crate::pagination::respond_records;
use crate::query::{ListParams, QueryPairs};
use crate::state::AppState;

/// How a collection lists and renders its records.
pub struct Collection<T> {
    pub list: fn(&dyn Store, &ListQuery) -> orgbase_domain::Result<Page<T>>,
    /// The resource object of a record: its fieldset and cursor given.
    pub render: fn(&T, &BaseUrl, &FieldSet, Option<String>) -> Value,
    pub fields: fn(&ListParams) -> &FieldSet,
}

/// A page of the records `params` select, within `of`'s when given.
pub async fn page<T: Listed + Send + 'static>(
    req: HttpRequest,
    params: ListParams,
    pairs: QueryPairs,
    state: web::Data<AppState>,
    of: Option<OrganizationId>,
    collection: Collection<T>,
) -> Result<HttpResponse, ApiError> {
    let mut list_query = params.query.clone();
    if let Some(org) = of {
        let scope = Filter::parse(Field::Organization, Operator::Eq, &org.to_string())
            .map_err(ApiError::internal)?;
        list_query.filters.insert(0, scope);
    }
    let list = collection.list;
    let page = state
        .run(move |store| {
            if let Some(org) = of {
                store.get_organization(org)?;
            }
            list(store, &list_query)
        })
        .await?;
    let base = state.base_url(&req);
    let fields = (collection.fields)(&params);
    Ok(respond_records(
        &req,
        &base,
        &pairs,
        &params,
        &page,
        |record, cursor| (collection.render)(record, &base, fields, cursor),
        params.render.include.is_some().then(Vec::new),
        768,
    ))
}
