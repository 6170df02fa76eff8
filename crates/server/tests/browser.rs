//! The pages, tested two ways against the real server on port 0 over a fresh
//! SQLite database: plain HTTP checks with reqwest (status codes, redirects,
//! CSRF refusals, cookie flags, escaping, paging, access to the organizers'
//! pages, every sign-up outcome and check-in refusal, certificates and their
//! verification, record reports, sign-up review, hand entry with an upload,
//! supervision and the audit trail), and the journeys of a
//! new volunteer, a county administrator and a volunteer in headless
//! Chromium driven over WebDriver, among them a volunteer's service from the
//! search to the confirmed hours, a certificate that agrees with the ledger
//! until its record is revoked, and a geofenced check-in. The browser test
//! needs the Debian packages `chromium chromium-driver`;
//! ZHIYUAN_SKIP_BROWSER=1 skips it.

mod support;

use fantoccini::{Client as Browser, ClientBuilder, Locator};
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use zhiyuan_domain::id_number::compose;
use zhiyuan_server::auth::SESSION_TTL_MS;
use zhiyuan_server::demo::{DEMO_PASSWORD, Scale, seed_volunteers};
use zhiyuan_store::Store;
use zhiyuan_store::testing::{TestDatabase, fresh_sqlite, open_store};

/// An urban community (where the demo volunteer lives) and a rural village.
const COMMUNITY: &str = "360111001002";
const VILLAGE: &str = "360111100200";

/// The organizations `seed_accounts` leaves waiting for verification.
const PENDING: [&str; 3] = [
    "青山湖区湖坊镇巾帼志愿服务队",
    "南昌市青山湖区党员先锋队",
    "青山湖区某小学红领巾志愿队",
];
const PASSWORD: &str = "Zhiyuan2026";
const COUNTY_ADMIN: &str = "13800000002";
const ORG_ADMIN: &str = "13800000004";
const VOLUNTEER: &str = "13800000005";

struct Server {
    base: String,
    store: Store,
    _database: TestDatabase,
}

async fn start() -> Server {
    let database = fresh_sqlite();
    let store = open_store(&database).await;
    let base = support::serve_fixture(&store).await;
    Server {
        base,
        store,
        _database: database,
    }
}

fn an_id(seq: u16) -> String {
    compose("360111", chrono::NaiveDate::from_ymd_opt(1990, 5, 1).unwrap(), seq)
}

/// The ID number as pages show it: the first and last characters only.
fn masked(id: &str) -> String {
    format!("{}****************{}", &id[..1], &id[17..])
}

/// The same ID number with a wrong check character.
fn with_wrong_check(id: &str) -> String {
    let last = if id.ends_with('1') { '2' } else { '1' };
    format!("{}{last}", &id[..17])
}

// ---------------------------------------------------------------- HTTP

/// One browser-like visitor: keeps cookies, does not follow redirects.
struct Visitor {
    client: Client,
    base: String,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The `Set-Cookie` header that sets cookie `name`.
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    /// The value of the first hidden `csrf` field.
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no csrf field in {}", self.body))
            + marker.len();
        self.body[start..].split('"').next().unwrap().to_string()
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

impl Visitor {
    fn new(server: &Server) -> Self {
        Visitor {
            client: Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: server.base.clone(),
        }
    }

    async fn reply(response: reqwest::Response) -> Reply {
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Reply {
        Self::reply(self.client.get(format!("{}{path}", self.base)).send().await.unwrap()).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        Self::reply(
            self.client
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn login(&self, phone: &str, password: &str) -> Reply {
        let csrf = self.get("/login").await.csrf();
        self.post("/login", &[("phone", phone), ("password", password), ("csrf", &csrf)])
            .await
    }

    async fn activate(&self, phone: &str, code: &str, password: &str) -> Reply {
        let csrf = self.get("/activate").await.csrf();
        self.post(
            "/activate",
            &[
                ("phone", phone),
                ("code", code),
                ("password", password),
                ("csrf", &csrf),
            ],
        )
        .await
    }

    async fn register(&self, fields: &[(&str, &str)]) -> Reply {
        let csrf = self.get("/register").await.csrf();
        let mut form = fields.to_vec();
        form.push(("csrf", &csrf));
        self.post("/register", &form).await
    }
}

fn registration<'a>(name: &'a str, id_number: &'a str, phone: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("id_number", id_number),
        ("phone", phone),
        ("password", PASSWORD),
        ("region_code", VILLAGE),
        ("political_status", "party_member"),
        ("skills", "急救，摄影"),
        ("consent_face", "1"),
    ]
}

#[tokio::test]
async fn pages_answer_in_chinese_then_in_the_chosen_language() {
    let server = start().await;
    let visitor = Visitor::new(&server);
    let home = visitor.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.header("content-type").starts_with("text/html"),
        "{}",
        home.header("content-type")
    );
    assert!(home.body.contains("<html lang=\"zh-CN\">"), "{}", home.body);
    assert!(home.body.contains("href=\"/login\"") && home.body.contains("href=\"/register\""));
    assert!(home.body.contains("注册成为志愿者"));
    assert!(home.header("content-security-policy").contains("default-src 'none'"));
    assert_eq!(home.header("cache-control"), "no-store");
    assert_eq!(home.header("x-content-type-options"), "nosniff");

    let css = visitor.get("/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").starts_with("text/css"));
    assert!(css.body.contains("\"Noto Sans CJK SC\"") && css.body.contains("\"WenQuanYi Micro Hei\""));

    let english = visitor.get("/?lang=en").await;
    assert!(english.body.contains("<html lang=\"en\">"), "{}", english.body);
    assert!(english.body.contains("Register as a volunteer"));
    let cookie = english.set_cookie("zy_lang").expect("the language is remembered");
    assert!(
        cookie.starts_with("zy_lang=en;") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let login = visitor.get("/login").await;
    assert!(
        login.body.contains("<html lang=\"en\">") && login.body.contains("Mobile phone number"),
        "{}",
        login.body
    );
    let chinese = visitor.get("/login?lang=zh").await;
    assert!(chinese.body.contains("<html lang=\"zh-CN\">") && chinese.body.contains("手机号"));
    assert!(visitor.get("/").await.body.contains("<html lang=\"zh-CN\">"));

    for path in [
        "/me",
        "/me/activities",
        "/me/hours",
        "/org/activities",
        "/admin/volunteers",
        "/admin/organizations",
    ] {
        let anonymous = visitor.get(path).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(anonymous.location(), "/login", "{path}");
    }
}

#[tokio::test]
async fn login_sets_a_safe_session_cookie_and_logout_ends_it() {
    let server = start().await;
    let visitor = Visitor::new(&server);
    let form = visitor.get("/login").await;
    let form_cookie = form
        .set_cookie("zy_csrf")
        .expect("the login form sets its token cookie");
    assert!(
        form_cookie.contains("HttpOnly") && form_cookie.contains("SameSite=Lax"),
        "{form_cookie}"
    );

    let wrong = visitor
        .post(
            "/login",
            &[
                ("phone", COUNTY_ADMIN),
                ("password", "wrong-password"),
                ("csrf", &form.csrf()),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("手机号或密码不正确"), "{}", wrong.body);
    assert!(
        wrong.body.contains(&format!("value=\"{COUNTY_ADMIN}\"")),
        "the phone is kept"
    );
    assert!(wrong.body.contains("id=\"password-error\""));
    assert!(
        !wrong.body.contains("wrong-password"),
        "the password is never sent back"
    );

    let ok = visitor.login(COUNTY_ADMIN, DEMO_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), "/me");
    let session = ok.set_cookie("zy_session").expect("a session cookie");
    for flag in [
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        &format!("Max-Age={}", SESSION_TTL_MS / 1000),
    ] {
        assert!(session.contains(flag), "{flag} missing from {session}");
    }
    assert!(
        visitor.get("/login").await.location() == "/me",
        "a logged-in visitor skips the form"
    );

    let me = visitor.get("/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(
        me.body.contains("青山湖区文明办") && me.body.contains("县（区）级管理员"),
        "{}",
        me.body
    );
    assert!(me.body.contains("青山湖区 360111"), "the scope is named: {}", me.body);
    assert!(me.body.contains("138****0002"), "the phone is masked");

    let refused = visitor.post("/logout", &[("csrf", "0".repeat(64).as_str())]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("页面已过期"), "{}", refused.body);
    assert_eq!(visitor.get("/me").await.status, StatusCode::OK, "still logged in");

    let out = visitor.post("/logout", &[("csrf", &me.csrf())]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location(), "/");
    let cleared = out.set_cookie("zy_session").expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(visitor.get("/me").await.location(), "/login");

    let now = support::now().timestamp_millis();
    server
        .store
        .create_user("13700000071", "导入的志愿者", None, now)
        .await
        .unwrap();
    // An account waiting for activation gets the answer of a wrong
    // password (nobody learns which accounts wait); the page always links
    // to activation.
    let imported = visitor.login("13700000071", PASSWORD).await;
    let wrong = visitor.login("13700000079", PASSWORD).await;
    assert_eq!(imported.status, wrong.status);
    assert!(imported.body.contains("手机号或密码不正确"), "{}", imported.body);
    assert!(!imported.body.contains("激活过"), "{}", imported.body);
    assert!(
        imported.body.contains("<a href=\"/activate\" id=\"activate-link\">"),
        "the page links to activation: {}",
        imported.body
    );
    for _ in 0..5 {
        visitor.login(ORG_ADMIN, "wrong-password").await;
    }
    let throttled = visitor.login(ORG_ADMIN, DEMO_PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.body.contains("失败次数太多"), "{}", throttled.body);
}

#[tokio::test]
async fn forms_without_their_token_are_refused() {
    let server = start().await;
    let stranger = Visitor::new(&server);
    let token = "ab".repeat(32);
    let login = stranger
        .post(
            "/login",
            &[("phone", COUNTY_ADMIN), ("password", DEMO_PASSWORD), ("csrf", &token)],
        )
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN, "no token cookie: {}", login.body);
    assert!(login.set_cookie("zy_session").is_none());

    let visitor = Visitor::new(&server);
    visitor.get("/register").await;
    let mut form = registration("赵六", "110101199003070000", "13700000031");
    form.push(("csrf", &token));
    let register = visitor.post("/register", &form).await;
    assert_eq!(register.status, StatusCode::FORBIDDEN, "token differs from the cookie");

