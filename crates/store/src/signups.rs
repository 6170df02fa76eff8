//! Sign-ups for activities. The quota holds under any concurrency: a
//! sign-up locks its activity row (PostgreSQL `FOR UPDATE`; on SQLite the
//! one writer already serializes) and counts seats in the same transaction.

use crate::activities::{ACTIVITY_COLUMNS, Activity, to_u32};
use crate::sql::{query, query_as, query_scalar};
use crate::volunteers::{VOLUNTEER_COLUMNS, Volunteer};
use crate::{Page, Result, Store, StoreError, audit_entry, code_list, into_page, parse_cursor};
use chrono::NaiveDate;
use serde::Serialize;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::activity::{Applicant, check_applicant};
use zhiyuan_domain::hours::Interval;
use zhiyuan_domain::signup::{self, Seats, SignupStatus};
use zhiyuan_domain::time::from_epoch_ms as instant;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Signup {
    pub id: i64,
    pub activity_id: i64,
    pub volunteer_id: i64,
    pub status: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const SIGNUP_COLUMNS: &str = "id, activity_id, volunteer_id, status, starts_at, ends_at, created_at, updated_at";

/// A sign-up with the names a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SignupView {
    pub id: i64,
    pub activity_id: i64,
    pub activity_title: String,
    pub volunteer_id: i64,
    pub volunteer_name: String,
    pub volunteer_no: String,
    pub status: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub updated_at: i64,
}

/// How an organizer answers a pending sign-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupDecision {
    Approve,
    Reject,
}

impl Store {
    /// Signs a volunteer up: checks who they are against the activity's
    /// rules, refuses a second live sign-up and a clash with another, and
    /// gives a seat, a place on the waiting list or `quota_full`.
    pub async fn sign_up(&self, activity_id: i64, volunteer_id: i64, now: i64) -> Result<Signup> {
        let lock = self.lock_rows();
        let activity_sql = format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id = $1{lock}");
        let live = code_list(SignupStatus::ALL.iter().filter(|s| s.is_live()).map(|s| s.as_str()));
        let held_sql = format!(
            "SELECT starts_at, ends_at FROM signups WHERE volunteer_id = $1 AND activity_id <> $2 \
             AND status IN ({live}) AND starts_at < $3 AND ends_at > $4"
        );
        let mut tx = self.transaction().await?;
        let id: i64 = {
            let activity: Option<Activity> = query_as(sqlx::AssertSqlSafe(activity_sql.clone()))
                .bind(activity_id)
                .fetch_optional(&mut tx)
                .await?;
            let activity = activity.ok_or(StoreError::NotFound("activity"))?;
            let volunteer_sql = format!("SELECT {VOLUNTEER_COLUMNS} FROM volunteers v WHERE v.id = $1");
            let volunteer: Option<Volunteer> = query_as(sqlx::AssertSqlSafe(volunteer_sql))
                .bind(volunteer_id)
                .fetch_optional(&mut tx)
                .await?;
            let volunteer = volunteer.ok_or(StoreError::NotFound("volunteer"))?;
            let (id_hash, id_sealed): (Vec<u8>, String) =
                query_as("SELECT id_hash, id_sealed FROM volunteers WHERE id = $1")
                    .bind(volunteer_id)
                    .fetch_one(&mut tx)
                    .await?;
            let plan = activity.plan();
            let skills = volunteer.skill_list();
            let birth = self.birth_date_in(&id_hash, &id_sealed)?;
            let applicant = Applicant::for_plan(&plan, birth, &skills, volunteer.insured_until());
            check_applicant(&plan, activity.state(), &applicant, instant(now))?;
            let existing: Option<(i64, String)> =
                query_as("SELECT id, status FROM signups WHERE activity_id = $1 AND volunteer_id = $2")
                    .bind(activity_id)
                    .bind(volunteer_id)
                    .fetch_optional(&mut tx)
                    .await?;
            if let Some((_, status)) = &existing
                && SignupStatus::parse(status).is_ok_and(SignupStatus::is_live)
            {
                return Err(StoreError::conflict(
                    "already_signed_up",
                    "you have already signed up for this activity",
                ));
            }
            let held: Vec<(i64, i64)> = query_as(sqlx::AssertSqlSafe(held_sql.clone()))
                .bind(volunteer_id)
                .bind(activity_id)
                .bind(activity.ends_at)
                .bind(activity.starts_at)
                .fetch_all(&mut tx)
                .await?;
            let held: Vec<Interval> = held
                .into_iter()
                .map(|(a, b)| Interval::new(instant(a), instant(b)))
                .collect();
            signup::check_no_clash(activity.window(), &held)?;
            let seats = Seats {
                quota: to_u32(activity.quota),
                waitlist: to_u32(activity.waitlist),
                taken: to_u32(activity.seats_taken),
                waiting: to_u32(activity.waiting),
            };
            let status = signup::decide(seats, activity.auto_approve)?;
            // A sign-up made again after a cancellation or refusal held nothing.
            let seats = seats.moved(None, status);
            query("UPDATE activities SET seats_taken = $1, waiting = $2 WHERE id = $3")
                .bind(i64::from(seats.taken))
                .bind(i64::from(seats.waiting))
                .bind(activity_id)
                .execute(&mut tx)
                .await?;
            match existing {
                Some((id, _)) => {
                    query("UPDATE signups SET status = $1, updated_at = $2, created_at = $2, decided_by = NULL WHERE id = $3")
                        .bind(status.as_str())
                        .bind(now)
                        .bind(id)
                        .execute(&mut tx)
                        .await?;
                    id
                }
                None => query_scalar(
                    "INSERT INTO signups (activity_id, volunteer_id, status, starts_at, ends_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                )
                .bind(activity_id)
                .bind(volunteer_id)
                .bind(status.as_str())
                .bind(activity.starts_at)
                .bind(activity.ends_at)
                .bind(now)
                .fetch_one(&mut tx)
                .await?,
            }
        };
        tx.commit().await?;
        self.signup(id).await?.ok_or(StoreError::NotFound("signup"))
    }

    pub async fn signup(&self, id: i64) -> Result<Option<Signup>> {
        let sql = format!("SELECT {SIGNUP_COLUMNS} FROM signups WHERE id = $1");
        let mut conn = self.reader().await?;
        query_as::<Signup>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut conn)
            .await
    }

