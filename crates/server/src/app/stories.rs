//! Volunteer stories (志愿故事): an activity's organizers write one with up
//! to nine photos (prepared off the async threads: checked, upright,
//! resized, stripped of metadata); the region administrators over it
//! approve it or send it back with a note (never one of an organization
//! they run); only approved stories are public, the others are "not found"
//! to everyone but their organization and those administrators.

use crate::app::activities::{organized_activity, require_organizer};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use zhiyuan_domain::role::Role;
use zhiyuan_domain::story::{self, StoryState};
use zhiyuan_store::stories::{NewStory, Story};

/// How many approved stories a public list shows.
pub const PUBLIC_STORIES: i64 = 20;

/// Each photo as stored, prepared on the blocking pool.
async fn prepared(photos: Vec<Vec<u8>>) -> ApiResult<Vec<Vec<u8>>> {
    let mut stored = Vec::with_capacity(photos.len());
    for photo in photos {
        let jpeg = tokio::task::spawn_blocking(move || crate::photo::prepare(&photo))
            .await
            .map_err(ApiError::internal)??;
        stored.push(jpeg);
    }
    Ok(stored)
}

/// Writes a story about activity `activity_id` (its organizers), pending review.
pub async fn write(
    state: &AppState,
    caller: &CurrentUser,
    activity_id: i64,
    title: &str,
    body: &str,
    photos: Vec<Vec<u8>>,
) -> ApiResult<Story> {
    let activity = organized_activity(state, &caller.actor, activity_id).await?;
    let (title, body) = story::check_story(title, body, photos.len())?;
    let photos = prepared(photos).await?;
    let new = NewStory {
        activity_id: activity.id,
        organization_id: activity.organization_id,
        region_path: &activity.region_path,
        title: &title,
        body: &body,
        photos: &photos,
    };
    Ok(state.store.write_story(&new, caller.user.id, state.now_ms()).await?)
}

/// Sends a story that was sent back again, with new text and photos.
pub async fn rewrite(
    state: &AppState,
    caller: &CurrentUser,
    story_id: i64,
    title: &str,
    body: &str,
    photos: Vec<Vec<u8>>,
) -> ApiResult<Story> {
    let existing = readable(state, Some(caller), story_id).await?;
    organized_activity(state, &caller.actor, existing.activity_id).await?;
    let (title, body) = story::check_story(title, body, photos.len())?;
    let photos = prepared(photos).await?;
    Ok(state
        .store
        .rewrite_story(existing.id, &title, &body, &photos, caller.user.id, state.now_ms())
        .await?)
}

/// Story `id` as `caller` may see it: approved ones are public; the others
/// exist only for their organization and the region administrators over it.
pub async fn readable(state: &AppState, caller: Option<&CurrentUser>, id: i64) -> ApiResult<Story> {
    let not_found = || ApiError::not_found("story");
    let found = state.store.story(id).await?.ok_or_else(not_found)?;
    if StoryState::parse(&found.state)? == StoryState::Approved {
        return Ok(found);
    }
    let caller = caller.ok_or_else(not_found)?;
    let activity = state.store.activity(found.activity_id).await?.ok_or_else(not_found)?;
    require_organizer(state, &caller.actor, &activity)
        .await
        .map_err(|_| not_found())?;
    Ok(found)
}

/// Photo `position` of a story the caller may see (JPEG bytes).
pub async fn photo(state: &AppState, caller: Option<&CurrentUser>, id: i64, position: i64) -> ApiResult<Vec<u8>> {
    let found = readable(state, caller, id).await?;
    state
        .store
        .story_photo(found.id, position)
        .await?
        .ok_or_else(|| ApiError::not_found("photo"))
}

/// Approved stories of a region and below (anyone), newest first.
pub async fn public_stories(state: &AppState, region: &str) -> ApiResult<Vec<Story>> {
    let region = state.store.require_region(region.trim()).await?;
    Ok(state
        .store
        .stories_within(&region.path, StoryState::Approved, PUBLIC_STORIES)
        .await?)
}

/// Stories waiting for (or sent back from) review in the caller's
/// administered regions.
pub async fn review_queue(state: &AppState, caller: &CurrentUser, wanted: StoryState) -> ApiResult<Vec<Story>> {
    let paths = caller.actor.administered_paths();
    if paths.is_empty() {
        return Err(ApiError::forbidden());
    }
    let mut stories: Vec<Story> = Vec::new();
    for path in paths {
        for found in state.store.stories_within(path, wanted, 200).await? {
            if !stories.iter().any(|s| s.id == found.id) {
                stories.push(found);
            }
        }
    }
    Ok(stories)
}

/// The newest approved stories anywhere (the public home).
pub async fn latest(state: &AppState) -> ApiResult<Vec<Story>> {
    Ok(state.store.latest_approved_stories(6).await?)
}

/// The approved stories of an activity (anyone).
pub async fn of_activity(state: &AppState, activity_id: i64) -> ApiResult<Vec<Story>> {
    Ok(state.store.approved_stories_of_activity(activity_id).await?)
}

/// Approves a pending story, or sends it back with a note: a region
/// administrator over it who does not run its organization.
pub async fn review(state: &AppState, caller: &CurrentUser, id: i64, approve: bool, note: &str) -> ApiResult<Story> {
    let found = state
        .store
        .story(id)
        .await?
        .ok_or_else(|| ApiError::not_found("story"))?;
    caller.actor.require_region_admin(&found.region_path)?;
    let organization = found.organization_id.to_string();
    let runs_author = caller
        .actor
        .grants
        .iter()
        .any(|g| g.role == Role::OrgAdmin && g.scope_id == organization);
    story::check_reviewer(runs_author)?;
    Ok(state
        .store
        .review_story(found.id, approve, note, caller.user.id, state.now_ms())
        .await?)
}
