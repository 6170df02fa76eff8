//! Bulk fixtures of the load generators (`zhiyuan bench`, feature `bench`):
//! approved sign-ups and live sessions written without their per-request
//! paths on purpose (those have benchmarks of their own), the count of
//! stored check-ins, and the import floor (`insert_generated_volunteers`).
//! They leave the statistics rollups alone: a benchmark that reads
//! statistics runs `Store::rebuild_rollups` after them.

use crate::activities::Activity;
use crate::sql::{query, query_scalar};
use crate::{Result, Store};
use zhiyuan_domain::signup::SignupStatus;

/// Benchmark fixture: approved sign-ups of `volunteer_ids` for one activity,
/// written in one transaction without the sign-up rules (the caller made
/// sure they hold: open activity, quota, no clashes), seats counted.
pub async fn approved_signups(store: &Store, activity: &Activity, volunteer_ids: &[i64], now: i64) -> Result<()> {
    let mut tx = store.transaction().await?;
    {
        for volunteer_id in volunteer_ids {
            query(
                "INSERT INTO signups (activity_id, volunteer_id, status, starts_at, ends_at, created_at, updated_at) \
                 VALUES ($1, $2, $6, $3, $4, $5, $5)",
            )
            .bind(activity.id)
            .bind(volunteer_id)
            .bind(activity.starts_at)
            .bind(activity.ends_at)
            .bind(now)
            .bind(SignupStatus::Approved.as_str())
            .execute(&mut tx)
            .await?;
        }
        query("UPDATE activities SET seats_taken = seats_taken + $1 WHERE id = $2")
            .bind(volunteer_ids.len() as i64)
            .bind(activity.id)
            .execute(&mut tx)
            .await?;
    };
    tx.commit().await?;
    Ok(())
}

/// Benchmark fixture: a session for each `(volunteer id, token hash)`, for
/// the volunteer's login, in one transaction.
pub async fn volunteer_sessions(store: &Store, sessions: &[(i64, String)], now: i64, expires_at: i64) -> Result<()> {
    let mut tx = store.transaction().await?;
    {
        for (volunteer_id, token_hash) in sessions {
            query(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
                 SELECT $1, user_id, $2, $3 FROM volunteers WHERE id = $4",
            )
            .bind(token_hash)
            .bind(now)
            .bind(expires_at)
            .bind(volunteer_id)
            .execute(&mut tx)
            .await?;
        }
    };
    tx.commit().await?;
    Ok(())
}

/// Attendance rows stored (every accepted check-in is one).
pub async fn attendance_rows(store: &Store) -> Result<i64> {
    let mut conn = store.reader().await?;
    query_scalar::<i64>("SELECT COUNT(*) FROM attendance")
        .fetch_one(&mut conn)
        .await
}

