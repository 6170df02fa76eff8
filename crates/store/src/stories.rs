//! Volunteer stories as stored: the story with its review state, and its
//! photos (already resized and re-encoded by the caller). A review locks
//! the story row and lets `zhiyuan_domain::story` decide; a story and its
//! photos are written in one transaction.

use crate::sql::{Tx, query, query_as, query_scalar};
use crate::{Result, Store, StoreError, audit_entry, subtree_bounds};
use serde::Serialize;
use zhiyuan_domain::story::{self, StoryState};

/// A story as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Story {
    pub id: i64,
    pub activity_id: i64,
    pub activity_title: String,
    pub organization_id: i64,
    pub organization_name: String,
    pub region_path: String,
    pub title: String,
    pub body: String,
    pub state: String,
    pub review_note: String,
    pub photos: i64,
    pub written_at: i64,
}

const STORY_SELECT: &str = "SELECT s.id, s.activity_id, a.title AS activity_title, s.organization_id, \
     o.name AS organization_name, s.region_path, s.title, s.body, s.state, s.review_note, s.photos, s.written_at \
     FROM stories s JOIN activities a ON a.id = s.activity_id JOIN organizations o ON o.id = s.organization_id";

/// A story as an organization writes it, about one of its activities.
#[derive(Debug, Clone)]
pub struct NewStory<'a> {
    pub activity_id: i64,
    pub organization_id: i64,
    pub region_path: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// JPEG bytes, resized and without metadata.
    pub photos: &'a [Vec<u8>],
}

async fn write_photos(tx: &mut Tx<'_>, story_id: i64, photos: &[Vec<u8>]) -> Result<()> {
    query("DELETE FROM story_photos WHERE story_id = $1")
        .bind(story_id)
        .execute(&mut *tx)
        .await?;
    for (position, jpeg) in photos.iter().enumerate() {
        query("INSERT INTO story_photos (story_id, position, jpeg) VALUES ($1, $2, $3)")
            .bind(story_id)
            .bind(position as i64)
            .bind(jpeg.clone())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Stores a new story, pending review, with its photos.
    pub async fn write_story(&self, new: &NewStory<'_>, by: i64, now: i64) -> Result<Story> {
        let mut tx = self.transaction().await?;
        let id: i64 = query_scalar(
            "INSERT INTO stories (activity_id, organization_id, region_path, title, body, state, review_note, photos, \
             written_by, written_at) VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8, $9) RETURNING id",
        )
        .bind(new.activity_id)
        .bind(new.organization_id)
        .bind(new.region_path)
        .bind(new.title)
        .bind(new.body)
        .bind(StoryState::Pending.as_str())
        .bind(new.photos.len() as i64)
        .bind(by)
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        write_photos(&mut tx, id, new.photos).await?;
        tx.commit().await?;
        self.story(id).await?.ok_or(StoreError::NotFound("story"))
    }

    /// Sends a story that was sent back again, with new text and photos.
    pub async fn rewrite_story(
        &self,
        id: i64,
        title: &str,
        body: &str,
        photos: &[Vec<u8>],
        by: i64,
        now: i64,
    ) -> Result<Story> {
        let lock = self.lock_rows();
        let mut tx = self.transaction().await?;
        {
            let state: String = query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT state FROM stories WHERE id = $1{lock}"
            )))
            .bind(id)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound("story"))?;
            story::check_resubmission(StoryState::parse(&state)?)?;
            query(
                "UPDATE stories SET title = $1, body = $2, state = $3, photos = $4, written_by = $5, written_at = $6 \
                 WHERE id = $7",
            )
            .bind(title)
            .bind(body)
            .bind(StoryState::Pending.as_str())
            .bind(photos.len() as i64)
            .bind(by)
            .bind(now)
            .bind(id)
            .execute(&mut tx)
            .await?;
            write_photos(&mut tx, id, photos).await?;
        }
        tx.commit().await?;
        self.story(id).await?.ok_or(StoreError::NotFound("story"))
    }

    pub async fn story(&self, id: i64) -> Result<Option<Story>> {
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!("{STORY_SELECT} WHERE s.id = $1")))
            .bind(id)
            .fetch_optional(&mut conn)
            .await
    }

    /// Photo `position` of a story (JPEG bytes).
    pub async fn story_photo(&self, id: i64, position: i64) -> Result<Option<Vec<u8>>> {
        let mut conn = self.reader().await?;
        query_scalar("SELECT jpeg FROM story_photos WHERE story_id = $1 AND position = $2")
            .bind(id)
            .bind(position)
            .fetch_optional(&mut conn)
            .await
    }

    /// Stories in `state` at or under `path`, newest first.
    pub async fn stories_within(&self, path: &str, state: StoryState, limit: i64) -> Result<Vec<Story>> {
        let (low, high) = subtree_bounds(path);
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "{STORY_SELECT} WHERE s.state = $1 AND (s.region_path = $2 OR (s.region_path > $3 AND s.region_path < $4)) \
             ORDER BY s.id DESC LIMIT $5"
        )))
        .bind(state.as_str())
        .bind(path)
        .bind(low)
        .bind(high)
        .bind(limit)
        .fetch_all(&mut conn)
        .await
    }

    /// The newest approved stories anywhere.
    pub async fn latest_approved_stories(&self, limit: i64) -> Result<Vec<Story>> {
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "{STORY_SELECT} WHERE s.state = $1 ORDER BY s.id DESC LIMIT $2"
        )))
        .bind(StoryState::Approved.as_str())
        .bind(limit)
        .fetch_all(&mut conn)
        .await
    }

    /// The approved stories of an activity, newest first.
    pub async fn approved_stories_of_activity(&self, activity_id: i64) -> Result<Vec<Story>> {
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "{STORY_SELECT} WHERE s.activity_id = $1 AND s.state = $2 ORDER BY s.id DESC LIMIT 20"
        )))
        .bind(activity_id)
        .bind(StoryState::Approved.as_str())
        .fetch_all(&mut conn)
        .await
    }

    /// An organization's stories in every state, newest first.
    pub async fn stories_of_organization(&self, organization_id: i64) -> Result<Vec<Story>> {
        let mut conn = self.reader().await?;
        query_as(sqlx::AssertSqlSafe(format!(
            "{STORY_SELECT} WHERE s.organization_id = $1 ORDER BY s.id DESC LIMIT 200"
        )))
        .bind(organization_id)
        .fetch_all(&mut conn)
        .await
    }

    /// Approves a pending story or sends it back with a note; audited.
    pub async fn review_story(&self, id: i64, approve: bool, note: &str, by: i64, now: i64) -> Result<Story> {
        let lock = self.lock_rows();
        let mut tx = self.transaction().await?;
        {
            let state: String = query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT state FROM stories WHERE id = $1{lock}"
            )))
            .bind(id)
            .fetch_optional(&mut tx)
            .await?
            .ok_or(StoreError::NotFound("story"))?;
            let (next, note) = story::review(StoryState::parse(&state)?, approve, note)?;
            query("UPDATE stories SET state = $1, review_note = $2, reviewed_by = $3, reviewed_at = $4 WHERE id = $5")
                .bind(next.as_str())
                .bind(note.clone())
                .bind(by)
                .bind(now)
                .bind(id)
                .execute(&mut tx)
                .await?;
            audit_entry(
                &mut tx,
                now,
                Some(by),
                "story_reviewed",
                "story",
                id.to_string(),
                next.as_str(),
            )
            .await?;
        }
        tx.commit().await?;
        self.story(id).await?.ok_or(StoreError::NotFound("story"))
    }
}
