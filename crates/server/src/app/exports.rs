//! Exports within the reader's scope, for both shells: statistics of a
//! region and its children, a day's ranking, the volunteers (masked as the
//! reader sees them), the service records of a period, and the records in
//! the national system's data-element layout (`docs/exports.md` gives it
//! field by field). The scope is checked and the export audited before the
//! first row; the rows are then read a page at a time by a task of their
//! own and handed to `export` through a bounded channel.

use crate::app::input::optional_day;
use crate::app::rankings::{self, RankingQuestion};
use crate::app::scope::admin_region_path;
use crate::app::statistics;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::export::{Cell, PAGES_IN_FLIGHT, ROWS_PER_PAGE, RowPage, Sheet};
use crate::state::AppState;
use chrono::NaiveDate;
use tokio::sync::mpsc;
use zhiyuan_domain::id_number::Sex;
use zhiyuan_domain::record::{HourKind, RecordState};
use zhiyuan_domain::statistics::{hours, period};
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_domain::volunteer::PoliticalStatus;
use zhiyuan_store::exports::{ExportRecord, RecordPage};
use zhiyuan_store::volunteers::VolunteerQuery;

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Statistics,
    Rankings,
    Volunteers,
    Records,
    /// Effective records in the national system's data-element layout.
    NationalRecords,
}

impl ExportKind {
    /// The word of `/exports/{kind}`; any other is not found.
    pub fn parse(raw: &str) -> ApiResult<ExportKind> {
        Ok(match raw {
            "statistics" => ExportKind::Statistics,
            "rankings" => ExportKind::Rankings,
            "volunteers" => ExportKind::Volunteers,
            "records" => ExportKind::Records,
            "national-records" => ExportKind::NationalRecords,
            _ => return Err(ApiError::not_found("export")),
        })
    }

    fn word(self) -> &'static str {
        match self {
            ExportKind::Statistics => "statistics",
            ExportKind::Rankings => "rankings",
            ExportKind::Volunteers => "volunteers",
            ExportKind::Records => "records",
            ExportKind::NationalRecords => "national-records",
        }
    }
}

/// What the reader asked for, as typed.
#[derive(Debug, Default)]
pub struct ExportQuestion<'a> {
    pub region: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub level: Option<&'a str>,
    pub metric: Option<&'a str>,
    pub date: Option<&'a str>,
}

/// Checks the reader's scope and the question, audits exports of personal
/// data, and starts reading the rows: the sheet and the pages to come.
pub async fn start(
    state: &AppState,
    caller: &CurrentUser,
    kind: ExportKind,
    question: &ExportQuestion<'_>,
) -> ApiResult<(Sheet, mpsc::Receiver<RowPage>)> {
    let region_path = admin_region_path(state, &caller.actor, question.region).await?;
    let region_code = region_path.rsplit('/').next().unwrap_or_default().to_string();
    let today = china_date(from_epoch_ms(state.now_ms()));
    let (from, to) = period(
        optional_day(question.from, "from")?,
        optional_day(question.to, "to")?,
        today,
    )?;
    let file_stem = format!("{}-{region_code}-{from}-{to}", kind.word());
    let (sender, pages) = mpsc::channel(PAGES_IN_FLIGHT);
    let columns = match kind {
        ExportKind::Statistics => {
            let report = statistics::report_for(state, caller, Some(&region_code), from, to, None).await?;
            let rows = std::iter::once((&report.region, &report.figures))
                .chain(report.children.iter().map(|(region, figures)| (region, figures)))
                .map(|(region, figures)| {
                    vec![
                        Cell::from(region.code.as_str()),
                        Cell::from(region.name.as_str()),
                        Cell::from(figures.volunteers),
                        Cell::from(figures.new_volunteers),
                        Cell::from(figures.effective_hours),
                        Cell::from(figures.credit_hours),
                        Cell::from(figures.honor_hours),
                        Cell::from((figures.hours_per_volunteer * 100.0).round() / 100.0),
                        Cell::from(figures.active_volunteers),
                        Cell::from(figures.organizations),
                        Cell::from(figures.projects),
                        Cell::from(figures.activities),
                        Cell::from(figures.closed_loops),
                        Cell::from(figures.satisfaction),
                        Cell::from(figures.party_member_share),
                        Cell::from(figures.elderly_share),
                        Cell::from(figures.rural_share),
                    ]
                })
                .collect();
            send_all(&sender, rows).await;
            STATISTICS_COLUMNS.to_vec()
        }
        ExportKind::Rankings => {
            let ranking = rankings::ranking(
                state,
                caller,
                &RankingQuestion {
                    level: question.level.unwrap_or("county"),
                    metric: question.metric.unwrap_or("hours"),
                    date: question.date,
                    region: Some(&region_code),
                },
            )
            .await?;
            let rows = ranking
                .rows
                .into_iter()
                .map(|row| {
                    vec![
                        Cell::Int(i64::from(row.rank)),
                        Cell::from(row.key),
                        Cell::from(row.name),
                        Cell::from(row.value),
                        row.change.map_or(Cell::from(""), Cell::from),
                        row.rank_change.map_or(Cell::from(""), Cell::from),
                    ]
                })
                .collect();
            send_all(&sender, rows).await;
            RANKING_COLUMNS.to_vec()
        }
        ExportKind::Volunteers => {
            audit(state, caller, kind, &format!("region={region_code}")).await?;
            tokio::spawn(volunteer_pages(state.clone(), region_path, sender));
            VOLUNTEER_COLUMNS.to_vec()
        }
        ExportKind::Records | ExportKind::NationalRecords => {
            audit(
                state,
                caller,
                kind,
                &format!("region={region_code} from={from} to={to}"),
            )
            .await?;
            let national = kind == ExportKind::NationalRecords;
            tokio::spawn(record_pages(state.clone(), region_path, (from, to), national, sender));
            if national {
                NATIONAL_COLUMNS.to_vec()
            } else {
                RECORD_COLUMNS.to_vec()
            }
        }
    };
    Ok((Sheet { file_stem, columns }, pages))
}

