//! Certificates of volunteer service: issuing one (by the volunteer, a
//! region administrator over them, or an organization's admin for that
//! organization's records), listing a volunteer's certificates, the public
//! verification by number (what the certificate says and whether the
//! ledger still agrees) and the PDF, rendered from the kept snapshot.

use crate::api::rfc3339;
use crate::app::scope::own_or_administered_volunteer;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhiyuan_certificate::{Certificate, Holder, Issuer, RecordLine};
use zhiyuan_domain::certificate::{
    self, CertifiedHolder, CertifiedIssuer, Coverage, Discrepancy, SERIAL_SPACE, Snapshot, compose_number,
    parse_number, select_records,
};
use zhiyuan_domain::hours::hours_of;
use zhiyuan_domain::id_number::mask_id_number;
use zhiyuan_domain::region::distribution_key;
use zhiyuan_domain::setting::{CERTIFICATE_CONTACT, CERTIFICATE_PERSON_IN_CHARGE};
use zhiyuan_domain::time::{china_date, from_epoch_ms, parse_date};
use zhiyuan_store::{StoreError, parse_id};

/// The identity document every registered volunteer has.
const ID_TYPE: &str = "居民身份证";
/// The handling officer of a certificate the volunteer issued to themselves.
const SELF_SERVICE: &str = "网上自助出具";
/// Printed where a setting is missing.
const NOT_SET: &str = "—";
/// Attempts at drawing a free random serial before giving up.
const NUMBER_ATTEMPTS: usize = 5;

#[derive(Deserialize, ToSchema, Default)]
pub struct CertificateRequest {
    /// First service day covered (`YYYY-MM-DD`); default: the first record.
    pub from: Option<String>,
    /// Last service day covered (`YYYY-MM-DD`); default: today.
    pub to: Option<String>,
    /// Only this organization's records, issued by it. An organization's
    /// admin who is not the volunteer must name their organization.
    pub organization_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IssuedCertificate {
    pub number: String,
    /// The PDF (public, like the verification).
    pub pdf_url: String,
    /// The public verification page.
    pub verify_url: String,
    pub issued_on: String,
    pub credit_hours: f64,
    pub honor_hours: f64,
    pub records: usize,
}

/// Issues a certificate of the volunteer's effective hours (optionally a
/// date range or one organization's records). Free of charge; the
/// snapshot of what it says is kept, so the ledger can be compared later.
#[utoipa::path(post, path = "/api/v1/volunteers/{id}/certificates", tag = "certificates", security(("bearer" = [])),
    params(("id" = String, Path)), request_body(content = Option<CertificateRequest>),
    responses((status = 201, body = IssuedCertificate), (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn issue(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<IssuedCertificate>)> {
    // The body is optional: no body certifies everything.
    let request: CertificateRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CertificateRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request("malformed_json", e.to_string()))?
    };
    let volunteer_id = parse_id(&id, "volunteer")?;
    let snapshot = issue_certificate(&state, &current, volunteer_id, &request).await?;
    Ok((StatusCode::CREATED, Json(issued_view(&snapshot))))
}

/// What the API and the pages answer about a freshly issued certificate.
pub fn issued_view(snapshot: &Snapshot) -> IssuedCertificate {
    IssuedCertificate {
        number: snapshot.number.clone(),
        pdf_url: pdf_path(&snapshot.number),
        verify_url: verify_path(&snapshot.number),
        issued_on: snapshot.issued_on.to_string(),
        credit_hours: hours_of(snapshot.credit_minutes()),
        honor_hours: hours_of(snapshot.honor_minutes()),
        records: snapshot.records.len(),
    }
}

pub fn pdf_path(number: &str) -> String {
    format!("/api/v1/certificates/{number}/pdf")
}

pub fn verify_path(number: &str) -> String {
    format!("/certificates/{number}")
}

/// The rules of issuing, shared by the API and the pages.
pub async fn issue_certificate(
    state: &AppState,
    current: &CurrentUser,
    volunteer_id: i64,
    request: &CertificateRequest,
) -> ApiResult<Snapshot> {
    let volunteer = state
        .store
        .volunteer(volunteer_id)
        .await?
        .ok_or_else(|| ApiError::not_found("volunteer"))?;
    let county = distribution_key(&volunteer.region_code);
    let organization = match request
        .organization_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(raw) => Some(
            state
                .store
                .organization(parse_id(raw, "organization")?)
                .await?
                .ok_or_else(|| ApiError::not_found("organization"))?,
        ),
        None => None,
    };
    let actor = &current.actor;
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
    let day = |raw: Option<&str>, field| {
        raw.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|raw| parse_date(raw, field))
            .transpose()
    };
    let coverage = Coverage::new(
        day(request.from.as_deref(), "from")?,
        day(request.to.as_deref(), "to")?,
        organization.as_ref().map(|o| o.id),
        today,
    )?;
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
            current.user.display_name.clone()
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
        match state.store.insert_certificate(&snapshot, current.user.id, now).await {
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
    let name = state.store.region(county).await?.map(|r| r.name).unwrap_or_default();
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

#[derive(Serialize, ToSchema)]
pub struct CertificateSummaryView {
    pub number: String,
    pub issued_at: String,
    pub credit_hours: f64,
    pub honor_hours: f64,
    pub pdf_url: String,
    pub verify_url: String,
}

/// The certificates issued to a volunteer, newest first (the volunteer and
/// region administrators over them).
#[utoipa::path(get, path = "/api/v1/volunteers/{id}/certificates", tag = "certificates", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = [CertificateSummaryView]), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CertificateSummaryView>>> {
    let volunteer_id = parse_id(&id, "volunteer")?;
    Ok(Json(certificates_of(&state, &current, volunteer_id).await?))
}

