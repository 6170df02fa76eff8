//! The `zhiyuan` command: serve the platform, load demo data, migrate,
//! import files. See `zhiyuan --help` and docs/operations.md.

#[cfg(feature = "bench")]
mod bench;
mod demo;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use zhiyuan_server::messages::{Gateway, LogGateway};
use zhiyuan_server::{ServerConfig, app, serve};
use zhiyuan_store::{Store, Vault};

#[derive(Parser)]
#[command(
    name = "zhiyuan",
    version,
    about = "志愿 Zhiyuan: a volunteer-service platform for a whole province"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DbArgs {
    /// sqlite://PATH or postgres://USER:PASSWORD@HOST/DB
    #[arg(long, env = "ZHIYUAN_DB", default_value = "sqlite://zhiyuan.db")]
    db: String,
    /// Key file for personal data (32 random bytes in hex); by default next
    /// to a SQLite database (`zhiyuan.key`), or ./zhiyuan.key.
    #[arg(long, env = "ZHIYUAN_KEY_FILE")]
    key_file: Option<PathBuf>,
}

#[derive(clap::Args, Clone)]
struct ListenArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "ZHIYUAN_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Behind a reverse proxy: count failed logins per X-Forwarded-For address.
    #[arg(long, env = "ZHIYUAN_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// The address people reach the platform at (e.g. https://zhiyuan.example.cn),
    /// printed in the QR codes of check-ins and certificates; without it,
    /// http:// and the address the server listens on. An https address also
    /// turns on HSTS and Secure cookies.
    #[arg(long, env = "ZHIYUAN_PUBLIC_URL")]
    public_url: Option<String>,
    /// Send cookies over HTTPS only (behind a TLS proxy that forwards plain HTTP).
    #[arg(long, env = "ZHIYUAN_SECURE_COOKIES")]
    secure_cookies: bool,
    /// A bearer token that reads /metrics from other machines; without it,
    /// only a scraper on this machine, not through a proxy, reads them.
    #[arg(long, env = "ZHIYUAN_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Where outgoing SMS go: `log` writes each to the server's log (the
    /// phone masked); `outbox` leaves them for `zhiyuan outbox` to print.
    #[arg(long, env = "ZHIYUAN_MESSAGES", default_value = "log", value_parser = ["log", "outbox"])]
    messages: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        listen: ListenArgs,
    },
    /// Create or upgrade the database, load Jiangxi's regions and demo data,
    /// print the demo logins, then serve. Running it again adds nothing twice.
    Demo {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        listen: ListenArgs,
        #[arg(long, default_value = "small")]
        scale: zhiyuan_server::demo::Scale,
    },
    /// Apply database migrations.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Import a CSV or XLSX file; rejected rows are written with row, column and code.
    Import {
        kind: ImportKind,
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
        /// Where to write the rejected rows (default: FILE.rejected.csv).
        #[arg(long)]
        rejected: Option<PathBuf>,
    },
    /// Appoint someone to a role over a scope (the first province or county
    /// administrator of a new installation, say). A new login gets a one-time
    /// activation code, printed here, instead of a password.
    Grant {
        /// Their mobile number (the login).
        phone: String,
        /// province_admin, city_admin, county_admin, site_manager or org_admin.
        role: String,
        /// Region code (administrators), site id or organization id.
        scope: String,
        /// Display name of a new login.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Recompute every volunteer's hash chain of hours; exit 0 when every
    /// chain holds, else 1 with the broken links.
    VerifyLedger {
        #[command(flatten)]
        db: DbArgs,
    },
    /// The statistics rollups.
    Rollups {
        #[command(subcommand)]
        action: RollupsAction,
    },
    /// Print the messages waiting in the outbox (activation codes of
    /// imported volunteers and appointed administrators) as CSV on stdout,
    /// oldest first, and mark them handed over: for an office that delivers
    /// them without an SMS gateway. Run again, it prints only newer ones.
    Outbox {
        /// At most this many messages.
        #[arg(long, default_value_t = 10_000)]
        limit: i64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Show a platform setting, or set it when a value is given
    /// (star_hours, certificate_person_in_charge, certificate_contact).
    Setting {
        key: String,
        value: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Run one round of the background jobs every server runs each minute
    /// (sign-ins closed at midnight, records confirmed after their waiting
    /// days, the orders' deadline jobs due) and exit: to catch up after
    /// downtime, or from cron where no server runs. Safe beside running
    /// servers: each deadline job is done once.
    Jobs {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Load generators; figures go into docs/benchmarks.md.
    #[cfg(feature = "bench")]
    Bench {
        #[command(subcommand)]
        scenario: BenchScenario,
    },
}

#[cfg(feature = "bench")]
#[derive(Subcommand)]
enum BenchScenario {
    /// Many clients log in at once while a probe times other endpoints.
    Login {
        /// Base URL of a running server with the demo accounts.
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 50)]
        clients: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
    },
    /// Generates volunteer rows and times their import into a database.
    Import {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// The generated CSV (kept, and reused when it exists).
        #[arg(long, default_value = "bench-volunteers.csv")]
        file: PathBuf,
        /// Instead of importing the file, time the database writing the
        /// same rows by itself (a floor under the import; see
        /// docs/benchmarks.md).
        #[arg(long)]
        floor: bool,
        /// Rows per transaction of the floor (the import writes 20,000).
        #[arg(long, default_value_t = 20_000)]
        rows_per_transaction: i64,
    },
    /// Prepares a province-wide peak in a fresh database, serves it in this
    /// process and drives QR check-ins (in and out) over HTTP; then checks
    /// that every 201 is stored and that the ledger holds.
    Checkin {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 100)]
        organizations: usize,
        #[arg(long, default_value_t = 1000)]
        activities: usize,
        /// Each signs in and out once (two check-ins), or only in.
        #[arg(long, default_value_t = 160_000)]
        volunteers: usize,
        #[arg(long, default_value_t = 64)]
        clients: usize,
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Volunteers only sign in (a morning peak) instead of signing in and out.
        #[arg(long)]
        sign_ins_only: bool,
    },
    /// The demo at a scale (600 activities at county scale), served in this
    /// process: the demo volunteer's activity list, as a page and from the
    /// API, against `GET /api/v1/health`.
    Pages {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value = "county")]
        scale: zhiyuan_server::demo::Scale,
        /// Threads of the load generator.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Requests in flight.
        #[arg(long, default_value_t = 16)]
        connections: usize,
        /// Seconds per target.
        #[arg(long, default_value_t = 15)]
        seconds: u64,
    },
    /// Statistics, rankings and exports on a province-sized database
    /// (generated on the first run: volunteers imported, records by a
    /// fixture, rollups rebuilt).
    Statistics {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 1_000_000)]
        volunteers: u64,
        #[arg(long, default_value_t = 10)]
        records_per_volunteer: u32,
        /// Timed answers per question.
        #[arg(long, default_value_t = 200)]
        samples: usize,
        #[arg(long, default_value = "bench-volunteers.csv")]
        file: PathBuf,
    },
    /// The ordering loop at a province's size: dispatch candidates among
    /// the organizations, then whole loops (order → rate) over HTTP.
    Orders {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 71_000)]
        organizations: usize,
        /// Orders at stations across the province whose candidates are timed.
        #[arg(long, default_value_t = 200)]
        candidate_orders: usize,
        #[arg(long, default_value_t = 64)]
        clients: usize,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
    /// Many volunteers sign up at once over HTTP for one activity with a quota.
    Signups {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 5000)]
        requests: usize,
        #[arg(long, default_value_t = 500)]
        quota: u32,
    },
}

