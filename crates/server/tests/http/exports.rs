//! Exports over HTTP: who may take which rows, CSV streamed with its
//! cells neutralised, an XLSX read back and compared with the JSON figures,
//! personal data masked and every export of it audited.

use super::*;
use calamine::{Data, Reader, Xlsx};

/// The status, content type and bytes of an export.
async fn download(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, String, Vec<u8>) {
    let mut request = app.client.get(format!("{}{path}", app.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, response.bytes().await.unwrap().to_vec())
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark first");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn exports_keep_to_the_scope_mask_people_and_are_audited() {
    for app in apps().await {
        let (county, volunteer) = (app.demo(2).await, app.demo(5).await);
        let (status, content_type, bytes) = download(&app, "/api/v1/exports/volunteers", Some(&county)).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{}: {}",
            app.backend,
            String::from_utf8_lossy(&bytes)
        );
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        let rows = csv_rows(&bytes);
        assert_eq!(rows[0][0], "志愿者编号");
        let statistics = app.get("/api/v1/stats/regions/360111", Some(&county)).await;
        assert_eq!(
            rows.len() as i64 - 1,
            statistics.body["volunteers"].as_i64().unwrap(),
            "{}: every volunteer of the county, once",
            app.backend
        );
        for row in &rows[1..] {
            assert!(row[2].contains("****"), "a masked ID number: {row:?}");
            assert!(row[3].contains("****"), "a masked phone: {row:?}");
            assert!(row[7].starts_with("360111"), "only the county's volunteers: {row:?}");
        }
        // The records of the year, and the effective ones in the national layout.
        let (status, _, bytes) = download(&app, "/api/v1/exports/records", Some(&county)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(csv_rows(&bytes)[0][0], "记录编号");
        let (status, _, bytes) = download(&app, "/api/v1/exports/national-records", Some(&county)).await;
        assert_eq!(status, StatusCode::OK);
        let national = csv_rows(&bytes);
        assert_eq!(national[0][..3], ["FWJLBH", "ZYZBH", "ZYZXM"]);
        assert_eq!(
            national.len() as i64 - 1,
            statistics.body["records"].as_i64().unwrap(),
            "{}: every effective record of the year",
            app.backend
        );
        for row in &national[1..] {
            assert_eq!(row[3], "1", "ID type: resident identity card");
            assert!(row[4].contains("****"), "never the whole ID number: {row:?}");
            assert_eq!(row[11].len(), 14, "start as YYYYMMDDhhmmss: {row:?}");
        }
        let audited = app.store.audit_entries("export", "volunteers").await.unwrap();
        assert_eq!(audited.len(), 1, "{}: the export is in the audit log", app.backend);
        // Outside the scope, not an administrator, not logged in, unknown kind or format.
        for (path, token, expected) in [
            (
                "/api/v1/exports/volunteers?region=360102",
                Some(&county),
                StatusCode::FORBIDDEN,
            ),
            ("/api/v1/exports/records", Some(&volunteer), StatusCode::FORBIDDEN),
            ("/api/v1/exports/records", None, StatusCode::UNAUTHORIZED),
            ("/api/v1/exports/passwords", Some(&county), StatusCode::NOT_FOUND),
            (
                "/api/v1/exports/records?format=pdf",
                Some(&county),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "/api/v1/exports/records?from=2026-02-30",
                Some(&county),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ] {
            let (status, _, body) = download(&app, path, token.map(String::as_str)).await;
            assert_eq!(status, expected, "{path}: {}", String::from_utf8_lossy(&body));
        }
        assert_eq!(
            app.store.audit_entries("export", "records").await.unwrap().len(),
            1,
            "the export made, not the refused ones"
        );
    }
}

#[tokio::test]
async fn a_workbook_reads_back_as_the_figures_and_formulas_never_run() {
    for app in apps().await {
        let (county, volunteer) = (app.demo(2).await, app.demo(5).await);
        // An organization whose name a spreadsheet would take for a formula.
        let created = app
            .post(
                "/api/v1/organizations",
                Some(&volunteer),
                json!({"name": "=HYPERLINK(\"http://x\")队", "region_code": "360111", "kind": "community_team"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        let id = created.body["id"].as_str().unwrap();
        let verified = app
            .post(&format!("/api/v1/organizations/{id}/verify"), Some(&county), json!({}))
            .await;
        assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
        let (status, _, bytes) = download(
            &app,
            "/api/v1/exports/rankings?level=organization&metric=activities",
            Some(&county),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&bytes));
        let rows = csv_rows(&bytes);
        assert!(
            rows.iter().any(|row| row[2] == "'=HYPERLINK(\"http://x\")队"),
            "{}: the name neutralised: {rows:?}",
            app.backend
        );
        assert!(!rows.iter().any(|row| row[2].starts_with('=')));

        let (status, content_type, bytes) =
            download(&app, "/api/v1/exports/statistics?format=xlsx", Some(&county)).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&bytes));
        assert!(content_type.contains("spreadsheetml"), "{content_type}");
        let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
        let rows: Vec<&[Data]> = sheet.rows().collect();
        assert_eq!(rows[0][0], Data::String("地区代码".into()));
        assert_eq!(rows[1][0], Data::String("360111".into()));
        let json = app.get("/api/v1/stats/regions/360111", Some(&county)).await.body;
        let number = |cell: &Data| match cell {
            Data::Float(value) => *value,
            Data::Int(value) => *value as f64,
            other => panic!("not a number: {other:?}"),
        };
        assert_eq!(
            number(&rows[1][2]),
            json["volunteers"].as_f64().unwrap(),
            "{}",
            app.backend
        );
        assert_eq!(number(&rows[1][4]), json["effective_hours"].as_f64().unwrap());
        assert_eq!(number(&rows[1][12]), json["closed_loops"].as_f64().unwrap());
        // The county's townships follow it, one row each.
        assert_eq!(rows.len() - 2, json["children"].as_array().unwrap().len());
    }
}
