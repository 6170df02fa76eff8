//! The ordering loop's pages: the menus near a resident and the order form
//! (`/orders/new`, which a site's manager also uses to order for someone
//! who phoned in), my orders (`/me/orders`), an order with its timeline and
//! the step the reader may take on it (`/orders/{id}`: cancel or rate for
//! the resident, candidates with their reasons and one-click dispatch for
//! the dispatcher, accept, refuse, start and complete for the
//! organization), the dispatch board (`/site/orders`) and the
//! organization's orders (`/org/orders`). Every check is `app::orders`'s.

use crate::app::activities::organizations_run;
use crate::app::input::form_instant;
use crate::app::orders::{self, Acceptance, BoardOrder, ListOf, OrderRequest};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::activities::{category_labels, label_of};
use crate::web::i18n::orders::{self as words, OrderTexts};
use crate::web::i18n::{Lang, Texts};
use crate::web::page::{
    DoneQuery, Layout, Page, PageError, PageForm, PageQuery, PageResult, check_session_csrf, china_time, explained,
    filled, render, render_with,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use zhiyuan_domain::loop_figures::LoopFigures;
use zhiyuan_domain::order::{OrderState, Party};
use zhiyuan_store::menus::MenuEntry;
use zhiyuan_store::orders::Order;
use zhiyuan_store::parse_id;
use zhiyuan_store::regions::Site;

/// Orders a list shows.
const ORDERS_SHOWN: i64 = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    site: String,
    project: String,
    item: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrderForm {
    csrf: String,
    site: String,
    project: String,
    item: String,
    category: String,
    content: String,
    address: String,
    wanted_from: String,
    wanted_to: String,
    contact_name: String,
    contact_phone: String,
}

struct MenuRow {
    title: String,
    category: String,
    description: String,
    organization: Option<String>,
    /// The query that orders it: `project=ID` or `item=ID`.
    link: String,
}

struct MenuSection {
    site_id: String,
    site_name: String,
    level: &'static str,
    rows: Vec<MenuRow>,
}

fn menu_rows(entries: Vec<MenuEntry>, labels: &[(String, String)]) -> Vec<MenuRow> {
    entries
        .into_iter()
        .map(|e| MenuRow {
            category: label_of(labels, &e.category),
            link: match (e.project_id, e.menu_item_id) {
                (Some(project), _) => format!("project={project}"),
                (None, Some(item)) => format!("item={item}"),
                (None, None) => String::new(),
            },
            title: e.title,
            description: e.description,
            organization: e.organization_name,
        })
        .collect()
}

fn site_level_words(lang: Lang, site: &Site) -> &'static str {
    words::desk(lang, &site.level)
}

#[derive(Template)]
#[template(path = "order_new.html")]
struct NewOrderPage<'a> {
    t: &'static Texts,
    o: &'static OrderTexts,
    layout: Layout,
    /// The menus to choose from (no site chosen yet).
    menus: Vec<MenuSection>,
    no_home: bool,
    /// The chosen site and entry, with the form.
    site: Option<(String, String)>,
    chosen: Option<String>,
    categories: Vec<(String, String)>,
    on_behalf: bool,
    form: &'a OrderForm,
    csrf: String,
    error: Option<&'static str>,
}

/// `/orders/new`: the menus near the reader, or (with `?site=`) the form.
pub async fn new_order(page: Page, State(state): State<AppState>, PageQuery(query): PageQuery<NewQuery>) -> PageResult {
    let form = OrderForm {
        site: query.site,
        project: query.project,
        item: query.item,
        ..OrderForm::default()
    };
    order_page(&page, &state, &form, None, StatusCode::OK).await
}

async fn order_page(
    page: &Page,
    state: &AppState,
    form: &OrderForm,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    let o = page.lang.order_texts();
    let labels = category_labels(state, page.lang).await?;
    let mut menus = Vec::new();
    let mut no_home = false;
    let mut site = None;
    let mut chosen = None;
    let mut on_behalf = false;
    match filled(&form.site) {
        None => match orders::home_region_path(state, user).await? {
            Some(path) => {
                for (site, entries) in orders::menus_near(state, &path).await? {
                    menus.push(MenuSection {
                        site_id: site.id.to_string(),
                        level: site_level_words(page.lang, &site),
                        site_name: site.name,
                        rows: menu_rows(entries, &labels),
                    });
                }
            }
            None => no_home = true,
        },
        Some(raw) => {
            let (found, entries) = orders::menu(state, parse_id(&raw, "site")?).await?;
            on_behalf = user.actor.manages_site(&found.id.to_string(), &found.region_path);
            chosen = entries
                .into_iter()
                .find(|e| {
                    e.project_id.map(|id| id.to_string()) == filled(&form.project)
                        || e.menu_item_id.map(|id| id.to_string()) == filled(&form.item)
                })
                .map(|e| e.title);
            site = Some((found.id.to_string(), found.name));
        }
    }
    render_with(
        status,
        &NewOrderPage {
            t: page.t,
            o,
            layout: page.layout(),
            menus,
            no_home,
            site,
            chosen,
            categories: labels,
            on_behalf,
            form,
            csrf: user.csrf_token.clone(),
            error,
        },
    )
}

