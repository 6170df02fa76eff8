//! The ordering loop over HTTP: a resident orders from their station, the
//! center's manager dispatches with explained candidates, the organization
//! accepts (an activity is created for the delivery) and completes, the
//! resident rates; and every refusal on the way.

use super::*;

/// The station of the demo resident's community.
async fn station(app: &TestApp) -> String {
    let sites = app.get("/api/v1/sites?region=360111001002&level=station", None).await;
    sites.body["items"][0]["id"].as_str().unwrap().to_string()
}

/// The manager's dispatch of order `id` to `organization`.
async fn dispatch_to(app: &TestApp, id: &str, manager: &str, organization: &str) -> Reply {
    app.post(
        &format!("/api/v1/orders/{id}/dispatch"),
        Some(manager),
        json!({"organization_id": organization}),
    )
    .await
}

async fn order(app: &TestApp, resident: &str, site: &str, content: &str) -> String {
    let placed = app
        .post(
            "/api/v1/orders",
            Some(resident),
            json!({"site_id": site, "category": "left_behind_elderly", "content": content,
                   "address": "电化社区3栋", "lat": 28.683, "lon": 115.949}),
        )
        .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}: {:?}", app.backend, placed.body);
    assert_eq!(placed.body["status"], "ordered");
    placed.body["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_loop_runs_from_order_to_rating() {
    for app in apps().await {
        let (manager, org_admin, volunteer, resident) = (
            app.demo(3).await,
            app.demo(4).await,
            app.demo(5).await,
            app.demo(6).await,
        );
        let organization = demo_organization(&app, &org_admin).await;
        let station = station(&app).await;
        // The site adds its own item to the menu, and takes it off again.
        let added = app
            .post(
                &format!("/api/v1/sites/{station}/menu"),
                Some(&manager),
                json!({"title": "理发上门", "category": "left_behind_elderly"}),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
        let item = added.body["id"].as_str().unwrap().to_string();
        let refused = app
            .post(
                &format!("/api/v1/sites/{station}/menu"),
                Some(&resident),
                json!({"title": "x", "category": "other"}),
            )
            .await;
        assert_problem(
            &refused,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "a resident adding to the menu",
        );
        let menu = app.get(&format!("/api/v1/sites/{station}/menu"), None).await;
        assert_eq!(menu.status, StatusCode::OK, "{:?}", menu.body);
        assert!(
            menu.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["menu_item_id"] == item.as_str())
        );
        let removal = format!("/api/v1/sites/{station}/menu/{item}");
        assert_eq!(
            app.call(Method::DELETE, &removal, Some(&resident), None).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.call(Method::DELETE, &removal, Some(&manager), None).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            app.call(Method::DELETE, &removal, Some(&manager), None).await.status,
            StatusCode::NOT_FOUND
        );
        let menu = app.get(&format!("/api/v1/sites/{station}/menu"), None).await;
        assert!(
            menu.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["menu_item_id"] != item.as_str())
        );
        let id = order(&app, &resident, &station, "帮忙买药送到家").await;
        let path = |step: &str| format!("/api/v1/orders/{id}/{step}");

        // Candidates are the dispatcher's, each with the parts of its score.
        assert_problem(
            &app.get(&path("candidates"), Some(&resident)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "resident",
        );
        let candidates = app.get(&path("candidates"), Some(&manager)).await;
        assert_eq!(candidates.status, StatusCode::OK, "{:?}", candidates.body);
        let ours = candidates
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["organization_id"] == organization.as_str())
            .unwrap();
        assert_eq!(ours["parts"].as_array().unwrap().len(), 6, "{ours}");
        let parts_sum: f64 = ours["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["points"].as_f64().unwrap())
            .sum();
        assert!((parts_sum - ours["score"].as_f64().unwrap()).abs() < 0.5, "{ours}");

        // Only a dispatcher dispatches; two at once: one wins.
        let body = json!({"organization_id": organization});
        assert_problem(
            &app.post(&path("dispatch"), Some(&resident), body.clone()).await,
            StatusCode::FORBIDDEN,
            "order_party_wrong",
            "resident dispatching",
        );
        let dispatch = path("dispatch");
        let (first, second) = tokio::join!(
            app.post(&dispatch, Some(&manager), body.clone()),
            app.post(&dispatch, Some(&manager), body.clone())
        );
        let mut statuses = [first.status, second.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "{}: {:?} {:?}",
            app.backend,
            first.body,
            second.body
        );

        // Only the organization it went to answers; accepting creates its activity.
        assert_problem(
            &app.post(&path("accept"), Some(&volunteer), json!({})).await,
            StatusCode::FORBIDDEN,
            "order_party_wrong",
            "a volunteer accepting",
        );
        let accepted = app.call(Method::POST, &path("accept"), Some(&org_admin), None).await;
        assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
        assert_eq!(accepted.body["status"], "accepted");
        let activity = accepted.body["activity_id"].as_str().unwrap().to_string();
        let delivery = app
            .get(&format!("/api/v1/activities/{activity}"), Some(&volunteer))
            .await;
        assert_eq!(delivery.status, StatusCode::OK, "{:?}", delivery.body);
        assert_eq!(delivery.body["category"], "left_behind_elderly");
        assert_eq!(
            delivery.body["order_id"],
            id.as_str(),
            "the activity is tagged with its order"
        );

        // Rated only once completed, only by the resident, only 1–5.
        let rate = |rating: i64| json!({"rating": rating, "comment": "很及时"});
        assert_problem(
            &app.post(&path("evaluate"), Some(&resident), rate(5)).await,
            StatusCode::CONFLICT,
            "invalid_transition",
            "rated before completion",
        );
        let completed = app
            .post(&path("complete"), Some(&org_admin), json!({"report": "药已送到"}))
            .await;
        assert_eq!(completed.body["status"], "completed", "{:?}", completed.body);
        assert_problem(
            &app.post(&path("evaluate"), Some(&org_admin), rate(5)).await,
            StatusCode::FORBIDDEN,
            "order_party_wrong",
            "the organization rating itself",
        );
        assert_problem(
            &app.post(&path("evaluate"), Some(&resident), rate(6)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "rating_invalid",
            "six stars",
        );
        let rated = app.post(&path("evaluate"), Some(&resident), rate(5)).await;
        assert_eq!(rated.body["status"], "evaluated", "{:?}", rated.body);
        assert_problem(
            &app.post(&path("evaluate"), Some(&resident), rate(4)).await,
            StatusCode::CONFLICT,
            "invalid_transition",
            "rated twice",
        );

        let history = app.get(&format!("/api/v1/orders/{id}"), Some(&resident)).await;
        let steps: Vec<&str> = history.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            steps,
            ["ordered", "dispatched", "accepted", "completed", "evaluated"],
            "{}",
            app.backend
        );
        assert_problem(
            &app.get(&format!("/api/v1/orders/{id}"), Some(&volunteer)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "a stranger reading",
        );

        let kinds = |reply: Reply| -> Vec<String> {
            reply.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["kind"].as_str().unwrap().to_string())
                .collect()
        };
        assert!(kinds(app.get("/api/v1/inbox", Some(&org_admin)).await).contains(&"dispatch".to_string()));
        let residents = kinds(app.get("/api/v1/inbox", Some(&resident)).await);
        assert!(
            residents.contains(&"accept".to_string()) && residents.contains(&"complete".to_string()),
            "{residents:?}"
        );
        let mine = app.get("/api/v1/orders", Some(&resident)).await;
        assert_eq!(mine.body["items"][0]["id"], id.as_str());

        // The loop's figures, kept with each step, for the people of each scope.
        let site_figures = app
            .get(&format!("/api/v1/orders/figures?site_id={station}"), Some(&manager))
            .await;
        assert_eq!(site_figures.status, StatusCode::OK, "{:?}", site_figures.body);
        assert_eq!(site_figures.body["closed_loops"], 1, "{}", app.backend);
        assert_eq!(site_figures.body["satisfaction"], 5.0);
        assert_eq!(site_figures.body["orders_by_state"]["evaluated"], 1);
        assert_eq!(site_figures.body["orders_by_state"]["ordered"], 0);
        assert!(site_figures.body["median_minutes_to_dispatch"].as_f64().is_some());
        let ours = app
            .get(
                &format!("/api/v1/orders/figures?organization_id={organization}"),
                Some(&org_admin),
            )
            .await;
        assert_eq!(
            (ours.body["accepted"].as_i64(), ours.body["completed"].as_i64()),
            (Some(1), Some(1))
        );
        let county = app.demo(2).await;
        let region = app
            .get("/api/v1/orders/figures?region=360111001002", Some(&county))
            .await;
        assert_eq!(region.body["closed_loops"], 1, "{:?}", region.body);
        // The statistics of the county (and the province) count the closed loop.
        let statistics = app.get("/api/v1/stats/regions/360111", Some(&county)).await;
        assert_eq!(
            (
                statistics.body["closed_loops"].as_i64(),
                statistics.body["satisfaction"].as_f64()
            ),
            (Some(1), Some(5.0)),
            "{:?}",
            statistics.body
        );
        let ranked = app
            .get("/api/v1/rankings?level=organization&metric=loops", Some(&county))
            .await;
        assert_eq!(
            ranked.body["items"][0]["key"],
            organization.as_str(),
            "{:?}",
            ranked.body
        );
        assert_eq!(ranked.body["items"][0]["value"], 1.0);
        assert_problem(
            &app.get(&format!("/api/v1/orders/figures?site_id={station}"), Some(&resident))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            "a resident reading a site's figures",
        );
    }
}

