//! Award campaigns (表彰): yearly campaigns for outstanding volunteers,
//! organizations, projects and the most beautiful volunteer community,
//! nominations by organizations and regions, review up the levels
//! (county → city → province) with a quota per level, and publication.
//!
//! A nomination enters at its nominee's county. The county's
//! administrators forward at most the county quota of their county's
//! nominations to the city, the city's at most the city quota of theirs to
//! the province, and the province names at most the province quota as
//! winners. Each level may also decline. Quotas are decided over counts
//! read under the campaign's lock, so they hold when reviewers act at once.

use crate::RuleError;
use crate::activity::check_text;
use crate::region::RegionLevel;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

string_enum! {
    /// What a campaign names.
    AwardKind, "award_kind_invalid", {
        OutstandingVolunteer = "outstanding_volunteer",
        OutstandingOrganization = "outstanding_organization",
        OutstandingProject = "outstanding_project",
        BestCommunity = "best_community",
    }
}

string_enum! {
    /// Where a nomination stands.
    Stage, "stage_invalid", {
        AtCounty = "county",
        AtCity = "city",
        AtProvince = "province",
        Awarded = "awarded",
        Declined = "declined",
    }
}

/// The largest quota of one level.
pub const MAX_QUOTA: i64 = 1_000;

impl Stage {
    /// The administrators' level that reviews at this stage.
    pub fn reviewer_level(self) -> Option<RegionLevel> {
        match self {
            Stage::AtCounty => Some(RegionLevel::County),
            Stage::AtCity => Some(RegionLevel::City),
            Stage::AtProvince => Some(RegionLevel::Province),
            Stage::Awarded | Stage::Declined => None,
        }
    }

    /// The stage a nomination goes to when its reviewers pass it on.
    pub fn next(self) -> Option<Stage> {
        match self {
            Stage::AtCounty => Some(Stage::AtCity),
            Stage::AtCity => Some(Stage::AtProvince),
            Stage::AtProvince => Some(Stage::Awarded),
            Stage::Awarded | Stage::Declined => None,
        }
    }
}

/// The stage a nominee registered at `region_path` enters at, and the
/// county and city whose quotas it counts against: a county or anything
/// below it enters at its county, a city's organization at the city, a
/// province's at the province.
pub fn entry(region_path: &str) -> (Stage, Option<&str>, Option<&str>) {
    let mut parts = region_path.split('/');
    let _province = parts.next();
    let city = parts.next();
    let county = parts.next();
    let stage = match (city, county) {
        (_, Some(_)) => Stage::AtCounty,
        (Some(_), None) => Stage::AtCity,
        (None, None) => Stage::AtProvince,
    };
    (stage, county, city)
}

/// A campaign as an administrator opens it, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignDraft<'a> {
    pub title: &'a str,
    pub kind: &'a str,
    pub year: i32,
    pub county_quota: i64,
    pub city_quota: i64,
    pub province_quota: i64,
    pub nominate_until: NaiveDate,
}

/// A checked campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub title: String,
    pub kind: AwardKind,
    pub year: i32,
    pub county_quota: i64,
    pub city_quota: i64,
    pub province_quota: i64,
    pub nominate_until: NaiveDate,
}

/// Checks a campaign: a title, a kind, a year, quotas of 1–1000 that do
/// not grow up the levels, and nominations open until today or later.
pub fn check_campaign(draft: &CampaignDraft<'_>, today: NaiveDate) -> Result<Campaign, RuleError> {
    let title = check_text(draft.title, 80, true, "title")?;
    let kind = AwardKind::parse(draft.kind).map_err(|e| e.on("kind"))?;
    if !(2018..=2100).contains(&draft.year) {
        return Err(RuleError::new("year_invalid", "a year from 2018").on("year"));
    }
    for (quota, field) in [
        (draft.county_quota, "county_quota"),
        (draft.city_quota, "city_quota"),
        (draft.province_quota, "province_quota"),
    ] {
        if !(1..=MAX_QUOTA).contains(&quota) {
            return Err(RuleError::new("quota_invalid", format!("from 1 to {MAX_QUOTA}")).on(field));
        }
    }
    if draft.nominate_until < today {
        return Err(RuleError::new("window_invalid", "nominations close today or later").on("nominate_until"));
    }
    Ok(Campaign {
        title,
        kind,
        year: draft.year,
        county_quota: draft.county_quota,
        city_quota: draft.city_quota,
        province_quota: draft.province_quota,
        nominate_until: draft.nominate_until,
    })
}

