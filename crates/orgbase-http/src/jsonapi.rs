//! The JSON:API names every other module shares: the media type and the top-level `jsonapi`
//! member. A leaf: it imports nothing of this crate, so documents, errors and content
//! negotiation can all use it without importing each other.

use serde::Serialize;

pub const JSONAPI_MEDIA_TYPE: &str = "application/vnd.api+json";

/// The top-level `jsonapi` member.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct JsonApiVersion {
    version: &'static str,
    /// The profile the document applies (the cursor pagination profile, on cursor pages).
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<[&'static str; 1]>,
    /// The extension the document applies (the atomic extension, on `/operations`).
    #[serde(skip_serializing_if = "Option::is_none")]
    ext: Option<[&'static str; 1]>,
}

impl JsonApiVersion {
    pub const V1_1: Self = Self {
        version: "1.1",
        profile: None,
        ext: None,
    };

    pub fn with_profile(profile: &'static str) -> Self {
        Self {
            profile: Some([profile]),
            ..Self::V1_1
        }
    }

    pub fn with_ext(ext: &'static str) -> Self {
        Self {
            ext: Some([ext]),
            ..Self::V1_1
        }
    }

    pub fn profile(&self) -> Option<&'static str> {
        self.profile.map(|[p]| p)
    }
}
