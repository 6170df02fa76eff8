//! Award campaigns (表彰): region administrators open them; region
//! administrators and organization admins nominate (organizations their
//! members and projects, regions anyone of theirs); each level's
//! administrators pass nominations on within their quota or decline them,
//! seeing each nominee's hours and records; the campaign's level publishes
//! the winners, which anyone may then read.

use crate::app::input::optional_day;
use crate::app::scope::highest_admin_level;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::NaiveDate;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::award::{self, AwardKind, CampaignDraft};
use zhiyuan_domain::region::RegionLevel;
use zhiyuan_domain::role::Role;
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_store::awards::{Award, AwardCampaign, Nomination, Nominee};
use zhiyuan_store::parse_id;

/// A campaign as the administrator typed it.
pub struct CampaignForm<'a> {
    pub title: &'a str,
    pub kind: &'a str,
    pub region_code: &'a str,
    pub year: i32,
    pub county_quota: i64,
    pub city_quota: i64,
    pub province_quota: i64,
    pub nominate_until: &'a str,
}

/// A nomination with the facts a reviewer weighs.
pub struct NominationFacts {
    pub nomination: Nomination,
    pub effective_minutes: i64,
    pub records: i64,
}

fn today(state: &AppState) -> NaiveDate {
    china_date(from_epoch_ms(state.now_ms()))
}

fn kind_of(campaign: &AwardCampaign) -> ApiResult<AwardKind> {
    Ok(AwardKind::parse(&campaign.kind)?)
}

async fn campaign(state: &AppState, id: i64) -> ApiResult<AwardCampaign> {
    state
        .store
        .campaign(id)
        .await?
        .ok_or_else(|| ApiError::not_found("campaign"))
}

/// Opens a campaign in a region the caller administers.
pub async fn open_campaign(
    state: &AppState,
    caller: &CurrentUser,
    form: &CampaignForm<'_>,
) -> ApiResult<AwardCampaign> {
    let region = state.store.require_region(form.region_code.trim()).await?;
    caller.actor.require_region_admin(&region.path)?;
    let nominate_until = optional_day(Some(form.nominate_until), "nominate_until")?
        .ok_or_else(|| RuleError::new("date_invalid", "a date YYYY-MM-DD is needed").on("nominate_until"))?;
    let checked = award::check_campaign(
        &CampaignDraft {
            title: form.title,
            kind: form.kind,
            year: form.year,
            county_quota: form.county_quota,
            city_quota: form.city_quota,
            province_quota: form.province_quota,
            nominate_until,
        },
        today(state),
    )?;
    Ok(state
        .store
        .open_campaign(&checked, &region.code, &region.path, caller.user.id, state.now_ms())
        .await?)
}

/// The campaigns of a region and below.
pub async fn campaigns(state: &AppState, region: &str) -> ApiResult<Vec<AwardCampaign>> {
    let region = state.store.require_region(region.trim()).await?;
    Ok(state.store.campaigns_within(&region.path).await?)
}

/// Whether the caller is an admin of one of `organizations`.
fn runs_any(caller: &CurrentUser, organizations: &[i64]) -> bool {
    caller
        .actor
        .grants
        .iter()
        .any(|g| g.role == Role::OrgAdmin && organizations.iter().any(|id| g.scope_id == id.to_string()))
}

