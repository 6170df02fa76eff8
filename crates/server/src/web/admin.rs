//! Pages of the region administrators: the search of the volunteers in
//! their scope (masked), and the organizations in their scope with the
//! verification queue and its "审核通过" button. Everyone else gets 403.

use crate::app::organizations::{self, OrganizationSearch as OrganizationQuery};
use crate::app::volunteers::{self, VolunteerSearch as VolunteerQuery};
use crate::auth::CurrentUser;
use crate::state::AppState;
use crate::web::i18n::{self, Lang, Texts};
use crate::web::page::{
    FieldError, Layout, Page, PageError, PageForm, PageQuery, PageResult, RegionNames, check_session_csrf, filled,
    render, render_with, session_csrf,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use zhiyuan_domain::volunteer::Category;
use zhiyuan_store::parse_id;

/// Rows per page: small enough for a cheap phone.
const PAGE_SIZE: i64 = 20;

/// The logged-in region administrator, or why not.
fn region_admin(page: &Page) -> Result<&CurrentUser, PageError> {
    let user = page.require_user()?;
    if user.actor.is_region_admin() {
        Ok(user)
    } else {
        Err(PageError::forbidden())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VolunteerSearch {
    region: String,
    q: String,
    category: String,
    skill: String,
    cursor: String,
}

struct VolunteerRow {
    volunteer_no: String,
    name: String,
    id_number: String,
    phone: String,
    sex: &'static str,
    age: &'static str,
    region: String,
    categories: String,
    skills: String,
}

#[derive(Template)]
#[template(path = "admin_volunteers.html")]
struct VolunteersPage<'a> {
    t: &'static Texts,
    layout: Layout,
    search: &'a VolunteerSearch,
    categories: Vec<(&'static str, &'static str)>,
    rows: Vec<VolunteerRow>,
    next_cursor: Option<String>,
    error: Option<FieldError>,
}

impl VolunteersPage<'_> {
    fn error_for(&self, field: &str) -> Option<&'static str> {
        self.error.as_ref().filter(|e| e.field == field).map(|e| e.message)
    }
}

pub async fn volunteers(
    page: Page,
    State(state): State<AppState>,
    PageQuery(search): PageQuery<VolunteerSearch>,
) -> PageResult {
    let user = region_admin(&page)?;
    let query = filled(&search.category)
        .map(|c| Category::parse(&c))
        .transpose()
        .map(|category| VolunteerQuery {
            region: filled(&search.region),
            q: filled(&search.q),
            category,
            skill: filled(&search.skill),
        });
    let mut status = StatusCode::OK;
    let mut error = None;
    let mut rows = Vec::new();
    let mut next_cursor = None;
    let found = match query {
        Ok(query) => volunteers::search(&state, &user.actor, query, filled(&search.cursor), PAGE_SIZE).await,
        Err(refused) => Err(refused.into()),
    };
    match found {
        Ok(found) => {
            let mut regions = RegionNames::default();
            for volunteer in &found.items {
                rows.push(volunteer_row(page.lang, volunteer, &mut regions, &state).await?);
            }
            next_cursor = found.next_cursor;
        }
        Err(refused) if refused.status.is_client_error() => {
            status = refused.status;
            error = Some(FieldError {
                field: if refused.code == "category_invalid" {
                    "category"
                } else {
                    "region"
                },
                message: i18n::problem(page.lang, &refused.code),
            });
        }
        Err(failure) => return Err(failure.into()),
    }
    render_with(
        status,
        &VolunteersPage {
            t: page.t,
            layout: page.layout(),
            search: &search,
            categories: i18n::categories(page.lang),
            rows,
            next_cursor,
            error,
        },
    )
}

async fn volunteer_row(
    lang: Lang,
    volunteer: &zhiyuan_store::volunteers::Volunteer,
    regions: &mut RegionNames,
    state: &AppState,
) -> Result<VolunteerRow, PageError> {
    let profile = volunteers::masked_profile(state, volunteer.clone());
    let categories = i18n::volunteer_categories(lang, &profile.categories);
    Ok(VolunteerRow {
        region: regions.label(state, &volunteer.region_code).await?,
        sex: i18n::sex(lang, &volunteer.sex),
        categories: categories.join(lang.texts().list_sep),
        skills: volunteer.skill_list().join(lang.texts().list_sep),
        volunteer_no: volunteer.volunteer_no.clone(),
        name: volunteer.name.clone(),
        id_number: volunteer.id_masked.clone(),
        phone: volunteer.phone_masked.clone(),
        age: i18n::age_band(lang, profile.age_band.as_str()),
    })
}

/// The organization lists: the verification queue (default), the verified, all.
fn status_filter(raw: &str) -> (&'static str, Option<bool>) {
    match raw {
        "verified" => ("verified", Some(true)),
        "all" => ("all", None),
        _ => ("unverified", Some(false)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrganizationSearch {
    status: String,
    q: String,
    cursor: String,
    /// The organization just verified, for the notice.
    done: String,
}

struct OrganizationRow {
    id: String,
    name: String,
    kind: &'static str,
    region: String,
    uscc: String,
    created_on: String,
    verified: bool,
}

#[derive(Template)]
#[template(path = "admin_organizations.html")]
struct OrganizationsPage<'a> {
    t: &'static Texts,
    layout: Layout,
    status: &'static str,
    q: &'a str,
    csrf: String,
    notice: Option<String>,
    rows: Vec<OrganizationRow>,
    next_cursor: Option<String>,
}

pub async fn organizations(
    page: Page,
    State(state): State<AppState>,
    PageQuery(search): PageQuery<OrganizationSearch>,
) -> PageResult {
    let user = region_admin(&page)?;
    let (status, verified) = status_filter(&search.status);
    let query = OrganizationQuery {
        region: None,
        verified,
        q: filled(&search.q),
    };
    let found = organizations::search(&state, Some(&user.actor), query, filled(&search.cursor), PAGE_SIZE).await?;
    let mut regions = RegionNames::default();
    let mut rows = Vec::new();
    for org in found.items {
        rows.push(OrganizationRow {
            id: org.id.to_string(),
            kind: i18n::organization_kind(page.lang, &org.kind),
            region: regions.label(&state, &org.region_code).await?,
            uscc: org.uscc.clone().unwrap_or_default(),
            created_on: crate::api::rfc3339(org.created_at)
                .get(..10)
                .unwrap_or_default()
                .to_string(),
            verified: org.is_verified(),
            name: org.name,
        });
    }
    let notice = match search.done.parse::<i64>() {
        Ok(id) => state
            .store
            .organization(id)
            .await?
            .filter(|org| org.is_verified() && user.actor.administers_region(&org.region_path))
            .map(|org| org.name),
        Err(_) => None,
    };
    render(&OrganizationsPage {
        t: page.t,
        layout: page.layout(),
        status,
        q: search.q.trim(),
        csrf: session_csrf(user),
        notice,
        rows,
        next_cursor: found.next_cursor,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VerifyForm {
    csrf: String,
    /// The list to go back to.
    status: String,
}

pub async fn verify_organization(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(form): PageForm<VerifyForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let id = parse_id(&id, "organization")?;
    match organizations::verify(&state, user, id).await {
        Ok(_) => {}
        // verified meanwhile (another tab, another admin): the outcome is the same
        Err(refused) if refused.code == "invalid_transition" => {}
        Err(failure) => return Err(failure.into()),
    }
    let (status, _) = status_filter(&form.status);
    Ok(Redirect::to(&format!("/admin/organizations?status={status}&done={id}")).into_response())
}
