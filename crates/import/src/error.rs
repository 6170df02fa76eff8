//! File-level failures of an import: the file cannot be read, is not CSV or
//! XLSX, or lacks a column; and storage failures. Refused rows are not
//! errors: they go to the [`ImportReport`](crate::ImportReport).

use std::path::PathBuf;
use zhiyuan_store::StoreError;

/// Why an import stopped before reaching the end of its file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: only .csv and .xlsx files can be imported", .path.display())]
    UnsupportedFormat { path: PathBuf },
    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: {source}", .path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{}: {source}", .path.display())]
    Xlsx { path: PathBuf, source: calamine::XlsxError },
    #[error("{}: the file has no header row", .path.display())]
    NoHeader { path: PathBuf },
    #[error("{}: the header row is not UTF-8 text; save the file as \"CSV UTF-8\" or as XLSX", .path.display())]
    NotUtf8 { path: PathBuf },
    #[error(
        "{}: missing column(s) {}; the header row must name {}",
        .path.display(),
        .missing.join(", "),
        .expected.join(",")
    )]
    MissingColumns {
        path: PathBuf,
        missing: Vec<&'static str>,
        expected: Vec<&'static str>,
    },
    #[error("{}: column {column} appears more than once in the header row", .path.display())]
    DuplicateColumn { path: PathBuf, column: &'static str },
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

pub type Result<T> = std::result::Result<T, ImportError>;
