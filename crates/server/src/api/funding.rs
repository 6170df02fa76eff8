//! Demonstration-project funding over JSON: calls, applications, scores,
//! grants, payments and totals. The checks are `app::funding`'s; these
//! handlers parse and render.

use crate::api::rfc3339;
use crate::app::funding::{self, CallForm};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_store::funding::{FundingApplication, FundingCall, FundingTotals};
use zhiyuan_store::parse_id;

#[derive(Deserialize, ToSchema)]
pub struct OpenCall {
    pub title: String,
    /// `purchase_of_services` (购买服务), `reward_for_subsidy` (以奖代补) or `fund_application`.
    pub mode: String,
    pub region_code: String,
    pub year: i32,
    /// Whole yuan.
    pub budget: i64,
    pub max_projects: i64,
    /// The application window (`YYYY-MM-DD`, China time).
    pub opens_on: String,
    pub closes_on: String,
}

#[derive(Serialize, ToSchema)]
pub struct CallView {
    pub id: String,
    pub title: String,
    pub mode: String,
    pub year: i64,
    pub region_code: String,
    pub budget: i64,
    pub max_projects: i64,
    pub opens_on: String,
    pub closes_on: String,
    pub granted: i64,
    pub granted_projects: i64,
    pub disbursed: i64,
}

fn call_view(call: &FundingCall) -> CallView {
    CallView {
        id: call.id.to_string(),
        title: call.title.clone(),
        mode: call.mode.clone(),
        year: call.year,
        region_code: call.region_code.clone(),
        budget: call.budget_yuan,
        max_projects: call.max_projects,
        opens_on: call.opens_on.clone(),
        closes_on: call.closes_on.clone(),
        granted: call.granted_yuan,
        granted_projects: call.granted_projects,
        disbursed: call.disbursed_yuan,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: String,
    pub call_id: String,
    pub project_id: String,
    pub project_title: String,
    pub organization_id: String,
    pub organization_name: String,
    pub amount: i64,
    pub plan: String,
    pub applied_at: String,
    pub scores: i64,
    pub mean_score: Option<f64>,
    pub granted: Option<i64>,
    pub granted_at: Option<String>,
    pub disbursed: i64,
}

fn application_view(application: &FundingApplication) -> ApplicationView {
    ApplicationView {
        id: application.id.to_string(),
        call_id: application.call_id.to_string(),
        project_id: application.project_id.to_string(),
        project_title: application.project_title.clone(),
        organization_id: application.organization_id.to_string(),
        organization_name: application.organization_name.clone(),
        amount: application.amount_yuan,
        plan: application.plan.clone(),
        applied_at: rfc3339(application.applied_at),
        scores: application.scores,
        mean_score: application.mean_score,
        granted: application.granted_yuan,
        granted_at: application.granted_at.map(rfc3339),
        disbursed: application.disbursed_yuan,
    }
}

/// Opens a funding call (region administrators in their subtree).
#[utoipa::path(post, path = "/api/v1/funding/calls", tag = "funding", security(("bearer" = [])), request_body = OpenCall,
    responses((status = 201, body = CallView), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn open_call(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(request): ApiJson<OpenCall>,
) -> ApiResult<(StatusCode, Json<CallView>)> {
    let form = CallForm {
        title: &request.title,
        mode: &request.mode,
        region_code: &request.region_code,
        year: request.year,
        budget_yuan: request.budget,
        max_projects: request.max_projects,
        opens_on: &request.opens_on,
        closes_on: &request.closes_on,
    };
    let call = funding::open_call(&state, &current, &form).await?;
    Ok((StatusCode::CREATED, Json(call_view(&call))))
}

#[derive(Deserialize, IntoParams)]
pub struct CallFilter {
    /// The region whose calls (and those below) are listed.
    pub region: String,
}

#[derive(Serialize, ToSchema)]
pub struct CallList {
    pub items: Vec<CallView>,
}

/// Funding calls of a region and below, newest first.
#[utoipa::path(get, path = "/api/v1/funding/calls", tag = "funding", security(("bearer" = [])), params(CallFilter),
    responses((status = 200, body = CallList), (status = 422, body = crate::error::Problem)))]
