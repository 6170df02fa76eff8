//! Volunteer registration: the real-name checks, derived facts (birth date,
//! sex, categories), skills, consents and the guardian rule for under-14s.

use crate::RuleError;
use crate::id_number::{IdNumber, Sex};
use crate::phone::Phone;
use crate::region::{RegionCode, RegionLevel};
use crate::time::age_in_years;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Age from which a volunteer counts as elderly.
pub const ELDERLY_AGE: u32 = 60;
/// Below this age a guardian's name, phone and consent are required.
pub const GUARDIAN_AGE: u32 = 14;
/// Adults: 18 and over.
pub const ADULT_AGE: u32 = 18;
const MAX_SKILLS: usize = 20;

/// Political status as registered; party membership counts both full and
/// probationary members of the Communist Party of China.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoliticalStatus {
    PartyMember,
    ProbationaryPartyMember,
    LeagueMember,
    DemocraticParty,
    NonParty,
    Masses,
}

impl PoliticalStatus {
    const TABLE: [(PoliticalStatus, &'static str, &'static str); 6] = [
        (PoliticalStatus::PartyMember, "party_member", "中共党员"),
        (
            PoliticalStatus::ProbationaryPartyMember,
            "probationary_party_member",
            "中共预备党员",
        ),
        (PoliticalStatus::LeagueMember, "league_member", "共青团员"),
        (PoliticalStatus::DemocraticParty, "democratic_party", "民主党派"),
        (PoliticalStatus::NonParty, "non_party", "无党派人士"),
        (PoliticalStatus::Masses, "masses", "群众"),
    ];

    pub fn all() -> impl Iterator<Item = PoliticalStatus> {
        Self::TABLE.into_iter().map(|(status, _, _)| status)
    }

    pub fn as_str(self) -> &'static str {
        Self::TABLE
            .iter()
            .find(|(s, _, _)| *s == self)
            .map(|(_, code, _)| *code)
            .unwrap_or("masses")
    }

    pub fn label_zh(self) -> &'static str {
        Self::TABLE
            .iter()
            .find(|(s, _, _)| *s == self)
            .map(|(_, _, zh)| *zh)
            .unwrap_or("群众")
    }

    /// Accepts the code or the Chinese label; empty means 群众.
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(PoliticalStatus::Masses);
        }
        Self::TABLE
            .iter()
            .find(|(_, code, zh)| *code == raw || *zh == raw)
            .map(|(status, _, _)| *status)
            .ok_or_else(|| {
                RuleError::new("political_status_invalid", format!("unknown political status {raw:?}"))
                    .on("political_status")
            })
    }

    pub fn is_party_member(self) -> bool {
        matches!(
            self,
            PoliticalStatus::PartyMember | PoliticalStatus::ProbationaryPartyMember
        )
    }
}

/// A guardian's consent for a volunteer under 14.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guardian {
    pub name: String,
    pub phone: String,
    pub consent: bool,
}

/// What a person types in to register.
#[derive(Debug, Clone, Default)]
pub struct RegistrationInput {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub region_code: String,
    pub political_status: Option<String>,
    pub skills: Vec<String>,
    pub guardian: Option<Guardian>,
}

/// A registration that passed every rule; the region's existence is checked
/// by the caller against the stored region list.
#[derive(Debug, Clone)]
pub struct Registration {
    pub name: String,
    pub id_number: IdNumber,
    pub phone: Phone,
    pub region: RegionCode,
    pub political_status: PoliticalStatus,
    pub skills: Vec<String>,
    pub guardian: Option<Guardian>,
    pub birth_date: NaiveDate,
    pub sex: Sex,
}

/// Person names: 1 to 50 characters, letters (any script), `·` and spaces.
pub fn check_person_name(raw: &str, field: &'static str) -> Result<String, RuleError> {
    let name = raw.trim();
    let count = name.chars().count();
    let allowed = name
        .chars()
        .all(|c| c.is_alphabetic() || c == '·' || c == '•' || c == ' ' || c == '.');
    if count == 0 || count > 50 || !allowed {
        return Err(RuleError::new("name_invalid", "a name has 1 to 50 letters").on(field));
    }
    Ok(name.to_string())
}

/// Trims, drops empties and duplicates, and bounds the skill list.
pub fn normalise_skills(raw: &[String]) -> Result<Vec<String>, RuleError> {
    let mut skills: Vec<String> = Vec::new();
    for skill in raw {
        let skill = skill.trim();
        if skill.is_empty() {
            continue;
        }
        if skill.chars().count() > 20 || skill.contains(';') || skill.chars().any(char::is_control) {
            return Err(RuleError::new("skill_invalid", "a skill has at most 20 characters and no ';'").on("skills"));
        }
        if !skills.iter().any(|s| s == skill) {
            skills.push(skill.to_string());
        }
    }
    if skills.len() > MAX_SKILLS {
        return Err(RuleError::new("skill_invalid", "at most 20 skills").on("skills"));
    }
    Ok(skills)
}

