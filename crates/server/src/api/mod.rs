//! The JSON API under `/api/v1`: one module per resource, the OpenAPI
//! document generated from the handlers' annotations, and shared view helpers.

pub mod activities;
pub mod attendance;
pub mod auth;
pub mod certificates;
pub mod grants;
pub mod organizations;
pub mod oversight;
pub mod regions;
pub mod reports;
pub mod system;
pub mod volunteers;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post, put};
use chrono::DateTime;
use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};

/// Epoch milliseconds as RFC 3339 in China time.
pub fn rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&zhiyuan_domain::time::china_offset())
        .to_rfc3339()
}

/// Paging of every list: `limit` (1–200, default 50) and an opaque `cursor`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct Paging {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/health", get(system::health))
        .route("/api/openapi.json", get(system::openapi_json))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/auth/activate", post(auth::activate))
        .route("/api/v1/auth/activation-code", post(auth::request_code))
        .route("/api/v1/auth/password", post(auth::change_password))
        .route("/api/v1/me", get(auth::me))
        .route("/api/v1/role-grants", post(grants::grant))
        .route("/api/v1/role-grants/revoke", post(grants::revoke))
        .route("/api/v1/regions/{code}", get(regions::region))
        .route("/api/v1/sites", get(regions::sites))
        .route("/api/v1/sites/{id}", get(regions::site).put(regions::update_site))
        .route("/api/v1/volunteers", post(volunteers::register).get(volunteers::search))
        .route("/api/v1/volunteers/{id}", get(volunteers::volunteer))
        .route("/api/v1/volunteers/{id}/transfer", post(volunteers::transfer))
        .route("/api/v1/volunteers/{id}/transfers", get(volunteers::transfers))
        .route("/api/v1/volunteers/{id}/consents", put(volunteers::consents))
        .route("/api/v1/volunteers/{id}/insurance", put(volunteers::insurance))
        .route("/api/v1/volunteers/{id}/audit", get(oversight::volunteer_audit))
        .route(
            "/api/v1/id-appeals",
            post(volunteers::file_appeal).get(volunteers::appeals),
        )
        .route("/api/v1/id-appeals/{id}/resolve", post(volunteers::resolve_appeal))
        .route(
            "/api/v1/organizations",
            post(organizations::create).get(organizations::search),
        )
        .route("/api/v1/organizations/{id}", get(organizations::organization))
        .route("/api/v1/organizations/{id}/verify", post(organizations::verify))
        .route("/api/v1/organizations/{id}/join-mode", put(organizations::join_mode))
        .route(
            "/api/v1/organizations/{id}/members",
            post(organizations::join).get(organizations::members),
        )
        .route(
            "/api/v1/organizations/{id}/members/{volunteer_id}/{action}",
            post(organizations::change_membership),
        )
        .route("/api/v1/categories", get(activities::categories))
        .route(
            "/api/v1/projects",
            post(activities::create_project).get(activities::projects),
        )
        .route(
            "/api/v1/projects/{id}/demonstration",
            post(activities::mark_demonstration),
        )
        .route(
            "/api/v1/activities",
            post(activities::create_activity).get(activities::search),
        )
        .route("/api/v1/activities/{id}", get(activities::activity))
        .route("/api/v1/activities/{id}/{action}", post(activities::change_state))
        .route(
            "/api/v1/activities/{id}/signups",
            post(activities::sign_up).get(activities::signups),
        )
        .route("/api/v1/activities/{id}/signups/cancel", post(activities::cancel))
        .route("/api/v1/signups/{id}/{decision}", post(activities::decide))
        .route("/api/v1/me/signups", get(activities::my_signups))
        .route("/api/v1/activities/{id}/checkin-code", get(attendance::checkin_code))
        .route(
            "/api/v1/activities/{id}/checkin-code.svg",
            get(attendance::checkin_code_svg),
        )
        .route("/api/v1/activities/{id}/attendance", post(attendance::attendance))
        .route("/api/v1/activities/{id}/pings", post(attendance::pings))
        .route("/api/v1/activities/{id}/records", get(attendance::activity_records))
        .route(
            "/api/v1/activities/{id}/hours",
            // Evidence files of up to 5 MB arrive as base64 inside the JSON.
            post(attendance::enter_hours).layer(axum::extract::DefaultBodyLimit::max(8 * 1024 * 1024)),
        )
        .route("/api/v1/volunteers/{id}/hours", get(attendance::volunteer_hours))
        .route(
            "/api/v1/volunteers/{id}/certificates",
            post(certificates::issue).get(certificates::list),
        )
        .route("/api/v1/certificates/{number}", get(certificates::verify))
        .route("/api/v1/activities/{id}/record-reports", post(reports::file))
        .route("/api/v1/me/record-reports", get(reports::mine))
        .route(
            "/api/v1/organizations/{id}/record-reports",
            get(reports::of_organization),
        )
        .route("/api/v1/record-reports/{id}/{action}", post(reports::answer))
        .route("/api/v1/certificates/{number}/pdf", get(certificates::pdf))
        .route("/api/v1/service-records/flagged", get(attendance::flagged))
        .route(
            "/api/v1/service-records/awaiting-approval",
            get(attendance::awaiting_approval),
        )
        .route("/api/v1/service-records/overdue", get(oversight::overdue))
        .route("/api/v1/service-records/{id}/{action}", post(attendance::decide_record))
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Zhiyuan 志愿 API", description = "Volunteer service platform. Errors are application/problem+json with a stable `code`."),
    modifiers(&BearerAuth),
    paths(
        system::health,
        auth::login, auth::logout, auth::activate, auth::request_code, auth::change_password, auth::me, grants::grant, grants::revoke,
        regions::region, regions::sites, regions::site, regions::update_site,
        volunteers::register, volunteers::search, volunteers::volunteer, volunteers::transfer,
        volunteers::transfers, volunteers::consents, volunteers::file_appeal, volunteers::appeals,
        volunteers::resolve_appeal, volunteers::insurance, oversight::volunteer_audit, oversight::overdue,
        organizations::create, organizations::search, organizations::organization, organizations::verify,
        organizations::join_mode, organizations::join, organizations::members, organizations::change_membership,
        activities::categories, activities::create_project, activities::projects, activities::mark_demonstration,
        activities::create_activity, activities::search, activities::activity, activities::change_state,
        activities::sign_up, activities::cancel, activities::signups, activities::decide, activities::my_signups,
        attendance::checkin_code, attendance::checkin_code_svg, attendance::attendance, attendance::pings,
        attendance::activity_records, attendance::enter_hours, attendance::volunteer_hours,
        attendance::decide_record, attendance::flagged, attendance::awaiting_approval,
        certificates::issue, certificates::list, certificates::verify, certificates::pdf,
        reports::file, reports::mine, reports::of_organization, reports::answer,
    ),
    components(schemas(crate::error::Problem))
)]
pub struct ApiDoc;
