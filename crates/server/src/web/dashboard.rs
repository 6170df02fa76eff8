//! The statistics pages of region administrators: the dashboard of a
//! region and period (headline figures against the period before, the
//! trend of hours, the kinds of hours, the daily ranking of the level
//! below, and the regions below to click into), and the big screen (大屏)
//! for a centre's wall, which refreshes itself. Both read
//! `app::statistics` and `app::rankings`; the charts are SVG drawn here
//! (`charts`).

use crate::api::exports::ExportFilter;
use crate::app::exports::{self, ExportKind};
use crate::app::rankings::{self, RankingQuestion};
use crate::app::statistics;
use crate::export::Format;
use crate::state::AppState;
use crate::web::charts::{self, Part};
use crate::web::i18n::statistics::{StatsTexts, level as level_name};
use crate::web::i18n::{Lang, Texts};
use crate::web::page::{Layout, Page, PageError, PageQuery, PageResult, explained, filled, render, render_with};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use zhiyuan_domain::ranking::{RankLevel, Ranked, level_below};
use zhiyuan_domain::region::RegionLevel;
use zhiyuan_domain::site::DesignationFilter;
use zhiyuan_domain::statistics::{RegionStatistics, Span, period};
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_store::statistics::RegionReport;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DashboardQuery {
    region: String,
    from: String,
    to: String,
    /// Only designated sites: `any`, `national`, `provincial` or `city`.
    designation: String,
}

/// A headline figure with its change against the period before.
struct Headline {
    id: &'static str,
    label: &'static str,
    value: String,
    /// `up`, `down` or `same`.
    direction: &'static str,
    change: String,
    /// What the figure counts, where its name alone does not say.
    hint: Option<&'static str>,
}

struct ChildRow {
    code: String,
    name: String,
    volunteers: i64,
    hours: String,
    active: i64,
    loops: i64,
}

struct RankRow {
    rank: u32,
    name: String,
    value: String,
    /// `up`, `down`, `same` or `new`.
    movement: &'static str,
    arrow: &'static str,
    movement_label: &'static str,
}