#[derive(Subcommand)]
enum RollupsAction {
    /// Recompute the statistics from the raw rows and store them; exit 0
    /// when they agreed with the stored ones, else 1 with the differences.
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ImportKind {
    Regions,
    Volunteers,
    Organizations,
}

/// Rejected rows printed on the terminal; the file has them all.
const SHOWN_REJECTIONS: usize = 100;

fn default_key_file(db: &str) -> PathBuf {
    let sqlite_path = db.strip_prefix("sqlite://").or_else(|| db.strip_prefix("sqlite:"));
    match sqlite_path.map(Path::new).and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join("zhiyuan.key"),
        _ => PathBuf::from("zhiyuan.key"),
    }
}

/// A database URL as it may be printed: any password in it replaced by `***`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Opens and migrates the store. A missing key file is created, unless the
/// database already holds personal data sealed under another key: a new key
/// could not open it, so that is an error naming the file to restore.
async fn open_store(args: &DbArgs) -> Result<Store, String> {
    let key_file = args.key_file.clone().unwrap_or_else(|| default_key_file(&args.db));
    let key_was_there = key_file.exists();
    let vault = Vault::load_or_create(&key_file, true).map_err(|e| e.to_string())?;
    let store = Store::connect(&args.db, vault)
        .await
        .map_err(|e| format!("cannot open {}: {e}", without_password(&args.db)))?;
    store.migrate().await.map_err(|e| format!("migration failed: {e}"))?;
    if !key_was_there && store.user_count().await.map_err(|e| e.to_string())? > 0 {
        store.close().await;
        let _ = std::fs::remove_file(&key_file);
        return Err(format!(
            "the key file {} is missing but {} holds personal data sealed with it: restore the key file",
            key_file.display(),
            args.db
        ));
    }
    Ok(store)
}

