//! The routing table: every endpoint, once, with who may call it.
//!
//! An entry names a handler and its [`Access`]; the method, the path and the API description
//! come from the handler's own `#[utoipa::path]`. Registration ([`configure`]), the
//! authorization table the middleware enforces ([`crate::auth::access_for`]) and the OpenAPI
//! paths ([`crate::openapi::document`]) are all read from [`endpoints`], so a route cannot be
//! registered without a rule or described without being served. An entry without an access
//! rule does not compile.

use std::sync::OnceLock;

use actix_web::web;
use orgbase_domain::Role;

use crate::auth::Access;
use crate::extract::InOrder;

pub mod api_description;
pub mod api_keys;
pub mod changes;
pub mod contacts;
pub mod custom_fields;
pub mod documents;
mod endpoint;
pub mod fallback;
pub mod health;
mod included;
mod linkage_input;
mod members;
pub mod memberships;
pub mod operations;
mod organization_records;
pub mod organizations;
pub mod projects;
pub mod tasks;
mod user_relationships;
pub mod users;
pub mod webhooks;

pub use endpoint::{Endpoint, http_method, method_not_allowed};

/// `handler => access`: the endpoint `handler`'s `#[utoipa::path]` declares, open to callers
/// with `access`. Every handler is wrapped in [`InOrder`], so its arguments are extracted in
/// the order written.
macro_rules! endpoints {
    ($($($segment:ident)::+ => $access:expr),+ $(,)?) => {
        fn declared() -> Vec<Endpoint> {
            vec![$({
                #[derive(utoipa::OpenApi)]
                #[openapi(paths($($segment)::+))]
                struct Described;
                Endpoint::described(
                    <Described as utoipa::OpenApi>::openapi(),
                    $access,
                    |method| web::method(method).to(InOrder($($segment)::+)),
                )
            }),+]
        }
    };
}

const OPEN: Access = Access::Open;
const VIEWER: Access = Access::AtLeast(Role::Viewer);
const MEMBER: Access = Access::AtLeast(Role::Member);
const ADMIN: Access = Access::AtLeast(Role::Admin);
/// Any valid key; the handler then allows an admin, or the user the resource belongs to.
const ADMIN_OR_SELF: Access = Access::AdminOrSelf;

endpoints! {
    health::healthz => OPEN,
    health::readyz => OPEN,
    organizations::list => VIEWER,
    organizations::create => MEMBER,
    organizations::get => VIEWER,
    organizations::update => MEMBER,
    organizations::delete => ADMIN,
    organizations::duplicate => MEMBER,
    organizations::owner_relationship => VIEWER,
    organizations::update_owner => MEMBER,
    organizations::creator_relationship => VIEWER,
    // Any reader may learn that creator and updater cannot be changed (403 unsupported_update).
    organizations::update_creator => VIEWER,
    organizations::updater_relationship => VIEWER,
    organizations::update_updater => VIEWER,
    organizations::owner => VIEWER,
    organizations::creator => VIEWER,
    organizations::updater => VIEWER,
    contacts::list => VIEWER,
    contacts::create => MEMBER,
    contacts::get => VIEWER,
    contacts::update => MEMBER,
    contacts::delete => ADMIN,
    contacts::owner_relationship => VIEWER,
    contacts::update_owner => MEMBER,
    contacts::creator_relationship => VIEWER,
    contacts::update_creator => VIEWER,
    contacts::updater_relationship => VIEWER,
    contacts::update_updater => VIEWER,
    contacts::owner => VIEWER,
    contacts::creator => VIEWER,
    contacts::updater => VIEWER,
    members::members => VIEWER,
    members::members_relationship => VIEWER,
    members::add_members => MEMBER,
    members::replace_members => MEMBER,
    members::remove_members => MEMBER,
    members::organization_memberships => VIEWER,
    members::contact_memberships => VIEWER,
    members::contact_organizations => VIEWER,
    memberships::list => VIEWER,
    // Adding and removing members deletes no contact: a member's write.
    memberships::create => MEMBER,
    memberships::get => VIEWER,
    memberships::update => MEMBER,
    memberships::delete => MEMBER,
    documents::list => VIEWER,
    documents::create => MEMBER,
    documents::get => VIEWER,
    documents::update => MEMBER,
    documents::delete => ADMIN,
    documents::of_organization => VIEWER,
    projects::list => VIEWER,
    projects::create => MEMBER,
    projects::get => VIEWER,
    projects::update => MEMBER,
    projects::delete => ADMIN,
    projects::of_organization => VIEWER,
    tasks::list => VIEWER,
    tasks::create => MEMBER,
    tasks::get => VIEWER,
    tasks::update => MEMBER,
    tasks::delete => ADMIN,
    tasks::of_organization => VIEWER,
    custom_fields::list => VIEWER,
    custom_fields::create => ADMIN,
    custom_fields::get => VIEWER,
    custom_fields::update => ADMIN,
    custom_fields::delete => ADMIN,
    users::list => ADMIN,
    users::create => ADMIN,
    users::get => ADMIN_OR_SELF,
    users::update => ADMIN,
    users::delete => ADMIN,
    // Everyone lists keys: a non-admin sees only their own.
    api_keys::list => VIEWER,
    api_keys::create => ADMIN,
    api_description::openapi_json => OPEN,
    api_description::docs => OPEN,
    api_description::docs_index => OPEN,
    api_description::docs_file => OPEN,
    api_keys::get => ADMIN_OR_SELF,
    // Anyone may learn that keys cannot be changed (403 unsupported_update).
    api_keys::update => VIEWER,
    api_keys::delete => ADMIN_OR_SELF,
    // Readers see organizations', contacts' and custom fields' changes; admins every type's.
    changes::list => VIEWER,
    changes::organization_history => VIEWER,
    // The least any operation needs; each is then checked against its own endpoint's role.
    operations::perform => MEMBER,
    webhooks::list => ADMIN,
    webhooks::create => ADMIN,
    webhooks::get => ADMIN,
    webhooks::update => ADMIN,
    webhooks::delete => ADMIN,
    webhooks::rotate_secret => ADMIN,
    webhooks::replay => ADMIN,
    webhooks::deliveries => ADMIN,
    webhooks::ping => ADMIN,
}

/// Every endpoint the app serves, in registration order.
pub fn endpoints() -> &'static [Endpoint] {
    static ENDPOINTS: OnceLock<Vec<Endpoint>> = OnceLock::new();
    ENDPOINTS.get_or_init(declared)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    endpoint::register(cfg, endpoints());
}

/// Every `(method, path pattern)` the app answers (`HEAD` aside).
pub fn registered() -> Vec<(&'static str, &'static str)> {
    endpoints()
        .iter()
        .map(|e| (e.method.as_str(), e.path.as_str()))
        .collect()
}
