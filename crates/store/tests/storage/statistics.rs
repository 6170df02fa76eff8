//! Statistics against a brute-force count: random registrations, transfers,
//! records confirmed and revoked, organizations verified, projects and
//! activities published and cancelled, on every backend; then every
//! region's figures for several periods equal what a plain count over the
//! history of those operations gives, and a rebuild from the raw rows
//! finds nothing to change.

use super::*;
use chrono::Duration;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use zhiyuan_domain::activity::{ActivityInput, ActivityState, ProjectKind, plan};
use zhiyuan_domain::checkin_token::AttendanceKind;
use zhiyuan_domain::confirmation::{Confirmer, DEFAULT_SECOND_APPROVAL_HOURS, decide_confirmation};
use zhiyuan_domain::hours::start_of_china_day;
use zhiyuan_domain::record::RecordState;
use zhiyuan_domain::region::path_within;
use zhiyuan_domain::statistics::month_of;
use zhiyuan_domain::time::age_in_years;
use zhiyuan_domain::volunteer::ELDERLY_AGE;
use zhiyuan_store::activities::{NewActivity, NewProject};
use zhiyuan_store::attendance::AttendanceWrite;

/// Where volunteers live and serve.
const HOMES: &[&str] = &["360111001001", "360111001200", "360102001", "360111"];

/// The first day of the history; operation `n` happens `n` days later.
fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 7, 20).unwrap()
}

fn noon(day: NaiveDate) -> i64 {
    start_of_china_day(day).timestamp_millis() + 12 * 3_600_000
}

#[derive(Debug, Clone)]
enum Op {
    Register {
        home: usize,
        birth_year: i32,
        birth_day: u32,
        party: bool,
    },
    Transfer {
        who: usize,
        home: usize,
    },
    Serve {
        who: usize,
        place: usize,
        revoke: bool,
    },
    /// Revokes an older record (its month may lie before others of its volunteer).
    RevokeEarlier {
        which: usize,
    },
    Organization {
        place: usize,
    },
    Project {
        place: usize,
    },
    CancelledActivity {
        place: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..HOMES.len(), 1950..2000i32, 0..300u32, any::<bool>())
            .prop_map(|(home, birth_year, birth_day, party)| Op::Register { home, birth_year, birth_day, party }),
        // Turning 60 while the history runs (July to October 2026).
        1 => (0..HOMES.len(), 195..290u32, any::<bool>())
            .prop_map(|(home, birth_day, party)| Op::Register { home, birth_year: 1966, birth_day, party }),
        1 => (0..64usize, 0..HOMES.len()).prop_map(|(who, home)| Op::Transfer { who, home }),
        4 => (0..64usize, 0..HOMES.len(), proptest::bool::weighted(0.25))
            .prop_map(|(who, place, revoke)| Op::Serve { who, place, revoke }),
        1 => (0..64usize).prop_map(|which| Op::RevokeEarlier { which }),
        1 => (0..HOMES.len()).prop_map(|place| Op::Organization { place }),
        1 => (0..HOMES.len()).prop_map(|place| Op::Project { place }),
        1 => (0..HOMES.len()).prop_map(|place| Op::CancelledActivity { place }),
    ]
}

/// What the test remembers of each volunteer.
struct Person {
    id: i64,
    birth: NaiveDate,
    party: bool,
    /// (day, home region) from registration on.
    homes: Vec<(NaiveDate, String)>,
}

impl Person {
    fn home_on(&self, day: NaiveDate) -> Option<&str> {
        self.homes
            .iter()
            .rfind(|(from, _)| *from <= day)
            .map(|(_, home)| home.as_str())
    }
}

/// The history the operations made, for the brute-force count.
#[derive(Default)]
struct History {
    people: Vec<Person>,
    /// (volunteer, place, service day, minutes) of the records still effective.
    records: Vec<(i64, String, NaiveDate, i64)>,
    /// The ids of those records, in the same order.
    record_ids: Vec<i64>,
    organizations: Vec<(String, NaiveDate)>,
    projects: Vec<(String, NaiveDate)>,
    /// (place, start day) of the activities held.
    activities: Vec<(String, NaiveDate)>,
}

