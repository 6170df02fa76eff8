//! Volunteer stories over JSON: writing one with photos (base64 in the
//! body), reading it and its photos, the public list and the review queue,
//! approving and sending back. The checks are `app::stories`'s; these
//! handlers parse and render.

use crate::api::rfc3339;
use crate::app::stories;
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhiyuan_domain::story::StoryState;
use zhiyuan_store::parse_id;
use zhiyuan_store::stories::Story;

/// Nine photos of 5 MB in base64 and the text fit in this.
pub const STORY_BODY_LIMIT: usize = 64 * 1024 * 1024;

#[derive(Deserialize, ToSchema)]
pub struct WriteStory {
    pub title: String,
    /// Plain text; shown as text, never as markup.
    pub body: String,
    /// Up to 9 JPEG or PNG photos of at most 5 MB each, base64.
    #[serde(default)]
    pub photos: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StoryView {
    pub id: String,
    pub activity_id: String,
    pub activity_title: String,
    pub organization_id: String,
    pub organization_name: String,
    pub title: String,
    pub body: String,
    /// `pending`, `approved` or `returned`.
    pub state: String,
    /// The reviewer's note when sent back.
    pub review_note: String,
    /// Addresses of the photos (JPEG, at most 1600 px a side, no metadata).
    pub photos: Vec<String>,
    pub written_at: String,
}

pub fn story_view(story: &Story) -> StoryView {
    StoryView {
        id: story.id.to_string(),
        activity_id: story.activity_id.to_string(),
        activity_title: story.activity_title.clone(),
        organization_id: story.organization_id.to_string(),
        organization_name: story.organization_name.clone(),
        title: story.title.clone(),
        body: story.body.clone(),
        state: story.state.clone(),
        review_note: story.review_note.clone(),
        photos: (0..story.photos)
            .map(|n| format!("/api/v1/stories/{}/photos/{n}", story.id))
            .collect(),
        written_at: rfc3339(story.written_at),
    }
}

fn decoded(photos: &[String]) -> ApiResult<Vec<Vec<u8>>> {
    if photos.len() > zhiyuan_domain::story::MAX_PHOTOS {
        return Err(zhiyuan_domain::RuleError::new("too_many_photos", "at most 9 photos")
            .on("photos")
            .into());
    }
    photos
        .iter()
        .map(|photo| {
            base64::engine::general_purpose::STANDARD
                .decode(photo.trim())
                .map_err(|_| {
                    zhiyuan_domain::RuleError::new("photo_invalid", "a photo is base64")
                        .on("photos")
                        .into()
                })
        })
        .collect()
}

/// Writes a story about an activity (its organizers): pending review.
#[utoipa::path(post, path = "/api/v1/activities/{id}/stories", tag = "stories", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = WriteStory,
    responses((status = 201, body = StoryView), (status = 403, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn write(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<WriteStory>,
) -> ApiResult<(StatusCode, Json<StoryView>)> {
    let photos = decoded(&request.photos)?;
    let story = stories::write(
        &state,
        &current,
        parse_id(&id, "activity")?,
        &request.title,
        &request.body,
        photos,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(story_view(&story))))
}

/// Sends a story that was sent back again (its organizers).
#[utoipa::path(put, path = "/api/v1/stories/{id}", tag = "stories", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = WriteStory,
    responses((status = 200, body = StoryView), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn rewrite(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<WriteStory>,
) -> ApiResult<Json<StoryView>> {
    let photos = decoded(&request.photos)?;
    let story = stories::rewrite(
        &state,
        &current,
        parse_id(&id, "story")?,
        &request.title,
        &request.body,
        photos,
    )
    .await?;
    Ok(Json(story_view(&story)))
}

/// A story: approved ones for anyone, the others for their organization
/// and the region administrators over it (404 for everyone else).
#[utoipa::path(get, path = "/api/v1/stories/{id}", tag = "stories", params(("id" = String, Path)),
    responses((status = 200, body = StoryView), (status = 404, body = crate::error::Problem)))]
pub async fn story(
    State(state): State<AppState>,
    MaybeUser(current): MaybeUser,
    Path(id): Path<String>,
) -> ApiResult<Json<StoryView>> {
    let story = stories::readable(&state, current.as_ref(), parse_id(&id, "story")?).await?;
    Ok(Json(story_view(&story)))
}

/// A photo of a story, as JPEG, for whoever may read the story.
#[utoipa::path(get, path = "/api/v1/stories/{id}/photos/{n}", tag = "stories",
    params(("id" = String, Path), ("n" = String, Path)),
    responses((status = 200, content_type = "image/jpeg"), (status = 404, body = crate::error::Problem)))]
pub async fn photo(
    State(state): State<AppState>,
    MaybeUser(current): MaybeUser,
    Path((id, n)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let position: i64 = n.parse().map_err(|_| ApiError::not_found("photo"))?;
    let jpeg = stories::photo(&state, current.as_ref(), parse_id(&id, "story")?, position).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        jpeg,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct StoryFilter {
    /// `approved` (default: public, needs `region`), or `pending` /
    /// `returned` (the review queue of the reader's regions).
    pub state: Option<String>,
    pub region: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StoryList {
    pub items: Vec<StoryView>,
}

/// Approved stories of a region, or the reader's review queue.
#[utoipa::path(get, path = "/api/v1/stories", tag = "stories", params(StoryFilter),
    responses((status = 200, body = StoryList), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    MaybeUser(current): MaybeUser,
    ApiQuery(filter): ApiQuery<StoryFilter>,
) -> ApiResult<Json<StoryList>> {
    let wanted = match filter.state.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => StoryState::parse(raw).map_err(|e| e.on("state"))?,
        None => StoryState::Approved,
    };
    let found = match wanted {
        StoryState::Approved => {
            let region = filter
                .region
                .as_deref()
                .ok_or_else(|| ApiError::bad_request("region_required", "give ?region=CODE"))?;
            stories::public_stories(&state, region).await?
        }
        _ => {
            let current = current.ok_or_else(ApiError::unauthorized)?;
            stories::review_queue(&state, &current, wanted).await?
        }
    };
    Ok(Json(StoryList {
        items: found.iter().map(story_view).collect(),
    }))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct Review {
    /// Why it is sent back (required then).
    pub note: Option<String>,
}

/// Approves a pending story (region administrators over it, not of its organization).
#[utoipa::path(post, path = "/api/v1/stories/{id}/approve", tag = "stories", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = StoryView), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn approve(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<StoryView>> {
    let story = stories::review(&state, &current, parse_id(&id, "story")?, true, "").await?;
    Ok(Json(story_view(&story)))
}

/// Sends a pending story back with a note.
#[utoipa::path(post, path = "/api/v1/stories/{id}/return", tag = "stories", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Review,
    responses((status = 200, body = StoryView), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn send_back(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<Review>,
) -> ApiResult<Json<StoryView>> {
    let note = request.note.unwrap_or_default();
    let story = stories::review(&state, &current, parse_id(&id, "story")?, false, &note).await?;
    Ok(Json(story_view(&story)))
}