/// Nominates the nominee a campaign's kind names (`nominee`: a volunteer,
/// organization or project id, or a village's code): region
/// administrators over the nominee; organization admins for their
/// members and their own projects.
pub async fn nominate(
    state: &AppState,
    caller: &CurrentUser,
    campaign_id: i64,
    nominee: &str,
    reason: &str,
) -> ApiResult<Nomination> {
    let campaign = campaign(state, campaign_id).await?;
    let nominee = nominee.trim();
    let (id, name, path, organizations) = match kind_of(&campaign)? {
        AwardKind::OutstandingVolunteer => {
            let volunteer = state
                .store
                .volunteer(parse_id(nominee, "volunteer")?)
                .await?
                .ok_or_else(|| ApiError::not_found("volunteer"))?;
            let member_of = state.store.active_organizations_of(volunteer.id).await?;
            (
                volunteer.id.to_string(),
                volunteer.name,
                volunteer.region_path,
                member_of,
            )
        }
        AwardKind::OutstandingOrganization => {
            let organization = state
                .store
                .organization(parse_id(nominee, "organization")?)
                .await?
                .ok_or_else(|| ApiError::not_found("organization"))?;
            if !organization.is_verified() {
                return Err(RuleError::new("organization_unverified", "only verified organizations are named").into());
            }
            (
                organization.id.to_string(),
                organization.name,
                organization.region_path,
                Vec::new(),
            )
        }
        AwardKind::OutstandingProject => {
            let project = state
                .store
                .project(parse_id(nominee, "project")?)
                .await?
                .ok_or_else(|| ApiError::not_found("project"))?;
            let organization = state
                .store
                .organization(project.organization_id)
                .await?
                .ok_or_else(|| ApiError::not_found("organization"))?;
            (
                project.id.to_string(),
                project.title,
                organization.region_path,
                vec![organization.id],
            )
        }
        AwardKind::BestCommunity => {
            let region = state.store.require_region(nominee).await?;
            if RegionLevel::parse(&region.level)? != RegionLevel::Village {
                return Err(RuleError::new("community_required", "a village or community is named").into());
            }
            (region.code, region.name, region.path, Vec::new())
        }
    };
    if !caller.actor.administers_region(&path) && !runs_any(caller, &organizations) {
        return Err(ApiError::forbidden());
    }
    award::check_nominee_region(&path, &campaign.region_path)?;
    let reason = zhiyuan_domain::activity::check_text(reason, 1000, true, "reason")?;
    let nominee = Nominee {
        id: &id,
        name: &name,
        region_path: &path,
    };
    Ok(state
        .store
        .nominate(
            campaign.id,
            &nominee,
            &reason,
            today(state),
            caller.user.id,
            state.now_ms(),
        )
        .await?)
}

/// A campaign with the nominations the caller reviews or follows: those
/// in their administered regions, each with the nominee's effective
/// minutes and records; none for other readers.
pub async fn campaign_with_nominations(
    state: &AppState,
    caller: &CurrentUser,
    id: i64,
) -> ApiResult<(AwardCampaign, Vec<NominationFacts>)> {
    let campaign = campaign(state, id).await?;
    let kind = kind_of(&campaign)?;
    let mut shown = Vec::new();
    for path in caller.actor.administered_paths() {
        // An administrator above the campaign's region sees it all.
        let within = if zhiyuan_domain::region::path_within(&campaign.region_path, path) {
            campaign.region_path.as_str()
        } else {
            path
        };
        for nomination in state.store.nominations_within(campaign.id, within).await? {
            if shown.iter().any(|n: &NominationFacts| n.nomination.id == nomination.id) {
                continue;
            }
            let (effective_minutes, records) = match nomination.nominee_id.parse::<i64>() {
                Ok(nominee) if kind != AwardKind::BestCommunity => state.store.nominee_record(kind, nominee).await?,
                _ => (0, 0),
            };
            shown.push(NominationFacts {
                nomination,
                effective_minutes,
                records,
            });
        }
    }
    Ok((campaign, shown))
}

/// Nomination `id` (which campaign it belongs to; what a reader may see
/// of it is `campaign_with_nominations`'s).
pub async fn nomination(state: &AppState, id: i64) -> ApiResult<Nomination> {
    state
        .store
        .nomination(id)
        .await?
        .ok_or_else(|| ApiError::not_found("nomination"))
}

/// Passes a nomination on to the next level, or declines it: the
/// administrators of the level it stands at, over its nominee.
pub async fn review(state: &AppState, caller: &CurrentUser, nomination_id: i64, pass: bool) -> ApiResult<Nomination> {
    let nomination = nomination(state, nomination_id).await?;
    let level = highest_admin_level(&caller.actor, &nomination.region_path).ok_or_else(ApiError::forbidden)?;
    Ok(state
        .store
        .review_nomination(nomination.id, pass, level, caller.user.id, state.now_ms())
        .await?)
}

/// Publishes a campaign's winners: an administrator of its region or above.
pub async fn publish(state: &AppState, caller: &CurrentUser, campaign_id: i64) -> ApiResult<AwardCampaign> {
    let campaign = campaign(state, campaign_id).await?;
    caller.actor.require_region_admin(&campaign.region_path)?;
    Ok(state
        .store
        .publish_campaign(campaign.id, caller.user.id, state.now_ms())
        .await?)
}

/// The published awards of a nominee (public).
pub async fn awards_of(state: &AppState, kind: &str, nominee: &str) -> ApiResult<Vec<Award>> {
    let kind = AwardKind::parse(kind).map_err(|e| e.on("kind"))?;
    Ok(state.store.awards_of(kind, nominee.trim()).await?)
}
