//! "My profile": the logged-in person's name, roles with their scopes, and
//! their volunteer record. The ID number is masked unless they ask for it
//! whole (`?reveal=1`), which goes through `view_for` and is audited. Also
//! the password change (`/me/password`), which ends every session and sends
//! the person back to the login page. A volunteer also sees "who has seen
//! my data": their audit trail (whole ID number or phone read, consents,
//! insurance, region changes), a page at a time.

use crate::app::accounts;
use crate::app::oversight;
use crate::app::volunteers::{self, VolunteerProfile};
use crate::state::AppState;
use crate::web::i18n::{self, Lang, Texts};
use crate::web::page::{
    FieldError, Layout, Page, PageError, PageForm, PageQuery, PageResult, RegionNames, check_session_csrf, china_time,
    filled, render, render_with, session_csrf,
};
use askama::Template;
use axum::extract::State;
use serde::Deserialize;
use zhiyuan_domain::award::AwardKind;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MeQuery {
    reveal: String,
    /// The audit trail's cursor: the entries before (older than) this one.
    audit: String,
}

/// Audit entries shown per page of "my profile".
const AUDIT_PAGE: i64 = 20;

struct AuditRow {
    at: String,
    action: &'static str,
    actor: String,
    detail: String,
}

struct RoleRow {
    role: &'static str,
    scope: String,
}

struct VolunteerCard {
    volunteer_no: String,
    id_number: String,
    /// Whether `id_number` is shown whole.
    whole: bool,
    region: String,
    birth_date: String,
    sex: &'static str,
    political_status: &'static str,
    categories: Vec<&'static str>,
    skills: Vec<String>,
    face: bool,
    location: bool,
    guardian_name: Option<String>,
    registered_on: String,
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    t: &'static Texts,
    layout: Layout,
    name: String,
    phone: String,
    roles: Vec<RoleRow>,
    volunteer: Option<VolunteerCard>,
    audit: Vec<AuditRow>,
    audit_next: Option<String>,
    /// The trail is shown from a later page: offer the first one again.
    audit_paged: bool,
    /// The published awards of the volunteer: (year, title).
    awards: Vec<(i64, String)>,
    x: &'static crate::web::i18n::incentives::IncentiveTexts,
}

pub async fn me(page: Page, State(state): State<AppState>, PageQuery(query): PageQuery<MeQuery>) -> PageResult {
    let user = page.require_user()?;
    let mut regions = RegionNames::default();
    let mut roles = Vec::new();
    for grant in &user.actor.grants {
        roles.push(RoleRow {
            role: i18n::role(page.lang, grant.role.as_str()),
            scope: scope_name(&state, &mut regions, grant.role.scope_kind().as_str(), &grant.scope_id).await?,
        });
    }
    let mut audit = Vec::new();
    let mut audit_next = None;
    if let Some(volunteer_id) = user.volunteer_id() {
        let cursor = filled(&query.audit);
        let trail = oversight::audit_trail(&state, user, volunteer_id, cursor.as_deref(), AUDIT_PAGE).await?;
        audit_next = trail.next_cursor;
        audit = trail
            .items
            .into_iter()
            .map(|e| AuditRow {
                at: china_time(e.at),
                action: i18n::audit_action(page.lang, &e.action),
                actor: e.actor_name.unwrap_or_else(|| page.t.audit_system.to_string()),
                detail: e.detail,
            })
            .collect();
    }
    let awards = match user.volunteer_id() {
        Some(id) => crate::app::awards::awards_of(&state, AwardKind::OutstandingVolunteer.as_str(), &id.to_string())
            .await?
            .into_iter()
            .map(|award| (award.year, award.title))
            .collect(),
        None => Vec::new(),
    };
    let record = match user.volunteer_id() {
        Some(id) => state.store.volunteer(id).await?,
        None => None,
    };
    let mut phone = accounts::masked_phone(&state, &user.user);
    let volunteer = match record {
        Some(record) => {
            let profile = if query.reveal == "1" {
                volunteers::profile_for(&state, &user.actor, record).await?
            } else {
                volunteers::masked_profile(&state, record)
            };
            if let Some(personal) = &profile.personal {
                phone = personal.phone.clone();
            }
            let region = regions.label(&state, &profile.volunteer.region_code).await?;
            Some(card(page.lang, profile, region))
        }
        None => None,
    };
    render(&MePage {
        t: page.t,
        layout: page.layout(),
        name: user.user.display_name.clone(),
        phone,
        roles,
        volunteer,
        audit,
        audit_next,
        audit_paged: filled(&query.audit).is_some(),
        awards,
        x: page.lang.incentive_texts(),
    })
}

