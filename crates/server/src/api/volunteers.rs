//! Volunteers: self-registration, reading a record (whole ID and phone only
//! for the owner and covering region admins, audited), search by
//! administrators, transfers, consents, and appeals against a taken ID number.

use crate::api::{Paging, rfc3339};
use crate::app::appeals::{self, AppealDraft};
use crate::app::volunteers::{self, SelfRegistration, VolunteerProfile, VolunteerSearch};
use crate::auth::{ClientAddress, CurrentUser, MaybeUser};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::appeal::AppealStatus;
use zhiyuan_domain::time::parse_date;
use zhiyuan_domain::volunteer::{Category, Guardian, RegistrationInput};
use zhiyuan_store::appeals::Appeal;
use zhiyuan_store::volunteers::Volunteer;
use zhiyuan_store::{page_size, parse_id};

#[derive(Serialize, ToSchema)]
pub struct CategoriesView {
    pub party_member: bool,
    pub elderly: bool,
    pub rural: bool,
    pub minor: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentsView {
    pub face: bool,
    pub location: bool,
}

#[derive(Serialize, ToSchema)]
pub struct VolunteerView {
    pub id: String,
    pub volunteer_no: String,
    pub name: String,
    /// Masked (the first and last characters) unless the reader may see it whole.
    pub id_number: String,
    /// Masked (138****0001) unless the reader may see it whole.
    pub phone: String,
    /// Whether `id_number`, `phone` and the birth date are shown whole (such reads are audited).
    pub personal_data_visible: bool,
    /// `YYYY-MM-DD`, to readers who may see personal data only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// Age in full years, to readers who may see personal data only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<u32>,
    /// `under_14`, `14_17`, `18_34`, `35_59` or `60_plus` (from the birth year).
    pub age_band: String,
    pub age_band_label: String,
    /// `male` or `female`, from the ID number.
    pub sex: String,
    pub political_status: String,
    pub political_status_label: String,
    pub region_code: String,
    pub categories: CategoriesView,
    pub skills: Vec<String>,
    pub consents: ConsentsView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardian_name: Option<String>,
    pub registered_at: String,
    /// The last day the volunteer's accident insurance covers (`YYYY-MM-DD`).
    pub insured_until: Option<String>,
}

/// The API's view of a volunteer's profile.
pub fn volunteer_view(profile: &VolunteerProfile) -> VolunteerView {
    let volunteer = &profile.volunteer;
    let personal = profile.personal.as_ref();
    VolunteerView {
        id: volunteer.id.to_string(),
        volunteer_no: volunteer.volunteer_no.clone(),
        name: volunteer.name.clone(),
        id_number: personal.map_or_else(|| volunteer.id_masked.clone(), |p| p.id_number.clone()),
        phone: personal.map_or_else(|| volunteer.phone_masked.clone(), |p| p.phone.clone()),
        personal_data_visible: personal.is_some(),
        birth_date: personal
            .and_then(|p| p.birth_date)
            .map(|date| date.format("%Y-%m-%d").to_string()),
        age: personal.and_then(|p| p.age),
        age_band: profile.age_band.as_str().to_string(),
        age_band_label: profile.age_band.label_zh().to_string(),
        sex: volunteer.sex.clone(),
        political_status: profile.political_status.as_str().to_string(),
        political_status_label: profile.political_status.label_zh().to_string(),
        region_code: volunteer.region_code.clone(),
        categories: CategoriesView {
            party_member: profile.categories.party_member,
            elderly: profile.categories.elderly,
            rural: profile.categories.rural,
            minor: profile.categories.minor,
        },
        skills: volunteer.skill_list(),
        consents: ConsentsView {
            face: volunteer.face_consent_at.is_some(),
            location: volunteer.location_consent_at.is_some(),
        },
        guardian_name: volunteer.guardian_name.clone(),
        registered_at: rfc3339(volunteer.registered_at),
        insured_until: volunteer.insured_until.clone(),
    }
}

/// The masked view of a volunteer, for anyone allowed to list them.
fn masked(state: &AppState, volunteer: Volunteer) -> VolunteerView {
    volunteer_view(&volunteers::masked_profile(state, volunteer))
}

#[derive(Deserialize, ToSchema)]
pub struct GuardianInput {
    pub name: String,
    pub phone: String,
    pub consent: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct ConsentsInput {
    pub face: Option<bool>,
    pub location: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterVolunteer {
    pub name: String,
    /// 18-character resident ID number; a final `x` equals `X`.
    pub id_number: String,
    pub phone: String,
    pub password: String,
    /// County, township or village/community code.
    pub region_code: String,
    /// e.g. `中共党员`, `群众` or the codes `party_member`, `masses`.
    pub political_status: Option<String>,
    #[serde(default)]
    pub skills: Vec<String>,
    /// Required under 14.
    pub guardian: Option<GuardianInput>,
    pub consents: Option<ConsentsInput>,
}

/// Registers a volunteer under their real name.
#[utoipa::path(post, path = "/api/v1/volunteers", tag = "volunteers", request_body = RegisterVolunteer,
    responses((status = 201, body = VolunteerView), (status = 409, description = "id_number_taken or phone_taken", body = crate::error::Problem),
        (status = 422, description = "id_number_invalid, region_unknown, password_weak, guardian_required, ...", body = crate::error::Problem)))]
pub async fn register(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<RegisterVolunteer>,
) -> ApiResult<(StatusCode, Json<VolunteerView>)> {
    let registration = SelfRegistration {
        input: RegistrationInput {
            name: request.name,
            id_number: request.id_number,
            phone: request.phone,
            region_code: request.region_code,
            political_status: request.political_status,
            skills: request.skills,
            guardian: request.guardian.map(|g| Guardian {
                name: g.name,
                phone: g.phone,
                consent: g.consent,
            }),
        },
        password: request.password,
        face_consent: request.consents.as_ref().and_then(|c| c.face),
        location_consent: request.consents.as_ref().and_then(|c| c.location),
    };
    let volunteer = volunteers::register(&state, registration, &address).await?;
    Ok((StatusCode::CREATED, Json(masked(&state, volunteer))))
}

/// One volunteer: the owner, covering region admins (whole ID and phone,
/// audited) and admins of an organization the volunteer belongs to (masked).
#[utoipa::path(get, path = "/api/v1/volunteers/{id}", tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = VolunteerView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn volunteer(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<VolunteerView>> {
    let profile = volunteers::read(&state, &current, parse_id(&id, "volunteer")?).await?;
    Ok(Json(volunteer_view(&profile)))
}