fn optional_id(raw: &str, what: &'static str) -> Result<Option<i64>, ApiError> {
    filled(raw)
        .map(|r| parse_id(&r, what))
        .transpose()
        .map_err(ApiError::from)
}

fn request_of(form: &OrderForm) -> Result<OrderRequest, ApiError> {
    Ok(OrderRequest {
        site_id: parse_id(form.site.trim(), "site")?,
        category: filled(&form.category),
        project_id: optional_id(&form.project, "project")?,
        menu_item_id: optional_id(&form.item, "menu item")?,
        content: form.content.clone(),
        address: filled(&form.address),
        lat: None,
        lon: None,
        wanted_from: form_instant(&form.wanted_from, "wanted_from")?,
        wanted_to: form_instant(&form.wanted_to, "wanted_to")?,
        contact_name: filled(&form.contact_name),
        contact_phone: filled(&form.contact_phone),
    })
}

/// POST `/orders/new`: places the order; a refusal is explained above the
/// form, which keeps what was typed.
pub async fn place(page: Page, State(state): State<AppState>, PageForm(form): PageForm<OrderForm>) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let outcome = match request_of(&form) {
        Ok(request) => orders::place(&state, user, &request).await,
        Err(refused) => Err(refused),
    };
    match outcome {
        Ok(order) => Ok(Redirect::to(&format!("/orders/{}?done=placed", order.id)).into_response()),
        Err(refused) => {
            let (error, status) = explained(page.lang, refused)?;
            order_page(&page, &state, &form, Some(error), status).await
        }
    }
}

/// One order in a list.
struct OrderRow {
    id: String,
    content: String,
    category: String,
    state: &'static str,
    state_code: String,
    placed: String,
    desk: &'static str,
    time_left: String,
    escalated: bool,
    overdue: bool,
}

fn order_row(lang: Lang, labels: &[(String, String)], order: &Order) -> OrderRow {
    OrderRow {
        id: order.id.to_string(),
        content: order.content.chars().take(60).collect(),
        category: label_of(labels, &order.category),
        state: words::state(lang, &order.state),
        state_code: order.state.clone(),
        placed: china_time(order.placed_at),
        desk: words::desk(lang, &order.desk),
        time_left: String::new(),
        escalated: false,
        overdue: order.overdue_at.is_some(),
    }
}

/// "1 h 20 min" (or "已到期") until `deadline` from `now`.
fn time_left(o: &OrderTexts, lang: Lang, now: i64, deadline: Option<i64>) -> String {
    let Some(deadline) = deadline else {
        return o.no_deadline.to_string();
    };
    let minutes = (deadline - now) / 60_000;
    if minutes <= 0 {
        return o.time_passed.to_string();
    }
    match lang {
        Lang::Zh if minutes >= 60 => format!("{} 小时 {} 分", minutes / 60, minutes % 60),
        Lang::Zh => format!("{minutes} 分钟"),
        Lang::En if minutes >= 60 => format!("{} h {} min", minutes / 60, minutes % 60),
        Lang::En => format!("{minutes} min"),
    }
}

#[derive(Template)]
#[template(path = "orders_mine.html")]
struct MyOrdersPage {
    t: &'static Texts,
    o: &'static OrderTexts,
    layout: Layout,
    rows: Vec<OrderRow>,
}

/// `/me/orders`: the reader's orders, newest first.
pub async fn mine(page: Page, State(state): State<AppState>) -> PageResult {
    let user = page.require_user()?;
    let labels = category_labels(&state, page.lang).await?;
    let orders = orders::list(&state, user, ListOf::Mine, &[], None, ORDERS_SHOWN).await?;
    render(&MyOrdersPage {
        t: page.t,
        o: page.lang.order_texts(),
        layout: page.layout(),
        rows: orders.items.iter().map(|o| order_row(page.lang, &labels, o)).collect(),
    })
}

struct EventRow {
    at: String,
    action: &'static str,
    action_code: String,
    by: String,
    note: String,
}

struct CandidateRow {
    organization_id: String,
    name: String,
    score: String,
    why: String,
}

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    t: &'static Texts,
    o: &'static OrderTexts,
    layout: Layout,
    row: OrderRow,
    site: String,
    address: Option<String>,
    wanted: Option<String>,
    organization: Option<String>,
    activity_id: Option<String>,
    on_behalf: bool,
    contact: Option<String>,
    rating: Option<String>,
    report: Option<String>,
    events: Vec<EventRow>,
    may_cancel: bool,
    may_rate: bool,
    candidates: Option<Vec<CandidateRow>>,
    may_answer: bool,
    may_start: bool,
    may_complete: bool,
    csrf: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
}

