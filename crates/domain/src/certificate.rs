//! Certificates of volunteer service (志愿服务证明): their numbers, which
//! records one covers, what it states (the snapshot kept when it is issued),
//! and whether the ledger still agrees with it.
//!
//! A certificate number is `ZY` + the 6-digit county code of the volunteer +
//! YYMM of issue + an 8-digit serial drawn at random + 1 check character
//! (ISO 7064 MOD 11-2 over the 18 digits, as in volunteer numbers): 21
//! characters. The random serial keeps numbers from being guessed one after
//! another, since anyone may verify a certificate by its number.

use crate::RuleError;
use crate::record::RecordState;
use crate::volunteer_no::mod11_2;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Characters in a certificate number.
pub const NUMBER_LEN: usize = 21;
/// Serials are below this.
pub const SERIAL_SPACE: u32 = 100_000_000;

/// Builds the number of a certificate issued on `issued_on` to a volunteer
/// of `county_code`, from a random `serial` (taken modulo [`SERIAL_SPACE`]).
pub fn compose_number(county_code: &str, issued_on: NaiveDate, serial: u32) -> String {
    let digits = format!(
        "{county_code}{:02}{:02}{:08}",
        issued_on.year() % 100,
        issued_on.month(),
        serial % SERIAL_SPACE
    );
    format!("ZY{digits}{}", mod11_2(digits.as_bytes()))
}

/// Checks a typed certificate number (spaces and letter case forgiven) and
/// returns it in its canonical form; `certificate_number_invalid` otherwise.
pub fn parse_number(raw: &str) -> Result<String, RuleError> {
    let invalid = |detail: &str| RuleError::new("certificate_number_invalid", detail.to_string()).on("number");
    let number: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let bytes = number.as_bytes();
    if bytes.len() != NUMBER_LEN || !number.starts_with("ZY") {
        return Err(invalid("a certificate number is ZY followed by 19 characters"));
    }
    let digits = &bytes[2..20];
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid("characters 3 to 20 must be digits"));
    }
    if mod11_2(digits) != char::from(bytes[20]) {
        return Err(invalid("the check character does not match"));
    }
    Ok(number)
}

/// Which of a volunteer's effective records a certificate covers: service
/// days from `from` to `to` (both included, either open), and optionally
/// only one organization's records ("whoever records certifies").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub organization_id: Option<i64>,
}

impl Coverage {
    /// Refuses a range that ends before it starts (`date_range_invalid`) or
    /// that starts after `today` (`date_in_future`).
    pub fn new(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        organization_id: Option<i64>,
        today: NaiveDate,
    ) -> Result<Coverage, RuleError> {
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            return Err(RuleError::new("date_range_invalid", "the end date is before the start date").on("to"));
        }
        if from.is_some_and(|from| from > today) {
            return Err(RuleError::new("date_in_future", "a certificate covers service already done").on("from"));
        }
        Ok(Coverage {
            from,
            to,
            organization_id,
        })
    }

    /// Whether a record of this day and organization falls under the coverage.
    pub fn covers(&self, service_day: NaiveDate, organization_id: i64) -> bool {
        self.from.is_none_or(|from| service_day >= from)
            && self.to.is_none_or(|to| service_day <= to)
            && self.organization_id.is_none_or(|id| id == organization_id)
    }
}

/// One record as a certificate states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertifiedRecord {
    pub record_id: i64,
    pub service_day: NaiveDate,
    pub activity: String,
    /// 服务内容: the activity's category.
    pub content: String,
    pub organization_id: i64,
    pub organization: String,
    /// `credit` or `honor`.
    pub hour_kind: String,
    pub minutes: i64,
}

/// The holder as the certificate names them (the ID number already masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertifiedHolder {
    pub volunteer_id: i64,
    pub name: String,
    pub id_type: String,
    pub masked_id: String,
    pub volunteer_no: String,
}

/// The issuer block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertifiedIssuer {
    pub name: String,
    pub person_in_charge: String,
    pub handling_officer: String,
    pub contact: String,
}

/// Everything a certificate says, frozen when it is issued and kept with it:
/// the verification page shows this and compares it with the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub number: String,
    pub issued_on: NaiveDate,
    pub holder: CertifiedHolder,
    pub coverage: Coverage,
    pub records: Vec<CertifiedRecord>,
    pub issuer: CertifiedIssuer,
}

impl Snapshot {
    /// Credit minutes stated (attendance).
    pub fn credit_minutes(&self) -> i64 {
        self.minutes_of("credit")
    }

    /// Honor minutes stated (entered by hand).
    pub fn honor_minutes(&self) -> i64 {
        self.minutes_of("honor")
    }

    fn minutes_of(&self, kind: &str) -> i64 {
        self.records
            .iter()
            .filter(|r| r.hour_kind == kind)
            .map(|r| r.minutes)
            .sum()
    }
}

