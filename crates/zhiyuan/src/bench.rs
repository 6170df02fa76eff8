//! `zhiyuan bench`: load generators whose figures go into docs/benchmarks.md.
//!
//! - `login`: many clients log in at once while a probe measures the latency
//!   of other endpoints, to show that password hashing is bounded.
//! - `import`: generates a volunteer CSV and times its import into a fresh
//!   database, reporting rows per second and the peak memory of the process.

use reqwest::Client;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use zhiyuan_store::Store;

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
