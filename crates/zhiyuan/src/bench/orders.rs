//! `zhiyuan bench orders`: the ordering loop at a province's size. Verified
//! organizations (71,000 by default, each located, with a routine project
//! on the menus of its region) across Jiangxi's counties and townships;
//! then, over HTTP against a server in this process, the dispatch
//! candidates of orders at stations all over the province, and whole loops
//! (order → dispatch → accept → complete → rate) from many clients at once,
//! each a resident of the demo village of their own.
//! Afterwards the stored figures must agree with the loops counted.

use super::{Tally, login_once, percentiles, refusals, serve_locally};
use reqwest::Client;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use zhiyuan_domain::loop_figures::FiguresScope;
use zhiyuan_domain::region::RegionLevel;
use zhiyuan_store::Store;
use zhiyuan_store::fixtures::{GeneratedOrganization, verified_organizations};

/// What `orders` prepares and runs.
pub struct OrdersPlan {
    pub organizations: usize,
    /// Orders whose candidates are timed, at stations across the province.
    pub candidate_orders: usize,
    pub clients: usize,
    pub seconds: u64,
}

/// The categories the generated organizations serve, in turn.
const CATEGORIES: [&str; 6] = [
    "left_behind_elderly",
    "left_behind_children",
    "health_care",
    "environment",
    "culture_sports",
    "poverty_relief",
];

/// A point in Jiangxi for the `n`-th generated thing (a fixed scatter, so
/// that runs compare).
fn scatter(n: usize) -> (f64, f64) {
    let a = (n.wrapping_mul(2_654_435_761) % 10_000) as f64 / 10_000.0;
    let b = (n.wrapping_mul(40_503) % 10_000) as f64 / 10_000.0;
    (24.5 + 5.5 * a, 113.6 + 4.9 * b)
}

