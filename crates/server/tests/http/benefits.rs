//! Points and benefits over HTTP: who may offer, read and redeem, the
//! refusals with their codes, and a code checked once by the provider's
//! own clerk or an administrator over it, and by nobody else.

use super::*;

fn benefit_body(region: &str, stock: i64, cost: i64) -> Value {
    let today = zhiyuan_domain::time::china_date(support::now());
    json!({
        "title": "滕王阁免费游览",
        "provider": "滕王阁景区",
        "region_code": region,
        "stock": stock,
        "points_cost": cost,
        "valid_from": today.to_string(),
        "valid_to": (today + chrono::Duration::days(30)).to_string(),
    })
}

#[tokio::test]
async fn benefits_are_offered_in_scope_redeemed_once_and_checked_once() {
    for app in apps().await {
        let ctx = app.backend;
        let (province, county, organizer, volunteer, resident) = (
            app.demo(1).await,
            app.demo(2).await,
            app.demo(4).await,
            app.demo(5).await,
            app.demo(6).await,
        );
        // Only region administrators offer, in their own subtree.
        for (token, region, status) in [
            (&volunteer, "360111", StatusCode::FORBIDDEN),
            (&organizer, "360111", StatusCode::FORBIDDEN),
            (&county, "360102", StatusCode::FORBIDDEN),
        ] {
            let reply = app
                .post("/api/v1/benefits", Some(token), benefit_body(region, 1, 0))
                .await;
            assert_problem(&reply, status, "forbidden_scope", ctx);
        }
        let mut bad = benefit_body("360111", 0, 0);
        assert_problem(
            &app.post("/api/v1/benefits", Some(&county), bad.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "stock_invalid",
            ctx,
        );
        bad["stock"] = json!(5);
        bad["valid_to"] = json!("2020-01-01");
        assert_problem(
            &app.post("/api/v1/benefits", Some(&county), bad.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validity_invalid",
            ctx,
        );
        bad["valid_to"] = json!("不是日期");
        assert_problem(
            &app.post("/api/v1/benefits", Some(&county), bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "date_invalid",
            ctx,
        );

        let offered = app
            .post("/api/v1/benefits", Some(&county), benefit_body("360111", 1, 0))
            .await;
        assert_eq!(offered.status, StatusCode::CREATED, "{ctx}: {:?}", offered.body);
        let benefit = offered.body["id"].as_str().unwrap().to_string();
        let provider = offered.body["provider_id"].as_str().unwrap().to_string();
        let dear = app
            .post("/api/v1/benefits", Some(&province), benefit_body("36", 10, 50))
            .await;
        assert_eq!(dear.status, StatusCode::CREATED, "{ctx}: {:?}", dear.body);
        let dear = dear.body["id"].as_str().unwrap().to_string();

        // The volunteer sees both (their county's and the province's); the
        // county's catalogue has its own.
        let open = app.get("/api/v1/benefits", Some(&volunteer)).await;
        assert_eq!(open.status, StatusCode::OK, "{ctx}: {:?}", open.body);
        assert_eq!(
            open.body["items"].as_array().unwrap().len(),
            2,
            "{ctx}: {:?}",
            open.body
        );
        let catalogue = app.get("/api/v1/benefits", Some(&county)).await;
        assert_eq!(catalogue.body["items"].as_array().unwrap().len(), 1, "{ctx}");
        assert_problem(
            &app.get("/api/v1/benefits?view=catalogue", Some(&volunteer)).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );

        // Redeeming: a resident is no volunteer; points are needed for a cost.
        assert_problem(
            &app.post(
                &format!("/api/v1/benefits/{benefit}/redemptions"),
                Some(&resident),
                json!({}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "volunteer_required",
            ctx,
        );
        assert_problem(
            &app.post(
                &format!("/api/v1/benefits/{dear}/redemptions"),
                Some(&volunteer),
                json!({}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "points_insufficient",
            ctx,
        );
        let redeemed = app
            .post(
                &format!("/api/v1/benefits/{benefit}/redemptions"),
                Some(&volunteer),
                json!({}),
            )
            .await;
        assert_eq!(redeemed.status, StatusCode::CREATED, "{ctx}: {:?}", redeemed.body);
        let code = redeemed.body["code"].as_str().unwrap().to_string();
        assert_eq!(code.len(), 10);
        assert_problem(
            &app.post(
                &format!("/api/v1/benefits/{benefit}/redemptions"),
                Some(&volunteer),
                json!({}),
            )
            .await,
            StatusCode::CONFLICT,
            "limit_reached",
            ctx,
        );
        let another = another_volunteer(&app).await;
        assert_problem(
            &app.post(
                &format!("/api/v1/benefits/{benefit}/redemptions"),
                Some(&another),
                json!({}),
            )
            .await,
            StatusCode::CONFLICT,
            "out_of_stock",
            ctx,
        );
        let mine = app.get("/api/v1/redemptions", Some(&volunteer)).await;
        assert_eq!(mine.body["items"][0]["code"], code.as_str(), "{ctx}");
        let me = app.get("/api/v1/me", Some(&volunteer)).await;
        let volunteer_id = me.body["volunteer_id"].as_str().unwrap().to_string();
        let points = app
            .get(&format!("/api/v1/volunteers/{volunteer_id}/points"), Some(&volunteer))
            .await;
        assert_eq!(points.status, StatusCode::OK, "{ctx}: {:?}", points.body);
        assert_eq!(points.body["balance"], 0, "{ctx}: a free benefit costs nothing");
        assert_eq!(
            app.get(&format!("/api/v1/volunteers/{volunteer_id}/points"), Some(&county))
                .await
                .status,
            StatusCode::OK
        );
        for token in [&another, &organizer] {
            assert_problem(
                &app.get(&format!("/api/v1/volunteers/{volunteer_id}/points"), Some(token))
                    .await,
                StatusCode::FORBIDDEN,
                "forbidden_scope",
                ctx,
            );
        }

        // Checking: whoever checks no codes learns nothing; the provider's
        // clerk checks once, lower case and dashes as typed.
        for token in [&volunteer, &organizer] {
            assert_problem(
                &app.post(&format!("/api/v1/redemptions/{code}/check"), Some(token), json!({}))
                    .await,
                StatusCode::NOT_FOUND,
                "not_found",
                ctx,
            );
        }
        app.post("/api/v1/volunteers", None, registration(&an_id(402), "13912340402"))
            .await;
        let appointed = app
            .post(
                "/api/v1/role-grants",
                Some(&county),
                json!({"phone": "13912340402", "role": "benefit_provider", "scope_id": provider}),
            )
            .await;
        assert_eq!(appointed.status, StatusCode::CREATED, "{ctx}: {:?}", appointed.body);
        let clerk = app.login("13912340402", "Zhiyuan2026").await;
        let typed = format!("{}-{}", &code[..5], &code[5..]).to_lowercase();
        let seen = app.get(&format!("/api/v1/redemptions/{typed}"), Some(&clerk)).await;
        assert_eq!(seen.status, StatusCode::OK, "{ctx}: {:?}", seen.body);
        assert!(seen.body["checked_at"].is_null());
        let checked = app
            .post(&format!("/api/v1/redemptions/{typed}/check"), Some(&clerk), json!({}))
            .await;
        assert_eq!(checked.status, StatusCode::OK, "{ctx}: {:?}", checked.body);
        assert!(checked.body["checked_at"].is_string());
        for token in [&clerk, &county] {
            assert_problem(
                &app.post(&format!("/api/v1/redemptions/{code}/check"), Some(token), json!({}))
                    .await,
                StatusCode::CONFLICT,
                "already_used",
                ctx,
            );
        }
        // The clerk of one provider checks nothing of another.
        let others = app
            .post("/api/v1/benefits", Some(&province), benefit_body("36", 5, 0))
            .await;
        let mut others_body = benefit_body("36", 5, 0);
        others_body["provider"] = json!("八一起义纪念馆");
        let museum = app.post("/api/v1/benefits", Some(&province), others_body).await;
        assert_ne!(museum.body["provider_id"], others.body["provider_id"], "{ctx}");
        let museum_code = app
            .post(
                &format!("/api/v1/benefits/{}/redemptions", museum.body["id"].as_str().unwrap()),
                Some(&volunteer),
                json!({}),
            )
            .await
            .body["code"]
            .as_str()
            .unwrap()
            .to_string();
        assert_problem(
            &app.post(
                &format!("/api/v1/redemptions/{museum_code}/check"),
                Some(&clerk),
                json!({}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let list = app
            .get(&format!("/api/v1/providers/{provider}/redemptions"), Some(&clerk))
            .await;
        assert_eq!(
            list.body["items"].as_array().unwrap().len(),
            1,
            "{ctx}: {:?}",
            list.body
        );
        assert_problem(
            &app.get(&format!("/api/v1/providers/{provider}/redemptions"), Some(&volunteer))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        assert_problem(
            &app.post("/api/v1/redemptions/not-a-code/check", Some(&county), json!({}))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
            ctx,
        );
    }
}
