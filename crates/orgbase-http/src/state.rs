//! The state every handler shares: the store, the settings that shape responses, and the
//! caches in front of storage (see [`crate::cache`]).

use std::sync::Arc;

use actix_web::{HttpRequest, web};
use orgbase_domain::{ApiKey, CustomFields, CustomResourceType, Store, User};

use crate::cache::{Expiring, UsageClock};
use crate::errors::ApiError;
use crate::links::BaseUrl;

/// What every handler shares: the store and the settings that shape responses.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// `ORGBASE_PUBLIC_URL`: the base of every link when set (behind a proxy).
    pub public_url: Option<BaseUrl>,
    /// When each API key's use was last recorded.
    pub usage: Arc<UsageClock>,
    /// Verified callers by the hash of the key they presented.
    pub callers: Arc<Expiring<String, (ApiKey, User)>>,
    /// The custom field definitions, shared rather than copied into each request.
    pub fields: Arc<Expiring<(), Arc<DefinedFields>>>,
    /// `ORGBASE_WEBHOOKS_ALLOW_PRIVATE`: webhooks may point at http, loopback and private
    /// addresses (tests, and receivers on the same network).
    pub webhooks_allow_private: bool,
    /// What sends a webhook's ping now: the delivery worker's client, which the binary
    /// provides (this crate does not send requests of its own).
    pub pinger: Option<Arc<dyn Pinger>>,
}

/// The custom fields defined now: all of them (what `GET /custom_fields` lists), and each
/// resource type's, which requests about its records read, filter and render by.
#[derive(Debug, Default)]
pub struct DefinedFields {
    pub all: Arc<CustomFields>,
    pub organizations: Arc<CustomFields>,
    pub contacts: Arc<CustomFields>,
}

impl DefinedFields {
    pub fn new(all: CustomFields) -> Self {
        Self {
            organizations: Arc::new(all.of(CustomResourceType::Organizations)),
            contacts: Arc::new(all.of(CustomResourceType::Contacts)),
            all: Arc::new(all),
        }
    }
}

/// Sends a `webhook.ping` event to a webhook at once, signed as deliveries are.
pub trait Pinger: Send + Sync + std::fmt::Debug {
    fn ping(&self, webhook: &orgbase_domain::Webhook) -> PingOutcome;
}

/// What a ping came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingOutcome {
    /// The receiver's status, if it answered.
    pub status_code: Option<u16>,
    /// Why it was not a 2xx.
    pub error: Option<String>,
    pub duration_ms: u64,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            public_url: None,
            usage: Arc::default(),
            callers: Arc::default(),
            fields: Arc::default(),
            webhooks_allow_private: false,
            pinger: None,
        }
    }

    /// This instance changed custom field definitions: forget the cached ones.
    pub fn custom_fields_changed(&self) {
        self.fields.clear();
    }

    /// This instance changed a user or revoked a key: forget the cached callers, so a
    /// demoted, deleted or revoked caller is refused from the next request on.
    pub fn accounts_changed(&self) {
        self.callers.clear();
    }

    pub fn base_url(&self, req: &HttpRequest) -> BaseUrl {
        BaseUrl::from_request(req, self.public_url.as_ref())
    }

    /// The custom fields defined now, which every request about organizations or contacts
    /// needs: from the cache (see [`crate::cache`] for how stale it can be), else from
    /// storage.
    pub async fn custom_fields(&self) -> Result<Arc<DefinedFields>, ApiError> {
        if let Some(fields) = self.fields.get(&()) {
            return Ok(fields);
        }
        let generation = self.fields.generation();
        let fields = Arc::new(DefinedFields::new(
            self.run(|store| store.list_custom_fields()).await?,
        ));
        self.fields.insert(generation, (), Arc::clone(&fields));
        Ok(fields)
    }

    /// Runs a store call on actix's blocking pool, so slow storage never stalls the workers.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn Store) -> orgbase_domain::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = Arc::clone(&self.store);
        web::block(move || work(&*store))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::from)
    }
}
