//! Exports (`GET /api/v1/exports/{kind}`): statistics, rankings, volunteers,
//! records and national-records as CSV (streamed) or XLSX, within the
//! reader's scope. The checks are `app::exports`'s, the writing `export`'s.

use crate::app::exports::{self, ExportKind, ExportQuestion};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::export::{self, Format};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct ExportFilter {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    /// Region code; default the reader's scope.
    pub region: Option<String>,
    /// First and last day (`YYYY-MM-DD`); default this year so far.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Rankings: level, metric and day, as for `/api/v1/rankings`.
    pub level: Option<String>,
    pub metric: Option<String>,
    pub date: Option<String>,
}

impl ExportFilter {
    pub fn question(&self) -> ExportQuestion<'_> {
        ExportQuestion {
            region: self.region.as_deref(),
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            level: self.level.as_deref(),
            metric: self.metric.as_deref(),
            date: self.date.as_deref(),
        }
    }
}

/// An export within the reader's scope, for a region administrator:
/// `statistics`, `rankings`, `volunteers` (masked), `records` or
/// `national-records` (effective records in the national layout).
#[utoipa::path(get, path = "/api/v1/exports/{kind}", tag = "statistics", security(("bearer" = [])),
    params(("kind" = String, Path), ExportFilter),
    responses((status = 200, description = "text/csv or an XLSX workbook", content_type = "text/csv"),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn export(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(kind): Path<String>,
    ApiQuery(filter): ApiQuery<ExportFilter>,
) -> ApiResult<Response> {
    let kind = ExportKind::parse(&kind)?;
    let format = Format::parse(filter.format.as_deref())?;
    let (sheet, pages) = exports::start(&state, &current, kind, &filter.question()).await?;
    export::respond(format, sheet, pages).await
}
