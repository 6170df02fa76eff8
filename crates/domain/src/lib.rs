//! The rules of Zhiyuan as plain types and functions: no I/O, no async, no SQL.
//!
//! Each module owns one family of rules from `SPEC.md`. Parsing functions turn
//! raw input into types that can only hold valid values; every refusal is a
//! [`RuleError`] with a stable machine-readable code.

/// A closed set of values, each with a stable snake_case code: `ALL`,
/// `as_str` and `parse` (unknown values give the error code given).
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $code:literal, { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, RuleError> {
                match raw.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(RuleError::new($code, format!("unknown value {other:?}"))),
                }
            }
        }
    };
}

pub mod activation;
pub mod activity;
pub mod appeal;
pub mod attendance;
pub mod award;
pub mod benefit;
pub mod certificate;
pub mod checkin_token;
pub mod confirmation;
pub mod dispatch;
pub mod error;
pub mod funding;
pub mod geo;
pub mod hours;
pub mod id_number;
pub mod ledger;
pub mod loop_figures;
pub mod order;
pub mod order_deadline;
pub mod organization;
pub mod password;
pub mod phone;
pub mod points;
pub mod ranking;
pub mod record;
pub mod region;
pub mod role;
pub mod setting;
pub mod signup;
pub mod site;
pub mod statistics;
pub mod story;
pub mod supervision;
pub mod throttle;
pub mod time;
pub mod uscc;
pub mod volunteer;
pub mod volunteer_no;

pub use error::RuleError;
