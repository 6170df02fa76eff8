//! Demo data: the six accounts of API.md (password `demo12345`), a verified
//! organization in 青山湖区 (360111) with the demo volunteer as a member, a
//! few organizations waiting for verification, and generated volunteers.
//! Seeding twice adds nothing: every step first looks for what it would add.

use crate::auth::Passwords;
use crate::error::{ApiError, ApiResult};
use chrono::NaiveDate;
use zhiyuan_domain::id_number::compose;
use zhiyuan_domain::organization::{JoinMode, MembershipState, OrgKind};
use zhiyuan_domain::role::Role;
use zhiyuan_domain::volunteer::{RegistrationInput, register};
use zhiyuan_store::organizations::{NewOrganization, OrganizationQuery};
use zhiyuan_store::volunteers::ImportOutcome;
use zhiyuan_store::{Store, now_ms};

/// The password of every demo account. It predates the strength rules on
/// purpose: demo accounts are written directly, not through registration.
pub const DEMO_PASSWORD: &str = "demo12345";
pub const DEMO_COUNTY: &str = "360111";
/// The community where the demo volunteer and resident live (电化社区, 青山路街道, 360111).
pub const DEMO_VILLAGE: &str = "360111001002";
pub const DEMO_ORGANIZATION: &str = "青山湖区志愿者协会";

/// One printed line per demo login.
pub struct DemoLogin {
    pub phone: &'static str,
    pub role: &'static str,
}

pub const DEMO_LOGINS: [DemoLogin; 6] = [
    DemoLogin {
        phone: "13800000001",
        role: "province administrator (region 36)",
    },
    DemoLogin {
        phone: "13800000002",
        role: "county administrator of 360111 (青山湖区)",
    },
    DemoLogin {
        phone: "13800000003",
        role: "site manager of the center of 360111",
    },
    DemoLogin {
        phone: "13800000004",
        role: "admin of a verified organization in 360111",
    },
    DemoLogin {
        phone: "13800000005",
        role: "volunteer in 360111, member of that organization",
    },
    DemoLogin {
        phone: "13800000006",
        role: "resident in 360111",
    },
];

/// How much generated data to add (`--scale small|county|province`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Small,
    County,
    Province,
}

impl std::str::FromStr for Scale {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "small" => Ok(Scale::Small),
            "county" => Ok(Scale::County),
            "province" => Ok(Scale::Province),
            other => Err(format!("unknown scale {other:?}: use small, county or province")),
        }
    }
}

impl Scale {
    /// Generated volunteers per scale, spread over the demo county (small,
    /// county) or over every county of the province.
    fn generated_volunteers(self) -> u32 {
        match self {
            Scale::Small => 300,
            Scale::County => 20_000,
            Scale::Province => 200_000,
        }
    }

    /// Generated upcoming activities of the demo organization, spread over
    /// the villages of the demo area and the next 60 days, beyond the few
    /// hand-written ones: a county office's list of a busy season.
    fn generated_activities(self) -> u32 {
        match self {
            Scale::Small => 0,
            Scale::County => 600,
            Scale::Province => 3_000,
        }
    }
}

async fn demo_user(store: &Store, phone: &str, name: &str, hash: &str) -> ApiResult<i64> {
    if let Some(user) = store.user_by_phone(phone).await? {
        return Ok(user.id);
    }
    Ok(store.create_user(phone, name, Some(hash), now_ms()).await?)
}

