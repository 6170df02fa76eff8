//! Roles and their scopes, and the decisions "may this actor act on that".
//!
//! Region administrators act on the region subtree of their scope; site
//! managers on their site's region subtree; organization admins on their
//! organization; a volunteer on their own record.

use crate::RuleError;
use crate::region::{RegionLevel, path_within};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ProvinceAdmin,
    CityAdmin,
    CountyAdmin,
    SiteManager,
    OrgAdmin,
    /// A clerk of a unit that offers benefits (a museum's ticket desk).
    BenefitProvider,
    Volunteer,
    Resident,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::ProvinceAdmin => "province_admin",
            Role::CityAdmin => "city_admin",
            Role::CountyAdmin => "county_admin",
            Role::SiteManager => "site_manager",
            Role::OrgAdmin => "org_admin",
            Role::BenefitProvider => "benefit_provider",
            Role::Volunteer => "volunteer",
            Role::Resident => "resident",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        Ok(match raw {
            "province_admin" => Role::ProvinceAdmin,
            "city_admin" => Role::CityAdmin,
            "county_admin" => Role::CountyAdmin,
            "site_manager" => Role::SiteManager,
            "org_admin" => Role::OrgAdmin,
            "benefit_provider" => Role::BenefitProvider,
            "volunteer" => Role::Volunteer,
            "resident" => Role::Resident,
            other => return Err(RuleError::new("role_invalid", format!("unknown role {other:?}")).on("role")),
        })
    }

    /// The region level a region administrator's scope must have.
    pub fn admin_region_level(self) -> Option<RegionLevel> {
        match self {
            Role::ProvinceAdmin => Some(RegionLevel::Province),
            Role::CityAdmin => Some(RegionLevel::City),
            Role::CountyAdmin => Some(RegionLevel::County),
            _ => None,
        }
    }

    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Role::ProvinceAdmin | Role::CityAdmin | Role::CountyAdmin | Role::Resident | Role::Volunteer => {
                ScopeKind::Region
            }
            Role::SiteManager => ScopeKind::Site,
            Role::OrgAdmin => ScopeKind::Organization,
            Role::BenefitProvider => ScopeKind::Provider,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    Region,
    Site,
    Organization,
    /// A unit that offers benefits.
    Provider,
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Region => "region",
            ScopeKind::Site => "site",
            ScopeKind::Organization => "organization",
            ScopeKind::Provider => "provider",
        }
    }
}

/// One role held over one scope. `region_path` is the materialized path of the
/// scope's region (for a site or organization, the region it is bound to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub scope_id: String,
    pub region_path: String,
}

impl Grant {
    /// Checks that the scope has the right shape for the role before it is granted.
    pub fn check_region_level(role: Role, region_level: RegionLevel) -> Result<(), RuleError> {
        match role.admin_region_level() {
            Some(level) if level != region_level => Err(RuleError::new(
                "role_scope_invalid",
                format!("a {} administers a {} region", role.as_str(), level.as_str()),
            )),
            _ => Ok(()),
        }
    }
}

/// Who is acting, with every grant they hold.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: String,
    pub grants: Vec<Grant>,
    pub volunteer_id: Option<String>,
}

fn forbidden() -> RuleError {
    RuleError::new("forbidden_scope", "this is outside your scope")
}

