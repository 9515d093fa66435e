//! JSON:API error documents.
//!
//! Handlers return [`ApiError`]; its one [`ResponseError`] impl renders the document. Build
//! errors from a [`Kind`] (the table below maps each kind to a status, a stable code and a
//! title) or convert a domain [`Error`] with `?`. Internal failures are logged with their
//! detail and answered without it.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use orgbase_domain::{Constraint, Error};
use serde::Serialize;

use crate::jsonapi::{JSONAPI_MEDIA_TYPE, JsonApiVersion};

/// Every kind of error orgbase answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    InvalidJson,
    InvalidDocument,
    InvalidParameter,
    UnknownParameter,
    /// `page[size]` above the maximum on a cursor page (the profile's `max-size-exceeded`).
    MaxPageSizeExceeded,
    Unauthorized,
    Forbidden,
    UnsupportedUpdate,
    ClientIdUnsupported,
    NotFound,
    MethodNotAllowed,
    NotAcceptable,
    TypeMismatch,
    IdMismatch,
    IdTaken,
    BodyTooLarge,
    UnsupportedMediaType,
    NameTaken,
    SlugTaken,
    EmailTaken,
    IdentifierTaken,
    /// Another organization holds this value of a unique custom field.
    ValueTaken,
    /// The contact is already a member of the organization.
    AlreadyMember,
    LastAdmin,
    OwnsOrganizations,
    /// A field failed validation; the field error carries its own code.
    Invalid,
    /// `If-Match` named a version the resource is no longer at.
    PreconditionFailed,
    /// An atomic operation orgbase does not perform (an API key's, a to-one "add").
    UnsupportedOperation,
    /// More atomic operations than one request may carry.
    TooManyOperations,
    /// A changes-feed cursor points where entries were pruned.
    ChangesPruned,
    /// A request header orgbase reads is malformed (`Idempotency-Key`).
    InvalidHeader,
    /// An `Idempotency-Key` sent again with a different request.
    IdempotencyKeyReused,
    /// An `Idempotency-Key` whose first request is still running.
    IdempotencyKeyInProgress,
    StorageUnavailable,
    Internal,
}

