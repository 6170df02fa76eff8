//! What administrators watch: service records still pending after the 10
//! working days inspections allow (overdue), and the audit trail of a
//! volunteer (who read their personal data, changed their consents,
//! insurance or region), which the volunteer may read too. The checks are
//! `app::oversight`'s; these handlers parse and render.

use crate::api::Paging;
use crate::api::attendance::{RecordEntry, record_entry};
use crate::api::rfc3339;
use crate::app::oversight::{self, OverdueOf};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
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
    let of = match filter
        .organization_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(raw) => OverdueOf::Organization(parse_id(raw, "organization")?),
        None => OverdueOf::Region(filter.region.as_deref()),
    };
    let records = oversight::overdue(&state, &current, of).await?;
    Ok(Json(records.iter().map(record_entry).collect()))
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
    let trail = oversight::audit_trail(
        &state,
        &current,
        parse_id(&id, "volunteer")?,
        paging.cursor.as_deref(),
        page_size(paging.limit),
    )
    .await?;
    Ok(Json(AuditList {
        items: trail
            .items
            .into_iter()
            .map(|e| AuditView {
                id: e.id.to_string(),
                at: rfc3339(e.at),
                action: e.action,
                actor_name: e.actor_name,
                detail: e.detail,
            })
            .collect(),
        next_cursor: trail.next_cursor,
    }))
}
