//! The storage port of Zhiyuan: one [`Store`] over SQLite or PostgreSQL.
//!
//! Every method is one transaction, except check-ins, which the attendance
//! writer (`writer`) batches into one transaction of many. SQL is written
//! once in a portable subset (`$N` parameters, `RETURNING`, `ON CONFLICT`,
//! BIGINT ids, epoch-ms times) and run on either backend as the portable
//! statements of `sql`, inside ordinary functions over a transaction or a
//! read connection. SQLite runs with WAL, one
//! writer connection taking `BEGIN IMMEDIATE`, and a pool of read-only
//! readers; PostgreSQL with an ordinary pool. Rules are decided by
//! `zhiyuan-domain`; this crate only persists their outcome.

use sql::{Reader, Tx, query};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use writer::Writer;
use zhiyuan_domain::RuleError;

pub mod accounts;
pub mod activities;
pub mod appeals;
pub mod attendance;
pub mod audit;
pub mod awards;
pub mod benefits;
mod bulk;
pub mod cache;
pub mod certificates;
pub mod exports;
#[cfg(feature = "bench")]
pub mod fixtures;
pub mod funding;
pub mod jobs;
pub mod ledger;
pub mod menus;
pub mod order_figures;
mod order_writes;
pub mod orders;
pub mod organizations;
pub mod points;
pub mod rankings;
pub mod records;
pub mod regions;
pub mod reports;
mod reseal;
pub mod review;
pub mod rollup_rebuild;
pub mod settings;
pub mod signups;
mod sql;
pub mod statistics;
pub mod stories;
#[cfg(feature = "testing")]
pub mod testing;
pub mod throttle;
pub mod vault;
pub mod volunteers;
mod writer;

pub use vault::Vault;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A rule refused the change (unprocessable input).
    #[error("{0}")]
    Rule(RuleError),
    /// The change conflicts with what is stored (duplicate, taken).
    #[error("{code}: {detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Vault(#[from] vault::VaultError),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    /// The transaction of a batch of check-ins failed; none of its claims was written.
    #[error("the batch of check-ins was not written: {0}")]
    BatchFailed(String),
    #[error("the attendance writer has stopped")]
    WriterStopped,
}

impl From<RuleError> for StoreError {
    fn from(error: RuleError) -> Self {
        StoreError::Rule(error)
    }
}

impl StoreError {
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        StoreError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    /// Whether this is a unique-constraint violation from the database.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Clone)]
pub(crate) enum Backend {
    Sqlite { writer: SqlitePool, readers: SqlitePool },
    Postgres(PgPool),
}

impl Backend {
    /// See [`Store::transaction`].
    pub(crate) async fn transaction(&self) -> Result<Tx<'static>> {
        Ok(match self {
            Backend::Sqlite { writer, .. } => Tx::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }
}

/// The one handle on storage that the server and the command line share.
#[derive(Clone)]
pub struct Store {
    pub(crate) backend: Backend,
    pub(crate) vault: Arc<Vault>,
    /// Started on the first check-in.
    attendance: Arc<OnceLock<Writer<attendance::AttendanceBatch>>>,
    /// Started on the first step of an order.
    order_writes: Arc<OnceLock<Writer<order_writes::OrderBatch>>>,
    pub(crate) session_caches: Arc<accounts::SessionCaches>,
    /// Activities as read for check-ins, for up to `RECENT_ACTIVITY_TTL`.
    pub(crate) recent_activities: Arc<cache::RecentReads<i64, activities::Activity>>,
    /// Sites as read for orders, for up to `RECENT_SITE_TTL`.
    pub(crate) recent_sites: Arc<cache::RecentReads<i64, regions::Site>>,
}

impl Store {
    /// Begins a write transaction: on SQLite through the one writer
    /// connection with `BEGIN IMMEDIATE`, so that it is the only writer
    /// from its first statement on. Dropping it uncommitted rolls it back.
    pub(crate) async fn transaction(&self) -> Result<Tx<'static>> {
        self.backend.transaction().await
    }

