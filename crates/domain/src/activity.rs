//! Projects and activities: the category list, what an activity must state
//! (time, place and geofence, quota, sign-up window, age limits, skills,
//! check-in methods, attendance rules), its states, and who may sign up.

use crate::RuleError;
use crate::geo::{Geofence, Point};
use crate::hours::{Interval, MissingCheckout};
use crate::time::{age_in_years, china_date};
use crate::volunteer::ADULT_AGE;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The category of emergency rescue, which never admits minors.
pub const EMERGENCY_RESCUE: &str = "emergency_rescue";

/// The default category list (a region may extend it; codes are stable).
pub const DEFAULT_CATEGORIES: &[(&str, &str, &str)] = &[
    ("policy_outreach", "理论政策宣讲", "Policy outreach"),
    ("poverty_relief", "扶贫帮困", "Poverty relief"),
    ("civilized_city", "文明城市建设", "Civilized city"),
    ("culture_sports", "文体活动", "Culture and sports"),
    ("education_support", "助学支教", "Education support"),
    ("health_care", "医疗保健", "Health care"),
    ("environment", "环境保洁", "Environment and cleaning"),
    ("left_behind_children", "关爱留守儿童", "Left-behind children"),
    ("left_behind_elderly", "关爱留守老人", "Left-behind elderly"),
    ("customs_reform", "移风易俗", "Reforming customs"),
    (EMERGENCY_RESCUE, "应急救援", "Emergency rescue"),
    ("other", "其他", "Other"),
];

/// A category code: lower-case ASCII letters, digits and `_`, 2 to 40 long.
pub fn check_category_code(raw: &str) -> Result<String, RuleError> {
    let code = raw.trim();
    let valid = (2..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid {
        return Err(RuleError::new("category_unknown", format!("unknown category {code:?}")).on("category"));
    }
    Ok(code.to_string())
}

string_enum!(
    /// Where an activity stands.
    ActivityState, "activity_state_invalid", {
        Draft = "draft",
        Published = "published",
        Cancelled = "cancelled",
        Finished = "finished",
    }
);

impl ActivityState {
    /// Draft → published or cancelled; published → cancelled or finished.
    pub fn transition(self, to: ActivityState) -> Result<ActivityState, RuleError> {
        use ActivityState::*;
        match (self, to) {
            (Draft, Published | Cancelled) | (Published, Cancelled | Finished) => Ok(to),
            _ => Err(RuleError::new(
                "invalid_transition",
                format!("an activity cannot go from {} to {}", self.as_str(), to.as_str()),
            )),
        }
    }
}

string_enum!(
    /// How attendance may be taken at an activity.
    CheckinMethod, "checkin_method_invalid", {
        Qr = "qr",
        Gps = "gps",
        Face = "face",
        Manual = "manual",
    }
);

string_enum!(
    /// Whether a project runs all year or once.
    ProjectKind, "project_kind_invalid", {
        Routine = "routine",
        OneOff = "one_off",
    }
);

/// Limits of the attendance rules an organizer may set per activity.
pub const MAX_EARLY_CHECKIN_MINUTES: u32 = 120;
pub const DEFAULT_EARLY_CHECKIN_MINUTES: u32 = 30;
pub const MAX_AUTO_CONFIRM_DAYS: u32 = 30;
pub const DEFAULT_AUTO_CONFIRM_DAYS: u32 = 7;
pub const MAX_QUOTA: u32 = 100_000;
pub const MAX_ACTIVITY_DAYS: i64 = 366;
pub const DEFAULT_WAITLIST: u32 = 50;
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;

/// Attendance rules of one activity (each configurable within limits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttendanceRules {
    pub methods: Vec<CheckinMethod>,
    /// Sign-in opens this many minutes before the start (0..=120).
    pub early_checkin_minutes: u32,
    pub missing_checkout: MissingCheckout,
    /// Pending records become effective after this many days unless
    /// flagged (0 = never automatically; at most 30).
    pub auto_confirm_days: u32,
}