/// Seeds the demo accounts. Needs the regions 36, 3601, 360111 and the demo
/// village, and the sites (run `ensure_sites` first).
pub async fn seed_accounts(store: &Store, passwords: &Passwords) -> ApiResult<()> {
    let now = now_ms();
    let hash = passwords.hash(DEMO_PASSWORD.to_string()).await?;
    let county = store.require_region(DEMO_COUNTY).await?;
    let village = store.require_region(DEMO_VILLAGE).await?;
    let province = store.require_region("36").await?;

    let province_admin = demo_user(store, "13800000001", "省级管理员", &hash).await?;
    store
        .grant_role(
            province_admin,
            Role::ProvinceAdmin,
            &province.code,
            &province.path,
            None,
            now,
        )
        .await?;
    let county_admin = demo_user(store, "13800000002", "青山湖区文明办", &hash).await?;
    store
        .grant_role(county_admin, Role::CountyAdmin, &county.code, &county.path, None, now)
        .await?;
    let center = store
        .site_of_region(DEMO_COUNTY)
        .await?
        .ok_or_else(|| ApiError::internal("the demo county has no center: run ensure_sites first"))?;
    let site_manager = demo_user(store, "13800000003", "中心文明实践员", &hash).await?;
    store
        .grant_role(
            site_manager,
            Role::SiteManager,
            &center.id.to_string(),
            &center.region_path,
            None,
            now,
        )
        .await?;
    let resident = demo_user(store, "13800000006", "王奶奶", &hash).await?;
    store
        .grant_role(resident, Role::Resident, &village.code, &village.path, None, now)
        .await?;

    let org_admin = demo_user(store, "13800000004", "协会负责人", &hash).await?;
    let existing = store
        .search_organizations(&OrganizationQuery {
            region_path: county.path.clone(),
            q: Some(DEMO_ORGANIZATION.into()),
            limit: 1,
            ..Default::default()
        })
        .await?;
    let organization = match existing.items.into_iter().next() {
        Some(org) => org,
        None => {
            let new = NewOrganization {
                name: DEMO_ORGANIZATION.into(),
                kind: OrgKind::SocialOrganization,
                region_code: DEMO_COUNTY.into(),
                uscc: None,
                parent_id: None,
                join_mode: JoinMode::Review,
            };
            let org = store.create_organization(&new, Some(org_admin), now).await?;
            store.verify_organization(org.id, province_admin, now).await?
        }
    };

    let volunteer_id = match store.user_by_phone("13800000005").await? {
        Some(user) => store
            .volunteer_of_user(user.id)
            .await?
            .map(|v| v.id)
            .ok_or_else(|| ApiError::internal("13800000005 exists but is not a volunteer"))?,
        None => {
            let input = RegistrationInput {
                name: "李志愿".into(),
                id_number: compose(
                    DEMO_COUNTY,
                    NaiveDate::from_ymd_opt(1995, 6, 18).unwrap_or_default(),
                    11,
                ),
                phone: "13800000005".into(),
                region_code: DEMO_VILLAGE.into(),
                political_status: Some("中共党员".into()),
                skills: vec!["急救".into(), "摄影".into()],
                guardian: None,
            };
            let registration = register(&input, zhiyuan_domain::time::china_date(chrono::Utc::now()))?;
            store.register_volunteer(&registration, Some(&hash), now).await?.id
        }
    };
    let members = store.active_organizations_of(volunteer_id).await?;
    if !members.contains(&organization.id) {
        let state = store.join_organization(organization.id, volunteer_id, now).await?;
        if state == MembershipState::Pending {
            store
                .change_membership(
                    organization.id,
                    volunteer_id,
                    zhiyuan_domain::organization::MembershipAction::Approve,
                    org_admin,
                    now,
                )
                .await?;
        }
    }
    seed_pending_organizations(store, now).await
}

/// A few teams waiting for verification, so the queue is not empty.
async fn seed_pending_organizations(store: &Store, now: i64) -> ApiResult<()> {
    let pending = [
        ("青山湖区湖坊镇巾帼志愿服务队", OrgKind::CommunityTeam, DEMO_COUNTY),
        ("南昌市青山湖区党员先锋队", OrgKind::PartyMemberTeam, DEMO_COUNTY),
        ("青山湖区某小学红领巾志愿队", OrgKind::School, DEMO_COUNTY),
    ];
    let rows: Vec<_> = pending
        .iter()
        .map(|(name, kind, region)| {
            (
                NewOrganization {
                    name: (*name).into(),
                    kind: *kind,
                    region_code: (*region).into(),
                    uscc: None,
                    parent_id: None,
                    join_mode: JoinMode::Open,
                },
                None,
            )
        })
        .collect();
    store.import_organizations(&rows, now).await?;
    Ok(())
}

/// Generated volunteers in the given villages, with deterministic ID numbers
/// and phones (`139` + 8 digits), so that seeding again finds them present.
pub async fn seed_volunteers(store: &Store, villages: &[String], scale: Scale) -> ApiResult<u64> {
    const SURNAMES: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙"];
    const GIVEN: [&str; 12] = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳"];
    const SKILLS: [&str; 6] = ["医疗", "法律", "心理咨询", "教育", "摄影", "急救"];
    if villages.is_empty() {
        return Ok(0);
    }
    let today = zhiyuan_domain::time::china_date(chrono::Utc::now());
    let total = scale.generated_volunteers();
    let mut inserted = 0;
    let mut batch = Vec::new();
    for n in 0..total {
        let village = &villages[n as usize % villages.len()];
        // n % 21,900 picks a birth date over 60 years, spread by a factor
        // prime to it (97), so even a small demo has every age; n / 21,900
        // the sequence: IDs are unique up to 21.9 million volunteers.
        let days = u64::from((n % 21_900) * 97 % 21_900);
        let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default() + chrono::Days::new(days);
        let input = RegistrationInput {
            name: format!("{}{}", SURNAMES[n as usize % 12], GIVEN[(n / 12) as usize % 12]),
            id_number: compose(&village[..6], birth, ((n / 21_900) % 1000) as u16),
            phone: format!("139{:08}", n),
            region_code: village.clone(),
            political_status: Some(if n % 5 == 0 { "中共党员" } else { "群众" }.into()),
            skills: vec![SKILLS[n as usize % SKILLS.len()].into()],
            guardian: None,
        };
        let Ok(registration) = register(&input, today) else {
            continue;
        };
        batch.push(registration);
        if batch.len() == 2_000 || n + 1 == total {
            let outcomes = store.import_volunteers(&batch, now_ms()).await?;
            inserted += outcomes
                .iter()
                .filter(|o| matches!(o, ImportOutcome::Inserted { .. }))
                .count() as u64;
            batch.clear();
        }
    }
    Ok(inserted)
}

