//! Daily rankings (`GET /api/v1/rankings`): regions, sites or organizations
//! of a region in rank order, with each row's change since the day before.
//! The checks are `app::rankings`'s; this renders one page of rows.

use crate::app::rankings::{self, RankingQuestion};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_store::page_size;

#[derive(Deserialize, IntoParams)]
pub struct RankingFilter {
    /// `county`, `township`, `site` or `organization` (never people).
    pub level: String,
    /// `hours`, `hours_per_volunteer`, `active_volunteers`, `activities`,
    /// `loops` or `satisfaction`.
    pub metric: String,
    /// The day (`YYYY-MM-DD`, China time), ranked on its year so far; default today.
    pub date: Option<String>,
    /// Region code whose candidates are ranked; default the reader's scope.
    pub region: Option<String>,
    /// Rows per page (at most 200, default 50).
    pub limit: Option<i64>,
    /// Where the previous page ended.
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RankingRow {
    pub rank: u32,
    /// Region code, site id or organization id.
    pub key: String,
    pub name: String,
    pub value: f64,
    /// The value's change since the day before (null: not ranked then).
    pub change: Option<f64>,
    /// Places gained since the day before (negative: lost; null: not ranked then).
    pub rank_change: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RankingView {
    pub level: String,
    pub metric: String,
    pub date: String,
    pub region_path: String,
    /// Whether the day's values come from its stored snapshot (else computed now).
    pub snapshot: bool,
    pub total: usize,
    pub items: Vec<RankingRow>,
    pub next_cursor: Option<String>,
}

/// A day's ranking of the candidates in a region, for a region
/// administrator over it; a ranking of people is refused (422).
#[utoipa::path(get, path = "/api/v1/rankings", tag = "statistics", security(("bearer" = [])),
    params(RankingFilter),
    responses((status = 200, body = RankingView), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn rankings(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(filter): ApiQuery<RankingFilter>,
) -> ApiResult<Json<RankingView>> {
    let question = RankingQuestion {
        level: &filter.level,
        metric: &filter.metric,
        date: filter.date.as_deref(),
        region: filter.region.as_deref(),
    };
    let ranking = rankings::ranking(&state, &current, &question).await?;
    let skip: usize = filter
        .cursor
        .as_deref()
        .and_then(|cursor| cursor.parse().ok())
        .unwrap_or(0);
    let limit = usize::try_from(page_size(filter.limit)).unwrap_or(50);
    let total = ranking.rows.len();
    let items: Vec<RankingRow> = ranking
        .rows
        .into_iter()
        .skip(skip)
        .take(limit)
        .map(|row| RankingRow {
            rank: row.rank,
            key: row.key,
            name: row.name,
            value: row.value,
            change: row.change,
            rank_change: row.rank_change,
        })
        .collect();
    let next = skip + items.len();
    Ok(Json(RankingView {
        level: ranking.level.as_str().to_string(),
        metric: ranking.metric.as_str().to_string(),
        date: ranking.day.to_string(),
        region_path: ranking.region_path,
        snapshot: ranking.from_snapshot,
        total,
        next_cursor: (next < total).then(|| next.to_string()),
        items,
    }))
}
