//! Test support shared by the storage suite and the integration tests of
//! the crates above (feature `testing`): fresh databases on every
//! configured backend, a way to write a chosen batch of check-ins, and
//! values sealed as the first sealing format did.
//!
//! SQLite always runs, in a temporary directory. PostgreSQL runs when
//! `ZHIYUAN_TEST_PG` holds a connection URL of a role that may create
//! databases; each call creates a new, uniquely named database.

use crate::activities::Activity;
use crate::attendance::{AttendanceWrite, BatchedClaim, write_batch};
use crate::records::ServiceRecord;
use crate::{Result, Store, Vault};
use rand::Rng;
use sqlx::Connection;

/// One database prepared for a test: SQLite files and PostgreSQL databases
/// live as long as this and go when it is dropped.
pub struct TestDatabase {
    pub backend: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL database to drop, with the connection URL allowed to.
    postgres: Option<(String, String)>,
}

impl Drop for TestDatabase {
    /// Drops a PostgreSQL test database (`WITH (FORCE)`: stores the test did
    /// not close still hold connections). On a thread of its own, with a
    /// runtime of its own, since a test's runtime may be ending.
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("a test database was left behind; the next `scripts/test-deps.sh` drops it");
        }
    }
}

/// How test databases are named: the prefix, then the creation time in
/// seconds since the epoch, then a random part. `scripts/test-deps.sh`
/// drops those older than a few hours (left by a crashed run), never the
/// ones of a run in progress.
pub const POSTGRES_PREFIX: &str = "zhiyuan_test_";

/// The backends to test on: SQLite, and PostgreSQL when configured.
pub async fn fresh_databases() -> Vec<TestDatabase> {
    let mut databases = vec![fresh_sqlite()];
    if let Some(pg) = fresh_postgres().await {
        databases.push(pg);
    }
    databases
}

pub fn fresh_sqlite() -> TestDatabase {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("zhiyuan.db").display());
    TestDatabase {
        backend: "sqlite",
        url,
        _dir: Some(dir),
        postgres: None,
    }
}

/// A new empty PostgreSQL database, or `None` when `ZHIYUAN_TEST_PG` is unset.
pub async fn fresh_postgres() -> Option<TestDatabase> {
    let admin_url = std::env::var("ZHIYUAN_TEST_PG").ok().filter(|u| !u.is_empty())?;
    let created = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let name = format!("{POSTGRES_PREFIX}{created}_{:016x}", rand::thread_rng().r#gen::<u64>());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("ZHIYUAN_TEST_PG is set but unreachable: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin_url);
    Some(TestDatabase {
        backend: "postgres",
        url: format!("{base}/{name}"),
        _dir: None,
        postgres: Some((admin_url.clone(), name)),
    })
}

/// A migrated store on `database` with a fixed test key.
pub async fn open_store(database: &TestDatabase) -> Store {
    let store = Store::connect(&database.url, test_vault()).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}

pub fn test_vault() -> Vault {
    Vault::from_master_key(&[42u8; 32])
}

/// Writes `claims` as one batch, as the attendance writer does with the
/// claims queued at once (so tests can choose what shares a batch): the
/// fast way, or `guarded` (a savepoint per claim), the way a batch is
/// written again after a database error.
pub async fn attendance_batch(
    store: &Store,
    claims: Vec<(AttendanceWrite, Activity)>,
    guarded: bool,
) -> Result<Vec<Result<ServiceRecord>>> {
    let claims: Vec<BatchedClaim> = claims
        .into_iter()
        .map(|(write, activity)| BatchedClaim {
            write,
            activity,
            ledger_key: store.vault.ledger_key(),
        })
        .collect();
    let borrowed: Vec<&BatchedClaim> = claims.iter().collect();
    write_batch(&store.backend, &borrowed, guarded).await
}

/// `plain` sealed as the first sealing format did (no place bound), for
/// tests of the upgrade that seals such values again.
pub fn legacy_sealed(store: &Store, plain: &str) -> String {
    store.vault.seal_unbound(plain)
}