    let admin = Visitor::new(&server);
    admin.login(COUNTY_ADMIN, DEMO_PASSWORD).await;
    let queue = admin.get("/admin/organizations").await;
    assert_eq!(queue.status, StatusCode::OK);
    let marker = "action=\"/admin/organizations/";
    let start = queue.body.find(marker).expect("a verify button") + marker.len();
    let id: String = queue.body[start..].chars().take_while(char::is_ascii_digit).collect();
    let path = format!("/admin/organizations/{id}/verify");
    assert_eq!(
        admin.post(&path, &[("status", "unverified")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.post(&path, &[("csrf", &token)]).await.status,
        StatusCode::FORBIDDEN
    );
    let org = server.store.organization(id.parse().unwrap()).await.unwrap().unwrap();
    assert!(!org.is_verified(), "refused posts change nothing");

    let volunteer = Visitor::new(&server);
    volunteer.login(VOLUNTEER, DEMO_PASSWORD).await;
    let csrf = volunteer.get("/me").await.csrf();
    let outside = volunteer.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN, "a volunteer verifies nothing");
    assert!(outside.body.contains("无权访问"), "{}", outside.body);
    let forbidden = volunteer.get("/admin/volunteers").await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(
        forbidden.body.contains("无权访问") && forbidden.body.contains("href=\"/me\""),
        "{}",
        forbidden.body
    );

    let done = admin
        .post(&path, &[("csrf", &queue.csrf()), ("status", "unverified")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        done.location(),
        format!("/admin/organizations?status=unverified&done={id}")
    );
    assert!(server.store.organization(org.id).await.unwrap().unwrap().is_verified());
    let after = admin.get(done.location()).await;
    assert!(
        after.body.contains(&format!("已审核通过：{}", org.name)),
        "{}",
        after.body
    );
    assert!(!after.body.contains(&format!("id=\"org-{id}\"")), "it left the queue");
    let again = admin.post(&path, &[("csrf", &queue.csrf())]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "verifying twice is harmless");
}

#[tokio::test]
async fn user_data_is_escaped() {
    let server = start().await;
    let visitor = Visitor::new(&server);
    let script = "<script>alert(1)</script>";
    let refused = visitor.register(&registration(script, &an_id(41), "13700000041")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"name-error\""), "{}", refused.body);
    assert!(
        refused.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;") || refused.body.contains("&lt;script&gt;")
    );
    assert!(!refused.body.contains(script), "{}", refused.body);

    let api = Client::new();
    let login: serde_json::Value = api
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"phone": ORG_ADMIN, "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created = api
        .post(format!("{}/api/v1/organizations", server.base))
        .bearer_auth(login["token"].as_str().unwrap())
        .json(&json!({"name": format!("{script}志愿队"), "region_code": "360111", "kind": "community_team"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    let admin = Visitor::new(&server);
    admin.login(COUNTY_ADMIN, DEMO_PASSWORD).await;
    let queue = admin.get("/admin/organizations").await;
    assert!(
        queue.body.contains("alert(1)"),
        "the organization is listed: {}",
        queue.body
    );
    assert!(!queue.body.contains(script), "{}", queue.body);
}

#[tokio::test]
async fn registration_page_registers_logs_in_and_keeps_what_was_typed() {
    let server = start().await;
    let visitor = Visitor::new(&server);
    let form = visitor.get("/register").await;
    assert!(form.body.contains("14 岁以下需监护人同意"), "guardian note");
    assert!(form.body.contains("个人信息保护法"), "PIPL note");

    let id = an_id(51);
    let weak = [
        ("name", "钱七"),
        ("id_number", id.as_str()),
        ("phone", "13700000051"),
        ("password", "short"),
    ];
    let refused = visitor
        .register(&[&weak[..], &[("region_code", COMMUNITY), ("skills", "急救")]].concat())
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"password-error\"") && refused.body.contains("密码不符合要求"));
    for kept in [
        "value=\"钱七\"",
        &format!("value=\"{id}\""),
        "value=\"13700000051\"",
        "value=\"急救\"",
    ] {
        assert!(refused.body.contains(kept), "{kept} not kept");
    }
    assert!(!refused.body.contains("value=\"short\""), "never the password");

    let minor = compose("360111", support::now().date_naive() - chrono::Days::new(365 * 10), 3);
    let child = visitor.register(&registration("孙小小", &minor, "13700000052")).await;
    assert_eq!(child.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(child.body.contains("id=\"guardian-error\""), "{}", child.body);

    let taken = visitor
        .register(&registration(
            "李志愿",
            &compose("360111", chrono::NaiveDate::from_ymd_opt(1995, 6, 18).unwrap(), 11),
            "13700000053",
        ))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(
        taken.body.contains("id=\"id_number-error\"") && taken.body.contains("已经注册过"),
        "{}",
        taken.body
    );

    let done = visitor.register(&registration("钱七", &id, "13700000051")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/me");
    assert!(done.set_cookie("zy_session").is_some());
    let me = visitor.get("/me").await;
    assert!(
        me.body.contains(&masked(&id)) && !me.body.contains(&id),
        "masked by default"
    );
    assert!(me.body.contains("V360111"), "{}", me.body);
    assert!(
        me.body.contains("人脸签到：已同意") && me.body.contains("位置记录：未同意"),
        "{}",
        me.body
    );
    assert!(
        me.body.contains("党员") && me.body.contains("农村"),
        "categories: {}",
        me.body
    );
    let whole = visitor.get("/me?reveal=1").await;
    assert!(
        whole.body.contains(&id) && whole.body.contains("13700000051"),
        "{}",
        whole.body
    );
}

/// Imports a volunteer (no password) and returns the code of their activation SMS.
async fn import_volunteer(server: &Server, name: &str, id_number: &str, phone: &str) -> String {
    let input = zhiyuan_domain::volunteer::RegistrationInput {
        name: name.into(),
        id_number: id_number.into(),
        phone: phone.into(),
        region_code: COMMUNITY.into(),
        ..Default::default()
    };
    let registration = zhiyuan_domain::volunteer::register(&input, support::now().date_naive()).unwrap();
    server
        .store
        .import_volunteers(&[registration], support::now().timestamp_millis())
        .await
        .unwrap();
    server.store.outbox_for(phone).await.unwrap()[0].payload["code"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The value the `Set-Cookie` header gives the session cookie.
fn session_token(reply: &Reply) -> String {
    let cookie = reply.set_cookie("zy_session").expect("a session cookie");
    cookie["zy_session=".len()..].split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn imported_volunteers_activate_and_change_their_password() {
    let server = start().await;
    let phone = "13700000081";
    let code = import_volunteer(&server, "导入者", &an_id(81), phone).await;
    let visitor = Visitor::new(&server);
    let login = visitor.get("/login").await;
    assert!(
        login
            .body
            .contains("导入的账号？ <a href=\"/activate\" id=\"activate-link\">用短信验证码激活</a>"),
        "{}",
        login.body
    );
    let form = visitor.get("/activate").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("8 到 20 位") && form.body.contains("不能有 4 个连续或相同的字符"),
        "the password rules are shown: {}",
        form.body
    );

    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let wrong = visitor.activate(phone, wrong_code, "Imported2026").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .body
            .contains("<p class=\"field-error\" id=\"code-error\">验证码不正确或已过期"),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("code-hint code-error\" aria-invalid=\"true\""));
    assert!(wrong.body.contains(&format!("value=\"{phone}\"")), "the phone is kept");
    assert!(!wrong.body.contains("Imported2026"), "the password is never sent back");
    assert!(wrong.set_cookie("zy_session").is_none());

    let weak = visitor.activate(&format!(" {phone} "), &code, "short").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        weak.body.contains("id=\"password-error\">密码不符合要求"),
        "{}",
        weak.body
    );
    let bad_phone = visitor.get("/activate?lang=en").await;
    let csrf = bad_phone.csrf();
    let bad_phone = visitor
        .post(
            "/activate",
            &[
                ("phone", "12345"),
                ("code", &code),
                ("password", "Imported2026"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(bad_phone.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_phone
            .body
            .contains("id=\"phone-error\">A mobile number has 11 digits"),
        "{}",
        bad_phone.body
    );
    visitor.get("/?lang=zh").await;

    let stranger = Visitor::new(&server);
    let forged = stranger
        .post(
            "/activate",
            &[
                ("phone", phone),
                ("code", &code),
                ("password", "Forged2026x"),
                ("csrf", &"ab".repeat(32)),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "no token cookie: {}", forged.body);
    assert!(forged.body.contains("页面已过期"), "{}", forged.body);
    assert!(forged.set_cookie("zy_session").is_none());

    let activated = visitor.activate(phone, &code, "Imported2026").await;
    assert_eq!(activated.status, StatusCode::SEE_OTHER, "{}", activated.body);
    assert_eq!(activated.location(), "/me");
    let first_session = session_token(&activated);
    let me = visitor.get("/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(
        me.body.contains("导入者")
            && me
                .body
                .contains("<a href=\"/me/password\" id=\"change-password\">修改密码</a>"),
        "{}",
        me.body
    );
    assert_eq!(
        visitor.get("/activate").await.location(),
        "/me",
        "a logged-in visitor skips the form"
    );
    let again = Visitor::new(&server).activate(phone, &code, "Imported2027").await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "the code works once");

    let other = Visitor::new(&server);
    assert_eq!(other.login(phone, "Imported2026").await.location(), "/me");
    let page = visitor.get("/me/password").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("8 到 20 位"), "{}", page.body);
    let csrf = page.csrf();
    for token in ["", "0".repeat(64).as_str()] {
        let refused = visitor
            .post(
                "/me/password",
                &[
                    ("current_password", "Imported2026"),
                    ("new_password", "Changed2027x"),
                    ("csrf", token),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert!(refused.body.contains("页面已过期"), "{}", refused.body);
    }
    assert_eq!(
        other.get("/me").await.status,
        StatusCode::OK,
        "refused posts change nothing"
    );

    let wrong = visitor
        .post(
            "/me/password",
            &[
                ("current_password", "Wrong2026x"),
                ("new_password", "Changed2027x"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body.contains("id=\"current_password-error\">当前密码不正确"),
        "{}",
        wrong.body
    );
    assert!(!wrong.body.contains("Wrong2026x") && !wrong.body.contains("Changed2027x"));
    let weak = visitor
        .post(
            "/me/password",
            &[
                ("current_password", "Imported2026"),
                ("new_password", "aaaa1111Aa"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        weak.body.contains("id=\"new_password-error\">密码不符合要求"),
        "{}",
        weak.body
    );

    let changed = visitor
        .post(
            "/me/password",
            &[
                ("current_password", "Imported2026"),
                ("new_password", "Changed2027x"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    assert_eq!(changed.location(), "/login?changed=1");
    let cleared = changed.set_cookie("zy_session").expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let notice = visitor.get(changed.location()).await;
    assert!(
        notice.body.contains("id=\"notice\" role=\"status\">密码已修改"),
        "{}",
        notice.body
    );
    let replayed = Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/me", server.base))
        .header(reqwest::header::COOKIE, format!("zy_session={first_session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), StatusCode::SEE_OTHER, "the old session ended");
    assert_eq!(other.get("/me").await.location(), "/login", "every session ended");
    assert_eq!(visitor.get("/me/password").await.location(), "/login");

    assert_eq!(
        visitor.login(phone, "Imported2026").await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the old password is gone"
    );
    let relogin = visitor.login(phone, "Changed2027x").await;
    assert_eq!(relogin.status, StatusCode::SEE_OTHER);
    assert_eq!(relogin.location(), "/me");
    assert_eq!(visitor.get("/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn administrators_search_and_page_through_their_volunteers() {
    let server = start().await;
    let villages = vec![COMMUNITY.to_string(), VILLAGE.to_string()];
    seed_volunteers(&server.store, &villages, Scale::Small).await.unwrap();
    let admin = Visitor::new(&server);
    admin.login(COUNTY_ADMIN, DEMO_PASSWORD).await;

    let first = admin.get("/admin/volunteers").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body.matches("<tr>").count(), 21, "a header row and 20 volunteers");
    assert!(first.body.contains("3****************"), "masked ID numbers");
    assert!(
        !first.body.contains("3601**"),
        "no more of the ID number than its first character"
    );
    let marker = "id=\"next-page\" href=\"";
    let start = first.body.find(marker).expect("a next page") + marker.len();
    let next = first.body[start..].split('"').next().unwrap().replace("&amp;", "&");
    let second = admin.get(&next).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.body.contains("回到第一页"));
    assert_ne!(first.body, second.body);

    let found = admin.get("/admin/volunteers?q=%E6%9D%8E%E5%BF%97%E6%84%BF").await;
    assert!(
        found.body.contains("李志愿") && found.body.contains("138****0005"),
        "{}",
        found.body
    );
    let bad = admin.get("/admin/volunteers?category=astronaut").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"category-error\""));
    let outside = admin.get("/admin/volunteers?region=360102").await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
    assert!(outside.body.contains("id=\"region-error\""), "{}", outside.body);
}

// ---------------------------------------------------------------- activity pages

/// Publishes an activity of the demo organization through the API: it
/// starts `starts_in_minutes` from now (negative: already running).
/// The demo organization's id and an API token of its admin.
async fn demo_organization(base: &str) -> (String, String) {
    let token = api_token(base, ORG_ADMIN).await;
    let me: serde_json::Value = Client::new()
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let org = me["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "org_admin")
        .map(|r| r["scope"]["id"].as_str().unwrap().to_string())
        .unwrap();
    (org, token)
}

async fn publish(base: &str, title: &str, starts_in_minutes: i64, minutes: i64, extra: serde_json::Value) -> String {
    let api = Client::new();
    let (org, token) = demo_organization(base).await;
    let token = token.as_str();
    let starts = support::now() + chrono::Duration::minutes(starts_in_minutes);
    let mut body = json!({
        "organization_id": org,
        "title": title,
        "description": "陪伴社区独居老人，读报聊天",
        "category": "left_behind_elderly",
        "region_code": COMMUNITY,
        "lat": 28.6829,
        "lon": 115.9486,
        "radius_m": 0,
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::minutes(minutes)).to_rfc3339(),
        "quota": 20,
    });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    let created = api
        .post(format!("{base}/api/v1/activities"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: serde_json::Value = created.json().await.unwrap();
    created["id"].as_str().unwrap().to_string()
}

impl Reply {
    /// The path of the check-in link a board shows: `/c/TOKEN`.
    fn checkin_path(&self) -> String {
        let marker = "id=\"checkin-link\" href=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no check-in link in {}", self.body))
            + marker.len();
        let url = self.body[start..].split('"').next().unwrap();
        url[url.find("/c/").unwrap()..].to_string()
    }
}

#[tokio::test]
async fn activities_are_found_signed_up_for_and_cancelled() {
    let server = start().await;
    let id = publish(&server.base, "社区养老服务<b>周末</b>", 24 * 60, 120, json!({})).await;
    let elders_only = publish(
        &server.base,
        "老年合唱团养老院演出",
        48 * 60,
        120,
        json!({"min_age": 60}),
    )
    .await;

    let anonymous = Visitor::new(&server);
    let found = anonymous.get("/activities?q=养老").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(
        found.body.contains(&format!("href=\"/activities/{id}\"")),
        "{}",
        found.body
    );
    assert!(found.body.contains(&format!("href=\"/activities/{elders_only}\"")));
    assert!(!found.body.contains("<b>周末</b>"), "titles are escaped");
    assert!(found.body.contains("&#60;b&#62;周末") || found.body.contains("&lt;b&gt;周末"));
    assert!(
        !found.body.contains("id=\"eligible\""),
        "only volunteers filter by eligibility"
    );
    let none = anonymous.get("/activities?q=无人机编程").await;
    assert!(none.body.contains("id=\"no-results\""), "{}", none.body);
    let other_category = anonymous.get("/activities?category=environment").await;
    assert!(!other_category.body.contains(&format!("href=\"/activities/{id}\"")));
    let bad_region = anonymous.get("/activities?region=999999").await;
    assert!(bad_region.status.is_client_error(), "{}", bad_region.status);
    assert!(bad_region.body.contains("id=\"search-error\""), "{}", bad_region.body);
    let bad_date = anonymous.get("/activities?from=tomorrow").await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);

    let detail = anonymous.get(&format!("/activities/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("陪伴社区独居老人") && detail.body.contains("剩余 20 / 20"));
    assert!(detail.body.contains(&format!("href=\"/login?next=/activities/{id}\"")));
    assert!(!detail.body.contains("<b>周末</b>"));
    assert_eq!(anonymous.get("/activities/999999").await.status, StatusCode::NOT_FOUND);
    let anonymous_post = anonymous
        .post(&format!("/activities/{id}/signup"), &[("csrf", "x")])
        .await;
    assert_eq!(anonymous_post.location(), "/login");

    let volunteer = Visitor::new(&server);
    volunteer.login(VOLUNTEER, DEMO_PASSWORD).await;
    let eligible = volunteer.get("/activities?q=养老&eligible=1").await;
    assert!(
        eligible
            .body
            .contains("id=\"eligible\" name=\"eligible\" type=\"checkbox\" value=\"1\" checked")
    );
    assert!(eligible.body.contains(&format!("href=\"/activities/{id}\"")));
    assert!(
        !eligible.body.contains(&format!("href=\"/activities/{elders_only}\"")),
        "a volunteer of 31 may not join the elders' choir"
    );
    let page = volunteer.get(&format!("/activities/{id}")).await;
    assert!(page.body.contains("id=\"sign-up\""));
    let forged = volunteer
        .post(&format!("/activities/{id}/signup"), &[("csrf", &"0".repeat(64))])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let signed = volunteer
        .post(&format!("/activities/{id}/signup"), &[("csrf", &page.csrf())])
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert_eq!(signed.location(), format!("/activities/{id}?done=signed_up"));
    let outcome = volunteer.get(signed.location()).await;
    assert!(outcome.body.contains("报名成功"), "{}", outcome.body);
    assert!(outcome.body.contains("data-status=\"approved\""));
    assert!(outcome.body.contains("剩余 19 / 20"));
    let twice = volunteer
        .post(&format!("/activities/{id}/signup"), &[("csrf", &page.csrf())])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.body.contains("您已经报过名了"), "{}", twice.body);
    let too_young = volunteer
        .post(&format!("/activities/{elders_only}/signup"), &[("csrf", &page.csrf())])
        .await;
    assert_eq!(too_young.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_young.body.contains("您的年龄不符合"), "{}", too_young.body);

    let mine = volunteer.get("/me/activities").await;
    assert!(
        mine.body
            .contains(&format!("id=\"signup-{id}\" data-status=\"approved\"")),
        "{}",
        mine.body
    );
    assert!(!mine.body.contains(&format!("id=\"signup-{elders_only}\"")));
    let cancelled = volunteer
        .post(
            &format!("/activities/{id}/cancel"),
            &[("csrf", &mine.csrf()), ("back", "me")],
        )
        .await;
    assert_eq!(cancelled.location(), "/me/activities?done=cancelled");
    let mine = volunteer.get(cancelled.location()).await;
    assert!(mine.body.contains("已取消报名"));
    assert!(
        mine.body
            .contains(&format!("id=\"signup-{id}\" data-status=\"cancelled\""))
    );
    let english = volunteer.get(&format!("/activities/{id}?lang=en")).await;
    assert!(
        english.body.contains("Places") && english.body.contains("Sign up"),
        "{}",
        english.body
    );
}

#[tokio::test]
async fn every_sign_up_outcome_is_explained() {
    let server = start().await;
    let tiny = publish(
        &server.base,
        "社区图书角整理",
        24 * 60,
        120,
        json!({"quota": 1, "waitlist": 1}),
    )
    .await;
    let reviewed = publish(&server.base, "敬老院陪伴", 48 * 60, 120, json!({"auto_approve": false})).await;
    let first = Visitor::new(&server);
    first.login(VOLUNTEER, DEMO_PASSWORD).await;
    let second = Visitor::new(&server);
    let registered = second.register(&registration("赵二", &an_id(71), "13700000071")).await;
    assert_eq!(registered.status, StatusCode::SEE_OTHER, "{}", registered.body);
    let third = Visitor::new(&server);
    third.register(&registration("孙三", &an_id(72), "13700000072")).await;

    let mut outcomes = Vec::new();
    for visitor in [&first, &second, &third] {
        let page = visitor.get(&format!("/activities/{tiny}")).await;
        let answer = visitor
            .post(&format!("/activities/{tiny}/signup"), &[("csrf", &page.csrf())])
            .await;
        let shown = if answer.status == StatusCode::SEE_OTHER {
            visitor.get(answer.location()).await
        } else {
            answer
        };
        outcomes.push(shown);
    }
    assert!(outcomes[0].body.contains("报名成功"), "{}", outcomes[0].body);
    assert!(outcomes[1].body.contains("候补名单") && outcomes[1].body.contains("data-status=\"waitlisted\""));
    assert_eq!(outcomes[2].status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        outcomes[2].body.contains("名额和候补名单都已满"),
        "{}",
        outcomes[2].body
    );
    assert!(outcomes[2].body.contains("id=\"refusal\""));

    // The first cancels on the activity page: the waiting one moves up.
    let page = first.get(&format!("/activities/{tiny}")).await;
    assert!(page.body.contains("id=\"cancel-signup\""));
    let cancelled = first
        .post(&format!("/activities/{tiny}/cancel"), &[("csrf", &page.csrf())])
        .await;
    assert_eq!(cancelled.location(), format!("/activities/{tiny}?done=cancelled"));
    assert!(first.get(cancelled.location()).await.body.contains("已取消报名"));
    assert!(
        second
            .get(&format!("/activities/{tiny}"))
            .await
            .body
            .contains("data-status=\"approved\"")
    );

    let page = first.get(&format!("/activities/{reviewed}")).await;
    assert!(page.body.contains("报名后需组织者审核"));
    let sent = first
        .post(&format!("/activities/{reviewed}/signup"), &[("csrf", &page.csrf())])
        .await;
    let shown = first.get(sent.location()).await;
    assert!(shown.body.contains("等待组织者审核") && shown.body.contains("data-status=\"pending\""));
}

#[tokio::test]
async fn check_in_board_and_record_review_pages() {
    let server = start().await;
    // Running now, no geofence; the fenced one starts right after it ends.
    let open = publish(&server.base, "河道保洁<script>x</script>", -10, 20, json!({})).await;
    let fenced = publish(&server.base, "广场健康义诊", 15, 60, json!({"radius_m": 300})).await;

    let volunteer = Visitor::new(&server);
    volunteer.login(VOLUNTEER, DEMO_PASSWORD).await;
    for id in [&open, &fenced] {
        let page = volunteer.get(&format!("/activities/{id}")).await;
        let signed = volunteer
            .post(&format!("/activities/{id}/signup"), &[("csrf", &page.csrf())])
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{id}");
    }
    for path in [
        format!("/activities/{open}/board"),
        format!("/activities/{open}/records"),
        "/org/activities".into(),
    ] {
        let refused = volunteer.get(&path).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert!(refused.body.contains("无权访问"), "{path}");
    }

    let organizer = Visitor::new(&server);
    organizer.login(ORG_ADMIN, DEMO_PASSWORD).await;
    let list = organizer.get("/org/activities").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&format!("href=\"/activities/{open}/board\"")));
    assert!(list.body.contains(&format!("href=\"/activities/{fenced}/records\"")));
    let board = organizer.get(&format!("/activities/{open}/board")).await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(board.body.contains("<svg") && board.body.contains("<noscript><meta http-equiv=\"refresh\""));
    assert!(board.body.contains("src=\"/static/board.js\""));
    assert!(!board.body.contains("<script>x</script>"), "titles are escaped");
    assert!(board.body.contains("id=\"count-signed-up\">1<"), "{}", board.body);
    assert!(board.header("content-security-policy").contains("script-src 'self'"));
    let by_hand = publish(
        &server.base,
        "入户走访登记",
        72 * 60,
        60,
        json!({"checkin_methods": ["manual"]}),
    )
    .await;
    let no_code = organizer.get(&format!("/activities/{by_hand}/board")).await;
    assert!(no_code.body.contains("id=\"no-qr\"") && !no_code.body.contains("<svg"));
    let refused = volunteer.get(&format!("/activities/{by_hand}/board")).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "no code to issue, still not theirs"
    );
    let county = Visitor::new(&server);
    county.login(COUNTY_ADMIN, DEMO_PASSWORD).await;
    assert_eq!(
        county.get(&format!("/activities/{open}/board")).await.status,
        StatusCode::OK,
        "the county oversees the organization"
    );
    for script in ["/static/board.js", "/static/checkin.js"] {
        let js = volunteer.get(script).await;
        assert_eq!(js.status, StatusCode::OK);
        assert!(js.header("content-type").starts_with("text/javascript"), "{script}");
    }

    // Sign in: the stranger is sent through the login page and back.
    let code = board.checkin_path();
    let stranger = Visitor::new(&server);
    let away = stranger.get(&code).await;
    assert_eq!(away.location(), format!("/login?next={code}"));
    let late = stranger.post(&code, &[("csrf", "x")]).await;
    assert_eq!(
        late.location(),
        format!("/login?next={code}"),
        "an ended session comes back too"
    );
    let login_page = stranger.get(away.location()).await;
    assert!(login_page.body.contains(&format!("name=\"next\" value=\"{code}\"")));
    let back = stranger
        .post(
            "/login",
            &[
                ("phone", VOLUNTEER),
                ("password", DEMO_PASSWORD),
                ("csrf", &login_page.csrf()),
                ("next", &code),
            ],
        )
        .await;
    assert_eq!(back.location(), code);
    let elsewhere = stranger
        .post(
            "/login",
            &[
                ("phone", VOLUNTEER),
                ("password", DEMO_PASSWORD),
                ("csrf", &login_page.csrf()),
                ("next", "//evil.example"),
            ],
        )
        .await;
    assert_eq!(elsewhere.location(), "/me", "never to another site");
    assert_eq!(
        volunteer.get("/c/not-a-code").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let form = volunteer.get(&code).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("id=\"checkin-kind\">签到<") && form.body.contains("data-fenced=\"0\""));
    let forged = volunteer.post(&code, &[("csrf", "nope")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let accepted = volunteer.post(&code, &[("csrf", &form.csrf())]).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert!(accepted.body.contains("签到成功"));
    let replayed = volunteer.post(&code, &[("csrf", &form.csrf())]).await;
    assert_eq!(replayed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(replayed.body.contains("id=\"checkin-refusal\""), "{}", replayed.body);

    let board = organizer.get(&format!("/activities/{open}/board?kind=out")).await;
    assert!(board.body.contains("id=\"count-signed-in\">1<"), "{}", board.body);
    assert!(board.body.contains("李志愿"), "the latest check-ins name the volunteer");
    let out = board.checkin_path();
    let wrong_kind_form = volunteer.get(&out).await;
    assert!(wrong_kind_form.body.contains("id=\"checkin-kind\">签退<"));
    let accepted = volunteer.post(&out, &[("csrf", &form.csrf())]).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert!(accepted.body.contains("签退成功") && accepted.body.contains("id=\"checkin-hours\""));
    let board = organizer.get(&format!("/activities/{open}/board")).await;
    assert!(board.body.contains("id=\"count-signed-out\">1<"), "{}", board.body);

    // Review: a refusal needs a reason; confirm; revoke.
    let records = organizer.get(&format!("/activities/{open}/records")).await;
    assert_eq!(records.status, StatusCode::OK);
    let marker = "action=\"/records/";
    let start = records.body.find(marker).expect("a decision form") + marker.len();
    let record = records.body[start..].split('/').next().unwrap().to_string();
    assert!(
        records
            .body
            .contains(&format!("id=\"record-{record}\" data-state=\"pending\""))
    );
    let no_reason = organizer
        .post(
            &format!("/records/{record}/refuse"),
            &[("csrf", &records.csrf()), ("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("请写明原因"), "{}", no_reason.body);
    let by_volunteer = volunteer
        .post(&format!("/records/{record}/confirm"), &[("csrf", &form.csrf())])
        .await;
    assert_eq!(by_volunteer.status, StatusCode::FORBIDDEN);
    let forged = organizer
        .post(&format!("/records/{record}/confirm"), &[("csrf", "x")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let confirmed = organizer
        .post(&format!("/records/{record}/confirm"), &[("csrf", &records.csrf())])
        .await;
    assert_eq!(confirmed.location(), format!("/activities/{open}/records?done=confirm"));
    let records = organizer.get(confirmed.location()).await;
    assert!(
        records
            .body
            .contains(&format!("id=\"record-{record}\" data-state=\"effective\""))
    );
    let hours = volunteer.get("/me/hours").await;
    assert_eq!(hours.status, StatusCode::OK);
    assert!(hours.body.contains("data-state=\"effective\"") && hours.body.contains("id=\"stars\""));
    assert!(hours.body.contains("河道保洁&#60;script") || hours.body.contains("河道保洁&lt;script"));
    let revoked = organizer
        .post(
            &format!("/records/{record}/revoke"),
            &[("csrf", &records.csrf()), ("reason", "核实未到场")],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert!(volunteer.get("/me/hours").await.body.contains("data-state=\"revoked\""));

    // The fenced activity: no location, far away, then on the spot.
    let fenced_board = organizer.get(&format!("/activities/{fenced}/board")).await;
    let code = fenced_board.checkin_path();
    let form = volunteer.get(&code).await;
    assert!(form.body.contains("data-fenced=\"1\"") && form.body.contains("id=\"location-note\""));
    let csrf = form.csrf();
    let blind = volunteer.post(&code, &[("csrf", &csrf)]).await;
    assert_eq!(blind.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blind.body.contains("需要您的位置"), "{}", blind.body);
    let far = volunteer
        .post(
            &code,
            &[
                ("csrf", &csrf),
                ("lat", "28.70"),
                ("lon", "115.9486"),
                ("accuracy", "20"),
            ],
        )
        .await;
    assert_eq!(far.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(far.body.contains("不在活动地点附近"), "{}", far.body);
    let vague = volunteer
        .post(
            &code,
            &[
                ("csrf", &csrf),
                ("lat", "28.6829"),
                ("lon", "115.9486"),
                ("accuracy", "900"),
            ],
        )
        .await;
    assert!(vague.body.contains("定位不够准确"), "{}", vague.body);
    let here = volunteer
        .post(
            &code,
            &[
                ("csrf", &csrf),
                ("lat", "28.6830"),
                ("lon", "115.9486"),
                ("accuracy", "15"),
            ],
        )
        .await;
    assert_eq!(here.status, StatusCode::OK, "{}", here.body);
    assert!(here.body.contains("签到成功"));
}

// ---------------------------------------------------------------- certificates, reports, review

/// A bearer token of `phone` (a demo account).
async fn api_token(base: &str, phone: &str) -> String {
    let login: serde_json::Value = Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"phone": phone, "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().unwrap().to_string()
}

/// The demo volunteer's id.
async fn volunteer_id(base: &str) -> String {
    let me: serde_json::Value = Client::new()
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(api_token(base, VOLUNTEER).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["volunteer_id"].as_str().unwrap().to_string()
}

/// The first bytes of a PNG: enough for the evidence check.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n evidence";

/// Honor hours of the demo volunteer on running `activity`, entered by hand
/// through the API from `from_ago` to `to_ago` minutes ago and approved by
/// the county; returns the record's id.
async fn confirmed_hours(base: &str, activity: &str, from_ago: i64, to_ago: i64) -> String {
    use base64::Engine;
    let token = api_token(base, ORG_ADMIN).await;
    let now = support::now();
    let entered = Client::new()
        .post(format!("{base}/api/v1/activities/{activity}/hours"))
        .bearer_auth(&token)
        .json(&json!({
            "volunteer_id": volunteer_id(base).await,
            "slots": [{"from": (now - chrono::Duration::minutes(from_ago)).to_rfc3339(),
                       "to": (now - chrono::Duration::minutes(to_ago)).to_rfc3339()}],
            "reason": "纸质签到表补录",
            "evidence": base64::engine::general_purpose::STANDARD.encode(PNG),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(entered.status(), StatusCode::CREATED);
    let entered: serde_json::Value = entered.json().await.unwrap();
    let record = entered[0]["id"].as_str().unwrap().to_string();
    // Hand entry counts after the region administrator's approval.
    let confirmed = Client::new()
        .post(format!("{base}/api/v1/service-records/{record}/confirm"))
        .bearer_auth(api_token(base, COUNTY_ADMIN).await)
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK);
    record
}

impl Visitor {
    /// Signs up for `activity` through its page.
    async fn sign_up(&self, activity: &str) {
        let page = self.get(&format!("/activities/{activity}")).await;
        let signed = self
            .post(&format!("/activities/{activity}/signup"), &[("csrf", &page.csrf())])
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    }

    /// A multipart form post, as a browser sends a form with a file in
    /// the field `file_field`.
    async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        file: Option<&[u8]>,
    ) -> Reply {
        let boundary = "zhiyuan-test-boundary-7f3a";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        if let Some(bytes) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"sheet.png\"\r\n\
                     Content-Type: image/png\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Self::reply(
            self.client
                .post(format!("{}{path}", self.base))
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}

impl Reply {
    /// The certificate number the issue form redirected to.
    fn issued_number(&self) -> String {
        self.location()
            .strip_prefix("/me/certificates?issued=")
            .unwrap_or_else(|| panic!("not an issued certificate: {} {}", self.location(), self.body))
            .to_string()
    }
}

#[tokio::test]
async fn certificates_are_issued_and_verified_by_anyone() {
    let server = start().await;
    let activity = publish(&server.base, "社区助老<b>服务</b>", -10, 20, json!({})).await;
    let volunteer = Visitor::new(&server);
    volunteer.login(VOLUNTEER, DEMO_PASSWORD).await;
    volunteer.sign_up(&activity).await;

    let empty = volunteer.get("/me/certificates").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("id=\"no-certificates\""), "{}", empty.body);
    assert!(
        volunteer
            .get("/me/hours")
            .await
            .body
            .contains("href=\"/me/certificates\"")
    );
    let csrf = empty.csrf();
    let forged = volunteer
        .post("/me/certificates", &[("csrf", "x"), ("scope", "all")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let nothing = volunteer
        .post("/me/certificates", &[("csrf", &csrf), ("scope", "all")])
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nothing.body.contains("没有已确认的服务时长"), "{}", nothing.body);

    let record = confirmed_hours(&server.base, &activity, 50, 10).await;
    let backwards = volunteer
        .post(
            "/me/certificates",
            &[
                ("csrf", &csrf),
                ("scope", "range"),
                ("from", "2026-11-20"),
                ("to", "2026-11-10"),
            ],
        )
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(backwards.body.contains("结束日期早于开始日期"), "{}", backwards.body);
    assert!(
        backwards.body.contains("value=\"2026-11-20\""),
        "the form keeps the dates"
    );
    let issued = volunteer
        .post("/me/certificates", &[("csrf", &csrf), ("scope", "all")])
        .await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.body);
    let number = issued.issued_number();
    let mine = volunteer.get(issued.location()).await;
    assert!(mine.body.contains("id=\"issued-number\">"), "{}", mine.body);
    assert!(
        mine.body
            .contains(&format!("href=\"/api/v1/certificates/{number}/pdf\""))
    );
    assert!(mine.body.contains(&format!("id=\"certificate-{number}\"")));
    let organizations: Vec<&str> = mine.body.matches("name=\"organization_id\"").collect();
    assert_eq!(organizations.len(), 1, "the organizations of the records are offered");

    // Anyone opens the page the QR code points to.
    let anyone = Visitor::new(&server);
    let page = anyone.get(&format!("/certificates/{number}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"verdict\" data-agrees=\"1\""), "{}", page.body);
    assert!(page.body.contains("核对一致"));
    assert!(page.body.contains("李志愿"));
    assert!(page.body.contains("**********"), "the ID number is masked");
    assert!(!page.body.contains("<b>服务</b>"), "titles are escaped");
    assert!(
        page.body
            .contains(&format!("href=\"/api/v1/certificates/{number}/pdf\""))
    );
    let english = anyone.get(&format!("/certificates/{number}?lang=en")).await;
    assert!(english.body.contains("The ledger agrees"), "{}", english.body);
    let typed = anyone
        .get(&format!("/certificates?number=%20{}%20", number.to_lowercase()))
        .await;
    assert_eq!(typed.location(), format!("/certificates/{number}"));
    let form = anyone.get("/certificates?lang=zh").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("id=\"number\""));
    let garbled = anyone.get("/certificates/ZY123").await;
    assert_eq!(garbled.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(garbled.body.contains("不是有效的证明编号"), "{}", garbled.body);
    let today = support::now().date_naive();
    let unknown = zhiyuan_domain::certificate::compose_number("360111", today, 1);
    let missing = anyone.get(&format!("/certificates/{unknown}")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("没有找到这个编号的证明"), "{}", missing.body);
    let hostile = anyone.get("/certificates/%3Cscript%3E").await;
    assert!(hostile.status.is_client_error());
    assert!(!hostile.body.contains("<script>"), "the typed number is escaped");

    // The organizer revokes the record: the certificate no longer agrees.
    let organizer = Visitor::new(&server);
    organizer.login(ORG_ADMIN, DEMO_PASSWORD).await;
    let records = organizer.get(&format!("/activities/{activity}/records")).await;
    let revoked = organizer
        .post(
            &format!("/records/{record}/revoke"),
            &[("csrf", &records.csrf()), ("reason", "核实未到场")],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let page = anyone.get(&format!("/certificates/{number}")).await;
    assert!(page.body.contains("id=\"verdict\" data-agrees=\"0\""), "{}", page.body);
    assert!(page.body.contains("已被撤销或不予认定"), "{}", page.body);
    let others = Visitor::new(&server);
    others.login(ORG_ADMIN, DEMO_PASSWORD).await;
    let not_theirs = others.get("/me/certificates").await;
    assert!(not_theirs.body.contains("您还没有注册为志愿者"), "{}", not_theirs.body);
}

#[tokio::test]
async fn record_reports_are_filed_and_answered() {
    let server = start().await;
    let activity = publish(&server.base, "河道巡查", -10, 20, json!({})).await;
    let volunteer = Visitor::new(&server);
    volunteer.login(VOLUNTEER, DEMO_PASSWORD).await;
    volunteer.sign_up(&activity).await;
    let mine = volunteer.get("/me/activities").await;
    assert!(
        mine.body.contains(&format!("href=\"/activities/{activity}/report\"")),
        "{}",
        mine.body
    );
    assert!(
        volunteer
            .get(&format!("/activities/{activity}"))
            .await
            .body
            .contains("id=\"report-record\""),
        "the activity page links the report too"
    );
    let form = volunteer.get(&format!("/activities/{activity}/report")).await;
    assert_eq!(form.status, StatusCode::OK);
    let path = format!("/activities/{activity}/report");
    let forged = volunteer
        .post(&path, &[("csrf", "x"), ("kind", "missing"), ("detail", "我来了")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let short = volunteer
        .post(&path, &[("csrf", &form.csrf()), ("kind", "missing"), ("detail", "x")])
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("请写 2 到 500 个字"), "{}", short.body);
    let wrong_without_record = volunteer
        .post(
            &path,
            &[("csrf", &form.csrf()), ("kind", "wrong"), ("detail", "时长不对")],
        )
        .await;
    assert!(wrong_without_record.body.contains("请选出有误的那条记录"));
    let detail = "上午九点到十一点在河边<script>x</script>";
    let filed = volunteer
        .post(
            &path,
            &[("csrf", &form.csrf()), ("kind", "missing"), ("detail", detail)],
        )
        .await;
    assert_eq!(filed.location(), "/me/reports?done=filed", "{}", filed.body);
    let reports = volunteer.get(filed.location()).await;
    assert!(reports.body.contains("报告已提交"));
    assert!(reports.body.contains("data-state=\"open\""));
    assert!(!reports.body.contains("<script>x</script>"), "details are escaped");
    let twice = volunteer
        .post(
            &path,
            &[("csrf", &form.csrf()), ("kind", "missing"), ("detail", "再报一次")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.body.contains("您已经报告过这个问题"), "{}", twice.body);
    assert_eq!(volunteer.get("/org/reports").await.status, StatusCode::FORBIDDEN);
    let outsider = Visitor::new(&server);
    assert_eq!(outsider.get("/me/reports").await.location(), "/login");

    let organizer = Visitor::new(&server);
    organizer.login(ORG_ADMIN, DEMO_PASSWORD).await;
    let queue = organizer.get("/org/reports").await;
    assert_eq!(queue.status, StatusCode::OK);
    let marker = "action=\"/reports/";
    let start = queue.body.find(marker).expect("an open report") + marker.len();
    let report = queue.body[start..].split('/').next().unwrap().to_string();
    assert!(!queue.body.contains("<script>x</script>"));
    assert!(queue.body.contains("class=\"empty no-overdue\""), "{}", queue.body);
    let silent = organizer
        .post(
            &format!("/reports/{report}/resolve"),
            &[("csrf", &queue.csrf()), ("answer", " ")],
        )
        .await;
    assert_eq!(silent.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(silent.body.contains("请写 2 到 500 个字"), "{}", silent.body);
    let by_volunteer = volunteer
        .post(
            &format!("/reports/{report}/resolve"),
            &[("csrf", &form.csrf()), ("answer", "我自己处理")],
        )
        .await;
    assert_eq!(by_volunteer.status, StatusCode::FORBIDDEN);
    let forged = organizer
        .post(
            &format!("/reports/{report}/resolve"),
            &[("csrf", "x"), ("answer", "已补录")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let resolved = organizer
        .post(
            &format!("/reports/{report}/resolve"),
            &[("csrf", &queue.csrf()), ("answer", "已按签到表补录")],
        )
        .await;
    assert_eq!(resolved.location(), "/org/reports?done=resolve");
    let queue = organizer.get(resolved.location()).await;
    assert!(queue.body.contains("已答复") && queue.body.contains("没有待处理的报告"));
    let reports = volunteer.get("/me/reports").await;
    assert!(reports.body.contains("data-state=\"resolved\"") && reports.body.contains("已按签到表补录"));
}

/// `from_ago` minutes ago as the hand-entry page's day and time (China time).
fn china_clock(from_ago: i64) -> (String, String) {
    let at = (support::now() - chrono::Duration::minutes(from_ago))
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    (at.format("%Y-%m-%d").to_string(), at.format("%H:%M").to_string())
}

#[tokio::test]
async fn organizers_review_sign_ups_and_enter_hours_by_hand() {
    let server = start().await;
    let reviewed = publish(&server.base, "敬老院陪伴", 48 * 60, 120, json!({"auto_approve": false})).await;
    let volunteer = Visitor::new(&server);
    volunteer.login(VOLUNTEER, DEMO_PASSWORD).await;
    volunteer.sign_up(&reviewed).await;
    let path = format!("/activities/{reviewed}/signups");
    assert_eq!(volunteer.get(&path).await.status, StatusCode::FORBIDDEN);
    let organizer = Visitor::new(&server);
    organizer.login(ORG_ADMIN, DEMO_PASSWORD).await;
    assert!(
        organizer
            .get(&format!("/activities/{reviewed}"))
            .await
            .body
            .contains(&format!("href=\"{path}\""))
    );
    let list = organizer.get(&path).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("id=\"pending-count\">1<"), "{}", list.body);
    let marker = "action=\"/signups/";
    let start = list.body.find(marker).expect("a pending sign-up") + marker.len();
    let signup = list.body[start..].split('/').next().unwrap().to_string();
    let forged = organizer
        .post(&format!("/signups/{signup}/approve"), &[("csrf", "x")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let by_volunteer = volunteer
        .post(
            &format!("/signups/{signup}/approve"),
            &[("csrf", &volunteer.get("/me").await.csrf())],
        )
        .await;
    assert_eq!(by_volunteer.status, StatusCode::FORBIDDEN);
    let approved = organizer
        .post(&format!("/signups/{signup}/approve"), &[("csrf", &list.csrf())])
        .await;
    assert_eq!(approved.location(), format!("{path}?done=approve"));
    let list = organizer.get(approved.location()).await;
    assert!(
        list.body
            .contains(&format!("id=\"signup-{signup}\" data-status=\"approved\""))
    );
    let unknown = organizer
        .post(&format!("/signups/{signup}/maybe"), &[("csrf", &list.csrf())])
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("找不到页面"), "{}", unknown.body);
    assert_eq!(
        organizer
            .post("/signups/999999/approve", &[("csrf", &list.csrf())])
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Hand entry on a running activity.
    let running = publish(&server.base, "社区义诊<i>登记</i>", -10, 20, json!({})).await;
    volunteer.sign_up(&running).await;
    let entry = format!("/activities/{running}/hours");
    assert_eq!(volunteer.get(&entry).await.status, StatusCode::FORBIDDEN);
    let form = organizer.get(&entry).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    assert!(form.body.contains("李志愿") && form.body.contains("id=\"date_9\""));
    assert!(!form.body.contains("<i>登记</i>"));
    let volunteer_id = volunteer_id(&server.base).await;
    let (day, from) = china_clock(50);
    let (_, to) = china_clock(10);
    let csrf = form.csrf();
    let fields = |csrf: &str, to: &str| -> Vec<(String, String)> {
        vec![
            ("csrf".into(), csrf.into()),
            ("volunteer_id".into(), volunteer_id.clone()),
            ("reason".into(), "纸质签到表补录".into()),
            ("date_0".into(), day.clone()),
            ("from_0".into(), from.clone()),
            ("to_0".into(), to.into()),
        ]
    };
    let send = |owned: Vec<(String, String)>, file: Option<&'static [u8]>| {
        let organizer = &organizer;
        let entry = &entry;
        async move {
            let refs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            organizer.post_multipart(entry, &refs, "evidence", file).await
        }
    };
    let forged = send(fields("x", &to), Some(PNG)).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let no_file = send(fields(&csrf, &to), None).await;
    assert_eq!(no_file.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_file.body.contains("请上传证明材料"), "{}", no_file.body);
    assert!(
        no_file.body.contains("value=\"纸质签到表补录\""),
        "the form keeps the reason"
    );
    let (_, later) = china_clock(-30);
    let future = send(fields(&csrf, &later), Some(PNG)).await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        future.body.contains("不能在将来") || future.body.contains("活动日期之内"),
        "{}",
        future.body
    );
    let not_a_photo = send(fields(&csrf, &to), Some(b"GIF89a not allowed")).await;
    assert!(not_a_photo.body.contains("请上传证明材料"), "{}", not_a_photo.body);
    let entered = send(fields(&csrf, &to), Some(PNG)).await;
    assert_eq!(
        entered.location(),
        format!("/activities/{running}/records?done=entered"),
        "{}",
        entered.body
    );
    let records = organizer.get(entered.location()).await;
    assert!(records.body.contains("补录成功"));
    assert!(records.body.contains("data-state=\"pending\"") && records.body.contains("补录"));
    // The organizer who entered the hours cannot confirm them; the county
    // sees them waiting and its confirmation makes them count.
    let marker = "action=\"/records/";
    let start = records.body.find(marker).expect("a review form") + marker.len();
    let record = records.body[start..].split('/').next().unwrap().to_string();
    let own = organizer
        .post(&format!("/records/{record}/confirm"), &[("csrf", &records.csrf())])
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(own.body.contains("不能为自己录入或审核时长"), "{}", own.body);
    let county = Visitor::new(&server);
    county.login(COUNTY_ADMIN, DEMO_PASSWORD).await;
    let waiting = county.get("/admin/records").await;
    assert!(
        waiting.body.contains("id=\"awaiting\"") && waiting.body.contains(&format!("/activities/{running}/records")),
        "{}",
        waiting.body
    );
    let review = county.get(&format!("/activities/{running}/records")).await;
    let approved = county
        .post(&format!("/records/{record}/confirm"), &[("csrf", &review.csrf())])
        .await;
    assert_eq!(
        approved.location(),
        format!("/activities/{running}/records?done=confirm"),
        "{}",
        approved.body
    );
    let after = county.get(approved.location()).await;
    assert!(
        after
            .body
            .contains(&format!("id=\"record-{record}\" data-state=\"effective\""))
    );
}

#[tokio::test]
async fn supervision_and_who_has_seen_my_data() {
    let server = start().await;
    let county = Visitor::new(&server);
    county.login(COUNTY_ADMIN, DEMO_PASSWORD).await;
    let page = county.get("/admin/records").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"no-flagged\"") && page.body.contains("id=\"no-overdue\""));
    assert!(page.body.contains("href=\"/admin/records\""), "the menu links it");
    for phone in [VOLUNTEER, ORG_ADMIN] {
        let visitor = Visitor::new(&server);
        visitor.login(phone, DEMO_PASSWORD).await;
        let refused = visitor.get("/admin/records").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{phone}");
        assert!(refused.body.contains("无权访问"));
    }
    let organizer = Visitor::new(&server);
    organizer.login(ORG_ADMIN, DEMO_PASSWORD).await;
    assert!(
        organizer
            .get("/org/activities")
            .await
            .body
            .contains("href=\"/org/reports\"")
    );

    let volunteer = Visitor::new(&server);
    volunteer.login(VOLUNTEER, DEMO_PASSWORD).await;
    let before = volunteer.get("/me").await;
    assert!(before.body.contains("id=\"audit\""), "{}", before.body);
    assert!(!before.body.contains("查看了完整的身份证号或手机号"));
    volunteer.get("/me?reveal=1").await;
    let after = volunteer.get("/me").await;
    assert!(after.body.contains("id=\"audit-trail\""), "{}", after.body);
    assert!(after.body.contains("查看了完整的身份证号或手机号"));
    assert!(after.body.contains("class=\"audit-actor\">李志愿"), "who read it");
    let english = volunteer.get("/me?lang=en").await;
    assert!(english.body.contains("Who has seen my data"));
    assert_eq!(
        volunteer.get("/me?audit=not-a-number").await.status,
        StatusCode::OK,
        "a stray cursor starts at the beginning"
    );
    for path in ["/me/certificates", "/me/reports", "/certificates"] {
        assert!(
            volunteer.get("/me").await.body.contains(&format!("href=\"{path}\"")),
            "{path}"
        );
    }
}

// ---------------------------------------------------------------- browser

type Outcome = Result<(), Box<dyn std::error::Error>>;

macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+).into());
        }
    };
}

/// chromedriver, started by the test on a free port and killed on drop.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    async fn start(binary: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new(binary);
        command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut driver = ChromeDriver { child, port };
        let status = format!("http://127.0.0.1:{port}/status");
        for _ in 0..100 {
            if let Ok(Some(exit)) = driver.child.try_wait() {
                panic!("chromedriver exited at once: {exit}");
            }
            if reqwest::get(&status).await.is_ok_and(|r| r.status().is_success()) {
                return driver;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        driver.stop();
        panic!("chromedriver did not answer on port {port} within 10 s");
    }

    /// Kills chromedriver and, through its process group, any browser it left.
    fn stop(&mut self) {
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        self.stop();
    }
}

fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::iter::once(PathBuf::from("/usr/bin/chromedriver"))
        .chain(std::env::split_paths(&path).map(|dir| dir.join("chromedriver")))
        .find(|candidate| candidate.is_file())
}

async fn open_browser(driver: &ChromeDriver, profile: &Path) -> Browser {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", format!("--user-data-dir={}", profile.display()),
                // a phone-sized window: the pages are laid out for phones first
                "--window-size=412,915",
            ],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap_or_else(|e| panic!("chromedriver could not start Chromium (/usr/bin/chromium): {e}"))
}

#[tokio::test]
async fn browser_journeys() {
    if std::env::var("ZHIYUAN_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("browser journeys skipped: ZHIYUAN_SKIP_BROWSER=1");
        return;
    }
    let Some(binary) = chromedriver() else {
        panic!(
            "chromedriver not found: install the Debian packages `chromium chromium-driver` \
             (apt-get install chromium chromium-driver), or set ZHIYUAN_SKIP_BROWSER=1 to skip the browser journeys"
        );
    };
    let server = start().await;
    let profile = tempfile::tempdir().unwrap();
    let driver = ChromeDriver::start(&binary).await;
    let browser = open_browser(&driver, profile.path()).await;
    let outcome = journeys(&browser, &server.base, driver.port).await;
    if outcome.is_err() {
        let url = browser.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let source = browser.source().await.unwrap_or_default();
        eprintln!("browser at {url} showed:\n{source}");
    }
    let _ = browser.close().await;
    drop(driver);
    if let Err(error) = outcome {
        panic!("browser journey failed: {error}");
    }
}

async fn journeys(browser: &Browser, base: &str, driver_port: u16) -> Outcome {
    english_on_request(browser, base).await?;
    register_a_volunteer(browser, base).await?;
    bad_id_number_is_explained(browser, base).await?;
    county_admin_verifies_an_organization(browser, base).await?;
    volunteer_is_kept_out_of_administration(browser, base).await?;
    let served = volunteer_serves_and_sees_the_hours(browser, base).await?;
    certificate_agrees_until_the_record_is_revoked(browser, base, &served).await?;
    orders::a_resident_orders_and_rates(browser, base).await?;
    dashboard::county_office_reads_its_dashboard(browser, base).await?;
    benefits::a_benefit_is_offered_redeemed_and_checked_once(browser, base).await?;
    check_in_needs_the_place(browser, base, driver_port).await
}

async fn wait_for(browser: &Browser, css: &str) -> Result<fantoccini::elements::Element, Box<dyn std::error::Error>> {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match browser.wait().at_most(left).for_element(Locator::Css(css)).await {
            Ok(element) => return Ok(element),
            // A look sent while a submitted form's answer replaces the page is
            // aborted by that navigation: look again on the new page.
            Err(error) if error.to_string().contains("aborted by navigation") && !left.is_zero() => continue,
            Err(error) => return Err(format!("waiting for {css}: {error}").into()),
        }
    }
}

async fn text(browser: &Browser, css: &str) -> Result<String, Box<dyn std::error::Error>> {
    Ok(wait_for(browser, css).await?.text().await?)
}

async fn fill(browser: &Browser, id: &str, value: &str) -> Outcome {
    let field = browser.find(Locator::Id(id)).await?;
    field.clear().await?;
    field.send_keys(value).await?;
    Ok(())
}

async fn submit(browser: &Browser) -> Outcome {
    browser
        .find(Locator::Css("main form.form button[type=submit]"))
        .await?
        .click()
        .await?;
    Ok(())
}

async fn log_in(browser: &Browser, base: &str, phone: &str) -> Outcome {
    browser.goto(&format!("{base}/login")).await?;
    fill(browser, "phone", phone).await?;
    fill(browser, "password", DEMO_PASSWORD).await?;
    submit(browser).await?;
    wait_for(browser, "#user-name").await?;
    Ok(())
}

async fn log_out(browser: &Browser) -> Outcome {
    browser.find(Locator::Id("logout")).await?.click().await?;
    wait_for(browser, "header a[href='/login']").await?;
    Ok(())
}

/// (4) `?lang=en` switches to English, the cookie keeps it, the switch link goes back.
async fn english_on_request(browser: &Browser, base: &str) -> Outcome {
    browser.goto(&format!("{base}/?lang=en")).await?;
    let html = wait_for(browser, "html").await?;
    ensure!(html.attr("lang").await?.as_deref() == Some("en"), "html lang is not en");
    ensure!(
        text(browser, "header a[href='/login']").await? == "Log in",
        "English menu"
    );
    browser.goto(&format!("{base}/login")).await?;
    ensure!(
        text(browser, "label[for=phone]").await? == "Mobile phone number",
        "the cookie keeps English"
    );
    browser.find(Locator::Id("switch-lang")).await?.click().await?;
    wait_for(browser, "html[lang='zh-CN']").await?;
    ensure!(text(browser, "label[for=phone]").await? == "手机号", "back to Chinese");
    Ok(())
}

/// (1) Self-registration lands on "my profile" with the number and a masked ID.
async fn register_a_volunteer(browser: &Browser, base: &str) -> Outcome {
    let id = an_id(61);
    browser.goto(&format!("{base}/register")).await?;
    fill(browser, "name", "王小明").await?;
    fill(browser, "id_number", &id).await?;
    fill(browser, "phone", "13700000061").await?;
    fill(browser, "password", PASSWORD).await?;
    fill(browser, "region_code", COMMUNITY).await?;
    browser
        .find(Locator::Id("political_status"))
        .await?
        .select_by_value("league_member")
        .await?;
    fill(browser, "skills", "急救 摄影").await?;
    browser.find(Locator::Id("consent_location")).await?.click().await?;
    submit(browser).await?;
    let number = text(browser, "#volunteer-no").await?;
    ensure!(
        number.starts_with("V360111") && number.len() == 18,
        "volunteer number {number}"
    );
    let shown = text(browser, "#id-number").await?;
    ensure!(shown == masked(&id), "ID shown as {shown}");
    ensure!(text(browser, "#skills").await? == "急救、摄影", "skills");
    ensure!(
        text(browser, "#consents").await?.contains("位置记录：已同意"),
        "location consent"
    );
    browser.find(Locator::Id("reveal-id")).await?.click().await?;
    wait_for(browser, "#hide-id").await?;
    ensure!(text(browser, "#id-number").await? == id, "the whole ID on request");
    log_out(browser).await
}

/// (2) A wrong ID number is explained next to its field; the name stays.
async fn bad_id_number_is_explained(browser: &Browser, base: &str) -> Outcome {
    browser.goto(&format!("{base}/register")).await?;
    fill(browser, "name", "张三丰").await?;
    fill(browser, "id_number", &with_wrong_check(&an_id(62))).await?;
    fill(browser, "phone", "13700000062").await?;
    fill(browser, "password", PASSWORD).await?;
    fill(browser, "region_code", COMMUNITY).await?;
    submit(browser).await?;
    let error = text(browser, "#id_number-error").await?;
    ensure!(error.contains("身份证号码不正确"), "error shown: {error}");
    let field = browser.find(Locator::Id("id_number")).await?;
    ensure!(
        field.attr("aria-invalid").await?.as_deref() == Some("true"),
        "the field is marked invalid"
    );
    let name = browser.find(Locator::Id("name")).await?.prop("value").await?;
    ensure!(name.as_deref() == Some("张三丰"), "name kept: {name:?}");
    let password = browser.find(Locator::Id("password")).await?.prop("value").await?;
    ensure!(password.as_deref() == Some(""), "the password is not kept");
    Ok(())
}

/// (3) The county administrator verifies a waiting organization.
async fn county_admin_verifies_an_organization(browser: &Browser, base: &str) -> Outcome {
    log_in(browser, base, COUNTY_ADMIN).await?;
    ensure!(
        text(browser, "#user-name").await? == "青山湖区文明办",
        "logged in as the county office"
    );
    browser.goto(&format!("{base}/admin/organizations")).await?;
    let row = wait_for(browser, "tr.unverified").await?;
    let row_id = row.attr("id").await?.unwrap_or_default();
    let name = row.find(Locator::Css(".org-name")).await?.text().await?;
    ensure!(PENDING.contains(&name.as_str()), "unexpected organization {name}");
    row.find(Locator::Css("form.verify button")).await?.click().await?;
    let notice = text(browser, "#notice").await?;
    ensure!(
        notice.contains(&name) && notice.contains("已审核通过"),
        "notice: {notice}"
    );
    ensure!(
        browser.find_all(Locator::Id(&row_id)).await?.is_empty(),
        "{name} left the queue"
    );
    browser
        .goto(&format!("{base}/admin/organizations?status=verified"))
        .await?;
    let status = text(browser, &format!("#{row_id} .org-status")).await?;
    ensure!(status == "已认证", "{name} shows as {status}");
    log_out(browser).await
}

/// (5) A volunteer opening the administration gets the 403 page.
async fn volunteer_is_kept_out_of_administration(browser: &Browser, base: &str) -> Outcome {
    log_in(browser, base, VOLUNTEER).await?;
    browser.goto(&format!("{base}/admin/volunteers")).await?;
    ensure!(text(browser, "h1").await? == "无权访问", "403 page title");
    ensure!(text(browser, "#problem").await?.contains("权限"), "403 explanation");
    browser.goto(&format!("{base}/admin/dashboard")).await?;
    ensure!(text(browser, "h1").await? == "无权访问", "no dashboard for a volunteer");
    browser.goto(&format!("{base}/admin/exports/volunteers")).await?;
    ensure!(text(browser, "h1").await? == "无权访问", "no export for a volunteer");
    ensure!(
        browser
            .find_all(Locator::Css("header a[href='/admin/volunteers']"))
            .await?
            .is_empty(),
        "no administration links for a volunteer"
    );
    log_out(browser).await
}

/// The path of the check-in link the board shows.
async fn board_code(browser: &Browser) -> Result<String, Box<dyn std::error::Error>> {
    let link = wait_for(browser, "#checkin-link").await?;
    let url = link.attr("href").await?.unwrap_or_default();
    let at = url.find("/c/").ok_or_else(|| format!("no check-in link: {url}"))?;
    Ok(url[at..].to_string())
}

/// The organizer's board: its script runs, and it shows the code of `kind`.
async fn organizer_shows_the_code(
    browser: &Browser,
    base: &str,
    activity: &str,
    kind: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    log_in(browser, base, ORG_ADMIN).await?;
    browser.goto(&format!("{base}/org/activities")).await?;
    wait_for(browser, &format!("#org-activity-{activity} a.board-link"))
        .await?
        .click()
        .await?;
    wait_for(browser, "#board[data-script='running']").await?;
    ensure!(
        browser.find(Locator::Id("fullscreen")).await?.is_displayed().await?,
        "the script offers full screen"
    );
    ensure!(
        !browser.find_all(Locator::Css("#qr svg")).await?.is_empty(),
        "the QR code is on the board"
    );
    if kind == "out" {
        browser.find(Locator::Id("show-out")).await?.click().await?;
        wait_for(browser, "#show-out[aria-current='page']").await?;
    }
    let code = board_code(browser).await?;
    log_out(browser).await?;
    Ok(code)
}

/// The volunteer opens the scanned code and presses the big button.
async fn volunteer_scans(browser: &Browser, base: &str, code: &str, expected: &str) -> Outcome {
    log_in(browser, base, VOLUNTEER).await?;
    browser.goto(&format!("{base}{code}")).await?;
    wait_for(browser, "#checkin-form[data-script='ready']").await?;
    browser.find(Locator::Id("checkin-submit")).await?.click().await?;
    let result = text(browser, "#checkin-result").await?;
    ensure!(result.contains(expected), "check-in result: {result}");
    log_out(browser).await
}

/// (6) A volunteer finds an activity by a two-character word, signs up,
/// checks in and out with the codes the organizer's board shows; the
/// organizer confirms the record; the volunteer sees it in their hours.
/// Returns the activity.
async fn volunteer_serves_and_sees_the_hours(
    browser: &Browser,
    base: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    // It ends before the fenced one of the next journey starts.
    let activity = publish(base, "社区养老服务", -10, 20, json!({})).await;
    log_in(browser, base, VOLUNTEER).await?;
    browser.find(Locator::Id("nav-activities")).await?.click().await?;
    fill(browser, "q", "养老").await?;
    submit(browser).await?;
    // The answer to the search, not the list the menu opened (the attribute
    // is the server's; typing changes only the property).
    wait_for(browser, "input#q[value='养老']").await?;
    wait_for(browser, &format!("#activity-{activity} a.activity-title"))
        .await?
        .click()
        .await?;
    ensure!(
        text(browser, "#activity-title").await? == "社区养老服务",
        "the activity page"
    );
    browser.find(Locator::Id("sign-up")).await?.click().await?;
    let notice = text(browser, "#notice").await?;
    ensure!(notice.contains("报名成功"), "sign-up notice: {notice}");
    ensure!(text(browser, "#my-status").await? == "已通过", "approved");
    log_out(browser).await?;

    let code = organizer_shows_the_code(browser, base, &activity, "in").await?;
    volunteer_scans(browser, base, &code, "签到成功").await?;
    let code = organizer_shows_the_code(browser, base, &activity, "out").await?;
    volunteer_scans(browser, base, &code, "签退成功").await?;

    log_in(browser, base, ORG_ADMIN).await?;
    browser.goto(&format!("{base}/activities/{activity}/records")).await?;
    wait_for(browser, "tr[data-state='pending'] form.confirm button")
        .await?
        .click()
        .await?;
    ensure!(text(browser, "#notice").await?.contains("已确认"), "confirmed");
    ensure!(
        text(browser, ".record-state").await? == "已确认",
        "the record shows as confirmed"
    );
    log_out(browser).await?;

    log_in(browser, base, VOLUNTEER).await?;
    browser.find(Locator::Id("nav-my-hours")).await?.click().await?;
    let row = wait_for(browser, "#hour-records tr[data-state='effective']").await?;
    let shown = row.text().await?;
    ensure!(
        shown.contains("社区养老服务") && shown.contains("已确认"),
        "hours row: {shown}"
    );
    let stars = text(browser, "#stars").await?;
    ensure!(stars.chars().count() == 5, "five stars drawn: {stars}");
    let effective = text(browser, "#effective-hours").await?;
    ensure!(effective.parse::<f64>().is_ok(), "effective hours: {effective}");
    log_out(browser).await?;
    Ok(activity)
}

/// (7) The volunteer issues a certificate on "my certificates" and opens its
/// verification page: the ledger agrees. The organizer revokes the record
/// on the review page; the verification page, found by its number, then
/// says the ledger no longer agrees and why.
async fn certificate_agrees_until_the_record_is_revoked(browser: &Browser, base: &str, activity: &str) -> Outcome {
    // The check-ins of the journey before lasted seconds: add confirmed hours.
    let record = confirmed_hours(base, activity, 50, 10).await;
    log_in(browser, base, VOLUNTEER).await?;
    browser.find(Locator::Id("nav-my-certificates")).await?.click().await?;
    wait_for(browser, "#issue-form").await?;
    browser.find(Locator::Id("issue-submit")).await?.click().await?;
    let number = text(browser, "#issued-number").await?;
    ensure!(number.starts_with("ZY"), "certificate number {number}");
    browser.find(Locator::Id("issued-verify")).await?.click().await?;
    let verdict = text(browser, "#verdict[data-agrees='1']").await?;
    ensure!(verdict.contains("核对一致"), "verdict: {verdict}");
    ensure!(
        text(browser, "#certificate-number").await? == number,
        "the page of this certificate"
    );
    log_out(browser).await?;

    log_in(browser, base, ORG_ADMIN).await?;
    browser.goto(&format!("{base}/activities/{activity}/records")).await?;
    fill(browser, &format!("revoke-reason-{record}"), "核实未到场").await?;
    wait_for(browser, &format!("#record-{record} form.revoke button"))
        .await?
        .click()
        .await?;
    ensure!(text(browser, "#notice").await?.contains("已撤销"), "revoked");
    log_out(browser).await?;

    browser.find(Locator::Id("footer-verify")).await?.click().await?;
    fill(browser, "number", &number).await?;
    submit(browser).await?;
    let verdict = text(browser, "#verdict[data-agrees='0']").await?;
    ensure!(verdict.contains("核对不一致"), "verdict: {verdict}");
    let why = text(browser, "#discrepancies").await?;
    ensure!(why.contains("已被撤销"), "explained: {why}");
    Ok(())
}

/// Lets the pages of this browser know where the phone is, through
/// chromedriver's Chrome DevTools endpoint.
async fn place_the_phone(browser: &Browser, driver_port: u16, lat: f64, lon: f64) -> Outcome {
    let session = browser.session_id().await?.ok_or("no WebDriver session")?;
    let endpoint = format!("http://127.0.0.1:{driver_port}/session/{session}/goog/cdp/execute");
    let client = Client::new();
    for (cmd, params) in [
        ("Browser.grantPermissions", json!({"permissions": ["geolocation"]})),
        (
            "Emulation.setGeolocationOverride",
            json!({"latitude": lat, "longitude": lon, "accuracy": 10}),
        ),
    ] {
        let answer = client
            .post(&endpoint)
            .json(&json!({"cmd": cmd, "params": params}))
            .send()
            .await?;
        ensure!(answer.status().is_success(), "{cmd}: {}", answer.text().await?);
    }
    Ok(())
}

/// (8) An activity with a geofence: the check-in page asks the phone where it
/// is; two kilometres away the refusal is explained, on the spot it is accepted.
async fn check_in_needs_the_place(browser: &Browser, base: &str, driver_port: u16) -> Outcome {
    let activity = publish(base, "广场健康义诊", 15, 60, json!({"radius_m": 300})).await;
    log_in(browser, base, VOLUNTEER).await?;
    browser.goto(&format!("{base}/activities/{activity}")).await?;
    wait_for(browser, "#sign-up").await?.click().await?;
    wait_for(browser, "#notice").await?;
    log_out(browser).await?;
    let code = organizer_shows_the_code(browser, base, &activity, "in").await?;

    log_in(browser, base, VOLUNTEER).await?;
    place_the_phone(browser, driver_port, 28.70, 115.9486).await?;
    browser.goto(&format!("{base}{code}")).await?;
    wait_for(browser, "#checkin-form[data-fenced='1'][data-script='ready']").await?;
    ensure!(
        text(browser, "#location-note").await?.contains("300"),
        "the page says why it asks"
    );
    browser.find(Locator::Id("checkin-submit")).await?.click().await?;
    let refusal = text(browser, "#checkin-refusal").await?;
    ensure!(refusal.contains("不在活动地点附近"), "far away: {refusal}");
    place_the_phone(browser, driver_port, 28.6830, 115.9486).await?;
    wait_for(browser, "#checkin-form[data-script='ready']").await?;
    browser.find(Locator::Id("checkin-submit")).await?.click().await?;
    let result = text(browser, "#checkin-result").await?;
    ensure!(result.contains("签到成功"), "on the spot: {result}");
    log_out(browser).await
}

#[path = "browser/orders.rs"]
mod orders;

#[path = "browser/dashboard.rs"]
mod dashboard;

#[tokio::test]
async fn organizers_write_stories_with_photos_and_region_admins_review_them() {
    let server = start().await;
    let activity = publish(&server.base, "重阳敬老", 60, 120, json!({})).await;
    let organizer = Visitor::new(&server);
    organizer.login(ORG_ADMIN, DEMO_PASSWORD).await;
    let detail = organizer.get(&format!("/activities/{activity}")).await;
    let path = format!("/activities/{activity}/story");
    assert!(
        detail.body.contains(&format!("href=\"{path}\"")),
        "the organizer's link"
    );
    let form = organizer.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let volunteer = Visitor::new(&server);
    volunteer.login(VOLUNTEER, DEMO_PASSWORD).await;
    assert_eq!(volunteer.get(&path).await.status, StatusCode::FORBIDDEN);
    let fields = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("title", "<b>敬老</b>".to_string()),
            ("body", "包饺子".to_string()),
        ]
    };
    let refs = |owned: &[(&'static str, String)]| owned.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let sent = |owned: Vec<(&'static str, String)>, file: Vec<u8>| {
        let organizer = &organizer;
        let path = &path;
        async move {
            let pairs = refs(&owned);
            let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            organizer.post_multipart(path, &borrowed, "photos", Some(&file)).await
        }
    };
    // A real photo: 64 × 48 pixels, PNG.
    let mut photo = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(64, 48, image::Rgb([200, 80, 40])))
        .write_to(&mut std::io::Cursor::new(&mut photo), image::ImageFormat::Png)
        .unwrap();
    assert_eq!(sent(fields("x"), photo.clone()).await.status, StatusCode::FORBIDDEN);
    let refused = sent(fields(&csrf), b"GIF89a not a photo".to_vec()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("JPEG"), "the refusal in words: {}", refused.body);
    let written = sent(fields(&csrf), photo).await;
    assert_eq!(written.status, StatusCode::SEE_OTHER, "{}", written.body);
    let story_page = written.location().to_string();
    assert!(story_page.starts_with("/stories/"), "{story_page}");
    let own = organizer.get(&story_page).await;
    assert!(own.body.contains("id=\"story-state\""), "not public yet, and said so");
    assert!(
        own.body.contains("&#60;b&#62;") || own.body.contains("&lt;b&gt;"),
        "markup as text"
    );
    assert_eq!(
        Visitor::new(&server).get(&story_page).await.status,
        StatusCode::NOT_FOUND
    );
    // The county reviews its queue; the organizer has none.
    assert_eq!(organizer.get("/admin/stories").await.status, StatusCode::FORBIDDEN);
    let county = Visitor::new(&server);
    county.login(COUNTY_ADMIN, DEMO_PASSWORD).await;
    let queue = county.get("/admin/stories").await;
    let id = story_page.trim_start_matches("/stories/");
    assert!(queue.body.contains(&format!("id=\"story-{id}\"")), "{}", queue.body);
    let approved = county
        .post(&format!("/admin/stories/{id}/approve"), &[("csrf", &queue.csrf())])
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let public = Visitor::new(&server).get(&story_page).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public.body.contains(&format!("/api/v1/stories/{id}/photos/0")),
        "its photo"
    );
    assert!(!public.body.contains("id=\"story-state\""));
}

#[tokio::test]
async fn funding_calls_are_opened_applied_to_and_granted_from_their_pages() {
    let server = start().await;
    let today = china_clock(0).0;
    let county = Visitor::new(&server);
    county.login(COUNTY_ADMIN, DEMO_PASSWORD).await;
    let list = county.get("/funding").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let open = |budget: &'static str| {
        let county = &county;
        let csrf = list.csrf();
        let today = today.clone();
        async move {
            county
                .post(
                    "/funding",
                    &[
                        ("csrf", &csrf),
                        ("title", "社区助老示范项目"),
                        ("mode", "reward_for_subsidy"),
                        ("region_code", "360111"),
                        ("year", &today[..4]),
                        ("budget", budget),
                        ("max_projects", "2"),
                        ("opens_on", &today),
                        ("closes_on", &today),
                    ],
                )
                .await
        }
    };
    let refused = open("0").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("预算"), "the refusal in words");
    let opened = open("50000").await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let call_page = opened.location().to_string();
    let call = call_page.trim_start_matches("/funding/").to_string();

    // The organization applies with a project of its own.
    let (org, token) = demo_organization(&server.base).await;
    let project: serde_json::Value = Client::new()
        .post(format!("{}/api/v1/projects", server.base))
        .bearer_auth(&token)
        .json(&json!({"organization_id": org, "title": "助餐点", "category": "left_behind_elderly", "area_code": "360111"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let organizer = Visitor::new(&server);
    organizer.login(ORG_ADMIN, DEMO_PASSWORD).await;
    let page = organizer.get(&call_page).await;
    assert!(page.body.contains("助餐点"), "its project to apply with");
    assert!(!page.body.contains("/grant\""), "no grant form for the applicant");
    let applied = organizer
        .post(
            &format!("/funding/{call}/apply"),
            &[
                ("csrf", &page.csrf()),
                ("project_id", project["id"].as_str().unwrap()),
                ("amount", "40000"),
                ("plan", "每天午餐"),
            ],
        )
        .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER, "{}", applied.body);

    // The county grants too much, is told, then grants within the budget.
    let page = county.get(&call_page).await;
    let marker = "action=\"/funding/applications/";
    let start = page.body.find(marker).expect("an application to decide on") + marker.len();
    let application = page.body[start..].split('/').next().unwrap().to_string();
    let grant = |amount: &'static str| {
        let county = &county;
        let csrf = page.csrf();
        let path = format!("/funding/applications/{application}/grant");
        async move { county.post(&path, &[("csrf", &csrf), ("amount", amount)]).await }
    };
    let too_much = grant("40001").await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", too_much.body);
    let granted = grant("40000").await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);
    let page = county.get(&call_page).await;
    assert!(page.body.contains("id=\"granted\">40000 · 1/2"), "{}", page.body);
}

#[tokio::test]
async fn an_award_campaign_is_run_from_its_pages() {
    let server = start().await;
    let today = china_clock(0).0;
    let county = Visitor::new(&server);
    county.login(COUNTY_ADMIN, DEMO_PASSWORD).await;
    let list = county.get("/awards").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let opened = county
        .post(
            "/awards",
            &[
                ("csrf", &list.csrf()),
                ("title", "青山湖区优秀志愿者"),
                ("kind", "outstanding_volunteer"),
                ("region_code", "360111"),
                ("year", &today[..4]),
                ("county_quota", "1"),
                ("city_quota", "1"),
                ("province_quota", "1"),
                ("nominate_until", &today),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let campaign_page = opened.location().to_string();
    let campaign = campaign_page.trim_start_matches("/awards/").to_string();
    // The organization nominates its member, the demo volunteer.
    let organizer = Visitor::new(&server);
    organizer.login(ORG_ADMIN, DEMO_PASSWORD).await;
    let page = organizer.get(&campaign_page).await;
    let member = volunteer_id(&server.base).await;
    let nominated = organizer
        .post(
            &format!("/awards/{campaign}/nominate"),
            &[
                ("csrf", &page.csrf()),
                ("nominee", &member),
                ("reason", "常年陪伴社区老人"),
            ],
        )
        .await;
    assert_eq!(nominated.status, StatusCode::SEE_OTHER, "{}", nominated.body);
    let again = organizer
        .post(
            &format!("/awards/{campaign}/nominate"),
            &[("csrf", &page.csrf()), ("nominee", &member), ("reason", "再次")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("已经推荐过"), "the refusal in words");
    // The county sees the nominee with hours and passes it on.
    let page = county.get(&campaign_page).await;
    let marker = "action=\"/nominations/";
    let start = page.body.find(marker).expect("a nomination to review") + marker.len();
    let nomination = page.body[start..].split('/').next().unwrap().to_string();
    let passed = county
        .post(&format!("/nominations/{nomination}/pass"), &[("csrf", &page.csrf())])
        .await;
    assert_eq!(passed.status, StatusCode::SEE_OTHER, "{}", passed.body);
    let page = county.get(&campaign_page).await;
    assert!(page.body.contains("市级评审"), "now at the city: {}", page.body);
    // The campaign is the county's own: it publishes the result.
    let published = county
        .post(&format!("/awards/{campaign}/publish"), &[("csrf", &page.csrf())])
        .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
}

#[tokio::test]
async fn the_province_records_designations_on_the_sites_page() {
    let server = start().await;
    let province = Visitor::new(&server);
    province.login("13800000001", DEMO_PASSWORD).await;
    let list = province.get("/admin/sites?region=360111").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let marker = "action=\"/admin/sites/";
    let start = list.body.find(marker).expect("a site") + marker.len();
    let site = list.body[start..].split('/').next().unwrap().to_string();
    let designate = |level: &str, year: &str| {
        let who = &province;
        let path = format!("/admin/sites/{site}/designation");
        let fields = [
            ("csrf", list.csrf()),
            ("level", level.to_string()),
            ("year", year.to_string()),
            ("region", "360111".to_string()),
        ];
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            who.post(&path, &refs).await
        }
    };
    let bad_year = designate("national", "2017").await;
    assert_eq!(bad_year.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_year.body.contains("2018"), "the refusal in words");
    let saved = designate("national", "2019").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let national = province.get("/admin/sites?region=360111&designation=national").await;
    assert!(
        national.body.contains(&format!("id=\"site-{site}\"")),
        "{}",
        national.body
    );
    let county = Visitor::new(&server);
    county.login(COUNTY_ADMIN, DEMO_PASSWORD).await;
    let page = county.get("/admin/sites?region=360111").await;
    let fields = [
        ("csrf", page.csrf()),
        ("level", String::new()),
        ("year", String::new()),
        ("region", "360111".to_string()),
    ];
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let withdrawn = county.post(&format!("/admin/sites/{site}/designation"), &refs).await;
    assert_eq!(
        withdrawn.status,
        StatusCode::FORBIDDEN,
        "a county withdraws no national designation"
    );
}

#[path = "browser/benefits.rs"]
mod benefits;
