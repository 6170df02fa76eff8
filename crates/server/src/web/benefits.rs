//! The points and benefits pages: a volunteer's points, the benefits open
//! to them with a redeem button, and their codes with a QR each
//! (`/me/benefits`); a provider clerk's check desk (`/provider`) and the
//! page a code's QR opens (`/r/{code}`), where the clerk or a region
//! administrator marks it used; a region administrator's catalogue with
//! the offer form (`/admin/benefits`). Every check is `app::benefits`'s.

use crate::app::benefits::{self, BenefitForm};
use crate::state::AppState;
use crate::web::i18n::benefits::BenefitTexts;
use crate::web::i18n::{self, Texts};
use crate::web::page::{
    CsrfForm, Layout, Page, PageError, PageForm, PageQuery, PageResult, check_session_csrf, china_time, explained,
    filled, form_number, render, render_with,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use zhiyuan_domain::benefit::normalize_code;
use zhiyuan_domain::points::PointsReason;
use zhiyuan_store::benefits::{Benefit, Redemption};
use zhiyuan_store::parse_id;

/// A points entry as the history table shows it.
struct EntryRow {
    at: String,
    delta: String,
    reason: &'static str,
    balance: i64,
}

/// A redemption with its QR while unused.
struct CodeRow {
    redemption: Redemption,
    redeemed_at: String,
    checked_at: Option<String>,
    qr: Option<String>,
}

#[derive(Template)]
#[template(path = "my_benefits.html")]
struct MyBenefitsPage {
    t: &'static Texts,
    b: &'static BenefitTexts,
    layout: Layout,
    volunteer: bool,
    rate: u32,
    balance: i64,
    entries: Vec<EntryRow>,
    open: Vec<Benefit>,
    codes: Vec<CodeRow>,
    redeemed: Option<String>,
    csrf: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MineQuery {
    /// The code just redeemed.
    redeemed: String,
}

fn reason_text(b: &'static BenefitTexts, reason: &str) -> &'static str {
    match PointsReason::parse(reason) {
        Ok(PointsReason::Served) => b.reason_served,
        Ok(PointsReason::Corrected) => b.reason_record_corrected,
        Ok(PointsReason::Withdrawn) => b.reason_record_withdrawn,
        Ok(PointsReason::Redeemed) | Err(_) => b.reason_redeemed,
    }
}

/// `/me/benefits`: points, open benefits and the volunteer's codes.
pub async fn mine(page: Page, State(state): State<AppState>, PageQuery(query): PageQuery<MineQuery>) -> PageResult {
    let redeemed = filled(&query.redeemed).and_then(|code| normalize_code(&code));
    mine_page(&page, &state, redeemed, None, StatusCode::OK).await
}

async fn mine_page(
    page: &Page,
    state: &AppState,
    redeemed: Option<String>,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    let b = page.lang.benefit_texts();
    let volunteer = user.volunteer_id().is_some();
    let (mut balance, mut entries, mut open, mut codes) = (0, Vec::new(), Vec::new(), Vec::new());
    if volunteer {
        let account = benefits::my_points(state, user, None).await?;
        balance = account.balance;
        entries = account
            .entries
            .items
            .iter()
            .map(|entry| EntryRow {
                at: china_time(entry.at),
                delta: format!("{:+}", entry.delta),
                reason: reason_text(b, &entry.reason),
                balance: entry.balance,
            })
            .collect();
        open = benefits::benefits_for_me(state, user).await?;
        for redemption in benefits::my_redemptions(state, user).await? {
            let qr = match redemption.checked_at {
                Some(_) => None,
                None => {
                    let url = state.absolute_url(&format!("/r/{}", redemption.code));
                    Some(crate::qr::svg(&url).map_err(PageError::internal)?)
                }
            };
            codes.push(CodeRow {
                redeemed_at: china_time(redemption.redeemed_at),
                checked_at: redemption.checked_at.map(china_time),
                qr,
                redemption,
            });
        }
    }
    render_with(
        status,
        &MyBenefitsPage {
            t: page.t,
            b,
            layout: page.layout(),
            volunteer,
            rate: benefits::points_rate(state).await?.per_hour(),
            balance,
            entries,
            open,
            codes,
            redeemed,
            csrf: user.csrf_token.clone(),
            error,
        },
    )
}

/// POST `/benefits/{id}/redeem`: redeems one unit and shows the new code;
/// a refusal (no points, sold out, the limit) is explained on the page.
pub async fn redeem(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(form): PageForm<CsrfForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    match benefits::redeem(&state, user, parse_id(&id, "benefit")?).await {
        Ok(redemption) => Ok(Redirect::to(&format!(
            "/me/benefits?redeemed={code}#code-{code}",
            code = redemption.code
        ))
        .into_response()),
        Err(refused) => {
            let (message, status) = explained(page.lang, refused)?;
            mine_page(&page, &state, None, Some(message), status).await
        }
    }
}

/// One provider's recent redemptions on the desk.
struct UnitRows {
    name: String,
    rows: Vec<CodeRow>,
}

#[derive(Template)]
#[template(path = "check_desk.html")]
struct DeskPage {
    t: &'static Texts,
    b: &'static BenefitTexts,
    layout: Layout,
    units: Vec<UnitRows>,
    code: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeskQuery {
    code: String,
}

/// `/provider`: the check desk; a typed code goes to its page.
pub async fn desk(page: Page, State(state): State<AppState>, PageQuery(query): PageQuery<DeskQuery>) -> PageResult {
    let user = page.require_user()?;
    let b = page.lang.benefit_texts();
    let mut error = None;
    if let Some(typed) = filled(&query.code) {
        match normalize_code(&typed) {
            Some(code) => return Ok(Redirect::to(&format!("/r/{code}")).into_response()),
            None => error = Some(i18n::problem(page.lang, "not_found")),
        }
    }
    let mut units = Vec::new();
    for provider in benefits::my_providers(&state, user).await? {
        let (provider, page_of) = benefits::provider_redemptions(&state, user, provider.id, None, Some(20)).await?;
        let rows = page_of
            .items
            .into_iter()
            .map(|redemption| CodeRow {
                redeemed_at: china_time(redemption.redeemed_at),
                checked_at: redemption.checked_at.map(china_time),
                qr: None,
                redemption,
            })
            .collect();
        units.push(UnitRows {
            name: provider.name,
            rows,
        });
    }
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_with(
        status,
        &DeskPage {
            t: page.t,
            b,
            layout: page.layout(),
            units,
            code: query.code,
            error,
        },
    )
}

#[derive(Template)]
#[template(path = "check_code.html")]
struct CheckPage {
    t: &'static Texts,
    b: &'static BenefitTexts,
    layout: Layout,
    row: CodeRow,
    checked_now: bool,
    csrf: String,
    error: Option<&'static str>,
}

fn check_page(page: &Page, redemption: Redemption, checked_now: bool, error: Option<&'static str>) -> CheckPage {
    CheckPage {
        t: page.t,
        b: page.lang.benefit_texts(),
        layout: page.layout(),
        row: CodeRow {
            redeemed_at: china_time(redemption.redeemed_at),
            checked_at: redemption.checked_at.map(china_time),
            qr: None,
            redemption,
        },
        checked_now,
        csrf: page.user.as_ref().map(|u| u.csrf_token.clone()).unwrap_or_default(),
        error,
    }
}

/// `/r/{code}` (what a code's QR opens): the redemption for its provider's
/// clerk or a region administrator over it, with the button that uses it.
pub async fn code(page: Page, State(state): State<AppState>, Path(code): Path<String>) -> PageResult {
    let user = page.require_user()?;
    let redemption = benefits::redemption_to_check(&state, user, &code).await?;
    render(&check_page(&page, redemption, false, None))
}

/// POST `/r/{code}/check`: marks the code used, once.
pub async fn check(
    page: Page,
    State(state): State<AppState>,
    Path(code): Path<String>,
    PageForm(form): PageForm<CsrfForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    match benefits::check(&state, user, &code).await {
        Ok(redemption) => render(&check_page(&page, redemption, true, None)),
        Err(refused) => {
            let (message, status) = explained(page.lang, refused)?;
            let redemption = benefits::redemption_to_check(&state, user, &code).await?;
            render_with(status, &check_page(&page, redemption, false, Some(message)))
        }
    }
}

#[derive(Template)]
#[template(path = "admin_benefits.html")]
struct AdminPage<'a> {
    t: &'static Texts,
    b: &'static BenefitTexts,
    layout: Layout,
    /// The regions the form offers: (code, name).
    regions: Vec<(String, String)>,
    catalogue: Vec<Benefit>,
    form: &'a OfferForm,
    offered: bool,
    csrf: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OfferForm {
    csrf: String,
    title: String,
    provider: String,
    description: String,
    region_code: String,
    stock: String,
    points_cost: String,
    min_star: String,
    valid_from: String,
    valid_to: String,
    per_volunteer: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AdminQuery {
    offered: String,
}

/// `/admin/benefits`: the catalogue of the administrator's region and the
/// offer form.
pub async fn admin(page: Page, State(state): State<AppState>, PageQuery(query): PageQuery<AdminQuery>) -> PageResult {
    let form = OfferForm {
        stock: "100".into(),
        points_cost: "0".into(),
        min_star: "0".into(),
        per_volunteer: "1".into(),
        ..OfferForm::default()
    };
    admin_page(&page, &state, &form, !query.offered.is_empty(), None, StatusCode::OK).await
}

async fn admin_page(
    page: &Page,
    state: &AppState,
    form: &OfferForm,
    offered: bool,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    let catalogue = benefits::catalogue(state, user, None, None).await?.items;
    render_with(
        status,
        &AdminPage {
            t: page.t,
            b: page.lang.benefit_texts(),
            layout: page.layout(),
            regions: crate::app::scope::regions_to_choose(state, user).await?,
            catalogue,
            form,
            offered,
            csrf: user.csrf_token.clone(),
            error,
        },
    )
}

/// POST `/admin/benefits`: offers a benefit; a refusal is explained above
/// the form, which keeps what was typed.
pub async fn offer(page: Page, State(state): State<AppState>, PageForm(form): PageForm<OfferForm>) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let offered = async {
        let request = BenefitForm {
            title: &form.title,
            provider: &form.provider,
            description: &form.description,
            region_code: &form.region_code,
            stock: form_number(&form.stock, "stock_invalid", "stock")?,
            points_cost: form_number(&form.points_cost, "points_cost_invalid", "points_cost")?,
            min_star: form_number(&form.min_star, "min_star_invalid", "min_star")?,
            valid_from: &form.valid_from,
            valid_to: &form.valid_to,
            per_volunteer: form_number(&form.per_volunteer, "per_volunteer_invalid", "per_volunteer")?,
        };
        benefits::offer(&state, user, &request).await
    }
    .await;
    match offered {
        Ok(_) => Ok(Redirect::to("/admin/benefits?offered=1").into_response()),
        Err(refused) => {
            let (message, status) = explained(page.lang, refused)?;
            admin_page(&page, &state, &form, false, Some(message), status).await
        }
    }
}
