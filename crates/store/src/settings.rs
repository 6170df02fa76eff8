//! Platform settings as stored: named values an operator may change without
//! a release. Which settings exist and what each accepts is
//! `zhiyuan_domain::setting`; an absent key means the reader's default.

use crate::sql::{query, query_as};
use crate::{Result, Store};
use zhiyuan_domain::order_deadline::Deadlines;
use zhiyuan_domain::setting::{ORDER_ACCEPT_MINUTES, ORDER_DISPATCH_MINUTES, ORDER_EVALUATION_DAYS};

impl Store {
    /// The value of a setting, if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = {
            let mut conn = self.reader().await?;
            query_as("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut conn)
                .await?
        };
        Ok(row.map(|(value,)| value))
    }

    /// The deadlines of the ordering loop the settings give now (each
    /// missing or unreadable one its default).
    pub async fn order_deadlines(&self) -> Result<Deadlines> {
        let dispatch = self.setting(ORDER_DISPATCH_MINUTES).await?;
        let accept = self.setting(ORDER_ACCEPT_MINUTES).await?;
        let evaluation = self.setting(ORDER_EVALUATION_DAYS).await?;
        Ok(Deadlines::from_settings(
            dispatch.as_deref(),
            accept.as_deref(),
            evaluation.as_deref(),
        ))
    }

    /// Sets (or replaces) a setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        let mut tx = self.transaction().await?;
        {
            query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&mut tx)
                .await?;
        };
        tx.commit().await?;
        Ok(())
    }
}
