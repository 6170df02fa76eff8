//! Administrative regions (GB/T 2260 codes and the 12-digit codes of the
//! statistics bureau below county level): levels, parents and the
//! materialized path `36/3601/360111/360111001/360111001001` that makes
//! "everything under this region" a prefix match.

use crate::RuleError;
use serde::{Deserialize, Serialize};

/// The five levels, from the province down to villages and communities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    City,
    County,
    Township,
    Village,
}

impl RegionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Township => "township",
            RegionLevel::Village => "village",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        Ok(match raw.trim() {
            "province" => RegionLevel::Province,
            "city" => RegionLevel::City,
            "county" => RegionLevel::County,
            "township" => RegionLevel::Township,
            "village" => RegionLevel::Village,
            other => {
                return Err(
                    RuleError::new("region_level_invalid", format!("unknown region level {other:?}")).on("level"),
                );
            }
        })
    }

    /// The number of digits of a code at this level.
    pub fn code_len(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
        }
    }

    fn from_code_len(len: usize) -> Option<Self> {
        [
            RegionLevel::Province,
            RegionLevel::City,
            RegionLevel::County,
            RegionLevel::Township,
            RegionLevel::Village,
        ]
        .into_iter()
        .find(|level| level.code_len() == len)
    }
}

/// A syntactically valid region code (2, 4, 6, 9 or 12 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let code = raw.trim();
        if !code.bytes().all(|b| b.is_ascii_digit()) || RegionLevel::from_code_len(code.len()).is_none() {
            return Err(RuleError::new("region_unknown", format!("{code:?} is not a region code")).on("region_code"));
        }
        Ok(Self(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        RegionLevel::from_code_len(self.0.len()).expect("checked at parse")
    }

    /// The code one level up, by truncation (`None` for a province).
    pub fn parent(&self) -> Option<RegionCode> {
        let parent_len = match self.level() {
            RegionLevel::Province => return None,
            RegionLevel::City => 2,
            RegionLevel::County => 4,
            RegionLevel::Township => 6,
            RegionLevel::Village => 9,
        };
        Some(RegionCode(self.0[..parent_len].to_string()))
    }

    /// The county this region lies in (itself for a county, `None` above).
    pub fn county(&self) -> Option<RegionCode> {
        (self.0.len() >= 6).then(|| RegionCode(self.0[..6].to_string()))
    }

    /// The materialized path: every ancestor code and this one, joined by `/`.
    pub fn path(&self) -> String {
        let mut parts = vec![self.0.clone()];
        let mut current = self.parent();
        while let Some(code) = current {
            parts.push(code.0.clone());
            current = code.parent();
        }
        parts.reverse();
        parts.join("/")
    }

    /// A village-level code whose last three digits are 200–399 is a village
    /// committee (村民委员会) by the statistics bureau's numbering; 001–199 are
    /// residents' communities. Only village committees are rural.
    pub fn is_village_committee(&self) -> bool {
        if self.level() != RegionLevel::Village {
            return false;
        }
        let sequence: u32 = self.0[9..].parse().unwrap_or(0);
        (200..400).contains(&sequence)
    }
}

/// Whether `path` lies at or under the region whose path is `ancestor_path`.
pub fn path_within(path: &str, ancestor_path: &str) -> bool {
    path == ancestor_path
        || (path.starts_with(ancestor_path) && path.as_bytes().get(ancestor_path.len()) == Some(&b'/'))
}

/// The key large tables are distributed by (their `county_code` column):
/// the county a region lies in, or the region itself above county level (a
/// city's or the province's organization). Codes are ASCII digits.
pub fn distribution_key(region_code: &str) -> &str {
    region_code.get(..6).unwrap_or(region_code)
}

/// The proper ancestors of a path, from the top: `36/3601/360111` gives
/// `36` and `36/3601`.
pub fn ancestor_paths(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(slash, _)| &path[..slash])
}

/// One row of an import file: `code,name,level,parent_code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionRow {
    pub code: RegionCode,
    pub name: String,
    pub level: RegionLevel,
    pub parent: Option<RegionCode>,
    pub population: Option<i64>,
}

