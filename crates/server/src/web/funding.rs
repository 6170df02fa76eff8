//! The funding pages: the calls of a region with the form region
//! administrators open one with (`/funding`), and a call's page
//! (`/funding/{id}`) where organization admins apply with a project of
//! theirs and region administrators score, grant and record payments.
//! Every check is `app::funding`'s.

use crate::app::activities::organizations_run;
use crate::app::funding::{self, CallForm};
use crate::error::ApiError;
use crate::state::AppState;
use crate::web::i18n::Texts;
use crate::web::i18n::incentives::IncentiveTexts;
use crate::web::page::{
    DoneQuery, Layout, Page, PageForm, PageQuery, PageResult, check_session_csrf, explained, form_number, list_region,
    render_with,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use zhiyuan_domain::funding::FundingMode;
use zhiyuan_store::activities::Project;
use zhiyuan_store::funding::{FundingApplication, FundingCall};
use zhiyuan_store::parse_id;

/// A mode's code and its name in the reader's language.
fn modes(x: &'static IncentiveTexts) -> Vec<(&'static str, &'static str)> {
    FundingMode::ALL
        .iter()
        .map(|mode| {
            let name = match mode {
                FundingMode::PurchaseOfServices => x.mode_purchase_of_services,
                FundingMode::RewardForSubsidy => x.mode_reward_for_subsidy,
                FundingMode::FundApplication => x.mode_fund_application,
            };
            (mode.as_str(), name)
        })
        .collect()
}

fn mode_name(x: &'static IncentiveTexts, code: &str) -> &'static str {
    modes(x)
        .into_iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, name)| name)
}

struct CallRow {
    call: FundingCall,
    mode: &'static str,
}

