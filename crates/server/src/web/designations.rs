//! The designation page (`/admin/sites`): the sites of a region in the
//! reader's scope with their pilot or demonstration designation, a filter
//! by designation, and for each site the form that records or withdraws
//! one (the province for national and provincial ones, a city for its
//! own). Every check is `app::regions`'s.

use crate::app::regions;
use crate::state::AppState;
use crate::web::i18n::Texts;
use crate::web::i18n::incentives::IncentiveTexts;
use crate::web::page::{
    Layout, Page, PageError, PageForm, PageQuery, PageResult, check_session_csrf, explained, filled, form_number,
    list_region, render_with,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use zhiyuan_domain::site::{DesignationFilter, DesignationLevel, SiteLevel};
use zhiyuan_store::parse_id;

/// Sites a page lists.
const SITES_SHOWN: i64 = 100;

struct SiteRow {
    id: i64,
    name: String,
    level: &'static str,
    designation: String,
    year: String,
}

#[derive(Template)]
#[template(path = "designations.html")]
struct DesignationsPage {
    t: &'static Texts,
    x: &'static IncentiveTexts,
    layout: Layout,
    region: String,
    filter: String,
    sites: Vec<SiteRow>,
    /// (code, name) of the designation levels.
    levels: Vec<(&'static str, &'static str)>,
    this_year: i32,
    csrf: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DesignationsQuery {
    region: String,
    designation: String,
}

fn levels(x: &'static IncentiveTexts) -> Vec<(&'static str, &'static str)> {
    DesignationLevel::ALL
        .iter()
        .map(|level| {
            let name = match level {
                DesignationLevel::National => x.level_national,
                DesignationLevel::Provincial => x.level_provincial,
                DesignationLevel::City => x.level_city,
            };
            (level.as_str(), name)
        })
        .collect()
}

/// `/admin/sites?region=&designation=`.
pub async fn sites(
    page: Page,
    State(state): State<AppState>,
    PageQuery(query): PageQuery<DesignationsQuery>,
) -> PageResult {
    sites_page(&page, &state, &query, None, StatusCode::OK).await
}

async fn sites_page(
    page: &Page,
    state: &AppState,
    query: &DesignationsQuery,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    if !user.actor.is_region_admin() {
        return Err(PageError::forbidden());
    }
    let x = page.lang.incentive_texts();
    let region = list_region(page, &query.region)?;
    let filter = filled(&query.designation)
        .map(|raw| DesignationFilter::parse(&raw))
        .transpose()
        .map_err(crate::error::ApiError::from)?;
    let found = regions::sites(state, &region, None, filter, None, SITES_SHOWN).await?;
    let named = levels(x);
    let sites = found
        .items
        .into_iter()
        .map(|site| SiteRow {
            level: match SiteLevel::parse(&site.level) {
                Ok(SiteLevel::Center) => x.site_center,
                Ok(SiteLevel::Institute) => x.site_institute,
                _ => x.site_station,
            },
            designation: site.designation.clone().unwrap_or_default(),
            year: site.designation_year.map(|y| y.to_string()).unwrap_or_default(),
            id: site.id,
            name: site.name,
        })
        .collect();
    render_with(
        status,
        &DesignationsPage {
            t: page.t,
            x,
            layout: page.layout(),
            region,
            filter: query.designation.clone(),
            sites,
            levels: named,
            this_year: chrono::Datelike::year(&zhiyuan_domain::time::china_date(zhiyuan_domain::time::from_epoch_ms(
                state.now_ms(),
            ))),
            csrf: user.csrf_token.clone(),
            error,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DesignateForm {
    csrf: String,
    /// A level, or empty to withdraw.
    level: String,
    year: String,
    /// Where to come back to.
    region: String,
}

/// POST `/admin/sites/{id}/designation`.
pub async fn designate(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(form): PageForm<DesignateForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let outcome = async {
        let designation = match filled(&form.level) {
            Some(level) => {
                let level = DesignationLevel::parse(&level)?;
                let year = form_number(&form.year, "designation_year_invalid", "year")?;
                Some((level, i32::try_from(year).unwrap_or(0)))
            }
            None => None,
        };
        regions::designate_site(&state, user, parse_id(&id, "site")?, designation).await
    }
    .await;
    let query = DesignationsQuery {
        region: form.region.clone(),
        designation: String::new(),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/admin/sites?region={}", form.region.trim())).into_response()),
        Err(refused) => {
            let (message, status) = explained(page.lang, refused)?;
            sites_page(&page, &state, &query, Some(message), status).await
        }
    }
}