/// Prints up to `limit` unsent outbox messages as CSV
/// (`id,at,phone,template,payload`, the payload as JSON) and marks them
/// handed over once they are written out.
async fn hand_over_outbox(store: &Store, limit: i64) -> Result<(), String> {
    let messages = store.unsent_messages(limit).await.map_err(|e| e.to_string())?;
    write_outbox_csv(&messages, std::io::stdout().lock()).map_err(|e| e.to_string())?;
    let ids: Vec<i64> = messages.iter().map(|message| message.id).collect();
    let marked = store
        .mark_sent(&ids, "cli", zhiyuan_store::now_ms())
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("{marked} messages handed over");
    Ok(())
}

/// The outbox messages as CSV with a header row.
fn write_outbox_csv(messages: &[zhiyuan_store::audit::OutboxMessage], out: impl std::io::Write) -> csv::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["id", "at", "phone", "template", "payload"])?;
    for message in messages {
        csv.write_record([
            message.id.to_string(),
            message.at.to_string(),
            message.phone.clone(),
            message.template.clone(),
            message.payload.to_string(),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

/// Prints a setting, or checks and stores a new value first.
async fn setting(store: &Store, key: &str, value: Option<&str>) -> Result<(), String> {
    if let Some(value) = value {
        let checked = zhiyuan_domain::setting::check(key, value).map_err(|e| format!("{}: {}", e.code, e.detail))?;
        store.set_setting(key, &checked).await.map_err(|e| e.to_string())?;
    } else if !zhiyuan_domain::setting::ALL.contains(&key) {
        return Err(format!(
            "setting_unknown: {key:?} is not a setting; the settings are {}",
            zhiyuan_domain::setting::ALL.join(", ")
        ));
    }
    match store.setting(key).await.map_err(|e| e.to_string())? {
        Some(stored) => println!("{key} = {stored}"),
        None => println!("{key} is not set (the default applies)"),
    }
    Ok(())
}

async fn run_server(store: Store, listen: &ListenArgs) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(&listen.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", listen.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let config = ServerConfig {
        trust_forwarded_for: listen.trust_forwarded_for,
        public_url: Some(listen.public_url.clone().unwrap_or_else(|| format!("http://{address}"))),
        secure_cookies: listen.secure_cookies,
        metrics_token: listen.metrics_token.clone(),
        messages: (listen.messages == "log").then(|| Gateway(Arc::new(LogGateway))),
        ..ServerConfig::default()
    };
    let router = app(store.clone(), &config).await.map_err(|e| e.to_string())?;
    println!("zhiyuan listening on http://{address}");
    let outcome = serve(listener, router).await.map_err(|e| e.to_string());
    store.close().await;
    outcome
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve { db, listen } => {
            let store = open_store(&db).await?;
            run_server(store, &listen).await
        }
        Command::Demo { db, listen, scale } => {
            let store = open_store(&db).await?;
            demo::load(&store, scale).await?;
            run_server(store, &listen).await
        }
        Command::Migrate { db } => {
            let store = open_store(&db).await?;
            println!("database is up to date ({})", store.backend_name());
            store.close().await;
            Ok(())
        }
        Command::Setting { key, value, db } => {
            let store = open_store(&db).await?;
            let outcome = setting(&store, &key, value.as_deref()).await;
            store.close().await;
            outcome
        }
        Command::Jobs { db } => {
            let store = open_store(&db).await?;
            let round = zhiyuan_server::jobs::run_once(&store, chrono::Utc::now().timestamp_millis()).await;
            store.close().await;
            println!(
                "jobs done: {} sign-ins closed, {} records confirmed, {} order deadlines taken, {} ranking snapshots written",
                round.sign_ins_closed, round.records_confirmed, round.order_deadlines, round.rankings_written
            );
            Ok(())
        }
        Command::Outbox { limit, db } => {
            let store = open_store(&db).await?;
            let outcome = hand_over_outbox(&store, limit.max(1)).await;
            store.close().await;
            outcome
        }
        Command::VerifyLedger { db } => {
            let store = open_store(&db).await?;
            let report = store.verify_ledger().await.map_err(|e| e.to_string());
            store.close().await;
            let report = report?;
            for link in &report.broken {
                println!("volunteer {} entry {}: {}", link.volunteer_id, link.seq, link.problem);
            }
            if report.broken.is_empty() {
                println!(
                    "ledger holds: {} volunteers, {} entries",
                    report.volunteers, report.entries
                );
                Ok(())
            } else {
                Err(format!("{} broken links in the ledger", report.broken.len()))
            }
        }
        Command::Rollups {
            action: RollupsAction::Rebuild { db },
        } => {
            let store = open_store(&db).await?;
            let check = store.rebuild_rollups().await.map_err(|e| e.to_string());
            store.close().await;
            let check = check?;
            for difference in &check.differences {
                println!("{difference}");
            }
            if check.differing_rows == 0 {
                println!("rollups agree with the raw rows: {} rows of figures", check.rows);
                Ok(())
            } else {
                Err(format!(
                    "{} rows differed from the raw rows (the first {} listed); they are rebuilt now",
                    check.differing_rows,
                    check.differences.len()
                ))
            }
        }
        Command::Import {
            kind,
            file,
            db,
            rejected,
        } => {
            let store = open_store(&db).await?;
            let today = zhiyuan_domain::time::china_date(chrono::Utc::now());
            let report = match kind {
                ImportKind::Regions => zhiyuan_import::import_regions(&store, &file).await,
                ImportKind::Volunteers => zhiyuan_import::import_volunteers(&store, &file, today).await,
                ImportKind::Organizations => zhiyuan_import::import_organizations(&store, &file).await,
            }
            .map_err(|e| format!("{}: {e}", file.display()))?;
            println!("{}", report.summary());
            if !report.rejected.is_empty() {
                let out = rejected.unwrap_or_else(|| {
                    let mut name = file.clone().into_os_string();
                    name.push(".rejected.csv");
                    PathBuf::from(name)
                });
                let writer = std::fs::File::create(&out).map_err(|e| format!("{}: {e}", out.display()))?;
                report
                    .write_rejected_csv(writer)
                    .map_err(|e| format!("{}: {e}", out.display()))?;
                for rejected in report.rejected.iter().take(SHOWN_REJECTIONS) {
                    println!(
                        "row {}, column {}: {} ({})",
                        rejected.row, rejected.column, rejected.code, rejected.detail
                    );
                }
                if report.rejected.len() > SHOWN_REJECTIONS {
                    println!("... {} more", report.rejected.len() - SHOWN_REJECTIONS);
                }
                println!("rejected rows written to {}", out.display());
            }
            store.close().await;
            Ok(())
        }
        Command::Grant {
            phone,
            role,
            scope,
            name,
            db,
        } => {
            let store = open_store(&db).await?;
            let outcome = grant(&store, &phone, &role, &scope, name.as_deref()).await;
            store.close().await;
            outcome
        }
        #[cfg(feature = "bench")]
        Command::Bench { scenario } => match scenario {
            BenchScenario::Login { url, clients, seconds } => bench::login(&url, clients, seconds).await,
            BenchScenario::Import {
                db,
                rows,
                file,
                floor,
                rows_per_transaction,
            } => {
                let store = open_store(&db).await?;
                demo::load_regions(&store).await?;
                let outcome = if floor {
                    bench::import_floor(&store, rows, rows_per_transaction).await
                } else {
                    bench::import(&store, rows, file).await
                };
                store.close().await;
                outcome
            }
            BenchScenario::Checkin {
                db,
                organizations,
                activities,
                volunteers,
                clients,
                seconds,
                sign_ins_only,
            } => {
                let store = open_store(&db).await?;
                demo::load_regions(&store).await?;
                let plan = bench::CheckinPlan {
                    organizations,
                    activities,
                    volunteers,
                    clients,
                    seconds,
                    sign_ins_only,
                };
                let outcome = bench::checkin(&store, &plan).await;
                store.close().await;
                outcome
            }
            BenchScenario::Pages {
                db,
                scale,
                threads,
                connections,
                seconds,
            } => {
                let store = open_store(&db).await?;
                demo::load(&store, scale).await?;
                let outcome = bench::pages(&store, threads, connections, seconds).await;
                store.close().await;
                outcome
            }
            BenchScenario::Statistics {
                db,
                volunteers,
                records_per_volunteer,
                samples,
                file,
            } => {
                let store = open_store(&db).await?;
                demo::load_regions(&store).await?;
                let plan = bench::StatisticsPlan {
                    volunteers,
                    records_per_volunteer,
                    samples,
                    file,
                };
                let outcome = bench::statistics(&store, &plan).await;
                store.close().await;
                outcome
            }
            BenchScenario::Orders {
                db,
                organizations,
                candidate_orders,
                clients,
                seconds,
            } => {
                let store = open_store(&db).await?;
                demo::load(&store, zhiyuan_server::demo::Scale::Small).await?;
                let plan = bench::OrdersPlan {
                    organizations,
                    candidate_orders,
                    clients,
                    seconds,
                };
                let outcome = bench::orders(&store, &plan).await;
                store.close().await;
                outcome
            }
            BenchScenario::Signups { db, requests, quota } => {
                let store = open_store(&db).await?;
                demo::load_regions(&store).await?;
                let outcome = bench::signups(&store, requests, quota).await;
                store.close().await;
                outcome
            }
        },
    }
}

async fn grant(store: &Store, phone: &str, role: &str, scope: &str, name: Option<&str>) -> Result<(), String> {
    let phone = zhiyuan_domain::phone::Phone::parse(phone).map_err(|e| e.to_string())?;
    let role = zhiyuan_domain::role::Role::parse(role).map_err(|e| e.to_string())?;
    if matches!(
        role,
        zhiyuan_domain::role::Role::Volunteer | zhiyuan_domain::role::Role::Resident
    ) {
        return Err("volunteers and residents register themselves; grant an administrator or manager role".into());
    }
    let path = store
        .scope_region_path(role, scope.trim())
        .await
        .map_err(|e| e.to_string())?;
    let now = zhiyuan_store::now_ms();
    let user_id = match store.user_by_phone(phone.as_str()).await.map_err(|e| e.to_string())? {
        Some(user) => user.id,
        None => {
            let display_name = name.unwrap_or(phone.as_str());
            let id = store
                .create_user(phone.as_str(), display_name, None, now)
                .await
                .map_err(|e| e.to_string())?;
            let code = store
                .issue_activation_code(id, false, now)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "new login {}: activation code {code} (valid {} hours; the first login sets the password)",
                phone.as_str(),
                zhiyuan_domain::activation::VALID_HOURS
            );
            id
        }
    };
    store
        .grant_role(user_id, role, scope.trim(), &path, None, now)
        .await
        .map_err(|e| e.to_string())?;
    println!("granted {} over {} to {}", role.as_str(), scope.trim(), phone.as_str());
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ZHIYUAN_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_database_urls_hide_the_password() {
        assert_eq!(
            without_password("postgres://zhiyuan:s3cret@db.example:5432/zhiyuan?sslmode=verify-full"),
            "postgres://zhiyuan:***@db.example:5432/zhiyuan?sslmode=verify-full"
        );
        assert_eq!(
            without_password("sqlite:///var/lib/zhiyuan/z.db"),
            "sqlite:///var/lib/zhiyuan/z.db"
        );
        assert_eq!(without_password("postgres://zhiyuan@db/z"), "postgres://zhiyuan@db/z");
    }
}
