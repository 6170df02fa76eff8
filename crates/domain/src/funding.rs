//! Demonstration-project funding (示范项目扶持): calls with a budget and a
//! number of projects in one of the document's modes, organizations'
//! applications with a project of their own, reviewers' scores, grants
//! that never pass the budget or the number of projects, and
//! disbursements that never pass a grant.
//!
//! Amounts are whole yuan. A grant is decided over the call's totals read
//! under the call's lock, so two reviewers granting the last of a budget
//! at once cannot both succeed.

use crate::RuleError;
use crate::activity::check_text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

string_enum! {
    /// How a call funds projects.
    FundingMode, "funding_mode_invalid", {
        PurchaseOfServices = "purchase_of_services",
        RewardForSubsidy = "reward_for_subsidy",
        FundApplication = "fund_application",
    }
}

/// The largest budget of one call, in yuan (a hundred million).
pub const MAX_BUDGET_YUAN: i64 = 100_000_000;
/// The most projects one call funds.
pub const MAX_PROJECTS: i64 = 1_000;
/// The highest score a reviewer gives.
pub const MAX_SCORE: i64 = 100;

/// A call as an administrator opens it, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallDraft<'a> {
    pub title: &'a str,
    pub mode: &'a str,
    pub year: i32,
    pub budget_yuan: i64,
    pub max_projects: i64,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

/// A checked call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub title: String,
    pub mode: FundingMode,
    pub year: i32,
    pub budget_yuan: i64,
    pub max_projects: i64,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

/// Checks a call: a title, a mode, a year, a budget of 1 yuan to a
/// hundred million, 1–1000 projects, and an application window that
/// closes on or after it opens and not before today.
pub fn check_call(draft: &CallDraft<'_>, today: NaiveDate) -> Result<Call, RuleError> {
    let title = check_text(draft.title, 80, true, "title")?;
    let mode = FundingMode::parse(draft.mode).map_err(|e| e.on("mode"))?;
    if !(2018..=2100).contains(&draft.year) {
        return Err(RuleError::new("year_invalid", "a year from 2018").on("year"));
    }
    if !(1..=MAX_BUDGET_YUAN).contains(&draft.budget_yuan) {
        return Err(RuleError::new("budget_invalid", format!("from 1 to {MAX_BUDGET_YUAN} yuan")).on("budget"));
    }
    if !(1..=MAX_PROJECTS).contains(&draft.max_projects) {
        return Err(
            RuleError::new("max_projects_invalid", format!("from 1 to {MAX_PROJECTS} projects")).on("max_projects"),
        );
    }
    if draft.closes_on < draft.opens_on || draft.closes_on < today {
        return Err(RuleError::new(
            "window_invalid",
            "applications close on or after they open, and not before today",
        )
        .on("closes_on"));
    }
    Ok(Call {
        title,
        mode,
        year: draft.year,
        budget_yuan: draft.budget_yuan,
        max_projects: draft.max_projects,
        opens_on: draft.opens_on,
        closes_on: draft.closes_on,
    })
}

/// What an application is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplicationFacts<'a> {
    pub today: NaiveDate,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub call_region_path: &'a str,
    pub organization_region_path: &'a str,
    pub organization_verified: bool,
    pub amount_yuan: i64,
    pub budget_yuan: i64,
}

/// Whether an organization may apply today with a project: the call is
/// open, the organization verified and registered in the call's region,
/// and the amount within the budget.
pub fn check_application(facts: &ApplicationFacts<'_>) -> Result<(), RuleError> {
    let ApplicationFacts {
        today,
        opens_on,
        closes_on,
        organization_verified,
        amount_yuan,
        budget_yuan,
        ..
    } = *facts;
    if today < opens_on || today > closes_on {
        return Err(RuleError::new(
            "call_closed",
            format!("applications are taken from {opens_on} to {closes_on}"),
        ));
    }
    if !organization_verified {
        return Err(RuleError::new(
            "organization_unverified",
            "only verified organizations apply",
        ));
    }
    if !crate::region::path_within(facts.organization_region_path, facts.call_region_path) {
        return Err(RuleError::new(
            "organization_outside_region",
            "the call is for organizations registered in its region",
        ));
    }
    if !(1..=budget_yuan).contains(&amount_yuan) {
        return Err(RuleError::new(
            "amount_invalid",
            format!("from 1 yuan to the call's budget of {budget_yuan}"),
        )
        .on("amount"));
    }
    Ok(())
}