async fn audit(state: &AppState, caller: &CurrentUser, kind: ExportKind, detail: &str) -> ApiResult<()> {
    Ok(state
        .store
        .audit_export(caller.user.id, kind.word(), detail, state.now_ms())
        .await?)
}

/// Sends rows already computed, a page at a time.
async fn send_all(sender: &mpsc::Sender<RowPage>, rows: Vec<Vec<Cell>>) {
    let sender = sender.clone();
    let page = usize::try_from(ROWS_PER_PAGE).unwrap_or(1_000);
    tokio::spawn(async move {
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Cell>> = rows.by_ref().take(page).collect();
            if sender.send(Ok(chunk)).await.is_err() {
                return;
            }
        }
    });
}

/// Reads the volunteers at or under `region_path`, a page at a time, until
/// the last page or until the reader goes away.
async fn volunteer_pages(state: AppState, region_path: String, sender: mpsc::Sender<RowPage>) {
    let mut cursor: Option<String> = None;
    loop {
        let query = VolunteerQuery {
            region_path: region_path.clone(),
            q: None,
            category: None,
            skill: None,
            cursor: cursor.clone(),
            limit: ROWS_PER_PAGE,
        };
        let today = china_date(from_epoch_ms(state.now_ms()));
        let page = match state.store.search_volunteers(&query, today).await {
            Ok(page) => page,
            Err(error) => {
                let _ = sender.send(Err(error.into())).await;
                return;
            }
        };
        let rows = page
            .items
            .iter()
            .map(|v| {
                vec![
                    Cell::from(v.volunteer_no.as_str()),
                    Cell::from(v.name.as_str()),
                    Cell::from(v.id_masked.as_str()),
                    Cell::from(v.phone_masked.as_str()),
                    Cell::from(if v.sex == Sex::Female.as_str() { "女" } else { "男" }),
                    Cell::Int(i64::from(v.birth_year)),
                    Cell::from(PoliticalStatus::parse(&v.political_status).map_or("", |s| s.label_zh())),
                    Cell::from(v.region_code.as_str()),
                    Cell::from(v.skill_list().join("；")),
                    Cell::from(china_date(from_epoch_ms(v.registered_at)).to_string()),
                ]
            })
            .collect();
        if sender.send(Ok(rows)).await.is_err() {
            return;
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return,
        }
    }
}

/// Reads the records served at or under `region_path` in the period, a
/// page at a time; with `national`, only effective ones, in that layout.
async fn record_pages(
    state: AppState,
    region_path: String,
    (from, to): (NaiveDate, NaiveDate),
    national: bool,
    sender: mpsc::Sender<RowPage>,
) {
    let (from_day, to_day) = (from.to_string(), to.to_string());
    let effective = RecordState::Effective.as_str();
    let mut after_id = 0;
    loop {
        let page = RecordPage {
            region_path: &region_path,
            from_day: &from_day,
            to_day: &to_day,
            state: national.then_some(effective),
            after_id,
            limit: ROWS_PER_PAGE,
        };
        let records = match state.store.export_records(&page).await {
            Ok(records) => records,
            Err(error) => {
                let _ = sender.send(Err(error.into())).await;
                return;
            }
        };
        let Some(last) = records.last() else { return };
        after_id = last.id;
        let full = records.len() as i64 == ROWS_PER_PAGE;
        let rows = records
            .iter()
            .map(|record| {
                if national {
                    national_row(record)
                } else {
                    record_row(record)
                }
            })
            .collect();
        if sender.send(Ok(rows)).await.is_err() || !full {
            return;
        }
    }
}

