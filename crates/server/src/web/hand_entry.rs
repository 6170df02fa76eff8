//! The organizer's hand entry of honor hours (`/activities/{id}/hours`): a
//! volunteer signed up for the activity, up to 10 time slots in China time,
//! a reason and an evidence file sent as a multipart upload. The rules are
//! the API's (`enter_hand_hours`); a refusal is explained above the form,
//! which keeps what was typed (not the file).

use crate::app::activities;
use crate::app::attendance::{HandHours, enter_hand_hours};
use crate::state::AppState;
use crate::web::i18n::{self, Texts};
use crate::web::page::{Layout, Page, PageError, PageResult, check_session_csrf, china_span, render_with};
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use zhiyuan_domain::RuleError;
use zhiyuan_domain::hours::Interval;
use zhiyuan_domain::record::MAX_HAND_SLOTS;
use zhiyuan_domain::signup::SignupStatus;
use zhiyuan_domain::time::china_offset;
use zhiyuan_store::activities::Activity;
use zhiyuan_store::parse_id;

/// What the organizer typed into one slot row.
#[derive(Default, Clone)]
struct SlotFields {
    date: String,
    from: String,
    to: String,
}

/// The form as sent (or empty).
#[derive(Default)]
struct EntryForm {
    csrf: String,
    volunteer_id: String,
    reason: String,
    slots: Vec<SlotFields>,
    evidence: Vec<u8>,
}

#[derive(Template)]
#[template(path = "hand_entry.html")]
struct HandEntryPage {
    t: &'static Texts,
    layout: Layout,
    id: String,
    title: String,
    when: String,
    /// Volunteers who may attend: (id, name and number).
    volunteers: Vec<(String, String)>,
    volunteer_id: String,
    reason: String,
    slots: Vec<SlotFields>,
    /// A slot past the first few is filled: the "more slots" part opens.
    more_open: bool,
    csrf: String,
    error: Option<&'static str>,
}

/// Slot rows shown at once; the rest fold away under "more slots".
const SHOWN_SLOTS: usize = 3;

/// How many sign-ups the volunteer list offers.
const SIGNUPS_OFFERED: i64 = 200;

async fn entry_page(
    page: &Page,
    state: &AppState,
    activity: &Activity,
    form: EntryForm,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    activities::require_organizer(state, &user.actor, activity).await?;
    let volunteers = state
        .store
        .signups_of_activity(activity.id, None, SIGNUPS_OFFERED)
        .await?
        .items
        .into_iter()
        .filter(|s| SignupStatus::parse(&s.status).is_ok_and(SignupStatus::may_attend))
        .map(|s| {
            (
                s.volunteer_id.to_string(),
                format!("{} {}", s.volunteer_name, s.volunteer_no),
            )
        })
        .collect();
    let mut slots = form.slots;
    slots.resize(MAX_HAND_SLOTS, SlotFields::default());
    let more_open = slots
        .iter()
        .skip(SHOWN_SLOTS)
        .any(|s| !(s.date.is_empty() && s.from.is_empty() && s.to.is_empty()));
    render_with(
        status,
        &HandEntryPage {
            t: page.t,
            layout: page.layout(),
            id: activity.id.to_string(),
            title: activity.title.clone(),
            when: china_span(activity.starts_at, activity.ends_at),
            volunteers,
            volunteer_id: form.volunteer_id,
            reason: form.reason,
            slots,
            more_open,
            csrf: user.csrf_token.clone(),
            error,
        },
    )
}

/// GET `/activities/{id}/hours`: the hand-entry form (organizers only).
pub async fn form(page: Page, State(state): State<AppState>, Path(id): Path<String>) -> PageResult {
    let activity = activities::activity(&state, parse_id(&id, "activity")?).await?;
    entry_page(&page, &state, &activity, EntryForm::default(), None, StatusCode::OK).await
}

