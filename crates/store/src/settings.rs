//! Platform settings as stored: named values an operator may change without
//! a release. Which settings exist and what each accepts is
//! `zhiyuan_domain::setting`; an absent key means the reader's default.

use crate::{Result, Store, read_conn, write_tx};

impl Store {
    /// The value of a setting, if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = read_conn!(self, conn => sqlx::query_as("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?);
        Ok(row.map(|(value,)| value))
    }

    /// Sets (or replaces) a setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        write_tx!(self, tx => {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }
}
