//! Writing orders: placing them and taking the steps the domain decided,
//! one in a caller's transaction (the deadline jobs) or everything queued
//! at a moment in one transaction of the order writer, with set-based
//! statements: the new orders with their ids drawn first; one multi-row
//! `UPDATE` of the stepped orders guarded by their versions; their events,
//! the figures they add to, the inbox rows of whom they concern (from the
//! grants) and their next deadline jobs, each kind in one statement. What
//! a step changes is computed here from the order as it was read and the
//! domain's [`Taken`]; the statements only write it.

use crate::activities::{NewActivityBy, insert_activities, require_categories};
use crate::audit::enqueue_sms;
use crate::bulk::BulkInsert;
use crate::order_figures::FigureSums;
use crate::orders::{DecidedStep, NewOrder, ORDER_DEADLINE_JOB, Order, StepDetails};
use crate::sql::{Tx, query, query_as};
use crate::vault::Place;
use crate::writer::Batch;
use crate::{Backend, Placeholders, Result, StoreError, Vault, in_list_sql, rows_per_statement, values_sql};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use zhiyuan_domain::dispatch::Desk;
use zhiyuan_domain::loop_figures;
use zhiyuan_domain::order::{
    OrderAction, OrderState, PLACED, Party, Recipient, check_open_orders, organization_after, organization_concerned,
    told,
};
use zhiyuan_domain::role::Role;

/// A step waiting to be written: the order as the step was decided on
/// (its `version` guards the write), the decision, what else it writes,
/// and when it was taken.
#[derive(Debug, Clone)]
pub(crate) struct QueuedStep {
    pub order: Order,
    pub step: DecidedStep,
    pub details: StepDetails,
    pub now: i64,
}

/// An order to place, as the writer takes it: the contact phone already
/// sealed under its lookup hash.
#[derive(Debug, Clone)]
pub(crate) struct QueuedPlace {
    pub new: NewOrder,
    pub contact_phone_hash: Option<Vec<u8>>,
    pub contact_phone_sealed: Option<String>,
    pub now: i64,
}

/// A write the order writer takes.
#[derive(Debug, Clone)]
pub(crate) enum OrderWrite {
    Place(Box<QueuedPlace>),
    Step(Box<QueuedStep>),
}

/// The order writer's batches: orders placed and steps taken.
pub(crate) struct OrderBatch {
    pub vault: Arc<Vault>,
}

impl Batch for OrderBatch {
    type Item = OrderWrite;
    type Outcome = Order;
    const NAME: &'static str = "order-writer";

    async fn write(&self, backend: &Backend, items: &[&OrderWrite]) -> Result<Vec<Result<Order>>> {
        write_order_batch(backend, &self.vault, items).await
    }
}

