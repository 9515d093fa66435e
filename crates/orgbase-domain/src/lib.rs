//! orgbase's storage-agnostic core.
//!
//! Everything here is plain Rust: no diesel, no actix, no async runtime.
//!
//! - [`organization`]: the organization record, its create and patch inputs, and the rules
//!   that turn one into the other.
//! - [`contact`]: the people at organizations: the contact record and its inputs.
//! - [`membership`]: a contact in an organization, with a role.
//! - [`document`]: the record of a file an organization has.
//! - [`project`]: work an organization is part of.
//! - [`task`]: things to do for an organization.
//! - [`attributes`]: reading untrusted attribute objects (from JSON:API bodies, imports) into
//!   those inputs, reporting every failing field at once.
//! - [`query`]: the storage-agnostic list query (filters, sorts, page).
//! - [`custom_field`]: fields admins define at run time and the values organizations hold.
//! - [`user`] and [`api_key`]: the people behind requests, their roles and their keys.
//! - [`change`]: the change log's entries, the snapshots they are the difference of, and
//!   the changes feed's query.
//! - [`store`]: the storage trait every backend implements.
//! - [`error`]: the one error type the trait and the rules return.
//! - [`service`]: operations composed from store calls (slug and copy-name retries).
//! - [`import`]: matching imported rows to stored organizations, so imports are idempotent.
//! - [`idempotency`]: `Idempotency-Key` claims, and the rule that says when a request runs,
//!   replays its first answer, or is refused.
//! - [`webhook`]: what a webhook hears of, where it may point, how a delivery is signed
//!   (Standard Webhooks) and when a failing endpoint is retried or given up on.

pub mod api_key;
pub mod attributes;
pub mod change;
pub mod contact;
pub mod custom_field;
pub mod document;
pub mod error;
pub mod idempotency;
pub mod ids;
pub mod import;
pub mod membership;
pub mod name;
pub mod organization;
pub mod project;
pub mod query;
pub mod service;
pub mod slug;
pub mod store;
pub mod task;
pub mod time;
pub mod user;
pub mod webhook;

pub use api_key::{ApiKey, Secret};
pub use change::{Change, ChangeEntry, ChangeQuery, Operation, ResourceType, Version, Write};
pub use contact::{Contact, ContactPatch, NewContact};
pub use custom_field::{
    CustomField, CustomFieldKey, CustomFieldPatch, CustomFields, CustomFormat, CustomResourceType,
    CustomValue, CustomValues,
};
pub use document::{DocumentPatch, NewDocument};
pub use error::{Constraint, Error, FieldError, Result, ValidationErrors};
pub use ids::{
    ApiKeyId, ContactId, CustomFieldId, DocumentId, MembershipId, OrganizationId, ProjectId,
    TaskId, UserId, WebhookId,
};
pub use membership::{Membership, MembershipPatch, MembershipRole, NewMembership};
pub use organization::{NewOrganization, Organization, OrganizationPatch, Status};
pub use project::{NewProject, ProjectPatch, ProjectStatus};
pub use query::{
    ArchivedFilter, Condition, Field, Filter, Keyset, ListQuery, Operand, Operator, Page,
    PageRequest, Position, SortDirection, SortKey,
};
pub use store::Store;
pub use task::{NewTask, TaskPatch, TaskStatus};
pub use user::{Role, User, UserPatch};
pub use webhook::{
    DeliveryRecord, DeliveryState, NewWebhook, Webhook, WebhookPatch, WebhookSecret,
};
