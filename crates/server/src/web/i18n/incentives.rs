//! The strings of the funding pages (calls, applications, scores, grants,
//! payments) and of the award campaign pages, and their refusals in words.

texts! {
    IncentiveTexts, INCENTIVES_ZH, INCENTIVES_EN;
    nav_funding: "项目扶持", "Project funding";
    funding_title: "示范项目扶持", "Demonstration-project funding";
    calls_title: "扶持计划", "Calls";
    no_calls: "还没有扶持计划。", "No calls yet.";
    open_call_title: "发布扶持计划", "Open a call";
    call_title_label: "名称", "Title";
    mode_label: "扶持方式", "Mode";
    mode_purchase_of_services: "购买服务", "Purchase of services";
    mode_reward_for_subsidy: "以奖代补", "Reward instead of subsidy";
    mode_fund_application: "资金申请", "Fund application";
    region_label: "地区", "Region";
    year_label: "年度", "Year";
    budget_label: "预算（元）", "Budget (yuan)";
    max_projects_label: "扶持项目数", "Projects funded";
    opens_label: "申报开始", "Applications open";
    closes_label: "申报截止", "Applications close";
    granted_label: "已批准（元）", "Granted (yuan)";
    disbursed_label: "已拨付（元）", "Paid (yuan)";
    open_call_submit: "发布", "Open the call";
    applications_title: "申报项目", "Applications";
    no_applications: "还没有可以查看的申报。", "No applications to show.";
    project_label: "项目", "Project";
    organization_label: "组织", "Organization";
    amount_label: "申请金额（元）", "Amount asked (yuan)";
    plan_label: "实施方案", "Plan";
    mean_score_label: "平均分", "Mean score";
    apply_title: "用本组织的项目申报", "Apply with a project of your organization";
    apply_submit: "提交申报", "Apply";
    no_projects: "您管理的组织还没有项目，请先在项目库中发布项目。", "Your organizations have no projects yet; publish one in the library first.";
    score_label: "评分（0–100）", "Score (0–100)";
    comment_label: "评审意见", "Comment";
    score_submit: "评分", "Score";
    grant_amount_label: "批准金额（元）", "Amount granted (yuan)";
    grant_submit: "批准", "Grant";
    pay_amount_label: "拨付金额（元）", "Amount paid (yuan)";
    paid_on_label: "拨付日期", "Paid on";
    pay_submit: "登记拨付", "Record the payment";
    done_notice: "已保存。", "Saved.";
    nav_awards: "表彰", "Awards";
    awards_title: "表彰评选", "Award campaigns";
    no_campaigns: "还没有表彰评选。", "No campaigns yet.";
    open_campaign_title: "发起表彰评选", "Open a campaign";
    kind_label: "类别", "Kind";
    kind_outstanding_volunteer: "优秀志愿者", "Outstanding volunteers";
    kind_outstanding_organization: "优秀志愿服务组织", "Outstanding organizations";
    kind_outstanding_project: "优秀志愿服务项目", "Outstanding projects";
    kind_best_community: "最美志愿服务社区", "Best volunteer communities";
    county_quota_label: "每县推荐名额", "Passed on per county";
    city_quota_label: "每市推荐名额", "Passed on per city";
    province_quota_label: "省级表彰名额", "Named by the province";
    nominate_until_label: "推荐截止", "Nominations close";
    open_campaign_submit: "发起", "Open the campaign";
    nominations_title: "推荐对象", "Nominations";
    no_nominations: "还没有可以查看的推荐。", "No nominations to show.";
    nominee_label: "推荐对象", "Nominee";
    reason_label: "推荐理由", "Reason";
    stage_label: "当前环节", "Stage";
    stage_county: "县级评审", "County review";
    stage_city: "市级评审", "City review";
    stage_province: "省级评审", "Province review";
    stage_awarded: "获表彰", "Awarded";
    stage_declined: "未通过", "Declined";
    facts_label: "服务时长 / 记录", "Hours / records";
    pass_submit: "通过并上报", "Pass on";
    decline_submit: "不通过", "Decline";
    nominate_title: "推荐", "Nominate";
    nominee_id_label: "推荐对象编号（志愿者、组织、项目编号或村社区代码）", "Nominee (volunteer, organization or project id, or a community's code)";
    nominate_submit: "提交推荐", "Nominate";
    publish_submit: "公布表彰结果", "Publish the winners";
    published_label: "已公布", "Published";
    my_awards_title: "我获得的表彰", "My awards";
    nav_designations: "试点示范", "Designations";
    designations_title: "试点县和示范所站", "Pilot counties and demonstration sites";
    designations_intro: "中心代表试点县，所、站为示范所、示范站。国家级和省级命名由省里录入，市级命名由市里录入。", "A center stands for its pilot county; institutes and stations are demonstration sites. The province records national and provincial designations, a city its own.";
    designation_filter: "只看", "Show";
    all_sites: "全部站点", "All sites";
    any_designation: "已命名的", "Designated ones";
    level_national: "全国", "National";
    level_provincial: "省级", "Provincial";
    level_city: "市级", "City";
    none_designation: "未命名", "None";
    site_label: "站点", "Site";
    site_level_label: "层级", "Level";
    designation_label: "命名", "Designation";
    designation_year_label: "命名年份", "Year";
    designate_submit: "保存", "Save";
    no_sites: "没有符合条件的站点。", "No site matches.";
    site_center: "实践中心（县）", "Center (county)";
    site_institute: "实践所（乡镇街道）", "Institute (township)";
    site_station: "实践站（村社区）", "Station (village)";
}

