//! Server-rendered pages, Chinese first with English on request (`?lang=en`):
//! the public home page, login and logout, volunteer self-registration, the
//! activation of imported accounts, "my profile" with the password change,
//! and the region administrators' volunteer search and organization
//! verification; the activity pages (search, sign-up, my activities, the
//! organizer's list) and the attendance pages (the check-in page of the QR
//! code, the live board, record review, my hours). Templates live in
//! `crates/server/templates`; the one stylesheet and two small JavaScript
//! modules of our own are served from the binary under `/static/`. Every
//! page works without JavaScript: the check-in page then sends no location,
//! the board reloads itself with a meta refresh.

mod account;
mod activities;
mod admin;
mod attendance;
mod awards;
mod benefits;
mod certificates;
mod charts;
mod dashboard;
mod designations;
mod funding;
mod hand_entry;
mod home;
mod i18n;
mod me;
mod orders;
mod page;
mod reports;
mod stories;

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
        .route("/activate/code", post(account::request_code))
        .route("/me", get(me::me))
        .route("/me/password", get(me::password_form).post(me::change_password))
        .route("/admin/dashboard", get(dashboard::dashboard))
        .route("/admin/screen", get(dashboard::screen))
        .route("/admin/exports/{kind}", get(dashboard::export))
        .route("/admin/volunteers", get(admin::volunteers))
        .route("/admin/organizations", get(admin::organizations))
        .route("/admin/organizations/{id}/verify", post(admin::verify_organization))
        .route("/activities", get(activities::search))
        .route("/activities/{id}", get(activities::detail))
        .route("/activities/{id}/signup", post(activities::sign_up))
        .route("/activities/{id}/cancel", post(activities::cancel))
        .route("/activities/{id}/board", get(attendance::board))
        .route("/activities/{id}/records", get(attendance::records))
        .route("/records/{id}/{action}", post(attendance::decide))
        .route("/me/activities", get(activities::mine))
        .route("/me/hours", get(attendance::hours))
        .route("/org/activities", get(activities::organizer))
        .route("/me/certificates", get(certificates::mine).post(certificates::issue))
        .route("/certificates", get(certificates::lookup))
        .route("/certificates/{number}", get(certificates::verify))
        .route("/me/reports", get(reports::mine))
        .route("/activities/{id}/report", get(reports::report_form).post(reports::file))
        .route("/org/reports", get(reports::organizer))
        .route("/reports/{id}/{action}", post(reports::answer))
        .route("/activities/{id}/signups", get(reports::signups))
        .route("/signups/{id}/{decision}", post(reports::decide_signup))
        .route("/admin/records", get(reports::admin_records))
        .route(
            "/activities/{id}/hours",
            // An evidence file of up to 5 MB with the form around it.
            get(hand_entry::form)
                .post(hand_entry::enter)
                .layer(axum::extract::DefaultBodyLimit::max(8 * 1024 * 1024)),
        )
        .route("/orders/new", get(orders::new_order).post(orders::place))
        .route("/orders/{id}", get(orders::detail))
        .route("/orders/{id}/{action}", post(orders::step))
        .route("/me/orders", get(orders::mine))
        .route("/stories/{id}", get(stories::story))
        .route(
            "/activities/{id}/story",
            // Nine photos of up to 5 MB with the form around them.
            get(stories::write_form)
                .post(stories::write)
                .layer(axum::extract::DefaultBodyLimit::max(48 * 1024 * 1024)),
        )
        .route("/admin/stories", get(stories::queue))
        .route("/admin/sites", get(designations::sites))
        .route("/admin/sites/{id}/designation", post(designations::designate))
        .route("/awards", get(awards::campaigns).post(awards::open_campaign))
        .route("/awards/{id}", get(awards::campaign))
        .route("/awards/{id}/nominate", post(awards::nominate))
        .route("/awards/{id}/publish", post(awards::publish))
        .route("/nominations/{id}/{decision}", post(awards::review))
        .route("/funding", get(funding::calls).post(funding::open_call))
        .route("/funding/{id}", get(funding::call))
        .route("/funding/{id}/apply", post(funding::apply))
        .route("/funding/applications/{id}/{step}", post(funding::decide))
        .route("/admin/stories/{id}/{action}", post(stories::review))
        .route("/me/benefits", get(benefits::mine))
        .route("/benefits/{id}/redeem", post(benefits::redeem))
        .route("/provider", get(benefits::desk))
        .route("/r/{code}", get(benefits::code))
        .route("/r/{code}/check", post(benefits::check))
        .route("/admin/benefits", get(benefits::admin).post(benefits::offer))
        .route("/site/orders", get(orders::board))
        .route("/org/orders", get(orders::organization))
        .route("/c/{token}", get(attendance::checkin_form).post(attendance::checkin))
        .route("/static/app.css", get(stylesheet))
        .route("/static/checkin.js", get(|| script(include_str!("checkin.js"))))
        .route("/static/board.js", get(|| script(include_str!("board.js"))))
        .route("/static/export.js", get(|| script(include_str!("export.js"))))
        .layer(axum::middleware::from_fn(page::context))
}

async fn script(source: &'static str) -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        source,
    )
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
