//! Certificates of volunteer service: who may issue one (the volunteer, a
//! region administrator over them, or an organization's admin for that
//! organization's records), what it covers and says (a snapshot kept with
//! its number), the list of a volunteer's certificates, and the public
//! verification of a number against the hours ledger.

use crate::app::scope::own_or_administered_volunteer;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::NaiveDate;
use zhiyuan_domain::certificate::{
    self, CertifiedHolder, CertifiedIssuer, Coverage, Discrepancy, SERIAL_SPACE, Snapshot, compose_number,
    parse_number, select_records,
};
use zhiyuan_domain::region::distribution_key;
use zhiyuan_domain::setting::{CERTIFICATE_CONTACT, CERTIFICATE_PERSON_IN_CHARGE};
use zhiyuan_domain::time::{china_date, from_epoch_ms};
use zhiyuan_store::StoreError;
use zhiyuan_store::certificates::CertificateSummary;

/// The identity document every registered volunteer has.
const ID_TYPE: &str = "居民身份证";
/// The handling officer of a certificate the volunteer issued to themselves.
const SELF_SERVICE: &str = "网上自助出具";
/// Printed where a setting is missing.
const NOT_SET: &str = "—";
/// Attempts at drawing a free random serial before giving up.
const NUMBER_ATTEMPTS: usize = 5;

/// What a certificate is asked to cover; everything when all are `None`.
#[derive(Default)]
pub struct CertificateScope {
    /// First service day covered (default: the first record).
    pub from: Option<NaiveDate>,
    /// Last service day covered (default: today).
    pub to: Option<NaiveDate>,
    /// Only this organization's records, issued by it.
    pub organization_id: Option<i64>,
}

/// Issues a certificate of volunteer `volunteer_id`'s effective hours in
/// `scope`, free of charge, and keeps its snapshot so that the ledger can
/// be compared later. The volunteer, a region administrator over them, or
/// an admin of the named organization may issue it.
pub async fn issue(
    state: &AppState,
    caller: &CurrentUser,
    volunteer_id: i64,
    scope: &CertificateScope,
) -> ApiResult<Snapshot> {
    let volunteer = state
        .store
        .volunteer(volunteer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("volunteer"))?;
    let county = distribution_key(&volunteer.region_code);
    let organization = match scope.organization_id {
        Some(id) => Some(
            state
                .store
                .organization(id)
                .await?
                .ok_or_else(|| ApiError::not_found("organization"))?,
        ),
        None => None,
    };
    let actor = &caller.actor;
    let is_self = actor.is_volunteer(&volunteer_id.to_string());
    let allowed = is_self
        || actor.administers_region(&volunteer.region_path)
        || organization
            .as_ref()
            .is_some_and(|o| actor.administers_organization(&o.id.to_string(), &o.region_path));
    if !allowed {
        return Err(ApiError::forbidden());
    }
    let now = state.now_ms();
    let today = china_date(from_epoch_ms(now));
    let coverage = Coverage::new(scope.from, scope.to, organization.as_ref().map(|o| o.id), today)?;
    let records = select_records(state.store.certifiable_records(volunteer_id).await?, &coverage)?;
    let issuer = CertifiedIssuer {
        name: match &organization {
            Some(o) => o.name.clone(),
            None => platform_name(state, county).await?,
        },
        person_in_charge: setting_or_dash(state, CERTIFICATE_PERSON_IN_CHARGE).await?,
        handling_officer: if is_self {
            SELF_SERVICE.to_string()
        } else {
            caller.user.display_name.clone()
        },
        contact: setting_or_dash(state, CERTIFICATE_CONTACT).await?,
    };
    let mut snapshot = Snapshot {
        number: String::new(),
        issued_on: today,
        holder: CertifiedHolder {
            volunteer_id,
            name: volunteer.name.clone(),
            id_type: ID_TYPE.to_string(),
            masked_id: volunteer.id_masked.clone(),
            volunteer_no: volunteer.volunteer_no.clone(),
        },
        coverage,
        records,
        issuer,
    };
    for _ in 0..NUMBER_ATTEMPTS {
        snapshot.number = compose_number(county, today, rand::random::<u32>() % SERIAL_SPACE);
        match state.store.insert_certificate(&snapshot, caller.user.id, now).await {
            Ok(()) => return Ok(snapshot),
            Err(StoreError::Conflict {
                code: "certificate_number_taken",
                ..
            }) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::internal("no free certificate number after several draws"))
}

/// The issuer when no organization is named: the civilization practice
/// center (新时代文明实践中心) of the volunteer's county, which runs the
/// platform there.
async fn platform_name(state: &AppState, county: &str) -> ApiResult<String> {
    let name = state
        .shared
        .region_name(&state.store, county)
        .await?
        .map(|name| name.to_string())
        .unwrap_or_default();
    Ok(format!("{name}新时代文明实践中心"))
}

async fn setting_or_dash(state: &AppState, key: &str) -> ApiResult<String> {
    Ok(state
        .store
        .setting(key)
        .await?
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| NOT_SET.to_string()))
}

/// The certificates issued to a volunteer, newest first, for the volunteer
/// or a region administrator over them.
pub async fn of_volunteer(
    state: &AppState,
    caller: &CurrentUser,
    volunteer_id: i64,
) -> ApiResult<Vec<CertificateSummary>> {
    own_or_administered_volunteer(state, &caller.actor, volunteer_id).await?;
    Ok(state.store.certificates_of_volunteer(volunteer_id).await?)
}

/// The certificate a typed number names (public); `certificate_number_invalid`
/// for a malformed number, 404 for an unknown one.
pub async fn certificate(state: &AppState, raw_number: &str) -> ApiResult<Snapshot> {
    let number = parse_number(raw_number)?;
    state
        .store
        .certificate(&number)
        .await?
        .ok_or_else(|| ApiError::not_found("certificate"))
}

/// A certificate and how the hours ledger stands against it now.
pub struct Verified {
    pub snapshot: Snapshot,
    /// Each way the ledger no longer agrees with a line (empty: it agrees).
    pub discrepancies: Vec<Discrepancy>,
    /// The volunteer's ledger chain verifies.
    pub ledger_intact: bool,
}

impl Verified {
    /// Whether the ledger still has this record effective with these hours.
    pub fn agrees(&self, record_id: i64) -> bool {
        self.ledger_intact && !self.discrepancies.iter().any(|d| d.record_id() == Some(record_id))
    }
}

/// The public verification of a typed number: what the certificate says
/// and whether the ledger still agrees with each line.
pub async fn verify(state: &AppState, raw_number: &str) -> ApiResult<Verified> {
    let snapshot = certificate(state, raw_number).await?;
    let ledger = state.store.volunteer_ledger(snapshot.holder.volunteer_id).await?;
    let discrepancies = certificate::compare(&snapshot, &ledger.latest, ledger.intact);
    Ok(Verified {
        snapshot,
        discrepancies,
        ledger_intact: ledger.intact,
    })
}
