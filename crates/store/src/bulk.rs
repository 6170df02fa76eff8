//! Inserting many rows of one table at once, in the form each backend takes
//! fastest: on SQLite multi-row `INSERT ... VALUES` statements of about a
//! thousand anonymous parameters; on PostgreSQL one `COPY ... FROM STDIN` in
//! text format, which skips parsing, planning and executing an `INSERT` per
//! few dozen rows (fewer than `COPY_MIN_ROWS` go as one multi-row
//! `INSERT`). Constraints, foreign keys and triggers apply as for `INSERT`
//! on both; an error anywhere fails the whole transaction. Also adding
//! sums to rows of figures (`add_to_figure_rows`), the one upsert of the
//! loop figures and the statistics rollups.

use crate::sql::{Tx, Value, query};
use crate::{Placeholders, Result, rows_per_statement, values_sql};
use sqlx::{PgConnection, SqliteConnection};
use std::io::Write;

/// One value of a row being inserted.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    Int(i64),
    Real(f64),
    Text(&'a str),
    Bytes(&'a [u8]),
    Bool(bool),
    Null,
}

impl<'a> From<i64> for Cell<'a> {
    fn from(value: i64) -> Self {
        Cell::Int(value)
    }
}

impl<'a> From<f64> for Cell<'a> {
    fn from(value: f64) -> Self {
        Cell::Real(value)
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(value: &'a str) -> Self {
        Cell::Text(value)
    }
}

impl<'a> From<&'a [u8]> for Cell<'a> {
    fn from(value: &'a [u8]) -> Self {
        Cell::Bytes(value)
    }
}

impl<'a> From<bool> for Cell<'a> {
    fn from(value: bool) -> Self {
        Cell::Bool(value)
    }
}

impl<'a, T: Into<Cell<'a>>> From<Option<T>> for Cell<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Null, Into::into)
    }
}

/// A connection that can insert many rows of one table at once.
pub(crate) trait BulkInsert {
    /// Inserts one row per item of `items` into `table`; `cells` gives an
    /// item's values in the order of `columns`.
    async fn insert_rows<'a, T, const N: usize>(
        &mut self,
        table: &str,
        columns: &[&str; N],
        items: &'a [T],
        cells: impl Fn(&'a T) -> [Cell<'a>; N],
    ) -> Result<()>;
}

fn insert_head(table: &str, columns: &[&str]) -> String {
    format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "))
}

impl BulkInsert for SqliteConnection {
    async fn insert_rows<'a, T, const N: usize>(
        &mut self,
        table: &str,
        columns: &[&str; N],
        items: &'a [T],
        cells: impl Fn(&'a T) -> [Cell<'a>; N],
    ) -> Result<()> {
        let head = insert_head(table, columns);
        for chunk in items.chunks(rows_per_statement(N)) {
            let sql = values_sql(Placeholders::Anonymous, &head, N, chunk.len(), "");
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for item in chunk {
                for cell in cells(item) {
                    query = match cell {
                        Cell::Int(value) => query.bind(value),
                        Cell::Real(value) => query.bind(value),
                        Cell::Text(value) => query.bind(value),
                        Cell::Bytes(value) => query.bind(value),
                        Cell::Bool(value) => query.bind(value),
                        Cell::Null => query.bind(None::<i64>),
                    };
                }
            }
            query.execute(&mut *self).await?;
        }
        Ok(())
    }
}

impl BulkInsert for Tx<'_> {
    async fn insert_rows<'a, T, const N: usize>(
        &mut self,
        table: &str,
        columns: &[&str; N],
        items: &'a [T],
        cells: impl Fn(&'a T) -> [Cell<'a>; N],
    ) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => (**tx).insert_rows(table, columns, items, cells).await,
            Tx::Postgres(tx) => (**tx).insert_rows(table, columns, items, cells).await,
        }
    }
}

/// Bytes of `COPY` text sent per message.
const COPY_CHUNK: usize = 1 << 20;

/// Fewer rows than this go to PostgreSQL as a multi-row `INSERT`: `COPY`
/// takes a round trip more, and on a busy connection its last message
/// waited for the acknowledgement of the one before (tens of
/// milliseconds), which stalled the order writer's small batches.
const COPY_MIN_ROWS: usize = 256;

impl BulkInsert for PgConnection {
    async fn insert_rows<'a, T, const N: usize>(
        &mut self,
        table: &str,
        columns: &[&str; N],
        items: &'a [T],
        cells: impl Fn(&'a T) -> [Cell<'a>; N],
    ) -> Result<()> {
        if items.len() < COPY_MIN_ROWS {
            return insert_values(self, table, columns, items, cells).await;
        }
        let statement = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
        let mut copy = self.copy_in_raw(&statement).await?;
        let mut buffer: Vec<u8> = Vec::with_capacity(COPY_CHUNK + 4096);
        for item in items {
            for (index, cell) in cells(item).into_iter().enumerate() {
                if index > 0 {
                    buffer.push(b'\t');
                }
                write_copy_text(&mut buffer, cell);
            }
            buffer.push(b'\n');
            if buffer.len() >= COPY_CHUNK {
                copy.send(buffer.as_slice()).await?;
                buffer.clear();
            }
        }
        if !buffer.is_empty() {
            copy.send(buffer.as_slice()).await?;
        }
        copy.finish().await?;
        Ok(())
    }
}

