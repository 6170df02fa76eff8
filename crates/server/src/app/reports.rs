//! Reports of a missing or wrong service record: a volunteer files one on
//! an activity they signed up for; the organization that runs it resolves
//! or rejects it with an answer. Fixing the hours themselves goes through
//! the ordinary paths (manual attendance, hand entry, revocation), so the
//! ledger records every change in the usual way.

use crate::app::activities;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::record::{ReportContext, ReportInput, ReportKind, ReportState, check_report, check_report_text};
use zhiyuan_domain::signup::SignupStatus;
use zhiyuan_store::reports::{NewReport, RecordReport};

/// A report as the volunteer writes it.
pub struct ReportDraft<'a> {
    pub kind: ReportKind,
    /// The wrong record (only with `wrong`).
    pub record_id: Option<i64>,
    pub detail: &'a str,
}

/// Files the calling volunteer's report on activity `activity_id`: they
/// signed up, it has begun, a wrong record is theirs (`check_report`); one
/// open report per activity and record.
pub async fn file(
    state: &AppState,
    caller: &CurrentUser,
    activity_id: i64,
    draft: &ReportDraft<'_>,
) -> ApiResult<RecordReport> {
    let volunteer_id = caller.volunteer_id().ok_or_else(|| {
        RuleError::new(
            "volunteer_required",
            "only registered volunteers report on their records",
        )
    })?;
    let activity = activities::activity(state, activity_id).await?;
    let record_is_theirs = match draft.record_id {
        Some(id) => state
            .store
            .record(id)
            .await?
            .is_some_and(|r| r.volunteer_id == volunteer_id && r.activity_id == activity.id),
        None => false,
    };
    let was_signed_up = state
        .store
        .signup_of(activity.id, volunteer_id)
        .await?
        .is_some_and(|s| SignupStatus::parse(&s.status).is_ok_and(SignupStatus::may_attend));
    let detail = check_report(
        &ReportInput {
            kind: draft.kind,
            record_id: draft.record_id,
            detail: draft.detail,
        },
        &ReportContext {
            was_signed_up,
            activity_started: activity.starts_at <= state.now_ms(),
            record_is_theirs,
        },
    )?;
    let new = NewReport {
        volunteer_id,
        activity_id: activity.id,
        organization_id: activity.organization_id,
        record_id: draft.record_id,
        kind: draft.kind,
        detail,
    };
    Ok(state.store.file_report(&new, state.now_ms()).await?)
}

/// The calling volunteer's reports, newest first (none for other logins).
pub async fn mine(state: &AppState, caller: &CurrentUser) -> ApiResult<Vec<RecordReport>> {
    match caller.volunteer_id() {
        Some(volunteer_id) => Ok(state.store.reports_of_volunteer(volunteer_id, 200).await?),
        None => Ok(Vec::new()),
    }
}

/// An organization's reports in state `wanted` (all when `None`), oldest
/// first, for its admins and the region administrators above it.
pub async fn of_organization(
    state: &AppState,
    caller: &CurrentUser,
    organization_id: i64,
    wanted: Option<ReportState>,
) -> ApiResult<Vec<RecordReport>> {
    let organization = activities::organization_run_by(state, &caller.actor, organization_id).await?;
    Ok(state
        .store
        .reports_of_organization(organization.id, wanted, 200)
        .await?)
}

/// `resolve` or `reject` as the state an answer moves a report to; any
/// other word is an unknown action (404).
pub fn answer_action(word: &str) -> ApiResult<ReportState> {
    match word {
        "resolve" => Ok(ReportState::Resolved),
        "reject" => Ok(ReportState::Rejected),
        _ => Err(ApiError::not_found("action")),
    }
}

/// Resolves or rejects report `report_id` for an organizer of its
/// activity, once, with an answer.
pub async fn answer(
    state: &AppState,
    caller: &CurrentUser,
    report_id: i64,
    to: ReportState,
    answer: &str,
) -> ApiResult<RecordReport> {
    let report = state.store.require_report(report_id).await?;
    let activity = state.store.require_activity(report.activity_id).await?;
    activities::require_organizer(state, &caller.actor, &activity).await?;
    let answer = check_report_text(answer, "answer")?;
    Ok(state
        .store
        .answer_report(report_id, to, &answer, caller.user.id, state.now_ms())
        .await?)
}
