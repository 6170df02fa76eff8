//! What every page shares: the middleware that picks the language, renders
//! error pages and sets the security headers; the [`Page`] extractor (language,
//! path, logged-in user); the layout the base template reads; CSRF tokens
//! (derived from the session for logged-in forms, a double-submit cookie for
//! the public login and registration forms); cookies; and form and query
//! extractors whose refusals are pages rather than JSON.

use crate::auth::{CurrentUser, MaybeUser, SESSION_COOKIE, SESSION_TTL_MS, cookie, new_session_token};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::i18n::{self, Lang, Texts};
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use zhiyuan_domain::RuleError;
use zhiyuan_store::StoreError;

/// Remembers the language chosen with `?lang=`.
pub const LANG_COOKIE: &str = "zy_lang";
/// The double-submit token of the public forms (login, registration).
pub const FORM_COOKIE: &str = "zy_csrf";
const LANG_COOKIE_MAX_AGE: i64 = 365 * 24 * 3600;
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; \
     connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// What the middleware hands to the handlers; the handler's [`Page`]
/// extractor fills `nav` so that error pages show the same menu.
#[derive(Clone)]
struct Context {
    lang: Lang,
    nav: Arc<OnceLock<NavUser>>,
}

/// A refusal the middleware turns into an error page.
#[derive(Clone)]
struct Failure {
    status: StatusCode,
    code: String,
}

/// The logged-in person as the menu shows them.
#[derive(Clone)]
pub struct NavUser {
    pub name: String,
    pub region_admin: bool,
    /// Administers an organization: the menu links its activities.
    pub org_admin: bool,
    /// Is a registered volunteer: the menu links their activities and hours.
    pub volunteer: bool,
    /// Lives somewhere (a resident or a volunteer): the menu links ordering.
    pub orders: bool,
    /// Manages a site: the menu links the dispatch board.
    pub site_manager: bool,
    /// Checks a benefit provider's codes: the menu links the check desk.
    pub provider: bool,
    /// The CSRF token of the logout button.
    pub csrf: String,
}

/// What the base template needs on every page.
pub struct Layout {
    pub lang: Lang,
    /// The current path, for the language switch.
    pub path: String,
    pub user: Option<NavUser>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: &'static Texts,
    layout: Layout,
    title: &'a str,
    message: &'a str,
}

/// Middleware of every page: language from `?lang=` (remembered in a cookie)
/// or the cookie, error pages for refusals, and security headers.
pub async fn context(mut request: Request, next: Next) -> Response {
    let chosen = query_lang(request.uri().query());
    let lang = chosen
        .or_else(|| cookie(request.headers(), LANG_COOKIE).and_then(|code| Lang::parse(&code)))
        .unwrap_or_default();
    let path = request.uri().path().to_string();
    let nav = Arc::new(OnceLock::new());
    request.extensions_mut().insert(Context { lang, nav: nav.clone() });
    let mut response = next.run(request).await;
    if let Some(failure) = response.extensions_mut().remove::<Failure>() {
        let layout = Layout {
            lang,
            path,
            user: nav.get().cloned(),
        };
        response = error_page(layout, failure.status, &failure.code);
    }
    let headers = response.headers_mut();
    if let Some(lang) = chosen
        && let Ok(value) = set_cookie(LANG_COOKIE, lang.code(), LANG_COOKIE_MAX_AGE, false)
    {
        headers.append(SET_COOKIE, value);
    }
    secure_headers(headers);
    response
}

fn query_lang(query: Option<&str>) -> Option<Lang> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == "lang")
        .and_then(|(_, value)| Lang::parse(value))
}

fn secure_headers(headers: &mut HeaderMap) {
    let is_html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    for (name, value) in [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
}

fn error_page(layout: Layout, status: StatusCode, code: &str) -> Response {
    let t = layout.lang.texts();
    let title = match status {
        StatusCode::FORBIDDEN => t.forbidden_title,
        StatusCode::NOT_FOUND => t.not_found_title,
        _ => t.error_title,
    };
    let message = i18n::problem(layout.lang, code);
    let page = ErrorPage {
        t,
        layout,
        title,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "error page failed to render");
            (status, message.to_string()).into_response()
        }
    }
}

