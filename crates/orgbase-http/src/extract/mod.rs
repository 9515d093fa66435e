//! actix extractors for what every handler does first, so handlers read as what they do:
//!
//! - [`PathId`]: the `{id}` of the URL as a typed id (404 for text that is not a UUID);
//! - [`Query`]: the query string parsed for the endpoint's [`QueryShape`], every bad parameter
//!   reported at once;
//! - [`ResourceBody`] and [`LinkageBody`]: a JSON:API request document (media type, size limit,
//!   structure, the client-generated id);
//! - [`crate::auth::Caller`]: who is calling, as the authentication middleware found.
//!
//! The routing table wraps every handler in [`InOrder`], so a handler's arguments are
//! extracted in the order written and the first fault answers.

mod body;
mod caller;
mod in_order;
mod path_id;
mod query;

pub use body::{AtomicBody, LinkageBody, ResourceBody};
pub use in_order::InOrder;
pub use path_id::PathId;
pub use query::{
    ChangeList, ContactList, ContactReference, CustomFieldList, DeleteUser, DocumentList,
    DocumentReference, MembershipList, MembershipReference, OneOrganization, OneResource,
    Operations, OrganizationCreate, OrganizationList, OrganizationReference, PageOnly, ProjectList,
    ProjectReference, Query, QueryShape, RecordHistory, TaskList, TaskReference,
};
