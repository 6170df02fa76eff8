//! Volunteer organizations and teams: kinds, verification, join modes and the
//! membership life cycle.

use crate::RuleError;
use serde::{Deserialize, Serialize};

string_enum!(
    /// What kind of body an organization is.
    OrgKind, "org_kind_invalid", {
        SocialOrganization = "social_organization",
        Unit = "unit",
        PartyMemberTeam = "party_member_team",
        School = "school",
        CommunityTeam = "community_team",
    }
);

impl OrgKind {
    /// Chinese label, also accepted on import.
    pub fn label_zh(self) -> &'static str {
        match self {
            OrgKind::SocialOrganization => "社会组织",
            OrgKind::Unit => "机关企事业单位",
            OrgKind::PartyMemberTeam => "党员志愿服务队",
            OrgKind::School => "学校",
            OrgKind::CommunityTeam => "村（社区）志愿服务队",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse_any(raw: &str) -> Result<Self, RuleError> {
        let raw = raw.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|kind| kind.label_zh() == raw)
            .map_or_else(|| Self::parse(raw).map_err(|e| e.on("kind")), Ok)
    }
}

string_enum!(
    /// How volunteers join: after review, at once, or not at all.
    JoinMode, "join_mode_invalid", {
        Review = "review",
        Open = "open",
        Closed = "closed",
    }
);

string_enum!(
    MembershipState, "membership_state_invalid", {
        Pending = "pending",
        Active = "active",
        Left = "left",
    }
);

/// The state a request to join lands in, given the join mode, whether the
/// organization is verified, and any current membership.
pub fn join(mode: JoinMode, verified: bool, current: Option<MembershipState>) -> Result<MembershipState, RuleError> {
    if !verified {
        return Err(RuleError::new(
            "org_unverified",
            "this organization has not been verified yet",
        ));
    }
    match current {
        Some(MembershipState::Active) => return Err(RuleError::new("already_member", "you are already a member")),
        Some(MembershipState::Pending) => {
            return Err(RuleError::new(
                "already_member",
                "your request to join is waiting for review",
            ));
        }
        Some(MembershipState::Left) | None => {}
    }
    match mode {
        JoinMode::Open => Ok(MembershipState::Active),
        JoinMode::Review => Ok(MembershipState::Pending),
        JoinMode::Closed => Err(RuleError::new(
            "org_closed",
            "this organization does not take new members",
        )),
    }
}

/// A membership change made by the organization's admin or the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipAction {
    Approve,
    Reject,
    Remove,
    Leave,
}

pub fn apply_membership(current: MembershipState, action: MembershipAction) -> Result<MembershipState, RuleError> {
    use MembershipAction::*;
    use MembershipState::*;
    match (current, action) {
        (Pending, Approve) => Ok(Active),
        (Pending, Reject) | (Pending, Leave) | (Active, Remove) | (Active, Leave) => Ok(Left),
        _ => Err(RuleError::new(
            "invalid_transition",
            format!("a {} membership cannot be changed that way", current.as_str()),
        )),
    }
}

/// Organization names: 2 to 100 characters, no control characters.
pub fn check_name(raw: &str) -> Result<String, RuleError> {
    let name = raw.trim();
    let count = name.chars().count();
    if !(2..=100).contains(&count) || name.chars().any(char::is_control) {
        return Err(RuleError::new("name_invalid", "a name has 2 to 100 characters").on("name"));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_follows_the_mode() {
        assert_eq!(join(JoinMode::Open, true, None).unwrap(), MembershipState::Active);
        assert_eq!(join(JoinMode::Review, true, None).unwrap(), MembershipState::Pending);
        assert_eq!(join(JoinMode::Closed, true, None).unwrap_err().code, "org_closed");
        assert_eq!(join(JoinMode::Open, false, None).unwrap_err().code, "org_unverified");
        assert_eq!(
            join(JoinMode::Open, true, Some(MembershipState::Active))
                .unwrap_err()
                .code,
            "already_member"
        );
        assert_eq!(
            join(JoinMode::Review, true, Some(MembershipState::Left)).unwrap(),
            MembershipState::Pending
        );
    }

    #[test]
    fn membership_transitions() {
        use MembershipAction::*;
        assert_eq!(
            apply_membership(MembershipState::Pending, Approve).unwrap(),
            MembershipState::Active
        );
        assert_eq!(
            apply_membership(MembershipState::Active, Leave).unwrap(),
            MembershipState::Left
        );
        assert_eq!(
            apply_membership(MembershipState::Left, Approve).unwrap_err().code,
            "invalid_transition"
        );
        assert_eq!(
            apply_membership(MembershipState::Active, Approve).unwrap_err().code,
            "invalid_transition"
        );
    }

    #[test]
    fn kinds_parse_from_code_or_label() {
        assert_eq!(OrgKind::parse_any("school").unwrap(), OrgKind::School);
        assert_eq!(OrgKind::parse_any("党员志愿服务队").unwrap(), OrgKind::PartyMemberTeam);
        assert_eq!(OrgKind::parse_any("club").unwrap_err().code, "org_kind_invalid");
    }
}
