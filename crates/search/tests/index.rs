//! Behaviour of the activity index through its public API: Chinese words and synonyms, filters, ranking,
//! updates, hostile query text, and an index on disk surviving a reopen.

use std::sync::Arc;

use zhiyuan_search::{ActivityDoc, ActivityIndex, ActivityQuery, MAX_LIMIT, SearchHits};

const DAY: i64 = 86_400_000;

fn doc(id: i64, title: &str, description: &str) -> ActivityDoc {
    ActivityDoc {
        id,
        title: title.to_owned(),
        description: description.to_owned(),
        category: "community".to_owned(),
        region_path: "36/3601/360111/360111001/360111001002".to_owned(),
        starts_at_ms: 1_700_000_000_000 + id * DAY,
        ends_at_ms: 1_700_000_000_000 + id * DAY + 3_600_000,
        visible: true,
    }
}

fn index_of(docs: &[ActivityDoc]) -> ActivityIndex {
    let index = ActivityIndex::in_memory().unwrap();
    index.upsert(docs).unwrap();
    index
}

fn query(text: &str) -> ActivityQuery {
    ActivityQuery {
        text: Some(text.to_owned()),
        limit: 20,
        ..ActivityQuery::default()
    }
}

fn all() -> ActivityQuery {
    ActivityQuery {
        limit: 20,
        ..ActivityQuery::default()
    }
}

fn ids(index: &ActivityIndex, query: &ActivityQuery) -> Vec<i64> {
    index.search(query).unwrap().ids
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}

fn sample() -> ActivityIndex {
    index_of(&[
        doc(1, "社区养老服务", "陪伴社区老人聊天"),
        doc(2, "为老人养老院送餐", "每周三中午"),
        doc(3, "关爱留守儿童支教活动", "为山区学校上英语课"),
        doc(4, "环境保护宣传", "在公园发放传单"),
        doc(5, "敬老院慰问演出", "春节前的文艺演出"),
        doc(6, "无偿献血", "市中心血站"),
        doc(7, "爱心助学", "资助贫困学生"),
        doc(8, "Beach Cleanup Volunteer", "pick up litter on the beach"),
    ])
}

#[test]
fn two_character_words_are_found() {
    let index = sample();
    assert_eq!(
        sorted(ids(&index, &query("养老"))),
        [1, 2, 5],
        "养老 and its synonym 敬老"
    );
    assert_eq!(sorted(ids(&index, &query("支教"))), [3, 7], "支教 and its synonym 助学");
    assert_eq!(ids(&index, &query("献血")), [6]);
    assert_eq!(ids(&index, &query("送餐")), [2]);
    assert!(ids(&index, &query("编程")).is_empty());
}

#[test]
fn exact_word_ranks_above_synonym_when_equally_rare() {
    // BM25 still weighs rarity: a synonym found in fewer documents can outrank the word itself.
    let index = index_of(&[
        doc(1, "敬老院慰问", ""),
        doc(2, "社区养老服务", ""),
        doc(3, "读书会", ""),
    ]);
    assert_eq!(ids(&index, &query("养老")), [2, 1]);
    assert_eq!(ids(&index, &query("敬老")), [1, 2]);
}

#[test]
fn synonyms_apply_both_ways() {
    let index = sample();
    assert_eq!(ids(&index, &query("环保")), [4]);
    let index = index_of(&[doc(1, "环保宣传", ""), doc(2, "社区活动", "")]);
    assert_eq!(ids(&index, &query("环境保护")), [1]);
    assert_eq!(ids(&index, &query("敬老")), Vec::<i64>::new());
    let index = index_of(&[doc(1, "助老服务", ""), doc(2, "义工招募", "")]);
    assert_eq!(ids(&index, &query("养老")), [1]);
    assert_eq!(ids(&index, &query("志愿者")), [2]);
}

#[test]
fn longer_phrases_match() {
    let index = sample();
    assert_eq!(ids(&index, &query("社区养老服务"))[0], 1);
    assert_eq!(ids(&index, &query("关爱留守儿童"))[0], 3);
    assert_eq!(
        ids(&index, &query("养老院"))[0],
        2,
        "the whole word first, then documents with its part 养老"
    );
    assert!(ids(&index, &query("养老院")).contains(&1));
}

