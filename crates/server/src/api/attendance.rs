//! Attendance and hours: the rotating check-in code (JSON and SVG), check-in
//! and check-out by QR, GPS or the organizer's hand, supervision pings,
//! hours entered by hand, a volunteer's hours and star level, and the
//! organizer's confirmation, refusal and revocation of records.

use crate::api::activities::{load_activity, parse_instant, require_organizer};
use crate::api::rfc3339;
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
use zhiyuan_domain::attendance::{self, Claim, check_takes_attendance, judge};
use zhiyuan_domain::checkin_token::{self, AttendanceKind, GRACE_STEPS, STEP_SECONDS};
use zhiyuan_domain::confirmation::{
    Confirmer, HandEntryFacts, check_hand_entry, decide_confirmation, needs_second_approval,
};
use zhiyuan_domain::geo::Fix;
use zhiyuan_domain::hours::{Interval, StarTable, hours_of};
use zhiyuan_domain::record::{HourKind, RecordState, check_evidence, check_hand_slots};
use zhiyuan_domain::setting::{self, SECOND_APPROVAL_HOURS, STAR_HOURS};
use zhiyuan_domain::signup::SignupStatus;
use zhiyuan_domain::supervision::Ping;
use zhiyuan_domain::volunteer::check_reason;
use zhiyuan_store::activities::Activity;
use zhiyuan_store::attendance::AttendanceWrite;
use zhiyuan_store::parse_id;
use zhiyuan_store::records::{RecordView, ServiceRecord};
use zhiyuan_store::review::HandEntry;
use zhiyuan_store::volunteers::Volunteer;

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

/// The current code of activity `id` for its organizers (the API and the board page).
pub async fn issue_code(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
    query: &CodeQuery,
) -> ApiResult<CheckinCode> {
    let activity = load_activity(state, id).await?;
    require_organizer(state, &current.actor, &activity).await?;
    if !activity.plan().rules.allows(CheckinMethod::Qr) {
        return Err(RuleError::new(
            "checkin_method_not_allowed",
            "this activity does not take QR attendance",
        )
        .into());
    }
    let issued = checkin_token::issue(&state.token_key(), activity.id, kind_of(query)?, state.now());
    Ok(CheckinCode {
        url: format!("/c/{}", issued.token),
        token: issued.token,
        expires_at: rfc3339(issued.rotates_at.timestamp_millis()),
        step_seconds: STEP_SECONDS,
        grace_steps: GRACE_STEPS,
    })
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
    Ok(Json(issue_code(&state, &current, &id, &query).await?))
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
    let code = issue_code(&state, &current, &id, &query).await?;
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
    let (record, kind, offline) = take_attendance(&state, &current, &activity, &request).await?;
    Ok((StatusCode::CREATED, Json(attendance_result(&record, kind, offline))))
}

/// The check-in rules applied to one request, shared by the API and the
/// check-in page.
pub async fn take_attendance(
    state: &AppState,
    current: &CurrentUser,
    activity: &Activity,
    request: &AttendanceRequest,
) -> ApiResult<(ServiceRecord, AttendanceKind, bool)> {
    check_takes_attendance(activity.state())?;
    let kind = AttendanceKind::parse(&request.kind)?;
    let method = CheckinMethod::parse(&request.method).map_err(|e| e.on("method"))?;
    let volunteer_id = if method == CheckinMethod::Manual {
        require_organizer(state, &current.actor, activity).await?;
        let raw = request
            .volunteer_id
            .as_deref()
            .ok_or_else(|| RuleError::new("volunteer_required", "name the volunteer").on("volunteer_id"))?;
        // Attendance by the organizer's hand is hand entry: a verified
        // organization, never for oneself, an approved sign-up (no exception).
        let (volunteer, _) = check_entry_by_hand(state, current, activity, parse_id(raw, "volunteer")?, None).await?;
        volunteer.id
    } else {
        current
            .volunteer_id()
            .ok_or_else(|| RuleError::new("volunteer_required", "only registered volunteers check in"))?
    };
    let received = state.now();
    let at = match request.at.as_deref().filter(|a| !a.is_empty()) {
        Some(raw) => parse_instant(raw, "at")?,
        None => received,
    };
    let fix = if request.lat.is_some() || request.lon.is_some() {
        Some(Fix::from_parts(request.lat, request.lon, request.accuracy_m)?)
    } else {
        None
    };
    let claim = Claim {
        kind,
        method,
        at,
        received,
        token: request.token.as_deref(),
        fix,
        reason: request.reason.as_deref(),
    };
    let accepted = judge(&activity.plan(), activity.id, &state.token_key(), &claim)?;
    let device_id = attendance::device_id(request.device_id.as_deref());
    let offline = accepted.offline;
    let write = AttendanceWrite {
        activity_id: activity.id,
        volunteer_id,
        kind,
        method,
        claimed_at: accepted.at.timestamp_millis(),
        received_at: received.timestamp_millis(),
        accepted,
        fix,
        device_id,
        by_user: current.user.id,
    };
    let record = state.store.record_attendance(&write, activity).await?;
    Ok((record, kind, offline))
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
    let volunteer_id = current
        .volunteer_id()
        .ok_or_else(|| RuleError::new("volunteer_required", "only registered volunteers send pings"))?;
    let volunteer = state
        .store
        .volunteer(volunteer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("volunteer"))?;
    if volunteer.location_consent_at.is_none() {
        return Err(RuleError::new(
            "consent_required",
            "location tracks need your separate consent (PUT /volunteers/{id}/consents)",
        )
        .into());
    }
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
    let activity = load_activity(&state, &id).await?;
    let device_id = attendance::device_id(request.device_id.as_deref());
    let stored = state
        .store
        .add_pings(activity.id, volunteer_id, &pings, device_id.as_deref(), state.now_ms())
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
    let activity = load_activity(&state, &id).await?;
    require_organizer(&state, &current.actor, &activity).await?;
    let records = state.store.records_of_activity(activity.id).await?;
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
    let activity = load_activity(&state, &id).await?;
    require_organizer(&state, &current.actor, &activity).await?;
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
    let entry = HandEntryForm {
        volunteer_id,
        slots: &slots,
        reason: &request.reason,
        exception: request.exception.as_deref(),
        evidence,
    };
    let records = enter_hand_hours(&state, &current, &activity, entry).await?;
    Ok((StatusCode::CREATED, Json(records.iter().map(record_entry).collect())))
}

