//! The storage suite: every test runs on SQLite, and on PostgreSQL when
//! `ZHIYUAN_TEST_PG` is set.

use chrono::NaiveDate;
use zhiyuan_domain::activation::{self, Attempt};
use zhiyuan_domain::id_number::compose;
use zhiyuan_domain::organization::{JoinMode, MembershipAction, MembershipState, OrgKind};
use zhiyuan_domain::region::check_region_row;
use zhiyuan_domain::role::Role;
use zhiyuan_domain::site::SiteLevel;
use zhiyuan_domain::uscc::Uscc;
use zhiyuan_domain::volunteer::{Category, RegistrationInput, register};
use zhiyuan_store::appeals::NewAppeal;
use zhiyuan_store::organizations::{NewOrganization, OrgImportOutcome, OrganizationQuery};
use zhiyuan_store::testing::{fresh_databases, open_store};
use zhiyuan_store::volunteers::{ImportOutcome, VolunteerQuery};
use zhiyuan_store::{Store, StoreError};

const NOW: i64 = 1_796_000_000_000; // 2026-11-29

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

const REGIONS: &[(&str, &str, &str, &str)] = &[
    ("36", "江西省", "province", ""),
    ("3601", "南昌市", "city", "36"),
    ("360102", "东湖区", "county", "3601"),
    ("360102001", "公园街道", "township", "360102"),
    ("360111", "青山湖区", "county", "3601"),
    ("360111001", "湖坊镇", "township", "360111"),
    ("360111001001", "湖坊社区居委会", "village", "360111001"),
    ("360111001200", "湖坊村委会", "village", "360111001"),
];

async fn with_regions(store: &Store) {
    let rows: Vec<_> = REGIONS
        .iter()
        .map(|(code, name, level, parent)| check_region_row(code, name, level, parent, None).unwrap())
        .collect();
    store.upsert_regions(&rows).await.unwrap();
}

fn person(name: &str, region: &str, birth: (i32, u32, u32), seq: u16, phone: &str) -> RegistrationInput {
    RegistrationInput {
        name: name.into(),
        id_number: compose(
            "360111",
            NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap(),
            seq,
        ),
        phone: phone.into(),
        region_code: region.into(),
        political_status: None,
        skills: vec![],
        guardian: None,
    }
}

async fn stores() -> Vec<(String, Store, zhiyuan_store::testing::TestDatabase)> {
    let mut out = Vec::new();
    for database in fresh_databases().await {
        let store = open_store(&database).await;
        with_regions(&store).await;
        out.push((database.backend.to_string(), store, database));
    }
    out
}

#[tokio::test]
async fn regions_paths_children_and_sites() {
    for (backend, store, _db) in stores().await {
        let county = store.region("360111").await.unwrap().unwrap();
        assert_eq!(county.path, "36/3601/360111", "{backend}");
        let children = store.region_children("3601").await.unwrap();
        assert_eq!(
            children.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
            ["360102", "360111"]
        );
        // loading again changes nothing; a population is an update
        let again = store
            .upsert_regions(&[check_region_row("360111", "青山湖区", "county", "3601", Some("600000")).unwrap()])
            .await
            .unwrap();
        assert_eq!((again.inserted, again.updated), (0, 1), "{backend}");
        assert_eq!(store.region("360111").await.unwrap().unwrap().population, Some(600000));
        let orphan = check_region_row("360999001", "无", "township", "360999", None).unwrap();
        assert!(
            matches!(store.upsert_regions(&[orphan]).await, Err(StoreError::Rule(e)) if e.code == "region_unknown")
        );

        assert_eq!(store.ensure_sites().await.unwrap(), 6, "{backend}");
        assert_eq!(store.ensure_sites().await.unwrap(), 0, "{backend}: no site twice");
        let in_county = store.sites_in("36/3601/360111", None, None, None, 50).await.unwrap();
        assert_eq!(in_county.items.len(), 4, "{backend}");
        let stations = store
            .sites_in("36/3601/360111", Some(SiteLevel::Station), None, None, 1)
            .await
            .unwrap();
        assert_eq!(stations.items.len(), 1);
        assert!(
            stations.next_cursor.is_some(),
            "{backend}: second station on the next page"
        );
        let center = store.site_of_region("360111").await.unwrap().unwrap();
        assert_eq!(center.name, "青山湖区新时代文明实践中心");
        assert_eq!(center.level, "center");
    }
}

