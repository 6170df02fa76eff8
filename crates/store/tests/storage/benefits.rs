//! Points and benefits on every backend: points follow a record through
//! confirmation, a change of rate and revocation; redemptions keep stock,
//! limits and balances whatever arrives at once; a code is checked once;
//! grants of demonstration funding never pass a call's budget, and award
//! reviewers never pass on more than their quota.

use super::statistics::served_record;
use super::*;
use zhiyuan_domain::benefit::{OfferDraft, check_offer};
use zhiyuan_domain::hours::StarTable;
use zhiyuan_domain::record::RecordState;
use zhiyuan_store::benefits::Benefit;

fn rule_code<T: std::fmt::Debug>(result: Result<T, StoreError>) -> &'static str {
    match result {
        Err(StoreError::Rule(rule)) => rule.code,
        other => panic!("expected a rule refusal, got {other:?}"),
    }
}

async fn offer(store: &Store, region: &str, path: &str, stock: i64, cost: i64, per_volunteer: i64) -> Benefit {
    let draft = OfferDraft {
        title: "滕王阁免费游览",
        provider: "滕王阁景区",
        description: "",
        stock,
        points_cost: cost,
        min_star: 0,
        valid_from: today(),
        valid_to: today(),
        per_volunteer,
    };
    let offer = check_offer(&draft, today()).unwrap();
    store.offer_benefit(&offer, region, path, 1, NOW).await.unwrap()
}

async fn host(store: &Store) -> i64 {
    let host = NewOrganization {
        name: "积分测试志愿者协会".into(),
        kind: OrgKind::SocialOrganization,
        region_code: "360111".into(),
        uscc: None,
        parent_id: None,
        join_mode: JoinMode::Open,
    };
    let host = store.create_organization(&host, None, NOW).await.unwrap();
    store.verify_organization(host.id, 1, NOW).await.unwrap();
    host.id
}

async fn balance(store: &Store, volunteer: i64) -> i64 {
    store.points_of(volunteer, None, 50).await.unwrap().balance
}