impl Default for AttendanceRules {
    fn default() -> Self {
        AttendanceRules {
            // A phone's location alone can be spoofed and face data needs
            // consent: GPS and face only when an organizer lists them.
            methods: vec![CheckinMethod::Qr, CheckinMethod::Manual],
            early_checkin_minutes: DEFAULT_EARLY_CHECKIN_MINUTES,
            missing_checkout: MissingCheckout::ZeroHours,
            auto_confirm_days: DEFAULT_AUTO_CONFIRM_DAYS,
        }
    }
}

impl AttendanceRules {
    pub fn check(&self) -> Result<(), RuleError> {
        if self.methods.is_empty() || self.methods.iter().all(|m| *m == CheckinMethod::Face) {
            return Err(RuleError::new(
                "checkin_methods_invalid",
                "offer at least one check-in method besides face match: face data needs consent and can never be a condition of service",
            )
            .on("checkin_methods"));
        }
        if self.early_checkin_minutes > MAX_EARLY_CHECKIN_MINUTES {
            return Err(RuleError::new(
                "checkin_window_invalid",
                format!("sign-in may open at most {MAX_EARLY_CHECKIN_MINUTES} minutes before the start"),
            )
            .on("early_checkin_minutes"));
        }
        if self.auto_confirm_days > MAX_AUTO_CONFIRM_DAYS {
            return Err(RuleError::new(
                "auto_confirm_invalid",
                format!("records confirm automatically after at most {MAX_AUTO_CONFIRM_DAYS} days"),
            )
            .on("auto_confirm_days"));
        }
        Ok(())
    }

    pub fn allows(&self, method: CheckinMethod) -> bool {
        self.methods.contains(&method)
    }
}

/// Everything an organizer states about an activity, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityPlan {
    pub title: String,
    pub description: String,
    pub category: String,
    pub fence: Geofence,
    pub window: Interval,
    pub quota: u32,
    /// Sign-ups beyond the quota wait in a list this long (0 = none).
    pub waitlist: u32,
    pub signup_opens: Option<DateTime<Utc>>,
    pub signup_closes: DateTime<Utc>,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    pub required_skills: Vec<String>,
    pub insurance_required: bool,
    pub auto_approve: bool,
    pub rules: AttendanceRules,
}

/// The raw fields of an activity as a client sends them.
#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    pub title: String,
    pub description: String,
    pub category: String,
    pub lat: f64,
    pub lon: f64,
    pub radius_m: u32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub quota: u32,
    pub waitlist: Option<u32>,
    pub signup_opens: Option<DateTime<Utc>>,
    pub signup_closes: Option<DateTime<Utc>>,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    pub required_skills: Vec<String>,
    pub insurance_required: bool,
    pub auto_approve: bool,
    pub rules: AttendanceRules,
}

/// Trimmed free text of at most `max` characters (`text_invalid`), not
/// empty when `required`.
pub fn check_text(raw: &str, max: usize, required: bool, field: &'static str) -> Result<String, RuleError> {
    let value = raw.trim();
    if (required && value.is_empty()) || value.chars().count() > max {
        return Err(RuleError::new(
            "text_invalid",
            format!(
                "{field} must be {}at most {max} characters",
                if required { "1 to " } else { "" }
            ),
        )
        .on(field));
    }
    Ok(value.to_string())
}