/// A `Set-Cookie` value: for the whole site, out of scripts' reach, not
/// sent along by other sites' forms, over HTTPS only when `secure`.
fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> Result<HeaderValue, PageError> {
    let cookie = cookie::Cookie::build((name, value))
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(secure)
        .build();
    HeaderValue::from_str(&cookie.to_string()).map_err(PageError::internal)
}

/// A page handler's answer.
pub type PageResult = Result<Response, PageError>;

/// Why a page could not be shown: not logged in (go to the login page), or
/// a refusal shown as an error page in the visitor's language.
#[derive(Debug)]
pub enum PageError {
    Login,
    Failure { status: StatusCode, code: String },
}

impl PageError {
    pub fn new(status: StatusCode, code: &str) -> Self {
        PageError::Failure {
            status,
            code: code.to_string(),
        }
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden_scope")
    }

    /// A form posted without its CSRF token, or with another one.
    pub fn csrf() -> Self {
        Self::new(StatusCode::FORBIDDEN, "csrf_invalid")
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        ApiError::internal(error).into()
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        if error.status == StatusCode::UNAUTHORIZED {
            PageError::Login
        } else {
            PageError::Failure {
                status: error.status,
                code: error.code,
            }
        }
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        ApiError::from(error).into()
    }
}

impl From<RuleError> for PageError {
    fn from(error: RuleError) -> Self {
        ApiError::from(error).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login => Redirect::to("/login").into_response(),
            PageError::Failure { status, code } => (status, Extension(Failure { status, code })).into_response(),
        }
    }
}

/// Renders a template as a 200 page.
pub fn render(template: &impl Template) -> PageResult {
    render_with(StatusCode::OK, template)
}

pub fn render_with(status: StatusCode, template: &impl Template) -> PageResult {
    let html = template.render().map_err(PageError::internal)?;
    Ok((status, Html(html)).into_response())
}

/// The request as a page sees it: language, path and the logged-in user.
pub struct Page {
    pub lang: Lang,
    pub t: &'static Texts,
    pub path: String,
    pub user: Option<CurrentUser>,
    form_cookie: Option<String>,
    /// Whether the visitor came over HTTPS (directly or through a proxy).
    secure: bool,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let context = parts
            .extensions
            .get::<Context>()
            .cloned()
            .ok_or_else(|| PageError::internal("a page was served without the page middleware"))?;
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        if let Some(user) = &user {
            let _ = context.nav.set(nav_user(user));
        }
        let secure = state.secure_cookies
            || parts.uri.scheme_str() == Some("https")
            || parts
                .headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https"));
        Ok(Page {
            lang: context.lang,
            t: context.lang.texts(),
            path: parts.uri.path().to_string(),
            user,
            form_cookie: cookie(&parts.headers, FORM_COOKIE),
            secure,
        })
    }
}

fn nav_user(user: &CurrentUser) -> NavUser {
    NavUser {
        name: user.user.display_name.clone(),
        region_admin: user.actor.is_region_admin(),
        org_admin: user.actor.has_role(zhiyuan_domain::role::Role::OrgAdmin),
        volunteer: user.volunteer_id().is_some(),
        orders: user.volunteer_id().is_some() || user.actor.has_role(zhiyuan_domain::role::Role::Resident),
        site_manager: user.actor.has_role(zhiyuan_domain::role::Role::SiteManager),
        provider: user.actor.has_role(zhiyuan_domain::role::Role::BenefitProvider),
        csrf: session_csrf(user),
    }
}

/// The token a public form carries in a hidden field and in [`FORM_COOKIE`].
pub struct FormToken {
    pub value: String,
    fresh: bool,
}

impl Page {
    pub fn layout(&self) -> Layout {
        Layout {
            lang: self.lang,
            path: self.path.clone(),
            user: self.user.as_ref().map(nav_user),
        }
    }

