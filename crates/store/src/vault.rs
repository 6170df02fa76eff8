//! Sealing personal data at rest: AES-256-GCM for ID numbers and phones,
//! bound to the table, column and row each value lives in, and a keyed hash
//! (HMAC-SHA-256) so that sealed values can still be looked up.
//!
//! The key file holds 32 random bytes in hex; the encryption key and the
//! lookup key are derived from it with distinct labels, so a leaked lookup
//! hash says nothing about the encryption key.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

/// Version tag written before every sealed value: `v2` values are bound
/// to their place; `v1` values (sealed before places were bound) are only
/// read to be sealed again (`Store::migrate`).
const SEAL_VERSION: &str = "v2";
const LEGACY_SEAL_VERSION: &str = "v1";

/// Where a sealed value lives: its table, its column and its row (the row's
/// lookup hash, which is known before the row is written). It is bound into
/// the encryption as associated data, so that a value copied to another
/// row, column or table no longer opens.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub table: &'static str,
    pub column: &'static str,
    pub row: &'a [u8],
}

impl<'a> Place<'a> {
    /// A login's phone, in the row of its phone's lookup hash.
    pub fn user_phone(phone_hash: &'a [u8]) -> Self {
        Place {
            table: "users",
            column: "phone_sealed",
            row: phone_hash,
        }
    }

    /// A volunteer's `id_sealed`, `phone_sealed` or `guardian_phone_sealed`,
    /// in the row of their ID number's lookup hash.
    pub fn volunteer(column: &'static str, id_hash: &'a [u8]) -> Self {
        Place {
            table: "volunteers",
            column,
            row: id_hash,
        }
    }

    /// A message's `phone_sealed` or `payload`, in the row of its
    /// recipient's phone lookup hash.
    pub fn outbox(column: &'static str, phone_hash: &'a [u8]) -> Self {
        Place {
            table: "outbox",
            column,
            row: phone_hash,
        }
    }

    /// An appellant's phone, in the row of the appealed ID number's lookup hash.
    pub fn appeal_phone(id_hash: &'a [u8]) -> Self {
        Place {
            table: "id_appeals",
            column: "phone_sealed",
            row: id_hash,
        }
    }

    /// The contact phone of an order a site placed for someone, in the
    /// row of that phone's lookup hash.
    pub fn order_contact(phone_hash: &'a [u8]) -> Self {
        Place {
            table: "orders",
            column: "contact_phone_sealed",
            row: phone_hash,
        }
    }

    fn associated_data(&self) -> Vec<u8> {
        format!("zhiyuan/{}/{}/{}", self.table, self.column, hex::encode(self.row)).into_bytes()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("a sealed value could not be opened (wrong key or damaged data)")]
    Open,
}

/// Seals and opens personal data; computes lookup hashes.
#[derive(Clone)]
pub struct Vault {
    cipher: Aes256Gcm,
    lookup_key: [u8; 32],
    checkin_key: [u8; 32],
    ledger_key: [u8; 32],
}

