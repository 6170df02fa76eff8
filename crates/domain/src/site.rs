//! The practice network (新时代文明实践): one center per county, one institute
//! per township, one station per village or community.

use crate::RuleError;
use crate::region::RegionLevel;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteLevel {
    Center,
    Institute,
    Station,
}

impl SiteLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            SiteLevel::Center => "center",
            SiteLevel::Institute => "institute",
            SiteLevel::Station => "station",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        match raw.trim() {
            "center" => Ok(SiteLevel::Center),
            "institute" => Ok(SiteLevel::Institute),
            "station" => Ok(SiteLevel::Station),
            other => Err(RuleError::new("site_level_invalid", format!("unknown site level {other:?}")).on("level")),
        }
    }

    /// The site level that serves a region of this level, if any.
    pub fn for_region(level: RegionLevel) -> Option<Self> {
        match level {
            RegionLevel::County => Some(SiteLevel::Center),
            RegionLevel::Township => Some(SiteLevel::Institute),
            RegionLevel::Village => Some(SiteLevel::Station),
            RegionLevel::Province | RegionLevel::City => None,
        }
    }

    /// The name a site gets when it is created for its region.
    pub fn default_name(self, region_name: &str) -> String {
        let suffix = match self {
            SiteLevel::Center => "新时代文明实践中心",
            SiteLevel::Institute => "新时代文明实践所",
            SiteLevel::Station => "新时代文明实践站",
        };
        format!("{region_name}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_below_city_has_its_site() {
        assert_eq!(SiteLevel::for_region(RegionLevel::County), Some(SiteLevel::Center));
        assert_eq!(SiteLevel::for_region(RegionLevel::Township), Some(SiteLevel::Institute));
        assert_eq!(SiteLevel::for_region(RegionLevel::Village), Some(SiteLevel::Station));
        assert_eq!(SiteLevel::for_region(RegionLevel::City), None);
        assert_eq!(SiteLevel::Center.default_name("青山湖区"), "青山湖区新时代文明实践中心");
    }
}
