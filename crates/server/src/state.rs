//! What every handler shares: the store, the activity search index, the
//! password service, the login throttle and the metrics handle.

use crate::auth::{LoginThrottle, Passwords};
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use zhiyuan_domain::checkin_token::TokenKey;
use zhiyuan_search::{ActivityDoc, ActivityIndex};
use zhiyuan_store::Store;
use zhiyuan_store::activities::Activity;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Full-text index of activities, rebuilt from the store at start.
    pub search: Arc<ActivityIndex>,
    pub passwords: Arc<Passwords>,
    pub throttle: Arc<LoginThrottle>,
    pub metrics: PrometheusHandle,
    /// Take the client address from `X-Forwarded-For` (behind a reverse proxy).
    pub trust_forwarded_for: bool,
}

impl AppState {
    /// The key that signs check-in tokens (derived from the data key).
    pub fn token_key(&self) -> TokenKey {
        TokenKey::new(self.store.vault().checkin_key())
    }

    /// Brings the search index up to date with one activity. The index is a
    /// projection: a failure is logged, and the next start rebuilds it.
    pub fn index_activity(&self, activity: &Activity) {
        if let Err(error) = self.search.upsert(&[activity_doc(activity)]) {
            tracing::warn!(%error, activity = activity.id, "search index not updated");
        }
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
