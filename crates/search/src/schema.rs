//! The index schema and the mapping of an [`ActivityDoc`] onto it.
//!
//! Nothing is stored but what search needs: the id and the dates as fast fields (the id is also indexed, to
//! replace and delete by id), title and description as jieba-tokenized text, category as one raw term and
//! the region as one raw term for every prefix of its materialized path.

use tantivy::TantivyDocument;
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions};

use crate::analyzer::TOKENIZER_NAME;

/// An activity as the index sees it: a projection of the activity row, rebuilt from the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityDoc {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// Category code, e.g. `elderly_care`; matched exactly.
    pub category: String,
    /// Materialized path of the activity's region, e.g. `36/3601/360111/360111001/360111001002`.
    pub region_path: String,
    /// Epoch milliseconds.
    pub starts_at_ms: i64,
    /// Epoch milliseconds.
    pub ends_at_ms: i64,
    /// Published. A document that is not visible is removed from the index instead of being indexed.
    pub visible: bool,
}

/// Field names; the fast-field names are also what the collectors sort by.
pub(crate) const ID: &str = "id";
pub(crate) const STARTS_AT: &str = "starts_at";
const TITLE: &str = "title";
const DESCRIPTION: &str = "description";
const CATEGORY: &str = "category";
const REGION: &str = "region";
const ENDS_AT: &str = "ends_at";

/// Handles of the schema's fields.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    pub description: Field,
    pub category: Field,
    pub region: Field,
    pub starts_at: Field,
    pub ends_at: Field,
}

impl Fields {
    /// Builds the schema, and the handles of its fields.
    pub fn schema() -> (Schema, Fields) {
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER_NAME)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let mut builder = Schema::builder();
        let fields = Fields {
            id: builder.add_i64_field(ID, INDEXED | FAST),
            title: builder.add_text_field(TITLE, text.clone()),
            description: builder.add_text_field(DESCRIPTION, text),
            category: builder.add_text_field(CATEGORY, STRING),
            region: builder.add_text_field(REGION, STRING),
            starts_at: builder.add_i64_field(STARTS_AT, FAST),
            ends_at: builder.add_i64_field(ENDS_AT, FAST),
        };
        (builder.build(), fields)
    }

    /// The tantivy document for `doc` (whatever its visibility: the caller decides whether to add it).
    pub fn document(&self, doc: &ActivityDoc) -> TantivyDocument {
        let mut out = TantivyDocument::new();
        out.add_i64(self.id, doc.id);
        out.add_text(self.title, &doc.title);
        out.add_text(self.description, &doc.description);
        out.add_text(self.category, doc.category.trim());
        for prefix in region_prefixes(&doc.region_path) {
            out.add_text(self.region, prefix);
        }
        out.add_i64(self.starts_at, doc.starts_at_ms);
        out.add_i64(self.ends_at, doc.ends_at_ms);
        out
    }
}

/// The canonical form of a region path: its non-empty segments joined by `/` (surrounding spaces and
/// slashes, and doubled slashes, are ignored). Empty for the root.
pub(crate) fn normalize_region_path(path: &str) -> String {
    region_segments(path).join("/")
}

/// Every prefix of a region path that ends on a whole segment, shortest first:
/// `36/3601/360111` → `36`, `36/3601`, `36/3601/360111`.
fn region_prefixes(path: &str) -> Vec<String> {
    let segments = region_segments(path);
    (1..=segments.len()).map(|n| segments[..n].join("/")).collect()
}

fn region_segments(path: &str) -> Vec<&str> {
    path.split('/').map(str::trim).filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_end_on_whole_segments() {
        assert_eq!(region_prefixes("36/3601/360111"), ["36", "36/3601", "36/3601/360111"]);
        assert_eq!(region_prefixes(" /36//3601/ "), ["36", "36/3601"]);
        assert_eq!(region_prefixes("36"), ["36"]);
        assert!(region_prefixes("").is_empty());
        assert!(region_prefixes("/").is_empty());
    }

    #[test]
    fn region_paths_normalize() {
        assert_eq!(normalize_region_path("/36/3601/"), "36/3601");
        assert_eq!(normalize_region_path(" 36 / 3601 "), "36/3601");
        assert_eq!(normalize_region_path(""), "");
    }
}
