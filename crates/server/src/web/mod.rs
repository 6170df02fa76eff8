//! Server-rendered pages, Chinese first with English on request (`?lang=en`):
//! the public home page, login and logout, volunteer self-registration, the
//! activation of imported accounts, "my profile" with the password change,
//! and the region administrators' volunteer search and organization
//! verification. Templates live in `crates/server/templates`; the one
//! stylesheet is served from the binary at `/static/app.css`. The pages need
//! no JavaScript.

mod account;
mod admin;
mod home;
mod i18n;
mod me;
mod page;

use crate::state::AppState;
use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route("/register", get(account::register_form).post(account::register))
        .route("/activate", get(account::activate_form).post(account::activate))
        .route("/me", get(me::me))
        .route("/me/password", get(me::password_form).post(me::change_password))
        .route("/admin/volunteers", get(admin::volunteers))
        .route("/admin/organizations", get(admin::organizations))
        .route("/admin/organizations/{id}/verify", post(admin::verify_organization))
        .route("/static/app.css", get(stylesheet))
        .layer(axum::middleware::from_fn(page::context))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("app.css"),
    )
}
