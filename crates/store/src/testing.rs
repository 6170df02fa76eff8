//! Test and benchmark support shared by the storage suite, the server's
//! integration tests and `zhiyuan bench`: fresh databases on every
//! configured backend, a way to write a chosen batch of check-ins, and bulk
//! fixtures (sign-ups, sessions) that skip the per-request path on purpose.
//!
//! SQLite always runs, in a temporary directory. PostgreSQL runs when
//! `ZHIYUAN_TEST_PG` holds a connection URL of a role that may create
//! databases; each call creates a new, uniquely named database.

use crate::activities::Activity;
use crate::records::{AttendanceWrite, BatchedClaim, ServiceRecord, write_batch};
use crate::{Result, Store, Vault, read_conn, write_tx};
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
        .map(|(write, activity)| BatchedClaim { write, activity })
        .collect();
    let borrowed: Vec<&BatchedClaim> = claims.iter().collect();
    write_batch(&store.backend, &borrowed, guarded).await
}

/// Benchmark fixture: approved sign-ups of `volunteer_ids` for one activity,
/// written in one transaction without the sign-up rules (the caller made
/// sure they hold: open activity, quota, no clashes), seats counted.
pub async fn approved_signups(store: &Store, activity: &Activity, volunteer_ids: &[i64], now: i64) -> Result<()> {
    write_tx!(store, tx => {
        for volunteer_id in volunteer_ids {
            sqlx::query(
                "INSERT INTO signups (activity_id, volunteer_id, status, starts_at, ends_at, created_at, updated_at) \
                 VALUES ($1, $2, 'approved', $3, $4, $5, $5)",
            )
            .bind(activity.id)
            .bind(volunteer_id)
            .bind(activity.starts_at)
            .bind(activity.ends_at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE activities SET seats_taken = seats_taken + $1 WHERE id = $2")
            .bind(volunteer_ids.len() as i64)
            .bind(activity.id)
            .execute(&mut *tx)
            .await?;
    });
    Ok(())
}

/// Benchmark fixture: a session for each `(volunteer id, token hash)`, for
/// the volunteer's login, in one transaction.
pub async fn volunteer_sessions(store: &Store, sessions: &[(i64, String)], now: i64, expires_at: i64) -> Result<()> {
    write_tx!(store, tx => {
        for (volunteer_id, token_hash) in sessions {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
                 SELECT $1, user_id, $2, $3 FROM volunteers WHERE id = $4",
            )
            .bind(token_hash)
            .bind(now)
            .bind(expires_at)
            .bind(volunteer_id)
            .execute(&mut *tx)
            .await?;
        }
    });
    Ok(())
}

/// Attendance rows stored (every accepted check-in is one).
pub async fn attendance_rows(store: &Store) -> Result<i64> {
    read_conn!(store, conn => Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM attendance")
        .fetch_one(&mut *conn)
        .await?))
}
