//! Certificate pages: the volunteer's own certificates with the form that
//! issues a new one (all hours, a date range, or one organization's
//! records), and the public verification reached from the QR code printed
//! on every certificate (`/certificates/{number}`, with a lookup form at
//! `/certificates`): what the certificate states, the ID number masked, and
//! a plain verdict on whether the hours ledger still agrees. The rules are
//! `app::certificates`'s, which the API calls too; the verification page
//! shows the same view the API answers (`api::certificates::verification_view`).

use crate::api::certificates::{CertificateVerification, pdf_path, verification_view, verify_path};
use crate::app::attendance::my_hours;
use crate::app::certificates::{self, CertificateScope};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::i18n::{self, Lang, Texts};
use crate::web::page::{
    Layout, Page, PageError, PageForm, PageQuery, PageResult, check_session_csrf, china_time, filled, render,
    render_with,
};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use zhiyuan_domain::hours::hours_of;
use zhiyuan_domain::time::parse_date;
use zhiyuan_store::parse_id;

struct CertificateRow {
    number: String,
    issued_on: String,
    hours: String,
    pdf_url: String,
    verify_url: String,
}

#[derive(Template)]
#[template(path = "my_certificates.html")]
struct MyCertificatesPage<'a> {
    t: &'static Texts,
    layout: Layout,
    volunteer: bool,
    rows: Vec<CertificateRow>,
    /// The organizations of the volunteer's records: (id, name).
    organizations: Vec<(String, String)>,
    form: &'a IssueForm,
    csrf: String,
    issued: Option<String>,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IssueForm {
    csrf: String,
    /// `all`, `range` or `organization`.
    scope: String,
    from: String,
    to: String,
    organization_id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MineQuery {
    /// The number of the certificate just issued.
    issued: String,
}

/// `/me/certificates`: the volunteer's certificates and the issue form.
pub async fn mine(page: Page, State(state): State<AppState>, PageQuery(query): PageQuery<MineQuery>) -> PageResult {
    let issued = filled(&query.issued).filter(|n| n.bytes().all(|b| b.is_ascii_alphanumeric()));
    mine_page(&page, &state, &IssueForm::default(), issued, None, StatusCode::OK).await
}

async fn mine_page(
    page: &Page,
    state: &AppState,
    form: &IssueForm,
    issued: Option<String>,
    error: Option<&'static str>,
    status: StatusCode,
) -> PageResult {
    let user = page.require_user()?;
    let mut rows = Vec::new();
    let mut organizations: Vec<(String, String)> = Vec::new();
    if let Some(volunteer_id) = user.volunteer_id() {
        for c in certificates::of_volunteer(state, user, volunteer_id).await? {
            rows.push(CertificateRow {
                issued_on: china_time(c.issued_at).get(..10).unwrap_or_default().to_string(),
                hours: hours_text(hours_of(c.credit_minutes + c.honor_minutes)),
                pdf_url: pdf_path(&c.number),
                verify_url: verify_path(&c.number),
                number: c.number,
            });
        }
        for record in my_hours(state, user).await?.records {
            let organization_id = record.organization_id.to_string();
            if !organizations.iter().any(|(id, _)| *id == organization_id) {
                organizations.push((organization_id, record.organization_name));
            }
        }
    }
    render_with(
        status,
        &MyCertificatesPage {
            t: page.t,
            layout: page.layout(),
            volunteer: user.volunteer_id().is_some(),
            rows,
            organizations,
            form,
            csrf: user.csrf_token.clone(),
            issued,
            error,
        },
    )
}

/// POST `/me/certificates`: issues a certificate of the volunteer's own
/// hours; a refusal (no effective hours, a bad range) is explained above
/// the form, which keeps what was chosen.
pub async fn issue(page: Page, State(state): State<AppState>, PageForm(form): PageForm<IssueForm>) -> PageResult {
    let user = page.require_user()?;
    check_session_csrf(user, &form.csrf)?;
    let Some(volunteer_id) = user.volunteer_id() else {
        return Err(PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "volunteer_required"));
    };
    let issued = match certificate_scope(&form) {
        Ok(scope) => certificates::issue(&state, user, volunteer_id, &scope).await,
        Err(refused) => Err(refused),
    };
    match issued {
        Ok(snapshot) => Ok(Redirect::to(&format!("/me/certificates?issued={}", snapshot.number)).into_response()),
        Err(refused) if refused.status.is_client_error() => {
            let error = Some(i18n::problem(page.lang, &refused.code));
            mine_page(&page, &state, &form, None, error, refused.status).await
        }
        Err(failure) => Err(failure.into()),
    }
}

/// What the issue form asks a certificate to cover.
fn certificate_scope(form: &IssueForm) -> ApiResult<CertificateScope> {
    let day = |raw: &str, field| filled(raw).map(|raw| parse_date(&raw, field)).transpose();
    Ok(match form.scope.as_str() {
        "range" => CertificateScope {
            from: day(&form.from, "from")?,
            to: day(&form.to, "to")?,
            organization_id: None,
        },
        "organization" => CertificateScope {
            organization_id: Some(parse_id(form.organization_id.trim(), "organization")?),
            ..CertificateScope::default()
        },
        _ => CertificateScope::default(),
    })
}