/// Reads the multipart form; the slot fields are `date_N`, `from_N`, `to_N`.
async fn read_form(mut multipart: Multipart) -> Result<EntryForm, PageError> {
    let unreadable = |_| PageError::new(StatusCode::BAD_REQUEST, "bad_request");
    let mut form = EntryForm {
        slots: vec![SlotFields::default(); MAX_HAND_SLOTS],
        ..Default::default()
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "evidence" {
            form.evidence = field.bytes().await.map_err(unreadable)?.to_vec();
            continue;
        }
        let value = field.text().await.map_err(unreadable)?;
        match name.as_str() {
            "csrf" => form.csrf = value,
            "volunteer_id" => form.volunteer_id = value,
            "reason" => form.reason = value,
            other => {
                let Some((part, index)) = other.split_once('_') else {
                    continue;
                };
                let Some(slot) = index.parse::<usize>().ok().and_then(|i| form.slots.get_mut(i)) else {
                    continue;
                };
                match part {
                    "date" => slot.date = value,
                    "from" => slot.from = value,
                    "to" => slot.to = value,
                    _ => {}
                }
            }
        }
    }
    Ok(form)
}

/// The filled slot rows as intervals (China time); a row with a missing or
/// unreadable part is `slots_invalid`, no row at all too.
fn intervals(slots: &[SlotFields]) -> Result<Vec<Interval>, RuleError> {
    let invalid = || RuleError::new("slots_invalid", "fill in the day, start and end of each slot").on("slots");
    let at = |date: NaiveDate, time: &str| {
        let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| invalid())?;
        china_offset()
            .from_local_datetime(&date.and_time(time))
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(invalid)
    };
    slots
        .iter()
        .filter(|s| !(s.date.trim().is_empty() && s.from.trim().is_empty() && s.to.trim().is_empty()))
        .map(|s| {
            let date = NaiveDate::parse_from_str(s.date.trim(), "%Y-%m-%d").map_err(|_| invalid())?;
            Ok(Interval::new(at(date, &s.from)?, at(date, &s.to)?))
        })
        .collect()
}

/// POST `/activities/{id}/hours`: enters the hours; the records' review
/// page shows them, a refusal is explained on the form.
pub async fn enter(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let user = page.require_user()?;
    let multipart = multipart.map_err(|r| PageError::new(r.status(), "bad_request"))?;
    let mut form = read_form(multipart).await?;
    check_session_csrf(user, &form.csrf)?;
    let activity = activities::organized_activity(&state, &user.actor, parse_id(&id, "activity")?).await?;
    let outcome = match (parse_id(&form.volunteer_id, "volunteer"), intervals(&form.slots)) {
        (Err(error), _) => Err(error.into()),
        (_, Err(error)) => Err(error.into()),
        (Ok(volunteer_id), Ok(slots)) => {
            let evidence = std::mem::take(&mut form.evidence);
            let entry = HandHours {
                volunteer_id,
                slots: &slots,
                reason: &form.reason,
                exception: None,
                evidence: Ok(evidence),
            };
            enter_hand_hours(&state, user, &activity, entry).await
        }
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/activities/{}/records?done=entered", activity.id)).into_response()),
        Err(refused) if refused.status.is_client_error() && refused.status != StatusCode::FORBIDDEN => {
            let error = Some(i18n::problem(page.lang, &refused.code));
            entry_page(&page, &state, &activity, form, error, refused.status).await
        }
        Err(failure) => Err(failure.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(date: &str, from: &str, to: &str) -> SlotFields {
        SlotFields {
            date: date.into(),
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn slots_are_read_in_china_time_and_empty_rows_skipped() {
        let read = intervals(&[slot("2026-12-05", "09:00", "11:30"), slot("", "", "")]).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].from.to_rfc3339(), "2026-12-05T01:00:00+00:00");
        assert_eq!(read[0].to.to_rfc3339(), "2026-12-05T03:30:00+00:00");
        let refused = intervals(&[slot("2026-12-05", "9点", "11:30")]).unwrap_err();
        assert_eq!(refused.code, "slots_invalid");
        assert!(intervals(&[slot("2026-12-05", "", "")]).is_err());
    }
}
