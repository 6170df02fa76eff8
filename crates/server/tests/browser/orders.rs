//! The ordering loop in the browser: a resident orders from their
//! station's page, the center's manager dispatches from the board with the
//! candidates' reasons, the organization accepts and completes, and the
//! resident rates and sees the whole timeline.

use super::*;

const RESIDENT: &str = "13800000006";
const SITE_MANAGER: &str = "13800000003";

async fn click(browser: &Browser, css: &str) -> Outcome {
    wait_for(browser, css).await?.click().await?;
    Ok(())
}

/// The order page shows `expected`; waits up to 5 s, since the page before
/// a step (with its own notice) may still be shown right after the click.
async fn state_is(browser: &Browser, expected: &str) -> Outcome {
    let mut shown = String::new();
    for _ in 0..50 {
        shown = text(browser, "#order-state").await.unwrap_or_default();
        if shown == expected {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    ensure!(shown == expected, "the order shows {shown}, not {expected}");
    Ok(())
}

/// (9) Order → dispatch → accept → complete → rate, each by its own person.
pub async fn a_resident_orders_and_rates(browser: &Browser, base: &str) -> Outcome {
    log_in(browser, base, RESIDENT).await?;
    click(browser, "#nav-order").await?;
    // The menus near the resident: their station first.
    let first = wait_for(browser, "section.menu").await?;
    let station = first.attr("data-site").await?.unwrap_or_default();
    click(browser, &format!("#other-need-{station}")).await?;
    wait_for(browser, "#order-form")
        .await?
        .find(Locator::Id("category"))
        .await?
        .select_by_value("left_behind_elderly")
        .await?;
    fill(browser, "content", "帮忙买药送到家，谢谢").await?;
    fill(browser, "address", "电化社区3栋2单元").await?;
    click(browser, "#order-submit").await?;
    wait_for(browser, "#notice").await?;
    state_is(browser, "待派单").await?;
    let order_url = browser.current_url().await?;
    let order_path = order_url.path().to_string();
    log_out(browser).await?;

    log_in(browser, base, SITE_MANAGER).await?;
    click(browser, "#nav-dispatch-board").await?;
    let order_id = order_path.trim_start_matches("/orders/").to_string();
    let figures = text(browser, "p.figures").await?;
    ensure!(figures.starts_with("点单 1 · 闭环 0"), "the board's figures: {figures}");
    let left = text(browser, &format!("#order-{order_id} .time-left")).await?;
    ensure!(
        left.contains("小时") || left.contains("分钟"),
        "time left shown as {left}"
    );
    click(browser, &format!("#order-{order_id} a")).await?;
    let why = text(browser, "#candidates .why").await?;
    ensure!(why.contains("服务类别") && why.contains("距离"), "reasons: {why}");
    click(browser, "#candidates form.dispatch button").await?;
    wait_for(browser, "#notice").await?;
    state_is(browser, "已派单，待接单").await?;
    log_out(browser).await?;

    log_in(browser, base, ORG_ADMIN).await?;
    click(browser, "#nav-org-orders").await?;
    click(browser, &format!("#order-{order_id} a")).await?;
    fill(browser, "lat", "28.6829").await?;
    fill(browser, "lon", "115.9486").await?;
    click(browser, "#accept-order").await?;
    wait_for(browser, "#notice").await?;
    state_is(browser, "已接单").await?;
    click(browser, "#order-activity").await?;
    ensure!(
        text(browser, "#serves-order").await?.ends_with(&order_id),
        "the delivery activity names its order"
    );
    browser.back().await?;
    fill(browser, "report", "药已送到，老人身体还好").await?;
    click(browser, "#complete-order").await?;
    wait_for(browser, "#notice").await?;
    state_is(browser, "已完成，待评价").await?;
    log_out(browser).await?;

    log_in(browser, base, RESIDENT).await?;
    click(browser, "#nav-my-orders").await?;
    click(browser, &format!("#order-{order_id} a")).await?;
    click(browser, "#rating-4").await?;
    fill(browser, "comment", "很及时").await?;
    click(browser, "#rate-order").await?;
    wait_for(browser, "#notice").await?;
    state_is(browser, "已评价").await?;
    ensure!(
        text(browser, "#order-rating").await?.starts_with("★★★★ "),
        "the rating is shown"
    );
    let steps = browser.find_all(Locator::Css("#timeline li")).await?.len();
    ensure!(steps == 5, "the timeline has {steps} steps");
    log_out(browser).await
}

fn as_pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn order_pages_keep_to_their_people() {
    let server = start().await;
    let resident = Visitor::new(&server);
    resident.login(RESIDENT, DEMO_PASSWORD).await;
    let menus = resident.get("/orders/new").await;
    assert_eq!(menus.status, StatusCode::OK);
    let marker = "id=\"other-need-";
    let at = menus.body.find(marker).expect("the station's menu") + marker.len();
    let station: String = menus.body[at..].chars().take_while(char::is_ascii_digit).collect();
    let form = |csrf: &str, content: &str| {
        vec![
            ("csrf".to_string(), csrf.to_string()),
            ("site".to_string(), station.clone()),
            ("category".to_string(), "left_behind_elderly".to_string()),
            ("content".to_string(), content.to_string()),
            ("address".to_string(), "电化社区3栋".to_string()),
        ]
    };
    let without_token = resident.post("/orders/new", &as_pairs(&form("", "帮忙"))).await;
    assert_eq!(without_token.status, StatusCode::FORBIDDEN);
    let csrf = resident.get(&format!("/orders/new?site={station}")).await.csrf();
    let empty = resident.post("/orders/new", &as_pairs(&form(&csrf, "  "))).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.body.contains("请写明需要什么帮助") && empty.body.contains("电化社区3栋"),
        "{}",
        empty.body
    );
    let placed = resident
        .post("/orders/new", &as_pairs(&form(&csrf, "<script>alert(1)</script>")))
        .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let order = placed.location().trim_end_matches("?done=placed").to_string();
    let shown = resident.get(&order).await;
    assert!(
        (shown.body.contains("&#60;script&#62;") || shown.body.contains("&lt;script&gt;"))
            && !shown.body.contains("<script>alert"),
        "escaped: {}",
        shown.body
    );
    assert!(shown.body.contains("cancel-order"), "the resident may cancel");
    assert!(!shown.body.contains("candidates"), "but sees no candidates");

    let volunteer = Visitor::new(&server);
    volunteer.login(VOLUNTEER, DEMO_PASSWORD).await;
    assert_eq!(volunteer.get("/site/orders").await.status, StatusCode::FORBIDDEN);
    assert_eq!(volunteer.get("/org/orders").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        volunteer.get(&order).await.status,
        StatusCode::FORBIDDEN,
        "a stranger's order"
    );
    let csrf = volunteer.get("/me").await.csrf();
    let dispatched = volunteer
        .post(
            &format!("{order}/dispatch"),
            &[("csrf", &csrf), ("organization_id", "1")],
        )
        .await;
    assert_eq!(dispatched.status, StatusCode::FORBIDDEN, "{}", dispatched.body);
    let unknown = volunteer.post(&format!("{order}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let english = resident.get("/orders/new?lang=en").await;
    assert!(english.body.contains("Order a service"), "{}", english.body);
}
