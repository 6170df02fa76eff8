//! The ordering loop over JSON: site menus, orders and their steps, the
//! dispatcher's candidates, lists and the inbox. The checks are
//! `app::orders`'s; these handlers parse and render.

use crate::api::{Paging, rfc3339};
use crate::app::input::parse_instant;
use crate::app::orders::{self, Acceptance, ListOf, OrderRequest};
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiJsonOrDefault, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::dispatch::Candidate;
use zhiyuan_domain::order::OrderState;
use zhiyuan_store::menus::MenuEntry;
use zhiyuan_store::orders::{Order, OrderEvent};
use zhiyuan_store::{page_size, parse_id};

/// An id as a JSON number or string.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum IdValue {
    Number(i64),
    Text(String),
}

impl IdValue {
    fn parse(&self, what: &'static str) -> ApiResult<i64> {
        match self {
            IdValue::Number(id) => Ok(*id),
            IdValue::Text(raw) => Ok(parse_id(raw.trim(), what)?),
        }
    }
}

fn optional_id(value: &Option<IdValue>, what: &'static str) -> ApiResult<Option<i64>> {
    value.as_ref().map(|v| v.parse(what)).transpose()
}

#[derive(Serialize, ToSchema)]
pub struct MenuEntryView {
    pub project_id: Option<String>,
    pub menu_item_id: Option<String>,
    pub title: String,
    pub category: String,
    pub description: String,
    pub organization_id: Option<String>,
    pub organization_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MenuView {
    pub site_id: String,
    pub site_name: String,
    pub level: String,
    pub items: Vec<MenuEntryView>,
}

fn menu_entry(entry: MenuEntry) -> MenuEntryView {
    MenuEntryView {
        project_id: entry.project_id.map(|id| id.to_string()),
        menu_item_id: entry.menu_item_id.map(|id| id.to_string()),
        title: entry.title,
        category: entry.category,
        description: entry.description,
        organization_id: entry.organization_id.map(|id| id.to_string()),
        organization_name: entry.organization_name,
    }
}

/// A site's menu: routine projects of verified organizations serving it
/// and the items the site added (public).
#[utoipa::path(get, path = "/api/v1/sites/{id}/menu", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = MenuView), (status = 404, body = crate::error::Problem)))]
pub async fn menu(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<MenuView>> {
    let (site, entries) = orders::menu(&state, parse_id(&id, "site")?).await?;
    Ok(Json(MenuView {
        site_id: site.id.to_string(),
        site_name: site.name,
        level: site.level,
        items: entries.into_iter().map(menu_entry).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct MenuItemRequest {
    pub title: String,
    pub category: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

/// Adds an item to a site's menu (its managers).
#[utoipa::path(post, path = "/api/v1/sites/{id}/menu", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = MenuItemRequest,
    responses((status = 201, body = Created), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn add_menu_item(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<MenuItemRequest>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let id = orders::add_menu_item(
        &state,
        &current,
        parse_id(&id, "site")?,
        &request.title,
        &request.category,
        &request.description,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.to_string() })))
}

/// Takes an item the site added off its menu (its managers).
#[utoipa::path(delete, path = "/api/v1/sites/{id}/menu/{item}", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path), ("item" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn remove_menu_item(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((id, item)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    orders::remove_menu_item(&state, &current, parse_id(&id, "site")?, parse_id(&item, "menu item")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct PlaceRequest {
    pub site_id: IdValue,
    /// A category code; taken from the menu entry when one is named.
    pub category: Option<String>,
    pub project_id: Option<IdValue>,
    pub menu_item_id: Option<IdValue>,
    /// What is needed (1–1,000 characters).
    pub content: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// RFC 3339.
    pub wanted_from: Option<String>,
    pub wanted_to: Option<String>,
    /// For a site ordering on someone's behalf (代点单): who to serve.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    /// The state after the step.
    pub status: String,
    /// `place`, `dispatch`, `accept`, `refuse`, `accept_timeout`, `escalate`,
    /// `start`, `complete`, `evaluate`, `close_unrated`, `cancel`, `expire`, `flag_overdue`.
    pub action: String,
    pub at: String,
    /// Who took it (absent for the server's deadline jobs).
    pub by: Option<String>,
    pub by_name: Option<String>,
    /// `orderer`, `dispatcher`, `organization` or `system`.
    pub role: String,
    pub desk: String,
    pub organization_id: Option<String>,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrderView {
    pub id: String,
    /// `ordered`, `dispatched`, `accepted`, `in_service`, `completed`,
    /// `evaluated`, `closed_unrated`, `cancelled` or `expired`.
    pub status: String,
    pub site_id: String,
    pub region_code: String,
    pub category: String,
    pub project_id: Option<String>,
    pub menu_item_id: Option<String>,
    pub content: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub wanted_from: Option<String>,
    pub wanted_to: Option<String>,
    /// Placed by a site for someone who phoned in (代点单).
    pub on_behalf: bool,
    pub contact_name: Option<String>,
    /// On the single order's answer, for its dispatchers and the
    /// organization serving it, when a site ordered for someone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
    /// Where it waits to be dispatched: `station`, `institute`, `center` or `county_admin`.
    pub desk: String,
    pub organization_id: Option<String>,
    pub activity_id: Option<String>,
    pub placed_at: String,
    pub overdue: bool,
    pub rating: Option<i64>,
    pub comment: Option<String>,
    pub report: Option<String>,
    /// The history, oldest first (on the single order's answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
}

fn order_view(order: Order, events: Option<Vec<OrderEvent>>) -> OrderView {
    OrderView {
        id: order.id.to_string(),
        status: order.state,
        site_id: order.site_id.to_string(),
        region_code: order.region_code,
        category: order.category,
        project_id: order.project_id.map(|id| id.to_string()),
        menu_item_id: order.menu_item_id.map(|id| id.to_string()),
        content: order.content,
        address: order.address,
        lat: order.lat,
        lon: order.lon,
        wanted_from: order.wanted_from.map(rfc3339),
        wanted_to: order.wanted_to.map(rfc3339),
        on_behalf: order.on_behalf,
        contact_name: order.contact_name,
        contact_phone: None,
        desk: order.desk,
        organization_id: order.organization_id.map(|id| id.to_string()),
        activity_id: order.activity_id.map(|id| id.to_string()),
        placed_at: rfc3339(order.placed_at),
        overdue: order.overdue_at.is_some(),
        rating: order.rating,
        comment: order.comment,
        report: order.report,
        events: events.map(|events| {
            events
                .into_iter()
                .map(|e| EventView {
                    status: e.to_state,
                    action: e.action,
                    at: rfc3339(e.at),
                    by: e.actor_user.map(|id| id.to_string()),
                    by_name: e.actor_name,
                    role: e.party,
                    desk: e.desk,
                    organization_id: e.organization_id.map(|id| id.to_string()),
                    note: e.note,
                })
                .collect()
        }),
    }
}

/// Places an order: a resident of the site's county for themselves, or a
/// manager of the site for someone who phoned in (with `contact_name` and
/// `contact_phone`).
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])), request_body = PlaceRequest,
    responses((status = 201, body = OrderView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn place(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(request): ApiJson<PlaceRequest>,
) -> ApiResult<(StatusCode, Json<OrderView>)> {
    let instant = |raw: &Option<String>, field| {
        raw.as_deref()
            .filter(|r| !r.trim().is_empty())
            .map(|r| parse_instant(r, field))
            .transpose()
    };
    let order = OrderRequest {
        site_id: request.site_id.parse("site")?,
        category: request.category,
        project_id: optional_id(&request.project_id, "project")?,
        menu_item_id: optional_id(&request.menu_item_id, "menu item")?,
        content: request.content,
        address: request.address,
        lat: request.lat,
        lon: request.lon,
        wanted_from: instant(&request.wanted_from, "wanted_from")?,
        wanted_to: instant(&request.wanted_to, "wanted_to")?,
        contact_name: request.contact_name,
        contact_phone: request.contact_phone,
    };
    let placed = orders::place(&state, &current, &order).await?;
    Ok((StatusCode::CREATED, Json(order_view(placed, None))))
}

/// An order with its history (the resident, the dispatchers, the
/// organization it is with, region administrators above it).
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = crate::error::Problem)))]
pub async fn order(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderView>> {
    let seen = orders::view(&state, &current, parse_id(&id, "order")?).await?;
    Ok(Json(OrderView {
        contact_phone: seen.contact_phone,
        ..order_view(seen.order, Some(seen.events))
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct OrderFilter {
    /// A site's board (its managers): the site and the sites below it.
    pub site_id: Option<String>,
    /// The orders sent to an organization (its admins).
    pub organization_id: Option<String>,
    /// Comma-separated states.
    pub status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OrderList {
    pub items: Vec<OrderView>,
    pub next_cursor: Option<String>,
}

/// Orders, newest first: a site's, an organization's, or (without either)
/// the caller's own.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])), params(OrderFilter, Paging),
    responses((status = 200, body = OrderList), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(filter): ApiQuery<OrderFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<OrderList>> {
    let present = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let of = match (present(&filter.site_id), present(&filter.organization_id)) {
        (Some(site), _) => ListOf::Site(parse_id(&site, "site")?),
        (None, Some(organization)) => ListOf::Organization(parse_id(&organization, "organization")?),
        (None, None) => ListOf::Mine,
    };
    let states = present(&filter.status)
        .map(|raw| raw.split(',').map(OrderState::parse).collect::<Result<Vec<_>, _>>())
        .transpose()?
        .unwrap_or_default();
    let page = orders::list(
        &state,
        &current,
        of,
        &states,
        paging.cursor.as_deref(),
        page_size(paging.limit),
    )
    .await?;
    Ok(Json(OrderList {
        items: page.items.into_iter().map(|o| order_view(o, None)).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ScorePartView {
    /// `category`, `distance`, `load`, `rating`, `acceptance` or `response`.
    pub code: String,
    pub points: f64,
    pub out_of: f64,
}

#[derive(Serialize, ToSchema)]
pub struct CandidateView {
    pub organization_id: String,
    pub name: String,
    /// 0–100, the sum of its parts.
    pub score: f64,
    /// Why: each part of the score.
    pub parts: Vec<ScorePartView>,
}

fn candidate_view((name, candidate): (String, Candidate)) -> CandidateView {
    CandidateView {
        organization_id: candidate.organization_id.to_string(),
        name,
        score: (candidate.score * 10.0).round() / 10.0,
        parts: candidate
            .parts
            .into_iter()
            .map(|p| ScorePartView {
                code: p.code.to_string(),
                points: (p.points * 10.0).round() / 10.0,
                out_of: p.out_of,
            })
            .collect(),
    }
}

/// The organizations the dispatcher may send the order to, best first,
/// each with the parts of its score.
#[utoipa::path(get, path = "/api/v1/orders/{id}/candidates", tag = "orders", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = [CandidateView]), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn candidates(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CandidateView>>> {
    let ranked = orders::candidates(&state, &current, parse_id(&id, "order")?).await?;
    Ok(Json(ranked.into_iter().map(candidate_view).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct DispatchRequest {
    pub organization_id: IdValue,
}

/// Dispatches the order to an organization (the site's dispatchers).
#[utoipa::path(post, path = "/api/v1/orders/{id}/dispatch", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = DispatchRequest,
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn dispatch(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DispatchRequest>,
) -> ApiResult<Json<OrderView>> {
    let organization = request.organization_id.parse("organization")?;
    let order = orders::dispatch(&state, &current, parse_id(&id, "order")?, organization).await?;
    Ok(Json(order_view(order, None)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct AcceptRequest {
    /// Serve it through this activity of the organization; otherwise one is created.
    pub activity_id: Option<IdValue>,
    /// Volunteers the created activity asks for (default 2).
    pub quota: Option<u32>,
    /// Where to serve, when neither the order nor its site has a place.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// The organization accepts the order; it is served through an activity.
#[utoipa::path(post, path = "/api/v1/orders/{id}/accept", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Option<AcceptRequest>,
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn accept(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJsonOrDefault(request): ApiJsonOrDefault<AcceptRequest>,
) -> ApiResult<Json<OrderView>> {
    let acceptance = Acceptance {
        activity_id: optional_id(&request.activity_id, "activity")?,
        quota: request.quota,
        location: request.lat.zip(request.lon),
    };
    let order = orders::accept(&state, &current, parse_id(&id, "order")?, &acceptance).await?;
    Ok(Json(order_view(order, None)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct NoteRequest {
    #[serde(default)]
    pub reason: String,
}

/// The organization refuses the order, with a reason; it goes back to the desk.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refuse", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NoteRequest,
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn refuse(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJsonOrDefault(request): ApiJsonOrDefault<NoteRequest>,
) -> ApiResult<Json<OrderView>> {
    let order = orders::refuse(&state, &current, parse_id(&id, "order")?, &request.reason).await?;
    Ok(Json(order_view(order, None)))
}

/// The organization starts serving the order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/start", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn start(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderView>> {
    let order = orders::start(&state, &current, parse_id(&id, "order")?).await?;
    Ok(Json(order_view(order, None)))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct CompleteRequest {
    /// A short report of the service (at most 500 characters).
    #[serde(default)]
    pub report: String,
}

/// The organization completes the order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/complete", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Option<CompleteRequest>,
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn complete(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJsonOrDefault(request): ApiJsonOrDefault<CompleteRequest>,
) -> ApiResult<Json<OrderView>> {
    let order = orders::complete(&state, &current, parse_id(&id, "order")?, &request.report).await?;
    Ok(Json(order_view(order, None)))
}

#[derive(Deserialize, ToSchema)]
pub struct EvaluateRequest {
    /// 1 to 5.
    pub rating: i64,
    #[serde(default)]
    pub comment: String,
}

/// The resident who ordered rates it; the loop is closed.
#[utoipa::path(post, path = "/api/v1/orders/{id}/evaluate", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = EvaluateRequest,
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn evaluate(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<EvaluateRequest>,
) -> ApiResult<Json<OrderView>> {
    let order = orders::evaluate(
        &state,
        &current,
        parse_id(&id, "order")?,
        request.rating,
        &request.comment,
    )
    .await?;
    Ok(Json(order_view(order, None)))
}

/// The resident withdraws the order before the service begins.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Option<NoteRequest>,
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJsonOrDefault(request): ApiJsonOrDefault<NoteRequest>,
) -> ApiResult<Json<OrderView>> {
    let order = orders::cancel(&state, &current, parse_id(&id, "order")?, &request.reason).await?;
    Ok(Json(order_view(order, None)))
}

#[derive(Serialize, ToSchema)]
pub struct InboxEntryView {
    pub id: String,
    pub at: String,
    /// The step that concerns the reader (`place`, `dispatch`, `escalate`…).
    pub kind: String,
    pub order_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InboxView {
    pub items: Vec<InboxEntryView>,
    pub next_cursor: Option<String>,
}

/// The caller's inbox, newest first.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "orders", security(("bearer" = [])), params(Paging),
    responses((status = 200, body = InboxView)))]
pub async fn inbox(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<InboxView>> {
    let page = orders::inbox(&state, &current, paging.cursor.as_deref(), page_size(paging.limit)).await?;
    Ok(Json(InboxView {
        items: page
            .items
            .into_iter()
            .map(|e| InboxEntryView {
                id: e.id.to_string(),
                at: rfc3339(e.at),
                kind: e.kind,
                order_id: e.order_id.map(|id| id.to_string()),
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct FiguresFilter {
    /// A site's figures (its managers).
    pub site_id: Option<String>,
    /// An organization's figures (its admins).
    pub organization_id: Option<String>,
    /// The figures of the orders placed with a region's site (region administrators).
    pub region: Option<String>,
    /// One China day (`YYYY-MM-DD`); all time without it.
    pub day: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FiguresView {
    pub placed: i64,
    pub dispatched: i64,
    pub accepted: i64,
    pub refused: i64,
    /// Not accepted in time and returned to the desk.
    pub timed_out: i64,
    pub escalated: i64,
    pub completed: i64,
    /// Ordered, served and rated.
    pub closed_loops: i64,
    /// Completed and not rated in time: counted apart from closed loops.
    pub closed_unrated: i64,
    pub cancelled: i64,
    pub expired: i64,
    /// Mean rating 1–5 of the rated orders (absent before the first).
    pub satisfaction: Option<f64>,
    pub median_minutes_to_dispatch: Option<f64>,
    pub median_minutes_to_answer: Option<f64>,
    pub median_minutes_to_complete: Option<f64>,
    /// Effective hours served through the orders' activities, by the day served.
    pub hours_delivered: f64,
    /// Orders now in each state (all-time figures; a day's figures give that day's moves).
    pub orders_by_state: std::collections::BTreeMap<String, i64>,
}

/// Loop figures of a site, an organization or a region, all time or one day.
#[utoipa::path(get, path = "/api/v1/orders/figures", tag = "orders", security(("bearer" = [])), params(FiguresFilter),
    responses((status = 200, body = FiguresView), (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn figures(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(filter): ApiQuery<FiguresFilter>,
) -> ApiResult<Json<FiguresView>> {
    let present = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let region = present(&filter.region);
    let of = match (present(&filter.site_id), present(&filter.organization_id), &region) {
        (Some(site), _, _) => orders::FiguresOf::Site(parse_id(&site, "site")?),
        (None, Some(organization), _) => orders::FiguresOf::Organization(parse_id(&organization, "organization")?),
        (None, None, Some(code)) => orders::FiguresOf::Region(code),
        (None, None, None) => {
            return Err(crate::error::ApiError::bad_request(
                "figures_scope_required",
                "give site_id, organization_id or region",
            ));
        }
    };
    let day = present(&filter.day)
        .map(|raw| {
            chrono::NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
                .map_err(|_| zhiyuan_domain::RuleError::new("date_invalid", "a day is YYYY-MM-DD").on("day"))
        })
        .transpose()?;
    let figures = orders::figures(&state, &current, of, day).await?;
    let totals = figures.totals;
    Ok(Json(FiguresView {
        placed: totals.placed,
        dispatched: totals.dispatched,
        accepted: totals.accepted,
        refused: totals.refused,
        timed_out: totals.timed_out,
        escalated: totals.escalated,
        completed: totals.completed,
        closed_loops: figures.closed_loops(),
        closed_unrated: totals.closed_unrated,
        cancelled: totals.cancelled,
        expired: totals.expired,
        satisfaction: figures.satisfaction(),
        median_minutes_to_dispatch: figures.median_dispatch_minutes(),
        median_minutes_to_answer: figures.median_answer_minutes(),
        median_minutes_to_complete: figures.median_complete_minutes(),
        hours_delivered: figures.hours_delivered(),
        orders_by_state: OrderState::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), figures.in_state(*s)))
            .collect(),
    }))
}
