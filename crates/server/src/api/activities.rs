//! Projects, activities and sign-ups over JSON: the category list, the
//! project library, publishing and searching activities, signing up and
//! cancelling, and the organizer's review of sign-ups. Each handler parses
//! its input, calls `app::activities` (where the rules and checks are) and
//! renders the answer.

use crate::api::{Paging, rfc3339};
use crate::app::activities::{self as app, ActivityDraft, ActivitySearch, ProjectDraft};
use crate::app::input::{filter_instant, parse_instant, signup_decision};
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::RuleError;
use zhiyuan_domain::activity::{ActivityInput, ActivityState, AttendanceRules, CheckinMethod, ProjectKind};
use zhiyuan_domain::hours::MissingCheckout;
use zhiyuan_store::activities::{Activity, Project};
use zhiyuan_store::signups::{Signup, SignupView};
use zhiyuan_store::{page_size, parse_id};

#[derive(Serialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
}

/// The category list of projects and activities.
#[utoipa::path(get, path = "/api/v1/categories", tag = "activities", responses((status = 200, body = [CategoryView])))]
pub async fn categories(State(state): State<AppState>) -> ApiResult<Json<Vec<CategoryView>>> {
    let categories = state.shared.categories(&state.store).await?;
    Ok(Json(
        categories
            .iter()
            .map(|c| CategoryView {
                code: c.code.clone(),
                label_zh: c.label_zh.clone(),
                label_en: c.label_en.clone(),
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ProjectView {
    pub id: String,
    pub organization_id: String,
    pub title: String,
    pub description: String,
    /// `routine` (常态化) or `one_off`.
    pub kind: String,
    pub category: String,
    /// Region code of the service area (the project serves its subtree).
    pub area_code: String,
    pub on_menu: bool,
    pub demonstration: bool,
    pub created_at: String,
}

fn project_view(project: &Project) -> ProjectView {
    ProjectView {
        id: project.id.to_string(),
        organization_id: project.organization_id.to_string(),
        title: project.title.clone(),
        description: project.description.clone(),
        kind: project.kind.clone(),
        category: project.category.clone(),
        area_code: project.area_code.clone(),
        on_menu: project.on_menu,
        demonstration: project.demonstration_at.is_some(),
        created_at: rfc3339(project.created_at),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CreateProject {
    pub organization_id: String,
    pub title: String,
    pub description: Option<String>,
    /// `routine` (default) or `one_off`.
    pub kind: Option<String>,
    pub category: String,
    pub area_code: String,
    /// Whether the project appears on station menus.
    pub on_menu: Option<bool>,
}

/// Publishes a project in the library (organization admins).
#[utoipa::path(post, path = "/api/v1/projects", tag = "activities", security(("bearer" = [])), request_body = CreateProject,
    responses((status = 201, body = ProjectView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_project(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(request): ApiJson<CreateProject>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    let kind = match request.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(kind) => ProjectKind::parse(kind).map_err(|e| e.on("kind"))?,
        None => ProjectKind::Routine,
    };
    let draft = ProjectDraft {
        organization_id: parse_id(request.organization_id.trim(), "organization")?,
        title: request.title,
        description: request.description.unwrap_or_default(),
        kind,
        category: request.category,
        area_code: request.area_code,
        on_menu: request.on_menu.unwrap_or(true),
    };
    let project = app::publish_project(&state, &current, draft).await?;
    Ok((StatusCode::CREATED, Json(project_view(&project))))
}

#[derive(Deserialize, IntoParams)]
pub struct ProjectFilter {
    /// Region code: projects serving this region (their area covers it or lies in it).
    pub region: String,
    pub organization_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectList {
    pub items: Vec<ProjectView>,
    pub next_cursor: Option<String>,
}

/// The project library of a region (public).
#[utoipa::path(get, path = "/api/v1/projects", tag = "activities", params(ProjectFilter, Paging),
    responses((status = 200, body = ProjectList)))]
pub async fn projects(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<ProjectFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<ProjectList>> {
    let organization_id = match filter.organization_id.as_deref().filter(|o| !o.is_empty()) {
        Some(id) => Some(parse_id(id, "organization")?),
        None => None,
    };
    let page = app::projects(
        &state,
        &filter.region,
        organization_id,
        paging.cursor.as_deref(),
        page_size(paging.limit),
    )
    .await?;
    Ok(Json(ProjectList {
        items: page.items.iter().map(project_view).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Marks a project as a demonstration project (region administrators over its area).
#[utoipa::path(post, path = "/api/v1/projects/{id}/demonstration", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ProjectView), (status = 403, body = crate::error::Problem)))]
pub async fn mark_demonstration(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ProjectView>> {
    let project = app::mark_demonstration(&state, &current, parse_id(&id, "project")?).await?;
    Ok(Json(project_view(&project)))
}

#[derive(Serialize, ToSchema)]
pub struct ActivityView {
    pub id: String,
    pub organization_id: String,
    pub project_id: Option<String>,
    pub title: String,
    pub description: String,
    pub category: String,
    pub region_code: String,
    pub lat: f64,
    pub lon: f64,
    /// Geofence radius in metres; 0 = anywhere.
    pub radius_m: i64,
    pub starts_at: String,
    pub ends_at: String,
    pub quota: i64,
    pub waitlist: i64,
    /// Approved and pending sign-ups.
    pub seats_taken: i64,
    pub waiting: i64,
    pub signup_opens_at: Option<String>,
    pub signup_closes_at: String,
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    pub required_skills: Vec<String>,
    pub insurance_required: bool,
    pub auto_approve: bool,
    pub checkin_methods: Vec<String>,
    pub early_checkin_minutes: i64,
    /// `zero_hours` (closed at 24:00 with 0 hours) or `until_activity_end`.
    pub missing_checkout: String,
    pub auto_confirm_days: i64,
    /// `draft`, `published`, `cancelled` or `finished`.
    pub state: String,
    /// The order this activity serves (点单), on the single activity's answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

pub fn activity_view(activity: &Activity) -> ActivityView {
    ActivityView {
        id: activity.id.to_string(),
        organization_id: activity.organization_id.to_string(),
        project_id: activity.project_id.map(|id| id.to_string()),
        title: activity.title.clone(),
        description: activity.description.clone(),
        category: activity.category.clone(),
        region_code: activity.region_code.clone(),
        lat: activity.lat,
        lon: activity.lon,
        radius_m: activity.radius_m,
        starts_at: rfc3339(activity.starts_at),
        ends_at: rfc3339(activity.ends_at),
        quota: activity.quota,
        waitlist: activity.waitlist,
        seats_taken: activity.seats_taken,
        waiting: activity.waiting,
        signup_opens_at: activity.signup_opens_at.map(rfc3339),
        signup_closes_at: rfc3339(activity.signup_closes_at),
        min_age: activity.min_age,
        max_age: activity.max_age,
        required_skills: activity.skill_list(),
        insurance_required: activity.insurance_required,
        auto_approve: activity.auto_approve,
        checkin_methods: activity.method_list().iter().map(|m| m.as_str().to_string()).collect(),
        early_checkin_minutes: activity.early_checkin_minutes,
        missing_checkout: activity.missing_checkout.clone(),
        auto_confirm_days: activity.auto_confirm_days,
        state: activity.state.clone(),
        order_id: None,
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CreateActivity {
    pub organization_id: String,
    pub project_id: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub category: String,
    pub region_code: String,
    pub lat: f64,
    pub lon: f64,
    /// Geofence radius in metres (0 = anywhere, at most 50,000).
    pub radius_m: u32,
    /// RFC 3339.
    pub starts_at: String,
    pub ends_at: String,
    pub quota: u32,
    /// Length of the waiting list (default 50).
    pub waitlist: Option<u32>,
    pub signup_opens_at: Option<String>,
    /// Default: the end of the activity.
    pub signup_closes_at: Option<String>,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    pub required_skills: Option<Vec<String>>,
    pub insurance_required: Option<bool>,
    /// Default true; false = the organizer reviews sign-ups.
    pub auto_approve: Option<bool>,
    /// Default `["qr","manual"]`: GPS and face only when listed.
    pub checkin_methods: Option<Vec<String>>,
    /// Sign-in opens this many minutes before the start (default 30, at most 120).
    pub early_checkin_minutes: Option<u32>,
    /// `zero_hours` (default) or `until_activity_end`.
    pub missing_checkout: Option<String>,
    /// Pending records confirm themselves after this many days (default 7, 0 = never).
    pub auto_confirm_days: Option<u32>,
    /// Save without publishing.
    pub draft: Option<bool>,
}

/// Creates an activity, published unless `draft` (organization admins).
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", security(("bearer" = [])), request_body = CreateActivity,
    responses((status = 201, body = ActivityView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_activity(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(request): ApiJson<CreateActivity>,
) -> ApiResult<(StatusCode, Json<ActivityView>)> {
    let mut rules = AttendanceRules::default();
    if let Some(methods) = &request.checkin_methods {
        rules.methods = methods
            .iter()
            .map(|m| CheckinMethod::parse(m).map_err(|e| e.on("checkin_methods")))
            .collect::<Result<_, _>>()?;
    }
    if let Some(minutes) = request.early_checkin_minutes {
        rules.early_checkin_minutes = minutes;
    }
    if let Some(policy) = request.missing_checkout.as_deref().filter(|p| !p.is_empty()) {
        rules.missing_checkout = MissingCheckout::parse(policy)?;
    }
    if let Some(days) = request.auto_confirm_days {
        rules.auto_confirm_days = days;
    }
    let input = ActivityInput {
        title: request.title.clone(),
        description: request.description.clone().unwrap_or_default(),
        category: request.category.clone(),
        lat: request.lat,
        lon: request.lon,
        radius_m: request.radius_m,
        starts_at: parse_instant(&request.starts_at, "starts_at")?,
        ends_at: parse_instant(&request.ends_at, "ends_at")?,
        quota: request.quota,
        waitlist: request.waitlist,
        signup_opens: request
            .signup_opens_at
            .as_deref()
            .map(|t| parse_instant(t, "signup_opens_at"))
            .transpose()?,
        signup_closes: request
            .signup_closes_at
            .as_deref()
            .map(|t| parse_instant(t, "signup_closes_at"))
            .transpose()?,
        min_age: request.min_age,
        max_age: request.max_age,
        required_skills: request.required_skills.clone().unwrap_or_default(),
        insurance_required: request.insurance_required.unwrap_or(false),
        auto_approve: request.auto_approve.unwrap_or(true),
        rules,
    };
    let project_id = match request.project_id.as_deref().filter(|p| !p.is_empty()) {
        Some(id) => Some(
            id.parse::<i64>()
                .map_err(|_| RuleError::new("project_unknown", "no such project").on("project_id"))?,
        ),
        None => None,
    };
    let draft = ActivityDraft {
        organization_id: parse_id(request.organization_id.trim(), "organization")?,
        project_id,
        region_code: request.region_code,
        input,
        draft: request.draft.unwrap_or(false),
    };
    let activity = app::create_activity(&state, &current, draft).await?;
    Ok((StatusCode::CREATED, Json(activity_view(&activity))))
}

/// One activity: published, cancelled and finished ones are public; drafts
/// only for their organizers.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = ActivityView), (status = 404, body = crate::error::Problem)))]
pub async fn activity(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ActivityView>> {
    let activity = app::visible_activity(&state, caller.as_ref(), parse_id(&id, "activity")?).await?;
    let order = state.store.order_of_activity(activity.id).await?;
    Ok(Json(ActivityView {
        order_id: order.map(|id| id.to_string()),
        ..activity_view(&activity)
    }))
}

/// Publishes, cancels or finishes an activity (organizers).
#[utoipa::path(post, path = "/api/v1/activities/{id}/{action}", tag = "activities", security(("bearer" = [])),
    params(("id" = String, Path), ("action" = String, Path, description = "publish, cancel or finish")),
    responses((status = 200, body = ActivityView), (status = 422, body = crate::error::Problem)))]
pub async fn change_state(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((id, action)): Path<(String, String)>,
) -> ApiResult<Json<ActivityView>> {
    let to = match action.as_str() {
        "publish" => ActivityState::Published,
        "cancel" => ActivityState::Cancelled,
        "finish" => ActivityState::Finished,
        _ => return Err(ApiError::not_found("action")),
    };
    let activity = app::change_state(&state, &current, parse_id(&id, "activity")?, to).await?;
    Ok(Json(activity_view(&activity)))
}

#[derive(Deserialize, IntoParams)]
pub struct ActivityFilter {
    /// Region code: activities in its subtree.
    pub region: Option<String>,
    /// Free text in Chinese (words such as 养老 match).
    pub q: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339: activities ending on or after it.
    pub from: Option<String>,
    /// `YYYY-MM-DD` or RFC 3339: activities starting on or before it (a date includes the whole day).
    pub to: Option<String>,
    pub category: Option<String>,
    pub organization_id: Option<String>,
    /// Only activities the calling volunteer may sign up for now (age, skills,
    /// insurance, open sign-up, no time clash).
    pub eligible: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityList {
    pub items: Vec<ActivityView>,
    pub next_cursor: Option<String>,
}

/// Searches published activities: full text, region subtree, dates,
/// category, organization, and "eligible for me".
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", params(ActivityFilter, Paging),
    responses((status = 200, body = ActivityList), (status = 422, body = crate::error::Problem)))]
pub async fn search(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    ApiQuery(filter): ApiQuery<ActivityFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<ActivityList>> {
    let search = activity_search(&filter)?;
    let found = app::search(
        &state,
        caller.as_ref(),
        &search,
        paging.cursor.as_deref(),
        page_size(paging.limit),
    )
    .await?;
    Ok(Json(ActivityList {
        items: found.items.iter().map(activity_view).collect(),
        next_cursor: found.next_cursor,
    }))
}

/// The typed search of a filter from a query string.
pub fn activity_search(filter: &ActivityFilter) -> ApiResult<ActivitySearch> {
    Ok(ActivitySearch {
        region: filter.region.clone(),
        text: filter.q.clone(),
        from: filter_instant(filter.from.as_deref(), false, "from")?,
        to: filter_instant(filter.to.as_deref(), true, "to")?,
        category: filter.category.clone(),
        organization_id: match filter.organization_id.as_deref().filter(|o| !o.is_empty()) {
            Some(id) => Some(parse_id(id, "organization")?),
            None => None,
        },
        eligible_only: filter.eligible == Some(true),
    })
}

#[derive(Serialize, ToSchema)]
pub struct SignupResult {
    pub id: String,
    pub activity_id: String,
    pub volunteer_id: String,
    /// `approved`, `pending`, `waitlisted`, `rejected` or `cancelled`.
    pub status: String,
    pub updated_at: String,
}

fn signup_result(signup: &Signup) -> SignupResult {
    SignupResult {
        id: signup.id.to_string(),
        activity_id: signup.activity_id.to_string(),
        volunteer_id: signup.volunteer_id.to_string(),
        status: signup.status.clone(),
        updated_at: rfc3339(signup.updated_at),
    }
}

/// Signs the calling volunteer up: approved, pending review or waitlisted;
/// refused with `quota_full`, `signup_closed`, `time_clash`, `age_restricted`,
/// `skills_missing`, `insurance_required`, or 409 `already_signed_up`.
#[utoipa::path(post, path = "/api/v1/activities/{id}/signups", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 201, body = SignupResult), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn sign_up(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<SignupResult>)> {
    let signup = app::sign_up(&state, &current, parse_id(&id, "activity")?).await?;
    Ok((StatusCode::CREATED, Json(signup_result(&signup))))
}

/// Cancels the calling volunteer's sign-up; a freed seat goes to the first waiting.
#[utoipa::path(post, path = "/api/v1/activities/{id}/signups/cancel", tag = "activities", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = SignupResult), (status = 422, body = crate::error::Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<SignupResult>> {
    let signup = app::cancel_signup(&state, &current, parse_id(&id, "activity")?).await?;
    Ok(Json(signup_result(&signup)))
}

#[derive(Serialize, ToSchema)]
pub struct SignupEntry {
    pub id: String,
    pub activity_id: String,
    pub activity_title: String,
    pub volunteer_id: String,
    pub volunteer_name: String,
    pub volunteer_no: String,
    pub status: String,
    pub starts_at: String,
    pub ends_at: String,
}

pub fn signup_entry(signup: &SignupView) -> SignupEntry {
    SignupEntry {
        id: signup.id.to_string(),
        activity_id: signup.activity_id.to_string(),
        activity_title: signup.activity_title.clone(),
        volunteer_id: signup.volunteer_id.to_string(),
        volunteer_name: signup.volunteer_name.clone(),
        volunteer_no: signup.volunteer_no.clone(),
        status: signup.status.clone(),
        starts_at: rfc3339(signup.starts_at),
        ends_at: rfc3339(signup.ends_at),
    }
}

#[derive(Serialize, ToSchema)]
pub struct SignupList {
    pub items: Vec<SignupEntry>,
    pub next_cursor: Option<String>,
}

/// The sign-ups of an activity (organizers).
#[utoipa::path(get, path = "/api/v1/activities/{id}/signups", tag = "activities", security(("bearer" = [])), params(("id" = String, Path), Paging),
    responses((status = 200, body = SignupList), (status = 403, body = crate::error::Problem)))]
pub async fn signups(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<SignupList>> {
    let page = app::signups_of_activity(
        &state,
        &current,
        parse_id(&id, "activity")?,
        paging.cursor.as_deref(),
        page_size(paging.limit),
    )
    .await?;
    Ok(Json(SignupList {
        items: page.items.iter().map(signup_entry).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Approves or rejects a sign-up (organizers).
#[utoipa::path(post, path = "/api/v1/signups/{id}/{decision}", tag = "activities", security(("bearer" = [])),
    params(("id" = String, Path), ("decision" = String, Path, description = "approve or reject")),
    responses((status = 200, body = SignupResult), (status = 422, body = crate::error::Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((id, decision)): Path<(String, String)>,
) -> ApiResult<Json<SignupResult>> {
    let decision = signup_decision(&decision)?;
    let signup = app::decide_signup(&state, &current, parse_id(&id, "signup")?, decision).await?;
    Ok(Json(signup_result(&signup)))
}

/// The calling volunteer's sign-ups, latest first.
#[utoipa::path(get, path = "/api/v1/me/signups", tag = "activities", security(("bearer" = [])),
    responses((status = 200, body = SignupList)))]
pub async fn my_signups(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<SignupList>> {
    let items = app::my_signups(&state, &current).await?;
    Ok(Json(SignupList {
        items: items.iter().map(signup_entry).collect(),
        next_cursor: None,
    }))
}
