//! Full-text search of activities in Chinese: a tantivy index with jieba word segmentation.
//!
//! The index is a projection of the database, never the source of truth: it is filled with [`ActivityDoc`]s
//! (rebuilt with [`ActivityIndex::clear`] and [`ActivityIndex::upsert`], kept current by upserts and removals)
//! and answers an [`ActivityQuery`] (text, region subtree, dates, category) with the matching activity ids.
//! It lives in memory or in a directory; jieba's dictionary is compiled in, so nothing is downloaded at build
//! or run time.

mod analyzer;
mod index;
mod query;
mod schema;
mod synonyms;

use std::path::PathBuf;

pub use index::{ActivityIndex, MAX_LIMIT, MAX_WINDOW};
pub use query::{ActivityQuery, SearchHits};
pub use schema::ActivityDoc;

/// Why the index could not be opened, written or searched. User query text never causes one.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index directory could not be created.
    #[error("cannot create the search index directory {path}: {source}")]
    Directory { path: PathBuf, source: std::io::Error },
    /// tantivy failed: I/O, a corrupt index, an index of another schema, or a directory already in use.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
}
