//! Importing volunteers from `name,id_number,phone,region_code,political_status,skills`
//! (skills separated by `;`): every row goes through the registration rules,
//! valid rows are stored in batches of [`BATCH_SIZE`] rows per transaction,
//! ID numbers already registered are left alone (reported as unchanged), and
//! a second row with the ID number or the phone of an earlier row of the
//! same file is refused with `id_number_taken` or `phone_taken`.

use crate::batches::BatchReader;
use crate::report::{ImportReport, RejectedRow};
use crate::table::{Column, Row};
use crate::{BATCH_SIZE, ImportError, Result};
use chrono::NaiveDate;
use std::collections::HashSet;
use std::path::Path;
use tokio::task::JoinHandle;
use zhiyuan_domain::RuleError;
use zhiyuan_domain::volunteer::{Registration, RegistrationInput, register};
use zhiyuan_store::Store;
use zhiyuan_store::volunteers::ImportOutcome;

/// The header of a volunteer file.
pub const COLUMNS: [Column; 6] = [
    Column::required("name"),
    Column::required("id_number"),
    Column::required("phone"),
    Column::required("region_code"),
    Column::optional("political_status"),
    Column::optional("skills"),
];

/// A batch being written to the store on its own task.
type Writing = JoinHandle<zhiyuan_store::Result<Vec<ImportOutcome>>>;

/// Imports the volunteer file at `path` (`.csv` or `.xlsx`), checking ages
/// and birth dates as of `today` (China time). Imported volunteers get an
/// activation code through the outbox instead of a password.
pub async fn import_volunteers(store: &Store, path: impl AsRef<Path>, today: NaiveDate) -> Result<ImportReport> {
    // The ID numbers seen so far, by their first 17 digits (the 18th is the
    // check character they determine), and the phones (11 digits): 8 bytes
    // each per row of the file. Refusing repeats here, in file order, means
    // that the two batches being written at once never claim the same ID
    // number or phone.
    let mut seen: HashSet<u64> = HashSet::new();
    let mut seen_phones: HashSet<u64> = HashSet::new();
    let mut reader = BatchReader::spawn(path.as_ref().to_path_buf(), &COLUMNS, BATCH_SIZE, move |row| {
        let number = row.number;
        let registration = check_row(row, today)?;
        if !seen.insert(id_key(&registration)) {
            return Err(RejectedRow {
                row: number,
                column: "id_number",
                code: "id_number_taken",
                detail: "an earlier row of this file has the same ID number".into(),
            });
        }
        if !seen_phones.insert(digits_key(registration.phone.as_str())) {
            return Err(RejectedRow {
                row: number,
                column: "phone",
                code: "phone_taken",
                detail: "an earlier row of this file has the same phone number".into(),
            });
        }
        Ok(registration)
    });
    let now = zhiyuan_store::now_ms();
    let mut report = ImportReport::default();
    // Two batches are stored at once: while one holds the database, the
    // next is sealed and checked (and on PostgreSQL, writes what does not
    // wait on the volunteer-number counters). Outcomes are taken in order.
    let mut writing: Option<(Vec<u64>, Writing)> = None;
    while let Some(batch) = reader.next().await? {
        report.rejected.extend(batch.rejected);
        let (numbers, registrations): (Vec<u64>, Vec<Registration>) = batch.rows.into_iter().unzip();
        let store = store.clone();
        let write = tokio::spawn(async move { store.import_volunteers(&registrations, now).await });
        if let Some((numbers, previous)) = writing.replace((numbers, write)) {
            tally(&mut report, numbers, stored(path.as_ref(), previous).await?);
        }
    }
    if let Some((numbers, last)) = writing {
        tally(&mut report, numbers, stored(path.as_ref(), last).await?);
    }
    Ok(report.finish())
}

/// The outcomes of a batch written on its own task.
async fn stored(path: &Path, write: Writing) -> Result<Vec<ImportOutcome>> {
    match write.await {
        Ok(outcomes) => Ok(outcomes?),
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // Cancelled: the runtime is shutting down.
        Err(error) => Err(ImportError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(error),
        }),
    }
}

