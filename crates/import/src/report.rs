//! The outcome of one import: how many rows were imported or already there,
//! and every refused row with its row number, column and code, writable as
//! CSV for the person who has to fix the file.

use serde::Serialize;
use std::io;
use zhiyuan_domain::RuleError;

/// One refused row. `row` counts as a spreadsheet does: the header is row 1,
/// the first data row is row 2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    pub row: u64,
    /// The header name of the column at fault, or empty when no single
    /// column is.
    pub column: &'static str,
    pub code: &'static str,
    pub detail: String,
}

impl RejectedRow {
    /// A row refused by a rule; `column` names the column the rule points at.
    pub fn from_rule(row: u64, column: &'static str, error: RuleError) -> Self {
        Self {
            row,
            column,
            code: error.code,
            detail: error.detail,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Rows that created (or, for regions, changed) a record.
    pub imported: u64,
    /// Rows already stored as they are: nothing was written.
    pub unchanged: u64,
    /// Refused rows in row order.
    pub rejected: Vec<RejectedRow>,
}

impl ImportReport {
    /// One line for people: `imported 12, unchanged 3, rejected 2`.
    pub fn summary(&self) -> String {
        format!(
            "imported {}, unchanged {}, rejected {}",
            self.imported,
            self.unchanged,
            self.rejected.len()
        )
    }

    /// Writes the refused rows as CSV with the header `row,column,code,detail`.
    pub fn write_rejected_csv<W: io::Write>(&self, writer: W) -> io::Result<()> {
        let mut csv = csv::Writer::from_writer(writer);
        csv.write_record(["row", "column", "code", "detail"])?;
        for rejected in &self.rejected {
            csv.write_record([
                rejected.row.to_string().as_str(),
                rejected.column,
                rejected.code,
                &rejected.detail,
            ])?;
        }
        csv.flush()
    }

    /// Puts the refused rows in row order (rows are refused both while
    /// reading and while storing, so they arrive interleaved).
    pub(crate) fn finish(mut self) -> Self {
        self.rejected.sort_by_key(|r| r.row);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_and_csv() {
        let report = ImportReport {
            imported: 12,
            unchanged: 3,
            rejected: vec![
                RejectedRow {
                    row: 7,
                    column: "phone",
                    code: "phone_invalid",
                    detail: "a mobile number has 11 digits, and starts with 13 to 19".into(),
                },
                RejectedRow {
                    row: 2,
                    column: "",
                    code: "encoding_invalid",
                    detail: "x".into(),
                },
            ],
        }
        .finish();
        assert_eq!(report.summary(), "imported 12, unchanged 3, rejected 2");
        let mut out = Vec::new();
        report.write_rejected_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "row,column,code,detail\n2,,encoding_invalid,x\n\
             7,phone,phone_invalid,\"a mobile number has 11 digits, and starts with 13 to 19\"\n"
        );
    }
}
