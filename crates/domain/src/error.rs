//! The refusals a rule can give, each with a stable code that clients and the
//! web pages translate.

use std::fmt;

/// A rule refused some input. `code` is stable and machine-readable;
/// `field` names the input that was refused, when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub code: &'static str,
    pub field: Option<&'static str>,
    pub detail: String,
}

impl RuleError {
    pub fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            code,
            field: None,
            detail: detail.into(),
        }
    }

    pub fn on(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "{} ({}): {}", self.code, field, self.detail),
            None => write!(f, "{}: {}", self.code, self.detail),
        }
    }
}

impl std::error::Error for RuleError {}