impl Kind {
    /// The table: status, code, title.
    fn describe(self) -> (StatusCode, &'static str, &'static str) {
        use StatusCode as S;
        match self {
            Kind::InvalidJson => (S::BAD_REQUEST, "invalid_json", "Malformed JSON"),
            Kind::InvalidHeader => (S::BAD_REQUEST, "invalid_header", "Invalid request header"),
            Kind::IdempotencyKeyReused => (
                S::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Idempotency key reused",
            ),
            Kind::IdempotencyKeyInProgress => (
                S::CONFLICT,
                "idempotency_key_in_progress",
                "Idempotent request in progress",
            ),
            Kind::InvalidDocument => (
                S::BAD_REQUEST,
                "invalid_document",
                "Invalid JSON:API document",
            ),
            Kind::InvalidParameter => (
                S::BAD_REQUEST,
                "invalid_parameter",
                "Invalid query parameter",
            ),
            Kind::UnknownParameter => (
                S::BAD_REQUEST,
                "unknown_parameter",
                "Unknown query parameter",
            ),
            Kind::MaxPageSizeExceeded => (
                S::BAD_REQUEST,
                "max_size_exceeded",
                "Page size above the maximum",
            ),
            Kind::Unauthorized => (S::UNAUTHORIZED, "unauthorized", "Authentication required"),
            Kind::Forbidden => (S::FORBIDDEN, "forbidden", "Not allowed for this role"),
            Kind::UnsupportedUpdate => (S::FORBIDDEN, "unsupported_update", "Update not supported"),
            Kind::ClientIdUnsupported => (
                S::FORBIDDEN,
                "client_id_unsupported",
                "Unsupported client-generated id",
            ),
            Kind::NotFound => (S::NOT_FOUND, "not_found", "Not found"),
            Kind::MethodNotAllowed => (
                S::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
            ),
            Kind::NotAcceptable => (S::NOT_ACCEPTABLE, "not_acceptable", "Not acceptable"),
            Kind::TypeMismatch => (S::CONFLICT, "type_mismatch", "Resource type mismatch"),
            Kind::IdMismatch => (S::CONFLICT, "id_mismatch", "Resource id mismatch"),
            Kind::IdTaken => (S::CONFLICT, "id_taken", "Id already taken"),
            Kind::BodyTooLarge => (
                S::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "Request body too large",
            ),
            Kind::UnsupportedMediaType => (
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
            ),
            Kind::NameTaken => (S::UNPROCESSABLE_ENTITY, "name_taken", "Name already taken"),
            Kind::SlugTaken => (S::UNPROCESSABLE_ENTITY, "slug_taken", "Slug already taken"),
            Kind::EmailTaken => (
                S::UNPROCESSABLE_ENTITY,
                "email_taken",
                "E-mail address already taken",
            ),
            Kind::AlreadyMember => (
                S::UNPROCESSABLE_ENTITY,
                "already_member",
                "Already a member",
            ),
            Kind::IdentifierTaken => (
                S::UNPROCESSABLE_ENTITY,
                "identifier_taken",
                "Identifier already taken",
            ),
            Kind::ValueTaken => (
                S::UNPROCESSABLE_ENTITY,
                "value_taken",
                "Unique value already taken",
            ),
            Kind::LastAdmin => (S::CONFLICT, "last_admin", "The last admin must stay"),
            Kind::OwnsOrganizations => (
                S::CONFLICT,
                "owns_organizations",
                "The user owns organizations",
            ),
            Kind::Invalid => (S::UNPROCESSABLE_ENTITY, "invalid", "Invalid attribute"),
            Kind::PreconditionFailed => (
                S::PRECONDITION_FAILED,
                "precondition_failed",
                "Precondition failed",
            ),
            Kind::ChangesPruned => (S::GONE, "changes_pruned", "Changes pruned"),
            Kind::UnsupportedOperation => (
                S::BAD_REQUEST,
                "unsupported_operation",
                "Operation not supported",
            ),
            Kind::TooManyOperations => (
                S::PAYLOAD_TOO_LARGE,
                "too_many_operations",
                "Too many operations",
            ),
            Kind::StorageUnavailable => (
                S::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "Storage unavailable",
            ),
            Kind::Internal => (
                S::INTERNAL_SERVER_ERROR,
                "internal_error",
                "Internal server error",
            ),
        }
    }

    pub fn status(self) -> StatusCode {
        self.describe().0
    }
}

/// Where in the request an error is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Source {
    /// A JSON pointer into the request body.
    #[serde(rename = "pointer")]
    Pointer(String),
    /// A query parameter's name, as the client sent it (decoded).
    #[serde(rename = "parameter")]
    Parameter(String),
    #[serde(rename = "header")]
    Header(String),
}

/// One JSON:API error object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorObject {
    pub status: String,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// `links` and `meta`, where a profile defines the error (boxed: rare, and errors are
    /// passed by value everywhere).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub defined: Option<Box<DefinedError>>,
}

/// The members a profile gives one of its errors: `links.type` naming its definition, and
/// `meta`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefinedError {
    pub links: serde_json::Value,
    pub meta: serde_json::Value,
}

impl ErrorObject {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Self {
        let (status, code, title) = kind.describe();
        Self {
            status: status.as_u16().to_string(),
            code,
            title,
            detail: detail.into(),
            source: None,
            defined: None,
        }
    }

    /// A 422 about one field, with the field rule's own code (`too_long`, `required` …).
    pub fn invalid_field(
        code: &'static str,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        let mut error = Self::new(Kind::Invalid, detail).pointer(pointer);
        error.code = code;
        error
    }

    pub fn at(mut self, source: Source) -> Self {
        self.source = Some(source);
        self
    }

    pub fn pointer(self, pointer: impl Into<String>) -> Self {
        self.at(Source::Pointer(pointer.into()))
    }

