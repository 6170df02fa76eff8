//! The batch writers: one task per store and kind of write (check-in
//! claims, order steps), each on a thread of its own, that takes accepted
//! writes from a channel, writes whatever is queued (at most `MAX_BATCH`)
//! in one transaction (each write with its own rules; see
//! `attendance::write_attendance_batch` and `order_steps::write_step_batch`),
//! commits once, and only then answers each write. Under load, writes that
//! arrive while a batch commits form the next batch, so one commit (and one
//! disk flush) serves many requests; when idle, a write goes alone at once,
//! without waiting for company.

use crate::{Backend, Result, StoreError};
use sqlx::postgres::PgPoolOptions;
use std::future::Future;
use tokio::sync::{mpsc, oneshot};

/// Most writes in one transaction.
const MAX_BATCH: usize = 256;
/// Writes that may wait for the writer before senders wait too.
const QUEUE: usize = 16 * MAX_BATCH;

/// One kind of write a [`Writer`] batches, and how a batch of it is written.
pub(crate) trait Batch: Send + 'static {
    type Item: Send + 'static;
    type Outcome: Send + 'static;
    /// The writer thread's name, for logs and profiles.
    const NAME: &'static str;

    /// Writes `items` in one transaction: each item's outcome, in order, or
    /// an error of the whole batch (nothing of it written).
    fn write(
        &self,
        backend: &Backend,
        items: &[&Self::Item],
    ) -> impl Future<Output = Result<Vec<Result<Self::Outcome>>>>;
}

struct Job<B: Batch> {
    item: B::Item,
    reply: oneshot::Sender<Result<B::Outcome>>,
}

/// The sending side of a store's writer of `B`; the task ends when the last
/// store handle is dropped.
pub(crate) struct Writer<B: Batch> {
    sender: mpsc::Sender<Job<B>>,
}

impl<B: Batch> Writer<B> {
    /// Starts the writer on a thread of its own with a single-threaded
    /// runtime: the writer is the one serial step of every write it takes,
    /// and on the server's workers each of its round trips to the database
    /// would wait behind request handlers before it continued. On
    /// PostgreSQL it also gets a connection of its own that keeps its
    /// prepared statements (one per statement shape and batch size). If the
    /// thread cannot be started, writes are refused with `WriterStopped`
    /// (logged).
    pub(crate) fn spawn(backend: Backend, batch: B) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let started = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .and_then(|runtime| {
                std::thread::Builder::new()
                    .name(B::NAME.into())
                    .spawn(move || runtime.block_on(run(backend, batch, receiver)))
            });
        if let Err(error) = started {
            tracing::error!(%error, writer = B::NAME, "a batch writer could not be started");
        }
        Self { sender }
    }

    /// Queues a write and waits until its batch is committed (or refused).
    pub(crate) async fn submit(&self, item: B::Item) -> Result<B::Outcome> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Job { item, reply })
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

async fn run<B: Batch>(backend: Backend, batch: B, mut receiver: mpsc::Receiver<Job<B>>) {
    let backend = writer_backend(backend);
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let items: Vec<&B::Item> = jobs.iter().map(|job| &job.item).collect();
        match batch.write(&backend, &items).await {
            Ok(outcomes) => {
                for (job, outcome) in jobs.drain(..).zip(outcomes) {
                    // The caller may have gone away (client disconnected).
                    let _ = job.reply.send(outcome);
                }
            }
            Err(error) => {
                tracing::error!(%error, writes = jobs.len(), writer = B::NAME, "a write batch failed");
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