#[tokio::test]
async fn registration_seals_numbers_and_refuses_duplicates() {
    for (backend, store, _db) in stores().await {
        let input = person("王小明", "360111001001", (1990, 5, 17), 31, "13900000001");
        let registration = register(&input, today()).unwrap();
        let volunteer = store
            .register_volunteer(&registration, Some("hash"), NOW)
            .await
            .unwrap();
        assert_eq!(volunteer.volunteer_no.len(), 18);
        assert!(
            volunteer.volunteer_no.starts_with("V3601112611000001"),
            "{backend}: {}",
            volunteer.volunteer_no
        );
        zhiyuan_domain::volunteer_no::validate(&volunteer.volunteer_no).unwrap();
        assert_eq!(volunteer.phone_masked, "139****0001");
        assert!(volunteer.id_masked.contains('*'));
        assert!(!volunteer.rural);

        // the same ID with a lower-case x or another phone is still taken
        let again = register(
            &person("王小明", "360111001001", (1990, 5, 17), 31, "13900000002"),
            today(),
        )
        .unwrap();
        let err = store.register_volunteer(&again, Some("hash"), NOW).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    code: "id_number_taken",
                    ..
                }
            ),
            "{backend}: {err}"
        );
        let same_phone = register(
            &person("李四", "360111001001", (1991, 5, 17), 33, "13900000001"),
            today(),
        )
        .unwrap();
        let err = store.register_volunteer(&same_phone, None, NOW).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    code: "phone_taken",
                    ..
                }
            ),
            "{backend}: {err}"
        );

        // nothing half-written: the refused registrations left no user behind
        assert!(store.user_by_phone("13900000002").await.unwrap().is_none(), "{backend}");

        let second = register(
            &person("赵六", "360111001200", (1950, 1, 1), 35, "13900000003"),
            today(),
        )
        .unwrap();
        let second = store.register_volunteer(&second, None, NOW).await.unwrap();
        assert!(second.volunteer_no.starts_with("V3601112611000002"), "{backend}");
        assert!(second.rural);

        let personal = store.read_personal_data(volunteer.id, 99, NOW).await.unwrap();
        assert_eq!(personal.id_number, registration.id_number.as_str());
        assert_eq!(personal.phone, "13900000001");
        let audit = store
            .audit_entries("volunteer", &volunteer.id.to_string())
            .await
            .unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "volunteer.personal_data_read" && e.actor_user == Some(99)),
            "{backend}"
        );

        let bad_region = register(
            &person("钱七", "360111009009", (1980, 1, 1), 37, "13900000004"),
            today(),
        )
        .unwrap();
        let err = store.register_volunteer(&bad_region, None, NOW).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Rule(ref e) if e.code == "region_unknown"),
            "{backend}: {err}"
        );
    }
}

