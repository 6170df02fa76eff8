//! Orders of the ordering loop (点单 → 派单 → 接单 → 评单): the order as
//! stored; placing one and taking its steps (handed to the order writer,
//! `order_writes`, which writes each whole with its event, the loop figures
//! it adds to, the inbox entries of whom it concerns and the job that looks
//! at its next deadline); its history; the facts dispatch suggestions are
//! ranked on; inboxes. Menus are `menus`, the figures `order_figures`. The
//! decisions (may this party take this step, what it changes, when the next
//! deadline falls) are the domain's (`order`, `order_deadline`,
//! `loop_figures`, `dispatch`); the store reads the facts they need and
//! writes what they decided.

use crate::activities::NewActivity;
use crate::order_writes::{OrderWrite, QueuedPlace, QueuedStep};
use crate::sql::{Tx, query_as, query_scalar};
use crate::vault::Place;
use crate::{Page, Result, Store, StoreError, audit_entry, into_page};
use chrono::{DateTime, Utc};
use serde::Serialize;
use zhiyuan_domain::dispatch::{CandidateFacts, Desk};
use zhiyuan_domain::geo::Point;
use zhiyuan_domain::loop_figures::{FiguresDelta, FiguresScope, LoopFigures};
use zhiyuan_domain::order::{OrderAction, OrderDraft, OrderState, Party};
use zhiyuan_domain::order_deadline::{OrderTimes, Taken};
use zhiyuan_domain::time::from_epoch_ms;

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Order {
    pub id: i64,
    pub site_id: i64,
    pub region_code: String,
    pub region_path: String,
    pub category: String,
    pub project_id: Option<i64>,
    pub menu_item_id: Option<i64>,
    pub content: String,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub wanted_from: Option<i64>,
    pub wanted_to: Option<i64>,
    pub ordered_by: Option<i64>,
    pub placed_by: i64,
    pub on_behalf: bool,
    pub contact_name: Option<String>,
    pub state: String,
    pub desk: String,
    pub waiting_since: i64,
    pub organization_id: Option<i64>,
    pub activity_id: Option<i64>,
    pub placed_at: i64,
    pub dispatched_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub overdue_at: Option<i64>,
    pub rating: Option<i64>,
    pub comment: Option<String>,
    pub report: Option<String>,
    pub version: i64,
}

const ORDER_COLUMNS: &str = "id, site_id, region_code, region_path, category, project_id, menu_item_id, content, \
     address, lat, lon, wanted_from, wanted_to, ordered_by, placed_by, on_behalf, contact_name, state, desk, \
     waiting_since, organization_id, activity_id, placed_at, dispatched_at, accepted_at, completed_at, closed_at, \
     overdue_at, rating, comment, report, version";

impl Order {
    /// The order's state (a value the store wrote from the domain's type).
    pub fn state(&self) -> Result<OrderState> {
        Ok(OrderState::parse(&self.state)?)
    }

    pub fn desk(&self) -> Result<Desk> {
        Ok(Desk::parse(&self.desk)?)
    }

    /// The times its deadlines run from.
    pub fn times(&self) -> Result<OrderTimes> {
        Ok(OrderTimes {
            state: self.state()?,
            desk: self.desk()?,
            waiting_since: from_epoch_ms(self.waiting_since),
            dispatched_at: self.dispatched_at.map(from_epoch_ms),
            completed_at: self.completed_at.map(from_epoch_ms),
            wanted_by: self.wanted_to.or(self.wanted_from).map(from_epoch_ms),
            overdue_flagged: self.overdue_at.is_some(),
        })
    }

    /// Where the order is to be served: its own place, else its site's.
    pub fn place(&self, site: Option<(f64, f64)>) -> Option<(f64, f64)> {
        self.lat.zip(self.lon).or(site)
    }
}

/// One step of an order's history.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OrderEvent {
    pub id: i64,
    pub at: i64,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor_user: Option<i64>,
    pub actor_name: Option<String>,
    pub party: String,
    pub organization_id: Option<i64>,
    pub desk: String,
    pub note: String,
}

/// An order as placed, checked by the domain.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub site_id: i64,
    pub category: String,
    pub project_id: Option<i64>,
    pub menu_item_id: Option<i64>,
    pub draft: OrderDraft,
    /// The resident's login (absent when a site orders for someone without one).
    pub ordered_by: Option<i64>,
    pub placed_by: i64,
    /// A site manager ordered on the resident's behalf (代点单).
    pub on_behalf: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// The desk of the site it is placed with.
    pub desk: Desk,
    /// When the deadline job should first look at it.
    pub next_check: Option<DateTime<Utc>>,
}

