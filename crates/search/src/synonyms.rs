//! The synonym list applied at query time: a query word found in a set also searches for the other words of
//! that set. Documents are indexed as written, so changing this list needs no rebuild of the index.

/// Sets of words that mean the same thing in an activity's title or description.
const SYNONYM_SETS: &[&[&str]] = &[
    &["环保", "环境保护"],
    &["养老", "敬老", "助老"],
    &["支教", "助学"],
    &["助残", "扶残"],
    &["志愿者", "义工"],
];

/// The other words of the set that contains `word` (empty when `word` has no synonyms).
pub(crate) fn synonyms_of(word: &str) -> impl Iterator<Item = &'static str> + '_ {
    SYNONYM_SETS
        .iter()
        .filter(move |set| set.contains(&word))
        .flat_map(|set| set.iter().copied())
        .filter(move |other| *other != word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_go_both_ways_and_exclude_the_word_itself() {
        assert_eq!(synonyms_of("环保").collect::<Vec<_>>(), ["环境保护"]);
        assert_eq!(synonyms_of("环境保护").collect::<Vec<_>>(), ["环保"]);
        assert_eq!(synonyms_of("敬老").collect::<Vec<_>>(), ["养老", "助老"]);
        assert_eq!(synonyms_of("服务").count(), 0);
    }

    #[test]
    fn every_synonym_is_one_word_for_jieba() {
        // A synonym that jieba split would be searched as the conjunction of its parts: still correct, but
        // less precise. Keep the list to dictionary words.
        for word in SYNONYM_SETS.iter().flat_map(|set| set.iter()) {
            assert_eq!(crate::analyzer::segment(word), [*word], "{word}");
        }
    }
}
