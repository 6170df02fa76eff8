//! The public home page: what the platform is, links to log in and to
//! register, and for a logged-in person the pages their roles open.

use crate::web::i18n::Texts;
use crate::web::page::{Layout, Page, PageResult, render};
use askama::Template;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: &'static Texts,
    layout: Layout,
}

pub async fn home(page: Page) -> PageResult {
    render(&HomePage {
        t: page.t,
        layout: page.layout(),
    })
}