/// An instant in China time, written with `format`.
fn china_time(ms: i64, format: &str) -> String {
    from_epoch_ms(ms)
        .with_timezone(&zhiyuan_domain::time::china_offset())
        .format(format)
        .to_string()
}

fn record_row(record: &ExportRecord) -> Vec<Cell> {
    vec![
        Cell::Int(record.id),
        Cell::from(record.volunteer_no.as_str()),
        Cell::from(record.volunteer_name.as_str()),
        Cell::from(record.id_masked.as_str()),
        Cell::from(record.activity_title.as_str()),
        Cell::from(record.category.as_str()),
        Cell::from(record.organization_name.as_str()),
        Cell::from(record.region_code.as_str()),
        Cell::from(record.service_day.as_str()),
        Cell::from(china_time(record.from_at, "%Y-%m-%d %H:%M")),
        Cell::from(china_time(record.to_at, "%Y-%m-%d %H:%M")),
        Cell::from(hours(record.minutes)),
        Cell::from(record.hour_kind.as_str()),
        Cell::from(record.state.as_str()),
    ]
}

/// A record in the national layout (`docs/exports.md`).
fn national_row(record: &ExportRecord) -> Vec<Cell> {
    let kind = match HourKind::parse(&record.hour_kind) {
        Ok(HourKind::Honor) => "2",
        _ => "1",
    };
    vec![
        Cell::from(format!("ZY{}", record.id)),
        Cell::from(record.volunteer_no.as_str()),
        Cell::from(record.volunteer_name.as_str()),
        Cell::from("1"),
        Cell::from(record.id_masked.as_str()),
        Cell::from(record.organization_name.as_str()),
        Cell::from(record.organization_uscc.clone().unwrap_or_default()),
        Cell::from(format!("ZYA{}", record.activity_id)),
        Cell::from(record.activity_title.as_str()),
        Cell::from(record.category.as_str()),
        Cell::from(record.region_code.as_str()),
        Cell::from(china_time(record.from_at, "%Y%m%d%H%M%S")),
        Cell::from(china_time(record.to_at, "%Y%m%d%H%M%S")),
        Cell::from(hours(record.minutes)),
        Cell::from(kind),
    ]
}

const STATISTICS_COLUMNS: [&str; 17] = [
    "地区代码",
    "地区",
    "注册志愿者",
    "新注册",
    "有效时长（小时）",
    "签到时长（小时）",
    "补录荣誉时长（小时）",
    "人均时长（小时）",
    "活跃志愿者",
    "志愿服务组织",
    "志愿服务项目",
    "开展活动",
    "点单闭环",
    "满意度",
    "党员占比",
    "60岁及以上占比",
    "农村志愿者占比",
];

const RANKING_COLUMNS: [&str; 6] = ["名次", "代码", "名称", "数值", "较前一天", "名次变化"];

const VOLUNTEER_COLUMNS: [&str; 10] = [
    "志愿者编号",
    "姓名",
    "身份证号（脱敏）",
    "手机号（脱敏）",
    "性别",
    "出生年份",
    "政治面貌",
    "地区代码",
    "技能",
    "注册日期",
];

const RECORD_COLUMNS: [&str; 14] = [
    "记录编号",
    "志愿者编号",
    "姓名",
    "身份证号（脱敏）",
    "活动",
    "服务类别",
    "组织",
    "服务地区代码",
    "服务日期",
    "开始时间",
    "结束时间",
    "时长（小时）",
    "时长类型",
    "状态",
];

/// The national layout's data elements, in order (`docs/exports.md`).
const NATIONAL_COLUMNS: [&str; 15] = [
    "FWJLBH", "ZYZBH", "ZYZXM", "ZJLX", "ZJHM", "ZZMC", "TYSHXYDM", "XMBH", "XMMC", "FWLB", "FWDDXZQH", "FWKSSJ",
    "FWJSSJ", "FWSC", "SCLX",
];