/// An effective record that a certificate could state, and whether its
/// organization is verified (the hours of an unverified one count nowhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certifiable {
    pub record: CertifiedRecord,
    pub organization_verified: bool,
}

/// The records a certificate with this coverage states: the covered ones
/// among the volunteer's effective records of verified organizations,
/// oldest first. Refuses `no_effective_hours` when none is left, since a
/// certificate of nothing certifies nothing.
pub fn select_records(
    effective: impl IntoIterator<Item = Certifiable>,
    coverage: &Coverage,
) -> Result<Vec<CertifiedRecord>, RuleError> {
    let mut records: Vec<CertifiedRecord> = effective
        .into_iter()
        .filter(|c| c.organization_verified)
        .map(|c| c.record)
        .filter(|r| r.minutes > 0 && coverage.covers(r.service_day, r.organization_id))
        .collect();
    if records.is_empty() {
        return Err(RuleError::new(
            "no_effective_hours",
            "there are no effective hours to certify in this range",
        ));
    }
    records.sort_by_key(|r| (r.service_day, r.record_id));
    Ok(records)
}

/// Where a certificate and the ledger part ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discrepancy {
    /// The ledger has no entry for a record the certificate states.
    UnknownRecord { record_id: i64 },
    /// The record was revoked (or otherwise left the effective state).
    NoLongerEffective { record_id: i64, state: String },
    /// The record's minutes changed since the certificate was issued.
    MinutesChanged { record_id: i64, stated: i64, ledger: i64 },
    /// The volunteer's hash chain is broken: no figure of theirs can be trusted.
    ChainBroken,
}

impl Discrepancy {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Discrepancy::UnknownRecord { .. } => "record_unknown",
            Discrepancy::NoLongerEffective { .. } => "record_no_longer_effective",
            Discrepancy::MinutesChanged { .. } => "minutes_changed",
            Discrepancy::ChainBroken => "ledger_chain_broken",
        }
    }

    /// The record concerned, if one.
    pub fn record_id(&self) -> Option<i64> {
        match self {
            Discrepancy::UnknownRecord { record_id }
            | Discrepancy::NoLongerEffective { record_id, .. }
            | Discrepancy::MinutesChanged { record_id, .. } => Some(*record_id),
            Discrepancy::ChainBroken => None,
        }
    }
}

/// The state and minutes of one record after its last ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerState {
    pub state: String,
    pub minutes: i64,
}