/// A published, auto-approved activity of `hours` at the demo village's
/// community centre (500 m fence), titled, described and categorised by
/// `text`.
fn village_activity(
    organization_id: i64,
    region_code: &str,
    text: (&str, &str, &str),
    starts_at: chrono::DateTime<chrono::Utc>,
    hours: i64,
    quota: u32,
) -> ApiResult<zhiyuan_store::activities::NewActivity> {
    let (title, description, category) = text;
    let input = zhiyuan_domain::activity::ActivityInput {
        title: title.into(),
        description: description.into(),
        category: category.into(),
        lat: 28.6829,
        lon: 115.9486,
        radius_m: 500,
        starts_at,
        ends_at: starts_at + chrono::Duration::hours(hours),
        quota,
        auto_approve: true,
        ..zhiyuan_domain::activity::ActivityInput::default()
    };
    Ok(zhiyuan_store::activities::NewActivity {
        organization_id,
        project_id: None,
        region_code: region_code.into(),
        plan: zhiyuan_domain::activity::plan(input)?,
        draft: false,
    })
}

/// A finished activity a week ago in which the demo volunteer served two
/// hours, entered by the organizer (reason: demo data) and confirmed, so
/// that hours, stars and certificates have something to show.
async fn seed_past_service(
    store: &Store,
    organization: &zhiyuan_store::organizations::Organization,
    organizer: i64,
) -> ApiResult<()> {
    use chrono::{Duration, Utc};
    use zhiyuan_domain::activity::CheckinMethod;
    use zhiyuan_domain::attendance::Accepted;
    use zhiyuan_domain::checkin_token::AttendanceKind;
    use zhiyuan_domain::confirmation::{Confirmer, DEFAULT_SECOND_APPROVAL_HOURS, decide_confirmation};
    use zhiyuan_store::attendance::AttendanceWrite;
    let Some(volunteer) = store.user_by_phone("13800000005").await? else {
        return Ok(());
    };
    let Some(volunteer_id) = store.volunteer_of_user(volunteer.id).await?.map(|v| v.id) else {
        return Ok(());
    };
    let last_week =
        zhiyuan_domain::hours::start_of_china_day(zhiyuan_domain::time::china_date(Utc::now()) - Duration::days(7))
            + Duration::hours(9);
    let new = village_activity(
        organization.id,
        DEMO_VILLAGE,
        (
            "社区健康义诊",
            "为电化社区老人测量血压血糖，讲解用药常识。",
            "health_care",
        ),
        last_week,
        3,
        20,
    )?;
    let before = (last_week - Duration::days(2)).timestamp_millis();
    let activity = store.create_activity(&new, organizer, before).await?;
    store.sign_up(activity.id, volunteer_id, before).await?;
    let mut record = None;
    for (kind, at) in [
        (AttendanceKind::In, last_week),
        (AttendanceKind::Out, last_week + Duration::hours(2)),
    ] {
        let write = AttendanceWrite {
            activity_id: activity.id,
            volunteer_id,
            kind,
            method: CheckinMethod::Manual,
            claimed_at: at.timestamp_millis(),
            received_at: at.timestamp_millis(),
            accepted: Accepted {
                at,
                token_step: None,
                offline: false,
                reason: Some("演示数据".into()),
                flags: Vec::new(),
            },
            fix: None,
            device_id: None,
            by_user: organizer,
        };
        record = Some(store.record_attendance(&write, &activity).await?);
    }
    if let Some(record) = record {
        let by = Confirmer {
            user: organizer,
            organizer: true,
            region_admin: false,
        };
        store
            .confirm_record(record.id, Some(organizer), now_ms(), |facts| {
                decide_confirmation(facts, by, DEFAULT_SECOND_APPROVAL_HOURS)
            })
            .await?;
    }
    Ok(())
}

