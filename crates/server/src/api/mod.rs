//! The JSON API under `/api/v1`: one module per resource, the OpenAPI
//! document generated from the handlers' annotations, and shared view helpers.

pub mod activities;
pub mod attendance;
pub mod auth;
pub mod awards;
pub mod benefits;
pub mod certificates;
pub mod exports;
pub mod funding;
pub mod grants;
pub mod orders;
pub mod organizations;
pub mod oversight;
pub mod rankings;
pub mod regions;
pub mod reports;
pub mod statistics;
pub mod stories;
pub mod system;
pub mod volunteers;

use crate::state::AppState;
use axum::Router;
use axum::http::header;
use axum::routing::get;
use chrono::DateTime;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

/// The JSON API: each route registered once, with its OpenAPI operation
/// (`utoipa_axum::routes!` reads the path and method from the handler's
/// `#[utoipa::path]`), so the router and `/api/openapi.json` cannot drift.
pub fn routes() -> Router<AppState> {
    let (router, spec) = documented_routes().split_for_parts();
    let spec_json: Arc<str> = spec.to_json().unwrap_or_default().into();
    router.route(
        "/api/openapi.json",
        get(move || {
            let spec_json = spec_json.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], spec_json.to_string()) }
        }),
    )
}

/// The OpenAPI document of every route of the JSON API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented_routes().split_for_parts().1
}

fn documented_routes() -> OpenApiRouter<AppState> {
    // Hand-entered hours carry an evidence file of up to 5 MB in base64.
    let (schemas, paths, enter_hours) = routes!(attendance::enter_hours);
    let enter_hours = (
        schemas,
        paths,
        enter_hours.layer(axum::extract::DefaultBodyLimit::max(8 * 1024 * 1024)),
    );
    // A story carries up to nine photos of 5 MB in base64.
    let story_limit = || axum::extract::DefaultBodyLimit::max(stories::STORY_BODY_LIMIT);
    let (schemas, paths, write_story) = routes!(stories::write);
    let write_story = (schemas, paths, write_story.layer(story_limit()));
    let (schemas, paths, rewrite_story) = routes!(stories::rewrite, stories::story);
    let rewrite_story = (schemas, paths, rewrite_story.layer(story_limit()));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(system::health))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::activate))
        .routes(routes!(auth::request_code))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::me))
        .routes(routes!(grants::grant))
        .routes(routes!(grants::revoke))
        .routes(routes!(regions::region))
        .routes(routes!(statistics::region))
        .routes(routes!(rankings::rankings))
        .routes(routes!(exports::export))
        .routes(routes!(regions::sites))
        .routes(routes!(regions::site, regions::update_site))
        .routes(routes!(regions::designate_site))
        .routes(routes!(volunteers::register, volunteers::search))
        .routes(routes!(volunteers::volunteer))
        .routes(routes!(volunteers::transfer))
        .routes(routes!(volunteers::transfers))
        .routes(routes!(volunteers::consents))
        .routes(routes!(volunteers::insurance))
        .routes(routes!(oversight::volunteer_audit))
        .routes(routes!(volunteers::file_appeal, volunteers::appeals))
        .routes(routes!(volunteers::resolve_appeal))
        .routes(routes!(organizations::create, organizations::search))
        .routes(routes!(organizations::organization))
        .routes(routes!(organizations::verify))
        .routes(routes!(organizations::join_mode))
        .routes(routes!(organizations::join, organizations::members))
        .routes(routes!(organizations::change_membership))
        .routes(routes!(activities::categories))
        .routes(routes!(activities::create_project, activities::projects))
        .routes(routes!(activities::mark_demonstration))
        .routes(routes!(activities::create_activity, activities::search))
        .routes(routes!(activities::activity))
        .routes(routes!(activities::change_state))
        .routes(routes!(activities::sign_up, activities::signups))
        .routes(routes!(activities::cancel))
        .routes(routes!(activities::decide))
        .routes(routes!(activities::my_signups))
        .routes(routes!(attendance::checkin_code))
        .routes(routes!(attendance::checkin_code_svg))
        .routes(routes!(attendance::attendance))
        .routes(routes!(attendance::pings))
        .routes(routes!(attendance::activity_records))
        .routes(enter_hours)
        .routes(routes!(attendance::volunteer_hours))
        .routes(routes!(certificates::issue, certificates::list))
        .routes(routes!(certificates::verify))
        .routes(routes!(reports::file))
        .routes(routes!(reports::mine))
        .routes(routes!(reports::of_organization))
        .routes(routes!(reports::answer))
        .routes(routes!(certificates::pdf))
        .routes(routes!(attendance::flagged))
        .routes(routes!(attendance::awaiting_approval))
        .routes(routes!(oversight::overdue))
        .routes(routes!(attendance::decide_record))
        .routes(routes!(orders::menu, orders::add_menu_item))
        .routes(routes!(orders::remove_menu_item))
        .routes(routes!(orders::place, orders::list))
        .routes(routes!(orders::figures))
        .routes(routes!(orders::order))
        .routes(routes!(orders::candidates))
        .routes(routes!(orders::dispatch))
        .routes(routes!(orders::accept))
        .routes(routes!(orders::refuse))
        .routes(routes!(orders::start))
        .routes(routes!(orders::complete))
        .routes(routes!(orders::evaluate))
        .routes(routes!(orders::cancel))
        .routes(routes!(orders::inbox))
        .routes(routes!(benefits::points))
        .routes(routes!(benefits::offer, benefits::list))
        .routes(routes!(benefits::benefit))
        .routes(routes!(benefits::redeem))
        .routes(routes!(benefits::mine))
        .routes(routes!(benefits::redemption))
        .routes(routes!(benefits::check))
        .routes(routes!(benefits::provider_redemptions))
        .routes(routes!(funding::open_call, funding::calls))
        .routes(routes!(funding::call))
        .routes(routes!(funding::apply))
        .routes(routes!(funding::score))
        .routes(routes!(funding::grant))
        .routes(routes!(funding::disburse))
        .routes(routes!(funding::totals))
        .routes(routes!(awards::open_campaign, awards::campaigns))
        .routes(routes!(awards::campaign))
        .routes(routes!(awards::nominate))
        .routes(routes!(awards::review))
        .routes(routes!(awards::publish))
        .routes(routes!(awards::awards_of))
        .routes(write_story)
        .routes(rewrite_story)
        .routes(routes!(stories::list))
        .routes(routes!(stories::photo))
        .routes(routes!(stories::approve))
        .routes(routes!(stories::send_back))
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
    components(schemas(crate::error::Problem))
)]
pub struct ApiDoc;