/// A nominee must be registered inside the campaign's region.
pub fn check_nominee_region(nominee_path: &str, campaign_path: &str) -> Result<(), RuleError> {
    if crate::region::path_within(nominee_path, campaign_path) {
        Ok(())
    } else {
        Err(RuleError::new(
            "nominee_outside_region",
            "the campaign names people and places of its own region",
        ))
    }
}

/// Whether a nomination may be made today: before the campaign closes
/// and before it is published.
pub fn check_nomination_open(today: NaiveDate, nominate_until: NaiveDate, published: bool) -> Result<(), RuleError> {
    if published || today > nominate_until {
        return Err(RuleError::new(
            "nominations_closed",
            format!("nominations closed on {nominate_until}"),
        ));
    }
    Ok(())
}

/// What passing a nomination on is decided on, read under the campaign's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassFacts {
    pub stage: Stage,
    /// The reviewer's highest administered level over the nomination.
    pub reviewer_level: RegionLevel,
    pub published: bool,
    /// Nominations this level already passed on from the same county
    /// (county stage), city (city stage) or campaign (province stage).
    pub passed_here: i64,
    /// The quota of this level.
    pub quota: i64,
}

fn check_reviewer(stage: Stage, reviewer_level: RegionLevel, published: bool) -> Result<(), RuleError> {
    if published {
        return Err(RuleError::new("campaign_published", "the campaign is published"));
    }
    match stage.reviewer_level() {
        None => Err(RuleError::new(
            "invalid_transition",
            format!("the nomination is {} already", stage.as_str()),
        )),
        Some(level) if level != reviewer_level => Err(RuleError::new(
            "forbidden_scope",
            format!("the {} administrators review at this stage", level.as_str()),
        )),
        Some(_) => Ok(()),
    }
}

/// The stage a nomination goes to when its reviewers pass it on: the
/// reviewing level's own administrators only, within their quota
/// (`quota_reached`).
pub fn pass_on(facts: &PassFacts) -> Result<Stage, RuleError> {
    check_reviewer(facts.stage, facts.reviewer_level, facts.published)?;
    if facts.passed_here >= facts.quota {
        return Err(RuleError::new(
            "quota_reached",
            format!("this level passes on {} nomination(s), all used", facts.quota),
        ));
    }
    facts
        .stage
        .next()
        .ok_or_else(|| RuleError::new("invalid_transition", "nothing follows"))
}

/// Declines a nomination at its stage (its reviewers only).
pub fn decline(stage: Stage, reviewer_level: RegionLevel, published: bool) -> Result<Stage, RuleError> {
    check_reviewer(stage, reviewer_level, published)?;
    Ok(Stage::Declined)
}