/// A volunteer's certificates, for the volunteer or a region administrator over them.
pub async fn certificates_of(
    state: &AppState,
    current: &CurrentUser,
    volunteer_id: i64,
) -> ApiResult<Vec<CertificateSummaryView>> {
    own_or_administered_volunteer(state, &current.actor, volunteer_id).await?;
    let issued = state.store.certificates_of_volunteer(volunteer_id).await?;
    Ok(issued
        .into_iter()
        .map(|c| CertificateSummaryView {
            pdf_url: pdf_path(&c.number),
            verify_url: verify_path(&c.number),
            number: c.number,
            issued_at: rfc3339(c.issued_at),
            credit_hours: hours_of(c.credit_minutes),
            honor_hours: hours_of(c.honor_minutes),
        })
        .collect())
}

#[derive(Serialize, ToSchema)]
pub struct CertifiedHolderView {
    pub name: String,
    pub id_type: String,
    /// Always masked.
    pub masked_id: String,
    pub volunteer_no: String,
}

#[derive(Serialize, ToSchema)]
pub struct CertifiedIssuerView {
    pub name: String,
    pub person_in_charge: String,
    pub handling_officer: String,
    pub contact: String,
}

#[derive(Serialize, ToSchema)]
pub struct CertifiedRecordView {
    pub record_id: String,
    pub date: String,
    pub activity: String,
    pub content: String,
    pub organization: String,
    /// `credit` or `honor`.
    pub hour_kind: String,
    pub hours: f64,
    /// The ledger still has this record effective with these hours.
    pub agrees: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DiscrepancyView {
    /// `record_unknown`, `record_no_longer_effective`, `minutes_changed` or `ledger_chain_broken`.
    pub code: String,
    pub record_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CertificateVerification {
    pub number: String,
    pub issued_on: String,
    pub holder: CertifiedHolderView,
    pub issuer: CertifiedIssuerView,
    /// Covered service days, when limited.
    pub from: Option<String>,
    pub to: Option<String>,
    pub records: Vec<CertifiedRecordView>,
    pub credit_hours: f64,
    pub honor_hours: f64,
    pub total_hours: f64,
    /// Whether the ledger still agrees with every line of the certificate.
    pub ledger_agrees: bool,
    pub discrepancies: Vec<DiscrepancyView>,
    pub pdf_url: String,
}

/// Public verification: what the certificate with this number says (the ID
/// number masked) and whether the hours ledger still agrees with it.
#[utoipa::path(get, path = "/api/v1/certificates/{number}", tag = "certificates",
    params(("number" = String, Path)),
    responses((status = 200, body = CertificateVerification), (status = 404, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> ApiResult<Json<CertificateVerification>> {
    Ok(Json(verification(&state, &number).await?))
}

/// The verification of a typed number, shared by the API and the page.
pub async fn verification(state: &AppState, raw_number: &str) -> ApiResult<CertificateVerification> {
    let snapshot = load(state, raw_number).await?;
    let ledger = state.store.volunteer_ledger(snapshot.holder.volunteer_id).await?;
    let discrepancies = certificate::compare(&snapshot, &ledger.latest, ledger.intact);
    let disagreeing: Vec<i64> = discrepancies.iter().filter_map(Discrepancy::record_id).collect();
    let credit = snapshot.credit_minutes();
    let honor = snapshot.honor_minutes();
    Ok(CertificateVerification {
        number: snapshot.number.clone(),
        issued_on: snapshot.issued_on.to_string(),
        holder: CertifiedHolderView {
            name: snapshot.holder.name.clone(),
            id_type: snapshot.holder.id_type.clone(),
            masked_id: mask_id_number(&snapshot.holder.masked_id),
            volunteer_no: snapshot.holder.volunteer_no.clone(),
        },
        issuer: CertifiedIssuerView {
            name: snapshot.issuer.name.clone(),
            person_in_charge: snapshot.issuer.person_in_charge.clone(),
            handling_officer: snapshot.issuer.handling_officer.clone(),
            contact: snapshot.issuer.contact.clone(),
        },
        from: snapshot.coverage.from.map(|d| d.to_string()),
        to: snapshot.coverage.to.map(|d| d.to_string()),
        records: snapshot
            .records
            .iter()
            .map(|r| CertifiedRecordView {
                record_id: r.record_id.to_string(),
                date: r.service_day.to_string(),
                activity: r.activity.clone(),
                content: r.content.clone(),
                organization: r.organization.clone(),
                hour_kind: r.hour_kind.clone(),
                hours: hours_of(r.minutes),
                agrees: ledger.intact && !disagreeing.contains(&r.record_id),
            })
            .collect(),
        credit_hours: hours_of(credit),
        honor_hours: hours_of(honor),
        total_hours: hours_of(credit + honor),
        ledger_agrees: discrepancies.is_empty(),
        discrepancies: discrepancies
            .iter()
            .map(|d| DiscrepancyView {
                code: d.code().to_string(),
                record_id: d.record_id().map(|id| id.to_string()),
            })
            .collect(),
        pdf_url: pdf_path(&snapshot.number),
    })
}

async fn load(state: &AppState, raw_number: &str) -> ApiResult<Snapshot> {
    let number = parse_number(raw_number)?;
    state
        .store
        .certificate(&number)
        .await?
        .ok_or_else(|| ApiError::not_found("certificate"))
}

/// The certificate as a PDF in Chinese, with a QR code of its public
/// verification page; 503 `font_missing` when the server has no Chinese font.
#[utoipa::path(get, path = "/api/v1/certificates/{number}/pdf", tag = "certificates",
    params(("number" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = crate::error::Problem),
        (status = 503, body = crate::error::Problem)))]
pub async fn pdf(State(state): State<AppState>, Path(number): Path<String>) -> ApiResult<impl IntoResponse> {
    let snapshot = load(&state, &number).await?;
    let font = state.certificate_font().await?;
    let printable = printable(&snapshot, state.absolute_url(&verify_path(&snapshot.number)));
    let bytes = tokio::task::spawn_blocking(move || zhiyuan_certificate::render(&printable, &font))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let disposition = format!("inline; filename=\"{}.pdf\"", snapshot.number);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-cache".to_string()),
        ],
        bytes,
    ))
}

/// What the renderer prints, from what the certificate says.
fn printable(snapshot: &Snapshot, verify_url: String) -> Certificate {
    Certificate {
        number: snapshot.number.clone(),
        issued_on: snapshot.issued_on,
        holder: Holder {
            name: snapshot.holder.name.clone(),
            id_type: snapshot.holder.id_type.clone(),
            masked_id: mask_id_number(&snapshot.holder.masked_id),
            volunteer_no: snapshot.holder.volunteer_no.clone(),
        },
        records: snapshot
            .records
            .iter()
            .map(|r| RecordLine {
                date: r.service_day,
                activity: r.activity.clone(),
                content: r.content.clone(),
                organization: r.organization.clone(),
                hours: hours_of(r.minutes),
            })
            .collect(),
        credit_hours: hours_of(snapshot.credit_minutes()),
        honor_hours: hours_of(snapshot.honor_minutes()),
        issuer: Issuer {
            name: snapshot.issuer.name.clone(),
            person_in_charge: snapshot.issuer.person_in_charge.clone(),
            handling_officer: snapshot.issuer.handling_officer.clone(),
            contact: snapshot.issuer.contact.clone(),
        },
        verify_url,
    }
}
