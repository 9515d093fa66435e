//! `POST /operations`: JSON:API Atomic Operations. Every operation runs, in order, in one
//! storage transaction ([`Store::atomically`]), read by the same readers and checked by the
//! same rules as the single-resource endpoint it stands for; the first failure undoes them
//! all and answers with its error, pointed into the operation.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use orgbase_domain::attributes::{
    read_custom_field_patch, read_new_custom_field, read_new_user, read_organization_patch,
    read_user_patch,
};
use orgbase_domain::change::Write;
use orgbase_domain::{
    CustomField, CustomFields, Error, NewOrganization, Organization, OrganizationId,
    OrganizationPatch, Role, Store, User, service, time,
};
use serde::Serialize;
use serde_json::{Map, Value};

use super::linkage_input::{check_echoed, requested_relationships, server_set, user_identifier};
use crate::atomic::{ATOMIC_EXT, LocalIds, Op, Operation, Target, pointer};
use crate::auth::{Caller, forbidden};
use crate::document::{
    CUSTOM_FIELDS, ORGANIZATION_TO_MANY, ORGANIZATIONS, OrganizationResource, USERS,
    custom_field_resource, related_user, user_resource,
};
use crate::errors::{ApiError, ErrorObject, Kind};
use crate::extract::{AtomicBody, Operations, Query};
use crate::jsonapi::{JSONAPI_MEDIA_TYPE, JsonApiVersion};
use crate::links::BaseUrl;
use crate::openapi::params;
use crate::query::RenderOptions;
use crate::request_body::{Intent, ResourceInput, combine, resource_input, unknown_relationships};
use crate::resources::{self, ResourceType};
use crate::state::AppState;

/// Perform atomic operations
///
/// Up to 1,000 `add`, `update` and `remove` operations on organizations, custom fields and
/// users (and organizations' `owner` relationship), in one transaction: all of them or none.
/// `lid` lets an operation name a resource an earlier one added. Requests and responses use
/// `application/vnd.api+json; ext="https://jsonapi.org/ext/atomic"`.
#[utoipa::path(
    post,
    path = "/operations",
    tag = "operations",
    operation_id = "performOperations",
    params(params::ResourceQuery),
    request_body(content = ref("AtomicOperationsDocument"), content_type = "application/vnd.api+json; ext=\"https://jsonapi.org/ext/atomic\""),
    responses(
        (status = 200, description = "Every operation was applied: `atomic:results`, one per operation, in order.", body = ref("AtomicResultsDocument")),
        (status = 204, description = "Every operation was a remove, and all were applied."),
        (status = 403, description = "The caller lacks the role an operation's own endpoint needs (`source.pointer` names the operation), or an operation changes `creator` or `updater`."),
        (status = 404, description = "An operation names a resource (or a relationship) that does not exist."),
        (status = 409, description = "An operation's `data` names another type or id than its target, or a taken id (`id_taken`)."),
        (status = 413, description = "More than 1,000 operations (`too_many_operations`), or a body above 16 MiB."),
        (status = 415, description = "The body's media type does not name the atomic extension."),
    ),
)]
pub async fn perform(
    query: Query<Operations>,
    AtomicBody(operations): AtomicBody,
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let all_removes = operations.iter().all(|o| o.op == Op::Remove);
    let touches = |target: Target| operations.iter().any(|o| o.target == target);
    let (fields_changed, accounts_changed) =
        (touches(Target::CustomFields), touches(Target::Users));
    let outcomes = state
        .run(move |store| Ok(perform_all(store, &operations, &caller)))
        .await??;
    if fields_changed {
        state.custom_fields_changed();
    }
    if accounts_changed {
        state.accounts_changed();
    }
    if all_removes {
        return Ok(HttpResponse::NoContent().finish());
    }
    let custom = std::sync::Arc::clone(&state.custom_fields().await?.organizations);
    let base = state.base_url(&req);
    let results = render(&base, &outcomes, &query.params.render, &custom);
    let document = AtomicResults {
        jsonapi: JsonApiVersion::with_ext(ATOMIC_EXT),
        results,
    };
    let body = match serde_json::to_vec(&document) {
        Ok(body) => body,
        Err(error) => return Ok(ApiError::internal(error).error_response()),
    };
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            format!("{JSONAPI_MEDIA_TYPE}; ext=\"{ATOMIC_EXT}\""),
        ))
        .body(body))
}