/// A step as the domain decided it: the action, the party that takes it
/// and what it changes (`order_deadline::take`).
#[derive(Debug, Clone, Copy)]
pub struct DecidedStep {
    pub action: OrderAction,
    pub party: Party,
    pub taken: Taken,
}

/// What a step writes besides the order's own columns.
#[derive(Debug, Clone, Default)]
pub struct StepDetails {
    /// Who took it (absent for the server's jobs).
    pub actor: Option<i64>,
    pub note: String,
    /// The organization a dispatch sends the order to.
    pub dispatch_to: Option<i64>,
    pub rating: Option<u8>,
    pub comment: Option<String>,
    pub report: Option<String>,
    /// The delivery activity an acceptance creates…
    pub new_activity: Option<NewActivity>,
    /// …or the existing activity of the organization it links.
    pub link_activity: Option<i64>,
}

/// An organization's facts against one order, with its name.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateRow {
    pub name: String,
    pub facts: CandidateFacts,
}

/// An inbox entry: a step of an order that concerns the user.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct InboxEntry {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub order_id: Option<i64>,
    pub read_at: Option<i64>,
}

/// Whose orders a list shows.
#[derive(Debug, Clone, Copy)]
pub enum OrdersOf<'a> {
    /// Ordered by (or for) this login.
    Orderer(i64),
    /// Placed with sites in this region subtree (a site manager's board).
    Sites(&'a str),
    /// Dispatched to this organization.
    Organization(i64),
}

/// The job kind that looks at an order's deadlines.
pub const ORDER_DEADLINE_JOB: &str = "order_deadline";

/// The id a newest-first page starts below: the previous page's last id.
fn before_cursor(cursor: Option<&str>) -> i64 {
    cursor.and_then(|c| c.parse().ok()).unwrap_or(i64::MAX)
}

impl Store {
    /// Places an order: the order, its first event, the figures of its site
    /// and region, its desk's inbox and its first deadline job, at once,
    /// through the order writer (with the orders and steps queued
    /// meanwhile); answers after the commit.
    pub async fn place_order(&self, new: &NewOrder, now: i64) -> Result<Order> {
        let contact_phone_hash = new
            .contact_phone
            .as_deref()
            .map(|phone| self.vault.lookup_hash("phone", phone));
        let contact_phone_sealed = match (new.contact_phone.as_deref(), &contact_phone_hash) {
            (Some(phone), Some(hash)) => Some(self.vault.seal(Place::order_contact(hash), phone)),
            _ => None,
        };
        let place = QueuedPlace {
            new: new.clone(),
            contact_phone_hash,
            contact_phone_sealed,
            now,
        };
        self.order_writer().submit(OrderWrite::Place(Box::new(place))).await
    }

