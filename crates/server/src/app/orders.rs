//! The ordering loop (点单 → 派单 → 接单 → 评单) as its users drive it:
//! site menus, placing an order (by a resident of the site's county, or by
//! a site manager for someone who phoned in: 代点单), the dispatcher's
//! ranked candidates and dispatch, the organization's answer, delivery
//! and completion, the resident's rating, cancelling, reading an order
//! with its history, lists and the inbox. Which party the caller is for a
//! step is worked out here, once; whether that party may take the step,
//! and what it changes, is the domain's.

use crate::app::activities::organization_run_by;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use zhiyuan_domain::RuleError;
use zhiyuan_domain::activity::{check_text, plan};
use zhiyuan_domain::dispatch::{Candidate, Desk, check_target, rank};
use zhiyuan_domain::loop_figures::{FiguresScope, LoopFigures};
use zhiyuan_domain::order::{
    Delivery, OrderAction, OrderState, Party, check_draft, check_not_self_served, check_rating, delivery_activity,
    evaluation_open, next,
};
use zhiyuan_domain::order_deadline::{Deadlines, OrderTimes, next_check, take};
use zhiyuan_domain::phone::Phone;
use zhiyuan_domain::role::{Actor, Role};
use zhiyuan_domain::site::SiteLevel;
use zhiyuan_domain::time::from_epoch_ms;
use zhiyuan_domain::volunteer::check_person_name;
use zhiyuan_store::Page;
use zhiyuan_store::activities::NewActivity;
use zhiyuan_store::menus::MenuEntry;
use zhiyuan_store::orders::{DecidedStep, InboxEntry, NewOrder, Order, OrderEvent, OrdersOf, StepDetails};
use zhiyuan_store::regions::Site;

/// The longest refusal reason, report or cancellation note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// A step the order's state does not allow is a conflict with what is
/// stored (409 `invalid_transition`), not bad input: the same request
/// could have succeeded a moment earlier.
fn step_refusal(refusal: RuleError) -> ApiError {
    let conflict = refusal.code == "invalid_transition";
    let mut error = ApiError::from(refusal);
    if conflict {
        error.status = axum::http::StatusCode::CONFLICT;
    }
    error
}

/// The deadlines the settings give (read once a minute: `app::shared`).
pub async fn deadlines(state: &AppState) -> ApiResult<Deadlines> {
    state.shared.order_deadlines(&state.store).await
}

async fn site(state: &AppState, id: i64) -> ApiResult<Site> {
    state.store.site(id).await?.ok_or_else(|| ApiError::not_found("site"))
}

fn site_level(site: &Site) -> ApiResult<SiteLevel> {
    Ok(SiteLevel::parse(&site.level)?)
}

/// A site's menu (public: residents read it before they log in).
pub async fn menu(state: &AppState, site_id: i64) -> ApiResult<(Site, Vec<MenuEntry>)> {
    let site = site(state, site_id).await?;
    let menu = state.store.site_menu(site.id).await?;
    Ok((site, menu))
}

/// The menus a resident sees, nearest first: their village's station, their
/// township's institute, their county's center (those that exist).
pub async fn menus_near(state: &AppState, region_path: &str) -> ApiResult<Vec<(Site, Vec<MenuEntry>)>> {
    let mut menus = Vec::new();
    // A path's segments from the county down: county, township, village.
    let codes: Vec<&str> = region_path.split('/').skip(2).collect();
    for code in codes.into_iter().rev() {
        if let Some(site) = state.store.site_of_region(code).await? {
            let menu = state.store.site_menu(site.id).await?;
            menus.push((site, menu));
        }
    }
    Ok(menus)
}

/// The home region of a caller who orders for themselves: their resident
/// region, else their volunteer record's.
pub async fn home_region_path(state: &AppState, caller: &CurrentUser) -> ApiResult<Option<String>> {
    if let Some(grant) = caller.actor.grants.iter().find(|g| g.role == Role::Resident) {
        return Ok(Some(grant.region_path.clone()));
    }
    if let Some(id) = caller.actor.volunteer_id.as_deref().and_then(|id| id.parse().ok()) {
        return Ok(state.store.volunteer(id).await?.map(|v| v.region_path));
    }
    Ok(None)
}

