//! The strings of the funding pages (calls, applications, scores, grants,
//! payments) and their refusals in words.

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
        _ => return None,
    })
}