    pub async fn order(&self, id: i64) -> Result<Option<Order>> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1");
        let mut conn = self.reader().await?;
        query_as::<Order>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut conn)
            .await
    }

    /// The order an activity was created or linked to serve, if any.
    pub async fn order_of_activity(&self, activity_id: i64) -> Result<Option<i64>> {
        let mut conn = self.reader().await?;
        query_scalar("SELECT id FROM orders WHERE activity_id = $1 ORDER BY id LIMIT 1")
            .bind(activity_id)
            .fetch_optional(&mut conn)
            .await
    }

    pub async fn require_order(&self, id: i64) -> Result<Order> {
        self.order(id).await?.ok_or(StoreError::NotFound("order"))
    }

    /// Takes a step the domain decided (`taken`) on the order as it was
    /// read at `version`: `order_changed` (409) when someone else took a
    /// step since. The order's columns, its event, the figures, the inbox
    /// entries, a delivery activity and the next deadline job are written
    /// together or not at all.
    pub async fn take_order_step(
        &self,
        order: &Order,
        step: &DecidedStep,
        details: &StepDetails,
        now: i64,
    ) -> Result<Order> {
        let queued = QueuedStep {
            order: order.clone(),
            step: *step,
            details: details.clone(),
            now,
        };
        self.order_writer().submit(OrderWrite::Step(Box::new(queued))).await
    }

    /// An order's history, oldest first, with the names of who took each step.
    pub async fn order_events(&self, order_id: i64) -> Result<Vec<OrderEvent>> {
        let mut conn = self.reader().await?;
        query_as::<OrderEvent>(
            "SELECT e.id, e.at, e.action, e.from_state, e.to_state, e.actor_user, u.display_name AS actor_name, e.party, \
             e.organization_id, e.desk, e.note FROM order_events e LEFT JOIN users u ON u.id = e.actor_user \
             WHERE e.order_id = $1 ORDER BY e.id",
        )
        .bind(order_id)
        .fetch_all(&mut conn)
        .await
    }

    /// One page of orders, newest first; `states` narrows them (empty: all).
    pub async fn orders(
        &self,
        of: OrdersOf<'_>,
        states: &[OrderState],
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Order>> {
        let (filter, key) = match of {
            OrdersOf::Orderer(user) => ("ordered_by = $1", user.to_string()),
            OrdersOf::Sites(path) => ("(region_path = $1 OR region_path LIKE $1 || '/%')", path.to_string()),
            OrdersOf::Organization(id) => ("organization_id = $1", id.to_string()),
        };
        let state_list = if states.is_empty() {
            String::new()
        } else {
            let marks: Vec<String> = (0..states.len()).map(|i| format!("${}", i + 4)).collect();
            format!(" AND state IN ({})", marks.join(", "))
        };
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE {filter} AND id < $2{state_list} ORDER BY id DESC LIMIT $3"
        );
        let mut statement = query_as::<Order>(sqlx::AssertSqlSafe(sql));
        statement = match of {
            OrdersOf::Orderer(user) | OrdersOf::Organization(user) => statement.bind(user),
            OrdersOf::Sites(_) => statement.bind(key),
        };
        statement = statement.bind(before_cursor(cursor)).bind(limit + 1);
        for state in states {
            statement = statement.bind(state.as_str());
        }
        let mut conn = self.reader().await?;
        let rows = statement.fetch_all(&mut conn).await?;
        Ok(into_page(rows, limit, |o| o.id))
    }

    /// The contact phone of an order a site placed for someone, opened for
    /// the dispatcher or the organization serving it (the read is audited).
    pub async fn order_contact_phone(&self, order_id: i64, reader: i64, now: i64) -> Result<Option<String>> {
        let row: Option<(Option<Vec<u8>>, Option<String>)> = {
            let mut conn = self.reader().await?;
            query_as("SELECT contact_phone_hash, contact_phone_sealed FROM orders WHERE id = $1")
                .bind(order_id)
                .fetch_optional(&mut conn)
                .await?
        };
        let Some((Some(hash), Some(sealed))) = row else {
            return Ok(None);
        };
        let phone = self.vault.open(Place::order_contact(&hash), &sealed)?;
        let mut tx = self.transaction().await?;
        audit_entry(
            &mut tx,
            now,
            Some(reader),
            "order.contact_read",
            "order",
            order_id.to_string(),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(Some(phone))
    }

    /// Facts about the organizations that could serve `order`: those of the
    /// order's region or a region above it, and those with a project whose
    /// area covers the order's region (`only`: just this one, covering or
    /// not, for checking a dispatch).
    pub async fn candidate_facts(
        &self,
        order: &Order,
        site_place: Option<(f64, f64)>,
        only: Option<i64>,
    ) -> Result<Vec<CandidateRow>> {
        // A path's segments are the codes of its region and every region above.
        let codes: Vec<&str> = order.region_path.split('/').collect();
        let mut conn = self.reader().await?;
        // The organization's all-time figures come with it (one read for
        // the whole list): load, ratings, answers.
        let figures = "f.open_orders, f.evaluated, f.rating_sum, f.accepted, f.refused, f.timed_out, \
             f.answer_minutes, f.answered";
        let joined = "LEFT JOIN order_figures f ON f.scope = $3 AND f.scope_key = CAST(o.id AS TEXT) AND f.day = ''";
        let marks: Vec<String> = (0..codes.len()).map(|i| format!("${}", i + 4)).collect();
        let marks = marks.join(", ");
        // Whether the organization refused this order (or let it time out).
        let (order_mark, refuse_mark, timeout_mark) = (codes.len() + 4, codes.len() + 5, codes.len() + 6);
        let refused = format!(
            "EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = ${order_mark} AND e.organization_id = o.id \
             AND e.action IN (${refuse_mark}, ${timeout_mark})) AS refused_this_order"
        );
        let organizations_sql = match only {
            Some(_) => format!(
                "SELECT o.id, o.name, o.verified_at, o.lat, o.lon, \
                 (o.region_code IN ({marks}) OR EXISTS (SELECT 1 FROM projects p WHERE p.organization_id = o.id \
                 AND p.area_code IN ({marks}))) AS covers, \
                 (SELECT COUNT(*) FROM projects p WHERE p.organization_id = o.id AND p.category = $2) > 0 AS category_match, \
                 {refused}, {figures} FROM organizations o {joined} WHERE o.id = $1"
            ),
            // Two index reads (organizations by region, projects by area)
            // give the few organizations that cover the order; only those
            // are then joined, never the whole table. The category is
            // counted per organization (PostgreSQL would otherwise hash
            // every project of the category).
            None => format!(
                "SELECT o.id, o.name, o.verified_at, o.lat, o.lon, TRUE AS covers, \
                 (SELECT COUNT(*) FROM projects p WHERE p.organization_id = o.id AND p.category = $2) > 0 AS category_match, \
                 {refused}, {figures} FROM (SELECT id FROM organizations WHERE region_code IN ({marks}) \
                 UNION SELECT organization_id FROM projects WHERE area_code IN ({marks})) AS covering \
                 JOIN organizations o ON o.id = covering.id {joined} WHERE o.id > $1"
            ),
        };
        let mut statement = query_as::<CandidateRead>(sqlx::AssertSqlSafe(organizations_sql))
            .bind(only.unwrap_or(0))
            .bind(&order.category)
            .bind(FiguresScope::Organization.as_str());
        for code in &codes {
            statement = statement.bind(*code);
        }
        let organizations = statement
            .bind(order.id)
            .bind(OrderAction::Refuse.as_str())
            .bind(OrderAction::AcceptTimeout.as_str())
            .fetch_all(&mut conn)
            .await?;
        let place = order.place(site_place).and_then(|(lat, lon)| Point::new(lat, lon).ok());
        let rows = organizations
            .into_iter()
            .map(|read| {
                let figures = LoopFigures {
                    totals: FiguresDelta {
                        open_orders: read.open_orders.unwrap_or(0),
                        evaluated: read.evaluated.unwrap_or(0),
                        rating_sum: read.rating_sum.unwrap_or(0),
                        accepted: read.accepted.unwrap_or(0),
                        refused: read.refused.unwrap_or(0),
                        timed_out: read.timed_out.unwrap_or(0),
                        answer_minutes: read.answer_minutes.unwrap_or(0),
                        answered: read.answered.unwrap_or(0),
                        ..FiguresDelta::default()
                    },
                };
                let acceptance = figures.acceptance();
                let here = read.lat.zip(read.lon).and_then(|(lat, lon)| Point::new(lat, lon).ok());
                CandidateRow {
                    name: read.name,
                    facts: CandidateFacts {
                        organization_id: read.id,
                        verified: read.verified_at.is_some(),
                        covers_region: read.covers,
                        category_match: read.category_match,
                        distance_m: place.zip(here).map(|(a, b)| a.distance_m(b)),
                        open_orders: figures.open_orders(),
                        average_rating: figures.satisfaction(),
                        offered: acceptance.map_or(0, |a| a.0),
                        accepted: acceptance.map_or(0, |a| a.1),
                        response_minutes: figures.mean_answer_minutes(),
                        refused_this_order: read.refused_this_order,
                    },
                }
            })
            .collect();
        Ok(rows)
    }

    /// One page of a user's inbox, newest first.
    pub async fn inbox(&self, user_id: i64, cursor: Option<&str>, limit: i64) -> Result<Page<InboxEntry>> {
        let mut conn = self.reader().await?;
        let rows = query_as::<InboxEntry>(
            "SELECT id, at, kind, order_id, read_at FROM inbox WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(user_id)
        .bind(before_cursor(cursor))
        .bind(limit + 1)
        .fetch_all(&mut conn)
        .await?;
        Ok(into_page(rows, limit, |e| e.id))
    }
}

/// The order as `tx` sees it, locked until the transaction ends.
pub(crate) async fn order_in(tx: &mut Tx<'_>, id: i64) -> Result<Order> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1{}", tx.row_lock());
    query_as::<Order>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("order"))
}

/// An organization as the candidates' query reads it, with its figures.
#[derive(sqlx::FromRow)]
struct CandidateRead {
    id: i64,
    name: String,
    verified_at: Option<i64>,
    lat: Option<f64>,
    lon: Option<f64>,
    covers: bool,
    category_match: bool,
    refused_this_order: bool,
    open_orders: Option<i64>,
    evaluated: Option<i64>,
    rating_sum: Option<i64>,
    accepted: Option<i64>,
    refused: Option<i64>,
    timed_out: Option<i64>,
    answer_minutes: Option<i64>,
    answered: Option<i64>,
}
