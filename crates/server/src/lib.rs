//! The HTTP shell of Zhiyuan: the JSON API (`api`), server-rendered pages
//! (`web`), authentication (`auth`), problem+json errors (`error`) and
//! per-route metrics (`metrics`). Handlers read as a straight line: parse
//! into domain types, check scope, let the domain decide, persist, respond.

pub mod api;
pub mod auth;
pub mod demo;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod state;
pub mod web;

use crate::auth::{LoginThrottle, Passwords};
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
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            hash_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            body_limit: 1024 * 1024,
            trust_forwarded_for: false,
        }
    }
}

/// The whole application as one router.
pub fn app(store: Store, config: &ServerConfig) -> Router {
    let state = AppState {
        store,
        passwords: Arc::new(Passwords::new(config.hash_concurrency)),
        throttle: Arc::new(LoginThrottle::default()),
        metrics: metrics::handle(),
        trust_forwarded_for: config.trust_forwarded_for,
    };
    Router::new()
        .merge(api::routes())
        .merge(web::routes())
        .route("/metrics", axum::routing::get(metrics::render))
        .route_layer(axum::middleware::from_fn(metrics::track))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "something went wrong on our side",
            )
            .into_response()
        }))
        .with_state(state)
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