fn card(lang: Lang, profile: VolunteerProfile, region: String) -> VolunteerCard {
    let categories = i18n::volunteer_categories(lang, &profile.categories);
    let personal = profile.personal.as_ref();
    let volunteer = &profile.volunteer;
    VolunteerCard {
        volunteer_no: volunteer.volunteer_no.clone(),
        id_number: personal.map_or_else(|| volunteer.id_masked.clone(), |p| p.id_number.clone()),
        whole: personal.is_some(),
        region,
        birth_date: personal.and_then(|p| p.birth_date).map_or_else(
            || i18n::age_band(lang, profile.age_band.as_str()).to_string(),
            |date| date.format("%Y-%m-%d").to_string(),
        ),
        sex: i18n::sex(lang, &volunteer.sex),
        political_status: i18n::political_status(lang, profile.political_status.as_str()),
        categories,
        skills: volunteer.skill_list(),
        face: volunteer.face_consent_at.is_some(),
        location: volunteer.location_consent_at.is_some(),
        guardian_name: volunteer.guardian_name.clone(),
        registered_on: china_time(volunteer.registered_at)
            .get(..10)
            .unwrap_or_default()
            .to_string(),
    }
}

/// A role's scope in words: the region's name and code, or the name of the
/// site or organization.
async fn scope_name(state: &AppState, regions: &mut RegionNames, kind: &str, id: &str) -> Result<String, PageError> {
    let number = id.parse::<i64>().ok();
    let name = match (kind, number) {
        ("region", _) => return regions.label(state, id).await,
        ("site", Some(number)) => state.store.site(number).await?.map(|site| site.name),
        ("organization", Some(number)) => state.store.organization(number).await?.map(|org| org.name),
        ("provider", Some(number)) => state.store.provider(number).await?.map(|provider| provider.name),
        _ => None,
    };
    Ok(name.unwrap_or_else(|| id.to_string()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    csrf: String,
}

/// The form field a password-change refusal belongs to (`""`: the whole form).
fn password_error_field(code: &str) -> &'static str {
    match code {
        "password_wrong" => "current_password",
        "password_weak" => "new_password",
        _ => "",
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    t: &'static Texts,
    layout: Layout,
    csrf: String,
    error: Option<FieldError>,
}

impl PasswordPage {
    fn error_for(&self, field: &str) -> Option<&'static str> {
        self.error.as_ref().filter(|e| e.field == field).map(|e| e.message)
    }
}

pub async fn password_form(page: Page) -> PageResult {
    let user = page.require_user()?;
    render(&PasswordPage {
        t: page.t,
        layout: page.layout(),
        csrf: session_csrf(user),
        error: None,
    })
}

pub async fn change_password(
    page: Page,
    State(state): State<AppState>,
    PageForm(form): PageForm<PasswordForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    match accounts::change_password(&state, user, &form.current_password, &form.new_password).await {
        Ok(()) => page.logout_redirect("/login?changed=1"),
        Err(error) if error.status.is_client_error() => render_with(
            error.status,
            &PasswordPage {
                t: page.t,
                layout: page.layout(),
                csrf: session_csrf(user),
                error: Some(FieldError {
                    field: password_error_field(&error.code),
                    message: i18n::problem(page.lang, &error.code),
                }),
            },
        ),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_refusals_find_their_field() {
        assert_eq!(password_error_field("password_wrong"), "current_password");
        assert_eq!(password_error_field("password_weak"), "new_password");
        assert_eq!(password_error_field("not_found"), "");
    }
}
