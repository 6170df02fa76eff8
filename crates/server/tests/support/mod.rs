//! What the server's integration tests share: a small fixture of real
//! regions (two counties of 南昌) and the real server on a free port over a
//! store loaded with it, its sites and the demo accounts.

use zhiyuan_domain::region::check_region_row;
use zhiyuan_server::auth::Passwords;
use zhiyuan_server::clock::Clock;
use zhiyuan_server::demo::seed_accounts;
use zhiyuan_server::{ServerConfig, app, serve};
use zhiyuan_store::Store;

pub const REGIONS: &[(&str, &str, &str, &str)] = &[
    ("36", "江西省", "province", ""),
    ("3601", "南昌市", "city", "36"),
    ("360102", "东湖区", "county", "3601"),
    ("360102002", "滕王阁街道", "township", "360102"),
    ("360102002001", "民巷社区居委会", "village", "360102002"),
    ("360111", "青山湖区", "county", "3601"),
    ("360111001", "青山路街道", "township", "360111"),
    ("360111001002", "电化社区居委会", "village", "360111001"),
    ("360111100", "京东镇", "township", "360111"),
    ("360111100200", "梁万村委会", "village", "360111100"),
];

/// The clock of every server the tests start, and of the tests themselves:
/// today (China time) at 10:00, running on from the moment the first test
/// asked, so that no test meets midnight (the day's rules, such as closing a
/// forgotten sign-in at 24:00, would otherwise depend on when CI runs).
pub fn clock() -> Clock {
    static OFFSET_MS: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let offset = *OFFSET_MS.get_or_init(|| {
        let today = zhiyuan_domain::time::china_date(chrono::Utc::now());
        let ten = zhiyuan_domain::hours::start_of_china_day(today) + chrono::Duration::hours(10);
        (ten - chrono::Utc::now()).num_milliseconds()
    });
    Clock::shifted(chrono::Duration::milliseconds(offset))
}

/// Now, on the tests' clock.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    clock().now()
}

/// Loads the fixture into `store` and serves it on 127.0.0.1 port 0 with a
/// 64 KiB body limit and the tests' clock; returns the base URL.
pub async fn serve_fixture(store: &Store) -> String {
    let rows: Vec<_> = REGIONS
        .iter()
        .map(|(code, name, level, parent)| check_region_row(code, name, level, parent, None).unwrap())
        .collect();
    store.upsert_regions(&rows).await.unwrap();
    store.ensure_sites().await.unwrap();
    seed_accounts(store, &Passwords::new(2)).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let config = ServerConfig {
        public_url: Some(format!("http://{address}")),
        hash_concurrency: 2,
        body_limit: 64 * 1024,
        clock: clock(),
        ..ServerConfig::default()
    };
    let router = app(store.clone(), &config).await.unwrap();
    tokio::spawn(serve(listener, router));
    format!("http://{address}")
}
