//! The attendance writer: one task per store, on a thread of its own, that takes accepted check-in
//! claims from a channel, writes whatever is queued (at most `MAX_BATCH`
//! claims) in one transaction (each claim with its own rules; see
//! `attendance::write_attendance_batch`), commits once, and only then answers
//! each claim. Under load, claims that arrive while a batch commits form the
//! next batch, so one commit (and one disk flush) serves many check-ins;
//! when idle, a claim is written alone at once, without waiting for company.

use crate::attendance::{BatchedClaim, write_attendance_batch};
use crate::records::ServiceRecord;
use crate::{Backend, Result, StoreError};
use sqlx::postgres::PgPoolOptions;
use tokio::sync::{mpsc, oneshot};

/// Most claims written in one transaction.
const MAX_BATCH: usize = 256;
/// Claims that may wait for the writer before senders wait too.
const QUEUE: usize = 16 * MAX_BATCH;

struct Job {
    claim: BatchedClaim,
    reply: oneshot::Sender<Result<ServiceRecord>>,
}

/// The sending side of a store's attendance writer; the task ends when the
/// last store handle is dropped.
pub(crate) struct AttendanceWriter {
    sender: mpsc::Sender<Job>,
}

impl AttendanceWriter {
    /// Starts the writer on a thread of its own with a single-threaded
    /// runtime: the writer is the one serial step of every check-in, and on
    /// the server's workers each of its round trips to the database would
    /// wait behind request handlers before it continued. On PostgreSQL it
    /// also gets a connection of its own that keeps its prepared statements
    /// (one per statement shape and batch size). If the thread cannot be
    /// started, check-ins are refused with `WriterStopped` (logged).
    pub(crate) fn spawn(backend: Backend) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let started = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .and_then(|runtime| {
                std::thread::Builder::new()
                    .name("attendance-writer".into())
                    .spawn(move || runtime.block_on(run(backend, receiver)))
            });
        if let Err(error) = started {
            tracing::error!(%error, "the attendance writer could not be started");
        }
        Self { sender }
    }

    /// Queues a claim and waits until its batch is committed (or refused).
    pub(crate) async fn submit(&self, claim: BatchedClaim) -> Result<ServiceRecord> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Job { claim, reply })
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}

/// Prepared statements the PostgreSQL writer connection keeps.
const STATEMENT_CACHE: usize = 1024;

/// The writer's own connection on PostgreSQL (made in the writer's runtime,
/// on first use); SQLite's one writer connection is already the store's.
fn writer_backend(backend: Backend) -> Backend {
    match backend {
        Backend::Postgres(pool) => {
            // Each statement is planned for its values: a generic plan, which
            // PostgreSQL may pick after five runs of a kept statement, was
            // made once with a bad guess and slowed the writer by a fifth to
            // a half for the rest of a benchmark run (and its tail latency
            // doubled). Parsing is still saved.
            let options = (*pool.connect_options())
                .clone()
                .statement_cache_capacity(STATEMENT_CACHE)
                .options([("plan_cache_mode", "force_custom_plan")]);
            Backend::Postgres(
                PgPoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .connect_lazy_with(options),
            )
        }
        sqlite => sqlite,
    }
}

async fn run(backend: Backend, mut receiver: mpsc::Receiver<Job>) {
    let backend = writer_backend(backend);
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let claims: Vec<&BatchedClaim> = jobs.iter().map(|job| &job.claim).collect();
        match write_attendance_batch(&backend, &claims).await {
            Ok(outcomes) => {
                for (job, outcome) in jobs.drain(..).zip(outcomes) {
                    // The caller may have gone away (client disconnected).
                    let _ = job.reply.send(outcome);
                }
            }
            Err(error) => {
                tracing::error!(%error, claims = jobs.len(), "attendance batch failed");
                let detail = error.to_string();
                for job in jobs.drain(..) {
                    let _ = job.reply.send(Err(StoreError::BatchFailed(detail.clone())));
                }
            }
        }
    }
    if let Backend::Postgres(pool) = &backend {
        pool.close().await;
    }
}
