//! Statistics over HTTP: who may read which region's figures, what a bad
//! period gets, that a registration shows at once in every region above
//! the volunteer's home, and site designations filtering lists and figures.

use super::*;

fn stats(code: &str, query: &str) -> String {
    format!("/api/v1/stats/regions/{code}{query}")
}

#[tokio::test]
async fn region_statistics_keep_to_the_readers_scope() {
    for app in apps().await {
        let (province, county, volunteer) = (app.demo(1).await, app.demo(2).await, app.demo(5).await);
        let own = app.get(&stats("360111", ""), Some(&county)).await;
        assert_eq!(own.status, StatusCode::OK, "{}: {:?}", app.backend, own.body);
        assert_eq!(own.body["region_code"], "360111");
        for key in ["volunteers", "effective_hours", "party_member_share", "satisfaction"] {
            assert!(own.body[key].is_number(), "{key}: {:?}", own.body);
        }
        assert!(!own.body["children"].as_array().unwrap().is_empty());
        // A sibling county, the city and the province are not theirs.
        for other in ["360102", "3601", "36"] {
            let refused = app.get(&stats(other, ""), Some(&county)).await;
            assert_problem(&refused, StatusCode::FORBIDDEN, "forbidden_scope", other);
        }
        let refused = app.get(&stats("360111", ""), Some(&volunteer)).await;
        assert_problem(&refused, StatusCode::FORBIDDEN, "forbidden_scope", "a volunteer");
        assert_eq!(
            app.get(&stats("360111", ""), None).await.status,
            StatusCode::UNAUTHORIZED
        );
        let province_wide = app.get(&stats("36", ""), Some(&province)).await;
        assert_eq!(province_wide.status, StatusCode::OK, "{:?}", province_wide.body);
        assert!(province_wide.body["volunteers"].as_i64().unwrap() >= own.body["volunteers"].as_i64().unwrap());
        // Bad periods are refused with their own codes.
        for (query, code) in [
            ("?from=2026-13-01", "date_invalid"),
            ("?from=2026-03-02&to=2026-03-01", "period_invalid"),
            ("?from=2000-01-01&to=2026-01-01", "period_too_long"),
        ] {
            let refused = app.get(&stats("360111", query), Some(&county)).await;
            assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, code, query);
        }
        let unknown = app.get(&stats("369999", ""), Some(&province)).await;
        assert_problem(
            &unknown,
            StatusCode::UNPROCESSABLE_ENTITY,
            "region_unknown",
            "an unknown region",
        );
    }
}

