//! Statistics over HTTP: who may read which region's figures, what a bad
//! period gets, and that a registration shows at once in every region
//! above the volunteer's home.

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
