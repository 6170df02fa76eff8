//! Integration tests: the real server on port 0 over a fresh database of
//! each backend, spoken to over HTTP as a client would.

mod support;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use zhiyuan_domain::id_number::compose;
use zhiyuan_domain::role::Role;
use zhiyuan_server::auth::Passwords;
use zhiyuan_server::demo::DEMO_PASSWORD;
use zhiyuan_store::Store;
use zhiyuan_store::testing::{TestDatabase, fresh_databases, open_store};

struct TestApp {
    backend: &'static str,
    base: String,
    client: Client,
    store: Store,
    _database: TestDatabase,
}

struct Reply {
    status: StatusCode,
    content_type: String,
    body: Value,
}

impl TestApp {
    async fn start(database: TestDatabase) -> Self {
        let store = open_store(&database).await;
        let base = support::serve_fixture(&store).await;
        TestApp {
            backend: database.backend,
            base,
            client: Client::new(),
            store,
            _database: database,
        }
    }

    async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            content_type,
            body,
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    async fn login(&self, phone: &str, password: &str) -> String {
        let reply = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"phone": phone, "password": password}),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{}: login {phone}: {:?}",
            self.backend,
            reply.body
        );
        reply.body["token"].as_str().unwrap().to_string()
    }

    async fn demo(&self, n: u8) -> String {
        self.login(&format!("1380000000{n}"), DEMO_PASSWORD).await
    }
}

async fn apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for database in fresh_databases().await {
        apps.push(TestApp::start(database).await);
    }
    apps
}

fn assert_problem(reply: &Reply, status: StatusCode, code: &str, context: &str) {
    assert_eq!(reply.status, status, "{context}: {:?}", reply.body);
    assert_eq!(reply.body["code"], code, "{context}: {:?}", reply.body);
    assert!(
        reply.content_type.starts_with("application/problem+json"),
        "{context}: {}",
        reply.content_type
    );
    assert_eq!(reply.body["status"], status.as_u16(), "{context}");
}

fn registration(id_number: &str, phone: &str) -> Value {
    json!({
        "name": "测试志愿者",
        "id_number": id_number,
        "phone": phone,
        "password": "Zhiyuan2026",
        "region_code": "360111100200",
        "political_status": "中共党员",
        "skills": ["急救", "法律"],
    })
}

fn an_id(seq: u16) -> String {
    compose("360111", chrono::NaiveDate::from_ymd_opt(1988, 3, 9).unwrap(), seq)
}

#[tokio::test]
async fn health_openapi_and_metrics() {
    for app in apps().await {
        let health = app.get("/api/v1/health", None).await;
        assert_eq!(health.status, StatusCode::OK, "{}", app.backend);
        assert_eq!(health.body["database"], app.backend);
        let spec = app.get("/api/openapi.json", None).await;
        assert_eq!(spec.status, StatusCode::OK);
        for path in [
            "/api/v1/volunteers",
            "/api/v1/organizations/{id}/verify",
            "/api/v1/regions/{code}",
            "/api/v1/me",
        ] {
            assert!(spec.body["paths"][path].is_object(), "{path} missing from OpenAPI");
        }
        // Every operation of the document is routed: the router's own
        // "no such page" and "method not allowed" never answer it.
        let paths = spec.body["paths"].as_object().unwrap();
        let mut operations = 0;
        for (template, item) in paths {
            let path = template.replace(['{', '}'], "");
            for method in item.as_object().unwrap().keys() {
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let reply = app.call(method.clone(), &path, None, None).await;
                let unrouted = reply.status == StatusCode::METHOD_NOT_ALLOWED
                    || (reply.status == StatusCode::NOT_FOUND && reply.body["detail"] == "page not found");
                assert!(
                    !unrouted,
                    "{method} {template} is in the OpenAPI document but not routed"
                );
                operations += 1;
            }
        }
        assert!(operations >= 60, "only {operations} operations documented");
        let metrics = app.get("/metrics", None).await;
        let text = metrics.body.as_str().unwrap();
        assert!(text.contains("http_request_duration_seconds"), "{text}");
        assert!(text.contains("route=\"/api/v1/health\""), "{text}");
        let missing = app.get("/api/v1/nothing-here", None).await;
        assert_problem(&missing, StatusCode::NOT_FOUND, "not_found", "unknown path");
    }
}

#[tokio::test]
async fn demo_accounts_have_their_roles() {
    for app in apps().await {
        let expected = [
            (1, "province_admin", "region", "36"),
            (2, "county_admin", "region", "360111"),
            (3, "site_manager", "site", ""),
            (4, "org_admin", "organization", ""),
            (5, "volunteer", "region", "360111001002"),
            (6, "resident", "region", "360111001002"),
        ];
        for (n, role, kind, scope) in expected {
            let token = app.demo(n).await;
            let me = app.get("/api/v1/me", Some(&token)).await;
            assert_eq!(me.status, StatusCode::OK);
            let roles = me.body["roles"].as_array().unwrap();
            let found = roles
                .iter()
                .find(|r| r["role"] == role)
                .unwrap_or_else(|| panic!("{role}: {:?}", me.body));
            assert_eq!(found["scope"]["kind"], kind, "{role}");
            if !scope.is_empty() {
                assert_eq!(found["scope"]["id"], scope, "{role}");
            }
            assert!(me.body["user"]["phone"].as_str().unwrap().contains("****"));
        }
        let volunteer = app.get("/api/v1/me", Some(&app.demo(5).await)).await;
        assert!(volunteer.body["volunteer_id"].is_string(), "{}", app.backend);
    }
}

#[tokio::test]
async fn login_logout_and_throttle() {
    for app in apps().await {
        let wrong = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"phone": "13800000001", "password": "nope"}),
            )
            .await;
        assert_problem(
            &wrong,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong password",
        );
        let unknown = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"phone": "13899999999", "password": "nope"}),
            )
            .await;
        assert_problem(
            &unknown,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "unknown phone",
        );

        let token = app.demo(1).await;
        assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, StatusCode::OK);
        let out = app.post("/api/v1/auth/logout", Some(&token), json!({})).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
        assert_problem(
            &app.get("/api/v1/me", Some(&token)).await,
            StatusCode::UNAUTHORIZED,
            "session_expired",
            "after logout",
        );
        assert_problem(
            &app.get("/api/v1/me", None).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "no token",
        );

        for _ in 0..5 {
            app.post(
                "/api/v1/auth/login",
                None,
                json!({"phone": "13800000002", "password": "wrong"}),
            )
            .await;
        }
        let blocked = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"phone": "13800000002", "password": DEMO_PASSWORD}),
            )
            .await;
        assert_problem(
            &blocked,
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "throttled phone",
        );
        // another phone from the same address still logs in
        app.demo(3).await;
    }
}

