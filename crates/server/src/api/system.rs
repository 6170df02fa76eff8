//! Health: liveness and whether the database answers.

use crate::error::ApiResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
    pub regions: i64,
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/api/v1/health", tag = "system", responses((status = 200, body = Health)))]
pub async fn health(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    let regions = state.store.region_count().await?;
    Ok(Json(Health {
        status: "ok",
        database: state.store.backend_name(),
        regions,
    }))
}