    /// A read connection.
    pub(crate) async fn reader(&self) -> Result<Reader> {
        Ok(match &self.backend {
            Backend::Sqlite { readers, .. } => Reader::Sqlite(readers.acquire().await?),
            Backend::Postgres(pool) => Reader::Postgres(pool.acquire().await?),
        })
    }
}

/// Appends one audit entry inside the transaction `tx`.
pub(crate) async fn audit_entry(
    tx: &mut Tx<'_>,
    at: i64,
    actor: Option<i64>,
    action: &str,
    subject_kind: &str,
    subject_id: impl AsRef<str>,
    detail: impl AsRef<str>,
) -> Result<()> {
    query(
        "INSERT INTO audit_log (at, actor_user, action, subject_kind, subject_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(subject_kind)
    .bind(subject_id.as_ref())
    .bind(detail.as_ref())
    .execute(tx)
    .await?;
    Ok(())
}

/// The `[low, high)` bounds that select every path strictly under `path`;
/// `'0'` is the byte after `'/'`, so the range is exactly the subtree.
pub(crate) fn subtree_bounds(path: &str) -> (String, String) {
    (format!("{path}/"), format!("{path}0"))
}

/// How a backend names bound parameters in generated multi-row statements.
/// PostgreSQL needs `$N`; SQLite takes anonymous `?`, which sqlx binds in
/// order without resolving a name per parameter (resolving `$N` names walks
/// the statement's parameter list, quadratic in the number of parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placeholders {
    Numbered,
    Anonymous,
}

impl Placeholders {
    fn push(self, sql: &mut String, number: usize) {
        match self {
            Placeholders::Numbered => {
                sql.push('$');
                sql.push_str(&number.to_string());
            }
            Placeholders::Anonymous => sql.push('?'),
        }
    }
}

/// Rows per multi-row statement for a table of `columns` bound values per
/// row: about 1,000 parameters, far below both backends' limits.
pub(crate) fn rows_per_statement(columns: usize) -> usize {
    (1000 / columns.max(1)).max(1)
}

/// `prefix (p1, p2, ...)` for an `IN` list of `count` values.
pub(crate) fn in_list_sql(placeholders: Placeholders, prefix: &str, count: usize) -> String {
    values_sql(placeholders, prefix, 1, count, "").replace("), (", ", ")
}

/// `prefix (p1, ..., pc), (pc+1, ...) suffix` for `rows` rows of `columns` values.
pub(crate) fn values_sql(
    placeholders: Placeholders,
    prefix: &str,
    columns: usize,
    rows: usize,
    suffix: &str,
) -> String {
    let mut sql = String::with_capacity(prefix.len() + rows * columns * 6 + suffix.len());
    sql.push_str(prefix);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            placeholders.push(&mut sql, row * columns + column + 1);
        }
        sql.push(')');
    }
    sql.push_str(suffix);
    sql
}