#[tokio::test]
async fn regions_and_sites() {
    for app in apps().await {
        let city = app.get("/api/v1/regions/3601", None).await;
        assert_eq!(city.status, StatusCode::OK);
        assert_eq!(city.body["name"], "南昌市");
        assert_eq!(city.body["parent_code"], "36");
        let children: Vec<&str> = city.body["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap())
            .collect();
        assert_eq!(children, ["360102", "360111"], "{}", app.backend);
        assert_problem(
            &app.get("/api/v1/regions/999999", None).await,
            StatusCode::NOT_FOUND,
            "not_found",
            "unknown region",
        );

        let centers = app.get("/api/v1/sites?region=360111&level=center", None).await;
        assert_eq!(centers.status, StatusCode::OK);
        let items = centers.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["name"], "青山湖区新时代文明实践中心");
        assert_eq!(items[0]["region_code"], "360111");
        let all = app.get("/api/v1/sites?region=360111", None).await;
        assert_eq!(all.body["items"].as_array().unwrap().len(), 5, "{}", app.backend);
        assert_problem(
            &app.get("/api/v1/sites?region=369999", None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "region_unknown",
            "sites of unknown region",
        );
        assert_problem(
            &app.get("/api/v1/sites?region=360111&level=hut", None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "site_level_invalid",
            "bad level",
        );
        assert_problem(
            &app.get("/api/v1/sites?region=360111&limit=abc", None).await,
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "bad limit",
        );

        let center_id = items[0]["id"].as_str().unwrap().to_string();
        let manager = app.demo(3).await;
        let update =
            json!({"name": "青山湖区新时代文明实践中心", "address": "青山湖大道1号", "lat": 28.68, "lon": 115.95});
        let updated = app
            .call(
                Method::PUT,
                &format!("/api/v1/sites/{center_id}"),
                Some(&manager),
                Some(update.clone()),
            )
            .await;
        assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
        assert_eq!(updated.body["address"], "青山湖大道1号");
        let volunteer = app.demo(5).await;
        let refused = app
            .call(
                Method::PUT,
                &format!("/api/v1/sites/{center_id}"),
                Some(&volunteer),
                Some(update),
            )
            .await;
        assert_problem(
            &refused,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "volunteer edits a site",
        );
    }
}

#[tokio::test]
async fn registration_rules_and_bad_input() {
    for app in apps().await {
        let id = an_id(17);
        let created = app
            .post("/api/v1/volunteers", None, registration(&id, "13700000001"))
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{}: {:?}",
            app.backend,
            created.body
        );
        let number = created.body["volunteer_no"].as_str().unwrap();
        assert!(number.starts_with("V360111") && number.len() == 18, "{number}");
        // The first and last characters only, and no birth date: nothing
        // to rebuild the number from.
        assert_eq!(
            created.body["id_number"],
            format!("{}****************{}", &id[..1], &id[17..])
        );
        assert!(created.body.get("birth_date").is_none(), "{:?}", created.body);
        assert_eq!(created.body["age_band"], "35_59");
        assert_eq!(created.body["phone"], "137****0001");
        assert_eq!(created.body["categories"]["party_member"], true);
        assert_eq!(created.body["categories"]["rural"], true);
        assert_eq!(created.body["sex"], "male");

        let lower_x = id.to_lowercase();
        let taken = app
            .post("/api/v1/volunteers", None, registration(&lower_x, "13700000002"))
            .await;
        assert_problem(&taken, StatusCode::CONFLICT, "id_number_taken", "same ID");

        let mut bad_check = id.clone().into_bytes();
        bad_check[17] = if bad_check[17] == b'1' { b'2' } else { b'1' };
        let reply = app
            .post(
                "/api/v1/volunteers",
                None,
                registration(&String::from_utf8(bad_check).unwrap(), "13700000003"),
            )
            .await;
        assert_problem(
            &reply,
            StatusCode::UNPROCESSABLE_ENTITY,
            "id_number_invalid",
            "bad check character",
        );
        assert_eq!(reply.body["field"], "id_number");
        let reply = app
            .post(
                "/api/v1/volunteers",
                None,
                registration("36011119880230001X", "13700000003"),
            )
            .await;
        assert_problem(
            &reply,
            StatusCode::UNPROCESSABLE_ENTITY,
            "id_number_invalid",
            "30 February",
        );

        let mut unknown_region = registration(&an_id(19), "13700000004");
        unknown_region["region_code"] = json!("360111009999");
        assert_problem(
            &app.post("/api/v1/volunteers", None, unknown_region).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "region_unknown",
            "region",
        );
        let mut weak = registration(&an_id(21), "13700000005");
        weak["password"] = json!("abc12345");
        assert_problem(
            &app.post("/api/v1/volunteers", None, weak).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "password_weak",
            "weak",
        );
        let mut child = registration(
            &compose("360111", chrono::NaiveDate::from_ymd_opt(2016, 1, 1).unwrap(), 23),
            "13700000006",
        );
        child["political_status"] = json!("群众");
        assert_problem(
            &app.post("/api/v1/volunteers", None, child.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "guardian_required",
            "child",
        );
        child["guardian"] = json!({"name": "家长", "phone": "13700000099", "consent": true});
        let created_child = app.post("/api/v1/volunteers", None, child).await;
        assert_eq!(created_child.status, StatusCode::CREATED, "{:?}", created_child.body);
        assert_eq!(created_child.body["categories"]["minor"], true);
        let same_phone = app
            .post("/api/v1/volunteers", None, registration(&an_id(25), "13700000001"))
            .await;
        assert_problem(&same_phone, StatusCode::CONFLICT, "phone_taken", "phone");

        // malformed, wrongly shaped and oversized bodies
        let raw = app
            .client
            .post(format!("{}/api/v1/volunteers", app.base))
            .header("content-type", "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
        assert_eq!(raw.json::<Value>().await.unwrap()["code"], "malformed_json");
        let missing = app.post("/api/v1/volunteers", None, json!({"name": "x"})).await;
        assert_problem(&missing, StatusCode::BAD_REQUEST, "invalid_body", "missing fields");
        let huge = app
            .post("/api/v1/volunteers", None, json!({"name": "x".repeat(100_000)}))
            .await;
        assert_problem(&huge, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "huge body");
        let text = app
            .client
            .post(format!("{}/api/v1/volunteers", app.base))
            .body("name=x")
            .send()
            .await
            .unwrap();
        assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

        // the new volunteer logs in and sees their whole ID; the read is audited
        let token = app.login("13700000001", "Zhiyuan2026").await;
        let volunteer_id = created.body["id"].as_str().unwrap();
        let own = app
            .get(&format!("/api/v1/volunteers/{volunteer_id}"), Some(&token))
            .await;
        assert_eq!(own.body["id_number"], id.as_str(), "{}", app.backend);
        assert_eq!(own.body["personal_data_visible"], true);
        let audit = app.store.audit_entries("volunteer", volunteer_id).await.unwrap();
        assert!(audit.iter().any(|e| e.action == "volunteer.personal_data_read"));
    }
}

#[tokio::test]
async fn scope_rules_for_volunteers() {
    for app in apps().await {
        let created = app
            .post("/api/v1/volunteers", None, registration(&an_id(31), "13700000011"))
            .await;
        let volunteer_id = created.body["id"].as_str().unwrap().to_string();
        // a county admin of 360102 (东湖区)
        let other_admin = app
            .store
            .create_user("13600000002", "东湖区文明办", None, 0)
            .await
            .unwrap();
        let hash = Passwords::new(1).hash("Donghu2026x".into()).await.unwrap();
        app.store.set_password(other_admin, &hash, 0).await.unwrap();
        app.store
            .grant_role(other_admin, Role::CountyAdmin, "360102", "36/3601/360102", None, 0)
            .await
            .unwrap();
        let donghu = app.login("13600000002", "Donghu2026x").await;
        let qingshanhu = app.demo(2).await;

        let path = format!("/api/v1/volunteers/{volunteer_id}");
        assert_problem(
            &app.get(&path, Some(&donghu)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "other county reads",
        );
        let seen = app.get(&path, Some(&qingshanhu)).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert_eq!(
            seen.body["id_number"],
            an_id(31),
            "{}: covering admin sees the whole ID",
            app.backend
        );
        let province = app.get(&path, Some(&app.demo(1).await)).await;
        assert_eq!(province.body["personal_data_visible"], true);
        let resident = app.get(&path, Some(&app.demo(6).await)).await;
        assert_problem(&resident, StatusCode::FORBIDDEN, "forbidden_scope", "resident reads");

        assert_problem(
            &app.get("/api/v1/volunteers?region=360111", Some(&donghu)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "other county lists",
        );
        let transfer = app
            .post(
                &format!("{path}/transfer"),
                Some(&donghu),
                json!({"region_code": "360102002001"}),
            )
            .await;
        assert_problem(
            &transfer,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "other county transfers",
        );

        let listed = app
            .get(
                "/api/v1/volunteers?region=360111&category=party_member",
                Some(&qingshanhu),
            )
            .await;
        assert_eq!(listed.status, StatusCode::OK);
        let items = listed.body["items"].as_array().unwrap();
        assert!(
            items.iter().any(|v| v["id"] == volunteer_id.as_str()),
            "{}",
            app.backend
        );
        assert!(
            items.iter().all(|v| v["id_number"].as_str().unwrap().contains('*')),
            "lists are masked"
        );
        let by_phone = app.get("/api/v1/volunteers?q=13700000011", Some(&qingshanhu)).await;
        assert_eq!(by_phone.body["items"].as_array().unwrap().len(), 1);
        let by_skill = app.get("/api/v1/volunteers?skill=法律", Some(&qingshanhu)).await;
        assert_eq!(by_skill.body["items"].as_array().unwrap().len(), 1, "{}", app.backend);
        assert_problem(
            &app.get("/api/v1/volunteers?category=young", Some(&qingshanhu)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "category_invalid",
            "category",
        );
        let paged = app.get("/api/v1/volunteers?limit=1", Some(&qingshanhu)).await;
        assert_eq!(paged.body["items"].as_array().unwrap().len(), 1);
        assert!(paged.body["next_cursor"].is_string(), "{}", app.backend);
        assert_problem(
            &app.get("/api/v1/volunteers", Some(&app.demo(5).await)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "volunteer lists",
        );

        // the volunteer moves to 东湖区: now that county sees them, with history
        let own = app.login("13700000011", "Zhiyuan2026").await;
        let moved = app
            .post(
                &format!("{path}/transfer"),
                Some(&own),
                json!({"region_code": "360102002001"}),
            )
            .await;
        assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
        assert_eq!(app.get(&path, Some(&donghu)).await.status, StatusCode::OK);
        assert_problem(
            &app.get(&path, Some(&qingshanhu)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "old county after transfer",
        );
        let history = app.get(&format!("{path}/transfers"), Some(&own)).await;
        assert_eq!(history.body.as_array().unwrap().len(), 1);
        assert_problem(
            &app.post(&format!("{path}/transfer"), Some(&own), json!({"region_code": "36"}))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "region_too_coarse",
            "province as home",
        );

        let consent = app
            .call(
                Method::PUT,
                &format!("{path}/consents"),
                Some(&own),
                Some(json!({"face": true})),
            )
            .await;
        assert_eq!(consent.body["consents"]["face"], true);
        assert_eq!(consent.body["consents"]["location"], false);
        let not_theirs = app
            .call(
                Method::PUT,
                &format!("{path}/consents"),
                Some(&donghu),
                Some(json!({"face": true})),
            )
            .await;
        assert_problem(
            &not_theirs,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "consent by another",
        );
        assert_problem(
            &app.get("/api/v1/volunteers/abc", Some(&own)).await,
            StatusCode::NOT_FOUND,
            "not_found",
            "bad id",
        );
    }
}

#[tokio::test]
async fn organizations_verification_and_membership() {
    for app in apps().await {
        let volunteer = app.demo(5).await;
        let created = app
            .post("/api/v1/organizations", Some(&volunteer), json!({"name": "湖坊社区环保队", "region_code": "360111001", "kind": "community_team", "join_mode": "review"}))
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{}: {:?}",
            app.backend,
            created.body
        );
        assert_eq!(created.body["verified"], false);
        let org_id = created.body["id"].as_str().unwrap().to_string();
        let bad_code = app
            .post(
                "/api/v1/organizations",
                Some(&volunteer),
                json!({"name": "某公司志愿队", "region_code": "360111", "kind": "unit", "uscc": "91350100M000100Y44"}),
            )
            .await;
        assert_problem(&bad_code, StatusCode::UNPROCESSABLE_ENTITY, "uscc_invalid", "uscc");
        let bad_kind = app
            .post(
                "/api/v1/organizations",
                Some(&volunteer),
                json!({"name": "某队", "region_code": "360111", "kind": "club"}),
            )
            .await;
        assert_problem(&bad_kind, StatusCode::UNPROCESSABLE_ENTITY, "org_kind_invalid", "kind");
        let bad_region = app
            .post(
                "/api/v1/organizations",
                Some(&volunteer),
                json!({"name": "某队", "region_code": "369999", "kind": "unit"}),
            )
            .await;
        assert_problem(
            &bad_region,
            StatusCode::UNPROCESSABLE_ENTITY,
            "region_unknown",
            "org region",
        );
        let duplicate = app
            .post(
                "/api/v1/organizations",
                Some(&volunteer),
                json!({"name": "湖坊社区环保队", "region_code": "360111001", "kind": "school"}),
            )
            .await;
        assert_problem(
            &duplicate,
            StatusCode::CONFLICT,
            "organization_exists",
            "duplicate name",
        );

        // unverified: hidden from the public, in the county's queue
        assert_problem(
            &app.get(&format!("/api/v1/organizations/{org_id}"), None).await,
            StatusCode::NOT_FOUND,
            "not_found",
            "unverified public",
        );
        let county = app.demo(2).await;
        let queue = app.get("/api/v1/organizations?verified=false", Some(&county)).await;
        assert!(
            queue.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["id"] == org_id.as_str()),
            "{}",
            app.backend
        );
        assert_problem(
            &app.get("/api/v1/organizations?region=360111&verified=false", None)
                .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "public queue",
        );

        let other_admin = app
            .store
            .create_user("13600000003", "东湖区文明办", None, 0)
            .await
            .unwrap();
        app.store
            .grant_role(other_admin, Role::CountyAdmin, "360102", "36/3601/360102", None, 0)
            .await
            .unwrap();
        let hash = Passwords::new(1).hash("Donghu2026x".into()).await.unwrap();
        app.store.set_password(other_admin, &hash, 0).await.unwrap();
        let donghu = app.login("13600000003", "Donghu2026x").await;
        let verify_path = format!("/api/v1/organizations/{org_id}/verify");
        assert_problem(
            &app.post(&verify_path, Some(&donghu), json!({})).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "other county verifies",
        );
        assert_problem(
            &app.post(&verify_path, Some(&volunteer), json!({})).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "creator verifies",
        );
        let verified = app.post(&verify_path, Some(&county), json!({})).await;
        assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
        assert_eq!(verified.body["verified"], true);
        assert_problem(
            &app.post(&verify_path, Some(&county), json!({})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_transition",
            "twice",
        );
        assert_eq!(
            app.get(&format!("/api/v1/organizations/{org_id}"), None).await.status,
            StatusCode::OK
        );

        // a second volunteer joins; review mode makes it pending until the admin approves
        app.post("/api/v1/volunteers", None, registration(&an_id(41), "13700000021"))
            .await;
        let member = app.login("13700000021", "Zhiyuan2026").await;
        let me = app.get("/api/v1/me", Some(&member)).await;
        let member_id = me.body["volunteer_id"].as_str().unwrap().to_string();
        let joined = app
            .post(
                &format!("/api/v1/organizations/{org_id}/members"),
                Some(&member),
                json!({}),
            )
            .await;
        assert_eq!(joined.status, StatusCode::CREATED);
        assert_eq!(joined.body["state"], "pending");
        let again = app
            .post(
                &format!("/api/v1/organizations/{org_id}/members"),
                Some(&member),
                json!({}),
            )
            .await;
        assert_problem(&again, StatusCode::CONFLICT, "already_member", "join twice");
        let resident = app.demo(6).await;
        let not_volunteer = app
            .post(
                &format!("/api/v1/organizations/{org_id}/members"),
                Some(&resident),
                json!({}),
            )
            .await;
        assert_problem(
            &not_volunteer,
            StatusCode::FORBIDDEN,
            "not_a_volunteer",
            "resident joins",
        );

        // the creator (now org admin) approves; the member is listed and readable (masked)
        let approve = format!("/api/v1/organizations/{org_id}/members/{member_id}/approve");
        assert_problem(
            &app.post(&approve, Some(&member), json!({})).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "self-approve",
        );
        let volunteer_again = app.demo(5).await;
        let approved = app.post(&approve, Some(&volunteer_again), json!({})).await;
        assert_eq!(approved.body["state"], "active", "{:?}", approved.body);
        let members = app
            .get(
                &format!("/api/v1/organizations/{org_id}/members?state=active"),
                Some(&volunteer_again),
            )
            .await;
        assert_eq!(members.body["items"].as_array().unwrap().len(), 1);
        let read = app
            .get(&format!("/api/v1/volunteers/{member_id}"), Some(&volunteer_again))
            .await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(
            read.body["personal_data_visible"], false,
            "{}: org admins see masked data",
            app.backend
        );
        let leave = app
            .post(
                &format!("/api/v1/organizations/{org_id}/members/{member_id}/leave"),
                Some(&member),
                json!({}),
            )
            .await;
        assert_eq!(leave.body["state"], "left");
        let closed = app
            .call(
                Method::PUT,
                &format!("/api/v1/organizations/{org_id}/join-mode"),
                Some(&volunteer_again),
                Some(json!({"join_mode": "closed"})),
            )
            .await;
        assert_eq!(closed.body["join_mode"], "closed");
        let refused = app
            .post(
                &format!("/api/v1/organizations/{org_id}/members"),
                Some(&member),
                json!({}),
            )
            .await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, "org_closed", "closed");

        let public = app.get("/api/v1/organizations?region=360111&q=环保", None).await;
        assert_eq!(public.body["items"].as_array().unwrap().len(), 1, "{}", app.backend);
        assert_problem(
            &app.get("/api/v1/organizations", None).await,
            StatusCode::BAD_REQUEST,
            "region_required",
            "no region",
        );
    }
}

#[tokio::test]
async fn id_appeal_is_resolved_by_the_county() {
    for app in apps().await {
        let ctx = app.backend;
        let id = an_id(51);
        // The holder lives in 青山湖区 (360111); the appellant says 东湖区 (360102).
        app.post("/api/v1/volunteers", None, registration(&id, "13700000031"))
            .await;
        let appeal = app
            .post("/api/v1/id-appeals", None, json!({"name": "真本人", "id_number": id, "phone": "13700000032", "region_code": "360102002001", "reason": "身份证被冒用"}))
            .await;
        assert_eq!(appeal.status, StatusCode::CREATED, "{ctx}: {:?}", appeal.body);
        // An appeal about a number nobody holds gets the same answer: filing
        // tells nobody who is registered.
        let not_taken = app
            .post("/api/v1/id-appeals", None, json!({"name": "某人", "id_number": an_id(53), "phone": "13700000033", "region_code": "360111", "reason": "x"}))
            .await;
        assert_eq!(not_taken.status, StatusCode::CREATED, "{ctx}: {:?}", not_taken.body);
        let keys = |reply: &Reply| {
            let mut keys: Vec<String> = reply.body.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        };
        assert_eq!(keys(&not_taken), keys(&appeal), "{ctx}");
        assert_eq!(not_taken.body["detail"], appeal.body["detail"], "{ctx}");
        // The administrators of the appellant's county (they chose it) neither
        // see nor resolve it.
        let donghu_hash = Passwords::new(1).hash("Donghu2026".into()).await.unwrap();
        let donghu = app
            .store
            .create_user(
                "13700000039",
                "东湖区文明办",
                Some(&donghu_hash),
                support::now().timestamp_millis(),
            )
            .await
            .unwrap();
        app.store
            .grant_role(
                donghu,
                Role::CountyAdmin,
                "360102",
                "36/3601/360102",
                None,
                support::now().timestamp_millis(),
            )
            .await
            .unwrap();
        let elsewhere = app.login("13700000039", "Donghu2026").await;
        let listed = app.get("/api/v1/id-appeals", Some(&elsewhere)).await;
        assert!(
            listed.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["id"] != appeal.body["id"]),
            "{ctx}: {:?}",
            listed.body
        );
        let appeal_id = appeal.body["id"].as_str().unwrap();
        assert_problem(
            &app.post(
                &format!("/api/v1/id-appeals/{appeal_id}/resolve"),
                Some(&elsewhere),
                json!({"upheld": true, "resolution": "核实"}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        // The holder's county does.
        let county = app.demo(2).await;
        let listed = app.get("/api/v1/id-appeals", Some(&county)).await;
        let mine: Vec<&Value> = listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["id"] == appeal.body["id"])
            .collect();
        assert_eq!(mine.len(), 1, "{ctx}: {:?}", listed.body);
        assert_eq!(mine[0]["holder_region_code"], "360111100200");
        let resolved = app
            .post(
                &format!("/api/v1/id-appeals/{appeal_id}/resolve"),
                Some(&county),
                json!({"upheld": true, "resolution": "核实"}),
            )
            .await;
        assert_eq!(resolved.body["status"], "upheld", "{:?}", resolved.body);
        let mut rightful = registration(&id, "13700000032");
        rightful["name"] = json!("真本人");
        assert_eq!(
            app.post("/api/v1/volunteers", None, rightful).await.status,
            StatusCode::CREATED,
            "{ctx}"
        );
        // At most three appeals a day from one address.
        let third = app
            .post("/api/v1/id-appeals", None, json!({"name": "某人", "id_number": an_id(54), "phone": "13700000034", "region_code": "360111", "reason": "x"}))
            .await;
        assert_eq!(third.status, StatusCode::CREATED, "{ctx}: {:?}", third.body);
        let fourth = app
            .post("/api/v1/id-appeals", None, json!({"name": "某人", "id_number": an_id(55), "phone": "13700000035", "region_code": "360111", "reason": "x"}))
            .await;
        assert_problem(&fourth, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", ctx);
    }
}

#[tokio::test]
async fn imported_accounts_activate_and_password_change_revokes() {
    for app in apps().await {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let input = zhiyuan_domain::volunteer::RegistrationInput {
            name: "导入者".into(),
            id_number: an_id(61),
            phone: "13700000041".into(),
            region_code: "360111001002".into(),
            ..Default::default()
        };
        let registration = zhiyuan_domain::volunteer::register(&input, today).unwrap();
        app.store
            .import_volunteers(&[registration], support::now().timestamp_millis())
            .await
            .unwrap();
        let not_active = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"phone": "13700000041", "password": "Whatever1x"}),
            )
            .await;
        // Nobody learns that this account waits for activation: the answer
        // is the one every failed login gets.
        assert_problem(&not_active, StatusCode::UNAUTHORIZED, "invalid_credentials", "imported");
        let unknown = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"phone": "13700000049", "password": "Whatever1x"}),
            )
            .await;
        assert_eq!(unknown.body, not_active.body, "{}", app.backend);
        let first_code = app.store.outbox_for("13700000041").await.unwrap()[0].payload["code"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(first_code.len(), 8, "{first_code}");
        // A new code on request (the same answer for a phone with no such
        // account); it replaces the first one.
        let requested = app
            .post("/api/v1/auth/activation-code", None, json!({"phone": "13700000041"}))
            .await;
        assert_eq!(requested.status, StatusCode::ACCEPTED, "{:?}", requested.body);
        let stranger = app
            .post("/api/v1/auth/activation-code", None, json!({"phone": "13700000049"}))
            .await;
        assert_eq!((stranger.status, &stranger.body), (requested.status, &requested.body));
        assert!(app.store.outbox_for("13700000049").await.unwrap().is_empty());
        let codes = app.store.outbox_for("13700000041").await.unwrap();
        assert_eq!(codes.len(), 2, "{}", app.backend);
        let code = codes[1].payload["code"].as_str().unwrap().to_string();
        let replaced = app
            .post(
                "/api/v1/auth/activate",
                None,
                json!({"phone": "13700000041", "code": first_code, "password": "Imported2026"}),
            )
            .await;
        assert_problem(
            &replaced,
            StatusCode::UNPROCESSABLE_ENTITY,
            "activation_code_invalid",
            "replaced code",
        );
        let wrong = app
            .post(
                "/api/v1/auth/activate",
                None,
                json!({"phone": "13700000041", "code": "000000x", "password": "Imported2026"}),
            )
            .await;
        assert_problem(
            &wrong,
            StatusCode::UNPROCESSABLE_ENTITY,
            "activation_code_invalid",
            "wrong code",
        );
        let activated = app
            .post(
                "/api/v1/auth/activate",
                None,
                json!({"phone": "13700000041", "code": code, "password": "Imported2026"}),
            )
            .await;
        assert_eq!(
            activated.status,
            StatusCode::OK,
            "{}: {:?}",
            app.backend,
            activated.body
        );
        let reused = app
            .post(
                "/api/v1/auth/activate",
                None,
                json!({"phone": "13700000041", "code": code, "password": "Imported2027"}),
            )
            .await;
        assert_problem(
            &reused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "activation_code_invalid",
            "code used twice",
        );

        let first = app.login("13700000041", "Imported2026").await;
        let second = app.login("13700000041", "Imported2026").await;
        let weak = app
            .post(
                "/api/v1/auth/password",
                Some(&first),
                json!({"current_password": "Imported2026", "new_password": "short"}),
            )
            .await;
        assert_problem(
            &weak,
            StatusCode::UNPROCESSABLE_ENTITY,
            "password_weak",
            "weak new password",
        );
        let changed = app
            .post(
                "/api/v1/auth/password",
                Some(&first),
                json!({"current_password": "Imported2026", "new_password": "Changed2027x"}),
            )
            .await;
        assert_eq!(changed.status, StatusCode::NO_CONTENT);
        assert_eq!(
            app.get("/api/v1/me", Some(&second)).await.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            app.backend
        );
        let third = app.login("13700000041", "Changed2027x").await;
        // Wrong current passwords are counted: the sixth try in 15 minutes waits.
        for _ in 0..5 {
            let wrong = app
                .post(
                    "/api/v1/auth/password",
                    Some(&third),
                    json!({"current_password": "Guess2026x", "new_password": "Changed2027x"}),
                )
                .await;
            assert_problem(&wrong, StatusCode::UNPROCESSABLE_ENTITY, "password_wrong", app.backend);
        }
        let sixth = app
            .post(
                "/api/v1/auth/password",
                Some(&third),
                json!({"current_password": "Guess2026x", "new_password": "Changed2027x"}),
            )
            .await;
        assert_problem(&sixth, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", app.backend);
    }
}

#[tokio::test]
async fn administrators_appoint_roles_inside_their_subtree() {
    for app in apps().await {
        app.post("/api/v1/volunteers", None, registration(&an_id(71), "13700000051"))
            .await;
        let county = app.demo(2).await;
        let stations = app.get("/api/v1/sites?region=360111001&level=station", None).await;
        let station = stations.body["items"][0]["id"].as_str().unwrap().to_string();
        let appointed = app
            .post(
                "/api/v1/role-grants",
                Some(&county),
                json!({"phone": "13700000051", "role": "site_manager", "scope_id": station}),
            )
            .await;
        assert_eq!(
            appointed.status,
            StatusCode::CREATED,
            "{}: {:?}",
            app.backend,
            appointed.body
        );
        let me = app
            .get("/api/v1/me", Some(&app.login("13700000051", "Zhiyuan2026").await))
            .await;
        let roles = me.body["roles"].as_array().unwrap();
        assert!(
            roles
                .iter()
                .any(|r| r["role"] == "site_manager" && r["scope"]["id"] == station.as_str()),
            "{:?}",
            me.body
        );

        let other_county = app
            .post(
                "/api/v1/role-grants",
                Some(&county),
                json!({"phone": "13700000051", "role": "county_admin", "scope_id": "360102"}),
            )
            .await;
        assert_problem(
            &other_county,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "appoint in another county",
        );
        let above = app
            .post(
                "/api/v1/role-grants",
                Some(&county),
                json!({"phone": "13700000051", "role": "city_admin", "scope_id": "3601"}),
            )
            .await;
        assert_problem(
            &above,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "appoint above own level",
        );
        let wrong_level = app
            .post(
                "/api/v1/role-grants",
                Some(&county),
                json!({"phone": "13700000051", "role": "county_admin", "scope_id": "360111001"}),
            )
            .await;
        assert_problem(
            &wrong_level,
            StatusCode::UNPROCESSABLE_ENTITY,
            "role_scope_invalid",
            "county admin of a township",
        );
        let nobody = app
            .post(
                "/api/v1/role-grants",
                Some(&county),
                json!({"phone": "13799999999", "role": "site_manager", "scope_id": station}),
            )
            .await;
        assert_problem(
            &nobody,
            StatusCode::UNPROCESSABLE_ENTITY,
            "user_unknown",
            "unknown phone",
        );
        let no_site = app
            .post(
                "/api/v1/role-grants",
                Some(&county),
                json!({"phone": "13700000051", "role": "site_manager", "scope_id": "999999"}),
            )
            .await;
        assert_problem(
            &no_site,
            StatusCode::UNPROCESSABLE_ENTITY,
            "scope_unknown",
            "unknown site",
        );
        let by_volunteer = app
            .post(
                "/api/v1/role-grants",
                Some(&app.demo(5).await),
                json!({"phone": "13700000051", "role": "site_manager", "scope_id": station}),
            )
            .await;
        assert_problem(
            &by_volunteer,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "volunteer appoints",
        );
        let province = app.demo(1).await;
        let city = app
            .post(
                "/api/v1/role-grants",
                Some(&province),
                json!({"phone": "13700000051", "role": "city_admin", "scope_id": "3601"}),
            )
            .await;
        assert_eq!(city.status, StatusCode::CREATED, "{}", app.backend);

        // Withdrawing: inside the subtree only, once, and the session loses the role at once.
        let appointee = app.login("13700000051", "Zhiyuan2026").await;
        let grant = json!({"phone": "13700000051", "role": "site_manager", "scope_id": station});
        assert_problem(
            &app.post("/api/v1/role-grants/revoke", Some(&app.demo(5).await), grant.clone())
                .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "volunteer revokes",
        );
        let revoked = app
            .post("/api/v1/role-grants/revoke", Some(&county), grant.clone())
            .await;
        assert_eq!(
            revoked.status,
            StatusCode::NO_CONTENT,
            "{}: {:?}",
            app.backend,
            revoked.body
        );
        let me = app.get("/api/v1/me", Some(&appointee)).await;
        assert!(
            !me.body["roles"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["role"] == "site_manager"),
            "{}: {:?}",
            app.backend,
            me.body
        );
        assert_problem(
            &app.post("/api/v1/role-grants/revoke", Some(&county), grant).await,
            StatusCode::NOT_FOUND,
            "not_found",
            "revoke twice",
        );
        let user_id = me.body["user"]["id"].as_str().unwrap().to_string();
        let trail = app.store.audit_entries("user", &user_id).await.unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert!(
            actions.contains(&"role.grant") && actions.contains(&"role.revoke"),
            "{}: {actions:?}",
            app.backend
        );
    }
}

/// The organization run by demo account 4.
async fn demo_organization(app: &TestApp, token: &str) -> String {
    let me = app.get("/api/v1/me", Some(token)).await;
    me.body["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "org_admin")
        .map(|r| r["scope"]["id"].as_str().unwrap().to_string())
        .unwrap()
}

fn rfc(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339()
}

fn activity_body(org: &str, title: &str, starts: chrono::DateTime<chrono::Utc>, hours: i64) -> Value {
    json!({
        "organization_id": org,
        "title": title,
        "description": "陪伴社区独居老人，读报聊天",
        "category": "left_behind_elderly",
        "region_code": "360111001002",
        "lat": 28.6829,
        "lon": 115.9486,
        "radius_m": 300,
        "starts_at": rfc(starts),
        "ends_at": rfc(starts + chrono::Duration::hours(hours)),
        "quota": 20,
        "checkin_methods": ["qr", "gps", "manual"],
    })
}

/// An activity of organization `org` that started at `starts`, in the past:
/// published through the store a day before it began, as if that much time
/// had passed since (activities cannot be created starting in the past).
/// Not in the search index of the running server.
async fn published_earlier(
    app: &TestApp,
    org: &str,
    title: &str,
    starts: chrono::DateTime<chrono::Utc>,
    hours: i64,
) -> String {
    use zhiyuan_domain::activity::{ActivityInput, AttendanceRules, CheckinMethod, plan};
    let input = ActivityInput {
        title: title.into(),
        description: "陪伴社区独居老人，读报聊天".into(),
        category: "left_behind_elderly".into(),
        lat: 28.6829,
        lon: 115.9486,
        radius_m: 300,
        starts_at: starts,
        ends_at: starts + chrono::Duration::hours(hours),
        quota: 20,
        auto_approve: true,
        rules: AttendanceRules {
            methods: vec![CheckinMethod::Qr, CheckinMethod::Gps, CheckinMethod::Manual],
            ..AttendanceRules::default()
        },
        ..ActivityInput::default()
    };
    let new = zhiyuan_store::activities::NewActivity {
        organization_id: org.parse().unwrap(),
        project_id: None,
        region_code: "360111001002".into(),
        plan: plan(input).unwrap(),
        draft: false,
    };
    let created = (starts - chrono::Duration::days(1)).timestamp_millis();
    app.store
        .create_activity(&new, 1, created)
        .await
        .unwrap()
        .id
        .to_string()
}

#[tokio::test]
async fn publishing_search_and_sign_up_rules() {
    use chrono::Duration;
    for app in apps().await {
        let ctx = app.backend;
        let organizer = app.demo(4).await;
        let volunteer = app.demo(5).await;
        let resident = app.demo(6).await;
        let org = demo_organization(&app, &organizer).await;
        let now = support::now();

        // Organizer publishes; volunteers cannot.
        let body = activity_body(&org, "社区养老服务", now - Duration::minutes(10), 3);
        assert_problem(
            &app.post("/api/v1/activities", Some(&volunteer), body.clone()).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let created = app.post("/api/v1/activities", Some(&organizer), body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{ctx}: {:?}", created.body);
        assert_eq!(created.body["state"], "published");
        let id = created.body["id"].as_str().unwrap().to_string();
        let mut bad = activity_body(&org, "无效", now, 2);
        bad["category"] = json!("not_a_category");
        assert_problem(
            &app.post("/api/v1/activities", Some(&organizer), bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "category_unknown",
            ctx,
        );
        let mut bad = activity_body(&org, "无效", now, 2);
        bad["ends_at"] = bad["starts_at"].clone();
        assert_problem(
            &app.post("/api/v1/activities", Some(&organizer), bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "time_invalid",
            ctx,
        );

        // Search: a two-character word finds it, inside the region subtree only.
        let found = app
            .get("/api/v1/activities?q=%E5%85%BB%E8%80%81&region=360111", None)
            .await;
        assert_eq!(found.status, StatusCode::OK, "{ctx}: {:?}", found.body);
        assert_eq!(found.body["items"][0]["id"], id.as_str(), "{ctx}: {:?}", found.body);
        let elsewhere = app
            .get("/api/v1/activities?q=%E5%85%BB%E8%80%81&region=360102", None)
            .await;
        assert_eq!(elsewhere.body["items"].as_array().unwrap().len(), 0, "{ctx}");
        let listed = app
            .get("/api/v1/activities?region=3601&category=left_behind_elderly", None)
            .await;
        assert_eq!(listed.body["items"].as_array().unwrap().len(), 1, "{ctx}");
        let eligible = app
            .get("/api/v1/activities?region=36&eligible=true", Some(&volunteer))
            .await;
        assert_eq!(
            eligible.body["items"].as_array().unwrap().len(),
            1,
            "{ctx}: {:?}",
            eligible.body
        );

        // Sign-up.
        assert_problem(
            &app.post(&format!("/api/v1/activities/{id}/signups"), Some(&resident), json!({}))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "volunteer_required",
            ctx,
        );
        let signed = app
            .post(&format!("/api/v1/activities/{id}/signups"), Some(&volunteer), json!({}))
            .await;
        assert_eq!(signed.status, StatusCode::CREATED, "{ctx}: {:?}", signed.body);
        assert_eq!(signed.body["status"], "approved");
        assert_problem(
            &app.post(&format!("/api/v1/activities/{id}/signups"), Some(&volunteer), json!({}))
                .await,
            StatusCode::CONFLICT,
            "already_signed_up",
            ctx,
        );
        let clash = app
            .post(
                "/api/v1/activities",
                Some(&organizer),
                activity_body(&org, "河道清洁", now, 1),
            )
            .await;
        let clash_id = clash.body["id"].as_str().unwrap().to_string();
        assert_problem(
            &app.post(
                &format!("/api/v1/activities/{clash_id}/signups"),
                Some(&volunteer),
                json!({}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "time_clash",
            ctx,
        );
        let mut elders = activity_body(&org, "老年合唱", now + Duration::days(3), 1);
        elders["min_age"] = json!(60);
        let elders = app.post("/api/v1/activities", Some(&organizer), elders).await;
        let elders_id = elders.body["id"].as_str().unwrap();
        assert_problem(
            &app.post(
                &format!("/api/v1/activities/{elders_id}/signups"),
                Some(&volunteer),
                json!({}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "age_restricted",
            ctx,
        );
        let mut closed = activity_body(&org, "已截止", now + Duration::days(4), 1);
        closed["signup_closes_at"] = json!(rfc(now - Duration::hours(1)));
        let closed = app.post("/api/v1/activities", Some(&organizer), closed).await;
        let closed_id = closed.body["id"].as_str().unwrap();
        assert_problem(
            &app.post(
                &format!("/api/v1/activities/{closed_id}/signups"),
                Some(&volunteer),
                json!({}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "signup_closed",
            ctx,
        );
        let mut tiny = activity_body(&org, "名额一人", now + Duration::days(5), 1);
        tiny["quota"] = json!(1);
        tiny["waitlist"] = json!(0);
        let tiny = app.post("/api/v1/activities", Some(&organizer), tiny).await;
        let tiny_id = tiny.body["id"].as_str().unwrap();
        app.post(
            &format!("/api/v1/activities/{tiny_id}/signups"),
            Some(&volunteer),
            json!({}),
        )
        .await;
        let other = app
            .post("/api/v1/volunteers", None, registration(&an_id(401), "13912340401"))
            .await;
        assert_eq!(other.status, StatusCode::CREATED, "{ctx}: {:?}", other.body);
        let other_token = app.login("13912340401", "Zhiyuan2026").await;
        assert_problem(
            &app.post(
                &format!("/api/v1/activities/{tiny_id}/signups"),
                Some(&other_token),
                json!({}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "quota_full",
            ctx,
        );
    }
}

/// What most attendance scenarios start from: an activity of the demo
/// organization that began ten minutes ago (a 300 m fence, QR, GPS and
/// manual attendance), with the demo volunteer signed up.
struct Serving {
    organizer: String,
    volunteer: String,
    resident: String,
    org: String,
    id: String,
    volunteer_id: String,
}

async fn serving(app: &TestApp) -> Serving {
    let organizer = app.demo(4).await;
    let volunteer = app.demo(5).await;
    let resident = app.demo(6).await;
    let org = demo_organization(app, &organizer).await;
    let begun = support::now() - chrono::Duration::minutes(10);
    let created = app
        .post(
            "/api/v1/activities",
            Some(&organizer),
            activity_body(&org, "社区养老服务", begun, 3),
        )
        .await;
    assert_eq!(
        created.status,
        StatusCode::CREATED,
        "{}: {:?}",
        app.backend,
        created.body
    );
    let id = created.body["id"].as_str().unwrap().to_string();
    let signed = app
        .post(&format!("/api/v1/activities/{id}/signups"), Some(&volunteer), json!({}))
        .await;
    assert_eq!(signed.status, StatusCode::CREATED, "{}: {:?}", app.backend, signed.body);
    Serving {
        volunteer_id: signed.body["volunteer_id"].as_str().unwrap().to_string(),
        organizer,
        volunteer,
        resident,
        org,
        id,
    }
}

/// A QR claim made inside the fence.
fn qr_claim(kind: &str, token: &str) -> Value {
    json!({"kind": kind, "method": "qr", "token": token, "lat": 28.6830, "lon": 115.9487, "accuracy_m": 15.0})
}

/// A second volunteer, registered and logged in, signed up for nothing.
async fn another_volunteer(app: &TestApp) -> String {
    let other = app
        .post("/api/v1/volunteers", None, registration(&an_id(401), "13912340401"))
        .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}: {:?}", app.backend, other.body);
    app.login("13912340401", "Zhiyuan2026").await
}

#[tokio::test]
async fn qr_attendance_refuses_what_could_be_faked() {
    use chrono::Duration;
    use zhiyuan_domain::checkin_token::{AttendanceKind, TokenKey, issue};
    for app in apps().await {
        let ctx = app.backend;
        let Serving {
            organizer,
            volunteer,
            org,
            id,
            volunteer_id,
            ..
        } = serving(&app).await;
        let other_token = another_volunteer(&app).await;
        let now = support::now();
        let clash = app
            .post(
                "/api/v1/activities",
                Some(&organizer),
                activity_body(&org, "河道清洁", now + Duration::days(1), 1),
            )
            .await;
        let clash_id = clash.body["id"].as_str().unwrap().to_string();

        // The rotating code: organizers only; JSON and SVG.
        assert_problem(
            &app.get(
                &format!("/api/v1/activities/{id}/checkin-code?kind=in"),
                Some(&volunteer),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let code = app
            .get(
                &format!("/api/v1/activities/{id}/checkin-code?kind=in"),
                Some(&organizer),
            )
            .await;
        assert_eq!(code.status, StatusCode::OK, "{ctx}: {:?}", code.body);
        let token = code.body["token"].as_str().unwrap().to_string();
        assert_eq!(code.body["url"], format!("/c/{token}"));
        let svg = app
            .get(
                &format!("/api/v1/activities/{id}/checkin-code.svg?kind=in"),
                Some(&organizer),
            )
            .await;
        assert!(
            svg.content_type.starts_with("image/svg+xml"),
            "{ctx}: {}",
            svg.content_type
        );

        let attend = |body: Value, who: &str| {
            let path = format!("/api/v1/activities/{id}/attendance");
            let who = who.to_string();
            let app = &app;
            async move { app.post(&path, Some(&who), body).await }
        };
        let here = |token: &str| qr_claim("in", token);
        // A photo of the code at home is useless: the location must be inside the fence.
        let mut far = here(&token);
        far["lat"] = json!(28.70);
        assert_problem(
            &attend(far, &volunteer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "out_of_geofence",
            ctx,
        );
        let mut blurry = here(&token);
        blurry["accuracy_m"] = json!(150.0);
        assert_problem(
            &attend(blurry, &volunteer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "gps_inaccurate",
            ctx,
        );
        let mut no_place = here(&token);
        no_place.as_object_mut().unwrap().remove("lat");
        no_place.as_object_mut().unwrap().remove("lon");
        assert_problem(
            &attend(no_place, &volunteer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "location_required",
            ctx,
        );
        assert_problem(
            &attend(here("forged-token"), &volunteer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "token_invalid",
            ctx,
        );
        let key = TokenKey::new(app.store.vault().checkin_key());
        let other_activity = issue(&key, clash_id.parse().unwrap(), AttendanceKind::In, now).token;
        assert_problem(
            &attend(here(&other_activity), &volunteer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "token_wrong_activity",
            ctx,
        );
        let stale = issue(
            &key,
            id.parse().unwrap(),
            AttendanceKind::In,
            support::now() - Duration::seconds(95),
        )
        .token;
        assert_problem(
            &attend(here(&stale), &volunteer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "token_expired",
            ctx,
        );
        assert_problem(
            &attend(here(&token), &other_token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_signed_up",
            ctx,
        );
        assert_problem(
            &attend(
                json!({"kind": "out", "method": "gps", "lat": 28.6830, "lon": 115.9487, "accuracy_m": 10.0}),
                &volunteer,
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_checked_in",
            ctx,
        );

        // Offline: scanned 30 minutes ago, sent now, believed with the code of that time.
        let then = support::now() - Duration::minutes(30);
        let old_code = issue(&key, id.parse().unwrap(), AttendanceKind::In, then).token;
        let mut offline = here(&old_code);
        offline["at"] = json!(rfc(then));
        // Sent twice at once (one batch of the attendance writer, or two):
        // one is accepted, the other is a replay.
        let (first, second) = tokio::join!(attend(offline.clone(), &volunteer), attend(offline.clone(), &volunteer));
        let (signed_in, replay) = if first.status == StatusCode::CREATED {
            (first, second)
        } else {
            (second, first)
        };
        assert_eq!(signed_in.status, StatusCode::CREATED, "{ctx}: {:?}", signed_in.body);
        assert_problem(&replay, StatusCode::UNPROCESSABLE_ENTITY, "token_replayed", ctx);
        assert_eq!(signed_in.body["open"], true);
        assert_eq!(signed_in.body["offline"], true);
        assert_problem(
            &attend(offline, &volunteer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "token_replayed",
            ctx,
        );
        assert_problem(
            &attend(here(&token), &volunteer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "already_checked_in",
            ctx,
        );
        let out_code = app
            .get(
                &format!("/api/v1/activities/{id}/checkin-code?kind=out"),
                Some(&organizer),
            )
            .await;
        let out_token = out_code.body["token"].as_str().unwrap();
        assert_problem(
            &attend(here(out_token), &volunteer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "token_wrong_kind",
            ctx,
        );
        let mut out = here(out_token);
        out["kind"] = json!("out");
        let signed_out = attend(out, &volunteer).await;
        assert_eq!(signed_out.status, StatusCode::CREATED, "{ctx}: {:?}", signed_out.body);
        assert_eq!(signed_out.body["state"], "pending");
        let hours = signed_out.body["hours"].as_f64().unwrap();
        // Counted from the activity's start, ten minutes ago, not from the scan.
        assert!((0.15..=0.2).contains(&hours), "{ctx}: {hours}");

        // Manual entry is the organizer's, with a reason.
        let manual = json!({"kind": "in", "method": "manual", "volunteer_id": volunteer_id, "reason": ""});
        assert_problem(
            &attend(manual.clone(), &volunteer).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        assert_problem(
            &attend(manual, &organizer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_invalid",
            ctx,
        );

        // A cancelled activity takes no more attendance, at once (the
        // activity read by the check-ins above is no longer used).
        let cancelled = app
            .post(&format!("/api/v1/activities/{id}/cancel"), Some(&organizer), json!({}))
            .await;
        assert_eq!(cancelled.status, StatusCode::OK, "{ctx}: {:?}", cancelled.body);
        assert_problem(
            &attend(here(&token), &volunteer).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "activity_cancelled",
            ctx,
        );
    }
}

#[tokio::test]
async fn confirmation_makes_served_hours_count() {
    for app in apps().await {
        let ctx = app.backend;
        let Serving {
            organizer,
            volunteer,
            resident,
            id,
            volunteer_id,
            ..
        } = serving(&app).await;
        let other_token = another_volunteer(&app).await;
        let mut served = Vec::new();
        for kind in ["in", "out"] {
            let code = app
                .get(
                    &format!("/api/v1/activities/{id}/checkin-code?kind={kind}"),
                    Some(&organizer),
                )
                .await;
            let token = code.body["token"].as_str().unwrap();
            let reply = app
                .post(
                    &format!("/api/v1/activities/{id}/attendance"),
                    Some(&volunteer),
                    qr_claim(kind, token),
                )
                .await;
            assert_eq!(reply.status, StatusCode::CREATED, "{ctx}: {kind}: {:?}", reply.body);
            served.push(reply);
        }
        let signed_out = &served[1];
        assert_eq!(signed_out.body["state"], "pending");
        let hours = signed_out.body["hours"].as_f64().unwrap();
        let record_id = signed_out.body["record_id"].as_str().unwrap().to_string();

        // Confirmation makes the hours effective (never by the volunteer
        // themself); refusing needs a reason.
        assert_problem(
            &app.post(
                &format!("/api/v1/service-records/{record_id}/confirm"),
                Some(&volunteer),
                json!({}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "self_confirmation",
            ctx,
        );
        assert_problem(
            &app.post(
                &format!("/api/v1/service-records/{record_id}/confirm"),
                Some(&resident),
                json!({}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        assert_problem(
            &app.post(
                &format!("/api/v1/service-records/{record_id}/refuse"),
                Some(&organizer),
                json!({}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_invalid",
            ctx,
        );
        let confirmed = app
            .post(
                &format!("/api/v1/service-records/{record_id}/confirm"),
                Some(&organizer),
                json!({}),
            )
            .await;
        assert_eq!(confirmed.status, StatusCode::OK, "{ctx}: {:?}", confirmed.body);
        assert_eq!(confirmed.body["state"], "effective");
        assert_problem(
            &app.post(
                &format!("/api/v1/service-records/{record_id}/confirm"),
                Some(&organizer),
                json!({}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_transition",
            ctx,
        );
        let mine = app
            .get(&format!("/api/v1/volunteers/{volunteer_id}/hours"), Some(&volunteer))
            .await;
        assert_eq!(mine.status, StatusCode::OK, "{ctx}: {:?}", mine.body);
        assert_eq!(mine.body["effective_hours"].as_f64().unwrap(), hours, "{ctx}");
        assert_eq!(mine.body["star_level"], 0);
        assert_eq!(mine.body["records"][0]["state"], "effective");
        let theirs = app
            .get(&format!("/api/v1/volunteers/{volunteer_id}/hours"), Some(&other_token))
            .await;
        assert_problem(&theirs, StatusCode::FORBIDDEN, "forbidden_scope", ctx);
        assert!(app.store.verify_ledger().await.unwrap().broken.is_empty(), "{ctx}");
    }
}

/// The text of a PDF, all pages.
fn pdf_text(pdf: &[u8]) -> String {
    let document = lopdf::Document::load_mem(pdf).unwrap();
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    document.extract_text(&pages).unwrap()
}

#[tokio::test]
async fn certificates_state_the_ledger_and_notice_when_it_changes() {
    use chrono::Duration;
    use zhiyuan_domain::checkin_token::{AttendanceKind, TokenKey, issue};
    for app in apps().await {
        let ctx = app.backend;
        let organizer = app.demo(4).await;
        let volunteer = app.demo(5).await;
        let county_admin = app.demo(2).await;
        let resident = app.demo(6).await;
        let org = demo_organization(&app, &organizer).await;
        let now = support::now();
        let me = app.get("/api/v1/me", Some(&volunteer)).await;
        let volunteer_id = me.body["volunteer_id"].as_str().unwrap().to_string();
        let issue_path = format!("/api/v1/volunteers/{volunteer_id}/certificates");

        // Nothing to certify yet.
        assert_problem(
            &app.post(&issue_path, Some(&volunteer), json!({})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_effective_hours",
            ctx,
        );

        // 100 minutes of service: signed in offline with the code of then, out by GPS now.
        let id = published_earlier(&app, &org, "敬老院陪伴", now - Duration::hours(2), 3).await;
        app.post(&format!("/api/v1/activities/{id}/signups"), Some(&volunteer), json!({}))
            .await;
        let key = TokenKey::new(app.store.vault().checkin_key());
        let then = now - Duration::minutes(100);
        let token = issue(&key, id.parse().unwrap(), AttendanceKind::In, then).token;
        let place = json!({"lat": 28.6830, "lon": 115.9487, "accuracy_m": 10.0});
        let mut sign_in = json!({"kind": "in", "method": "qr", "token": token, "at": rfc(then)});
        sign_in
            .as_object_mut()
            .unwrap()
            .extend(place.as_object().unwrap().clone());
        let attendance = format!("/api/v1/activities/{id}/attendance");
        let signed_in = app.post(&attendance, Some(&volunteer), sign_in).await;
        assert_eq!(signed_in.status, StatusCode::CREATED, "{ctx}: {:?}", signed_in.body);
        let mut sign_out = json!({"kind": "out", "method": "gps"});
        sign_out
            .as_object_mut()
            .unwrap()
            .extend(place.as_object().unwrap().clone());
        let signed_out = app.post(&attendance, Some(&volunteer), sign_out).await;
        assert_eq!(signed_out.status, StatusCode::CREATED, "{ctx}: {:?}", signed_out.body);
        let record_id = signed_out.body["record_id"].as_str().unwrap().to_string();
        let hours = signed_out.body["hours"].as_f64().unwrap();
        app.post(
            &format!("/api/v1/service-records/{record_id}/confirm"),
            Some(&organizer),
            json!({}),
        )
        .await;

        // Who may issue, and bad ranges.
        assert_problem(
            &app.post(&issue_path, Some(&resident), json!({})).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        assert_problem(
            &app.post(&issue_path, Some(&organizer), json!({})).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        assert_problem(
            &app.post(&issue_path, Some(&volunteer), json!({"from": "2026-13-01"}))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "date_invalid",
            ctx,
        );
        assert_problem(
            &app.post(
                &issue_path,
                Some(&volunteer),
                json!({"from": "2026-11-02", "to": "2026-11-01"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "date_range_invalid",
            ctx,
        );
        let before = (now - Duration::days(400)).format("%Y-%m-%d").to_string();
        assert_problem(
            &app.post(&issue_path, Some(&volunteer), json!({"to": before})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_effective_hours",
            ctx,
        );

        // The organization certifies its own records; the volunteer self-serves (no body at all).
        let by_org = app
            .post(&issue_path, Some(&organizer), json!({"organization_id": org}))
            .await;
        assert_eq!(by_org.status, StatusCode::CREATED, "{ctx}: {:?}", by_org.body);
        let issued = app.call(Method::POST, &issue_path, Some(&volunteer), None).await;
        assert_eq!(issued.status, StatusCode::CREATED, "{ctx}: {:?}", issued.body);
        let number = issued.body["number"].as_str().unwrap().to_string();
        assert_eq!(number.len(), 21, "{ctx}: {number}");
        assert_eq!(issued.body["credit_hours"].as_f64().unwrap(), hours, "{ctx}");
        assert_eq!(issued.body["records"], 1);
        assert_ne!(by_org.body["number"], issued.body["number"]);
        let listed = app.get(&issue_path, Some(&volunteer)).await;
        assert_eq!(listed.body.as_array().unwrap().len(), 2, "{ctx}: {:?}", listed.body);
        assert_problem(
            &app.get(&issue_path, Some(&resident)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let by_county = app.get(&issue_path, Some(&county_admin)).await;
        assert_eq!(by_county.status, StatusCode::OK, "{ctx}");

        // Anyone verifies by number, typed in lower case with spaces too.
        let verify = format!("/api/v1/certificates/{number}");
        let verified = app
            .get(&format!("/api/v1/certificates/%20{}", number.to_lowercase()), None)
            .await;
        assert_eq!(verified.status, StatusCode::OK, "{ctx}: {:?}", verified.body);
        assert_eq!(verified.body["ledger_agrees"], true, "{ctx}: {:?}", verified.body);
        let holder = app
            .get(&format!("/api/v1/volunteers/{volunteer_id}"), Some(&volunteer))
            .await;
        let name = holder.body["name"].as_str().unwrap().to_string();
        assert_eq!(verified.body["holder"]["name"], name.as_str());
        let masked = verified.body["holder"]["masked_id"].as_str().unwrap();
        assert!(masked.contains("**********"), "{ctx}: {masked}");
        assert_eq!(verified.body["issuer"]["name"], "青山湖区新时代文明实践中心");
        assert_eq!(verified.body["issuer"]["handling_officer"], "网上自助出具");
        assert_eq!(verified.body["records"][0]["activity"], "敬老院陪伴");
        assert_eq!(verified.body["records"][0]["content"], "关爱留守老人");
        assert_eq!(by_org.body["credit_hours"], issued.body["credit_hours"]);
        assert_problem(
            &app.get("/api/v1/certificates/ZY123", None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "certificate_number_invalid",
            ctx,
        );
        let unknown = zhiyuan_domain::certificate::compose_number("360111", now.date_naive(), 1);
        assert_problem(
            &app.get(&format!("/api/v1/certificates/{unknown}"), None).await,
            StatusCode::NOT_FOUND,
            "not_found",
            ctx,
        );

        // The PDF says the same: name, hours, number.
        let pdf = app
            .client
            .get(format!("{}{}", app.base, issued.body["pdf_url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), StatusCode::OK, "{ctx}");
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let text = pdf_text(&pdf.bytes().await.unwrap());
        for expected in [
            "志愿服务证明",
            name.as_str(),
            number.as_str(),
            "敬老院陪伴",
            "青山湖区新时代文明实践中心",
        ] {
            assert!(text.contains(expected), "{ctx}: {expected:?} missing from {text}");
        }
        assert!(
            text.contains(&format!("{hours} 小时")),
            "{ctx}: {hours} h missing from {text}"
        );

        // Revoking the record makes the certificate disagree with the ledger.
        let revoked = app
            .post(
                &format!("/api/v1/service-records/{record_id}/revoke"),
                Some(&organizer),
                json!({"reason": "重复登记"}),
            )
            .await;
        assert_eq!(revoked.status, StatusCode::OK, "{ctx}: {:?}", revoked.body);
        let after = app.get(&verify, None).await;
        assert_eq!(after.body["ledger_agrees"], false, "{ctx}: {:?}", after.body);
        assert_eq!(after.body["discrepancies"][0]["code"], "record_no_longer_effective");
        assert_eq!(after.body["discrepancies"][0]["record_id"], record_id.as_str());
        assert_eq!(after.body["records"][0]["agrees"], false);
        // What it said stays what it said.
        assert_eq!(after.body["credit_hours"].as_f64().unwrap(), hours, "{ctx}");
    }
}

#[tokio::test]
async fn record_reports_are_answered_by_the_organization() {
    use chrono::Duration;
    for app in apps().await {
        let ctx = app.backend;
        let organizer = app.demo(4).await;
        let volunteer = app.demo(5).await;
        let resident = app.demo(6).await;
        let org = demo_organization(&app, &organizer).await;
        let now = support::now();
        let create = |title: &str, starts| {
            let body = activity_body(&org, title, starts, 2);
            let app = &app;
            let organizer = organizer.clone();
            async move {
                let reply = app.post("/api/v1/activities", Some(&organizer), body).await;
                reply.body["id"].as_str().unwrap().to_string()
            }
        };
        let id = create("社区义诊", now - Duration::minutes(10)).await;
        let later = create("周末义诊", now + Duration::days(2)).await;
        for activity in [&id, &later] {
            let signed = app
                .post(
                    &format!("/api/v1/activities/{activity}/signups"),
                    Some(&volunteer),
                    json!({}),
                )
                .await;
            assert_eq!(signed.status, StatusCode::CREATED, "{ctx}: {:?}", signed.body);
        }
        let reports = format!("/api/v1/activities/{id}/record-reports");
        let missing = json!({"kind": "missing", "detail": "我 9 点到 11 点都在现场，扫码时没有网络"});

        assert_problem(
            &app.post(&reports, Some(&resident), missing.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "volunteer_required",
            ctx,
        );
        let other = app
            .post("/api/v1/volunteers", None, registration(&an_id(402), "13912340402"))
            .await;
        assert_eq!(other.status, StatusCode::CREATED, "{ctx}: {:?}", other.body);
        let stranger = app.login("13912340402", "Zhiyuan2026").await;
        assert_problem(
            &app.post(&reports, Some(&stranger), missing.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_signed_up",
            ctx,
        );
        assert_problem(
            &app.post(
                &format!("/api/v1/activities/{later}/record-reports"),
                Some(&volunteer),
                missing.clone(),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "activity_not_started",
            ctx,
        );
        assert_problem(
            &app.post(
                &reports,
                Some(&volunteer),
                json!({"kind": "wrong", "detail": "时长不对"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "record_required",
            ctx,
        );
        assert_problem(
            &app.post(
                &reports,
                Some(&volunteer),
                json!({"kind": "lost", "detail": "时长不对"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "report_kind_invalid",
            ctx,
        );
        assert_problem(
            &app.post(&reports, Some(&volunteer), json!({"kind": "missing", "detail": " "}))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "detail_invalid",
            ctx,
        );
        let filed = app.post(&reports, Some(&volunteer), missing.clone()).await;
        assert_eq!(filed.status, StatusCode::CREATED, "{ctx}: {:?}", filed.body);
        assert_eq!(filed.body["state"], "open");
        let report_id = filed.body["id"].as_str().unwrap().to_string();
        assert_problem(
            &app.post(&reports, Some(&volunteer), missing).await,
            StatusCode::CONFLICT,
            "report_already_open",
            ctx,
        );
        let mine = app.get("/api/v1/me/record-reports", Some(&volunteer)).await;
        assert_eq!(mine.body.as_array().unwrap().len(), 1, "{ctx}: {:?}", mine.body);

        // The organization sees it and answers once.
        let queue = format!("/api/v1/organizations/{org}/record-reports?state=open");
        assert_problem(
            &app.get(&queue, Some(&volunteer)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let open = app.get(&queue, Some(&organizer)).await;
        assert_eq!(open.body[0]["id"], report_id.as_str(), "{ctx}: {:?}", open.body);
        assert_eq!(open.body[0]["activity_title"], "社区义诊");
        assert_problem(
            &app.get(
                &format!("/api/v1/organizations/{org}/record-reports?state=closed"),
                Some(&organizer),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "report_state_invalid",
            ctx,
        );
        let resolve = format!("/api/v1/record-reports/{report_id}/resolve");
        let answer = json!({"answer": "已核实签到表，补录 2 小时"});
        assert_problem(
            &app.post(&resolve, Some(&volunteer), answer.clone()).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        assert_problem(
            &app.post(&resolve, Some(&organizer), json!({"answer": ""})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "detail_invalid",
            ctx,
        );
        let resolved = app.post(&resolve, Some(&organizer), answer.clone()).await;
        assert_eq!(resolved.status, StatusCode::OK, "{ctx}: {:?}", resolved.body);
        assert_eq!(resolved.body["state"], "resolved");
        assert_eq!(resolved.body["answer"], "已核实签到表，补录 2 小时");
        assert_problem(
            &app.post(
                &format!("/api/v1/record-reports/{report_id}/reject"),
                Some(&organizer),
                answer,
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_transition",
            ctx,
        );
        let open = app.get(&queue, Some(&organizer)).await;
        assert!(open.body.as_array().unwrap().is_empty(), "{ctx}: {:?}", open.body);
    }
}

#[tokio::test]
async fn insurance_audit_trail_overdue_records_and_waitlist_promotion() {
    use base64::Engine;
    use chrono::Duration;
    for app in apps().await {
        let ctx = app.backend;
        let county = app.demo(2).await;
        let organizer = app.demo(4).await;
        let volunteer = app.demo(5).await;
        let resident = app.demo(6).await;
        let org = demo_organization(&app, &organizer).await;
        let now = support::now();
        let me = app.get("/api/v1/me", Some(&volunteer)).await;
        let volunteer_id = me.body["volunteer_id"].as_str().unwrap().to_string();

        // Insurance: the activity asks for it; the organization records it.
        let mut insured = activity_body(&org, "防汛巡堤", now + Duration::days(2), 3);
        insured["insurance_required"] = json!(true);
        let insured = app.post("/api/v1/activities", Some(&organizer), insured).await;
        let insured_id = insured.body["id"].as_str().unwrap().to_string();
        let sign_up = format!("/api/v1/activities/{insured_id}/signups");
        assert_problem(
            &app.post(&sign_up, Some(&volunteer), json!({})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "insurance_required",
            ctx,
        );
        let insurance = format!("/api/v1/volunteers/{volunteer_id}/insurance");
        let until = (now + Duration::days(365)).format("%Y-%m-%d").to_string();
        assert_problem(
            &app.call(
                Method::PUT,
                &insurance,
                Some(&resident),
                Some(json!({"insured_until": until})),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        assert_problem(
            &app.call(
                Method::PUT,
                &insurance,
                Some(&organizer),
                Some(json!({"insured_until": "明年"})),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "date_invalid",
            ctx,
        );
        let set = app
            .call(
                Method::PUT,
                &insurance,
                Some(&organizer),
                Some(json!({"insured_until": until})),
            )
            .await;
        assert_eq!(set.status, StatusCode::OK, "{ctx}: {:?}", set.body);
        assert_eq!(set.body["insured_until"], until.as_str());
        let signed = app.post(&sign_up, Some(&volunteer), json!({})).await;
        assert_eq!(signed.status, StatusCode::CREATED, "{ctx}: {:?}", signed.body);

        // The audit trail: the volunteer sees who read their data and who changed what.
        let whole = app
            .get(&format!("/api/v1/volunteers/{volunteer_id}"), Some(&county))
            .await;
        assert_eq!(whole.body["personal_data_visible"], true, "{ctx}: {:?}", whole.body);
        let audit = format!("/api/v1/volunteers/{volunteer_id}/audit");
        assert_problem(
            &app.get(&audit, Some(&resident)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let trail = app.get(&audit, Some(&volunteer)).await;
        assert_eq!(trail.status, StatusCode::OK, "{ctx}: {:?}", trail.body);
        let items = trail.body["items"].as_array().unwrap();
        assert_eq!(
            items[0]["action"], "volunteer.personal_data_read",
            "{ctx}: newest first: {items:?}"
        );
        let county_name = app.get("/api/v1/me", Some(&county)).await.body["user"]["name"].clone();
        assert!(
            items
                .iter()
                .any(|e| e["action"] == "volunteer.personal_data_read" && e["actor_name"] == county_name),
            "{ctx}: {items:?}"
        );
        assert!(
            items
                .iter()
                .any(|e| e["action"] == "volunteer.insurance" && e["detail"] == until.as_str()),
            "{ctx}: {items:?}"
        );
        let first = app.get(&format!("{audit}?limit=1"), Some(&volunteer)).await;
        assert_eq!(first.body["items"].as_array().unwrap().len(), 1);
        let cursor = first.body["next_cursor"].as_str().unwrap();
        let second = app
            .get(&format!("{audit}?limit=1&cursor={cursor}"), Some(&volunteer))
            .await;
        let id_of = |reply: &serde_json::Value| reply["items"][0]["id"].as_str().unwrap().parse::<i64>().unwrap();
        assert!(
            id_of(&second.body) < id_of(&first.body),
            "{ctx}: the cursor pages to older entries"
        );

        // Hours entered by hand a month ago and never confirmed are overdue.
        // (The volunteer never signed up online: the entry names the exception.)
        // At nine in the morning, China time, so that no slot spans midnight.
        let nine_am = |days_ago: i64| {
            let day = zhiyuan_domain::time::china_date(now) - Duration::days(days_ago);
            zhiyuan_domain::hours::start_of_china_day(day) + Duration::hours(9)
        };
        let old_id = published_earlier(&app, &org, "上月义务植树", nine_am(30), 4).await;
        let png = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n evidence");
        let from = nine_am(30) + Duration::minutes(30);
        let entered = app
            .post(
                &format!("/api/v1/activities/{old_id}/hours"),
                Some(&organizer),
                json!({"volunteer_id": volunteer_id, "reason": "纸质签到表补录", "evidence": png,
                       "exception": "现场报名，纸质签到表上有签名",
                       "slots": [{"from": rfc(from), "to": rfc(from + Duration::hours(2))}]}),
            )
            .await;
        assert_eq!(entered.status, StatusCode::CREATED, "{ctx}: {:?}", entered.body);
        let record_id = entered.body[0]["id"].as_str().unwrap().to_string();
        let fresh_id = published_earlier(&app, &org, "昨日义诊", nine_am(1), 2).await;
        let from = nine_am(1) + Duration::minutes(10);
        let recent = app
            .post(
                &format!("/api/v1/activities/{fresh_id}/hours"),
                Some(&organizer),
                json!({"volunteer_id": volunteer_id, "reason": "补录", "evidence": png,
                       "exception": "现场报名",
                       "slots": [{"from": rfc(from), "to": rfc(from + Duration::hours(1))}]}),
            )
            .await;
        assert_eq!(recent.status, StatusCode::CREATED, "{ctx}: {:?}", recent.body);
        for path in [
            format!("/api/v1/service-records/overdue?organization_id={org}"),
            "/api/v1/service-records/overdue?region=360111".to_string(),
        ] {
            let who = if path.contains("organization") {
                &organizer
            } else {
                &county
            };
            let overdue = app.get(&path, Some(who)).await;
            assert_eq!(overdue.status, StatusCode::OK, "{ctx}: {path}: {:?}", overdue.body);
            let ids: Vec<&str> = overdue
                .body
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap())
                .collect();
            assert_eq!(ids, vec![record_id.as_str()], "{ctx}: {path}");
        }
        assert_problem(
            &app.get("/api/v1/service-records/overdue", Some(&volunteer)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        assert_problem(
            &app.get(
                &format!("/api/v1/service-records/overdue?organization_id={org}"),
                Some(&volunteer),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        // The organizer entered the hours: the county gives the second approval.
        assert_problem(
            &app.post(
                &format!("/api/v1/service-records/{record_id}/confirm"),
                Some(&organizer),
                json!({}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "self_entry",
            ctx,
        );
        let approved = app
            .post(
                &format!("/api/v1/service-records/{record_id}/confirm"),
                Some(&county),
                json!({}),
            )
            .await;
        assert_eq!(approved.body["state"], "effective", "{ctx}: {:?}", approved.body);
        let overdue = app
            .get(
                &format!("/api/v1/service-records/overdue?organization_id={org}"),
                Some(&organizer),
            )
            .await;
        assert!(overdue.body.as_array().unwrap().is_empty(), "{ctx}: {:?}", overdue.body);

        // A cancellation hands the seat to the first on the waiting list.
        let mut tiny = activity_body(&org, "名额一人", now + Duration::days(6), 1);
        tiny["quota"] = json!(1);
        tiny["waitlist"] = json!(5);
        let tiny = app.post("/api/v1/activities", Some(&organizer), tiny).await;
        let tiny_id = tiny.body["id"].as_str().unwrap().to_string();
        let first = app
            .post(
                &format!("/api/v1/activities/{tiny_id}/signups"),
                Some(&volunteer),
                json!({}),
            )
            .await;
        assert_eq!(first.body["status"], "approved", "{ctx}: {:?}", first.body);
        app.post("/api/v1/volunteers", None, registration(&an_id(403), "13912340403"))
            .await;
        let second = app.login("13912340403", "Zhiyuan2026").await;
        let waiting = app
            .post(
                &format!("/api/v1/activities/{tiny_id}/signups"),
                Some(&second),
                json!({}),
            )
            .await;
        assert_eq!(waiting.body["status"], "waitlisted", "{ctx}: {:?}", waiting.body);
        let cancelled = app
            .post(
                &format!("/api/v1/activities/{tiny_id}/signups/cancel"),
                Some(&volunteer),
                json!({}),
            )
            .await;
        assert_eq!(cancelled.status, StatusCode::OK, "{ctx}: {:?}", cancelled.body);
        let mine = app.get("/api/v1/me/signups", Some(&second)).await;
        let promoted = mine.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["activity_id"] == tiny_id.as_str())
            .cloned()
            .unwrap();
        assert_eq!(promoted["status"], "approved", "{ctx}: {mine:?}", mine = mine.body);
    }
}

/// The attack a security review found, walked step by step: a newly
/// registered user makes an organization, backdates an activity, enters and
/// confirms hours for themself and asks for a certificate. Every step fails;
/// the one legitimate path left (a verified organization, a volunteer who
/// signed up, a region administrator's second approval) works.
#[tokio::test]
async fn nobody_gives_themselves_hours() {
    use base64::Engine;
    use chrono::Duration;
    for app in apps().await {
        let ctx = app.backend;
        let now = support::now();
        app.post("/api/v1/volunteers", None, registration(&an_id(901), "13912349001"))
            .await;
        let attacker = app.login("13912349001", "Zhiyuan2026").await;
        let attacker_volunteer = app.get("/api/v1/me", Some(&attacker)).await.body["volunteer_id"]
            .as_str()
            .unwrap()
            .to_string();
        let made = app
            .post(
                "/api/v1/organizations",
                Some(&attacker),
                json!({"name": "自己的志愿队", "region_code": "360111", "kind": "community_team"}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{ctx}: {:?}", made.body);
        assert_eq!(made.body["verified"], false);
        let org = made.body["id"].as_str().unwrap().to_string();

        // 1. No activity that started in the past, published or not.
        for draft in [false, true] {
            let mut backdated = activity_body(&org, "昨天的服务", now - Duration::days(1), 8);
            backdated["draft"] = json!(draft);
            let reply = app.post("/api/v1/activities", Some(&attacker), backdated).await;
            assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "activity_in_past", ctx);
        }
        // 2. An unverified organization publishes nothing: a draft at most.
        let soon = activity_body(&org, "明天的服务", now + Duration::days(1), 8);
        let reply = app.post("/api/v1/activities", Some(&attacker), soon.clone()).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "organization_unverified", ctx);
        let mut draft = soon;
        draft["draft"] = json!(true);
        let draft = app.post("/api/v1/activities", Some(&attacker), draft).await;
        assert_eq!(draft.status, StatusCode::CREATED, "{ctx}: {:?}", draft.body);
        let draft_id = draft.body["id"].as_str().unwrap().to_string();
        let publish = app
            .post(
                &format!("/api/v1/activities/{draft_id}/publish"),
                Some(&attacker),
                json!({}),
            )
            .await;
        assert_problem(
            &publish,
            StatusCode::UNPROCESSABLE_ENTITY,
            "organization_unverified",
            ctx,
        );
        // 3. No hours by hand, no attendance by hand, on it.
        let png = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n evidence");
        let slot = now - Duration::hours(3);
        let hand_entry = |volunteer: &str, exception: Option<&str>| {
            json!({"volunteer_id": volunteer, "reason": "补录", "evidence": png, "exception": exception,
                   "slots": [{"from": rfc(slot), "to": rfc(slot + Duration::hours(2))}]})
        };
        let reply = app
            .post(
                &format!("/api/v1/activities/{draft_id}/hours"),
                Some(&attacker),
                hand_entry(&attacker_volunteer, Some("我自己")),
            )
            .await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "organization_unverified", ctx);
        let manual =
            json!({"kind": "in", "method": "manual", "volunteer_id": attacker_volunteer, "reason": "手机没电"});
        let reply = app
            .post(
                &format!("/api/v1/activities/{draft_id}/attendance"),
                Some(&attacker),
                manual.clone(),
            )
            .await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "activity_not_published", ctx);
        let certificate = format!("/api/v1/volunteers/{attacker_volunteer}/certificates");
        assert_problem(
            &app.post(&certificate, Some(&attacker), json!({})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_effective_hours",
            ctx,
        );

        // Suppose the county verifies the organization, and time passes: an
        // activity published in time began this morning.
        let county = app.demo(2).await;
        let verified = app
            .post(&format!("/api/v1/organizations/{org}/verify"), Some(&county), json!({}))
            .await;
        assert_eq!(verified.status, StatusCode::OK, "{ctx}: {:?}", verified.body);
        let started = now - Duration::hours(4);
        let activity = published_earlier(&app, &org, "上午的服务", started, 8).await;
        let attacker_id: i64 = attacker_volunteer.parse().unwrap();
        app.store
            .sign_up(
                activity.parse().unwrap(),
                attacker_id,
                (started - Duration::days(1)).timestamp_millis(),
            )
            .await
            .unwrap();
        // 4. Nobody enters or signs in their own hours by hand.
        let slot = started + Duration::minutes(5);
        let hand_entry = |volunteer: &str, exception: Option<&str>| {
            json!({"volunteer_id": volunteer, "reason": "补录", "evidence": png, "exception": exception,
                   "slots": [{"from": rfc(slot), "to": rfc(slot + Duration::hours(2))}]})
        };
        let hours = format!("/api/v1/activities/{activity}/hours");
        let reply = app
            .post(&hours, Some(&attacker), hand_entry(&attacker_volunteer, None))
            .await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "self_entry", ctx);
        let attendance = format!("/api/v1/activities/{activity}/attendance");
        let reply = app.post(&attendance, Some(&attacker), manual).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "self_entry", ctx);
        // 5. Hours for someone who never signed up need a named exception.
        app.post("/api/v1/volunteers", None, registration(&an_id(902), "13912349002"))
            .await;
        let accomplice = app.login("13912349002", "Zhiyuan2026").await;
        let accomplice_volunteer = app.get("/api/v1/me", Some(&accomplice)).await.body["volunteer_id"]
            .as_str()
            .unwrap()
            .to_string();
        let reply = app
            .post(&hours, Some(&attacker), hand_entry(&accomplice_volunteer, None))
            .await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, "not_signed_up", ctx);
        let entered = app
            .post(
                &hours,
                Some(&attacker),
                hand_entry(&accomplice_volunteer, Some("现场临时加入")),
            )
            .await;
        assert_eq!(entered.status, StatusCode::CREATED, "{ctx}: {:?}", entered.body);
        let record = entered.body[0]["id"].as_str().unwrap().to_string();
        let confirm = format!("/api/v1/service-records/{record}/confirm");
        // 6. The one who entered them cannot approve them, nor can the volunteer.
        assert_problem(
            &app.post(&confirm, Some(&attacker), json!({})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "self_entry",
            ctx,
        );
        assert_problem(
            &app.post(&confirm, Some(&accomplice), json!({})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "self_confirmation",
            ctx,
        );
        let accomplice_certificate = format!("/api/v1/volunteers/{accomplice_volunteer}/certificates");
        assert_problem(
            &app.post(&accomplice_certificate, Some(&accomplice), json!({})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_effective_hours",
            ctx,
        );
        // The region administrator sees them waiting, and their approval,
        // the second person's, makes them count.
        let waiting = app
            .get("/api/v1/service-records/awaiting-approval", Some(&county))
            .await;
        assert!(
            waiting
                .body
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == record.as_str()),
            "{ctx}: {:?}",
            waiting.body
        );
        assert_problem(
            &app.get("/api/v1/service-records/awaiting-approval", Some(&attacker))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let approved = app.post(&confirm, Some(&county), json!({})).await;
        assert_eq!(approved.body["state"], "effective", "{ctx}: {:?}", approved.body);
        let issued = app.post(&accomplice_certificate, Some(&accomplice), json!({})).await;
        assert_eq!(issued.status, StatusCode::CREATED, "{ctx}: {:?}", issued.body);
        // 7. Attendance the attacker took by QR code: never confirmed by themself.
        let key = zhiyuan_domain::checkin_token::TokenKey::new(app.store.vault().checkin_key());
        let activity_id: i64 = activity.parse().unwrap();
        for kind in [
            zhiyuan_domain::checkin_token::AttendanceKind::In,
            zhiyuan_domain::checkin_token::AttendanceKind::Out,
        ] {
            let token = zhiyuan_domain::checkin_token::issue(&key, activity_id, kind, support::now()).token;
            let claim = json!({"kind": kind.as_str(), "method": "qr", "token": token,
                               "lat": 28.6830, "lon": 115.9487, "accuracy_m": 10.0});
            let reply = app.post(&attendance, Some(&attacker), claim).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{ctx}: {:?}", reply.body);
            if kind == zhiyuan_domain::checkin_token::AttendanceKind::Out {
                let own = reply.body["record_id"].as_str().unwrap();
                assert_problem(
                    &app.post(
                        &format!("/api/v1/service-records/{own}/confirm"),
                        Some(&attacker),
                        json!({}),
                    )
                    .await,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "self_confirmation",
                    ctx,
                );
            }
        }
        assert_problem(
            &app.post(&certificate, Some(&attacker), json!({})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_effective_hours",
            ctx,
        );
    }
}

/// The shell's own defences: the JSON API takes no cookie (a page's session
/// cookie sent by another site does nothing there), `/metrics` answers only
/// a scraper on this machine and labels no invented method, every API answer
/// says nosniff and no-store, and QR codes point to the configured address
/// whatever Host a request names.
#[tokio::test]
async fn the_shell_keeps_to_itself() {
    for app in apps().await {
        let ctx = app.backend;
        let token = app.demo(4).await;
        let with_cookie = |method: Method, path: &str| {
            app.client
                .request(method, format!("{}{path}", app.base))
                .header("cookie", format!("zy_session={token}"))
        };
        let me = with_cookie(Method::GET, "/api/v1/me").send().await.unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "{ctx}");
        let forged = with_cookie(Method::POST, "/api/v1/organizations")
            .json(&json!({"name": "跨站伪造", "region_code": "360111", "kind": "community_team"}))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED, "{ctx}");
        // The same token as a bearer token works, and the answer is not to be kept.
        let answer = app
            .client
            .get(format!("{}/api/v1/me", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(answer.headers()["x-content-type-options"], "nosniff");
        assert_eq!(answer.headers()["cache-control"], "no-store");
        assert!(
            answer.headers().get("strict-transport-security").is_none(),
            "plain http"
        );

        // Invented methods are counted under one label; through a proxy the
        // metrics are not there at all.
        let invented = Method::from_bytes(b"BREW").unwrap();
        app.client
            .request(invented, format!("{}/api/v1/health", app.base))
            .send()
            .await
            .unwrap();
        let metrics = app.get("/metrics", None).await;
        let text = metrics.body.as_str().unwrap();
        assert!(!text.contains("BREW") && text.contains("method=\"other\""), "{text}");
        let proxied = app
            .client
            .get(format!("{}/metrics", app.base))
            .header("x-forwarded-for", "203.0.113.9")
            .send()
            .await
            .unwrap();
        assert_eq!(proxied.status(), StatusCode::NOT_FOUND, "{ctx}");

        // The board's QR link names the configured address, not the Host sent.
        let org = demo_organization(&app, &token).await;
        let body = activity_body(&org, "扫码签到", support::now() + chrono::Duration::hours(2), 2);
        let id = app.post("/api/v1/activities", Some(&token), body).await.body["id"]
            .as_str()
            .unwrap()
            .to_string();
        let board = app
            .client
            .get(format!("{}/activities/{id}/board", app.base))
            .header("cookie", format!("zy_session={token}"))
            .header("host", "evil.example")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(board.contains(&format!("href=\"{}/c/", app.base)), "{ctx}: {board}");
        assert!(!board.contains("evil.example"), "{ctx}");
    }
}

/// Registration answers "taken" at most five times an hour to one address:
/// enough for a person who mistyped, too few to find out who is registered.
/// A burst of wrong passwords at once passes five tries at most.
#[tokio::test]
async fn nobody_probes_who_is_registered_or_guesses_in_a_burst() {
    for app in apps().await {
        let ctx = app.backend;
        let created = app
            .post("/api/v1/volunteers", None, registration(&an_id(701), "13912347001"))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{ctx}: {:?}", created.body);
        for seq in 0..5 {
            let probe = app
                .post(
                    "/api/v1/volunteers",
                    None,
                    registration(&an_id(710 + seq), "13912347001"),
                )
                .await;
            assert_problem(&probe, StatusCode::CONFLICT, "phone_taken", ctx);
        }
        let sixth = app
            .post("/api/v1/volunteers", None, registration(&an_id(720), "13912347001"))
            .await;
        assert_problem(&sixth, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", ctx);

        let tries: Vec<_> = (0..12)
            .map(|_| {
                app.post(
                    "/api/v1/auth/login",
                    None,
                    json!({"phone": "13912347001", "password": "Guess2026x"}),
                )
            })
            .collect();
        let mut wrong = 0;
        let mut waited = 0;
        for reply in futures_in_order(tries).await {
            match reply.status {
                StatusCode::UNAUTHORIZED => wrong += 1,
                StatusCode::TOO_MANY_REQUESTS => waited += 1,
                other => panic!("{ctx}: {other}"),
            }
        }
        assert_eq!((wrong, waited), (5, 7), "{ctx}");
        // Even the right password waits now, from this address.
        let right = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"phone": "13912347001", "password": "Zhiyuan2026"}),
            )
            .await;
        assert_problem(&right, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", ctx);
    }
}

/// Drives the futures at once and yields their outputs in order.
async fn futures_in_order<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// The activity list is served from a short cache: a change made through
/// the server (a new activity, a sign-up, a cancellation) shows at once.
#[tokio::test]
async fn the_activity_list_follows_changes_at_once() {
    use chrono::Duration;
    for app in apps().await {
        let ctx = app.backend;
        let organizer = app.demo(4).await;
        let volunteer = app.demo(5).await;
        let org = demo_organization(&app, &organizer).await;
        let listed = |reply: &Reply, id: &str| {
            reply.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["id"] == id)
                .map(|a| a["seats_taken"].as_i64().unwrap())
        };
        let list_path = format!("/api/v1/activities?organization_id={org}");
        let before = app.get(&list_path, Some(&volunteer)).await;
        assert_eq!(before.status, StatusCode::OK, "{ctx}: {:?}", before.body);

        let body = activity_body(&org, "列表缓存", support::now() + Duration::days(1), 2);
        let created = app.post("/api/v1/activities", Some(&organizer), body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{ctx}: {:?}", created.body);
        let id = created.body["id"].as_str().unwrap().to_string();
        assert_eq!(
            listed(&app.get(&list_path, Some(&volunteer)).await, &id),
            Some(0),
            "{ctx}"
        );

        let signed = app
            .post(&format!("/api/v1/activities/{id}/signups"), Some(&volunteer), json!({}))
            .await;
        assert_eq!(signed.status, StatusCode::CREATED, "{ctx}: {:?}", signed.body);
        assert_eq!(
            listed(&app.get(&list_path, Some(&volunteer)).await, &id),
            Some(1),
            "{ctx}"
        );

        let cancelled = app
            .post(&format!("/api/v1/activities/{id}/cancel"), Some(&organizer), json!({}))
            .await;
        assert_eq!(cancelled.status, StatusCode::OK, "{ctx}: {:?}", cancelled.body);
        assert_eq!(listed(&app.get(&list_path, Some(&volunteer)).await, &id), None, "{ctx}");
    }
}

#[path = "http/orders.rs"]
mod orders;

#[path = "http/statistics.rs"]
mod statistics;

#[path = "http/exports.rs"]
mod exports;

#[path = "http/benefits.rs"]
mod benefits;

#[path = "http/funding.rs"]
mod funding;

#[path = "http/awards.rs"]
mod awards;

#[path = "http/stories.rs"]
mod stories;