    pub async fn signup_of(&self, activity_id: i64, volunteer_id: i64) -> Result<Option<Signup>> {
        let sql = format!("SELECT {SIGNUP_COLUMNS} FROM signups WHERE activity_id = $1 AND volunteer_id = $2");
        let mut conn = self.reader().await?;
        query_as::<Signup>(sqlx::AssertSqlSafe(sql))
            .bind(activity_id)
            .bind(volunteer_id)
            .fetch_optional(&mut conn)
            .await
    }

    /// Cancels a volunteer's sign-up; a freed seat goes to the first on the
    /// waiting list.
    pub async fn cancel_signup(&self, activity_id: i64, volunteer_id: i64, now: i64) -> Result<Signup> {
        let id = self
            .change_signup(activity_id, volunteer_id, SignupStatus::Cancelled, None, now)
            .await?;
        self.signup(id).await?.ok_or(StoreError::NotFound("signup"))
    }

    /// An organizer approves or rejects a sign-up.
    pub async fn decide_signup(
        &self,
        signup_id: i64,
        decision: SignupDecision,
        by_user: i64,
        now: i64,
    ) -> Result<Signup> {
        let signup = self.signup(signup_id).await?.ok_or(StoreError::NotFound("signup"))?;
        let to = match decision {
            SignupDecision::Approve => SignupStatus::Approved,
            SignupDecision::Reject => SignupStatus::Rejected,
        };
        self.change_signup(signup.activity_id, signup.volunteer_id, to, Some(by_user), now)
            .await?;
        self.signup(signup_id).await?.ok_or(StoreError::NotFound("signup"))
    }