/// Adds an item to a site's menu (its managers and the region
/// administrators above it).
pub async fn add_menu_item(
    state: &AppState,
    caller: &CurrentUser,
    site_id: i64,
    title: &str,
    category: &str,
    description: &str,
) -> ApiResult<i64> {
    let site = site(state, site_id).await?;
    if !caller.actor.manages_site(&site.id.to_string(), &site.region_path) {
        return Err(ApiError::forbidden());
    }
    let title = check_text(title, 60, true, "title")?;
    let description = check_text(description, MAX_NOTE_CHARS, false, "description")?;
    Ok(state
        .store
        .add_menu_item(
            site.id,
            &title,
            category.trim(),
            &description,
            caller.user.id,
            state.now_ms(),
        )
        .await?)
}

/// Takes an item the site added off its menu (its managers).
pub async fn remove_menu_item(state: &AppState, caller: &CurrentUser, site_id: i64, item_id: i64) -> ApiResult<()> {
    let site = site(state, site_id).await?;
    if !caller.actor.manages_site(&site.id.to_string(), &site.region_path) {
        return Err(ApiError::forbidden());
    }
    Ok(state
        .store
        .remove_menu_item(site.id, item_id, caller.user.id, state.now_ms())
        .await?)
}

/// An order as the caller asks for it.
#[derive(Debug, Clone, Default)]
pub struct OrderRequest {
    pub site_id: i64,
    pub category: Option<String>,
    pub project_id: Option<i64>,
    pub menu_item_id: Option<i64>,
    pub content: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub wanted_from: Option<DateTime<Utc>>,
    pub wanted_to: Option<DateTime<Utc>>,
    /// For an order a site places for someone who phoned in (代点单).
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// Places an order. A manager of the site orders on someone's behalf and
/// names them (contact name and phone; if the phone has an account, that
/// account is the orderer and may rate). Anyone else orders for themselves,
/// from a site of their own county (`order_site_outside_county`).
pub async fn place(state: &AppState, caller: &CurrentUser, request: &OrderRequest) -> ApiResult<Order> {
    let site = site(state, request.site_id).await?;
    let now = state.now();
    let draft = check_draft(
        &request.content,
        request.address.as_deref(),
        (request.lat, request.lon),
        (request.wanted_from, request.wanted_to),
        now,
    )?;
    let on_behalf = caller.actor.manages_site(&site.id.to_string(), &site.region_path);
    let (ordered_by, contact_name, contact_phone) = if on_behalf {
        let name = check_person_name(request.contact_name.as_deref().unwrap_or(""), "contact_name")?;
        let phone = Phone::parse(request.contact_phone.as_deref().unwrap_or("")).map_err(|e| e.on("contact_phone"))?;
        let account = state.store.user_by_phone(phone.as_str()).await?.map(|u| u.id);
        if account == Some(caller.user.id) {
            // A dispatcher who ordered for themselves could rate their own dispatch.
            return Err(RuleError::new(
                "order_on_behalf_of_self",
                "a site orders on behalf of someone else; order for yourself as a resident",
            )
            .on("contact_phone")
            .into());
        }
        (account, Some(name), Some(phone.as_str().to_string()))
    } else {
        let home = home_region_path(state, caller).await?;
        let county_of = |path: &str| path.split('/').nth(2).map(str::to_string);
        if home.as_deref().and_then(county_of).is_none()
            || home.as_deref().and_then(county_of) != county_of(&site.region_path)
        {
            return Err(RuleError::new(
                "order_site_outside_county",
                "order from a site of the county you live in",
            )
            .on("site_id")
            .into());
        }
        (Some(caller.user.id), None, None)
    };
    let category = menu_category(state, &site, request).await?;
    let desk = Desk::of_site(site_level(&site)?);
    let wanted_by = draft.wanted_to.or(draft.wanted_from);
    let deadlines = deadlines(state).await?;
    let new = NewOrder {
        site_id: site.id,
        category,
        project_id: request.project_id,
        menu_item_id: request.menu_item_id,
        draft,
        ordered_by,
        placed_by: caller.user.id,
        on_behalf,
        contact_name,
        contact_phone,
        desk,
        next_check: next_check(&OrderTimes::placed(desk, now, wanted_by), &deadlines),
    };
    Ok(state.store.place_order(&new, state.now_ms()).await?)
}

/// The category of an order: its menu entry's (which must be on the
/// site's menu: `menu_item_unknown`) or the one asked for.
async fn menu_category(state: &AppState, site: &Site, request: &OrderRequest) -> ApiResult<String> {
    if request.project_id.is_none() && request.menu_item_id.is_none() {
        return request
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                RuleError::new("category_required", "choose from the menu or name a category")
                    .on("category")
                    .into()
            });
    }
    let menu = state.store.site_menu(site.id).await?;
    menu.into_iter()
        .find(|entry| {
            (request.project_id.is_some() && entry.project_id == request.project_id)
                || (request.menu_item_id.is_some() && entry.menu_item_id == request.menu_item_id)
        })
        .map(|entry| entry.category)
        .ok_or_else(|| {
            RuleError::new("menu_item_unknown", "that is not on this site's menu")
                .on("menu_item_id")
                .into()
        })
}

