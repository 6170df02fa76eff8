//! The practice network (新时代文明实践): one center per county, one institute
//! per township, one station per village or community; which projects
//! may stand on a site's menu; and the designations a site carries (a
//! county's center as a pilot county, demonstration institutes and
//! stations), who may give them, and which designated sites a filtered
//! statistic sums.

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

string_enum! {
    /// Who designated a site a pilot or demonstration site.
    DesignationLevel, "designation_level_invalid", {
        National = "national",
        Provincial = "provincial",
        City = "city",
    }
}

/// The first year of designations (the pilot of the practice centers began in 2018).
pub const FIRST_DESIGNATION_YEAR: i32 = 2018;

/// A designation as recorded: its level and the year it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Designation {
    pub level: DesignationLevel,
    pub year: i32,
}

/// Checks a designation an administrator whose highest scope over the
/// site is at `admin_level` records: the province records national and
/// provincial designations (the national ones are given in Beijing and
/// entered here) and city ones; a city its own; counties none. The year
/// lies between 2018 and this year.
pub fn check_designation(
    level: DesignationLevel,
    year: i32,
    admin_level: RegionLevel,
    this_year: i32,
) -> Result<Designation, RuleError> {
    let allowed = match admin_level {
        RegionLevel::Province => true,
        RegionLevel::City => level == DesignationLevel::City,
        _ => false,
    };
    if !allowed {
        return Err(RuleError::new(
            "forbidden_scope",
            format!(
                "a {} designation is recorded by the level that gives it",
                level.as_str()
            ),
        ));
    }
    if !(FIRST_DESIGNATION_YEAR..=this_year).contains(&year) {
        return Err(RuleError::new(
            "designation_year_invalid",
            format!("a year from {FIRST_DESIGNATION_YEAR} to {this_year}"),
        )
        .on("year"));
    }
    Ok(Designation { level, year })
}

/// Which designated sites a list or statistic keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DesignationFilter {
    /// Any designation.
    Any,
    Only(DesignationLevel),
}

impl DesignationFilter {
    /// `any`, `national`, `provincial` or `city`.
    pub fn parse(raw: &str) -> Result<DesignationFilter, RuleError> {
        match raw.trim() {
            "any" => Ok(DesignationFilter::Any),
            other => DesignationLevel::parse(other)
                .map(DesignationFilter::Only)
                .map_err(|e| e.on("designation")),
        }
    }

    /// Whether a site designated at `level` (if at all) is kept.
    pub fn keeps(self, level: Option<DesignationLevel>) -> bool {
        match (self, level) {
            (_, None) => false,
            (DesignationFilter::Any, Some(_)) => true,
            (DesignationFilter::Only(wanted), Some(level)) => wanted == level,
        }
    }
}

/// The paths of `paths` that lie in no other one of them: a designated
/// institute inside a pilot county is already counted with the county,
/// so a sum over designated sites takes the outermost ones only.
pub fn outermost<'a>(paths: &[&'a str]) -> Vec<&'a str> {
    let mut kept: Vec<&'a str> = paths
        .iter()
        .copied()
        .filter(|path| {
            !paths
                .iter()
                .any(|other| other != path && crate::region::path_within(path, other))
        })
        .collect();
    kept.sort_unstable();
    kept.dedup();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn designations_come_from_the_level_that_gives_them() {
        use DesignationLevel::*;
        assert!(check_designation(National, 2019, RegionLevel::Province, 2026).is_ok());
        assert!(check_designation(City, 2026, RegionLevel::Province, 2026).is_ok());
        assert!(check_designation(City, 2020, RegionLevel::City, 2026).is_ok());
        for (level, admin) in [
            (Provincial, RegionLevel::City),
            (National, RegionLevel::City),
            (City, RegionLevel::County),
        ] {
            assert_eq!(
                check_designation(level, 2020, admin, 2026).unwrap_err().code,
                "forbidden_scope"
            );
        }
        for year in [2017, 2027] {
            assert_eq!(
                check_designation(City, year, RegionLevel::Province, 2026)
                    .unwrap_err()
                    .code,
                "designation_year_invalid"
            );
        }
    }

    #[test]
    fn filters_keep_designated_sites_and_sums_take_the_outermost() {
        assert!(
            DesignationFilter::parse("any")
                .unwrap()
                .keeps(Some(DesignationLevel::City))
        );
        assert!(!DesignationFilter::parse("any").unwrap().keeps(None));
        let national = DesignationFilter::parse(" national ").unwrap();
        assert!(national.keeps(Some(DesignationLevel::National)));
        assert!(!national.keeps(Some(DesignationLevel::Provincial)));
        assert_eq!(
            DesignationFilter::parse("pilot").unwrap_err().code,
            "designation_level_invalid"
        );
        let kept = outermost(&[
            "36/3601/360111/360111001",
            "36/3601/360111",
            "36/3601/360102",
            "36/3601/36011",
        ]);
        assert_eq!(kept, ["36/3601/360102", "36/3601/36011", "36/3601/360111"]);
    }

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