/// Checks one region row: the level matches the code's length and the parent
/// is the code's truncation.
pub fn check_region_row(
    code: &str,
    name: &str,
    level: &str,
    parent_code: &str,
    population: Option<&str>,
) -> Result<RegionRow, RuleError> {
    let code = RegionCode::parse(code).map_err(|e| e.on("code"))?;
    let level = RegionLevel::parse(level)?;
    if code.level() != level {
        return Err(RuleError::new(
            "region_level_invalid",
            format!("a {} code has {} digits", level.as_str(), level.code_len()),
        )
        .on("level"));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(RuleError::new("region_name_invalid", "a region name has 1 to 100 characters").on("name"));
    }
    let parent = match parent_code.trim() {
        "" => None,
        raw => Some(RegionCode::parse(raw).map_err(|e| e.on("parent_code"))?),
    };
    if parent != code.parent() {
        return Err(
            RuleError::new("region_parent_invalid", "the parent code must be the code one level up").on("parent_code"),
        );
    }
    let population =
        match population.map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(raw.parse::<i64>().ok().filter(|p| *p >= 0).ok_or_else(|| {
                RuleError::new("population_invalid", "population is a whole number").on("population")
            })?),
        };
    Ok(RegionRow {
        code,
        name: name.to_string(),
        level,
        parent,
        population,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_distribution_key_is_the_county_or_the_region_above_it() {
        assert_eq!(distribution_key("360111001002"), "360111");
        assert_eq!(distribution_key("360111"), "360111");
        assert_eq!(distribution_key("3601"), "3601");
        assert_eq!(distribution_key("36"), "36");
        let village = RegionCode::parse("360111001002").unwrap();
        assert_eq!(
            village.county().map(|c| c.as_str().to_string()).as_deref(),
            Some(distribution_key(village.as_str()))
        );
    }

    #[test]
    fn paths_and_parents() {
        let village = RegionCode::parse("360111001001").unwrap();
        assert_eq!(village.level(), RegionLevel::Village);
        assert_eq!(village.path(), "36/3601/360111/360111001/360111001001");
        assert_eq!(village.county().unwrap().as_str(), "360111");
        assert_eq!(RegionCode::parse("36").unwrap().parent(), None);
    }

    #[test]
    fn within_is_a_path_prefix_on_boundaries() {
        assert!(path_within("36/3601/360111", "36/3601"));
        assert!(path_within("36/3601", "36/3601"));
        assert_eq!(ancestor_paths("36/3601/360111").collect::<Vec<_>>(), ["36", "36/3601"]);
        assert_eq!(ancestor_paths("36").count(), 0);
        assert!(!path_within("36/3601/360111", "36/3601/36011"));
        assert!(!path_within("36/3601/360102", "36/3601/360111"));
    }

    #[test]
    fn village_committees_are_numbered_200_to_399() {
        assert!(RegionCode::parse("360121100200").unwrap().is_village_committee());
        assert!(!RegionCode::parse("360111001001").unwrap().is_village_committee());
        assert!(!RegionCode::parse("360111490500").unwrap().is_village_committee());
        assert!(!RegionCode::parse("360111").unwrap().is_village_committee());
    }

    #[test]
    fn rows_must_be_consistent() {
        assert!(check_region_row("360111", "青山湖区", "county", "3601", Some("")).is_ok());
        assert_eq!(
            check_region_row("360111", "青山湖区", "city", "3601", None)
                .unwrap_err()
                .code,
            "region_level_invalid"
        );
        assert_eq!(
            check_region_row("360111", "青山湖区", "county", "3602", None)
                .unwrap_err()
                .code,
            "region_parent_invalid"
        );
        assert_eq!(
            check_region_row("36011", "x", "county", "3601", None).unwrap_err().code,
            "region_unknown"
        );
        assert_eq!(
            check_region_row("360111", "x", "county", "3601", Some("-3"))
                .unwrap_err()
                .code,
            "population_invalid"
        );
    }
}
