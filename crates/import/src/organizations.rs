//! Importing organizations from `name,region_code,kind,uscc,parent_name`:
//! `kind` is a code (`social_organization`) or its Chinese label, `uscc` and
//! `parent_name` may be empty. Imported organizations are unverified and
//! take members after review. A name already present in its region is left
//! alone; a parent is found by name in the same county, and may come later
//! in the file than its children.

use crate::batches::BatchReader;
use crate::report::{ImportReport, RejectedRow};
use crate::table::{Column, Row};
use crate::{BATCH_SIZE, Result};
use std::path::Path;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::organization::{JoinMode, OrgKind, check_name};
use zhiyuan_domain::region::RegionCode;
use zhiyuan_domain::uscc::Uscc;
use zhiyuan_store::Store;
use zhiyuan_store::organizations::{NewOrganization, OrgImportOutcome};

/// The header of an organization file.
pub const COLUMNS: [Column; 5] = [
    Column::required("name"),
    Column::required("region_code"),
    Column::required("kind"),
    Column::optional("uscc"),
    Column::optional("parent_name"),
];

/// A checked row: the organization and the name of its parent, if any.
type OrgRow = (NewOrganization, Option<String>);

/// Imports the organization file at `path` (`.csv` or `.xlsx`).
pub async fn import_organizations(store: &Store, path: impl AsRef<Path>) -> Result<ImportReport> {
    let mut reader = BatchReader::spawn(path.as_ref().to_path_buf(), &COLUMNS, BATCH_SIZE, check_row);
    let now = zhiyuan_store::now_ms();
    let mut report = ImportReport::default();
    // Rows whose parent was not stored yet; it may come later in the file.
    let mut waiting: Vec<(u64, OrgRow)> = Vec::new();
    while let Some(batch) = reader.next().await? {
        report.rejected.extend(batch.rejected);
        waiting.extend(store_rows(store, batch.rows, now, &mut report).await?);
    }
    // Each pass stores the rows whose parent the previous pass stored.
    while !waiting.is_empty() {
        let before = report.imported;
        let still_waiting = store_rows(store, std::mem::take(&mut waiting), now, &mut report).await?;
        if report.imported == before {
            report.rejected.extend(
                still_waiting
                    .into_iter()
                    .map(|(number, (new, parent_name))| RejectedRow {
                        row: number,
                        column: "parent_name",
                        code: "parent_unknown",
                        detail: format!(
                            "no organization named {:?} in the county of {}",
                            parent_name.unwrap_or_default(),
                            new.region_code
                        ),
                    }),
            );
            break;
        }
        waiting = still_waiting;
    }
    Ok(report.finish())
}

/// Stores `rows` in batches and counts the outcomes; returns the rows that
/// wait for their parent.
async fn store_rows(
    store: &Store,
    rows: Vec<(u64, OrgRow)>,
    now: i64,
    report: &mut ImportReport,
) -> Result<Vec<(u64, OrgRow)>> {
    let mut waiting = Vec::new();
    let (numbers, organizations): (Vec<u64>, Vec<OrgRow>) = rows.into_iter().unzip();
    for (numbers, organizations) in numbers.chunks(BATCH_SIZE).zip(organizations.chunks(BATCH_SIZE)) {
        let outcomes = store.import_organizations(organizations, now).await?;
        for ((number, organization), outcome) in numbers.iter().zip(organizations).zip(outcomes) {
            match outcome {
                OrgImportOutcome::Inserted { .. } => report.imported += 1,
                OrgImportOutcome::Unchanged => report.unchanged += 1,
                OrgImportOutcome::Rejected(error) if error.code == "parent_unknown" => {
                    waiting.push((*number, organization.clone()));
                }
                OrgImportOutcome::Rejected(error) => {
                    let column = column_of(&error);
                    report.rejected.push(RejectedRow::from_rule(*number, column, error));
                }
            }
        }
    }
    Ok(waiting)
}

/// Applies the organization rules to one row.
fn check_row(row: Row<5>) -> std::result::Result<OrgRow, RejectedRow> {
    let number = row.number;
    let [name, region_code, kind, uscc, parent_name] = row.values;
    let refuse = |error: RuleError| RejectedRow::from_rule(number, column_of(&error), error);
    let name = check_name(&name).map_err(refuse)?;
    let region = RegionCode::parse(&region_code).map_err(refuse)?;
    let kind = OrgKind::parse_any(&kind).map_err(refuse)?;
    let uscc = match uscc.as_str() {
        "" => None,
        raw => Some(Uscc::parse(raw).map_err(refuse)?),
    };
    let organization = NewOrganization {
        name,
        kind,
        region_code: region.as_str().to_string(),
        uscc,
        parent_id: None,
        join_mode: JoinMode::Review,
    };
    Ok((organization, Some(parent_name).filter(|p| !p.is_empty())))
}

/// The column a refusal points at: the rule's field when it is a column of
/// the file, otherwise the column whose value the code is about.
fn column_of(error: &RuleError) -> &'static str {
    if let Some(column) = COLUMNS.iter().find(|c| Some(c.name) == error.field) {
        return column.name;
    }
    match error.code {
        "name_invalid" | "organization_exists" => "name",
        "region_unknown" => "region_code",
        "org_kind_invalid" => "kind",
        "uscc_invalid" | "uscc_taken" => "uscc",
        "parent_unknown" => "parent_name",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, uscc: &str) -> Row<5> {
        Row {
            number: 3,
            values: [
                "蓝天救援队".into(),
                "360111".into(),
                kind.into(),
                uscc.into(),
                "".into(),
            ],
        }
    }

    #[test]
    fn kinds_by_code_or_label_and_optional_uscc() {
        let (new, parent) = check_row(row("社会组织", "")).unwrap();
        assert_eq!((new.kind, new.uscc, parent), (OrgKind::SocialOrganization, None, None));
        let (new, _) = check_row(row("school", "91350100M000100Y43")).unwrap();
        assert_eq!(new.uscc.unwrap().as_str(), "91350100M000100Y43");
        assert_eq!(new.join_mode, JoinMode::Review);
    }

    #[test]
    fn refusals_name_their_column() {
        let refused = check_row(row("club", "")).unwrap_err();
        assert_eq!(
            (refused.row, refused.column, refused.code),
            (3, "kind", "org_kind_invalid")
        );
        let refused = check_row(row("school", "91350100M000100Y44")).unwrap_err();
        assert_eq!((refused.column, refused.code), ("uscc", "uscc_invalid"));
        let taken = RuleError::new("parent_unknown", "").on("parent_id");
        assert_eq!(column_of(&taken), "parent_name");
    }
}