/// Compares what a certificate states with the volunteer's ledger: `latest`
/// holds each record's state after its last entry, `chain_intact` whether
/// the volunteer's chain verified. No discrepancy means the ledger agrees.
/// Records added after issue do not matter: a certificate states a past.
pub fn compare(snapshot: &Snapshot, latest: &HashMap<i64, LedgerState>, chain_intact: bool) -> Vec<Discrepancy> {
    let mut found = Vec::new();
    if !chain_intact {
        found.push(Discrepancy::ChainBroken);
    }
    for record in &snapshot.records {
        match latest.get(&record.record_id) {
            None => found.push(Discrepancy::UnknownRecord {
                record_id: record.record_id,
            }),
            Some(now) if now.state != RecordState::Effective.as_str() => found.push(Discrepancy::NoLongerEffective {
                record_id: record.record_id,
                state: now.state.clone(),
            }),
            Some(now) if now.minutes != record.minutes => found.push(Discrepancy::MinutesChanged {
                record_id: record.record_id,
                stated: record.minutes,
                ledger: now.minutes,
            }),
            Some(_) => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn record(id: i64, d: u32, organization_id: i64, kind: &str, minutes: i64) -> CertifiedRecord {
        CertifiedRecord {
            record_id: id,
            service_day: day(d),
            activity: format!("活动{id}"),
            content: "关爱留守老人".into(),
            organization_id,
            organization: format!("组织{organization_id}"),
            hour_kind: kind.into(),
            minutes,
        }
    }

    fn snapshot(records: Vec<CertifiedRecord>) -> Snapshot {
        Snapshot {
            number: compose_number("360111", day(29), 12345678),
            issued_on: day(29),
            holder: CertifiedHolder {
                volunteer_id: 7,
                name: "张三".into(),
                id_type: "居民身份证".into(),
                masked_id: "3601**********1234".into(),
                volunteer_no: "V36011126110000421".into(),
            },
            coverage: Coverage::default(),
            records,
            issuer: CertifiedIssuer {
                name: "青山湖区志愿服务平台".into(),
                person_in_charge: "李四".into(),
                handling_officer: "自助出具".into(),
                contact: "0791-0000000".into(),
            },
        }
    }

    #[test]
    fn numbers_have_the_documented_shape() {
        let number = compose_number("360111", day(29), 42);
        assert_eq!(number.len(), NUMBER_LEN);
        assert!(number.starts_with("ZY360111261100000042"), "{number}");
        assert_eq!(parse_number(&number).unwrap(), number);
        assert_eq!(parse_number(&format!(" {} ", number.to_lowercase())).unwrap(), number);
        for bad in [
            "",
            "ZY",
            "XY3601112611000000420",
            "ZY36011126110000004A0",
            &number[..20],
        ] {
            assert_eq!(
                parse_number(bad).unwrap_err().code,
                "certificate_number_invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn coverage_refuses_backward_and_future_ranges() {
        assert_eq!(
            Coverage::new(Some(day(5)), Some(day(4)), None, day(29))
                .unwrap_err()
                .code,
            "date_range_invalid"
        );
        assert_eq!(
            Coverage::new(Some(day(30)), None, None, day(29)).unwrap_err().code,
            "date_in_future"
        );
        let coverage = Coverage::new(Some(day(3)), Some(day(5)), Some(9), day(29)).unwrap();
        assert!(coverage.covers(day(3), 9) && coverage.covers(day(5), 9));
        assert!(!coverage.covers(day(2), 9) && !coverage.covers(day(6), 9) && !coverage.covers(day(4), 8));
        assert!(Coverage::default().covers(day(1), 1));
    }

    #[test]
    fn selection_keeps_covered_records_with_hours_in_day_order() {
        let coverage = Coverage::new(Some(day(2)), None, Some(1), day(29)).unwrap();
        let verified = |record| Certifiable {
            record,
            organization_verified: true,
        };
        let picked = select_records(
            [
                verified(record(3, 9, 1, "credit", 60)),
                verified(record(1, 1, 1, "credit", 60)),
                verified(record(2, 4, 2, "credit", 60)),
                verified(record(4, 3, 1, "honor", 90)),
                verified(record(5, 5, 1, "credit", 0)),
                Certifiable {
                    record: record(6, 6, 1, "credit", 60),
                    organization_verified: false,
                },
            ],
            &coverage,
        )
        .unwrap();
        assert_eq!(picked.iter().map(|r| r.record_id).collect::<Vec<_>>(), vec![4, 3]);
        let stated = snapshot(picked);
        assert_eq!((stated.credit_minutes(), stated.honor_minutes()), (60, 90));
        assert_eq!(
            select_records([verified(record(1, 1, 1, "credit", 60))], &coverage)
                .unwrap_err()
                .code,
            "no_effective_hours"
        );
    }

    #[test]
    fn the_ledger_agrees_until_a_record_changes() {
        let stated = snapshot(vec![record(1, 1, 1, "credit", 60), record(2, 2, 1, "honor", 30)]);
        let mut latest: HashMap<i64, LedgerState> = HashMap::from([
            (
                1,
                LedgerState {
                    state: "effective".into(),
                    minutes: 60,
                },
            ),
            (
                2,
                LedgerState {
                    state: "effective".into(),
                    minutes: 30,
                },
            ),
            (
                3,
                LedgerState {
                    state: "revoked".into(),
                    minutes: 10,
                },
            ),
        ]);
        assert!(compare(&stated, &latest, true).is_empty());
        assert_eq!(compare(&stated, &latest, false), vec![Discrepancy::ChainBroken]);
        latest.insert(
            1,
            LedgerState {
                state: "revoked".into(),
                minutes: 60,
            },
        );
        latest.insert(
            2,
            LedgerState {
                state: "effective".into(),
                minutes: 45,
            },
        );
        let found = compare(&stated, &latest, true);
        assert_eq!(
            found.iter().map(Discrepancy::code).collect::<Vec<_>>(),
            vec!["record_no_longer_effective", "minutes_changed"]
        );
        latest.remove(&2);
        assert_eq!(
            compare(&stated, &latest, true)[1],
            Discrepancy::UnknownRecord { record_id: 2 }
        );
    }

    #[test]
    fn snapshots_survive_json() {
        let stated = snapshot(vec![record(1, 1, 1, "credit", 60)]);
        let json = serde_json::to_string(&stated).unwrap();
        assert_eq!(serde_json::from_str::<Snapshot>(&json).unwrap(), stated);
    }

    proptest! {
        #[test]
        fn every_single_digit_corruption_is_caught(
            county in 110000u32..660000, serial in 0u32..SERIAL_SPACE, position in 2usize..20, delta in 1u8..10,
        ) {
            let number = compose_number(&county.to_string(), day(1), serial);
            prop_assert!(parse_number(&number).is_ok());
            let mut bytes = number.into_bytes();
            bytes[position] = b'0' + ((bytes[position] - b'0' + delta) % 10);
            prop_assert!(parse_number(&String::from_utf8(bytes).unwrap()).is_err());
        }
    }
}
