//! The import suite: CSV and XLSX files of regions, volunteers and
//! organizations imported into every backend of `fresh_databases()` (SQLite,
//! and PostgreSQL when `ZHIYUAN_TEST_PG` is set).

use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use zhiyuan_domain::id_number::compose;
use zhiyuan_domain::site::SiteLevel;
use zhiyuan_import::{
    ImportError, ImportReport, import_organizations, import_regions, import_volunteers, write_generated_volunteers,
};
use zhiyuan_store::Store;
use zhiyuan_store::organizations::{Organization, OrganizationQuery};
use zhiyuan_store::testing::{TestDatabase, fresh_databases, open_store};
use zhiyuan_store::volunteers::{Volunteer, VolunteerQuery};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

/// Children before parents on purpose; row 8 has the wrong level and row 9
/// an unknown parent.
const REGIONS_CSV: &str = "code,name,level,parent_code\n\
    360111001002,电化社区居委会,village,360111001\n\
    360111001200,湖坊村委会,village,360111001\n\
    360111001,青山路街道,township,360111\n\
    360111,青山湖区,county,3601\n\
    3601,南昌市,city,36\n\
    36,江西省,province,\n\
    360112,新建区,city,3601\n\
    360999001,无名镇,township,360999\n";

struct Setup {
    backend: &'static str,
    store: Store,
    dir: tempfile::TempDir,
    _database: TestDatabase,
}