/// One key of the installation: HMAC-SHA-256 of the master key over the
/// key's label. This is HKDF-Expand of RFC 5869 for one block without the
/// block counter, with the extract step skipped as §3.3 allows for a
/// uniformly random key: a PRF on distinct labels. It is kept rather than
/// the `hkdf` crate because every stored lookup hash, every sealed value and
/// the append-only ledger's MAC chain depend on these exact bytes (see
/// docs/security.md, "Keys"); `derived_keys_never_change` pins them.
fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl Vault {
    pub fn from_master_key(master: &[u8; 32]) -> Self {
        let encryption_key = derive(master, b"zhiyuan/seal/v1");
        Self {
            cipher: Aes256Gcm::new_from_slice(&encryption_key).expect("32-byte key"),
            lookup_key: derive(master, b"zhiyuan/lookup/v1"),
            checkin_key: derive(master, b"zhiyuan/checkin/v1"),
            ledger_key: derive(master, b"zhiyuan/ledger/v1"),
        }
    }

    /// Reads the key file, or creates it with a fresh random key when
    /// `create` is set and it does not exist.
    pub fn load_or_create(path: &Path, create: bool) -> Result<Self, VaultError> {
        let error = |reason: String| VaultError::KeyFile {
            path: path.display().to_string(),
            reason,
        };
        if !path.exists() {
            if !create {
                return Err(error("not found; run `zhiyuan demo` or set ZHIYUAN_KEY_FILE".into()));
            }
            let mut master = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut master);
            write_private(path, &hex::encode(master)).map_err(|e| error(e.to_string()))?;
        }
        if let Some(mode) = readable_by_others(path) {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{mode:o}"),
                "the key file can be read by other users of this machine: chmod 600 it"
            );
        }
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let bytes = hex::decode(text.trim()).map_err(|_| error("expected 64 hex digits".into()))?;
        let master: [u8; 32] = bytes.try_into().map_err(|_| error("expected 64 hex digits".into()))?;
        Ok(Self::from_master_key(&master))
    }

    /// Encrypts `plain` for `place` under a random nonce:
    /// `v2:` + base64(nonce ‖ ciphertext), the place as associated data.
    pub fn seal(&self, place: Place<'_>, plain: &str) -> String {
        // ThreadRng is a CSPRNG seeded from the OS: unique nonces without a
        // system call per value.
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let aad = place.associated_data();
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("AES-GCM encryption of a short value cannot fail");
        let mut out = Vec::with_capacity(12 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{SEAL_VERSION}:{}", STANDARD_NO_PAD.encode(out))
    }

    /// Opens a value sealed for `place`; a value sealed for another place
    /// (or with another key, or altered) does not open.
    pub fn open(&self, place: Place<'_>, sealed: &str) -> Result<String, VaultError> {
        self.decrypt(SEAL_VERSION, &place.associated_data(), sealed)
    }

    /// A value sealed in the first format, with no place bound, sealed again
    /// for `place`; `None` when it is in the current format already.
    pub(crate) fn reseal_legacy(&self, place: Place<'_>, sealed: &str) -> Result<Option<String>, VaultError> {
        if !sealed.starts_with(LEGACY_SEAL_VERSION) {
            return Ok(None);
        }
        let plain = self.decrypt(LEGACY_SEAL_VERSION, &[], sealed)?;
        Ok(Some(self.seal(place, &plain)))
    }

    /// A value sealed in the first format (no place bound), as a database
    /// written before places were bound holds it: for tests of the upgrade.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn seal_unbound(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("AES-GCM encryption of a short value cannot fail");
        format!(
            "{LEGACY_SEAL_VERSION}:{}",
            STANDARD_NO_PAD.encode([nonce.as_slice(), &sealed].concat())
        )
    }

    fn decrypt(&self, version: &str, aad: &[u8], sealed: &str) -> Result<String, VaultError> {
        let body = sealed
            .strip_prefix(version)
            .and_then(|rest| rest.strip_prefix(':'))
            .ok_or(VaultError::Open)?;
        let bytes = STANDARD_NO_PAD.decode(body).map_err(|_| VaultError::Open)?;
        if bytes.len() < 12 {
            return Err(VaultError::Open);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad })
            .map_err(|_| VaultError::Open)?;
        String::from_utf8(plain).map_err(|_| VaultError::Open)
    }

    /// The key that signs rotating check-in tokens: derived from the master
    /// key, so every server process of an installation agrees on it.
    pub fn checkin_key(&self) -> [u8; 32] {
        self.checkin_key
    }

    /// The key of the hours ledger's MACs: outside the database, so that
    /// someone who can only write to the database cannot forge a chain.
    pub fn ledger_key(&self) -> zhiyuan_domain::ledger::LedgerKey {
        zhiyuan_domain::ledger::LedgerKey::new(self.ledger_key)
    }

    /// The lookup hash of a value of some kind (`"id"`, `"phone"`): equal
    /// values of one kind give equal hashes. 32 bytes, stored as a binary
    /// column so that the unique indexes over them stay small.
    pub fn lookup_hash(&self, kind: &str, value: &str) -> Vec<u8> {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.lookup_key).expect("HMAC takes any key length");
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// The file's permission bits when its group or others may read or write
/// it (Unix); `None` when only its owner may.
pub fn readable_by_others(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(column: &'static str, row: &'a [u8]) -> Place<'a> {
        Place {
            table: "volunteers",
            column,
            row,
        }
    }

    #[test]
    fn seals_open_and_hashes_are_keyed() {
        let vault = Vault::from_master_key(&[7u8; 32]);
        let sealed = vault.seal(at("id_sealed", b"row-1"), "11010519491231002X");
        assert!(!sealed.contains("1101"));
        assert_eq!(
            vault.open(at("id_sealed", b"row-1"), &sealed).unwrap(),
            "11010519491231002X"
        );
        assert_ne!(
            vault.seal(at("id_sealed", b"row-1"), "same"),
            vault.seal(at("id_sealed", b"row-1"), "same"),
            "nonces differ"
        );
        assert_eq!(vault.lookup_hash("id", "x"), vault.lookup_hash("id", "x"));
        assert_ne!(vault.lookup_hash("id", "x"), vault.lookup_hash("phone", "x"));
        let other = Vault::from_master_key(&[8u8; 32]);
        assert!(other.open(at("id_sealed", b"row-1"), &sealed).is_err());
        assert_ne!(other.lookup_hash("id", "x"), vault.lookup_hash("id", "x"));
    }

    #[test]
    fn a_sealed_value_opens_only_where_it_was_sealed() {
        let vault = Vault::from_master_key(&[7u8; 32]);
        let sealed = vault.seal(at("phone_sealed", b"row-1"), "13800000005");
        assert!(
            vault.open(at("phone_sealed", b"row-2"), &sealed).is_err(),
            "another row"
        );
        assert!(
            vault.open(at("guardian_phone_sealed", b"row-1"), &sealed).is_err(),
            "another column"
        );
        let elsewhere = Place {
            table: "users",
            column: "phone_sealed",
            row: b"row-1",
        };
        assert!(vault.open(elsewhere, &sealed).is_err(), "another table");
    }

    #[test]
    fn values_of_the_first_format_are_sealed_again_with_their_place() {
        let vault = Vault::from_master_key(&[7u8; 32]);
        let legacy = vault.seal_unbound("13800000005");
        assert!(
            vault.open(at("phone_sealed", b"row-1"), &legacy).is_err(),
            "not opened as it is"
        );
        let resealed = vault
            .reseal_legacy(at("phone_sealed", b"row-1"), &legacy)
            .unwrap()
            .unwrap();
        assert_eq!(
            vault.open(at("phone_sealed", b"row-1"), &resealed).unwrap(),
            "13800000005"
        );
        assert_eq!(
            vault.reseal_legacy(at("phone_sealed", b"row-1"), &resealed).unwrap(),
            None
        );
    }

    /// Known answers: a change of derivation would orphan every stored
    /// lookup hash and sealed value and break the ledger's chain, so it must
    /// come with versioned keys and a migration, never by accident.
    #[test]
    fn derived_keys_never_change() {
        let master = [7u8; 32];
        let known = [
            (
                &b"zhiyuan/seal/v1"[..],
                "a74e386d375da4911002d10fcb026d0430b762de51be0b1375c95549e88b56b1",
            ),
            (
                b"zhiyuan/lookup/v1",
                "da7aa529cc5113b77a4ca565e5247e76208330bd7cfacf00e766c5fc4588a458",
            ),
            (
                b"zhiyuan/checkin/v1",
                "22bd78dcf09ec3dde65cbb194b7e7a9e750de8aa3be72f79b1b0cb8f0c26a387",
            ),
            (
                b"zhiyuan/ledger/v1",
                "937ab0c1f37b3c923c60351effacf3bc1d1c708b8c00f43c1c8e337d81bd6c70",
            ),
        ];
        for (label, key) in known {
            assert_eq!(
                hex::encode(derive(&master, label)),
                key,
                "{}",
                String::from_utf8_lossy(label)
            );
        }
        let vault = Vault::from_master_key(&master);
        assert_eq!(hex::encode(vault.checkin_key()), known[2].1);
    }

    #[test]
    fn key_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zhiyuan.key");
        assert!(Vault::load_or_create(&path, false).is_err());
        let first = Vault::load_or_create(&path, true).unwrap();
        let second = Vault::load_or_create(&path, true).unwrap();
        assert_eq!(first.lookup_hash("id", "x"), second.lookup_hash("id", "x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(readable_by_others(&path), None, "created for its owner only");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert_eq!(readable_by_others(&path), Some(0o644));
        }
    }
}
