//! The strings of the ordering loop's pages (menus, the order form, my
//! orders, an order's timeline, the dispatch board, the organization's
//! orders), the names of order states, steps, desks and score parts, and
//! the refusals of the loop in words.

use super::Lang;

texts! {
    OrderTexts, ORDER_ZH, ORDER_EN;
    new_title: "我要点单", "Order a service";
    new_intro: "从身边的新时代文明实践站、所、中心的服务菜单中选择，或者直接说明您需要什么帮助。", "Choose from the service menus of the civilization practice station, institute and center near you, or just say what help you need.";
    no_home: "您的账号没有所在地区，无法点单。请联系所在社区的文明实践站代为点单。", "Your account has no home region, so you cannot order here. Ask your community's practice station to order for you.";
    menu_empty: "这个站点的菜单还是空的，您仍可以直接说明需要。", "This site's menu is still empty; you can still say what you need.";
    order_this: "点这个服务", "Order this";
    other_need: "其他需要", "Something else";
    by_organization: "服务队伍", "Served by";
    site_label: "服务站点", "Site";
    chosen_label: "所选服务", "Chosen service";
    content_label: "需要什么帮助", "What help do you need";
    content_hint: "写清楚需要做什么，例如：帮忙买药送到家。不超过 1000 字。", "Say what needs doing, e.g. buy medicine and bring it home. At most 1,000 characters.";
    address_label: "服务地址", "Address";
    wanted_from_label: "希望开始时间", "Wanted from";
    wanted_to_label: "希望结束时间", "Wanted until";
    on_behalf_heading: "代群众点单（电话点单）", "Ordering for a resident who phoned in";
    on_behalf_hint: "您是本站点的管理员：请填写来电群众的姓名和手机号，订单将记为代点单。", "You manage this site: give the name and phone of the resident who called; the order is recorded as placed on their behalf.";
    contact_name_label: "群众姓名", "Resident's name";
    contact_phone_label: "群众手机号", "Resident's phone";
    submit: "提交点单", "Place the order";
    placed_notice: "点单成功。站点会尽快为您派单，进展会显示在下面。", "Your order is placed. The site will dispatch it soon; its progress shows below.";
    mine_title: "我的点单", "My orders";
    mine_empty: "您还没有点过单。", "You have not ordered anything yet.";
    order_title: "订单", "Order";
    placed_label: "点单时间", "Placed";
    state_label: "状态", "Status";
    desk_label: "当前负责", "Waiting at";
    organization_label: "服务队伍", "Serving organization";
    activity_label: "服务活动", "Service activity";
    overdue_badge: "已超过希望时间", "Past the wanted time";
    on_behalf_badge: "代点单", "Ordered on behalf";
    timeline_heading: "进展", "Progress";
    system_actor: "系统", "System";
    cancel_reason_label: "取消原因", "Why";
    cancel_button: "取消点单", "Cancel the order";
    rate_heading: "评价服务", "Rate the service";
    rating_label: "满意度", "Satisfaction";
    comment_label: "评价内容", "Comment";
    rate_button: "提交评价", "Send the rating";
    your_rating: "评价", "Rating";
    candidates_heading: "推荐的服务队伍", "Suggested organizations";
    candidates_intro: "按匹配程度排列，每一项后面是得分的来源。已拒绝过本单的队伍不再推荐。", "Best match first, with where each score comes from. Teams that refused this order are not suggested again.";
    no_candidates: "没有可派的队伍：请联系上级站点或县（区）管理员。", "No team can take it: ask the site above or the county administrator.";
    score_label: "得分", "Score";
    why_label: "依据", "Why";
    dispatch_button: "派给这个队伍", "Dispatch to this team";
    accept_heading: "接单", "Accept";
    accept_hint: "接单后会生成一个服务活动，志愿者报名、签到和服务时长与其他活动一样记录。", "Accepting creates a service activity: sign-ups, check-ins and hours work as for any activity.";
    quota_label: "需要志愿者人数", "Volunteers needed";
    accept_button: "接单", "Accept";
    place_label: "服务地点坐标", "Service place";
    place_hint: "订单和站点都没有位置时需要填写，以便设置签到范围。", "Needed when neither the order nor its site has a place, to set the check-in fence.";
    lat_label: "纬度", "Latitude";
    lon_label: "经度", "Longitude";
    refuse_reason_label: "原因", "Reason";
    refuse_button: "拒绝接单", "Refuse";
    start_button: "开始服务", "Start the service";
    complete_heading: "服务完成", "Service done";
    report_label: "服务情况", "Report";
    complete_button: "确认完成", "Mark as completed";
    done_notice: "已办理。", "Done.";
    board_title: "派单台", "Dispatch board";
    board_intro: "本站点及下级站点的订单。剩余时间到了还没派单，订单会上交上一级。", "Orders of your sites and the sites below. An order not dispatched in time goes one level up.";
    board_empty: "目前没有待处理的订单。", "No orders waiting.";
    time_left_label: "剩余时间", "Time left";
    time_passed: "已到期", "Due now";
    no_deadline: "—", "—";
    escalated_badge: "已上交", "Escalated";
    org_title: "我们的订单", "Orders for us";
    org_empty: "还没有派给您的队伍的订单。", "No orders have been sent to your team yet.";
    content_short_label: "需要", "Need";
    figures_placed: "点单", "Orders";
    figures_closed: "闭环", "Closed loops";
    figures_satisfaction: "满意度", "Satisfaction";
    figures_median_dispatch: "派单用时中位数", "Median time to dispatch";
    minutes_unit: "分钟", "min";
    contact_label: "联系人", "Contact";
}