/// `'a', 'b'` for an SQL `IN` list of the fixed codes a domain rule picks
/// (codes are snake_case identifiers, never user input).
pub(crate) fn code_list<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    codes
        .into_iter()
        .map(|code| format!("'{}'", code.replace('\'', "")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A keyset page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Limits a requested page size to 1..=200 (default 50).
pub fn page_size(requested: Option<i64>) -> i64 {
    requested.unwrap_or(50).clamp(1, 200)
}

/// Parses an opaque cursor (the last id seen); bad cursors start from the top.
pub(crate) fn parse_cursor(cursor: Option<&str>) -> i64 {
    cursor.and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// Turns a fetched `limit + 1` rows into a page with the next cursor.
pub(crate) fn into_page<T>(mut rows: Vec<T>, limit: i64, id_of: impl Fn(&T) -> i64) -> Page<T> {
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| id_of(r).to_string())
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}

/// Parses an opaque id given by a client; anything that is not one of ours
/// is simply not found.
pub fn parse_id(raw: &str, what: &'static str) -> Result<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(StoreError::NotFound(what))
}

impl Store {
    /// Opens the database named by `url` (`sqlite://PATH` or `postgres://...`),
    /// creating a SQLite file if needed. Call [`Store::migrate`] before use.
    pub async fn connect(url: &str, vault: Vault) -> Result<Self> {
        let backend = if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("temp_store", "memory");
            // The page cache of the writer holds the hot parts of the lookup
            // indexes (hashes are random, so imports touch pages everywhere)
            // and the pages an import batch dirties until it commits: 192 MiB
            // keeps a million-volunteer import within its 500 MB (256 MiB was
            // 5 % faster at 480 MB).
            // Connections are not pinged before each use: on SQLite the ping is
            // a hand-off to the connection's thread and back for nothing.
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect_with(options.clone().pragma("cache_size", "-196608"))
                .await?;
            let readers = SqlitePoolOptions::new()
                .max_connections(4)
                .test_before_acquire(false)
                .connect_with(options.pragma("cache_size", "-16384").read_only(true))
                .await?;
            Backend::Sqlite { writer, readers }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            // As for SQLite, a pooled connection is not pinged before each use
            // (a round trip per query): a dead one fails its query once and is
            // replaced.
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Backend::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        Ok(Self {
            backend,
            vault: Arc::new(vault),
            attendance: Arc::new(OnceLock::new()),
            order_writes: Arc::new(OnceLock::new()),
            session_caches: Arc::default(),
            recent_activities: Arc::new(cache::RecentReads::new(activities::RECENT_ACTIVITY_TTL, 100_000)),
            recent_sites: Arc::new(cache::RecentReads::new(regions::RECENT_SITE_TTL, 100_000)),
        })
    }

    /// Applies the migrations of this backend that have not run yet, then
    /// the upgrades of data that need the key (which SQL cannot apply):
    /// personal data of the first sealing format is sealed again, bound to
    /// its place, and chains of the first ledger format move onto the keyed
    /// ledger.
    pub async fn migrate(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => sqlx::migrate!("migrations/sqlite").run(writer).await?,
            Backend::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        let resealed = self.reseal_legacy_values().await?;
        if resealed > 0 {
            tracing::info!(values = resealed, "personal data sealed again, bound to its place");
        }
        let moved = self.upgrade_v1_ledger().await?;
        if moved > 0 {
            tracing::info!(chains = moved, "ledger chains moved onto the keyed ledger");
        }
        Ok(())
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    pub(crate) fn placeholders(&self) -> Placeholders {
        match self.backend {
            Backend::Sqlite { .. } => Placeholders::Anonymous,
            Backend::Postgres(_) => Placeholders::Numbered,
        }
    }

    /// The writer that batches check-ins, started on first use.
    pub(crate) fn attendance_writer(&self) -> &Writer<attendance::AttendanceBatch> {
        self.attendance
            .get_or_init(|| Writer::spawn(self.backend.clone(), attendance::AttendanceBatch))
    }

    /// The writer that batches the steps of orders, started on first use.
    pub(crate) fn order_writer(&self) -> &Writer<order_writes::OrderBatch> {
        self.order_writes.get_or_init(|| {
            let batch = order_writes::OrderBatch {
                vault: self.vault.clone(),
            };
            Writer::spawn(self.backend.clone(), batch)
        })
    }

    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// Closes every connection (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { writer, readers } => {
                readers.close().await;
                writer.close().await;
            }
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}

/// Milliseconds since the Unix epoch, the stored form of every instant.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_statements_number_or_omit_parameters() {
        assert_eq!(
            values_sql(Placeholders::Numbered, "V ", 2, 2, " R"),
            "V ($1, $2), ($3, $4) R"
        );
        assert_eq!(values_sql(Placeholders::Anonymous, "V ", 2, 2, ""), "V (?, ?), (?, ?)");
        assert_eq!(in_list_sql(Placeholders::Numbered, "IN ", 3), "IN ($1, $2, $3)");
        assert_eq!(in_list_sql(Placeholders::Anonymous, "IN ", 2), "IN (?, ?)");
        assert_eq!(rows_per_statement(20), 50);
        assert_eq!(code_list(["approved", "pending"]), "'approved', 'pending'");
    }

    #[test]
    fn subtree_bounds_select_children_only() {
        let (low, high) = subtree_bounds("36/3601");
        for inside in ["36/3601/360111", "36/3601/360102/360102001"] {
            assert!(inside > low.as_str() && inside < high.as_str(), "{inside}");
        }
        for outside in ["36/3601", "36/36011", "36/3602/360203", "36/3600/360000"] {
            assert!(!(outside > low.as_str() && outside < high.as_str()), "{outside}");
        }
    }
}