#[tokio::test]
async fn orders_refuse_what_they_should() {
    for app in apps().await {
        let (manager, org_admin, resident) = (app.demo(3).await, app.demo(4).await, app.demo(6).await);
        let organization = demo_organization(&app, &org_admin).await;
        let station = station(&app).await;
        let bad = |body: Value| {
            let mut base = json!({"site_id": station, "category": "left_behind_elderly", "content": "帮忙"});
            for (k, v) in body.as_object().unwrap() {
                base[k] = v.clone();
            }
            base
        };
        let past = rfc(support::now() - chrono::Duration::hours(2));
        for (body, status, code) in [
            (
                json!({"content": "  "}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "content_required",
            ),
            (
                json!({"content": "药".repeat(10_000)}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "content_too_long",
            ),
            (
                json!({"wanted_to": past}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "wanted_window_past",
            ),
            (
                json!({"category": "astrology"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "category_unknown",
            ),
            (json!({"site_id": "999999"}), StatusCode::NOT_FOUND, "not_found"),
        ] {
            assert_problem(
                &app.post("/api/v1/orders", Some(&resident), bad(body.clone())).await,
                status,
                code,
                &format!("{}: {body}", app.backend),
            );
        }
        let elsewhere = app.get("/api/v1/sites?region=360102002001&level=station", None).await;
        let elsewhere = elsewhere.body["items"][0]["id"].as_str().unwrap();
        assert_problem(
            &app.post("/api/v1/orders", Some(&resident), bad(json!({"site_id": elsewhere})))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "order_site_outside_county",
            "another county",
        );
        assert_problem(
            &app.post("/api/v1/orders", None, bad(json!({}))).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "anonymous",
        );

        // A refusal goes back to the desk, and the organization is not offered it again.
        let id = order(&app, &resident, &station, "陪老人去医院").await;
        let path = |step: &str| format!("/api/v1/orders/{id}/{step}");
        let dispatched = app
            .post(
                &path("dispatch"),
                Some(&manager),
                json!({"organization_id": organization}),
            )
            .await;
        assert_eq!(dispatched.body["status"], "dispatched", "{:?}", dispatched.body);
        assert_problem(
            &app.post(&path("refuse"), Some(&org_admin), json!({"reason": " "}))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "text_invalid",
            "a refusal without a reason",
        );
        let refused = app
            .post(&path("refuse"), Some(&org_admin), json!({"reason": "人手不足"}))
            .await;
        assert_eq!(refused.body["status"], "ordered", "{:?}", refused.body);
        assert_eq!(refused.body["organization_id"], Value::Null);
        let candidates = app.get(&path("candidates"), Some(&manager)).await;
        assert!(
            candidates
                .body
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["organization_id"] != organization.as_str()),
            "{:?}",
            candidates.body
        );
        assert_problem(
            &dispatch_to(&app, &id, &manager, &organization).await,
            StatusCode::CONFLICT,
            "organization_refused_order",
            "sent again",
        );

        // An unverified organization, or one serving another county, is not sent orders.
        let founder = app.demo(5).await;
        let created = app
            .post(
                "/api/v1/organizations",
                Some(&founder),
                json!({"name": "新成立的服务队", "region_code": "360111", "kind": "community_team"}),
            )
            .await;
        let unverified = created.body["id"].as_str().unwrap().to_string();
        assert_problem(
            &dispatch_to(&app, &id, &manager, &unverified).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "organization_unverified",
            "unverified",
        );
        let admin = app.demo(1).await;
        let far = app
            .post(
                "/api/v1/organizations",
                Some(&admin),
                json!({"name": "东湖区服务队", "region_code": "360102", "kind": "community_team"}),
            )
            .await;
        let far = far.body["id"].as_str().unwrap().to_string();
        let verified = app
            .post(&format!("/api/v1/organizations/{far}/verify"), Some(&admin), json!({}))
            .await;
        assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
        assert_problem(
            &dispatch_to(&app, &id, &manager, &far).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "organization_outside_area",
            "another county's team",
        );

        // The resident cancels before the service; nothing moves it after.
        let cancelled = app
            .post(&path("cancel"), Some(&resident), json!({"reason": "已自行解决"}))
            .await;
        assert_eq!(cancelled.body["status"], "cancelled", "{:?}", cancelled.body);
        assert_problem(
            &dispatch_to(&app, &id, &manager, &organization).await,
            StatusCode::CONFLICT,
            "invalid_transition",
            "dispatching a cancelled order",
        );

        // A site orders for someone who phoned in (代点单), recorded as such.
        let for_someone = app
            .post("/api/v1/orders", Some(&manager), json!({"site_id": station, "category": "left_behind_elderly", "content": "电话点单：修水龙头", "contact_name": "李大爷", "contact_phone": "13900001234"}))
            .await;
        assert_eq!(for_someone.status, StatusCode::CREATED, "{:?}", for_someone.body);
        assert_eq!(for_someone.body["on_behalf"], true);
        let history = app
            .get(
                &format!("/api/v1/orders/{}", for_someone.body["id"].as_str().unwrap()),
                Some(&manager),
            )
            .await;
        assert_eq!(history.body["events"][0]["role"], "dispatcher");
        assert_eq!(
            history.body["contact_phone"], "13900001234",
            "the dispatcher reaches them"
        );
        // Someone without an account hears of their order by SMS, through the outbox.
        let phoned_in = for_someone.body["id"].as_str().unwrap();
        dispatch_to(&app, phoned_in, &manager, &organization).await;
        let accepted = app
            .post(
                &format!("/api/v1/orders/{phoned_in}/accept"),
                Some(&org_admin),
                json!({"lat": 28.68, "lon": 115.95}),
            )
            .await;
        assert_eq!(accepted.body["status"], "accepted", "{:?}", accepted.body);
        let texts = app.store.outbox_for("13900001234").await.unwrap();
        assert_eq!(
            texts.iter().map(|m| m.template.as_str()).collect::<Vec<_>>(),
            ["order_dispatch", "order_accept"]
        );
        assert_eq!(texts[1].payload["order_id"].as_i64().unwrap().to_string(), phoned_in);
        let resident_reads = app
            .get(
                &format!("/api/v1/orders/{}", for_someone.body["id"].as_str().unwrap()),
                Some(&resident),
            )
            .await;
        assert_eq!(resident_reads.status, StatusCode::FORBIDDEN, "not the resident's order");
        assert_problem(
            &app.post(
                "/api/v1/orders",
                Some(&manager),
                json!({"site_id": station, "category": "other", "content": "给自己点单", "contact_name": "中心文明实践员", "contact_phone": "13800000003"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "order_on_behalf_of_self",
            "a dispatcher ordering for themselves",
        );
        assert_problem(
            &app.post(
                "/api/v1/orders",
                Some(&manager),
                json!({"site_id": station, "category": "other", "content": "代点单"}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "name_invalid",
            "on behalf of nobody",
        );

        // One person has at most ten orders open at once.
        let mut open = Vec::new();
        for n in 0..10 {
            open.push(order(&app, &resident, &station, &format!("第{n}件事")).await);
        }
        assert_problem(
            &app.post("/api/v1/orders", Some(&resident), bad(json!({}))).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_open_orders",
            "an eleventh open order",
        );
        let cancelled = app
            .post(
                &format!("/api/v1/orders/{}/cancel", open[0]),
                Some(&resident),
                json!({}),
            )
            .await;
        assert_eq!(cancelled.body["status"], "cancelled");
        order(&app, &resident, &station, "又一件事").await;
    }
}

#[tokio::test]
async fn nobody_rates_the_service_of_their_own_organization() {
    for app in apps().await {
        let (admin, manager, volunteer) = (app.demo(1).await, app.demo(3).await, app.demo(5).await);
        // The volunteer founds a team (and runs it), which is verified.
        let founded = app
            .post(
                "/api/v1/organizations",
                Some(&volunteer),
                json!({"name": "电化社区邻里互助队", "region_code": "360111", "kind": "community_team"}),
            )
            .await;
        assert_eq!(founded.status, StatusCode::CREATED, "{:?}", founded.body);
        let team = founded.body["id"].as_str().unwrap().to_string();
        let verified = app
            .post(&format!("/api/v1/organizations/{team}/verify"), Some(&admin), json!({}))
            .await;
        assert_eq!(verified.status, StatusCode::OK, "{:?}", verified.body);
        // They order as a resident, and their own team serves it.
        let station = station(&app).await;
        let id = order(&app, &volunteer, &station, "帮我家修水管").await;
        let dispatched = dispatch_to(&app, &id, &manager, &team).await;
        assert_eq!(dispatched.body["status"], "dispatched", "{:?}", dispatched.body);
        for (step, body) in [("accept", json!({})), ("complete", json!({"report": "修好了"}))] {
            let done = app
                .post(&format!("/api/v1/orders/{id}/{step}"), Some(&volunteer), body)
                .await;
            assert_eq!(done.status, StatusCode::OK, "{}: {step}: {:?}", app.backend, done.body);
        }
        assert_problem(
            &app.post(
                &format!("/api/v1/orders/{id}/evaluate"),
                Some(&volunteer),
                json!({"rating": 5}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "order_self_service",
            "rating one's own team",
        );
        let after = app.get(&format!("/api/v1/orders/{id}"), Some(&volunteer)).await;
        assert_eq!(after.body["status"], "completed", "no rating was written");
    }
}
