//! What every handler shares: the store, the activity search index, the
//! password service, the metrics handle, the public address, the
//! certificate font (loaded on first use), the application layer's shared
//! reads and the clock.

use crate::app::shared::SharedReads;
use crate::auth::Passwords;
use crate::clock::Clock;
use crate::error::{ApiError, ApiResult};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use tokio::sync::OnceCell;
use zhiyuan_certificate::CjkFont;
use zhiyuan_domain::checkin_token::TokenKey;
use zhiyuan_search::{ActivityDoc, ActivityIndex, ActivityQuery, SearchHits};
use zhiyuan_store::Store;
use zhiyuan_store::activities::Activity;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Full-text index of activities, rebuilt from the store at start.
    pub search: Arc<ActivityIndex>,
    pub passwords: Arc<Passwords>,
    pub metrics: PrometheusHandle,
    /// Take the client address from `X-Forwarded-For` (behind a reverse proxy).
    pub trust_forwarded_for: bool,
    /// The address people reach the platform at, without a trailing slash.
    pub public_url: String,
    /// Cookies only over HTTPS (the public address is https, or the operator said so).
    pub secure_cookies: bool,
    /// The Chinese font of certificate PDFs, loaded (about 20 MB) on the
    /// first download; the error names the Debian package to install.
    pub certificate_font: Arc<OnceCell<Result<CjkFont, String>>>,
    /// Categories, region and organization names, read once and cached.
    pub shared: Arc<SharedReads>,
    /// What time it is for this server (the system's, or shifted in tests).
    pub clock: Clock,
    /// The bearer token that reads `/metrics` from anywhere (else only from this machine).
    pub metrics_token: Option<String>,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Milliseconds since the Unix epoch on this server's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The key that signs check-in tokens (derived from the data key).
    pub fn token_key(&self) -> TokenKey {
        TokenKey::new(self.store.vault().checkin_key())
    }

    /// The absolute address of a path (`/c/...`, `/certificates/...`) for
    /// a QR code: under the configured public address only, never the Host
    /// a request names (which anyone can set).
    pub fn absolute_url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// The certificate font, loaded off the async threads on first use;
    /// 503 `font_missing` naming the package when there is none.
    pub async fn certificate_font(&self) -> ApiResult<CjkFont> {
        let loaded = self
            .certificate_font
            .get_or_init(|| async {
                tokio::task::spawn_blocking(|| CjkFont::find().map_err(|e| e.to_string()))
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()))
            })
            .await;
        loaded
            .clone()
            .map_err(|detail| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "font_missing", detail))
    }

    /// Brings the search index up to date with one activity. The index is a
    /// projection: a failure is logged, and the next start rebuilds it.
    /// The commit runs on the blocking pool (it can take milliseconds), and
    /// the activity is searchable when this returns.
    pub async fn index_activity(&self, activity: &Activity) {
        let search = self.search.clone();
        let doc = activity_doc(activity);
        let outcome = tokio::task::spawn_blocking(move || search.upsert(&[doc]).map_err(|e| e.to_string())).await;
        if let Err(error) = outcome.unwrap_or_else(|e| Err(e.to_string())) {
            tracing::warn!(%error, activity = activity.id, "search index not updated");
        }
    }

    /// Asks the full-text index, on the blocking pool: ranking is CPU work
    /// that must not hold an async thread.
    pub async fn search_activities(&self, query: ActivityQuery) -> ApiResult<SearchHits> {
        let search = self.search.clone();
        tokio::task::spawn_blocking(move || search.search(&query))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)
    }
}

/// What the search index keeps of an activity.
pub fn activity_doc(activity: &Activity) -> ActivityDoc {
    ActivityDoc {
        id: activity.id,
        title: activity.title.clone(),
        description: activity.description.clone(),
        category: activity.category.clone(),
        region_path: activity.region_path.clone(),
        starts_at_ms: activity.starts_at,
        ends_at_ms: activity.ends_at,
        visible: activity.state == "published",
    }
}
