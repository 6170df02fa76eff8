//! Points and benefits over JSON: a volunteer's points, offering and
//! listing benefits, redeeming one, and checking a redemption code. The
//! checks are `app::benefits`'s; these handlers parse and render.

use crate::api::{Paging, rfc3339};
use crate::app::benefits::{self, BenefitForm};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_store::benefits::{Benefit, Redemption};
use zhiyuan_store::parse_id;
use zhiyuan_store::points::PointsEntry;

#[derive(Serialize, ToSchema)]
pub struct PointsEntryView {
    /// RFC 3339, China time.
    pub at: String,
    pub delta: i64,
    /// `served`, `record_corrected`, `record_withdrawn` or `redeemed`.
    pub reason: String,
    /// The balance after this change.
    pub balance: i64,
    pub record_id: Option<String>,
    pub redemption_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PointsView {
    pub balance: i64,
    /// Newest first.
    pub entries: Vec<PointsEntryView>,
    pub next_cursor: Option<String>,
}

fn entry_view(entry: &PointsEntry) -> PointsEntryView {
    PointsEntryView {
        at: rfc3339(entry.at),
        delta: entry.delta,
        reason: entry.reason.clone(),
        balance: entry.balance,
        record_id: entry.record_id.map(|id| id.to_string()),
        redemption_id: entry.redemption_id.map(|id| id.to_string()),
    }
}

/// A volunteer's points and their changes, for the volunteer and the
/// region administrators over them.
#[utoipa::path(get, path = "/api/v1/volunteers/{id}/points", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path), Paging),
    responses((status = 200, body = PointsView), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn points(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<PointsView>> {
    let volunteer_id = parse_id(&id, "volunteer")?;
    let account = benefits::points_of(&state, &current, volunteer_id, paging.cursor.as_deref(), paging.limit).await?;
    Ok(Json(PointsView {
        balance: account.balance,
        entries: account.entries.items.iter().map(entry_view).collect(),
        next_cursor: account.entries.next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct OfferBenefit {
    pub title: String,
    /// The unit that gives it (a museum, a bus company); created in the
    /// region on first use, and its clerks are appointed as `benefit_provider`.
    pub provider: String,
    pub description: Option<String>,
    /// Whose volunteers may redeem it: those registered in this region or below.
    pub region_code: String,
    pub stock: i64,
    pub points_cost: Option<i64>,
    pub min_star: Option<i64>,
    /// First and last day (`YYYY-MM-DD`, China time).
    pub valid_from: String,
    pub valid_to: String,
    pub per_volunteer: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct BenefitView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub provider: String,
    pub provider_id: String,
    pub region_code: String,
    pub stock: i64,
    pub stock_left: i64,
    pub points_cost: i64,
    pub min_star: i64,
    pub valid_from: String,
    pub valid_to: String,
    pub per_volunteer: i64,
}

pub fn benefit_view(benefit: &Benefit) -> BenefitView {
    BenefitView {
        id: benefit.id.to_string(),
        title: benefit.title.clone(),
        description: benefit.description.clone(),
        provider: benefit.provider.clone(),
        provider_id: benefit.provider_id.to_string(),
        region_code: benefit.region_code.clone(),
        stock: benefit.stock,
        stock_left: benefit.stock_left,
        points_cost: benefit.points_cost,
        min_star: benefit.min_star,
        valid_from: benefit.valid_from.clone(),
        valid_to: benefit.valid_to.clone(),
        per_volunteer: benefit.per_volunteer,
    }
}

/// Offers a benefit to the volunteers of a region (its administrators).
#[utoipa::path(post, path = "/api/v1/benefits", tag = "benefits", security(("bearer" = [])), request_body = OfferBenefit,
    responses((status = 201, body = BenefitView), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn offer(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(request): ApiJson<OfferBenefit>,
) -> ApiResult<(StatusCode, Json<BenefitView>)> {
    let form = BenefitForm {
        title: &request.title,
        provider: &request.provider,
        description: request.description.as_deref().unwrap_or(""),
        region_code: &request.region_code,
        stock: request.stock,
        points_cost: request.points_cost.unwrap_or(0),
        min_star: request.min_star.unwrap_or(0),
        valid_from: &request.valid_from,
        valid_to: &request.valid_to,
        per_volunteer: request.per_volunteer.unwrap_or(1),
    };
    let benefit = benefits::offer(&state, &current, &form).await?;
    Ok((StatusCode::CREATED, Json(benefit_view(&benefit))))
}

#[derive(Deserialize, IntoParams)]
pub struct BenefitFilter {
    /// `redeemable` (a volunteer's open benefits; the default for
    /// volunteers) or `catalogue` (everything offered in a region, for its
    /// administrators).
    pub view: Option<String>,
    /// The catalogue's region; default the administrator's scope.
    pub region: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BenefitList {
    pub items: Vec<BenefitView>,
    pub next_cursor: Option<String>,
}

/// Benefits: those the calling volunteer may redeem today, or a region's catalogue.
#[utoipa::path(get, path = "/api/v1/benefits", tag = "benefits", security(("bearer" = [])), params(BenefitFilter),
    responses((status = 200, body = BenefitList), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(filter): ApiQuery<BenefitFilter>,
) -> ApiResult<Json<BenefitList>> {
    let catalogue = match filter.view.as_deref() {
        Some("catalogue") => true,
        Some("redeemable") => false,
        Some(_) => {
            return Err(crate::error::ApiError::bad_request(
                "view_invalid",
                "view is redeemable or catalogue",
            ));
        }
        None => current.volunteer_id().is_none(),
    };
    if catalogue {
        let page = benefits::catalogue(&state, &current, filter.region.as_deref(), filter.cursor.as_deref()).await?;
        return Ok(Json(BenefitList {
            items: page.items.iter().map(benefit_view).collect(),
            next_cursor: page.next_cursor,
        }));
    }
    let open = benefits::benefits_for_me(&state, &current).await?;
    Ok(Json(BenefitList {
        items: open.iter().map(benefit_view).collect(),
        next_cursor: None,
    }))
}

/// One benefit.
#[utoipa::path(get, path = "/api/v1/benefits/{id}", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = BenefitView), (status = 404, body = crate::error::Problem)))]
pub async fn benefit(
    State(state): State<AppState>,
    _current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<BenefitView>> {
    let benefit = benefits::benefit(&state, parse_id(&id, "benefit")?).await?;
    Ok(Json(benefit_view(&benefit)))
}

#[derive(Serialize, ToSchema)]
pub struct RedemptionView {
    pub id: String,
    /// The one-time code the provider checks (10 characters).
    pub code: String,
    /// The page the code's QR opens for the provider's clerk.
    pub check_url: String,
    pub benefit_id: String,
    pub benefit_title: String,
    pub provider: String,
    pub volunteer_name: String,
    pub volunteer_no: String,
    pub points: i64,
    pub redeemed_at: String,
    pub checked_at: Option<String>,
}

pub fn redemption_view(redemption: &Redemption) -> RedemptionView {
    RedemptionView {
        id: redemption.id.to_string(),
        code: redemption.code.clone(),
        check_url: format!("/r/{}", redemption.code),
        benefit_id: redemption.benefit_id.to_string(),
        benefit_title: redemption.benefit_title.clone(),
        provider: redemption.provider.clone(),
        volunteer_name: redemption.volunteer_name.clone(),
        volunteer_no: redemption.volunteer_no.clone(),
        points: redemption.points,
        redeemed_at: rfc3339(redemption.redeemed_at),
        checked_at: redemption.checked_at.map(rfc3339),
    }
}

/// Redeems one unit for the calling volunteer: a one-time code, or 409
/// (`out_of_stock`, `limit_reached`) or 422 (`points_insufficient`,
/// `star_too_low`, `benefit_expired`, `benefit_not_yet_valid`,
/// `benefit_outside_region`).
#[utoipa::path(post, path = "/api/v1/benefits/{id}/redemptions", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 201, body = RedemptionView), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn redeem(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<RedemptionView>)> {
    let redemption = benefits::redeem(&state, &current, parse_id(&id, "benefit")?).await?;
    Ok((StatusCode::CREATED, Json(redemption_view(&redemption))))
}

#[derive(Serialize, ToSchema)]
pub struct RedemptionList {
    pub items: Vec<RedemptionView>,
    pub next_cursor: Option<String>,
}

/// The calling volunteer's redemptions, newest first.
#[utoipa::path(get, path = "/api/v1/redemptions", tag = "benefits", security(("bearer" = [])),
    responses((status = 200, body = RedemptionList), (status = 422, body = crate::error::Problem)))]
pub async fn mine(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<RedemptionList>> {
    let redemptions = benefits::my_redemptions(&state, &current).await?;
    Ok(Json(RedemptionList {
        items: redemptions.iter().map(redemption_view).collect(),
        next_cursor: None,
    }))
}

/// A redemption as its provider's clerk sees it before checking it.
#[utoipa::path(get, path = "/api/v1/redemptions/{code}", tag = "benefits", security(("bearer" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = RedemptionView), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn redemption(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<Json<RedemptionView>> {
    let redemption = benefits::redemption_to_check(&state, &current, &code).await?;
    Ok(Json(redemption_view(&redemption)))
}

/// Checks a code, once (the provider's clerks or a region administrator
/// over the provider): 200 the first time, 409 `already_used` after.
#[utoipa::path(post, path = "/api/v1/redemptions/{code}/check", tag = "benefits", security(("bearer" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = RedemptionView), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn check(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<Json<RedemptionView>> {
    let redemption = benefits::check(&state, &current, &code).await?;
    Ok(Json(redemption_view(&redemption)))
}

/// The redemptions of a provider's benefits, newest first (its clerks and
/// the region administrators over it).
#[utoipa::path(get, path = "/api/v1/providers/{id}/redemptions", tag = "benefits", security(("bearer" = [])),
    params(("id" = String, Path), Paging),
    responses((status = 200, body = RedemptionList), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn provider_redemptions(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<RedemptionList>> {
    let provider_id = parse_id(&id, "provider")?;
    let (_, page) =
        benefits::provider_redemptions(&state, &current, provider_id, paging.cursor.as_deref(), paging.limit).await?;
    Ok(Json(RedemptionList {
        items: page.items.iter().map(redemption_view).collect(),
        next_cursor: page.next_cursor,
    }))
}