/// Nobody scores, grants or pays an application of an organization they
/// run (`own_application`).
pub fn check_reviewer(runs_applicant: bool) -> Result<(), RuleError> {
    if runs_applicant {
        return Err(RuleError::new(
            "own_application",
            "another administrator decides on an application of an organization you run",
        ));
    }
    Ok(())
}

/// Checks a reviewer's score: 0–100.
pub fn check_score(score: i64) -> Result<i64, RuleError> {
    if (0..=MAX_SCORE).contains(&score) {
        Ok(score)
    } else {
        Err(RuleError::new("score_invalid", format!("from 0 to {MAX_SCORE}")).on("score"))
    }
}

/// What a grant is decided on, read under the call's lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantFacts {
    pub budget_yuan: i64,
    pub max_projects: i64,
    /// Granted so far in the call, and to how many applications.
    pub granted_yuan: i64,
    pub granted_projects: i64,
    /// What the application asked, and whether it already has a grant.
    pub requested_yuan: i64,
    pub already_granted: bool,
    pub amount_yuan: i64,
}

/// Whether the grant may be made: once per application, 1 yuan up to what
/// was asked, never past the budget (`grant_over_budget`) or the number
/// of projects (`grant_over_projects`).
pub fn decide_grant(facts: &GrantFacts) -> Result<(), RuleError> {
    if facts.already_granted {
        return Err(RuleError::new("already_granted", "this application has its grant"));
    }
    if !(1..=facts.requested_yuan).contains(&facts.amount_yuan) {
        return Err(RuleError::new(
            "amount_invalid",
            format!("from 1 yuan to the {} asked", facts.requested_yuan),
        )
        .on("amount"));
    }
    if facts.granted_projects >= facts.max_projects {
        return Err(RuleError::new(
            "grant_over_projects",
            format!("the call funds {} projects, all granted", facts.max_projects),
        ));
    }
    let left = facts.budget_yuan - facts.granted_yuan;
    if facts.amount_yuan > left {
        return Err(RuleError::new(
            "grant_over_budget",
            format!("{left} yuan of the budget are left"),
        ));
    }
    Ok(())
}

