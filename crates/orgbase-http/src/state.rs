use std::sync::Arc;

use actix_web::{HttpRequest, web};
use orgbase_domain::{CustomFields, Store};

use crate::auth::UsageClock;
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
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            public_url: None,
            usage: Arc::default(),
        }
    }

    pub fn base_url(&self, req: &HttpRequest) -> BaseUrl {
        BaseUrl::from_request(req, self.public_url.as_ref())
    }

    /// The custom fields defined now, read on every request about organizations: the server
    /// keeps no copy, so every instance behind a load balancer sees a change at once.
    pub async fn custom_fields(&self) -> Result<CustomFields, ApiError> {
        self.run(|store| store.list_custom_fields()).await
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
