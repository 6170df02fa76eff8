//! Volunteers as the API and the pages both use them: self-registration
//! under the real name (with its limits on tries), the search region
//! administrators run over their subtree, and a volunteer's profile as a
//! reader may see it (personal data whole only for the owner and covering
//! region administrators, and then audited), transfers between regions,
//! the separate consents and insurance. Identity appeals still live in
//! `api/volunteers.rs`.

use crate::app::scope::admin_region_path;
use crate::auth::{CurrentUser, count_try};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::NaiveDate;
use zhiyuan_domain::id_number::birth_date_of;
use zhiyuan_domain::password::check_strength;
use zhiyuan_domain::region::RegionCode;
use zhiyuan_domain::role::Actor;
use zhiyuan_domain::throttle::{REGISTRATIONS_PER_ADDRESS, TAKEN_ANSWERS_PER_ADDRESS};
use zhiyuan_domain::time::{age_in_years, china_date};
use zhiyuan_domain::volunteer::{self, AgeBand, Categories, Category, PoliticalStatus, RegistrationInput};
use zhiyuan_store::Page;
use zhiyuan_store::volunteers::{Transfer, Volunteer, VolunteerQuery};

/// What a volunteer search asks for.
#[derive(Default)]
pub struct VolunteerSearch {
    /// Region code; without it, the caller's own scope.
    pub region: Option<String>,
    /// Name fragment, volunteer number, whole phone or whole ID number.
    pub q: Option<String>,
    pub category: Option<Category>,
    pub skill: Option<String>,
}

/// Volunteers in a region subtree inside the caller's scope (region
/// administrators), a page at a time; ages and categories as of today in
/// China.
pub async fn search(
    state: &AppState,
    actor: &Actor,
    search: VolunteerSearch,
    cursor: Option<String>,
    limit: i64,
) -> ApiResult<Page<Volunteer>> {
    let query = VolunteerQuery {
        region_path: admin_region_path(state, actor, search.region.as_deref()).await?,
        q: search.q,
        category: search.category,
        skill: search.skill,
        cursor,
        limit,
    };
    Ok(state.store.search_volunteers(&query, china_date(state.now())).await?)
}

/// A registration as the volunteer fills it in.
pub struct SelfRegistration {
    pub input: RegistrationInput,
    pub password: String,
    /// Separate consents given with the registration (`None`: not answered).
    pub face_consent: Option<bool>,
    pub location_consent: Option<bool>,
}

/// Registers a volunteer under their real name (`volunteer::register`,
/// a strong password, a known region): at most 60 registrations an hour
/// from one address, and at most 5 answers an hour that say a phone or ID
/// number is taken (beyond them, 429), so that nobody can probe who is
/// registered.
pub async fn register(state: &AppState, registration: SelfRegistration, address: &str) -> ApiResult<Volunteer> {
    count_try(state, REGISTRATIONS_PER_ADDRESS, &[address], state.now_ms()).await?;
    let registered = register_checked(state, registration).await;
    if let Err(refused) = &registered
        && refused.code.ends_with("_taken")
    {
        count_try(state, TAKEN_ANSWERS_PER_ADDRESS, &[address], state.now_ms()).await?;
    }
    registered
}

async fn register_checked(state: &AppState, registration: SelfRegistration) -> ApiResult<Volunteer> {
    let checked = volunteer::register(&registration.input, china_date(state.now()))?;
    check_strength(&registration.password)?;
    state.store.require_region(checked.region.as_str()).await?;
    let hash = state.passwords.hash(registration.password).await?;
    let now = state.now_ms();
    let mut volunteer = state.store.register_volunteer(&checked, Some(&hash), now).await?;
    let (face, location) = (registration.face_consent, registration.location_consent);
    if face.is_some() || location.is_some() {
        volunteer = state
            .store
            .set_consents(volunteer.id, face, location, volunteer.user_id, now)
            .await?;
    }
    Ok(volunteer)
}

/// A volunteer as a reader sees them, as of today in China: the stored
/// record (its ID number and phone masked), the age band, political status
/// and categories, and the personal data when the reader may see it.
pub struct VolunteerProfile {
    pub volunteer: Volunteer,
    pub age_band: AgeBand,
    pub political_status: PoliticalStatus,
    pub categories: Categories,
    pub personal: Option<PersonalData>,
}

/// What only the volunteer and the region administrators over them see.
pub struct PersonalData {
    pub id_number: String,
    pub phone: String,
    pub birth_date: Option<NaiveDate>,
    pub age: Option<u32>,
}

/// The profile anyone allowed to list the volunteer sees (masked).
pub fn masked_profile(state: &AppState, volunteer: Volunteer) -> VolunteerProfile {
    let today = china_date(state.now());
    let political_status = PoliticalStatus::parse(&volunteer.political_status).unwrap_or(PoliticalStatus::Masses);
    let categories = RegionCode::parse(&volunteer.region_code)
        .map(|region| volunteer::categories(political_status, volunteer.birth_year, &region, today))
        .unwrap_or_default();
    VolunteerProfile {
        age_band: AgeBand::of(volunteer.birth_year, today),
        political_status,
        categories,
        personal: None,
        volunteer,
    }
}