fn within(code: &str, region: &str) -> bool {
    let path = |code: &str| -> String {
        let mut parts = Vec::new();
        for len in [2, 4, 6, 9, 12] {
            if code.len() >= len {
                parts.push(&code[..len]);
            }
        }
        parts.join("/")
    };
    path_within(&path(code), &path(region))
}

/// The figures a plain count over the history gives for `region` and `from..=to`.
fn counted(history: &History, region: &str, from: NaiveDate, to: NaiveDate) -> Vec<(&'static str, f64)> {
    let living: Vec<&Person> = history
        .people
        .iter()
        .filter(|p| p.home_on(to).is_some_and(|home| within(home, region)))
        .collect();
    let volunteers = living.len() as f64;
    let share = |n: usize| if living.is_empty() { 0.0 } else { n as f64 / volunteers };
    let rural = living
        .iter()
        .filter(|p| p.home_on(to).is_some_and(|h| h.len() == 12 && &h[9..] >= "200"))
        .count();
    let served: Vec<_> = history
        .records
        .iter()
        .filter(|(_, place, day, _)| within(place, region) && *day >= from && *day <= to)
        .collect();
    let (first_month, last_month) = (month_of(from), month_of(to));
    let active = history
        .people
        .iter()
        .filter(|p| p.homes.last().is_some_and(|(_, home)| within(home, region)))
        .filter(|p| {
            history
                .records
                .iter()
                .any(|(who, _, day, _)| *who == p.id && month_of(*day) >= first_month && month_of(*day) <= last_month)
        })
        .count();
    let minutes: i64 = served.iter().map(|r| r.3).sum();
    vec![
        ("volunteers", volunteers),
        (
            "new_volunteers",
            history
                .people
                .iter()
                .filter(|p| p.homes[0].0 >= from && p.homes[0].0 <= to && within(&p.homes[0].1, region))
                .count() as f64,
        ),
        ("party_member_share", share(living.iter().filter(|p| p.party).count())),
        (
            "elderly_share",
            share(
                living
                    .iter()
                    .filter(|p| age_in_years(p.birth, to) >= ELDERLY_AGE)
                    .count(),
            ),
        ),
        ("rural_share", share(rural)),
        (
            "organizations",
            history
                .organizations
                .iter()
                .filter(|(p, d)| within(p, region) && *d <= to)
                .count() as f64,
        ),
        (
            "projects",
            history
                .projects
                .iter()
                .filter(|(p, d)| within(p, region) && *d <= to)
                .count() as f64,
        ),
        (
            "activities",
            history
                .activities
                .iter()
                .filter(|(p, d)| within(p, region) && *d >= from && *d <= to)
                .count() as f64,
        ),
        ("records", served.len() as f64),
        ("effective_hours", (minutes as f64 / 60.0 * 100.0).round() / 100.0),
        ("active_volunteers", active as f64),
    ]
}

fn shown(figures: &zhiyuan_domain::statistics::RegionStatistics) -> Vec<(&'static str, f64)> {
    vec![
        ("volunteers", figures.volunteers as f64),
        ("new_volunteers", figures.new_volunteers as f64),
        ("party_member_share", figures.party_member_share),
        ("elderly_share", figures.elderly_share),
        ("rural_share", figures.rural_share),
        ("organizations", figures.organizations as f64),
        ("projects", figures.projects as f64),
        ("activities", figures.activities as f64),
        ("records", figures.records as f64),
        ("effective_hours", figures.effective_hours),
        ("active_volunteers", figures.active_volunteers as f64),
    ]
}

