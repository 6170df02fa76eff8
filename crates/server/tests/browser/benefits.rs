//! Benefits in the browser: the county office offers one from its page,
//! the volunteer redeems it and sees the code with its QR, the provider's
//! clerk looks the code up as typed on the check desk, marks it used, and
//! the same code then shows as used.

use super::*;

const SITE_MANAGER: &str = "13800000003";

/// Sets a field the way a native picker would (a date input takes no
/// typed text in a fixed format).
async fn set_value(browser: &Browser, id: &str, value: &str) -> Outcome {
    browser
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![json!(id), json!(value)],
        )
        .await?;
    Ok(())
}

/// (12) Offer, redeem, check once.
pub async fn a_benefit_is_offered_redeemed_and_checked_once(browser: &Browser, base: &str) -> Outcome {
    let today = china_clock(0).0;
    log_in(browser, base, COUNTY_ADMIN).await?;
    wait_for(browser, "#nav-admin-benefits").await?.click().await?;
    wait_for(browser, "#offer-form").await?;
    fill(browser, "title", "八一起义纪念馆讲解服务").await?;
    fill(browser, "provider", "八一起义纪念馆").await?;
    fill(browser, "stock", "3").await?;
    set_value(browser, "valid_from", &today).await?;
    set_value(browser, "valid_to", &today).await?;
    submit(browser).await?;
    wait_for(browser, "#offered").await?;
    let listed = text(browser, "#catalogue tbody").await?;
    ensure!(
        listed.contains("八一起义纪念馆讲解服务"),
        "the catalogue lists it: {listed}"
    );
    log_out(browser).await?;

    log_in(browser, base, VOLUNTEER).await?;
    wait_for(browser, "#nav-my-benefits").await?.click().await?;
    let balance = text(browser, "#points-balance").await?;
    ensure!(balance.parse::<i64>().is_ok(), "a balance: {balance}");
    let offered = wait_for(browser, "#open-benefits li").await?;
    ensure!(
        offered.text().await?.contains("八一起义纪念馆讲解服务"),
        "the benefit is open to the volunteer"
    );
    offered.find(Locator::Css("button.redeem")).await?.click().await?;
    wait_for(browser, "#redeemed").await?;
    let code = text(browser, ".redemption-code").await?;
    ensure!(code.len() == 10, "a ten-character code: {code}");
    wait_for(browser, "li[data-used='false'] figure.qr svg").await?;
    log_out(browser).await?;

    // The county appoints the site manager as the museum's clerk.
    let county = api_token(base, COUNTY_ADMIN).await;
    let client = Client::new();
    let catalogue: serde_json::Value = client
        .get(format!("{base}/api/v1/benefits"))
        .bearer_auth(&county)
        .send()
        .await?
        .json()
        .await?;
    let provider = catalogue["items"][0]["provider_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let appointed = client
        .post(format!("{base}/api/v1/role-grants"))
        .bearer_auth(&county)
        .json(&json!({"phone": SITE_MANAGER, "role": "benefit_provider", "scope_id": provider}))
        .send()
        .await?;
    ensure!(
        appointed.status() == StatusCode::CREATED,
        "appointed: {}",
        appointed.status()
    );

    log_in(browser, base, SITE_MANAGER).await?;
    wait_for(browser, "#nav-check-desk").await?.click().await?;
    // Typed as a clerk reads it: lower case, with a dash.
    fill(
        browser,
        "code",
        &format!("{}-{}", &code[..5], &code[5..]).to_lowercase(),
    )
    .await?;
    wait_for(browser, "#look-up").await?.click().await?;
    let title = text(browser, "#benefit-title").await?;
    ensure!(title == "八一起义纪念馆讲解服务", "the code's benefit: {title}");
    let who = text(browser, "#volunteer").await?;
    ensure!(who.contains(" · V360111"), "the volunteer and their number: {who}");
    wait_for(browser, "#check-code").await?.click().await?;
    wait_for(browser, "#checked").await?;
    browser.goto(&format!("{base}/r/{code}")).await?;
    wait_for(browser, "#already-used").await?;
    ensure!(
        browser.find_all(Locator::Id("check-code")).await?.is_empty(),
        "no second check"
    );
    log_out(browser).await
}
