//! Test support shared by the storage suite and the server's integration
//! tests: fresh databases on every configured backend.
//!
//! SQLite always runs, in a temporary directory. PostgreSQL runs when
//! `ZHIYUAN_TEST_PG` holds a connection URL of a role that may create
//! databases; each call creates a new, uniquely named database.

use crate::activities::Activity;
use crate::records::{AttendanceWrite, BatchedClaim, ServiceRecord, write_attendance_batch};
use crate::{Result, Store, Vault};
use rand::Rng;
use sqlx::Connection;

/// One database prepared for a test; SQLite files live as long as this.
pub struct TestDatabase {
    pub backend: &'static str,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

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
    }
}

/// A new empty PostgreSQL database, or `None` when `ZHIYUAN_TEST_PG` is unset.
pub async fn fresh_postgres() -> Option<TestDatabase> {
    let admin_url = std::env::var("ZHIYUAN_TEST_PG").ok().filter(|u| !u.is_empty())?;
    let name = format!("zhiyuan_test_{:016x}", rand::thread_rng().r#gen::<u64>());
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
/// claims queued at once (so tests can choose what shares a batch).
pub async fn attendance_batch(
    store: &Store,
    claims: Vec<(AttendanceWrite, Activity)>,
) -> Result<Vec<Result<ServiceRecord>>> {
    let claims: Vec<BatchedClaim> = claims
        .into_iter()
        .map(|(write, activity)| BatchedClaim { write, activity })
        .collect();
    let borrowed: Vec<&BatchedClaim> = claims.iter().collect();
    write_attendance_batch(&store.backend, &borrowed).await
}