    async fn change_signup(
        &self,
        activity_id: i64,
        volunteer_id: i64,
        to: SignupStatus,
        by_user: Option<i64>,
        now: i64,
    ) -> Result<i64> {
        let lock = self.lock_rows();
        let activity_sql = format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id = $1{lock}");
        let mut tx = self.transaction().await?;
        let id = {
            let activity: Option<Activity> = query_as(sqlx::AssertSqlSafe(activity_sql.clone()))
                .bind(activity_id)
                .fetch_optional(&mut tx)
                .await?;
            let activity = activity.ok_or(StoreError::NotFound("activity"))?;
            let row: Option<(i64, String)> =
                query_as("SELECT id, status FROM signups WHERE activity_id = $1 AND volunteer_id = $2")
                    .bind(activity_id)
                    .bind(volunteer_id)
                    .fetch_optional(&mut tx)
                    .await?;
            let Some((id, status)) = row else {
                return Err(RuleError::new("not_signed_up", "there is no sign-up to change").into());
            };
            let from = SignupStatus::parse(&status)?;
            signup::transition(from, to)?;
            query("UPDATE signups SET status = $1, updated_at = $2, decided_by = $3 WHERE id = $4")
                .bind(to.as_str())
                .bind(now)
                .bind(by_user)
                .bind(id)
                .execute(&mut tx)
                .await?;
            let mut seats = Seats {
                quota: to_u32(activity.quota),
                waitlist: to_u32(activity.waitlist),
                taken: to_u32(activity.seats_taken),
                waiting: to_u32(activity.waiting),
            }
            .moved(Some(from), to);
            if seats.frees_a_seat_for_the_waiting() {
                let first: Option<(i64,)> = query_as(
                    "SELECT id FROM signups WHERE activity_id = $1 AND status = $2 ORDER BY created_at, id LIMIT 1",
                )
                .bind(activity_id)
                .bind(SignupStatus::Waitlisted.as_str())
                .fetch_optional(&mut tx)
                .await?;
                if let Some((promoted_id,)) = first {
                    query("UPDATE signups SET status = $1, updated_at = $2 WHERE id = $3")
                        .bind(signup::promoted(activity.auto_approve).as_str())
                        .bind(now)
                        .bind(promoted_id)
                        .execute(&mut tx)
                        .await?;
                    seats = seats.after_promotion();
                }
            }
            query("UPDATE activities SET seats_taken = $1, waiting = $2 WHERE id = $3")
                .bind(i64::from(seats.taken))
                .bind(i64::from(seats.waiting))
                .bind(activity_id)
                .execute(&mut tx)
                .await?;
            if let Some(by_user) = by_user {
                audit_entry(
                    &mut tx,
                    now,
                    Some(by_user),
                    "signup.decide",
                    "signup",
                    id.to_string(),
                    to.as_str().to_string(),
                )
                .await?;
            }
            id
        };
        tx.commit().await?;
        Ok(id)
    }

    /// The sign-ups of an activity, in the order they came.
    pub async fn signups_of_activity(
        &self,
        activity_id: i64,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<SignupView>> {
        let after = parse_cursor(cursor);
        let rows = {
            let mut conn = self.reader().await?;
            query_as::<SignupView>(
            "SELECT s.id, s.activity_id, a.title AS activity_title, s.volunteer_id, v.name AS volunteer_name, v.volunteer_no, \
             s.status, s.starts_at, s.ends_at, s.updated_at FROM signups s JOIN activities a ON a.id = s.activity_id \
             JOIN volunteers v ON v.id = s.volunteer_id WHERE s.activity_id = $1 AND s.id > $2 ORDER BY s.id LIMIT $3",
        )
        .bind(activity_id)
        .bind(after)
        .bind(limit + 1)
        .fetch_all(&mut conn)
        .await?
        };
        Ok(into_page(rows, limit, |s| s.id))
    }

    /// A volunteer's sign-ups, latest activity first.
    pub async fn signups_of_volunteer(&self, volunteer_id: i64, limit: i64) -> Result<Vec<SignupView>> {
        let mut conn = self.reader().await?;
        query_as::<SignupView>(
            "SELECT s.id, s.activity_id, a.title AS activity_title, s.volunteer_id, v.name AS volunteer_name, v.volunteer_no, \
             s.status, s.starts_at, s.ends_at, s.updated_at FROM signups s JOIN activities a ON a.id = s.activity_id \
             JOIN volunteers v ON v.id = s.volunteer_id WHERE s.volunteer_id = $1 ORDER BY s.starts_at DESC, s.id DESC LIMIT $2",
        )
        .bind(volunteer_id)
        .bind(limit)
        .fetch_all(&mut conn)
        .await
    }

    /// Records how long a volunteer's accident insurance runs.
    pub async fn set_insurance(
        &self,
        volunteer_id: i64,
        insured_until: Option<NaiveDate>,
        by_user: i64,
        now: i64,
    ) -> Result<()> {
        let day = insured_until.map(|d| d.format("%Y-%m-%d").to_string());
        let mut tx = self.transaction().await?;
        {
            query("UPDATE volunteers SET insured_until = $1 WHERE id = $2")
                .bind(&day)
                .bind(volunteer_id)
                .execute(&mut tx)
                .await?;
            audit_entry(
                &mut tx,
                now,
                Some(by_user),
                "volunteer.insurance",
                "volunteer",
                volunteer_id.to_string(),
                day.clone().unwrap_or_else(|| "none".to_string()),
            )
            .await?;
        };
        tx.commit().await?;
        Ok(())
    }
}