#[derive(Template)]
#[template(path = "certificate_lookup.html")]
struct LookupPage {
    t: &'static Texts,
    layout: Layout,
    number: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LookupQuery {
    number: String,
}

/// `/certificates`: type a certificate number; goes to its verification page.
pub async fn lookup(page: Page, PageQuery(query): PageQuery<LookupQuery>) -> PageResult {
    let typed: String = query
        .number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !typed.is_empty() {
        return Ok(Redirect::to(&verify_path(&typed)).into_response());
    }
    let error = (!query.number.is_empty()).then(|| i18n::problem(page.lang, "certificate_number_invalid"));
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_with(
        status,
        &LookupPage {
            t: page.t,
            layout: page.layout(),
            number: query.number.clone(),
            error,
        },
    )
}

struct VerifiedRecord {
    date: String,
    activity: String,
    content: String,
    organization: String,
    kind: &'static str,
    hours: String,
    agrees: bool,
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct VerificationPage {
    t: &'static Texts,
    layout: Layout,
    v: CertificateVerification,
    coverage: Option<String>,
    /// Total, credit and honor hours as printed.
    total: String,
    credit: String,
    honor: String,
    records: Vec<VerifiedRecord>,
    problems: Vec<String>,
}

/// `/certificates/{number}`: the public verification the QR code opens. A
/// malformed or unknown number gets the lookup form with the reason.
pub async fn verify(page: Page, State(state): State<AppState>, Path(number): Path<String>) -> PageResult {
    let v = match certificates::verify(&state, &number).await {
        Ok(verified) => verification_view(&verified),
        Err(refused) if refused.status.is_client_error() => {
            let code = if refused.status == StatusCode::NOT_FOUND {
                "certificate_unknown"
            } else {
                "certificate_number_invalid"
            };
            return render_with(
                refused.status,
                &LookupPage {
                    t: page.t,
                    layout: page.layout(),
                    number: number.chars().take(40).collect(),
                    error: Some(i18n::problem(page.lang, code)),
                },
            );
        }
        Err(failure) => return Err(failure.into()),
    };
    let records = v
        .records
        .iter()
        .map(|r| VerifiedRecord {
            date: r.date.clone(),
            activity: r.activity.clone(),
            content: r.content.clone(),
            organization: r.organization.clone(),
            kind: i18n::hour_kind(page.lang, &r.hour_kind),
            hours: hours_text(r.hours),
            agrees: r.agrees,
        })
        .collect();
    let problems = v
        .discrepancies
        .iter()
        .map(|d| {
            let line = d
                .record_id
                .as_deref()
                .and_then(|id| v.records.iter().find(|r| r.record_id == id))
                .map(|r| format!("{} {}", r.date, r.activity));
            discrepancy(page.lang, &d.code, line.as_deref())
        })
        .collect();
    let coverage = match (&v.from, &v.to) {
        (None, None) => None,
        (from, to) => Some(format!(
            "{} – {}",
            from.as_deref().unwrap_or("…"),
            to.as_deref().unwrap_or("…")
        )),
    };
    render(&VerificationPage {
        t: page.t,
        layout: page.layout(),
        total: hours_text(v.total_hours),
        credit: hours_text(v.credit_hours),
        honor: hours_text(v.honor_hours),
        v,
        coverage,
        records,
        problems,
    })
}

/// Hours as the certificate prints them: up to two decimals, no trailing zeros.
fn hours_text(hours: f64) -> String {
    let text = format!("{hours:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One discrepancy in plain words, naming the record line when there is one.
fn discrepancy(lang: Lang, code: &str, line: Option<&str>) -> String {
    let line = line.unwrap_or("");
    match (lang, code) {
        (Lang::Zh, "record_unknown") => format!("证明上的记录“{line}”在账本里找不到。"),
        (Lang::Zh, "record_no_longer_effective") => {
            format!("记录“{line}”开具证明后已被撤销或不予认定，这部分时长已不再有效。")
        }
        (Lang::Zh, "minutes_changed") => format!("记录“{line}”的时长在账本里已经改变，与证明上的不同。"),
        (Lang::Zh, _) => "账本的校验链断了：有记录可能在系统之外被改动过，请联系发证单位核实。".to_string(),
        (Lang::En, "record_unknown") => format!("The record “{line}” on the certificate is not in the ledger."),
        (Lang::En, "record_no_longer_effective") => format!(
            "The record “{line}” was revoked or refused after the certificate was issued: its hours no longer count."
        ),
        (Lang::En, "minutes_changed") => {
            format!("The hours of the record “{line}” have changed in the ledger since the certificate was issued.")
        }
        (Lang::En, _) => "The ledger's hash chain is broken: a record may have been changed outside the platform; \
                          please ask the issuer."
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_print_with_up_to_two_decimals() {
        assert_eq!(hours_text(0.1 + 0.2), "0.3");
        assert_eq!(hours_text(2.0), "2");
        assert_eq!(hours_text(0.67), "0.67");
        assert_eq!(hours_text(10.0), "10");
    }

    #[test]
    fn every_discrepancy_is_explained_in_both_languages() {
        for code in ["record_unknown", "record_no_longer_effective", "minutes_changed"] {
            let zh = discrepancy(Lang::Zh, code, Some("2026-12-05 河道保洁"));
            assert!(zh.contains("河道保洁"), "{zh}");
            assert_ne!(zh, discrepancy(Lang::En, code, Some("x")));
        }
        assert!(discrepancy(Lang::Zh, "ledger_chain_broken", None).contains("校验链"));
    }
}
