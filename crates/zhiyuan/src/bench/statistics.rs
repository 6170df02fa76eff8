//! `zhiyuan bench statistics`: statistics and rankings on a province-sized
//! database. On first run it generates the data: volunteers through the
//! import (so their rollups are written as in production), a verified
//! organization and an activity in every county, and effective records set
//! by the fixture (`fixtures::effective_records`), after which the rollups
//! are rebuilt from the raw rows (timed). Then it times the statistics of a
//! province, a city, a county and a township, and rankings, against the
//! rollups; and the peak memory of a province-wide export streamed through
//! a server in this process.

use super::{peak_memory, percentiles, serve_locally};
use chrono::{Duration, NaiveDate};
use std::time::Instant;
use zhiyuan_domain::activity::{ActivityInput, plan as activity_plan};
use zhiyuan_domain::organization::{JoinMode, OrgKind};
use zhiyuan_domain::ranking::{RankLevel, RankMetric, period_of, rank};
use zhiyuan_domain::region::RegionLevel;
use zhiyuan_domain::time::china_date;
use zhiyuan_store::Store;
use zhiyuan_store::activities::NewActivity;
use zhiyuan_store::organizations::NewOrganization;

/// What `zhiyuan bench statistics` generates and measures.
pub struct StatisticsPlan {
    pub volunteers: u64,
    pub records_per_volunteer: u32,
    pub samples: usize,
    /// The CSV the volunteers are imported from (generated if missing).
    pub file: std::path::PathBuf,
}