pub async fn calls(
    State(state): State<AppState>,
    _current: CurrentUser,
    ApiQuery(filter): ApiQuery<CallFilter>,
) -> ApiResult<Json<CallList>> {
    let calls = funding::calls(&state, &filter.region).await?;
    Ok(Json(CallList {
        items: calls.iter().map(call_view).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CallDetail {
    #[serde(flatten)]
    pub call: CallView,
    /// All of them for the region administrators over the call; their own
    /// for organization admins; best mean score first.
    pub applications: Vec<ApplicationView>,
}

/// A call with the applications the reader may see.
#[utoipa::path(get, path = "/api/v1/funding/calls/{id}", tag = "funding", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = CallDetail), (status = 404, body = crate::error::Problem)))]
pub async fn call(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<CallDetail>> {
    let (call, applications) = funding::call_with_applications(&state, &current, parse_id(&id, "call")?).await?;
    Ok(Json(CallDetail {
        call: call_view(&call),
        applications: applications.iter().map(application_view).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct Apply {
    pub project_id: String,
    /// Whole yuan asked.
    pub amount: i64,
    pub plan: String,
}

/// Applies to a call with a project of an organization the caller runs.
#[utoipa::path(post, path = "/api/v1/funding/calls/{id}/applications", tag = "funding", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Apply,
    responses((status = 201, body = ApplicationView), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn apply(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<Apply>,
) -> ApiResult<(StatusCode, Json<ApplicationView>)> {
    let application = funding::apply(
        &state,
        &current,
        parse_id(&id, "call")?,
        parse_id(request.project_id.trim(), "project")?,
        request.amount,
        &request.plan,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(application_view(&application))))
}

#[derive(Deserialize, ToSchema)]
pub struct Score {
    /// 0 to 100.
    pub score: i64,
    pub comment: Option<String>,
}

/// Scores an application (region administrators over the call).
#[utoipa::path(post, path = "/api/v1/funding/applications/{id}/scores", tag = "funding", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Score,
    responses((status = 200, body = ApplicationView), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn score(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<Score>,
) -> ApiResult<Json<ApplicationView>> {
    let application = funding::score(
        &state,
        &current,
        parse_id(&id, "application")?,
        request.score,
        request.comment.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(application_view(&application)))
}

#[derive(Deserialize, ToSchema)]
pub struct Grant {
    /// Whole yuan, at most what was asked and what is left of the budget.
    pub amount: i64,
}

/// Grants an application (region administrators over the call): 409
/// `grant_over_budget`, `grant_over_projects` or `already_granted` when
/// it would pass the call.
#[utoipa::path(post, path = "/api/v1/funding/applications/{id}/grant", tag = "funding", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Grant,
    responses((status = 200, body = ApplicationView), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn grant(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<Grant>,
) -> ApiResult<Json<ApplicationView>> {
    let application = funding::grant(&state, &current, parse_id(&id, "application")?, request.amount).await?;
    Ok(Json(application_view(&application)))
}

#[derive(Deserialize, ToSchema)]
pub struct Disbursement {
    /// Whole yuan, at most what is left of the grant.
    pub amount: i64,
    /// `YYYY-MM-DD`.
    pub paid_on: String,
    pub note: Option<String>,
}

/// Records a payment of a grant (region administrators over the call).
#[utoipa::path(post, path = "/api/v1/funding/applications/{id}/disbursements", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path)), request_body = Disbursement,
    responses((status = 201, body = ApplicationView), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn disburse(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<Disbursement>,
) -> ApiResult<(StatusCode, Json<ApplicationView>)> {
    let application = funding::disburse(
        &state,
        &current,
        parse_id(&id, "application")?,
        request.amount,
        &request.paid_on,
        request.note.as_deref().unwrap_or(""),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(application_view(&application))))
}

#[derive(Deserialize, IntoParams)]
pub struct TotalsFilter {
    /// Default: the reader's scope.
    pub region: Option<String>,
    /// Default: this year.
    pub year: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct TotalsRow {
    pub mode: String,
    pub calls: i64,
    pub budget: i64,
    pub granted: i64,
    pub granted_projects: i64,
    pub disbursed: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TotalsView {
    pub items: Vec<TotalsRow>,
}

fn totals_row(totals: &FundingTotals) -> TotalsRow {
    TotalsRow {
        mode: totals.mode.clone(),
        calls: totals.calls,
        budget: totals.budget_yuan,
        granted: totals.granted_yuan,
        granted_projects: totals.granted_projects,
        disbursed: totals.disbursed_yuan,
    }
}

/// The totals per mode of a year's calls in a region (its administrators).
#[utoipa::path(get, path = "/api/v1/funding/totals", tag = "funding", security(("bearer" = [])), params(TotalsFilter),
    responses((status = 200, body = TotalsView), (status = 403, body = crate::error::Problem)))]
pub async fn totals(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(filter): ApiQuery<TotalsFilter>,
) -> ApiResult<Json<TotalsView>> {
    let totals = funding::totals(&state, &current, filter.region.as_deref(), filter.year).await?;
    Ok(Json(TotalsView {
        items: totals.iter().map(totals_row).collect(),
    }))
}