#[derive(Serialize)]
struct AtomicResults<'a> {
    jsonapi: JsonApiVersion,
    #[serde(rename = "atomic:results")]
    results: Vec<AtomicResult<'a>>,
}

/// `{"data": resource}`, or `{}`.
#[derive(Serialize)]
struct AtomicResult<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<ResultData<'a>>,
}

/// A result's resource, serialized as the single endpoints serialize it.
#[derive(Serialize)]
#[serde(untagged)]
enum ResultData<'a> {
    Organization(OrganizationResource<'a>),
    Plain(Value),
}

/// What one operation left to show.
#[derive(Debug)]
enum Outcome {
    /// Boxed: an organization is several times the size of the other records.
    Organization(Box<Organization>),
    CustomField(CustomField),
    User(User),
    /// A remove or a relationship update: its result is `{}`.
    Nothing,
}

fn render<'a>(
    base: &'a BaseUrl,
    outcomes: &'a [Outcome],
    render: &'a RenderOptions,
    custom: &'a CustomFields,
) -> Vec<AtomicResult<'a>> {
    outcomes
        .iter()
        .map(|outcome| AtomicResult {
            data: match outcome {
                Outcome::Organization(org) => {
                    Some(ResultData::Organization(OrganizationResource {
                        org,
                        base,
                        fields: &render.fields,
                        custom,
                        cursor: None,
                        linkage: None,
                    }))
                }
                Outcome::CustomField(field) => Some(ResultData::Plain(custom_field_resource(
                    field,
                    base,
                    &render.custom_field_fields,
                ))),
                Outcome::User(user) => Some(ResultData::Plain(user_resource(
                    user,
                    base,
                    &render.user_fields,
                ))),
                Outcome::Nothing => None,
            },
        })
        .collect()
}

/// Runs the operations in one transaction; the first failure, pointed into its operation,
/// undoes them all. Consecutive plain organization creates are read one by one and inserted
/// together ([`service::create_organizations`]), with the outcome one by one would have.
fn perform_all(
    store: &dyn Store,
    operations: &[Operation],
    caller: &Caller,
) -> Result<Vec<Outcome>, ApiError> {
    let mut outcomes = Vec::with_capacity(operations.len());
    let mut failure = None;
    let committed = store.atomically(&mut |tx| {
        // The store may run the work again (after a deadlock): each run starts afresh.
        outcomes.clear();
        failure = None;
        let mut run = Run {
            tx,
            caller,
            lids: LocalIds::default(),
            fields: None,
        };
        let mut creates = PendingCreates::default();
        let mut outcome = Ok(());
        for (index, operation) in operations.iter().enumerate() {
            let performed = if Run::is_plain_create(operation) {
                match run.read_add(operation) {
                    Ok(new) => {
                        creates.push(index, new);
                        continue;
                    }
                    // The creates before it come first: their failure is the earlier one.
                    Err(failed) => run
                        .create(&mut creates, &mut outcomes)
                        .and(Err((index, failed))),
                }
            } else {
                run.create(&mut creates, &mut outcomes).and_then(|()| {
                    run.perform(operation)
                        .map(|done| outcomes.push(done))
                        .map_err(|failed| (index, failed))
                })
            };
            if performed.is_err() {
                outcome = performed;
                break;
            }
        }
        if outcome.is_ok() {
            outcome = run.create(&mut creates, &mut outcomes);
        }
        let Err((index, failed)) = outcome else {
            return Ok(());
        };
        match failed {
            // The store's own error goes back to it, which may run the work again (a
            // deadlock) or not; the answer is the same error, pointed into the operation.
            Failed::Store(error) => {
                let none = CustomFields::EMPTY;
                let fields = run.fields.as_ref().unwrap_or(&none);
                failure = Some(
                    ApiError::of_organization_write(error.clone(), fields).within(&pointer(index)),
                );
                Err(error)
            }
            Failed::Request(error) => {
                failure = Some(error.within(&pointer(index)));
                Err(Error::GaveUp)
            }
        }
    });
    match (committed, failure) {
        (Ok(()), _) => Ok(outcomes),
        (Err(_), Some(error)) => Err(error),
        (Err(error), None) => Err(ApiError::from(error)),
    }
}

/// Plain organization creates read and waiting to be inserted together, with their
/// operations' indexes.
#[derive(Default)]
struct PendingCreates {
    indexes: Vec<usize>,
    news: Vec<NewOrganization>,
}

