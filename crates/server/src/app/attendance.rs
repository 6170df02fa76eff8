//! Attendance and hours as the API and the pages both use them: the
//! rotating check-in code, a check-in or check-out (by QR, GPS or the
//! organizer's hand), supervision pings, hours entered by hand, a
//! volunteer's hours and star level, and the review of records (confirm,
//! refuse, revoke; the lists awaiting a second approval or flagged by
//! supervision). Who may do each is checked here; the rules themselves are
//! the domain's.

use crate::app::activities;
use crate::app::scope::admin_region_path;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use zhiyuan_domain::RuleError;
use zhiyuan_domain::activity::CheckinMethod;
use zhiyuan_domain::attendance::{self, Claim, check_takes_attendance, judge};
use zhiyuan_domain::checkin_token::{self, AttendanceKind, IssuedToken};
use zhiyuan_domain::confirmation::{
    Confirmer, HandEntryFacts, check_hand_entry, decide_confirmation, needs_second_approval,
};
use zhiyuan_domain::geo::Fix;
use zhiyuan_domain::hours::{Interval, StarTable};
use zhiyuan_domain::record::{HourKind, RecordState, check_evidence, check_hand_slots};
use zhiyuan_domain::setting::{self, SECOND_APPROVAL_HOURS, STAR_HOURS};
use zhiyuan_domain::signup::SignupStatus;
use zhiyuan_domain::supervision::Ping;
use zhiyuan_domain::volunteer::check_reason;
use zhiyuan_store::activities::Activity;
use zhiyuan_store::attendance::AttendanceWrite;
use zhiyuan_store::records::{RecordView, ServiceRecord};
use zhiyuan_store::review::HandEntry;
use zhiyuan_store::volunteers::Volunteer;

/// The current check-in (or check-out) code of an activity, for its
/// organizers, when the activity takes QR attendance.
pub async fn issue_code(
    state: &AppState,
    caller: &CurrentUser,
    activity_id: i64,
    kind: AttendanceKind,
) -> ApiResult<IssuedToken> {
    let activity = activities::organized_activity(state, &caller.actor, activity_id).await?;
    if !activity.plan().rules.allows(CheckinMethod::Qr) {
        return Err(RuleError::new(
            "checkin_method_not_allowed",
            "this activity does not take QR attendance",
        )
        .into());
    }
    Ok(checkin_token::issue(&state.token_key(), activity.id, kind, state.now()))
}

/// One check-in or check-out as a phone or an organizer sends it.
pub struct CheckIn<'a> {
    pub kind: AttendanceKind,
    pub method: CheckinMethod,
    /// The scanned code (QR).
    pub token: Option<&'a str>,
    pub fix: Option<Fix>,
    /// An offline claim: when it happened (at most 24 h ago).
    pub at: Option<DateTime<Utc>>,
    /// Manual entry by the organizer: whose attendance, and why.
    pub volunteer_id: Option<i64>,
    pub reason: Option<&'a str>,
    /// An identifier of the phone (supervision flags a shared device).
    pub device_id: Option<&'a str>,
}

/// What a check-in wrote.
pub struct CheckedIn {
    pub record: ServiceRecord,
    /// Submitted late from a phone without signal (flagged on the record).
    pub offline: bool,
}

/// Takes one check-in or check-out: the activity must take attendance; a
/// manual one is the organizer's hand entry (a verified organization,
/// never for oneself, an approved sign-up); otherwise the caller's own.
/// `attendance::judge` decides the claim (method, window, code, fix,
/// offline limits) and the attendance writer stores it; the answer is
/// durable.
pub async fn check_in(
    state: &AppState,
    caller: &CurrentUser,
    activity: &Activity,
    command: &CheckIn<'_>,
) -> ApiResult<CheckedIn> {
    check_takes_attendance(activity.state())?;
    let volunteer_id = if command.method == CheckinMethod::Manual {
        activities::require_organizer(state, &caller.actor, activity).await?;
        let whose = command
            .volunteer_id
            .ok_or_else(|| RuleError::new("volunteer_required", "name the volunteer").on("volunteer_id"))?;
        let (volunteer, _) = check_entry_by_hand(state, caller, activity, whose, None).await?;
        volunteer.id
    } else {
        caller
            .volunteer_id()
            .ok_or_else(|| RuleError::new("volunteer_required", "only registered volunteers check in"))?
    };
    let received = state.now();
    let claim = Claim {
        kind: command.kind,
        method: command.method,
        at: command.at.unwrap_or(received),
        received,
        token: command.token,
        fix: command.fix,
        reason: command.reason,
    };
    let accepted = judge(&activity.plan(), activity.id, &state.token_key(), &claim)?;
    let offline = accepted.offline;
    let write = AttendanceWrite {
        activity_id: activity.id,
        volunteer_id,
        kind: command.kind,
        method: command.method,
        claimed_at: accepted.at.timestamp_millis(),
        received_at: received.timestamp_millis(),
        accepted,
        fix: command.fix,
        device_id: attendance::device_id(command.device_id),
        by_user: caller.user.id,
    };
    let record = state.store.record_attendance(&write, activity).await?;
    Ok(CheckedIn { record, offline })
}