pub async fn statistics(store: &Store, plan: &StatisticsPlan) -> Result<(), String> {
    let today = china_date(chrono::Utc::now());
    println!("backend: {}", store.backend_name());
    if zhiyuan_store::fixtures::stored_records(store)
        .await
        .map_err(|e| e.to_string())?
        == 0
    {
        prepare(store, plan, today).await?;
    } else {
        println!("data present: not generated again");
    }
    let (from, to) = period_of(today);
    for code in ["36", "3601", "360111", "360111001"] {
        let region = store.require_region(code).await.map_err(|e| e.to_string())?;
        let mut samples = Vec::with_capacity(plan.samples);
        let mut shown = None;
        for _ in 0..plan.samples {
            let begun = Instant::now();
            let report = store
                .region_report(&region, from, to)
                .await
                .map_err(|e| e.to_string())?;
            samples.push(begun.elapsed().as_secs_f64() * 1000.0);
            shown = Some(report.figures);
        }
        if let Some(figures) = shown {
            println!(
                "statistics {code} ({}, {} children): {} | volunteers {} hours {} active {}",
                region.level,
                store.region_children(code).await.map_err(|e| e.to_string())?.len(),
                percentiles(samples),
                figures.volunteers,
                figures.effective_hours,
                figures.active_volunteers
            );
        }
    }
    for (level, within) in [
        (RankLevel::County, "36"),
        (RankLevel::Township, "36/3601"),
        (RankLevel::Township, "36"),
        (RankLevel::Organization, "36"),
    ] {
        let mut samples = Vec::with_capacity(plan.samples);
        let mut candidates = 0;
        for _ in 0..plan.samples.min(50) {
            // What a request for today's ranking costs while no snapshot
            // exists: today's and yesterday's values, then the ranking.
            let begun = Instant::now();
            let now = store
                .ranking_candidates(level, Some(within), today)
                .await
                .map_err(|e| e.to_string())?;
            let before = store
                .ranking_candidates(level, Some(within), today - Duration::days(1))
                .await
                .map_err(|e| e.to_string())?;
            candidates = now.len();
            let ranked = zhiyuan_domain::ranking::with_changes(by_hours(now), &by_hours(before));
            std::hint::black_box(ranked);
            samples.push(begun.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "ranking {} within {within} ({candidates} candidates, computed): {}",
            level.as_str(),
            percentiles(samples)
        );
    }
    // A past day's ranking, as the snapshots written by the nightly job
    // answer it: that day's and the day before's, then the ranking.
    let (yesterday, day_before) = (today - Duration::days(1), today - Duration::days(2));
    for level in [RankLevel::County, RankLevel::Township, RankLevel::Organization] {
        for day in [yesterday, day_before] {
            let candidates = store
                .ranking_candidates(level, None, day)
                .await
                .map_err(|e| e.to_string())?;
            store
                .save_ranking_snapshot(day, level, &candidates, zhiyuan_store::now_ms())
                .await
                .map_err(|e| e.to_string())?;
        }
        let mut samples = Vec::with_capacity(plan.samples);
        let mut candidates = 0;
        for _ in 0..plan.samples {
            let begun = Instant::now();
            let read = |day| store.ranking_snapshot(day, level, "36");
            let now = read(yesterday).await.map_err(|e| e.to_string())?.unwrap_or_default();
            let before = read(day_before).await.map_err(|e| e.to_string())?.unwrap_or_default();
            candidates = now.len();
            let ranked = zhiyuan_domain::ranking::with_changes(by_hours(now), &by_hours(before));
            std::hint::black_box(ranked);
            samples.push(begun.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "ranking {} within 36 on {yesterday} ({candidates} candidates, from snapshots): {}",
            level.as_str(),
            percentiles(samples)
        );
    }
    export_memory(store).await
}

/// Candidates ranked on their hours.
fn by_hours(list: Vec<zhiyuan_store::rankings::Candidate>) -> Vec<zhiyuan_domain::ranking::Ranked> {
    rank(
        list.into_iter()
            .map(|c| (c.key, c.name, c.values.get(RankMetric::Hours)))
            .collect(),
    )
}

/// Generates the volunteers, one organization and activity per county, the
/// records, and rebuilds the rollups.
async fn prepare(store: &Store, plan: &StatisticsPlan, today: NaiveDate) -> Result<(), String> {
    super::import(store, plan.volunteers, plan.file.clone()).await?;
    let province = store.require_region("36").await.map_err(|e| e.to_string())?;
    let counties = store
        .region_codes_in(&province.path, RegionLevel::County)
        .await
        .map_err(|e| e.to_string())?;
    let first_day = today - Duration::days(365);
    let start = zhiyuan_domain::hours::start_of_china_day(first_day) + Duration::hours(9);
    for (n, county) in counties.iter().enumerate() {
        let new = NewOrganization {
            name: format!("统计测试志愿服务队{}号", super::chinese_number(n + 1)),
            kind: OrgKind::SocialOrganization,
            region_code: county.clone(),
            uscc: None,
            parent_id: None,
            join_mode: JoinMode::Open,
        };
        let created_at = (start - Duration::days(1)).timestamp_millis();
        let organization = store
            .create_organization(&new, None, created_at)
            .await
            .map_err(|e| e.to_string())?;
        store
            .verify_organization(organization.id, 1, created_at)
            .await
            .map_err(|e| e.to_string())?;
        let input = ActivityInput {
            title: "社区志愿服务".into(),
            description: "统计基准".into(),
            category: "left_behind_elderly".into(),
            lat: 28.68,
            lon: 115.95,
            radius_m: 500,
            starts_at: start,
            ends_at: start + Duration::hours(3),
            quota: 100,
            auto_approve: true,
            ..ActivityInput::default()
        };
        let activity = NewActivity {
            organization_id: organization.id,
            project_id: None,
            region_code: county.clone(),
            plan: activity_plan(input).map_err(|e| e.to_string())?,
            draft: false,
        };
        store
            .create_activity(&activity, 1, created_at)
            .await
            .map_err(|e| e.to_string())?;
    }
    let days: Vec<(String, i64)> = (0..365)
        .map(|k| {
            let day = first_day + Duration::days(k);
            let from_at = (zhiyuan_domain::hours::start_of_china_day(day) + Duration::hours(9)).timestamp_millis();
            (day.to_string(), from_at)
        })
        .collect();
    let begun = Instant::now();
    let written = zhiyuan_store::fixtures::effective_records(
        store,
        plan.records_per_volunteer,
        &days,
        20_000,
        zhiyuan_store::now_ms(),
    )
    .await
    .map_err(|e| e.to_string())?;
    println!(
        "records: {written} written in {:.1} s over {} counties",
        begun.elapsed().as_secs_f64(),
        counties.len()
    );
    let begun = Instant::now();
    let check = store.rebuild_rollups().await.map_err(|e| e.to_string())?;
    println!(
        "rollups rebuilt from the raw rows in {:.1} s: {} rows of figures, {} differed (the fixture writes none); peak memory {}",
        begun.elapsed().as_secs_f64(),
        check.rows,
        check.differing_rows,
        peak_memory()
    );
    Ok(())
}

/// Streams the province's volunteers (CSV and XLSX) through a server in
/// this process as the demo province administrator, and reports the
/// process's peak memory before and after.
async fn export_memory(store: &Store) -> Result<(), String> {
    crate::demo::load(store, zhiyuan_server::demo::Scale::Small).await?;
    let base = serve_locally(store).await?;
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"phone": "13800000001", "password": zhiyuan_server::demo::DEMO_PASSWORD}))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let token = login["token"].as_str().ok_or("no token")?.to_string();
    for format in ["csv", "xlsx"] {
        let before = peak_memory();
        let begun = Instant::now();
        let mut response = client
            .get(format!("{base}/api/v1/exports/volunteers?format={format}&region=36"))
            .bearer_auth(&token)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let (mut bytes, mut lines) = (0u64, 0u64);
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            bytes += chunk.len() as u64;
            lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        }
        println!(
            "export volunteers {format}: {bytes} bytes{} in {:.1} s; peak memory before {before}, after {}",
            if format == "csv" {
                format!(" ({} rows)", lines.saturating_sub(1))
            } else {
                String::new()
            },
            begun.elapsed().as_secs_f64(),
            peak_memory()
        );
    }
    Ok(())
}
