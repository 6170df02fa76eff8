//! The ordering loop's storage: steps written whole, deadlines taken by the
//! jobs on a clock the test sets, and each job done once by two processes.

use super::*;
use chrono::{DateTime, Utc};
use zhiyuan_domain::dispatch::Desk;
use zhiyuan_domain::loop_figures::FiguresScope;
use zhiyuan_domain::order::{OrderAction, OrderState, Party, check_draft};
use zhiyuan_domain::order_deadline::{DEFAULT_DEADLINES, OrderTimes, next_check, take};
use zhiyuan_store::jobs::DeadlineDone;
use zhiyuan_store::orders::{DecidedStep, NewOrder, ORDER_DEADLINE_JOB, Order, StepDetails};

const MINUTE: i64 = 60_000;

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

/// A station's order placed at `now` by `resident`.
pub(super) async fn place(store: &Store, site: i64, resident: i64, now: i64) -> Order {
    let draft = check_draft("帮忙买药", None, (None, None), (None, None), at(now)).unwrap();
    let first = next_check(&OrderTimes::placed(Desk::Station, at(now), None), &DEFAULT_DEADLINES);
    let new = NewOrder {
        site_id: site,
        category: "left_behind_elderly".into(),
        project_id: None,
        menu_item_id: None,
        draft,
        ordered_by: Some(resident),
        placed_by: resident,
        on_behalf: false,
        contact_name: None,
        contact_phone: None,
        desk: Desk::Station,
        next_check: first,
    };
    store.place_order(&new, now).await.unwrap()
}

/// Takes `action` as `party` at `now`, as the application layer does.
pub(super) async fn step(
    store: &Store,
    order: &Order,
    action: OrderAction,
    party: Party,
    details: StepDetails,
    now: i64,
) -> Result<Order, StoreError> {
    let taken = take(
        &order.times().unwrap(),
        None,
        action,
        party,
        details.rating,
        at(now),
        &DEFAULT_DEADLINES,
    )?;
    store
        .take_order_step(order, &DecidedStep { action, party, taken }, &details, now)
        .await
}

/// `count` orders placed at `site` at `NOW`, each by a resident of its own
/// (a person has at most ten orders open) whose phone starts with `prefix`.
pub(super) async fn orders_of_residents(store: &Store, site: i64, count: usize, prefix: &str) -> Vec<Order> {
    let mut placed = Vec::with_capacity(count);
    for n in 0..count {
        let resident = store
            .create_user(&format!("{prefix}{n:05}"), "居民", None, NOW)
            .await
            .unwrap();
        placed.push(place(store, site, resident, NOW).await);
    }
    placed
}

/// A second process on the database: a store with its own pools and writers.
async fn second_process(database: &zhiyuan_store::testing::TestDatabase) -> Store {
    Store::connect(&database.url, zhiyuan_store::testing::test_vault())
        .await
        .unwrap()
}

