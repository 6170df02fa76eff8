//! Attendance and hours over JSON: the rotating check-in code (JSON and
//! SVG), check-in and check-out by QR, GPS or the organizer's hand,
//! supervision pings, hours entered by hand, a volunteer's hours and star
//! level, and the organizer's confirmation, refusal and revocation of
//! records. Each handler parses its input, calls `app::attendance` and
//! renders the answer.

use crate::api::rfc3339;
use crate::app::activities;
use crate::app::attendance::{self as app, CheckIn, HandHours, HoursSummary};
use crate::app::input::{parse_instant, record_action};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::RuleError;
use zhiyuan_domain::activity::CheckinMethod;
use zhiyuan_domain::checkin_token::{AttendanceKind, GRACE_STEPS, STEP_SECONDS};
use zhiyuan_domain::geo::Fix;
use zhiyuan_domain::hours::{Interval, hours_of};
use zhiyuan_domain::supervision::Ping;
use zhiyuan_store::parse_id;
use zhiyuan_store::records::{RecordView, ServiceRecord};

#[derive(Deserialize, IntoParams)]
pub struct CodeQuery {
    /// `in` (default) or `out`.
    pub kind: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckinCode {
    pub token: String,
    /// The URL path the QR code encodes: `/c/TOKEN`.
    pub url: String,
    /// When the screen should show the next code; the code is accepted one step longer.
    pub expires_at: String,
    pub step_seconds: i64,
    pub grace_steps: i64,
}

fn kind_of(query: &CodeQuery) -> Result<AttendanceKind, RuleError> {
    AttendanceKind::parse(query.kind.as_deref().unwrap_or("in"))
}

/// The current check-in code of an activity (organizers); it rotates every 30 s.
#[utoipa::path(get, path = "/api/v1/activities/{id}/checkin-code", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path), CodeQuery), responses((status = 200, body = CheckinCode), (status = 403, body = crate::error::Problem)))]
pub async fn checkin_code(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<CodeQuery>,
) -> ApiResult<Json<CheckinCode>> {
    Ok(Json(code_of(&state, &current, &id, &query).await?))
}

/// The current code as the API shows it.
async fn code_of(state: &AppState, current: &CurrentUser, id: &str, query: &CodeQuery) -> ApiResult<CheckinCode> {
    let issued = app::issue_code(state, current, parse_id(id, "activity")?, kind_of(query)?).await?;
    Ok(CheckinCode {
        url: format!("/c/{}", issued.token),
        token: issued.token,
        expires_at: rfc3339(issued.rotates_at.timestamp_millis()),
        step_seconds: STEP_SECONDS,
        grace_steps: GRACE_STEPS,
    })
}

/// The current check-in code as an SVG QR code of the absolute URL `/c/TOKEN`.
#[utoipa::path(get, path = "/api/v1/activities/{id}/checkin-code.svg", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path), CodeQuery), responses((status = 200, content_type = "image/svg+xml", body = String)))]
pub async fn checkin_code_svg(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<CodeQuery>,
) -> ApiResult<impl IntoResponse> {
    let code = code_of(&state, &current, &id, &query).await?;
    let svg = crate::qr::svg(&state.absolute_url(&code.url)).map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct AttendanceRequest {
    /// `in` or `out`.
    pub kind: String,
    /// `qr`, `gps`, `face` or `manual`.
    pub method: String,
    pub token: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    /// Face check-in (not available yet).
    pub photo: Option<String>,
    /// Manual entry by the organizer: whose attendance.
    pub volunteer_id: Option<String>,
    /// Manual entry: why (audited).
    pub reason: Option<String>,
    /// Offline check-in: when it happened (RFC 3339, at most 24 h ago; needs a token valid then).
    pub at: Option<String>,
    /// An identifier of the phone (supervision flags one device used by several volunteers).
    pub device_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordEntry {
    pub id: String,
    pub activity_id: String,
    pub activity_title: String,
    pub organization_id: String,
    pub organization_name: String,
    /// `credit` (attendance) or `honor` (entered by hand).
    pub hour_kind: String,
    /// `pending`, `effective`, `refused` or `revoked`.
    pub state: String,
    /// Signed in, not yet signed out.
    pub open: bool,
    pub from: String,
    pub to: String,
    pub hours: f64,
    pub service_day: String,
    /// Why the record was trimmed or closed the way it was.
    pub note: String,
    /// Supervision flags: `left_fence`, `impossible_speed`, `shared_device`.
    pub flags: Vec<String>,
    /// Entered by hand, or signed in or out by the organizer's hand.
    pub entered_by_hand: bool,
    /// The organization approved hours that wait for a region administrator's approval.
    pub organization_approved: bool,
}

pub fn record_entry(record: &RecordView) -> RecordEntry {
    RecordEntry {
        id: record.id.to_string(),
        activity_id: record.activity_id.to_string(),
        activity_title: record.activity_title.clone(),
        organization_id: record.organization_id.to_string(),
        organization_name: record.organization_name.clone(),
        hour_kind: record.hour_kind.clone(),
        state: record.state.clone(),
        open: record.is_open,
        from: rfc3339(record.from_at),
        to: rfc3339(record.to_at),
        hours: hours_of(record.minutes),
        service_day: record.service_day.clone(),
        note: record.note.clone(),
        flags: split_flags(&record.flags),
        entered_by_hand: record.entered_by.is_some(),
        organization_approved: record.first_approved_by.is_some(),
    }
}

fn split_flags(raw: &str) -> Vec<String> {
    raw.split(',').filter(|f| !f.is_empty()).map(str::to_string).collect()
}

#[derive(Serialize, ToSchema)]
pub struct AttendanceResult {
    pub record_id: String,
    pub kind: String,
    pub state: String,
    pub open: bool,
    pub hours: f64,
    pub note: String,
    pub flags: Vec<String>,
    pub offline: bool,
}

fn attendance_result(record: &ServiceRecord, kind: AttendanceKind, offline: bool) -> AttendanceResult {
    AttendanceResult {
        record_id: record.id.to_string(),
        kind: kind.as_str().to_string(),
        state: record.state.clone(),
        open: record.is_open,
        hours: hours_of(record.minutes),
        note: record.note.clone(),
        flags: split_flags(&record.flags),
        offline,
    }
}

/// Checks in or out. QR needs the current code (and, with a geofence, a
/// location inside it); GPS a location inside the fence with accuracy ≤ 100 m;
/// manual entry is the organizer's, with a reason. Refusals are 422 with
/// their code (`token_expired`, `token_replayed`, `out_of_geofence`,
/// `gps_inaccurate`, `not_signed_up`, `already_checked_in`,
/// `activity_cancelled`, ...).
#[utoipa::path(post, path = "/api/v1/activities/{id}/attendance", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = AttendanceRequest,
    responses((status = 201, body = AttendanceResult), (status = 422, body = crate::error::Problem)))]
pub async fn attendance(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AttendanceRequest>,
) -> ApiResult<(StatusCode, Json<AttendanceResult>)> {
    // Read on every check-in: the copy this process read in the last 2 s.
    let activity = state
        .store
        .recent_activity(parse_id(&id, "activity")?)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    let kind = AttendanceKind::parse(&request.kind)?;
    let fix = if request.lat.is_some() || request.lon.is_some() {
        Some(Fix::from_parts(request.lat, request.lon, request.accuracy_m)?)
    } else {
        None
    };
    let command = CheckIn {
        kind,
        method: CheckinMethod::parse(&request.method).map_err(|e| e.on("method"))?,
        token: request.token.as_deref(),
        fix,
        at: match request.at.as_deref().filter(|a| !a.is_empty()) {
            Some(raw) => Some(parse_instant(raw, "at")?),
            None => None,
        },
        volunteer_id: match request.volunteer_id.as_deref() {
            Some(raw) => Some(parse_id(raw, "volunteer")?),
            None => None,
        },
        reason: request.reason.as_deref(),
        device_id: request.device_id.as_deref(),
    };
    let done = app::check_in(&state, &current, &activity, &command).await?;
    Ok((
        StatusCode::CREATED,
        Json(attendance_result(&done.record, kind, done.offline)),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PingRequest {
    pub pings: Vec<PingEntry>,
    pub device_id: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct PingEntry {
    /// RFC 3339.
    pub at: String,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
}

#[derive(Serialize, ToSchema)]
pub struct PingResult {
    pub stored: usize,
}

/// Location pings during service (GPS supervision); needs the volunteer's
/// location consent and an open sign-in. 1 to 500 pings per request, each
/// between the sign-in and now (`supervision::check_pings`).
#[utoipa::path(post, path = "/api/v1/activities/{id}/pings", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = PingRequest,
    responses((status = 201, body = PingResult), (status = 422, body = crate::error::Problem)))]
pub async fn pings(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<PingRequest>,
) -> ApiResult<(StatusCode, Json<PingResult>)> {
    let pings = request
        .pings
        .iter()
        .map(|p| {
            Ok(Ping {
                at: parse_instant(&p.at, "at")?,
                fix: Fix::from_parts(Some(p.lat), Some(p.lon), Some(p.accuracy_m))?,
            })
        })
        .collect::<Result<Vec<_>, RuleError>>()?;
    let stored = app::add_pings(
        &state,
        &current,
        parse_id(&id, "activity")?,
        &pings,
        request.device_id.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(PingResult { stored })))
}

/// The records of an activity (organizers): the live board and review list.
#[utoipa::path(get, path = "/api/v1/activities/{id}/records", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = [RecordEntry]), (status = 403, body = crate::error::Problem)))]
pub async fn activity_records(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RecordEntry>>> {
    let records = app::records_of_activity(&state, &current, parse_id(&id, "activity")?).await?;
    Ok(Json(records.iter().map(record_entry).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct HandEntryRequest {
    pub volunteer_id: String,
    /// 1 to 10 slots, each inside one day and the activity's dates, none in the future.
    pub slots: Vec<SlotRequest>,
    pub reason: String,
    /// Base64 of a JPEG, PNG or PDF of at most 5 MB.
    pub evidence: String,
    /// Why the volunteer served without an approved sign-up (a named
    /// exception, at most 200 characters); needed only then.
    pub exception: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct SlotRequest {
    pub from: String,
    pub to: String,
}

/// Enters honor hours by hand (organizers), with a reason and evidence.
#[utoipa::path(post, path = "/api/v1/activities/{id}/hours", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = HandEntryRequest,
    responses((status = 201, body = [RecordEntry]), (status = 422, body = crate::error::Problem)))]
pub async fn enter_hours(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<HandEntryRequest>,
) -> ApiResult<(StatusCode, Json<Vec<RecordEntry>>)> {
    let activity = activities::organized_activity(&state, &current.actor, parse_id(&id, "activity")?).await?;
    let volunteer_id = parse_id(&request.volunteer_id, "volunteer")?;
    let slots = request
        .slots
        .iter()
        .map(|s| {
            Ok(Interval::new(
                parse_instant(&s.from, "slots")?,
                parse_instant(&s.to, "slots")?,
            ))
        })
        .collect::<Result<Vec<_>, RuleError>>()?;
    let evidence = base64::engine::general_purpose::STANDARD
        .decode(request.evidence.trim())
        .map_err(|_| RuleError::new("evidence_invalid", "evidence must be base64").on("evidence"));
    let entry = HandHours {
        volunteer_id,
        slots: &slots,
        reason: &request.reason,
        exception: request.exception.as_deref(),
        evidence,
    };
    let records = app::enter_hand_hours(&state, &current, &activity, entry).await?;
    Ok((StatusCode::CREATED, Json(records.iter().map(record_entry).collect())))
}

#[derive(Serialize, ToSchema)]
pub struct HoursView {
    /// Credit plus honor hours of effective records.
    pub effective_hours: f64,
    pub credit_hours: f64,
    pub honor_hours: f64,
    /// 0 to 5.
    pub star_level: u8,
    /// Hours still needed for the next star, if any.
    pub hours_to_next_star: Option<f64>,
    pub records: Vec<RecordEntry>,
}

/// A volunteer's hours, star level and records (the volunteer, region
/// admins over them, admins of their organizations).
#[utoipa::path(get, path = "/api/v1/volunteers/{id}/hours", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = HoursView), (status = 403, body = crate::error::Problem)))]
pub async fn volunteer_hours(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<HoursView>> {
    let summary = app::volunteer_hours(&state, &current, parse_id(&id, "volunteer")?).await?;
    Ok(Json(hours_view(summary)))
}

/// The API's view of a volunteer's hours.
pub fn hours_view(summary: HoursSummary) -> HoursView {
    HoursView {
        effective_hours: hours_of(summary.effective_minutes()),
        credit_hours: hours_of(summary.credit_minutes),
        honor_hours: hours_of(summary.honor_minutes),
        star_level: summary.star_level,
        hours_to_next_star: summary.hours_to_next_star,
        records: summary.records.iter().map(record_entry).collect(),
    }
}

#[derive(Deserialize, ToSchema, Default)]
pub struct RecordDecision {
    /// Required to refuse or revoke.
    pub reason: Option<String>,
}

/// Confirms, refuses or revokes a service record (organizers of its
/// activity); every change is a new ledger entry.
#[utoipa::path(post, path = "/api/v1/service-records/{id}/{action}", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path), ("action" = String, Path, description = "confirm, refuse or revoke")),
    request_body(content = Option<RecordDecision>),
    responses((status = 200, body = RecordEntry), (status = 422, body = crate::error::Problem)))]
pub async fn decide_record(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<Json<RecordEntry>> {
    let to = record_action(&action)?;
    // The body is optional: confirming needs none.
    let decision: RecordDecision = if body.iter().all(u8::is_ascii_whitespace) {
        RecordDecision::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request("malformed_json", e.to_string()))?
    };
    let record_id = parse_id(&id, "service record")?;
    let view = app::change_record_state(
        &state,
        &current,
        record_id,
        to,
        decision.reason.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(record_entry(&view)))
}

/// Records waiting for a region administrator's second approval in a
/// region subtree: honor hours, and hours entered by hand above the
/// `second_approval_hours` threshold.
#[utoipa::path(get, path = "/api/v1/service-records/awaiting-approval", tag = "attendance", security(("bearer" = [])),
    params(FlaggedFilter), responses((status = 200, body = [RecordEntry]), (status = 403, body = crate::error::Problem)))]
pub async fn awaiting_approval(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(filter): ApiQuery<FlaggedFilter>,
) -> ApiResult<Json<Vec<RecordEntry>>> {
    let records = app::awaiting_approval(&state, &current, filter.region.as_deref()).await?;
    Ok(Json(records.iter().map(record_entry).collect()))
}

#[derive(Deserialize, IntoParams)]
pub struct FlaggedFilter {
    /// Region code; defaults to the caller's admin scope.
    pub region: Option<String>,
}

/// Records flagged by supervision in a region subtree (region administrators).
#[utoipa::path(get, path = "/api/v1/service-records/flagged", tag = "attendance", security(("bearer" = [])),
    params(FlaggedFilter), responses((status = 200, body = [RecordEntry]), (status = 403, body = crate::error::Problem)))]
pub async fn flagged(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(filter): ApiQuery<FlaggedFilter>,
) -> ApiResult<Json<Vec<RecordEntry>>> {
    let records = app::flagged(&state, &current, filter.region.as_deref()).await?;
    Ok(Json(records.iter().map(record_entry).collect()))
}
