//! Background jobs of a server process: every minute, close the sign-ins
//! whose day has ended (the midnight rule) and confirm the records whose
//! waiting days have passed. Both are idempotent transactions, so several
//! server processes on one database may run them side by side.

use crate::clock::Clock;
use std::time::Duration;
use zhiyuan_domain::setting::{SECOND_APPROVAL_HOURS, second_approval_hours};
use zhiyuan_store::Store;

const EVERY: Duration = Duration::from_secs(60);

/// Starts the job loop on the current runtime.
pub fn spawn(store: Store, clock: Clock) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(EVERY);
        loop {
            ticker.tick().await;
            run_once(&store, clock.now_ms()).await;
        }
    });
}

/// One round of every job at `now`; failures are logged and retried next round.
pub async fn run_once(store: &Store, now: i64) {
    match store.close_stale_records(now).await {
        Ok(0) => {}
        Ok(closed) => tracing::info!(closed, "sign-ins closed at 24:00"),
        Err(error) => tracing::warn!(%error, "closing stale sign-ins failed"),
    }
    let threshold = match store.setting(SECOND_APPROVAL_HOURS).await {
        Ok(stored) => second_approval_hours(stored.as_deref()),
        Err(error) => {
            tracing::warn!(%error, "reading the second-approval threshold failed");
            return;
        }
    };
    match store.auto_confirm_records(threshold, now).await {
        Ok(0) => {}
        Ok(confirmed) => tracing::info!(confirmed, "records confirmed automatically"),
        Err(error) => tracing::warn!(%error, "automatic confirmation failed"),
    }
}
