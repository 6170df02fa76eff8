//! What administrators watch: service records still pending after the 10
//! working days inspections allow (overdue), and a volunteer's audit trail
//! (who read their personal data, changed their consents, insurance or
//! region), which the volunteer may read too.

use crate::app::activities;
use crate::app::scope::{admin_region_path, own_or_administered_volunteer};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::state::AppState;
use zhiyuan_domain::hours::start_of_china_day;
use zhiyuan_domain::record::overdue_cutoff;
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_store::Page;
use zhiyuan_store::audit::AuditEntry;
use zhiyuan_store::records::{RecordView, RecordsWithin};

/// Whose overdue records: one organization's (its admins and the region
/// administrators above it) or a region subtree's (region administrators;
/// without a code, the caller's own scope).
pub enum OverdueOf<'a> {
    Organization(i64),
    Region(Option<&'a str>),
}

/// Pending records of activities that ended more than 10 working days ago,
/// oldest first (at most 200), that the caller may see.
pub async fn overdue(state: &AppState, caller: &CurrentUser, of: OverdueOf<'_>) -> ApiResult<Vec<RecordView>> {
    let region_path;
    let within = match of {
        OverdueOf::Organization(id) => {
            RecordsWithin::Organization(activities::organization_run_by(state, &caller.actor, id).await?.id)
        }
        OverdueOf::Region(code) => {
            region_path = admin_region_path(state, &caller.actor, code).await?;
            RecordsWithin::Region(&region_path)
        }
    };
    let today = china_date(from_epoch_ms(state.now_ms()));
    let ended_before = overdue_cutoff(today)
        .succ_opt()
        .map_or(i64::MIN, |day| start_of_china_day(day).timestamp_millis());
    Ok(state.store.overdue_records(within, ended_before, 200).await?)
}

/// One page of a volunteer's audit trail, newest first, for the volunteer
/// or a region administrator over them; the cursor is the last entry's id.
pub async fn audit_trail(
    state: &AppState,
    caller: &CurrentUser,
    volunteer_id: i64,
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<Page<AuditEntry>> {
    own_or_administered_volunteer(state, &caller.actor, volunteer_id).await?;
    let before = cursor.and_then(|c| c.parse().ok());
    let items = state
        .store
        .audit_trail("volunteer", &volunteer_id.to_string(), before, limit)
        .await?;
    let next_cursor = (i64::try_from(items.len()).is_ok_and(|n| n == limit))
        .then(|| items.last().map(|e| e.id.to_string()))
        .flatten();
    Ok(Page { items, next_cursor })
}