#[tokio::test]
async fn search_filters_within_the_subtree() {
    for (backend, store, _db) in stores().await {
        let mut elder = person("老张", "360111001200", (1955, 3, 3), 41, "13911111111");
        elder.political_status = Some("中共党员".into());
        elder.skills = vec!["医疗".into(), "法律".into()];
        let elder = store
            .register_volunteer(&register(&elder, today()).unwrap(), None, NOW)
            .await
            .unwrap();
        // A skill that contains another one's name matches only itself.
        let mut young = person("小李", "360111001001", (2000, 3, 3), 43, "13922222222");
        young.skills = vec!["法律咨询".into()];
        let young = store
            .register_volunteer(&register(&young, today()).unwrap(), None, NOW)
            .await
            .unwrap();
        let elsewhere = store
            .register_volunteer(
                &register(&person("张东湖", "360102001", (1990, 3, 3), 45, "13933333333"), today()).unwrap(),
                None,
                NOW,
            )
            .await
            .unwrap();

        let query = |q: Option<&str>, category: Option<Category>, skill: Option<&str>| VolunteerQuery {
            region_path: "36/3601/360111".into(),
            q: q.map(str::to_string),
            category,
            skill: skill.map(str::to_string),
            cursor: None,
            limit: 50,
        };
        let ids = |page: zhiyuan_store::Page<zhiyuan_store::volunteers::Volunteer>| {
            page.items.iter().map(|v| v.id).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(store
                .search_volunteers(&query(None, None, None), today())
                .await
                .unwrap()),
            [elder.id, young.id],
            "{backend}"
        );
        assert_eq!(
            ids(store
                .search_volunteers(&query(Some("张"), None, None), today())
                .await
                .unwrap()),
            [elder.id],
            "{backend}"
        );
        assert_eq!(
            ids(store
                .search_volunteers(&query(Some("13922222222"), None, None), today())
                .await
                .unwrap()),
            [young.id]
        );
        assert_eq!(
            ids(store
                .search_volunteers(&query(Some(&young.volunteer_no), None, None), today())
                .await
                .unwrap()),
            [young.id]
        );
        assert_eq!(
            ids(store
                .search_volunteers(&query(None, Some(Category::Elderly), None), today())
                .await
                .unwrap()),
            [elder.id]
        );
        assert_eq!(
            ids(store
                .search_volunteers(&query(None, Some(Category::PartyMember), None), today())
                .await
                .unwrap()),
            [elder.id]
        );
        assert_eq!(
            ids(store
                .search_volunteers(&query(None, Some(Category::Rural), None), today())
                .await
                .unwrap()),
            [elder.id]
        );
        assert_eq!(
            ids(store
                .search_volunteers(&query(None, None, Some("法律")), today())
                .await
                .unwrap()),
            [elder.id],
            "{backend}"
        );
        assert_eq!(
            ids(store
                .search_volunteers(&query(None, None, Some("法律咨询")), today())
                .await
                .unwrap()),
            [young.id],
            "{backend}"
        );
        assert!(
            store
                .search_volunteers(&query(None, None, Some("医")), today())
                .await
                .unwrap()
                .items
                .is_empty(),
            "{backend}"
        );
        let mut first_page = query(None, None, None);
        first_page.limit = 1;
        let page = store.search_volunteers(&first_page, today()).await.unwrap();
        assert_eq!(ids(page.clone()), [elder.id]);
        first_page.cursor = page.next_cursor;
        assert_eq!(
            ids(store.search_volunteers(&first_page, today()).await.unwrap()),
            [young.id],
            "{backend}"
        );

        // transfer moves the record into the other county and keeps history
        let moved = store
            .transfer_volunteer(young.id, "360102001", young.user_id, NOW)
            .await
            .unwrap();
        assert_eq!(moved.region_path, "36/3601/360102/360102001");
        assert_eq!(moved.volunteer_no, young.volunteer_no);
        assert_eq!(store.transfers(young.id).await.unwrap().len(), 1, "{backend}");
        let mut east = query(None, None, None);
        east.region_path = "36/3601/360102".into();
        assert_eq!(
            ids(store.search_volunteers(&east, today()).await.unwrap()),
            [young.id, elsewhere.id],
            "{backend}"
        );
    }
}

