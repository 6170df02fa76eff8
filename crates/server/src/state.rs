//! What every handler shares: the store, the password service, the login
//! throttle and the metrics handle.

use crate::auth::{LoginThrottle, Passwords};
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use zhiyuan_store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub passwords: Arc<Passwords>,
    pub throttle: Arc<LoginThrottle>,
    pub metrics: PrometheusHandle,
    /// Take the client address from `X-Forwarded-For` (behind a reverse proxy).
    pub trust_forwarded_for: bool,
}
