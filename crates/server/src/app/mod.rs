//! The application layer: one module per capability, with the commands and
//! queries that both the JSON API (`api/`) and the pages (`web/`) call.
//! Each loads what it needs, checks the caller's role and scope once, lets
//! the domain decide and asks the store to write; it takes typed values
//! (parsed ids, instants, the domain's enums) and returns the store's
//! types, which each shell renders its own way. Its refusals are
//! [`crate::error::ApiError`]s: a status and a stable code, shown as
//! problem+json by the API and as a sentence in the reader's language by
//! the pages. The reads every page repeats are cached in [`shared`].

pub mod accounts;
pub mod activities;
pub mod appeals;
pub mod attendance;
pub mod awards;
pub mod benefits;
pub mod certificates;
pub mod exports;
pub mod funding;
pub mod grants;
pub mod input;
pub mod orders;
pub mod organizations;
pub mod oversight;
pub mod rankings;
pub mod regions;
pub mod reports;
pub mod scope;
pub mod shared;
pub mod statistics;
pub mod stories;
pub mod volunteers;