#[test]
fn documents_with_more_query_words_rank_first() {
    let index = index_of(&[
        doc(1, "养老", "养老 养老 养老"),
        doc(2, "服务", "服务 服务"),
        doc(
            3,
            "社区活动",
            "提供养老咨询与上门服务，内容很长很长很长很长很长很长很长很长很长很长很长很长很长",
        ),
        doc(4, "读书会", "无关"),
    ]);
    let hits = ids(&index, &query("养老 服务"));
    assert_eq!(hits[0], 3, "{hits:?}");
    assert_eq!(sorted(hits), [1, 2, 3]);
}

#[test]
fn title_weighs_more_than_description() {
    let index = index_of(&[doc(1, "周末活动", "养老院探访"), doc(2, "养老院探访", "周末活动")]);
    assert_eq!(ids(&index, &query("养老院")), [2, 1]);
}

#[test]
fn english_and_pinyin_words_ignore_case() {
    let index = sample();
    assert_eq!(ids(&index, &query("volunteer")), [8]);
    assert_eq!(ids(&index, &query("BEACH")), [8]);
}

#[test]
fn region_filter_takes_the_subtree_by_whole_codes() {
    let mut sibling = doc(2, "社区养老服务", "");
    sibling.region_path = "36/36011/360111".to_owned();
    let mut other = doc(3, "社区养老服务", "");
    other.region_path = "36/3602/360203".to_owned();
    let index = index_of(&[doc(1, "社区养老服务", ""), sibling, other]);
    let in_region = |path: &str| {
        let q = ActivityQuery {
            region_path: Some(path.to_owned()),
            ..query("养老")
        };
        sorted(ids(&index, &q))
    };
    assert_eq!(in_region("36/3601"), [1]);
    assert_eq!(in_region("36/3601/360111"), [1]);
    assert_eq!(in_region("36/3601/360111/360111001/360111001002"), [1]);
    assert_eq!(in_region("/36/3601/"), [1], "surrounding slashes are ignored");
    assert_eq!(in_region("36/3602"), [3]);
    assert_eq!(in_region("36/36011"), [2]);
    assert_eq!(in_region("36"), [1, 2, 3]);
    assert_eq!(in_region(""), [1, 2, 3], "the empty path is the root");
    assert_eq!(
        in_region("36/360"),
        Vec::<i64>::new(),
        "a prefix of a code is not a region"
    );
    assert_eq!(in_region("37"), Vec::<i64>::new());
}

#[test]
fn date_range_keeps_activities_that_overlap_it() {
    let mut early = doc(1, "养老", "");
    (early.starts_at_ms, early.ends_at_ms) = (1_000, 2_000);
    let mut late = doc(2, "养老", "");
    (late.starts_at_ms, late.ends_at_ms) = (3_000, 4_000);
    let index = index_of(&[early, late]);
    let between = |from: Option<i64>, to: Option<i64>| {
        sorted(ids(
            &index,
            &ActivityQuery {
                from_ms: from,
                to_ms: to,
                ..all()
            },
        ))
    };
    assert_eq!(between(None, None), [1, 2]);
    assert_eq!(between(Some(2_500), None), [2]);
    assert_eq!(between(Some(2_000), None), [1, 2], "ending exactly at `from` counts");
    assert_eq!(between(Some(2_001), None), [2]);
    assert_eq!(between(None, Some(2_500)), [1]);
    assert_eq!(between(None, Some(3_000)), [1, 2], "starting exactly at `to` counts");
    assert_eq!(between(Some(1_500), Some(3_500)), [1, 2]);
    assert_eq!(between(Some(2_100), Some(2_900)), Vec::<i64>::new());
    assert_eq!(between(Some(4_001), None), Vec::<i64>::new());
    assert_eq!(between(Some(i64::MIN), Some(i64::MAX)), [1, 2]);
}