/// Which party the caller is for a step that `needed` takes: that party if
/// the caller is it, otherwise `Party::Other`. The resident who ordered;
/// a manager of the order's site or a region administrator above it; an
/// admin (by grant) of the organization the order is with.
pub fn party_of(actor: &Actor, caller_id: i64, order: &Order, needed: Party) -> Party {
    let is = match needed {
        Party::Orderer => order.ordered_by == Some(caller_id),
        Party::Dispatcher => actor.manages_site(&order.site_id.to_string(), &order.region_path),
        Party::AssignedOrganization => order.organization_id.is_some_and(|id| {
            actor
                .grants
                .iter()
                .any(|g| g.role == Role::OrgAdmin && g.scope_id == id.to_string())
        }),
        Party::System | Party::Other => false,
    };
    if is { needed } else { Party::Other }
}

/// Whether the caller may read the order: a party to it, or a region
/// administrator above its site.
fn may_read(actor: &Actor, caller_id: i64, order: &Order) -> bool {
    [Party::Orderer, Party::Dispatcher, Party::AssignedOrganization]
        .into_iter()
        .any(|p| party_of(actor, caller_id, order, p) == p)
        || actor.administers_region(&order.region_path)
}

/// An order as its reader sees it.
pub struct OrderSeen {
    pub order: Order,
    pub events: Vec<OrderEvent>,
    /// The phone of whom a site ordered for: shown to the site's dispatchers
    /// and the organization serving it (each read audited), to nobody else.
    pub contact_phone: Option<String>,
}

/// The order and its history, for whoever may read it (403 for anyone else).
pub async fn view(state: &AppState, caller: &CurrentUser, id: i64) -> ApiResult<OrderSeen> {
    let order = readable(state, caller, id).await?;
    let events = state.store.order_events(order.id).await?;
    let serves = [Party::Dispatcher, Party::AssignedOrganization]
        .into_iter()
        .any(|p| party_of(&caller.actor, caller.user.id, &order, p) == p);
    let contact_phone = if serves && order.on_behalf {
        state
            .store
            .order_contact_phone(order.id, caller.user.id, state.now_ms())
            .await?
    } else {
        None
    };
    Ok(OrderSeen {
        order,
        events,
        contact_phone,
    })
}

async fn readable(state: &AppState, caller: &CurrentUser, id: i64) -> ApiResult<Order> {
    let order = state.store.require_order(id).await?;
    if !may_read(&caller.actor, caller.user.id, &order) {
        return Err(ApiError::forbidden());
    }
    Ok(order)
}

/// Takes `action` on `order` (as just read) for the caller: the domain
/// decides whether the caller's party may and what changes; the store
/// writes it whole, unless the order changed since it was read.
async fn step(
    state: &AppState,
    caller: &CurrentUser,
    order: &Order,
    action: OrderAction,
    details: StepDetails,
) -> ApiResult<Order> {
    let party = party_of(&caller.actor, caller.user.id, order, action.party());
    let deadlines = deadlines(state).await?;
    let taken = take(
        &order.times()?,
        order.accepted_at.map(from_epoch_ms),
        action,
        party,
        details.rating,
        state.now(),
        &deadlines,
    )
    .map_err(step_refusal)?;
    let details = StepDetails {
        actor: Some(caller.user.id),
        ..details
    };
    Ok(state
        .store
        .take_order_step(order, &DecidedStep { action, party, taken }, &details, state.now_ms())
        .await?)
}