impl PendingCreates {
    fn push(&mut self, index: usize, new: NewOrganization) {
        self.indexes.push(index);
        self.news.push(new);
    }
}

/// Why an operation failed: the store refused a write (its error, which [`Store::atomically`]
/// judges), or the request is wrong (the answer, ready).
enum Failed {
    Store(Error),
    Request(ApiError),
}

impl From<Error> for Failed {
    fn from(error: Error) -> Self {
        Failed::Store(error)
    }
}

impl From<ApiError> for Failed {
    fn from(error: ApiError) -> Self {
        Failed::Request(error)
    }
}

/// The operations of one request, as they run inside its transaction.
struct Run<'a> {
    tx: &'a dyn Store,
    caller: &'a Caller,
    lids: LocalIds,
    /// The custom field definitions as the transaction sees them: read when an organization
    /// first needs them, read again after an operation changes them.
    fields: Option<CustomFields>,
}

/// The role each operation needs: the single endpoint's.
fn required_role(operation: &Operation) -> Role {
    match (operation.target, operation.op) {
        (Target::Organizations, Op::Add | Op::Update) => Role::Member,
        _ => Role::Admin,
    }
}

fn document(data: Value) -> Map<String, Value> {
    let mut document = Map::new();
    document.insert("data".to_owned(), data);
    document
}

fn unknown_parameters(operation: &Operation, allowed: &[&str]) -> Result<(), ApiError> {
    match operation
        .parameters
        .iter()
        .find(|(name, _)| !allowed.contains(&name.as_str()))
    {
        Some((name, _)) => Err(ErrorObject::new(
            Kind::UnknownParameter,
            format!("This operation's `href` takes no parameter {name:?}."),
        )
        .pointer("/href")
        .into()),
        None => Ok(()),
    }
}

