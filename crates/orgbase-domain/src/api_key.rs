//! API keys: 32 random bytes from the OS, shown once as `ob_` and 64 hex digits, stored only
//! as a SHA-256 hash beside a short public prefix that finds the candidates to compare.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::change::Version;
use crate::ids::{ApiKeyId, UserId};
use crate::time::Timestamp;

const SCHEME: &str = "ob_";
/// Hex digits of the secret shown as the public prefix: enough to tell keys apart and to
/// find a key with an index, far too few to guess the rest (64 digits in all).
const PREFIX_DIGITS: usize = 12;

/// A stored key: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub user_id: UserId,
    pub name: String,
    /// `ob_` and the first 12 hex digits, to tell keys apart.
    pub prefix: String,
    /// Hex SHA-256 of the whole secret.
    pub secret_hash: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    /// Set by the store when written (`last_used_at` is bookkeeping and keeps it).
    pub version: Version,
}

/// A secret as issued, shown once. `Debug` and `Display` never print it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    /// 32 bytes from the operating system's RNG.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Self(format!("{SCHEME}{}", hex(&bytes))))
    }

    /// A secret chosen by the operator (`ORGBASE_BOOTSTRAP_KEY`). Any non-blank text.
    pub fn chosen(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty()).then(|| Self(text.to_owned()))
    }

    /// The text to give the user, once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn prefix(&self) -> String {
        prefix_of(&self.0)
    }

    pub fn hash(&self) -> String {
        hash_of(&self.0)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The public prefix of presented key text (whatever its shape).
pub fn prefix_of(text: &str) -> String {
    text.chars().take(SCHEME.len() + PREFIX_DIGITS).collect()
}

/// The hash a key is stored under: what the presented text must hash to.
pub fn hash_of(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

impl ApiKey {
    /// A new key record for `secret`.
    pub fn issue(user_id: UserId, name: String, secret: &Secret, now: Timestamp) -> Self {
        Self {
            id: ApiKeyId::generate(),
            user_id,
            name,
            prefix: secret.prefix(),
            secret_hash: secret.hash(),
            created_at: now,
            last_used_at: None,
            version: 0,
        }
    }

    /// Whether `presented` is this key's secret, compared in constant time.
    pub fn verifies(&self, presented: &str) -> bool {
        hash_of(presented)
            .as_bytes()
            .ct_eq(self.secret_hash.as_bytes())
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_prefixed_and_verify_only_themselves() {
        let a = Secret::generate().unwrap();
        let b = Secret::generate().unwrap();
        assert_ne!(a, b);
        assert!(a.expose().starts_with("ob_"));
        assert_eq!(a.expose().len(), 3 + 64);
        assert!(a.expose()[3..].bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a.prefix(), a.expose()[..15]);
        let key = ApiKey::issue(UserId::generate(), "ci".into(), &a, crate::time::now());
        assert!(key.verifies(a.expose()));
        assert!(!key.verifies(b.expose()));
        assert!(!key.verifies(&a.expose()[..66]));
        assert!(
            !format!("{a:?} {key:?}").contains(&a.expose()[15..]),
            "Debug never shows the secret"
        );
    }

    #[test]
    fn chosen_secrets_must_not_be_blank() {
        assert!(Secret::chosen("  ").is_none());
        assert_eq!(Secret::chosen(" s3cret ").unwrap().expose(), "s3cret");
    }
}
