//! The award campaign pages: the campaigns of a region with the form
//! region administrators open one with (`/awards`), and a campaign's page
//! (`/awards/{id}`) where region administrators and organization admins
//! nominate, each level's administrators pass nominations on or decline
//! them beside the nominee's hours and records, and the campaign's level
//! publishes. Every check is `app::awards`'s.

use crate::app::awards::{self, CampaignForm, NominationFacts};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::i18n::Texts;
use crate::web::i18n::incentives::IncentiveTexts;
use crate::web::page::{
    CsrfForm, DoneQuery, Layout, Page, PageError, PageForm, PageQuery, PageResult, check_session_csrf, explained,
    form_number, list_region, render_with,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use zhiyuan_domain::award::{AwardKind, Stage};
use zhiyuan_domain::hours::hours_of;
use zhiyuan_store::awards::AwardCampaign;
use zhiyuan_store::parse_id;

fn kinds(x: &'static IncentiveTexts) -> Vec<(&'static str, &'static str)> {
    AwardKind::ALL
        .iter()
        .map(|kind| {
            let name = match kind {
                AwardKind::OutstandingVolunteer => x.kind_outstanding_volunteer,
                AwardKind::OutstandingOrganization => x.kind_outstanding_organization,
                AwardKind::OutstandingProject => x.kind_outstanding_project,
                AwardKind::BestCommunity => x.kind_best_community,
            };
            (kind.as_str(), name)
        })
        .collect()
}

fn kind_name(x: &'static IncentiveTexts, code: &str) -> &'static str {
    kinds(x)
        .into_iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, name)| name)
}

