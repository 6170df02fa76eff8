//! Activity pages: the public search (Chinese full text through the search
//! index, region, category, dates, "only those I may join"), the activity
//! with its sign-up and cancel buttons, the volunteer's own sign-ups, and the
//! organization administrator's list of their activities with links to the
//! attendance board and the record review. The rules and checks are the
//! application layer's (`app::activities`), which the API calls too.

use crate::app::activities::{self as app, ActivitySearch};
use crate::app::input::filter_instant;
use crate::auth::CurrentUser;
use crate::state::AppState;
use crate::web::i18n::{self, Lang, Texts};
use crate::web::page::{
    Layout, Page, PageError, PageForm, PageQuery, PageResult, RegionNames, check_session_csrf, china_span, china_time,
    filled, render, render_with,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use zhiyuan_domain::activity::ActivityState;
use zhiyuan_domain::signup::SignupStatus;
use zhiyuan_store::activities::Activity;
use zhiyuan_store::parse_id;

/// Results per page: small enough for a cheap phone.
const PAGE_SIZE: i64 = 20;

/// The category list as the filter shows it, in the visitor's language.
pub(super) async fn category_labels(state: &AppState, lang: Lang) -> Result<Vec<(String, String)>, PageError> {
    Ok(state
        .shared
        .categories(&state.store)
        .await?
        .iter()
        .map(|c| {
            let label = match lang {
                Lang::Zh => &c.label_zh,
                Lang::En => &c.label_en,
            };
            (c.code.clone(), label.clone())
        })
        .collect())
}

pub(super) fn label_of(labels: &[(String, String)], code: &str) -> String {
    labels
        .iter()
        .find(|(c, _)| c == code)
        .map_or_else(|| code.to_string(), |(_, label)| label.clone())
}

/// The name of organization `id` (from the shared reads), or its number.
async fn organization_name(state: &AppState, id: i64) -> Result<String, PageError> {
    Ok(state
        .shared
        .organization_name(&state.store, id)
        .await?
        .map_or_else(|| id.to_string(), |name| name.to_string()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchForm {
    q: String,
    region: String,
    category: String,
    from: String,
    to: String,
    eligible: String,
    cursor: String,
}

struct ActivityRow {
    id: String,
    title: String,
    when: String,
    region: String,
    organization: String,
    category: String,
    seats_left: i64,
    quota: i64,
}

#[derive(Template)]
#[template(path = "activities.html")]
struct SearchPage<'a> {
    t: &'static Texts,
    layout: Layout,
    search: &'a SearchForm,
    /// The "only those I may join" box is offered to volunteers only.
    volunteer: bool,
    categories: Vec<(String, String)>,
    rows: Vec<ActivityRow>,
    next_cursor: Option<String>,
    error: Option<&'static str>,
}

impl SearchPage<'_> {
    /// The query string of the next page.
    fn next_query(&self, cursor: &str) -> String {
        let s = self.search;
        let mut pairs = url_pairs(&[
            ("q", &s.q),
            ("region", &s.region),
            ("category", &s.category),
            ("from", &s.from),
            ("to", &s.to),
            ("eligible", &s.eligible),
        ]);
        pairs.push(format!("cursor={}", urlencode(cursor)));
        pairs.join("&")
    }
}

fn url_pairs(fields: &[(&str, &String)]) -> Vec<String> {
    fields
        .iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", urlencode(value.trim())))
        .collect()
}

fn urlencode(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `/activities`: the public activity search.
pub async fn search(page: Page, State(state): State<AppState>, PageQuery(search): PageQuery<SearchForm>) -> PageResult {
    let volunteer = page.user.as_ref().is_some_and(|u| u.volunteer_id().is_some());
    let categories = category_labels(&state, page.lang).await?;
    let mut status = StatusCode::OK;
    let mut error = None;
    let mut rows = Vec::new();
    let mut next_cursor = None;
    let found = match activity_search(&search, volunteer) {
        Ok(query) => {
            app::search(
                &state,
                page.user.as_ref(),
                &query,
                filled(&search.cursor).as_deref(),
                PAGE_SIZE,
            )
            .await
        }
        Err(refused) => Err(refused.into()),
    };
    match found {
        Ok(found) => {
            let mut regions = RegionNames::default();
            for activity in found.items {
                rows.push(ActivityRow {
                    when: china_span(activity.starts_at, activity.ends_at),
                    region: regions.label(&state, &activity.region_code).await?,
                    category: label_of(&categories, &activity.category),
                    seats_left: (activity.quota - activity.seats_taken).max(0),
                    quota: activity.quota,
                    organization: organization_name(&state, activity.organization_id).await?,
                    id: activity.id.to_string(),
                    title: activity.title,
                });
            }
            next_cursor = found.next_cursor;
        }
        Err(refused) if refused.status.is_client_error() => {
            status = refused.status;
            error = Some(i18n::problem(page.lang, &refused.code));
        }
        Err(failure) => return Err(failure.into()),
    }
    render_with(
        status,
        &SearchPage {
            t: page.t,
            layout: page.layout(),
            search: &search,
            volunteer,
            categories,
            rows,
            next_cursor,
            error,
        },
    )
}

/// The search a filled-in form asks for ("only those I may join" only for volunteers).
fn activity_search(form: &SearchForm, volunteer: bool) -> Result<ActivitySearch, zhiyuan_domain::RuleError> {
    Ok(ActivitySearch {
        region: filled(&form.region),
        text: filled(&form.q),
        from: filter_instant(Some(&form.from), false, "from")?,
        to: filter_instant(Some(&form.to), true, "to")?,
        category: filled(&form.category),
        organization_id: None,
        eligible_only: volunteer && form.eligible == "1",
    })
}

/// What the activity page says about the visitor's own sign-up.
struct MySignup {
    status: &'static str,
    code: String,
    live: bool,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    t: &'static Texts,
    layout: Layout,
    id: String,
    title: String,
    description: String,
    state: &'static str,
    open: bool,
    category: String,
    organization: String,
    region: String,
    when: String,
    lat: f64,
    lon: f64,
    radius_m: i64,
    quota: i64,
    seats_left: i64,
    waiting: i64,
    waitlist: i64,
    signup_closes: String,
    ages: Option<String>,
    skills: Vec<String>,
    insurance_required: bool,
    auto_approve: bool,
    methods: Vec<&'static str>,
    logged_in: bool,
    volunteer: bool,
    mine: Option<MySignup>,
    /// The order this activity serves, shown to its organizers.
    order_id: Option<String>,
    /// The visitor holds a live sign-up: the page offers to cancel it.
    live: bool,
    /// Begun, and the visitor was let in: they may report a missing or wrong record.
    reportable: bool,
    organizer: bool,
    csrf: String,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    /// The activity's approved stories.
    stories: Vec<zhiyuan_store::stories::Story>,
    st: &'static crate::web::i18n::stories::StoryTexts,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailQuery {
    /// `signed_up` or `cancelled`: what was just done.
    done: String,
}

/// `/activities/{id}`: everything a volunteer needs, with the sign-up button.
pub async fn detail(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<DetailQuery>,
) -> PageResult {
    let activity = app::visible_activity(&state, page.user.as_ref(), parse_id(&id, "activity")?).await?;
    let notice = match query.done.as_str() {
        "cancelled" => Some(page.t.signup_cancelled_notice),
        _ => None,
    };
    let mut view = activity_page(&page, &state, &activity, notice, None).await?;
    if query.done == "signed_up" {
        view.notice = view.mine.as_ref().map(|mine| signup_outcome(page.t, &mine.code));
    }
    render(&view)
}

/// The notice after a sign-up: approved, waiting for review, or waitlisted.
fn signup_outcome(t: &'static Texts, status: &str) -> &'static str {
    match status {
        "approved" => t.signup_approved_notice,
        "pending" => t.signup_pending_notice,
        "waitlisted" => t.signup_waitlisted_notice,
        _ => t.signup_other_notice,
    }
}

async fn activity_page(
    page: &Page,
    state: &AppState,
    activity: &Activity,
    notice: Option<&'static str>,
    error: Option<&'static str>,
) -> Result<ActivityPage, PageError> {
    let categories = category_labels(state, page.lang).await?;
    let organization = organization_name(state, activity.organization_id).await?;
    let region = RegionNames::default().label(state, &activity.region_code).await?;
    let user = page.user.as_ref();
    let volunteer_id = user.and_then(CurrentUser::volunteer_id);
    let mine = match volunteer_id {
        Some(volunteer_id) => state
            .store
            .signup_of(activity.id, volunteer_id)
            .await?
            .map(|signup| MySignup {
                status: i18n::signup_status(page.lang, &signup.status),
                live: SignupStatus::parse(&signup.status).is_ok_and(SignupStatus::is_live),
                code: signup.status,
            }),
        None => None,
    };
    let organizer = match user {
        Some(user) => app::require_organizer(state, &user.actor, activity).await.is_ok(),
        None => false,
    };
    let order_id = if organizer {
        state
            .store
            .order_of_activity(activity.id)
            .await?
            .map(|id| id.to_string())
    } else {
        None
    };
    let ages = match (activity.min_age, activity.max_age) {
        (None, None) => None,
        (Some(min), None) => Some(format!("{min}{}", page.t.age_and_over)),
        (None, Some(max)) => Some(format!("{max}{}", page.t.age_and_under)),
        (Some(min), Some(max)) => Some(format!("{min}–{max}{}", page.t.age_years)),
    };
    Ok(ActivityPage {
        t: page.t,
        st: page.lang.story_texts(),
        stories: crate::app::stories::of_activity(state, activity.id).await?,
        layout: page.layout(),
        order_id,
        id: activity.id.to_string(),
        title: activity.title.clone(),
        description: activity.description.clone(),
        state: i18n::activity_state(page.lang, &activity.state),
        open: activity.state() == ActivityState::Published,
        category: label_of(&categories, &activity.category),
        organization,
        region,
        when: china_span(activity.starts_at, activity.ends_at),
        lat: activity.lat,
        lon: activity.lon,
        radius_m: activity.radius_m,
        quota: activity.quota,
        seats_left: (activity.quota - activity.seats_taken).max(0),
        waiting: activity.waiting,
        waitlist: activity.waitlist,
        signup_closes: china_time(activity.signup_closes_at),
        ages,
        skills: activity.skill_list(),
        insurance_required: activity.insurance_required,
        auto_approve: activity.auto_approve,
        methods: activity
            .method_list()
            .iter()
            .map(|m| i18n::checkin_method(page.lang, m.as_str()))
            .collect(),
        logged_in: user.is_some(),
        volunteer: volunteer_id.is_some(),
        live: mine.as_ref().is_some_and(|m| m.live),
        reportable: activity.starts_at <= state.now_ms()
            && mine
                .as_ref()
                .is_some_and(|m| SignupStatus::parse(&m.code).is_ok_and(SignupStatus::may_attend)),
        mine,
        organizer,
        csrf: user.map(|u| u.csrf_token.clone()).unwrap_or_default(),
        notice,
        error,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignupForm {
    csrf: String,
    /// `me`: go back to "my activities" after a cancel.
    back: String,
}

/// POST `/activities/{id}/signup`: signs the volunteer up, then shows the
/// outcome on the activity page; a refusal is explained there.
pub async fn sign_up(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(form): PageForm<SignupForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let activity_id = parse_id(&id, "activity")?;
    match app::sign_up(&state, user, activity_id).await {
        Ok(signup) => Ok(Redirect::to(&format!("/activities/{}?done=signed_up", signup.activity_id)).into_response()),
        Err(refused) if refused.status.is_client_error() && refused.status != StatusCode::NOT_FOUND => {
            let activity = app::visible_activity(&state, Some(user), activity_id).await?;
            let error = Some(i18n::problem(page.lang, &refused.code));
            render_with(
                refused.status,
                &activity_page(&page, &state, &activity, None, error).await?,
            )
        }
        Err(failure) => Err(failure.into()),
    }
}

/// POST `/activities/{id}/cancel`: cancels the volunteer's sign-up.
pub async fn cancel(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(form): PageForm<SignupForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let activity_id = parse_id(&id, "activity")?;
    match app::cancel_signup(&state, user, activity_id).await {
        Ok(_) if form.back == "me" => Ok(Redirect::to("/me/activities?done=cancelled").into_response()),
        Ok(signup) => Ok(Redirect::to(&format!("/activities/{}?done=cancelled", signup.activity_id)).into_response()),
        Err(refused) if refused.status.is_client_error() && refused.status != StatusCode::NOT_FOUND => {
            let activity = app::visible_activity(&state, Some(user), activity_id).await?;
            let error = Some(i18n::problem(page.lang, &refused.code));
            render_with(
                refused.status,
                &activity_page(&page, &state, &activity, None, error).await?,
            )
        }
        Err(failure) => Err(failure.into()),
    }
}

struct SignupRow {
    activity_id: String,
    title: String,
    status: &'static str,
    code: String,
    when: String,
    cancellable: bool,
    /// Begun, and the volunteer was let in: a record may be reported.
    reportable: bool,
}

#[derive(Template)]
#[template(path = "my_activities.html")]
struct MyActivitiesPage {
    t: &'static Texts,
    layout: Layout,
    volunteer: bool,
    rows: Vec<SignupRow>,
    csrf: String,
    notice: Option<&'static str>,
}

/// `/me/activities`: the volunteer's sign-ups, latest first.
pub async fn mine(page: Page, State(state): State<AppState>, PageQuery(query): PageQuery<DetailQuery>) -> PageResult {
    let user = page.require_user()?;
    let now = state.now_ms();
    let mut rows = Vec::new();
    if user.volunteer_id().is_some() {
        for signup in app::my_signups(&state, user).await? {
            let live = SignupStatus::parse(&signup.status).is_ok_and(SignupStatus::is_live);
            rows.push(SignupRow {
                activity_id: signup.activity_id.to_string(),
                title: signup.activity_title,
                status: i18n::signup_status(page.lang, &signup.status),
                when: china_span(signup.starts_at, signup.ends_at),
                cancellable: live && signup.ends_at > now,
                reportable: signup.starts_at <= now
                    && SignupStatus::parse(&signup.status).is_ok_and(SignupStatus::may_attend),
                code: signup.status,
            });
        }
    }
    render(&MyActivitiesPage {
        t: page.t,
        layout: page.layout(),
        volunteer: user.volunteer_id().is_some(),
        rows,
        csrf: user.csrf_token.clone(),
        notice: (query.done == "cancelled").then_some(page.t.signup_cancelled_notice),
    })
}

struct OrganizerRow {
    id: String,
    title: String,
    when: String,
    state: &'static str,
    seats_taken: i64,
    quota: i64,
}

struct OrganizationActivities {
    name: String,
    rows: Vec<OrganizerRow>,
}

#[derive(Template)]
#[template(path = "org_activities.html")]
struct OrganizerPage {
    t: &'static Texts,
    layout: Layout,
    organizations: Vec<OrganizationActivities>,
}

/// How many activities of one organization the organizer's list shows.
const ORGANIZER_LIST_SIZE: i64 = 100;

/// `/org/activities`: the activities of the organizations the user runs,
/// by start time, with links to the board and the record review.
pub async fn organizer(page: Page, State(state): State<AppState>) -> PageResult {
    let user = page.require_user()?;
    let mut organizations = Vec::new();
    for organization in app::organizations_run(&state, user).await? {
        let found = state
            .store
            .list_activities(&zhiyuan_store::activities::ActivityQuery {
                organization_id: Some(organization.id),
                states: ActivityState::ALL.to_vec(),
                limit: ORGANIZER_LIST_SIZE,
                ..Default::default()
            })
            .await?;
        let rows: Vec<OrganizerRow> = found
            .items
            .iter()
            .map(|a| OrganizerRow {
                id: a.id.to_string(),
                title: a.title.clone(),
                when: china_span(a.starts_at, a.ends_at),
                state: i18n::activity_state(page.lang, &a.state),
                seats_taken: a.seats_taken,
                quota: a.quota,
            })
            .collect();
        organizations.push(OrganizationActivities {
            name: organization.name,
            rows,
        });
    }
    if organizations.is_empty() {
        return Err(PageError::forbidden());
    }
    render(&OrganizerPage {
        t: page.t,
        layout: page.layout(),
        organizations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(urlencode("养老 a&b"), "%E5%85%BB%E8%80%81%20a%26b");
        let (q, empty) = ("养老".to_string(), " ".to_string());
        assert_eq!(
            url_pairs(&[("q", &q), ("region", &empty)]),
            vec!["q=%E5%85%BB%E8%80%81"]
        );
    }

    #[test]
    fn every_signup_outcome_has_its_notice() {
        let t = Lang::Zh.texts();
        let shown: Vec<_> = ["approved", "pending", "waitlisted", "rejected"]
            .iter()
            .map(|s| signup_outcome(t, s))
            .collect();
        assert_eq!(shown.len(), 4);
        assert!(shown.windows(2).all(|w| w[0] != w[1]), "{shown:?}");
    }
}
