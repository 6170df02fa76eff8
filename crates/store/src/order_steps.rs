//! Writing the steps of orders the domain decided: one step in a caller's
//! transaction (the deadline jobs), or every step queued at a moment in one
//! transaction of the order writer, with set-based statements: one
//! multi-row `UPDATE` of the orders guarded by their versions, one insert
//! of their events, one upsert of the figures they add to, the inbox rows
//! of whom they concern from the grants, and their next deadline jobs.
//! What each step changes is computed here from the order as it was read
//! and the domain's [`Taken`]; the statements only write it.

use crate::activities::insert_activity;
use crate::audit::enqueue_sms;
use crate::order_figures::{StepFigures, add_figures};
use crate::orders::{DecidedStep, ORDER_DEADLINE_JOB, Order, StepDetails};
use crate::sql::{Tx, query, query_as};
use crate::vault::Place;
use crate::writer::Batch;
use crate::{Backend, Placeholders, Result, StoreError, Vault, rows_per_statement, values_sql};
use std::collections::HashSet;
use std::sync::Arc;
use zhiyuan_domain::dispatch::Desk;
use zhiyuan_domain::order::{OrderAction, Recipient, told};
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

/// The order writer's batches: order steps.
pub(crate) struct StepBatch {
    pub vault: Arc<Vault>,
}

impl Batch for StepBatch {
    type Item = QueuedStep;
    type Outcome = Order;
    const NAME: &'static str = "order-writer";

    async fn write(&self, backend: &Backend, items: &[&QueuedStep]) -> Result<Vec<Result<Order>>> {
        write_step_batch(backend, &self.vault, items).await
    }
}

/// Writes a batch of steps in one transaction. Steps on distinct orders
/// go together with [`write_steps`]; if any of them cannot be written (an
/// order changed since its step was decided, an activity refused) or two
/// steps concern one order, the batch is written again guarded: each step
/// in a savepoint of its own, so that its refusal (`order_changed` for the
/// later of two steps on one order) leaves the others.
pub(crate) async fn write_step_batch(
    backend: &Backend,
    vault: &Vault,
    steps: &[&QueuedStep],
) -> Result<Vec<Result<Order>>> {
    let mut orders = HashSet::with_capacity(steps.len());
    if steps.iter().all(|queued| orders.insert(queued.order.id)) {
        let mut tx = backend.transaction().await?;
        match write_steps(&mut tx, vault, steps).await {
            Ok(stepped) => {
                tx.commit().await?;
                return Ok(stepped.into_iter().map(Ok).collect());
            }
            Err(error) if steps.len() == 1 => {
                tx.rollback().await?;
                return Ok(vec![Err(error)]);
            }
            Err(error) => {
                tx.rollback().await?;
                tracing::debug!(%error, steps = steps.len(), "order steps written again one by one");
            }
        }
    }
    let mut tx = backend.transaction().await?;
    let mut outcomes = Vec::with_capacity(steps.len());
    for queued in steps {
        let mut savepoint = tx.savepoint().await?;
        match write_steps(&mut savepoint, vault, &[queued]).await {
            Ok(mut stepped) => {
                savepoint.commit().await?;
                outcomes.push(stepped.pop().ok_or(StoreError::NotFound("order")));
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
    write_steps(tx, vault, &[&queued])
        .await?
        .pop()
        .ok_or(StoreError::NotFound("order"))
}

/// Writes steps on distinct orders in `tx`: each order's new columns
/// (`order_changed`, 409, when any order's version moved since its step was
/// decided), its event, the figures, the inbox entries, a delivery activity
/// and the next deadline job. Yields the orders as written, in order.
pub(crate) async fn write_steps(tx: &mut Tx<'_>, vault: &Vault, steps: &[&QueuedStep]) -> Result<Vec<Order>> {
    let mut stepped = Vec::with_capacity(steps.len());
    for queued in steps {
        let activity_id = match (&queued.details.new_activity, queued.details.link_activity) {
            (Some(new), _) => {
                let by = queued.details.actor.unwrap_or(queued.order.placed_by);
                Some(insert_activity(tx, new, by, queued.now).await?)
            }
            (None, Some(linked)) => Some(linked),
            (None, None) => queued.order.activity_id,
        };
        stepped.push(after_step(queued, activity_id));
    }
    update_orders(tx, steps, &stepped).await?;
    insert_events(tx, steps).await?;
    let figures: Vec<StepFigures<'_>> = steps
        .iter()
        .zip(&stepped)
        .map(|(queued, order)| StepFigures {
            order,
            organization: concerned_organization(queued),
            delta: queued.step.taken.figures,
            now: queued.now,
        })
        .collect();
    add_figures(tx, &figures).await?;
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

/// The organization a step concerns: the one it is sent to, or the one it
/// was with (a refusal, a timeout, a completion, a rating).
fn concerned_organization(queued: &QueuedStep) -> Option<i64> {
    match queued.step.action {
        OrderAction::Dispatch => queued.details.dispatch_to,
        _ => queued.order.organization_id,
    }
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
    let organization_id = match step.action {
        OrderAction::Dispatch => details.dispatch_to,
        OrderAction::Refuse | OrderAction::AcceptTimeout => None,
        _ => order.organization_id,
    };
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
    let rows: Vec<(&QueuedStep, &Order)> = steps.iter().copied().zip(stepped).collect();
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

/// Values per row of [`insert_events`].
const EVENT_COLUMNS: usize = 10;

async fn insert_events(tx: &mut Tx<'_>, steps: &[&QueuedStep]) -> Result<()> {
    for chunk in steps.chunks(rows_per_statement(EVENT_COLUMNS)) {
        let sql = values_sql(
            tx.placeholders(),
            "INSERT INTO order_events (order_id, at, action, from_state, to_state, actor_user, party, \
             organization_id, desk, note) VALUES ",
            EVENT_COLUMNS,
            chunk.len(),
            "",
        );
        let mut statement = query(sqlx::AssertSqlSafe(sql));
        for queued in chunk {
            let taken = &queued.step.taken;
            statement = statement
                .bind(queued.order.id)
                .bind(queued.now)
                .bind(queued.step.action.as_str())
                .bind(queued.order.state.as_str())
                .bind(taken.to.as_str())
                .bind(queued.details.actor)
                .bind(queued.step.party.as_str())
                .bind(concerned_organization(queued))
                .bind(taken.times.desk.as_str())
                .bind(queued.details.note.as_str());
        }
        statement.execute(&mut *tx).await?;
    }
    Ok(())
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
