//! Issued certificates: the records one may state, the snapshot kept when
//! it is issued (what the certificate says, as JSON), and lookups by number
//! and by volunteer. What a certificate covers and whether the ledger still
//! agrees is decided in `zhiyuan_domain::certificate`.

use crate::sql::{query, query_as};
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use zhiyuan_domain::certificate::{Certifiable, CertifiedRecord, Snapshot};
use zhiyuan_domain::record::RecordState;

/// An issued certificate as listed for its holder.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CertificateSummary {
    pub number: String,
    pub issued_at: i64,
    pub credit_minutes: i64,
    pub honor_minutes: i64,
}

type CertifiedRow = (
    i64,
    String,
    String,
    Option<String>,
    i64,
    String,
    Option<i64>,
    String,
    i64,
);

impl Store {
    /// The volunteer's effective records as a certificate would state them,
    /// oldest first (the category's Chinese name as the service content),
    /// each with whether its organization is verified.
    pub async fn certifiable_records(&self, volunteer_id: i64) -> Result<Vec<Certifiable>> {
        let rows: Vec<CertifiedRow> = {
            let mut conn = self.reader().await?;
            query_as(
            "SELECT r.id, r.service_day, a.title, c.label_zh, r.organization_id, o.name, o.verified_at, r.hour_kind, r.minutes \
             FROM service_records r JOIN activities a ON a.id = r.activity_id \
             JOIN organizations o ON o.id = r.organization_id LEFT JOIN categories c ON c.code = a.category \
             WHERE r.volunteer_id = $1 AND r.state = $2 ORDER BY r.service_day, r.id",
        )
        .bind(volunteer_id)
        .bind(RecordState::Effective.as_str())
        .fetch_all(&mut conn)
        .await?
        };
        rows.into_iter()
            .map(
                |(
                    record_id,
                    day,
                    activity,
                    content,
                    organization_id,
                    organization,
                    verified_at,
                    hour_kind,
                    minutes,
                )| {
                    let service_day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| {
                        StoreError::conflict("record_corrupt", format!("record {record_id} has day {day:?}"))
                    })?;
                    Ok(Certifiable {
                        record: CertifiedRecord {
                            record_id,
                            service_day,
                            activity,
                            content: content.unwrap_or_default(),
                            organization_id,
                            organization,
                            hour_kind,
                            minutes,
                        },
                        organization_verified: verified_at.is_some(),
                    })
                },
            )
            .collect()
    }

    /// Keeps an issued certificate. A number already taken is a conflict
    /// (`certificate_number_taken`): draw another serial and try again.
    pub async fn insert_certificate(&self, snapshot: &Snapshot, issued_by: i64, issued_at: i64) -> Result<()> {
        let content = serde_json::to_string(snapshot)
            .map_err(|e| StoreError::conflict("certificate_unserializable", e.to_string()))?;
        let mut tx = self.transaction().await?;
        let inserted = {
            query(
                "INSERT INTO certificates (number, volunteer_id, issued_at, issued_by, credit_minutes, honor_minutes, content) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (number) DO NOTHING",
            )
            .bind(&snapshot.number)
            .bind(snapshot.holder.volunteer_id)
            .bind(issued_at)
            .bind(issued_by)
            .bind(snapshot.credit_minutes())
            .bind(snapshot.honor_minutes())
            .bind(&content)
            .execute(&mut tx)
            .await?
            .rows_affected()
        };
        tx.commit().await?;
        if inserted == 0 {
            return Err(StoreError::conflict(
                "certificate_number_taken",
                "that certificate number is taken",
            ));
        }
        Ok(())
    }

    /// What the certificate with this number says, if it exists.
    pub async fn certificate(&self, number: &str) -> Result<Option<Snapshot>> {
        let row: Option<(String,)> = {
            let mut conn = self.reader().await?;
            query_as("SELECT content FROM certificates WHERE number = $1")
                .bind(number)
                .fetch_optional(&mut conn)
                .await?
        };
        row.map(|(content,)| {
            serde_json::from_str(&content)
                .map_err(|e| StoreError::conflict("certificate_corrupt", format!("certificate {number}: {e}")))
        })
        .transpose()
    }

    /// The certificates issued to a volunteer, newest first.
    pub async fn certificates_of_volunteer(&self, volunteer_id: i64) -> Result<Vec<CertificateSummary>> {
        Ok({
            let mut conn = self.reader().await?;
            query_as(
                "SELECT number, issued_at, credit_minutes, honor_minutes FROM certificates WHERE volunteer_id = $1 \
             ORDER BY issued_at DESC, number LIMIT 200",
            )
            .bind(volunteer_id)
            .fetch_all(&mut conn)
            .await?
        })
    }
}