/// Runs `ops` against `store`, day after day, and remembers what they made.
async fn run(store: &Store, ops: &[Op]) -> History {
    let mut history = History::default();
    let host = NewOrganization {
        name: "统计测试志愿者协会".into(),
        kind: OrgKind::SocialOrganization,
        region_code: "360111".into(),
        uscc: None,
        parent_id: None,
        join_mode: JoinMode::Open,
    };
    let host = store.create_organization(&host, None, noon(first_day())).await.unwrap();
    store.verify_organization(host.id, 1, noon(first_day())).await.unwrap();
    history.organizations.push(("360111".into(), first_day()));
    for (n, op) in ops.iter().enumerate() {
        let day = first_day() + Duration::days(n as i64 + 1);
        let now = noon(day);
        match *op {
            Op::Register {
                home,
                birth_year,
                birth_day,
                party,
            } => {
                let birth = NaiveDate::from_yo_opt(birth_year, 1 + birth_day).unwrap();
                let number = history.people.len() as u16;
                let mut input = person(
                    "统计志愿者",
                    HOMES[home],
                    (
                        birth_year,
                        chrono::Datelike::month(&birth),
                        chrono::Datelike::day(&birth),
                    ),
                    300 + number,
                    &format!("137{:08}", number),
                );
                if party {
                    input.political_status = Some("中共党员".into());
                }
                let registration = register(&input, day).unwrap();
                let volunteer = store.register_volunteer(&registration, None, now).await.unwrap();
                history.people.push(Person {
                    id: volunteer.id,
                    birth,
                    party,
                    homes: vec![(day, HOMES[home].to_string())],
                });
            }
            Op::Transfer { who, home } => {
                let Some(person) = history.people.get_mut(who % 64) else {
                    continue;
                };
                if person.homes.last().is_some_and(|(_, h)| h == HOMES[home]) {
                    continue;
                }
                store.transfer_volunteer(person.id, HOMES[home], 1, now).await.unwrap();
                person.homes.push((day, HOMES[home].to_string()));
            }
            Op::Serve { who, place, revoke } => {
                if history.people.is_empty() {
                    continue;
                }
                let volunteer = history.people[who % history.people.len()].id;
                let record = served_record(store, host.id, volunteer, HOMES[place], day, now).await;
                history.activities.push((HOMES[place].to_string(), day));
                if revoke {
                    store
                        .change_record(record.id, RecordState::Revoked, "重复", 1_000_000, now)
                        .await
                        .unwrap();
                } else {
                    history.records.push((volunteer, HOMES[place].to_string(), day, 90));
                    history.record_ids.push(record.id);
                }
            }
            Op::RevokeEarlier { which } => {
                if history.records.is_empty() {
                    continue;
                }
                let index = which % history.records.len();
                store
                    .change_record(history.record_ids[index], RecordState::Revoked, "更正", 1_000_000, now)
                    .await
                    .unwrap();
                history.records.remove(index);
                history.record_ids.remove(index);
            }
            Op::Organization { place } => {
                let new = NewOrganization {
                    name: format!("统计测试队{n}"),
                    kind: OrgKind::SocialOrganization,
                    region_code: HOMES[place].into(),
                    uscc: None,
                    parent_id: None,
                    join_mode: JoinMode::Open,
                };
                let org = store.create_organization(&new, None, now).await.unwrap();
                store.verify_organization(org.id, 1, now).await.unwrap();
                history.organizations.push((HOMES[place].to_string(), day));
            }
            Op::Project { place } => {
                let new = NewProject {
                    organization_id: host.id,
                    title: format!("项目{n}"),
                    description: "统计".into(),
                    kind: ProjectKind::Routine,
                    category: "left_behind_elderly".into(),
                    area_code: HOMES[place].into(),
                    on_menu: false,
                };
                store.create_project(&new, 1, now).await.unwrap();
                history.projects.push((HOMES[place].to_string(), day));
            }
            Op::CancelledActivity { place } => {
                let start = start_of_china_day(day).timestamp_millis() + 15 * 3_600_000;
                let activity = publish(store, host.id, HOMES[place], start).await;
                store
                    .set_activity_state(activity.id, ActivityState::Cancelled, 1, now)
                    .await
                    .unwrap();
            }
        }
    }
    history
}

