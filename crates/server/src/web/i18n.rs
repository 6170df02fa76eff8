//! The languages of the pages and every visible string in each: Chinese
//! first, English on request. Strings live in pairs so that no key can
//! exist in one language only; problem codes, roles, categories and other
//! stored codes are translated here too.

use zhiyuan_domain::organization::OrgKind;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Accepts `zh`, `zh-CN` (any case) and `en`.
    pub fn parse(raw: &str) -> Option<Lang> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The value of `?lang=` and of the language cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The value of `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The strings of the ordering loop's pages.
    pub fn order_texts(self) -> &'static orders::OrderTexts {
        match self {
            Lang::Zh => &orders::ORDER_ZH,
            Lang::En => &orders::ORDER_EN,
        }
    }

    /// The strings of the points and benefits pages.
    pub fn benefit_texts(self) -> &'static benefits::BenefitTexts {
        match self {
            Lang::Zh => &benefits::BENEFITS_ZH,
            Lang::En => &benefits::BENEFITS_EN,
        }
    }

    /// The strings of the funding pages.
    pub fn incentive_texts(self) -> &'static incentives::IncentiveTexts {
        match self {
            Lang::Zh => &incentives::INCENTIVES_ZH,
            Lang::En => &incentives::INCENTIVES_EN,
        }
    }

    /// The strings of the story pages.
    pub fn story_texts(self) -> &'static stories::StoryTexts {
        match self {
            Lang::Zh => &stories::STORIES_ZH,
            Lang::En => &stories::STORIES_EN,
        }
    }

    /// The strings of the statistics pages.
    pub fn stats_texts(self) -> &'static statistics::StatsTexts {
        match self {
            Lang::Zh => &statistics::STATS_ZH,
            Lang::En => &statistics::STATS_EN,
        }
    }

    pub(crate) fn pick(self, (zh, en): (&'static str, &'static str)) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// A struct of fixed strings with one static per language, written as
/// pairs so that no key exists in one language only.
macro_rules! texts {
    ($name:ident, $zh_name:ident, $en_name:ident; $($key:ident: $zh:literal, $en:literal;)+) => {
        pub struct $name {
            $(pub $key: &'static str,)+
        }

        pub static $zh_name: $name = $name { $($key: $zh,)+ };
        pub static $en_name: $name = $name { $($key: $en,)+ };
    };
}

pub mod benefits;
pub mod incentives;
pub mod orders;
pub mod statistics;
pub mod stories;

texts! {
    Texts, ZH, EN;
    // layout
    site_name: "志愿服务平台", "Zhiyuan Volunteer Service";
    skip_to_content: "跳到正文", "Skip to content";
    nav_label: "主菜单", "Main menu";
    nav_me: "我的", "My profile";
    nav_login: "登录", "Log in";
    nav_register: "注册志愿者", "Register";
    nav_admin_volunteers: "志愿者管理", "Volunteers";
    nav_admin_organizations: "组织审核", "Organizations";
    nav_logout: "退出登录", "Log out";
    nav_activities: "找活动", "Activities";
    nav_my_activities: "我的活动", "My activities";
    nav_my_hours: "我的时长", "My hours";
    nav_org_activities: "组织的活动", "Our activities";
    other_language: "English", "中文";
    footer: "江西省新时代文明实践志愿服务平台 · 个人信息受《个人信息保护法》保护", "Jiangxi volunteer service platform · personal data protected under the PIPL";
    required: "必填", "required";
    optional: "选填", "optional";
    none: "无", "none";
    colon: "：", ": ";
    list_sep: "、", ", ";
    // home
    home_title: "志愿服务，从这里开始", "Volunteering starts here";
    home_intro: "这是全省统一的志愿服务平台。志愿者实名注册，加入志愿服务队伍，报名参加活动，签到签退记录服务时长，并可开具志愿服务证明；群众可以向身边的新时代文明实践中心、所、站点单服务。", "This is the province's volunteer service platform. Volunteers register under their real name, join teams, sign up for activities, check in and out to record their hours and get certificates; residents can order services from the civilization practice centers, institutes and stations near them.";
    home_point_identity: "实名注册，一人一号，身份证号加密保存", "Real-name registration: one person, one number; ID numbers stored encrypted";
    home_point_hours: "服务时长来自真实签到，可查可证", "Hours come from real check-ins and can be verified";
    home_point_orders: "点单、派单、接单、评单，服务送到家门口", "Order, dispatch, accept, evaluate: services brought to your door";
    home_register_cta: "注册成为志愿者", "Register as a volunteer";
    home_have_account: "已经注册过？请登录。", "Already registered? Log in.";
    home_welcome: "欢迎您，", "Welcome, ";
    home_your_links: "您可以：", "You can:";
    home_me_desc: "查看我的资料和志愿者信息", "See my profile and volunteer record";
    home_activities_desc: "按地区、类别、日期查找志愿活动", "Find activities by region, category and date";
    home_my_activities_desc: "我报名的活动，可以取消报名", "The activities I signed up for; cancel a sign-up";
    home_my_hours_desc: "我的服务时长和星级", "My service hours and star level";
    home_org_activities_desc: "组织的活动：签到大屏和服务记录审核", "Our activities: attendance board and record review";
    home_admin_volunteers_desc: "查询辖区内的志愿者", "Search the volunteers in your region";
    home_admin_organizations_desc: "审核辖区内的志愿服务组织", "Verify the organizations in your region";
    // login
    login_title: "登录", "Log in";
    phone_label: "手机号", "Mobile phone number";
    password_label: "密码", "Password";
    login_submit: "登录", "Log in";
    login_no_account: "还没有账号？", "No account yet?";
    login_imported: "导入的账号？", "Imported account?";
    activate_link: "用短信验证码激活", "Activate with the SMS code";
    password_changed_notice: "密码已修改，所有设备上的登录都已退出，请用新密码重新登录。", "Your password was changed and you were logged out everywhere; please log in again with the new password.";
    // activation of imported accounts
    activate_title: "激活账号", "Activate your account";
    activate_intro: "组织为您导入志愿者信息、或任命您为管理员后，会把 8 位激活码（字母和数字，72 小时内有效）发到您的手机。请填写手机号和激活码，并设置登录密码。", "When an organization imports your volunteer record or you are appointed an administrator, an 8-character code (letters and digits, valid for 72 hours) is sent to your phone. Enter your phone number and the code, and choose your password.";
    activation_code_label: "短信验证码", "Code from the SMS";
    activation_code_hint: "短信里的 8 位激活码，不区分大小写", "The 8 characters in the SMS (upper or lower case)";
    activation_code_requested: "如果这个手机号有待激活的账号，新的激活码已经通过短信发出，请查收。", "If this phone number has an account waiting for activation, a new code is on its way by SMS.";
    activation_new_code_heading: "没有收到激活码，或已经过期？", "No code, or has it expired?";
    activation_new_code_hint: "激活码 72 小时内有效，输错 5 次作废。可以在这里申请新的激活码（每个手机号每天最多 3 次）。", "A code is valid for 72 hours and void after 5 wrong tries. Ask for a new one here (at most 3 a day per phone).";
    activation_new_code_submit: "发送新的激活码", "Send a new code";
    new_password_label: "新密码", "New password";
    activate_submit: "激活并登录", "Activate and log in";
    activate_have_password: "已经设置过密码？", "Already have a password?";
    // password change
    password_title: "修改密码", "Change password";
    password_intro: "修改密码后，所有设备上的登录都会退出，需要用新密码重新登录。", "Changing your password logs you out everywhere; you then log in again with the new password.";
    current_password_label: "当前密码", "Current password";
    password_submit: "修改密码", "Change password";
    // register
    register_title: "志愿者注册", "Volunteer registration";
    register_intro: "请如实填写本人信息。身份证号码加密保存，只向您本人和有权限的管理人员完整显示。", "Please give your own real details. Your ID number is stored encrypted and shown whole only to you and to the administrators allowed to see it.";
    name_label: "姓名", "Full name";
    name_hint: "与身份证上的姓名一致", "As on your ID card";
    id_number_label: "身份证号码", "Resident ID number";
    id_number_hint: "18 位，最后一位可能是 X", "18 characters; the last may be X";
    phone_hint: "11 位手机号，以后用它登录", "11 digits; you will log in with it";
    password_hint: "8 到 20 位，要有大写字母、小写字母和数字；或者用 16 到 128 个字的一句话（可以是中文）。都不能有 4 个连续或相同的字符（如 1234、aaaa）", "8 to 20 characters with an upper-case letter, a lower-case letter and a digit; or a passphrase of 16 to 128 characters in any language. Neither may have 4 sequential or repeated characters (like 1234 or aaaa)";
    region_label: "所在地区代码", "Region code";
    region_hint: "填写您所在县（区）、乡镇（街道）或村（社区）的行政区划代码，例如 360111001002（青山湖区青山路街道电化社区）。不知道代码可以问村（社区）工作人员。", "The administrative code of your county, township or village/community, for example 360111001002 (Dianhua community, Qingshanlu subdistrict, Qingshanhu district). Your village or community office can tell you the code.";
    political_status_label: "政治面貌", "Political status";
    skills_label: "技能特长", "Skills";
    skills_hint: "多个技能用逗号或空格分开，例如：急救 摄影", "Separate skills with commas or spaces, for example: first aid, photography";
    guardian_legend: "监护人", "Guardian";
    guardian_note: "14 岁以下需监护人同意：请填写监护人姓名、手机号并勾选同意。14 岁及以上不用填写。", "Under 14, a guardian must agree: give the guardian's name and mobile number and tick the box. Leave this empty from 14 years on.";
    guardian_name_label: "监护人姓名", "Guardian's name";
    guardian_phone_label: "监护人手机号", "Guardian's mobile number";
    guardian_consent_label: "监护人同意我注册成为志愿者", "My guardian agrees to my registration";
    consents_legend: "可选授权", "Optional consents";
    consents_note: "以下授权都是可选的，不授权也能报名和参加活动，签到还可以扫码或由组织者登记。按照《个人信息保护法》，人脸和位置属于敏感个人信息，您可以随时撤回授权，撤回后相关数据会被删除。", "These consents are optional: without them you can still sign up and take part, and check in by QR code or with the organizer. Under the PIPL, face and location data are sensitive personal information; you may withdraw consent at any time and the data is then deleted.";
    consent_face_label: "同意采集人脸信息，用于刷脸签到", "I agree to face enrolment for face check-in";
    consent_location_label: "同意在服务期间记录位置，用于定位签到和服务督察", "I agree to my location being recorded during service, for GPS check-in and supervision";
    register_submit: "提交注册", "Register";
    register_have_account: "已经有账号？", "Already have an account?";
    // my profile
    me_title: "我的资料", "My profile";
    me_account: "账号", "Account";
    me_name: "姓名", "Name";
    me_roles: "角色", "Roles";
    me_no_roles: "暂无角色", "No roles yet";
    me_scope: "范围", "Scope";
    me_volunteer: "志愿者信息", "Volunteer record";
    me_not_volunteer: "您还没有注册为志愿者。", "You are not registered as a volunteer.";
    volunteer_no_label: "志愿者编号", "Volunteer number";
    reveal_id: "显示完整身份证号", "Show the whole ID number";
    hide_id: "隐藏身份证号", "Hide the ID number";
    reveal_note: "查看完整号码会记入审计日志。", "Viewing the whole number is recorded in the audit log.";
    birth_date_label: "出生日期", "Date of birth";
    age_band_label: "年龄段", "Age band";
    sex_label: "性别", "Sex";
    categories_label: "类别", "Categories";
    consents_label: "授权", "Consents";
    consent_face_short: "人脸签到", "Face check-in";
    consent_location_short: "位置记录", "Location recording";
    consent_given: "已同意", "given";
    consent_not_given: "未同意", "not given";
    registered_on_label: "注册日期", "Registered on";
    // administration
    admin_volunteers_title: "志愿者管理", "Volunteers";
    admin_volunteers_note: "身份证号和手机号只显示部分数字。", "ID and phone numbers are shown in part only.";
    search_q_label: "姓名、志愿者编号、手机号或身份证号", "Name, volunteer number, phone or ID number";
    category_label: "类别", "Category";
    all: "全部", "All";
    skill_label: "技能", "Skill";
    region_filter_label: "地区代码", "Region code";
    region_filter_hint: "留空表示您管辖的全部地区", "Leave empty for your whole region";
    search_submit: "查询", "Search";
    region_label_short: "地区", "Region";
    age_label: "年龄段", "Age band";
    no_volunteers: "没有找到符合条件的志愿者。", "No volunteers match.";
    next_page: "下一页", "Next page";
    first_page: "回到第一页", "Back to the first page";
    admin_organizations_title: "组织审核", "Organizations";
    status_label: "状态", "Status";
    status_unverified: "待审核", "Awaiting verification";
    status_verified: "已认证", "Verified";
    organization_q_label: "组织名称", "Organization name";
    organization_name_label: "名称", "Name";
    organization_kind_label: "类型", "Kind";
    uscc_label: "统一社会信用代码", "Unified social credit code";
    created_on_label: "创建日期", "Created on";
    action_label: "操作", "Action";
    verify_button: "审核通过", "Verify";
    verified_notice: "已审核通过：", "Verified: ";
    no_organizations: "没有符合条件的组织。", "No organizations match.";
    // activity search and detail
    activities_title: "找志愿活动", "Find an activity";
    activity_q_label: "关键词（如：养老、环保、助学）", "Keywords (e.g. elderly care, environment)";
    activity_region_hint: "地区代码，留空表示全省", "A region code; leave empty for the whole province";
    from_label: "开始日期（从）", "From date";
    to_label: "结束日期（到）", "To date";
    eligible_label: "只看我能报名的活动", "Only activities I may join";
    no_activities: "没有找到符合条件的活动。", "No activities match.";
    activity_label: "活动", "Activity";
    when_label: "时间", "Time";
    place_label: "地点", "Place";
    coordinates_label: "坐标", "Coordinates";
    geofence_prefix: "签到范围 ", "check-in within ";
    metres: " 米", " m";
    organizer_label: "组织", "Organization";
    seats_label: "名额", "Places";
    seats_left_prefix: "剩余 ", "left: ";
    waiting_prefix: "候补 ", "waiting list: ";
    signup_closes_label: "报名截止", "Sign-up closes";
    requirements_label: "报名条件", "Requirements";
    no_limit: "不限", "no limit";
    age_years: " 岁", " years";
    age_and_over: " 岁及以上", " years and over";
    age_and_under: " 岁及以下", " years and under";
    insurance_needed: "需要有效的志愿者保险", "Valid volunteer insurance needed";
    auto_approve_yes: "报名后直接通过", "Sign-ups are approved at once";
    auto_approve_no: "报名后需组织者审核", "The organizer reviews each sign-up";
    checkin_methods_label: "签到方式", "Check-in";
    description_label: "活动介绍", "About the activity";
    signup_heading: "报名", "Sign-up";
    my_signup_label: "我的报名", "My sign-up";
    sign_up: "我要报名", "Sign up";
    cancel_signup: "取消报名", "Cancel my sign-up";
    login_to_sign_up: "登录后报名", "Log in to sign up";
    signup_not_open: "这个活动现在不能报名。", "This activity does not take sign-ups now.";
    signup_approved_notice: "报名成功！请按时参加，到场后扫码签到。", "You are signed up! Come on time and scan the code to check in.";
    signup_pending_notice: "报名已提交，正在等待组织者审核。", "Sign-up sent: the organizer will review it.";
    signup_waitlisted_notice: "名额已满，您已进入候补名单；有人取消时会按顺序递补。", "The places are taken: you are on the waiting list and move up when someone cancels.";
    signup_other_notice: "报名状态已更新。", "Your sign-up was updated.";
    signup_cancelled_notice: "已取消报名。", "Your sign-up was cancelled.";
    board_link: "签到大屏", "Attendance board";
    records_link: "服务记录审核", "Record review";
    // my activities, organizer's list
    my_activities_title: "我的活动", "My activities";
    no_signups: "您还没有报名任何活动。", "You have not signed up for any activity yet.";
    find_activities: "去找活动", "Find an activity";
    org_activities_title: "组织的活动", "Our activities";
    // check-in
    checkin_title: "签到", "Check in";
    checkout_title: "签退", "Check out";
    checkin_button: "确认签到", "Check in now";
    checkout_button: "确认签退", "Check out now";
    checkin_accepted: "签到成功", "You are checked in";
    checkout_accepted: "签退成功", "You are checked out";
    hours_this_time: "本次时长", "Hours this time";
    hours_unit: "小时", "hours";
    rescan_hint: "请重新扫描组织者屏幕上现在显示的二维码。", "Please scan the code on the organizer's screen again now.";
    location_note_prefix: "这个活动要在活动地点附近签到（", "This activity takes check-ins near its place (within ";
    location_note_suffix: " 米以内）。点按钮后，手机会询问能否使用位置，请选“允许”。", " m). After you press the button your phone asks for your location: please allow it.";
    locating: "正在获取位置，请稍候……", "Finding your location, please wait…";
    // the board
    board_title: "签到大屏", "Attendance board";
    code_kind_label: "二维码类型", "Kind of code";
    fullscreen_button: "全屏显示", "Full screen";
    checkin_code: "签到码", "Check-in code";
    checkout_code: "签退码", "Check-out code";
    scan_to_check_in: "请用手机扫码签到", "Scan with your phone to check in";
    scan_to_check_out: "请用手机扫码签退", "Scan with your phone to check out";
    no_qr: "这个活动不使用扫码签到。", "This activity does not take QR check-ins.";
    count_signed_up: "已报名", "Signed up";
    count_signed_in: "已签到", "Checked in";
    count_signed_out: "已签退", "Checked out";
    latest_checkins: "最新签到", "Latest check-ins";
    no_checkins_yet: "还没有人签到。", "Nobody has checked in yet.";
    kind_in: "签到", "in";
    kind_out: "签退", "out";
    // record review
    records_title: "服务记录审核", "Record review";
    no_records: "这个活动还没有服务记录。", "This activity has no service records yet.";
    volunteer_label: "志愿者", "Volunteer";
    hours_label: "时长（小时）", "Hours";
    flags_label: "督察提示", "Supervision flags";
    reason_label: "原因", "Reason";
    confirm_button: "确认", "Confirm";
    refuse_button: "不予认定", "Refuse";
    revoke_button: "撤销", "Revoke";
    record_confirmed_notice: "已确认，时长已计入。", "Confirmed: the hours count.";
    record_approved_first_notice: "组织已确认。这些时长须经区域管理员复核后计入。", "Confirmed by the organization: the hours count once a region administrator approves them.";
    record_refused_notice: "已不予认定。", "Refused.";
    record_revoked_notice: "已撤销，时长已扣除。", "Revoked: the hours no longer count.";
    // my hours
    hours_title: "我的服务时长", "My service hours";
    hours_totals: "累计", "Totals";
    star_level_label: "星级", "Star level";
    to_next_star_prefix: "再服务 ", "";
    to_next_star_suffix: " 小时升一星", " more hours to the next star";
    top_star: "已是最高星级", "You have the highest star level";
    effective_hours_label: "有效时长", "Effective hours";
    credit_hours_label: "其中签到时长", "of which from check-ins";
    honor_hours_label: "其中补录（荣誉）时长", "of which entered by hand (honor)";
    no_hours_yet: "还没有服务记录。", "No service records yet.";
    // certificates
    nav_my_certificates: "我的证明", "My certificates";
    nav_verify_certificate: "证明查验", "Verify a certificate";
    my_certificates_link: "开具志愿服务证明", "Get a certificate of service";
    certificates_title: "我的志愿服务证明", "My certificates of service";
    certificate_issued_notice: "证明已开具，编号：", "Your certificate is issued, number ";
    download_pdf: "下载 PDF", "Download the PDF";
    verify_link: "查验页面", "Verification page";
    issue_heading: "开具新证明", "Issue a new certificate";
    issue_intro: "证明免费开具，只包含已确认的服务时长。每份证明都有编号和二维码，任何人都可以在本平台查验。", "Certificates are free and list confirmed hours only. Each has a number and a QR code anyone can check on this platform.";
    issue_scope_legend: "证明哪些时长", "Which hours to certify";
    issue_scope_all: "全部已确认的时长", "All my confirmed hours";
    issue_scope_range: "某段日期内的时长（填写下面的开始和结束日期）", "The hours between two dates (fill in the dates below)";
    issue_scope_organization: "某个组织的服务记录，由该组织出具", "One organization's records, issued by it";
    issue_submit: "开具证明", "Issue the certificate";
    issued_certificates: "已开具的证明", "Certificates issued";
    no_certificates: "您还没有开具过证明。", "You have no certificates yet.";
    certificate_number_label: "证明编号", "Certificate number";
    issued_on_label: "开具日期", "Issued on";
    lookup_title: "志愿服务证明查验", "Verify a certificate of service";
    lookup_intro: "输入证明上的编号，查看证明的内容，以及平台账本是否仍然一致。扫描证明上的二维码也会打开这里。", "Type the number printed on the certificate to see what it states and whether the platform's ledger still agrees. The QR code on the certificate opens this page too.";
    certificate_number_hint: "以 ZY 开头，共 21 位，例如 ZY360111261100001234X", "21 characters starting with ZY, e.g. ZY360111261100001234X";
    lookup_submit: "查验", "Verify";
    lookup_another: "查验另一份证明", "Verify another certificate";
    verification_title: "志愿服务证明查验结果", "Certificate verification";
    verdict_agrees: "核对一致：这份证明上的每一条记录和时长，与平台账本现在的记载相同。", "The ledger agrees: every record and every hour on this certificate matches what the platform's ledger holds today.";
    verdict_disagrees: "核对不一致：这份证明开具以后，平台账本的记载有了变化，证明上的时长不能全部采信。原因如下：", "The ledger does not agree: the platform's ledger changed after this certificate was issued, so not all of its hours can be trusted. Why:";
    coverage_label: "证明的服务日期", "Service dates covered";
    certified_records: "证明上的服务记录", "Records on the certificate";
    date_label: "日期", "Date";
    ledger_label: "账本核对", "Ledger";
    line_agrees: "一致", "agrees";
    line_disagrees: "不一致", "differs";
    issuer_label: "出具单位", "Issued by";
    person_in_charge_label: "负责人", "Person in charge";
    handling_officer_label: "经办人", "Handling officer";
    contact_label: "联系方式", "Contact";
    // record reports
    nav_my_reports: "我的记录报告", "My record reports";
    report_link: "记录有误？", "Record wrong?";
    my_reports_title: "我的记录报告", "My record reports";
    my_reports_intro: "服务记录缺失或有误，可以在“我的活动”里点“记录有误？”向组织报告。", "If a service record is missing or wrong, report it from “My activities” (“Record wrong?”).";
    no_reports: "您还没有报告过记录问题。", "You have not reported any record.";
    report_kind_label: "问题类型", "Problem";
    report_detail_label: "情况说明", "What happened";
    report_answer_label: "组织的答复", "The organization's answer";
    no_answer_yet: "等待组织答复", "Waiting for the answer";
    report_filed_notice: "报告已提交，组织处理后会在这里答复您。", "Your report was sent; the organization's answer will appear here.";
    report_title: "报告记录缺失或有误", "Report a missing or wrong record";
    report_intro: "参加了活动却没有记录，或者记录的时间、时长不对，请在这里说明，组织会核实处理。", "If you served but have no record, or a record's times or hours are wrong, tell the organization here; they will check it.";
    report_kind_missing: "我参加了，但没有服务记录", "I served but there is no record";
    report_kind_wrong: "下面这条记录有误", "The record below is wrong";
    report_record_label: "有误的记录", "The wrong record";
    report_record_hint: "只有选“记录有误”时才需要", "Only needed when a record is wrong";
    report_detail_hint: "写清楚哪天、几点到几点在哪里服务，2 到 500 字", "Say which day, from when to when and where you served; 2 to 500 characters";
    report_submit: "提交报告", "Send the report";
    nav_org_reports: "记录报告", "Record reports";
    org_reports_title: "记录报告和逾期记录", "Record reports and overdue records";
    open_reports: "待处理的报告", "Open reports";
    no_open_reports: "没有待处理的报告。", "No open reports.";
    resolve_button: "已处理", "Resolved";
    reject_button: "不予处理", "Reject";
    report_resolved_notice: "已答复：已处理。", "Answered: resolved.";
    report_rejected_notice: "已答复：不予处理。", "Answered: rejected.";
    overdue_heading: "逾期未确认的记录", "Records overdue for confirmation";
    overdue_intro: "活动结束超过 10 个工作日仍未确认的服务记录，请尽快审核。", "Records still pending more than 10 working days after their activity ended; please review them.";
    no_overdue: "没有逾期的记录。", "No overdue records.";
    // sign-up review
    signups_link: "报名审核", "Sign-up review";
    signups_title: "报名审核", "Sign-up review";
    pending_signups_prefix: "待审核：", "Awaiting review: ";
    no_signups_yet: "还没有人报名。", "Nobody has signed up yet.";
    updated_label: "更新时间", "Updated";
    approve_button: "通过", "Approve";
    reject_signup_button: "不通过", "Reject";
    signup_approved_by_organizer: "已通过这个报名。", "Sign-up approved.";
    signup_rejected_by_organizer: "已拒绝这个报名。", "Sign-up rejected.";
    // supervision
    nav_admin_records: "记录督察", "Record supervision";
    nav_dashboard: "数据看板", "Dashboard";
    nav_order: "我要点单", "Order a service";
    serves_order: "这是点单服务活动：", "This activity serves an order: ";
    nav_my_orders: "我的点单", "My orders";
    nav_dispatch_board: "派单台", "Dispatch board";
    nav_org_orders: "接单", "Orders for us";
    admin_records_title: "服务记录督察", "Record supervision";
    awaiting_heading: "等待区域管理员复核的时长", "Hours awaiting your second approval";
    awaiting_intro: "荣誉时长和超过阈值的手工录入时长，须由录入人以外的区域管理员复核后才计入。点活动名称进入记录审核并确认。", "Honor hours and hours entered by hand above the threshold count only after a region administrator other than the person who entered them approves. Open an activity to review and confirm.";
    no_awaiting: "辖区内没有等待复核的时长。", "No hours await approval in your region.";
    flagged_heading: "定位督察发现异常的记录", "Records flagged by GPS supervision";
    flagged_intro: "这些记录在组织审核前保持待确认。点活动名称查看该活动的记录审核。", "These records stay pending until the organization reviews them. Open an activity to see its review.";
    no_flagged: "辖区内没有异常记录。", "No flagged records in your region.";
    // audit trail
    audit_title: "谁查看过我的数据", "Who has seen my data";
    audit_intro: "谁在什么时候查看了您的完整身份证号或手机号、修改了您的授权、保险或地区，都记录在这里。", "Every time someone read your whole ID or phone number, or changed your consents, insurance or region, it is recorded here.";
    audit_empty: "还没有记录。", "Nothing recorded yet.";
    audit_who: "操作人", "Who";
    audit_what: "做了什么", "What";
    audit_system: "系统", "The system";
    // hand entry
    hand_entry_link: "补录时长", "Enter hours by hand";
    hand_entry_title: "补录服务时长", "Enter service hours by hand";
    hand_entry_intro: "志愿者确实参加了服务但没有签到记录时，由组织补录（记为荣誉时长）。每次最多 10 个时段，不能在将来，必须在活动日期内，要写明原因并上传证明材料。补录会记入审计日志。", "When a volunteer served but has no check-in, the organization enters the hours (as honor hours): at most 10 slots at once, none in the future, inside the activity's dates, with a reason and an evidence file. Every entry is audited.";
    hand_entry_nobody: "这个活动还没有报名通过的志愿者。", "Nobody is signed up and approved for this activity.";
    hand_entry_slots: "服务时段", "Time slots";
    hand_entry_slots_hint: "每行一个时段：日期、开始时间、结束时间（北京时间）。不用的行留空。", "One slot per row: day, start and end (China time). Leave unused rows empty.";
    slot_label: "时段", "Slot";
    more_slots: "更多时段（最多 10 个）", "More slots (up to 10)";
    slot_from: "开始时间", "Start";
    slot_to: "结束时间", "End";
    evidence_label: "证明材料", "Evidence";
    evidence_hint: "照片（JPG、PNG）或 PDF，不超过 5 MB，例如签到表的照片", "A photo (JPEG, PNG) or a PDF of at most 5 MB, e.g. a photo of the paper sign-in sheet";
    hand_entry_submit: "提交补录", "Enter the hours";
    hours_entered_notice: "补录成功，新记录已加入下面的列表，待确认。", "Entered: the new records are in the list below, awaiting confirmation.";
    // error pages
    error_title: "出错了", "Something went wrong";
    forbidden_title: "无权访问", "Access denied";
    not_found_title: "找不到页面", "Page not found";
    back_home: "返回首页", "Back to the home page";
}

/// A refusal, by its problem `code`, in words for the person who caused it.
pub fn problem(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "invalid_credentials" => ("手机号或密码不正确。", "Wrong phone number or password."),
        "too_many_attempts" => (
            "失败次数太多，请过一会儿再试（最多 15 分钟）。",
            "Too many failed attempts; please wait a while (at most 15 minutes) and try again.",
        ),
        "activation_code_invalid" => (
            "验证码不正确或已过期，或者这个账号已经激活过了（已激活的请直接登录）。",
            "The code is wrong or has expired, or the account is already active (if so, please log in).",
        ),
        "password_wrong" => ("当前密码不正确。", "The current password is wrong."),
        "name_invalid" => ("请填写真实姓名（1 到 50 个字）。", "Please give your real name (1 to 50 letters)."),
        "id_number_invalid" => (
            "身份证号码不正确，请核对 18 位号码（最后一位可能是 X）。",
            "This ID number is not valid; please check all 18 characters (the last may be X).",
        ),
        "id_number_taken" => (
            "这个身份证号码已经注册过。如果不是您本人注册的，请联系所在县（区）文明办申诉。",
            "This ID number is already registered. If that was not you, please appeal to your county office.",
        ),
        "phone_invalid" => ("手机号应为 11 位数字，以 13 到 19 开头。", "A mobile number has 11 digits and starts with 13 to 19."),
        "phone_taken" => (
            "这个手机号已经有账号了，请直接登录。",
            "This phone number already has an account; please log in.",
        ),
        "password_weak" => (
            "密码不符合要求：8 到 20 位，要有大写字母、小写字母和数字；或者用 16 到 128 个字的一句话。都不能有 4 个连续或相同的字符，首尾不能是空格。",
            "The password does not meet the rules: 8 to 20 characters with an upper-case letter, a lower-case letter and a digit, or a passphrase of 16 to 128 characters; no 4 sequential or repeated characters, no space at either end.",
        ),
        "region_unknown" => ("没有这个地区代码，请核对。", "There is no region with this code; please check it."),
        "region_too_coarse" => (
            "请填写县（区）、乡镇（街道）或村（社区）的代码，不能只填省或市。",
            "Give the code of a county, township or village/community, not of a province or city.",
        ),
        "political_status_invalid" => ("请选择政治面貌。", "Please choose a political status."),
        "skill_invalid" => (
            "每项技能最多 20 个字，最多 20 项。",
            "Each skill has at most 20 characters, and at most 20 skills.",
        ),
        "guardian_required" => (
            "未满 14 岁需要监护人同意：请填写监护人姓名、手机号并勾选同意。",
            "Under 14, a guardian must agree: give their name and mobile number and tick the box.",
        ),
        "category_invalid" => ("请从列表中选择类别。", "Please choose a category from the list."),
        "forbidden_scope" => (
            "这超出了您的权限范围。如需开通，请联系上级文明办。",
            "This is outside your scope. Ask the office above you if you need access.",
        ),
        "not_found" => ("没有找到您要的内容。", "What you asked for was not found."),
        "csrf_invalid" => (
            "页面已过期，请返回并刷新页面后重新提交。",
            "This form has expired; please go back, reload the page and send it again.",
        ),
        "bad_request" => ("提交的内容无法识别，请重新填写。", "The form could not be read; please fill it in again."),
        "volunteer_required" => (
            "只有注册志愿者才能这样做。请先注册成为志愿者。",
            "Only registered volunteers can do this. Please register as a volunteer first.",
        ),
        "quota_full" => (
            "名额和候补名单都已满，不能再报名了。",
            "All places and the waiting list are taken.",
        ),
        "signup_closed" => ("现在不在报名时间内。", "Sign-up is not open at this time."),
        "time_clash" => (
            "您在同一时间已经报名了别的活动。",
            "You are signed up for another activity at the same time.",
        ),
        "age_restricted" => ("您的年龄不符合这个活动的要求。", "Your age does not fit this activity."),
        "skills_missing" => (
            "这个活动需要特定技能，您的资料里还没有。",
            "This activity needs skills your record does not list.",
        ),
        "insurance_required" => (
            "这个活动要求有效的志愿者保险，您的保险没有登记或已过期。",
            "This activity needs valid volunteer insurance; yours is not recorded or has expired.",
        ),
        "already_signed_up" => ("您已经报过名了。", "You are already signed up."),
        "invalid_transition" => (
            "这一步现在做不了（可能已经处理过了），请刷新页面。",
            "This cannot be done now (perhaps it was already done); please reload the page.",
        ),
        "token_expired" => (
            "二维码已过期。请重新扫描屏幕上现在显示的二维码。",
            "This code has expired. Please scan the code on the screen again now.",
        ),
        "token_replayed" => (
            "这个二维码已经用过了。请重新扫描屏幕上现在显示的二维码。",
            "This code was already used. Please scan the code on the screen again now.",
        ),
        "token_invalid" => (
            "这不是本平台的签到码，或者已经失效。请扫描组织者屏幕上的二维码。",
            "This is not one of our check-in codes, or it is no longer valid. Scan the code on the organizer's screen.",
        ),
        "token_wrong_kind" => (
            "签到和签退用的是不同的二维码，请扫描组织者屏幕上对应的二维码。",
            "Check-in and check-out have different codes; scan the right one on the organizer's screen.",
        ),
        "token_wrong_activity" => ("这个二维码属于另一个活动。", "This code belongs to another activity."),
        "token_required" => ("请扫描组织者屏幕上的二维码。", "Please scan the code on the organizer's screen."),
        "not_signed_up" => (
            "您没有报名这个活动，或者报名还没有通过，不能签到。",
            "You are not signed up for this activity, or your sign-up is not approved yet.",
        ),
        "already_checked_in" => ("您已经签到过了，不用重复签到。", "You are already checked in."),
        "not_checked_in" => ("您还没有签到，不能签退。请先签到。", "You have not checked in yet, so you cannot check out."),
        "activity_cancelled" => ("这个活动已经取消，不能签到或签退。", "This activity has been cancelled; it takes no check-ins."),
        "activity_not_published" => ("这个活动还没有发布。", "This activity has not been published yet."),
        "out_of_geofence" => (
            "您不在活动地点附近，不能签到。请到活动现场后再扫码。",
            "You are not near the activity's place. Scan the code again when you are there.",
        ),
        "gps_inaccurate" => (
            "手机定位不够准确。请到室外或打开 GPS 后再试。",
            "Your phone's location is not accurate enough. Step outside or turn on GPS and try again.",
        ),
        "location_required" => (
            "这个活动签到需要您的位置。请在手机提示时选“允许”，然后重新扫码。",
            "This activity needs your location to check in. Allow it when your phone asks, then scan again.",
        ),
        "location_invalid" => ("手机给出的位置无法识别，请重试。", "Your phone's location could not be read; please try again."),
        "outside_checkin_window" => (
            "现在不在签到时间内：活动开始前 30 分钟起可以签到，活动结束后不能再签到。",
            "Check-in is not open now: it opens shortly before the start and closes at the end.",
        ),
        "checkin_method_not_allowed" => ("这个活动不使用这种签到方式。", "This activity does not take this kind of check-in."),
        "record_open" => ("这条记录还没有签退，暂时不能处理。", "This record is still open (no check-out yet)."),
        "reason_invalid" => ("请写明原因（最多 200 字）。", "Please give a reason (at most 200 characters)."),
        "time_invalid" => ("日期格式不对，请按 年-月-日 填写。", "This date is not valid; use year-month-day."),
        "no_effective_hours" => (
            "这个范围内没有已确认的服务时长，开不了证明。记录要由组织确认后才算数。",
            "There are no confirmed hours in this range to certify. Records count once the organization confirms them.",
        ),
        "date_range_invalid" => ("结束日期早于开始日期，请检查。", "The end date is before the start date."),
        "date_in_future" => ("证明只能包含已经完成的服务，开始日期不能在今天以后。", "A certificate covers service already done; the start date cannot be after today."),
        "certificate_number_invalid" => (
            "这不是有效的证明编号。请核对证明上以 ZY 开头的编号。",
            "This is not a valid certificate number. Please check the number starting with ZY on the certificate.",
        ),
        "certificate_unknown" => (
            "没有找到这个编号的证明。请核对编号；如果证明上的编号确实如此，这份证明不是本平台开具的。",
            "No certificate has this number. Please check it; if the certificate really shows this number, it was not issued by this platform.",
        ),
        "detail_invalid" => ("请写 2 到 500 个字。", "Please write 2 to 500 characters."),
        "record_required" => ("请选出有误的那条记录。", "Please choose the record that is wrong."),
        "record_unexpected" => (
            "报告缺失的记录时不用选记录，请写明哪天几点服务。",
            "A missing record has no entry to choose; say when you served.",
        ),
        "record_not_yours" => ("这条记录不是您在这个活动的记录。", "That record is not yours for this activity."),
        "activity_not_started" => ("活动还没有开始，现在还不能报告记录问题。", "The activity has not begun yet."),
        "report_already_open" => (
            "您已经报告过这个问题，组织还在处理中，请等待答复。",
            "You already reported this and the organization has not answered yet.",
        ),
        "report_kind_invalid" => ("请选择问题类型。", "Please choose the kind of problem."),
        "slots_invalid" => (
            "时段填写有误：每个时段要填日期、开始和结束时间，结束要晚于开始，不能跨过午夜，时段之间不能重叠，最多 10 个。",
            "The slots are not right: each needs a day, a start and an end after it, within one day, no overlaps, at most 10.",
        ),
        "slot_in_future" => ("补录的时段不能在将来。", "A slot cannot lie in the future."),
        "slot_outside_activity" => ("补录的时段必须在活动日期之内。", "Each slot must lie inside the activity's dates."),
        "evidence_invalid" => (
            "请上传证明材料：JPG、PNG 照片或 PDF，不超过 5 MB。",
            "Please attach the evidence: a JPEG or PNG photo or a PDF of at most 5 MB.",
        ),
        "organization_unverified" => (
            "组织还没有通过认证：认证前不能发布活动、录入或确认时长，时长也不计入任何证明和统计。请等待所在地区文明办认证。",
            "The organization is not verified yet: until a region administrator verifies it, it cannot publish activities or enter or confirm hours, and its hours count nowhere.",
        ),
        "activity_in_past" => (
            "活动开始时间不能早于现在。已经发生的服务请在原活动上补录时长并上传证明材料。",
            "An activity cannot start in the past. Record past service by hand entry, with evidence, on the activity it belonged to.",
        ),
        "self_confirmation" => (
            "不能确认自己的服务时长，请由组织的其他管理员确认。",
            "Nobody confirms their own hours; another organizer must.",
        ),
        "self_entry" => (
            "不能为自己录入或审核时长，也不能审核自己录入的时长，请由组织的其他管理员办理。",
            "Nobody enters or approves their own hours, or approves hours they entered; another organizer must.",
        ),
        "second_person_required" => (
            "复核必须由录入人和初审人以外的另一位区域管理员进行。",
            "The second approval must come from a region administrator other than the person who entered or first approved the hours.",
        ),
        "awaiting_region_approval" => (
            "组织已确认这些时长，正在等待区域管理员复核，复核后计入。",
            "The organization has confirmed these hours; they count once a region administrator approves them.",
        ),
        "volunteer_no_exhausted" => (
            "本县（区）本月的志愿者编号已用完，请下个月再注册。",
            "This county has used every volunteer number this month; please register next month.",
        ),
        other => orders::problem(other)
            .or_else(|| statistics::problem(other))
            .or_else(|| benefits::problem(other))
            .or_else(|| stories::problem(other))
            .or_else(|| incentives::problem(other))
            .unwrap_or((
            "系统出了点问题，请稍后再试。",
            "Something went wrong on our side; please try again later.",
        )),
    })
}

pub fn role(lang: Lang, role: &str) -> &'static str {
    lang.pick(match role {
        "province_admin" => ("省级管理员", "Province administrator"),
        "city_admin" => ("市级管理员", "City administrator"),
        "county_admin" => ("县（区）级管理员", "County administrator"),
        "site_manager" => ("文明实践员", "Site manager"),
        "org_admin" => ("组织管理员", "Organization administrator"),
        "benefit_provider" => ("礼遇核销员", "Benefit provider clerk"),
        "volunteer" => ("志愿者", "Volunteer"),
        "resident" => ("群众", "Resident"),
        _ => ("其他角色", "Other role"),
    })
}

/// The political statuses in the order of the registration form, with labels.
pub fn political_statuses(lang: Lang) -> Vec<(&'static str, &'static str)> {
    [
        "masses",
        "party_member",
        "probationary_party_member",
        "league_member",
        "democratic_party",
        "non_party",
    ]
    .into_iter()
    .map(|code| (code, political_status(lang, code)))
    .collect()
}

pub fn political_status(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "party_member" => ("中共党员", "CPC member"),
        "probationary_party_member" => ("中共预备党员", "CPC probationary member"),
        "league_member" => ("共青团员", "Communist Youth League member"),
        "democratic_party" => ("民主党派", "Democratic party member"),
        "non_party" => ("无党派人士", "Non-party"),
        _ => ("群众", "Ordinary citizen"),
    })
}

/// The search categories in the order of the filter, with labels.
pub fn categories(lang: Lang) -> Vec<(&'static str, &'static str)> {
    ["party_member", "elderly", "rural", "minor"]
        .into_iter()
        .map(|code| (code, category(lang, code)))
        .collect()
}

/// The labels of the categories a volunteer falls in.
pub fn volunteer_categories(lang: Lang, categories: &zhiyuan_domain::volunteer::Categories) -> Vec<&'static str> {
    [
        ("party_member", categories.party_member),
        ("elderly", categories.elderly),
        ("rural", categories.rural),
        ("minor", categories.minor),
    ]
    .into_iter()
    .filter(|(_, applies)| *applies)
    .map(|(code, _)| category(lang, code))
    .collect()
}

pub fn category(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "party_member" => ("党员", "Party member"),
        "elderly" => ("老年（60 岁及以上）", "Elderly (60 and over)"),
        "rural" => ("农村", "Rural"),
        _ => ("未成年", "Minor"),
    })
}

/// An age band (`volunteer::AgeBand`) in words.
pub fn age_band(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "under_14" => ("14岁以下", "Under 14"),
        "14_17" => ("14–17岁", "14 to 17"),
        "18_34" => ("18–34岁", "18 to 34"),
        "35_59" => ("35–59岁", "35 to 59"),
        _ => ("60岁及以上", "60 or over"),
    })
}

pub fn sex(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "male" => ("男", "Male"),
        _ => ("女", "Female"),
    })
}

pub fn signup_status(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "approved" => ("已通过", "Approved"),
        "pending" => ("待审核", "Awaiting review"),
        "waitlisted" => ("候补中", "On the waiting list"),
        "rejected" => ("未通过", "Not accepted"),
        _ => ("已取消", "Cancelled"),
    })
}

pub fn activity_state(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "published" => ("报名中", "Open"),
        "cancelled" => ("已取消", "Cancelled"),
        "finished" => ("已结束", "Finished"),
        _ => ("草稿", "Draft"),
    })
}

pub fn checkin_method(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "qr" => ("扫码", "QR code"),
        "gps" => ("定位", "GPS"),
        "face" => ("刷脸", "Face"),
        _ => ("组织者登记", "By the organizer"),
    })
}

pub fn hour_kind(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "honor" => ("补录", "Entered by hand"),
        _ => ("签到", "Check-in"),
    })
}

/// A record's state; an open record is "checked in" whatever its state.
/// A record's state in words; `organization_approved`: a pending record the
/// organization has confirmed, waiting for a region administrator.
pub fn record_state(lang: Lang, code: &str, open: bool, organization_approved: bool) -> &'static str {
    if open {
        return lang.pick(("已签到，未签退", "Checked in, not out yet"));
    }
    if organization_approved && code == "pending" {
        return lang.pick((
            "组织已确认，待区域管理员复核",
            "Confirmed by the organization, awaiting the region's approval",
        ));
    }
    lang.pick(match code {
        "effective" => ("已确认", "Confirmed"),
        "refused" => ("不予认定", "Refused"),
        "revoked" => ("已撤销", "Revoked"),
        _ => ("待确认", "Awaiting confirmation"),
    })
}

pub fn record_flag(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "left_fence" => ("服务期间离开了活动范围", "Left the activity's area during service"),
        "impossible_speed" => ("位置移动快得不可能", "Moved impossibly fast"),
        "shared_device" => ("多人用同一部手机签到", "One phone used by several volunteers"),
        "offline" => (
            "事后补传的离线签到，须人工审核",
            "Sent later from offline: to be reviewed",
        ),
        "accuracy_implausible" => ("定位精度不像真实手机", "A location accuracy no real phone reports"),
        "at_fence_centre" => ("定位恰好在活动中心点", "A location exactly on the activity's centre"),
        _ => ("其他异常", "Other anomaly"),
    })
}

pub fn report_kind(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "wrong" => ("记录有误", "Wrong record"),
        _ => ("记录缺失", "Missing record"),
    })
}

pub fn report_state(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "resolved" => ("已处理", "Resolved"),
        "rejected" => ("不予处理", "Rejected"),
        _ => ("处理中", "Open"),
    })
}

/// What an entry of a volunteer's audit trail records.
pub fn audit_action(lang: Lang, code: &str) -> &'static str {
    lang.pick(match code {
        "volunteer.personal_data_read" => ("查看了完整的身份证号或手机号", "Read the whole ID or phone number"),
        "volunteer.consents" => ("修改了授权", "Changed the consents"),
        "volunteer.insurance" => ("登记了保险", "Recorded the insurance"),
        "volunteer.transfer" => ("转移了所在地区", "Moved to another region"),
        "volunteer.register" => ("注册", "Registered"),
        "volunteer.import" => ("导入", "Imported"),
        _ => ("其他操作", "Other action"),
    })
}

pub fn organization_kind(lang: Lang, code: &str) -> &'static str {
    match OrgKind::parse(code) {
        Ok(kind) => match lang {
            Lang::Zh => kind.label_zh(),
            Lang::En => match kind {
                OrgKind::SocialOrganization => "Social organization",
                OrgKind::Unit => "Public body or enterprise",
                OrgKind::PartyMemberTeam => "Party member team",
                OrgKind::School => "School",
                OrgKind::CommunityTeam => "Village or community team",
            },
        },
        Err(_) => lang.pick(("其他", "Other")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_from_codes() {
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::Zh.other().texts().login_title, "Log in");
    }

    #[test]
    fn every_problem_a_page_shows_is_translated() {
        let generic = problem(Lang::Zh, "no_such_code");
        for code in [
            "invalid_credentials",
            "too_many_attempts",
            "activation_code_invalid",
            "password_wrong",
            "name_invalid",
            "id_number_invalid",
            "id_number_taken",
            "phone_invalid",
            "phone_taken",
            "password_weak",
            "region_unknown",
            "region_too_coarse",
            "guardian_required",
            "forbidden_scope",
            "csrf_invalid",
            "quota_full",
            "signup_closed",
            "time_clash",
            "age_restricted",
            "skills_missing",
            "insurance_required",
            "token_expired",
            "token_replayed",
            "not_signed_up",
            "already_checked_in",
            "out_of_geofence",
            "gps_inaccurate",
            "location_required",
            "outside_checkin_window",
            "no_effective_hours",
            "certificate_number_invalid",
            "certificate_unknown",
            "detail_invalid",
            "report_already_open",
            "activity_not_started",
            "activity_cancelled",
            "activity_not_published",
            "organization_unverified",
            "activity_in_past",
            "self_confirmation",
            "self_entry",
            "second_person_required",
            "awaiting_region_approval",
        ] {
            assert_ne!(problem(Lang::Zh, code), generic, "{code}");
            assert_ne!(problem(Lang::En, code), problem(Lang::Zh, code), "{code}");
        }
    }
}
