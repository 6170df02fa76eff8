//! What a search asks for ([`ActivityQuery`]), what it returns ([`SearchHits`]), and the translation of the
//! former into a tantivy query. Queries are built term by term, never through tantivy's query-parser syntax,
//! so no user text (quotes, colons, brackets, `*`) can be a syntax error.
//!
//! Ranking of a text query: each word of the query is one clause, matched by the word itself, by its
//! synonyms, or by all of its parts (环境保护 → 环境 + 保护). A document scores [`WORD_MATCH_SCORE`] for each
//! clause it matches, plus BM25 (title weighing double the description). So a document with more of the
//! query's words always ranks above one with fewer ("养老 服务": documents with both first), and BM25 orders
//! documents with as many.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;

use crate::analyzer::{QueryWord, query_words, segment};
use crate::schema::{Fields, normalize_region_path};
use crate::synonyms::synonyms_of;

/// A search for activities. Every filter that is set must hold; `Default` matches every indexed activity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    /// Free text in Chinese, pinyin or English. `None`, empty, or without any word (only punctuation) means
    /// no text condition.
    pub text: Option<String>,
    /// Only activities whose region is this path or lies below it, e.g. `36/3601`. Segments are whole codes:
    /// `36/3601` does not match `36/36011`. Empty means the whole country.
    pub region_path: Option<String>,
    /// Only activities that end at or after this instant (epoch ms).
    pub from_ms: Option<i64>,
    /// Only activities that start at or before this instant (epoch ms).
    pub to_ms: Option<i64>,
    /// Only activities of this category code. Empty means any category.
    pub category: Option<String>,
    /// Page size; at most [`MAX_LIMIT`](crate::MAX_LIMIT) ids are returned.
    pub limit: usize,
    /// Number of hits skipped before the page; pages past [`MAX_WINDOW`](crate::MAX_WINDOW) hits are empty.
    pub offset: usize,
}

/// The result of a search.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchHits {
    /// The page of activity ids: by relevance for a text query (ties by start time, then id), otherwise by
    /// start time ascending (ties by id).
    pub ids: Vec<i64>,
    /// Number of activities that match, over all pages.
    pub total: usize,
}

/// Score a document earns for each word of the query that it matches. Above any BM25 sum of a whole query:
/// one term scores at most idf × (k1 + 1) ≈ 17 × 2.2 in an index of ten million documents, so one word with
/// its title boost, synonyms and parts stays under 600, and the at most 16 words of a query under 10 000.
const WORD_MATCH_SCORE: f32 = 10_000.0;
/// Weight of a term found in the title, relative to the description.
const TITLE_BOOST: f32 = 2.0;
/// Weight of a match through a synonym, relative to the word itself.
const SYNONYM_WEIGHT: f32 = 0.8;
/// Weight of a match through the parts of a longer word, relative to the word itself.
const PARTS_WEIGHT: f32 = 0.5;

/// A tantivy query for an [`ActivityQuery`].
pub(crate) struct Plan {
    pub query: Box<dyn Query>,
    /// Whether the query has text, so that hits are ranked by score rather than by date.
    pub ranked: bool,
}

/// Builds the tantivy query for `query`.
pub(crate) fn plan(fields: &Fields, query: &ActivityQuery) -> Plan {
    let words = query.text.as_deref().map(query_words).unwrap_or_default();
    let ranked = !words.is_empty();
    let main: Box<dyn Query> = if ranked {
        Box::new(BooleanQuery::union(
            words.iter().map(|w| word_clause(fields, w)).collect(),
        ))
    } else {
        Box::new(AllQuery)
    };
    let mut clauses = vec![(Occur::Must, main)];
    for filter in filters(fields, query) {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
    }
    Plan {
        query: Box::new(BooleanQuery::new(clauses)),
        ranked,
    }
}

/// The filters of `query` that are set, unscored.
fn filters(fields: &Fields, query: &ActivityQuery) -> Vec<Box<dyn Query>> {
    let mut out: Vec<Box<dyn Query>> = Vec::new();
    if let Some(path) = query
        .region_path
        .as_deref()
        .map(normalize_region_path)
        .filter(|p| !p.is_empty())
    {
        let term = Term::from_field_text(fields.region, &path);
        out.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
    }
    if let Some(category) = query.category.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let term = Term::from_field_text(fields.category, category);
        out.push(Box::new(TermQuery::new(term, IndexRecordOption::Basic)));
    }
    if let Some(from) = query.from_ms {
        let lower = Bound::Included(Term::from_field_i64(fields.ends_at, from));
        out.push(Box::new(RangeQuery::new(lower, Bound::Unbounded)));
    }
    if let Some(to) = query.to_ms {
        let upper = Bound::Included(Term::from_field_i64(fields.starts_at, to));
        out.push(Box::new(RangeQuery::new(Bound::Unbounded, upper)));
    }
    out
}

/// The clause of one query word: [`WORD_MATCH_SCORE`] if any of its alternatives matches, plus their BM25.
fn word_clause(fields: &Fields, word: &QueryWord) -> Box<dyn Query> {
    let matched = ConstScoreQuery::new(
        Box::new(BooleanQuery::union(alternatives(fields, word))),
        WORD_MATCH_SCORE,
    );
    let scored = BooleanQuery::union(alternatives(fields, word));
    Box::new(BooleanQuery::union(vec![Box::new(matched), Box::new(scored)]))
}

/// Ways a document can contain `word`: the word, one of its synonyms, or all of its parts; each weighted.
fn alternatives(fields: &Fields, word: &QueryWord) -> Vec<Box<dyn Query>> {
    let mut out = vec![all_terms(fields, std::slice::from_ref(&word.text), 1.0)];
    for synonym in synonyms_of(&word.text) {
        out.push(all_terms(fields, &segment(synonym), SYNONYM_WEIGHT));
    }
    if !word.parts.is_empty() {
        out.push(all_terms(fields, &word.parts, PARTS_WEIGHT));
    }
    out
}

/// Documents that contain every one of `terms` (each in the title or the description), scored by BM25
/// times `weight`.
fn all_terms(fields: &Fields, terms: &[String], weight: f32) -> Box<dyn Query> {
    let each: Vec<Box<dyn Query>> = terms
        .iter()
        .map(|term| -> Box<dyn Query> {
            let title = TermQuery::new(Term::from_field_text(fields.title, term), IndexRecordOption::WithFreqs);
            let description = TermQuery::new(
                Term::from_field_text(fields.description, term),
                IndexRecordOption::WithFreqs,
            );
            Box::new(BooleanQuery::union(vec![
                Box::new(BoostQuery::new(Box::new(title), TITLE_BOOST)),
                Box::new(description),
            ]))
        })
        .collect();
    Box::new(BoostQuery::new(Box::new(BooleanQuery::intersection(each)), weight))
}
