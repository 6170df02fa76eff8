//! The dashboard in the browser: the county office sees its headline
//! figures (the loop the resident closed before is counted), the trend drawn as an SVG with its text alternative, the daily
//! ranking of its townships, exports its statistics with a progress
//! line, drills down into a township and back up, narrows the figures to
//! designated sites, and opens the big screen.

use super::*;

/// The text of `css` once it contains `needle` (up to 5 s: right after a
/// click the page before may still be shown), or the last text seen.
async fn text_with(browser: &Browser, css: &str, needle: &str) -> Result<String, Box<dyn std::error::Error>> {
    let mut shown = String::new();
    for _ in 0..50 {
        shown = text(browser, css).await.unwrap_or_default();
        if shown.contains(needle) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Ok(shown)
}

/// Submits the dashboard's period form.
async fn submit_search(browser: &Browser) -> Outcome {
    browser
        .find(Locator::Css("form.search button[type=submit]"))
        .await?
        .click()
        .await?;
    Ok(())
}

/// (11) After the resident's rated order: the county's dashboard counts it.
pub async fn county_office_reads_its_dashboard(browser: &Browser, base: &str) -> Outcome {
    log_in(browser, base, COUNTY_ADMIN).await?;
    wait_for(browser, "#nav-dashboard").await?.click().await?;
    let title = text_with(browser, "#dashboard-title", "青山湖区").await?;
    ensure!(title.contains("青山湖区"), "dashboard title: {title}");
    let loops = text(browser, "#figure-loops .value").await?;
    ensure!(loops == "1", "the loop closed this year: {loops}");
    let satisfaction = text(browser, "#figure-satisfaction .value").await?;
    ensure!(satisfaction != "0", "its rating: {satisfaction}");
    let volunteers = text(browser, "#figure-volunteers .value").await?;
    ensure!(
        volunteers.parse::<u64>().is_ok_and(|v| v > 0),
        "volunteers: {volunteers}"
    );
    let chart = wait_for(browser, "#trend-chart svg[role='img']").await?;
    let label = chart.attr("aria-labelledby").await?.unwrap_or_default();
    ensure!(label.contains("trend-title"), "the chart names its title: {label}");
    ensure!(
        !browser
            .find_all(Locator::Css("#trend-table tbody tr"))
            .await?
            .is_empty(),
        "the trend's numbers as a table"
    );
    let first = text(browser, "#ranking tbody tr td:nth-child(2)").await?;
    ensure!(!first.is_empty(), "a township leads the ranking");
    // An export shows its progress and says when it is done.
    wait_for(browser, "#export-statistics-csv").await?.click().await?;
    let status = text_with(browser, "#export-status", "导出完成").await?;
    ensure!(status.contains("导出完成"), "the export's status: {status}");
    // Into the first township below, and back up.
    let child = wait_for(browser, "#children tbody a").await?;
    let township = child.text().await?;
    child.click().await?;
    let title = text_with(browser, "#dashboard-title", &township).await?;
    ensure!(title.contains(&township), "drilled into {township}: {title}");
    wait_for(browser, "#to-parent").await?.click().await?;
    let title = text_with(browser, "#dashboard-title", "青山湖区").await?;
    ensure!(title.contains("青山湖区"), "back at the county: {title}");
    // A bad period is explained, not a crash.
    browser
        .goto(&format!("{base}/admin/dashboard?from=2026-03-02&to=2026-03-01"))
        .await?;
    let error = text_with(browser, "#dashboard-error", "结束日期").await?;
    ensure!(error.contains("结束日期"), "the refusal in words: {error}");
    // Only designated sites: none here yet, so nothing is counted.
    browser.goto(&format!("{base}/admin/dashboard")).await?;
    wait_for(browser, "#designation")
        .await?
        .select_by_value("national")
        .await?;
    submit_search(browser).await?;
    wait_for(browser, "#designation-note").await?;
    let volunteers = text(browser, "#figure-volunteers .value").await?;
    ensure!(volunteers == "0", "no designated site, no volunteers: {volunteers}");
    browser.goto(&format!("{base}/admin/dashboard")).await?;
    wait_for(browser, "#open-screen").await?.click().await?;
    let screen = text_with(browser, "#screen-title", "大屏").await?;
    ensure!(screen.contains("大屏"), "the wall display: {screen}");
    browser.goto(&format!("{base}/")).await?;
    log_out(browser).await
}
