//! Background jobs of a server process: every minute, close the sign-ins
//! whose day has ended (the midnight rule), confirm the records whose
//! waiting days have passed, and do the orders' deadline jobs that fell due
//! (escalations, timeouts, expiries, unrated closes), snapshot yesterday's
//! rankings (天天比) once a day, and hand the outbox's messages to the
//! configured gateway (`messages`). The first two are idempotent
//! transactions; each deadline job is claimed once (`store::jobs`) and each
//! day's ranking snapshot is written once (`store::rankings`), so several
//! server processes on one database may run them side by side.

use crate::clock::Clock;
use crate::messages::{Gateway, deliver_round};
use std::time::Duration;
use zhiyuan_domain::ranking::{RankLevel, SNAPSHOT_KEEP_DAYS};
use zhiyuan_domain::setting::{SECOND_APPROVAL_HOURS, second_approval_hours};
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_store::Store;

const EVERY: Duration = Duration::from_secs(60);

/// Starts the job loop on the current runtime; with a gateway, each round
/// also delivers the outbox's messages through it.
pub fn spawn(store: Store, clock: Clock, gateway: Option<Gateway>) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(EVERY);
        loop {
            ticker.tick().await;
            run_once(&store, clock.now_ms()).await;
            if let Some(Gateway(gateway)) = &gateway {
                match deliver_round(&store, gateway, clock.now_ms()).await {
                    Ok(0) => {}
                    Ok(delivered) => tracing::info!(delivered, gateway = gateway.name(), "messages delivered"),
                    Err(error) => tracing::warn!(%error, "delivering messages failed"),
                }
            }
        }
    });
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub sign_ins_closed: u64,
    pub records_confirmed: u64,
    pub order_deadlines: usize,
    /// Levels of yesterday's rankings this round wrote.
    pub rankings_written: usize,
}

/// One round of every job at `now` (what `zhiyuan jobs` runs once);
/// failures are logged and retried next round.
pub async fn run_once(store: &Store, now: i64) -> Round {
    let mut round = Round::default();
    match store.close_stale_records(now).await {
        Ok(0) => {}
        Ok(closed) => {
            round.sign_ins_closed = closed;
            tracing::info!(closed, "sign-ins closed at 24:00");
        }
        Err(error) => tracing::warn!(%error, "closing stale sign-ins failed"),
    }
    match store.setting(SECOND_APPROVAL_HOURS).await {
        Ok(stored) => match store
            .auto_confirm_records(second_approval_hours(stored.as_deref()), now)
            .await
        {
            Ok(0) => {}
            Ok(confirmed) => {
                round.records_confirmed = confirmed;
                tracing::info!(confirmed, "records confirmed automatically");
            }
            Err(error) => tracing::warn!(%error, "automatic confirmation failed"),
        },
        Err(error) => tracing::warn!(%error, "reading the second-approval threshold failed"),
    }
    round.order_deadlines = run_order_deadlines(store, now).await;
    round.rankings_written = snapshot_rankings(store, now).await;
    round
}

/// Writes yesterday's ranking snapshot of each level not written yet
/// (another process may have), and forgets snapshots older than
/// `SNAPSHOT_KEEP_DAYS`: how many levels this call wrote.
async fn snapshot_rankings(store: &Store, now: i64) -> usize {
    let today = china_date(from_epoch_ms(now));
    let Some(yesterday) = today.pred_opt() else {
        return 0;
    };
    let mut written = 0;
    for &level in RankLevel::ALL {
        match store.ranking_day_written(yesterday, level).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%error, "reading the ranking days failed");
                return written;
            }
        }
        let saved = match store.ranking_candidates(level, None, yesterday).await {
            Ok(candidates) => store.save_ranking_snapshot(yesterday, level, &candidates, now).await,
            Err(error) => Err(error),
        };
        match saved {
            Ok(true) => {
                written += 1;
                tracing::info!(day = %yesterday, level = level.as_str(), "ranking snapshot written");
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, level = level.as_str(), "writing the ranking snapshot failed"),
        }
    }
    if written > 0 {
        let keep_from = today - chrono::Duration::days(SNAPSHOT_KEEP_DAYS);
        if let Err(error) = store.forget_rankings_before(keep_from).await {
            tracing::warn!(%error, "forgetting old ranking snapshots failed");
        }
    }
    written
}

/// Deadline jobs done per round at most; the rest wait for the next round.
const DEADLINE_JOBS_PER_ROUND: usize = 500;

/// Does the deadline jobs due at `now`: how many were done.
async fn run_order_deadlines(store: &Store, now: i64) -> usize {
    let deadlines = match store.order_deadlines().await {
        Ok(deadlines) => deadlines,
        Err(error) => {
            tracing::warn!(%error, "reading the order deadlines failed");
            return 0;
        }
    };
    let worker = format!("pid {}", std::process::id());
    match store
        .run_order_deadlines(now, &deadlines, &worker, DEADLINE_JOBS_PER_ROUND)
        .await
    {
        Ok(done) => {
            if !done.is_empty() {
                tracing::info!(jobs = done.len(), "order deadlines taken");
            }
            done.len()
        }
        Err(error) => {
            tracing::warn!(%error, "order deadline jobs failed");
            0
        }
    }
}
