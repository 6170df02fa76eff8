//! The public home page: what the platform is, links to log in and to
//! register, the newest approved volunteer stories, and for a logged-in
//! person the pages their roles open.

use crate::app::stories;
use crate::state::AppState;
use crate::web::i18n::Texts;
use crate::web::i18n::stories::StoryTexts;
use crate::web::page::{Layout, Page, PageResult, render};
use askama::Template;
use axum::extract::State;
use zhiyuan_store::stories::Story;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: &'static Texts,
    st: &'static StoryTexts,
    layout: Layout,
    stories: Vec<Story>,
}

pub async fn home(page: Page, State(state): State<AppState>) -> PageResult {
    render(&HomePage {
        t: page.t,
        st: page.lang.story_texts(),
        layout: page.layout(),
        stories: stories::latest(&state).await?,
    })
}
