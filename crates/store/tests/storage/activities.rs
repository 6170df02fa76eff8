//! Activities, sign-ups, attendance, records and the ledger, on every backend.

use super::*;
use chrono::{DateTime, Utc};
use zhiyuan_domain::activity::{ActivityInput, CheckinMethod, plan};
use zhiyuan_domain::attendance::Accepted;
use zhiyuan_domain::certificate::{CertifiedHolder, CertifiedIssuer, Coverage, LedgerState, Snapshot, compose_number};
use zhiyuan_domain::checkin_token::AttendanceKind;
use zhiyuan_domain::confirmation::{Confirmation, Confirmer, DEFAULT_SECOND_APPROVAL_HOURS, decide_confirmation};
use zhiyuan_domain::hours::{Interval, MissingCheckout};
use zhiyuan_domain::record::{EvidenceType, RecordState};
use zhiyuan_store::activities::{Activity, NewActivity};
use zhiyuan_store::attendance::AttendanceWrite;
use zhiyuan_store::review::HandEntry;
use zhiyuan_store::testing::attendance_batch;

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

const HOUR: i64 = 3_600_000;

/// A user who organizes but is none of the test volunteers.
const ORGANIZER: i64 = 1_000_000;

/// Confirms a record as an organizer of its verified organization, through
/// the domain's rule (`confirmation::decide_confirmation`).
async fn confirm(store: &Store, record: i64) -> Result<zhiyuan_store::records::ServiceRecord, StoreError> {
    let by = Confirmer {
        user: ORGANIZER,
        organizer: true,
        region_admin: false,
    };
    store
        .confirm_record(record, Some(ORGANIZER), NOW, |facts| {
            decide_confirmation(facts, by, DEFAULT_SECOND_APPROVAL_HOURS)
        })
        .await
        .map(|(record, _)| record)
}

/// A verified organization in 360111 and `count` volunteers of it.
async fn org_and_volunteers(store: &Store, count: u16) -> (i64, Vec<i64>) {
    let new = NewOrganization {
        name: "青山湖区志愿者协会".into(),
        kind: OrgKind::SocialOrganization,
        region_code: "360111".into(),
        uscc: None,
        parent_id: None,
        join_mode: JoinMode::Open,
    };
    let org = store.create_organization(&new, None, NOW).await.unwrap();
    store.verify_organization(org.id, 1, NOW).await.unwrap();
    let registrations: Vec<_> = (0..count)
        .map(|i| {
            let input = person(
                &chinese_name(i),
                "360111001001",
                (1990, 1, 1 + u32::from(i % 28)),
                100 + i,
                &format!("139{:08}", i),
            );
            register(&input, today()).unwrap()
        })
        .collect();
    let mut ids = Vec::new();
    for chunk in registrations.chunks(500) {
        for outcome in store.import_volunteers(chunk, NOW).await.unwrap() {
            match outcome {
                ImportOutcome::Inserted { volunteer_id } => ids.push(volunteer_id),
                other => panic!("{other:?}"),
            }
        }
    }
    (org.id, ids)
}

/// 志愿者 and the number in Chinese digits (names are letters only).
fn chinese_name(number: u16) -> String {
    let digits: Vec<char> = "零一二三四五六七八九".chars().collect();
    let spelled: String = number
        .to_string()
        .bytes()
        .map(|b| digits[usize::from(b - b'0')])
        .collect();
    format!("志愿者{spelled}")
}

fn activity_input(starts_at: i64, hours: i64, quota: u32) -> ActivityInput {
    ActivityInput {
        title: "社区养老服务".into(),
        description: "陪伴独居老人".into(),
        category: "left_behind_elderly".into(),
        lat: 28.68,
        lon: 115.95,
        radius_m: 300,
        starts_at: at(starts_at),
        ends_at: at(starts_at + hours * HOUR),
        quota,
        waitlist: Some(3),
        auto_approve: true,
        ..ActivityInput::default()
    }
}

/// Publishes an activity, created a day before it starts (activities never
/// start in the past).
async fn create(store: &Store, org: i64, input: ActivityInput) -> Activity {
    let created = input.starts_at.timestamp_millis() - 24 * HOUR;
    let new = NewActivity {
        organization_id: org,
        project_id: None,
        region_code: "360111001001".into(),
        plan: plan(input).unwrap(),
        draft: false,
    };
    store.create_activity(&new, 1, created.min(NOW)).await.unwrap()
}

