//! The daily rankings (天天比) a region administrator reads: the level and
//! metric are checked by the domain (never people), the region must lie in
//! the reader's scope, and each day's values come from its stored snapshot
//! or, until the snapshot exists (today, say), from the rollups at once.

use crate::app::input::optional_day;
use crate::app::scope::admin_region_path;
use crate::auth::CurrentUser;
use crate::error::ApiResult;
use crate::state::AppState;
use chrono::NaiveDate;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::ranking::{RankLevel, RankMetric, Ranked, parse_level, parse_metric, rank, with_changes};
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_store::rankings::Candidate;

/// What the reader asks for, as typed.
pub struct RankingQuestion<'a> {
    pub level: &'a str,
    pub metric: &'a str,
    pub date: Option<&'a str>,
    pub region: Option<&'a str>,
}

/// A day's ranking within a region.
pub struct Ranking {
    pub level: RankLevel,
    pub metric: RankMetric,
    pub day: NaiveDate,
    pub region_path: String,
    /// Whether the day's values come from its stored snapshot.
    pub from_snapshot: bool,
    pub rows: Vec<Ranked>,
}

/// The ranking asked for, with each row's change since the day before.
pub async fn ranking(state: &AppState, caller: &CurrentUser, question: &RankingQuestion<'_>) -> ApiResult<Ranking> {
    let level = parse_level(question.level)?;
    let metric = parse_metric(question.metric, level)?;
    let today = china_date(from_epoch_ms(state.now_ms()));
    let day = optional_day(question.date, "date")?.unwrap_or(today);
    if day > today {
        return Err(
            RuleError::new("date_in_future", "rankings exist for today and the days before")
                .on("date")
                .into(),
        );
    }
    let region_path = admin_region_path(state, &caller.actor, question.region).await?;
    let (values, from_snapshot) = values_on(state, level, &region_path, day).await?;
    let before = match day.pred_opt() {
        Some(yesterday) => values_on(state, level, &region_path, yesterday).await?.0,
        None => Vec::new(),
    };
    let ranked = |candidates: Vec<Candidate>| {
        rank(
            candidates
                .into_iter()
                .map(|c| {
                    let value = c.values.get(metric);
                    (c.key, c.name, value)
                })
                .collect(),
        )
    };
    Ok(Ranking {
        level,
        metric,
        day,
        region_path,
        from_snapshot,
        rows: with_changes(ranked(values), &ranked(before)),
    })
}

/// The candidates' values on `day`: the stored snapshot's, else computed.
async fn values_on(
    state: &AppState,
    level: RankLevel,
    region_path: &str,
    day: NaiveDate,
) -> ApiResult<(Vec<Candidate>, bool)> {
    if let Some(stored) = state.store.ranking_snapshot(day, level, region_path).await? {
        return Ok((stored, true));
    }
    let computed = state.store.ranking_candidates(level, Some(region_path), day).await?;
    Ok((computed, false))
}
