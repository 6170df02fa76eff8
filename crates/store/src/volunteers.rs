//! Volunteers: registration with sealed personal data and a volunteer number,
//! reads of the whole ID and phone (audited), search within a region subtree,
//! transfers and consents. Appeals against a taken ID number are in
//! `appeals`.

use crate::bulk::BulkInsert;
use crate::sql::{query, query_as, query_scalar};
use crate::statistics::{RollupSums, day_of, move_volunteer};
use crate::vault::Place;
use crate::{
    Backend, Page, Result, Store, StoreError, audit_entry, in_list_sql, into_page, parse_cursor, rows_per_statement,
    subtree_bounds,
};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use zhiyuan_domain::RuleError;
use zhiyuan_domain::id_number::birth_date_of;
use zhiyuan_domain::region::RegionCode;
use zhiyuan_domain::statistics::{self, VolunteerFacts};
use zhiyuan_domain::volunteer::{
    Category, PoliticalStatus, Registration, check_home_region, elderly_born_in_or_before, minor_born_after,
};
use zhiyuan_domain::volunteer_no;

/// A volunteer as stored, with personal data masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Volunteer {
    pub id: i64,
    pub user_id: i64,
    pub volunteer_no: String,
    pub name: String,
    pub id_masked: String,
    pub phone_masked: String,
    /// The birth year (the date is part of the sealed ID number).
    pub birth_year: i32,
    pub sex: String,
    pub political_status: String,
    pub region_code: String,
    pub region_path: String,
    pub rural: bool,
    pub skills: String,
    pub guardian_name: Option<String>,
    pub face_consent_at: Option<i64>,
    pub location_consent_at: Option<i64>,
    pub registered_at: i64,
    /// The last day the volunteer's accident insurance covers (`YYYY-MM-DD`).
    pub insured_until: Option<String>,
}

impl Volunteer {
    pub fn skill_list(&self) -> Vec<String> {
        self.skills
            .split(';')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    pub fn insured_until(&self) -> Option<NaiveDate> {
        self.insured_until
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    }
}

/// The whole ID number and phone, for readers allowed to see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonalData {
    pub id_number: String,
    pub phone: String,
    pub guardian_phone: Option<String>,
}

/// A volunteer's sealed personal data with the row's ID lookup hash.
type SealedPersonalData = (Vec<u8>, String, String, Option<String>);

/// Filters of the administrators' volunteer search.
#[derive(Debug, Clone, Default)]
pub struct VolunteerQuery {
    /// Only volunteers at or under this region path.
    pub region_path: String,
    /// Name fragment, volunteer number, whole phone or whole ID number.
    pub q: Option<String>,
    pub category: Option<Category>,
    pub skill: Option<String>,
    pub cursor: Option<String>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Transfer {
    pub id: i64,
    pub from_region: String,
    pub to_region: String,
    pub at: i64,
    pub by_user: i64,
}

/// What happened to one row of a bulk import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// A new volunteer; the activation code went to the outbox.
    Inserted { volunteer_id: i64 },
    /// The same ID number is already registered: nothing changed.
    Unchanged,
    /// The row conflicts with stored data.
    Rejected(RuleError),
}

pub(crate) const VOLUNTEER_COLUMNS: &str = "v.id, v.user_id, v.volunteer_no, v.name, v.id_masked, v.phone_masked, \
     v.birth_year, v.sex, v.political_status, v.region_code, v.region_path, v.rural, v.skills, v.guardian_name, \
     v.face_consent_at, v.location_consent_at, v.registered_at, v.insured_until";

fn region_unknown(code: &str) -> StoreError {
    StoreError::Rule(RuleError::new("region_unknown", format!("no region {code}")).on("region_code"))
}

/// Sealed and hashed forms of one registration, computed outside the transaction.
struct SealedRegistration<'a> {
    registration: &'a Registration,
    id_hash: Vec<u8>,
    id_sealed: String,
    phone_hash: Vec<u8>,
    /// The phone sealed for the login's row and for the volunteer's.
    user_phone_sealed: String,
    phone_sealed: String,
    guardian_phone_sealed: Option<String>,
}

