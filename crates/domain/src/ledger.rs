//! The hours ledger's hash chain. Every change to a volunteer's hours is a
//! new entry; each entry's hash covers its fields and the previous entry's
//! hash, so editing, inserting or deleting a row behind the application's
//! back breaks the chain from that row on. The head (last sequence and
//! hash) is kept beside the volunteer's totals, so a cut-off tail shows too.

use sha2::{Digest, Sha256};

/// The hash before a volunteer's first entry.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// The fields of one ledger entry that its hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFields<'a> {
    pub volunteer_id: i64,
    pub seq: i64,
    pub record_id: i64,
    /// What happened: created, confirmed, refused, revoked, ...
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

/// The hash of an entry chained to `previous`.
pub fn entry_hash(previous: &[u8; 32], entry: &EntryFields<'_>) -> [u8; 32] {
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
    // Text fields are length-prefixed so that no two entries encode alike.
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

/// One stored entry: its fields and the hashes stored beside them.
#[derive(Debug, Clone)]
pub struct StoredEntry<'a> {
    pub fields: EntryFields<'a>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// Checks one volunteer's entries (in sequence order) against themselves
/// and against the head kept with the totals (`None` when the volunteer
/// has no head, i.e. should have no entries).
pub fn verify_chain(volunteer_id: i64, entries: &[StoredEntry<'_>], head: Option<(i64, &[u8])>) -> Vec<BrokenLink> {
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
        let computed = entry_hash(&previous, &entry.fields);
        if entry.hash != computed {
            problem("its fields do not match its hash (edited)".into());
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

    fn fields(seq: i64, minutes: i64) -> EntryFields<'static> {
        EntryFields {
            volunteer_id: 7,
            seq,
            record_id: 100 + seq,
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

    fn chain(n: i64) -> Vec<StoredEntry<'static>> {
        let mut previous = GENESIS;
        (1..=n)
            .map(|seq| {
                let fields = fields(seq, 60 * seq);
                let hash = entry_hash(&previous, &fields);
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

    fn head(entries: &[StoredEntry<'_>]) -> Option<(i64, Vec<u8>)> {
        entries.last().map(|e| (e.fields.seq, e.hash.clone()))
    }

    fn check(entries: &[StoredEntry<'_>], head: &Option<(i64, Vec<u8>)>) -> Vec<BrokenLink> {
        verify_chain(7, entries, head.as_ref().map(|(seq, hash)| (*seq, hash.as_slice())))
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
        // Re-hashing the edited row moves the break to the next one.
        let mut rehashed = entries.clone();
        rehashed[2].fields.minutes = 6000;
        rehashed[2].hash = entry_hash(&GENESIS, &rehashed[2].fields).to_vec();
        assert!(!check(&rehashed, &recorded_head).is_empty());
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
    fn every_field_is_covered() {
        let base = fields(1, 60);
        let original = entry_hash(&GENESIS, &base);
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
            assert_ne!(entry_hash(&GENESIS, &variant), original, "{variant:?}");
        }
        assert_ne!(entry_hash(&[1u8; 32], &base), original);
    }
}