/// Checks an activity as planned. Emergency rescue never admits minors:
/// its minimum age is raised to 18 whatever was asked.
pub fn plan(input: ActivityInput) -> Result<ActivityPlan, RuleError> {
    let title = check_text(&input.title, MAX_TITLE_CHARS, true, "title")?;
    let description = check_text(&input.description, MAX_DESCRIPTION_CHARS, false, "description")?;
    let category = check_category_code(&input.category)?;
    let fence = Geofence::new(Point::new(input.lat, input.lon)?, input.radius_m)?;
    if input.ends_at <= input.starts_at {
        return Err(RuleError::new("time_invalid", "an activity must end after it starts").on("ends_at"));
    }
    if input.ends_at - input.starts_at > Duration::days(MAX_ACTIVITY_DAYS) {
        return Err(RuleError::new(
            "time_invalid",
            format!("an activity lasts at most {MAX_ACTIVITY_DAYS} days"),
        )
        .on("ends_at"));
    }
    if input.quota == 0 || input.quota > MAX_QUOTA {
        return Err(RuleError::new("quota_invalid", format!("the quota must be 1 to {MAX_QUOTA}")).on("quota"));
    }
    let waitlist = input.waitlist.unwrap_or(DEFAULT_WAITLIST);
    if waitlist > MAX_QUOTA {
        return Err(
            RuleError::new("quota_invalid", format!("the waiting list holds at most {MAX_QUOTA}")).on("waitlist"),
        );
    }
    let signup_closes = input.signup_closes.unwrap_or(input.ends_at);
    if signup_closes > input.ends_at || input.signup_opens.is_some_and(|opens| opens >= signup_closes) {
        return Err(RuleError::new(
            "signup_window_invalid",
            "sign-up must open before it closes, and close by the end of the activity",
        )
        .on("signup_closes"));
    }
    let mut min_age = input.min_age;
    if category == EMERGENCY_RESCUE {
        min_age = Some(min_age.unwrap_or(0).max(ADULT_AGE));
    }
    if min_age.is_some_and(|age| age > 120)
        || input.max_age.is_some_and(|age| age > 120)
        || matches!((min_age, input.max_age), (Some(min), Some(max)) if min > max)
    {
        return Err(
            RuleError::new("age_limits_invalid", "age limits must lie in 0..120, the minimum first").on("min_age"),
        );
    }
    let required_skills = crate::volunteer::normalise_skills(&input.required_skills)?;
    input.rules.check()?;
    Ok(ActivityPlan {
        title,
        description,
        category,
        fence,
        window: Interval::new(input.starts_at, input.ends_at),
        quota: input.quota,
        waitlist,
        signup_opens: input.signup_opens,
        signup_closes,
        min_age,
        max_age: input.max_age,
        required_skills,
        insurance_required: input.insurance_required,
        auto_approve: input.auto_approve,
        rules: input.rules,
    })
}

/// How long before "now" an activity may start when it is created or
/// published (a form filled in slowly); earlier starts are refused, so that
/// nobody invents an activity afterwards to hang hours on. Past service is
/// recorded by hand entry, with evidence, on an activity published in time.
pub const START_GRACE_MINUTES: i64 = 15;

/// `activity_in_past` when an activity created or published at `now`
/// started more than [`START_GRACE_MINUTES`] ago.
pub fn check_start_not_past(starts_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), RuleError> {
    if starts_at < now - Duration::minutes(START_GRACE_MINUTES) {
        return Err(RuleError::new(
            "activity_in_past",
            "an activity cannot start in the past; record past service by hand entry with evidence",
        )
        .on("starts_at"));
    }
    Ok(())
}

/// Whether an activity may be published at `now`: only by a verified
/// organization (`organization_unverified`), and not once it has started
/// (`activity_in_past`).
pub fn check_publish(
    starts_at: DateTime<Utc>,
    organization_verified: bool,
    now: DateTime<Utc>,
) -> Result<(), RuleError> {
    if !organization_verified {
        return Err(RuleError::new(
            "organization_unverified",
            "only a verified organization publishes activities; save it as a draft until the region administrator verifies the organization",
        ));
    }
    check_start_not_past(starts_at, now)
}

/// Facts about a volunteer that decide whether they may sign up.
#[derive(Debug, Clone)]
pub struct Applicant<'a> {
    /// Age in full years on the activity's first day.
    pub age: u32,
    pub skills: &'a [String],
    pub insured: bool,
}

impl<'a> Applicant<'a> {
    /// A volunteer judged against `plan`: their age on the activity's first
    /// day, and insured when the cover runs through its last day (China time).
    pub fn for_plan(
        plan: &ActivityPlan,
        birth: NaiveDate,
        skills: &'a [String],
        insured_until: Option<NaiveDate>,
    ) -> Self {
        Applicant {
            age: age_in_years(birth, china_date(plan.window.from)),
            skills,
            insured: insured_until.is_some_and(|until| until >= china_date(plan.window.to)),
        }
    }
}