/// The activation code of an imported login, as written: its keyed hash on
/// the login, and the message for the outbox (phone and payload sealed).
struct ActivationMessage {
    code_hash: Vec<u8>,
    phone_sealed: String,
    payload_sealed: String,
}

/// A volunteer record about to be written: its row of the batch, ids, and
/// the values computed for it.
struct NewRecord {
    index: usize,
    user_id: i64,
    volunteer_id: i64,
    volunteer_no: Option<String>,
    id_masked: String,
    phone_masked: String,
    birth_year: i64,
    county_code: Option<String>,
    skills: String,
}

/// A value bound to a query assembled from optional filters.
enum Bind {
    Text(String),
    Bytes(Vec<u8>),
    Year(i32),
}

/// How the logins of newly written volunteers are set up.
#[derive(Debug, Clone, Copy)]
enum NewLogin<'a> {
    /// Self-registration: the password hash (or none yet).
    Registered(Option<&'a str>),
    /// Bulk import: no password; a one-time activation code goes to the outbox.
    Imported,
}

impl Store {
    fn seal_registration<'a>(&self, registration: &'a Registration) -> SealedRegistration<'a> {
        let id_hash = self.vault.lookup_hash("id", registration.id_number.as_str());
        let phone_hash = self.vault.lookup_hash("phone", registration.phone.as_str());
        let phone = registration.phone.as_str();
        SealedRegistration {
            registration,
            id_sealed: self
                .vault
                .seal(Place::volunteer("id_sealed", &id_hash), registration.id_number.as_str()),
            user_phone_sealed: self.vault.seal(Place::user_phone(&phone_hash), phone),
            phone_sealed: self.vault.seal(Place::volunteer("phone_sealed", &id_hash), phone),
            guardian_phone_sealed: registration.guardian.as_ref().map(|g| {
                self.vault
                    .seal(Place::volunteer("guardian_phone_sealed", &id_hash), &g.phone)
            }),
            id_hash,
            phone_hash,
        }
    }

    /// Registers a volunteer with a login. `password_hash` may be `None` for
    /// a login whose password is set later.
    pub async fn register_volunteer(
        &self,
        registration: &Registration,
        password_hash: Option<&str>,
        now: i64,
    ) -> Result<Volunteer> {
        let outcomes = self
            .write_volunteers(
                std::slice::from_ref(registration),
                NewLogin::Registered(password_hash),
                now,
            )
            .await?;
        match outcomes.into_iter().next() {
            Some(ImportOutcome::Inserted { volunteer_id }) => self
                .volunteer(volunteer_id)
                .await?
                .ok_or(StoreError::NotFound("volunteer")),
            Some(ImportOutcome::Unchanged) => Err(StoreError::conflict(
                "id_number_taken",
                "this ID number is already registered; if it was not you, file an appeal",
            )),
            Some(ImportOutcome::Rejected(rule)) if rule.code == "phone_taken" => {
                Err(StoreError::conflict(rule.code, rule.detail))
            }
            Some(ImportOutcome::Rejected(rule)) => Err(StoreError::Rule(rule)),
            None => Err(StoreError::NotFound("volunteer")),
        }
    }

    /// Imports a batch of registrations in one transaction: existing ID
    /// numbers are left alone, conflicts are reported per row, and each new
    /// volunteer gets an activation code in the outbox.
    pub async fn import_volunteers(&self, registrations: &[Registration], now: i64) -> Result<Vec<ImportOutcome>> {
        self.write_volunteers(registrations, NewLogin::Imported, now).await
    }

    /// Writes new volunteers in one transaction, the shared path of
    /// registration and import: checks regions, ID numbers (already stored:
    /// unchanged) and phones (taken: refused), draws volunteer numbers per
    /// county and month, and creates logins and records. Lookups and
    /// inserts are made a few hundred rows per statement, so a batch costs a
    /// handful of round trips rather than several per row.
    async fn write_volunteers(
        &self,
        registrations: &[Registration],
        login: NewLogin<'_>,
        now: i64,
    ) -> Result<Vec<ImportOutcome>> {
        let outcome = match self.write_volunteers_once(registrations, login, now).await {
            // A concurrent transaction (PostgreSQL) stored one of these ID
            // numbers or phones between our check and our insert: the second
            // pass sees it and reports the row as it should.
            Err(error) if error.is_unique_violation() => self.write_volunteers_once(registrations, login, now).await,
            other => other,
        };
        // A login may have become a volunteer.
        self.session_caches.forget_all();
        outcome
    }

    async fn write_volunteers_once(
        &self,
        registrations: &[Registration],
        login: NewLogin<'_>,
        now: i64,
    ) -> Result<Vec<ImportOutcome>> {
        let sealed: Vec<SealedRegistration> = registrations.iter().map(|r| self.seal_registration(r)).collect();
        let month = zhiyuan_domain::time::china_date(chrono::DateTime::from_timestamp_millis(now).unwrap_or_default());
        // One-time activation codes of imported logins: hashed on the login,
        // sent through the outbox (made for every row before the transaction;
        // rows that are refused just drop theirs).
        let messages: Vec<Option<ActivationMessage>> = sealed
            .iter()
            .map(|row| {
                matches!(login, NewLogin::Imported).then(|| {
                    let code = crate::audit::activation_code();
                    let payload = serde_json::json!({ "code": code, "name": row.registration.name }).to_string();
                    ActivationMessage {
                        code_hash: crate::audit::activation_code_hash(&self.vault, &row.phone_hash, &code),
                        phone_sealed: self.vault.seal(
                            Place::outbox("phone_sealed", &row.phone_hash),
                            row.registration.phone.as_str(),
                        ),
                        payload_sealed: self.vault.seal(Place::outbox("payload", &row.phone_hash), &payload),
                    }
                })
            })
            .collect();
        let placeholders = self.placeholders();
        let mut tx = self.transaction().await?;
        let outcomes = {
            // Region paths, once per distinct region of the batch.
            let mut paths: HashMap<&str, Option<String>> = HashMap::new();
            for row in &sealed {
                let code = row.registration.region.as_str();
                if !paths.contains_key(code) {
                    let path: Option<String> = query_scalar("SELECT path FROM regions WHERE code = $1")
                        .bind(code)
                        .fetch_optional(&mut tx)
                        .await?;
                    paths.insert(code, path);
                }
            }
            // ID numbers and phones already stored. These statements are
            // planned for each set of values (not kept prepared): a plan kept
            // from the first batch, made while the tables were nearly empty,
            // scans the whole table on PostgreSQL instead of probing the
            // unique index (seconds per statement at a million rows).
            let mut stored_ids: HashSet<Vec<u8>> = HashSet::new();
            let mut stored_phones: HashSet<Vec<u8>> = HashSet::new();
            for chunk in sealed.chunks(rows_per_statement(1)) {
                let sql = in_list_sql(
                    placeholders,
                    "SELECT id_hash FROM volunteers WHERE id_hash IN ",
                    chunk.len(),
                );
                let mut query = query_scalar::<Vec<u8>>(sqlx::AssertSqlSafe(sql)).persistent(false);
                for row in chunk {
                    query = query.bind(&row.id_hash);
                }
                stored_ids.extend(query.fetch_all(&mut tx).await?);
                let sql = in_list_sql(
                    placeholders,
                    "SELECT phone_hash FROM users WHERE phone_hash IN ",
                    chunk.len(),
                );
                let mut query = query_scalar::<Vec<u8>>(sqlx::AssertSqlSafe(sql)).persistent(false);
                for row in chunk {
                    query = query.bind(&row.phone_hash);
                }
                stored_phones.extend(query.fetch_all(&mut tx).await?);
            }
            // Decide each row; numbers are drawn per county for the accepted.
            let mut outcomes: Vec<ImportOutcome> = Vec::with_capacity(sealed.len());
            let mut accepted: Vec<usize> = Vec::new();
            for (index, row) in sealed.iter().enumerate() {
                let region = row.registration.region.as_str();
                let outcome = if stored_ids.contains(&row.id_hash) {
                    ImportOutcome::Unchanged
                } else if paths.get(region).is_none_or(Option::is_none) {
                    ImportOutcome::Rejected(
                        RuleError::new("region_unknown", format!("no region {region}")).on("region_code"),
                    )
                } else if row.registration.region.county().is_none() {
                    ImportOutcome::Rejected(
                        RuleError::new("region_too_coarse", "register in a county or below").on("region_code"),
                    )
                } else if !stored_phones.insert(row.phone_hash.clone()) {
                    ImportOutcome::Rejected(
                        RuleError::new("phone_taken", "this phone number already has an account").on("phone"),
                    )
                } else {
                    stored_ids.insert(row.id_hash.clone());
                    accepted.push(index);
                    ImportOutcome::Unchanged
                };
                outcomes.push(outcome);
            }
            // Logins and outbox messages, then volunteer records.
            // The ids are drawn first, so the inserts need no RETURNING.
            let user_ids = tx.reserve_ids("users", accepted.len()).await?;
            let volunteer_ids = tx.reserve_ids("volunteers", accepted.len()).await?;
            let new_rows: Vec<(usize, i64, i64)> = accepted
                .iter()
                .zip(user_ids.iter().zip(&volunteer_ids))
                .map(|(&index, (&user_id, &volunteer_id))| (index, user_id, volunteer_id))
                .collect();
            let password_hash = match login {
                NewLogin::Registered(hash) => hash,
                NewLogin::Imported => None,
            };
            let activation_expires_at = now + crate::audit::ACTIVATION_VALID_MS;
            tx.insert_rows(
                "users",
                &[
                    "id",
                    "phone_hash",
                    "phone_sealed",
                    "display_name",
                    "password_hash",
                    "created_at",
                    "password_changed_at",
                    "activation_code_hash",
                    "activation_expires_at",
                ],
                &new_rows,
                |&(index, user_id, _)| {
                    let row = &sealed[index];
                    let message = messages[index].as_ref();
                    [
                        user_id.into(),
                        row.phone_hash.as_slice().into(),
                        row.user_phone_sealed.as_str().into(),
                        row.registration.name.as_str().into(),
                        password_hash.into(),
                        now.into(),
                        now.into(),
                        message.map(|m| m.code_hash.as_slice()).into(),
                        message.map(|_| activation_expires_at).into(),
                    ]
                },
            )
            .await?;
            let messaged: Vec<usize> = accepted
                .iter()
                .copied()
                .filter(|&index| messages[index].is_some())
                .collect();
            tx.insert_rows(
                "outbox",
                &["at", "channel", "phone_hash", "phone_sealed", "template", "payload"],
                &messaged,
                |&index| {
                    let row = &sealed[index];
                    let message = messages[index].as_ref();
                    [
                        now.into(),
                        "sms".into(),
                        row.phone_hash.as_slice().into(),
                        message.map(|m| m.phone_sealed.as_str()).into(),
                        "activation_code".into(),
                        message.map(|m| m.payload_sealed.as_str()).into(),
                    ]
                },
            )
            .await?;
            // Volunteer numbers, drawn from the counter rows after the logins
            // and messages are written, so that a concurrent batch (PostgreSQL)
            // waits on these rows for as short a time as possible; counties
            // in code order, so that two batches lock them in the same order.
            let mut numbers: HashMap<usize, String> = HashMap::new();
            let mut by_county: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for &index in &accepted {
                if let Some(county) = sealed[index].registration.region.county() {
                    by_county.entry(county.as_str().to_string()).or_default().push(index);
                }
            }
            for (county, indexes) in &by_county {
                let prefix = volunteer_no::month_prefix(county, month);
                let count = indexes.len() as i64;
                let last: i64 = query_scalar(
                    "INSERT INTO volunteer_number_counters (prefix, last_seq) VALUES ($1, $2) \
                     ON CONFLICT (prefix) DO UPDATE SET last_seq = volunteer_number_counters.last_seq + $2 \
                     RETURNING last_seq",
                )
                .bind(&prefix)
                .bind(count)
                .fetch_one(&mut tx)
                .await?;
                if last > 999_999 {
                    return Err(StoreError::conflict(
                        "volunteer_no_exhausted",
                        "this county has used every number this month",
                    ));
                }
                for (offset, &index) in indexes.iter().enumerate() {
                    let sequence = (last - count + 1 + offset as i64) as u32;
                    numbers.insert(index, volunteer_no::compose(county, month, sequence));
                }
            }
            // The values computed per row, for the volunteer records to borrow.
            let records: Vec<NewRecord> = new_rows
                .iter()
                .map(|&(index, user_id, volunteer_id)| {
                    let registration = sealed[index].registration;
                    NewRecord {
                        index,
                        user_id,
                        volunteer_id,
                        volunteer_no: numbers.remove(&index),
                        id_masked: registration.id_number.masked(),
                        phone_masked: registration.phone.masked(),
                        birth_year: i64::from(chrono::Datelike::year(&registration.birth_date)),
                        county_code: registration.region.county().map(|county| county.as_str().to_string()),
                        skills: registration.skills.join(";"),
                    }
                })
                .collect();
            tx.insert_rows(
                "volunteers",
                &[
                    "id",
                    "user_id",
                    "volunteer_no",
                    "name",
                    "id_hash",
                    "id_sealed",
                    "id_masked",
                    "phone_sealed",
                    "phone_masked",
                    "birth_year",
                    "sex",
                    "political_status",
                    "region_code",
                    "county_code",
                    "region_path",
                    "rural",
                    "skills",
                    "guardian_name",
                    "guardian_phone_sealed",
                    "registered_at",
                ],
                &records,
                |record| {
                    let row = &sealed[record.index];
                    let registration = row.registration;
                    [
                        record.volunteer_id.into(),
                        record.user_id.into(),
                        record.volunteer_no.as_deref().into(),
                        registration.name.as_str().into(),
                        row.id_hash.as_slice().into(),
                        row.id_sealed.as_str().into(),
                        record.id_masked.as_str().into(),
                        row.phone_sealed.as_str().into(),
                        record.phone_masked.as_str().into(),
                        record.birth_year.into(),
                        registration.sex.as_str().into(),
                        registration.political_status.as_str().into(),
                        registration.region.as_str().into(),
                        record.county_code.as_deref().into(),
                        paths
                            .get(registration.region.as_str())
                            .and_then(Option::as_deref)
                            .into(),
                        registration.region.is_village_committee().into(),
                        record.skills.as_str().into(),
                        registration
                            .guardian
                            .as_ref()
                            .map(|guardian| guardian.name.as_str())
                            .into(),
                        row.guardian_phone_sealed.as_deref().into(),
                        now.into(),
                    ]
                },
            )
            .await?;
            // What the new volunteers add to the statistics of their homes.
            let mut rollups = RollupSums::default();
            for record in &records {
                let registration = sealed[record.index].registration;
                if let Some(Some(path)) = paths.get(registration.region.as_str()) {
                    let facts = VolunteerFacts {
                        birth_date: registration.birth_date,
                        party_member: registration.political_status.is_party_member(),
                        rural: registration.region.is_village_committee(),
                    };
                    rollups.add_dated(path, &statistics::joined(facts, day_of(now), true));
                }
            }
            rollups.write(&mut tx).await?;
            for record in &records {
                if let NewLogin::Registered(_) = login {
                    audit_entry(
                        &mut tx,
                        now,
                        Some(record.user_id),
                        "volunteer.register",
                        "volunteer",
                        record.volunteer_id.to_string(),
                        record.volunteer_no.as_deref().unwrap_or_default(),
                    )
                    .await?;
                }
                outcomes[record.index] = ImportOutcome::Inserted {
                    volunteer_id: record.volunteer_id,
                };
            }
            if matches!(login, NewLogin::Imported) && !accepted.is_empty() {
                audit_entry(
                    &mut tx,
                    now,
                    None::<i64>,
                    "volunteer.import",
                    "volunteer",
                    "batch",
                    format!("{} imported", accepted.len()),
                )
                .await?;
            }
            outcomes
        };
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Whether a (valid, normalised) ID number is held by a volunteer record.
    pub async fn id_number_registered(&self, id_number: &str) -> Result<bool> {
        let id_hash = self.vault.lookup_hash("id", id_number);
        let found: Option<(i64,)> = {
            let mut conn = self.reader().await?;
            query_as("SELECT id FROM volunteers WHERE id_hash = $1")
                .bind(id_hash)
                .fetch_optional(&mut conn)
                .await?
        };
        Ok(found.is_some())
    }

    /// A volunteer's birth date, read from their sealed ID number (it is
    /// kept nowhere in clear): for the age limits of a sign-up.
    pub async fn birth_date(&self, volunteer_id: i64) -> Result<NaiveDate> {
        let sealed: Option<(Vec<u8>, String)> = {
            let mut conn = self.reader().await?;
            query_as("SELECT id_hash, id_sealed FROM volunteers WHERE id = $1")
                .bind(volunteer_id)
                .fetch_optional(&mut conn)
                .await?
        };
        let (id_hash, id_sealed) = sealed.ok_or(StoreError::NotFound("volunteer"))?;
        self.birth_date_in(&id_hash, &id_sealed)
    }

    /// The birth date a sealed ID number (of the row `id_hash`) states.
    pub(crate) fn birth_date_in(&self, id_hash: &[u8], id_sealed: &str) -> Result<NaiveDate> {
        let id_number = self.vault.open(Place::volunteer("id_sealed", id_hash), id_sealed)?;
        birth_date_of(&id_number)
            .ok_or_else(|| StoreError::conflict("id_number_corrupt", "a stored ID number states no birth date"))
    }

    pub async fn volunteer(&self, id: i64) -> Result<Option<Volunteer>> {
        let sql = format!("SELECT {VOLUNTEER_COLUMNS} FROM volunteers v WHERE v.id = $1");
        let mut conn = self.reader().await?;
        query_as::<Volunteer>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut conn)
            .await
    }

    pub async fn volunteer_of_user(&self, user_id: i64) -> Result<Option<Volunteer>> {
        let sql = format!("SELECT {VOLUNTEER_COLUMNS} FROM volunteers v WHERE v.user_id = $1");
        let mut conn = self.reader().await?;
        query_as::<Volunteer>(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .fetch_optional(&mut conn)
            .await
    }

    /// Opens the whole ID number and phone and writes who read them to the
    /// audit log, in one transaction.
    pub async fn read_personal_data(&self, volunteer_id: i64, reader_user_id: i64, now: i64) -> Result<PersonalData> {
        let mut tx = self.transaction().await?;
        let sealed: SealedPersonalData = {
            let row: Option<SealedPersonalData> = query_as(
                "SELECT id_hash, id_sealed, phone_sealed, guardian_phone_sealed FROM volunteers WHERE id = $1",
            )
            .bind(volunteer_id)
            .fetch_optional(&mut tx)
            .await?;
            let Some(row) = row else {
                return Err(StoreError::NotFound("volunteer"));
            };
            audit_entry(
                &mut tx,
                now,
                Some(reader_user_id),
                "volunteer.personal_data_read",
                "volunteer",
                volunteer_id.to_string(),
                "id_number,phone",
            )
            .await?;
            row
        };
        tx.commit().await?;
        let (id_hash, id_sealed, phone_sealed, guardian_phone_sealed) = sealed;
        Ok(PersonalData {
            id_number: self.vault.open(Place::volunteer("id_sealed", &id_hash), &id_sealed)?,
            phone: self
                .vault
                .open(Place::volunteer("phone_sealed", &id_hash), &phone_sealed)?,
            guardian_phone: guardian_phone_sealed
                .as_deref()
                .map(|s| self.vault.open(Place::volunteer("guardian_phone_sealed", &id_hash), s))
                .transpose()?,
        })
    }

    /// Volunteers at or under a region, filtered, in id order.
    pub async fn search_volunteers(&self, query: &VolunteerQuery, today: NaiveDate) -> Result<Page<Volunteer>> {
        let (low, high) = subtree_bounds(&query.region_path);
        let mut binds: Vec<Bind> = vec![Bind::Text(query.region_path.clone()), Bind::Text(low), Bind::Text(high)];
        let mut sql = format!(
            "SELECT {VOLUNTEER_COLUMNS} FROM volunteers v \
             WHERE (v.region_path = $1 OR (v.region_path > $2 AND v.region_path < $3))"
        );
        if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let n = binds.len();
            sql.push_str(&format!(
                " AND (v.name LIKE ${} OR v.volunteer_no = ${} OR v.user_id IN (SELECT id FROM users WHERE phone_hash = ${}) OR v.id_hash = ${})",
                n + 1,
                n + 2,
                n + 3,
                n + 4
            ));
            let escaped = q.replace(['%', '_'], "");
            binds.push(Bind::Text(format!("%{escaped}%")));
            binds.push(Bind::Text(q.to_ascii_uppercase()));
            binds.push(Bind::Bytes(self.vault.lookup_hash("phone", q)));
            binds.push(Bind::Bytes(self.vault.lookup_hash("id", &q.to_ascii_uppercase())));
        }
        match query.category {
            Some(Category::PartyMember) => {
                let members = PoliticalStatus::all()
                    .filter(|status| status.is_party_member())
                    .map(|status| status.as_str());
                sql.push_str(&format!(" AND v.political_status IN ({})", crate::code_list(members)));
            }
            Some(Category::Rural) => sql.push_str(" AND v.rural = TRUE"),
            Some(Category::Elderly) => {
                binds.push(Bind::Year(elderly_born_in_or_before(today)));
                sql.push_str(&format!(" AND v.birth_year <= ${}", binds.len()));
            }
            Some(Category::Minor) => {
                binds.push(Bind::Year(minor_born_after(today)));
                sql.push_str(&format!(" AND v.birth_year > ${}", binds.len()));
            }
            None => {}
        }
        if let Some(skill) = query.skill.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // One whole item of the ';'-separated list (skills hold no ';').
            binds.push(Bind::Text(format!(";{skill};")));
            let position = match self.backend {
                Backend::Sqlite { .. } => "instr",
                Backend::Postgres(_) => "strpos",
            };
            sql.push_str(&format!(
                " AND {position}(';' || v.skills || ';', ${}) > 0",
                binds.len()
            ));
        }
        sql.push_str(&format!(
            " AND v.id > ${} ORDER BY v.id LIMIT ${}",
            binds.len() + 1,
            binds.len() + 2
        ));
        let limit = query.limit;
        let rows = {
            let mut conn = self.reader().await?;
            {
                let mut statement = query_as::<Volunteer>(sqlx::AssertSqlSafe(sql.clone()));
                for value in &binds {
                    statement = match value {
                        Bind::Text(text) => statement.bind(text.clone()),
                        Bind::Bytes(bytes) => statement.bind(bytes.clone()),
                        Bind::Year(year) => statement.bind(*year),
                    };
                }
                statement
                    .bind(parse_cursor(query.cursor.as_deref()))
                    .bind(limit + 1)
                    .fetch_all(&mut conn)
                    .await?
            }
        };
        Ok(into_page(rows, limit, |v| v.id))
    }

    /// Moves a volunteer's record to another region, keeping the history.
    pub async fn transfer_volunteer(
        &self,
        volunteer_id: i64,
        to_region: &str,
        by_user: i64,
        now: i64,
    ) -> Result<Volunteer> {
        let target = RegionCode::parse(to_region)?;
        check_home_region(&target)?;
        let mut tx = self.transaction().await?;
        {
            let path: Option<(String,)> = query_as("SELECT path FROM regions WHERE code = $1")
                .bind(target.as_str())
                .fetch_optional(&mut tx)
                .await?;
            let Some((path,)) = path else {
                return Err(region_unknown(target.as_str()));
            };
            let current: Option<(String, String, bool, String, Vec<u8>, String)> = query_as(
                "SELECT region_code, region_path, rural, political_status, id_hash, id_sealed FROM volunteers WHERE id = $1",
            )
            .bind(volunteer_id)
            .fetch_optional(&mut tx)
            .await?;
            let Some((from_region, from_path, from_rural, political_status, id_hash, id_sealed)) = current else {
                return Err(StoreError::NotFound("volunteer"));
            };
            if from_region == target.as_str() {
                return Err(StoreError::Rule(
                    RuleError::new("transfer_same_region", "the volunteer is already registered there")
                        .on("region_code"),
                ));
            }
            query(
                "UPDATE volunteers SET region_code = $2, county_code = $3, region_path = $4, rural = $5 WHERE id = $1",
            )
            .bind(volunteer_id)
            .bind(target.as_str())
            .bind(target.county().map(|c| c.as_str().to_string()).unwrap_or_default())
            .bind(&path)
            .bind(target.is_village_committee())
            .execute(&mut tx)
            .await?;
            let facts = VolunteerFacts {
                birth_date: self.birth_date_in(&id_hash, &id_sealed)?,
                party_member: PoliticalStatus::parse(&political_status).is_ok_and(PoliticalStatus::is_party_member),
                rural: from_rural,
            };
            let moved_facts = VolunteerFacts {
                rural: target.is_village_committee(),
                ..facts
            };
            move_volunteer(
                &mut tx,
                volunteer_id,
                (&from_path, facts),
                (&path, moved_facts),
                day_of(now),
            )
            .await?;
            query("INSERT INTO volunteer_transfers (volunteer_id, from_region, to_region, at, by_user) VALUES ($1, $2, $3, $4, $5)")
                .bind(volunteer_id)
                .bind(&from_region)
                .bind(target.as_str())
                .bind(now)
                .bind(by_user)
                .execute(&mut tx)
                .await?;
            audit_entry(
                &mut tx,
                now,
                Some(by_user),
                "volunteer.transfer",
                "volunteer",
                volunteer_id.to_string(),
                format!("{from_region}->{}", target.as_str()),
            )
            .await?;
        };
        tx.commit().await?;
        self.session_caches.forget_all();
        self.volunteer(volunteer_id)
            .await?
            .ok_or(StoreError::NotFound("volunteer"))
    }

    pub async fn transfers(&self, volunteer_id: i64) -> Result<Vec<Transfer>> {
        let mut conn = self.reader().await?;
        query_as::<Transfer>(
            "SELECT id, from_region, to_region, at, by_user FROM volunteer_transfers WHERE volunteer_id = $1 ORDER BY id",
        )
        .bind(volunteer_id)
        .fetch_all(&mut conn)
        .await
    }

    /// Gives or withdraws the separate consents for face templates and
    /// location tracks; `None` leaves a consent as it is.
    pub async fn set_consents(
        &self,
        volunteer_id: i64,
        face: Option<bool>,
        location: Option<bool>,
        by_user: i64,
        now: i64,
    ) -> Result<Volunteer> {
        let mut tx = self.transaction().await?;
        {
            let result = query(
                "UPDATE volunteers SET \
                 face_consent_at = CASE WHEN $2 = 1 THEN COALESCE(face_consent_at, $4) WHEN $2 = 0 THEN NULL ELSE face_consent_at END, \
                 location_consent_at = CASE WHEN $3 = 1 THEN COALESCE(location_consent_at, $4) WHEN $3 = 0 THEN NULL ELSE location_consent_at END \
                 WHERE id = $1",
            )
            .bind(volunteer_id)
            .bind(face.map_or(-1i64, i64::from))
            .bind(location.map_or(-1i64, i64::from))
            .bind(now)
            .execute(&mut tx)
            .await?;
            if result.rows_affected() == 0 {
                return Err(StoreError::NotFound("volunteer"));
            }
            audit_entry(
                &mut tx,
                now,
                Some(by_user),
                "volunteer.consents",
                "volunteer",
                volunteer_id.to_string(),
                format!("face={face:?} location={location:?}"),
            )
            .await?;
        };
        tx.commit().await?;
        self.volunteer(volunteer_id)
            .await?
            .ok_or(StoreError::NotFound("volunteer"))
    }
}