/// The organizations the dispatcher may send the order to, best first,
/// each with its name and the parts of its score.
pub async fn candidates(state: &AppState, caller: &CurrentUser, id: i64) -> ApiResult<Vec<(String, Candidate)>> {
    let order = readable(state, caller, id).await?;
    if party_of(&caller.actor, caller.user.id, &order, Party::Dispatcher) != Party::Dispatcher {
        return Err(ApiError::forbidden());
    }
    let site = site(state, order.site_id).await?;
    let rows = state
        .store
        .candidate_facts(&order, site.lat.zip(site.lon), None)
        .await?;
    let facts: Vec<_> = rows.iter().map(|r| r.facts.clone()).collect();
    Ok(rank(&facts)
        .into_iter()
        .map(|candidate| {
            let name = rows
                .iter()
                .find(|r| r.facts.organization_id == candidate.organization_id)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            (name, candidate)
        })
        .collect())
}

/// Dispatches the order to an organization that may serve it.
pub async fn dispatch(state: &AppState, caller: &CurrentUser, id: i64, organization_id: i64) -> ApiResult<Order> {
    let order = state.store.require_order(id).await?;
    if party_of(&caller.actor, caller.user.id, &order, Party::Dispatcher) != Party::Dispatcher {
        return Err(RuleError::new("order_party_wrong", "only the site's dispatchers dispatch it").into());
    }
    // A step that cannot be taken is refused as such before the target is weighed.
    next(order.state()?, OrderAction::Dispatch, Party::Dispatcher).map_err(step_refusal)?;
    let site = site(state, order.site_id).await?;
    let target = state
        .store
        .candidate_facts(&order, site.lat.zip(site.lon), Some(organization_id))
        .await?;
    let target = target.first().ok_or_else(|| ApiError::not_found("organization"))?;
    check_target(&target.facts)?;
    let details = StepDetails {
        dispatch_to: Some(organization_id),
        ..StepDetails::default()
    };
    step(state, caller, &order, OrderAction::Dispatch, details).await
}

/// How the organization serves an accepted order.
#[derive(Debug, Clone, Default)]
pub struct Acceptance {
    /// An activity of the organization to serve it through; otherwise one is created.
    pub activity_id: Option<i64>,
    /// Volunteers the created activity asks for.
    pub quota: Option<u32>,
    /// Where to serve, when neither the order nor its site has a place.
    pub location: Option<(f64, f64)>,
}

/// The organization accepts: the order is served through an activity of
/// its own (linked, or created from the order), so that sign-up,
/// attendance and hours work as for any activity.
pub async fn accept(state: &AppState, caller: &CurrentUser, id: i64, acceptance: &Acceptance) -> ApiResult<Order> {
    let order = state.store.require_order(id).await?;
    let organization_id = order
        .organization_id
        .filter(|_| party_of(&caller.actor, caller.user.id, &order, Party::AssignedOrganization) != Party::Other)
        .ok_or_else(|| {
            ApiError::from(RuleError::new(
                "order_party_wrong",
                "only the organization it was sent to accepts it",
            ))
        })?;
    let mut details = StepDetails::default();
    if let Some(activity_id) = acceptance.activity_id {
        let activity = state.store.require_activity(activity_id).await?;
        if activity.organization_id != organization_id {
            return Err(
                RuleError::new("activity_unknown", "no such activity of this organization")
                    .on("activity_id")
                    .into(),
            );
        }
        details.link_activity = Some(activity.id);
    } else if order.state()? == OrderState::Dispatched {
        let site = site(state, order.site_id).await?;
        let location = order
            .place(site.lat.zip(site.lon))
            .or(acceptance.location)
            .ok_or_else(|| RuleError::new("service_place_required", "say where the service takes place").on("lat"))?;
        let input = delivery_activity(
            &Delivery {
                content: &order.content,
                category: &order.category,
                location,
                wanted_from: order.wanted_from.map(from_epoch_ms),
                wanted_to: order.wanted_to.map(from_epoch_ms),
                quota: acceptance.quota,
            },
            state.now(),
        );
        // The caller holds an admin grant of the organization (checked above).
        let project_id = match order.project_id {
            Some(project) => state
                .store
                .project(project)
                .await?
                .filter(|p| p.organization_id == organization_id)
                .map(|p| p.id),
            None => None,
        };
        details.new_activity = Some(NewActivity {
            organization_id,
            project_id,
            region_code: order.region_code.clone(),
            plan: plan(input)?,
            draft: false,
        });
    }
    let accepted = step(state, caller, &order, OrderAction::Accept, details).await?;
    state.shared.activities_changed();
    Ok(accepted)
}