async fn prepare(store: &Store, plan: &OrdersPlan) -> Result<(), String> {
    let province = store.require_region("36").await.map_err(|e| e.to_string())?;
    let mut areas = store
        .region_codes_in(&province.path, RegionLevel::County)
        .await
        .map_err(|e| e.to_string())?;
    areas.extend(
        store
            .region_codes_in(&province.path, RegionLevel::Township)
            .await
            .map_err(|e| e.to_string())?,
    );
    let mut rows = Vec::with_capacity(plan.organizations);
    let mut paths = std::collections::HashMap::new();
    for n in 0..plan.organizations {
        let code = &areas[n % areas.len()];
        if !paths.contains_key(code) {
            let region = store.require_region(code).await.map_err(|e| e.to_string())?;
            paths.insert(code.clone(), region.path);
        }
        let (lat, lon) = scatter(n);
        rows.push(GeneratedOrganization {
            name: format!("志愿服务队{}号", super::chinese_number(n + 1)),
            region_code: code.clone(),
            region_path: paths[code].clone(),
            lat,
            lon,
            category: CATEGORIES[n % CATEGORIES.len()].to_string(),
        });
    }
    let started = Instant::now();
    verified_organizations(store, &rows, zhiyuan_store::now_ms())
        .await
        .map_err(|e| e.to_string())?;
    eprintln!(
        "{} verified organizations over {} counties and townships in {:.1} s",
        rows.len(),
        areas.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Sends one request; counts a 200 or 201 as done and yields its body.
async fn send(request: reqwest::RequestBuilder, tally: &mut Tally) -> Option<serde_json::Value> {
    let begun = Instant::now();
    let outcome = request.send().await;
    tally.latencies.push(begun.elapsed().as_secs_f64() * 1000.0);
    let response = match outcome {
        Ok(response) => response,
        Err(_) => {
            *tally.refused.entry("connection_error".into()).or_default() += 1;
            return None;
        }
    };
    let status = response.status();
    let body = response.json::<serde_json::Value>().await.ok();
    if status.is_success() {
        tally.accepted += 1;
        return body;
    }
    let code = body
        .as_ref()
        .and_then(|b| b["code"].as_str())
        .map_or_else(|| format!("http_{}", status.as_u16()), str::to_string);
    *tally.refused.entry(code).or_default() += 1;
    None
}

/// Residents of the demo village, one per client (a person has at most ten
/// orders open at once), logged in with the demo password.
async fn residents(store: &Store, client: &Client, base: &str, count: usize) -> Result<Vec<String>, String> {
    let hash = zhiyuan_server::auth::Passwords::new(1)
        .hash(zhiyuan_server::demo::DEMO_PASSWORD.to_string())
        .await
        .map_err(|e| e.detail)?;
    let village = store
        .require_region(zhiyuan_server::demo::DEMO_VILLAGE)
        .await
        .map_err(|e| e.to_string())?;
    let now = zhiyuan_store::now_ms();
    let mut tokens = Vec::with_capacity(count);
    for n in 0..count {
        let phone = format!("1370000{n:04}");
        if store.user_by_phone(&phone).await.map_err(|e| e.to_string())?.is_none() {
            let id = store
                .create_user(&phone, "居民", Some(&hash), now)
                .await
                .map_err(|e| e.to_string())?;
            store
                .grant_role(
                    id,
                    zhiyuan_domain::role::Role::Resident,
                    &village.code,
                    &village.path,
                    None,
                    now,
                )
                .await
                .map_err(|e| e.to_string())?;
        }
        tokens.push(login_once(client, base, &phone).await?);
    }
    Ok(tokens)
}

/// Who takes the steps of a loop, by their tokens.
struct Crew {
    resident: String,
    dispatcher: String,
    organization_admin: String,
    organization: String,
    station: String,
}

/// One whole loop; `steps` gets each step's latency.
async fn one_loop(client: &Client, base: &str, crew: &Crew, steps: &mut [Tally; 5]) -> bool {
    let placed = send(
        client
            .post(format!("{base}/api/v1/orders"))
            .bearer_auth(&crew.resident)
            .json(
                &serde_json::json!({"site_id": crew.station, "category": "left_behind_elderly",
                "content": "帮忙买药送到家", "lat": 28.683, "lon": 115.949}),
            ),
        &mut steps[0],
    )
    .await;
    let Some(id) = placed.as_ref().and_then(|b| b["id"].as_str()).map(str::to_string) else {
        return false;
    };
    let order = format!("{base}/api/v1/orders/{id}");
    let script = [
        (
            &crew.dispatcher,
            "dispatch",
            serde_json::json!({"organization_id": crew.organization}),
        ),
        (&crew.organization_admin, "accept", serde_json::json!({})),
        (
            &crew.organization_admin,
            "complete",
            serde_json::json!({"report": "已送到"}),
        ),
        (&crew.resident, "evaluate", serde_json::json!({"rating": 5})),
    ];
    for (index, (token, step, body)) in script.into_iter().enumerate() {
        let done = send(
            client.post(format!("{order}/{step}")).bearer_auth(token).json(&body),
            &mut steps[index + 1],
        )
        .await;
        if done.is_none() {
            return false;
        }
    }
    true
}

pub async fn orders(store: &Store, plan: &OrdersPlan) -> Result<(), String> {
    prepare(store, plan).await?;
    let base = serve_locally(store).await?;
    let client = Client::builder()
        .pool_max_idle_per_host(plan.clients + 4)
        .build()
        .map_err(|e| e.to_string())?;
    let province_admin = login_once(&client, &base, "13800000001").await?;
    let organization_admin = login_once(&client, &base, "13800000004").await?;
    let me: serde_json::Value = client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&organization_admin)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let organization = me["roles"]
        .as_array()
        .and_then(|roles| roles.iter().find(|r| r["role"] == "org_admin"))
        .and_then(|r| r["scope"]["id"].as_str())
        .ok_or("the demo organization admin has no organization")?
        .to_string();
    let station = store
        .site_of_region(zhiyuan_server::demo::DEMO_VILLAGE)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the demo village has no station")?
        .id
        .to_string();

    // Candidates for orders at stations all over the province.
    let villages = store
        .region_codes_in("36", RegionLevel::Village)
        .await
        .map_err(|e| e.to_string())?;
    let mut order_ids = Vec::with_capacity(plan.candidate_orders);
    let mut placing = Tally::default();
    for n in 0..plan.candidate_orders {
        let village = &villages[(n * 7919) % villages.len()];
        let Some(site) = store.site_of_region(village).await.map_err(|e| e.to_string())? else {
            continue;
        };
        let (lat, lon) = scatter(n + 1_000_000);
        let body = serde_json::json!({"site_id": site.id.to_string(), "category": CATEGORIES[n % CATEGORIES.len()],
            "content": "电话点单：帮忙打扫卫生", "lat": lat, "lon": lon,
            "contact_name": "李大爷", "contact_phone": format!("139{:08}", n)});
        let placed = send(
            client
                .post(format!("{base}/api/v1/orders"))
                .bearer_auth(&province_admin)
                .json(&body),
            &mut placing,
        )
        .await;
        if let Some(id) = placed.as_ref().and_then(|b| b["id"].as_str()) {
            order_ids.push(id.to_string());
        }
    }
    let mut timing = Tally::default();
    let mut offered = Vec::with_capacity(order_ids.len());
    for round in 0..3 {
        for id in &order_ids {
            let ranked = send(
                client
                    .get(format!("{base}/api/v1/orders/{id}/candidates"))
                    .bearer_auth(&province_admin),
                &mut timing,
            )
            .await;
            if round == 0 {
                offered.push(ranked.as_ref().and_then(|r| r.as_array()).map_or(0, Vec::len));
            }
        }
    }
    offered.sort_unstable();
    println!("backend: {}", store.backend_name());
    println!(
        "candidates among {} organizations, {} orders x 3 readings: {}",
        plan.organizations,
        order_ids.len(),
        percentiles(std::mem::take(&mut timing.latencies))
    );
    println!(
        "organizations offered per order: median {}, max {}; refused: {}, placing refused: {}",
        offered.get(offered.len() / 2).copied().unwrap_or(0),
        offered.last().copied().unwrap_or(0),
        refusals(&timing.refused),
        refusals(&placing.refused)
    );

    // Whole loops from many clients at once.
    let dispatcher = login_once(&client, &base, "13800000003").await?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::with_capacity(plan.clients);
    for resident in residents(store, &client, &base, plan.clients).await? {
        let crew = Crew {
            resident,
            dispatcher: dispatcher.clone(),
            organization_admin: organization_admin.clone(),
            organization: organization.clone(),
            station: station.clone(),
        };
        let (client, base, stop) = (client.clone(), base.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut steps: [Tally; 5] = Default::default();
            let mut loops = 0u64;
            while !stop.load(Ordering::Relaxed) {
                if one_loop(&client, &base, &crew, &mut steps).await {
                    loops += 1;
                }
            }
            (loops, steps)
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(plan.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut loops = 0;
    let mut steps: [Tally; 5] = Default::default();
    for task in tasks {
        let (done, seen) = task.await.map_err(|e| e.to_string())?;
        loops += done;
        for (total, one) in steps.iter_mut().zip(seen) {
            total.merge(one);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{loops} whole loops by {} clients in {elapsed:.1} s: {:.0} loops/s ({:.0} requests/s)",
        plan.clients,
        loops as f64 / elapsed,
        loops as f64 * 5.0 / elapsed
    );
    for (name, tally) in ["order", "dispatch", "accept", "complete", "evaluate"]
        .iter()
        .zip(steps)
    {
        println!(
            "  {name}: {}; refused: {}",
            percentiles(tally.latencies),
            refusals(&tally.refused)
        );
    }
    let figures = store
        .loop_figures(FiguresScope::Site, &station, "")
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "the station's figures: {} closed loops, {} placed; peak memory {}",
        figures.closed_loops(),
        figures.totals.placed,
        super::peak_memory()
    );
    if u64::try_from(figures.closed_loops()).unwrap_or(0) != loops {
        return Err(format!(
            "{loops} loops answered but {} closed loops stored",
            figures.closed_loops()
        ));
    }
    Ok(())
}
