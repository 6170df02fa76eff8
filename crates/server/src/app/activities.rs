//! Projects, activities and sign-ups as the API and the pages both use
//! them: who may publish, change, see and review what (checked here, once),
//! and the searches, in typed commands and queries. Ids arrive parsed,
//! times as instants; what comes back is the store's types, which each
//! shell renders its own way.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::activity::{
    ActivityInput, ActivityState, Applicant, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS, ProjectKind, check_applicant,
    check_category_code, check_text, plan,
};
use zhiyuan_domain::hours::Interval;
use zhiyuan_domain::role::{Actor, Role};
use zhiyuan_domain::signup::{SignupStatus, check_no_clash};
use zhiyuan_domain::time::from_epoch_ms as instant;
use zhiyuan_store::Page;
use zhiyuan_store::activities::{Activity, ActivityQuery, NewActivity, NewProject, Project};
use zhiyuan_store::organizations::Organization;
use zhiyuan_store::signups::{Signup, SignupDecision, SignupView};

/// The organization `id`, if the actor administers it (its admins and the
/// region administrators above it); 404 or 403 otherwise.
pub async fn organization_run_by(state: &AppState, actor: &Actor, id: i64) -> ApiResult<Organization> {
    let organization = state
        .store
        .organization(id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    actor.require_organization_admin(&id.to_string(), &organization.region_path)?;
    Ok(organization)
}

/// The organizations the caller administers by an organization-admin
/// grant, in the order of the grants (those that no longer exist left out).
pub async fn organizations_run(state: &AppState, caller: &CurrentUser) -> ApiResult<Vec<Organization>> {
    let mut organizations = Vec::new();
    for grant in caller.actor.grants.iter().filter(|g| g.role == Role::OrgAdmin) {
        let Ok(id) = grant.scope_id.parse::<i64>() else {
            continue;
        };
        if let Some(organization) = state.store.organization(id).await? {
            organizations.push(organization);
        }
    }
    Ok(organizations)
}

/// A project for the library, as its organization's admin writes it.
pub struct ProjectDraft {
    pub organization_id: i64,
    pub title: String,
    pub description: String,
    pub kind: ProjectKind,
    pub category: String,
    pub area_code: String,
    pub on_menu: bool,
}

/// Publishes a project in the library (organization admins).
pub async fn publish_project(state: &AppState, caller: &CurrentUser, draft: ProjectDraft) -> ApiResult<Project> {
    let organization = organization_run_by(state, &caller.actor, draft.organization_id).await?;
    let new = NewProject {
        organization_id: organization.id,
        title: check_text(&draft.title, MAX_TITLE_CHARS, true, "title")?,
        description: check_text(&draft.description, MAX_DESCRIPTION_CHARS, false, "description")?,
        kind: draft.kind,
        category: check_category_code(&draft.category)?,
        area_code: draft.area_code.trim().to_string(),
        on_menu: draft.on_menu,
    };
    Ok(state.store.create_project(&new, caller.user.id, state.now_ms()).await?)
}

/// The project library of region `region_code` (public): projects whose
/// area covers it or lies in it.
pub async fn projects(
    state: &AppState,
    region_code: &str,
    organization_id: Option<i64>,
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<Page<Project>> {
    let region = state.store.require_region(region_code.trim()).await?;
    Ok(state
        .store
        .projects(&region.path, organization_id, cursor, limit)
        .await?)
}

/// Marks a project as a demonstration project (region administrators over its area).
pub async fn mark_demonstration(state: &AppState, caller: &CurrentUser, project_id: i64) -> ApiResult<Project> {
    let project = state
        .store
        .project(project_id)
        .await?
        .ok_or_else(|| ApiError::not_found("project"))?;
    caller.actor.require_region_admin(&project.area_path)?;
    Ok(state
        .store
        .mark_demonstration(project_id, caller.user.id, state.now_ms())
        .await?)
}

/// An activity as its organizer plans it.
pub struct ActivityDraft {
    pub organization_id: i64,
    pub project_id: Option<i64>,
    pub region_code: String,
    pub input: ActivityInput,
    /// Save without publishing.
    pub draft: bool,
}

/// Creates an activity, published unless a draft (organization admins),
/// and makes it searchable.
pub async fn create_activity(state: &AppState, caller: &CurrentUser, draft: ActivityDraft) -> ApiResult<Activity> {
    let organization = organization_run_by(state, &caller.actor, draft.organization_id).await?;
    let new = NewActivity {
        organization_id: organization.id,
        project_id: draft.project_id,
        region_code: draft.region_code.trim().to_string(),
        plan: plan(draft.input)?,
        draft: draft.draft,
    };
    let activity = state
        .store
        .create_activity(&new, caller.user.id, state.now_ms())
        .await?;
    state.shared.activities_changed();
    state.index_activity(&activity).await;
    Ok(activity)
}

/// Activity `id`, whatever its state: for callers that check who may see it.
pub async fn activity(state: &AppState, id: i64) -> ApiResult<Activity> {
    Ok(state.store.require_activity(id).await?)
}

/// Whether the actor runs the activity (its organization's admins and the
/// region administrators above it); 403 otherwise.
pub async fn require_organizer(state: &AppState, actor: &Actor, activity: &Activity) -> ApiResult<()> {
    let organization = state
        .store
        .organization(activity.organization_id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    actor.require_organization_admin(&organization.id.to_string(), &organization.region_path)?;
    Ok(())
}

/// Activity `id` for one of its organizers; 404 or 403 otherwise.
pub async fn organized_activity(state: &AppState, actor: &Actor, id: i64) -> ApiResult<Activity> {
    let activity = activity(state, id).await?;
    require_organizer(state, actor, &activity).await?;
    Ok(activity)
}

/// Activity `id` as `caller` may see it: published, cancelled and finished
/// ones are public; drafts are "not found" for everyone but their organizers.
pub async fn visible_activity(state: &AppState, caller: Option<&CurrentUser>, id: i64) -> ApiResult<Activity> {
    let activity = activity(state, id).await?;
    if activity.state() == ActivityState::Draft {
        let Some(caller) = caller else {
            return Err(ApiError::not_found("activity"));
        };
        require_organizer(state, &caller.actor, &activity)
            .await
            .map_err(|_| ApiError::not_found("activity"))?;
    }
    Ok(activity)
}

/// Publishes, cancels or finishes an activity (organizers).
pub async fn change_state(state: &AppState, caller: &CurrentUser, id: i64, to: ActivityState) -> ApiResult<Activity> {
    let activity = organized_activity(state, &caller.actor, id).await?;
    let activity = state
        .store
        .set_activity_state(activity.id, to, caller.user.id, state.now_ms())
        .await?;
    state.shared.activities_changed();
    state.index_activity(&activity).await;
    Ok(activity)
}

/// A search of published activities, every part optional.
#[derive(Default)]
pub struct ActivitySearch {
    /// Region code: activities in its subtree.
    pub region: Option<String>,
    /// Free text in Chinese, ranked by the search index.
    pub text: Option<String>,
    /// Activities ending on or after this instant (epoch ms).
    pub from: Option<i64>,
    /// Activities starting on or before this instant (epoch ms).
    pub to: Option<i64>,
    pub category: Option<String>,
    pub organization_id: Option<i64>,
    /// Only those the calling volunteer may sign up for now.
    pub eligible_only: bool,
}

/// Published activities matching `search`, a page at a time: full text
/// through the search index (the cursor is an offset into its ranking),
/// otherwise filters through the store; "eligible only" keeps those the
/// calling volunteer may join now (age, skills, insurance, open sign-up, no
/// time clash).
pub async fn search(
    state: &AppState,
    caller: Option<&CurrentUser>,
    search: &ActivitySearch,
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<Page<Activity>> {
    let region_path = match search.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        Some(code) => Some(state.store.require_region(code).await?.path),
        None => None,
    };
    let category = search.category.clone().filter(|c| !c.trim().is_empty());
    let text = search.text.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let (mut items, next_cursor) = match text {
        Some(text) => {
            let offset: usize = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
            let hits = state
                .search_activities(zhiyuan_search::ActivityQuery {
                    text: Some(text.to_string()),
                    region_path: region_path.clone(),
                    from_ms: search.from,
                    to_ms: search.to,
                    category: category.clone(),
                    limit: usize::try_from(limit).unwrap_or(0),
                    offset,
                })
                .await?;
            let query = ActivityQuery {
                ids: Some(hits.ids.clone()),
                organization_id: search.organization_id,
                limit: i64::try_from(hits.ids.len().max(1)).unwrap_or(i64::MAX),
                ..ActivityQuery::default()
            };
            let mut found = state.store.list_activities(&query).await?.items;
            found.sort_by_key(|a| hits.ids.iter().position(|id| *id == a.id));
            let next = offset + hits.ids.len();
            (found, (next < hits.total).then(|| next.to_string()))
        }
        None => {
            let query = ActivityQuery {
                region_path,
                organization_id: search.organization_id,
                category,
                from: search.from,
                to: search.to,
                cursor: cursor.map(str::to_string),
                limit,
                ..ActivityQuery::default()
            };
            let page = state.shared.activity_listing(&state.store, &query).await?;
            (page.items.clone(), page.next_cursor.clone())
        }
    };
    if search.eligible_only {
        let volunteer_id = caller
            .and_then(CurrentUser::volunteer_id)
            .ok_or_else(|| ApiError::bad_request("volunteer_required", "eligible=true needs a volunteer's login"))?;
        keep_eligible(state, volunteer_id, &mut items).await?;
    }
    Ok(Page { items, next_cursor })
}

/// Keeps the activities volunteer `volunteer_id` may sign up for now.
async fn keep_eligible(state: &AppState, volunteer_id: i64, items: &mut Vec<Activity>) -> ApiResult<()> {
    let volunteer = state
        .store
        .volunteer(volunteer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("volunteer"))?;
    let held: Vec<Interval> = state
        .store
        .signups_of_volunteer(volunteer_id, 200)
        .await?
        .iter()
        .filter(|s| SignupStatus::parse(&s.status).is_ok_and(SignupStatus::is_live))
        .map(|s| Interval::new(instant(s.starts_at), instant(s.ends_at)))
        .collect();
    let skills = volunteer.skill_list();
    let now = state.now();
    let birth = state.store.birth_date(volunteer.id).await?;
    items.retain(|activity| {
        let plan = activity.plan();
        let applicant = Applicant::for_plan(&plan, birth, &skills, volunteer.insured_until());
        check_applicant(&plan, activity.state(), &applicant, now).is_ok()
            && check_no_clash(activity.window(), &held).is_ok()
    });
    Ok(())
}

/// The caller's volunteer id; `volunteer_required` for logins without one.
pub fn volunteer_of(caller: &CurrentUser) -> ApiResult<i64> {
    caller.volunteer_id().ok_or_else(|| {
        ApiError::from(RuleError::new(
            "volunteer_required",
            "only registered volunteers can do this",
        ))
    })
}

/// Signs the calling volunteer up for activity `activity_id`: approved,
/// pending review or waitlisted, or refused by the sign-up rules.
pub async fn sign_up(state: &AppState, caller: &CurrentUser, activity_id: i64) -> ApiResult<Signup> {
    let volunteer_id = volunteer_of(caller)?;
    let signup = state.store.sign_up(activity_id, volunteer_id, state.now_ms()).await?;
    state.shared.activities_changed();
    Ok(signup)
}

/// Cancels the calling volunteer's sign-up; a freed seat goes to the first waiting.
pub async fn cancel_signup(state: &AppState, caller: &CurrentUser, activity_id: i64) -> ApiResult<Signup> {
    let volunteer_id = volunteer_of(caller)?;
    let signup = state
        .store
        .cancel_signup(activity_id, volunteer_id, state.now_ms())
        .await?;
    state.shared.activities_changed();
    Ok(signup)
}

/// The sign-ups of an activity (its organizers).
pub async fn signups_of_activity(
    state: &AppState,
    caller: &CurrentUser,
    activity_id: i64,
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<Page<SignupView>> {
    let activity = organized_activity(state, &caller.actor, activity_id).await?;
    Ok(state.store.signups_of_activity(activity.id, cursor, limit).await?)
}

/// Approves or rejects sign-up `signup_id` for an organizer of its activity.
pub async fn decide_signup(
    state: &AppState,
    caller: &CurrentUser,
    signup_id: i64,
    decision: SignupDecision,
) -> ApiResult<Signup> {
    let signup = state
        .store
        .signup(signup_id)
        .await?
        .ok_or_else(|| ApiError::not_found("signup"))?;
    organized_activity(state, &caller.actor, signup.activity_id).await?;
    let signup = state
        .store
        .decide_signup(signup_id, decision, caller.user.id, state.now_ms())
        .await?;
    state.shared.activities_changed();
    Ok(signup)
}

/// The calling volunteer's sign-ups, latest first (at most 200).
pub async fn my_signups(state: &AppState, caller: &CurrentUser) -> ApiResult<Vec<SignupView>> {
    let volunteer_id = volunteer_of(caller)?;
    Ok(state.store.signups_of_volunteer(volunteer_id, 200).await?)
}