/// Reads the facts of an entry by the organizer's hand (hours, or a sign-in
/// or sign-out) for volunteer `volunteer_id` and lets
/// `confirmation::check_hand_entry` judge them; yields the volunteer and the
/// exception when one was needed.
async fn check_entry_by_hand(
    state: &AppState,
    current: &CurrentUser,
    activity: &Activity,
    volunteer_id: i64,
    exception: Option<&str>,
) -> ApiResult<(Volunteer, Option<String>)> {
    let volunteer = state
        .store
        .volunteer(volunteer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("volunteer"))?;
    let organization_verified = state
        .store
        .organization(activity.organization_id)
        .await?
        .is_some_and(|o| o.is_verified());
    let signup = state.store.signup_of(activity.id, volunteer.id).await?;
    let exception = check_hand_entry(&HandEntryFacts {
        organization_verified,
        activity_state: activity.state(),
        signup: signup.and_then(|s| SignupStatus::parse(&s.status).ok()),
        exception,
        for_themself: volunteer.user_id == current.user.id,
    })?;
    Ok((volunteer, exception))
}

/// One hand entry as the API or the hand-entry page received it.
pub struct HandEntryForm<'a> {
    pub volunteer_id: i64,
    pub slots: &'a [Interval],
    pub reason: &'a str,
    pub exception: Option<&'a str>,
    /// The decoded evidence file, or why it could not be read (judged after
    /// the slots and the reason).
    pub evidence: Result<Vec<u8>, RuleError>,
}

/// The rules of hand entry, shared by the API and the hand-entry page: an
/// organizer of the activity, who is not the volunteer, of a verified
/// organization, on a published activity, for a volunteer with an approved
/// sign-up or a named exception (`confirmation::check_hand_entry`); 1 to 10
/// slots inside its dates and not in the future, a reason, and an evidence
/// file (JPEG, PNG or PDF of at most 5 MB). The records wait for a region
/// administrator's approval before they count.
pub async fn enter_hand_hours(
    state: &AppState,
    current: &CurrentUser,
    activity: &Activity,
    form: HandEntryForm<'_>,
) -> ApiResult<Vec<RecordView>> {
    require_organizer(state, &current.actor, activity).await?;
    let (volunteer, exception) =
        check_entry_by_hand(state, current, activity, form.volunteer_id, form.exception).await?;
    check_hand_slots(form.slots, activity.window(), state.now())?;
    let reason = check_reason(form.reason, true, "reason")?;
    let evidence = form.evidence?;
    let evidence_type = check_evidence(&evidence)?;
    let entry = HandEntry {
        activity_id: activity.id,
        volunteer_id: volunteer.id,
        slots: form.slots.to_vec(),
        reason,
        exception,
        evidence,
        evidence_type,
    };
    let records = state
        .store
        .enter_hours(&entry, activity, current.user.id, state.now_ms())
        .await?;
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    Ok(state.store.record_views(&ids).await?)
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
    let volunteer_id = parse_id(&id, "volunteer")?;
    let volunteer = state
        .store
        .volunteer(volunteer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("volunteer"))?;
    let member_of: Vec<String> = state
        .store
        .active_organizations_of(volunteer_id)
        .await?
        .iter()
        .map(i64::to_string)
        .collect();
    if !current
        .actor
        .may_read_volunteer(&volunteer_id.to_string(), &volunteer.region_path, &member_of)
    {
        return Err(ApiError::forbidden());
    }
    Ok(Json(hours_view(&state, volunteer_id).await?))
}

