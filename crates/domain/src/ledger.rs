//! The hours ledger's chain. Every change to a volunteer's hours is a new
//! entry; each entry carries a keyed MAC (HMAC-SHA-256 with a key kept
//! outside the database) over its fields and the previous entry's MAC, so
//! that editing, inserting or deleting a row breaks the chain from that row
//! on, and someone who can write to the database but has no key cannot
//! compute a chain that holds. An entry covers everything a certificate
//! prints about a record: activity, day, hour kind, times, minutes, state.
//! The head (last sequence and MAC) is kept beside the volunteer's totals,
//! so a cut-off tail shows too.
//!
//! Chains written before the key existed ("v1") were unkeyed SHA-256 over
//! fewer fields; [`v1_entry_hash`] reads them once, to move them onto the
//! keyed chain.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The MAC before a volunteer's first entry.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// The key of the ledger's MACs (derived from the installation's key file).
#[derive(Clone)]
pub struct LedgerKey([u8; 32]);

impl LedgerKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        LedgerKey(bytes)
    }
}

impl std::fmt::Debug for LedgerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LedgerKey(..)")
    }
}

/// The fields of one ledger entry that its MAC covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFields<'a> {
    pub volunteer_id: i64,
    pub seq: i64,
    pub record_id: i64,
    pub activity_id: i64,
    /// The service day, `YYYY-MM-DD` (China time).
    pub service_day: &'a str,
    /// The record's counted span after the event (epoch ms).
    pub from_ms: i64,
    pub to_ms: i64,
    /// What happened: closed, entered, confirmed, refused, revoked, ...
    pub event: &'a str,
    /// The record's state after the event.
    pub state: &'a str,
    /// `credit` or `honor`.
    pub hour_kind: &'a str,
    /// The record's minutes after the event.
    pub minutes: i64,
    /// The change to the volunteer's effective minutes.
    pub effective_delta: i64,
    pub at_ms: i64,
    pub actor_user_id: Option<i64>,
    pub reason: &'a str,
}

/// The MAC of an entry chained to `previous`.
pub fn entry_mac(key: &LedgerKey, previous: &[u8; 32], entry: &EntryFields<'_>) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.0).expect("HMAC takes a key of any length");
    mac.update(b"zhiyuan-ledger-v2");
    mac.update(previous);
    for number in [
        entry.volunteer_id,
        entry.seq,
        entry.record_id,
        entry.activity_id,
        entry.from_ms,
        entry.to_ms,
        entry.minutes,
        entry.effective_delta,
        entry.at_ms,
        entry.actor_user_id.unwrap_or(-1),
    ] {
        mac.update(&number.to_be_bytes());
    }
    // Text fields are length-prefixed so that no two entries encode alike.
    for text in [
        entry.service_day,
        entry.event,
        entry.state,
        entry.hour_kind,
        entry.reason,
    ] {
        mac.update(&(text.len() as u64).to_be_bytes());
        mac.update(text.as_bytes());
    }
    mac.finalize().into_bytes().into()
}

/// The unkeyed hash of the first ledger format, over the fields it covered
/// (volunteer, sequence, record, minutes, delta, time, actor, event, state,
/// hour kind, reason); read only to move old chains onto the keyed one.
pub fn v1_entry_hash(previous: &[u8; 32], entry: &EntryFields<'_>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"zhiyuan-ledger-v1");
    hasher.update(previous);
    for number in [
        entry.volunteer_id,
        entry.seq,
        entry.record_id,
        entry.minutes,
        entry.effective_delta,
        entry.at_ms,
        entry.actor_user_id.unwrap_or(-1),
    ] {
        hasher.update(number.to_be_bytes());
    }
    for text in [entry.event, entry.state, entry.hour_kind, entry.reason] {
        hasher.update((text.len() as u64).to_be_bytes());
        hasher.update(text.as_bytes());
    }
    hasher.finalize().into()
}

/// A place where a volunteer's chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub volunteer_id: i64,
    pub seq: i64,
    pub problem: String,
}

