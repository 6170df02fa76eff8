//! Categories, projects and activities: creating them (one or many at once,
//! each checked against its organization, region, category and project),
//! their states, and reading and listing them. Sign-ups are `signups`.

use crate::bulk::BulkInsert;
use crate::sql::{Tx, query, query_as, query_scalar};
use crate::statistics::{RollupSums, day_of};
use crate::{
    Page, Result, Store, StoreError, audit_entry, code_list, in_list_sql, into_page, parse_cursor, rows_per_statement,
    subtree_bounds,
};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::activity::{
    ActivityPlan, ActivityState, AttendanceRules, CheckinMethod, ProjectKind, check_publish, check_start_not_past,
};
use zhiyuan_domain::geo::{Geofence, Point};
use zhiyuan_domain::hours::{Interval, MissingCheckout};
use zhiyuan_domain::region::ancestor_paths;
use zhiyuan_domain::region::distribution_key;
use zhiyuan_domain::statistics;
use zhiyuan_domain::time::from_epoch_ms as instant;

/// One entry of the category list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Category {
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Project {
    pub id: i64,
    pub organization_id: i64,
    pub title: String,
    pub description: String,
    pub kind: String,
    pub category: String,
    pub area_code: String,
    pub area_path: String,
    pub on_menu: bool,
    pub demonstration_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewProject {
    pub organization_id: i64,
    pub title: String,
    pub description: String,
    pub kind: ProjectKind,
    pub category: String,
    pub area_code: String,
    pub on_menu: bool,
}

const PROJECT_COLUMNS: &str = "id, organization_id, title, description, kind, category, area_code, area_path, on_menu, demonstration_at, created_at";

/// An activity as stored.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Activity {
    pub id: i64,
    pub organization_id: i64,
    pub project_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub category: String,
    pub region_code: String,
    pub region_path: String,
    pub lat: f64,
    pub lon: f64,
    pub radius_m: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub quota: i64,
    pub waitlist: i64,
    pub signup_opens_at: Option<i64>,
    pub signup_closes_at: i64,
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    pub required_skills: String,
    pub insurance_required: bool,
    pub auto_approve: bool,
    pub checkin_methods: String,
    pub early_checkin_minutes: i64,
    pub missing_checkout: String,
    pub auto_confirm_days: i64,
    pub state: String,
    pub seats_taken: i64,
    pub waiting: i64,
    pub created_at: i64,
}

pub(crate) const ACTIVITY_COLUMNS: &str = "id, organization_id, project_id, title, description, category, region_code, region_path, \
     lat, lon, radius_m, starts_at, ends_at, quota, waitlist, signup_opens_at, signup_closes_at, min_age, max_age, \
     required_skills, insurance_required, auto_approve, checkin_methods, early_checkin_minutes, missing_checkout, \
     auto_confirm_days, state, seats_taken, waiting, created_at";

pub(crate) fn to_u32(value: i64) -> u32 {
    u32::try_from(value.max(0)).unwrap_or(u32::MAX)
}

impl Activity {
    pub fn state(&self) -> ActivityState {
        ActivityState::parse(&self.state).unwrap_or(ActivityState::Draft)
    }

    pub fn window(&self) -> Interval {
        Interval::new(instant(self.starts_at), instant(self.ends_at))
    }

    pub fn skill_list(&self) -> Vec<String> {
        split_list(&self.required_skills, ';')
    }

    pub fn method_list(&self) -> Vec<CheckinMethod> {
        split_list(&self.checkin_methods, ',')
            .iter()
            .filter_map(|m| CheckinMethod::parse(m).ok())
            .collect()
    }

    /// The plan the domain rules judge, rebuilt from the stored row (which
    /// was checked when it was written).
    pub fn plan(&self) -> ActivityPlan {
        let center = Point::new(self.lat, self.lon).unwrap_or(Point { lat: 0.0, lon: 0.0 });
        ActivityPlan {
            title: self.title.clone(),
            description: self.description.clone(),
            category: self.category.clone(),
            fence: Geofence {
                center,
                radius_m: to_u32(self.radius_m),
            },
            window: self.window(),
            quota: to_u32(self.quota),
            waitlist: to_u32(self.waitlist),
            signup_opens: self.signup_opens_at.map(instant),
            signup_closes: instant(self.signup_closes_at),
            min_age: self.min_age.map(to_u32),
            max_age: self.max_age.map(to_u32),
            required_skills: self.skill_list(),
            insurance_required: self.insurance_required,
            auto_approve: self.auto_approve,
            rules: AttendanceRules {
                methods: self.method_list(),
                early_checkin_minutes: to_u32(self.early_checkin_minutes),
                missing_checkout: MissingCheckout::parse(&self.missing_checkout).unwrap_or(MissingCheckout::ZeroHours),
                auto_confirm_days: to_u32(self.auto_confirm_days),
            },
        }
    }
}

