//! Bulk import for `zhiyuan import regions|volunteers|organizations FILE`:
//! CSV (UTF-8, optional BOM) or XLSX (first sheet) files with a header row,
//! checked row by row with the rules of `zhiyuan-domain` and written through
//! the `zhiyuan-store` batch methods.
//!
//! Files are read on a blocking thread and handed over in batches of
//! [`BATCH_SIZE`] rows through a bounded channel, so memory stays bounded
//! however long a volunteer or organization file is. Every refused row ends
//! up in the [`ImportReport`] with its spreadsheet row number, column and
//! code; running the same file again changes nothing.

mod batches;
pub mod error;
pub mod generate;
pub mod organizations;
pub mod regions;
pub mod report;
pub mod table;
pub mod volunteers;

pub use error::{ImportError, Result};
pub use generate::write_generated_volunteers;
pub use organizations::import_organizations;
pub use regions::import_regions;
pub use report::{ImportReport, RejectedRow};
pub use volunteers::import_volunteers;

/// Rows written per store transaction.
pub const BATCH_SIZE: usize = 20_000;
