//! The rules of Zhiyuan as plain types and functions: no I/O, no async, no SQL.
//!
//! Each module owns one family of rules from `SPEC.md`. Parsing functions turn
//! raw input into types that can only hold valid values; every refusal is a
//! [`RuleError`] with a stable machine-readable code.

pub mod error;
pub mod id_number;
pub mod organization;
pub mod password;
pub mod phone;
pub mod region;
pub mod role;
pub mod site;
pub mod throttle;
pub mod time;
pub mod uscc;
pub mod volunteer;
pub mod volunteer_no;

pub use error::RuleError;