/// Each order cancelled by its resident through `store` at `now`, every
/// cancellation on a task of its own and all sent at once; the outcomes in
/// the order of `orders`.
async fn cancel_at_once(store: &Store, orders: Vec<Order>, now: i64) -> Vec<Result<Order, StoreError>> {
    let handles: Vec<_> = orders
        .into_iter()
        .map(|order| {
            let store = store.clone();
            tokio::spawn(async move {
                let details = StepDetails {
                    actor: order.ordered_by,
                    note: format!("第{}单不需要了", order.id),
                    ..StepDetails::default()
                };
                step(&store, &order, OrderAction::Cancel, Party::Orderer, details, now).await
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(handles.len());
    for handle in handles {
        outcomes.push(handle.await.unwrap());
    }
    outcomes
}

async fn steps_of(store: &Store, order: i64) -> Vec<String> {
    store
        .order_events(order)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn deadlines_climb_to_the_county_and_an_unanswered_dispatch_comes_back() {
    for (backend, store, _db) in stores().await {
        store.ensure_sites().await.unwrap();
        let station = store.site_of_region("360111001001").await.unwrap().unwrap();
        let resident = store.create_user("13800001111", "王奶奶", None, NOW).await.unwrap();
        let county_admin = store.create_user("13800001112", "区管理员", None, NOW).await.unwrap();
        store
            .grant_role(county_admin, Role::CountyAdmin, "360111", "36/3601/360111", None, NOW)
            .await
            .unwrap();
        let order = place(&store, station.id, resident, NOW).await;
        assert_eq!(order.state().unwrap(), OrderState::Ordered);
        let deadlines = DEFAULT_DEADLINES;
        let run = |now: i64| {
            let store = store.clone();
            async move { store.run_order_deadlines(now, &deadlines, "test", 100).await.unwrap() }
        };
        assert_eq!(
            run(NOW + 119 * MINUTE).await,
            vec![],
            "{backend}: a station has two hours"
        );
        let escalated = DeadlineDone {
            order_id: order.id,
            step: Some(OrderAction::Escalate),
        };
        assert_eq!(run(NOW + 120 * MINUTE).await, vec![escalated]);
        assert_eq!(store.require_order(order.id).await.unwrap().desk, "institute");
        assert_eq!(run(NOW + 120 * MINUTE + 240 * MINUTE).await, vec![escalated]);
        assert_eq!(run(NOW + 360 * MINUTE + 480 * MINUTE).await, vec![escalated]);
        let at_county = store.require_order(order.id).await.unwrap();
        assert_eq!(at_county.desk, "county_admin", "{backend}");
        assert_eq!(
            store.pending_jobs(ORDER_DEADLINE_JOB).await.unwrap(),
            0,
            "the last desk keeps it"
        );
        let inbox = store.inbox(county_admin, None, 10).await.unwrap().items;
        assert_eq!(
            inbox.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["escalate"],
            "{backend}"
        );
        assert_eq!(
            steps_of(&store, order.id).await,
            ["place", "escalate", "escalate", "escalate"]
        );

        // Dispatched and not answered within four hours: back to the desk,
        // and the organization is not offered the order again.
        let organization = store
            .create_organization(
                &NewOrganization {
                    name: "湖坊志愿服务队".into(),
                    kind: OrgKind::CommunityTeam,
                    region_code: "360111".into(),
                    uscc: None,
                    parent_id: None,
                    join_mode: JoinMode::Open,
                },
                None,
                NOW,
            )
            .await
            .unwrap();
        store
            .verify_organization(organization.id, county_admin, NOW)
            .await
            .unwrap();
        let dispatched_at = NOW + 900 * MINUTE;
        let details = StepDetails {
            actor: Some(county_admin),
            dispatch_to: Some(organization.id),
            ..StepDetails::default()
        };
        let dispatched = step(
            &store,
            &at_county,
            OrderAction::Dispatch,
            Party::Dispatcher,
            details,
            dispatched_at,
        )
        .await
        .unwrap();
        assert_eq!(dispatched.organization_id, Some(organization.id));
        let stale = step(
            &store,
            &at_county,
            OrderAction::Dispatch,
            Party::Dispatcher,
            StepDetails::default(),
            dispatched_at,
        )
        .await;
        assert!(
            matches!(
                stale,
                Err(StoreError::Conflict {
                    code: "order_changed",
                    ..
                })
            ),
            "{backend}: a step on an old reading is refused: {stale:?}"
        );
        let timed_out = DeadlineDone {
            order_id: order.id,
            step: Some(OrderAction::AcceptTimeout),
        };
        assert_eq!(run(dispatched_at + 240 * MINUTE).await, vec![timed_out], "{backend}");
        let back = store.require_order(order.id).await.unwrap();
        assert_eq!((back.state.as_str(), back.organization_id), ("ordered", None));
        let facts = store.candidate_facts(&back, None, Some(organization.id)).await.unwrap();
        assert!(facts[0].facts.refused_this_order && facts[0].facts.covers_region && facts[0].facts.verified);
        let site = store
            .loop_figures(FiguresScope::Site, &station.id.to_string(), "")
            .await
            .unwrap();
        assert_eq!(
            (
                site.totals.placed,
                site.totals.escalated,
                site.totals.dispatched,
                site.totals.timed_out
            ),
            (1, 3, 1, 1),
            "{backend}"
        );
        let of_organization = store
            .loop_figures(FiguresScope::Organization, &organization.id.to_string(), "")
            .await
            .unwrap();
        assert_eq!(of_organization.acceptance(), Some((1, 0)));
        let county = store.sites_figures_within("36/3601/360111").await.unwrap();
        assert_eq!(
            (county.totals.placed, county.in_state(OrderState::Ordered)),
            (1, 1),
            "{backend}"
        );
        let elsewhere = store.sites_figures_within("36/3601/360102").await.unwrap();
        assert_eq!(elsewhere.totals.placed, 0);
    }
}

/// Orders placed at once are written together, with ids, events, figures
/// and inbox entries for each; one person's eleventh open order and an
/// order of an unknown category are refused alone.
#[tokio::test]
async fn orders_placed_at_once_land_together_and_a_refused_one_alone() {
    for (backend, store, _db) in stores().await {
        store.ensure_sites().await.unwrap();
        let station = store.site_of_region("360111001001").await.unwrap().unwrap();
        let eager = store.create_user("13799999999", "张大妈", None, NOW).await.unwrap();
        let mut placers = Vec::new();
        for n in 0..30 {
            let resident = store
                .create_user(&format!("137000{n:05}"), "居民", None, NOW + 1)
                .await
                .unwrap();
            placers.push((resident, "left_behind_elderly"));
        }
        placers.extend((0..12).map(|_| (eager, "health_care")));
        placers.push((placers[0].0, "no_such_category"));
        let draft = check_draft("帮忙买药", None, (None, None), (None, None), at(NOW)).unwrap();
        let handles: Vec<_> = placers
            .iter()
            .map(|&(resident, category)| {
                let (store, draft) = (store.clone(), draft.clone());
                let site_id = station.id;
                tokio::spawn(async move {
                    let new = NewOrder {
                        site_id,
                        category: category.into(),
                        project_id: None,
                        menu_item_id: None,
                        draft,
                        ordered_by: Some(resident),
                        placed_by: resident,
                        on_behalf: false,
                        contact_name: None,
                        contact_phone: None,
                        desk: Desk::Station,
                        next_check: None,
                    };
                    store.place_order(&new, NOW).await
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for handle in handles {
            outcomes.push(handle.await.unwrap());
        }
        let refusal = |outcome: &Result<Order, StoreError>| match outcome {
            Err(StoreError::Rule(rule)) => Some(rule.code),
            _ => None,
        };
        assert!(outcomes[..30].iter().all(Result::is_ok), "{backend}");
        let eager_outcomes = &outcomes[30..42];
        assert_eq!(eager_outcomes.iter().filter(|o| o.is_ok()).count(), 10, "{backend}");
        assert!(
            eager_outcomes
                .iter()
                .filter(|o| o.is_err())
                .all(|o| refusal(o) == Some("too_many_open_orders")),
            "{backend}"
        );
        assert_eq!(refusal(&outcomes[42]), Some("category_unknown"), "{backend}");
        let mut ids = std::collections::HashSet::new();
        for order in outcomes.iter().filter_map(|o| o.as_ref().ok()) {
            assert!(ids.insert(order.id), "{backend}: one id each");
            assert_eq!(
                order,
                &store.require_order(order.id).await.unwrap(),
                "{backend}: as stored"
            );
            assert_eq!(steps_of(&store, order.id).await, ["place"], "{backend}");
        }
        let figures = store
            .loop_figures(FiguresScope::Site, &station.id.to_string(), "")
            .await
            .unwrap();
        assert_eq!(figures.totals.placed, 40, "{backend}");
    }
}

/// Steps sent at once are written by the order writer in one transaction:
/// on distinct orders together, and a step decided on an order that has
/// moved since (the later of two on one order, or a stale read among fresh
/// ones) is refused alone with `order_changed` while the others land.
#[tokio::test]
async fn steps_sent_at_once_land_together_and_a_stale_one_alone_is_refused() {
    for (backend, store, _db) in stores().await {
        store.ensure_sites().await.unwrap();
        let station = store.site_of_region("360111001001").await.unwrap().unwrap();
        let manager = store.create_user("13900099999", "站长", None, NOW).await.unwrap();
        store
            .grant_role(
                manager,
                Role::SiteManager,
                &station.id.to_string(),
                "36/3601/360111/360111001/360111001001",
                None,
                NOW,
            )
            .await
            .unwrap();
        let placed = orders_of_residents(&store, station.id, 70, "139000").await;
        let later = NOW + MINUTE;
        // Forty distinct orders at once.
        let first = cancel_at_once(&store, placed[..40].to_vec(), later).await;
        for (order, outcome) in placed[..40].iter().zip(&first) {
            let cancelled = outcome.as_ref().unwrap();
            assert_eq!(cancelled.state().unwrap(), OrderState::Cancelled, "{backend}");
            assert_eq!(cancelled.version, order.version + 1);
            assert_eq!(
                cancelled,
                &store.require_order(order.id).await.unwrap(),
                "{backend}: as stored"
            );
        }
        // Twenty orders twice each, decided on the same read: one of each pair lands.
        let twice: Vec<Order> = placed[40..60]
            .iter()
            .flat_map(|order| [order.clone(), order.clone()])
            .collect();
        let second = cancel_at_once(&store, twice, later).await;
        for pair in second.chunks(2) {
            let refused: Vec<_> = pair.iter().filter_map(|outcome| outcome.as_ref().err()).collect();
            assert_eq!(refused.len(), 1, "{backend}: {pair:?}");
            assert!(matches!(
                refused[0],
                StoreError::Conflict {
                    code: "order_changed",
                    ..
                }
            ));
        }
        // Five stale reads among ten fresh orders.
        let mixed: Vec<Order> = placed[..5].iter().chain(&placed[60..70]).cloned().collect();
        let third = cancel_at_once(&store, mixed, later).await;
        assert!(third[..5].iter().all(|outcome| matches!(
            outcome,
            Err(StoreError::Conflict {
                code: "order_changed",
                ..
            })
        )));
        assert!(third[5..].iter().all(Result::is_ok), "{backend}: {third:?}");
        for order in &placed {
            assert_eq!(steps_of(&store, order.id).await, ["place", "cancel"], "{backend}");
            let events = store.order_events(order.id).await.unwrap();
            assert_eq!(events[1].note, format!("第{}单不需要了", order.id));
        }
        let inbox = store.inbox(manager, None, 500).await.unwrap().items;
        for kind in ["place", "cancel"] {
            let heard = inbox.iter().filter(|entry| entry.kind == kind).count();
            assert_eq!(heard, 70, "{backend}: the station's manager hears of each {kind} once");
        }
        let figures = store
            .loop_figures(FiguresScope::Site, &station.id.to_string(), "")
            .await
            .unwrap();
        assert_eq!((figures.totals.placed, figures.totals.cancelled), (70, 70), "{backend}");
    }
}

/// Two processes' order writers (two stores on one database) taking steps
/// on the same orders at once: each order is cancelled exactly once, the
/// other process's step refused with `order_changed`, and nothing else
/// fails (the writers lock orders and figure rows in one order).
#[tokio::test]
async fn two_processes_stepping_the_same_orders_each_win_once() {
    for database in fresh_databases().await {
        let backend = database.backend;
        let first = open_store(&database).await;
        with_regions(&first).await;
        first.ensure_sites().await.unwrap();
        let second = second_process(&database).await;
        let station = first.site_of_region("360111001001").await.unwrap().unwrap();
        let placed = orders_of_residents(&first, station.id, 60, "135000").await;
        let (mine, theirs) = tokio::join!(
            cancel_at_once(&first, placed.clone(), NOW + MINUTE),
            cancel_at_once(&second, placed.clone(), NOW + MINUTE)
        );
        for (a, b) in mine.iter().zip(&theirs) {
            let refused = [a, b]
                .into_iter()
                .filter_map(|outcome| outcome.as_ref().err())
                .collect::<Vec<_>>();
            assert_eq!(refused.len(), 1, "{backend}: {a:?} {b:?}");
            assert!(
                matches!(
                    refused[0],
                    StoreError::Conflict {
                        code: "order_changed",
                        ..
                    }
                ),
                "{backend}: {refused:?}"
            );
        }
        for order in &placed {
            assert_eq!(steps_of(&first, order.id).await, ["place", "cancel"], "{backend}");
        }
        let figures = first
            .loop_figures(FiguresScope::Site, &station.id.to_string(), "")
            .await
            .unwrap();
        assert_eq!((figures.totals.placed, figures.totals.cancelled), (60, 60), "{backend}");
        second.close().await;
    }
}

#[tokio::test]
async fn two_processes_do_each_deadline_job_once() {
    for database in fresh_databases().await {
        let first = open_store(&database).await;
        with_regions(&first).await;
        first.ensure_sites().await.unwrap();
        let second = second_process(&database).await;
        let station = first.site_of_region("360111001001").await.unwrap().unwrap();
        let orders: Vec<i64> = orders_of_residents(&first, station.id, 40, "138000")
            .await
            .iter()
            .map(|order| order.id)
            .collect();
        let later = NOW + 121 * MINUTE;
        let (a, b) = tokio::join!(
            first.run_order_deadlines(later, &DEFAULT_DEADLINES, "first", 1000),
            second.run_order_deadlines(later, &DEFAULT_DEADLINES, "second", 1000)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.len() + b.len(), 40, "{}: {} + {}", database.backend, a.len(), b.len());
        for order in orders {
            let escalations = steps_of(&first, order)
                .await
                .iter()
                .filter(|s| *s == "escalate")
                .count();
            assert_eq!(escalations, 1, "{}: order {order}", database.backend);
        }
        assert_eq!(
            first.pending_jobs(ORDER_DEADLINE_JOB).await.unwrap(),
            40,
            "the next desk's jobs"
        );
        println!("{}: first did {}, second did {}", database.backend, a.len(), b.len());
        second.close().await;
    }
}

#[tokio::test]
async fn two_processes_claim_each_message_once() {
    for database in fresh_databases().await {
        let first = open_store(&database).await;
        let second = second_process(&database).await;
        for n in 0..30 {
            let user = first
                .create_user(&format!("139000{n:05}"), "李大爷", None, NOW)
                .await
                .unwrap();
            first.issue_activation_code(user, true, NOW).await.unwrap();
        }
        let (a, b) = tokio::join!(
            first.claim_unsent(20, "first", NOW),
            second.claim_unsent(20, "second", NOW)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let mut ids: Vec<i64> = a.iter().chain(&b).map(|m| m.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(
            ids.len(),
            a.len() + b.len(),
            "{}: no message claimed twice",
            database.backend
        );
        let rest = first.claim_unsent(100, "first", NOW).await.unwrap();
        assert_eq!(ids.len() + rest.len(), 30, "{}", database.backend);
        first.release_messages(&[a[0].id]).await.unwrap();
        assert_eq!(
            first.unsent_messages(100).await.unwrap().len(),
            1,
            "a released message waits again"
        );
        second.close().await;
    }
}

/// Who tries the steps of a random run.
const PARTIES: [Party; 4] = [
    Party::Orderer,
    Party::Dispatcher,
    Party::AssignedOrganization,
    Party::System,
];

#[tokio::test]
async fn random_steps_by_random_parties_keep_every_order_whole() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;
    let runs = proptest::collection::vec((0..OrderAction::ALL.len(), 0..PARTIES.len(), 1u8..=5), 1..30);
    for (backend, store, _db) in stores().await {
        store.ensure_sites().await.unwrap();
        let station = store.site_of_region("360111001001").await.unwrap().unwrap();
        let team = store
            .create_organization(
                &NewOrganization {
                    name: "湖坊志愿服务队".into(),
                    kind: OrgKind::CommunityTeam,
                    region_code: "360111".into(),
                    uscc: None,
                    parent_id: None,
                    join_mode: JoinMode::Open,
                },
                None,
                NOW,
            )
            .await
            .unwrap()
            .id;
        let mut runner = TestRunner::deterministic();
        let mut placed = Vec::new();
        for case in 0..24 {
            let tries = runs.new_tree(&mut runner).unwrap().current();
            let mut now = NOW + case * 60 * MINUTE;
            let resident = store
                .create_user(&format!("138100{case:05}"), "王奶奶", None, NOW)
                .await
                .unwrap();
            let mut order = place(&store, station.id, resident, now).await;
            let mut taken_steps = 0;
            for (action, party, rating) in tries {
                let (action, party) = (OrderAction::ALL[action], PARTIES[party]);
                now += MINUTE;
                let before = store.require_order(order.id).await.unwrap();
                let decided = take(
                    &before.times().unwrap(),
                    before.accepted_at.map(at),
                    action,
                    party,
                    Some(rating),
                    at(now),
                    &DEFAULT_DEADLINES,
                );
                let Ok(taken) = decided else {
                    continue;
                };
                let details = StepDetails {
                    dispatch_to: (action == OrderAction::Dispatch).then_some(team),
                    rating: (action == OrderAction::Evaluate).then_some(rating),
                    ..StepDetails::default()
                };
                order = store
                    .take_order_step(&before, &DecidedStep { action, party, taken }, &details, now)
                    .await
                    .unwrap_or_else(|e| panic!("{backend}: {action:?} by {party:?} was allowed but not written: {e}"));
                assert_eq!(order.state().unwrap(), taken.to);
                taken_steps += 1;
            }
            let events = store.order_events(order.id).await.unwrap();
            assert_eq!(
                events.len(),
                taken_steps + 1,
                "{backend}: each step in the history once"
            );
            assert_eq!(events[0].action, "place");
            for pair in events.windows(2) {
                assert_eq!(
                    pair[1].from_state.as_deref(),
                    Some(pair[0].to_state.as_str()),
                    "{backend}: an unbroken history"
                );
            }
            let finals: Vec<usize> = events
                .iter()
                .enumerate()
                .filter(|(_, e)| OrderState::parse(&e.to_state).unwrap().is_final())
                .map(|(i, _)| i)
                .collect();
            assert!(
                finals.len() <= 1 && finals.iter().all(|i| *i == events.len() - 1),
                "{backend}: one terminal state, last"
            );
            assert_eq!(events.last().unwrap().to_state, order.state, "{backend}");
            placed.push(order.state().unwrap());
        }
        // The figures kept step by step agree with the orders as stored.
        let figures = store
            .loop_figures(FiguresScope::Site, &station.id.to_string(), "")
            .await
            .unwrap();
        for state in OrderState::ALL {
            let stored = placed.iter().filter(|s| *s == state).count() as i64;
            assert_eq!(figures.in_state(*state), stored, "{backend}: orders {}", state.as_str());
        }
        // So do the statistics' closed loops, ratings and delivery activities.
        let check = store.rebuild_rollups().await.unwrap();
        assert_eq!(check.differing_rows, 0, "{backend}: {:?}", check.differences);
    }
}
