//! Certificates of volunteer service: issuing one (by the volunteer, a
//! region administrator over them, or an organization's admin for that
//! organization's records), listing a volunteer's certificates, the public
//! verification by number (what the certificate says and whether the
//! ledger still agrees) and the PDF, rendered from the kept snapshot. The
//! rules are `app::certificates`'s; these handlers parse and render.

use crate::api::rfc3339;
use crate::app::certificates::{self, CertificateScope, Verified};
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
use zhiyuan_domain::certificate::Snapshot;
use zhiyuan_domain::hours::hours_of;
use zhiyuan_domain::id_number::mask_id_number;
use zhiyuan_domain::time::parse_date;
use zhiyuan_store::parse_id;

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
    let day = |raw: Option<&str>, field| {
        raw.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|raw| parse_date(raw, field))
            .transpose()
    };
    let scope = CertificateScope {
        from: day(request.from.as_deref(), "from")?,
        to: day(request.to.as_deref(), "to")?,
        organization_id: match request
            .organization_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(raw) => Some(parse_id(raw, "organization")?),
            None => None,
        },
    };
    let snapshot = certificates::issue(&state, &current, volunteer_id, &scope).await?;
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
    let issued = certificates::of_volunteer(&state, &current, parse_id(&id, "volunteer")?).await?;
    Ok(Json(
        issued
            .into_iter()
            .map(|c| CertificateSummaryView {
                pdf_url: pdf_path(&c.number),
                verify_url: verify_path(&c.number),
                number: c.number,
                issued_at: rfc3339(c.issued_at),
                credit_hours: hours_of(c.credit_minutes),
                honor_hours: hours_of(c.honor_minutes),
            })
            .collect(),
    ))
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
    let verified = certificates::verify(&state, &number).await?;
    Ok(Json(verification_view(&verified)))
}

/// The verification as the API (and the verification page) shows it.
pub fn verification_view(verified: &Verified) -> CertificateVerification {
    let snapshot = &verified.snapshot;
    let discrepancies = &verified.discrepancies;
    let credit = snapshot.credit_minutes();
    let honor = snapshot.honor_minutes();
    CertificateVerification {
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
                agrees: verified.agrees(r.record_id),
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
    }
}

/// The certificate as a PDF in Chinese, with a QR code of its public
/// verification page; 503 `font_missing` when the server has no Chinese font.
#[utoipa::path(get, path = "/api/v1/certificates/{number}/pdf", tag = "certificates",
    params(("number" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = crate::error::Problem),
        (status = 503, body = crate::error::Problem)))]
pub async fn pdf(State(state): State<AppState>, Path(number): Path<String>) -> ApiResult<impl IntoResponse> {
    let snapshot = certificates::certificate(&state, &number).await?;
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