/// `/orders/{id}`: the order, its timeline and the reader's possible step.
pub async fn detail(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<DoneQuery>,
) -> PageResult {
    let o = page.lang.order_texts();
    let notice = match query.done.as_str() {
        "placed" => Some(o.placed_notice),
        "" => None,
        _ => Some(o.done_notice),
    };
    order_detail(&page, &state, &id, notice, None, StatusCode::OK).await
}

async fn order_detail(
    page: &Page,
    state: &AppState,
    id: &str,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    let lang = page.lang;
    let seen = orders::view(state, user, parse_id(id, "order")?).await?;
    let order = &seen.order;
    let labels = category_labels(state, lang).await?;
    let state_now = order.state()?;
    let is = |party: Party| orders::party_of(&user.actor, user.user.id, order, party) == party;
    let candidates = if is(Party::Dispatcher) && state_now == OrderState::Ordered {
        let ranked = orders::candidates(state, user, order.id).await?;
        Some(
            ranked
                .into_iter()
                .map(|(name, c)| CandidateRow {
                    organization_id: c.organization_id.to_string(),
                    name,
                    score: format!("{:.0}", c.score),
                    why: c
                        .parts
                        .iter()
                        .map(|p| format!("{} {:.0}/{:.0}", words::score_part(lang, p.code), p.points, p.out_of))
                        .collect::<Vec<_>>()
                        .join(" · "),
                })
                .collect(),
        )
    } else {
        None
    };
    let organization = match order.organization_id {
        Some(id) => state.store.organization(id).await?.map(|org| org.name),
        None => None,
    };
    let site = state
        .store
        .site(order.site_id)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    let events = seen
        .events
        .iter()
        .map(|e| EventRow {
            at: china_time(e.at),
            action: words::action(lang, &e.action),
            action_code: e.action.clone(),
            by: e.actor_name.clone().unwrap_or_else(|| o_system(lang)),
            note: e.note.clone(),
        })
        .collect();
    let wanted = match (order.wanted_from, order.wanted_to) {
        (Some(from), Some(to)) => Some(crate::web::page::china_span(from, to)),
        (Some(at), None) | (None, Some(at)) => Some(china_time(at)),
        (None, None) => None,
    };
    render_with(
        status,
        &OrderPage {
            t: page.t,
            o: lang.order_texts(),
            layout: page.layout(),
            row: order_row(lang, &labels, order),
            site,
            address: order.address.clone(),
            wanted,
            organization,
            activity_id: order.activity_id.map(|id| id.to_string()),
            on_behalf: order.on_behalf,
            contact: order.contact_name.clone().map(|name| match &seen.contact_phone {
                Some(phone) => format!("{name} {phone}"),
                None => name,
            }),
            rating: order.rating.map(|r| {
                format!(
                    "{}{}",
                    "★".repeat(usize::try_from(r).unwrap_or(0)),
                    order.comment.as_deref().map(|c| format!(" {c}")).unwrap_or_default()
                )
            }),
            report: order.report.clone().filter(|r| !r.is_empty()),
            events,
            may_cancel: is(Party::Orderer)
                && matches!(
                    state_now,
                    OrderState::Ordered | OrderState::Dispatched | OrderState::Accepted
                ),
            may_rate: is(Party::Orderer) && state_now == OrderState::Completed,
            candidates,
            may_answer: is(Party::AssignedOrganization) && state_now == OrderState::Dispatched,
            may_start: is(Party::AssignedOrganization) && state_now == OrderState::Accepted,
            may_complete: is(Party::AssignedOrganization)
                && matches!(state_now, OrderState::Accepted | OrderState::InService),
            csrf: user.csrf_token.clone(),
            notice,
            error,
        },
    )
}

fn o_system(lang: Lang) -> String {
    lang.order_texts().system_actor.to_string()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    csrf: String,
    organization_id: String,
    reason: String,
    report: String,
    rating: String,
    comment: String,
    quota: String,
    lat: String,
    lon: String,
}