#[tokio::test]
async fn organizations_verification_and_memberships() {
    for (backend, store, _db) in stores().await {
        let admin = store
            .create_user("13800009999", "队长", Some("hash"), NOW)
            .await
            .unwrap();
        let new = NewOrganization {
            name: "青山湖区蓝天救援队".into(),
            kind: OrgKind::SocialOrganization,
            region_code: "360111".into(),
            uscc: Some(Uscc::parse("91350100M000100Y43").unwrap()),
            parent_id: None,
            join_mode: JoinMode::Review,
        };
        let org = store.create_organization(&new, Some(admin), NOW).await.unwrap();
        assert!(!org.is_verified());
        let session = store.session_user(admin).await.unwrap().unwrap();
        assert!(
            session
                .grants
                .iter()
                .any(|g| g.role == Role::OrgAdmin && g.scope_id == org.id.to_string()),
            "{backend}"
        );

        let mut same_code = new.clone();
        same_code.name = "另一个队".into();
        assert!(matches!(
            store.create_organization(&same_code, None, NOW).await,
            Err(StoreError::Conflict { code: "uscc_taken", .. })
        ));
        assert!(matches!(
            store.create_organization(&new, None, NOW).await,
            Err(StoreError::Conflict {
                code: "organization_exists",
                ..
            })
        ));

        let volunteer = store
            .register_volunteer(
                &register(
                    &person("队员甲", "360111001001", (1995, 1, 1), 51, "13944444444"),
                    today(),
                )
                .unwrap(),
                None,
                NOW,
            )
            .await
            .unwrap();
        let err = store.join_organization(org.id, volunteer.id, NOW).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Rule(ref e) if e.code == "org_unverified"),
            "{backend}"
        );
        store.verify_organization(org.id, 1, NOW).await.unwrap();
        assert!(
            matches!(store.verify_organization(org.id, 1, NOW).await, Err(StoreError::Rule(ref e)) if e.code == "invalid_transition")
        );
        assert_eq!(
            store.join_organization(org.id, volunteer.id, NOW).await.unwrap(),
            MembershipState::Pending
        );
        assert!(store.active_organizations_of(volunteer.id).await.unwrap().is_empty());
        store
            .change_membership(org.id, volunteer.id, MembershipAction::Approve, admin, NOW)
            .await
            .unwrap();
        assert_eq!(
            store.active_organizations_of(volunteer.id).await.unwrap(),
            [org.id],
            "{backend}"
        );
        let members = store
            .members(org.id, Some(MembershipState::Active), None, 50)
            .await
            .unwrap();
        assert_eq!(members.items.len(), 1);
        store
            .change_membership(org.id, volunteer.id, MembershipAction::Leave, volunteer.user_id, NOW)
            .await
            .unwrap();
        store.set_join_mode(org.id, JoinMode::Open, admin, NOW).await.unwrap();
        assert_eq!(
            store.join_organization(org.id, volunteer.id, NOW).await.unwrap(),
            MembershipState::Active,
            "{backend}"
        );

        let unverified = store
            .search_organizations(&OrganizationQuery {
                region_path: "36".into(),
                verified: Some(false),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(unverified.items.is_empty(), "{backend}");
        let by_name = store
            .search_organizations(&OrganizationQuery {
                region_path: "36/3601/360111".into(),
                q: Some("蓝天".into()),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(by_name.items.len(), 1, "{backend}");

        let child = NewOrganization {
            name: "蓝天救援队湖坊分队".into(),
            uscc: None,
            parent_id: None,
            region_code: "360111001".into(),
            ..new.clone()
        };
        let outcomes = store
            .import_organizations(
                &[
                    (child.clone(), Some("青山湖区蓝天救援队".into())),
                    (child.clone(), None),
                ],
                NOW,
            )
            .await
            .unwrap();
        assert!(matches!(outcomes[0], OrgImportOutcome::Inserted { .. }), "{backend}");
        assert_eq!(outcomes[1], OrgImportOutcome::Unchanged);
    }
}

#[tokio::test]
async fn sessions_expire_and_password_change_revokes() {
    for (backend, store, _db) in stores().await {
        let user = store
            .create_user("13800007777", "用户", Some("old"), NOW)
            .await
            .unwrap();
        store.create_session(user, "token-a", NOW, NOW + 1000).await.unwrap();
        assert_eq!(store.session("token-a", NOW).await.unwrap(), Some(user), "{backend}");
        assert_eq!(
            store.session("token-a", NOW + 1000).await.unwrap(),
            None,
            "{backend}: expired"
        );
        store.create_session(user, "token-b", NOW, NOW + 10_000).await.unwrap();
        store.revoke_session("token-b", NOW).await.unwrap();
        assert_eq!(store.session("token-b", NOW).await.unwrap(), None);
        store.create_session(user, "token-c", NOW, NOW + 10_000).await.unwrap();
        store.set_password(user, "new", NOW + 1).await.unwrap();
        assert_eq!(
            store.session("token-c", NOW + 2).await.unwrap(),
            None,
            "{backend}: revoked by password change"
        );
        assert_eq!(
            store.user(user).await.unwrap().unwrap().password_hash.as_deref(),
            Some("new")
        );
        assert!(matches!(
            store.create_user("13800007777", "x", None, NOW).await,
            Err(StoreError::Conflict {
                code: "phone_taken",
                ..
            })
        ));
    }
}

#[tokio::test]
async fn import_is_idempotent_and_writes_activation_codes() {
    for (backend, store, _db) in stores().await {
        let rows = vec![
            register(&person("甲", "360111001001", (1980, 1, 1), 61, "13955555551"), today()).unwrap(),
            register(&person("乙", "360111001200", (1981, 1, 1), 63, "13955555552"), today()).unwrap(),
        ];
        let first = store.import_volunteers(&rows, NOW).await.unwrap();
        assert!(
            first.iter().all(|o| matches!(o, ImportOutcome::Inserted { .. })),
            "{backend}"
        );
        let second = store.import_volunteers(&rows, NOW).await.unwrap();
        assert!(second.iter().all(|o| *o == ImportOutcome::Unchanged), "{backend}");
        let clash = register(&person("丙", "360111001001", (1982, 1, 1), 65, "13955555551"), today()).unwrap();
        let third = store.import_volunteers(&[clash], NOW).await.unwrap();
        assert!(
            matches!(&third[0], ImportOutcome::Rejected(e) if e.code == "phone_taken"),
            "{backend}"
        );

        let messages = store.outbox_for("13955555551").await.unwrap();
        assert_eq!(messages.len(), 1, "{backend}");
        let code = messages[0].payload["code"].as_str().unwrap().to_string();
        let user = store.user_by_phone("13955555551").await.unwrap().unwrap();
        assert!(user.password_hash.is_none());
        assert_eq!(code.len(), activation::CODE_LENGTH, "{backend}: {code}");
        assert_eq!(
            store.try_activation_code(user.id, "not-it", NOW).await.unwrap(),
            Attempt::Refused {
                attempts: 1,
                void: false
            },
            "{backend}"
        );
        let expired = NOW + activation::VALID_HOURS * 3_600_000;
        assert_eq!(
            store.try_activation_code(user.id, &code, expired).await.unwrap(),
            Attempt::NoCode,
            "{backend}: 72 hours at most"
        );
        assert_eq!(
            store
                .try_activation_code(user.id, &code.to_lowercase(), NOW)
                .await
                .unwrap(),
            Attempt::Accepted,
            "{backend}"
        );
        assert_eq!(
            store.try_activation_code(user.id, &code, NOW).await.unwrap(),
            Attempt::NoCode,
            "{backend}: a code serves once"
        );
        // Five wrong tries void a code, a new code counts afresh.
        let other = store.user_by_phone("13955555552").await.unwrap().unwrap();
        let right = store.outbox_for("13955555552").await.unwrap()[0].payload["code"]
            .as_str()
            .unwrap()
            .to_string();
        for attempt in 1..=5 {
            assert_eq!(
                store.try_activation_code(other.id, "AAAAAAAA", NOW).await.unwrap(),
                Attempt::Refused {
                    attempts: attempt,
                    void: attempt == 5
                },
                "{backend}"
            );
        }
        assert_eq!(
            store.try_activation_code(other.id, &right, NOW).await.unwrap(),
            Attempt::NoCode,
            "{backend}: void after five wrong tries"
        );
        let fresh_code = store.issue_activation_code(other.id, true, NOW).await.unwrap();
        assert_eq!(
            store.try_activation_code(other.id, &fresh_code, NOW).await.unwrap(),
            Attempt::Accepted,
            "{backend}"
        );
        // Only the first two activation messages are counted below.
        let resent = store.outbox_for("13955555552").await.unwrap();
        assert_eq!(resent.len(), 2, "{backend}: the new code went to the outbox");
        let resent_id = resent[1].id;
        store.mark_sent(&[resent_id], "test", NOW).await.unwrap();
        assert_eq!(store.outbox_count().await.unwrap(), 3);
        // handed over once: a second hand-over marks nothing
        let unsent = store.unsent_messages(10).await.unwrap();
        assert_eq!(unsent.len(), 2, "{backend}");
        assert!(unsent[0].id < unsent[1].id, "oldest first");
        let ids: Vec<i64> = unsent.iter().map(|m| m.id).collect();
        assert_eq!(store.mark_sent(&ids, "test", NOW).await.unwrap(), 2, "{backend}");
        assert_eq!(store.mark_sent(&ids, "test", NOW).await.unwrap(), 0, "{backend}");
        assert!(store.unsent_messages(10).await.unwrap().is_empty());
        assert!(store.outbox_for("13955555551").await.unwrap().is_empty());

        // inside one batch: a repeated ID is unchanged, a repeated phone and an unknown region are refused
        let fresh = register(&person("丁", "360111001001", (1983, 1, 1), 67, "13955555553"), today()).unwrap();
        let same_phone = register(&person("戊", "360111001001", (1984, 1, 1), 69, "13955555553"), today()).unwrap();
        let nowhere = register(&person("己", "360111009009", (1985, 1, 1), 71, "13955555554"), today()).unwrap();
        let batch = store
            .import_volunteers(&[fresh.clone(), fresh, same_phone, nowhere], NOW)
            .await
            .unwrap();
        assert!(
            matches!(batch[0], ImportOutcome::Inserted { .. }),
            "{backend}: {batch:?}"
        );
        assert_eq!(batch[1], ImportOutcome::Unchanged, "{backend}");
        assert!(
            matches!(&batch[2], ImportOutcome::Rejected(e) if e.code == "phone_taken"),
            "{backend}"
        );
        assert!(
            matches!(&batch[3], ImportOutcome::Rejected(e) if e.code == "region_unknown"),
            "{backend}"
        );
        let ImportOutcome::Inserted { volunteer_id } = batch[0] else {
            unreachable!()
        };
        let imported = store.volunteer(volunteer_id).await.unwrap().unwrap();
        zhiyuan_domain::volunteer_no::validate(&imported.volunteer_no).unwrap();
        assert_eq!(imported.region_path, "36/3601/360111/360111001/360111001001");
    }
}

#[tokio::test]
async fn upheld_appeal_releases_the_id_number() {
    for (backend, store, _db) in stores().await {
        let input = person("冒名者", "360111001001", (1988, 8, 8), 71, "13966666661");
        let registration = register(&input, today()).unwrap();
        store.register_volunteer(&registration, None, NOW).await.unwrap();
        let bystander = store
            .register_volunteer(
                &register(&person("旁人", "360102001", (1990, 1, 1), 73, "13966666663"), today()).unwrap(),
                None,
                NOW,
            )
            .await
            .unwrap();
        // The appellant lives in another county: the holder's county resolves it.
        let filed_appeal = NewAppeal {
            id_number: registration.id_number.as_str(),
            name: "真本人",
            phone: "13966666662",
            region_code: "360102001",
            reason: "我的身份证被他人注册",
            filed_by: None,
        };
        let appeal = store.file_appeal(&filed_appeal, NOW).await.unwrap();
        let (filed, path) = store.appeal(appeal).await.unwrap().unwrap();
        assert_eq!(
            (filed.status.as_str(), path.as_str()),
            ("open", "36/3601/360111/360111001/360111001001"),
            "{backend}"
        );
        assert_eq!(filed.holder_region_code.as_deref(), Some("360111001001"));
        assert_eq!(
            store.appeals_in("36/3601/360111", None, 50).await.unwrap().items.len(),
            1,
            "{backend}"
        );
        assert!(
            store
                .appeals_in("36/3601/360102", None, 50)
                .await
                .unwrap()
                .items
                .is_empty(),
            "{backend}: the appellant's county does not resolve it"
        );
        // An appeal about a number nobody holds is kept alike, in the appellant's region.
        let unknown_id =
            zhiyuan_domain::id_number::compose("360102", chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(), 75);
        let nobody = store
            .file_appeal(
                &NewAppeal {
                    id_number: &unknown_id,
                    ..filed_appeal.clone()
                },
                NOW,
            )
            .await
            .unwrap();
        let (_, nobody_path) = store.appeal(nobody).await.unwrap().unwrap();
        assert_eq!(nobody_path, "36/3601/360102/360102001", "{backend}");
        let resolved = store.resolve_appeal(appeal, true, "核实为本人", 1, NOW).await.unwrap();
        assert_eq!(resolved.status, "upheld");
        assert!(
            matches!(store.resolve_appeal(appeal, false, "", 1, NOW).await, Err(StoreError::Rule(ref e)) if e.code == "invalid_transition")
        );
        let rightful = register(
            &person("真本人", "360111001001", (1988, 8, 8), 71, "13966666662"),
            today(),
        )
        .unwrap();
        store.register_volunteer(&rightful, None, NOW).await.unwrap();
        let untouched = store.volunteer(bystander.id).await.unwrap().unwrap();
        assert_ne!(
            untouched.id_masked,
            zhiyuan_store::appeals::RELEASED_ID_MASK,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn consents_are_given_and_withdrawn() {
    for (backend, store, _db) in stores().await {
        let volunteer = store
            .register_volunteer(
                &register(
                    &person("同意者", "360111001001", (1990, 2, 2), 81, "13977777777"),
                    today(),
                )
                .unwrap(),
                None,
                NOW,
            )
            .await
            .unwrap();
        let given = store
            .set_consents(volunteer.id, Some(true), None, volunteer.user_id, NOW)
            .await
            .unwrap();
        assert_eq!(given.face_consent_at, Some(NOW), "{backend}");
        assert_eq!(given.location_consent_at, None);
        let withdrawn = store
            .set_consents(volunteer.id, Some(false), Some(true), volunteer.user_id, NOW + 5)
            .await
            .unwrap();
        assert_eq!(
            (withdrawn.face_consent_at, withdrawn.location_consent_at),
            (None, Some(NOW + 5)),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn concurrent_registrations_of_one_id_give_one_volunteer_and_clean_refusals() {
    for (backend, store, _db) in stores().await {
        let mut tasks = Vec::new();
        for n in 0..8u16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                // the same ID number, different phones
                let mut input = person("并发", "360111001001", (1993, 3, 3), 91, "13988880000");
                input.phone = format!("139888800{n:02}");
                let registration = register(&input, today()).unwrap();
                store.register_volunteer(&registration, None, NOW).await
            }));
        }
        let mut created = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => created += 1,
                Err(StoreError::Conflict {
                    code: "id_number_taken",
                    ..
                }) => {}
                Err(other) => panic!("{backend}: {other}"),
            }
        }
        assert_eq!(created, 1, "{backend}");
        // and one phone registered at once by two people: one login
        let first = store.create_user("13977770000", "甲", None, NOW);
        let second = store.create_user("13977770000", "乙", None, NOW);
        let (a, b) = tokio::join!(first, second);
        assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{backend}");
        assert!(
            matches!(
                a.err().or(b.err()),
                Some(StoreError::Conflict {
                    code: "phone_taken",
                    ..
                })
            ),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn sealed_values_open_only_in_their_row_and_old_ones_are_sealed_again() {
    use zhiyuan_store::testing::legacy_sealed;
    use zhiyuan_store::vault::Place;
    for (backend, store, db) in stores().await {
        let first = store
            .register_volunteer(
                &register(&person("甲", "360111001001", (1980, 1, 1), 91, "13988880001"), today()).unwrap(),
                None,
                NOW,
            )
            .await
            .unwrap();
        let second = store
            .register_volunteer(
                &register(&person("乙", "360111001001", (1981, 1, 1), 93, "13988880002"), today()).unwrap(),
                None,
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(
            store.read_personal_data(first.id, 1, NOW).await.unwrap().phone,
            "13988880001"
        );
        store.close().await;
        // Someone with database access copies the second volunteer's sealed
        // phone into the first one's row: it no longer opens there.
        tamper_owned(
            &db.url,
            format!(
                "UPDATE volunteers SET phone_sealed = (SELECT phone_sealed FROM volunteers WHERE id = {}) WHERE id = {}",
                second.id, first.id
            ),
        )
        .await;
        let store = open_store(&db).await;
        assert!(
            store.read_personal_data(first.id, 1, NOW).await.is_err(),
            "{backend}: a value moved to another row does not open"
        );
        // A value of the first format is sealed again when the store opens.
        let legacy = legacy_sealed(&store, "13988880001");
        store.close().await;
        tamper_owned(
            &db.url,
            format!(
                "UPDATE volunteers SET phone_sealed = '{legacy}' WHERE id = {}",
                first.id
            ),
        )
        .await;
        let store = open_store(&db).await;
        assert_eq!(
            store.read_personal_data(first.id, 1, NOW).await.unwrap().phone,
            "13988880001",
            "{backend}"
        );
        let user = store.user_by_phone("13988880001").await.unwrap().unwrap();
        assert_eq!(
            store
                .vault()
                .open(Place::user_phone(&user.phone_hash), &user.phone_sealed)
                .unwrap(),
            "13988880001"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn tries_are_counted_once_each_even_at_once_and_survive_a_restart() {
    use zhiyuan_domain::throttle::{LOGIN_PER_ADDRESS, LOGIN_PER_PHONE_AND_ADDRESS};
    for (backend, store, db) in stores().await {
        let key = LOGIN_PER_PHONE_AND_ADDRESS.key(&["13800000001", "198.51.100.7"]);
        // Twenty tries at the same moment: five pass, fifteen wait.
        let tries: Vec<_> = (0..20)
            .map(|_| {
                let (store, key) = (store.clone(), key.clone());
                tokio::spawn(async move { store.count_attempt(LOGIN_PER_PHONE_AND_ADDRESS, &key, NOW).await })
            })
            .collect();
        let mut outcomes = Vec::new();
        for attempt in tries {
            outcomes.push(attempt.await.unwrap());
        }
        let passed = outcomes.iter().filter(|o| matches!(o, Ok(None))).count();
        assert_eq!(passed, 5, "{backend}: {outcomes:?}");
        // Another address is not locked out with it (a stranger cannot lock
        // an administrator out).
        let elsewhere = LOGIN_PER_PHONE_AND_ADDRESS.key(&["13800000001", "203.0.113.9"]);
        assert_eq!(
            store
                .count_attempt(LOGIN_PER_PHONE_AND_ADDRESS, &elsewhere, NOW)
                .await
                .unwrap(),
            None
        );
        // A restart (or another server process) finds the count where it was.
        store.close().await;
        let store = open_store(&db).await;
        let after = store
            .count_attempt(LOGIN_PER_PHONE_AND_ADDRESS, &key, NOW + 1000)
            .await
            .unwrap();
        assert!(after.is_some_and(|wait| wait > 800), "{backend}: {after:?}");
        // The window ends; a refund gives one try back; old counters are pruned.
        let later = NOW + LOGIN_PER_PHONE_AND_ADDRESS.window_secs * 1000;
        assert_eq!(
            store
                .count_attempt(LOGIN_PER_PHONE_AND_ADDRESS, &key, later)
                .await
                .unwrap(),
            None
        );
        let address = LOGIN_PER_ADDRESS.key(&["198.51.100.7"]);
        for _ in 0..LOGIN_PER_ADDRESS.limit {
            store.count_attempt(LOGIN_PER_ADDRESS, &address, later).await.unwrap();
        }
        store.refund_attempt(&address).await.unwrap();
        assert_eq!(
            store.count_attempt(LOGIN_PER_ADDRESS, &address, later).await.unwrap(),
            None
        );
        assert!(
            store.prune_attempts(later + 2 * 24 * 3_600_000).await.unwrap() >= 2,
            "{backend}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn postgresql_is_reached_over_tls_when_the_url_asks() {
    // Debian's PostgreSQL serves TLS with its own certificate: the store
    // speaks TLS (sslmode=require); verify-full, which checks the
    // certificate, is for a server with a real one (docs/operations.md).
    let Some(database) = zhiyuan_store::testing::fresh_postgres().await else {
        return;
    };
    let url = format!("{}?sslmode=require", database.url);
    let store = Store::connect(&url, zhiyuan_store::testing::test_vault())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.user_count().await.unwrap(), 0);
    store.close().await;
}

async fn tamper(url: &str, sql: &'static str) {
    try_tamper(url, sql).await.unwrap();
}

async fn tamper_owned(url: &str, sql: String) {
    use sqlx::Connection;
    if url.starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
    }
}

/// Runs `sql` on the database behind the application's back, as someone
/// with access to the database would.
async fn try_tamper(url: &str, sql: &'static str) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    if url.starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        sqlx::query(sql).execute(&mut conn).await?;
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        sqlx::query(sql).execute(&mut conn).await?;
    }
    Ok(())
}

/// Drops the triggers that keep the ledger append-only, as a database
/// owner could.
async fn drop_ledger_guard(url: &str) {
    if url.starts_with("sqlite") {
        tamper(url, "DROP TRIGGER hours_ledger_no_update").await;
        tamper(url, "DROP TRIGGER hours_ledger_no_delete").await;
    } else {
        tamper(url, "DROP TRIGGER hours_ledger_no_change ON hours_ledger").await;
    }
}

/// Every row of `sql`, read behind the application's back.
async fn query_all<T>(url: &str, sql: &'static str) -> Vec<T>
where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    use sqlx::Connection;
    if url.starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as(sql).fetch_all(&mut conn).await.unwrap()
    }
}

/// A blob literal in the database's own syntax.
fn blob(url: &str, bytes: &[u8]) -> String {
    if url.starts_with("sqlite") {
        format!("X'{}'", hex::encode(bytes))
    } else {
        format!("'\\x{}'::bytea", hex::encode(bytes))
    }
}

#[path = "storage/activities.rs"]
mod activities;

#[tokio::test]
async fn the_import_floor_writes_whole_volunteers_in_every_transaction() {
    for (backend, store, _db) in stores().await {
        zhiyuan_store::fixtures::insert_generated_volunteers(&store, 25, 10, &["360102001", "360111001200"], NOW)
            .await
            .unwrap();
        let everyone = VolunteerQuery {
            region_path: "36".into(),
            q: None,
            category: None,
            skill: Some("驾驶".into()),
            cursor: None,
            limit: 200,
        };
        let found = store.search_volunteers(&everyone, today()).await.unwrap().items;
        assert_eq!(found.len(), 25, "{backend}");
        let in_qingshanhu = found
            .iter()
            .filter(|v| v.region_path.starts_with("36/3601/360111/"))
            .count();
        // ids 1..=25 alternate between the two regions, odd ones in the second
        assert_eq!(in_qingshanhu, 13, "{backend}");
        assert_eq!(store.outbox_count().await.unwrap(), 25, "{backend}");
    }
}

#[path = "storage/orders.rs"]
mod orders;

#[path = "storage/statistics.rs"]
mod statistics;

#[path = "storage/benefits.rs"]
mod benefits;