#[test]
fn category_filter_is_exact() {
    let mut care = doc(1, "社区养老服务", "");
    care.category = "elderly_care".to_owned();
    let mut care_plus = doc(2, "养老院送餐", "");
    care_plus.category = "elderly_care_plus".to_owned();
    let index = index_of(&[care, care_plus, doc(3, "养老讲座", "")]);
    let of = |category: &str| {
        sorted(ids(
            &index,
            &ActivityQuery {
                category: Some(category.to_owned()),
                ..all()
            },
        ))
    };
    assert_eq!(of("elderly_care"), [1]);
    assert_eq!(of("elderly_care_plus"), [2]);
    assert_eq!(of("community"), [3]);
    assert_eq!(of("elderly"), Vec::<i64>::new());
    assert_eq!(of(""), [1, 2, 3], "an empty category is no filter");
    let text_and_category = ActivityQuery {
        category: Some("community".to_owned()),
        ..query("养老")
    };
    assert_eq!(ids(&index, &text_and_category), [3]);
}

#[test]
fn invisible_activities_are_never_returned() {
    let mut draft = doc(2, "社区养老服务草稿", "");
    draft.visible = false;
    let index = index_of(&[doc(1, "社区养老服务", ""), draft]);
    assert_eq!(ids(&index, &query("养老")), [1]);
    assert_eq!(ids(&index, &all()), [1]);
    assert_eq!(index.len(), 1);

    let mut cancelled = doc(1, "社区养老服务", "");
    cancelled.visible = false;
    index.upsert(&[cancelled]).unwrap();
    assert!(ids(&index, &all()).is_empty(), "hiding a published activity removes it");
    assert!(index.is_empty());
}

#[test]
fn upsert_replaces_documents_with_the_same_id() {
    let index = index_of(&[doc(1, "社区养老服务", ""), doc(2, "支教", "")]);
    index.upsert(&[doc(1, "环境保护宣传", "")]).unwrap();
    assert_eq!(index.len(), 2);
    assert!(ids(&index, &query("养老")).is_empty(), "the old title is gone");
    assert_eq!(ids(&index, &query("环保")), [1]);

    index
        .upsert(&[
            doc(3, "无偿献血", ""),
            doc(3, "无偿献血第二版", ""),
            doc(3, "爱心献血", ""),
        ])
        .unwrap();
    assert_eq!(index.len(), 3, "the last of several versions in one batch wins");
    assert_eq!(ids(&index, &query("献血")), [3]);
    assert!(ids(&index, &query("无偿")).is_empty());

    index.upsert(&[]).unwrap();
    assert_eq!(index.len(), 3);
}

#[test]
fn remove_and_clear() {
    let index = sample();
    index.remove(1).unwrap();
    assert_eq!(sorted(ids(&index, &query("养老"))), [2, 5]);
    index.remove(1).unwrap();
    index.remove(999).unwrap();
    assert_eq!(index.len(), 7);
    index.clear().unwrap();
    assert!(index.is_empty());
    assert_eq!(index.search(&all()).unwrap(), SearchHits::default());
    index.upsert(&[doc(1, "社区养老服务", "")]).unwrap();
    assert_eq!(ids(&index, &query("养老")), [1], "the index is usable after a clear");
}

#[test]
fn hostile_query_text_gives_results_or_nothing_never_an_error() {
    let index = sample();
    let long = "养老".repeat(50_000);
    let hostile = [
        "\"",
        "\"养老",
        "(",
        "((养老",
        ")",
        "a:b",
        "title:养老",
        "*",
        "养老*",
        "?",
        "~2",
        "^10",
        "+-!&&||",
        "[1 TO 2]",
        "{*}",
        "\\",
        "\0",
        "   ",
        "",
        "😀🎉",
        "\u{200b}",
        "IN 养老 OR NOT",
        &long,
    ];
    for text in hostile {
        let hits = index.search(&query(text));
        assert!(
            hits.is_ok(),
            "{:?}: {hits:?}",
            text.chars().take(20).collect::<String>()
        );
    }
    assert_eq!(sorted(ids(&index, &query("\"养老\""))), [1, 2, 5]);
    assert_eq!(sorted(ids(&index, &query("title:养老"))), [1, 2, 5]);
    assert_eq!(ids(&index, &query(&long))[..2].len(), 2);
}