    pub fn parameter(self, name: impl Into<String>) -> Self {
        self.at(Source::Parameter(name.into()))
    }
}

/// A response made of one or more error objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: Vec<ErrorObject>,
    /// `Allow` for 405, `WWW-Authenticate` for 401, `Retry-After` for 503.
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl ApiError {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Self {
        ErrorObject::new(kind, detail).into()
    }

    /// Several errors in one response. With mixed statuses JSON:API asks for the most
    /// generally applicable one: the shared status, else 400 for client errors.
    pub fn many(errors: Vec<ErrorObject>) -> Self {
        let statuses: Vec<&str> = errors.iter().map(|e| e.status.as_str()).collect();
        let status = match statuses.first() {
            Some(first) if statuses.iter().all(|s| s == first) => first
                .parse::<u16>()
                .ok()
                .and_then(|n| StatusCode::from_u16(n).ok())
                .unwrap_or(StatusCode::BAD_REQUEST),
            _ => StatusCode::BAD_REQUEST,
        };
        Self {
            status,
            errors,
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: header::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The same errors, about a part of a larger document: each pointer is prefixed with
    /// `prefix` (`/atomic:operations/3`), and an error with no source points at the part.
    pub fn within(mut self, prefix: &str) -> Self {
        for error in &mut self.errors {
            match &mut error.source {
                Some(Source::Pointer(pointer)) => *pointer = format!("{prefix}{pointer}"),
                None => error.source = Some(Source::Pointer(prefix.to_owned())),
                Some(Source::Parameter(_) | Source::Header(_)) => {}
            }
        }
        self
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            Kind::Internal,
            "The server failed to answer; the failure has been logged.",
        )
    }
}

impl From<ErrorObject> for ApiError {
    fn from(error: ErrorObject) -> Self {
        Self::many(vec![error])
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        match error {
            Error::NotFound { resource, id } => {
                ApiError::new(Kind::NotFound, format!("No {resource} has the id {id:?}."))
            }
            Error::Conflict(Constraint::OrganizationName) => ErrorObject::new(
                Kind::NameTaken,
                "An organization with this name already exists (names are compared ignoring case and surrounding space). Send ?return_existing=true to get it instead.",
            )
            .pointer("/data/attributes/name")
            .into(),
            Error::Conflict(Constraint::OrganizationSlug) => {
                ErrorObject::new(Kind::SlugTaken, "Another organization already has this slug.")
                    .pointer("/data/attributes/slug")
                    .into()
            }
            Error::Conflict(
                Constraint::OrganizationId
                | Constraint::UserId
                | Constraint::ApiKeyId
                | Constraint::CustomFieldId
                | Constraint::WebhookId
                | Constraint::ContactId
                | Constraint::MembershipId
                | Constraint::DocumentId
                | Constraint::ProjectId
                | Constraint::TaskId,
            ) => {
                ErrorObject::new(Kind::IdTaken, "A resource with this id already exists.")
                    .pointer("/data/id")
                    .into()
            }
            Error::Conflict(Constraint::UserEmail) => ErrorObject::new(
                Kind::EmailTaken,
                "Another user already has this e-mail address (compared ignoring case).",
            )
            .pointer("/data/attributes/email")
            .into(),
            Error::Conflict(Constraint::ContactEmail) => ErrorObject::new(
                Kind::EmailTaken,
                "Another contact already has this e-mail address (compared ignoring case).",
            )
            .pointer("/data/attributes/email")
            .into(),
            Error::Conflict(Constraint::AlreadyMember) => ErrorObject::new(
                Kind::AlreadyMember,
                "The contact is already a member of this organization; change that membership's role instead.",
            )
            .pointer("/data/relationships/contact")
            .into(),
            Error::Conflict(Constraint::CustomFieldIdentifier) => ErrorObject::new(
                Kind::IdentifierTaken,
                "Another custom field of this resource type already has this identifier.",
            )
            .pointer("/data/attributes/identifier")
            .into(),
            Error::Conflict(Constraint::CustomValue(_)) => ErrorObject::new(
                Kind::ValueTaken,
                "Another organization already holds this value of a unique custom field (compared ignoring case).",
            )
            .pointer("/data/attributes")
            .into(),
            Error::Conflict(Constraint::UserOwnsOrganizations) => ApiError::new(
                Kind::OwnsOrganizations,
                "This user still owns organizations; send ?reassign_to=<user id> to hand them over.",
            ),
            Error::Conflict(Constraint::LastAdmin) => ApiError::new(
                Kind::LastAdmin,
                "This would leave no admin; make another user an admin first.",
            ),
            Error::Invalid(errors) => ApiError::many(
                errors
                    .0
                    .into_iter()
                    .map(|e| ErrorObject::invalid_field(e.code, format!("/data/attributes{}", e.pointer), e.detail))
                    .collect(),
            ),
            Error::Unavailable(detail) => {
                tracing::warn!(%detail, "storage unavailable");
                ApiError::new(Kind::StorageUnavailable, "Storage is unavailable right now; retry shortly.")
                    .with_header(header::RETRY_AFTER, HeaderValue::from_static("5"))
            }
            Error::PreconditionFailed => ErrorObject::new(
                Kind::PreconditionFailed,
                "The resource changed since the version If-Match names; fetch it again, reapply your change and send its new ETag.",
            )
            .at(Source::Header("If-Match".to_owned()))
            .into(),
            Error::ChangesPruned { pruned_through } => ApiError::new(
                Kind::ChangesPruned,
                format!("Changes up to sequence {pruned_through} were pruned (ORGBASE_CHANGES_RETENTION_DAYS), so changes after this cursor may be missing; resync: walk the collections again, then follow /changes from the cursor in meta.latest."),
            ),
            Error::Backend(detail) => ApiError::internal(detail),
            // Callers of `atomically` answer with the reason they kept; reaching here is a bug.
            Error::GaveUp => ApiError::internal("an atomic write gave up without a reason"),
        }
    }
}

impl ApiError {
    /// An organization write's error, a taken unique value pointing at its field (the store
    /// names the field by id; requests name it by identifier).
    pub fn of_organization_write(error: Error, custom: &orgbase_domain::CustomFields) -> Self {
        Self::of_unique_value(error, custom, |identifier| {
            format!(
                "Another organization already holds this `{identifier}` (a unique custom field, compared ignoring case). Send ?upsert={identifier} to update that organization instead."
            )
        })
    }

    /// A contact write's error, as [`Self::of_organization_write`] (contacts have no upsert).
    pub fn of_contact_write(error: Error, custom: &orgbase_domain::CustomFields) -> Self {
        Self::of_unique_value(error, custom, |identifier| {
            format!(
                "Another contact already holds this `{identifier}` (a unique custom field, compared ignoring case)."
            )
        })
    }

    fn of_unique_value(
        error: Error,
        custom: &orgbase_domain::CustomFields,
        detail: impl FnOnce(&str) -> String,
    ) -> Self {
        match error {
            Error::Conflict(Constraint::CustomValue(Some(id))) => match custom.get(id) {
                Some(field) => ErrorObject::new(Kind::ValueTaken, detail(&field.identifier))
                    .pointer(format!("/data/attributes/{}", field.identifier))
                    .into(),
                None => error.into(),
            },
            other => other.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let details: Vec<&str> = self.errors.iter().map(|e| e.detail.as_str()).collect();
        write!(f, "{}: {}", self.status, details.join("; "))
    }
}

#[derive(Serialize)]
struct ErrorDocument<'a> {
    jsonapi: JsonApiVersion,
    errors: &'a [ErrorObject],
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, JSONAPI_MEDIA_TYPE));
        for (name, value) in &self.headers {
            response.insert_header((name.clone(), value.clone()));
        }
        response.json(ErrorDocument {
            jsonapi: JsonApiVersion::V1_1,
            errors: &self.errors,
        })
    }
}