/// One stored entry: its fields and the MACs stored beside them.
#[derive(Debug, Clone)]
pub struct StoredEntry<'a> {
    pub fields: EntryFields<'a>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// Checks one volunteer's entries (in sequence order) against themselves,
/// with the key, and against the head kept with the totals (`None` when
/// the volunteer has no head, i.e. should have no entries).
pub fn verify_chain(
    key: &LedgerKey,
    volunteer_id: i64,
    entries: &[StoredEntry<'_>],
    head: Option<(i64, &[u8])>,
) -> Vec<BrokenLink> {
    verify_chain_with(volunteer_id, entries, head, |previous, fields| {
        entry_mac(key, previous, fields)
    })
}

/// [`verify_chain`] for a chain of the first, unkeyed format.
pub fn verify_v1_chain(volunteer_id: i64, entries: &[StoredEntry<'_>], head: Option<(i64, &[u8])>) -> Vec<BrokenLink> {
    verify_chain_with(volunteer_id, entries, head, v1_entry_hash)
}

fn verify_chain_with(
    volunteer_id: i64,
    entries: &[StoredEntry<'_>],
    head: Option<(i64, &[u8])>,
    link: impl Fn(&[u8; 32], &EntryFields<'_>) -> [u8; 32],
) -> Vec<BrokenLink> {
    let mut broken = Vec::new();
    let mut previous = GENESIS;
    let mut expected_seq = 1;
    for entry in entries {
        let seq = entry.fields.seq;
        let mut problem = |text: String| {
            broken.push(BrokenLink {
                volunteer_id,
                seq,
                problem: text,
            })
        };
        if seq != expected_seq {
            problem(format!("expected entry {expected_seq}, found {seq}"));
        }
        if entry.prev_hash != previous {
            problem("does not follow the entry before it".into());
        }
        let computed = link(&previous, &entry.fields);
        if entry.hash != computed {
            problem("its fields do not match its MAC (edited)".into());
        }
        previous = entry.hash.as_slice().try_into().unwrap_or(computed);
        expected_seq = seq + 1;
    }
    let last = entries.last().map(|entry| (entry.fields.seq, entry.hash.as_slice()));
    if last != head {
        broken.push(BrokenLink {
            volunteer_id,
            seq: last.map_or(0, |(seq, _)| seq),
            problem: match head {
                Some((seq, _)) => format!("the chain should end at entry {seq} with the recorded head"),
                None => "entries exist but no head was recorded".into(),
            },
        });
    }
    broken
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> LedgerKey {
        LedgerKey::new([5u8; 32])
    }

    fn fields(seq: i64, minutes: i64) -> EntryFields<'static> {
        EntryFields {
            volunteer_id: 7,
            seq,
            record_id: 100 + seq,
            activity_id: 9,
            service_day: "2026-12-05",
            from_ms: 1_790_000_000_000,
            to_ms: 1_790_000_000_000 + minutes * 60_000,
            event: "confirmed",
            state: "effective",
            hour_kind: "credit",
            minutes,
            effective_delta: minutes,
            at_ms: 1_790_000_000_000 + seq,
            actor_user_id: Some(3),
            reason: "",
        }
    }

    fn chain_with(n: i64, link: impl Fn(&[u8; 32], &EntryFields<'_>) -> [u8; 32]) -> Vec<StoredEntry<'static>> {
        let mut previous = GENESIS;
        (1..=n)
            .map(|seq| {
                let fields = fields(seq, 60 * seq);
                let hash = link(&previous, &fields);
                let entry = StoredEntry {
                    fields,
                    prev_hash: previous.to_vec(),
                    hash: hash.to_vec(),
                };
                previous = hash;
                entry
            })
            .collect()
    }

    fn chain(n: i64) -> Vec<StoredEntry<'static>> {
        chain_with(n, |previous, fields| entry_mac(&key(), previous, fields))
    }

    fn head(entries: &[StoredEntry<'_>]) -> Option<(i64, Vec<u8>)> {
        entries.last().map(|e| (e.fields.seq, e.hash.clone()))
    }

    fn check(entries: &[StoredEntry<'_>], head: &Option<(i64, Vec<u8>)>) -> Vec<BrokenLink> {
        verify_chain(
            &key(),
            7,
            entries,
            head.as_ref().map(|(seq, hash)| (*seq, hash.as_slice())),
        )
    }

    #[test]
    fn an_untouched_chain_holds() {
        let entries = chain(5);
        assert!(check(&entries, &head(&entries)).is_empty());
        assert!(check(&[], &None).is_empty());
    }

    #[test]
    fn an_edited_field_is_found() {
        let entries = chain(5);
        let recorded_head = head(&entries);
        let mut edited = entries.clone();
        edited[2].fields.minutes = 6000;
        let broken = check(&edited, &recorded_head);
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].seq, 3);
        // Re-computing the edited row moves the break to the next one.
        let mut rehashed = entries.clone();
        rehashed[2].fields.minutes = 6000;
        rehashed[2].hash = entry_mac(&key(), &GENESIS, &rehashed[2].fields).to_vec();
        assert!(!check(&rehashed, &recorded_head).is_empty());
    }

    #[test]
    fn without_the_key_no_chain_holds() {
        // Whoever writes to the database but has no key: a chain computed
        // with the unkeyed hash, or with another key, is found at once.
        let forged = chain_with(3, v1_entry_hash);
        assert_eq!(check(&forged, &head(&forged)).len(), 3);
        let other_key = LedgerKey::new([6u8; 32]);
        let forged = chain_with(3, |previous, fields| entry_mac(&other_key, previous, fields));
        assert_eq!(check(&forged, &head(&forged)).len(), 3);
        // A chain of the first format is read by its own rule.
        let old = chain_with(3, v1_entry_hash);
        assert!(verify_v1_chain(7, &old, head(&old).as_ref().map(|(s, h)| (*s, h.as_slice()))).is_empty());
    }

    #[test]
    fn deleted_rows_are_found() {
        let entries = chain(5);
        let recorded_head = head(&entries);
        let mut missing_middle = entries.clone();
        missing_middle.remove(1);
        assert!(!check(&missing_middle, &recorded_head).is_empty());
        let truncated = entries[..4].to_vec();
        let broken = check(&truncated, &recorded_head);
        assert_eq!(broken.len(), 1, "{broken:?}");
        assert!(!check(&entries, &None).is_empty());
    }

    #[test]
    fn every_field_a_certificate_prints_is_covered() {
        let base = fields(1, 60);
        let original = entry_mac(&key(), &GENESIS, &base);
        let variants = [
            EntryFields {
                volunteer_id: 8,
                ..base.clone()
            },
            EntryFields {
                record_id: 1,
                ..base.clone()
            },
            EntryFields {
                activity_id: 10,
                ..base.clone()
            },
            EntryFields {
                service_day: "2026-12-06",
                ..base.clone()
            },
            EntryFields {
                from_ms: base.from_ms - 1,
                ..base.clone()
            },
            EntryFields {
                to_ms: base.to_ms + 1,
                ..base.clone()
            },
            EntryFields {
                event: "revoked",
                ..base.clone()
            },
            EntryFields {
                state: "revoked",
                ..base.clone()
            },
            EntryFields {
                hour_kind: "honor",
                ..base.clone()
            },
            EntryFields {
                minutes: 61,
                ..base.clone()
            },
            EntryFields {
                effective_delta: 0,
                ..base.clone()
            },
            EntryFields {
                at_ms: 0,
                ..base.clone()
            },
            EntryFields {
                actor_user_id: None,
                ..base.clone()
            },
            EntryFields {
                reason: "x",
                ..base.clone()
            },
        ];
        for variant in variants {
            assert_ne!(entry_mac(&key(), &GENESIS, &variant), original, "{variant:?}");
        }
        assert_ne!(entry_mac(&key(), &[1u8; 32], &base), original);
    }
}
