//! Work the server does at a time (the deadlines of orders; the daily
//! rankings to come), kept in the `jobs` table so that it survives
//! restarts. Each job is claimed, done and marked done in one transaction:
//! on PostgreSQL the claim skips rows another process holds, so two server
//! processes on one database never do the same job; on SQLite the
//! transaction is the only writer. What a job does is decided by the
//! domain over the facts read inside that transaction.

use crate::order_writes::step_in;
use crate::orders::{DecidedStep, ORDER_DEADLINE_JOB, StepDetails, order_in};
use crate::sql::{Tx, query, query_as};
use crate::{Result, Store, StoreError};
use zhiyuan_domain::order::{OrderAction, Party};
use zhiyuan_domain::order_deadline::{Deadlines, due, take};
use zhiyuan_domain::time::from_epoch_ms;

/// The outcome of a job that found nothing due (a later step had already
/// moved its order on).
pub const NOTHING_DUE: &str = "nothing_due";

/// One deadline job done: the order it looked at and the step it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineDone {
    pub order_id: i64,
    pub step: Option<OrderAction>,
}

impl Store {
    /// Does up to `limit` order-deadline jobs due at `now`, oldest first,
    /// each in its own transaction: claim the job, read and lock its
    /// order, let the domain say which step is due (`order_deadline::due`)
    /// and take it as the server, then mark the job done by `worker`. A
    /// step the domain refuses marks the job done with the refusal's code
    /// instead of blocking the jobs behind it.
    pub async fn run_order_deadlines(
        &self,
        now: i64,
        deadlines: &Deadlines,
        worker: &str,
        limit: usize,
    ) -> Result<Vec<DeadlineDone>> {
        let mut done = Vec::new();
        for _ in 0..limit {
            let mut tx = self.transaction().await?;
            let sql = format!(
                "SELECT id, subject_id FROM jobs WHERE kind = $1 AND done_at IS NULL AND due_at <= $2 \
                 ORDER BY due_at, id LIMIT 1{}",
                tx.claim_lock()
            );
            let job: Option<(i64, i64)> = query_as(sqlx::AssertSqlSafe(sql))
                .bind(ORDER_DEADLINE_JOB)
                .bind(now)
                .fetch_optional(&mut tx)
                .await?;
            let Some((job_id, order_id)) = job else {
                break;
            };
            let outcome = {
                let mut step = tx.savepoint().await?;
                match deadline_step(&mut step, &self.vault, order_id, now, deadlines).await {
                    Ok(action) => {
                        step.commit().await?;
                        done.push(DeadlineDone { order_id, step: action });
                        action.map_or(NOTHING_DUE, OrderAction::as_str)
                    }
                    Err(StoreError::Rule(refusal)) => {
                        step.rollback().await?;
                        tracing::warn!(order_id, code = refusal.code, "a deadline step was refused");
                        refusal.code
                    }
                    Err(other) => return Err(other),
                }
            };
            query("UPDATE jobs SET done_at = $1, done_by = $2, outcome = $3 WHERE id = $4")
                .bind(now)
                .bind(worker)
                .bind(outcome)
                .bind(job_id)
                .execute(&mut tx)
                .await?;
            tx.commit().await?;
        }
        Ok(done)
    }

    /// Jobs of `kind` not done yet.
    pub async fn pending_jobs(&self, kind: &str) -> Result<i64> {
        let mut conn = self.reader().await?;
        crate::sql::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = $1 AND done_at IS NULL")
            .bind(kind)
            .fetch_one(&mut conn)
            .await
    }
}

/// The step due on order `order_id` at `now`, taken; `None` when nothing is due.
async fn deadline_step(
    tx: &mut Tx<'_>,
    vault: &crate::Vault,
    order_id: i64,
    now: i64,
    deadlines: &Deadlines,
) -> Result<Option<OrderAction>> {
    let order = order_in(tx, order_id).await?;
    let times = order.times()?;
    let Some(action) = due(&times, from_epoch_ms(now), deadlines) else {
        return Ok(None);
    };
    let taken = take(
        &times,
        order.accepted_at.map(from_epoch_ms),
        action,
        Party::System,
        None,
        from_epoch_ms(now),
        deadlines,
    )?;
    let step = DecidedStep {
        action,
        party: Party::System,
        taken,
    };
    step_in(tx, vault, &order, &step, &StepDetails::default(), now).await?;
    Ok(Some(action))
}
