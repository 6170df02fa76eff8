//! Points and benefits (积分 / 礼遇): a volunteer's points, the benefits
//! region administrators offer and volunteers redeem, and the one-time
//! codes a provider's clerk (or a region administrator) checks. Who may
//! do what is decided here, once, for the API and the pages.

use crate::app::activities::volunteer_of;
use crate::app::attendance::star_table;
use crate::app::input::optional_day;
use crate::app::scope::{admin_region_path, own_or_administered_volunteer};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::NaiveDate;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::benefit::{self, OfferDraft};
use zhiyuan_domain::points::{self, PointsRate};
use zhiyuan_domain::role::Role;
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_store::benefits::{Benefit, Provider, Redemption};
use zhiyuan_store::points::PointsAccount;
use zhiyuan_store::{Page, page_size};

/// A benefit as the offering administrator typed it.
pub struct BenefitForm<'a> {
    pub title: &'a str,
    pub provider: &'a str,
    pub description: &'a str,
    pub region_code: &'a str,
    pub stock: i64,
    pub points_cost: i64,
    pub min_star: i64,
    pub valid_from: &'a str,
    pub valid_to: &'a str,
    pub per_volunteer: i64,
}

fn today(state: &AppState) -> NaiveDate {
    china_date(from_epoch_ms(state.now_ms()))
}

fn required_day(raw: &str, field: &'static str) -> ApiResult<NaiveDate> {
    optional_day(Some(raw), field)?.ok_or_else(|| {
        RuleError::new("date_invalid", "a date YYYY-MM-DD is needed")
            .on(field)
            .into()
    })
}

/// Points an effective hour earns now (the `points_per_hour` setting).
pub async fn points_rate(state: &AppState) -> ApiResult<PointsRate> {
    let stored = state.store.setting(points::POINTS_PER_HOUR).await?;
    Ok(PointsRate::of_setting(stored.as_deref()))
}