#[tokio::test]
async fn a_registration_counts_at_once_up_the_region_tree() {
    for app in apps().await {
        let province = app.demo(1).await;
        let mut before: Vec<Value> = Vec::new();
        for code in ["36", "3601", "360111", "360111100"] {
            before.push(app.get(&stats(code, ""), Some(&province)).await.body);
        }
        let registered = app
            .post("/api/v1/volunteers", None, registration(&an_id(901), "13700009001"))
            .await;
        assert_eq!(registered.status, StatusCode::CREATED, "{:?}", registered.body);
        for (code, before) in ["36", "3601", "360111", "360111100"].iter().zip(before) {
            let after = app.get(&stats(code, ""), Some(&province)).await.body;
            for key in ["volunteers", "new_volunteers"] {
                assert_eq!(
                    after[key].as_i64().unwrap(),
                    before[key].as_i64().unwrap() + 1,
                    "{}: {code} {key}",
                    app.backend
                );
            }
        }
        // The county's row among the city's children moved too, and the
        // series of this year has one more registration in it.
        let city = app.get(&stats("3601", ""), Some(&province)).await.body;
        let county = city["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|child| child["region_code"] == "360111")
            .unwrap();
        let county_alone = app.get(&stats("360111", ""), Some(&province)).await.body;
        assert_eq!(county["volunteers"], county_alone["volunteers"]);
        let series_sum: i64 = county_alone["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|point| point["new_volunteers"].as_i64().unwrap())
            .sum();
        assert_eq!(series_sum, county_alone["new_volunteers"].as_i64().unwrap());
    }
}

#[tokio::test]
async fn rankings_compare_places_never_people_and_keep_to_the_scope() {
    for app in apps().await {
        let (province, county) = (app.demo(1).await, app.demo(2).await);
        let townships = app
            .get("/api/v1/rankings?level=township&metric=hours", Some(&county))
            .await;
        assert_eq!(
            townships.status,
            StatusCode::OK,
            "{}: {:?}",
            app.backend,
            townships.body
        );
        let items = townships.body["items"].as_array().unwrap();
        assert!(!items.is_empty());
        for pair in items.windows(2) {
            assert!(pair[0]["rank"].as_u64() <= pair[1]["rank"].as_u64());
            assert!(pair[0]["value"].as_f64() >= pair[1]["value"].as_f64());
        }
        // The county's townships only: every key lies under 360111.
        assert!(
            items
                .iter()
                .all(|row| row["key"].as_str().unwrap().starts_with("360111"))
        );
        // A page at a time.
        let first = app
            .get("/api/v1/rankings?level=township&metric=hours&limit=1", Some(&county))
            .await;
        assert_eq!(first.body["items"].as_array().unwrap().len(), 1);
        if items.len() > 1 {
            let cursor = first.body["next_cursor"].as_str().unwrap();
            let second = app
                .get(
                    &format!("/api/v1/rankings?level=township&metric=hours&limit=1&cursor={cursor}"),
                    Some(&county),
                )
                .await;
            assert_eq!(second.body["items"][0]["key"], items[1]["key"]);
        }
        for (query, status, code) in [
            (
                "level=volunteer&metric=hours",
                StatusCode::UNPROCESSABLE_ENTITY,
                "ranking_of_people_refused",
            ),
            (
                "level=person&metric=hours",
                StatusCode::UNPROCESSABLE_ENTITY,
                "ranking_of_people_refused",
            ),
            (
                "level=organization&metric=active_volunteers",
                StatusCode::UNPROCESSABLE_ENTITY,
                "ranking_metric_unavailable",
            ),
            (
                "level=county&metric=fame",
                StatusCode::UNPROCESSABLE_ENTITY,
                "ranking_metric_invalid",
            ),
            (
                "level=county&metric=hours&date=2099-01-01",
                StatusCode::UNPROCESSABLE_ENTITY,
                "date_in_future",
            ),
            (
                "level=township&metric=hours&region=360102",
                StatusCode::FORBIDDEN,
                "forbidden_scope",
            ),
            (
                "level=county&metric=hours&region=36",
                StatusCode::FORBIDDEN,
                "forbidden_scope",
            ),
        ] {
            let refused = app.get(&format!("/api/v1/rankings?{query}"), Some(&county)).await;
            assert_problem(&refused, status, code, query);
        }
        let counties = app
            .get(
                "/api/v1/rankings?level=county&metric=hours_per_volunteer&region=3601",
                Some(&province),
            )
            .await;
        assert_eq!(counties.status, StatusCode::OK, "{:?}", counties.body);
        assert!(counties.body["total"].as_u64().unwrap() >= 2, "{:?}", counties.body);
        assert_eq!(
            counties.body["snapshot"], false,
            "today is computed until its snapshot exists"
        );
    }
}

#[tokio::test]
async fn designations_are_recorded_by_the_level_that_gives_them_and_filter_lists_and_statistics() {
    for app in apps().await {
        let ctx = app.backend;
        let (province, county) = (app.demo(1).await, app.demo(2).await);
        let centers = app.get("/api/v1/sites?region=360111&level=center", None).await;
        let center = centers.body["items"][0]["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/sites/{center}/designation");
        let national = json!({"level": "national", "year": 2019});
        let by_county = app
            .call(Method::PUT, &path, Some(&county), Some(national.clone()))
            .await;
        assert_problem(&by_county, StatusCode::FORBIDDEN, "forbidden_scope", ctx);
        for (body, code) in [
            (json!({"level": "national", "year": 2017}), "designation_year_invalid"),
            (json!({"level": "national"}), "designation_year_invalid"),
            (json!({"level": "pilot", "year": 2020}), "designation_level_invalid"),
        ] {
            let reply = app.call(Method::PUT, &path, Some(&province), Some(body)).await;
            assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY, code, ctx);
        }
        let designated = app.call(Method::PUT, &path, Some(&province), Some(national)).await;
        assert_eq!(designated.status, StatusCode::OK, "{ctx}: {:?}", designated.body);
        assert_eq!(designated.body["designation"], "national");
        assert_eq!(designated.body["designation_year"], 2019);
        let listed = app.get("/api/v1/sites?region=36&designation=national", None).await;
        assert_eq!(
            listed.body["items"].as_array().unwrap().len(),
            1,
            "{ctx}: {:?}",
            listed.body
        );
        assert_eq!(listed.body["items"][0]["id"], center.as_str());
        let none = app.get("/api/v1/sites?region=36&designation=city", None).await;
        assert!(none.body["items"].as_array().unwrap().is_empty(), "{ctx}");
        // The province's statistics of its national pilot counties: the county.
        let whole = app.get("/api/v1/stats/regions/360111", Some(&province)).await;
        let pilots = app
            .get("/api/v1/stats/regions/36?designation=national", Some(&province))
            .await;
        assert_eq!(pilots.status, StatusCode::OK, "{ctx}: {:?}", pilots.body);
        let children: Vec<&str> = pilots.body["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["region_code"].as_str().unwrap())
            .collect();
        assert_eq!(children, ["360111"], "{ctx}");
        assert_eq!(pilots.body["volunteers"], whole.body["volunteers"], "{ctx}");
        assert_problem(
            &app.get("/api/v1/stats/regions/36?designation=pilot", Some(&province))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "designation_level_invalid",
            ctx,
        );
        // Withdrawn by the province; the county may not withdraw it.
        let withdraw = json!({"level": null});
        assert_problem(
            &app.call(Method::PUT, &path, Some(&county), Some(withdraw.clone()))
                .await,
            StatusCode::FORBIDDEN,
            "forbidden_scope",
            ctx,
        );
        let withdrawn = app.call(Method::PUT, &path, Some(&province), Some(withdraw)).await;
        assert_eq!(withdrawn.status, StatusCode::OK, "{ctx}: {:?}", withdrawn.body);
        assert!(withdrawn.body["designation"].is_null());
    }
}