/// Whether a disbursement of `amount_yuan` fits what is left of the grant.
pub fn check_disbursement(granted_yuan: i64, disbursed_yuan: i64, amount_yuan: i64) -> Result<(), RuleError> {
    if amount_yuan < 1 {
        return Err(RuleError::new("amount_invalid", "at least 1 yuan").on("amount"));
    }
    if disbursed_yuan + amount_yuan > granted_yuan {
        return Err(RuleError::new(
            "disbursement_over_grant",
            format!("{} yuan of the grant are left to pay", granted_yuan - disbursed_yuan),
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
    fn a_call_has_a_mode_a_budget_a_number_and_a_window() {
        let draft = CallDraft {
            title: "2026年志愿服务示范项目",
            mode: "purchase_of_services",
            year: 2026,
            budget_yuan: 2_000_000,
            max_projects: 50,
            opens_on: day("2026-03-01"),
            closes_on: day("2026-04-30"),
        };
        let today = day("2026-03-01");
        assert_eq!(check_call(&draft, today).unwrap().mode, FundingMode::PurchaseOfServices);
        let refused = |change: fn(&mut CallDraft<'static>)| {
            let mut d = draft.clone();
            change(&mut d);
            check_call(&d, today).unwrap_err().code
        };
        assert_eq!(refused(|d| d.mode = "gift"), "funding_mode_invalid");
        assert_eq!(refused(|d| d.budget_yuan = 0), "budget_invalid");
        assert_eq!(refused(|d| d.max_projects = 0), "max_projects_invalid");
        assert_eq!(refused(|d| d.closes_on = day("2026-02-28")), "window_invalid");
        assert_eq!(refused(|d| d.year = 2017), "year_invalid");
    }

    #[test]
    fn applications_come_in_the_window_from_verified_organizations() {
        let facts = ApplicationFacts {
            today: day("2026-04-30"),
            opens_on: day("2026-03-01"),
            closes_on: day("2026-04-30"),
            call_region_path: "36/3601",
            organization_region_path: "36/3601/360111",
            organization_verified: true,
            amount_yuan: 40_000,
            budget_yuan: 2_000_000,
        };
        assert!(check_application(&facts).is_ok());
        let refused = |change: fn(&mut ApplicationFacts<'static>)| {
            let mut f = facts;
            change(&mut f);
            check_application(&f).unwrap_err().code
        };
        assert_eq!(refused(|f| f.today = day("2026-05-01")), "call_closed");
        assert_eq!(refused(|f| f.today = day("2026-02-28")), "call_closed");
        assert_eq!(refused(|f| f.organization_verified = false), "organization_unverified");
        assert_eq!(
            refused(|f| f.organization_region_path = "36/3602/360203"),
            "organization_outside_region"
        );
        assert_eq!(refused(|f| f.amount_yuan = 2_000_001), "amount_invalid");
        assert_eq!(check_score(101).unwrap_err().code, "score_invalid");
        assert_eq!(check_reviewer(true).unwrap_err().code, "own_application");
        assert!(check_reviewer(false).is_ok());
        assert_eq!(check_score(88).unwrap(), 88);
    }

    fn facts() -> GrantFacts {
        GrantFacts {
            budget_yuan: 100_000,
            max_projects: 3,
            granted_yuan: 60_000,
            granted_projects: 2,
            requested_yuan: 50_000,
            already_granted: false,
            amount_yuan: 40_000,
        }
    }

    #[test]
    fn grants_stay_within_the_budget_the_number_and_the_request() {
        assert!(decide_grant(&facts()).is_ok());
        let refused = |change: fn(&mut GrantFacts)| {
            let mut f = facts();
            change(&mut f);
            decide_grant(&f).unwrap_err().code
        };
        assert_eq!(refused(|f| f.amount_yuan = 40_001), "grant_over_budget");
        assert_eq!(refused(|f| f.amount_yuan = 50_001), "amount_invalid");
        assert_eq!(refused(|f| f.amount_yuan = 0), "amount_invalid");
        assert_eq!(refused(|f| f.granted_projects = 3), "grant_over_projects");
        assert_eq!(refused(|f| f.already_granted = true), "already_granted");
        assert!(check_disbursement(40_000, 30_000, 10_000).is_ok());
        assert_eq!(
            check_disbursement(40_000, 30_000, 10_001).unwrap_err().code,
            "disbursement_over_grant"
        );
        assert_eq!(check_disbursement(40_000, 0, 0).unwrap_err().code, "amount_invalid");
    }

    proptest! {
        /// Whatever grants are tried in whatever order, those accepted
        /// never sum past the budget nor outnumber the projects.
        #[test]
        fn accepted_grants_never_pass_the_call(asks in proptest::collection::vec((1_i64..80_000, 1_i64..80_000), 0..40)) {
            let (budget, max_projects) = (200_000, 5);
            let (mut granted, mut projects) = (0, 0);
            for (requested, amount) in asks {
                let facts = GrantFacts {
                    budget_yuan: budget,
                    max_projects,
                    granted_yuan: granted,
                    granted_projects: projects,
                    requested_yuan: requested,
                    already_granted: false,
                    amount_yuan: amount,
                };
                if decide_grant(&facts).is_ok() {
                    granted += amount;
                    projects += 1;
                }
            }
            prop_assert!(granted <= budget);
            prop_assert!(projects <= max_projects);
        }
    }
}
