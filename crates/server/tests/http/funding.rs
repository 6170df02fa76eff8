//! Demonstration-project funding over HTTP: a call opened in scope, an
//! organization applying with its project, a reviewer scoring, grants
//! within the budget, payments within the grant, totals per mode; and
//! nobody deciding on an application of an organization they run.

use super::*;

#[tokio::test]
async fn a_call_is_applied_to_scored_granted_paid_and_totalled() {
    for app in apps().await {
        let ctx = app.backend;
        let (province, county, organizer, volunteer) = (
            app.demo(1).await,
            app.demo(2).await,
            app.demo(4).await,
            app.demo(5).await,
        );
        let today = zhiyuan_domain::time::china_date(support::now());
        let year: i32 = chrono::Datelike::year(&today);
        let call_body = |region: &str, budget: i64| {
            json!({
                "title": "志愿服务示范项目扶持",
                "mode": "purchase_of_services",
                "region_code": region,
                "year": year,
                "budget": budget,
                "max_projects": 2,
                "opens_on": today.to_string(),
                "closes_on": (today + chrono::Duration::days(30)).to_string(),
            })
        };
        for (token, region) in [(&organizer, "360111"), (&county, "360102"), (&volunteer, "36")] {
            let refused = app
                .post("/api/v1/funding/calls", Some(token), call_body(region, 1000))
                .await;
            assert_problem(&refused, StatusCode::FORBIDDEN, "forbidden_scope", ctx);
        }
        let mut bad = call_body("360111", 0);
        assert_problem(
            &app.post("/api/v1/funding/calls", Some(&county), bad.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "budget_invalid",
            ctx,
        );
        bad["budget"] = json!(1000);
        bad["mode"] = json!("gift");
        assert_problem(
            &app.post("/api/v1/funding/calls", Some(&county), bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "funding_mode_invalid",
            ctx,
        );
        let opened = app
            .post("/api/v1/funding/calls", Some(&county), call_body("360111", 100_000))
            .await;
        assert_eq!(opened.status, StatusCode::CREATED, "{ctx}: {:?}", opened.body);
        let call = opened.body["id"].as_str().unwrap().to_string();
        let listed = app.get("/api/v1/funding/calls?region=3601", Some(&organizer)).await;
        assert_eq!(listed.body["items"][0]["id"], call.as_str(), "{ctx}: {:?}", listed.body);

        // The organization applies with two projects of its own; a
        // volunteer cannot apply with them.
        let org = demo_organization(&app, &organizer).await;
        let mut projects = Vec::new();
        for title in ["社区助餐", "独居老人陪伴"] {
            let project = app
                .post(
                    "/api/v1/projects",
                    Some(&organizer),
                    json!({"organization_id": org, "title": title, "category": "left_behind_elderly", "area_code": "360111"}),
                )
                .await;
            assert_eq!(project.status, StatusCode::CREATED, "{ctx}: {:?}", project.body);
            projects.push(project.body["id"].as_str().unwrap().to_string());
        }
        let apply =
            |project: &str, amount: i64| json!({"project_id": project, "amount": amount, "plan": "每周三次上门"});
        let path = format!("/api/v1/funding/calls/{call}/applications");
        assert_problem(
            &app.post(&path, Some(&volunteer), apply(&projects[0], 60_000)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let first = app.post(&path, Some(&organizer), apply(&projects[0], 60_000)).await;
        assert_eq!(first.status, StatusCode::CREATED, "{ctx}: {:?}", first.body);
        let first = first.body["id"].as_str().unwrap().to_string();
        assert_problem(
            &app.post(&path, Some(&organizer), apply(&projects[0], 60_000)).await,
            StatusCode::CONFLICT,
            "already_applied",
            ctx,
        );
        assert_problem(
            &app.post(&path, Some(&organizer), apply(&projects[1], 100_001)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "amount_invalid",
            ctx,
        );
        let second = app.post(&path, Some(&organizer), apply(&projects[1], 50_000)).await;
        let second = second.body["id"].as_str().unwrap().to_string();

        // Scores and grants by the county; the organizer decides nothing.
        let scored = app
            .post(
                &format!("/api/v1/funding/applications/{first}/scores"),
                Some(&county),
                json!({"score": 88, "comment": "覆盖面广"}),
            )
            .await;
        assert_eq!(scored.status, StatusCode::OK, "{ctx}: {:?}", scored.body);
        assert_eq!(scored.body["mean_score"], 88.0);
        assert_problem(
            &app.post(
                &format!("/api/v1/funding/applications/{first}/scores"),
                Some(&county),
                json!({"score": 101}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "score_invalid",
            ctx,
        );
        assert_problem(
            &app.post(
                &format!("/api/v1/funding/applications/{first}/grant"),
                Some(&organizer),
                json!({"amount": 60_000}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let granted = app
            .post(
                &format!("/api/v1/funding/applications/{first}/grant"),
                Some(&county),
                json!({"amount": 60_000}),
            )
            .await;
        assert_eq!(granted.status, StatusCode::OK, "{ctx}: {:?}", granted.body);
        assert_problem(
            &app.post(
                &format!("/api/v1/funding/applications/{second}/grant"),
                Some(&county),
                json!({"amount": 50_000}),
            )
            .await,
            StatusCode::CONFLICT,
            "grant_over_budget",
            ctx,
        );
        let rest = app
            .post(
                &format!("/api/v1/funding/applications/{second}/grant"),
                Some(&province),
                json!({"amount": 40_000}),
            )
            .await;
        assert_eq!(rest.status, StatusCode::OK, "{ctx}: {:?}", rest.body);
        let paid = app
            .post(
                &format!("/api/v1/funding/applications/{first}/disbursements"),
                Some(&county),
                json!({"amount": 30_000, "paid_on": today.to_string(), "note": "首期"}),
            )
            .await;
        assert_eq!(paid.status, StatusCode::CREATED, "{ctx}: {:?}", paid.body);
        assert_problem(
            &app.post(
                &format!("/api/v1/funding/applications/{first}/disbursements"),
                Some(&county),
                json!({"amount": 30_001, "paid_on": today.to_string()}),
            )
            .await,
            StatusCode::CONFLICT,
            "disbursement_over_grant",
            ctx,
        );

        // The call as each reader sees it, and the county's totals.
        let seen = app.get(&format!("/api/v1/funding/calls/{call}"), Some(&county)).await;
        assert_eq!(seen.body["granted"], 100_000, "{ctx}: {:?}", seen.body);
        assert_eq!(seen.body["applications"].as_array().unwrap().len(), 2);
        assert_eq!(seen.body["applications"][0]["id"], first.as_str(), "best score first");
        let by_volunteer = app
            .get(&format!("/api/v1/funding/calls/{call}"), Some(&volunteer))
            .await;
        assert!(
            by_volunteer.body["applications"].as_array().unwrap().is_empty(),
            "{ctx}"
        );
        let totals = app.get("/api/v1/funding/totals", Some(&county)).await;
        assert_eq!(totals.status, StatusCode::OK, "{ctx}: {:?}", totals.body);
        assert_eq!(
            totals.body["items"][0],
            json!({"mode": "purchase_of_services", "calls": 1, "budget": 100_000, "granted": 100_000,
                   "granted_projects": 2, "disbursed": 30_000}),
            "{ctx}"
        );
        assert_problem(
            &app.get("/api/v1/funding/totals", Some(&organizer)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );

        // A county administrator who also runs the organization decides
        // nothing on its applications.
        let appointed = app
            .post(
                "/api/v1/role-grants",
                Some(&province),
                json!({"phone": "13800000002", "role": "org_admin", "scope_id": org}),
            )
            .await;
        assert_eq!(appointed.status, StatusCode::CREATED, "{ctx}: {:?}", appointed.body);
        let county = app.demo(2).await;
        assert_problem(
            &app.post(
                &format!("/api/v1/funding/applications/{second}/scores"),
                Some(&county),
                json!({"score": 100}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "own_application",
            ctx,
        );
    }
}