fn rule_code<T: std::fmt::Debug>(result: Result<T, StoreError>) -> &'static str {
    match result {
        Err(StoreError::Rule(rule)) => rule.code,
        Err(StoreError::Conflict { code, .. }) => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn claim(activity: &Activity, volunteer: i64, kind: AttendanceKind, when: i64, step: Option<i64>) -> AttendanceWrite {
    AttendanceWrite {
        activity_id: activity.id,
        volunteer_id: volunteer,
        kind,
        method: if step.is_some() {
            CheckinMethod::Qr
        } else {
            CheckinMethod::Gps
        },
        claimed_at: when,
        received_at: when,
        accepted: Accepted {
            at: at(when),
            token_step: step,
            offline: false,
            reason: None,
            flags: Vec::new(),
        },
        fix: None,
        device_id: None,
        by_user: 1,
    }
}

#[tokio::test]
async fn the_quota_holds_under_concurrent_sign_ups() {
    for (backend, store, _db) in stores().await {
        let (org, volunteers) = org_and_volunteers(&store, 60).await;
        let activity = create(&store, org, activity_input(NOW + 48 * HOUR, 3, 5)).await;
        let mut tasks = Vec::new();
        for volunteer in volunteers.clone() {
            let store = store.clone();
            tasks.push(tokio::spawn(
                async move { store.sign_up(activity.id, volunteer, NOW).await },
            ));
        }
        let (mut approved, mut waitlisted, mut full) = (0, 0, 0);
        for task in tasks {
            match task.await.unwrap() {
                Ok(signup) if signup.status == "approved" => approved += 1,
                Ok(signup) if signup.status == "waitlisted" => waitlisted += 1,
                Err(StoreError::Rule(rule)) if rule.code == "quota_full" => full += 1,
                other => panic!("{backend}: {other:?}"),
            }
        }
        assert_eq!((approved, waitlisted, full), (5, 3, 52), "{backend}");
        let stored = store.require_activity(activity.id).await.unwrap();
        assert_eq!((stored.seats_taken, stored.waiting), (5, 3), "{backend}");

        // A cancellation promotes the first on the waiting list.
        let first_approved = store.signups_of_activity(activity.id, None, 200).await.unwrap().items;
        let leaving = first_approved
            .iter()
            .find(|s| s.status == "approved")
            .unwrap()
            .volunteer_id;
        let first_waiting = first_approved
            .iter()
            .find(|s| s.status == "waitlisted")
            .unwrap()
            .volunteer_id;
        store.cancel_signup(activity.id, leaving, NOW).await.unwrap();
        let promoted = store.signup_of(activity.id, first_waiting).await.unwrap().unwrap();
        assert_eq!(promoted.status, "approved", "{backend}");
        let stored = store.require_activity(activity.id).await.unwrap();
        assert_eq!((stored.seats_taken, stored.waiting), (5, 2), "{backend}");
        assert_eq!(
            rule_code(store.cancel_signup(activity.id, leaving, NOW).await),
            "invalid_transition"
        );
    }
}

#[tokio::test]
async fn double_sign_ups_and_time_clashes_are_refused() {
    for (backend, store, _db) in stores().await {
        let (org, volunteers) = org_and_volunteers(&store, 1).await;
        let volunteer = volunteers[0];
        let morning = create(&store, org, activity_input(NOW + 48 * HOUR, 3, 5)).await;
        let overlapping = create(&store, org, activity_input(NOW + 50 * HOUR, 3, 5)).await;
        let afternoon = create(&store, org, activity_input(NOW + 51 * HOUR, 2, 5)).await;
        store.sign_up(morning.id, volunteer, NOW).await.unwrap();
        assert_eq!(
            rule_code(store.sign_up(morning.id, volunteer, NOW).await),
            "already_signed_up",
            "{backend}"
        );
        assert_eq!(
            rule_code(store.sign_up(overlapping.id, volunteer, NOW).await),
            "time_clash",
            "{backend}"
        );
        assert_eq!(
            store.sign_up(afternoon.id, volunteer, NOW).await.unwrap().status,
            "approved"
        );
        // After cancelling, signing up again reuses the sign-up.
        store.cancel_signup(morning.id, volunteer, NOW).await.unwrap();
        assert_eq!(
            store.sign_up(morning.id, volunteer, NOW).await.unwrap().status,
            "approved"
        );
        // Closed sign-up and age limits come from the domain rules.
        let mut old_enough = activity_input(NOW + 60 * HOUR, 2, 5);
        old_enough.min_age = Some(60);
        let for_elders = create(&store, org, old_enough).await;
        assert_eq!(
            rule_code(store.sign_up(for_elders.id, volunteer, NOW).await),
            "age_restricted"
        );
        let over = create(&store, org, activity_input(NOW - 10 * HOUR, 2, 5)).await;
        assert_eq!(rule_code(store.sign_up(over.id, volunteer, NOW).await), "signup_closed");
    }
}

#[tokio::test]
async fn attendance_makes_records_that_the_ledger_keeps() {
    for (backend, store, _db) in stores().await {
        let (org, volunteers) = org_and_volunteers(&store, 2).await;
        let (alice, bob) = (volunteers[0], volunteers[1]);
        // Starts in one hour from NOW, lasts 3 hours.
        let start = NOW + HOUR;
        let activity = create(&store, org, activity_input(start, 3, 5)).await;
        store.sign_up(activity.id, alice, NOW).await.unwrap();
        assert_eq!(
            rule_code(
                store
                    .record_attendance(&claim(&activity, bob, AttendanceKind::In, start, None), &activity)
                    .await
            ),
            "not_signed_up",
            "{backend}"
        );
        assert_eq!(
            rule_code(
                store
                    .record_attendance(&claim(&activity, alice, AttendanceKind::Out, start, None), &activity)
                    .await
            ),
            "not_checked_in"
        );
        let signed_in = store
            .record_attendance(
                &claim(&activity, alice, AttendanceKind::In, start - HOUR / 4, Some(7)),
                &activity,
            )
            .await
            .unwrap();
        assert!(signed_in.is_open);
        assert_eq!(
            rule_code(
                store
                    .record_attendance(&claim(&activity, alice, AttendanceKind::In, start, Some(7)), &activity)
                    .await
            ),
            "token_replayed"
        );
        assert_eq!(
            rule_code(
                store
                    .record_attendance(&claim(&activity, alice, AttendanceKind::In, start, Some(8)), &activity)
                    .await
            ),
            "already_checked_in"
        );
        // Signs out 30 minutes after the end: counted to the end only.
        let record = store
            .record_attendance(
                &claim(
                    &activity,
                    alice,
                    AttendanceKind::Out,
                    start + 3 * HOUR + HOUR / 2,
                    Some(9),
                ),
                &activity,
            )
            .await
            .unwrap();
        assert!(!record.is_open);
        assert_eq!(record.minutes, 180, "{backend}");
        assert_eq!(record.state, "pending");
        let effective = confirm(&store, record.id).await.unwrap();
        assert_eq!(effective.state, "effective");
        let hours = store.hours_of_volunteer(alice, 50).await.unwrap();
        assert_eq!((hours.credit_minutes, hours.honor_minutes), (180, 0), "{backend}");
        assert_eq!(rule_code(confirm(&store, record.id).await), "invalid_transition");
        let report = store.verify_ledger().await.unwrap();
        assert!(report.broken.is_empty(), "{backend}: {:?}", report.broken);
        assert_eq!(report.entries, 2);
        // Revoking takes the minutes back out of the totals.
        store
            .change_record(record.id, RecordState::Revoked, "重复记录", ORGANIZER, NOW)
            .await
            .unwrap();
        let hours = store.hours_of_volunteer(alice, 50).await.unwrap();
        assert_eq!(hours.credit_minutes, 0, "{backend}");
        assert!(store.verify_ledger().await.unwrap().broken.is_empty());
    }
}

#[tokio::test]
async fn a_forgotten_sign_out_closes_at_midnight_with_zero_hours() {
    for (backend, store, _db) in stores().await {
        let (org, volunteers) = org_and_volunteers(&store, 1).await;
        let start = NOW + HOUR;
        let activity = create(&store, org, activity_input(start, 3, 5)).await;
        store.sign_up(activity.id, volunteers[0], NOW).await.unwrap();
        let open = store
            .record_attendance(
                &claim(&activity, volunteers[0], AttendanceKind::In, start, None),
                &activity,
            )
            .await
            .unwrap();
        assert_eq!(
            store.close_stale_records(start + 2 * HOUR).await.unwrap(),
            0,
            "{backend}"
        );
        assert_eq!(
            store.close_stale_records(start + 30 * HOUR).await.unwrap(),
            1,
            "{backend}"
        );
        let closed = store.require_record(open.id).await.unwrap();
        assert!(!closed.is_open);
        assert_eq!(closed.minutes, 0);
        assert!(closed.note.contains("24:00"), "{}", closed.note);
        assert!(store.verify_ledger().await.unwrap().broken.is_empty());
        assert_eq!(MissingCheckout::ZeroHours.as_str(), "zero_hours");

        // Signing in the next day closes yesterday's open sign-in in the same
        // transaction, without waiting for the job.
        let two_days = create(&store, org, activity_input(NOW + 60 * HOUR, 30, 5)).await;
        store.sign_up(two_days.id, volunteers[0], NOW).await.unwrap();
        let day_one = NOW + 60 * HOUR;
        let yesterday = store
            .record_attendance(
                &claim(&two_days, volunteers[0], AttendanceKind::In, day_one, None),
                &two_days,
            )
            .await
            .unwrap();
        let today = store
            .record_attendance(
                &claim(&two_days, volunteers[0], AttendanceKind::In, day_one + 26 * HOUR, None),
                &two_days,
            )
            .await
            .unwrap();
        assert!(today.is_open, "{backend}");
        let yesterday = store.require_record(yesterday.id).await.unwrap();
        assert!(!yesterday.is_open, "{backend}");
        assert_eq!(yesterday.minutes, 0);
        let closed = store
            .record_attendance(
                &claim(&two_days, volunteers[0], AttendanceKind::Out, day_one + 27 * HOUR, None),
                &two_days,
            )
            .await
            .unwrap();
        assert_eq!((closed.id, closed.minutes), (today.id, 60), "{backend}");
        assert!(store.verify_ledger().await.unwrap().broken.is_empty());
    }
}

#[tokio::test]
async fn overlapping_records_are_trimmed() {
    for (backend, store, _db) in stores().await {
        let (org, volunteers) = org_and_volunteers(&store, 1).await;
        let volunteer = volunteers[0];
        let start = NOW + HOUR;
        let first = create(&store, org, activity_input(start, 3, 5)).await;
        // The second activity is signed up before the first one's times clash
        // rule could stop it: a sign-up of another volunteer's organizer is not
        // needed, the records themselves must never overlap.
        let mut later = activity_input(start + 2 * HOUR, 3, 5);
        later.title = "河道清洁".into();
        let second = create(&store, org, later).await;
        store.sign_up(first.id, volunteer, NOW).await.unwrap();
        // Cancel-free path to two sign-ups: the clash rule refuses the second,
        // so the organizer's manual entry is what overlaps here.
        assert_eq!(rule_code(store.sign_up(second.id, volunteer, NOW).await), "time_clash");
        let a = store
            .record_attendance(&claim(&first, volunteer, AttendanceKind::In, start, None), &first)
            .await
            .unwrap();
        store
            .record_attendance(
                &claim(&first, volunteer, AttendanceKind::Out, start + 3 * HOUR, None),
                &first,
            )
            .await
            .unwrap();
        // Honor hours entered by hand over the same morning are trimmed.
        let entry = HandEntry {
            activity_id: first.id,
            volunteer_id: volunteer,
            slots: vec![Interval::new(at(start + 2 * HOUR), at(start + 4 * HOUR))],
            reason: "补录".into(),
            exception: None,
            evidence: b"%PDF-1.4 evidence".to_vec(),
            evidence_type: EvidenceType::Pdf,
        };
        let entered = store.enter_hours(&entry, &first, 1, start + 5 * HOUR).await.unwrap();
        assert_eq!(entered[0].hour_kind, "honor", "{backend}");
        assert_eq!(entered[0].minutes, 60, "{backend}: {:?}", entered[0]);
        assert!(entered[0].note.contains("trimmed"), "{}", entered[0].note);
        let kept = store.require_record(a.id).await.unwrap();
        assert_eq!(kept.minutes, 180);
        assert!(store.verify_ledger().await.unwrap().broken.is_empty());
    }
}

fn outcome_code(outcome: &Result<zhiyuan_store::records::ServiceRecord, StoreError>) -> &'static str {
    match outcome {
        Ok(_) => "ok",
        Err(StoreError::Rule(rule)) => rule.code,
        Err(other) => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_batch_of_check_ins_refuses_claims_one_by_one() {
    for guarded in [false, true] {
        batch_refuses_claims_one_by_one(guarded).await;
    }
}

async fn batch_refuses_claims_one_by_one(guarded: bool) {
    for (backend, store, _db) in stores().await {
        let backend = format!("{backend}, guarded {guarded}");
        let (org, volunteers) = org_and_volunteers(&store, 4).await;
        let (alice, bob, carol, dan) = (volunteers[0], volunteers[1], volunteers[2], volunteers[3]);
        let start = NOW + HOUR;
        let activity = create(&store, org, activity_input(start, 3, 5)).await;
        for volunteer in [alice, carol, dan] {
            store.sign_up(activity.id, volunteer, NOW).await.unwrap();
        }
        let batch = vec![
            (
                claim(&activity, alice, AttendanceKind::In, start, Some(7)),
                activity.clone(),
            ),
            // The same claim twice in one batch: the second is a replay.
            (
                claim(&activity, alice, AttendanceKind::In, start, Some(7)),
                activity.clone(),
            ),
            // Refused in the middle of the batch: not signed up.
            (
                claim(&activity, bob, AttendanceKind::In, start, Some(7)),
                activity.clone(),
            ),
            (
                claim(&activity, carol, AttendanceKind::In, start, Some(7)),
                activity.clone(),
            ),
            // Alice again with the next code: already signed in (by the first claim of this batch).
            (
                claim(&activity, alice, AttendanceKind::In, start, Some(8)),
                activity.clone(),
            ),
            (
                claim(&activity, dan, AttendanceKind::Out, start, Some(7)),
                activity.clone(),
            ),
            (
                claim(&activity, dan, AttendanceKind::In, start, Some(7)),
                activity.clone(),
            ),
        ];
        let outcomes = attendance_batch(&store, batch, guarded).await.unwrap();
        let codes: Vec<&str> = outcomes.iter().map(outcome_code).collect();
        assert_eq!(
            codes,
            [
                "ok",
                "token_replayed",
                "not_signed_up",
                "ok",
                "already_checked_in",
                "not_checked_in",
                "ok"
            ],
            "{backend}"
        );
        // What was accepted is committed, and nothing else.
        let records = store.records_of_activity(activity.id).await.unwrap();
        let mut holders: Vec<i64> = Vec::new();
        for record in &records {
            holders.push(store.require_record(record.id).await.unwrap().volunteer_id);
        }
        holders.sort();
        assert_eq!(holders, [alice, carol, dan], "{backend}");
        assert!(records.iter().all(|r| r.is_open));
        // The writer's path gives the same answers.
        assert_eq!(
            rule_code(
                store
                    .record_attendance(&claim(&activity, carol, AttendanceKind::In, start, Some(7)), &activity)
                    .await
            ),
            "token_replayed",
            "{backend}"
        );
        assert!(store.verify_ledger().await.unwrap().broken.is_empty());
    }
}

#[tokio::test]
async fn a_refusal_after_a_midnight_close_rolls_back_that_claim_only() {
    for guarded in [false, true] {
        midnight_close_then_refusal(guarded).await;
    }
}

async fn midnight_close_then_refusal(guarded: bool) {
    for (backend, store, _db) in stores().await {
        let backend = format!("{backend}, guarded {guarded}");
        let (org, volunteers) = org_and_volunteers(&store, 2).await;
        let (alice, bob) = (volunteers[0], volunteers[1]);
        let day_one = NOW + 60 * HOUR;
        let activity = create(&store, org, activity_input(day_one, 30, 5)).await;
        for volunteer in [alice, bob] {
            store.sign_up(activity.id, volunteer, NOW).await.unwrap();
        }
        let yesterday = store
            .record_attendance(&claim(&activity, alice, AttendanceKind::In, day_one, None), &activity)
            .await
            .unwrap();
        let next_day = day_one + 26 * HOUR;
        let batch = vec![
            (
                claim(&activity, bob, AttendanceKind::In, next_day, Some(1)),
                activity.clone(),
            ),
            // Closes yesterday's sign-in at midnight, then finds no sign-in of today.
            (
                claim(&activity, alice, AttendanceKind::Out, next_day, Some(1)),
                activity.clone(),
            ),
            (
                claim(&activity, bob, AttendanceKind::Out, next_day + HOUR, Some(2)),
                activity.clone(),
            ),
        ];
        let outcomes = attendance_batch(&store, batch, guarded).await.unwrap();
        let codes: Vec<&str> = outcomes.iter().map(outcome_code).collect();
        assert_eq!(codes, ["ok", "not_checked_in", "ok"], "{backend}");
        // The refused claim's midnight close was rolled back with it.
        let still_open = store.require_record(yesterday.id).await.unwrap();
        assert!(still_open.is_open, "{backend}");
        let bobs = outcomes[2].as_ref().unwrap();
        assert_eq!((bobs.is_open, bobs.minutes), (false, 60), "{backend}");
        assert!(store.verify_ledger().await.unwrap().broken.is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn sign_ins_of_a_batch_are_stored_together_and_seen_by_later_claims() {
    for guarded in [false, true] {
        many_sign_ins_in_one_batch(guarded).await;
    }
}

async fn many_sign_ins_in_one_batch(guarded: bool) {
    for (backend, store, _db) in stores().await {
        let backend = format!("{backend}, guarded {guarded}");
        // More sign-ins than one multi-row statement takes.
        let (org, volunteers) = org_and_volunteers(&store, 120).await;
        let start = NOW + HOUR;
        let activity = create(&store, org, activity_input(start, 3, 120)).await;
        for volunteer in &volunteers {
            store.sign_up(activity.id, *volunteer, NOW).await.unwrap();
        }
        let with_device = |volunteer: i64, kind: AttendanceKind, when: i64| {
            let mut write = claim(&activity, volunteer, kind, when, Some(5));
            write.device_id = Some("phone-1".into());
            write.fix = Some(zhiyuan_domain::geo::Fix {
                point: zhiyuan_domain::geo::Point::new(28.6801, 115.9501).unwrap(),
                accuracy_m: 12.0,
            });
            (write, activity.clone())
        };
        let mut batch: Vec<_> = volunteers[..110]
            .iter()
            .map(|v| {
                (
                    claim(&activity, *v, AttendanceKind::In, start + 60_000, Some(5)),
                    activity.clone(),
                )
            })
            .collect();
        // Signed in and out in the same batch: the sign-out sees the sign-in.
        batch.push((
            claim(&activity, volunteers[3], AttendanceKind::Out, start + HOUR, Some(6)),
            activity.clone(),
        ));
        // The same sign-out again in the same batch: a replay.
        batch.push((
            claim(&activity, volunteers[3], AttendanceKind::Out, start + HOUR, Some(6)),
            activity.clone(),
        ));
        // One phone signs two volunteers in; the second one's sign-out is flagged.
        batch.push(with_device(volunteers[110], AttendanceKind::In, start + 60_000));
        batch.push(with_device(volunteers[111], AttendanceKind::In, start + 60_000));
        batch.push(with_device(volunteers[111], AttendanceKind::Out, start + HOUR));
        let mut outcomes = attendance_batch(&store, batch, guarded).await.unwrap();
        assert_eq!(outcomes.len(), 115, "{backend}");
        assert_eq!(outcome_code(&outcomes.remove(111)), "token_replayed", "{backend}");
        let records: Vec<_> = outcomes.into_iter().map(|o| o.unwrap()).collect();
        for (record, volunteer) in records.iter().zip(&volunteers[..110]) {
            assert_eq!(record.volunteer_id, *volunteer, "{backend}");
            assert_eq!(record.activity_id, activity.id);
            assert_eq!(
                (record.signed_in_at, record.from_at, record.to_at),
                (start + 60_000, start + 60_000, start + 60_000)
            );
            let day = zhiyuan_domain::time::china_date(at(start + 60_000))
                .format("%Y-%m-%d")
                .to_string();
            assert_eq!(record.service_day, day, "{backend}");
            assert_eq!(
                (record.state.as_str(), record.hour_kind.as_str()),
                ("pending", "credit")
            );
        }
        assert!(records[..3].iter().all(|r| r.is_open), "{backend}");
        let closed = &records[110];
        assert_eq!(
            (closed.id, closed.is_open, closed.minutes),
            (records[3].id, false, 59),
            "{backend}"
        );
        assert_eq!(records[113].volunteer_id, volunteers[111]);
        assert_eq!(records[113].flags, "shared_device", "{backend}");
        // Every claim left its attendance row, and replays are caught.
        assert_eq!(
            zhiyuan_store::fixtures::attendance_rows(&store).await.unwrap(),
            114,
            "{backend}"
        );
        assert_eq!(
            rule_code(
                store
                    .record_attendance(
                        &claim(&activity, volunteers[50], AttendanceKind::In, start, Some(5)),
                        &activity
                    )
                    .await
            ),
            "token_replayed",
            "{backend}"
        );
        assert!(store.verify_ledger().await.unwrap().broken.is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn concurrent_check_ins_through_the_writer_are_all_durable() {
    for (backend, store, db) in stores().await {
        let (org, volunteers) = org_and_volunteers(&store, 40).await;
        let start = NOW + HOUR;
        let activity = create(&store, org, activity_input(start, 3, 40)).await;
        for volunteer in &volunteers {
            store.sign_up(activity.id, *volunteer, NOW).await.unwrap();
        }
        let mut tasks = Vec::new();
        for (n, volunteer) in volunteers.iter().enumerate() {
            let (store, activity, volunteer) = (store.clone(), activity.clone(), *volunteer);
            tasks.push(tokio::spawn(async move {
                // Every fourth volunteer sends the same code twice.
                let twice = if n % 4 == 0 { 2 } else { 1 };
                let mut codes = Vec::new();
                for _ in 0..twice {
                    let outcome = store
                        .record_attendance(
                            &claim(&activity, volunteer, AttendanceKind::In, start, Some(3)),
                            &activity,
                        )
                        .await;
                    codes.push(outcome_code(&outcome));
                }
                codes
            }));
        }
        let mut accepted = 0;
        for task in tasks {
            let codes = task.await.unwrap();
            assert_eq!(codes[0], "ok", "{backend}");
            assert!(
                codes[1..].iter().all(|c| *c == "token_replayed"),
                "{backend}: {codes:?}"
            );
            accepted += 1;
        }
        store.close().await;
        // Reopened: every accepted claim is there.
        let store = open_store(&db).await;
        assert_eq!(
            store.records_of_activity(activity.id).await.unwrap().len(),
            accepted,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn verify_ledger_finds_rows_edited_behind_the_applications_back() {
    for (backend, store, db) in stores().await {
        let (org, volunteers) = org_and_volunteers(&store, 1).await;
        let start = NOW + HOUR;
        let activity = create(&store, org, activity_input(start, 3, 5)).await;
        store.sign_up(activity.id, volunteers[0], NOW).await.unwrap();
        store
            .record_attendance(
                &claim(&activity, volunteers[0], AttendanceKind::In, start, None),
                &activity,
            )
            .await
            .unwrap();
        let record = store
            .record_attendance(
                &claim(&activity, volunteers[0], AttendanceKind::Out, start + 2 * HOUR, None),
                &activity,
            )
            .await
            .unwrap();
        confirm(&store, record.id).await.unwrap();
        assert!(store.verify_ledger().await.unwrap().broken.is_empty(), "{backend}");
        let ledger = store.volunteer_ledger(volunteers[0]).await.unwrap();
        assert!(ledger.intact, "{backend}");
        assert_eq!(
            ledger.latest[&record.id],
            LedgerState {
                state: "effective".into(),
                minutes: 120
            }
        );
        store.close().await;

        // The database refuses to change or delete an entry.
        for sql in [
            "UPDATE hours_ledger SET minutes = 240, effective_delta = 240 WHERE seq = 2",
            "DELETE FROM hours_ledger WHERE seq = 2",
        ] {
            assert!(try_tamper(&db.url, sql).await.is_err(), "{backend}: {sql}");
        }
        // Someone who can drop the guard doubles the hours, and recomputes
        // the entry's MAC as well as they can without the key.
        drop_ledger_guard(&db.url).await;
        tamper(
            &db.url,
            "UPDATE hours_ledger SET minutes = 240, effective_delta = 240 WHERE seq = 2",
        )
        .await;
        let store = open_store(&db).await;
        let broken = store.verify_ledger().await.unwrap().broken;
        assert!(!broken.is_empty(), "{backend}");
        assert!(broken.iter().any(|b| b.problem.contains("edited")), "{broken:?}");
        store.close().await;

        // Editing the record alone is found as well.
        tamper(
            &db.url,
            "UPDATE hours_ledger SET minutes = 120, effective_delta = 120 WHERE seq = 2",
        )
        .await;
        let store = open_store(&db).await;
        assert!(
            store.verify_ledger().await.unwrap().broken.is_empty(),
            "{backend}: restored"
        );
        store.close().await;
        for sql in [
            "UPDATE service_records SET minutes = 600",
            "UPDATE service_records SET minutes = 120, service_day = '2026-01-01'",
        ] {
            tamper(&db.url, sql).await;
            let store = open_store(&db).await;
            let broken = store.verify_ledger().await.unwrap().broken;
            assert!(
                broken.iter().any(|b| b.problem.contains("record")),
                "{backend}: {sql}: {broken:?}"
            );
            assert!(
                !store.volunteer_ledger(volunteers[0]).await.unwrap().intact,
                "{backend}"
            );
            store.close().await;
        }
    }
}

#[tokio::test]
async fn certificates_keep_what_they_state() {
    for (backend, store, _db) in stores().await {
        let (org, volunteers) = org_and_volunteers(&store, 1).await;
        let start = NOW + HOUR;
        let activity = create(&store, org, activity_input(start, 3, 5)).await;
        store.sign_up(activity.id, volunteers[0], NOW).await.unwrap();
        for (kind, at) in [(AttendanceKind::In, start), (AttendanceKind::Out, start + 2 * HOUR)] {
            store
                .record_attendance(&claim(&activity, volunteers[0], kind, at, None), &activity)
                .await
                .unwrap();
        }
        assert!(
            store.certifiable_records(volunteers[0]).await.unwrap().is_empty(),
            "{backend}: pending"
        );
        let record = store.hours_of_volunteer(volunteers[0], 10).await.unwrap().records[0].id;
        confirm(&store, record).await.unwrap();
        let certifiable = store.certifiable_records(volunteers[0]).await.unwrap();
        assert_eq!(certifiable.len(), 1, "{backend}");
        assert!(certifiable[0].organization_verified, "{backend}");
        let records: Vec<_> = certifiable.into_iter().map(|c| c.record).collect();
        assert_eq!((records[0].record_id, records[0].minutes), (record, 120));
        assert_eq!(records[0].organization_id, org);
        assert_eq!(records[0].content, "关爱留守老人", "{backend}: the category's name");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let snapshot = Snapshot {
            number: compose_number("360111", day, 77),
            issued_on: day,
            holder: CertifiedHolder {
                volunteer_id: volunteers[0],
                name: "甲".into(),
                id_type: "居民身份证".into(),
                masked_id: "3601**********0011".into(),
                volunteer_no: "V360111261100000X".into(),
            },
            coverage: Coverage::default(),
            records,
            issuer: CertifiedIssuer {
                name: "中心".into(),
                person_in_charge: "—".into(),
                handling_officer: "网上自助出具".into(),
                contact: "—".into(),
            },
        };
        store.insert_certificate(&snapshot, 1, NOW).await.unwrap();
        let taken = store.insert_certificate(&snapshot, 1, NOW).await.unwrap_err();
        assert!(
            matches!(
                taken,
                StoreError::Conflict {
                    code: "certificate_number_taken",
                    ..
                }
            ),
            "{backend}: {taken:?}"
        );
        assert_eq!(
            store.certificate(&snapshot.number).await.unwrap(),
            Some(snapshot.clone())
        );
        assert_eq!(store.certificate("ZY000").await.unwrap(), None);
        let listed = store.certificates_of_volunteer(volunteers[0]).await.unwrap();
        assert_eq!(listed.len(), 1, "{backend}");
        assert_eq!((listed[0].credit_minutes, listed[0].honor_minutes), (120, 0));
    }
}

/// An entry's fields of the first ledger format: volunteer, sequence, record,
/// event, state, hour kind, minutes, delta, time, actor, reason.
type OldEntryRow = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    Option<i64>,
    String,
);

#[tokio::test]
async fn chains_of_the_first_ledger_format_move_onto_the_keyed_one() {
    use zhiyuan_domain::ledger::{EntryFields, GENESIS, v1_entry_hash};
    for (backend, store, db) in stores().await {
        let (org, volunteers) = org_and_volunteers(&store, 1).await;
        let start = NOW + HOUR;
        let activity = create(&store, org, activity_input(start, 3, 5)).await;
        store.sign_up(activity.id, volunteers[0], NOW).await.unwrap();
        for (kind, at) in [(AttendanceKind::In, start), (AttendanceKind::Out, start + 2 * HOUR)] {
            store
                .record_attendance(&claim(&activity, volunteers[0], kind, at, None), &activity)
                .await
                .unwrap();
        }
        let record = store.hours_of_volunteer(volunteers[0], 10).await.unwrap().records[0].id;
        confirm(&store, record).await.unwrap();
        store.close().await;
        // Turn the chain back into the first format: unkeyed SHA-256 entries
        // in ledger_entries, the head's hash to match.
        let rows: Vec<OldEntryRow> = query_all(
            &db.url,
            "SELECT volunteer_id, seq, record_id, event, state, hour_kind, minutes, effective_delta, at, actor_user, reason \
             FROM hours_ledger ORDER BY seq",
        )
        .await;
        assert_eq!(rows.len(), 2, "{backend}");
        drop_ledger_guard(&db.url).await;
        tamper(&db.url, "DELETE FROM hours_ledger").await;
        let mut previous = GENESIS;
        for r in &rows {
            let fields = EntryFields {
                volunteer_id: r.0,
                seq: r.1,
                record_id: r.2,
                activity_id: 0,
                service_day: "",
                from_ms: 0,
                to_ms: 0,
                event: &r.3,
                state: &r.4,
                hour_kind: &r.5,
                minutes: r.6,
                effective_delta: r.7,
                at_ms: r.8,
                actor_user_id: r.9,
                reason: &r.10,
            };
            let hash = v1_entry_hash(&previous, &fields);
            let sql = format!(
                "INSERT INTO ledger_entries (volunteer_id, seq, record_id, event, state, hour_kind, minutes, effective_delta, \
                 at, actor_user, reason, prev_hash, hash) VALUES ({}, {}, {}, '{}', '{}', '{}', {}, {}, {}, {}, '{}', {}, {})",
                r.0,
                r.1,
                r.2,
                r.3,
                r.4,
                r.5,
                r.6,
                r.7,
                r.8,
                r.9.map_or("NULL".to_string(), |a| a.to_string()),
                r.10,
                blob(&db.url, &previous),
                blob(&db.url, &hash)
            );
            tamper_owned(&db.url, sql).await;
            previous = hash;
        }
        tamper_owned(
            &db.url,
            format!("UPDATE volunteer_totals SET ledger_hash = {}", blob(&db.url, &previous)),
        )
        .await;
        // Opening the store moves the chain, keyed, and it holds.
        let store = open_store(&db).await;
        let report = store.verify_ledger().await.unwrap();
        assert!(report.broken.is_empty(), "{backend}: {:?}", report.broken);
        assert_eq!(report.entries, 2, "{backend}");
        let left: Vec<(i64,)> = query_all(&db.url, "SELECT COUNT(*) FROM ledger_entries").await;
        assert_eq!(left, vec![(0,)], "{backend}");
        store.close().await;
    }
}

#[tokio::test]
async fn projects_and_categories() {
    for (backend, store, _db) in stores().await {
        let categories = store.categories().await.unwrap();
        assert_eq!(categories.len(), 12, "{backend}");
        assert!(
            categories
                .iter()
                .any(|c| c.code == "emergency_rescue" && c.label_zh == "应急救援")
        );
        let (org, _) = org_and_volunteers(&store, 0).await;
        let project = store
            .create_project(
                &zhiyuan_store::activities::NewProject {
                    organization_id: org,
                    title: "助老送餐".into(),
                    description: "每周为独居老人送餐".into(),
                    kind: zhiyuan_domain::activity::ProjectKind::Routine,
                    category: "left_behind_elderly".into(),
                    area_code: "360111".into(),
                    on_menu: true,
                },
                1,
                NOW,
            )
            .await
            .unwrap();
        // A county-wide project serves its villages; not the next county.
        let village = store
            .projects("36/3601/360111/360111001/360111001001", None, None, 50)
            .await
            .unwrap();
        assert_eq!(village.items.len(), 1, "{backend}");
        assert!(
            store
                .projects("36/3601/360102", None, None, 50)
                .await
                .unwrap()
                .items
                .is_empty()
        );
        // From the top of the tree (no ancestors) the subtree still counts.
        let province = store.projects("36", None, None, 50).await.unwrap();
        assert_eq!(province.items.len(), 1, "{backend}");
        let marked = store.mark_demonstration(project.id, 1, NOW).await.unwrap();
        assert!(marked.demonstration_at.is_some());
    }
}

#[tokio::test]
async fn sign_outs_of_a_batch_are_closed_together_as_one_by_one() {
    let fast = sign_outs_in_one_batch(false).await;
    let guarded = sign_outs_in_one_batch(true).await;
    assert_eq!(fast, guarded);
}

/// What a batch of sign-outs left, per backend: each claim's code and record
/// (volunteer, activity, open, from, to, minutes, note, flags).
type ClosedRows = Vec<(
    String,
    Vec<(&'static str, Option<(i64, i64, bool, i64, i64, i64, String, String)>)>,
)>;

async fn sign_outs_in_one_batch(guarded: bool) -> ClosedRows {
    let mut seen = Vec::new();
    for (backend, store, _db) in stores().await {
        let label = format!("{backend}, guarded {guarded}");
        let (org, v) = org_and_volunteers(&store, 6).await;
        let start = NOW + HOUR;
        let first = create(&store, org, activity_input(start, 3, 10)).await;
        let second = create(&store, org, activity_input(start, 3, 10)).await;
        for volunteer in &v {
            store.sign_up(first.id, *volunteer, NOW).await.unwrap();
        }
        // At the same time as the first (a clash sign-up refuses; records can still overlap).
        zhiyuan_store::fixtures::approved_signups(&store, &second, &v, NOW)
            .await
            .unwrap();
        let on =
            |activity: &Activity, volunteer: i64, kind: AttendanceKind, when: i64, step: i64, device: Option<&str>| {
                let mut write = claim(activity, volunteer, kind, when, Some(step));
                write.device_id = device.map(str::to_string);
                write
            };
        let before = [
            on(&second, v[0], AttendanceKind::In, start, 1, None),
            on(&second, v[0], AttendanceKind::Out, start + 2 * HOUR, 1, None),
            on(&first, v[0], AttendanceKind::In, start + HOUR / 2, 1, None),
            on(&first, v[1], AttendanceKind::In, start, 1, None),
            on(&second, v[1], AttendanceKind::In, start, 1, None),
            on(&first, v[2], AttendanceKind::In, start, 1, Some("phone-9")),
            on(&first, v[3], AttendanceKind::In, start, 1, Some("phone-9")),
            on(&first, v[4], AttendanceKind::In, start, 1, None),
        ];
        for write in &before {
            let activity = if write.activity_id == first.id { &first } else { &second };
            store.record_attendance(write, activity).await.unwrap();
        }
        let batch = vec![
            // Trimmed by the volunteer's closed record of the other activity.
            (
                on(&first, v[0], AttendanceKind::Out, start + 3 * HOUR, 2, None),
                first.clone(),
            ),
            // Two sign-outs of one volunteer: the second is fitted against the first.
            (
                on(&first, v[1], AttendanceKind::Out, start + 2 * HOUR, 2, None),
                first.clone(),
            ),
            (
                on(&second, v[1], AttendanceKind::Out, start + 2 * HOUR, 2, None),
                second.clone(),
            ),
            (
                on(&first, v[5], AttendanceKind::Out, start + HOUR, 2, None),
                first.clone(),
            ),
            (
                on(&first, v[3], AttendanceKind::Out, start + HOUR, 2, Some("phone-9")),
                first.clone(),
            ),
            (
                on(&first, v[4], AttendanceKind::Out, start + HOUR, 2, None),
                first.clone(),
            ),
            (
                on(&first, v[4], AttendanceKind::Out, start + HOUR, 2, None),
                first.clone(),
            ),
            (
                on(&first, v[2], AttendanceKind::Out, start + 3 * HOUR / 2, 2, None),
                first.clone(),
            ),
        ];
        let outcomes = attendance_batch(&store, batch, guarded).await.unwrap();
        let codes: Vec<&str> = outcomes.iter().map(outcome_code).collect();
        assert_eq!(
            codes,
            ["ok", "ok", "ok", "not_checked_in", "ok", "ok", "token_replayed", "ok"],
            "{label}"
        );
        let minutes: Vec<i64> = outcomes.iter().flatten().map(|r| r.minutes).collect();
        assert_eq!(minutes, [60, 120, 0, 60, 60, 90], "{label}");
        assert_eq!(outcomes[4].as_ref().unwrap().flags, "shared_device", "{label}");
        // The answers are what is stored.
        for record in outcomes.iter().flatten() {
            assert_eq!(&store.require_record(record.id).await.unwrap(), record, "{label}");
        }
        assert_eq!(
            zhiyuan_store::fixtures::attendance_rows(&store).await.unwrap(),
            14,
            "{label}"
        );
        let report = store.verify_ledger().await.unwrap();
        assert!(report.broken.is_empty(), "{label}: {:?}", report.broken);
        assert_eq!(report.entries, 7, "{label}");
        let rows = outcomes
            .iter()
            .map(|o| {
                (
                    outcome_code(o),
                    o.as_ref().ok().map(|r| {
                        (
                            v.iter().position(|x| *x == r.volunteer_id).unwrap() as i64,
                            i64::from(r.activity_id == first.id),
                            r.is_open,
                            r.from_at,
                            r.to_at,
                            r.minutes,
                            r.note.clone(),
                            r.flags.clone(),
                        )
                    }),
                )
            })
            .collect();
        seen.push((backend.to_string(), rows));
    }
    seen
}

#[tokio::test]
async fn hours_entered_by_hand_count_after_a_region_administrators_approval() {
    const COLLEAGUE: i64 = 1_000_001;
    const REGION_ADMIN: i64 = 1_000_002;
    for (backend, store, _db) in stores().await {
        let (org, volunteers) = org_and_volunteers(&store, 1).await;
        let start = NOW + HOUR;
        let activity = create(&store, org, activity_input(start, 3, 5)).await;
        store.sign_up(activity.id, volunteers[0], NOW).await.unwrap();
        let entry = HandEntry {
            activity_id: activity.id,
            volunteer_id: volunteers[0],
            slots: vec![Interval::new(at(start), at(start + 2 * HOUR))],
            reason: "现场签到表".into(),
            exception: None,
            evidence: b"%PDF-1.4 evidence".to_vec(),
            evidence_type: EvidenceType::Pdf,
        };
        let record = store.enter_hours(&entry, &activity, ORGANIZER, NOW).await.unwrap()[0].id;
        let by = |user, region_admin| Confirmer {
            user,
            organizer: true,
            region_admin,
        };
        let decide = |confirmer: Confirmer| {
            move |facts: &zhiyuan_domain::confirmation::RecordFacts| {
                decide_confirmation(facts, confirmer, DEFAULT_SECOND_APPROVAL_HOURS)
            }
        };
        // The one who entered them cannot approve them.
        let refused = store
            .confirm_record(record, Some(ORGANIZER), NOW, decide(by(ORGANIZER, false)))
            .await;
        assert_eq!(rule_code(refused), "self_entry", "{backend}");
        // A colleague's approval is the organization's: the hours still wait.
        let (first, step) = store
            .confirm_record(record, Some(COLLEAGUE), NOW, decide(by(COLLEAGUE, false)))
            .await
            .unwrap();
        assert_eq!(step, Confirmation::FirstApproval, "{backend}");
        assert_eq!(
            (first.state.as_str(), first.first_approved_by),
            ("pending", Some(COLLEAGUE))
        );
        assert_eq!(
            store.hours_of_volunteer(volunteers[0], 10).await.unwrap().honor_minutes,
            0
        );
        // Automatic confirmation never takes honor hours.
        assert_eq!(
            store.auto_confirm_records(4, NOW + 40 * 24 * HOUR).await.unwrap(),
            0,
            "{backend}"
        );
        let waiting = store.records_for_second_approval("36/3601/360111", 50).await.unwrap();
        assert_eq!(
            waiting.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![record],
            "{backend}"
        );
        let (effective, step) = store
            .confirm_record(record, Some(REGION_ADMIN), NOW, decide(by(REGION_ADMIN, true)))
            .await
            .unwrap();
        assert_eq!((step, effective.state.as_str()), (Confirmation::Effective, "effective"));
        assert_eq!(
            store.hours_of_volunteer(volunteers[0], 10).await.unwrap().honor_minutes,
            120,
            "{backend}"
        );
        assert!(
            store
                .records_for_second_approval("36/3601/360111", 50)
                .await
                .unwrap()
                .is_empty()
        );
        let report = store.verify_ledger().await.unwrap();
        assert!(report.broken.is_empty(), "{backend}: {:?}", report.broken);
    }
}

#[tokio::test]
async fn records_of_an_unverified_organization_never_count() {
    for (backend, store, db) in stores().await {
        let (_, volunteers) = org_and_volunteers(&store, 1).await;
        let new = NewOrganization {
            name: "未认证的队伍".into(),
            kind: OrgKind::CommunityTeam,
            region_code: "360111".into(),
            uscc: None,
            parent_id: None,
            join_mode: JoinMode::Open,
        };
        let unverified = store.create_organization(&new, None, NOW).await.unwrap();
        let start = NOW + HOUR;
        // Published while the organization was verified...
        store
            .verify_organization(unverified.id, 1, NOW - 30 * HOUR)
            .await
            .unwrap();
        let activity = create(&store, unverified.id, activity_input(start, 3, 5)).await;
        // ... which it no longer is (someone with database access, or a
        // verification withdrawn): its records count nowhere.
        tamper(
            &db.url,
            "UPDATE organizations SET verified_at = NULL WHERE name = '未认证的队伍'",
        )
        .await;
        store.sign_up(activity.id, volunteers[0], NOW).await.unwrap();
        for (kind, when) in [(AttendanceKind::In, start), (AttendanceKind::Out, start + 2 * HOUR)] {
            store
                .record_attendance(&claim(&activity, volunteers[0], kind, when, None), &activity)
                .await
                .unwrap();
        }
        let record = store.hours_of_volunteer(volunteers[0], 10).await.unwrap().records[0].id;
        assert_eq!(
            rule_code(confirm(&store, record).await),
            "organization_unverified",
            "{backend}"
        );
        assert_eq!(
            store.auto_confirm_records(4, NOW + 40 * 24 * HOUR).await.unwrap(),
            0,
            "{backend}"
        );
        // Once verified, the same record confirms itself when its days have passed.
        store.verify_organization(unverified.id, 1, NOW).await.unwrap();
        assert_eq!(
            store.auto_confirm_records(4, NOW + 40 * 24 * HOUR).await.unwrap(),
            1,
            "{backend}"
        );
        assert_eq!(store.require_record(record).await.unwrap().state, "effective");
    }
}

#[tokio::test]
async fn one_code_step_serves_at_most_twenty_offline_and_they_wait_for_review() {
    for guarded in [false, true] {
        for (backend, store, _db) in stores().await {
            let backend = format!("{backend}, guarded {guarded}");
            let (org, volunteers) = org_and_volunteers(&store, 22).await;
            let start = NOW + HOUR;
            let activity = create(&store, org, activity_input(start, 3, 30)).await;
            for volunteer in &volunteers {
                store.sign_up(activity.id, *volunteer, NOW).await.unwrap();
            }
            // A photo of one code, sent around and used offline by everyone.
            let offline = |volunteer: i64| {
                let mut write = claim(&activity, volunteer, AttendanceKind::In, start + 60_000, Some(7));
                write.received_at = start + 3 * 60 * 60_000;
                write.accepted.offline = true;
                write.accepted.flags = vec![zhiyuan_domain::attendance::OFFLINE];
                (write, activity.clone())
            };
            let batch: Vec<_> = volunteers[..21].iter().map(|v| offline(*v)).collect();
            let outcomes = attendance_batch(&store, batch, guarded).await.unwrap();
            let codes: Vec<&str> = outcomes.iter().map(outcome_code).collect();
            assert_eq!(codes[..20], ["ok"; 20], "{backend}");
            assert_eq!(codes[20], "offline_limit_reached", "{backend}");
            // In a later batch too; a live claim with that step is not counted.
            let later = attendance_batch(&store, vec![offline(volunteers[21])], guarded)
                .await
                .unwrap();
            assert_eq!(outcome_code(&later[0]), "offline_limit_reached", "{backend}");
            let live = claim(&activity, volunteers[21], AttendanceKind::In, start + 60_000, Some(7));
            let live = attendance_batch(&store, vec![(live, activity.clone())], guarded)
                .await
                .unwrap();
            assert_eq!(outcome_code(&live[0]), "ok", "{backend}");
            // Offline records are flagged, closed or not, and never confirm themselves.
            let out = claim(
                &activity,
                volunteers[0],
                AttendanceKind::Out,
                start + 2 * HOUR,
                Some(300),
            );
            let closed = store.record_attendance(&out, &activity).await.unwrap();
            assert_eq!((closed.flags.as_str(), closed.flagged), ("offline", true), "{backend}");
            assert_eq!(
                store.auto_confirm_records(4, NOW + 40 * 24 * HOUR).await.unwrap(),
                0,
                "{backend}"
            );
        }
    }
}

#[tokio::test]
async fn hours_served_through_an_order_count_for_its_loop() {
    use super::orders::{place, step};
    use zhiyuan_domain::loop_figures::FiguresScope;
    use zhiyuan_domain::order::{OrderAction, Party};
    use zhiyuan_store::orders::StepDetails;
    for (backend, store, _db) in stores().await {
        store.ensure_sites().await.unwrap();
        let (org, volunteers) = org_and_volunteers(&store, 1).await;
        let alice = volunteers[0];
        let start = NOW + HOUR;
        let activity = create(&store, org, activity_input(start, 3, 5)).await;
        // An order of the station, dispatched to the organization, which
        // serves it through this activity.
        let station = store.site_of_region("360111001001").await.unwrap().unwrap();
        let resident = store.create_user("13800001111", "王奶奶", None, NOW).await.unwrap();
        let mut order = place(&store, station.id, resident, NOW).await;
        for (action, party, details) in [
            (
                OrderAction::Dispatch,
                Party::Dispatcher,
                StepDetails {
                    dispatch_to: Some(org),
                    ..StepDetails::default()
                },
            ),
            (
                OrderAction::Accept,
                Party::AssignedOrganization,
                StepDetails {
                    link_activity: Some(activity.id),
                    ..StepDetails::default()
                },
            ),
        ] {
            order = step(&store, &order, action, party, details, NOW).await.unwrap();
        }
        assert_eq!(order.activity_id, Some(activity.id));
        // Two hours served and confirmed count as delivered through the order.
        store.sign_up(activity.id, alice, NOW).await.unwrap();
        store
            .record_attendance(&claim(&activity, alice, AttendanceKind::In, start, None), &activity)
            .await
            .unwrap();
        let record = store
            .record_attendance(
                &claim(&activity, alice, AttendanceKind::Out, start + 2 * HOUR, None),
                &activity,
            )
            .await
            .unwrap();
        confirm(&store, record.id).await.unwrap();
        let delivered = |scope: FiguresScope, key: String| {
            let store = store.clone();
            async move { store.loop_figures(scope, &key, "").await.unwrap().totals.served_minutes }
        };
        assert_eq!(
            delivered(FiguresScope::Organization, org.to_string()).await,
            120,
            "{backend}"
        );
        assert_eq!(delivered(FiguresScope::Site, station.id.to_string()).await, 120);
        assert_eq!(delivered(FiguresScope::Region, "360111001001".to_string()).await, 120);
        // A revoked record takes them back.
        store
            .change_record(record.id, RecordState::Revoked, "重复记录", ORGANIZER, NOW)
            .await
            .unwrap();
        assert_eq!(
            delivered(FiguresScope::Organization, org.to_string()).await,
            0,
            "{backend}"
        );
    }
}

/// Acceptances sent at once each create their own delivery activity (the
/// order writer inserts them together), linked from their order, audited,
/// and published like any activity of the organization.
#[tokio::test]
async fn acceptances_at_once_each_get_their_delivery_activity() {
    use super::orders::{orders_of_residents, step};
    use zhiyuan_domain::order::{OrderAction, Party};
    use zhiyuan_store::activities::NewActivity;
    use zhiyuan_store::orders::StepDetails;
    for (backend, store, _db) in stores().await {
        store.ensure_sites().await.unwrap();
        let (org, _) = org_and_volunteers(&store, 0).await;
        let admin = store.create_user("13810099999", "服务队队长", None, NOW).await.unwrap();
        let station = store.site_of_region("360111001001").await.unwrap().unwrap();
        let mut dispatched = Vec::new();
        for order in orders_of_residents(&store, station.id, 12, "138100").await {
            let details = StepDetails {
                dispatch_to: Some(org),
                ..StepDetails::default()
            };
            dispatched.push(
                step(&store, &order, OrderAction::Dispatch, Party::Dispatcher, details, NOW)
                    .await
                    .unwrap(),
            );
        }
        let handles: Vec<_> = dispatched
            .iter()
            .enumerate()
            .map(|(n, order)| {
                let mut input = activity_input(NOW + HOUR, 2, 3);
                input.title = format!("上门服务{n}");
                let details = StepDetails {
                    new_activity: Some(NewActivity {
                        organization_id: org,
                        project_id: None,
                        region_code: order.region_code.clone(),
                        plan: plan(input).unwrap(),
                        draft: false,
                    }),
                    actor: Some(admin),
                    ..StepDetails::default()
                };
                let (store, order) = (store.clone(), order.clone());
                tokio::spawn(async move {
                    step(
                        &store,
                        &order,
                        OrderAction::Accept,
                        Party::AssignedOrganization,
                        details,
                        NOW,
                    )
                    .await
                })
            })
            .collect();
        let mut activities = std::collections::HashSet::new();
        for (n, handle) in handles.into_iter().enumerate() {
            let accepted = handle.await.unwrap().unwrap();
            let activity_id = accepted.activity_id.expect("linked");
            assert!(activities.insert(activity_id), "{backend}: one activity each");
            let activity = store.require_activity(activity_id).await.unwrap();
            assert_eq!(activity.title, format!("上门服务{n}"), "{backend}");
            assert_eq!((activity.organization_id, activity.state.as_str()), (org, "published"));
            assert_eq!(store.order_of_activity(activity_id).await.unwrap(), Some(accepted.id));
        }
    }
}
