//! The server of Zhiyuan: the application layer (`app`: commands and
//! queries with their role and scope checks, and the shared cached reads)
//! under two thin shells, the JSON API (`api`) and server-rendered pages
//! (`web`); authentication (`auth`), problem+json errors (`error`) and
//! per-route metrics (`metrics`). A handler parses its input into typed
//! values, calls the application layer and renders what comes back.

pub mod api;
pub mod app;
pub mod auth;
pub mod clock;
pub mod demo;
pub mod error;
pub mod export;
pub mod extract;
pub mod headers;
pub mod jobs;
pub mod messages;
pub mod metrics;
pub mod photo;
pub mod qr;
pub mod state;
pub mod web;

use crate::auth::Passwords;
use crate::clock::Clock;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use zhiyuan_search::ActivityIndex;
use zhiyuan_store::Store;

/// Tunables of one server process.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Password hashes computed at once (each takes a core for ~25 ms).
    pub hash_concurrency: usize,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Behind a reverse proxy: count failed logins per `X-Forwarded-For`
    /// address instead of per connection (else everyone shares the proxy's).
    pub trust_forwarded_for: bool,
    /// The address people reach the platform at, for links that leave the
    /// browser (QR codes of check-ins and certificates); never taken from a
    /// request. `None`: http://localhost:8080 (the command line passes the
    /// address it listens on).
    pub public_url: Option<String>,
    /// Cookies only over HTTPS even when the public address is http (behind
    /// a TLS proxy that forwards plain HTTP); an https public address implies it.
    pub secure_cookies: bool,
    /// The time the server goes by (the system's unless shifted).
    pub clock: Clock,
    /// A bearer token that reads `/metrics` from other machines; without
    /// one, only a scraper on this machine (not through a proxy) reads them.
    pub metrics_token: Option<String>,
    /// Where outgoing messages go: a gateway (`messages::LogGateway` by
    /// default on the command line), or nowhere, so that they wait in the
    /// outbox for `zhiyuan outbox`.
    pub messages: Option<messages::Gateway>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            // One core is always left to everything else: a burst of logins
            // or registrations cannot take the whole machine.
            hash_concurrency: std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1)),
            body_limit: 1024 * 1024,
            trust_forwarded_for: false,
            public_url: None,
            secure_cookies: false,
            clock: Clock::system(),
            metrics_token: None,
            messages: None,
        }
    }
}

/// The public address when none is configured.
pub const DEFAULT_PUBLIC_URL: &str = "http://localhost:8080";

/// The whole application as one router: rebuilds the search index from the
/// store and starts the background jobs.
pub async fn app(store: Store, config: &ServerConfig) -> Result<Router, StartError> {
    let search = Arc::new(ActivityIndex::in_memory()?);
    rebuild_search_index(&store, &search).await?;
    jobs::spawn(store.clone(), config.clock, config.messages.clone());
    let public_url = config
        .public_url
        .as_deref()
        .map(|url| url.trim_end_matches('/').to_string())
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_string());
    let state = AppState {
        store,
        search,
        passwords: Arc::new(Passwords::new(config.hash_concurrency)),
        metrics: metrics::handle(),
        trust_forwarded_for: config.trust_forwarded_for,
        public_url: public_url.clone(),
        secure_cookies: config.secure_cookies || public_url.starts_with("https://"),
        certificate_font: Arc::default(),
        shared: Arc::default(),
        clock: config.clock,
        metrics_token: config.metrics_token.clone().filter(|token| !token.is_empty()),
    };
    let router = Router::new()
        .merge(api::routes())
        .merge(web::routes())
        .route("/metrics", axum::routing::get(metrics::render))
        .route_layer(axum::middleware::from_fn(metrics::track))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), headers::secure))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "something went wrong on our side",
            )
            .into_response()
        }))
        .with_state(state);
    Ok(router)
}

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("search index: {0}")]
    Search(#[from] zhiyuan_search::SearchError),
    #[error("{0}")]
    Store(#[from] zhiyuan_store::StoreError),
}

/// Indexes every activity of the store (published ones become searchable).
async fn rebuild_search_index(store: &Store, index: &ActivityIndex) -> Result<(), StartError> {
    index.clear()?;
    let mut after = 0;
    loop {
        let batch = store.all_activities(after, 5000).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let docs: Vec<_> = batch.iter().map(state::activity_doc).collect();
        index.upsert(&docs)?;
    }
    Ok(())
}

async fn not_found() -> ApiError {
    ApiError::not_found("page")
}

/// Serves `router` on `listener` until Ctrl-C or SIGTERM, then finishes
/// the requests in flight.
pub async fn serve(listener: TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