/// Stores location pings of the calling volunteer during their service:
/// needs their separate location consent and an open sign-in.
pub async fn add_pings(
    state: &AppState,
    caller: &CurrentUser,
    activity_id: i64,
    pings: &[Ping],
    device_id: Option<&str>,
) -> ApiResult<usize> {
    let volunteer_id = caller
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
    let activity = activities::activity(state, activity_id).await?;
    let device_id = attendance::device_id(device_id);
    Ok(state
        .store
        .add_pings(activity.id, volunteer_id, pings, device_id.as_deref(), state.now_ms())
        .await?)
}

/// The records of an activity, for its organizers (board and review).
pub async fn records_of_activity(
    state: &AppState,
    caller: &CurrentUser,
    activity_id: i64,
) -> ApiResult<Vec<RecordView>> {
    let activity = activities::organized_activity(state, &caller.actor, activity_id).await?;
    Ok(state.store.records_of_activity(activity.id).await?)
}

/// Reads the facts of an entry by the organizer's hand (hours, or a sign-in
/// or sign-out) for volunteer `volunteer_id` and lets
/// `confirmation::check_hand_entry` judge them; yields the volunteer and the
/// exception when one was needed.
async fn check_entry_by_hand(
    state: &AppState,
    caller: &CurrentUser,
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
        for_themself: volunteer.user_id == caller.user.id,
    })?;
    Ok((volunteer, exception))
}

/// Hours entered by hand, as the API or the hand-entry page received them.
pub struct HandHours<'a> {
    pub volunteer_id: i64,
    pub slots: &'a [Interval],
    pub reason: &'a str,
    pub exception: Option<&'a str>,
    /// The decoded evidence file, or why it could not be read (judged after
    /// the slots and the reason).
    pub evidence: Result<Vec<u8>, RuleError>,
}

/// Enters honor hours by hand: an organizer of the activity, who is not
/// the volunteer, of a verified organization, on a published activity, for
/// a volunteer with an approved sign-up or a named exception
/// (`confirmation::check_hand_entry`); 1 to 10 slots inside its dates and
/// not in the future, a reason, and an evidence file (JPEG, PNG or PDF of
/// at most 5 MB). The records wait for a region administrator's approval
/// before they count.
pub async fn enter_hand_hours(
    state: &AppState,
    caller: &CurrentUser,
    activity: &Activity,
    hours: HandHours<'_>,
) -> ApiResult<Vec<RecordView>> {
    activities::require_organizer(state, &caller.actor, activity).await?;
    let (volunteer, exception) =
        check_entry_by_hand(state, caller, activity, hours.volunteer_id, hours.exception).await?;
    check_hand_slots(hours.slots, activity.window(), state.now())?;
    let reason = check_reason(hours.reason, true, "reason")?;
    let evidence = hours.evidence?;
    let evidence_type = check_evidence(&evidence)?;
    let entry = HandEntry {
        activity_id: activity.id,
        volunteer_id: volunteer.id,
        slots: hours.slots.to_vec(),
        reason,
        exception,
        evidence,
        evidence_type,
    };
    let records = state
        .store
        .enter_hours(&entry, activity, caller.user.id, state.now_ms())
        .await?;
    let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    Ok(state.store.record_views(&ids).await?)
}