    /// The logged-in user, or a redirect to the login page.
    pub fn require_user(&self) -> Result<&CurrentUser, PageError> {
        self.user.as_ref().ok_or(PageError::Login)
    }

    /// The visitor's form token: the one their cookie holds, else a new one.
    pub fn form_token(&self) -> FormToken {
        match &self.form_cookie {
            Some(value) if is_token(value) => FormToken {
                value: value.clone(),
                fresh: false,
            },
            _ => FormToken {
                value: new_session_token(),
                fresh: true,
            },
        }
    }

    /// Sets the cookie of a new form token on the page that carries it.
    pub fn with_form_token(&self, mut response: Response, token: &FormToken) -> PageResult {
        if token.fresh {
            let value = set_cookie(FORM_COOKIE, &token.value, SESSION_TTL_MS / 1000, self.secure)?;
            response.headers_mut().append(SET_COOKIE, value);
        }
        Ok(response)
    }

    /// Double-submit check of a public form: the field must match the cookie.
    pub fn check_form_token(&self, submitted: &str) -> Result<(), PageError> {
        match &self.form_cookie {
            Some(expected) if is_token(expected) && same_token(expected, submitted) => Ok(()),
            _ => Err(PageError::csrf()),
        }
    }

    /// A redirect to `to` that logs the visitor in with session `token`.
    pub fn login_redirect(&self, token: &str, to: &str) -> PageResult {
        let mut response = Redirect::to(to).into_response();
        let value = set_cookie(SESSION_COOKIE, token, SESSION_TTL_MS / 1000, self.secure)?;
        response.headers_mut().append(SET_COOKIE, value);
        Ok(response)
    }

    /// A redirect to `to` that removes the session cookie.
    pub fn logout_redirect(&self, to: &str) -> PageResult {
        let mut response = Redirect::to(to).into_response();
        let value = set_cookie(SESSION_COOKIE, "", 0, self.secure)?;
        response.headers_mut().append(SET_COOKIE, value);
        Ok(response)
    }
}

/// The CSRF token of a logged-in user's forms, derived from their raw
/// session token: nothing is stored, and it changes with every login.
pub fn session_csrf(user: &CurrentUser) -> String {
    user.csrf_token.clone()
}

pub fn check_session_csrf(user: &CurrentUser, submitted: &str) -> Result<(), PageError> {
    if same_token(&session_csrf(user), submitted) {
        Ok(())
    } else {
        Err(PageError::csrf())
    }
}

fn is_token(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Compares in time independent of where the tokens differ; an empty
/// token never matches.
fn same_token(expected: &str, submitted: &str) -> bool {
    !expected.is_empty() && crate::auth::same_secret(submitted, expected)
}

/// A urlencoded form body; an unreadable one is a 4xx page.
pub struct PageForm<T>(pub T);

impl<S, T> FromRequest<S> for PageForm<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(value)) => Ok(PageForm(value)),
            Err(rejection) => Err(PageError::new(rejection.status(), "bad_request")),
        }
    }
}

/// A query string; an unreadable one is a 400 page.
pub struct PageQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for PageQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(PageQuery(value)),
            Err(rejection) => Err(PageError::new(rejection.status(), "bad_request")),
        }
    }
}

/// A refusal shown next to the form field it concerns (`""`: above the form).
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

/// Region labels of one page, each made once from the shared reads.
#[derive(Default)]
pub struct RegionNames(HashMap<String, String>);

impl RegionNames {
    /// "name code" of a region, or the bare code of an unknown one.
    pub async fn label(&mut self, state: &AppState, code: &str) -> Result<String, PageError> {
        if let Some(label) = self.0.get(code) {
            return Ok(label.clone());
        }
        let label = match state.shared.region_name(&state.store, code).await? {
            Some(name) => format!("{name} {code}"),
            None => code.to_string(),
        };
        self.0.insert(code.to_string(), label.clone());
        Ok(label)
    }
}