fn split_list(raw: &str, separator: char) -> Vec<String> {
    raw.split(separator)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A new activity: where, under whom, and its checked plan.
#[derive(Debug, Clone)]
pub struct NewActivity {
    pub organization_id: i64,
    pub project_id: Option<i64>,
    pub region_code: String,
    pub plan: ActivityPlan,
    pub draft: bool,
}

/// Filters of the activity listing (full text is the search index's job:
/// it hands over `ids`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ActivityQuery {
    pub region_path: Option<String>,
    pub organization_id: Option<i64>,
    pub category: Option<String>,
    /// Activities that end at or after this instant.
    pub from: Option<i64>,
    /// Activities that start at or before this instant.
    pub to: Option<i64>,
    /// Only these states (default: published).
    pub states: Vec<ActivityState>,
    pub ids: Option<Vec<i64>>,
    pub cursor: Option<String>,
    pub limit: i64,
}

/// How long an activity read for a check-in is trusted without another
/// read ([`Store::recent_activity`]): bounds how late a change made through
/// another process (cancelled, finished) reaches check-ins here.
pub(crate) const RECENT_ACTIVITY_TTL: Duration = Duration::from_secs(2);

impl Store {
    /// The suffix that locks selected rows for the transaction on
    /// PostgreSQL; SQLite's single writer holds the whole database already.
    pub(crate) fn lock_rows(&self) -> &'static str {
        match self.backend {
            crate::Backend::Sqlite { .. } => "",
            crate::Backend::Postgres(_) => " FOR UPDATE",
        }
    }

    pub async fn categories(&self) -> Result<Vec<Category>> {
        let mut conn = self.reader().await?;
        query_as::<Category>("SELECT code, label_zh, label_en FROM categories ORDER BY position, code")
            .fetch_all(&mut conn)
            .await
    }

    pub async fn create_project(&self, new: &NewProject, by_user: i64, now: i64) -> Result<Project> {
        let mut tx = self.transaction().await?;
        let id: i64 = {
            require_category(&mut tx, &new.category).await?;
            let area: Option<(String,)> = query_as("SELECT path FROM regions WHERE code = $1")
                .bind(&new.area_code)
                .fetch_optional(&mut tx)
                .await?;
            let Some((area_path,)) = area else {
                return Err(RuleError::new("region_unknown", format!("no region {}", new.area_code))
                    .on("area_code")
                    .into());
            };
            let id: i64 = query_scalar(
                "INSERT INTO projects (organization_id, title, description, kind, category, area_code, county_code, area_path, \
                 on_menu, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(new.organization_id)
            .bind(&new.title)
            .bind(&new.description)
            .bind(new.kind.as_str())
            .bind(&new.category)
            .bind(&new.area_code)
            .bind(distribution_key(&new.area_code))
            .bind(&area_path)
            .bind(new.on_menu)
            .bind(by_user)
            .bind(now)
            .fetch_one(&mut tx)
            .await?;
            let mut rollups = RollupSums::default();
            rollups.add(&area_path, day_of(now), &statistics::project_created());
            rollups.write(&mut tx).await?;
            audit_entry(
                &mut tx,
                now,
                Some(by_user),
                "project.create",
                "project",
                id.to_string(),
                new.title.clone(),
            )
            .await?;
            id
        };
        tx.commit().await?;
        self.project(id).await?.ok_or(StoreError::NotFound("project"))
    }

    pub async fn project(&self, id: i64) -> Result<Option<Project>> {
        let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1");
        let mut conn = self.reader().await?;
        query_as::<Project>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut conn)
            .await
    }

    /// Projects whose service area lies in the subtree at `area_path`, or
    /// whose area covers it (a county-wide project serves its villages).
    pub async fn projects(
        &self,
        area_path: &str,
        organization_id: Option<i64>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Project>> {
        let (low, high) = subtree_bounds(area_path);
        // A project serves its area's subtree: the region's own projects,
        // those below it, and those of the regions above it.
        // ('' keeps the list non-empty at the top of the tree.)
        let ancestors = code_list(std::iter::once("").chain(ancestor_paths(area_path)));
        let sql = format!(
            "SELECT {PROJECT_COLUMNS} FROM projects WHERE id > $1 AND ($2 = 0 OR organization_id = $2) \
             AND (area_path = $3 OR (area_path > $4 AND area_path < $5) OR area_path IN ({ancestors})) \
             ORDER BY id LIMIT $6"
        );
        let after = parse_cursor(cursor);
        let rows = {
            let mut conn = self.reader().await?;
            query_as::<Project>(sqlx::AssertSqlSafe(sql))
                .bind(after)
                .bind(organization_id.unwrap_or(0))
                .bind(area_path)
                .bind(&low)
                .bind(&high)
                .bind(limit + 1)
                .fetch_all(&mut conn)
                .await?
        };
        Ok(into_page(rows, limit, |p| p.id))
    }

    /// Marks a project as a demonstration project (region administrators).
    pub async fn mark_demonstration(&self, id: i64, by_user: i64, now: i64) -> Result<Project> {
        let mut tx = self.transaction().await?;
        {
            let done = query("UPDATE projects SET demonstration_at = $1, demonstration_by = $2 WHERE id = $3")
                .bind(now)
                .bind(by_user)
                .bind(id)
                .execute(&mut tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("project"));
            }
            audit_entry(
                &mut tx,
                now,
                Some(by_user),
                "project.demonstration",
                "project",
                id.to_string(),
                String::new(),
            )
            .await?;
        };
        tx.commit().await?;
        self.project(id).await?.ok_or(StoreError::NotFound("project"))
    }

    /// Creates an activity (published unless `draft`). A published activity
    /// needs a verified organization.
    pub async fn create_activity(&self, new: &NewActivity, by_user: i64, now: i64) -> Result<Activity> {
        let mut tx = self.transaction().await?;
        let id = insert_activity(&mut tx, new, by_user, now).await?;
        tx.commit().await?;
        self.activity(id).await?.ok_or(StoreError::NotFound("activity"))
    }

    pub async fn activity(&self, id: i64) -> Result<Option<Activity>> {
        let sql = format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id = $1");
        let mut conn = self.reader().await?;
        query_as::<Activity>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut conn)
            .await
    }

    /// The activity as this process read it at most `RECENT_ACTIVITY_TTL`
    /// ago, for the check-in path, which reads it on every request. A state
    /// change through this process is seen at once; the seat counters may
    /// lag (check-ins do not read them).
    pub async fn recent_activity(&self, id: i64) -> Result<Option<Activity>> {
        if let Some(activity) = self.recent_activities.get(&id) {
            return Ok(Some(activity));
        }
        let generation = self.recent_activities.generation();
        let found = self.activity(id).await?;
        if let Some(activity) = &found {
            self.recent_activities.put(id, generation, activity.clone());
        }
        Ok(found)
    }

    pub async fn require_activity(&self, id: i64) -> Result<Activity> {
        self.activity(id).await?.ok_or(StoreError::NotFound("activity"))
    }

    /// Moves an activity to another state (publish, cancel, finish).
    pub async fn set_activity_state(&self, id: i64, to: ActivityState, by_user: i64, now: i64) -> Result<Activity> {
        let mut tx = self.transaction().await?;
        {
            let row: Option<(String, i64, String, i64, Option<i64>)> = query_as(
                "SELECT a.state, a.starts_at, a.region_path, a.organization_id, o.verified_at FROM activities a \
                 JOIN organizations o ON o.id = a.organization_id WHERE a.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut tx)
            .await?;
            let Some((state, starts_at, region_path, organization_id, verified_at)) = row else {
                return Err(StoreError::NotFound("activity"));
            };
            let from = ActivityState::parse(&state)?;
            from.transition(to)?;
            if to == ActivityState::Published {
                check_publish(instant(starts_at), verified_at.is_some(), instant(now))?;
            }
            query("UPDATE activities SET state = $1, updated_at = $2 WHERE id = $3")
                .bind(to.as_str())
                .bind(now)
                .bind(id)
                .execute(&mut tx)
                .await?;
            let mut rollups = RollupSums::default();
            let moved = statistics::activity_moved(Some(from), to);
            rollups.add(&region_path, day_of(starts_at), &moved);
            rollups.add_for_organization(organization_id, day_of(starts_at), &moved);
            rollups.write(&mut tx).await?;
            audit_entry(
                &mut tx,
                now,
                Some(by_user),
                "activity.state",
                "activity",
                id.to_string(),
                format!("{} -> {}", from.as_str(), to.as_str()),
            )
            .await?;
        };
        tx.commit().await?;
        self.recent_activities.forget_all();
        self.require_activity(id).await
    }

    /// Lists activities by the query's filters, ordered by start time.
    /// The cursor is `starts_at:id` of the last item.
    pub async fn list_activities(&self, query: &ActivityQuery) -> Result<Page<Activity>> {
        let mut conditions = vec!["1 = 1".to_string()];
        let states: Vec<&str> = if query.states.is_empty() {
            vec![ActivityState::Published.as_str()]
        } else {
            query.states.iter().map(|s| s.as_str()).collect()
        };
        // Every interpolated value below is a fixed code or a number.
        conditions.push(format!("state IN ({})", code_list(states)));
        if let Some(ids) = &query.ids {
            if ids.is_empty() {
                return Ok(Page {
                    items: Vec::new(),
                    next_cursor: None,
                });
            }
            conditions.push(format!(
                "id IN ({})",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            ));
        }
        if let Some(organization_id) = query.organization_id {
            conditions.push(format!("organization_id = {organization_id}"));
        }
        if let Some(from) = query.from {
            conditions.push(format!("ends_at >= {from}"));
        }
        if let Some(to) = query.to {
            conditions.push(format!("starts_at <= {to}"));
        }
        let (after_start, after_id) = query
            .cursor
            .as_deref()
            .and_then(|c| c.split_once(':'))
            .and_then(|(s, i)| Some((s.parse::<i64>().ok()?, i.parse::<i64>().ok()?)))
            .unwrap_or((i64::MIN, 0));
        conditions.push(format!(
            "(starts_at > {after_start} OR (starts_at = {after_start} AND id > {after_id}))"
        ));
        let (low, high) = subtree_bounds(query.region_path.as_deref().unwrap_or(""));
        let sql = format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activities WHERE {} \
             AND ($1 = '' OR region_path = $1 OR (region_path > $2 AND region_path < $3)) \
             AND ($4 = '' OR category = $4) ORDER BY starts_at, id LIMIT $5",
            conditions.join(" AND ")
        );
        let limit = query.limit;
        let mut rows = {
            let mut conn = self.reader().await?;
            query_as::<Activity>(sqlx::AssertSqlSafe(sql))
                .bind(query.region_path.as_deref().unwrap_or(""))
                .bind(&low)
                .bind(&high)
                .bind(query.category.as_deref().unwrap_or(""))
                .bind(limit + 1)
                .fetch_all(&mut conn)
                .await?
        };
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|a| format!("{}:{}", a.starts_at, a.id))
        } else {
            None
        };
        Ok(Page {
            items: rows,
            next_cursor,
        })
    }

    /// Every activity, for rebuilding the search index.
    pub async fn all_activities(&self, after_id: i64, limit: i64) -> Result<Vec<Activity>> {
        let sql = format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id > $1 ORDER BY id LIMIT $2");
        let mut conn = self.reader().await?;
        query_as::<Activity>(sqlx::AssertSqlSafe(sql))
            .bind(after_id)
            .bind(limit)
            .fetch_all(&mut conn)
            .await
    }
}