/// The demo organization's activities: last week's, with the demo
/// volunteer's confirmed hours, and upcoming ones near the demo village
/// (tomorrow, in a few days, next week), so that search, sign-up and the
/// check-in code can be tried at once; at county and province scale also
/// many generated ones in `villages`. Added once; yields how many.
/// The demo organization's routine services on the menus of 青山湖区's
/// sites (点单): added once, when it has no project yet. Returns how many.
pub async fn seed_menu(store: &Store) -> ApiResult<u64> {
    let county = store.require_region(DEMO_COUNTY).await?;
    let found = store
        .search_organizations(&OrganizationQuery {
            region_path: county.path.clone(),
            q: Some(DEMO_ORGANIZATION.into()),
            limit: 1,
            ..Default::default()
        })
        .await?;
    let Some(organization) = found.items.into_iter().next() else {
        return Ok(0);
    };
    if !store
        .projects(&county.path, Some(organization.id), None, 1)
        .await?
        .items
        .is_empty()
    {
        return Ok(0);
    }
    let created_by = store.user_by_phone("13800000004").await?.map_or(1, |user| user.id);
    let services = [
        (
            "助老送餐上门",
            "为行动不便的老人送午餐到家，顺便看看身体和家里情况。",
            "left_behind_elderly",
        ),
        ("代购药品", "帮老人和病人到药店代购常用药，送到家。", "health_care"),
        (
            "小家电义务维修",
            "修理电饭煲、电风扇、台灯等小家电，只收零件费。",
            "civilized_city",
        ),
    ];
    for (title, description, category) in services {
        let project = zhiyuan_store::activities::NewProject {
            organization_id: organization.id,
            title: title.into(),
            description: description.into(),
            kind: zhiyuan_domain::activity::ProjectKind::Routine,
            category: category.into(),
            area_code: DEMO_COUNTY.into(),
            on_menu: true,
        };
        store
            .create_project(&project, created_by, zhiyuan_store::now_ms())
            .await?;
    }
    Ok(services.len() as u64)
}

pub async fn seed_activities(store: &Store, villages: &[String], scale: Scale) -> ApiResult<u64> {
    use chrono::{Duration, Utc};
    use zhiyuan_store::activities::ActivityQuery;
    let county = store.require_region(DEMO_COUNTY).await?;
    let found = store
        .search_organizations(&OrganizationQuery {
            region_path: county.path.clone(),
            q: Some(DEMO_ORGANIZATION.into()),
            limit: 1,
            ..Default::default()
        })
        .await?;
    let Some(organization) = found.items.into_iter().next() else {
        return Ok(0);
    };
    let existing = store
        .list_activities(&ActivityQuery {
            organization_id: Some(organization.id),
            states: zhiyuan_domain::activity::ActivityState::ALL.to_vec(),
            limit: 1,
            ..ActivityQuery::default()
        })
        .await?;
    if !existing.items.is_empty() {
        return Ok(0);
    }
    let created_by = store.user_by_phone("13800000004").await?.map_or(1, |user| user.id);
    let tomorrow_nine =
        zhiyuan_domain::hours::start_of_china_day(zhiyuan_domain::time::china_date(Utc::now()) + Duration::days(1))
            + Duration::hours(9);
    let plans = [
        (
            "社区助老送餐",
            "为电化社区独居老人送午餐，陪伴聊天。",
            "left_behind_elderly",
            0,
            2,
        ),
        (
            "河道环境保洁",
            "清理青山湖沿岸垃圾，宣传环境保护。",
            "environment",
            2,
            3,
        ),
        (
            "急救知识进社区",
            "讲解心肺复苏与止血包扎，需有急救技能。",
            "health_care",
            7,
            2,
        ),
    ];
    let mut added = 0;
    seed_past_service(store, &organization, created_by).await?;
    added += 1;
    for (title, description, category, day, hours) in plans {
        let starts_at = tomorrow_nine + Duration::days(day);
        let new = village_activity(
            organization.id,
            DEMO_VILLAGE,
            (title, description, category),
            starts_at,
            hours,
            30,
        )?;
        store.create_activity(&new, created_by, now_ms()).await?;
        added += 1;
    }
    for n in 0..scale.generated_activities() {
        let (title, description, category, _, hours) = plans[n as usize % plans.len()];
        let village = villages
            .get(n as usize % villages.len().max(1))
            .map_or(DEMO_VILLAGE, String::as_str);
        let starts_at = tomorrow_nine + Duration::days(i64::from(n % 60)) + Duration::hours(i64::from(n % 3) * 2);
        let title = format!("{title}（第{}场）", n + 1);
        let new = village_activity(
            organization.id,
            village,
            (&title, description, category),
            starts_at,
            hours,
            20,
        )?;
        store.create_activity(&new, created_by, now_ms()).await?;
        added += 1;
    }
    Ok(added)
}