/// Benchmark: what the database alone takes to store `rows` imported
/// volunteers, as a floor under `zhiyuan import volunteers`. Each
/// transaction of `rows_per_transaction` writes what the import writes per
/// volunteer (a login with its phone hash and activation code, an outbox
/// message, a volunteer record with its ID hash and number, every index and
/// foreign key of the real schema), but the values are made by the database
/// itself with `INSERT ... SELECT`: no file, no rules, no encryption, no
/// values sent from the client. Records are spread over `regions`
/// (existing codes). Ids start after the largest stored.
pub async fn insert_generated_volunteers(
    store: &Store,
    rows: i64,
    rows_per_transaction: i64,
    regions: &[&str],
    now: i64,
) -> Result<()> {
    let postgres = store.backend_name() == "postgres";
    // Random 32-byte hashes and fixed-width text as long as the sealed values.
    let random_hash = if postgres {
        "uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())"
    } else {
        "randomblob(32)"
    };
    let padded = |column: &str, width: usize| {
        if postgres {
            format!("lpad({column}::text, {width}, '0')")
        } else {
            format!("printf('%0{width}d', {column})")
        }
    };
    let numbers = if postgres {
        "SELECT i FROM generate_series($1::bigint, $2::bigint) AS g (i)"
    } else {
        "WITH RECURSIVE g (i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM g WHERE i < $2) SELECT i FROM g"
    };
    let users_sql = format!(
        "INSERT INTO users (id, phone_hash, phone_sealed, display_name, created_at, password_changed_at, \
         activation_code_hash, activation_expires_at) \
         SELECT i, {random_hash}, {}, '志愿者', $3, $3, {random_hash}, $3 FROM ({numbers}) AS n",
        padded("i", 52)
    );
    let outbox_sql = format!(
        "INSERT INTO outbox (at, channel, phone_hash, phone_sealed, template, payload) \
         SELECT $3, 'sms', phone_hash, phone_sealed, 'activation_code', {} FROM users WHERE id BETWEEN $1 AND $2",
        padded("id", 92)
    );
    let volunteers_sql = format!(
        "INSERT INTO volunteers (id, user_id, volunteer_no, name, id_hash, id_sealed, id_masked, phone_sealed, \
         phone_masked, birth_year, sex, political_status, region_code, county_code, region_path, rural, skills, \
         registered_at) \
         SELECT u.id, u.id, 'V' || r.county || '2612' || {}, u.display_name, {random_hash}, {}, \
         '3****************X', u.phone_sealed, '139****1234', 1990, 'male', '群众', r.code, r.county, \
         r.path, FALSE, '医疗救护;驾驶', $3 \
         FROM users u JOIN (SELECT code, substr(code, 1, 6) AS county, path, \
         row_number() OVER (ORDER BY code) - 1 AS k FROM regions WHERE code IN ({})) AS r \
         ON r.k = u.id % {} WHERE u.id BETWEEN $1 AND $2",
        padded("u.id", 7),
        padded("u.id", 64),
        crate::code_list(regions.iter().copied()),
        regions.len().max(1)
    );
    let mut first: i64 = {
        let mut conn = store.reader().await?;
        query_scalar::<i64>("SELECT COALESCE(MAX(id), 0) + 1 FROM users")
            .fetch_one(&mut conn)
            .await?
    };
    let end = first + rows;
    while first < end {
        let last = (first + rows_per_transaction).min(end) - 1;
        let mut tx = store.transaction().await?;
        {
            for sql in [&users_sql, &outbox_sql, &volunteers_sql] {
                query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(first)
                    .bind(last)
                    .bind(now)
                    .execute(&mut tx)
                    .await?;
            }
        };
        tx.commit().await?;
        first = last + 1;
    }
    Ok(())
}

/// One organization of [`verified_organizations`].
#[derive(Debug, Clone)]
pub struct GeneratedOrganization {
    pub name: String,
    pub region_code: String,
    pub region_path: String,
    pub lat: f64,
    pub lon: f64,
    /// The category of its routine project.
    pub category: String,
}

