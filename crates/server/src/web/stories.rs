//! The story page (`/stories/{id}`): an approved story for anyone, with its
//! photos; a pending or returned one only for its organization and the
//! region administrators over it. Its text is shown as text, never as
//! markup. The public home and each activity's page list approved stories
//! with the `story_list.html` part.

use crate::app::stories;
use crate::state::AppState;
use crate::web::i18n::Texts;
use crate::web::i18n::stories::StoryTexts;
use crate::web::page::{Layout, Page, PageResult, china_time, render};
use askama::Template;
use axum::extract::{Path, State};
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
