//! The practice network (新时代文明实践): one center per county, one institute
//! per township, one station per village or community; and which projects
//! may stand on a site's menu.

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

/// What a site manager may set about a site.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteDetails {
    pub name: String,
    pub address: Option<String>,
    pub location: Option<(f64, f64)>,
}

/// Checks a site's name (2–100 characters), address (at most 200) and
/// location (both latitude and longitude in degrees, or neither).
pub fn check_details(
    name: &str,
    address: Option<&str>,
    lat: Option<f64>,
    lon: Option<f64>,
) -> Result<SiteDetails, RuleError> {
    let name = crate::organization::check_name(name)?;
    let address = address.map(str::trim).filter(|a| !a.is_empty());
    if address.is_some_and(|a| a.chars().count() > 200) {
        return Err(RuleError::new("address_invalid", "an address has at most 200 characters").on("address"));
    }
    let location = match (lat, lon) {
        (Some(lat), Some(lon)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => Some((lat, lon)),
        (None, None) => None,
        _ => return Err(RuleError::new("location_invalid", "give both lat and lon, in degrees").on("lat")),
    };
    Ok(SiteDetails {
        name,
        address: address.map(str::to_string),
        location,
    })
}

/// Whether a project of the library may stand on the menu of a site whose
/// region is at `site_region_path`: marked for menus, offered by a verified
/// organization, and serving an area (`project_area_path`) that covers the
/// site's region. Residents order from menus; nothing there may come from an
/// organization nobody has checked, or from one that does not serve them.
pub fn may_stand_on_menu(
    on_menu: bool,
    organization_verified: bool,
    project_area_path: &str,
    site_region_path: &str,
) -> bool {
    on_menu && organization_verified && crate::region::path_within(site_region_path, project_area_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menus_hold_verified_projects_that_serve_the_site() {
        let station = "36/3601/360111/360111001/360111001002";
        assert!(may_stand_on_menu(true, true, "36/3601/360111", station));
        assert!(may_stand_on_menu(true, true, station, station));
        assert!(!may_stand_on_menu(true, false, "36/3601/360111", station), "unverified");
        assert!(
            !may_stand_on_menu(false, true, "36/3601/360111", station),
            "not for menus"
        );
        assert!(
            !may_stand_on_menu(true, true, "36/3601/360102", station),
            "another county"
        );
        assert!(
            !may_stand_on_menu(true, true, "36/3601/36011", station),
            "a prefix is no ancestor"
        );
    }

    #[test]
    fn site_details_need_a_whole_location_in_range() {
        let ok = check_details(" 中心 ", Some(" 青山湖大道1号 "), Some(28.68), Some(115.95)).unwrap();
        assert_eq!(
            (ok.name.as_str(), ok.address.as_deref()),
            ("中心", Some("青山湖大道1号"))
        );
        assert_eq!(check_details("中心", Some("  "), None, None).unwrap().address, None);
        for (lat, lon) in [(Some(91.0), Some(0.0)), (Some(28.0), None), (None, Some(115.0))] {
            assert_eq!(
                check_details("中心", None, lat, lon).unwrap_err().code,
                "location_invalid"
            );
        }
        assert_eq!(
            check_details("中心", Some(&"路".repeat(201)), None, None)
                .unwrap_err()
                .code,
            "address_invalid"
        );
        assert_eq!(check_details("x", None, None, None).unwrap_err().code, "name_invalid");
    }

    #[test]
    fn each_level_below_city_has_its_site() {
        assert_eq!(SiteLevel::for_region(RegionLevel::County), Some(SiteLevel::Center));
        assert_eq!(SiteLevel::for_region(RegionLevel::Township), Some(SiteLevel::Institute));
        assert_eq!(SiteLevel::for_region(RegionLevel::Village), Some(SiteLevel::Station));
        assert_eq!(SiteLevel::for_region(RegionLevel::City), None);
        assert_eq!(SiteLevel::Center.default_name("青山湖区"), "青山湖区新时代文明实践中心");
    }
}