/// POST `/orders/{id}/{action}`: takes the step; back to the order with a
/// notice, or the order again with the refusal explained.
pub async fn step(
    page: Page,
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    PageForm(form): PageForm<StepForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let order_id = parse_id(&id, "order")?;
    let outcome = match action.as_str() {
        "dispatch" => match parse_id(form.organization_id.trim(), "organization") {
            Ok(organization) => orders::dispatch(&state, user, order_id, organization).await,
            Err(refused) => Err(refused.into()),
        },
        "accept" => {
            let acceptance = Acceptance {
                quota: form.quota.trim().parse().ok(),
                location: form.lat.trim().parse().ok().zip(form.lon.trim().parse().ok()),
                ..Acceptance::default()
            };
            orders::accept(&state, user, order_id, &acceptance).await
        }
        "refuse" => orders::refuse(&state, user, order_id, &form.reason).await,
        "start" => orders::start(&state, user, order_id).await,
        "complete" => orders::complete(&state, user, order_id, &form.report).await,
        "evaluate" => {
            let rating = form.rating.trim().parse().unwrap_or(0);
            orders::evaluate(&state, user, order_id, rating, &form.comment).await
        }
        "cancel" => orders::cancel(&state, user, order_id, &form.reason).await,
        _ => return Err(PageError::new(StatusCode::NOT_FOUND, "not_found")),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/orders/{order_id}?done={action}")).into_response()),
        Err(refused) => {
            let (error, status) = explained(page.lang, refused)?;
            order_detail(&page, &state, &id, None, Some(error), status).await
        }
    }
}

struct BoardSection {
    name: String,
    /// The site's loop figures in one line (the dispatch board only).
    figures: Option<String>,
    rows: Vec<OrderRow>,
}

/// "点单 12 · 闭环 9 · 满意度 4.8 · 派单用时中位数 35 分钟".
fn figures_line(o: &OrderTexts, figures: &LoopFigures) -> String {
    let mut parts = vec![
        format!("{} {}", o.figures_placed, figures.totals.placed),
        format!("{} {}", o.figures_closed, figures.closed_loops()),
    ];
    if let Some(satisfaction) = figures.satisfaction() {
        parts.push(format!("{} {satisfaction:.1}", o.figures_satisfaction));
    }
    if let Some(minutes) = figures.median_dispatch_minutes() {
        parts.push(format!("{} {minutes:.0} {}", o.figures_median_dispatch, o.minutes_unit));
    }
    parts.join(" · ")
}

#[derive(Template)]
#[template(path = "orders_board.html")]
struct BoardPage {
    t: &'static Texts,
    o: &'static OrderTexts,
    layout: Layout,
    title: &'static str,
    intro: &'static str,
    empty: &'static str,
    sections: Vec<BoardSection>,
    with_deadlines: bool,
}

/// `/site/orders`: the dispatch board of each site the reader manages,
/// with the time left before each order's next deadline.
pub async fn board(page: Page, State(state): State<AppState>) -> PageResult {
    let user = page.require_user()?;
    let sites = orders::managed_sites(&state, user).await?;
    if sites.is_empty() {
        return Err(PageError::forbidden());
    }
    let labels = category_labels(&state, page.lang).await?;
    let o = page.lang.order_texts();
    let now = state.now_ms();
    let mut sections = Vec::new();
    for site in sites {
        let rows = orders::board(&state, user, site.id, ORDERS_SHOWN)
            .await?
            .into_iter()
            .map(
                |BoardOrder {
                     order,
                     next_deadline,
                     escalated,
                 }| OrderRow {
                    time_left: time_left(o, page.lang, now, next_deadline.map(|t| t.timestamp_millis())),
                    escalated,
                    ..order_row(page.lang, &labels, &order)
                },
            )
            .collect();
        let figures = orders::board_figures(&state, user, site.id).await?;
        sections.push(BoardSection {
            name: site.name,
            figures: Some(figures_line(o, &figures)),
            rows,
        });
    }
    render(&BoardPage {
        t: page.t,
        o,
        layout: page.layout(),
        title: o.board_title,
        intro: o.board_intro,
        empty: o.board_empty,
        sections,
        with_deadlines: true,
    })
}

/// `/org/orders`: the orders sent to each organization the reader runs.
pub async fn organization(page: Page, State(state): State<AppState>) -> PageResult {
    let user = page.require_user()?;
    let organizations = organizations_run(&state, user).await?;
    if organizations.is_empty() {
        return Err(PageError::forbidden());
    }
    let labels = category_labels(&state, page.lang).await?;
    let o = page.lang.order_texts();
    let mut sections = Vec::new();
    for organization in organizations {
        let page_of = orders::list(
            &state,
            user,
            ListOf::Organization(organization.id),
            &[],
            None,
            ORDERS_SHOWN,
        )
        .await?;
        sections.push(BoardSection {
            name: organization.name,
            figures: None,
            rows: page_of
                .items
                .iter()
                .map(|order| order_row(page.lang, &labels, order))
                .collect(),
        });
    }
    render(&BoardPage {
        t: page.t,
        o,
        layout: page.layout(),
        title: o.org_title,
        intro: o.accept_hint,
        empty: o.org_empty,
        sections,
        with_deadlines: false,
    })
}
