//! [`ActivityIndex`]: the tantivy index of activities, in memory or in a directory, with its single writer
//! and its reader.
//!
//! Writes go through one [`IndexWriter`] behind a mutex and are committed before they return; the reader is
//! reloaded right after each commit (manual reload policy), so a write is visible to every search that starts
//! after it returned. Searches never take the mutex.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::tokenizer::TokenizerManager;
use tantivy::{Index, IndexReader, IndexWriter, Order, ReloadPolicy, Term};

use crate::SearchError;
use crate::analyzer::{JiebaTokenizer, TOKENIZER_NAME};
use crate::query::{ActivityQuery, SearchHits, plan};
use crate::schema::{ActivityDoc, Fields, ID, STARTS_AT};

/// At most this many ids are returned by one search, whatever the requested limit.
pub const MAX_LIMIT: usize = 1_000;
/// Hits past this position (offset + limit) are never returned: deep pages cost memory for every hit before
/// them.
pub const MAX_WINDOW: usize = 10_000;

/// Memory of the writer's indexing buffer before it flushes a segment.
const WRITER_MEMORY_BYTES: usize = 50_000_000;

/// Full-text index of the published activities. `Send + Sync`: share it behind an `Arc`.
pub struct ActivityIndex {
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
}

impl ActivityIndex {
    /// A new, empty index held in memory (lost when dropped; rebuild it from the database at start).
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = Fields::schema();
        let index = Index::builder()
            .schema(schema)
            .tokenizers(tokenizers())
            .create_in_ram()?;
        Self::from_index(index, fields)
    }

    /// Opens the index in `dir`, or creates an empty one there (creating `dir` too if needed).
    ///
    /// Only one `ActivityIndex` can be open on a directory at a time (tantivy's writer lock). An index of an
    /// older schema gives [`tantivy::TantivyError::SchemaError`]: delete the directory and rebuild.
    pub fn open_or_create(dir: &Path) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir).map_err(|source| SearchError::Directory {
            path: PathBuf::from(dir),
            source,
        })?;
        let (schema, fields) = Fields::schema();
        let directory = MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
        let index = Index::builder()
            .schema(schema)
            .tokenizers(tokenizers())
            .open_or_create(directory)?;
        Self::from_index(index, fields)
    }

    fn from_index(index: Index, fields: Fields) -> Result<Self, SearchError> {
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
        Ok(ActivityIndex {
            fields,
            reader,
            writer: Mutex::new(writer),
        })
    }

    /// Indexes `docs`, replacing any document with the same id; a document that is not visible is only
    /// removed. Committed, and searchable, when this returns. An empty slice does nothing.
    pub fn upsert(&self, docs: &[ActivityDoc]) -> Result<(), SearchError> {
        if docs.is_empty() {
            return Ok(());
        }
        self.write(|writer, fields| {
            for doc in docs {
                writer.delete_term(Term::from_field_i64(fields.id, doc.id));
                if doc.visible {
                    writer.add_document(fields.document(doc))?;
                }
            }
            Ok(())
        })
    }

    /// Removes the activity `id` (nothing happens if it is not indexed).
    pub fn remove(&self, id: i64) -> Result<(), SearchError> {
        self.write(|writer, fields| {
            writer.delete_term(Term::from_field_i64(fields.id, id));
            Ok(())
        })
    }

    /// Removes every document, before a rebuild.
    pub fn clear(&self) -> Result<(), SearchError> {
        self.write(|writer, _| writer.delete_all_documents().map(drop))
    }

    /// Number of indexed (visible) activities.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether no activity is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The activities that match `query`: one page of ids and the total count (see [`SearchHits`]).
    pub fn search(&self, query: &ActivityQuery) -> Result<SearchHits, SearchError> {
        let plan = plan(&self.fields, query);
        let searcher = self.reader.searcher();
        let limit = query.limit.min(MAX_LIMIT).min(MAX_WINDOW.saturating_sub(query.offset));
        if limit == 0 {
            let total = searcher.search(&*plan.query, &Count)?;
            return Ok(SearchHits { ids: Vec::new(), total });
        }
        let page = TopDocs::with_limit(limit).and_offset(query.offset);
        let starts_at = (SortByStaticFastValue::<i64>::for_field(STARTS_AT), Order::Asc);
        let id = (SortByStaticFastValue::<i64>::for_field(ID), Order::Asc);
        let (ids, total) = if plan.ranked {
            let by_score = page.order_by(((SortBySimilarityScore, Order::Desc), starts_at, id));
            let (top, total) = searcher.search(&*plan.query, &(by_score, Count))?;
            (top.into_iter().filter_map(|((_, _, id), _)| id).collect(), total)
        } else {
            let by_date = page.order_by((starts_at, id));
            let (top, total) = searcher.search(&*plan.query, &(by_date, Count))?;
            (top.into_iter().filter_map(|((_, id), _)| id).collect(), total)
        };
        Ok(SearchHits { ids, total })
    }

    /// Runs `operations` on the writer and commits them, or rolls them all back if one fails.
    fn write(
        &self,
        operations: impl FnOnce(&mut IndexWriter, &Fields) -> tantivy::Result<()>,
    ) -> Result<(), SearchError> {
        let mut writer = self.lock_writer()?;
        let done = operations(&mut writer, &self.fields).and_then(|()| writer.commit().map(drop));
        if let Err(error) = done {
            writer.rollback()?;
            return Err(error.into());
        }
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    /// The writer. If a thread panicked while holding it, whatever it left uncommitted is rolled back first.
    fn lock_writer(&self) -> Result<MutexGuard<'_, IndexWriter>, SearchError> {
        match self.writer.lock() {
            Ok(writer) => Ok(writer),
            Err(poisoned) => {
                let mut writer = poisoned.into_inner();
                writer.rollback()?;
                self.writer.clear_poison();
                Ok(writer)
            }
        }
    }
}

fn tokenizers() -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(TOKENIZER_NAME, JiebaTokenizer);
    manager
}
