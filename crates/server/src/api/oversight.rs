//! What administrators watch: service records still pending after the 10
//! working days inspections allow (overdue), and the audit trail of a
//! volunteer (who read their personal data, changed their consents,
//! insurance or region), which the volunteer may read too.

use crate::api::Paging;
use crate::api::activities::organization_run_by;
use crate::api::attendance::{RecordEntry, record_entry};
use crate::api::rfc3339;
use crate::api::volunteers::{admin_region_path, load_own_or_administered};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::hours::start_of_china_day;
use zhiyuan_domain::record::overdue_cutoff;
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_store::records::{RecordView, RecordsWithin};
use zhiyuan_store::{page_size, parse_id};

#[derive(Deserialize, IntoParams)]
pub struct OverdueFilter {
    /// One organization's records (its admins); otherwise a region subtree.
    pub organization_id: Option<String>,
    /// Region code (region administrators); defaults to the caller's scope.
    pub region: Option<String>,
}

/// Pending records of activities that ended more than 10 working days ago,
/// oldest first: an organization's (its admins and the region admins above
/// it) or a region subtree's (region administrators).
#[utoipa::path(get, path = "/api/v1/service-records/overdue", tag = "attendance", security(("bearer" = [])),
    params(OverdueFilter), responses((status = 200, body = [RecordEntry]), (status = 403, body = crate::error::Problem)))]
pub async fn overdue(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(filter): ApiQuery<OverdueFilter>,
) -> ApiResult<Json<Vec<RecordEntry>>> {
    let records = overdue_for(&state, &current, &filter).await?;
    Ok(Json(records.iter().map(record_entry).collect()))
}

/// The overdue records the caller may see under `filter` (the API and the pages).
pub async fn overdue_for(
    state: &AppState,
    current: &CurrentUser,
    filter: &OverdueFilter,
) -> ApiResult<Vec<RecordView>> {
    let organization = match filter.organization_id.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => Some(organization_run_by(state, &current.actor, raw).await?.id),
        None => None,
    };
    let region_path = match organization {
        Some(_) => None,
        None => Some(admin_region_path(state, &current.actor, filter.region.as_deref()).await?),
    };
    let within = match (&region_path, organization) {
        (Some(path), _) => RecordsWithin::Region(path),
        (None, Some(id)) => RecordsWithin::Organization(id),
        (None, None) => return Err(ApiError::forbidden()),
    };
    let today = china_date(from_epoch_ms(state.now_ms()));
    let last_overdue_day = overdue_cutoff(today);
    let ended_before = last_overdue_day
        .succ_opt()
        .map_or(i64::MIN, |day| start_of_china_day(day).timestamp_millis());
    Ok(state.store.overdue_records(within, ended_before, 200).await?)
}

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub id: String,
    pub at: String,
    /// e.g. `volunteer.personal_data_read`, `volunteer.consents`, `volunteer.insurance`.
    pub action: String,
    /// Who did it (absent for the system and the command line).
    pub actor_name: Option<String>,
    pub detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditView>,
    pub next_cursor: Option<String>,
}

/// A volunteer's audit trail, oldest first: who read their whole ID number
/// or phone, changed their consents, insurance or region (the volunteer,
/// and region administrators over them).
#[utoipa::path(get, path = "/api/v1/volunteers/{id}/audit", tag = "volunteers", security(("bearer" = [])),
    params(("id" = String, Path), Paging),
    responses((status = 200, body = AuditList), (status = 403, body = crate::error::Problem)))]
pub async fn volunteer_audit(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<AuditList>> {
    let volunteer_id = parse_id(&id, "volunteer")?;
    Ok(Json(audit_of(&state, &current, volunteer_id, &paging).await?))
}

/// One page of a volunteer's audit trail, newest first, for the volunteer
/// or a region administrator over them (the API and "my profile").
pub async fn audit_of(
    state: &AppState,
    current: &CurrentUser,
    volunteer_id: i64,
    paging: &Paging,
) -> ApiResult<AuditList> {
    load_own_or_administered(state, &current.actor, volunteer_id).await?;
    let limit = page_size(paging.limit);
    let before = paging.cursor.as_deref().and_then(|c| c.parse().ok());
    let entries = state
        .store
        .audit_trail("volunteer", &volunteer_id.to_string(), before, limit)
        .await?;
    let next_cursor = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.id.to_string()))
        .flatten();
    Ok(AuditList {
        items: entries
            .into_iter()
            .map(|e| AuditView {
                id: e.id.to_string(),
                at: rfc3339(e.at),
                action: e.action,
                actor_name: e.actor_name,
                detail: e.detail,
            })
            .collect(),
        next_cursor,
    })
}
