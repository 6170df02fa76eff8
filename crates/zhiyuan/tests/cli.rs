//! The `zhiyuan` command as a newcomer uses it: `demo` on a fresh SQLite
//! file serves the platform with the demo logins, running it again adds
//! nothing twice, and `import` reports rejected rows and exits 0.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

struct Running {
    child: Child,
    base: String,
    stdout: Vec<String>,
    /// Kept open so that the server never writes into a closed pipe.
    _pipe: Option<BufReader<ChildStdout>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo(dir: &std::path::Path) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_zhiyuan"))
        .args(["demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(format!("sqlite://{}", dir.join("zhiyuan.db").display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start zhiyuan demo");
    let mut running = Running {
        child,
        base: String::new(),
        stdout: Vec::new(),
        _pipe: None,
    };
    let mut pipe = BufReader::new(running.child.stdout.take().expect("stdout"));
    loop {
        let mut line = String::new();
        let read = pipe.read_line(&mut line).expect("read stdout");
        assert!(read > 0, "demo ended without listening: {:?}", running.stdout);
        let line = line.trim_end().to_string();
        let address = line.split("listening on http://").nth(1).map(str::to_string);
        running.stdout.push(line);
        if let Some(address) = address {
            running.base = format!("http://{address}");
            running._pipe = Some(pipe);
            return running;
        }
    }
}

async fn count_volunteers(client: &reqwest::Client, base: &str, token: &str) -> usize {
    let mut total = 0;
    let mut cursor = String::new();
    loop {
        let page: serde_json::Value = client
            .get(format!("{base}/api/v1/volunteers?limit=200&cursor={cursor}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        total += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => return total,
        }
    }
}

async fn login(client: &reqwest::Client, base: &str, phone: &str) -> String {
    let reply: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"phone": phone, "password": "demo12345"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["token"]
        .as_str()
        .unwrap_or_else(|| panic!("login {phone}: {reply}"))
        .to_string()
}

#[tokio::test]
async fn demo_serves_jiangxi_and_adds_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let first = demo(dir.path());
    assert!(
        first.stdout.iter().any(|l| l.contains("13800000006")),
        "{:?}",
        first.stdout
    );
    let health: serde_json::Value = client
        .get(format!("{}/api/v1/health", first.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["regions"], 23_959);
    let token = login(&client, &first.base, "13800000002").await;
    let before = count_volunteers(&client, &first.base, &token).await;
    assert!(before > 300, "generated volunteers plus the demo volunteer: {before}");
    drop(first);

    let second = demo(dir.path());
    let token = login(&client, &second.base, "13800000002").await;
    assert_eq!(count_volunteers(&client, &second.base, &token).await, before);
    let centers: serde_json::Value = client
        .get(format!("{}/api/v1/sites?region=36&level=center&limit=200", second.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        centers["items"].as_array().unwrap().len(),
        100,
        "one center per county, not two"
    );
    assert!(dir.path().join("zhiyuan.key").exists());
    let activities: serde_json::Value = client
        .get(format!("{}/api/v1/activities?region=360111", second.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        activities["items"].as_array().unwrap().len(),
        4,
        "three coming demo activities and last week's, not eight: {activities}"
    );
    // The demo organization's services stand on the menus of 青山湖区, once.
    let station: serde_json::Value = client
        .get(format!(
            "{}/api/v1/sites?region=360111001002&level=station",
            second.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let menu: serde_json::Value = client
        .get(format!(
            "{}/api/v1/sites/{}/menu",
            second.base,
            station["items"][0]["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(menu["items"].as_array().unwrap().len(), 3, "{menu}");
    // Last week's service gives the demo volunteer confirmed hours to certify.
    let volunteer = login(&client, &second.base, "13800000005").await;
    let me: serde_json::Value = client
        .get(format!("{}/api/v1/me", second.base))
        .bearer_auth(&volunteer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hours: serde_json::Value = client
        .get(format!(
            "{}/api/v1/volunteers/{}/hours",
            second.base,
            me["volunteer_id"].as_str().unwrap()
        ))
        .bearer_auth(&volunteer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hours["effective_hours"], 2.0, "{hours}");
    assert_eq!(hours["records"][0]["state"], "effective", "{hours}");
}

/// Runs `zhiyuan ARGS --db` on the SQLite database in `dir`.
fn run_on(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zhiyuan"))
        .args(args)
        .arg("--db")
        .arg(format!("sqlite://{}", dir.join("zhiyuan.db").display()))
        .output()
        .expect("run zhiyuan")
}

#[test]
fn import_reports_rejected_rows_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_on(dir.path(), args);
    assert!(run(&["migrate"]).status.success());
    let regions = dir.path().join("regions.csv");
    std::fs::write(
        &regions,
        "code,name,level,parent_code\n36,江西省,province,\n3601,南昌市,city,36\n360111,青山湖区,county,3601\n3601119,坏,township,360111\n",
    )
    .unwrap();
    let output = run(&["import", "regions", regions.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("imported 3") && stdout.contains("rejected 1"),
        "{stdout}"
    );
    let rejected = std::fs::read_to_string(dir.path().join("regions.csv.rejected.csv")).unwrap();
    assert!(rejected.contains("5,code,region_unknown"), "{rejected}");

    assert!(stdout.contains("row 5, column code: region_unknown"), "{stdout}");

    // without its key file, a database holding personal data is refused
    let people = dir.path().join("people.csv");
    std::fs::write(
        &people,
        format!(
            "name,id_number,phone,region_code\n张三,{},13900000077,360111\n",
            zhiyuan_domain::id_number::compose("360111", chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(), 1)
        ),
    )
    .unwrap();
    assert!(
        run(&["import", "volunteers", people.to_str().unwrap()])
            .status
            .success()
    );
    // the activation code waits in the outbox until an office takes it
    let outbox = run(&["outbox"]);
    assert!(outbox.status.success(), "{}", String::from_utf8_lossy(&outbox.stderr));
    let printed = String::from_utf8_lossy(&outbox.stdout);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 2, "{printed}");
    assert_eq!(lines[0], "id,at,phone,template,payload");
    assert!(
        lines[1].contains(",13900000077,activation_code,\"{\"\"code\"\":\""),
        "{printed}"
    );
    let again = run(&["outbox"]);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).lines().count(),
        1,
        "handed over once"
    );

    std::fs::remove_file(dir.path().join("zhiyuan.key")).unwrap();
    let keyless = run(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(!keyless.status.success());
    assert!(String::from_utf8_lossy(&keyless.stderr).contains("restore the key file"));
    assert!(
        !dir.path().join("zhiyuan.key").exists(),
        "no new key may replace the lost one"
    );

    let missing = run(&["import", "volunteers", dir.path().join("nope.csv").to_str().unwrap()]);
    assert!(!missing.status.success(), "a file that cannot be read is an error");
}

#[test]
fn grant_appoints_a_first_administrator_with_an_activation_code() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_on(dir.path(), args);
    assert!(run(&["migrate"]).status.success());
    let regions = dir.path().join("regions.csv");
    std::fs::write(
        &regions,
        "code,name,level,parent_code\n36,江西省,province,\n3601,南昌市,city,36\n",
    )
    .unwrap();
    assert!(run(&["import", "regions", regions.to_str().unwrap()]).status.success());

    let granted = run(&["grant", "13900000001", "province_admin", "36", "--name", "省文明办"]);
    let stdout = String::from_utf8_lossy(&granted.stdout);
    assert!(granted.status.success(), "{}", String::from_utf8_lossy(&granted.stderr));
    assert!(
        stdout.contains("activation code") && stdout.contains("granted province_admin over 36"),
        "{stdout}"
    );
    let wrong_level = run(&["grant", "13900000001", "county_admin", "3601"]);
    assert!(!wrong_level.status.success());
    assert!(String::from_utf8_lossy(&wrong_level.stderr).contains("role_scope_invalid"));
    let no_scope = run(&["grant", "13900000001", "city_admin", "3699"]);
    assert!(String::from_utf8_lossy(&no_scope.stderr).contains("scope_unknown"));
}

#[tokio::test]
async fn verify_ledger_exits_one_on_a_broken_chain() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    assert!(run_on(dir.path(), &["migrate"]).status.success());
    let holds = run_on(dir.path(), &["verify-ledger"]);
    assert!(holds.status.success(), "{}", String::from_utf8_lossy(&holds.stderr));
    assert!(String::from_utf8_lossy(&holds.stdout).contains("ledger holds"));

    // A head recorded for a chain whose entries are gone (deleted behind the
    // application's back).
    let url = format!("sqlite://{}", dir.path().join("zhiyuan.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO volunteer_totals (volunteer_id, credit_minutes, honor_minutes, records, ledger_seq, ledger_hash) \
         VALUES (7, 60, 0, 1, 1, x'00')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let broken = run_on(dir.path(), &["verify-ledger"]);
    assert_eq!(broken.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&broken.stdout);
    assert!(stdout.contains("volunteer 7"), "{stdout}");
}

#[test]
fn settings_are_checked_before_they_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run_on(dir.path(), &["migrate"]).status.success());
    let unset = run_on(dir.path(), &["setting", "star_hours"]);
    assert!(unset.status.success());
    assert!(String::from_utf8_lossy(&unset.stdout).contains("not set"));
    let set = run_on(dir.path(), &["setting", "star_hours", "50, 100,200,400,800"]);
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    assert!(String::from_utf8_lossy(&set.stdout).contains("star_hours = 50,100,200,400,800"));
    let falling = run_on(dir.path(), &["setting", "star_hours", "5,4,3,2,1"]);
    assert!(!falling.status.success());
    assert!(String::from_utf8_lossy(&falling.stderr).contains("star_table_invalid"));
    let kept = run_on(dir.path(), &["setting", "star_hours"]);
    assert!(String::from_utf8_lossy(&kept.stdout).contains("50,100,200,400,800"));
    let unknown = run_on(dir.path(), &["setting", "colour", "red"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("setting_unknown"));
}