#[tokio::test]
async fn points_follow_records_and_pay_for_redemptions() {
    for (backend, store, _db) in stores().await {
        let host = host(&store).await;
        let registration = register(
            &person("积分", "360111001001", (1990, 3, 1), 501, "13900000501"),
            today(),
        )
        .unwrap();
        let volunteer = store
            .register_volunteer(&registration, None, NOW - 30 * 86_400_000)
            .await
            .unwrap()
            .id;
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        // 90 minutes at 10 points an hour: 15.
        let first = served_record(&store, host, volunteer, "360111001001", day, NOW).await;
        assert_eq!(balance(&store, volunteer).await, 15, "{backend}");
        // At 20 an hour the next 90 minutes earn 30.
        store.set_setting("points_per_hour", "20").await.unwrap();
        let second = served_record(&store, host, volunteer, "360111001001", day.succ_opt().unwrap(), NOW).await;
        assert_eq!(balance(&store, volunteer).await, 45, "{backend}");
        // Revoking the first takes back what it earned (15), not today's 30.
        store
            .change_record(first.id, RecordState::Revoked, "重复登记", 1, NOW)
            .await
            .unwrap();
        let account = store.points_of(volunteer, None, 50).await.unwrap();
        assert_eq!(account.balance, 30, "{backend}");
        let entries: Vec<(i64, &str, i64, Option<i64>)> = account
            .entries
            .items
            .iter()
            .map(|e| (e.delta, e.reason.as_str(), e.balance, e.record_id))
            .collect();
        assert_eq!(
            entries,
            [
                (-15, "record_withdrawn", 30, Some(first.id)),
                (30, "served", 45, Some(second.id)),
                (15, "served", 15, Some(first.id)),
            ],
            "{backend}"
        );
        // Paged newest first.
        let page = store.points_of(volunteer, None, 2).await.unwrap().entries;
        let rest = store
            .points_of(volunteer, page.next_cursor.as_deref(), 2)
            .await
            .unwrap();
        assert_eq!(rest.entries.items.len(), 1, "{backend}");
        assert_eq!(rest.entries.items[0].delta, 15, "{backend}");

        let stars = StarTable::default();
        let dear = offer(&store, "36", "36", 10, 40, 1).await;
        assert_eq!(
            rule_code(store.redeem_benefit(dear.id, volunteer, &stars, today(), NOW).await),
            "points_insufficient",
            "{backend}"
        );
        let cheap = offer(&store, "360111", "36/3601/360111", 10, 20, 1).await;
        let redemption = store
            .redeem_benefit(cheap.id, volunteer, &stars, today(), NOW)
            .await
            .unwrap();
        assert_eq!(redemption.points, 20, "{backend}");
        assert_eq!(balance(&store, volunteer).await, 10, "{backend}");
        assert_eq!(
            rule_code(store.redeem_benefit(cheap.id, volunteer, &stars, today(), NOW).await),
            "limit_reached",
            "{backend}"
        );
        assert_eq!(
            store.benefit(cheap.id).await.unwrap().unwrap().stock_left,
            9,
            "{backend}"
        );
        // Points spent stay spent: revoking the second record leaves a debt,
        // which pays for nothing but free benefits.
        store
            .change_record(second.id, RecordState::Revoked, "未到岗", 1, NOW)
            .await
            .unwrap();
        assert_eq!(balance(&store, volunteer).await, -20, "{backend}");
        let five = offer(&store, "36", "36", 10, 5, 1).await;
        assert_eq!(
            rule_code(store.redeem_benefit(five.id, volunteer, &stars, today(), NOW).await),
            "points_insufficient",
            "{backend}"
        );
        let free = offer(&store, "36", "36", 10, 0, 1).await;
        store
            .redeem_benefit(free.id, volunteer, &stars, today(), NOW)
            .await
            .unwrap();
        assert_eq!(balance(&store, volunteer).await, -20, "{backend}");
        // A benefit of another county is not theirs.
        let elsewhere = offer(&store, "360102", "36/3601/360102", 10, 0, 1).await;
        assert_eq!(
            rule_code(
                store
                    .redeem_benefit(elsewhere.id, volunteer, &stars, today(), NOW)
                    .await
            ),
            "benefit_outside_region",
            "{backend}"
        );
        let tomorrow = today().succ_opt().unwrap();
        assert_eq!(
            rule_code(store.redeem_benefit(free.id, volunteer, &stars, tomorrow, NOW).await),
            "benefit_expired",
            "{backend}"
        );

        // A code is checked once.
        let checked = store.check_redemption(&redemption.code, 1, NOW + 1).await.unwrap();
        assert_eq!(checked.checked_at, Some(NOW + 1), "{backend}");
        match store.check_redemption(&redemption.code, 1, NOW + 2).await {
            Err(StoreError::Rule(rule)) => assert_eq!(rule.code, "already_used", "{backend}"),
            other => panic!("{backend}: a second check went through: {other:?}"),
        }
        assert!(matches!(
            store.check_redemption("0000000000", 1, NOW).await,
            Err(StoreError::NotFound(_))
        ));
        let mine = store.redemptions_of_volunteer(volunteer, 10).await.unwrap();
        assert_eq!(mine.len(), 2, "{backend}");
        // A provider is found by its name within a region.
        assert_eq!(free.provider_id, dear.provider_id, "{backend}");
        assert_ne!(cheap.provider_id, dear.provider_id, "{backend}");
        for provider in [cheap.provider_id, free.provider_id] {
            let of_provider = store.redemptions_of_provider(provider, None, 10).await.unwrap();
            assert_eq!(of_provider.items.len(), 1, "{backend}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_volunteers_at_once_get_exactly_the_stock() {
    for (backend, store, _db) in stores().await {
        zhiyuan_store::fixtures::insert_generated_volunteers(&store, 200, 50, &["360102001", "360111001200"], NOW)
            .await
            .unwrap();
        let benefit = offer(&store, "36", "36", 50, 0, 1).await;
        let mut tasks = Vec::new();
        for volunteer in 1..=200 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .redeem_benefit(benefit.id, volunteer, &StarTable::default(), today(), NOW)
                    .await
            }));
        }
        let mut codes = std::collections::HashSet::new();
        let mut sold_out = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(redemption) => assert!(codes.insert(redemption.code), "{backend}: a code given twice"),
                Err(StoreError::Rule(rule)) if rule.code == "out_of_stock" => sold_out += 1,
                Err(other) => panic!("{backend}: {other:?}"),
            }
        }
        assert_eq!(codes.len(), 50, "{backend}");
        assert_eq!(sold_out, 150, "{backend}");
        assert_eq!(
            store.benefit(benefit.id).await.unwrap().unwrap().stock_left,
            0,
            "{backend}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_volunteer_at_once_never_spends_points_they_lack() {
    for (backend, store, _db) in stores().await {
        let host = host(&store).await;
        let registration = register(
            &person("抢兑", "360111001001", (1991, 4, 2), 502, "13900000502"),
            today(),
        )
        .unwrap();
        let volunteer = store
            .register_volunteer(&registration, None, NOW - 30 * 86_400_000)
            .await
            .unwrap()
            .id;
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        for n in 0..4 {
            served_record(
                &store,
                host,
                volunteer,
                "360111001001",
                day + chrono::Duration::days(n),
                NOW,
            )
            .await;
        }
        assert_eq!(balance(&store, volunteer).await, 60, "{backend}");
        // Stock and limit allow twenty; the points pay for three.
        let benefit = offer(&store, "36", "36", 20, 20, 20).await;
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .redeem_benefit(benefit.id, volunteer, &StarTable::default(), today(), NOW)
                    .await
            }));
        }
        let mut redeemed = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => redeemed += 1,
                Err(StoreError::Rule(rule)) => assert_eq!(rule.code, "points_insufficient", "{backend}"),
                Err(other) => panic!("{backend}: {other:?}"),
            }
        }
        assert_eq!(redeemed, 3, "{backend}");
        assert_eq!(balance(&store, volunteer).await, 0, "{backend}");
        assert_eq!(
            store.benefit(benefit.id).await.unwrap().unwrap().stock_left,
            17,
            "{backend}"
        );
        let account = store.points_of(volunteer, None, 50).await.unwrap();
        assert!(account.entries.items.iter().all(|e| e.balance >= 0), "{backend}");
    }
}