/// A volunteer's hours: effective minutes by kind, the star level they
/// reach and their latest records.
pub struct HoursSummary {
    pub credit_minutes: i64,
    pub honor_minutes: i64,
    /// 0 to 5.
    pub star_level: u8,
    /// Hours still needed for the next star, if any.
    pub hours_to_next_star: Option<f64>,
    pub records: Vec<RecordView>,
}

impl HoursSummary {
    pub fn effective_minutes(&self) -> i64 {
        self.credit_minutes + self.honor_minutes
    }
}

/// The hours of volunteer `volunteer_id` for someone allowed to read them:
/// the volunteer, region administrators over them, admins of their
/// organizations; 403 for anyone else.
pub async fn volunteer_hours(state: &AppState, caller: &CurrentUser, volunteer_id: i64) -> ApiResult<HoursSummary> {
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
    if !caller
        .actor
        .may_read_volunteer(&volunteer_id.to_string(), &volunteer.region_path, &member_of)
    {
        return Err(ApiError::forbidden());
    }
    hours_summary(state, volunteer_id).await
}

/// The hours of the calling volunteer.
pub async fn my_hours(state: &AppState, caller: &CurrentUser) -> ApiResult<HoursSummary> {
    hours_summary(state, activities::volunteer_of(caller)?).await
}

async fn hours_summary(state: &AppState, volunteer_id: i64) -> ApiResult<HoursSummary> {
    let hours = state.store.hours_of_volunteer(volunteer_id, 500).await?;
    let stars = star_table(state).await?;
    let effective = hours.credit_minutes + hours.honor_minutes;
    Ok(HoursSummary {
        credit_minutes: hours.credit_minutes,
        honor_minutes: hours.honor_minutes,
        star_level: stars.level(effective),
        hours_to_next_star: stars.hours_to_next(effective),
        records: hours.records,
    })
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

/// The second-approval threshold in whole hours (the
/// `second_approval_hours` setting, else the default).
pub async fn second_approval_hours(state: &AppState) -> ApiResult<u32> {
    let stored = state.store.setting(SECOND_APPROVAL_HOURS).await?;
    Ok(setting::second_approval_hours(stored.as_deref()))
}

/// Moves record `record_id` to state `to`. Confirming is decided by
/// `confirmation::decide_confirmation`: an organizer of a verified
/// organization, never the volunteer themself, and for honor hours and
/// hours entered by hand above the threshold, a region administrator's
/// second approval. Refusing and revoking are the organizers', with a
/// reason.
pub async fn change_record_state(
    state: &AppState,
    caller: &CurrentUser,
    record_id: i64,
    to: RecordState,
    reason: &str,
) -> ApiResult<RecordView> {
    let record = state.store.require_record(record_id).await?;
    let organization = state
        .store
        .organization(record.organization_id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    let organizer = caller
        .actor
        .administers_organization(&organization.id.to_string(), &organization.region_path);
    if to == RecordState::Effective {
        let threshold = second_approval_hours(state).await?;
        let by = Confirmer {
            user: caller.user.id,
            organizer,
            region_admin: caller.actor.administers_region(&record.region_path),
        };
        state
            .store
            .confirm_record(record_id, Some(caller.user.id), state.now_ms(), |facts| {
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
            .change_record(record_id, to, &reason, caller.user.id, state.now_ms())
            .await?;
    }
    let view = state.store.record_views(&[record_id]).await?.pop();
    view.ok_or_else(|| ApiError::not_found("service record"))
}

/// The records of region `region` (default: the caller's admin scope) that
/// wait for a region administrator's approval: honor hours, and hours
/// entered by hand above the `second_approval_hours` threshold.
pub async fn awaiting_approval(
    state: &AppState,
    caller: &CurrentUser,
    region: Option<&str>,
) -> ApiResult<Vec<RecordView>> {
    let path = admin_region_path(state, &caller.actor, region).await?;
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

/// The records flagged by supervision in region `region` (default: the
/// caller's admin scope), for a region administrator.
pub async fn flagged(state: &AppState, caller: &CurrentUser, region: Option<&str>) -> ApiResult<Vec<RecordView>> {
    let path = admin_region_path(state, &caller.actor, region).await?;
    Ok(state.store.flagged_records(&path, 200).await?)
}