/// Counts a stored batch's outcomes into the report; `numbers` are the
/// batch's row numbers.
fn tally(report: &mut ImportReport, numbers: Vec<u64>, outcomes: Vec<ImportOutcome>) {
    for (number, outcome) in numbers.into_iter().zip(outcomes) {
        match outcome {
            ImportOutcome::Inserted { .. } => report.imported += 1,
            ImportOutcome::Unchanged => report.unchanged += 1,
            ImportOutcome::Rejected(error) => {
                let column = column_of(&error);
                report.rejected.push(RejectedRow::from_rule(number, column, error));
            }
        }
    }
}

/// Applies the registration rules to one row.
fn check_row(row: Row<6>, today: NaiveDate) -> std::result::Result<Registration, RejectedRow> {
    let number = row.number;
    let [name, id_number, phone, region_code, political_status, skills] = row.values;
    let input = RegistrationInput {
        name,
        id_number,
        phone,
        region_code,
        political_status: Some(political_status),
        skills: skills.split(';').map(str::to_string).collect(),
        guardian: None,
    };
    register(&input, today).map_err(|error| {
        let column = column_of(&error);
        RejectedRow::from_rule(number, column, error)
    })
}

/// The first 17 digits of a checked ID number as a number.
fn id_key(registration: &Registration) -> u64 {
    digits_key(registration.id_number.as_str().get(..17).unwrap_or_default())
}

/// A checked string of at most 19 decimal digits as a number.
fn digits_key(digits: &str) -> u64 {
    digits
        .bytes()
        .fold(0u64, |key, digit| key * 10 + u64::from(digit.wrapping_sub(b'0')))
}

/// The column a refusal points at: the rule's field when it is a column of
/// the file, otherwise the column whose value the code is about.
fn column_of(error: &RuleError) -> &'static str {
    if let Some(column) = COLUMNS.iter().find(|c| Some(c.name) == error.field) {
        return column.name;
    }
    match error.code {
        // Under 14 the ID's birth date asks for a guardian, whom a file cannot name.
        "id_number_invalid" | "id_number_taken" | "guardian_required" => "id_number",
        "phone_invalid" | "phone_taken" => "phone",
        "region_unknown" | "region_too_coarse" | "volunteer_no_exhausted" => "region_code",
        "name_invalid" => "name",
        "political_status_invalid" => "political_status",
        "skill_invalid" => "skills",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhiyuan_domain::id_number::compose;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    fn row(id_number: &str, skills: &str) -> Row<6> {
        Row {
            number: 5,
            values: [
                "张三".into(),
                id_number.into(),
                "13912345678".into(),
                "360111001002".into(),
                "".into(),
                skills.into(),
            ],
        }
    }

    #[test]
    fn rows_become_registrations_with_keys() {
        let id = compose("360111", NaiveDate::from_ymd_opt(1990, 1, 2).unwrap(), 7);
        let registration = check_row(row(&id, "医疗; 法律;"), today()).unwrap();
        assert_eq!(registration.skills, ["医疗", "法律"]);
        assert_eq!(id_key(&registration), id[..17].parse::<u64>().unwrap());
        assert_eq!(digits_key(registration.phone.as_str()), 13_912_345_678);
    }

    #[test]
    fn refusals_name_their_column() {
        let child = compose("360111", NaiveDate::from_ymd_opt(2020, 1, 2).unwrap(), 7);
        let refused = check_row(row(&child, ""), today()).unwrap_err();
        assert_eq!(
            (refused.row, refused.column, refused.code),
            (5, "id_number", "guardian_required")
        );
        let refused = check_row(row("123", ""), today()).unwrap_err();
        assert_eq!((refused.column, refused.code), ("id_number", "id_number_invalid"));
        assert_eq!(column_of(&RuleError::new("phone_taken", "")), "phone");
    }
}
