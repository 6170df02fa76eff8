//! Errors as the HTTP API returns them: `application/problem+json` (RFC 9457)
//! with a stable machine-readable `code`. Every refusal maps to a 4xx; only a
//! failure of the platform itself is a 500, and its detail is logged, not sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use zhiyuan_domain::RuleError;
use zhiyuan_store::StoreError;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:zhiyuan:problem:CODE`).
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable code for clients and translations, e.g. `id_number_invalid`.
    pub code: String,
    /// The input field that was refused, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub detail: String,
    pub field: Option<String>,
    pub retry_after: Option<i64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_string(),
            detail: detail.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "log in first")
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden_scope", "this is outside your scope")
    }

    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side",
        )
    }
}

/// Rule refusals are 422, except scope refusals (403) and conflicts (409).
impl From<RuleError> for ApiError {
    fn from(rule: RuleError) -> Self {
        let status = match rule.code {
            "forbidden_scope" | "order_party_wrong" | "order_self_service" | "own_application" | "own_story" => {
                StatusCode::FORBIDDEN
            }
            "already_member"
            | "organization_refused_order"
            | "out_of_stock"
            | "limit_reached"
            | "already_used"
            | "already_granted"
            | "grant_over_budget"
            | "grant_over_projects"
            | "disbursement_over_grant"
            | "quota_reached"
            | "campaign_published" => StatusCode::CONFLICT,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Self {
            status,
            code: rule.code.to_string(),
            detail: rule.detail,
            field: rule.field.map(str::to_string),
            retry_after: None,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Rule(rule) => rule.into(),
            StoreError::Conflict { code, detail } => Self::new(StatusCode::CONFLICT, code, detail),
            StoreError::NotFound(what) => Self::not_found(what),
            other => Self::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error").to_string();
        let problem = Problem {
            problem_type: format!("urn:zhiyuan:problem:{}", self.code),
            title,
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code,
            field: self.field,
        };
        let mut response = (self.status, Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
