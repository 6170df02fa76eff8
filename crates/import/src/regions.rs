//! Importing the division list from `code,name,level,parent_code[,population]`:
//! rows are checked with the region rules, stored parents first (province,
//! city, county, township, village) in batches, and then the practice sites
//! are created for the new counties, townships and villages. Loading the
//! same file again changes nothing.

use crate::batches::BatchReader;
use crate::report::{ImportReport, RejectedRow};
use crate::table::Column;
use crate::{BATCH_SIZE, Result};
use std::collections::HashSet;
use std::path::Path;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::region::{RegionCode, RegionRow, check_region_row};
use zhiyuan_store::Store;

/// The header of a region file.
pub const COLUMNS: [Column; 5] = [
    Column::required("code"),
    Column::required("name"),
    Column::required("level"),
    Column::required("parent_code"),
    Column::optional("population"),
];

/// Imports the region file at `path` (`.csv` or `.xlsx`) and ensures the
/// sites of every county, township and village. A row whose parent is
/// neither in the file nor already stored is refused with `region_unknown`.
pub async fn import_regions(store: &Store, path: impl AsRef<Path>) -> Result<ImportReport> {
    let mut reader = BatchReader::spawn(path.as_ref().to_path_buf(), &COLUMNS, BATCH_SIZE, |row| {
        let number = row.number;
        let [code, name, level, parent_code, population] = row.values;
        check_region_row(&code, &name, &level, &parent_code, Some(&population))
            .map_err(|error| RejectedRow::from_rule(number, column_of(&error), error))
    });
    let mut report = ImportReport::default();
    // Parents must be stored before their children, so the list is held
    // whole, one bucket per level; a division list is small (tens of
    // thousands of rows for a province, under a million for the country).
    let mut by_level: [Vec<(u64, RegionRow)>; 5] = Default::default();
    let mut codes: HashSet<RegionCode> = HashSet::new();
    while let Some(batch) = reader.next().await? {
        report.rejected.extend(batch.rejected);
        for (number, row) in batch.rows {
            if codes.insert(row.code.clone()) {
                // Levels are declared from the province down.
                by_level[row.level as usize].push((number, row));
            } else {
                report.rejected.push(RejectedRow {
                    row: number,
                    column: "code",
                    code: "region_duplicate",
                    detail: format!("an earlier row of this file has the code {}", row.code.as_str()),
                });
            }
        }
    }
    drop(codes);
    // Codes that may be parents: accepted from the file or found stored.
    let mut known: HashSet<RegionCode> = HashSet::new();
    let mut absent: HashSet<RegionCode> = HashSet::new();
    for rows in by_level {
        let mut accepted = Vec::with_capacity(rows.len());
        for (number, row) in rows {
            if let Some(parent) = &row.parent
                && !known.contains(parent)
            {
                if !absent.contains(parent) && store.region(parent.as_str()).await?.is_some() {
                    known.insert(parent.clone());
                } else {
                    absent.insert(parent.clone());
                    report.rejected.push(RejectedRow {
                        row: number,
                        column: "parent_code",
                        code: "region_unknown",
                        detail: format!("the parent {} is neither in this file nor loaded", parent.as_str()),
                    });
                    continue;
                }
            }
            accepted.push(row);
        }
        for chunk in accepted.chunks(BATCH_SIZE) {
            let upsert = store.upsert_regions(chunk).await?;
            report.imported += upsert.inserted + upsert.updated;
            report.unchanged += upsert.unchanged;
        }
        known.extend(accepted.into_iter().map(|row| row.code));
    }
    store.ensure_sites().await?;
    Ok(report.finish())
}

/// The column a refusal points at: the rule's field when it is a column.
fn column_of(error: &RuleError) -> &'static str {
    COLUMNS
        .iter()
        .find(|c| Some(c.name) == error.field)
        .map_or("", |c| c.name)
}
