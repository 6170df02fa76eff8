//! Record reports and the organizer's queues: a volunteer reports a missing
//! or wrong service record of an activity they signed up for and follows
//! the answers (`/me/reports`); an organization's admins answer the open
//! reports and see their records still pending past the inspection limit
//! (`/org/reports`); the organizer reviews pending sign-ups of an activity
//! (`/activities/{id}/signups`); region administrators watch the records
//! flagged by GPS supervision and the overdue ones in their region
//! (`/admin/records`). The rules and checks are the application layer's
//! (`app::reports`, `app::oversight`, `app::attendance`), which the API
//! calls too.

use crate::app::activities;
use crate::app::attendance;
use crate::app::input::signup_decision;
use crate::app::oversight::{self, OverdueOf};
use crate::app::reports::{self, ReportDraft, answer_action};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::i18n::{self, Lang, Texts};
use crate::web::page::{
    CsrfForm, DoneQuery, Layout, Page, PageError, PageForm, PageQuery, PageResult, check_session_csrf, china_span,
    china_time, explained, render, render_with,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use zhiyuan_domain::hours::hours_of;
use zhiyuan_domain::record::{ReportKind, ReportState};
use zhiyuan_store::parse_id;
use zhiyuan_store::records::RecordView;

/// How many reports a list shows.
const REPORTS_SHOWN: i64 = 200;

struct ReportRow {
    id: String,
    activity_id: String,
    activity: String,
    volunteer: String,
    kind: &'static str,
    record: String,
    detail: String,
    state: &'static str,
    state_code: String,
    filed: String,
    answer: Option<String>,
}

fn report_row(lang: Lang, r: zhiyuan_store::reports::RecordReport, records: &[RecordView]) -> ReportRow {
    let record = r
        .record_id
        .map(|id| {
            records
                .iter()
                .find(|v| v.id == id)
                .map_or_else(|| format!("#{id}"), |v| china_span(v.from_at, v.to_at))
        })
        .unwrap_or_default();
    ReportRow {
        id: r.id.to_string(),
        activity_id: r.activity_id.to_string(),
        activity: r.activity_title,
        volunteer: r.volunteer_name,
        kind: i18n::report_kind(lang, &r.kind),
        record,
        detail: r.detail,
        state: i18n::report_state(lang, &r.state),
        filed: china_time(r.created_at),
        answer: r.answer,
        state_code: r.state,
    }
}

#[derive(Template)]
#[template(path = "my_reports.html")]
struct MyReportsPage {
    t: &'static Texts,
    layout: Layout,
    volunteer: bool,
    rows: Vec<ReportRow>,
    notice: Option<&'static str>,
}

/// `/me/reports`: the volunteer's reports, newest first, with the answers.
pub async fn mine(page: Page, State(state): State<AppState>, PageQuery(query): PageQuery<DoneQuery>) -> PageResult {
    let user = page.require_user()?;
    let mut rows = Vec::new();
    if let Some(volunteer_id) = user.volunteer_id() {
        let records = state.store.hours_of_volunteer(volunteer_id, 500).await?.records;
        for report in state.store.reports_of_volunteer(volunteer_id, REPORTS_SHOWN).await? {
            rows.push(report_row(page.lang, report, &records));
        }
    }
    render(&MyReportsPage {
        t: page.t,
        layout: page.layout(),
        volunteer: user.volunteer_id().is_some(),
        rows,
        notice: (query.done == "filed").then_some(page.t.report_filed_notice),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    csrf: String,
    kind: String,
    record_id: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "report_form.html")]
struct ReportFormPage<'a> {
    t: &'static Texts,
    layout: Layout,
    id: String,
    title: String,
    when: String,
    /// The volunteer's records of this activity: (id, span and state).
    records: Vec<(String, String)>,
    form: &'a ReportForm,
    csrf: String,
    error: Option<&'static str>,
}

async fn report_form_page(
    page: &Page,
    state: &AppState,
    id: &str,
    form: &ReportForm,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    let activity = activities::activity(state, parse_id(id, "activity")?).await?;
    let records = match user.volunteer_id() {
        Some(volunteer_id) => state
            .store
            .hours_of_volunteer(volunteer_id, 500)
            .await?
            .records
            .into_iter()
            .filter(|r| r.activity_id == activity.id)
            .map(|r| {
                (
                    r.id.to_string(),
                    format!(
                        "{} · {:.1} {} · {}",
                        china_span(r.from_at, r.to_at),
                        hours_of(r.minutes),
                        page.t.hours_unit,
                        i18n::record_state(page.lang, &r.state, r.is_open, r.first_approved_by.is_some())
                    ),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    render_with(
        status,
        &ReportFormPage {
            t: page.t,
            layout: page.layout(),
            id: activity.id.to_string(),
            title: activity.title.clone(),
            when: china_span(activity.starts_at, activity.ends_at),
            records,
            form,
            csrf: user.csrf_token.clone(),
            error,
        },
    )
}

/// The report a filled-in form describes (a record only with `wrong`).
fn report_draft(form: &ReportForm) -> ApiResult<ReportDraft<'_>> {
    let kind = ReportKind::parse(&form.kind).map_err(|e| e.on("kind"))?;
    let record_id = match Some(form.record_id.trim()).filter(|r| kind == ReportKind::Wrong && !r.is_empty()) {
        Some(raw) => Some(parse_id(raw, "service record")?),
        None => None,
    };
    Ok(ReportDraft {
        kind,
        record_id,
        detail: &form.detail,
    })
}

/// `/activities/{id}/report`: the form to report a missing or wrong record.
pub async fn report_form(page: Page, State(state): State<AppState>, Path(id): Path<String>) -> PageResult {
    report_form_page(&page, &state, &id, &ReportForm::default(), None, StatusCode::OK).await
}

/// POST `/activities/{id}/report`: files the report; a refusal is explained
/// above the form, which keeps what was typed.
pub async fn file(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ReportForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let activity_id = parse_id(&id, "activity")?;
    let outcome = match report_draft(&form) {
        Ok(draft) => reports::file(&state, user, activity_id, &draft).await,
        Err(refused) => Err(refused),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/me/reports?done=filed").into_response()),
        Err(refused) => {
            let (error, status) = explained(page.lang, refused)?;
            report_form_page(&page, &state, &id, &form, Some(error), status).await
        }
    }
}

struct OverdueRow {
    activity_id: String,
    activity: String,
    organization: String,
    volunteer: String,
    span: String,
    hours: String,
    flags: Vec<&'static str>,
}

fn overdue_row(lang: Lang, r: &RecordView) -> OverdueRow {
    OverdueRow {
        activity_id: r.activity_id.to_string(),
        activity: r.activity_title.clone(),
        organization: r.organization_name.clone(),
        volunteer: format!("{} {}", r.volunteer_name, r.volunteer_no),
        span: china_span(r.from_at, r.to_at),
        hours: format!("{:.1}", hours_of(r.minutes)),
        flags: r
            .flags
            .split(',')
            .filter(|f| !f.is_empty())
            .map(|f| i18n::record_flag(lang, f))
            .collect(),
    }
}

struct OrganizationQueue {
    name: String,
    reports: Vec<ReportRow>,
    overdue: Vec<OverdueRow>,
}

#[derive(Template)]
#[template(path = "org_reports.html")]
struct OrgReportsPage {
    t: &'static Texts,
    layout: Layout,
    organizations: Vec<OrganizationQueue>,
    csrf: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

/// `/org/reports`: the open reports and overdue records of the
/// organizations the user runs.
pub async fn organizer(
    page: Page,
    State(state): State<AppState>,
    PageQuery(query): PageQuery<DoneQuery>,
) -> PageResult {
    let notice = match query.done.as_str() {
        "resolve" => Some(page.t.report_resolved_notice),
        "reject" => Some(page.t.report_rejected_notice),
        _ => None,
    };
    org_reports_page(&page, &state, notice, None, StatusCode::OK).await
}

async fn org_reports_page(
    page: &Page,
    state: &AppState,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    let mut organizations = Vec::new();
    for organization in activities::organizations_run(state, user).await? {
        let id = organization.id;
        let reports = state
            .store
            .reports_of_organization(id, Some(ReportState::Open), REPORTS_SHOWN)
            .await?;
        let ids: Vec<i64> = reports.iter().filter_map(|r| r.record_id).collect();
        let records = state.store.record_views(&ids).await?;
        let overdue = oversight::overdue(state, user, OverdueOf::Organization(id)).await?;
        organizations.push(OrganizationQueue {
            name: organization.name,
            reports: reports
                .into_iter()
                .map(|r| report_row(page.lang, r, &records))
                .collect(),
            overdue: overdue.iter().map(|r| overdue_row(page.lang, r)).collect(),
        });
    }
    if organizations.is_empty() {
        return Err(PageError::forbidden());
    }
    render_with(
        status,
        &OrgReportsPage {
            t: page.t,
            layout: page.layout(),
            organizations,
            csrf: user.csrf_token.clone(),
            notice,
            error,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    csrf: String,
    answer: String,
}

/// POST `/reports/{id}/{action}`: resolves or rejects a report with an answer.
pub async fn answer(
    page: Page,
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    PageForm(form): PageForm<AnswerForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let outcome = match (parse_id(&id, "report"), answer_action(&action)) {
        (Ok(report_id), Ok(to)) => reports::answer(&state, user, report_id, to, &form.answer).await,
        (Err(unknown), _) => Err(unknown.into()),
        (_, Err(unknown)) => Err(unknown),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/org/reports?done={action}")).into_response()),
        Err(refused) if refused.status.is_client_error() && refused.status != StatusCode::FORBIDDEN => {
            let error = Some(i18n::problem(page.lang, &refused.code));
            org_reports_page(&page, &state, None, error, refused.status).await
        }
        Err(failure) => Err(failure.into()),
    }
}

struct SignupRow {
    id: String,
    volunteer: String,
    volunteer_no: String,
    status: &'static str,
    code: String,
    updated: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "signups.html")]
struct SignupsPage {
    t: &'static Texts,
    layout: Layout,
    id: String,
    title: String,
    when: String,
    rows: Vec<SignupRow>,
    pending: usize,
    csrf: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

/// How many sign-ups the review lists (an activity's quota and waiting list fit).
const SIGNUPS_SHOWN: i64 = 200;

/// `/activities/{id}/signups`: the sign-ups of an activity, pending ones
/// first, with approve and reject (its organizers only).
pub async fn signups(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<DoneQuery>,
) -> PageResult {
    let notice = match query.done.as_str() {
        "approve" => Some(page.t.signup_approved_by_organizer),
        "reject" => Some(page.t.signup_rejected_by_organizer),
        _ => None,
    };
    signups_page(&page, &state, &id, notice, None, StatusCode::OK).await
}

async fn signups_page(
    page: &Page,
    state: &AppState,
    id: &str,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    let activity = activities::activity(state, parse_id(id, "activity")?).await?;
    activities::require_organizer(state, &user.actor, &activity).await?;
    let found = state
        .store
        .signups_of_activity(activity.id, None, SIGNUPS_SHOWN)
        .await?;
    let mut rows: Vec<SignupRow> = found
        .items
        .into_iter()
        .map(|s| SignupRow {
            id: s.id.to_string(),
            volunteer: s.volunteer_name,
            volunteer_no: s.volunteer_no,
            status: i18n::signup_status(page.lang, &s.status),
            pending: s.status == "pending",
            code: s.status,
            updated: china_time(s.updated_at),
        })
        .collect();
    rows.sort_by_key(|r| !r.pending);
    render_with(
        status,
        &SignupsPage {
            t: page.t,
            layout: page.layout(),
            id: activity.id.to_string(),
            title: activity.title.clone(),
            when: china_span(activity.starts_at, activity.ends_at),
            pending: rows.iter().filter(|r| r.pending).count(),
            rows,
            csrf: user.csrf_token.clone(),
            notice,
            error,
        },
    )
}

/// POST `/signups/{id}/{decision}`: approves or rejects a pending sign-up.
pub async fn decide_signup(
    page: Page,
    State(state): State<AppState>,
    Path((id, decision)): Path<(String, String)>,
    PageForm(form): PageForm<CsrfForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let signup_id = zhiyuan_store::parse_id(&id, "signup")?;
    let signup = state
        .store
        .signup(signup_id)
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "not_found"))?;
    let activity = signup.activity_id.to_string();
    let choice = signup_decision(&decision)?;
    match activities::decide_signup(&state, user, signup_id, choice).await {
        Ok(_) => Ok(Redirect::to(&format!("/activities/{activity}/signups?done={decision}")).into_response()),
        Err(refused)
            if refused.status.is_client_error()
                && refused.status != StatusCode::FORBIDDEN
                && refused.status != StatusCode::NOT_FOUND =>
        {
            let error = Some(i18n::problem(page.lang, &refused.code));
            signups_page(&page, &state, &activity, None, error, refused.status).await
        }
        Err(failure) => Err(failure.into()),
    }
}

#[derive(Template)]
#[template(path = "admin_records.html")]
struct AdminRecordsPage {
    t: &'static Texts,
    layout: Layout,
    awaiting: Vec<OverdueRow>,
    flagged: Vec<OverdueRow>,
    overdue: Vec<OverdueRow>,
}

/// `/admin/records`: records waiting for the region administrator's second
/// approval, supervision-flagged and overdue records in their subtree, with
/// links to each activity's review (where they approve).
pub async fn admin_records(page: Page, State(state): State<AppState>) -> PageResult {
    let user = page.require_user()?;
    if !user.actor.is_region_admin() {
        return Err(PageError::forbidden());
    }
    let awaiting = attendance::awaiting_approval(&state, user, None).await?;
    let flagged = attendance::flagged(&state, user, None).await?;
    let overdue = oversight::overdue(&state, user, OverdueOf::Region(None)).await?;
    render(&AdminRecordsPage {
        t: page.t,
        layout: page.layout(),
        awaiting: awaiting.iter().map(|r| overdue_row(page.lang, r)).collect(),
        flagged: flagged.iter().map(|r| overdue_row(page.lang, r)).collect(),
        overdue: overdue.iter().map(|r| overdue_row(page.lang, r)).collect(),
    })
}