/// The star-level table: the `star_hours` setting, else the national
/// 100/300/600/1000/1500 hours. A setting that does not parse is ignored
/// with a warning (`zhiyuan setting` refuses to store one).
pub async fn star_table(state: &AppState) -> ApiResult<StarTable> {
    let Some(raw) = state.store.setting(STAR_HOURS).await? else {
        return Ok(StarTable::default());
    };
    Ok(StarTable::parse(&raw).unwrap_or_else(|error| {
        tracing::warn!(%error, setting = raw, "star_hours setting ignored");
        StarTable::default()
    }))
}

pub async fn hours_view(state: &AppState, volunteer_id: i64) -> ApiResult<HoursView> {
    let hours = state.store.hours_of_volunteer(volunteer_id, 500).await?;
    let stars = star_table(state).await?;
    let effective = hours.credit_minutes + hours.honor_minutes;
    Ok(HoursView {
        effective_hours: hours_of(effective),
        credit_hours: hours_of(hours.credit_minutes),
        honor_hours: hours_of(hours.honor_minutes),
        star_level: stars.level(effective),
        hours_to_next_star: stars.hours_to_next(effective),
        records: hours.records.iter().map(record_entry).collect(),
    })
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
    let to = match action.as_str() {
        "confirm" => RecordState::Effective,
        "refuse" => RecordState::Refused,
        "revoke" => RecordState::Revoked,
        _ => return Err(ApiError::not_found("action")),
    };
    // The body is optional: confirming needs none.
    let decision: RecordDecision = if body.iter().all(u8::is_ascii_whitespace) {
        RecordDecision::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request("malformed_json", e.to_string()))?
    };
    let view = change_record_state(&state, &current, &id, to, decision.reason.as_deref().unwrap_or("")).await?;
    Ok(Json(record_entry(&view)))
}

/// The second-approval threshold in whole hours (the
/// `second_approval_hours` setting, else the default).
pub async fn second_approval_hours(state: &AppState) -> ApiResult<u32> {
    let stored = state.store.setting(SECOND_APPROVAL_HOURS).await?;
    Ok(setting::second_approval_hours(stored.as_deref()))
}

/// Moves record `id` to state `to` (the API and the review page).
/// Confirming is decided by `confirmation::decide_confirmation`: an
/// organizer of a verified organization, never the volunteer themself, and
/// for honor hours and hours entered by hand above the threshold, a region
/// administrator's second approval. Refusing and revoking are the
/// organizers', with a reason.
pub async fn change_record_state(
    state: &AppState,
    current: &CurrentUser,
    id: &str,
    to: RecordState,
    reason: &str,
) -> ApiResult<RecordView> {
    let id = parse_id(id, "service record")?;
    let record = state.store.require_record(id).await?;
    let organization = state
        .store
        .organization(record.organization_id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    let organizer = current
        .actor
        .administers_organization(&organization.id.to_string(), &organization.region_path);
    if to == RecordState::Effective {
        let threshold = second_approval_hours(state).await?;
        let by = Confirmer {
            user: current.user.id,
            organizer,
            region_admin: current.actor.administers_region(&record.region_path),
        };
        state
            .store
            .confirm_record(id, Some(current.user.id), state.now_ms(), |facts| {
                decide_confirmation(facts, by, threshold)
            })
            .await?;
    } else {
        if !organizer {
            return Err(ApiError::forbidden());
        }
        let reason = check_reason(reason, true, "reason")?;
        state
            .store
            .change_record(id, to, &reason, current.user.id, state.now_ms())
            .await?;
    }
    let view = state.store.record_views(&[id]).await?.pop();
    view.ok_or_else(|| ApiError::not_found("service record"))
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
    let records = awaiting_approval_for(&state, &current, filter.region.as_deref()).await?;
    Ok(Json(records.iter().map(record_entry).collect()))
}

/// The records of region `region` (default: the caller's admin scope) that
/// wait for a region administrator's approval (the API and the
/// supervision page).
pub async fn awaiting_approval_for(
    state: &AppState,
    current: &CurrentUser,
    region: Option<&str>,
) -> ApiResult<Vec<RecordView>> {
    let path = crate::api::volunteers::admin_region_path(state, &current.actor, region).await?;
    let threshold = second_approval_hours(state).await?;
    let candidates = state.store.records_for_second_approval(&path, 200).await?;
    Ok(candidates
        .into_iter()
        .filter(|r| {
            let kind = HourKind::parse(&r.hour_kind).unwrap_or(HourKind::Honor);
            needs_second_approval(kind, r.entered_by.is_some(), r.minutes, threshold)
        })
        .collect())
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
    let records = flagged_for(&state, &current, filter.region.as_deref()).await?;
    Ok(Json(records.iter().map(record_entry).collect()))
}

/// The flagged records of region `region` (default: the caller's admin
/// scope) for a region administrator (the API and the supervision page).
pub async fn flagged_for(state: &AppState, current: &CurrentUser, region: Option<&str>) -> ApiResult<Vec<RecordView>> {
    let path = crate::api::volunteers::admin_region_path(state, &current.actor, region).await?;
    Ok(state.store.flagged_records(&path, 200).await?)
}