/// Inserts a new activity in `tx` (its organization, category, region and
/// project checked there) and yields its id: for a plain creation and for
/// the delivery activity of an accepted order alike.
pub(crate) async fn insert_activity(tx: &mut Tx<'_>, new: &NewActivity, by_user: i64, now: i64) -> Result<i64> {
    let mut rollups = RollupSums::default();
    let ids = insert_activities(tx, &[NewActivityBy { new, by_user, now }], &mut rollups).await?;
    rollups.write(tx).await?;
    ids.first().copied().ok_or(StoreError::NotFound("activity"))
}

/// An activity to insert, by whom and when.
pub(crate) struct NewActivityBy<'a> {
    pub new: &'a NewActivity,
    pub by_user: i64,
    pub now: i64,
}

/// Inserts new activities in `tx`, with one statement per kind of fact
/// read and of row written (the order writer creates the delivery
/// activities of a batch's acceptances at once), and yields their ids in
/// order. Any activity refused (unknown organization, region, category or
/// project of another organization; a start in the past; publishing for
/// an unverified organization) refuses them all. What they add to the
/// statistics goes to `rollups`, which the caller writes (the order writer
/// writes them after its loop figures, the order every writer keeps).
pub(crate) async fn insert_activities(
    tx: &mut Tx<'_>,
    activities: &[NewActivityBy<'_>],
    rollups: &mut RollupSums,
) -> Result<Vec<i64>> {
    if activities.is_empty() {
        return Ok(Vec::new());
    }
    let organizations: HashMap<i64, Option<i64>> = read_by_ids(
        tx,
        "SELECT id, verified_at FROM organizations WHERE id IN ",
        activities.iter().map(|a| a.new.organization_id),
    )
    .await?;
    let categories: Vec<&str> = activities.iter().map(|a| a.new.plan.category.as_str()).collect();
    require_categories(tx, &categories).await?;
    let mut codes: Vec<&str> = activities.iter().map(|a| a.new.region_code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let sql = in_list_sql(
        tx.placeholders(),
        "SELECT code, path FROM regions WHERE code IN ",
        codes.len(),
    );
    let mut statement = query_as::<(String, String)>(sqlx::AssertSqlSafe(sql));
    for code in &codes {
        statement = statement.bind(*code);
    }
    let paths: HashMap<String, String> = statement.fetch_all(&mut *tx).await?.into_iter().collect();
    let projects: HashMap<i64, i64> = read_by_ids(
        tx,
        "SELECT id, organization_id FROM projects WHERE id IN ",
        activities.iter().filter_map(|a| a.new.project_id),
    )
    .await?;
    let mut rows = Vec::with_capacity(activities.len());
    for activity in activities {
        let (new, now) = (activity.new, activity.now);
        let Some(verified_at) = organizations.get(&new.organization_id) else {
            return Err(RuleError::new("organization_unknown", "no such organization")
                .on("organization_id")
                .into());
        };
        let state = if new.draft {
            ActivityState::Draft
        } else {
            ActivityState::Published
        };
        check_start_not_past(new.plan.window.from, instant(now))?;
        if state == ActivityState::Published {
            check_publish(new.plan.window.from, verified_at.is_some(), instant(now))?;
        }
        let Some(region_path) = paths.get(&new.region_code) else {
            return Err(
                RuleError::new("region_unknown", format!("no region {}", new.region_code))
                    .on("region_code")
                    .into(),
            );
        };
        if let Some(project_id) = new.project_id
            && projects.get(&project_id) != Some(&new.organization_id)
        {
            return Err(
                RuleError::new("project_unknown", "no such project of this organization")
                    .on("project_id")
                    .into(),
            );
        }
        let methods: Vec<&str> = new.plan.rules.methods.iter().map(|m| m.as_str()).collect();
        rows.push(ActivityRow {
            activity,
            state,
            region_path,
            county_code: distribution_key(&new.region_code),
            methods: methods.join(","),
            skills: new.plan.required_skills.join(";"),
            id_text: String::new(),
            id: 0,
        });
    }
    let ids = tx.reserve_ids("activities", rows.len()).await?;
    for (row, id) in rows.iter_mut().zip(&ids) {
        row.id = *id;
        row.id_text = id.to_string();
    }
    tx.insert_rows(
        "activities",
        &[
            "id",
            "organization_id",
            "project_id",
            "title",
            "description",
            "category",
            "region_code",
            "county_code",
            "region_path",
            "lat",
            "lon",
            "radius_m",
            "starts_at",
            "ends_at",
            "quota",
            "waitlist",
            "signup_opens_at",
            "signup_closes_at",
            "min_age",
            "max_age",
            "required_skills",
            "insurance_required",
            "auto_approve",
            "checkin_methods",
            "early_checkin_minutes",
            "missing_checkout",
            "auto_confirm_days",
            "state",
            "created_by",
            "created_at",
            "updated_at",
        ],
        &rows,
        |row| {
            let (new, plan) = (row.activity.new, &row.activity.new.plan);
            [
                row.id.into(),
                new.organization_id.into(),
                new.project_id.into(),
                plan.title.as_str().into(),
                plan.description.as_str().into(),
                plan.category.as_str().into(),
                new.region_code.as_str().into(),
                row.county_code.into(),
                row.region_path.into(),
                plan.fence.center.lat.into(),
                plan.fence.center.lon.into(),
                i64::from(plan.fence.radius_m).into(),
                plan.window.from.timestamp_millis().into(),
                plan.window.to.timestamp_millis().into(),
                i64::from(plan.quota).into(),
                i64::from(plan.waitlist).into(),
                plan.signup_opens.map(|t| t.timestamp_millis()).into(),
                plan.signup_closes.timestamp_millis().into(),
                plan.min_age.map(i64::from).into(),
                plan.max_age.map(i64::from).into(),
                row.skills.as_str().into(),
                plan.insurance_required.into(),
                plan.auto_approve.into(),
                row.methods.as_str().into(),
                i64::from(plan.rules.early_checkin_minutes).into(),
                plan.rules.missing_checkout.as_str().into(),
                i64::from(plan.rules.auto_confirm_days).into(),
                row.state.as_str().into(),
                row.activity.by_user.into(),
                row.activity.now.into(),
                row.activity.now.into(),
            ]
        },
    )
    .await?;
    tx.insert_rows(
        "audit_log",
        &["at", "actor_user", "action", "subject_kind", "subject_id", "detail"],
        &rows,
        |row| {
            [
                row.activity.now.into(),
                row.activity.by_user.into(),
                "activity.create".into(),
                "activity".into(),
                row.id_text.as_str().into(),
                row.activity.new.plan.title.as_str().into(),
            ]
        },
    )
    .await?;
    for row in &rows {
        let (day, moved) = (
            zhiyuan_domain::time::china_date(row.activity.new.plan.window.from),
            statistics::activity_moved(None, row.state),
        );
        rollups.add(row.region_path, day, &moved);
        rollups.add_for_organization(row.activity.new.organization_id, day, &moved);
    }
    Ok(ids)
}

/// An activity as [`insert_activities`] writes it.
struct ActivityRow<'a> {
    activity: &'a NewActivityBy<'a>,
    state: ActivityState,
    region_path: &'a str,
    county_code: &'a str,
    methods: String,
    skills: String,
    id: i64,
    id_text: String,
}

/// `(id, value)` pairs of the rows `select` (ending in `IN `) finds for `ids`.
async fn read_by_ids<V: Send + Unpin + 'static>(
    tx: &mut Tx<'_>,
    select: &str,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, V>>
where
    (i64, V): crate::sql::FromEitherRow,
{
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(rows_per_statement(1)) {
        let sql = in_list_sql(tx.placeholders(), select, chunk.len());
        let mut statement = query_as::<(i64, V)>(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            statement = statement.bind(*id);
        }
        found.extend(statement.fetch_all(&mut *tx).await?);
    }
    Ok(found)
}

/// `category_unknown` unless `code` is one of the categories.
pub(crate) async fn require_category(tx: &mut Tx<'_>, code: &str) -> Result<()> {
    require_categories(tx, &[code]).await
}

/// Refuses (`category_unknown`) unless every code is a known category.
pub(crate) async fn require_categories(tx: &mut Tx<'_>, codes: &[&str]) -> Result<()> {
    let mut wanted: Vec<&str> = codes.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    for chunk in wanted.chunks(rows_per_statement(1)) {
        let sql = in_list_sql(
            tx.placeholders(),
            "SELECT code FROM categories WHERE code IN ",
            chunk.len(),
        );
        let mut statement = query_scalar::<String>(sqlx::AssertSqlSafe(sql));
        for code in chunk {
            statement = statement.bind(*code);
        }
        let known = statement.fetch_all(&mut *tx).await?;
        if let Some(unknown) = chunk.iter().find(|code| !known.iter().any(|k| k == *code)) {
            return Err(
                RuleError::new("category_unknown", format!("unknown category {unknown:?}"))
                    .on("category")
                    .into(),
            );
        }
    }
    Ok(())
}
