//! Award campaigns over JSON: campaigns, nominations with the nominee's
//! facts, review up the levels, publication and a nominee's awards. The
//! checks are `app::awards`'s; these handlers parse and render.

use crate::api::rfc3339;
use crate::app::awards::{self, CampaignForm, NominationFacts};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::hours::hours_of;
use zhiyuan_store::awards::{Award, AwardCampaign, Nomination};
use zhiyuan_store::parse_id;

#[derive(Deserialize, ToSchema)]
pub struct OpenCampaign {
    pub title: String,
    /// `outstanding_volunteer`, `outstanding_organization`, `outstanding_project` or `best_community`.
    pub kind: String,
    pub region_code: String,
    pub year: i32,
    /// How many nominations each county, each city and the province pass on.
    pub county_quota: i64,
    pub city_quota: i64,
    pub province_quota: i64,
    /// Last day of nominations (`YYYY-MM-DD`).
    pub nominate_until: String,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignView {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub year: i64,
    pub region_code: String,
    pub county_quota: i64,
    pub city_quota: i64,
    pub province_quota: i64,
    pub nominate_until: String,
    pub published_at: Option<String>,
}

fn campaign_view(campaign: &AwardCampaign) -> CampaignView {
    CampaignView {
        id: campaign.id.to_string(),
        title: campaign.title.clone(),
        kind: campaign.kind.clone(),
        year: campaign.year,
        region_code: campaign.region_code.clone(),
        county_quota: campaign.county_quota,
        city_quota: campaign.city_quota,
        province_quota: campaign.province_quota,
        nominate_until: campaign.nominate_until.clone(),
        published_at: campaign.published_at.map(rfc3339),
    }
}

#[derive(Serialize, ToSchema)]
pub struct NominationView {
    pub id: String,
    pub campaign_id: String,
    pub nominee_id: String,
    pub nominee_name: String,
    /// `county`, `city`, `province` (the level reviewing it), `awarded` or `declined`.
    pub stage: String,
    pub reason: String,
    pub nominated_at: String,
    /// The nominee's effective hours and records (volunteers, organizations, projects).
    pub effective_hours: Option<f64>,
    pub records: Option<i64>,
}

fn nomination_view(nomination: &Nomination, facts: Option<(i64, i64)>) -> NominationView {
    NominationView {
        id: nomination.id.to_string(),
        campaign_id: nomination.campaign_id.to_string(),
        nominee_id: nomination.nominee_id.clone(),
        nominee_name: nomination.nominee_name.clone(),
        stage: nomination.stage.clone(),
        reason: nomination.reason.clone(),
        nominated_at: rfc3339(nomination.nominated_at),
        effective_hours: facts.map(|(minutes, _)| hours_of(minutes)),
        records: facts.map(|(_, records)| records),
    }
}

/// Opens an award campaign (region administrators in their subtree).
#[utoipa::path(post, path = "/api/v1/award-campaigns", tag = "awards", security(("bearer" = [])),
    request_body = OpenCampaign,
    responses((status = 201, body = CampaignView), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn open_campaign(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(request): ApiJson<OpenCampaign>,
) -> ApiResult<(StatusCode, Json<CampaignView>)> {
    let form = CampaignForm {
        title: &request.title,
        kind: &request.kind,
        region_code: &request.region_code,
        year: request.year,
        county_quota: request.county_quota,
        city_quota: request.city_quota,
        province_quota: request.province_quota,
        nominate_until: &request.nominate_until,
    };
    let campaign = awards::open_campaign(&state, &current, &form).await?;
    Ok((StatusCode::CREATED, Json(campaign_view(&campaign))))
}

#[derive(Deserialize, IntoParams)]
pub struct CampaignFilter {
    pub region: String,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignList {
    pub items: Vec<CampaignView>,
}

/// Award campaigns of a region and below, newest first.
#[utoipa::path(get, path = "/api/v1/award-campaigns", tag = "awards", security(("bearer" = [])),
    params(CampaignFilter), responses((status = 200, body = CampaignList)))]
pub async fn campaigns(
    State(state): State<AppState>,
    _current: CurrentUser,
    ApiQuery(filter): ApiQuery<CampaignFilter>,
) -> ApiResult<Json<CampaignList>> {
    let campaigns = awards::campaigns(&state, &filter.region).await?;
    Ok(Json(CampaignList {
        items: campaigns.iter().map(campaign_view).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CampaignDetail {
    #[serde(flatten)]
    pub campaign: CampaignView,
    /// Those in the reader's administered regions, with the nominee's facts.
    pub nominations: Vec<NominationView>,
}

/// A campaign with the nominations the reader reviews or follows.
#[utoipa::path(get, path = "/api/v1/award-campaigns/{id}", tag = "awards", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = CampaignDetail), (status = 404, body = crate::error::Problem)))]
pub async fn campaign(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<CampaignDetail>> {
    let (campaign, nominations) =
        awards::campaign_with_nominations(&state, &current, parse_id(&id, "campaign")?).await?;
    let with_facts = campaign.kind != zhiyuan_domain::award::AwardKind::BestCommunity.as_str();
    Ok(Json(CampaignDetail {
        campaign: campaign_view(&campaign),
        nominations: nominations
            .iter()
            .map(
                |NominationFacts {
                     nomination,
                     effective_minutes,
                     records,
                 }| {
                    nomination_view(nomination, with_facts.then_some((*effective_minutes, *records)))
                },
            )
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct Nominate {
    /// A volunteer, organization or project id, or a village's code, as
    /// the campaign's kind names.
    pub nominee: String,
    pub reason: String,
}

/// Nominates someone: region administrators over the nominee, and
/// organization admins for their members and projects.
#[utoipa::path(post, path = "/api/v1/award-campaigns/{id}/nominations", tag = "awards", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Nominate,
    responses((status = 201, body = NominationView), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn nominate(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<Nominate>,
) -> ApiResult<(StatusCode, Json<NominationView>)> {
    let nomination = awards::nominate(
        &state,
        &current,
        parse_id(&id, "campaign")?,
        &request.nominee,
        &request.reason,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(nomination_view(&nomination, None))))
}

/// Passes a nomination on to the next level (the administrators of the
/// level it stands at; 409 `quota_reached` past their quota) or declines it.
#[utoipa::path(post, path = "/api/v1/nominations/{id}/{decision}", tag = "awards", security(("bearer" = [])),
    params(("id" = String, Path), ("decision" = String, Path, description = "`pass` or `decline`")),
    responses((status = 200, body = NominationView), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn review(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((id, decision)): Path<(String, String)>,
) -> ApiResult<Json<NominationView>> {
    let pass = match decision.as_str() {
        "pass" => true,
        "decline" => false,
        _ => return Err(crate::error::ApiError::not_found("decision")),
    };
    let nomination = awards::review(&state, &current, parse_id(&id, "nomination")?, pass).await?;
    Ok(Json(nomination_view(&nomination, None)))
}

/// Publishes a campaign's winners (administrators of its region or above).
#[utoipa::path(post, path = "/api/v1/award-campaigns/{id}/publish", tag = "awards", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
pub async fn publish(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<CampaignView>> {
    let campaign = awards::publish(&state, &current, parse_id(&id, "campaign")?).await?;
    Ok(Json(campaign_view(&campaign)))
}

#[derive(Deserialize, IntoParams)]
pub struct AwardFilter {
    /// The campaign kind the nominee was named in.
    pub kind: String,
    pub nominee: String,
}

#[derive(Serialize, ToSchema)]
pub struct AwardView {
    pub campaign_id: String,
    pub title: String,
    pub kind: String,
    pub year: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AwardList {
    pub items: Vec<AwardView>,
}

fn award_view(award: &Award) -> AwardView {
    AwardView {
        campaign_id: award.campaign_id.to_string(),
        title: award.title.clone(),
        kind: award.kind.clone(),
        year: award.year,
    }
}

/// The published awards of a volunteer, organization, project or community (anyone).
#[utoipa::path(get, path = "/api/v1/awards", tag = "awards", params(AwardFilter),
    responses((status = 200, body = AwardList), (status = 422, body = crate::error::Problem)))]
pub async fn awards_of(
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<AwardFilter>,
) -> ApiResult<Json<AwardList>> {
    let awards = awards::awards_of(&state, &filter.kind, &filter.nominee).await?;
    Ok(Json(AwardList {
        items: awards.iter().map(award_view).collect(),
    }))
}