/// Publication: the campaign's own level, once.
pub fn check_publication(published: bool) -> Result<(), RuleError> {
    if published {
        return Err(RuleError::new(
            "campaign_published",
            "the campaign is published already",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    #[test]
    fn a_campaign_has_a_kind_quotas_and_a_window() {
        let draft = CampaignDraft {
            title: "2026年度优秀志愿者",
            kind: "outstanding_volunteer",
            year: 2026,
            county_quota: 3,
            city_quota: 5,
            province_quota: 10,
            nominate_until: day("2026-10-31"),
        };
        let today = day("2026-10-01");
        assert_eq!(
            check_campaign(&draft, today).unwrap().kind,
            AwardKind::OutstandingVolunteer
        );
        let refused = |change: fn(&mut CampaignDraft<'static>)| {
            let mut d = draft.clone();
            change(&mut d);
            check_campaign(&d, today).unwrap_err().code
        };
        assert_eq!(refused(|d| d.kind = "best_cat"), "award_kind_invalid");
        assert_eq!(refused(|d| d.county_quota = 0), "quota_invalid");
        assert_eq!(refused(|d| d.province_quota = 1001), "quota_invalid");
        assert_eq!(refused(|d| d.nominate_until = day("2026-09-30")), "window_invalid");
        assert!(check_nomination_open(day("2026-10-31"), day("2026-10-31"), false).is_ok());
        assert!(check_nominee_region("36/3601/360111", "36/3601").is_ok());
        assert_eq!(
            check_nominee_region("36/3602", "36/3601").unwrap_err().code,
            "nominee_outside_region"
        );
        assert_eq!(
            check_nomination_open(day("2026-11-01"), day("2026-10-31"), false)
                .unwrap_err()
                .code,
            "nominations_closed"
        );
        assert_eq!(
            check_nomination_open(day("2026-10-01"), day("2026-10-31"), true)
                .unwrap_err()
                .code,
            "nominations_closed"
        );
    }

    fn facts() -> PassFacts {
        PassFacts {
            stage: Stage::AtCounty,
            reviewer_level: RegionLevel::County,
            published: false,
            passed_here: 2,
            quota: 3,
        }
    }

    #[test]
    fn each_level_passes_on_its_own_within_its_quota() {
        assert_eq!(pass_on(&facts()).unwrap(), Stage::AtCity);
        let refused = |change: fn(&mut PassFacts)| {
            let mut f = facts();
            change(&mut f);
            pass_on(&f).unwrap_err().code
        };
        assert_eq!(refused(|f| f.passed_here = 3), "quota_reached");
        assert_eq!(refused(|f| f.reviewer_level = RegionLevel::Province), "forbidden_scope");
        assert_eq!(refused(|f| f.reviewer_level = RegionLevel::City), "forbidden_scope");
        assert_eq!(refused(|f| f.stage = Stage::Awarded), "invalid_transition");
        assert_eq!(refused(|f| f.published = true), "campaign_published");
        let mut province = facts();
        province.stage = Stage::AtProvince;
        province.reviewer_level = RegionLevel::Province;
        assert_eq!(pass_on(&province).unwrap(), Stage::Awarded);
        assert_eq!(
            decline(Stage::AtCity, RegionLevel::City, false).unwrap(),
            Stage::Declined
        );
        assert_eq!(
            decline(Stage::Declined, RegionLevel::City, false).unwrap_err().code,
            "invalid_transition"
        );
        assert_eq!(check_publication(true).unwrap_err().code, "campaign_published");
    }

    #[test]
    fn nominees_enter_at_the_level_they_are_registered_at() {
        assert_eq!(
            entry("36/3601/360111/360111001/360111001002"),
            (Stage::AtCounty, Some("360111"), Some("3601"))
        );
        assert_eq!(entry("36/3601/360111"), (Stage::AtCounty, Some("360111"), Some("3601")));
        assert_eq!(entry("36/3601"), (Stage::AtCity, None, Some("3601")));
        assert_eq!(entry("36"), (Stage::AtProvince, None, None));
    }

    proptest! {
        /// Whatever order reviewers act in, no level passes on more than
        /// its quota.
        #[test]
        fn quotas_hold_at_every_level(tries in proptest::collection::vec(0_u8..3, 0..60), quota in 1_i64..5) {
            let stages = [Stage::AtCounty, Stage::AtCity, Stage::AtProvince];
            let levels = [RegionLevel::County, RegionLevel::City, RegionLevel::Province];
            let mut passed = [0_i64; 3];
            for level in tries {
                let i = usize::from(level);
                let facts = PassFacts {
                    stage: stages[i],
                    reviewer_level: levels[i],
                    published: false,
                    passed_here: passed[i],
                    quota,
                };
                if pass_on(&facts).is_ok() {
                    passed[i] += 1;
                }
            }
            prop_assert!(passed.iter().all(|p| *p <= quota));
        }
    }
}