#[derive(Template)]
#[template(path = "funding_calls.html")]
struct CallsPage {
    t: &'static Texts,
    x: &'static IncentiveTexts,
    layout: Layout,
    calls: Vec<CallRow>,
    /// The form, for region administrators: (code, name) of their regions and the modes.
    admin_regions: Vec<(String, String)>,
    modes: Vec<(&'static str, &'static str)>,
    year: i32,
    csrf: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CallsQuery {
    region: String,
}

/// `/funding?region=`: the calls of a region and below.
pub async fn calls(page: Page, State(state): State<AppState>, PageQuery(query): PageQuery<CallsQuery>) -> PageResult {
    let region = list_region(&page, &query.region)?;
    calls_page(&page, &state, &region, None, StatusCode::OK).await
}

async fn calls_page(
    page: &Page,
    state: &AppState,
    region: &str,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    let x = page.lang.incentive_texts();
    let calls = funding::calls(state, region)
        .await?
        .into_iter()
        .map(|call| CallRow {
            mode: mode_name(x, &call.mode),
            call,
        })
        .collect();
    render_with(
        status,
        &CallsPage {
            t: page.t,
            x,
            layout: page.layout(),
            calls,
            admin_regions: crate::app::scope::regions_to_choose(state, user).await?,
            modes: modes(x),
            year: chrono::Datelike::year(&zhiyuan_domain::time::china_date(zhiyuan_domain::time::from_epoch_ms(
                state.now_ms(),
            ))),
            csrf: user.csrf_token.clone(),
            error,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OpenCallForm {
    csrf: String,
    title: String,
    mode: String,
    region_code: String,
    year: String,
    budget: String,
    max_projects: String,
    opens_on: String,
    closes_on: String,
}

/// POST `/funding`: opens a call and shows it; a refusal explained on the list.
pub async fn open_call(
    page: Page,
    State(state): State<AppState>,
    PageForm(form): PageForm<OpenCallForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let opened = async {
        let call = CallForm {
            title: &form.title,
            mode: &form.mode,
            region_code: &form.region_code,
            year: form_number(&form.year, "year_invalid", "year")?.try_into().unwrap_or(0),
            budget_yuan: form_number(&form.budget, "budget_invalid", "budget")?,
            max_projects: form_number(&form.max_projects, "max_projects_invalid", "max_projects")?,
            opens_on: &form.opens_on,
            closes_on: &form.closes_on,
        };
        funding::open_call(&state, user, &call).await
    }
    .await;
    match opened {
        Ok(call) => Ok(Redirect::to(&format!("/funding/{}", call.id)).into_response()),
        Err(refused) => {
            let (message, status) = explained(page.lang, refused)?;
            let region = list_region(&page, &form.region_code)?;
            calls_page(&page, &state, &region, Some(message), status).await
        }
    }
}

#[derive(Template)]
#[template(path = "funding_call.html")]
struct CallPage {
    t: &'static Texts,
    x: &'static IncentiveTexts,
    layout: Layout,
    call: FundingCall,
    mode: &'static str,
    applications: Vec<FundingApplication>,
    /// The reader reviews this call (a region administrator over it).
    reviewer: bool,
    /// Projects the reader may apply with: (id, organization · title).
    projects: Vec<(i64, String)>,
    today: String,
    csrf: String,
    notice: bool,
    error: Option<&'static str>,
}

/// `/funding/{id}`.
pub async fn call(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<DoneQuery>,
) -> PageResult {
    let id = parse_id(&id, "call")?;
    call_page(&page, &state, id, !query.done.is_empty(), None, StatusCode::OK).await
}

async fn call_page(
    page: &Page,
    state: &AppState,
    id: i64,
    notice: bool,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    let x = page.lang.incentive_texts();
    let (call, applications) = funding::call_with_applications(state, user, id).await?;
    let mut projects = Vec::new();
    for organization in organizations_run(state, user).await? {
        let root = organization
            .region_path
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let page_of = crate::app::activities::projects(state, &root, Some(organization.id), None, 200).await?;
        projects.extend(
            page_of
                .items
                .into_iter()
                .map(|p: Project| (p.id, format!("{} · {}", organization.name, p.title))),
        );
    }
    render_with(
        status,
        &CallPage {
            t: page.t,
            x,
            layout: page.layout(),
            mode: mode_name(x, &call.mode),
            reviewer: user.actor.administers_region(&call.region_path),
            call,
            applications,
            projects,
            today: zhiyuan_domain::time::china_date(zhiyuan_domain::time::from_epoch_ms(state.now_ms())).to_string(),
            csrf: user.csrf_token.clone(),
            notice,
            error,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    csrf: String,
    project_id: String,
    amount: String,
    plan: String,
    score: String,
    comment: String,
    paid_on: String,
    note: String,
}

/// POST `/funding/{id}/apply`.
pub async fn apply(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(form): PageForm<StepForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let call_id = parse_id(&id, "call")?;
    let applied = async {
        let project = parse_id(form.project_id.trim(), "project")?;
        let amount = form_number(&form.amount, "amount_invalid", "amount")?;
        funding::apply(&state, user, call_id, project, amount, &form.plan).await
    }
    .await;
    after_step(&page, &state, call_id, applied.map(|_| ())).await
}

/// POST `/funding/applications/{id}/score|grant|pay`.
pub async fn decide(
    page: Page,
    State(state): State<AppState>,
    Path((id, step)): Path<(String, String)>,
    PageForm(form): PageForm<StepForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let application_id = parse_id(&id, "application")?;
    let application = funding::application(&state, application_id).await?;
    let decided = async {
        match step.as_str() {
            "score" => {
                let score = form_number(&form.score, "score_invalid", "score")?;
                funding::score(&state, user, application_id, score, &form.comment).await
            }
            "grant" => {
                let amount = form_number(&form.amount, "amount_invalid", "amount")?;
                funding::grant(&state, user, application_id, amount).await
            }
            "pay" => {
                let amount = form_number(&form.amount, "amount_invalid", "amount")?;
                funding::disburse(&state, user, application_id, amount, &form.paid_on, &form.note).await
            }
            _ => Err(ApiError::not_found("step")),
        }
    }
    .await;
    after_step(&page, &state, application.call_id, decided.map(|_| ())).await
}

/// The call's page after a step: with a notice, or the refusal explained.
async fn after_step(page: &Page, state: &AppState, call_id: i64, outcome: Result<(), ApiError>) -> PageResult {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/funding/{call_id}?done=1")).into_response()),
        Err(refused) => {
            let (message, status) = explained(page.lang, refused)?;
            call_page(page, state, call_id, false, Some(message), status).await
        }
    }
}