/// Whether `applicant` may sign up for an activity in `state` at `now`:
/// `signup_closed` outside the window or when not published,
/// `age_restricted` outside the age limits, `skills_missing`,
/// `insurance_required`.
pub fn check_applicant(
    plan: &ActivityPlan,
    state: ActivityState,
    applicant: &Applicant<'_>,
    now: DateTime<Utc>,
) -> Result<(), RuleError> {
    let open = state == ActivityState::Published
        && now < plan.signup_closes
        && plan.signup_opens.is_none_or(|opens| now >= opens);
    if !open {
        return Err(RuleError::new("signup_closed", "sign-up for this activity is not open"));
    }
    if plan.min_age.is_some_and(|min| applicant.age < min) || plan.max_age.is_some_and(|max| applicant.age > max) {
        let detail = if plan.category == EMERGENCY_RESCUE && applicant.age < ADULT_AGE {
            "minors are never assigned to emergency rescue".to_string()
        } else {
            format!(
                "this activity is for ages {} to {}",
                plan.min_age.unwrap_or(0),
                plan.max_age.map_or("any".to_string(), |max| max.to_string())
            )
        };
        return Err(RuleError::new("age_restricted", detail));
    }
    let missing: Vec<&str> = plan
        .required_skills
        .iter()
        .filter(|skill| !applicant.skills.contains(skill))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(RuleError::new(
            "skills_missing",
            format!("this activity needs: {}", missing.join(", ")),
        ));
    }
    if plan.insurance_required && !applicant.insured {
        return Err(RuleError::new(
            "insurance_required",
            "this activity requires accident insurance; record yours in your profile first",
        ));
    }
    Ok(())
}

