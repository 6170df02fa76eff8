//! Statistics of a region and period (`GET /api/v1/stats/regions/{code}`):
//! the region's figures, each child region's (drill-down) and a series by
//! day or month. The checks are `app::statistics`'s; this renders.

use crate::app::statistics;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::statistics::{RegionStatistics, Span};

#[derive(Deserialize, IntoParams)]
pub struct PeriodFilter {
    /// First day (`YYYY-MM-DD`, China time); default: 1 January of `to`'s year.
    pub from: Option<String>,
    /// Last day (`YYYY-MM-DD`); default: today.
    pub to: Option<String>,
    /// Only the designated sites of the region (`any`, `national`,
    /// `provincial` or `city`): each outermost one as a child, their sum
    /// as the figures.
    pub designation: Option<String>,
}

/// The figures of one region (or of one day or month of the series).
#[derive(Serialize, ToSchema)]
pub struct FiguresView {
    /// Registered volunteers living here at the end of the period.
    pub volunteers: i64,
    /// Registered in the period.
    pub new_volunteers: i64,
    /// Residents, when imported.
    pub population: Option<i64>,
    /// Volunteers as a fraction of the residents (0–1), when known.
    pub population_share: Option<f64>,
    /// Fractions 0–1 of the registered volunteers.
    pub party_member_share: f64,
    pub elderly_share: f64,
    pub rural_share: f64,
    /// Verified organizations registered here.
    pub organizations: i64,
    pub projects: i64,
    /// Activities held in the period (published or finished).
    pub activities: i64,
    /// Effective hours served here in the period, and its two kinds.
    pub effective_hours: f64,
    pub credit_hours: f64,
    pub honor_hours: f64,
    /// Effective service records.
    pub records: i64,
    pub hours_per_volunteer: f64,
    /// Volunteers living here who served in the months of the period.
    pub active_volunteers: i64,
    /// Orders rated by the resident.
    pub closed_loops: i64,
    /// Orders closed without a rating, counted apart.
    pub closed_unrated: i64,
    /// Mean rating (1–5) of the closed loops; 0 while there are none.
    pub satisfaction: f64,
}

impl From<&RegionStatistics> for FiguresView {
    fn from(s: &RegionStatistics) -> Self {
        FiguresView {
            volunteers: s.volunteers,
            new_volunteers: s.new_volunteers,
            population: s.population,
            population_share: s.population_share,
            party_member_share: s.party_member_share,
            elderly_share: s.elderly_share,
            rural_share: s.rural_share,
            organizations: s.organizations,
            projects: s.projects,
            activities: s.activities,
            effective_hours: s.effective_hours,
            credit_hours: s.credit_hours,
            honor_hours: s.honor_hours,
            records: s.records,
            hours_per_volunteer: s.hours_per_volunteer,
            active_volunteers: s.active_volunteers,
            closed_loops: s.closed_loops,
            closed_unrated: s.closed_unrated,
            satisfaction: s.satisfaction,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ChildStatistics {
    pub region_code: String,
    pub name: String,
    pub level: String,
    #[serde(flatten)]
    pub figures: FiguresView,
}

/// One day (`YYYY-MM-DD`) or month (`YYYY-MM`) of the series: the figures
/// of the period that happened in it (stock figures are not repeated).
#[derive(Serialize, ToSchema)]
pub struct SeriesPoint {
    pub period: String,
    pub new_volunteers: i64,
    pub activities: i64,
    pub effective_hours: f64,
    pub records: i64,
    pub closed_loops: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RegionStatisticsView {
    pub region_code: String,
    pub name: String,
    pub level: String,
    pub from: String,
    pub to: String,
    #[serde(flatten)]
    pub figures: FiguresView,
    pub children: Vec<ChildStatistics>,
    /// `day` or `month`.
    pub series_span: String,
    pub series: Vec<SeriesPoint>,
}

/// Statistics of a region and period, read from rollups (a province costs
/// what a village does), for a region administrator whose scope holds it.
#[utoipa::path(get, path = "/api/v1/stats/regions/{code}", tag = "statistics", security(("bearer" = [])),
    params(("code" = String, Path), PeriodFilter),
    responses((status = 200, body = RegionStatisticsView), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn region(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(code): Path<String>,
    ApiQuery(filter): ApiQuery<PeriodFilter>,
) -> ApiResult<Json<RegionStatisticsView>> {
    let report = statistics::region_report(
        &state,
        &current,
        Some(&code),
        filter.from.as_deref(),
        filter.to.as_deref(),
        filter.designation.as_deref(),
    )
    .await?;
    Ok(Json(RegionStatisticsView {
        region_code: report.region.code.clone(),
        name: report.region.name.clone(),
        level: report.region.level.clone(),
        from: report.from.to_string(),
        to: report.to.to_string(),
        figures: FiguresView::from(&report.figures),
        children: report
            .children
            .iter()
            .map(|(child, figures)| ChildStatistics {
                region_code: child.code.clone(),
                name: child.name.clone(),
                level: child.level.clone(),
                figures: FiguresView::from(figures),
            })
            .collect(),
        series_span: match report.series_span {
            Span::Day => "day",
            Span::Month => "month",
        }
        .to_string(),
        series: report
            .series
            .iter()
            .map(|(period, figures)| SeriesPoint {
                period: period.clone(),
                new_volunteers: figures.new_volunteers,
                activities: figures.activities,
                effective_hours: figures.effective_hours,
                records: figures.records,
                closed_loops: figures.closed_loops,
            })
            .collect(),
    }))
}