/// The profile `actor` may see: with the whole ID number, phone, birth
/// date and age for the owner and covering region administrators (read
/// from the sealed columns and audited), masked for everyone else.
pub async fn profile_for(state: &AppState, actor: &Actor, volunteer: Volunteer) -> ApiResult<VolunteerProfile> {
    let allowed = actor.may_see_personal_data(&volunteer.id.to_string(), &volunteer.region_path);
    let mut profile = masked_profile(state, volunteer);
    if allowed {
        let reader: i64 = actor.user_id.parse().map_err(ApiError::internal)?;
        let personal = state
            .store
            .read_personal_data(profile.volunteer.id, reader, state.now_ms())
            .await?;
        let birth_date = birth_date_of(&personal.id_number);
        profile.personal = Some(PersonalData {
            age: birth_date.map(|date| age_in_years(date, china_date(state.now()))),
            birth_date,
            id_number: personal.id_number,
            phone: personal.phone,
        });
    }
    Ok(profile)
}

/// Volunteer `id`, if there is one.
async fn existing(state: &AppState, id: i64) -> ApiResult<Volunteer> {
    state
        .store
        .volunteer(id)
        .await?
        .ok_or_else(|| ApiError::not_found("volunteer"))
}

/// Volunteer `id` as `caller` may read them: the volunteer, covering
/// region administrators (personal data whole, audited) and admins of an
/// organization the volunteer is an active member of (masked); 403 for
/// anyone else.
pub async fn read(state: &AppState, caller: &CurrentUser, id: i64) -> ApiResult<VolunteerProfile> {
    let volunteer = existing(state, id).await?;
    let organizations: Vec<String> = state
        .store
        .active_organizations_of(volunteer.id)
        .await?
        .iter()
        .map(i64::to_string)
        .collect();
    if !caller
        .actor
        .may_read_volunteer(&volunteer.id.to_string(), &volunteer.region_path, &organizations)
    {
        return Err(ApiError::forbidden());
    }
    profile_for(state, &caller.actor, volunteer).await
}

/// Volunteer `id` for the volunteer or a region administrator over them
/// (transfers); 403 for anyone else.
async fn own_or_covered(state: &AppState, caller: &CurrentUser, id: i64) -> ApiResult<Volunteer> {
    let volunteer = existing(state, id).await?;
    if !caller
        .actor
        .may_see_personal_data(&volunteer.id.to_string(), &volunteer.region_path)
    {
        return Err(ApiError::forbidden());
    }
    Ok(volunteer)
}

/// Moves a volunteer's record to another region (the volunteer, or a
/// region administrator over their current region); the history is kept.
pub async fn transfer(state: &AppState, caller: &CurrentUser, id: i64, region_code: &str) -> ApiResult<Volunteer> {
    let volunteer = own_or_covered(state, caller, id).await?;
    Ok(state
        .store
        .transfer_volunteer(volunteer.id, region_code.trim(), caller.user.id, state.now_ms())
        .await?)
}

/// The transfer history of a volunteer (the volunteer, region
/// administrators over them).
pub async fn transfers(state: &AppState, caller: &CurrentUser, id: i64) -> ApiResult<Vec<Transfer>> {
    let volunteer = own_or_covered(state, caller, id).await?;
    Ok(state.store.transfers(volunteer.id).await?)
}

/// Gives or withdraws the separate consents for face templates and
/// location tracks (`None`: unchanged); the volunteer only.
pub async fn set_consents(
    state: &AppState,
    caller: &CurrentUser,
    id: i64,
    face: Option<bool>,
    location: Option<bool>,
) -> ApiResult<Volunteer> {
    let volunteer = existing(state, id).await?;
    if !caller.actor.is_volunteer(&volunteer.id.to_string()) {
        return Err(ApiError::forbidden());
    }
    Ok(state
        .store
        .set_consents(volunteer.id, face, location, caller.user.id, state.now_ms())
        .await?)
}

/// Records the last day a volunteer's accident insurance covers (`None`:
/// none): region administrators over the volunteer and admins of an
/// organization the volunteer is an active member of; audited.
pub async fn set_insurance(
    state: &AppState,
    caller: &CurrentUser,
    id: i64,
    insured_until: Option<NaiveDate>,
) -> ApiResult<Volunteer> {
    let volunteer = existing(state, id).await?;
    let mut allowed = caller.actor.administers_region(&volunteer.region_path);
    if !allowed {
        for organization_id in state.store.active_organizations_of(volunteer.id).await? {
            let Some(organization) = state.store.organization(organization_id).await? else {
                continue;
            };
            if caller
                .actor
                .administers_organization(&organization_id.to_string(), &organization.region_path)
            {
                allowed = true;
                break;
            }
        }
    }
    if !allowed {
        return Err(ApiError::forbidden());
    }
    state
        .store
        .set_insurance(volunteer.id, insured_until, caller.user.id, state.now_ms())
        .await?;
    existing(state, id).await
}