/// What both pages show.
struct Board {
    /// The designation filter as asked (empty: the whole region).
    designation: String,
    region_code: String,
    region_name: String,
    parent_code: Option<String>,
    from: String,
    to: String,
    headlines: Vec<Headline>,
    shares: Vec<(&'static str, String)>,
    trend_svg: String,
    trend_rows: Vec<(String, String)>,
    kinds_svg: String,
    children: Vec<ChildRow>,
    ranking_level: &'static str,
    ranking_level_code: &'static str,
    ranking: Vec<RankRow>,
    /// (kind, label) of each export offered.
    exports: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: &'static Texts,
    s: &'static StatsTexts,
    layout: Layout,
    board: Option<Board>,
    query_from: String,
    query_to: String,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    t: &'static Texts,
    s: &'static StatsTexts,
    layout: Layout,
    board: Board,
    updated_at: String,
}

pub async fn dashboard(
    page: Page,
    State(state): State<AppState>,
    PageQuery(query): PageQuery<DashboardQuery>,
) -> PageResult {
    let built = board(&page, &state, &query).await;
    let (board, status, error) = match built {
        Ok(board) => (Some(board), StatusCode::OK, None),
        Err(BoardError::Refused(message, status)) => (None, status, Some(message)),
        Err(BoardError::Page(error)) => return Err(error),
    };
    render_with(
        status,
        &DashboardPage {
            t: page.t,
            s: page.lang.stats_texts(),
            layout: page.layout(),
            board,
            query_from: query.from.clone(),
            query_to: query.to.clone(),
            error,
        },
    )
}

/// An export from the dashboard (the page's session instead of a token);
/// the same rows as `GET /api/v1/exports/{kind}`.
pub async fn export(
    page: Page,
    State(state): State<AppState>,
    Path(kind): Path<String>,
    PageQuery(filter): PageQuery<ExportFilter>,
) -> PageResult {
    let user = page.require_user()?;
    if !user.actor.is_region_admin() {
        return Err(PageError::forbidden());
    }
    let started = async {
        let kind = ExportKind::parse(&kind)?;
        let format = Format::parse(filter.format.as_deref())?;
        let (sheet, pages) = exports::start(&state, user, kind, &filter.question()).await?;
        crate::export::respond(format, sheet, pages).await
    };
    // A refusal is the error page explaining its code.
    started.await.map_err(|error| {
        if error.status.is_client_error() {
            PageError::new(error.status, &error.code)
        } else {
            error.into()
        }
    })
}

pub async fn screen(
    page: Page,
    State(state): State<AppState>,
    PageQuery(query): PageQuery<DashboardQuery>,
) -> PageResult {
    let board = match board(&page, &state, &query).await {
        Ok(board) => board,
        Err(BoardError::Refused(..)) => return Err(PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_request")),
        Err(BoardError::Page(error)) => return Err(error),
    };
    render(&ScreenPage {
        t: page.t,
        s: page.lang.stats_texts(),
        layout: page.layout(),
        board,
        updated_at: crate::web::page::china_time(state.now_ms()),
    })
}

enum BoardError {
    /// A refusal shown on the page in words (a bad date, say).
    Refused(&'static str, StatusCode),
    Page(PageError),
}

impl From<PageError> for BoardError {
    fn from(error: PageError) -> Self {
        BoardError::Page(error)
    }
}

fn refused(lang: Lang, error: crate::error::ApiError) -> BoardError {
    if error.status == StatusCode::FORBIDDEN || error.status == StatusCode::UNAUTHORIZED {
        return BoardError::Page(PageError::forbidden());
    }
    match explained(lang, error) {
        Ok((message, status)) => BoardError::Refused(message, status),
        Err(failure) => BoardError::Page(failure),
    }
}

/// The figures of the region and period asked for, drawn for a page.
async fn board(page: &Page, state: &AppState, query: &DashboardQuery) -> Result<Board, BoardError> {
    let user = page.require_user()?;
    if !user.actor.is_region_admin() {
        return Err(PageError::forbidden().into());
    }
    let lang = page.lang;
    let s = lang.stats_texts();
    let today = china_date(from_epoch_ms(state.now_ms()));
    let day = |raw: &str, field| crate::app::input::optional_day(Some(raw), field);
    let (from, to) = day(&query.from, "from")
        .and_then(|from| Ok((from, day(&query.to, "to")?)))
        .and_then(|(from, to)| period(from, to, today))
        .map_err(|rule| refused(lang, rule.into()))?;
    let designation = filled(&query.designation)
        .map(|raw| DesignationFilter::parse(&raw))
        .transpose()
        .map_err(|rule| refused(lang, rule.into()))?;
    let region = filled(&query.region);
    let report = statistics::report_for(state, user, region.as_deref(), from, to, designation)
        .await
        .map_err(|error| refused(lang, error))?;
    let (before_from, before_to) = zhiyuan_domain::statistics::previous_period(from, to);
    let before = statistics::report_for(
        state,
        user,
        Some(&report.region.code),
        before_from,
        before_to,
        designation,
    )
    .await
    .map_err(|error| refused(lang, error))?;
    let level = RegionLevel::parse(&report.region.level)
        .map(level_below)
        .unwrap_or(RankLevel::Site)
        .as_str();
    let ranking = rankings::ranking(
        state,
        user,
        &RankingQuestion {
            level,
            metric: "hours",
            date: Some(&to.min(today).to_string()),
            region: Some(&report.region.code),
        },
    )
    .await
    .map_err(|error| refused(lang, error))?;
    Ok(Board {
        designation: filled(&query.designation).unwrap_or_default(),
        headlines: headlines(s, &report.figures, &before.figures),
        shares: vec![
            (s.population_share, share(report.figures.population_share, s.unknown)),
            (
                s.party_member_share,
                share(Some(report.figures.party_member_share), s.unknown),
            ),
            (s.elderly_share, share(Some(report.figures.elderly_share), s.unknown)),
            (s.rural_share, share(Some(report.figures.rural_share), s.unknown)),
        ],
        trend_svg: trend(s, &report),
        trend_rows: report
            .series
            .iter()
            .map(|(period, figures)| (period.clone(), charts::number(figures.effective_hours)))
            .collect(),
        kinds_svg: charts::share_bar(
            "kinds",
            s.kinds_title,
            &[
                Part {
                    label: s.credit_hours,
                    value: report.figures.credit_hours,
                    class: "credit",
                },
                Part {
                    label: s.honor_hours,
                    value: report.figures.honor_hours,
                    class: "honor",
                },
            ],
        ),
        children: report
            .children
            .iter()
            .map(|(child, figures)| ChildRow {
                code: child.code.clone(),
                name: child.name.clone(),
                volunteers: figures.volunteers,
                hours: charts::number(figures.effective_hours),
                active: figures.active_volunteers,
                loops: figures.closed_loops,
            })
            .collect(),
        ranking_level: lang.pick(level_name(level)),
        ranking_level_code: level,
        exports: vec![
            ("statistics", s.export_statistics),
            ("rankings", s.export_rankings),
            ("volunteers", s.export_volunteers),
            ("records", s.export_records),
            ("national-records", s.export_national),
        ],
        ranking: ranking.rows.iter().take(20).map(|row| rank_row(s, row)).collect(),
        region_code: report.region.code.clone(),
        region_name: report.region.name.clone(),
        // "Up one level" only where the reader may go.
        parent_code: report
            .region
            .path
            .rsplit_once('/')
            .filter(|(parent_path, _)| user.actor.administers_region(parent_path))
            .and(report.region.parent_code.clone()),
        from: from.to_string(),
        to: to.to_string(),
    })
}

fn share(value: Option<f64>, unknown: &'static str) -> String {
    value.map_or_else(|| unknown.to_string(), |v| format!("{}%", charts::number(v * 100.0)))
}

fn headlines(s: &StatsTexts, now: &RegionStatistics, before: &RegionStatistics) -> Vec<Headline> {
    let figure = |id, label, value: f64, was: f64| {
        let change = value - was;
        Headline {
            id,
            label,
            value: charts::number(value),
            direction: if change > 0.0 {
                "up"
            } else if change < 0.0 {
                "down"
            } else {
                "same"
            },
            change: format!("{}{}", if change > 0.0 { "+" } else { "" }, charts::number(change)),
            hint: None,
        }
    };
    vec![
        figure(
            "volunteers",
            s.volunteers,
            now.volunteers as f64,
            before.volunteers as f64,
        ),
        figure(
            "new-volunteers",
            s.new_volunteers,
            now.new_volunteers as f64,
            before.new_volunteers as f64,
        ),
        figure("hours", s.effective_hours, now.effective_hours, before.effective_hours),
        figure(
            "hours-per-volunteer",
            s.hours_per_volunteer,
            (now.hours_per_volunteer * 100.0).round() / 100.0,
            (before.hours_per_volunteer * 100.0).round() / 100.0,
        ),
        Headline {
            hint: Some(s.active_hint),
            ..figure(
                "active",
                s.active_volunteers,
                now.active_volunteers as f64,
                before.active_volunteers as f64,
            )
        },
        figure(
            "organizations",
            s.organizations,
            now.organizations as f64,
            before.organizations as f64,
        ),
        figure("projects", s.projects, now.projects as f64, before.projects as f64),
        figure(
            "activities",
            s.activities,
            now.activities as f64,
            before.activities as f64,
        ),
        figure(
            "loops",
            s.closed_loops,
            now.closed_loops as f64,
            before.closed_loops as f64,
        ),
        figure("satisfaction", s.satisfaction, now.satisfaction, before.satisfaction),
    ]
}

fn trend(s: &StatsTexts, report: &RegionReport) -> String {
    let points: Vec<(String, f64)> = report
        .series
        .iter()
        .map(|(period, figures)| {
            let label = match report.series_span {
                Span::Day => period.get(5..).unwrap_or(period).to_string(),
                Span::Month => period.clone(),
            };
            (label, figures.effective_hours)
        })
        .collect();
    let described: Vec<String> = points
        .iter()
        .map(|(label, value)| format!("{label} {}", charts::number(*value)))
        .collect();
    charts::line_chart(
        "trend",
        s.trend_title,
        &format!("{}{}", s.trend_desc_prefix, described.join(", ")),
        &points,
    )
}

fn rank_row(s: &StatsTexts, row: &Ranked) -> RankRow {
    let (movement, arrow, movement_label) = match row.rank_change {
        None => ("new", "★", s.new_entry),
        Some(places) if places > 0 => ("up", "▲", s.moved_up),
        Some(places) if places < 0 => ("down", "▼", s.moved_down),
        Some(_) => ("same", "＝", s.unchanged),
    };
    RankRow {
        rank: row.rank,
        name: row.name.clone(),
        value: charts::number(row.value),
        movement,
        arrow,
        movement_label,
    }
}