/// Publishes a 3-hour activity at `place` starting at `start`, created the day before.
/// A record of 90 minutes' service by `volunteer` at `place` on `day`,
/// attended and confirmed by the organizer at `now`.
pub(super) async fn served_record(
    store: &Store,
    host: i64,
    volunteer: i64,
    place: &str,
    day: NaiveDate,
    now: i64,
) -> zhiyuan_store::records::RecordView {
    let start = start_of_china_day(day).timestamp_millis() + 9 * 3_600_000;
    let activity = publish(store, host, place, start).await;
    store.sign_up(activity.id, volunteer, start - 3_600_000).await.unwrap();
    for (kind, when) in [(AttendanceKind::In, start), (AttendanceKind::Out, start + 90 * 60_000)] {
        let write = AttendanceWrite {
            activity_id: activity.id,
            volunteer_id: volunteer,
            kind,
            method: zhiyuan_domain::activity::CheckinMethod::Manual,
            claimed_at: when,
            received_at: when,
            accepted: zhiyuan_domain::attendance::Accepted {
                at: chrono::DateTime::from_timestamp_millis(when).unwrap(),
                token_step: None,
                offline: false,
                reason: None,
                flags: Vec::new(),
            },
            fix: None,
            device_id: None,
            by_user: 1,
        };
        store.record_attendance(&write, &activity).await.unwrap();
    }
    let record = store.records_of_activity(activity.id).await.unwrap().remove(0);
    let by = Confirmer {
        user: 1_000_000,
        organizer: true,
        region_admin: false,
    };
    store
        .confirm_record(record.id, Some(1_000_000), now, |facts| {
            decide_confirmation(facts, by, DEFAULT_SECOND_APPROVAL_HOURS)
        })
        .await
        .unwrap();
    record
}

async fn publish(store: &Store, organization_id: i64, place: &str, start: i64) -> zhiyuan_store::activities::Activity {
    let input = ActivityInput {
        title: "统计测试活动".into(),
        description: "统计".into(),
        category: "left_behind_elderly".into(),
        lat: 28.68,
        lon: 115.95,
        radius_m: 300,
        starts_at: chrono::DateTime::from_timestamp_millis(start).unwrap(),
        ends_at: chrono::DateTime::from_timestamp_millis(start + 3 * 3_600_000).unwrap(),
        quota: 5,
        auto_approve: true,
        ..ActivityInput::default()
    };
    let new = NewActivity {
        organization_id,
        project_id: None,
        region_code: place.into(),
        plan: plan(input).unwrap(),
        draft: false,
    };
    store.create_activity(&new, 1, start - 24 * 3_600_000).await.unwrap()
}

#[tokio::test]
async fn statistics_equal_a_count_over_the_raw_rows_after_random_operations() {
    let mut runner = TestRunner::deterministic();
    let plans: Vec<Vec<Op>> = (0..3)
        .map(|_| {
            proptest::collection::vec(op(), 30..45)
                .new_tree(&mut runner)
                .unwrap()
                .current()
        })
        .collect();
    for ops in &plans {
        for (backend, store, _db) in stores().await {
            let history = run(&store, ops).await;
            let last = first_day() + Duration::days(ops.len() as i64 + 1);
            let mut periods = vec![
                (first_day(), last),
                (first_day() + Duration::days(12), first_day() + Duration::days(20)),
                (
                    NaiveDate::from_ymd_opt(2026, 8, 1).unwrap(),
                    NaiveDate::from_ymd_opt(2026, 8, 31).unwrap(),
                ),
                (first_day() + Duration::days(15), last + Duration::days(400)),
            ];
            periods.extend((1..8).map(|week| (first_day(), first_day() + Duration::days(week * 6 + 1))));
            for (code, ..) in REGIONS {
                let region = store.require_region(code).await.unwrap();
                for &(from, to) in &periods {
                    let report = store.region_report(&region, from, to).await.unwrap();
                    assert_eq!(
                        shown(&report.figures),
                        counted(&history, code, from, to),
                        "{backend} {code} {from}..{to} after {ops:?}"
                    );
                    for (child, figures) in &report.children {
                        assert_eq!(
                            shown(figures),
                            counted(&history, &child.code, from, to),
                            "{backend} {}",
                            child.code
                        );
                    }
                }
            }
            let check = store.rebuild_rollups().await.unwrap();
            assert_eq!(check.differing_rows, 0, "{backend}: {:?}", check.differences);
        }
    }
}