impl Run<'_> {
    fn actor(&self) -> Write {
        Write::by(Some(self.caller.user.id))
    }

    fn fields(&mut self) -> Result<&CustomFields, Error> {
        let fields = match self.fields.take() {
            Some(fields) => fields,
            None => self
                .tx
                .list_custom_fields()?
                .of(orgbase_domain::CustomResourceType::Organizations),
        };
        Ok(self.fields.insert(fields))
    }

    /// The id the operation's reference names, as `T`'s id (one that cannot be is no
    /// resource: 404, as in a URL).
    fn id<T: ResourceType>(&self, operation: &Operation) -> Result<T::Id, ApiError> {
        let id = match &operation.reference {
            Some(reference) => self.lids.id_of(operation.target, reference)?,
            None => String::new(),
        };
        id.parse().map_err(|_| {
            ApiError::from(Error::NotFound {
                resource: T::SINGULAR,
                id,
            })
        })
    }

    /// The operation's resource object, its `lid`s resolved, read for `T` as the endpoint
    /// reads its body; returns its own `lid`, if any.
    fn resource<T: ResourceType>(
        &self,
        operation: &Operation,
        id: Option<&str>,
    ) -> Result<(ResourceInput, Option<String>), ApiError> {
        let mut data = operation.data.clone();
        let lid = data.get("lid").and_then(Value::as_str).map(str::to_owned);
        if id.is_some() {
            // An update's resource object may name its resource by the `lid` an add gave it.
            self.lids.resolve_linkage(&mut data, "/data")?;
        }
        self.lids.resolve_relationships(&mut data)?;
        let intent = match id {
            Some(id) => Intent::Update { id },
            None => Intent::Create,
        };
        Ok((resource_input(document(data), T::TYPE, intent)?, lid))
    }

    fn define_lid(
        &mut self,
        target: Target,
        lid: Option<String>,
        id: impl ToString,
    ) -> Result<(), ApiError> {
        match lid {
            Some(lid) => self.lids.define(target, &lid, id.to_string()),
            None => Ok(()),
        }
    }

    fn perform(&mut self, operation: &Operation) -> Result<Outcome, Failed> {
        let required = required_role(operation);
        if self.caller.user.role < required {
            return Err(forbidden(required).into());
        }
        let allowed: &[&str] = match (operation.target, operation.op) {
            (Target::Users, Op::Remove) => &["reassign_to"],
            (Target::Organizations, Op::Add) => &["upsert"],
            _ => &[],
        };
        unknown_parameters(operation, allowed)?;
        match operation.target {
            Target::Organizations => self.organization(operation),
            Target::CustomFields => self.custom_field(operation),
            Target::Users => self.user(operation),
        }
    }

    /// An organization `add` with no `href` parameter: created as the batch it is part of.
    fn is_plain_create(operation: &Operation) -> bool {
        operation.target == Target::Organizations
            && operation.op == Op::Add
            && operation.parameters.is_empty()
    }

    /// A plain create read and checked as the endpoint reads its body, its id fixed and its
    /// `lid` defined (later operations may name it).
    fn read_add(&mut self, operation: &Operation) -> Result<NewOrganization, Failed> {
        let required = required_role(operation);
        if self.caller.user.role < required {
            return Err(forbidden(required).into());
        }
        let (_, mut new, lid) = self.read_new(operation)?;
        let id = *new.id.get_or_insert_with(OrganizationId::generate);
        self.define_lid(operation.target, lid, id)?;
        Ok(new)
    }

    /// An organization `add`'s resource object, and the organization it creates, as
    /// `POST /organizations` reads them; and its `lid`.
    fn read_new(
        &mut self,
        operation: &Operation,
    ) -> Result<(ResourceInput, NewOrganization, Option<String>), Failed> {
        type T = resources::Organizations;
        let (input, lid) = self.resource::<T>(operation, None)?;
        let id = T::client_id(input.id.as_deref())?;
        let actor = self.caller.user.id;
        let new = super::organizations::read_new(
            &input.attributes,
            &input.relationships,
            id,
            self.fields()?,
            actor,
        )?;
        Ok((input, new, lid))
    }

    /// Inserts the pending creates, recording their outcomes; on failure, the operation that
    /// failed.
    fn create(
        &mut self,
        pending: &mut PendingCreates,
        outcomes: &mut Vec<Outcome>,
    ) -> Result<(), (usize, Failed)> {
        if pending.news.is_empty() {
            return Ok(());
        }
        let PendingCreates { indexes, news } = std::mem::take(pending);
        let created = service::create_organizations(self.tx, &news, time::now())
            .map_err(|(at, error)| (indexes[at], Failed::Store(error)))?;
        outcomes.extend(
            created
                .into_iter()
                .map(|org| Outcome::Organization(Box::new(org))),
        );
        Ok(())
    }

    fn organization(&mut self, operation: &Operation) -> Result<Outcome, Failed> {
        type T = resources::Organizations;
        let actor = self.caller.user.id;
        if operation.op == Op::Add {
            // Plain creates are batched (`perform_all`); what reaches here is an upsert.
            let (input, new, lid) = self.read_new(operation)?;
            let upsert = operation
                .parameters
                .iter()
                .find(|(name, _)| name == "upsert");
            let org = match upsert {
                Some((name, value)) => {
                    let key = crate::query::upsert_key(name, value, self.fields()?)
                        .map_err(|e| ApiError::from(e.pointer("/href")))?;
                    let patch = super::organizations::read_upsert_patch(
                        &input.attributes,
                        &input.relationships,
                        key,
                        &new,
                        self.fields()?,
                    )?;
                    match service::upsert_organization(
                        self.tx,
                        key,
                        &new,
                        &patch,
                        self.actor(),
                        time::now(),
                    )? {
                        service::Upserted::Created(org) | service::Upserted::Updated(org) => org,
                    }
                }
                None => service::create_organization(self.tx, &new, time::now())?,
            };
            self.define_lid(operation.target, lid, org.id)?;
            return Ok(Outcome::Organization(Box::new(org)));
        }
        let id = self.id::<T>(operation)?;
        match (operation.op, operation.relationship.as_deref()) {
            (Op::Remove, _) => {
                self.tx.delete_organization(id, self.actor())?;
                Ok(Outcome::Nothing)
            }
            (_, Some("owner")) => {
                let mut linkage = operation.data.clone();
                self.lids.resolve_linkage(&mut linkage, "/data")?;
                let owner = user_identifier(&linkage, "")?;
                let patch = OrganizationPatch {
                    owner_id: Some(owner),
                    actor: Some(actor),
                    ..OrganizationPatch::default()
                };
                self.tx
                    .update_organization(id, &patch, time::now(), self.actor())?;
                Ok(Outcome::Nothing)
            }
            (_, Some(name @ ("creator" | "updater"))) => Err(server_set(name).into()),
            (_, Some(name)) => Err(no_relationship(ORGANIZATIONS, name).into()),
            (_, None) => {
                let id_text = id.to_string();
                let (input, _) = self.resource::<T>(operation, Some(&id_text))?;
                // The endpoint's order: relationships, then echoed server-set ones, then
                // attributes.
                let requested = requested_relationships(
                    &input.relationships,
                    ORGANIZATIONS,
                    ORGANIZATION_TO_MANY,
                )?;
                if !requested.echoed.is_empty() {
                    let current = self.tx.get_organization(id)?;
                    check_echoed(
                        &requested.echoed,
                        Some(&|name| related_user(&current, name)),
                    )?;
                }
                let mut patch = combine(
                    read_organization_patch(&input.attributes, self.fields()?),
                    requested.unknown,
                )?;
                patch.actor = Some(actor);
                if requested.owner.is_some() {
                    patch.owner_id = requested.owner;
                }
                let org = self
                    .tx
                    .update_organization(id, &patch, time::now(), self.actor())?;
                Ok(Outcome::Organization(Box::new(org)))
            }
        }
    }

    fn custom_field(&mut self, operation: &Operation) -> Result<Outcome, Failed> {
        type T = resources::CustomFields;
        if let Some(name) = &operation.relationship {
            return Err(no_relationship(CUSTOM_FIELDS, name).into());
        }
        // Whatever happens next, the definitions organizations are read against may change.
        self.fields = None;
        let actor = Some(self.caller.user.id);
        if operation.op == Op::Add {
            let (input, lid) = self.resource::<T>(operation, None)?;
            let mut field = combine(
                read_new_custom_field(
                    &input.attributes,
                    T::client_id(input.id.as_deref())?,
                    time::now(),
                ),
                unknown_relationships(&input.relationships, CUSTOM_FIELDS),
            )?;
            field.version = self.tx.insert_custom_field(&field, actor)?;
            self.define_lid(operation.target, lid, field.id)?;
            return Ok(Outcome::CustomField(field));
        }
        let id = self.id::<T>(operation)?;
        if operation.op == Op::Remove {
            self.tx.delete_custom_field(id, self.actor())?;
            return Ok(Outcome::Nothing);
        }
        let id_text = id.to_string();
        let (input, _) = self.resource::<T>(operation, Some(&id_text))?;
        let current = self.tx.get_custom_field(id)?;
        let patch = combine(
            read_custom_field_patch(&input.attributes, &current),
            unknown_relationships(&input.relationships, CUSTOM_FIELDS),
        )?;
        let field = self
            .tx
            .update_custom_field(id, &patch, time::now(), self.actor())?;
        Ok(Outcome::CustomField(field))
    }

    fn user(&mut self, operation: &Operation) -> Result<Outcome, Failed> {
        type T = resources::Users;
        if let Some(name) = &operation.relationship {
            return Err(no_relationship(USERS, name).into());
        }
        if operation.op == Op::Add {
            let (input, lid) = self.resource::<T>(operation, None)?;
            let mut user = combine(
                read_new_user(
                    &input.attributes,
                    T::client_id(input.id.as_deref())?,
                    time::now(),
                ),
                unknown_relationships(&input.relationships, USERS),
            )?;
            user.version = self.tx.insert_user(&user, Some(self.caller.user.id))?;
            self.define_lid(operation.target, lid, user.id)?;
            return Ok(Outcome::User(user));
        }
        let id = self.id::<T>(operation)?;
        if operation.op == Op::Remove {
            let reassign_to = match operation
                .parameters
                .iter()
                .find(|(n, _)| n == "reassign_to")
            {
                Some((_, user)) => Some(user.parse().map_err(|_| {
                    ApiError::from(
                        ErrorObject::new(
                            Kind::InvalidParameter,
                            format!("reassign_to {user:?} is not a user id."),
                        )
                        .pointer("/href"),
                    )
                })?),
                None => None,
            };
            self.tx.delete_user(id, reassign_to, self.actor())?;
            return Ok(Outcome::Nothing);
        }
        let id_text = id.to_string();
        let (input, _) = self.resource::<T>(operation, Some(&id_text))?;
        let current = self.tx.get_user(id)?;
        let patch = combine(
            read_user_patch(&input.attributes, &current),
            unknown_relationships(&input.relationships, USERS),
        )?;
        Ok(Outcome::User(self.tx.update_user(
            id,
            &patch,
            self.actor(),
        )?))
    }
}

fn no_relationship(resource: &str, name: &str) -> ApiError {
    ApiError::new(
        Kind::NotFound,
        format!("{resource} have no relationship {name:?}."),
    )
}