/// Multi-row `INSERT` statements on PostgreSQL, a NULL written as such
/// (a bound NULL has a type, which may not be the column's).
async fn insert_values<'a, T, const N: usize>(
    conn: &mut PgConnection,
    table: &str,
    columns: &[&str; N],
    items: &'a [T],
    cells: impl Fn(&'a T) -> [Cell<'a>; N],
) -> Result<()> {
    let head = insert_head(table, columns);
    for chunk in items.chunks(rows_per_statement(N)) {
        let rows: Vec<[Cell<'a>; N]> = chunk.iter().map(&cells).collect();
        let mut sql = head.clone();
        let mut bound = 0;
        for (index, row) in rows.iter().enumerate() {
            sql.push_str(if index > 0 { ", (" } else { "(" });
            for (column, cell) in row.iter().enumerate() {
                if column > 0 {
                    sql.push_str(", ");
                }
                if matches!(cell, Cell::Null) {
                    sql.push_str("NULL");
                } else {
                    bound += 1;
                    Placeholders::Numbered.push(&mut sql, bound);
                }
            }
            sql.push(')');
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for cell in rows.into_iter().flatten() {
            query = match cell {
                Cell::Int(value) => query.bind(value),
                Cell::Real(value) => query.bind(value),
                Cell::Text(value) => query.bind(value),
                Cell::Bytes(value) => query.bind(value),
                Cell::Bool(value) => query.bind(value),
                Cell::Null => query,
            };
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Appends one value in `COPY`'s text format: `\N` for NULL, backslash,
/// tab, newline and carriage return escaped, `bytea` in hex (`\x...`, its
/// backslash escaped).
fn write_copy_text(buffer: &mut Vec<u8>, cell: Cell<'_>) {
    match cell {
        Cell::Null => buffer.extend_from_slice(b"\\N"),
        Cell::Int(value) => {
            // Writing into a Vec cannot fail.
            let _ = write!(buffer, "{value}");
        }
        Cell::Real(value) => {
            // Rust writes the shortest decimal that reads back as the same
            // double, without an exponent.
            let _ = write!(buffer, "{value}");
        }
        Cell::Bool(value) => buffer.push(if value { b't' } else { b'f' }),
        Cell::Text(text) => {
            for &byte in text.as_bytes() {
                match byte {
                    b'\\' => buffer.extend_from_slice(b"\\\\"),
                    b'\t' => buffer.extend_from_slice(b"\\t"),
                    b'\n' => buffer.extend_from_slice(b"\\n"),
                    b'\r' => buffer.extend_from_slice(b"\\r"),
                    other => buffer.push(other),
                }
            }
        }
        Cell::Bytes(bytes) => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buffer.extend_from_slice(b"\\\\x");
            for &byte in bytes {
                buffer.push(HEX[usize::from(byte >> 4)]);
                buffer.push(HEX[usize::from(byte & 0x0f)]);
            }
        }
    }
}

/// Adds each row's figures to `table`, creating rows as needed: a row is
/// its three key values (in the order of `key_columns`, the table's
/// primary key) and its figures in the order of `names`. Rows at zero are
/// left out and only the figures some row changes are named, a few hundred
/// rows per multi-row upsert, in the order given (callers give them in key
/// order, so two writers lock shared rows alike).
pub(crate) async fn add_to_figure_rows(
    tx: &mut Tx<'_>,
    table: &str,
    key_columns: [&str; 3],
    names: &[&str],
    rows: Vec<([Value<'static>; 3], Vec<i64>)>,
) -> Result<()> {
    let rows: Vec<([Value<'static>; 3], Vec<i64>)> = rows
        .into_iter()
        .filter(|(_, values)| values.iter().any(|v| *v != 0))
        .collect();
    let changed: Vec<usize> = (0..names.len())
        .filter(|&figure| rows.iter().any(|(_, values)| values[figure] != 0))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let named: Vec<&str> = changed.iter().map(|&figure| names[figure]).collect();
    let updates: Vec<String> = named
        .iter()
        .map(|name| format!("{name} = {table}.{name} + excluded.{name}"))
        .collect();
    let keys = key_columns.join(", ");
    let columns = 3 + named.len();
    for chunk in rows.chunks(rows_per_statement(columns)) {
        let sql = values_sql(
            tx.placeholders(),
            &format!("INSERT INTO {table} ({keys}, {}) VALUES ", named.join(", ")),
            columns,
            chunk.len(),
            &format!(" ON CONFLICT ({keys}) DO UPDATE SET {}", updates.join(", ")),
        );
        let mut statement = query(sqlx::AssertSqlSafe(sql));
        for (key, values) in chunk {
            for value in key {
                statement = statement.bind(value.clone());
            }
            for &figure in &changed {
                statement = statement.bind(values[figure]);
            }
        }
        statement.execute(&mut *tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_text(cell: Cell<'_>) -> String {
        let mut buffer = Vec::new();
        write_copy_text(&mut buffer, cell);
        String::from_utf8(buffer).unwrap()
    }

    #[test]
    fn copy_text_escapes_what_the_format_reserves() {
        assert_eq!(copy_text(Cell::Null), "\\N");
        assert_eq!(copy_text(Cell::Int(-42)), "-42");
        assert_eq!(copy_text(Cell::Real(28.682_892)), "28.682892");
        assert_eq!(copy_text(Cell::Real(-0.000_000_1)), "-0.0000001");
        assert_eq!(copy_text(Cell::Bool(true)), "t");
        assert_eq!(copy_text(Cell::Text("张三\t1\\2\n3\r")), "张三\\t1\\\\2\\n3\\r");
        assert_eq!(copy_text(Cell::Text("\\N")), "\\\\N");
        assert_eq!(copy_text(Cell::Bytes(&[0x00, 0xab, 0x7f])), "\\\\x00ab7f");
    }
}