/// Writes a batch in one transaction. Everything goes together (no step of
/// the batch can concern an order it places) unless two steps
/// concern one order or anything is refused (an order changed since its
/// step was decided, a person's eleventh open order, an unknown
/// category): then the batch is written again guarded, each write in a
/// savepoint of its own, so that its refusal (`order_changed` for the
/// later of two steps on one order) leaves the others.
pub(crate) async fn write_order_batch(
    backend: &Backend,
    vault: &Vault,
    items: &[&OrderWrite],
) -> Result<Vec<Result<Order>>> {
    let (mut places, mut steps) = (Vec::new(), Vec::new());
    for item in items {
        match item {
            OrderWrite::Place(place) => places.push(place.as_ref()),
            OrderWrite::Step(step) => steps.push(step.as_ref()),
        }
    }
    let mut stepped_orders = HashSet::with_capacity(steps.len());
    if steps.iter().all(|queued| stepped_orders.insert(queued.order.id)) {
        let mut tx = backend.transaction().await?;
        // Orders are locked first, figure rows last, each in one order
        // (see `write_steps`).
        let mut figures = FigureSums::default();
        let written = match write_steps(&mut tx, vault, &steps, &mut figures).await {
            Ok(stepped) => match place_orders(&mut tx, vault, &places, &mut figures).await {
                Ok(placed) => figures.write(&mut tx).await.map(|()| (placed, stepped)),
                Err(error) => Err(error),
            },
            Err(error) => Err(error),
        };
        match written {
            Ok((placed, stepped)) => {
                tx.commit().await?;
                let (mut placed, mut stepped) = (placed.into_iter(), stepped.into_iter());
                return Ok(items
                    .iter()
                    .map(|item| {
                        match item {
                            OrderWrite::Place(_) => placed.next(),
                            OrderWrite::Step(_) => stepped.next(),
                        }
                        .ok_or(StoreError::NotFound("order"))
                    })
                    .collect());
            }
            Err(error) if items.len() == 1 => {
                tx.rollback().await?;
                return Ok(vec![Err(error)]);
            }
            Err(error) => {
                tx.rollback().await?;
                tracing::debug!(%error, writes = items.len(), "order writes written again one by one");
            }
        }
    }
    let mut tx = backend.transaction().await?;
    let mut outcomes = Vec::with_capacity(items.len());
    for item in items {
        let mut savepoint = tx.savepoint().await?;
        let written = write_one(&mut savepoint, vault, item).await;
        match written {
            Ok(mut orders) => {
                savepoint.commit().await?;
                outcomes.push(orders.pop().ok_or(StoreError::NotFound("order")));
            }
            Err(error) => {
                savepoint.rollback().await?;
                outcomes.push(Err(error));
            }
        }
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// One write alone in `tx`, with the figures it adds.
async fn write_one(tx: &mut Tx<'_>, vault: &Vault, item: &OrderWrite) -> Result<Vec<Order>> {
    let mut figures = FigureSums::default();
    let written = match item {
        OrderWrite::Place(place) => place_orders(tx, vault, &[place], &mut figures).await?,
        OrderWrite::Step(step) => write_steps(tx, vault, &[step], &mut figures).await?,
    };
    figures.write(tx).await?;
    Ok(written)
}

/// Places orders in `tx`: each order (refused as a whole when its category
/// is unknown, its site missing or its orderer would have more than ten
/// open), its first event, its desk's inbox, its first deadline job and
/// its audit entry; what it adds to the figures of its site and region goes
/// to `figures`, which the caller writes. Yields the orders as written, in
/// order.
pub(crate) async fn place_orders(
    tx: &mut Tx<'_>,
    vault: &Vault,
    places: &[&QueuedPlace],
    figures: &mut FigureSums,
) -> Result<Vec<Order>> {
    if places.is_empty() {
        return Ok(Vec::new());
    }
    let categories: Vec<&str> = places.iter().map(|p| p.new.category.as_str()).collect();
    require_categories(tx, &categories).await?;
    let mut open = open_orders_of(tx, places).await?;
    for place in places {
        if let Some(orderer) = place.new.ordered_by {
            let count = open.entry(orderer).or_default();
            check_open_orders(*count)?;
            *count += 1;
        }
    }
    let sites = sites_of(tx, places).await?;
    let ids = tx.reserve_ids("orders", places.len()).await?;
    let mut rows = Vec::with_capacity(places.len());
    for (place, id) in places.iter().zip(ids) {
        let (region_code, county_code, region_path) =
            sites.get(&place.new.site_id).ok_or(StoreError::NotFound("site"))?;
        rows.push((
            *place,
            new_order(place, id, region_code, region_path),
            county_code.as_str(),
        ));
    }
    tx.insert_rows(
        "orders",
        &[
            "id",
            "site_id",
            "region_code",
            "county_code",
            "region_path",
            "category",
            "project_id",
            "menu_item_id",
            "content",
            "address",
            "lat",
            "lon",
            "wanted_from",
            "wanted_to",
            "ordered_by",
            "placed_by",
            "on_behalf",
            "contact_name",
            "contact_phone_hash",
            "contact_phone_sealed",
            "state",
            "desk",
            "waiting_since",
            "placed_at",
            "version",
        ],
        &rows,
        |(place, order, county)| {
            [
                order.id.into(),
                order.site_id.into(),
                order.region_code.as_str().into(),
                (*county).into(),
                order.region_path.as_str().into(),
                order.category.as_str().into(),
                order.project_id.into(),
                order.menu_item_id.into(),
                order.content.as_str().into(),
                order.address.as_deref().into(),
                order.lat.into(),
                order.lon.into(),
                order.wanted_from.into(),
                order.wanted_to.into(),
                order.ordered_by.into(),
                order.placed_by.into(),
                order.on_behalf.into(),
                order.contact_name.as_deref().into(),
                place.contact_phone_hash.as_deref().into(),
                place.contact_phone_sealed.as_deref().into(),
                order.state.as_str().into(),
                order.desk.as_str().into(),
                order.waiting_since.into(),
                order.placed_at.into(),
                order.version.into(),
            ]
        },
    )
    .await?;
    let orders: Vec<&Order> = rows.iter().map(|(_, order, _)| order).collect();
    let events: Vec<EventRow<'_>> = orders
        .iter()
        .map(|order| EventRow {
            order_id: order.id,
            at: order.placed_at,
            action: PLACED,
            from_state: None,
            to_state: &order.state,
            actor: Some(order.placed_by),
            party: if order.on_behalf {
                Party::Dispatcher
            } else {
                Party::Orderer
            }
            .as_str(),
            organization: None,
            desk: &order.desk,
            note: "",
        })
        .collect();
    insert_events(tx, &events).await?;
    for order in &orders {
        figures.add(order, None, &loop_figures::placed(), order.placed_at);
    }
    let mut notices = Notices::default();
    for order in &orders {
        notices.add(order, None, told(None), PLACED, order.placed_at)?;
    }
    notices.write(tx, vault).await?;
    let jobs: Vec<(i64, i64)> = rows
        .iter()
        .filter_map(|(place, order, _)| Some((order.id, place.new.next_check?.timestamp_millis())))
        .collect();
    schedule_deadlines(tx, &jobs).await?;
    let audited: Vec<(&Order, String)> = orders.iter().map(|order| (*order, order.id.to_string())).collect();
    tx.insert_rows(
        "audit_log",
        &["at", "actor_user", "action", "subject_kind", "subject_id", "detail"],
        &audited,
        |(order, subject)| {
            [
                order.placed_at.into(),
                order.placed_by.into(),
                "order.place".into(),
                "order".into(),
                subject.as_str().into(),
                "".into(),
            ]
        },
    )
    .await?;
    Ok(rows.into_iter().map(|(_, order, _)| order).collect())
}

/// `count` placeholders from the `first`-th on, separated by commas.
fn marks(placeholders: Placeholders, first: usize, count: usize) -> String {
    let mut sql = String::new();
    for n in first..first + count {
        if n > first {
            sql.push_str(", ");
        }
        placeholders.push(&mut sql, n);
    }
    sql
}

/// How many orders each orderer among `places` has open now.
async fn open_orders_of(tx: &mut Tx<'_>, places: &[&QueuedPlace]) -> Result<HashMap<i64, i64>> {
    let mut orderers: Vec<i64> = places.iter().filter_map(|p| p.new.ordered_by).collect();
    orderers.sort_unstable();
    orderers.dedup();
    let finals: Vec<&str> = OrderState::ALL
        .iter()
        .filter(|s| s.is_final())
        .map(|s| s.as_str())
        .collect();
    let mut open = HashMap::with_capacity(orderers.len());
    for chunk in orderers.chunks(rows_per_statement(1)) {
        let placeholders = tx.placeholders();
        let sql = format!(
            "SELECT ordered_by, COUNT(*) FROM orders WHERE state NOT IN ({}) AND ordered_by IN ({}) \
             GROUP BY ordered_by",
            marks(placeholders, 1, finals.len()),
            marks(placeholders, finals.len() + 1, chunk.len())
        );
        let mut statement = query_as::<(i64, i64)>(sqlx::AssertSqlSafe(sql));
        for state in &finals {
            statement = statement.bind(*state);
        }
        for orderer in chunk {
            statement = statement.bind(*orderer);
        }
        open.extend(statement.fetch_all(&mut *tx).await?);
    }
    Ok(open)
}

/// The region code, county code and region path of each site `places` name.
async fn sites_of(tx: &mut Tx<'_>, places: &[&QueuedPlace]) -> Result<HashMap<i64, (String, String, String)>> {
    let mut site_ids: Vec<i64> = places.iter().map(|p| p.new.site_id).collect();
    site_ids.sort_unstable();
    site_ids.dedup();
    let mut sites = HashMap::with_capacity(site_ids.len());
    for chunk in site_ids.chunks(rows_per_statement(1)) {
        let sql = in_list_sql(
            tx.placeholders(),
            "SELECT id, region_code, county_code, region_path FROM sites WHERE id IN ",
            chunk.len(),
        );
        let mut statement = query_as::<(i64, String, String, String)>(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            statement = statement.bind(*id);
        }
        for (id, region, county, path) in statement.fetch_all(&mut *tx).await? {
            sites.insert(id, (region, county, path));
        }
    }
    Ok(sites)
}

/// The order a place creates, with the id drawn for it.
fn new_order(place: &QueuedPlace, id: i64, region_code: &str, region_path: &str) -> Order {
    let (new, draft) = (&place.new, &place.new.draft);
    Order {
        id,
        site_id: new.site_id,
        region_code: region_code.to_string(),
        region_path: region_path.to_string(),
        category: new.category.clone(),
        project_id: new.project_id,
        menu_item_id: new.menu_item_id,
        content: draft.content.clone(),
        address: draft.address.clone(),
        lat: draft.location.map(|(lat, _)| lat),
        lon: draft.location.map(|(_, lon)| lon),
        wanted_from: draft.wanted_from.map(|t| t.timestamp_millis()),
        wanted_to: draft.wanted_to.map(|t| t.timestamp_millis()),
        ordered_by: new.ordered_by,
        placed_by: new.placed_by,
        on_behalf: new.on_behalf,
        contact_name: new.contact_name.clone(),
        state: OrderState::Ordered.as_str().to_string(),
        desk: new.desk.as_str().to_string(),
        waiting_since: place.now,
        organization_id: None,
        activity_id: None,
        placed_at: place.now,
        dispatched_at: None,
        accepted_at: None,
        completed_at: None,
        closed_at: None,
        overdue_at: None,
        rating: None,
        comment: None,
        report: None,
        version: 1,
    }
}

/// Writes one step in `tx` (see [`write_steps`]).
pub(crate) async fn step_in(
    tx: &mut Tx<'_>,
    vault: &Vault,
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
    write_one(tx, vault, &OrderWrite::Step(Box::new(queued)))
        .await?
        .pop()
        .ok_or(StoreError::NotFound("order"))
}

/// Writes steps on distinct orders in `tx`: each order's new columns
/// (`order_changed`, 409, when any order's version moved since its step was
/// decided), its event, the inbox entries, a delivery activity and the next
/// deadline job; what it adds to the figures goes to `figures`, which the
/// caller writes. Orders are locked in order of id (see `update_orders`)
/// and figure rows after them, in order of key (`FigureSums::write`), so
/// that two processes' writers do not wait for each other in a circle over
/// these rows (were they to, PostgreSQL fails one batch, which is then
/// written again guarded).
/// Yields the orders as written, in order.
pub(crate) async fn write_steps(
    tx: &mut Tx<'_>,
    vault: &Vault,
    steps: &[&QueuedStep],
    figures: &mut FigureSums,
) -> Result<Vec<Order>> {
    if steps.is_empty() {
        return Ok(Vec::new());
    }
    // The delivery activities of the acceptances, created together.
    let deliveries: Vec<NewActivityBy<'_>> = steps
        .iter()
        .filter_map(|queued| {
            Some(NewActivityBy {
                new: queued.details.new_activity.as_ref()?,
                by_user: queued.details.actor.unwrap_or(queued.order.placed_by),
                now: queued.now,
            })
        })
        .collect();
    let mut created = insert_activities(tx, &deliveries, figures.rollups()).await?.into_iter();
    let mut stepped = Vec::with_capacity(steps.len());
    for queued in steps {
        let activity_id = match (&queued.details.new_activity, queued.details.link_activity) {
            (Some(_), _) => created.next(),
            (None, Some(linked)) => Some(linked),
            (None, None) => queued.order.activity_id,
        };
        stepped.push(after_step(queued, activity_id));
    }
    update_orders(tx, steps, &stepped).await?;
    let events: Vec<EventRow<'_>> = steps
        .iter()
        .zip(&stepped)
        .map(|(queued, order)| EventRow {
            order_id: order.id,
            at: queued.now,
            action: queued.step.action.as_str(),
            from_state: Some(&queued.order.state),
            to_state: &order.state,
            actor: queued.details.actor,
            party: queued.step.party.as_str(),
            organization: concerned_organization(queued),
            desk: &order.desk,
            note: &queued.details.note,
        })
        .collect();
    insert_events(tx, &events).await?;
    for (queued, order) in steps.iter().zip(&stepped) {
        figures.add(
            order,
            concerned_organization(queued),
            &queued.step.taken.figures,
            queued.now,
        );
    }
    let mut notices = Notices::default();
    for (queued, order) in steps.iter().zip(&stepped) {
        let action = queued.step.action;
        notices.add(
            order,
            concerned_organization(queued),
            told(Some(action)),
            action.as_str(),
            queued.now,
        )?;
    }
    notices.write(tx, vault).await?;
    let jobs: Vec<(i64, i64)> = steps
        .iter()
        .filter_map(|queued| Some((queued.order.id, queued.step.taken.next_check?.timestamp_millis())))
        .collect();
    schedule_deadlines(tx, &jobs).await?;
    Ok(stepped)
}

/// The organization a step concerns (`order::organization_concerned`).
fn concerned_organization(queued: &QueuedStep) -> Option<i64> {
    organization_concerned(
        queued.step.action,
        queued.order.organization_id,
        queued.details.dispatch_to,
    )
}

/// The order as the step leaves it.
fn after_step(queued: &QueuedStep, activity_id: Option<i64>) -> Order {
    let QueuedStep {
        order,
        step,
        details,
        now,
    } = queued;
    let (taken, times) = (&step.taken, &step.taken.times);
    let organization_id = organization_after(step.action, order.organization_id, details.dispatch_to);
    Order {
        state: taken.to.as_str().to_string(),
        desk: times.desk.as_str().to_string(),
        waiting_since: times.waiting_since.timestamp_millis(),
        dispatched_at: times.dispatched_at.map(|t| t.timestamp_millis()),
        completed_at: times.completed_at.map(|t| t.timestamp_millis()),
        overdue_at: times.overdue_flagged.then(|| order.overdue_at.unwrap_or(*now)),
        accepted_at: if step.action == OrderAction::Accept {
            Some(*now)
        } else {
            order.accepted_at
        },
        closed_at: if taken.to.is_final() {
            Some(*now)
        } else {
            order.closed_at
        },
        organization_id,
        activity_id,
        rating: details.rating.map(i64::from).or(order.rating),
        comment: details.comment.clone().or_else(|| order.comment.clone()),
        report: details.report.clone().or_else(|| order.report.clone()),
        version: order.version + 1,
        ..order.clone()
    }
}

/// Values per row of [`update_orders`]' `UPDATE ... FROM (VALUES ...)`.
const UPDATE_COLUMNS: usize = 16;

/// Writes each order's new columns where its version is still the one its
/// step was decided on; any other is `order_changed`.
async fn update_orders(tx: &mut Tx<'_>, steps: &[&QueuedStep], stepped: &[Order]) -> Result<()> {
    let mut rows: Vec<(&QueuedStep, &Order)> = steps.iter().copied().zip(stepped).collect();
    // In order of id, so that two processes' writers lock shared orders in
    // the same order.
    rows.sort_unstable_by_key(|(_, order)| order.id);
    let mut updated = 0;
    for chunk in rows.chunks(rows_per_statement(UPDATE_COLUMNS)) {
        let sql = values_sql(
            tx.placeholders(),
            "UPDATE orders SET version = v.column3, state = v.column4, desk = v.column5, waiting_since = v.column6, \
             dispatched_at = v.column7, completed_at = v.column8, overdue_at = v.column9, accepted_at = v.column10, \
             closed_at = v.column11, organization_id = v.column12, activity_id = v.column13, rating = v.column14, \
             comment = v.column15, report = v.column16 FROM (VALUES ",
            UPDATE_COLUMNS,
            chunk.len(),
            ") AS v WHERE orders.id = v.column1 AND orders.version = v.column2",
        );
        let mut statement = query(sqlx::AssertSqlSafe(sql));
        for (queued, order) in chunk {
            statement = statement
                .bind(order.id)
                .bind(queued.order.version)
                .bind(order.version)
                .bind(order.state.as_str())
                .bind(order.desk.as_str())
                .bind(order.waiting_since)
                .bind(order.dispatched_at)
                .bind(order.completed_at)
                .bind(order.overdue_at)
                .bind(order.accepted_at)
                .bind(order.closed_at)
                .bind(order.organization_id)
                .bind(order.activity_id)
                .bind(order.rating)
                .bind(order.comment.as_deref())
                .bind(order.report.as_deref());
        }
        updated += statement.execute(&mut *tx).await?.rows_affected();
    }
    if updated != rows.len() as u64 {
        return Err(StoreError::conflict(
            "order_changed",
            "someone else took a step on this order first: read it again",
        ));
    }
    Ok(())
}

/// One step of an order's history as written.
struct EventRow<'a> {
    order_id: i64,
    at: i64,
    action: &'a str,
    /// `None` for the step that placed it.
    from_state: Option<&'a str>,
    to_state: &'a str,
    actor: Option<i64>,
    party: &'a str,
    organization: Option<i64>,
    desk: &'a str,
    note: &'a str,
}

async fn insert_events(tx: &mut Tx<'_>, events: &[EventRow<'_>]) -> Result<()> {
    tx.insert_rows(
        "order_events",
        &[
            "order_id",
            "at",
            "action",
            "from_state",
            "to_state",
            "actor_user",
            "party",
            "organization_id",
            "desk",
            "note",
        ],
        events,
        |event| {
            [
                event.order_id.into(),
                event.at.into(),
                event.action.into(),
                event.from_state.into(),
                event.to_state.into(),
                event.actor.into(),
                event.party.into(),
                event.organization.into(),
                event.desk.into(),
                event.note.into(),
            ]
        },
    )
    .await
}

