//! Chinese text analysis with jieba: the tantivy tokenizer that indexes titles and descriptions, and the
//! segmentation of a user's query into words, both through one normalisation so that they always agree.
//!
//! jieba's dictionary is compiled into the binary (jieba-rs `default-dict`): nothing is read or downloaded at
//! run time. It is loaded once per process, on first use (about 0.1 s), and shared by every index.

use std::sync::LazyLock;

use jieba_rs::{Jieba, TokenizeMode};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name under which [`JiebaTokenizer`] is registered with each index.
pub(crate) const TOKENIZER_NAME: &str = "zh_jieba";

/// Longer query text is cut to this many characters before it is segmented.
const MAX_QUERY_CHARS: usize = 200;
/// At most this many distinct words of a query are searched for.
const MAX_QUERY_WORDS: usize = 16;
/// Tokens longer than this (in bytes) are not indexed: they are URLs, hashes or noise, never words.
const MAX_TOKEN_BYTES: usize = 64;

/// HMM finds words missing from the dictionary (names of places and people); used alike everywhere.
const HMM: bool = true;

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// The form in which a jieba token is indexed and searched: lower case, and only if it holds a letter or a
/// digit of some script (spaces and punctuation are dropped).
fn normalize(word: &str) -> Option<String> {
    (word.len() <= MAX_TOKEN_BYTES && word.chars().any(char::is_alphanumeric)).then(|| word.to_lowercase())
}

/// jieba in search mode as a tantivy tokenizer: each word, and inside longer words the two- and
/// three-character dictionary words they contain (so "养老院" is indexed as 养老 and 养老院).
///
/// It holds no state: the dictionary is the process-wide one, so cloning it (tantivy clones a tokenizer for
/// every segment it writes) costs nothing.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct JiebaTokenizer;

/// The tokens of one text, computed up front.
pub(crate) struct JiebaTokenStream {
    tokens: Vec<Token>,
    /// Number of tokens handed out so far; the current one is `tokens[taken - 1]`.
    taken: usize,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokenStream {
        let tokens = JIEBA
            .tokenize(text, TokenizeMode::Search, HMM)
            .into_iter()
            .filter_map(|t| normalize(t.word).map(|text| (t.byte_start, t.byte_end, text)))
            .enumerate()
            .map(|(position, (offset_from, offset_to, text))| Token {
                offset_from,
                offset_to,
                position,
                text,
                position_length: 1,
            })
            .collect();
        JiebaTokenStream { tokens, taken: 0 }
    }
}

impl TokenStream for JiebaTokenStream {
    fn advance(&mut self) -> bool {
        if self.taken < self.tokens.len() {
            self.taken += 1;
            true
        } else {
            false
        }
    }

    // tantivy calls `token` only after `advance` returned true, so `taken >= 1` here.
    fn token(&self) -> &Token {
        &self.tokens[self.taken - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.taken - 1]
    }
}

/// One word of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct QueryWord {
    /// The word as indexed (normalised).
    pub text: String,
    /// The dictionary words inside it (empty for words of one or two characters): 环境保护 → 环境, 保护.
    pub parts: Vec<String>,
}

/// Splits `text` into the distinct words worth searching for, in order of first appearance.
///
/// Never fails: punctuation and query syntax are simply not words. Text beyond [`MAX_QUERY_CHARS`] characters
/// and words beyond [`MAX_QUERY_WORDS`] are ignored. Single characters (的, 为, a) are dropped when the query
/// has a longer word, as they would match nearly everything.
pub(crate) fn query_words(text: &str) -> Vec<QueryWord> {
    let text = match text.char_indices().nth(MAX_QUERY_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    let mut words: Vec<QueryWord> = Vec::new();
    for word in segment(text) {
        if words.iter().all(|w| w.text != word) {
            let parts = if word.chars().count() > 2 {
                JIEBA
                    .cut_for_search(&word, HMM)
                    .into_iter()
                    .filter_map(|t| normalize(t.word))
                    .filter(|part| *part != word)
                    .collect()
            } else {
                Vec::new()
            };
            words.push(QueryWord { text: word, parts });
        }
    }
    if words.iter().any(|w| w.text.chars().count() > 1) {
        words.retain(|w| w.text.chars().count() > 1);
    }
    words.truncate(MAX_QUERY_WORDS);
    words
}

/// The normalised words of `text` in jieba's default (non-overlapping) segmentation.
pub(crate) fn segment(text: &str) -> Vec<String> {
    JIEBA
        .cut(text, HMM)
        .into_iter()
        .filter_map(|t| normalize(t.word))
        .collect()
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{TextAnalyzer, TokenStream as _};

    use super::*;

    fn indexed(text: &str) -> Vec<String> {
        let mut analyzer = TextAnalyzer::from(JiebaTokenizer);
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(token.text.clone());
        }
        out
    }

    fn texts(words: &[QueryWord]) -> Vec<&str> {
        words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn indexes_words_and_the_words_inside_them() {
        assert_eq!(indexed("社区养老服务"), ["社区", "养老", "服务"]);
        assert_eq!(indexed("为老人养老院送餐"), ["为", "老人", "养老", "养老院", "送餐"]);
        assert_eq!(indexed("环境保护宣传"), ["环境", "保护", "环境保护", "宣传"]);
    }

    #[test]
    fn drops_punctuation_and_lowercases() {
        assert_eq!(indexed("Hello, World！志愿服务。"), ["hello", "world", "志愿", "服务"]);
        assert_eq!(indexed("\"(*:)\" ，。"), Vec::<String>::new());
        let positions: Vec<usize> = {
            let mut analyzer = TextAnalyzer::from(JiebaTokenizer);
            let mut stream = analyzer.token_stream("养老，服务");
            let mut out = Vec::new();
            while let Some(token) = stream.next() {
                out.push(token.position);
            }
            out
        };
        assert_eq!(positions, [0, 1]);
    }

    #[test]
    fn query_words_are_distinct_default_mode_words_with_parts() {
        let words = query_words("环境保护 养老 养老");
        assert_eq!(texts(&words), ["环境保护", "养老"]);
        assert_eq!(words[0].parts, ["环境", "保护"]);
        assert!(words[1].parts.is_empty());
    }

    #[test]
    fn single_characters_only_when_nothing_longer() {
        assert_eq!(texts(&query_words("为老人送餐")), ["老人", "送餐"]);
        assert_eq!(texts(&query_words("老")), ["老"]);
        assert_eq!(texts(&query_words("a:b")), ["a", "b"]);
    }

    #[test]
    fn hostile_query_text_is_bounded() {
        assert!(query_words("\"(*:)\"").is_empty());
        assert!(query_words("").is_empty());
        let long = "养老服务志愿者环境保护支教助学".repeat(1000);
        assert!(query_words(&long).len() <= MAX_QUERY_WORDS);
        let many: String = (0..100).map(|i| format!("word{i} ")).collect();
        assert_eq!(query_words(&many).len(), MAX_QUERY_WORDS);
    }
}
