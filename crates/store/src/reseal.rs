//! Sealing again, bound to their place, the personal data sealed before
//! places were bound (values of the first format, `v1:`), once, when the
//! store migrates: logins' phones, volunteers' ID numbers and phones,
//! outbox messages and appellants' phones. Afterwards `Vault::open` reads
//! only values bound to their place.

use crate::sql::{query, query_as};
use crate::vault::Place;
use crate::{Result, Store};

/// Rows sealed again per transaction.
const BATCH: i64 = 1000;

/// One sealed column of a table, and how its place is found: the column
/// holding the row's lookup hash.
struct SealedColumn {
    table: &'static str,
    column: &'static str,
    row_hash: &'static str,
}

const SEALED_COLUMNS: &[SealedColumn] = &[
    SealedColumn {
        table: "users",
        column: "phone_sealed",
        row_hash: "phone_hash",
    },
    SealedColumn {
        table: "volunteers",
        column: "id_sealed",
        row_hash: "id_hash",
    },
    SealedColumn {
        table: "volunteers",
        column: "phone_sealed",
        row_hash: "id_hash",
    },
    SealedColumn {
        table: "volunteers",
        column: "guardian_phone_sealed",
        row_hash: "id_hash",
    },
    SealedColumn {
        table: "outbox",
        column: "phone_sealed",
        row_hash: "phone_hash",
    },
    SealedColumn {
        table: "outbox",
        column: "payload",
        row_hash: "phone_hash",
    },
    SealedColumn {
        table: "id_appeals",
        column: "phone_sealed",
        row_hash: "id_hash",
    },
];

impl Store {
    /// Seals every value of the first format again, bound to its place.
    /// Returns how many values changed (0 once done: the scan for them is a
    /// prefix match, cheap on the tables of a county and run once per
    /// start).
    pub(crate) async fn reseal_legacy_values(&self) -> Result<u64> {
        let mut changed = 0;
        for sealed in SEALED_COLUMNS {
            let select = format!(
                "SELECT id, {hash}, {column} FROM {table} WHERE {column} LIKE $1 ORDER BY id LIMIT $2",
                hash = sealed.row_hash,
                column = sealed.column,
                table = sealed.table
            );
            let update = format!(
                "UPDATE {table} SET {column} = $1 WHERE id = $2 AND {column} = $3",
                table = sealed.table,
                column = sealed.column
            );
            loop {
                let rows: Vec<(i64, Vec<u8>, String)> = {
                    let mut conn = self.reader().await?;
                    query_as(sqlx::AssertSqlSafe(select.as_str()))
                        .bind("v1:%")
                        .bind(BATCH)
                        .fetch_all(&mut conn)
                        .await?
                };
                if rows.is_empty() {
                    break;
                }
                let mut resealed = Vec::with_capacity(rows.len());
                for (id, row_hash, value) in &rows {
                    let place = Place {
                        table: sealed.table,
                        column: sealed.column,
                        row: row_hash,
                    };
                    if let Some(new) = self.vault.reseal_legacy(place, value)? {
                        resealed.push((*id, new, value));
                    }
                }
                let mut tx = self.transaction().await?;
                {
                    for (id, new, old) in &resealed {
                        query(sqlx::AssertSqlSafe(update.as_str()))
                            .bind(new)
                            .bind(id)
                            .bind(old)
                            .execute(&mut tx)
                            .await?;
                    }
                };
                tx.commit().await?;
                changed += resealed.len() as u64;
            }
        }
        Ok(changed)
    }
}