/// Deadline jobs `(order, due at)` for the orders' next deadlines.
pub(crate) async fn schedule_deadlines(tx: &mut Tx<'_>, jobs: &[(i64, i64)]) -> Result<()> {
    for chunk in jobs.chunks(rows_per_statement(3)) {
        let sql = values_sql(
            tx.placeholders(),
            "INSERT INTO jobs (kind, subject_id, due_at) VALUES ",
            3,
            chunk.len(),
            "",
        );
        let mut statement = query(sqlx::AssertSqlSafe(sql));
        for (order_id, due_at) in chunk {
            statement = statement.bind(ORDER_DEADLINE_JOB).bind(*order_id).bind(*due_at);
        }
        statement.execute(&mut *tx).await?;
    }
    Ok(())
}

/// The inbox entries (and texts) of steps, gathered and then written with
/// one statement per kind of recipient.
#[derive(Default)]
pub(crate) struct Notices<'a> {
    /// `(user, at, kind, order)`: residents with an account.
    residents: Vec<(i64, i64, &'a str, i64)>,
    /// `(at, kind, order, role, scope)`: whoever holds the role over the scope.
    grantees: Vec<(i64, &'a str, i64, &'static str, String)>,
    /// `(at, kind, order, region)`: the managers of the site of the region.
    site_managers: Vec<(i64, &'a str, i64, &'a str)>,
    /// `(order, kind, at)`: phoned-in residents without an account, by SMS.
    texts: Vec<(i64, &'a str, i64)>,
}

impl<'a> Notices<'a> {
    /// Entries of kind `kind` (a step's name) about `order` for everyone
    /// `whom` names; a resident without an account, for whom a site
    /// ordered, gets an SMS through the outbox instead (template `order_`
    /// and the step's name).
    pub(crate) fn add(
        &mut self,
        order: &'a Order,
        organization: Option<i64>,
        whom: &[Recipient],
        kind: &'a str,
        now: i64,
    ) -> Result<()> {
        for recipient in whom {
            match recipient {
                Recipient::Orderer => match order.ordered_by {
                    Some(user) => self.residents.push((user, now, kind, order.id)),
                    None => self.texts.push((order.id, kind, now)),
                },
                Recipient::Organization => {
                    if let Some(id) = organization {
                        let role = Role::OrgAdmin.as_str();
                        self.grantees.push((now, kind, order.id, role, id.to_string()));
                    }
                }
                Recipient::Desk => {
                    let desk = order.desk()?;
                    let Some(region) = desk.region_code(&order.region_path) else {
                        continue;
                    };
                    if desk == Desk::CountyAdministrator {
                        let role = Role::CountyAdmin.as_str();
                        self.grantees.push((now, kind, order.id, role, region.to_string()));
                    } else {
                        self.site_managers.push((now, kind, order.id, region));
                    }
                }
            }
        }
        Ok(())
    }

    pub(crate) async fn write(self, tx: &mut Tx<'_>, vault: &Vault) -> Result<()> {
        let placeholders = tx.placeholders();
        for chunk in self.residents.chunks(rows_per_statement(4)) {
            let sql = values_sql(
                placeholders,
                "INSERT INTO inbox (user_id, at, kind, order_id) VALUES ",
                4,
                chunk.len(),
                "",
            );
            let mut statement = query(sqlx::AssertSqlSafe(sql));
            for (user, at, kind, order) in chunk {
                statement = statement.bind(*user).bind(*at).bind(*kind).bind(*order);
            }
            statement.execute(&mut *tx).await?;
        }
        for chunk in self.grantees.chunks(rows_per_statement(5)) {
            let sql = from_values(
                placeholders,
                5,
                chunk.len(),
                "JOIN role_grants g ON g.role = v.column4 AND g.scope_id = v.column5",
            );
            let mut statement = query(sqlx::AssertSqlSafe(sql));
            for (at, kind, order, role, scope) in chunk {
                statement = statement
                    .bind(*at)
                    .bind(*kind)
                    .bind(*order)
                    .bind(*role)
                    .bind(scope.as_str());
            }
            statement.execute(&mut *tx).await?;
        }
        for chunk in self.site_managers.chunks(rows_per_statement(5)) {
            let sql = from_values(
                placeholders,
                5,
                chunk.len(),
                "JOIN sites s ON s.region_code = v.column5 \
                 JOIN role_grants g ON g.role = v.column4 AND g.scope_id = CAST(s.id AS TEXT)",
            );
            let mut statement = query(sqlx::AssertSqlSafe(sql));
            for (at, kind, order, region) in chunk {
                statement = statement
                    .bind(*at)
                    .bind(*kind)
                    .bind(*order)
                    .bind(Role::SiteManager.as_str())
                    .bind(*region);
            }
            statement.execute(&mut *tx).await?;
        }
        for (order, kind, at) in self.texts {
            text_the_contact(tx, vault, order, kind, at).await?;
        }
        Ok(())
    }
}

/// `INSERT INTO inbox ... SELECT DISTINCT` each user `joins` finds for the
/// rows `(at, kind, order, ...)` of a `VALUES` list.
fn from_values(placeholders: Placeholders, columns: usize, rows: usize, joins: &str) -> String {
    values_sql(
        placeholders,
        "INSERT INTO inbox (user_id, at, kind, order_id) SELECT DISTINCT g.user_id, v.column1, v.column2, \
         v.column3 FROM (VALUES ",
        columns,
        rows,
        &format!(") AS v {joins}"),
    )
}

/// An SMS about the step to the contact phone of an order a site placed for
/// someone without an account.
async fn text_the_contact(tx: &mut Tx<'_>, vault: &Vault, order_id: i64, kind: &str, now: i64) -> Result<()> {
    let contact: Option<(Option<Vec<u8>>, Option<String>)> =
        query_as("SELECT contact_phone_hash, contact_phone_sealed FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((Some(hash), Some(sealed))) = contact {
        let phone = vault.open(Place::order_contact(&hash), &sealed)?;
        let payload = serde_json::json!({ "order_id": order_id, "step": kind });
        enqueue_sms(tx, vault, &phone, &format!("order_{kind}"), &payload, now).await?;
    }
    Ok(())
}