fn stage_name(x: &'static IncentiveTexts, code: &str) -> &'static str {
    match Stage::parse(code) {
        Ok(Stage::AtCounty) => x.stage_county,
        Ok(Stage::AtCity) => x.stage_city,
        Ok(Stage::AtProvince) => x.stage_province,
        Ok(Stage::Awarded) => x.stage_awarded,
        Ok(Stage::Declined) | Err(_) => x.stage_declined,
    }
}

#[derive(Template)]
#[template(path = "award_campaigns.html")]
struct CampaignsPage {
    t: &'static Texts,
    x: &'static IncentiveTexts,
    layout: Layout,
    campaigns: Vec<(AwardCampaign, &'static str)>,
    admin_regions: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    year: i32,
    csrf: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CampaignsQuery {
    region: String,
}

/// `/awards?region=`.
pub async fn campaigns(
    page: Page,
    State(state): State<AppState>,
    PageQuery(query): PageQuery<CampaignsQuery>,
) -> PageResult {
    let region = list_region(&page, &query.region)?;
    campaigns_page(&page, &state, &region, None, StatusCode::OK).await
}

async fn campaigns_page(
    page: &Page,
    state: &AppState,
    region: &str,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    let x = page.lang.incentive_texts();
    let campaigns = awards::campaigns(state, region)
        .await?
        .into_iter()
        .map(|c| {
            let kind = kind_name(x, &c.kind);
            (c, kind)
        })
        .collect();
    render_with(
        status,
        &CampaignsPage {
            t: page.t,
            x,
            layout: page.layout(),
            campaigns,
            admin_regions: crate::app::scope::regions_to_choose(state, user).await?,
            kinds: kinds(x),
            year: chrono::Datelike::year(&zhiyuan_domain::time::china_date(zhiyuan_domain::time::from_epoch_ms(
                state.now_ms(),
            ))),
            csrf: user.csrf_token.clone(),
            error,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OpenCampaignForm {
    csrf: String,
    title: String,
    kind: String,
    region_code: String,
    year: String,
    county_quota: String,
    city_quota: String,
    province_quota: String,
    nominate_until: String,
}

/// POST `/awards`: opens a campaign and shows it.
pub async fn open_campaign(
    page: Page,
    State(state): State<AppState>,
    PageForm(form): PageForm<OpenCampaignForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let opened = async {
        let campaign = CampaignForm {
            title: &form.title,
            kind: &form.kind,
            region_code: &form.region_code,
            year: form_number(&form.year, "year_invalid", "year")?.try_into().unwrap_or(0),
            county_quota: form_number(&form.county_quota, "quota_invalid", "county_quota")?,
            city_quota: form_number(&form.city_quota, "quota_invalid", "city_quota")?,
            province_quota: form_number(&form.province_quota, "quota_invalid", "province_quota")?,
            nominate_until: &form.nominate_until,
        };
        awards::open_campaign(&state, user, &campaign).await
    }
    .await;
    match opened {
        Ok(campaign) => Ok(Redirect::to(&format!("/awards/{}", campaign.id)).into_response()),
        Err(refused) => {
            let (message, status) = explained(page.lang, refused)?;
            let region = list_region(&page, &form.region_code)?;
            campaigns_page(&page, &state, &region, Some(message), status).await
        }
    }
}

/// A nomination as the campaign page shows it.
struct NominationRow {
    id: i64,
    name: String,
    reason: String,
    stage: &'static str,
    /// Still under review: its reviewers may pass it on or decline it.
    open: bool,
    facts: Option<String>,
}

#[derive(Template)]
#[template(path = "award_campaign.html")]
struct CampaignPage {
    t: &'static Texts,
    x: &'static IncentiveTexts,
    layout: Layout,
    campaign: AwardCampaign,
    kind: &'static str,
    nominations: Vec<NominationRow>,
    /// The reader administers the campaign's region: may publish.
    publisher: bool,
    csrf: String,
    notice: bool,
    error: Option<&'static str>,
}

/// `/awards/{id}`.
pub async fn campaign(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<DoneQuery>,
) -> PageResult {
    let id = parse_id(&id, "campaign")?;
    campaign_page(&page, &state, id, !query.done.is_empty(), None, StatusCode::OK).await
}

async fn campaign_page(
    page: &Page,
    state: &AppState,
    id: i64,
    notice: bool,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    let x = page.lang.incentive_texts();
    let (campaign, nominations) = awards::campaign_with_nominations(state, user, id).await?;
    let with_facts = campaign.kind != AwardKind::BestCommunity.as_str();
    let nominations = nominations
        .into_iter()
        .map(
            |NominationFacts {
                 nomination,
                 effective_minutes,
                 records,
             }| NominationRow {
                id: nomination.id,
                open: Stage::parse(&nomination.stage).is_ok_and(|s| s.reviewer_level().is_some()),
                stage: stage_name(x, &nomination.stage),
                facts: with_facts.then(|| format!("{} / {records}", hours_of(effective_minutes))),
                name: nomination.nominee_name,
                reason: nomination.reason,
            },
        )
        .collect();
    render_with(
        status,
        &CampaignPage {
            t: page.t,
            x,
            layout: page.layout(),
            kind: kind_name(x, &campaign.kind),
            publisher: user.actor.administers_region(&campaign.region_path),
            campaign,
            nominations,
            csrf: user.csrf_token.clone(),
            notice,
            error,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NominateForm {
    csrf: String,
    nominee: String,
    reason: String,
}

/// POST `/awards/{id}/nominate`.
pub async fn nominate(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(form): PageForm<NominateForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let campaign = parse_id(&id, "campaign")?;
    let outcome = awards::nominate(&state, user, campaign, &form.nominee, &form.reason).await;
    after_step(&page, &state, campaign, outcome.map(|_| ())).await
}

/// POST `/awards/{id}/publish`.
pub async fn publish(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(form): PageForm<CsrfForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let campaign = parse_id(&id, "campaign")?;
    let outcome = awards::publish(&state, user, campaign).await;
    after_step(&page, &state, campaign, outcome.map(|_| ())).await
}

/// POST `/nominations/{id}/pass|decline`.
pub async fn review(
    page: Page,
    State(state): State<AppState>,
    Path((id, decision)): Path<(String, String)>,
    PageForm(form): PageForm<CsrfForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let pass = match decision.as_str() {
        "pass" => true,
        "decline" => false,
        _ => return Err(PageError::new(StatusCode::NOT_FOUND, "not_found")),
    };
    let nomination = awards::nomination(&state, parse_id(&id, "nomination")?).await?;
    let outcome = awards::review(&state, user, nomination.id, pass).await;
    after_step(&page, &state, nomination.campaign_id, outcome.map(|_| ())).await
}

/// The campaign's page after a step: with a notice, or the refusal explained.
async fn after_step(page: &Page, state: &AppState, campaign: i64, outcome: Result<(), ApiError>) -> PageResult {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/awards/{campaign}?done=1")).into_response()),
        Err(refused) => {
            let (message, status) = explained(page.lang, refused)?;
            campaign_page(page, state, campaign, false, Some(message), status).await
        }
    }
}