fn note(raw: &str, required: bool, field: &'static str) -> ApiResult<String> {
    Ok(check_text(raw, MAX_NOTE_CHARS, required, field)?)
}

/// The organization refuses, with a reason; the order goes back to the desk.
pub async fn refuse(state: &AppState, caller: &CurrentUser, id: i64, reason: &str) -> ApiResult<Order> {
    let reason = note(reason, true, "reason")?;
    let details = StepDetails {
        note: reason,
        ..StepDetails::default()
    };
    let order = state.store.require_order(id).await?;
    step(state, caller, &order, OrderAction::Refuse, details).await
}

/// The organization starts serving.
pub async fn start(state: &AppState, caller: &CurrentUser, id: i64) -> ApiResult<Order> {
    let order = state.store.require_order(id).await?;
    step(state, caller, &order, OrderAction::Start, StepDetails::default()).await
}

/// The organization completes the order, with a short report.
pub async fn complete(state: &AppState, caller: &CurrentUser, id: i64, report: &str) -> ApiResult<Order> {
    let report = note(report, false, "report")?;
    let details = StepDetails {
        report: Some(report.clone()),
        note: report,
        ..StepDetails::default()
    };
    let order = state.store.require_order(id).await?;
    step(state, caller, &order, OrderAction::Complete, details).await
}

/// The resident who ordered rates it, 1–5, while the window is open
/// (`evaluation_closed` after it).
pub async fn evaluate(state: &AppState, caller: &CurrentUser, id: i64, rating: i64, comment: &str) -> ApiResult<Order> {
    let rating = u8::try_from(rating).unwrap_or(0);
    let comment = check_rating(rating, comment)?;
    let order = state.store.require_order(id).await?;
    // The orderer who also runs the serving organization: anyone else is
    // refused below as the wrong party.
    let orderer_runs_it = order.ordered_by == Some(caller.user.id)
        && party_of(&caller.actor, caller.user.id, &order, Party::AssignedOrganization) == Party::AssignedOrganization;
    check_not_self_served(orderer_runs_it)?;
    let deadlines = deadlines(state).await?;
    if let Some(completed_at) = order.completed_at
        && !evaluation_open(from_epoch_ms(completed_at), state.now(), deadlines.evaluation_days)
    {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "evaluation_closed",
            "the time to rate this order has passed",
        ));
    }
    let details = StepDetails {
        rating: Some(rating),
        comment: Some(comment),
        ..StepDetails::default()
    };
    step(state, caller, &order, OrderAction::Evaluate, details).await
}

/// The resident withdraws the order before the service begins.
pub async fn cancel(state: &AppState, caller: &CurrentUser, id: i64, reason: &str) -> ApiResult<Order> {
    let reason = note(reason, false, "reason")?;
    let details = StepDetails {
        note: reason,
        ..StepDetails::default()
    };
    let order = state.store.require_order(id).await?;
    step(state, caller, &order, OrderAction::Cancel, details).await
}

/// Whose orders a list asks for.
pub enum ListOf {
    Mine,
    Site(i64),
    Organization(i64),
}