/// A store per backend with the small region list loaded.
async fn setups() -> Vec<Setup> {
    let mut setups = Vec::new();
    for database in fresh_databases().await {
        let store = open_store(&database).await;
        let dir = tempfile::tempdir().unwrap();
        let report = import_regions(&store, write(dir.path(), "regions.csv", REGIONS_CSV))
            .await
            .unwrap();
        assert_eq!(report.imported, 6, "{}", database.backend);
        setups.push(Setup {
            backend: database.backend,
            store,
            dir,
            _database: database,
        });
    }
    setups
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn id(birth: (i32, u32, u32), sequence: u16) -> String {
    compose(
        "360111",
        NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap(),
        sequence,
    )
}

/// The ID number with a wrong check character.
fn bad_check(id: &str) -> String {
    let last = if id.ends_with('1') { '2' } else { '1' };
    format!("{}{last}", &id[..17])
}

fn rejected(report: &ImportReport) -> Vec<(u64, &str, &str)> {
    report.rejected.iter().map(|r| (r.row, r.column, r.code)).collect()
}

async fn volunteers(store: &Store) -> Vec<Volunteer> {
    let query = VolunteerQuery {
        region_path: "36".into(),
        limit: 200,
        ..Default::default()
    };
    store.search_volunteers(&query, today()).await.unwrap().items
}

async fn organizations(store: &Store) -> Vec<Organization> {
    let query = OrganizationQuery {
        region_path: "36".into(),
        limit: 200,
        ..Default::default()
    };
    store.search_organizations(&query).await.unwrap().items
}

async fn site_count(store: &Store, level: SiteLevel) -> usize {
    store
        .sites_in("36", Some(level), None, None, 100_000)
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn regions_load_parents_first_with_sites_and_again_change_nothing() {
    for setup in setups().await {
        let backend = setup.backend;
        let path = setup.dir.path().join("regions.csv");
        let store = &setup.store;
        assert_eq!(store.region_count().await.unwrap(), 6, "{backend}");
        assert_eq!(
            store.region("360111001002").await.unwrap().unwrap().path,
            "36/3601/360111/360111001/360111001002"
        );
        assert_eq!(site_count(store, SiteLevel::Center).await, 1, "{backend}");
        assert_eq!(site_count(store, SiteLevel::Institute).await, 1, "{backend}");
        assert_eq!(site_count(store, SiteLevel::Station).await, 2, "{backend}");
        let again = import_regions(store, &path).await.unwrap();
        assert_eq!((again.imported, again.unchanged), (0, 6), "{backend}");
        assert_eq!(
            rejected(&again),
            [
                (8, "level", "region_level_invalid"),
                (9, "parent_code", "region_unknown")
            ],
            "{backend}"
        );
        assert_eq!(again.summary(), "imported 0, unchanged 6, rejected 2");
        // A population is an update; a parent already stored is accepted.
        let more = "code,name,level,parent_code,population\n360111,青山湖区,county,3601,600000\n\
                    360111002,湖坊镇,township,360111,\n";
        let report = import_regions(store, write(setup.dir.path(), "more.csv", more))
            .await
            .unwrap();
        assert_eq!(
            (report.imported, report.unchanged, report.rejected.len()),
            (2, 0, 0),
            "{backend}"
        );
        assert_eq!(store.region("360111").await.unwrap().unwrap().population, Some(600_000));
        assert_eq!(site_count(store, SiteLevel::Institute).await, 2, "{backend}");
    }
}

#[tokio::test]
async fn volunteers_import_good_rows_report_bad_ones_and_run_again_unchanged() {
    for setup in setups().await {
        let backend = setup.backend;
        let first = id((1980, 3, 14), 11);
        let csv = format!(
            "name,id_number,phone,region_code,political_status,skills\n\
             张三,{first},13900000001,360111001002,中共党员,医疗救护; 法律咨询\n\
             李四,{},13900000002,360111001200,群众,\n\
             王五,{},13900000003,360111001002,,\n\
             赵六,{},13900000004,360111001003,,\n\
             钱七,{},12345,360111001002,,\n\
             孙八,{first},13900000005,360111001002,,\n\
             周九,{},13900000001,360111001002,,\n\
             吴十,{},13900000006,360111,共青团员,\n",
            id((1955, 1, 1), 22),
            bad_check(&id((1990, 6, 1), 33)),
            id((1991, 6, 1), 44),
            id((1992, 6, 1), 55),
            id((1993, 6, 1), 66),
            id((2000, 12, 31), 77),
        );
        let path = write(setup.dir.path(), "volunteers.csv", &csv);
        let report = import_volunteers(&setup.store, &path, today()).await.unwrap();
        let expected_rejections = [
            (4, "id_number", "id_number_invalid"),
            (5, "region_code", "region_unknown"),
            (6, "phone", "phone_invalid"),
            (7, "id_number", "id_number_taken"),
            (8, "phone", "phone_taken"),
        ];
        assert_eq!(rejected(&report), expected_rejections, "{backend}");
        assert_eq!((report.imported, report.unchanged), (3, 0), "{backend}");
        assert_eq!(report.summary(), "imported 3, unchanged 0, rejected 5");
        let stored = volunteers(&setup.store).await;
        let names: Vec<&str> = stored.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["张三", "李四", "吴十"], "{backend}");
        assert_eq!(stored[0].skill_list(), ["医疗救护", "法律咨询"]);
        assert_eq!(stored[0].political_status, "party_member");
        assert!(stored[1].rural && !stored[0].rural);

        let again = import_volunteers(&setup.store, &path, today()).await.unwrap();
        assert_eq!((again.imported, again.unchanged), (0, 3), "{backend}");
        assert_eq!(rejected(&again), expected_rejections, "{backend}");
        assert_eq!(volunteers(&setup.store).await.len(), 3, "{backend}");

        let mut out = Vec::new();
        again.write_rejected_csv(&mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.starts_with("row,column,code,detail\n4,id_number,id_number_invalid,"),
            "{out}"
        );
        assert_eq!(out.lines().count(), 6);
    }
}

#[tokio::test]
async fn xlsx_with_the_same_header_in_any_order_imports() {
    for setup in setups().await {
        let backend = setup.backend;
        let path = setup.dir.path().join("volunteers.xlsx");
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (column, name) in [
            "phone",
            "name",
            "region_code",
            "id_number",
            "skills",
            "political_status",
        ]
        .into_iter()
        .enumerate()
        {
            sheet.write_string(0, column as u16, name).unwrap();
        }
        // Phones typed as numbers, as spreadsheets do.
        sheet.write_number(1, 0, 13_900_000_011.0).unwrap();
        sheet.write_string(1, 1, "陈一").unwrap();
        sheet.write_string(1, 2, "360111001002").unwrap();
        sheet.write_string(1, 3, id((1985, 2, 3), 101)).unwrap();
        sheet.write_string(1, 4, "摄影;驾驶").unwrap();
        sheet.write_string(1, 5, "中共预备党员").unwrap();
        sheet.write_string(2, 0, "13900000012").unwrap();
        sheet.write_string(2, 1, "陈二").unwrap();
        sheet.write_number(2, 2, 360_111_001_200.0).unwrap();
        sheet.write_string(2, 3, id((1986, 2, 3), 102)).unwrap();
        // Row 6 of the sheet, after blank rows.
        sheet.write_string(5, 0, "13900000013").unwrap();
        sheet.write_string(5, 1, "陈三").unwrap();
        sheet.write_string(5, 2, "360111001002").unwrap();
        sheet.write_string(5, 3, bad_check(&id((1987, 2, 3), 103))).unwrap();
        workbook.save(&path).unwrap();

        let report = import_volunteers(&setup.store, &path, today()).await.unwrap();
        assert_eq!(rejected(&report), [(6, "id_number", "id_number_invalid")], "{backend}");
        assert_eq!(report.imported, 2, "{backend}");
        let stored = volunteers(&setup.store).await;
        assert_eq!(stored[0].phone_masked, "139****0011");
        assert_eq!(stored[0].skill_list(), ["摄影", "驾驶"]);
        assert_eq!(stored[1].region_code, "360111001200");
        let again = import_volunteers(&setup.store, &path, today()).await.unwrap();
        assert_eq!((again.imported, again.unchanged), (0, 2), "{backend}");
    }
}

#[tokio::test]
async fn bom_and_crlf_are_accepted_and_a_missing_column_is_a_file_error() {
    for setup in setups().await {
        let backend = setup.backend;
        let csv = format!(
            "\u{feff}name,id_number,phone,region_code\r\n林一,{},13900000021,360111001002\r\n",
            id((1970, 1, 1), 201)
        );
        let report = import_volunteers(&setup.store, write(setup.dir.path(), "bom.csv", &csv), today())
            .await
            .unwrap();
        assert_eq!((report.imported, report.rejected.len()), (1, 0), "{backend}");

        let csv = format!(
            "name,id_number,region_code\n林二,{},360111001002\n",
            id((1971, 1, 1), 202)
        );
        let error = import_volunteers(&setup.store, write(setup.dir.path(), "nophone.csv", &csv), today())
            .await
            .unwrap_err();
        assert!(matches!(&error, ImportError::MissingColumns { missing, .. } if missing == &["phone"]));
        assert!(error.to_string().contains("missing column(s) phone"), "{error}");
        assert_eq!(volunteers(&setup.store).await.len(), 1, "{backend}");

        let error = import_volunteers(&setup.store, write(setup.dir.path(), "v.txt", ""), today())
            .await
            .unwrap_err();
        assert!(matches!(error, ImportError::UnsupportedFormat { .. }));
        let error = import_volunteers(&setup.store, setup.dir.path().join("absent.csv"), today())
            .await
            .unwrap_err();
        assert!(matches!(error, ImportError::Io { .. }));
    }
}

#[tokio::test]
async fn organizations_resolve_parents_and_report_bad_codes() {
    for setup in setups().await {
        let backend = setup.backend;
        let csv = "name,region_code,kind,uscc,parent_name\n\
                   青山湖区志愿者协会分队,360111,社会组织,,青山湖区志愿者协会\n\
                   青山湖区志愿者协会,360111,social_organization,91350100M000100Y43,\n\
                   坏码队,360111,community_team,91350100M000100Y44,\n\
                   孤儿队,360111001002,party_member_team,,不存在的组织\n\
                   无类队,360111,club,,\n\
                   湖坊村志愿服务队,360111001200,村（社区）志愿服务队,,青山湖区志愿者协会\n\
                   外地队,360999,school,,\n";
        let path = write(setup.dir.path(), "organizations.csv", csv);
        let report = import_organizations(&setup.store, &path).await.unwrap();
        let expected_rejections = [
            (4, "uscc", "uscc_invalid"),
            (5, "parent_name", "parent_unknown"),
            (6, "kind", "org_kind_invalid"),
            (8, "region_code", "region_unknown"),
        ];
        assert_eq!(rejected(&report), expected_rejections, "{backend}");
        assert_eq!((report.imported, report.unchanged), (3, 0), "{backend}");
        let stored = organizations(&setup.store).await;
        let by_name = |name: &str| stored.iter().find(|o| o.name == name).unwrap();
        let parent = by_name("青山湖区志愿者协会");
        assert_eq!(parent.uscc.as_deref(), Some("91350100M000100Y43"));
        assert_eq!(parent.parent_id, None);
        assert_eq!(
            by_name("青山湖区志愿者协会分队").parent_id,
            Some(parent.id),
            "{backend}"
        );
        let village_team = by_name("湖坊村志愿服务队");
        assert_eq!(village_team.parent_id, Some(parent.id), "{backend}");
        assert_eq!(
            (village_team.kind.as_str(), village_team.join_mode.as_str()),
            ("community_team", "review")
        );
        assert!(stored.iter().all(|o| !o.is_verified()));

        let again = import_organizations(&setup.store, &path).await.unwrap();
        assert_eq!((again.imported, again.unchanged), (0, 3), "{backend}");
        assert_eq!(rejected(&again), expected_rejections, "{backend}");
        assert_eq!(organizations(&setup.store).await.len(), 3, "{backend}");
    }
}

/// The division list shipped with the repository: 1 province, 11 cities,
/// 100 counties, 1,767 townships, 22,080 villages and communities; then a
/// generated volunteer file in its villages.
#[tokio::test]
async fn the_shipped_jiangxi_list_loads_with_every_site() {
    // Read at run time: a build cache shared by several checkouts (CI's
    // clones) may hand this binary to a checkout at another path.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR for tests");
    let path = Path::new(&manifest_dir).join("../../data/jiangxi-regions.csv");
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("generated.csv");
    write_generated_volunteers(std::fs::File::create(&generated).unwrap(), 1_000, 42).unwrap();
    for database in fresh_databases().await {
        let backend = database.backend;
        let store = open_store(&database).await;
        let report = import_regions(&store, &path).await.unwrap();
        assert_eq!(report.summary(), "imported 23959, unchanged 0, rejected 0", "{backend}");
        assert_eq!(store.region_count().await.unwrap(), 23_959);
        assert_eq!(site_count(&store, SiteLevel::Center).await, 100, "{backend}");
        assert_eq!(site_count(&store, SiteLevel::Institute).await, 1_767, "{backend}");
        assert_eq!(site_count(&store, SiteLevel::Station).await, 22_080, "{backend}");

        let report = import_volunteers(&store, &generated, today()).await.unwrap();
        assert_eq!(
            report.summary(),
            "imported 1000, unchanged 0, rejected 0",
            "{:?}",
            report.rejected.first()
        );
    }
}