/// Benchmark fixture: verified organizations, each located and with one
/// routine project on the menus of its region, written 2,000 to a
/// transaction without the registration path (measured elsewhere).
pub async fn verified_organizations(store: &Store, rows: &[GeneratedOrganization], now: i64) -> Result<()> {
    for chunk in rows.chunks(2000) {
        let mut tx = store.transaction().await?;
        for row in chunk {
            let id: i64 = query_scalar(
                "INSERT INTO organizations (name, kind, region_code, county_code, region_path, join_mode, verified_at, \
                 created_at, lat, lon) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9) RETURNING id",
            )
            .bind(&row.name)
            .bind(zhiyuan_domain::organization::OrgKind::CommunityTeam.as_str())
            .bind(&row.region_code)
            .bind(zhiyuan_domain::region::distribution_key(&row.region_code))
            .bind(&row.region_path)
            .bind(zhiyuan_domain::organization::JoinMode::Open.as_str())
            .bind(now)
            .bind(row.lat)
            .bind(row.lon)
            .fetch_one(&mut tx)
            .await?;
            query(
                "INSERT INTO projects (organization_id, title, description, kind, category, area_code, county_code, \
                 area_path, on_menu, created_by, created_at) VALUES ($1, $2, '', $3, $4, $5, $6, $7, TRUE, 0, $8)",
            )
            .bind(id)
            .bind(format!("{}常态服务", row.name))
            .bind(zhiyuan_domain::activity::ProjectKind::Routine.as_str())
            .bind(&row.category)
            .bind(&row.region_code)
            .bind(zhiyuan_domain::region::distribution_key(&row.region_code))
            .bind(&row.region_path)
            .bind(now)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
    }
    // Fresh statistics after a bulk load, as an operator would take them
    // (autovacuum would, a while later).
    if store.backend_name() == "postgres" {
        let mut tx = store.transaction().await?;
        query("ANALYZE organizations").execute(&mut tx).await?;
        query("ANALYZE projects").execute(&mut tx).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// How many service records are stored (a benchmark generates its data once).
pub async fn stored_records(store: &Store) -> Result<i64> {
    let mut conn = store.reader().await?;
    query_scalar::<i64>("SELECT COUNT(*) FROM service_records")
        .fetch_one(&mut conn)
        .await
}

/// Benchmark fixture of the statistics: `per_volunteer` effective records
/// of two hours for each volunteer, in their home village, on days of
/// `days` spread by the volunteer's id, each attached to one activity of
/// the volunteer's county (the one with the smallest id; every county
/// needs one). Written set-based, `volunteers_per_transaction` volunteers
/// at a time, without the ledger or the rollups: a benchmark rebuilds the
/// rollups afterwards (`Store::rebuild_rollups`).
pub async fn effective_records(
    store: &Store,
    per_volunteer: u32,
    days: &[(String, i64)],
    volunteers_per_transaction: i64,
    now: i64,
) -> Result<u64> {
    if days.is_empty() || per_volunteer == 0 {
        return Ok(0);
    }
    let day_rows: Vec<String> = days
        .iter()
        .enumerate()
        .map(|(k, (day, from_at))| format!("({k}, '{day}', {from_at}, {})", from_at + 7_200_000))
        .collect();
    let sql = format!(
        "WITH RECURSIVE d (k, day, from_at, to_at) AS (VALUES {}), \
         n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {}) \
         INSERT INTO service_records (volunteer_id, activity_id, organization_id, county_code, region_code, \
         region_path, hour_kind, state, is_open, signed_in_at, signed_out_at, from_at, to_at, minutes, service_day, \
         note, flags, flagged, created_at, updated_at) \
         SELECT v.id, act.id, act.organization_id, v.county_code, v.region_code, v.region_path, $3, $4, FALSE, \
         d.from_at, d.to_at, d.from_at, d.to_at, 120, d.day, '', '', FALSE, $5, $5 \
         FROM volunteers v \
         JOIN (SELECT county_code, MIN(id) AS id FROM activities GROUP BY county_code) AS first \
           ON first.county_code = v.county_code \
         JOIN activities act ON act.id = first.id \
         CROSS JOIN n \
         JOIN d ON d.k = (v.id * 7 + n.i * 53) % {} \
         WHERE v.id BETWEEN $1 AND $2",
        day_rows.join(", "),
        per_volunteer - 1,
        days.len()
    );
    let (first, last): (i64, i64) = {
        let mut conn = store.reader().await?;
        crate::sql::query_as("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), -1) FROM volunteers")
            .fetch_one(&mut conn)
            .await?
    };
    let mut written = 0;
    let mut from = first;
    while from <= last {
        let to = (from + volunteers_per_transaction - 1).min(last);
        let mut tx = store.transaction().await?;
        written += query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(from)
            .bind(to)
            .bind(zhiyuan_domain::record::HourKind::Credit.as_str())
            .bind(zhiyuan_domain::record::RecordState::Effective.as_str())
            .bind(now)
            .execute(&mut tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        from = to + 1;
    }
    Ok(written)
}