/// Volunteers belong to a county or a region below it: the volunteer number
/// needs the county code.
pub fn check_home_region(region: &RegionCode) -> Result<(), RuleError> {
    match region.level() {
        RegionLevel::County | RegionLevel::Township | RegionLevel::Village => Ok(()),
        _ => Err(RuleError::new(
            "region_too_coarse",
            "register in a county, township, village or community",
        )
        .on("region_code")),
    }
}

/// Applies every registration rule as of `today` (China time).
pub fn register(input: &RegistrationInput, today: NaiveDate) -> Result<Registration, RuleError> {
    let name = check_person_name(&input.name, "name")?;
    let id_number = IdNumber::parse(&input.id_number, today)?;
    let phone = Phone::parse(&input.phone)?;
    let region = RegionCode::parse(&input.region_code)?;
    check_home_region(&region)?;
    let political_status = PoliticalStatus::parse(input.political_status.as_deref().unwrap_or(""))?;
    let skills = normalise_skills(&input.skills)?;
    let birth_date = id_number.birth_date();
    let guardian = if age_in_years(birth_date, today) < GUARDIAN_AGE {
        let guardian = input.guardian.as_ref().ok_or_else(|| {
            RuleError::new(
                "guardian_required",
                "under 14: a guardian's name, phone and consent are needed",
            )
            .on("guardian")
        })?;
        let guardian_name = check_person_name(&guardian.name, "guardian.name")?;
        let guardian_phone = Phone::parse(&guardian.phone).map_err(|e| e.on("guardian.phone"))?;
        if !guardian.consent {
            return Err(RuleError::new("guardian_required", "the guardian must consent").on("guardian.consent"));
        }
        Some(Guardian {
            name: guardian_name,
            phone: guardian_phone.as_str().to_string(),
            consent: true,
        })
    } else {
        None
    };
    Ok(Registration {
        sex: id_number.sex(),
        name,
        id_number,
        phone,
        region,
        political_status,
        skills,
        guardian,
        birth_date,
    })
}

/// The free text of an appeal or its resolution: at most 500 characters,
/// and not empty when `required`.
pub fn check_reason(raw: &str, required: bool, field: &'static str) -> Result<String, RuleError> {
    let reason = raw.trim();
    if (required && reason.is_empty()) || reason.chars().count() > 500 {
        return Err(RuleError::new("reason_invalid", "give a reason of at most 500 characters").on(field));
    }
    Ok(reason.to_string())
}

/// Category filters an administrator can search by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    PartyMember,
    Elderly,
    Rural,
    Minor,
}

impl Category {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        match raw.trim() {
            "party_member" => Ok(Category::PartyMember),
            "elderly" => Ok(Category::Elderly),
            "rural" => Ok(Category::Rural),
            "minor" => Ok(Category::Minor),
            other => Err(RuleError::new("category_invalid", format!("unknown category {other:?}")).on("category")),
        }
    }
}

/// The derived categories of one volunteer on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Categories {
    pub party_member: bool,
    pub elderly: bool,
    pub rural: bool,
    pub minor: bool,
}

/// The categories of one volunteer in the year of `today`, from the birth
/// year alone (what is kept in clear: the birth date is part of the sealed
/// ID number): elderly when they reach 60 this year, a minor until the year
/// they reach 18.
pub fn categories(status: PoliticalStatus, birth_year: i32, region: &RegionCode, today: NaiveDate) -> Categories {
    let age = age_reached(birth_year, today);
    Categories {
        party_member: status.is_party_member(),
        elderly: age >= ELDERLY_AGE,
        rural: region.is_village_committee(),
        minor: age < ADULT_AGE,
    }
}

/// The age a person born in `birth_year` reaches in the year of `today`.
pub fn age_reached(birth_year: i32, today: NaiveDate) -> u32 {
    u32::try_from(today.year() - birth_year).unwrap_or(0)
}

/// Volunteers born in or before this year count as elderly this year.
pub fn elderly_born_in_or_before(today: NaiveDate) -> i32 {
    today.year() - ELDERLY_AGE as i32
}

/// Volunteers born after this year count as minors this year.
pub fn minor_born_after(today: NaiveDate) -> i32 {
    today.year() - ADULT_AGE as i32
}

string_enum!(
    /// What readers who may not see the birth date learn of a volunteer's
    /// age: a band, from the birth year.
    AgeBand, "age_band_invalid", {
        Under14 = "under_14",
        From14To17 = "14_17",
        From18To34 = "18_34",
        From35To59 = "35_59",
        From60 = "60_plus",
    }
);

