//! The story page (`/stories/{id}`): an approved story for anyone, with its
//! photos; a pending or returned one only for its organization and the
//! region administrators over it. Its text is shown as text, never as
//! markup. The public home and each activity's page list approved stories
//! with the `story_list.html` part. Organizers write a story from their
//! activity (`/activities/{id}/story`, multipart with the photos); region
//! administrators review the queue of their regions (`/admin/stories`).

use crate::app::activities::organized_activity;
use crate::app::stories;
use crate::state::AppState;
use crate::web::i18n::Texts;
use crate::web::i18n::stories::StoryTexts;
use crate::web::page::{
    Layout, Page, PageError, PageForm, PageResult, check_session_csrf, china_time, explained, render, render_with,
};
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use zhiyuan_domain::story::StoryState;
use zhiyuan_store::parse_id;
use zhiyuan_store::stories::Story;

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    t: &'static Texts,
    st: &'static StoryTexts,
    layout: Layout,
    story: Story,
    written_on: String,
    /// Shown beside a story that is not public.
    state_note: Option<&'static str>,
}

/// `/stories/{id}`.
pub async fn story(page: Page, State(state): State<AppState>, Path(id): Path<String>) -> PageResult {
    let story = stories::readable(&state, page.user.as_ref(), parse_id(&id, "story")?).await?;
    let st = page.lang.story_texts();
    let state_note = match StoryState::parse(&story.state) {
        Ok(StoryState::Approved) => None,
        Ok(StoryState::Returned) => Some(st.state_returned),
        _ => Some(st.state_pending),
    };
    render(&StoryPage {
        t: page.t,
        st,
        layout: page.layout(),
        written_on: china_time(story.written_at).get(..10).unwrap_or_default().to_string(),
        story,
        state_note,
    })
}

#[derive(Template)]
#[template(path = "story_form.html")]
struct WritePage {
    t: &'static Texts,
    st: &'static StoryTexts,
    layout: Layout,
    activity_id: i64,
    activity_title: String,
    title: String,
    body: String,
    csrf: String,
    error: Option<&'static str>,
}

/// `/activities/{id}/story`: the form an activity's organizers write a story with.
pub async fn write_form(page: Page, State(state): State<AppState>, Path(id): Path<String>) -> PageResult {
    let user = page.require_user()?;
    let activity = organized_activity(&state, &user.actor, parse_id(&id, "activity")?).await?;
    render(&WritePage {
        t: page.t,
        st: page.lang.story_texts(),
        layout: page.layout(),
        activity_id: activity.id,
        activity_title: activity.title,
        title: String::new(),
        body: String::new(),
        csrf: user.csrf_token.clone(),
        error: None,
    })
}

/// What the story form sends.
#[derive(Default)]
struct StoryForm {
    csrf: String,
    title: String,
    body: String,
    photos: Vec<Vec<u8>>,
}

async fn read_story_form(mut multipart: Multipart) -> Result<StoryForm, PageError> {
    let unreadable = |_| PageError::new(StatusCode::BAD_REQUEST, "bad_request");
    let mut form = StoryForm::default();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "photos" => {
                let bytes = field.bytes().await.map_err(unreadable)?;
                // A file input left empty sends one empty part.
                if !bytes.is_empty() {
                    form.photos.push(bytes.to_vec());
                }
            }
            "csrf" => form.csrf = field.text().await.map_err(unreadable)?,
            "title" => form.title = field.text().await.map_err(unreadable)?,
            "body" => form.body = field.text().await.map_err(unreadable)?,
            _ => {}
        }
    }
    Ok(form)
}

/// POST `/activities/{id}/story` (multipart): writes the story and shows
/// it; a refusal is explained above the form, which keeps the text.
pub async fn write(
    page: Page,
    State(state): State<AppState>,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let user = page.require_user()?;
    let multipart = multipart.map_err(|r| PageError::new(r.status(), "bad_request"))?;
    let mut form = read_story_form(multipart).await?;
    check_session_csrf(user, &form.csrf)?;
    let activity = organized_activity(&state, &user.actor, parse_id(&id, "activity")?).await?;
    let photos = std::mem::take(&mut form.photos);
    match stories::write(&state, user, activity.id, &form.title, &form.body, photos).await {
        Ok(story) => Ok(Redirect::to(&format!("/stories/{}", story.id)).into_response()),
        Err(refused) => {
            let (message, status) = explained(page.lang, refused)?;
            render_with(
                status,
                &WritePage {
                    t: page.t,
                    st: page.lang.story_texts(),
                    layout: page.layout(),
                    activity_id: activity.id,
                    activity_title: activity.title,
                    title: form.title,
                    body: form.body,
                    csrf: user.csrf_token.clone(),
                    error: Some(message),
                },
            )
        }
    }
}

#[derive(Template)]
#[template(path = "admin_stories.html")]
struct QueuePage {
    t: &'static Texts,
    st: &'static StoryTexts,
    layout: Layout,
    stories: Vec<Story>,
    csrf: String,
    error: Option<&'static str>,
}

async fn queue_page(page: &Page, state: &AppState, error: Option<&'static str>, status: StatusCode) -> PageResult {
    let user = page.require_user()?;
    let stories = stories::review_queue(state, user, StoryState::Pending).await?;
    render_with(
        status,
        &QueuePage {
            t: page.t,
            st: page.lang.story_texts(),
            layout: page.layout(),
            stories,
            csrf: user.csrf_token.clone(),
            error,
        },
    )
}

/// `/admin/stories`: the stories waiting for the reader's review.
pub async fn queue(page: Page, State(state): State<AppState>) -> PageResult {
    queue_page(&page, &state, None, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    csrf: String,
    note: String,
}

/// POST `/admin/stories/{id}/approve|return`: the review, then the queue
/// again (a refusal explained above it).
pub async fn review(
    page: Page,
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    PageForm(form): PageForm<ReviewForm>,
) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let approve = match action.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(PageError::new(StatusCode::NOT_FOUND, "not_found")),
    };
    match stories::review(&state, user, parse_id(&id, "story")?, approve, &form.note).await {
        Ok(_) => Ok(Redirect::to("/admin/stories").into_response()),
        Err(refused) => {
            let (message, status) = explained(page.lang, refused)?;
            queue_page(&page, &state, Some(message), status).await
        }
    }
}