/// The instants between which sign-in is accepted: from the configured
/// minutes before the start to the end.
pub fn checkin_window(plan: &ActivityPlan) -> Interval {
    Interval::new(
        plan.window.from - Duration::minutes(i64::from(plan.rules.early_checkin_minutes)),
        plan.window.to,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hh: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 5, hh, 0, 0).unwrap()
    }

    pub(crate) fn input() -> ActivityInput {
        ActivityInput {
            title: "社区养老服务".into(),
            description: "为独居老人送餐".into(),
            category: "left_behind_elderly".into(),
            lat: 28.68,
            lon: 115.89,
            radius_m: 200,
            starts_at: at(1),
            ends_at: at(5),
            quota: 10,
            auto_approve: true,
            ..ActivityInput::default()
        }
    }

    #[test]
    fn activities_start_in_the_future_and_only_verified_organizations_publish() {
        let now = at(3);
        assert!(check_start_not_past(now, now).is_ok());
        assert!(check_start_not_past(now - Duration::minutes(START_GRACE_MINUTES), now).is_ok());
        let past = now - Duration::minutes(START_GRACE_MINUTES + 1);
        assert_eq!(check_start_not_past(past, now).unwrap_err().code, "activity_in_past");
        assert!(check_publish(at(4), true, now).is_ok());
        assert_eq!(
            check_publish(at(4), false, now).unwrap_err().code,
            "organization_unverified"
        );
        assert_eq!(check_publish(at(1), true, now).unwrap_err().code, "activity_in_past");
    }

    #[test]
    fn gps_and_face_are_opt_in() {
        assert_eq!(
            AttendanceRules::default().methods,
            vec![CheckinMethod::Qr, CheckinMethod::Manual]
        );
    }

    #[test]
    fn a_plain_activity_is_accepted_with_defaults() {
        let plan = plan(input()).unwrap();
        assert_eq!(plan.signup_closes, at(5));
        assert_eq!(plan.waitlist, DEFAULT_WAITLIST);
        assert_eq!(checkin_window(&plan).from, at(0) + Duration::minutes(30));
    }

    #[test]
    fn bad_plans_are_refused_with_their_codes() {
        type Change = fn(&mut ActivityInput);
        let cases: Vec<(Change, &str)> = vec![
            (|i| i.title = " ".into(), "text_invalid"),
            (|i| i.category = "养老".into(), "category_unknown"),
            (|i| i.lat = 95.0, "location_invalid"),
            (|i| i.radius_m = 60_000, "radius_invalid"),
            (|i| i.ends_at = i.starts_at, "time_invalid"),
            (|i| i.quota = 0, "quota_invalid"),
            (|i| i.signup_closes = Some(at(6)), "signup_window_invalid"),
            (|i| i.signup_opens = Some(at(5)), "signup_window_invalid"),
            (|i| (i.min_age, i.max_age) = (Some(30), Some(20)), "age_limits_invalid"),
            (
                |i| i.rules.methods = vec![CheckinMethod::Face],
                "checkin_methods_invalid",
            ),
            (|i| i.rules.methods = vec![], "checkin_methods_invalid"),
            (|i| i.rules.early_checkin_minutes = 121, "checkin_window_invalid"),
            (|i| i.rules.auto_confirm_days = 31, "auto_confirm_invalid"),
        ];
        for (change, code) in cases {
            let mut raw = input();
            change(&mut raw);
            assert_eq!(plan(raw).unwrap_err().code, code);
        }
    }

    #[test]
    fn emergency_rescue_never_admits_minors() {
        let mut raw = input();
        raw.category = EMERGENCY_RESCUE.into();
        raw.min_age = Some(12);
        let plan = plan(raw).unwrap();
        assert_eq!(plan.min_age, Some(18));
        let minor = Applicant {
            age: 17,
            skills: &[],
            insured: true,
        };
        let refused = check_applicant(&plan, ActivityState::Published, &minor, at(0)).unwrap_err();
        assert_eq!(refused.code, "age_restricted");
        let adult = Applicant { age: 18, ..minor };
        assert!(check_applicant(&plan, ActivityState::Published, &adult, at(0)).is_ok());
    }

    #[test]
    fn applicants_are_checked() {
        let mut raw = input();
        raw.required_skills = vec!["急救".into()];
        raw.insurance_required = true;
        raw.signup_opens = Some(at(0));
        let plan = plan(raw).unwrap();
        let skills = vec!["急救".to_string()];
        let fit = Applicant {
            age: 30,
            skills: &skills,
            insured: true,
        };
        assert!(check_applicant(&plan, ActivityState::Published, &fit, at(0)).is_ok());
        let code = |state, applicant: &Applicant, now| check_applicant(&plan, state, applicant, now).unwrap_err().code;
        assert_eq!(code(ActivityState::Draft, &fit, at(0)), "signup_closed");
        assert_eq!(code(ActivityState::Published, &fit, at(5)), "signup_closed");
        assert_eq!(
            code(ActivityState::Published, &fit, at(0) - Duration::minutes(1)),
            "signup_closed"
        );
        assert_eq!(
            code(
                ActivityState::Published,
                &Applicant {
                    skills: &[],
                    ..fit.clone()
                },
                at(0)
            ),
            "skills_missing"
        );
        assert_eq!(
            code(
                ActivityState::Published,
                &Applicant {
                    insured: false,
                    ..fit.clone()
                },
                at(0)
            ),
            "insurance_required"
        );
    }

    #[test]
    fn applicant_facts_are_taken_on_the_activity_days() {
        let plan = plan(input()).unwrap();
        let first_day = china_date(plan.window.from);
        let last_day = china_date(plan.window.to);
        let birth = NaiveDate::from_ymd_opt(2008, 12, 6).unwrap();
        // 2026-12-05 is the day before the 18th birthday.
        assert_eq!(Applicant::for_plan(&plan, birth, &[], None).age, 17);
        assert_eq!(first_day, NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
        assert!(!Applicant::for_plan(&plan, birth, &[], None).insured);
        assert!(!Applicant::for_plan(&plan, birth, &[], last_day.pred_opt()).insured);
        assert!(Applicant::for_plan(&plan, birth, &[], Some(last_day)).insured);
    }

    #[test]
    fn state_machine() {
        use ActivityState::*;
        assert_eq!(Draft.transition(Published).unwrap(), Published);
        assert_eq!(Published.transition(Finished).unwrap(), Finished);
        assert_eq!(Finished.transition(Published).unwrap_err().code, "invalid_transition");
        assert_eq!(Cancelled.transition(Published).unwrap_err().code, "invalid_transition");
    }
}
