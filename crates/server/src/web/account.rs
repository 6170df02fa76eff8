//! Login, logout, volunteer self-registration and the activation of imported
//! accounts. The login, registration and activation forms are public and use
//! the double-submit form token; logout uses the session's.

use crate::app::accounts;
use crate::app::volunteers::{self, SelfRegistration};
use crate::auth::{ClientAddress, CurrentUser};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::i18n::{self, Texts};
use crate::web::page::{
    FieldError, Layout, Page, PageError, PageForm, PageQuery, PageResult, check_session_csrf, filled, local_path,
    render, render_with,
};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use zhiyuan_domain::volunteer::{Guardian, RegistrationInput};

/// The fields of the registration form that can carry an error of their own.
const REGISTER_FIELDS: [&str; 7] = [
    "name",
    "id_number",
    "phone",
    "password",
    "region_code",
    "political_status",
    "skills",
];

/// A refused form is shown again with 422 (or the refusal's own 4xx, such
/// as 409 for a taken ID number or 429 when throttled).
fn form_status(error: &ApiError) -> StatusCode {
    if error.status == StatusCode::UNAUTHORIZED {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        error.status
    }
}

/// Ends the session a browser held before logging in again.
async fn end_previous_session(state: &AppState, previous: Option<&CurrentUser>) -> Result<(), PageError> {
    if let Some(previous) = previous {
        accounts::log_out(state, previous).await?;
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    t: &'static Texts,
    layout: Layout,
    csrf: &'a str,
    phone: &'a str,
    error: Option<&'static str>,
    /// The password was just changed: ask to log in again.
    changed: bool,
    /// Where to go after logging in (a local path, or empty for "my profile").
    next: &'a str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    /// `1` after a password change.
    changed: String,
    /// Where to go back to after logging in.
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    phone: String,
    password: String,
    csrf: String,
    next: String,
}

/// Where a login sends the visitor: back to the page that asked, else "my profile".
fn after_login(next: &str) -> &str {
    local_path(next).unwrap_or("/me")
}

pub async fn login_form(page: Page, PageQuery(query): PageQuery<LoginQuery>) -> PageResult {
    if page.user.is_some() {
        return Ok(Redirect::to(after_login(&query.next)).into_response());
    }
    let token = page.form_token();
    let response = render(&LoginPage {
        t: page.t,
        layout: page.layout(),
        csrf: &token.value,
        phone: "",
        error: None,
        changed: query.changed == "1",
        next: local_path(&query.next).unwrap_or(""),
    })?;
    page.with_form_token(response, &token)
}

pub async fn login(
    page: Page,
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    PageForm(form): PageForm<LoginForm>,
) -> PageResult {
    page.check_form_token(&form.csrf)?;
    match accounts::log_in(&state, &form.phone, &form.password, &address).await {
        Ok(session) => {
            end_previous_session(&state, page.user.as_ref()).await?;
            page.login_redirect(&session.token, after_login(&form.next))
        }
        Err(error) if error.status.is_client_error() => render_with(
            form_status(&error),
            &LoginPage {
                t: page.t,
                layout: page.layout(),
                csrf: &form.csrf,
                phone: form.phone.trim(),
                error: Some(i18n::problem(page.lang, &error.code)),
                changed: false,
                next: local_path(&form.next).unwrap_or(""),
            },
        ),
        Err(error) => Err(error.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogoutForm {
    csrf: String,
}

pub async fn logout(page: Page, State(state): State<AppState>, PageForm(form): PageForm<LogoutForm>) -> PageResult {
    let Some(user) = &page.user else {
        return page.logout_redirect("/");
    };
    check_session_csrf(user, &form.csrf)?;
    accounts::log_out(&state, user).await?;
    page.logout_redirect("/")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    name: String,
    id_number: String,
    phone: String,
    password: String,
    region_code: String,
    political_status: String,
    skills: String,
    guardian_name: String,
    guardian_phone: String,
    guardian_consent: Option<String>,
    consent_face: Option<String>,
    consent_location: Option<String>,
    csrf: String,
}

impl RegisterForm {
    /// What the registration rules receive; the guardian only when given.
    fn registration(&self) -> SelfRegistration {
        let guardian_given = !self.guardian_name.trim().is_empty()
            || !self.guardian_phone.trim().is_empty()
            || self.guardian_consent.is_some();
        SelfRegistration {
            input: RegistrationInput {
                name: self.name.clone(),
                id_number: self.id_number.clone(),
                phone: self.phone.clone(),
                region_code: self.region_code.trim().to_string(),
                political_status: filled(&self.political_status),
                skills: split_skills(&self.skills),
                guardian: guardian_given.then(|| Guardian {
                    name: self.guardian_name.clone(),
                    phone: self.guardian_phone.clone(),
                    consent: self.guardian_consent.is_some(),
                }),
            },
            password: self.password.clone(),
            face_consent: self.consent_face.is_some().then_some(true),
            location_consent: self.consent_location.is_some().then_some(true),
        }
    }
}

/// Skills as typed: separated by commas (either width), 、, semicolons or spaces.
fn split_skills(raw: &str) -> Vec<String> {
    raw.split(|c: char| matches!(c, ',' | '，' | '、' | ';' | '；') || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The form field a registration refusal belongs to (`""`: the whole form).
fn register_error_field(error: &ApiError) -> &'static str {
    match (error.code.as_str(), error.field.as_deref()) {
        ("id_number_taken", _) => "id_number",
        ("phone_taken", _) => "phone",
        (_, Some(field)) if field.starts_with("guardian") => "guardian",
        (_, Some(field)) => REGISTER_FIELDS.iter().find(|f| **f == field).copied().unwrap_or(""),
        _ => "",
    }
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage<'a> {
    t: &'static Texts,
    layout: Layout,
    csrf: &'a str,
    form: &'a RegisterForm,
    political_statuses: Vec<(&'static str, &'static str)>,
    error: Option<FieldError>,
}

impl RegisterPage<'_> {
    fn new<'a>(page: &Page, csrf: &'a str, form: &'a RegisterForm, error: Option<FieldError>) -> RegisterPage<'a> {
        RegisterPage {
            t: page.t,
            layout: page.layout(),
            csrf,
            form,
            political_statuses: i18n::political_statuses(page.lang),
            error,
        }
    }

    fn error_for(&self, field: &str) -> Option<&'static str> {
        self.error.as_ref().filter(|e| e.field == field).map(|e| e.message)
    }

    fn is_status(&self, code: &str) -> bool {
        match self.form.political_status.as_str() {
            "" => code == "masses",
            chosen => chosen == code,
        }
    }
}

pub async fn register_form(page: Page) -> PageResult {
    if page.user.is_some() {
        return Ok(Redirect::to("/me").into_response());
    }
    let token = page.form_token();
    let form = RegisterForm::default();
    let response = render(&RegisterPage::new(&page, &token.value, &form, None))?;
    page.with_form_token(response, &token)
}

pub async fn register(
    page: Page,
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    PageForm(form): PageForm<RegisterForm>,
) -> PageResult {
    page.check_form_token(&form.csrf)?;
    match volunteers::register(&state, form.registration(), &address).await {
        Ok(_) => match accounts::log_in(&state, &form.phone, &form.password, &address).await {
            Ok(session) => {
                end_previous_session(&state, page.user.as_ref()).await?;
                page.login_redirect(&session.token, "/me")
            }
            Err(_) => Ok(Redirect::to("/login").into_response()),
        },
        Err(error) if error.status.is_client_error() => {
            let shown = FieldError {
                field: register_error_field(&error),
                message: i18n::problem(page.lang, &error.code),
            };
            render_with(
                form_status(&error),
                &RegisterPage::new(&page, &form.csrf, &form, Some(shown)),
            )
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActivateForm {
    phone: String,
    code: String,
    password: String,
    csrf: String,
}

/// The form field an activation refusal belongs to (`""`: the whole form).
fn activate_error_field(code: &str) -> &'static str {
    match code {
        "phone_invalid" => "phone",
        "activation_code_invalid" => "code",
        "password_weak" => "password",
        _ => "",
    }
}

#[derive(Template)]
#[template(path = "activate.html")]
struct ActivatePage<'a> {
    t: &'static Texts,
    layout: Layout,
    csrf: &'a str,
    phone: &'a str,
    code: &'a str,
    error: Option<FieldError>,
    /// A new code was asked for: say (the same words for every phone) that it is on its way.
    code_requested: bool,
}

impl ActivatePage<'_> {
    fn error_for(&self, field: &str) -> Option<&'static str> {
        self.error.as_ref().filter(|e| e.field == field).map(|e| e.message)
    }
}

pub async fn activate_form(page: Page) -> PageResult {
    if page.user.is_some() {
        return Ok(Redirect::to("/me").into_response());
    }
    let token = page.form_token();
    let response = render(&ActivatePage {
        t: page.t,
        layout: page.layout(),
        csrf: &token.value,
        phone: "",
        code: "",
        error: None,
        code_requested: false,
    })?;
    page.with_form_token(response, &token)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeRequestForm {
    phone: String,
    csrf: String,
}

/// POST `/activate/code`: asks for a new activation code; the page answers
/// alike for every phone (`accounts::request_activation_code`).
pub async fn request_code(
    page: Page,
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    PageForm(form): PageForm<CodeRequestForm>,
) -> PageResult {
    page.check_form_token(&form.csrf)?;
    let requested = accounts::request_activation_code(&state, &form.phone, &address).await;
    let (error, status) = match requested {
        Ok(()) => (None, StatusCode::OK),
        Err(error) if error.status.is_client_error() => (
            Some(FieldError {
                field: activate_error_field(&error.code),
                message: i18n::problem(page.lang, &error.code),
            }),
            form_status(&error),
        ),
        Err(error) => return Err(error.into()),
    };
    render_with(
        status,
        &ActivatePage {
            t: page.t,
            layout: page.layout(),
            csrf: &form.csrf,
            phone: form.phone.trim(),
            code: "",
            code_requested: error.is_none(),
            error,
        },
    )
}

pub async fn activate(
    page: Page,
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    PageForm(form): PageForm<ActivateForm>,
) -> PageResult {
    page.check_form_token(&form.csrf)?;
    let activated = accounts::activate(&state, &form.phone, form.code.trim(), &form.password, &address).await;
    match activated {
        Ok(session) => {
            end_previous_session(&state, page.user.as_ref()).await?;
            page.login_redirect(&session.token, "/me")
        }
        Err(error) if error.status.is_client_error() => render_with(
            form_status(&error),
            &ActivatePage {
                t: page.t,
                layout: page.layout(),
                csrf: &form.csrf,
                phone: form.phone.trim(),
                code: form.code.trim(),
                error: Some(FieldError {
                    field: activate_error_field(&error.code),
                    message: i18n::problem(page.lang, &error.code),
                }),
                code_requested: false,
            },
        ),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skills_split_on_any_separator() {
        assert_eq!(
            split_skills("急救，摄影、 法律;心理 咨询,"),
            ["急救", "摄影", "法律", "心理", "咨询"]
        );
        assert!(split_skills("  ").is_empty());
    }

    #[test]
    fn refusals_find_their_field() {
        let mut error = ApiError::new(StatusCode::CONFLICT, "id_number_taken", "taken");
        assert_eq!(register_error_field(&error), "id_number");
        error.code = "guardian_required".into();
        error.field = Some("guardian.consent".into());
        assert_eq!(register_error_field(&error), "guardian");
        error.code = "region_unknown".into();
        error.field = Some("region_code".into());
        assert_eq!(register_error_field(&error), "region_code");
        error.field = None;
        assert_eq!(register_error_field(&error), "");
    }

    #[test]
    fn activation_refusals_find_their_field() {
        assert_eq!(activate_error_field("activation_code_invalid"), "code");
        assert_eq!(activate_error_field("phone_invalid"), "phone");
        assert_eq!(activate_error_field("password_weak"), "password");
        assert_eq!(activate_error_field("too_many_attempts"), "");
    }
}
