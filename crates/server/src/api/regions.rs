//! Regions with their children, and the practice sites listed by region subtree.

use crate::api::Paging;
use crate::app::regions::{self, SiteChange};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::site::{DesignationFilter, DesignationLevel, SiteLevel};
use zhiyuan_store::regions::{Region, Site};
use zhiyuan_store::{page_size, parse_id};

#[derive(Serialize, ToSchema)]
pub struct RegionSummary {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub population: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionNode {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    /// Materialized path of codes from the province down.
    pub path: String,
    pub population: Option<i64>,
    pub children: Vec<RegionSummary>,
}

fn summary(region: Region) -> RegionSummary {
    RegionSummary {
        code: region.code,
        name: region.name,
        level: region.level,
        parent_code: region.parent_code,
        population: region.population,
    }
}

/// A region and its children.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions",
    params(("code" = String, Path, description = "GB/T 2260 or 12-digit statistics code")),
    responses((status = 200, body = RegionNode), (status = 404, body = crate::error::Problem)))]
pub async fn region(State(state): State<AppState>, Path(code): Path<String>) -> ApiResult<Json<RegionNode>> {
    let (region, children) = regions::region_with_children(&state, &code).await?;
    Ok(Json(RegionNode {
        children: children.into_iter().map(summary).collect(),
        code: region.code,
        name: region.name,
        level: region.level,
        parent_code: region.parent_code,
        path: region.path,
        population: region.population,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SiteView {
    pub id: String,
    pub name: String,
    /// `center`, `institute` or `station`.
    pub level: String,
    pub region_code: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// `national`, `provincial` or `city` pilot/demonstration designation.
    pub designation: Option<String>,
    pub designation_year: Option<i64>,
}

impl From<Site> for SiteView {
    fn from(site: Site) -> Self {
        SiteView {
            id: site.id.to_string(),
            name: site.name,
            level: site.level,
            region_code: site.region_code,
            address: site.address,
            lat: site.lat,
            lon: site.lon,
            designation: site.designation,
            designation_year: site.designation_year,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SiteList {
    pub items: Vec<SiteView>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct SiteFilter {
    /// Region code whose subtree is listed.
    pub region: String,
    /// `center`, `institute` or `station`.
    pub level: Option<String>,
    /// Only designated sites: `any`, `national`, `provincial` or `city`.
    pub designation: Option<String>,
}

/// Sites at or under a region.
#[utoipa::path(get, path = "/api/v1/sites", tag = "regions", params(SiteFilter, Paging),
    responses((status = 200, body = SiteList), (status = 422, body = crate::error::Problem)))]
pub async fn sites(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<SiteFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<SiteList>> {
    let level = filter
        .level
        .as_deref()
        .filter(|l| !l.is_empty())
        .map(SiteLevel::parse)
        .transpose()?;
    let designation = filter
        .designation
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(DesignationFilter::parse)
        .transpose()?;
    let page = regions::sites(
        &state,
        &filter.region,
        level,
        designation,
        paging.cursor.as_deref(),
        page_size(paging.limit),
    )
    .await?;
    Ok(Json(SiteList {
        items: page.items.into_iter().map(SiteView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One site.
#[utoipa::path(get, path = "/api/v1/sites/{id}", tag = "regions", params(("id" = String, Path)),
    responses((status = 200, body = SiteView), (status = 404, body = crate::error::Problem)))]
pub async fn site(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<SiteView>> {
    let site = regions::site(&state, parse_id(&id, "site")?).await?;
    Ok(Json(site.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct SiteUpdate {
    pub name: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// Renames a site and sets its address and location (site manager or region admin).
#[utoipa::path(put, path = "/api/v1/sites/{id}", tag = "regions", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = SiteUpdate,
    responses((status = 200, body = SiteView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_site(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(update): ApiJson<SiteUpdate>,
) -> ApiResult<Json<SiteView>> {
    let change = SiteChange {
        name: &update.name,
        address: update.address.as_deref(),
        lat: update.lat,
        lon: update.lon,
    };
    let site = regions::update_site(&state, &current, parse_id(&id, "site")?, &change).await?;
    Ok(Json(site.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct SiteDesignation {
    /// `national`, `provincial` or `city`; null withdraws the designation.
    pub level: Option<String>,
    /// The year it was given (2018 to this year).
    pub year: Option<i32>,
}

/// Records a site's pilot or demonstration designation (a region
/// administrator over it at the level that gives it: the province for
/// national and provincial ones, a city for its own).
#[utoipa::path(put, path = "/api/v1/sites/{id}/designation", tag = "regions", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = SiteDesignation,
    responses((status = 200, body = SiteView), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn designate_site(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SiteDesignation>,
) -> ApiResult<Json<SiteView>> {
    let designation = match request.level.as_deref().filter(|l| !l.is_empty()) {
        Some(level) => {
            let level = DesignationLevel::parse(level).map_err(|e| e.on("level"))?;
            let year = request.year.ok_or_else(|| {
                zhiyuan_domain::RuleError::new("designation_year_invalid", "the year it was given").on("year")
            })?;
            Some((level, year))
        }
        None => None,
    };
    let site = regions::designate_site(&state, &current, parse_id(&id, "site")?, designation).await?;
    Ok(Json(site.into()))
}
