//! The strings of the points and benefits pages (a volunteer's points and
//! redemptions, a provider's check desk, an administrator's catalogue),
//! and the refusals of offering, redeeming and checking in words.

texts! {
    BenefitTexts, BENEFITS_ZH, BENEFITS_EN;
    nav_my_benefits: "积分礼遇", "Points & benefits";
    nav_check_desk: "礼遇核销", "Check codes";
    nav_admin_benefits: "礼遇管理", "Benefits";
    my_title: "我的积分和礼遇", "My points and benefits";
    balance_label: "积分余额", "Points balance";
    points_rule_before: "每小时有效服务时长积 ", "Each effective hour of service earns ";
    points_rule_after: " 分；服务记录被撤销时，积分随之扣回。", " points; a revoked record takes its points back.";
    entries_title: "积分明细", "Points history";
    no_entries: "还没有积分变动。参加志愿服务、时长确认后就会获得积分。", "No points yet. Serve, and once your hours are confirmed you earn points.";
    when_column: "时间", "When";
    change_column: "变动", "Change";
    reason_column: "原因", "Reason";
    balance_column: "余额", "Balance";
    reason_served: "服务时长确认", "Hours confirmed";
    reason_record_corrected: "服务记录更正", "Record corrected";
    reason_record_withdrawn: "服务记录撤销", "Record withdrawn";
    reason_redeemed: "兑换礼遇", "Benefit redeemed";
    open_title: "可以兑换的礼遇", "Benefits you can redeem";
    no_open: "您所在地区现在没有可兑换的礼遇。", "There are no benefits open in your region now.";
    provider_label: "提供单位", "Provider";
    cost_label: "所需积分", "Points";
    free: "免费", "free";
    min_star_label: "星级要求", "Stars needed";
    any_star: "不限", "any";
    stock_left_label: "剩余", "Left";
    valid_label: "有效期", "Valid";
    per_volunteer_label: "每人限兑", "Per volunteer";
    redeem: "兑换", "Redeem";
    redeemed_notice: "兑换成功。请在提供单位出示下面的兑换码或二维码，每个码只能使用一次。", "Redeemed. Show the code or QR below to the provider; each code works once.";
    my_redemptions_title: "我的兑换码", "My codes";
    no_redemptions: "还没有兑换过礼遇。", "You have not redeemed any benefit yet.";
    code_label: "兑换码", "Code";
    status_label: "状态", "Status";
    status_unused: "未使用", "Not used yet";
    status_used: "已核销", "Used";
    qr_alt: "兑换码二维码，提供单位扫码核销", "QR of the code, for the provider to scan";
    desk_title: "礼遇核销", "Check a benefit code";
    desk_intro: "输入志愿者出示的兑换码，或用手机扫描兑换码二维码。每个码只能核销一次。", "Type the code the volunteer shows, or scan its QR with a phone. Each code can be checked once.";
    code_input: "兑换码（10 位）", "Code (10 characters)";
    look_up: "查询", "Look up";
    recent_title: "最近的兑换", "Recent redemptions";
    no_units: "您还没有被任命为礼遇提供单位的核销员；区域管理员可以在任命角色时选择“礼遇提供单位”。", "You are not a clerk of any benefit provider yet; a region administrator can appoint you with the role “benefit provider”.";
    check_title: "核销兑换码", "Check a code";
    volunteer_label: "志愿者", "Volunteer";
    redeemed_at_label: "兑换时间", "Redeemed at";
    checked_at_label: "核销时间", "Checked at";
    check_button: "确认核销", "Mark as used";
    checked_notice: "核销成功。", "Checked: the code is now used.";
    already_used_notice: "这个兑换码已经核销过了，不能再次使用。", "This code has already been used.";
    admin_title: "礼遇管理", "Benefits";
    offer_title: "发布礼遇", "Offer a benefit";
    offer_intro: "由本地区或以上地区注册的志愿者兑换。提供单位按名称登记在所选地区，之后可以任命它的核销员。", "Volunteers registered in the region (or below) may redeem it. The provider is registered by name in that region; appoint its clerks afterwards.";
    title_label: "礼遇名称", "Title";
    description_label: "说明", "Description";
    region_label: "面向地区", "For volunteers of";
    stock_label: "数量", "Stock";
    valid_from_label: "开始日期", "Valid from";
    valid_to_label: "结束日期", "Valid to";
    offer_submit: "发布", "Offer";
    offered_notice: "礼遇已发布。", "The benefit is offered.";
    catalogue_title: "本地区的礼遇", "Benefits of this region";
    no_catalogue: "还没有发布礼遇。", "No benefits offered yet.";
    provider_id_label: "单位编号（任命核销员时填写）", "Provider id (for appointing clerks)";
}

/// The refusals of offering, redeeming and checking, in both languages.
pub fn problem(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "out_of_stock" => ("这项礼遇已经兑换完了。", "This benefit has all been redeemed."),
        "points_insufficient" => (
            "您的积分不够兑换这项礼遇。",
            "You do not have enough points for this benefit.",
        ),
        "star_too_low" => (
            "您的星级还不够兑换这项礼遇。",
            "This benefit needs more stars than you have.",
        ),
        "limit_reached" => (
            "您已经兑换过这项礼遇，达到每人限兑次数。",
            "You have redeemed this benefit as often as one person may.",
        ),
        "benefit_expired" => ("这项礼遇已过期。", "This benefit has ended."),
        "benefit_not_yet_valid" => ("这项礼遇还没有开始兑换。", "This benefit cannot be redeemed yet."),
        "benefit_outside_region" => (
            "这项礼遇面向其他地区注册的志愿者。",
            "This benefit is for volunteers registered in another region.",
        ),
        "already_used" => (
            "这个兑换码已经核销过了，不能再次使用。",
            "This code has already been used.",
        ),
        "stock_invalid" => ("数量应在 1 到 1000000 之间。", "The stock is from 1 to 1,000,000."),
        "points_cost_invalid" => (
            "所需积分应在 0 到 1000000 之间。",
            "The points are from 0 to 1,000,000.",
        ),
        "min_star_invalid" => ("星级要求应在 0 到 5 星之间。", "The stars needed are from 0 to 5."),
        "validity_invalid" => (
            "结束日期不能早于开始日期或今天，有效期最长五年。",
            "The validity cannot end before it starts or before today, and lasts at most five years.",
        ),
        "per_volunteer_invalid" => (
            "每人限兑次数应在 1 到 100 之间。",
            "Each volunteer may redeem 1 to 100 times.",
        ),
        _ => return None,
    })
}