#[derive(Deserialize, IntoParams)]
pub struct VolunteerFilter {
    /// Region code; defaults to the caller's own scope.
    pub region: Option<String>,
    /// Name fragment, volunteer number, whole phone or whole ID number.
    pub q: Option<String>,
    /// `party_member`, `elderly`, `rural` or `minor`.
    pub category: Option<String>,
    pub skill: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VolunteerList {
    pub items: Vec<VolunteerView>,
    pub next_cursor: Option<String>,
}

/// Volunteers in a region subtree (region administrators), masked.
#[utoipa::path(get, path = "/api/v1/volunteers", tag = "volunteers", security(("bearer" = [])), params(VolunteerFilter, Paging),
    responses((status = 200, body = VolunteerList), (status = 403, body = crate::error::Problem)))]
pub async fn search(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(filter): ApiQuery<VolunteerFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<VolunteerList>> {
    let search = VolunteerSearch {
        region: filter.region,
        q: filter.q,
        category: filter
            .category
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(Category::parse)
            .transpose()?,
        skill: filter.skill,
    };
    let page = volunteers::search(&state, &current.actor, search, paging.cursor, page_size(paging.limit)).await?;
    Ok(Json(VolunteerList {
        items: page.items.into_iter().map(|v| masked(&state, v)).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct TransferRequest {
    /// The new home region (county, township or village/community).
    pub region_code: String,
}

/// Moves a volunteer's record to another region (the volunteer, or a region
/// admin covering their current region); history is kept.
#[utoipa::path(post, path = "/api/v1/volunteers/{id}/transfer", tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = TransferRequest,
    responses((status = 200, body = VolunteerView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn transfer(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<TransferRequest>,
) -> ApiResult<Json<VolunteerView>> {
    let moved = volunteers::transfer(&state, &current, parse_id(&id, "volunteer")?, &request.region_code).await?;
    Ok(Json(masked(&state, moved)))
}

#[derive(Serialize, ToSchema)]
pub struct TransferView {
    pub from_region: String,
    pub to_region: String,
    pub at: String,
    pub by_user: String,
}

/// The transfer history of a volunteer.
#[utoipa::path(get, path = "/api/v1/volunteers/{id}/transfers", tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = [TransferView]), (status = 403, body = crate::error::Problem)))]
pub async fn transfers(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TransferView>>> {
    let history = volunteers::transfers(&state, &current, parse_id(&id, "volunteer")?).await?;
    Ok(Json(
        history
            .into_iter()
            .map(|t| TransferView {
                from_region: t.from_region,
                to_region: t.to_region,
                at: rfc3339(t.at),
                by_user: t.by_user.to_string(),
            })
            .collect(),
    ))
}

/// Gives or withdraws the separate consents for face templates and location
/// tracks (the volunteer only).
#[utoipa::path(put, path = "/api/v1/volunteers/{id}/consents", tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = ConsentsInput,
    responses((status = 200, body = VolunteerView), (status = 403, body = crate::error::Problem)))]
pub async fn consents(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ConsentsInput>,
) -> ApiResult<Json<VolunteerView>> {
    let id = parse_id(&id, "volunteer")?;
    let updated = volunteers::set_consents(&state, &current, id, request.face, request.location).await?;
    Ok(Json(masked(&state, updated)))
}

#[derive(Deserialize, ToSchema)]
pub struct InsuranceInput {
    /// The last day the accident insurance covers (`YYYY-MM-DD`); null: none.
    pub insured_until: Option<String>,
}

/// Records a volunteer's accident insurance (activities may require it):
/// region administrators over the volunteer, and admins of an organization
/// the volunteer is an active member of. Audited.
#[utoipa::path(put, path = "/api/v1/volunteers/{id}/insurance", tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = InsuranceInput,
    responses((status = 200, body = VolunteerView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn insurance(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<InsuranceInput>,
) -> ApiResult<Json<VolunteerView>> {
    let id = parse_id(&id, "volunteer")?;
    let insured_until = match request
        .insured_until
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(raw) => Some(parse_date(raw, "insured_until")?),
        None => None,
    };
    let updated = volunteers::set_insurance(&state, &current, id, insured_until).await?;
    Ok(Json(masked(&state, updated)))
}

#[derive(Deserialize, ToSchema)]
pub struct AppealRequest {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub region_code: String,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct AppealView {
    pub id: String,
    pub name: String,
    pub region_code: String,
    pub reason: String,
    /// `open`, `upheld` or `dismissed`.
    pub status: String,
    pub created_at: String,
    pub resolution: Option<String>,
    pub resolved_at: Option<String>,
    /// The region of the record that held the number when the appeal was
    /// filed (administrators only; none when nobody held it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder_region_code: Option<String>,
}

fn appeal_view(appeal: Appeal) -> AppealView {
    AppealView {
        id: appeal.id.to_string(),
        name: appeal.name,
        region_code: appeal.region_code,
        reason: appeal.reason,
        status: appeal.status,
        created_at: rfc3339(appeal.created_at),
        resolution: appeal.resolution,
        resolved_at: appeal.resolved_at.map(rfc3339),
        holder_region_code: appeal.holder_region_code,
    }
}

#[derive(Serialize, ToSchema)]
pub struct AppealFiled {
    pub id: String,
    /// `open`.
    pub status: String,
    pub detail: String,
}

/// Appeals a taken ID number: someone else registered with it. Anyone may
/// file (the person whose number is taken cannot register), at most 3 a day
/// from one address; the answer is the same whether the number is
/// registered or not. Administrators over the region of the record that
/// holds the number resolve it.
#[utoipa::path(post, path = "/api/v1/id-appeals", tag = "volunteers", request_body = AppealRequest,
    responses((status = 201, body = AppealFiled), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn file_appeal(
    State(state): State<AppState>,
    MaybeUser(caller): MaybeUser,
    ClientAddress(address): ClientAddress,
    ApiJson(request): ApiJson<AppealRequest>,
) -> ApiResult<(StatusCode, Json<AppealFiled>)> {
    let draft = AppealDraft {
        name: &request.name,
        id_number: &request.id_number,
        phone: &request.phone,
        region_code: &request.region_code,
        reason: &request.reason,
    };
    let id = appeals::file(&state, caller.as_ref(), &draft, &address).await?;
    Ok((
        StatusCode::CREATED,
        Json(AppealFiled {
            id: id.to_string(),
            status: AppealStatus::Open.as_str().to_string(),
            detail: "the appeal was received; the county office will contact you at the phone given".to_string(),
        }),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct AppealFilter {
    pub region: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AppealList {
    pub items: Vec<AppealView>,
    pub next_cursor: Option<String>,
}

/// Appeals in a region subtree (region administrators).
#[utoipa::path(get, path = "/api/v1/id-appeals", tag = "volunteers", security(("bearer" = [])), params(AppealFilter, Paging),
    responses((status = 200, body = AppealList), (status = 403, body = crate::error::Problem)))]
pub async fn appeals(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(filter): ApiQuery<AppealFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<AppealList>> {
    let page = appeals::in_region(
        &state,
        &current,
        filter.region.as_deref(),
        paging.cursor.as_deref(),
        page_size(paging.limit),
    )
    .await?;
    Ok(Json(AppealList {
        items: page.items.into_iter().map(appeal_view).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct AppealDecision {
    /// Upheld releases the ID number from the record that holds it.
    pub upheld: bool,
    pub resolution: String,
}

/// Resolves an appeal (a region admin covering the region of the record
/// that held the number when it was filed).
#[utoipa::path(post, path = "/api/v1/id-appeals/{id}/resolve", tag = "volunteers", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = AppealDecision,
    responses((status = 200, body = AppealView), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn resolve_appeal(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(decision): ApiJson<AppealDecision>,
) -> ApiResult<Json<AppealView>> {
    let id = parse_id(&id, "appeal")?;
    let appeal = appeals::resolve(&state, &current, id, decision.upheld, &decision.resolution).await?;
    Ok(Json(appeal_view(appeal)))
}