/// `raw` if it is a path on this site (where the login page may send the
/// visitor back to), never another host.
pub fn local_path(raw: &str) -> Option<&str> {
    let safe = raw.starts_with('/')
        && !raw.starts_with("//")
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-_.?=&%".contains(&b));
    safe.then_some(raw)
}

/// Epoch milliseconds as China time, `2026-12-05 09:30`.
pub fn china_time(ms: i64) -> String {
    zhiyuan_domain::time::from_epoch_ms(ms)
        .with_timezone(&zhiyuan_domain::time::china_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// From–to in China time, the date written once when both fall on one day.
pub fn china_span(from_ms: i64, to_ms: i64) -> String {
    let (from, to) = (china_time(from_ms), china_time(to_ms));
    match (from.get(..10), to.get(..10), to.get(11..)) {
        (Some(day), Some(same), Some(clock)) if day == same => format!("{from}–{clock}"),
        _ => format!("{from} – {to}"),
    }
}

/// A refusal a page explains above its form (a 4xx other than "not found"):
/// its words in the reader's language and the status to answer with; any
/// other error becomes the error page.
pub fn explained(lang: Lang, error: ApiError) -> Result<(&'static str, StatusCode), PageError> {
    if error.status.is_client_error() && error.status != StatusCode::NOT_FOUND {
        Ok((i18n::problem(lang, &error.code), error.status))
    } else {
        Err(error.into())
    }
}

/// A form that carries nothing but its CSRF token (a button).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

/// `?done=` after a step: what was just done (shown as a notice).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    pub done: String,
}

/// A whole number typed in a form field; `code` on `field` otherwise.
pub fn form_number(raw: &str, code: &'static str, field: &'static str) -> Result<i64, ApiError> {
    raw.trim()
        .parse()
        .map_err(|_| zhiyuan_domain::RuleError::new(code, "a whole number").on(field).into())
}

/// The region a list page is about: the one asked for, else the top of
/// the region of the reader's first role.
pub fn list_region(page: &Page, asked: &str) -> Result<String, PageError> {
    if let Some(region) = filled(asked) {
        return Ok(region);
    }
    page.require_user()?
        .actor
        .grants
        .first()
        .and_then(|g| g.region_path.split('/').next())
        .map(str::to_string)
        .ok_or_else(|| PageError::new(StatusCode::BAD_REQUEST, "region_required"))
}

/// `Some(trimmed)` unless the field was left empty.
pub fn filled(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        let token = "a".repeat(64);
        assert!(same_token(&token, &token));
        assert!(!same_token(&token, &"b".repeat(64)));
        assert!(!same_token(&token, &token[..63]));
        assert!(!same_token("", ""));
        assert!(is_token(&new_session_token()));
        assert!(!is_token("short"));
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/c/abc-_1"), Some("/c/abc-_1"));
        assert_eq!(local_path("//evil.example"), None);
        assert_eq!(local_path("https://evil.example"), None);
        assert_eq!(local_path("/\\evil"), None);
        assert_eq!(local_path(""), None);
    }

    #[test]
    fn times_are_shown_in_china_time() {
        // 2026-12-05 01:00 UTC is 09:00 in China.
        let nine = 1_796_432_400_000;
        assert_eq!(china_time(nine), "2026-12-05 09:00");
        assert_eq!(china_span(nine, nine + 7_200_000), "2026-12-05 09:00–11:00");
        assert_eq!(
            china_span(nine, nine + 86_400_000),
            "2026-12-05 09:00 – 2026-12-06 09:00"
        );
    }

    #[test]
    fn language_comes_from_the_query() {
        assert_eq!(query_lang(Some("q=1&lang=en")), Some(Lang::En));
        assert_eq!(query_lang(Some("lang=xx")), None);
        assert_eq!(query_lang(None), None);
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(axum::http::header::COOKIE, HeaderValue::from_static("a=1; zy_lang=en"));
        assert_eq!(cookie(&headers, LANG_COOKIE).as_deref(), Some("en"));
        assert_eq!(cookie(&headers, "zy"), None);
    }
}