/// One page of orders, newest first: the caller's own, a site's (its
/// dispatchers: the site and the sites below it) or an organization's
/// (its admins and the region administrators above it).
pub async fn list(
    state: &AppState,
    caller: &CurrentUser,
    of: ListOf,
    states: &[OrderState],
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<Page<Order>> {
    let site_path;
    let of = match of {
        ListOf::Mine => OrdersOf::Orderer(caller.user.id),
        ListOf::Site(id) => {
            let site = site(state, id).await?;
            if !caller.actor.manages_site(&site.id.to_string(), &site.region_path) {
                return Err(ApiError::forbidden());
            }
            site_path = site.region_path;
            OrdersOf::Sites(&site_path)
        }
        ListOf::Organization(id) => OrdersOf::Organization(organization_run_by(state, &caller.actor, id).await?.id),
    };
    Ok(state.store.orders(of, states, cursor, limit).await?)
}

/// The sites the caller manages by a site-manager grant.
pub async fn managed_sites(state: &AppState, caller: &CurrentUser) -> ApiResult<Vec<Site>> {
    let mut sites = Vec::new();
    for grant in caller.actor.grants.iter().filter(|g| g.role == Role::SiteManager) {
        if let Ok(id) = grant.scope_id.parse::<i64>()
            && let Some(site) = state.store.site(id).await?
        {
            sites.push(site);
        }
    }
    Ok(sites)
}

/// An order on a dispatch board: when its next deadline falls and whether
/// it waits above the desk of the site it was placed with.
pub struct BoardOrder {
    pub order: Order,
    pub next_deadline: Option<DateTime<Utc>>,
    pub escalated: bool,
}

/// The orders of the board of site `site_id` that are still moving (not
/// rated, closed, cancelled or expired), newest first, at most `limit`.
pub async fn board(state: &AppState, caller: &CurrentUser, site_id: i64, limit: i64) -> ApiResult<Vec<BoardOrder>> {
    let moving = [
        OrderState::Ordered,
        OrderState::Dispatched,
        OrderState::Accepted,
        OrderState::InService,
        OrderState::Completed,
    ];
    let page = list(state, caller, ListOf::Site(site_id), &moving, None, limit).await?;
    let deadlines = deadlines(state).await?;
    let mut levels: std::collections::HashMap<i64, SiteLevel> = std::collections::HashMap::new();
    let mut board = Vec::with_capacity(page.items.len());
    for order in page.items {
        let level = match levels.get(&order.site_id) {
            Some(level) => *level,
            None => {
                let level = site_level(&site(state, order.site_id).await?)?;
                levels.insert(order.site_id, level);
                level
            }
        };
        board.push(BoardOrder {
            next_deadline: next_check(&order.times()?, &deadlines),
            escalated: order.desk()? != Desk::of_site(level),
            order,
        });
    }
    Ok(board)
}

/// Whose loop figures.
pub enum FiguresOf<'a> {
    /// A site's (its managers and the region administrators above it).
    Site(i64),
    /// An organization's (its admins and the region administrators above it).
    Organization(i64),
    /// The orders placed with the site of one region (region administrators
    /// over it); the statistics sum these over the region tree.
    Region(&'a str),
}

/// The loop figures of a site, organization or region: all time, or one
/// China day (`YYYY-MM-DD`).
pub async fn figures(
    state: &AppState,
    caller: &CurrentUser,
    of: FiguresOf<'_>,
    day: Option<chrono::NaiveDate>,
) -> ApiResult<LoopFigures> {
    let (scope, key) = match of {
        FiguresOf::Site(id) => {
            let site = site(state, id).await?;
            if !caller.actor.manages_site(&site.id.to_string(), &site.region_path) {
                return Err(ApiError::forbidden());
            }
            (FiguresScope::Site, site.id.to_string())
        }
        FiguresOf::Organization(id) => (
            FiguresScope::Organization,
            organization_run_by(state, &caller.actor, id).await?.id.to_string(),
        ),
        FiguresOf::Region(code) => {
            let region = state.store.require_region(code.trim()).await?;
            caller.actor.require_region_admin(&region.path)?;
            (FiguresScope::Region, region.code)
        }
    };
    let day = day.map(|d| d.to_string()).unwrap_or_default();
    Ok(state.store.loop_figures(scope, &key, &day).await?)
}

/// The all-time loop figures of a site and the sites below it, for its
/// managers (a center's board covers its county's institutes and stations).
pub async fn board_figures(state: &AppState, caller: &CurrentUser, site_id: i64) -> ApiResult<LoopFigures> {
    let site = site(state, site_id).await?;
    if !caller.actor.manages_site(&site.id.to_string(), &site.region_path) {
        return Err(ApiError::forbidden());
    }
    Ok(state.store.sites_figures_within(&site.region_path).await?)
}

/// One page of the caller's inbox, newest first.
pub async fn inbox(
    state: &AppState,
    caller: &CurrentUser,
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<Page<InboxEntry>> {
    Ok(state.store.inbox(caller.user.id, cursor, limit).await?)
}
