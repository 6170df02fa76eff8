//! Attendance pages: the check-in page a volunteer's phone opens from the
//! rotating QR code (`/c/TOKEN`, with `/static/checkin.js` filling in the
//! location), the organizer's live board with the code full screen (kept
//! fresh by `/static/board.js`, or a meta refresh without JavaScript), the
//! review of an activity's service records, and the volunteer's hours and
//! stars. The rules and checks are the application layer's
//! (`app::attendance`), which the API calls too.

use crate::app::activities;
use crate::app::attendance::{self as app, CheckIn};
use crate::app::input::record_action;
use crate::state::AppState;
use crate::web::i18n::{self, Texts};
use crate::web::page::{
    Layout, Page, PageError, PageForm, PageQuery, PageResult, RegionNames, check_session_csrf, china_span, china_time,
    filled, render, render_with,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use zhiyuan_domain::activity::CheckinMethod;
use zhiyuan_domain::checkin_token::{self, AttendanceKind, STEP_SECONDS};
use zhiyuan_domain::geo::Fix;
use zhiyuan_domain::hours::hours_of;
use zhiyuan_domain::record::RecordState;
use zhiyuan_store::activities::Activity;
use zhiyuan_store::parse_id;
use zhiyuan_store::records::RecordView;

/// How often the board fetches a new code and counts: a third of a code's life.
const BOARD_REFRESH_SECONDS: i64 = STEP_SECONDS / 3;
// A code is shown for one step: the board must fetch the next one well inside it.
const _: () = assert!(BOARD_REFRESH_SECONDS > 0 && BOARD_REFRESH_SECONDS * 2 < STEP_SECONDS);
/// How many of the latest check-ins the board lists.
const BOARD_LATEST: usize = 10;

/// What the check-in page says about the activity.
struct CheckinActivity {
    id: String,
    title: String,
    when: String,
    place: String,
    /// The activity has a geofence: the page asks for the phone's location.
    fenced: bool,
    radius_m: i64,
}

/// An accepted check-in or check-out.
struct Accepted {
    at: String,
    hours: Option<String>,
}

#[derive(Template)]
#[template(path = "checkin.html")]
struct CheckinPage {
    t: &'static Texts,
    layout: Layout,
    token: String,
    sign_out: bool,
    activity: CheckinActivity,
    csrf: String,
    accepted: Option<Accepted>,
    error: Option<&'static str>,
    /// The refusal is an expired or used code: scan again.
    rescan: bool,
}

async fn checkin_activity(state: &AppState, activity: &Activity) -> Result<CheckinActivity, PageError> {
    Ok(CheckinActivity {
        id: activity.id.to_string(),
        title: activity.title.clone(),
        when: china_span(activity.starts_at, activity.ends_at),
        place: RegionNames::default().label(state, &activity.region_code).await?,
        fenced: activity.radius_m > 0,
        radius_m: activity.radius_m,
    })
}

/// Reads the code in the URL: which activity, sign-in or sign-out.
async fn opened(state: &AppState, token: &str) -> Result<(Activity, AttendanceKind), PageError> {
    let claims = checkin_token::open(&state.token_key(), token).map_err(PageError::from)?;
    let activity = activities::activity(state, claims.activity_id).await?;
    Ok((activity, claims.kind))
}

/// To the login page, and back to the check-in page afterwards (the token
/// is base64url, safe in a query string as it is).
fn login_then_back(token: &str) -> axum::response::Response {
    Redirect::to(&format!("/login?next=/c/{token}")).into_response()
}

/// GET `/c/{token}`: the page the QR code opens (after logging in).
pub async fn checkin_form(page: Page, State(state): State<AppState>, Path(token): Path<String>) -> PageResult {
    let (activity, kind) = opened(&state, &token).await?;
    let Some(user) = &page.user else {
        return Ok(login_then_back(&token));
    };
    render(&CheckinPage {
        t: page.t,
        layout: page.layout(),
        sign_out: kind == AttendanceKind::Out,
        activity: checkin_activity(&state, &activity).await?,
        token,
        csrf: user.csrf_token.clone(),
        accepted: None,
        error: None,
        rescan: false,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckinForm {
    csrf: String,
    lat: String,
    lon: String,
    accuracy: String,
}

fn number(raw: &str) -> Option<f64> {
    filled(raw).and_then(|n| n.parse().ok())
}

/// POST `/c/{token}`: takes the attendance and shows the outcome.
pub async fn checkin(
    page: Page,
    State(state): State<AppState>,
    Path(token): Path<String>,
    PageForm(form): PageForm<CheckinForm>,
) -> PageResult {
    let (activity, kind) = opened(&state, &token).await?;
    let Some(user) = &page.user else {
        // The session ended while the page was open.
        return Ok(login_then_back(&token));
    };
    check_session_csrf(user, &form.csrf)?;
    let (lat, lon) = (number(&form.lat), number(&form.lon));
    let fix = (lat.is_some() || lon.is_some())
        .then(|| Fix::from_parts(lat, lon, number(&form.accuracy)))
        .transpose();
    let outcome = match fix {
        Ok(fix) => {
            let command = CheckIn {
                kind,
                method: CheckinMethod::Qr,
                token: Some(&token),
                fix,
                at: None,
                volunteer_id: None,
                reason: None,
                device_id: None,
            };
            app::check_in(&state, user, &activity, &command).await
        }
        Err(refused) => Err(refused.into()),
    };
    let (status, accepted, error, rescan) = match outcome {
        Ok(done) => {
            let hours = (kind == AttendanceKind::Out).then(|| format!("{:.1}", hours_of(done.record.minutes)));
            (
                StatusCode::OK,
                Some(Accepted {
                    at: china_time(state.now_ms()),
                    hours,
                }),
                None,
                false,
            )
        }
        Err(refused) if refused.status.is_client_error() => {
            let rescan = matches!(
                refused.code.as_str(),
                "token_expired" | "token_invalid" | "token_wrong_kind"
            );
            (
                refused.status,
                None,
                Some(i18n::problem(page.lang, &refused.code)),
                rescan,
            )
        }
        Err(failure) => return Err(failure.into()),
    };
    render_with(
        status,
        &CheckinPage {
            t: page.t,
            layout: page.layout(),
            sign_out: kind == AttendanceKind::Out,
            activity: checkin_activity(&state, &activity).await?,
            token,
            csrf: user.csrf_token.clone(),
            accepted,
            error,
            rescan,
        },
    )
}

struct LatestRow {
    name: String,
    sign_out: bool,
    at: String,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    t: &'static Texts,
    layout: Layout,
    id: String,
    title: String,
    when: String,
    sign_out: bool,
    /// The QR code as inline SVG (our own markup), or none when the
    /// activity takes no QR attendance.
    qr: Option<String>,
    url: String,
    refresh_seconds: i64,
    signed_up: i64,
    signed_in: usize,
    signed_out: usize,
    latest: Vec<LatestRow>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BoardQuery {
    /// `out` shows the sign-out code; anything else the sign-in code.
    kind: String,
}

/// `/activities/{id}/board`: the rotating code full screen and live counts
/// (the activity's organizers only).
pub async fn board(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<BoardQuery>,
) -> PageResult {
    let user = page.require_user()?;
    let activity = activities::organized_activity(&state, &user.actor, parse_id(&id, "activity")?).await?;
    let sign_out = query.kind == "out";
    let (qr, url) = if activity.plan().rules.allows(CheckinMethod::Qr) {
        let kind = if sign_out {
            AttendanceKind::Out
        } else {
            AttendanceKind::In
        };
        let code = app::issue_code(&state, user, activity.id, kind).await?;
        let url = state.absolute_url(&format!("/c/{}", code.token));
        (Some(crate::qr::svg(&url).map_err(PageError::internal)?), url)
    } else {
        (None, String::new())
    };
    let records = app::records_of_activity(&state, user, activity.id).await?;
    let credit: Vec<&RecordView> = records.iter().filter(|r| r.hour_kind == "credit").collect();
    let mut events: Vec<LatestRow> = Vec::new();
    let mut recent: Vec<(i64, &RecordView, bool)> = credit
        .iter()
        .flat_map(|r| std::iter::once((r.signed_in_at, *r, false)).chain(r.signed_out_at.map(|at| (at, *r, true))))
        .collect();
    recent.sort_by_key(|(at, r, _)| std::cmp::Reverse((*at, r.id)));
    for (at, record, out) in recent.into_iter().take(BOARD_LATEST) {
        events.push(LatestRow {
            name: record.volunteer_name.clone(),
            sign_out: out,
            at: china_time(at).get(11..).unwrap_or_default().to_string(),
        });
    }
    render(&BoardPage {
        t: page.t,
        layout: page.layout(),
        id: activity.id.to_string(),
        title: activity.title.clone(),
        when: china_span(activity.starts_at, activity.ends_at),
        sign_out,
        qr,
        url,
        refresh_seconds: BOARD_REFRESH_SECONDS,
        signed_up: activity.seats_taken,
        signed_in: credit.iter().filter(|r| r.is_open).count(),
        signed_out: credit.iter().filter(|r| !r.is_open).count(),
        latest: events,
    })
}

struct RecordRow {
    id: String,
    volunteer: String,
    volunteer_no: String,
    span: String,
    hours: String,
    kind: &'static str,
    state: &'static str,
    state_code: String,
    open: bool,
    note: String,
    flags: Vec<&'static str>,
    /// Pending and closed: may be confirmed or refused.
    decidable: bool,
    /// Effective: may be revoked.
    revocable: bool,
}

#[derive(Template)]
#[template(path = "records.html")]
struct RecordsPage {
    t: &'static Texts,
    layout: Layout,
    id: String,
    title: String,
    when: String,
    rows: Vec<RecordRow>,
    csrf: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecordsQuery {
    /// The decision just taken: `confirm`, `refuse` or `revoke`.
    done: String,
}

/// `/activities/{id}/records`: the records of an activity with the
/// confirm, refuse and revoke forms (its organizers only).
pub async fn records(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<RecordsQuery>,
) -> PageResult {
    let activity = activities::activity(&state, parse_id(&id, "activity")?).await?;
    let notice = match query.done.as_str() {
        "confirm" => Some(page.t.record_confirmed_notice),
        "approved_first" => Some(page.t.record_approved_first_notice),
        "refuse" => Some(page.t.record_refused_notice),
        "revoke" => Some(page.t.record_revoked_notice),
        "entered" => Some(page.t.hours_entered_notice),
        _ => None,
    };
    records_page(&page, &state, &activity, notice, None, StatusCode::OK).await
}

async fn records_page(
    page: &Page,
    state: &AppState,
    activity: &Activity,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    activities::require_organizer(state, &user.actor, activity).await?;
    let rows = state
        .store
        .records_of_activity(activity.id)
        .await?
        .into_iter()
        .map(|r| {
            let record_state = RecordState::parse(&r.state).unwrap_or(RecordState::Pending);
            RecordRow {
                id: r.id.to_string(),
                span: china_span(r.from_at, r.to_at),
                hours: format!("{:.1}", hours_of(r.minutes)),
                kind: i18n::hour_kind(page.lang, &r.hour_kind),
                state: i18n::record_state(page.lang, &r.state, r.is_open, r.first_approved_by.is_some()),
                open: r.is_open,
                decidable: !r.is_open && record_state == RecordState::Pending,
                revocable: record_state == RecordState::Effective,
                flags: r
                    .flags
                    .split(',')
                    .filter(|f| !f.is_empty())
                    .map(|f| i18n::record_flag(page.lang, f))
                    .collect(),
                note: r.note,
                state_code: r.state,
                volunteer: r.volunteer_name,
                volunteer_no: r.volunteer_no,
            }
        })
        .collect();
    render_with(
        status,
        &RecordsPage {
            t: page.t,
            layout: page.layout(),
            id: activity.id.to_string(),
            title: activity.title.clone(),
            when: china_span(activity.starts_at, activity.ends_at),
            rows,
            csrf: user.csrf_token.clone(),
            notice,
            error,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    reason: String,
}

/// POST `/records/{id}/{action}`: confirm, refuse or revoke a record.
pub async fn decide(
    page: Page,
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    PageForm(form): PageForm<DecisionForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let to = record_action(&action)?;
    let record_id = parse_id(&id, "service record")?;
    let record = state.store.require_record(record_id).await?;
    let activity = state.store.require_activity(record.activity_id).await?;
    match app::change_record_state(&state, user, record_id, to, &form.reason).await {
        Ok(view) => {
            // A confirmation that was the organization's first approval
            // leaves the record pending: say so.
            let done = if to == RecordState::Effective && view.state == RecordState::Pending.as_str() {
                "approved_first"
            } else {
                action.as_str()
            };
            Ok(Redirect::to(&format!("/activities/{}/records?done={done}", activity.id)).into_response())
        }
        Err(refused) if refused.status.is_client_error() => {
            let error = Some(i18n::problem(page.lang, &refused.code));
            records_page(&page, &state, &activity, None, error, refused.status).await
        }
        Err(failure) => Err(failure.into()),
    }
}

struct HoursRow {
    activity_id: String,
    title: String,
    organization: String,
    span: String,
    hours: String,
    kind: &'static str,
    state: &'static str,
    state_code: String,
}

#[derive(Template)]
#[template(path = "hours.html")]
struct HoursPage {
    t: &'static Texts,
    layout: Layout,
    volunteer: bool,
    effective: String,
    credit: String,
    honor: String,
    level: u8,
    stars: String,
    to_next: Option<String>,
    rows: Vec<HoursRow>,
}

/// Five stars, the first `level` filled.
fn stars(level: u8) -> String {
    let level = usize::from(level.min(5));
    format!("{}{}", "★".repeat(level), "☆".repeat(5 - level))
}

/// `/me/hours`: the volunteer's hours, star level and records.
pub async fn hours(page: Page, State(state): State<AppState>) -> PageResult {
    let user = page.require_user()?;
    if user.volunteer_id().is_none() {
        return render(&HoursPage {
            t: page.t,
            layout: page.layout(),
            volunteer: false,
            effective: String::new(),
            credit: String::new(),
            honor: String::new(),
            level: 0,
            stars: String::new(),
            to_next: None,
            rows: Vec::new(),
        });
    }
    let summary = app::my_hours(&state, user).await?;
    let rows = summary
        .records
        .iter()
        .map(|r| HoursRow {
            span: china_span(r.from_at, r.to_at),
            hours: format!("{:.1}", hours_of(r.minutes)),
            kind: i18n::hour_kind(page.lang, &r.hour_kind),
            state: i18n::record_state(page.lang, &r.state, r.is_open, r.first_approved_by.is_some()),
            activity_id: r.activity_id.to_string(),
            title: r.activity_title.clone(),
            organization: r.organization_name.clone(),
            state_code: r.state.clone(),
        })
        .collect();
    render(&HoursPage {
        t: page.t,
        layout: page.layout(),
        volunteer: true,
        effective: format!("{:.1}", hours_of(summary.effective_minutes())),
        credit: format!("{:.1}", hours_of(summary.credit_minutes)),
        honor: format!("{:.1}", hours_of(summary.honor_minutes)),
        level: summary.star_level,
        stars: stars(summary.star_level),
        to_next: summary.hours_to_next_star.map(|h| format!("{h:.1}")),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_show_the_level() {
        assert_eq!(stars(0), "☆☆☆☆☆");
        assert_eq!(stars(3), "★★★☆☆");
        assert_eq!(stars(9), "★★★★★");
    }

    #[test]
    fn locations_are_numbers_or_nothing() {
        assert_eq!(number(" 28.5 "), Some(28.5));
        assert_eq!(number(""), None);
        assert_eq!(number("north"), None);
    }
}