/// A verified organization's project applying for `amount` yuan to `call`.
async fn applied(store: &Store, host: i64, call: i64, title: &str, amount: i64) -> i64 {
    let project = store
        .create_project(
            &zhiyuan_store::activities::NewProject {
                organization_id: host,
                title: title.into(),
                description: "示范项目".into(),
                kind: zhiyuan_domain::activity::ProjectKind::Routine,
                category: "left_behind_elderly".into(),
                area_code: "360111".into(),
                on_menu: false,
            },
            1,
            NOW,
        )
        .await
        .unwrap();
    let application = zhiyuan_store::funding::NewApplication {
        call_id: call,
        project_id: project.id,
        organization_id: host,
        organization_region_path: "36/3601/360111",
        organization_verified: true,
        amount_yuan: amount,
        plan: "为留守老人提供助餐服务",
    };
    store.apply_for_funding(&application, today(), 1, NOW).await.unwrap().id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_reviewers_granting_the_last_of_a_budget_at_once_one_wins() {
    use zhiyuan_domain::funding::{CallDraft, check_call};
    for (backend, store, _db) in stores().await {
        // Users 1 to 3: the administrator who opens the call, two reviewers.
        zhiyuan_store::fixtures::insert_generated_volunteers(&store, 3, 3, &["360111001200"], NOW)
            .await
            .unwrap();
        let host = host(&store).await;
        let draft = CallDraft {
            title: "示范项目扶持",
            mode: "purchase_of_services",
            year: 2026,
            budget_yuan: 100_000,
            max_projects: 50,
            opens_on: today(),
            closes_on: today(),
        };
        let call = check_call(&draft, today()).unwrap();
        let call = store.open_call(&call, "36", "36", 1, NOW).await.unwrap();
        let first = applied(&store, host, call.id, "助餐", 60_000).await;
        store.grant_funding(first, 60_000, 1, NOW).await.unwrap();
        // 40,000 are left; two applications ask for them at once, twice over.
        for round in 0..2 {
            let a = applied(&store, host, call.id, &format!("陪伴{round}"), 40_000).await;
            let b = applied(&store, host, call.id, &format!("助浴{round}"), 40_000).await;
            let (left, right) = tokio::join!(
                tokio::spawn({
                    let store = store.clone();
                    async move { store.grant_funding(a, 40_000, 2, NOW).await }
                }),
                tokio::spawn({
                    let store = store.clone();
                    async move { store.grant_funding(b, 40_000, 3, NOW).await }
                }),
            );
            let outcomes = [left.unwrap(), right.unwrap()];
            let won = outcomes.iter().filter(|o| o.is_ok()).count();
            let expected = if round == 0 { 1 } else { 0 };
            assert_eq!(won, expected, "{backend}: round {round}");
            for outcome in outcomes.iter().filter_map(|o| o.as_ref().err()) {
                match outcome {
                    StoreError::Rule(rule) => assert_eq!(rule.code, "grant_over_budget", "{backend}"),
                    other => panic!("{backend}: {other:?}"),
                }
            }
        }
        let call = store.funding_call(call.id).await.unwrap().unwrap();
        assert_eq!((call.granted_yuan, call.granted_projects), (100_000, 2), "{backend}");
        // The same application granted twice at once: once.
        let again = store.grant_funding(first, 1, 1, NOW).await;
        assert_eq!(rule_code(again), "already_granted", "{backend}");
        // Payments never pass the grant.
        store
            .disburse_funding(first, 50_000, today(), "首付", 1, NOW)
            .await
            .unwrap();
        assert_eq!(
            rule_code(store.disburse_funding(first, 10_001, today(), "尾款", 1, NOW).await),
            "disbursement_over_grant",
            "{backend}"
        );
        let totals = store.funding_totals("36", 2026).await.unwrap();
        assert_eq!(totals.len(), 1, "{backend}");
        assert_eq!(
            (totals[0].budget_yuan, totals[0].granted_yuan, totals[0].disbursed_yuan),
            (100_000, 100_000, 50_000),
            "{backend}"
        );
        assert!(store.funding_totals("36", 2025).await.unwrap().is_empty(), "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_county_reviewers_passing_on_at_once_keep_to_the_quota() {
    use zhiyuan_domain::award::{CampaignDraft, check_campaign};
    use zhiyuan_domain::region::RegionLevel;
    use zhiyuan_store::awards::Nominee;
    for (backend, store, _db) in stores().await {
        zhiyuan_store::fixtures::insert_generated_volunteers(&store, 3, 3, &["360111001200"], NOW)
            .await
            .unwrap();
        let draft = CampaignDraft {
            title: "优秀志愿者",
            kind: "outstanding_volunteer",
            year: 2026,
            county_quota: 1,
            city_quota: 1,
            province_quota: 1,
            nominate_until: today(),
        };
        let campaign = check_campaign(&draft, today()).unwrap();
        let campaign = store.open_campaign(&campaign, "36", "36", 1, NOW).await.unwrap();
        let mut nominated = Vec::new();
        for id in ["1", "2"] {
            let nominee = Nominee {
                id,
                name: "志愿者",
                region_path: "36/3601/360111/360111001/360111001200",
            };
            nominated.push(
                store
                    .nominate(campaign.id, &nominee, "热心", today(), 1, NOW)
                    .await
                    .unwrap()
                    .id,
            );
        }
        let (left, right) = tokio::join!(
            tokio::spawn({
                let store = store.clone();
                let id = nominated[0];
                async move { store.review_nomination(id, true, RegionLevel::County, 2, NOW).await }
            }),
            tokio::spawn({
                let store = store.clone();
                let id = nominated[1];
                async move { store.review_nomination(id, true, RegionLevel::County, 3, NOW).await }
            }),
        );
        let outcomes = [left.unwrap(), right.unwrap()];
        assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{backend}");
        for refused in outcomes.iter().filter_map(|o| o.as_ref().err()) {
            match refused {
                StoreError::Rule(rule) => assert_eq!(rule.code, "quota_reached", "{backend}"),
                other => panic!("{backend}: {other:?}"),
            }
        }
    }
}
