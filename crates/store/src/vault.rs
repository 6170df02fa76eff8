//! Sealing personal data at rest: AES-256-GCM for ID numbers and phones, and a
//! keyed hash (HMAC-SHA-256) so that sealed values can still be looked up.
//!
//! The key file holds 32 random bytes in hex; the encryption key and the
//! lookup key are derived from it with distinct labels, so a leaked lookup
//! hash says nothing about the encryption key.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

/// Version tag written before every sealed value, for key rotation.
const SEAL_VERSION: &str = "v1";

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
}

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
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let bytes = hex::decode(text.trim()).map_err(|_| error("expected 64 hex digits".into()))?;
        let master: [u8; 32] = bytes.try_into().map_err(|_| error("expected 64 hex digits".into()))?;
        Ok(Self::from_master_key(&master))
    }

    /// Encrypts `plain` under a random nonce: `v1:` + base64(nonce ‖ ciphertext).
    pub fn seal(&self, plain: &str) -> String {
        // ThreadRng is a CSPRNG seeded from the OS: unique nonces without a
        // system call per value.
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("AES-GCM encryption of a short value cannot fail");
        let mut out = Vec::with_capacity(12 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{SEAL_VERSION}:{}", STANDARD_NO_PAD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> Result<String, VaultError> {
        let body = sealed
            .strip_prefix(SEAL_VERSION)
            .and_then(|rest| rest.strip_prefix(':'))
            .ok_or(VaultError::Open)?;
        let bytes = STANDARD_NO_PAD.decode(body).map_err(|_| VaultError::Open)?;
        if bytes.len() < 12 {
            return Err(VaultError::Open);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| VaultError::Open)?;
        String::from_utf8(plain).map_err(|_| VaultError::Open)
    }

    /// The key that signs rotating check-in tokens: derived from the master
    /// key, so every server process of an installation agrees on it.
    pub fn checkin_key(&self) -> [u8; 32] {
        self.checkin_key
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

    #[test]
    fn seals_open_and_hashes_are_keyed() {
        let vault = Vault::from_master_key(&[7u8; 32]);
        let sealed = vault.seal("11010519491231002X");
        assert!(!sealed.contains("1101"));
        assert_eq!(vault.open(&sealed).unwrap(), "11010519491231002X");
        assert_ne!(vault.seal("same"), vault.seal("same"), "nonces differ");
        assert_eq!(vault.lookup_hash("id", "x"), vault.lookup_hash("id", "x"));
        assert_ne!(vault.lookup_hash("id", "x"), vault.lookup_hash("phone", "x"));
        let other = Vault::from_master_key(&[8u8; 32]);
        assert!(other.open(&sealed).is_err());
        assert_ne!(other.lookup_hash("id", "x"), vault.lookup_hash("id", "x"));
    }

    #[test]
    fn key_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zhiyuan.key");
        assert!(Vault::load_or_create(&path, false).is_err());
        let first = Vault::load_or_create(&path, true).unwrap();
        let second = Vault::load_or_create(&path, true).unwrap();
        assert_eq!(first.lookup_hash("id", "x"), second.lookup_hash("id", "x"));
    }
}