/// The words of an order state.
pub fn state(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "ordered" => ("待派单", "Waiting for dispatch"),
        "dispatched" => ("已派单，待接单", "Dispatched, awaiting acceptance"),
        "accepted" => ("已接单", "Accepted"),
        "in_service" => ("服务中", "In service"),
        "completed" => ("已完成，待评价", "Completed, awaiting rating"),
        "evaluated" => ("已评价", "Rated"),
        "closed_unrated" => ("已完成（未评价）", "Completed (not rated)"),
        "cancelled" => ("已取消", "Cancelled"),
        _ => ("已过期", "Expired"),
    })
}

/// The words of a step in an order's history.
pub fn action(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "place" => ("点单", "Ordered"),
        "dispatch" => ("派单", "Dispatched"),
        "accept" => ("接单", "Accepted"),
        "refuse" => ("拒绝接单", "Refused"),
        "accept_timeout" => ("超时未接单，退回", "Not accepted in time, returned"),
        "escalate" => ("超时未派单，上交上一级", "Not dispatched in time, escalated"),
        "start" => ("开始服务", "Service started"),
        "complete" => ("服务完成", "Completed"),
        "evaluate" => ("评价", "Rated"),
        "close_unrated" => ("未在期限内评价，结单", "Closed without a rating"),
        "cancel" => ("取消", "Cancelled"),
        "expire" => ("超过希望时间无人接单，过期", "Expired: nobody took it in time"),
        _ => ("服务超时提醒", "Flagged: service overdue"),
    })
}

/// The words of a desk.
pub fn desk(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "station" => ("文明实践站", "Practice station"),
        "institute" => ("文明实践所", "Practice institute"),
        "center" => ("文明实践中心", "Practice center"),
        _ => ("县（区）管理员", "County administrator"),
    })
}

/// The words of a part of a dispatch score.
pub fn score_part(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "category" => ("服务类别", "Category"),
        "distance" => ("距离", "Distance"),
        "load" => ("在办订单", "Open orders"),
        "rating" => ("评价", "Ratings"),
        "acceptance" => ("接单率", "Acceptance"),
        _ => ("响应速度", "Response time"),
    })
}

/// A refusal of the loop in words, if `code` is one.
pub fn problem(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "content_required" => ("请写明需要什么帮助。", "Please say what help you need."),
        "content_too_long" => ("需要说明最多 1000 字。", "Say it in at most 1,000 characters."),
        "wanted_window_past" => ("希望时间已经过去了。", "The wanted time has already passed."),
        "wanted_window_invalid" => ("结束时间要晚于开始时间。", "The end must come after the start."),
        "order_site_outside_county" => (
            "只能向您所在县（区）的站点点单。",
            "You can order only from sites of the county you live in.",
        ),
        "order_on_behalf_of_self" => (
            "代点单是替别人点单；您自己需要服务请用居民账号点单。",
            "Ordering on behalf is for someone else; order for yourself as a resident.",
        ),
        "category_required" => ("请选择服务类别。", "Please choose a category."),
        "too_many_open_orders" => (
            "您已有 10 个未完成的点单，请等其中一个完成或取消后再点。",
            "You have 10 orders open: wait for one to close, or cancel one, before ordering again.",
        ),
        "menu_item_unknown" => (
            "这项服务不在该站点的菜单上。",
            "That service is not on this site's menu.",
        ),
        "order_party_wrong" => ("这一步不由您来办理。", "This step is not yours to take."),
        "order_changed" => (
            "刚刚有人处理了这个订单，请刷新后再看。",
            "Someone else just handled this order; please reload.",
        ),
        "organization_outside_area" => (
            "这个队伍不服务订单所在地区。",
            "This team does not serve the order's region.",
        ),
        "organization_refused_order" => ("这个队伍已经拒绝过本单。", "This team has refused this order."),
        "evaluation_closed" => ("评价期限已过。", "The time to rate has passed."),
        "order_self_service" => (
            "这单由您管理的队伍提供服务，不能自己评价。",
            "Your own organization served this order, so you cannot rate it.",
        ),
        "service_place_required" => (
            "订单和站点都没有位置，请填写服务地点的坐标。",
            "Neither the order nor its site has a place: give the service place's coordinates.",
        ),
        "rating_invalid" => ("请选择 1 到 5 分。", "Please choose 1 to 5."),
        "comment_too_long" => ("评价最多 500 字。", "A comment is at most 500 characters."),
        _ => return None,
    })
}
