//! Demonstration-project funding: region administrators open calls,
//! organizations apply with a project of their own, region administrators
//! over the call score, grant and record payments (never on an application
//! of an organization they run), and read the totals per year and mode.

use crate::app::input::optional_day;
use crate::app::scope::admin_region_path;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::NaiveDate;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::funding::{self, CallDraft};
use zhiyuan_domain::role::Role;
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_store::funding::{FundingApplication, FundingCall, FundingTotals, NewApplication};

/// A call as the administrator typed it.
pub struct CallForm<'a> {
    pub title: &'a str,
    pub mode: &'a str,
    pub region_code: &'a str,
    pub year: i32,
    pub budget_yuan: i64,
    pub max_projects: i64,
    pub opens_on: &'a str,
    pub closes_on: &'a str,
}

fn today(state: &AppState) -> NaiveDate {
    china_date(from_epoch_ms(state.now_ms()))
}

fn required_day(raw: &str, field: &'static str) -> ApiResult<NaiveDate> {
    optional_day(Some(raw), field)?.ok_or_else(|| {
        RuleError::new("date_invalid", "a date YYYY-MM-DD is needed")
            .on(field)
            .into()
    })
}

/// Opens a call in a region the caller administers.
pub async fn open_call(state: &AppState, caller: &CurrentUser, form: &CallForm<'_>) -> ApiResult<FundingCall> {
    let region = state.store.require_region(form.region_code.trim()).await?;
    caller.actor.require_region_admin(&region.path)?;
    let call = funding::check_call(
        &CallDraft {
            title: form.title,
            mode: form.mode,
            year: form.year,
            budget_yuan: form.budget_yuan,
            max_projects: form.max_projects,
            opens_on: required_day(form.opens_on, "opens_on")?,
            closes_on: required_day(form.closes_on, "closes_on")?,
        },
        today(state),
    )?;
    Ok(state
        .store
        .open_call(&call, &region.code, &region.path, caller.user.id, state.now_ms())
        .await?)
}

/// The calls of a region and below (anyone logged in: organizations look
/// for calls to apply to).
pub async fn calls(state: &AppState, region: &str) -> ApiResult<Vec<FundingCall>> {
    let region = state.store.require_region(region.trim()).await?;
    Ok(state.store.funding_calls_within(&region.path).await?)
}

async fn call(state: &AppState, id: i64) -> ApiResult<FundingCall> {
    state
        .store
        .funding_call(id)
        .await?
        .ok_or_else(|| ApiError::not_found("call"))
}

/// A call with the applications the caller may see: all of them for the
/// region administrators over the call, their own organizations' for
/// organization admins.
pub async fn call_with_applications(
    state: &AppState,
    caller: &CurrentUser,
    id: i64,
) -> ApiResult<(FundingCall, Vec<FundingApplication>)> {
    let call = call(state, id).await?;
    let reviewer = caller.actor.administers_region(&call.region_path);
    let applications = state
        .store
        .funding_applications(call.id)
        .await?
        .into_iter()
        .filter(|a| reviewer || runs(caller, a.organization_id))
        .collect();
    Ok((call, applications))
}

/// Whether the caller is an admin of the organization.
fn runs(caller: &CurrentUser, organization_id: i64) -> bool {
    let id = organization_id.to_string();
    caller
        .actor
        .grants
        .iter()
        .any(|g| g.role == Role::OrgAdmin && g.scope_id == id)
}

/// Applies to a call with a project of an organization the caller runs.
pub async fn apply(
    state: &AppState,
    caller: &CurrentUser,
    call_id: i64,
    project_id: i64,
    amount_yuan: i64,
    plan: &str,
) -> ApiResult<FundingApplication> {
    let project = state
        .store
        .project(project_id)
        .await?
        .ok_or_else(|| ApiError::not_found("project"))?;
    let organization = state
        .store
        .organization(project.organization_id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    if !runs(caller, organization.id) {
        return Err(ApiError::forbidden());
    }
    let plan = zhiyuan_domain::activity::check_text(plan, 2000, true, "plan")?;
    let application = NewApplication {
        call_id,
        project_id: project.id,
        organization_id: organization.id,
        organization_region_path: &organization.region_path,
        organization_verified: organization.is_verified(),
        amount_yuan,
        plan: &plan,
    };
    Ok(state
        .store
        .apply_for_funding(&application, today(state), caller.user.id, state.now_ms())
        .await?)
}

/// Application `id` (which call it belongs to; what a reader may see of
/// it is `call_with_applications`'s).
pub async fn application(state: &AppState, id: i64) -> ApiResult<FundingApplication> {
    state
        .store
        .funding_application(id)
        .await?
        .ok_or_else(|| ApiError::not_found("application"))
}

/// The application and its call, for a region administrator over the
/// call who does not run the applying organization.
async fn to_decide(state: &AppState, caller: &CurrentUser, application_id: i64) -> ApiResult<FundingApplication> {
    let application = application(state, application_id).await?;
    let call = call(state, application.call_id).await?;
    caller.actor.require_region_admin(&call.region_path)?;
    funding::check_reviewer(runs(caller, application.organization_id))?;
    Ok(application)
}

/// Scores an application (0–100, with a comment); a second score by the
/// same reviewer replaces the first.
pub async fn score(
    state: &AppState,
    caller: &CurrentUser,
    application_id: i64,
    score: i64,
    comment: &str,
) -> ApiResult<FundingApplication> {
    let application = to_decide(state, caller, application_id).await?;
    let score = funding::check_score(score)?;
    let comment = zhiyuan_domain::activity::check_text(comment, 500, false, "comment")?;
    state
        .store
        .score_application(application.id, caller.user.id, score, &comment, state.now_ms())
        .await?;
    state
        .store
        .funding_application(application.id)
        .await?
        .ok_or_else(|| ApiError::not_found("application"))
}

/// Grants an amount to an application, within the call's budget.
pub async fn grant(
    state: &AppState,
    caller: &CurrentUser,
    application_id: i64,
    amount_yuan: i64,
) -> ApiResult<FundingApplication> {
    let application = to_decide(state, caller, application_id).await?;
    Ok(state
        .store
        .grant_funding(application.id, amount_yuan, caller.user.id, state.now_ms())
        .await?)
}

/// Records a payment of a grant.
pub async fn disburse(
    state: &AppState,
    caller: &CurrentUser,
    application_id: i64,
    amount_yuan: i64,
    paid_on: &str,
    note: &str,
) -> ApiResult<FundingApplication> {
    let application = to_decide(state, caller, application_id).await?;
    let paid_on = required_day(paid_on, "paid_on")?;
    let note = zhiyuan_domain::activity::check_text(note, 200, false, "note")?;
    Ok(state
        .store
        .disburse_funding(
            application.id,
            amount_yuan,
            paid_on,
            &note,
            caller.user.id,
            state.now_ms(),
        )
        .await?)
}

/// The totals per mode of a year's calls in a region the caller
/// administers (default their scope and this year).
pub async fn totals(
    state: &AppState,
    caller: &CurrentUser,
    region: Option<&str>,
    year: Option<i32>,
) -> ApiResult<Vec<FundingTotals>> {
    let path = admin_region_path(state, &caller.actor, region).await?;
    let year = year.unwrap_or_else(|| chrono::Datelike::year(&today(state)));
    Ok(state.store.funding_totals(&path, year).await?)
}