#[tokio::test]
async fn a_rebuild_repairs_rollups_edited_behind_the_applications_back() {
    for (backend, store, db) in stores().await {
        let ops = [
            Op::Register {
                home: 0,
                birth_year: 1960,
                birth_day: 10,
                party: true,
            },
            Op::Serve {
                who: 0,
                place: 1,
                revoke: false,
            },
        ];
        let history = run(&store, &ops).await;
        tamper(
            &db.url,
            "UPDATE region_figures SET volunteers = volunteers + 5 WHERE region_code = '36'",
        )
        .await;
        let check = store.rebuild_rollups().await.unwrap();
        assert!(check.differing_rows > 0, "{backend}");
        assert!(
            check.differences.iter().any(|d| d.starts_with("region 36 ")),
            "{:?}",
            check.differences
        );
        let region = store.require_region("36").await.unwrap();
        let day = first_day() + Duration::days(3);
        let report = store.region_report(&region, first_day(), day).await.unwrap();
        assert_eq!(
            shown(&report.figures),
            counted(&history, "36", first_day(), day),
            "{backend}"
        );
        assert_eq!(store.rebuild_rollups().await.unwrap().differing_rows, 0, "{backend}");
    }
}

#[tokio::test]
async fn ranking_snapshots_are_written_once_and_compared_day_to_day() {
    use zhiyuan_domain::ranking::{RankLevel, RankMetric, rank, with_changes};
    for (backend, store, _db) in stores().await {
        // Day 2: 90 minutes in 公园街道; days 3 and 4: 90 minutes each in 湖坊镇.
        let ops = [
            Op::Register {
                home: 2,
                birth_year: 1980,
                birth_day: 10,
                party: false,
            },
            Op::Serve {
                who: 0,
                place: 2,
                revoke: false,
            },
            Op::Serve {
                who: 0,
                place: 0,
                revoke: false,
            },
            Op::Serve {
                who: 0,
                place: 1,
                revoke: false,
            },
        ];
        run(&store, &ops).await;
        let (day2, day4) = (first_day() + Duration::days(2), first_day() + Duration::days(4));
        let earlier = store.ranking_candidates(RankLevel::Township, None, day2).await.unwrap();
        // Two processes write the same day's snapshot at once: one of them does.
        let other = open_store(&_db).await;
        let (first, second) = tokio::join!(
            store.save_ranking_snapshot(day2, RankLevel::Township, &earlier, NOW),
            other.save_ranking_snapshot(day2, RankLevel::Township, &earlier, NOW),
        );
        assert_eq!(
            [first.unwrap(), second.unwrap()].iter().filter(|wrote| **wrote).count(),
            1,
            "{backend}"
        );
        assert!(
            !store
                .save_ranking_snapshot(day2, RankLevel::Township, &earlier, NOW)
                .await
                .unwrap()
        );
        let stored = store
            .ranking_snapshot(day2, RankLevel::Township, "36")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.len(), 2, "{backend}: every township, served or not");
        assert!(
            store
                .ranking_snapshot(day4, RankLevel::Township, "36")
                .await
                .unwrap()
                .is_none()
        );
        // Only the county's townships, when asked within 青山湖区.
        let within = store
            .ranking_snapshot(day2, RankLevel::Township, "36/3601/360111")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(within.len(), 1, "{backend}");
        let hours = |candidates: Vec<zhiyuan_store::rankings::Candidate>| {
            rank(
                candidates
                    .into_iter()
                    .map(|c| (c.key, c.name, c.values.get(RankMetric::Hours)))
                    .collect(),
            )
        };
        let today = store
            .ranking_candidates(RankLevel::Township, Some("36"), day4)
            .await
            .unwrap();
        let rows = with_changes(hours(today), &hours(stored));
        let row = |key: &str| rows.iter().find(|r| r.key == key).unwrap().clone();
        let (hufang, gongyuan) = (row("360111001"), row("360102001"));
        assert_eq!(
            (hufang.rank, hufang.value, hufang.change, hufang.rank_change),
            (1, 3.0, Some(3.0), Some(1)),
            "{backend}"
        );
        assert_eq!(
            (gongyuan.rank, gongyuan.value, gongyuan.change, gongyuan.rank_change),
            (2, 1.5, Some(0.0), Some(-1)),
            "{backend}"
        );
        // Organizations: the host ran all three activities.
        let organizations = store
            .ranking_candidates(RankLevel::Organization, Some("36"), day4)
            .await
            .unwrap();
        let host = organizations.iter().find(|c| c.name == "统计测试志愿者协会").unwrap();
        assert_eq!((host.values.hours, host.values.activities), (4.5, 3.0), "{backend}");
        store.forget_rankings_before(day4).await.unwrap();
        assert!(
            store
                .ranking_snapshot(day2, RankLevel::Township, "36")
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn designated_sites_are_listed_and_summed_once() {
    use zhiyuan_domain::site::{Designation, DesignationFilter, DesignationLevel};
    for (backend, store, _db) in stores().await {
        store.ensure_sites().await.unwrap();
        let ops = [
            Op::Register {
                home: 0,
                birth_year: 1990,
                birth_day: 10,
                party: true,
            },
            Op::Register {
                home: 2,
                birth_year: 1950,
                birth_day: 20,
                party: false,
            },
            Op::Register {
                home: 1,
                birth_year: 2000,
                birth_day: 30,
                party: false,
            },
            Op::Serve {
                who: 0,
                place: 0,
                revoke: false,
            },
            Op::Serve {
                who: 1,
                place: 2,
                revoke: false,
            },
        ];
        run(&store, &ops).await;
        let designate = |code: &'static str, level: DesignationLevel, year: i32| {
            let store = store.clone();
            async move {
                let site = store.site_of_region(code).await.unwrap().unwrap();
                store
                    .designate_site(site.id, Some(Designation { level, year }), 1, NOW)
                    .await
                    .unwrap();
            }
        };
        designate("360111", DesignationLevel::National, 2019).await;
        designate("360111001", DesignationLevel::Provincial, 2021).await;
        designate("360102001", DesignationLevel::City, 2022).await;
        let listed = |filter| store.sites_in("36", None, Some(filter), None, 50);
        assert_eq!(
            listed(DesignationFilter::Any).await.unwrap().items.len(),
            3,
            "{backend}"
        );
        let national = listed(DesignationFilter::Only(DesignationLevel::National))
            .await
            .unwrap()
            .items;
        assert_eq!(national.len(), 1, "{backend}");
        assert_eq!(national[0].designation.as_deref(), Some("national"), "{backend}");
        assert_eq!(national[0].designation_year, Some(2019), "{backend}");

        let (from, to) = (first_day(), first_day() + Duration::days(30));
        let province = store.region("36").await.unwrap().unwrap();
        let designated = store
            .designated_report(&province, DesignationFilter::Any, from, to)
            .await
            .unwrap();
        let children: Vec<&str> = designated.children.iter().map(|(r, _)| r.code.as_str()).collect();
        assert_eq!(
            children,
            ["360102001", "360111"],
            "{backend}: the institute inside the pilot county counts with it"
        );
        let mut volunteers = 0;
        let mut hours = 0.0;
        for code in ["360102001", "360111"] {
            let region = store.region(code).await.unwrap().unwrap();
            let own = store.region_report(&region, from, to).await.unwrap().figures;
            volunteers += own.volunteers;
            hours += own.effective_hours;
        }
        assert_eq!(designated.figures.volunteers, volunteers, "{backend}");
        assert_eq!(designated.figures.volunteers, 3, "{backend}");
        assert!((designated.figures.effective_hours - hours).abs() < 1e-9, "{backend}");
        assert!((hours - 3.0).abs() < 1e-9, "{backend}: two records of 90 minutes");
        let series_hours: f64 = designated.series.iter().map(|(_, s)| s.effective_hours).sum();
        assert!((series_hours - hours).abs() < 1e-9, "{backend}");
        let provincial = store
            .designated_report(
                &province,
                DesignationFilter::Only(DesignationLevel::Provincial),
                from,
                to,
            )
            .await
            .unwrap();
        let children: Vec<&str> = provincial.children.iter().map(|(r, _)| r.code.as_str()).collect();
        assert_eq!(children, ["360111001"], "{backend}");
        // Withdrawn, it is listed no more.
        let center = store.site_of_region("360111").await.unwrap().unwrap();
        store.designate_site(center.id, None, 1, NOW).await.unwrap();
        assert_eq!(
            listed(DesignationFilter::Any).await.unwrap().items.len(),
            2,
            "{backend}"
        );
    }
}
