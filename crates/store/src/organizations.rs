//! Organizations and teams: creation (unverified), verification by a region
//! administrator, join modes, and memberships.

use crate::sql::{Tx, query, query_as, query_scalar};
use crate::statistics::{RollupSums, day_of};
use crate::{Page, Result, Store, StoreError, audit_entry, into_page, parse_cursor, subtree_bounds};
use serde::Serialize;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::organization::{JoinMode, MembershipAction, MembershipState, OrgKind, apply_membership, join};
use zhiyuan_domain::region::distribution_key;
use zhiyuan_domain::role::Role;
use zhiyuan_domain::statistics;
use zhiyuan_domain::uscc::Uscc;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub region_code: String,
    pub region_path: String,
    pub uscc: Option<String>,
    pub parent_id: Option<i64>,
    pub join_mode: String,
    pub verified_at: Option<i64>,
    pub verified_by: Option<i64>,
    pub created_at: i64,
}

impl Organization {
    pub fn is_verified(&self) -> bool {
        self.verified_at.is_some()
    }
}

/// A new organization, checked by the domain rules.
#[derive(Debug, Clone)]
pub struct NewOrganization {
    pub name: String,
    pub kind: OrgKind,
    pub region_code: String,
    pub uscc: Option<Uscc>,
    pub parent_id: Option<i64>,
    pub join_mode: JoinMode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Member {
    pub volunteer_id: i64,
    pub name: String,
    pub volunteer_no: String,
    pub state: String,
    pub requested_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct OrganizationQuery {
    pub region_path: String,
    pub verified: Option<bool>,
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub limit: i64,
}

/// Outcome of importing one organization row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgImportOutcome {
    Inserted { id: i64 },
    Unchanged,
    Rejected(RuleError),
}

const ORG_COLUMNS: &str =
    "id, name, kind, region_code, region_path, uscc, parent_id, join_mode, verified_at, verified_by, created_at";

/// Inserts an organization (its region known, its name free in the region,
/// its credit code unused, its parent existing); its creator, if any,
/// becomes its admin.
async fn insert_organization(tx: &mut Tx<'_>, new: &NewOrganization, created_by: Option<i64>, now: i64) -> Result<i64> {
    let region: Option<(String,)> = query_as("SELECT path FROM regions WHERE code = $1")
        .bind(&new.region_code)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((path,)) = region else {
        return Err(StoreError::Rule(
            RuleError::new("region_unknown", format!("no region {}", new.region_code)).on("region_code"),
        ));
    };
    let same_name: Option<(i64,)> = query_as("SELECT id FROM organizations WHERE region_code = $1 AND name = $2")
        .bind(&new.region_code)
        .bind(&new.name)
        .fetch_optional(&mut *tx)
        .await?;
    if same_name.is_some() {
        return Err(StoreError::conflict(
            "organization_exists",
            "an organization of this name exists in this region",
        ));
    }
    if let Some(uscc) = &new.uscc {
        let taken: Option<(i64,)> = query_as("SELECT id FROM organizations WHERE uscc = $1")
            .bind(uscc.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::conflict(
                "uscc_taken",
                "an organization with this credit code exists",
            ));
        }
    }
    if let Some(parent_id) = new.parent_id {
        let parent: Option<(i64,)> = query_as("SELECT id FROM organizations WHERE id = $1")
            .bind(parent_id)
            .fetch_optional(&mut *tx)
            .await?;
        if parent.is_none() {
            return Err(StoreError::Rule(
                RuleError::new("parent_unknown", "no such parent organization").on("parent_id"),
            ));
        }
    }
    let county = distribution_key(&new.region_code).to_string();
    let id: i64 = query_scalar(
        "INSERT INTO organizations (name, kind, region_code, county_code, region_path, uscc, parent_id, join_mode, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&new.name)
    .bind(new.kind.as_str())
    .bind(&new.region_code)
    .bind(county)
    .bind(&path)
    .bind(new.uscc.as_ref().map(|u| u.as_str().to_string()))
    .bind(new.parent_id)
    .bind(new.join_mode.as_str())
    .bind(created_by)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(user_id) = created_by {
        query(
            "INSERT INTO role_grants (user_id, role, scope_kind, scope_id, region_path, granted_at) \
                     VALUES ($1, $2, 'organization', $3, $4, $5) ON CONFLICT (user_id, role, scope_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(Role::OrgAdmin.as_str())
        .bind(id.to_string())
        .bind(&path)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    audit_entry(
        tx,
        now,
        created_by,
        "organization.create",
        "organization",
        &id.to_string(),
        &new.name,
    )
    .await?;
    Ok(id)
}

impl Store {
    /// Creates an unverified organization; its creator becomes its admin.
    pub async fn create_organization(
        &self,
        new: &NewOrganization,
        created_by: Option<i64>,
        now: i64,
    ) -> Result<Organization> {
        let mut tx = self.transaction().await?;
        let id = insert_organization(&mut tx, new, created_by, now).await?;
        tx.commit().await?;
        // Its creator became its admin.
        self.session_caches.forget_all();
        self.organization(id).await?.ok_or(StoreError::NotFound("organization"))
    }

    /// Imports organizations in one transaction; a name already present in
    /// its region is left alone. `parent_name` is looked up in the same region.
    pub async fn import_organizations(
        &self,
        rows: &[(NewOrganization, Option<String>)],
        now: i64,
    ) -> Result<Vec<OrgImportOutcome>> {
        let mut tx = self.transaction().await?;
        let outcomes = {
            let mut outcomes = Vec::with_capacity(rows.len());
            for (new, parent_name) in rows {
                let existing: Option<(i64,)> =
                    query_as("SELECT id FROM organizations WHERE region_code = $1 AND name = $2")
                        .bind(&new.region_code)
                        .bind(&new.name)
                        .fetch_optional(&mut tx)
                        .await?;
                if existing.is_some() {
                    outcomes.push(OrgImportOutcome::Unchanged);
                    continue;
                }
                let mut new = new.clone();
                if let Some(parent_name) = parent_name {
                    let parent: Option<(i64,)> = query_as(
                        "SELECT id FROM organizations WHERE name = $1 AND county_code = $2 ORDER BY id LIMIT 1",
                    )
                    .bind(parent_name)
                    .bind(distribution_key(&new.region_code))
                    .fetch_optional(&mut tx)
                    .await?;
                    match parent {
                        Some((parent_id,)) => new.parent_id = Some(parent_id),
                        None => {
                            outcomes.push(OrgImportOutcome::Rejected(
                                RuleError::new("parent_unknown", "no organization of that name in the county")
                                    .on("parent_name"),
                            ));
                            continue;
                        }
                    }
                }
                match insert_organization(&mut tx, &new, None, now).await {
                    Ok(id) => outcomes.push(OrgImportOutcome::Inserted { id }),
                    Err(StoreError::Rule(rule)) => outcomes.push(OrgImportOutcome::Rejected(rule)),
                    Err(StoreError::Conflict { code, detail }) => {
                        outcomes.push(OrgImportOutcome::Rejected(RuleError::new(code, detail)))
                    }
                    Err(other) => return Err(other),
                }
            }
            outcomes
        };
        tx.commit().await?;
        Ok(outcomes)
    }

    pub async fn organization(&self, id: i64) -> Result<Option<Organization>> {
        let sql = format!("SELECT {ORG_COLUMNS} FROM organizations WHERE id = $1");
        let mut conn = self.reader().await?;
        query_as::<Organization>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut conn)
            .await
    }

    pub async fn search_organizations(&self, query: &OrganizationQuery) -> Result<Page<Organization>> {
        let (low, high) = subtree_bounds(&query.region_path);
        let verified_filter = match query.verified {
            Some(true) => " AND verified_at IS NOT NULL",
            Some(false) => " AND verified_at IS NULL",
            None => "",
        };
        let sql = format!(
            "SELECT {ORG_COLUMNS} FROM organizations \
             WHERE (region_path = $1 OR (region_path > $2 AND region_path < $3)) AND ($4 = '' OR name LIKE $5) \
             {verified_filter} AND id > $6 ORDER BY id LIMIT $7"
        );
        let q = query.q.as_deref().map(str::trim).unwrap_or("").replace(['%', '_'], "");
        let rows = {
            let mut conn = self.reader().await?;
            query_as::<Organization>(sqlx::AssertSqlSafe(sql))
                .bind(&query.region_path)
                .bind(low)
                .bind(high)
                .bind(&q)
                .bind(format!("%{q}%"))
                .bind(parse_cursor(query.cursor.as_deref()))
                .bind(query.limit + 1)
                .fetch_all(&mut conn)
                .await?
        };
        Ok(into_page(rows, query.limit, |o| o.id))
    }

    /// Marks an organization verified; verifying twice is refused.
    pub async fn verify_organization(&self, id: i64, by_user: i64, now: i64) -> Result<Organization> {
        let mut tx = self.transaction().await?;
        {
            let verified: Option<(Option<i64>, String)> =
                query_as("SELECT verified_at, region_path FROM organizations WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut tx)
                    .await?;
            let region_path = match verified {
                None => return Err(StoreError::NotFound("organization")),
                Some((Some(_), _)) => {
                    return Err(StoreError::Rule(RuleError::new(
                        "invalid_transition",
                        "this organization is already verified",
                    )));
                }
                Some((None, region_path)) => region_path,
            };
            let result = query(
                "UPDATE organizations SET verified_at = $2, verified_by = $3 WHERE id = $1 AND verified_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .bind(by_user)
            .execute(&mut tx)
            .await?;
            if result.rows_affected() == 0 {
                return Err(StoreError::Rule(RuleError::new(
                    "invalid_transition",
                    "this organization is already verified",
                )));
            }
            let mut rollups = RollupSums::default();
            rollups.add(&region_path, day_of(now), &statistics::organization_verified());
            rollups.write(&mut tx).await?;
            audit_entry(
                &mut tx,
                now,
                Some(by_user),
                "organization.verify",
                "organization",
                id.to_string(),
                "",
            )
            .await?;
        };
        tx.commit().await?;
        self.organization(id).await?.ok_or(StoreError::NotFound("organization"))
    }

    pub async fn set_join_mode(&self, id: i64, mode: JoinMode, by_user: i64, now: i64) -> Result<Organization> {
        let mut tx = self.transaction().await?;
        {
            let result = query("UPDATE organizations SET join_mode = $2 WHERE id = $1")
                .bind(id)
                .bind(mode.as_str())
                .execute(&mut tx)
                .await?;
            if result.rows_affected() == 0 {
                return Err(StoreError::NotFound("organization"));
            }
            audit_entry(
                &mut tx,
                now,
                Some(by_user),
                "organization.join_mode",
                "organization",
                id.to_string(),
                mode.as_str(),
            )
            .await?;
        };
        tx.commit().await?;
        self.organization(id).await?.ok_or(StoreError::NotFound("organization"))
    }

    /// A volunteer asks to join; the domain decides the resulting state.
    pub async fn join_organization(
        &self,
        organization_id: i64,
        volunteer_id: i64,
        now: i64,
    ) -> Result<MembershipState> {
        let mut tx = self.transaction().await?;
        let state = {
            let org: Option<(String, Option<i64>)> =
                query_as("SELECT join_mode, verified_at FROM organizations WHERE id = $1")
                    .bind(organization_id)
                    .fetch_optional(&mut tx)
                    .await?;
            let Some((mode, verified_at)) = org else {
                return Err(StoreError::NotFound("organization"));
            };
            let current: Option<(String,)> =
                query_as("SELECT state FROM memberships WHERE organization_id = $1 AND volunteer_id = $2")
                    .bind(organization_id)
                    .bind(volunteer_id)
                    .fetch_optional(&mut tx)
                    .await?;
            let current = current.map(|(s,)| MembershipState::parse(&s)).transpose()?;
            let state = join(JoinMode::parse(&mode)?, verified_at.is_some(), current)?;
            query(
                "INSERT INTO memberships (organization_id, volunteer_id, state, requested_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
                 ON CONFLICT (organization_id, volunteer_id) DO UPDATE SET state = excluded.state, requested_at = excluded.requested_at, updated_at = excluded.updated_at",
            )
            .bind(organization_id)
            .bind(volunteer_id)
            .bind(state.as_str())
            .bind(now)
            .execute(&mut tx)
            .await?;
            state
        };
        tx.commit().await?;
        Ok(state)
    }

    /// Approves, rejects or removes a member, or records that they left.
    pub async fn change_membership(
        &self,
        organization_id: i64,
        volunteer_id: i64,
        action: MembershipAction,
        by_user: i64,
        now: i64,
    ) -> Result<MembershipState> {
        let mut tx = self.transaction().await?;
        let state = {
            let current: Option<(String,)> =
                query_as("SELECT state FROM memberships WHERE organization_id = $1 AND volunteer_id = $2")
                    .bind(organization_id)
                    .bind(volunteer_id)
                    .fetch_optional(&mut tx)
                    .await?;
            let Some((current,)) = current else {
                return Err(StoreError::NotFound("membership"));
            };
            let next = apply_membership(MembershipState::parse(&current)?, action)?;
            query(
                "UPDATE memberships SET state = $3, updated_at = $4 WHERE organization_id = $1 AND volunteer_id = $2",
            )
            .bind(organization_id)
            .bind(volunteer_id)
            .bind(next.as_str())
            .bind(now)
            .execute(&mut tx)
            .await?;
            audit_entry(
                &mut tx,
                now,
                Some(by_user),
                "membership.change",
                "organization",
                organization_id.to_string(),
                format!("volunteer {volunteer_id}: {current} -> {}", next.as_str()),
            )
            .await?;
            next
        };
        tx.commit().await?;
        Ok(state)
    }

    pub async fn members(
        &self,
        organization_id: i64,
        state: Option<MembershipState>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Member>> {
        let rows = {
            let mut conn = self.reader().await?;
            query_as::<Member>(
                "SELECT m.volunteer_id, v.name, v.volunteer_no, m.state, m.requested_at, m.updated_at \
             FROM memberships m JOIN volunteers v ON v.id = m.volunteer_id \
             WHERE m.organization_id = $1 AND ($2 = '' OR m.state = $2) AND m.volunteer_id > $3 \
             ORDER BY m.volunteer_id LIMIT $4",
            )
            .bind(organization_id)
            .bind(state.map(MembershipState::as_str).unwrap_or(""))
            .bind(parse_cursor(cursor))
            .bind(limit + 1)
            .fetch_all(&mut conn)
            .await?
        };
        Ok(into_page(rows, limit, |m| m.volunteer_id))
    }

    /// Ids of the organizations where the volunteer is an active member.
    pub async fn active_organizations_of(&self, volunteer_id: i64) -> Result<Vec<i64>> {
        let mut conn = self.reader().await?;
        query_scalar::<i64>(
            "SELECT organization_id FROM memberships WHERE volunteer_id = $1 AND state = $2 ORDER BY organization_id",
        )
        .bind(volunteer_id)
        .bind(MembershipState::Active.as_str())
        .fetch_all(&mut conn)
        .await
    }
}
