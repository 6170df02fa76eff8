//! Reports of a missing or wrong service record: a volunteer files one on
//! an activity they signed up for; the organization that runs it resolves
//! or rejects it with an answer. Fixing the hours themselves goes through
//! the ordinary paths (manual attendance, hand entry, revocation), so the
//! ledger records every change in the usual way. These handlers parse and
//! render; `app::reports` checks and decides.

use crate::api::rfc3339;
use crate::app::reports::{self, ReportDraft, answer_action};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::record::{ReportKind, ReportState};
use zhiyuan_store::parse_id;
use zhiyuan_store::reports::RecordReport;

#[derive(Deserialize, ToSchema)]
pub struct ReportRequest {
    /// `missing` or `wrong`.
    pub kind: String,
    /// The wrong record (only with `wrong`).
    pub record_id: Option<String>,
    /// What happened, 2 to 500 characters.
    pub detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportView {
    pub id: String,
    pub volunteer_id: String,
    pub volunteer_name: String,
    pub activity_id: String,
    pub activity_title: String,
    pub organization_id: String,
    pub record_id: Option<String>,
    /// `missing` or `wrong`.
    pub kind: String,
    pub detail: String,
    /// `open`, `resolved` or `rejected`.
    pub state: String,
    pub created_at: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
}

pub fn report_view(report: &RecordReport) -> ReportView {
    ReportView {
        id: report.id.to_string(),
        volunteer_id: report.volunteer_id.to_string(),
        volunteer_name: report.volunteer_name.clone(),
        activity_id: report.activity_id.to_string(),
        activity_title: report.activity_title.clone(),
        organization_id: report.organization_id.to_string(),
        record_id: report.record_id.map(|id| id.to_string()),
        kind: report.kind.clone(),
        detail: report.detail.clone(),
        state: report.state.clone(),
        created_at: rfc3339(report.created_at),
        answer: report.answer.clone(),
        answered_at: report.answered_at.map(rfc3339),
    }
}

/// A volunteer reports a missing record, or a wrong one of theirs, on an
/// activity they signed up for. One open report per activity and record.
#[utoipa::path(post, path = "/api/v1/activities/{id}/record-reports", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = ReportRequest,
    responses((status = 201, body = ReportView), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn file(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ReportRequest>,
) -> ApiResult<(StatusCode, Json<ReportView>)> {
    let kind = ReportKind::parse(&request.kind).map_err(|e| e.on("kind"))?;
    let record_id = match request.record_id.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(raw) => Some(parse_id(raw, "service record")?),
        None => None,
    };
    let draft = ReportDraft {
        kind,
        record_id,
        detail: &request.detail,
    };
    let report = reports::file(&state, &current, parse_id(&id, "activity")?, &draft).await?;
    Ok((StatusCode::CREATED, Json(report_view(&report))))
}

/// The caller's own reports, newest first.
#[utoipa::path(get, path = "/api/v1/me/record-reports", tag = "attendance", security(("bearer" = [])),
    responses((status = 200, body = [ReportView])))]
pub async fn mine(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<Vec<ReportView>>> {
    let reports = reports::mine(&state, &current).await?;
    Ok(Json(reports.iter().map(report_view).collect()))
}

#[derive(Deserialize, IntoParams)]
pub struct ReportFilter {
    /// `open`, `resolved` or `rejected`; all when absent.
    pub state: Option<String>,
}

/// An organization's reports, oldest first (its admins and the region
/// administrators above it).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/record-reports", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path), ReportFilter),
    responses((status = 200, body = [ReportView]), (status = 403, body = crate::error::Problem)))]
pub async fn of_organization(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(filter): ApiQuery<ReportFilter>,
) -> ApiResult<Json<Vec<ReportView>>> {
    let organization_id = parse_id(id.trim(), "organization")?;
    let wanted = match filter.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(ReportState::parse(raw).map_err(|e| e.on("state"))?),
        None => None,
    };
    let reports = reports::of_organization(&state, &current, organization_id, wanted).await?;
    Ok(Json(reports.iter().map(report_view).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct ReportAnswer {
    /// What was done, or why nothing will be: 2 to 500 characters.
    pub answer: String,
}

/// Resolves or rejects an open report (the activity's organizers), once.
#[utoipa::path(post, path = "/api/v1/record-reports/{id}/{action}", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path), ("action" = String, Path, description = "resolve or reject")),
    request_body = ReportAnswer,
    responses((status = 200, body = ReportView), (status = 422, body = crate::error::Problem)))]
pub async fn answer(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((id, action)): Path<(String, String)>,
    ApiJson(request): ApiJson<ReportAnswer>,
) -> ApiResult<Json<ReportView>> {
    let to = answer_action(&action)?;
    let answered = reports::answer(&state, &current, parse_id(&id, "report")?, to, &request.answer).await?;
    Ok(Json(report_view(&answered)))
}
