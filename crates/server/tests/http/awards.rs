//! Award campaigns over HTTP: nominations by an organization and by the
//! county, review up the levels within each level's quota, the nominee's
//! facts beside each nomination, and winners public only once published.

use super::*;

async fn volunteer_id_of(app: &TestApp, token: &str) -> String {
    let me = app.get("/api/v1/me", Some(token)).await;
    me.body["volunteer_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_campaign_goes_up_the_levels_within_quotas_and_is_published() {
    for app in apps().await {
        let ctx = app.backend;
        let (province, county, organizer, volunteer) = (
            app.demo(1).await,
            app.demo(2).await,
            app.demo(4).await,
            app.demo(5).await,
        );
        let today = zhiyuan_domain::time::china_date(support::now());
        let body = json!({
            "title": "年度优秀志愿者",
            "kind": "outstanding_volunteer",
            "region_code": "36",
            "year": chrono::Datelike::year(&today),
            "county_quota": 1,
            "city_quota": 1,
            "province_quota": 1,
            "nominate_until": today.to_string(),
        });
        assert_problem(
            &app.post("/api/v1/award-campaigns", Some(&county), body.clone()).await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let mut bad = body.clone();
        bad["county_quota"] = json!(0);
        assert_problem(
            &app.post("/api/v1/award-campaigns", Some(&province), bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "quota_invalid",
            ctx,
        );
        let opened = app.post("/api/v1/award-campaigns", Some(&province), body).await;
        assert_eq!(opened.status, StatusCode::CREATED, "{ctx}: {:?}", opened.body);
        let campaign = opened.body["id"].as_str().unwrap().to_string();
        let nominations = format!("/api/v1/award-campaigns/{campaign}/nominations");

        // The organization nominates its member; the county another
        // volunteer; a volunteer nominates nobody, not even themself.
        let member = volunteer_id_of(&app, &volunteer).await;
        let other = volunteer_id_of(&app, &another_volunteer(&app).await).await;
        assert_problem(
            &app.post(
                &nominations,
                Some(&volunteer),
                json!({"nominee": member, "reason": "我很好"}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        assert_problem(
            &app.post(
                &nominations,
                Some(&organizer),
                json!({"nominee": other, "reason": "热心"}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let by_org = app
            .post(
                &nominations,
                Some(&organizer),
                json!({"nominee": member, "reason": "常年服务社区老人"}),
            )
            .await;
        assert_eq!(by_org.status, StatusCode::CREATED, "{ctx}: {:?}", by_org.body);
        assert_eq!(by_org.body["stage"], "county");
        let first = by_org.body["id"].as_str().unwrap().to_string();
        assert_problem(
            &app.post(
                &nominations,
                Some(&county),
                json!({"nominee": member, "reason": "再次"}),
            )
            .await,
            StatusCode::CONFLICT,
            "already_nominated",
            ctx,
        );
        let by_county = app
            .post(
                &nominations,
                Some(&county),
                json!({"nominee": other, "reason": "抗洪抢险"}),
            )
            .await;
        let second = by_county.body["id"].as_str().unwrap().to_string();

        // The county sees both with the facts, passes one on, and no more.
        let seen = app
            .get(&format!("/api/v1/award-campaigns/{campaign}"), Some(&county))
            .await;
        let shown = seen.body["nominations"].as_array().unwrap();
        assert_eq!(shown.len(), 2, "{ctx}: {:?}", seen.body);
        assert!(shown[0]["effective_hours"].is_number() && shown[0]["records"].is_number());
        let by_volunteer = app
            .get(&format!("/api/v1/award-campaigns/{campaign}"), Some(&volunteer))
            .await;
        assert!(by_volunteer.body["nominations"].as_array().unwrap().is_empty());
        assert_problem(
            &app.post(&format!("/api/v1/nominations/{first}/pass"), Some(&province), json!({}))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let passed = app
            .post(&format!("/api/v1/nominations/{first}/pass"), Some(&county), json!({}))
            .await;
        assert_eq!(passed.status, StatusCode::OK, "{ctx}: {:?}", passed.body);
        assert_eq!(passed.body["stage"], "city");
        assert_problem(
            &app.post(&format!("/api/v1/nominations/{second}/pass"), Some(&county), json!({}))
                .await,
            StatusCode::CONFLICT,
            "quota_reached",
            ctx,
        );
        let declined = app
            .post(
                &format!("/api/v1/nominations/{second}/decline"),
                Some(&county),
                json!({}),
            )
            .await;
        assert_eq!(declined.body["stage"], "declined", "{ctx}");

        // The city (appointed for the test), then the province.
        app.post("/api/v1/volunteers", None, registration(&an_id(403), "13912340403"))
            .await;
        let appointed = app
            .post(
                "/api/v1/role-grants",
                Some(&province),
                json!({"phone": "13912340403", "role": "city_admin", "scope_id": "3601"}),
            )
            .await;
        assert_eq!(appointed.status, StatusCode::CREATED, "{ctx}: {:?}", appointed.body);
        let city = app.login("13912340403", "Zhiyuan2026").await;
        assert_problem(
            &app.post(&format!("/api/v1/nominations/{first}/pass"), Some(&county), json!({}))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let at_province = app
            .post(&format!("/api/v1/nominations/{first}/pass"), Some(&city), json!({}))
            .await;
        assert_eq!(at_province.body["stage"], "province", "{ctx}: {:?}", at_province.body);
        let awarded = app
            .post(&format!("/api/v1/nominations/{first}/pass"), Some(&province), json!({}))
            .await;
        assert_eq!(awarded.body["stage"], "awarded", "{ctx}: {:?}", awarded.body);

        // Public once published, and only then.
        let public = format!("/api/v1/awards?kind=outstanding_volunteer&nominee={member}");
        assert!(
            app.get(&public, None).await.body["items"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert_problem(
            &app.post(
                &format!("/api/v1/award-campaigns/{campaign}/publish"),
                Some(&county),
                json!({}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let published = app
            .post(
                &format!("/api/v1/award-campaigns/{campaign}/publish"),
                Some(&province),
                json!({}),
            )
            .await;
        assert_eq!(published.status, StatusCode::OK, "{ctx}: {:?}", published.body);
        let awards = app.get(&public, None).await;
        assert_eq!(
            awards.body["items"][0]["title"], "年度优秀志愿者",
            "{ctx}: {:?}",
            awards.body
        );
        assert_problem(
            &app.post(
                &format!("/api/v1/award-campaigns/{campaign}/publish"),
                Some(&province),
                json!({}),
            )
            .await,
            StatusCode::CONFLICT,
            "campaign_published",
            ctx,
        );
        assert_problem(
            &app.post(&nominations, Some(&county), json!({"nominee": other, "reason": "迟到"}))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "nominations_closed",
            ctx,
        );
    }
}
