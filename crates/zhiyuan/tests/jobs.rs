//! Two `zhiyuan jobs` processes on one database at once (SQLite, and
//! PostgreSQL when `ZHIYUAN_TEST_PG` names one): every order deadline that
//! fell due is taken exactly once between them, and yesterday's ranking
//! snapshot of each level is written once.

use chrono::{DateTime, Utc};
use std::process::{Command, Output};
use zhiyuan_domain::dispatch::Desk;
use zhiyuan_domain::order::check_draft;
use zhiyuan_domain::order_deadline::{DEFAULT_DEADLINES, OrderTimes, next_check};
use zhiyuan_domain::ranking::RankLevel;
use zhiyuan_domain::region::check_region_row;
use zhiyuan_store::Store;
use zhiyuan_store::orders::NewOrder;
use zhiyuan_store::testing::{fresh_databases, test_vault};

/// Orders whose first deadline has passed: enough that the two processes'
/// rounds overlap.
const ORDERS: usize = 300;

const REGIONS: [(&str, &str, &str, &str); 5] = [
    ("36", "江西省", "province", ""),
    ("3601", "南昌市", "city", "36"),
    ("360111", "青山湖区", "county", "3601"),
    ("360111001", "湖坊镇", "township", "360111"),
    ("360111001001", "湖坊社区居委会", "village", "360111001"),
];

/// `ORDERS` orders placed at the station three hours ago (a station has two).
async fn orders_past_their_deadline(store: &Store) -> Vec<i64> {
    let rows: Vec<_> = REGIONS
        .iter()
        .map(|(code, name, level, parent)| check_region_row(code, name, level, parent, None).unwrap())
        .collect();
    store.upsert_regions(&rows).await.unwrap();
    store.ensure_sites().await.unwrap();
    let station = store.site_of_region("360111001001").await.unwrap().unwrap();
    let placed_at: DateTime<Utc> = Utc::now() - chrono::Duration::hours(3);
    let draft = check_draft("帮忙取药", None, (None, None), (None, None), placed_at).unwrap();
    let mut orders = Vec::with_capacity(ORDERS);
    for n in 0..ORDERS {
        // Ten orders per resident: a person has at most ten open.
        let phone = format!("1360000{:04}", n / 10);
        let resident = match store.user_by_phone(&phone).await.unwrap() {
            Some(user) => user.id,
            None => store
                .create_user(&phone, "居民", None, placed_at.timestamp_millis())
                .await
                .unwrap(),
        };
        let new = NewOrder {
            site_id: station.id,
            category: "left_behind_elderly".into(),
            project_id: None,
            menu_item_id: None,
            draft: draft.clone(),
            ordered_by: Some(resident),
            placed_by: resident,
            on_behalf: false,
            contact_name: None,
            contact_phone: None,
            desk: Desk::Station,
            next_check: next_check(&OrderTimes::placed(Desk::Station, placed_at, None), &DEFAULT_DEADLINES),
        };
        orders.push(store.place_order(&new, placed_at.timestamp_millis()).await.unwrap().id);
    }
    orders
}

/// A count a `zhiyuan jobs` run reports, by the words after it
/// (`order deadlines taken`, `ranking snapshots written`).
fn count_of(output: &Output, words: &str) -> usize {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .split([',', ':'])
        .find_map(|part| part.trim().strip_suffix(words))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("no count of {words} in {stdout:?}"))
}

#[tokio::test]
async fn two_job_processes_take_each_deadline_once() {
    for database in fresh_databases().await {
        let backend = database.backend;
        let store = Store::connect(&database.url, test_vault()).await.unwrap();
        store.migrate().await.unwrap();
        let orders = orders_past_their_deadline(&store).await;
        // The processes open the data with the store's key.
        let key_dir = tempfile::tempdir().unwrap();
        let key_file = key_dir.path().join("zhiyuan.key");
        std::fs::write(&key_file, "2a".repeat(32)).unwrap();
        let start = || {
            Command::new(env!("CARGO_BIN_EXE_zhiyuan"))
                .args(["jobs", "--db", &database.url, "--key-file"])
                .arg(&key_file)
                .spawn_output()
        };
        let (first, second) = (start(), start());
        let (first, second) = (first.join().unwrap(), second.join().unwrap());
        let taken = "order deadlines taken";
        let (a, b) = (count_of(&first, taken), count_of(&second, taken));
        println!("{backend}: the first process took {a}, the second {b}");
        assert_eq!(a + b, ORDERS, "{backend}: every due deadline once");
        let written = "ranking snapshots written";
        let snapshots = count_of(&first, written) + count_of(&second, written);
        assert_eq!(snapshots, RankLevel::ALL.len(), "{backend}: each level's snapshot once");
        let yesterday = (Utc::now() + chrono::Duration::hours(8))
            .date_naive()
            .pred_opt()
            .unwrap();
        let townships = store
            .ranking_snapshot(yesterday, RankLevel::Township, "36")
            .await
            .unwrap()
            .expect("yesterday's township snapshot");
        assert_eq!(townships.len(), 1, "{backend}: {townships:?}");
        for order in orders {
            let escalations = store
                .order_events(order)
                .await
                .unwrap()
                .iter()
                .filter(|event| event.action == "escalate")
                .count();
            assert_eq!(escalations, 1, "{backend}: order {order}");
        }
        store.close().await;
    }
}

/// Starting a command on a thread of its own, so that two run at once.
trait SpawnOutput {
    fn spawn_output(&mut self) -> std::thread::JoinHandle<Output>;
}

impl SpawnOutput for Command {
    fn spawn_output(&mut self) -> std::thread::JoinHandle<Output> {
        let child = self
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start zhiyuan jobs");
        std::thread::spawn(move || child.wait_with_output().expect("zhiyuan jobs ran"))
    }
}
