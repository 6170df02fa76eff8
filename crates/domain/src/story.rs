//! Volunteer stories (志愿故事): what an organization may publish about one
//! of its activities (a title, a text, up to nine photos of bounded size),
//! and the review by the region's administrators (approve, or send back
//! with a note; a story sent back may be sent again). Only approved stories
//! are public.

use crate::RuleError;
use crate::activity::check_text;
use serde::{Deserialize, Serialize};

/// The most photos of one story.
pub const MAX_PHOTOS: usize = 9;
/// The largest photo accepted, in bytes (before it is resized).
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// The longest side of a stored photo, in pixels.
pub const STORED_SIDE: u32 = 1600;
/// The largest side a photo may have to be decoded at all.
pub const MAX_DECODED_SIDE: u32 = 12_000;

string_enum! {
    /// Where a story stands.
    StoryState, "story_state_invalid", {
        Pending = "pending",
        Approved = "approved",
        Returned = "returned",
    }
}

/// A story's text as checked: a title of 1–60 characters and a text of
/// 1–5000 (kept as typed, shown as text, never as markup).
pub fn check_story(title: &str, body: &str, photos: usize) -> Result<(String, String), RuleError> {
    let title = check_text(title, 60, true, "title")?;
    let body = check_text(body, 5000, true, "body")?;
    if photos > MAX_PHOTOS {
        return Err(RuleError::new("too_many_photos", format!("at most {MAX_PHOTOS} photos")).on("photos"));
    }
    Ok((title, body))
}

/// The formats a photo may come in, recognised by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoFormat {
    Jpeg,
    Png,
}

/// A photo's format from its first bytes, and its size within bounds:
/// `photo_too_large` or `photo_invalid` (anything but JPEG or PNG).
pub fn check_photo(bytes: &[u8]) -> Result<PhotoFormat, RuleError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(RuleError::new(
            "photo_too_large",
            format!("a photo of at most {} MB", MAX_PHOTO_BYTES / 1024 / 1024),
        )
        .on("photos"));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(PhotoFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(PhotoFormat::Png)
    } else {
        Err(RuleError::new("photo_invalid", "photos are JPEG or PNG images").on("photos"))
    }
}

/// The size a photo of `width` × `height` is stored at: its longest side
/// at most [`STORED_SIDE`], the proportions kept, never enlarged.
pub fn stored_size(width: u32, height: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= STORED_SIDE || longest == 0 {
        return (width, height);
    }
    let scale = |side: u32| ((u64::from(side) * u64::from(STORED_SIDE) / u64::from(longest)) as u32).max(1);
    (scale(width), scale(height))
}

/// A review: approving a pending story, or sending it back with a note.
pub fn review(state: StoryState, approve: bool, note: &str) -> Result<(StoryState, String), RuleError> {
    if state != StoryState::Pending {
        return Err(RuleError::new(
            "invalid_transition",
            format!("a {} story is not waiting for review", state.as_str()),
        ));
    }
    if approve {
        return Ok((StoryState::Approved, String::new()));
    }
    let note = check_text(note, 500, true, "note")?;
    Ok((StoryState::Returned, note))
}

/// Nobody approves a story of an organization they run (`own_story`).
pub fn check_reviewer(runs_author: bool) -> Result<(), RuleError> {
    if runs_author {
        return Err(RuleError::new(
            "own_story",
            "another administrator reviews a story of an organization you run",
        ));
    }
    Ok(())
}

/// Whether the organization may send a story again: only one sent back.
pub fn check_resubmission(state: StoryState) -> Result<(), RuleError> {
    if state != StoryState::Returned {
        return Err(RuleError::new(
            "invalid_transition",
            "only a story sent back is sent again",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_story_has_a_title_a_text_and_at_most_nine_photos() {
        assert_eq!(check_story(" 夕阳红 ", "陪老人过重阳", 9).unwrap().0, "夕阳红");
        assert_eq!(check_story("", "x", 0).unwrap_err().code, "text_invalid");
        assert_eq!(
            check_story("t", &"字".repeat(5001), 0).unwrap_err().code,
            "text_invalid"
        );
        assert_eq!(check_story("t", "x", 10).unwrap_err().code, "too_many_photos");
        // Markup is text like any other: kept, never interpreted here.
        assert_eq!(
            check_story("<b>t</b>", "<script>x</script>", 0).unwrap().1,
            "<script>x</script>"
        );
    }

    #[test]
    fn photos_are_jpeg_or_png_and_bounded() {
        assert_eq!(check_photo(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(), PhotoFormat::Jpeg);
        assert_eq!(check_photo(b"\x89PNG\r\n\x1a\n....").unwrap(), PhotoFormat::Png);
        assert_eq!(check_photo(b"GIF89a").unwrap_err().code, "photo_invalid");
        assert_eq!(check_photo(b"%PDF-1.7").unwrap_err().code, "photo_invalid");
        let big = vec![0xFF; MAX_PHOTO_BYTES + 1];
        assert_eq!(check_photo(&big).unwrap_err().code, "photo_too_large");
        assert_eq!(stored_size(4000, 3000), (1600, 1200));
        assert_eq!(stored_size(1000, 3200), (500, 1600));
        assert_eq!(stored_size(800, 600), (800, 600));
        assert_eq!(stored_size(20_000, 1), (1600, 1));
    }

    #[test]
    fn the_region_approves_or_sends_back_with_a_note() {
        assert_eq!(review(StoryState::Pending, true, "").unwrap().0, StoryState::Approved);
        assert_eq!(
            review(StoryState::Pending, false, "照片模糊").unwrap(),
            (StoryState::Returned, "照片模糊".to_string())
        );
        assert_eq!(
            review(StoryState::Pending, false, " ").unwrap_err().code,
            "text_invalid"
        );
        assert_eq!(
            review(StoryState::Approved, true, "").unwrap_err().code,
            "invalid_transition"
        );
        assert!(check_resubmission(StoryState::Returned).is_ok());
        assert_eq!(check_reviewer(true).unwrap_err().code, "own_story");
        assert_eq!(
            check_resubmission(StoryState::Approved).unwrap_err().code,
            "invalid_transition"
        );
    }
}
