//! `zhiyuan bench`: load generators whose figures go into docs/benchmarks.md.
//!
//! - `login`: many clients log in at once while a probe measures the latency
//!   of other endpoints, to show that password hashing is bounded.
//! - `import`: generates a volunteer CSV and times its import into a fresh
//!   database, reporting rows per second and the peak memory of the process;
//!   with `--floor`, times the database writing the same rows by itself.
//! - `checkin`: a province-wide peak of QR check-ins over HTTP against a
//!   server in this process, then durability and ledger checks.
//! - `signups`: many volunteers sign up at once for one activity; the quota
//!   must hold exactly.
//! - `pages`: the demo volunteer's activity list (page and API) against
//!   the health endpoint, to show what the shared reads of a page cost.
//! - `orders` (`bench/orders.rs`): dispatch candidates among a province's
//!   organizations, and whole ordering loops over HTTP.
//! - `statistics` (`bench/statistics.rs`): statistics and rankings of a
//!   province, a city, a county and a township from the rollups, and the
//!   memory of a province-wide export.

mod orders;
mod statistics;
pub use orders::{OrdersPlan, orders};
pub use statistics::{StatisticsPlan, statistics};

use reqwest::Client;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use zhiyuan_store::Store;

/// The refusal codes of a run with their counts, or "none".
fn refusals(refused: &std::collections::BTreeMap<String, u64>) -> String {
    if refused.is_empty() {
        return "none".to_string();
    }
    refused
        .iter()
        .map(|(code, n)| format!("{code} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Latency summary of one kind of request, in milliseconds.
fn percentiles(mut samples: Vec<f64>) -> String {
    if samples.is_empty() {
        return "no samples".into();
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    format!(
        "n={} p50={:.1} ms p90={:.1} ms p99={:.1} ms max={:.1} ms",
        samples.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    )
}

/// Logs in with the demo accounts from `clients` tasks for `seconds`, while
/// one probe reads a region and `/me` in a loop.
pub async fn login(url: &str, clients: usize, seconds: u64) -> Result<(), String> {
    let client = Client::builder()
        .pool_max_idle_per_host(clients + 4)
        .build()
        .map_err(|e| e.to_string())?;
    let base = url.trim_end_matches('/').to_string();
    let probe_token = login_once(&client, &base, "13800000001").await?;
    let stop = Arc::new(AtomicBool::new(false));
    let login_latencies = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..clients {
        let (client, base, stop, latencies, failures) = (
            client.clone(),
            base.clone(),
            stop.clone(),
            login_latencies.clone(),
            failures.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let phone = format!("1380000000{}", 1 + n % 6);
            while !stop.load(Ordering::Relaxed) {
                let begun = Instant::now();
                match login_once(&client, &base, &phone).await {
                    Ok(_) => latencies.lock().await.push(begun.elapsed().as_secs_f64() * 1000.0),
                    Err(_) => {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let probe = {
        let (client, base, stop) = (client.clone(), base.clone(), stop.clone());
        tokio::spawn(async move {
            let mut samples = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                for path in ["/api/v1/regions/3601", "/api/v1/me", "/api/v1/health"] {
                    let begun = Instant::now();
                    let ok = client
                        .get(format!("{base}{path}"))
                        .bearer_auth(&probe_token)
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    if ok {
                        samples.push(begun.elapsed().as_secs_f64() * 1000.0);
                    }
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            samples
        })
    };
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.map_err(|e| e.to_string())?;
    }
    let probe_samples = probe.await.map_err(|e| e.to_string())?;
    let elapsed = started.elapsed().as_secs_f64();
    let logins = login_latencies.lock().await.clone();
    println!("clients: {clients}, duration: {elapsed:.1} s");
    println!(
        "logins: {:.1} per second ({} ok, {} failed)",
        logins.len() as f64 / elapsed,
        logins.len(),
        failures.load(Ordering::Relaxed)
    );
    println!("login latency: {}", percentiles(logins));
    println!("other endpoints meanwhile: {}", percentiles(probe_samples));
    Ok(())
}

async fn login_once(client: &Client, base: &str, phone: &str) -> Result<String, String> {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"phone": phone, "password": zhiyuan_server::demo::DEMO_PASSWORD}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("login answered {}", response.status()));
    }
    let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
    body["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "no token".to_string())
}

/// Generates `rows` volunteers into `file` (if it does not exist) and
/// imports them into `store`, which should hold the regions already.
pub async fn import(store: &Store, rows: u64, file: PathBuf) -> Result<(), String> {
    if !file.exists() {
        let begun = Instant::now();
        let writer = std::io::BufWriter::new(std::fs::File::create(&file).map_err(|e| e.to_string())?);
        zhiyuan_import::write_generated_volunteers(writer, rows, 7).map_err(|e| e.to_string())?;
        println!(
            "generated {rows} rows into {} in {:.1} s",
            file.display(),
            begun.elapsed().as_secs_f64()
        );
    }
    let today = zhiyuan_domain::time::china_date(chrono::Utc::now());
    let begun = Instant::now();
    let report = zhiyuan_import::import_volunteers(store, &file, today)
        .await
        .map_err(|e| e.to_string())?;
    let seconds = begun.elapsed().as_secs_f64();
    println!("backend: {}", store.backend_name());
    println!("{}", report.summary());
    println!("import: {seconds:.1} s, {:.0} rows/s", rows as f64 / seconds);
    println!("peak memory (VmHWM): {}", peak_memory());
    Ok(())
}

/// Times the database writing `rows` imported volunteers by itself, in
/// transactions of `rows_per_transaction` (see
/// `zhiyuan_store::fixtures::insert_generated_volunteers`).
pub async fn import_floor(store: &Store, rows: u64, rows_per_transaction: i64) -> Result<(), String> {
    let rows = i64::try_from(rows).map_err(|e| e.to_string())?;
    let begun = Instant::now();
    zhiyuan_store::fixtures::insert_generated_volunteers(
        store,
        rows,
        rows_per_transaction.max(1),
        &zhiyuan_import::generate::VILLAGES,
        zhiyuan_store::now_ms(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let seconds = begun.elapsed().as_secs_f64();
    println!("backend: {}", store.backend_name());
    println!("floor: {rows} volunteers written by the database in transactions of {rows_per_transaction}");
    println!("floor: {seconds:.1} s, {:.0} rows/s", rows as f64 / seconds);
    println!("peak memory (VmHWM): {}", peak_memory());
    Ok(())
}

/// The process's peak resident set, from /proc (Linux).
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .map(|line| line.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The province-wide peak that `checkin` prepares.
pub struct CheckinPlan {
    pub organizations: usize,
    pub activities: usize,
    pub volunteers: usize,
    pub clients: usize,
    pub seconds: u64,
    /// Volunteers only sign in (the morning peak) instead of signing in and out.
    pub sign_ins_only: bool,
}

/// One volunteer ready to check in: the session token and the activity.
struct Attendee {
    token: String,
    activity: usize,
}

/// An activity as the load generator sees it.
struct BenchActivity {
    id: i64,
    /// A point inside the geofence, when the activity has one.
    inside: Option<(f64, f64)>,
}

/// 十二 for 12: names of people and organizations take Chinese numerals.
fn chinese_number(number: usize) -> String {
    let digits: Vec<char> = "零一二三四五六七八九".chars().collect();
    number
        .to_string()
        .bytes()
        .map(|b| digits[usize::from(b - b'0')])
        .collect()
}

/// What the prepared volunteers are about to do.
#[derive(Clone, Copy)]
enum Crowd {
    /// Check in at running activities they have an approved sign-up for.
    CheckingIn,
    /// Sign up for an activity of tomorrow with this quota.
    SigningUp { quota: u32 },
}

/// Verified organizations, activities (for check-ins: running since ten
/// minutes ago; half of them with a 300 m geofence) and volunteers across
/// the province's villages with a live session, each with an approved
/// sign-up for one activity when checking in. Volunteers go through the
/// import path; sign-ups and sessions are bulk fixtures (their own paths
/// are measured elsewhere).
async fn prepare_peak(
    store: &Store,
    plan: &CheckinPlan,
    crowd: Crowd,
) -> Result<(Vec<BenchActivity>, Vec<Attendee>), String> {
    use zhiyuan_domain::activity::{ActivityInput, plan as plan_activity};
    use zhiyuan_domain::organization::{JoinMode, OrgKind};
    use zhiyuan_domain::region::RegionLevel;
    use zhiyuan_store::activities::NewActivity;
    use zhiyuan_store::organizations::NewOrganization;
    let err = |e: zhiyuan_store::StoreError| e.to_string();
    let now = zhiyuan_store::now_ms();
    let villages = store.region_codes_in("36", RegionLevel::Village).await.map_err(err)?;
    if villages.is_empty() {
        return Err("no villages: load the regions first".into());
    }
    let begun = Instant::now();
    let mut organizations = Vec::with_capacity(plan.organizations);
    for n in 0..plan.organizations {
        let village = &villages[(n * 7919) % villages.len()];
        let new = NewOrganization {
            name: format!("江西省志愿服务队{}", chinese_number(n + 1)),
            kind: OrgKind::SocialOrganization,
            region_code: village[..6].to_string(),
            uscc: None,
            parent_id: None,
            join_mode: JoinMode::Open,
        };
        let organization = store.create_organization(&new, None, now).await.map_err(err)?;
        store.verify_organization(organization.id, 1, now).await.map_err(err)?;
        organizations.push(organization.id);
    }
    let per_activity = plan.volunteers.div_ceil(plan.activities.max(1)) as u32;
    let (starts, quota) = match crowd {
        Crowd::CheckingIn => (chrono::Utc::now() - chrono::Duration::minutes(10), per_activity),
        Crowd::SigningUp { quota } => (chrono::Utc::now() + chrono::Duration::days(1), quota),
    };
    let mut activities = Vec::with_capacity(plan.activities);
    let mut stored = Vec::with_capacity(plan.activities);
    for n in 0..plan.activities {
        let (lat, lon) = (27.0 + (n % 300) as f64 * 0.01, 115.0 + (n / 300) as f64 * 0.01);
        let fenced = n % 2 == 0;
        let input = ActivityInput {
            title: format!("社区志愿服务第{}场", chinese_number(n + 1)),
            description: "省级高峰签到压测".into(),
            category: "civilized_city".into(),
            lat,
            lon,
            radius_m: if fenced { 300 } else { 0 },
            starts_at: starts,
            ends_at: starts + chrono::Duration::hours(4),
            quota,
            auto_approve: true,
            ..ActivityInput::default()
        };
        let new = NewActivity {
            organization_id: organizations[n % organizations.len()],
            project_id: None,
            region_code: villages[(n * 104_729) % villages.len()].clone(),
            plan: plan_activity(input).map_err(|e| e.to_string())?,
            draft: false,
        };
        let activity = store.create_activity(&new, 1, now).await.map_err(err)?;
        activities.push(BenchActivity {
            id: activity.id,
            // About 100 m north of the point.
            inside: fenced.then_some((lat + 0.0009, lon)),
        });
        stored.push(activity);
    }
    eprintln!(
        "{} organizations and {} activities in {:.1} s",
        organizations.len(),
        activities.len(),
        begun.elapsed().as_secs_f64()
    );
    let begun = Instant::now();
    let today = zhiyuan_domain::time::china_date(chrono::Utc::now());
    let birth0 = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).ok_or("date")?;
    let mut volunteer_ids = Vec::with_capacity(plan.volunteers);
    let mut batch = Vec::new();
    for n in 0..plan.volunteers {
        let village = &villages[(n * 31) % villages.len()];
        let birth = birth0 + chrono::Days::new(((n / 1000) * 97 % 14_000) as u64);
        let input = zhiyuan_domain::volunteer::RegistrationInput {
            name: format!("志愿者{}", chinese_number(n)),
            id_number: zhiyuan_domain::id_number::compose(&village[..6], birth, (n % 1000) as u16),
            phone: format!("137{n:08}"),
            region_code: village.clone(),
            political_status: None,
            skills: Vec::new(),
            guardian: None,
        };
        batch.push(zhiyuan_domain::volunteer::register(&input, today).map_err(|e| e.to_string())?);
        if batch.len() == 2_000 || n + 1 == plan.volunteers {
            for outcome in store.import_volunteers(&batch, now).await.map_err(err)? {
                match outcome {
                    zhiyuan_store::volunteers::ImportOutcome::Inserted { volunteer_id } => {
                        volunteer_ids.push(volunteer_id)
                    }
                    other => return Err(format!("volunteer not imported: {other:?}")),
                }
            }
            batch.clear();
        }
    }
    eprintln!(
        "{} volunteers in {:.1} s",
        volunteer_ids.len(),
        begun.elapsed().as_secs_f64()
    );
    let begun = Instant::now();
    let mut attendees = Vec::with_capacity(volunteer_ids.len());
    for (n, chunk) in volunteer_ids.chunks(per_activity as usize).enumerate() {
        let activity = &stored[n % stored.len()];
        if matches!(crowd, Crowd::CheckingIn) {
            zhiyuan_store::fixtures::approved_signups(store, activity, chunk, now)
                .await
                .map_err(err)?;
        }
        let mut sessions = Vec::with_capacity(chunk.len());
        for volunteer_id in chunk {
            let token = zhiyuan_server::auth::new_session_token();
            sessions.push((*volunteer_id, zhiyuan_server::auth::token_hash(&token)));
            attendees.push(Attendee {
                token,
                activity: n % stored.len(),
            });
        }
        zhiyuan_store::fixtures::volunteer_sessions(store, &sessions, now, now + zhiyuan_server::auth::SESSION_TTL_MS)
            .await
            .map_err(err)?;
    }
    eprintln!("sign-ups and sessions in {:.1} s", begun.elapsed().as_secs_f64());
    Ok((activities, attendees))
}

/// Serves the store on a free local port in this process; returns the base URL.
async fn serve_locally(store: &Store) -> Result<String, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let router = zhiyuan_server::app(store.clone(), &zhiyuan_server::ServerConfig::default())
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(zhiyuan_server::serve(listener, router));
    Ok(format!("http://{address}"))
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    accepted: u64,
    latencies: Vec<f64>,
    refused: std::collections::BTreeMap<String, u64>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.accepted += other.accepted;
        self.latencies.extend(other.latencies);
        for (code, count) in other.refused {
            *self.refused.entry(code).or_default() += count;
        }
    }
}

/// Sends one request; counts a 201 as accepted, anything else by its code.
async fn send_timed(request: reqwest::RequestBuilder, tally: &mut Tally) -> Option<serde_json::Value> {
    let begun = Instant::now();
    let outcome = request.send().await;
    let (status, body) = match outcome {
        Ok(response) => {
            let status = response.status();
            (Some(status), response.json::<serde_json::Value>().await.ok())
        }
        Err(_) => (None, None),
    };
    tally.latencies.push(begun.elapsed().as_secs_f64() * 1000.0);
    match status {
        Some(status) if status == reqwest::StatusCode::CREATED => {
            tally.accepted += 1;
            body
        }
        Some(status) => {
            let code = body
                .as_ref()
                .and_then(|b| b["code"].as_str())
                .map_or_else(|| format!("http_{}", status.as_u16()), str::to_string);
            *tally.refused.entry(code).or_default() += 1;
            None
        }
        None => {
            *tally.refused.entry("connection_error".into()).or_default() += 1;
            None
        }
    }
}

/// A province-wide peak of QR check-ins over HTTP: prepares the data,
/// serves it in this process, and lets `clients` volunteers' phones sign
/// in and out with the current rotating codes (and a location inside the
/// fence where there is one) for `seconds`. Then checks that every 201 is
/// stored and that the ledger holds.
pub async fn checkin(store: &Store, plan: &CheckinPlan) -> Result<(), String> {
    use zhiyuan_domain::checkin_token::{self, AttendanceKind, TokenKey};
    let (activities, attendees) = prepare_peak(store, plan, Crowd::CheckingIn).await?;
    let stored_before = zhiyuan_store::fixtures::attendance_rows(store)
        .await
        .map_err(|e| e.to_string())?;
    let base = serve_locally(store).await?;
    let client = Client::builder()
        .pool_max_idle_per_host(plan.clients + 4)
        .build()
        .map_err(|e| e.to_string())?;
    let key = Arc::new(TokenKey::new(store.vault().checkin_key()));
    let activities = Arc::new(activities);
    let attendees = Arc::new(attendees);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..plan.clients {
        let (client, base, key, activities, attendees, next, stop) = (
            client.clone(),
            base.clone(),
            key.clone(),
            activities.clone(),
            attendees.clone(),
            next.clone(),
            stop.clone(),
        );
        let sign_ins_only = plan.sign_ins_only;
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            while !stop.load(Ordering::Relaxed) {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(attendee) = attendees.get(n) else { break };
                let activity = &activities[attendee.activity];
                let url = format!("{base}/api/v1/activities/{}/attendance", activity.id);
                let kinds: &[AttendanceKind] = if sign_ins_only {
                    &[AttendanceKind::In]
                } else {
                    &[AttendanceKind::In, AttendanceKind::Out]
                };
                for &kind in kinds {
                    // The code on the organizer's screen right now.
                    let code = checkin_token::issue(&key, activity.id, kind, chrono::Utc::now());
                    let mut body = serde_json::json!({"kind": kind.as_str(), "method": "qr", "token": code.token});
                    if let Some((lat, lon)) = activity.inside {
                        body["lat"] = lat.into();
                        body["lon"] = lon.into();
                        body["accuracy_m"] = 15.0.into();
                    }
                    let request = client.post(&url).bearer_auth(&attendee.token).json(&body);
                    send_timed(request, &mut tally).await;
                }
            }
            tally
        }));
    }
    let deadline = tokio::time::sleep(Duration::from_secs(plan.seconds));
    tokio::pin!(deadline);
    // Stop at the deadline, or earlier when every volunteer has checked in and out.
    loop {
        tokio::select! {
            () = &mut deadline => break,
            () = tokio::time::sleep(Duration::from_millis(200)) => {
                if next.load(Ordering::Relaxed) >= attendees.len() + plan.clients {
                    break;
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut tally = Tally::default();
    for task in tasks {
        tally.merge(task.await.map_err(|e| e.to_string())?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let requests = tally.latencies.len();
    println!("backend: {}", store.backend_name());
    println!(
        "prepared: {} organizations, {} activities (half with a 300 m geofence), {} volunteers with sign-ups and sessions",
        plan.organizations,
        activities.len(),
        attendees.len()
    );
    println!(
        "clients: {}, duration: {elapsed:.1} s, requests: {requests}",
        plan.clients
    );
    println!(
        "accepted: {} ({:.0} per second)",
        tally.accepted,
        tally.accepted as f64 / elapsed
    );
    println!("refused: {}", refusals(&tally.refused));
    println!("latency: {}", percentiles(tally.latencies));
    let stored = zhiyuan_store::fixtures::attendance_rows(store)
        .await
        .map_err(|e| e.to_string())?
        - stored_before;
    println!(
        "durable: {stored} attendance rows stored for {} answers 201",
        tally.accepted
    );
    let report = store.verify_ledger().await.map_err(|e| e.to_string())?;
    println!(
        "ledger: {} volunteers, {} entries, {} broken links",
        report.volunteers,
        report.entries,
        report.broken.len()
    );
    if stored != tally.accepted as i64 {
        return Err(format!(
            "{stored} rows stored but {} check-ins answered 201",
            tally.accepted
        ));
    }
    if !report.broken.is_empty() {
        return Err(format!("{} broken links in the ledger", report.broken.len()));
    }
    Ok(())
}

/// `requests` volunteers sign up at once for one activity with `quota`
/// seats (and as many waiting places), over HTTP: exactly `quota` must be
/// approved, the rest waitlisted or refused with `quota_full`.
pub async fn signups(store: &Store, requests: usize, quota: u32) -> Result<(), String> {
    let plan = CheckinPlan {
        organizations: 1,
        activities: 1,
        volunteers: requests,
        clients: 0,
        seconds: 0,
        sign_ins_only: true,
    };
    let (activities, attendees) = prepare_peak(store, &plan, Crowd::SigningUp { quota }).await?;
    let base = serve_locally(store).await?;
    let client = Client::builder()
        .pool_max_idle_per_host(requests)
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("{base}/api/v1/activities/{}/signups", activities[0].id);
    let gate = Arc::new(tokio::sync::Barrier::new(requests + 1));
    let mut tasks = Vec::with_capacity(requests);
    for attendee in attendees {
        let (client, url, gate) = (client.clone(), url.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            gate.wait().await;
            let body = send_timed(client.post(&url).bearer_auth(&attendee.token), &mut tally).await;
            let status = body.as_ref().and_then(|b| b["status"].as_str()).map(str::to_string);
            (tally, status)
        }));
    }
    gate.wait().await;
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut statuses: std::collections::BTreeMap<String, u64> = Default::default();
    for task in tasks {
        let (one, status) = task.await.map_err(|e| e.to_string())?;
        tally.merge(one);
        if let Some(status) = status {
            *statuses.entry(status).or_default() += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let activity = store
        .require_activity(activities[0].id)
        .await
        .map_err(|e| e.to_string())?;
    println!("backend: {}", store.backend_name());
    println!("{requests} concurrent sign-ups for one activity with quota {quota}: {elapsed:.2} s");
    let accepted: Vec<String> = statuses.iter().map(|(s, n)| format!("{s} {n}")).collect();
    println!("answered 201: {}", accepted.join(", "));
    println!("refused: {}", refusals(&tally.refused));
    println!("latency: {}", percentiles(tally.latencies));
    println!(
        "stored: {} seats taken, {} waiting",
        activity.seats_taken, activity.waiting
    );
    let approved = statuses.get("approved").copied().unwrap_or(0);
    if approved != u64::from(quota) || activity.seats_taken != i64::from(quota) {
        return Err(format!(
            "{approved} approved, {} seats taken, quota {quota}",
            activity.seats_taken
        ));
    }
    Ok(())
}

/// What `pages` measures: one path, read by a logged-in volunteer.
struct PageTarget {
    label: &'static str,
    path: &'static str,
    /// Sent as the session cookie (a page) rather than as a bearer token.
    cookie: bool,
}

const PAGE_TARGETS: [PageTarget; 4] = [
    PageTarget {
        label: "GET /api/v1/health",
        path: "/api/v1/health",
        cookie: false,
    },
    PageTarget {
        label: "GET /api/v1/activities",
        path: "/api/v1/activities",
        cookie: false,
    },
    PageTarget {
        label: "GET /activities (page)",
        path: "/activities",
        cookie: true,
    },
    PageTarget {
        label: "GET /api/v1/health again",
        path: "/api/v1/health",
        cookie: false,
    },
];

/// The shared reads every page repeats, measured against the cheapest
/// endpoint: serves `store` (prepared by `zhiyuan demo`) in this process,
/// logs in the demo volunteer and, for each target in turn, keeps
/// `connections` requests in flight from a load generator with `threads`
/// threads of its own for `seconds`. Prints requests per second, latency
/// and each target's share of the health endpoint's throughput.
pub async fn pages(store: &Store, threads: usize, connections: usize, seconds: u64) -> Result<(), String> {
    let base = serve_locally(store).await?;
    let client = Client::builder()
        .pool_max_idle_per_host(connections + 4)
        .build()
        .map_err(|e| e.to_string())?;
    let token = login_once(&client, &base, "13800000005").await?;
    let mut health = Vec::new();
    for target in &PAGE_TARGETS {
        let url = format!("{base}{}", target.path);
        let (client, token, cookie) = (client.clone(), token.clone(), target.cookie);
        let load = std::thread::spawn(move || -> Result<(u64, Vec<f64>, f64), String> {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(threads.max(1))
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(read_for(client, url, token, cookie, connections, seconds))
        });
        let (ok, latencies, elapsed) = tokio::task::spawn_blocking(move || load.join())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|_| "the load generator panicked".to_string())??;
        let per_second = ok as f64 / elapsed;
        if target.path == "/api/v1/health" {
            health.push(per_second);
        }
        let share = match health.first() {
            Some(first) if target.path != "/api/v1/health" => {
                format!(", {:.0} % of health", 100.0 * per_second / first)
            }
            _ => String::new(),
        };
        println!(
            "{:<26} {per_second:>8.0} per second{share}; {}",
            target.label,
            percentiles(latencies)
        );
    }
    if let [first, last] = health[..] {
        println!(
            "health moved {:+.0} % between the first and the last run",
            100.0 * (last - first) / first
        );
    }
    Ok(())
}

/// Keeps `connections` GET requests of `url` in flight for `seconds`;
/// yields the successful answers, their latencies and the elapsed time.
/// Any other answer ends the run with an error: a benchmark of refusals
/// measures nothing.
async fn read_for(
    client: Client,
    url: String,
    token: String,
    cookie: bool,
    connections: usize,
    seconds: u64,
) -> Result<(u64, Vec<f64>, f64), String> {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (client, url, token, stop) = (client.clone(), url.clone(), token.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let request = client.get(&url);
                let request = if cookie {
                    request.header(
                        reqwest::header::COOKIE,
                        format!("{}={token}", zhiyuan_server::auth::SESSION_COOKIE),
                    )
                } else {
                    request.bearer_auth(&token)
                };
                let begun = Instant::now();
                let response = request.send().await.map_err(|e| e.to_string())?;
                let status = response.status();
                response.bytes().await.map_err(|e| e.to_string())?;
                if !status.is_success() {
                    return Err(format!("{url} answered {status}"));
                }
                latencies.push(begun.elapsed().as_secs_f64() * 1000.0);
            }
            Ok::<_, String>(latencies)
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.map_err(|e| e.to_string())??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok((all.len() as u64, all, elapsed))
}