/// The refusals of funding, in both languages.
pub fn problem(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "grant_over_budget" => (
            "超出了扶持计划剩余的预算。",
            "That is more than is left of the call's budget.",
        ),
        "grant_over_projects" => ("扶持项目数已满。", "The call has funded as many projects as it may."),
        "already_granted" => ("这个申报已经批准过了。", "This application has its grant already."),
        "disbursement_over_grant" => (
            "拨付金额超过了批准金额的剩余部分。",
            "That is more than is left of the grant.",
        ),
        "already_applied" => (
            "这个项目已经申报过本计划。",
            "This project has applied to this call already.",
        ),
        "call_closed" => ("不在申报时间内。", "Applications are not taken now."),
        "organization_outside_region" => (
            "只有本地区的组织可以申报。",
            "Only organizations of the call's region apply.",
        ),
        "amount_invalid" => ("金额不正确。", "The amount is not valid."),
        "score_invalid" => ("评分应在 0 到 100 之间。", "A score is from 0 to 100."),
        "own_application" => (
            "不能评审自己管理的组织的申报，请由其他管理员办理。",
            "Another administrator decides on an application of an organization you run.",
        ),
        "budget_invalid" => (
            "预算应在 1 元到 1 亿元之间。",
            "A budget is from 1 to 100,000,000 yuan.",
        ),
        "max_projects_invalid" => ("扶持项目数应在 1 到 1000 之间。", "A call funds 1 to 1,000 projects."),
        "window_invalid" => (
            "申报截止不能早于开始或今天。",
            "Applications cannot close before they open or before today.",
        ),
        "funding_mode_invalid" => ("请选择扶持方式。", "Choose a mode."),
        "year_invalid" => ("年度不正确。", "The year is not valid."),
        "quota_reached" => (
            "本级推荐名额已用完。",
            "This level has passed on as many nominations as it may.",
        ),
        "quota_invalid" => ("名额应在 1 到 1000 之间。", "A quota is from 1 to 1,000."),
        "already_nominated" => ("已经推荐过这个对象。", "This nominee is nominated already."),
        "nominations_closed" => ("推荐已截止。", "Nominations are closed."),
        "nominee_outside_region" => (
            "推荐对象不在本次评选的地区内。",
            "The nominee is outside the campaign's region.",
        ),
        "community_required" => ("请填写村或社区的代码。", "Name a village or community by its code."),
        "campaign_published" => ("表彰结果已经公布。", "The winners are published already."),
        "award_kind_invalid" => ("请选择表彰类别。", "Choose a kind."),
        _ => return None,
    })
}