/// A volunteer's points: the volunteer, or a region administrator over them.
pub async fn points_of(
    state: &AppState,
    caller: &CurrentUser,
    volunteer_id: i64,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> ApiResult<PointsAccount> {
    own_or_administered_volunteer(state, &caller.actor, volunteer_id).await?;
    Ok(state.store.points_of(volunteer_id, cursor, page_size(limit)).await?)
}

/// The calling volunteer's points.
pub async fn my_points(state: &AppState, caller: &CurrentUser, cursor: Option<&str>) -> ApiResult<PointsAccount> {
    let volunteer_id = volunteer_of(caller)?;
    Ok(state.store.points_of(volunteer_id, cursor, page_size(None)).await?)
}

/// Offers a benefit in a region the caller administers.
pub async fn offer(state: &AppState, caller: &CurrentUser, form: &BenefitForm<'_>) -> ApiResult<Benefit> {
    let region = state.store.require_region(form.region_code.trim()).await?;
    caller.actor.require_region_admin(&region.path)?;
    let draft = OfferDraft {
        title: form.title,
        provider: form.provider,
        description: form.description,
        stock: form.stock,
        points_cost: form.points_cost,
        min_star: form.min_star,
        valid_from: required_day(form.valid_from, "valid_from")?,
        valid_to: required_day(form.valid_to, "valid_to")?,
        per_volunteer: form.per_volunteer,
    };
    let offer = benefit::check_offer(&draft, today(state))?;
    Ok(state
        .store
        .offer_benefit(&offer, &region.code, &region.path, caller.user.id, state.now_ms())
        .await?)
}

/// The catalogue of a region the caller administers (their own scope
/// without one), newest first.
pub async fn catalogue(
    state: &AppState,
    caller: &CurrentUser,
    region: Option<&str>,
    cursor: Option<&str>,
) -> ApiResult<Page<Benefit>> {
    let path = admin_region_path(state, &caller.actor, region).await?;
    Ok(state.store.benefits_within(&path, cursor, page_size(None)).await?)
}

/// What the calling volunteer may look at redeeming today: the open
/// benefits of their home region and the regions above it.
pub async fn benefits_for_me(state: &AppState, caller: &CurrentUser) -> ApiResult<Vec<Benefit>> {
    let volunteer_id = volunteer_of(caller)?;
    let volunteer = own_or_administered_volunteer(state, &caller.actor, volunteer_id).await?;
    Ok(state
        .store
        .benefits_for_home(&volunteer.region_path, today(state))
        .await?)
}

/// A benefit anyone logged in may look at.
pub async fn benefit(state: &AppState, benefit_id: i64) -> ApiResult<Benefit> {
    state
        .store
        .benefit(benefit_id)
        .await?
        .ok_or_else(|| ApiError::not_found("benefit"))
}

/// Redeems one unit for the calling volunteer.
pub async fn redeem(state: &AppState, caller: &CurrentUser, benefit_id: i64) -> ApiResult<Redemption> {
    let volunteer_id = volunteer_of(caller)?;
    let stars = star_table(state).await?;
    Ok(state
        .store
        .redeem_benefit(benefit_id, volunteer_id, &stars, today(state), state.now_ms())
        .await?)
}

/// The calling volunteer's redemptions, newest first.
pub async fn my_redemptions(state: &AppState, caller: &CurrentUser) -> ApiResult<Vec<Redemption>> {
    let volunteer_id = volunteer_of(caller)?;
    Ok(state.store.redemptions_of_volunteer(volunteer_id, 200).await?)
}

/// The redemption a code names, for someone who checks codes of its
/// provider. Whoever checks no codes at all learns nothing (404, as for a
/// code that does not exist); a clerk or administrator of another
/// provider gets 403.
pub async fn redemption_to_check(state: &AppState, caller: &CurrentUser, raw_code: &str) -> ApiResult<Redemption> {
    let not_found = || ApiError::not_found("redemption");
    let code = benefit::normalize_code(raw_code).ok_or_else(not_found)?;
    let checks_codes = caller.actor.is_region_admin() || caller.actor.has_role(Role::BenefitProvider);
    if !checks_codes {
        return Err(not_found());
    }
    let redemption = state.store.redemption_by_code(&code).await?.ok_or_else(not_found)?;
    if !caller
        .actor
        .checks_for_provider(&redemption.provider_id.to_string(), &redemption.provider_region_path)
    {
        return Err(ApiError::forbidden());
    }
    Ok(redemption)
}

/// Checks a code once: 200 the first time, 409 `already_used` after.
pub async fn check(state: &AppState, caller: &CurrentUser, raw_code: &str) -> ApiResult<Redemption> {
    let redemption = redemption_to_check(state, caller, raw_code).await?;
    Ok(state
        .store
        .check_redemption(&redemption.code, caller.user.id, state.now_ms())
        .await?)
}

/// The providers the caller checks codes for as a clerk.
pub async fn my_providers(state: &AppState, caller: &CurrentUser) -> ApiResult<Vec<Provider>> {
    let mut providers = Vec::new();
    for grant in caller.actor.grants.iter().filter(|g| g.role == Role::BenefitProvider) {
        if let Ok(id) = grant.scope_id.parse::<i64>()
            && let Some(provider) = state.store.provider(id).await?
        {
            providers.push(provider);
        }
    }
    Ok(providers)
}

/// A provider's redemptions, for its clerks and the administrators over it.
pub async fn provider_redemptions(
    state: &AppState,
    caller: &CurrentUser,
    provider_id: i64,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> ApiResult<(Provider, Page<Redemption>)> {
    let provider = state
        .store
        .provider(provider_id)
        .await?
        .ok_or_else(|| ApiError::not_found("provider"))?;
    if !caller
        .actor
        .checks_for_provider(&provider.id.to_string(), &provider.region_path)
    {
        return Err(ApiError::forbidden());
    }
    let page = state
        .store
        .redemptions_of_provider(provider.id, cursor, page_size(limit))
        .await?;
    Ok((provider, page))
}