impl Actor {
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn is_region_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role.admin_region_level().is_some())
    }

    /// Region administration over the region at `path`.
    pub fn administers_region(&self, path: &str) -> bool {
        self.grants
            .iter()
            .any(|g| g.role.admin_region_level().is_some() && path_within(path, &g.region_path))
    }

    pub fn require_region_admin(&self, path: &str) -> Result<(), RuleError> {
        if self.administers_region(path) {
            Ok(())
        } else {
            Err(forbidden())
        }
    }

    /// Site management reaches the site's own region subtree; region
    /// administrators above it reach it too.
    pub fn manages_site(&self, site_id: &str, site_region_path: &str) -> bool {
        self.administers_region(site_region_path)
            || self.grants.iter().any(|g| {
                g.role == Role::SiteManager && (g.scope_id == site_id || path_within(site_region_path, &g.region_path))
            })
    }

    /// An organization is run by its admins and overseen by the region
    /// administrators whose scope covers its region.
    pub fn administers_organization(&self, organization_id: &str, organization_region_path: &str) -> bool {
        self.administers_region(organization_region_path)
            || self
                .grants
                .iter()
                .any(|g| g.role == Role::OrgAdmin && g.scope_id == organization_id)
    }

    pub fn require_organization_admin(&self, organization_id: &str, region_path: &str) -> Result<(), RuleError> {
        if self.administers_organization(organization_id, region_path) {
            Ok(())
        } else {
            Err(forbidden())
        }
    }

    /// A benefit provider's codes are checked by its clerks and by the
    /// region administrators whose scope covers the provider.
    pub fn checks_for_provider(&self, provider_id: &str, provider_region_path: &str) -> bool {
        self.administers_region(provider_region_path)
            || self
                .grants
                .iter()
                .any(|g| g.role == Role::BenefitProvider && g.scope_id == provider_id)
    }

    pub fn is_volunteer(&self, volunteer_id: &str) -> bool {
        self.volunteer_id.as_deref() == Some(volunteer_id)
    }

    /// Personal data (whole ID number and phone) is shown to the volunteer
    /// and to region administrators whose scope covers the volunteer's region.
    pub fn may_see_personal_data(&self, volunteer_id: &str, volunteer_region_path: &str) -> bool {
        self.is_volunteer(volunteer_id) || self.administers_region(volunteer_region_path)
    }

    /// Reading a volunteer's record at all: the volunteer, region admins above
    /// them, and admins of an organization they belong to (`member_of`).
    pub fn may_read_volunteer(&self, volunteer_id: &str, volunteer_region_path: &str, member_of: &[String]) -> bool {
        self.may_see_personal_data(volunteer_id, volunteer_region_path)
            || self
                .grants
                .iter()
                .any(|g| g.role == Role::OrgAdmin && member_of.contains(&g.scope_id))
    }

    /// Whether this actor may grant `role` over a scope whose region path is
    /// `scope_path`: region administrators appoint administrators of their
    /// own level or below inside their subtree, and site managers and
    /// organization admins for sites and organizations inside it. Volunteer
    /// and resident roles come from registration, not from grants.
    pub fn may_grant(&self, role: Role, scope_path: &str) -> bool {
        match role.admin_region_level() {
            Some(target_level) => self.grants.iter().any(|g| {
                g.role
                    .admin_region_level()
                    .is_some_and(|own_level| target_level >= own_level && path_within(scope_path, &g.region_path))
            }),
            None => {
                matches!(role, Role::SiteManager | Role::OrgAdmin | Role::BenefitProvider)
                    && self.administers_region(scope_path)
            }
        }
    }

    /// The regions whose subtree this actor administers, as paths.
    pub fn administered_paths(&self) -> Vec<&str> {
        self.grants
            .iter()
            .filter(|g| g.role.admin_region_level().is_some())
            .map(|g| g.region_path.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn county_admin(code_path: &str) -> Actor {
        Actor {
            user_id: "u1".into(),
            grants: vec![Grant {
                role: Role::CountyAdmin,
                scope_id: code_path.rsplit('/').next().unwrap().into(),
                region_path: code_path.into(),
            }],
            volunteer_id: None,
        }
    }

    #[test]
    fn county_admin_reaches_own_subtree_only() {
        let admin = county_admin("36/3601/360111");
        assert!(admin.administers_region("36/3601/360111/360111001"));
        assert!(!admin.administers_region("36/3601/360102/360102001"));
        assert!(!admin.administers_region("36/3601"));
        assert!(admin.may_see_personal_data("v9", "36/3601/360111/360111001/360111001001"));
        assert!(!admin.may_see_personal_data("v9", "36/3601/360102"));
        assert_eq!(
            admin.require_region_admin("36/3601/360102").unwrap_err().code,
            "forbidden_scope"
        );
    }

    #[test]
    fn org_admin_reaches_own_organization_and_members() {
        let admin = Actor {
            user_id: "u2".into(),
            grants: vec![Grant {
                role: Role::OrgAdmin,
                scope_id: "o1".into(),
                region_path: "36/3601/360111".into(),
            }],
            volunteer_id: None,
        };
        assert!(admin.administers_organization("o1", "36/3601/360111"));
        assert!(!admin.administers_organization("o2", "36/3601/360111"));
        assert!(admin.may_read_volunteer("v1", "36/3601/360102", &["o1".to_string()]));
        assert!(!admin.may_read_volunteer("v1", "36/3601/360102", &["o3".to_string()]));
        assert!(!admin.may_see_personal_data("v1", "36/3601/360111"));
    }

    #[test]
    fn administrators_appoint_within_their_subtree_at_or_below_their_level() {
        let county = county_admin("36/3601/360111");
        assert!(county.may_grant(Role::CountyAdmin, "36/3601/360111"));
        assert!(county.may_grant(Role::SiteManager, "36/3601/360111/360111001"));
        assert!(county.may_grant(Role::OrgAdmin, "36/3601/360111"));
        assert!(!county.may_grant(Role::CityAdmin, "36/3601"));
        assert!(!county.may_grant(Role::CountyAdmin, "36/3601/360102"));
        assert!(!county.may_grant(Role::SiteManager, "36/3601/360102/360102002"));
        assert!(!county.may_grant(Role::Volunteer, "36/3601/360111"));
        let volunteer = Actor {
            user_id: "u9".into(),
            grants: vec![],
            volunteer_id: Some("v9".into()),
        };
        assert!(!volunteer.may_grant(Role::OrgAdmin, "36/3601/360111"));
    }

    #[test]
    fn a_provider_clerk_checks_for_their_own_unit_only() {
        let clerk = Actor {
            user_id: "u5".into(),
            grants: vec![Grant {
                role: Role::BenefitProvider,
                scope_id: "7".into(),
                region_path: "36/3601/360111".into(),
            }],
            volunteer_id: None,
        };
        assert!(clerk.checks_for_provider("7", "36/3601/360111"));
        assert!(!clerk.checks_for_provider("8", "36/3601/360111"));
        assert!(!clerk.is_region_admin());
        assert!(!clerk.may_grant(Role::BenefitProvider, "36/3601/360111"));
        let county = county_admin("36/3601/360111");
        assert!(county.checks_for_provider("8", "36/3601/360111/360111001"));
        assert!(!county.checks_for_provider("9", "36/3601/360102"));
        assert!(county.may_grant(Role::BenefitProvider, "36/3601/360111"));
        assert_eq!(
            Role::parse("benefit_provider").unwrap().scope_kind(),
            ScopeKind::Provider
        );
    }

    #[test]
    fn region_roles_need_matching_levels() {
        assert!(Grant::check_region_level(Role::CountyAdmin, RegionLevel::County).is_ok());
        assert!(Grant::check_region_level(Role::CountyAdmin, RegionLevel::City).is_err());
        assert!(Grant::check_region_level(Role::Resident, RegionLevel::Village).is_ok());
    }
}