#[test]
fn text_without_words_matches_everything() {
    let index = sample();
    assert_eq!(index.search(&query("*")).unwrap().total, 8);
    assert_eq!(index.search(&query("")).unwrap().total, 8);
    assert_eq!(index.search(&all()).unwrap().total, 8);
}

#[test]
fn without_text_hits_come_by_start_time_then_id() {
    let mut a = doc(1, "甲", "");
    a.starts_at_ms = 30;
    let mut b = doc(2, "乙", "");
    b.starts_at_ms = 10;
    let mut c = doc(3, "丙", "");
    c.starts_at_ms = 20;
    let mut d = doc(4, "丁", "");
    d.starts_at_ms = 20;
    let mut e = doc(5, "戊", "");
    e.starts_at_ms = -5;
    let index = ActivityIndex::in_memory().unwrap();
    index.upsert(&[d]).unwrap();
    index.upsert(&[a, b, c, e]).unwrap();
    assert_eq!(ids(&index, &all()), [5, 2, 3, 4, 1]);
}

#[test]
fn pages_and_totals() {
    let index = sample();
    let page = |offset: usize, limit: usize| index.search(&ActivityQuery { offset, limit, ..all() }).unwrap();
    assert_eq!(
        page(0, 3),
        SearchHits {
            ids: vec![1, 2, 3],
            total: 8
        }
    );
    assert_eq!(
        page(3, 3),
        SearchHits {
            ids: vec![4, 5, 6],
            total: 8
        }
    );
    assert_eq!(
        page(6, 3),
        SearchHits {
            ids: vec![7, 8],
            total: 8
        }
    );
    assert_eq!(page(9, 3), SearchHits { ids: vec![], total: 8 });
    assert_eq!(page(0, 0), SearchHits { ids: vec![], total: 8 });
    assert_eq!(page(0, usize::MAX).ids.len(), 8);
    assert_eq!(page(usize::MAX, usize::MAX), SearchHits { ids: vec![], total: 8 });
    let text = index
        .search(&ActivityQuery {
            limit: 1,
            ..query("养老")
        })
        .unwrap();
    assert_eq!((text.ids.len(), text.total), (1, 3));
}

#[test]
fn limit_is_capped() {
    let docs: Vec<ActivityDoc> = (0..(MAX_LIMIT as i64 + 10)).map(|i| doc(i, "社区服务", "")).collect();
    let index = index_of(&docs);
    let hits = index
        .search(&ActivityQuery {
            limit: usize::MAX,
            ..query("服务")
        })
        .unwrap();
    assert_eq!((hits.ids.len(), hits.total), (MAX_LIMIT, MAX_LIMIT + 10));
}

#[test]
fn shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ActivityIndex>();

    let index = Arc::new(ActivityIndex::in_memory().unwrap());
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let index = Arc::clone(&index);
            std::thread::spawn(move || {
                for i in 0..10 {
                    index.upsert(&[doc(t * 100 + i, "社区养老服务", "")]).unwrap();
                    assert!(!ids(&index, &query("养老")).is_empty());
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    assert_eq!(index.len(), 40);
    assert_eq!(index.search(&query("养老")).unwrap().total, 40);
}

#[test]
fn index_on_disk_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("activities");
    {
        let index = ActivityIndex::open_or_create(&path).unwrap();
        index.upsert(&[doc(1, "社区养老服务", ""), doc(2, "支教", "")]).unwrap();
        index.remove(2).unwrap();
        assert!(
            ActivityIndex::open_or_create(&path).is_err(),
            "one writer per directory"
        );
    }
    let index = ActivityIndex::open_or_create(&path).unwrap();
    assert_eq!(index.len(), 1);
    assert_eq!(ids(&index, &query("养老")), [1]);
    index.upsert(&[doc(3, "环境保护宣传", "")]).unwrap();
    drop(index);
    let index = ActivityIndex::open_or_create(&path).unwrap();
    assert_eq!(sorted(ids(&index, &all())), [1, 3]);
}