impl AgeBand {
    /// The band of someone born in `birth_year`, by the age they reach this year.
    pub fn of(birth_year: i32, today: NaiveDate) -> AgeBand {
        match age_reached(birth_year, today) {
            age if age < GUARDIAN_AGE => AgeBand::Under14,
            age if age < ADULT_AGE => AgeBand::From14To17,
            age if age < 35 => AgeBand::From18To34,
            age if age < ELDERLY_AGE => AgeBand::From35To59,
            _ => AgeBand::From60,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AgeBand::Under14 => "14岁以下",
            AgeBand::From14To17 => "14–17岁",
            AgeBand::From18To34 => "18–34岁",
            AgeBand::From35To59 => "35–59岁",
            AgeBand::From60 => "60岁及以上",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_number::compose;
    use crate::time::age_in_years;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    fn input(birth: NaiveDate) -> RegistrationInput {
        RegistrationInput {
            name: "张三".into(),
            id_number: compose("360111", birth, 15),
            phone: "13912345678".into(),
            region_code: "360111001001".into(),
            political_status: Some("中共党员".into()),
            skills: vec![" 医疗 ".into(), "医疗".into(), "".into(), "法律".into()],
            guardian: None,
        }
    }

    #[test]
    fn an_adult_registers_with_derived_facts() {
        let reg = register(&input(NaiveDate::from_ymd_opt(1960, 5, 1).unwrap()), today()).unwrap();
        assert_eq!(reg.sex, Sex::Male);
        assert_eq!(reg.skills, vec!["医疗", "法律"]);
        let cats = categories(reg.political_status, reg.birth_date.year(), &reg.region, today());
        assert!(cats.party_member && cats.elderly && !cats.rural && !cats.minor);
    }

    #[test]
    fn rural_follows_the_village_committee() {
        let region = RegionCode::parse("360121100200").unwrap();
        let cats = categories(PoliticalStatus::Masses, 1990, &region, today());
        assert!(cats.rural && !cats.party_member && !cats.elderly);
    }

    #[test]
    fn under_fourteen_needs_a_consenting_guardian() {
        let child = NaiveDate::from_ymd_opt(2015, 6, 1).unwrap();
        assert_eq!(register(&input(child), today()).unwrap_err().code, "guardian_required");
        let mut with_guardian = input(child);
        with_guardian.guardian = Some(Guardian {
            name: "李四".into(),
            phone: "13700000000".into(),
            consent: false,
        });
        assert_eq!(register(&with_guardian, today()).unwrap_err().code, "guardian_required");
        with_guardian.guardian.as_mut().unwrap().consent = true;
        let reg = register(&with_guardian, today()).unwrap();
        assert!(reg.guardian.is_some());
    }

    #[test]
    fn fourteen_year_olds_need_no_guardian() {
        let born = NaiveDate::from_ymd_opt(2012, 11, 29).unwrap();
        assert!(register(&input(born), today()).is_ok());
    }

    #[test]
    fn refusals_carry_their_codes() {
        let born = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        let mut bad = input(born);
        bad.region_code = "3601".into();
        assert_eq!(register(&bad, today()).unwrap_err().code, "region_too_coarse");
        let mut bad = input(born);
        bad.political_status = Some("党员?".into());
        assert_eq!(register(&bad, today()).unwrap_err().code, "political_status_invalid");
        let mut bad = input(born);
        bad.name = "张3".into();
        assert_eq!(register(&bad, today()).unwrap_err().code, "name_invalid");
        let mut bad = input(born);
        let last = if bad.id_number.ends_with('1') { "2" } else { "1" };
        bad.id_number.replace_range(17..18, last);
        assert_eq!(register(&bad, today()).unwrap_err().code, "id_number_invalid");
    }

    #[test]
    fn reasons_are_bounded() {
        assert_eq!(check_reason(" 身份证被冒用 ", true, "reason").unwrap(), "身份证被冒用");
        assert_eq!(check_reason("  ", true, "reason").unwrap_err().code, "reason_invalid");
        assert_eq!(check_reason("", false, "resolution").unwrap(), "");
        assert_eq!(
            check_reason(&"字".repeat(501), false, "resolution").unwrap_err().code,
            "reason_invalid"
        );
    }

    #[test]
    fn age_bands_by_the_birth_year() {
        let today = today();
        assert_eq!(AgeBand::of(2013, today), AgeBand::Under14);
        assert_eq!(AgeBand::of(2012, today), AgeBand::From14To17);
        assert_eq!(AgeBand::of(2008, today), AgeBand::From18To34);
        assert_eq!(AgeBand::of(1967, today), AgeBand::From35To59);
        assert_eq!(AgeBand::of(1966, today), AgeBand::From60);
    }

    proptest! {
        #[test]
        fn year_cutoffs_agree_with_the_categories(y in 1900i32..2026, m in 1u32..=12, d in 1u32..=28) {
            let birth = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let region = RegionCode::parse("360111001001").unwrap();
            let cats = categories(PoliticalStatus::Masses, birth.year(), &region, today());
            prop_assert_eq!(y <= elderly_born_in_or_before(today()), cats.elderly);
            prop_assert_eq!(y > minor_born_after(today()), cats.minor);
            prop_assert_eq!(cats.elderly, AgeBand::of(y, today()) == AgeBand::From60);
            // By the year, an age is at most one more than in full years.
            let reached = age_reached(y, today());
            let full = age_in_years(birth, today());
            prop_assert!(reached == full || reached == full + 1);
        }
    }
}
