//! The strings of the statistics pages (the dashboard and the big screen):
//! figure names, the ranking table, the names of ranking levels and
//! metrics, and the refusals of statistics and rankings in words.

texts! {
    StatsTexts, STATS_ZH, STATS_EN;
    dashboard_title: "数据看板", "Dashboard";
    screen_title: "志愿服务大屏", "Volunteer service wall display";
    period_label: "统计期间", "Period";
    from_label: "开始日期", "From";
    to_label: "结束日期", "To";
    show: "查看", "Show";
    designation_label: "范围", "Covering";
    designation_all: "全部地区", "The whole region";
    designation_any: "各级试点、示范站点", "Every designated pilot or demonstration site";
    designation_national: "全国试点、示范", "National pilots and demonstrations";
    designation_provincial: "省级试点、示范", "Provincial pilots and demonstrations";
    designation_city: "市级试点、示范", "City pilots and demonstrations";
    designation_note: "只统计所选的试点县（中心）、示范所和示范站；站点在试点县之内的随县统计，不重复计算。", "Only the chosen designated sites are counted; a site inside a designated county counts with the county, once.";
    open_screen: "打开大屏", "Open the wall display";
    to_parent: "返回上一级", "Up one level";
    versus_previous: "与上一个同样长的期间相比", "Against the period of the same length before";
    volunteers: "注册志愿者", "Registered volunteers";
    new_volunteers: "新注册", "New volunteers";
    effective_hours: "有效服务时长（小时）", "Effective hours";
    hours_per_volunteer: "人均时长（小时）", "Hours per volunteer";
    active_volunteers: "活跃志愿者", "Active volunteers";
    active_hint: "本期间各月内有服务记录的本地志愿者", "Volunteers living here who served in the months of the period";
    organizations: "志愿服务组织", "Organizations";
    projects: "志愿服务项目", "Projects";
    activities: "开展活动", "Activities held";
    closed_loops: "点单闭环", "Closed loops";
    satisfaction: "群众满意度（满分 5）", "Satisfaction (of 5)";
    population_share: "占常住人口", "Share of residents";
    party_member_share: "党员占比", "Party members";
    elderly_share: "60 岁及以上占比", "Aged 60 or over";
    rural_share: "农村志愿者占比", "Rural volunteers";
    unknown: "未知", "unknown";
    trend_title: "有效服务时长走势", "Effective hours over the period";
    trend_desc_prefix: "每个时间点的有效服务时长（小时）：", "Effective hours at each point: ";
    trend_table: "走势数据", "The figures of the trend";
    period_column: "日期", "Date";
    hours_column: "时长（小时）", "Hours";
    kinds_title: "时长构成", "Kinds of hours";
    credit_hours: "签到时长", "Hours from attendance";
    honor_hours: "补录荣誉时长", "Hours entered by hand";
    children_title: "下级地区", "Regions below";
    region_column: "地区", "Region";
    no_children: "这一级没有下级地区。", "There are no regions below this one.";
    ranking_title: "天天比：排名", "Daily ranking";
    ranking_note: "按本年度截至当天的累计值排名；箭头表示与前一天相比的名次变化。", "Ranked on the year so far up to the day; arrows show the change of place since the day before.";
    rank_column: "名次", "Rank";
    name_column: "名称", "Name";
    change_column: "较前一天", "Since yesterday";
    moved_up: "上升", "up";
    moved_down: "下降", "down";
    unchanged: "持平", "same";
    new_entry: "新上榜", "new";
    no_ranking: "还没有可以排名的对象。", "Nothing to rank yet.";
    updated_at: "数据更新于", "Updated at";
    refresh_note: "本页每分钟自动刷新。", "This page refreshes itself every minute.";
    exports_title: "导出", "Exports";
    exports_note: "导出本期间、本地区的数据。志愿者的身份证号和手机号按您能看到的样子脱敏导出；每次导出个人数据都会记入审计日志。", "Export the data of this region and period. Volunteers' ID numbers and phones are masked as you see them; every export of personal data is written to the audit log.";
    export_statistics: "统计数据（本地区和下级地区）", "Statistics (this region and those below)";
    export_rankings: "天天比排名", "Daily ranking";
    export_volunteers: "志愿者名册", "Volunteers";
    export_records: "服务记录", "Service records";
    export_national: "服务记录（全国系统数据元格式，仅有效记录）", "Service records in the national system's layout (effective only)";
    export_working: "正在导出……", "Exporting…";
    export_rows: "已收到 {n} 行……", "{n} rows received…";
    export_done: "导出完成，文件已保存。", "Done: the file is saved.";
    export_failed: "导出失败，请稍后再试。", "The export failed; please try again later.";
}

/// The name of a ranking level.
pub fn level(code: &str) -> (&'static str, &'static str) {
    match code {
        "county" => ("县（市、区）", "Counties"),
        "township" => ("乡镇（街道）", "Townships"),
        "site" => ("阵地", "Sites"),
        _ => ("志愿服务组织", "Organizations"),
    }
}

/// A refusal of statistics or rankings in words, if `code` is one.
pub fn problem(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "date_invalid" => (
            "日期格式应为 年-月-日，例如 2026-12-03。",
            "Write a day as year-month-day, e.g. 2026-12-03.",
        ),
        "period_invalid" => ("结束日期不能早于开始日期。", "The period cannot end before it begins."),
        "period_too_long" => ("统计期间最长十年。", "A period covers at most ten years."),
        "date_in_future" => (
            "只能查看今天及以前的排名。",
            "Rankings exist for today and the days before.",
        ),
        "designation_level_invalid" => (
            "范围只能选全国、省级或市级试点示范。",
            "Choose national, provincial or city designations.",
        ),
        "designation_year_invalid" => (
            "命名年份应在 2018 年到今年之间。",
            "The year of a designation lies between 2018 and this year.",
        ),
        "ranking_of_people_refused" => (
            "天天比只比较地区、阵地和组织，从不给个人排名。",
            "Rankings compare regions, sites and organizations, never people.",
        ),
        "ranking_level_invalid" => ("请选择要排名的层级。", "Please choose what to rank."),
        "ranking_metric_invalid" => ("请选择排名的指标。", "Please choose a figure to rank on."),
        "ranking_metric_unavailable" => (
            "组织只按时长、活动、闭环和满意度排名。",
            "Organizations are ranked on hours, activities, loops or satisfaction.",
        ),
        _ => return None,
    })
}
