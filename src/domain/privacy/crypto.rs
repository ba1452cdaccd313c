//! The two primitives personal data needs: a keyed hash (HMAC-SHA256, RFC 2104) for
//! pseudonyms and index keys that must not be the raw id, and authenticated encryption
//! (XChaCha20-Poly1305, random 192-bit nonces) for the data itself. The associated data
//! binds each ciphertext to the record and field it belongs to, so a sealed value copied
//! into another record does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

/// Bytes of a key.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

/// A 256-bit secret key. Zeroed when dropped; its `Debug` prints nothing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Key([u8; KEY_LEN]);

impl Key {
    pub fn random() -> Key {
        let mut bytes = [0u8; KEY_LEN];
        rand::thread_rng().fill_bytes(&mut bytes);
        Key(bytes)
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Key {
        Key(bytes)
    }

    pub fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// A key for one purpose, derived from this one (HMAC with the purpose as message),
    /// so one stored secret can serve several uses without them sharing a key.
    pub fn derive(&self, purpose: &str) -> Key {
        Key(hmac_sha256(&self.0, purpose.as_bytes()))
    }

    /// HMAC-SHA256 of `parts`, each length-prefixed so `("ab", "c")` and `("a", "bc")`
    /// differ.
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut message = Vec::with_capacity(parts.iter().map(|p| p.len() + 8).sum());
        for part in parts {
            message.extend_from_slice(&(part.len() as u64).to_be_bytes());
            message.extend_from_slice(part);
        }
        hmac_sha256(&self.0, &message)
    }

    /// Encrypts `plaintext`; `context` must be given again to open it.
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: context,
        };
        // Encryption fails only for messages over 256 GiB.
        let ciphertext = cipher
            .encrypt(XNonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    /// Decrypts what [`Key::seal`] produced with the same `context`; `None` if the key,
    /// the context or the bytes are wrong.
    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .ok()
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(…)")
    }
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex::encode(mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn sealed_data_opens_only_with_its_key_and_context() {
        let key = Key::random();
        let sealed = key.seal(b"text:1", b"hello");
        assert_eq!(key.open(b"text:1", &sealed).as_deref(), Some(&b"hello"[..]));
        assert!(key.open(b"text:2", &sealed).is_none());
        assert!(Key::random().open(b"text:1", &sealed).is_none());
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(key.open(b"text:1", &tampered).is_none());
        assert!(key.open(b"text:1", &sealed[..10]).is_none());
        // Random nonces: the same plaintext never seals to the same bytes.
        assert_ne!(key.seal(b"text:1", b"hello"), sealed);
    }

    #[test]
    fn macs_separate_their_parts() {
        let key = Key::random();
        assert_ne!(key.mac(&[b"ab", b"c"]), key.mac(&[b"a", b"bc"]));
        assert_ne!(key.derive("a"), key.derive("b"));
    }
}
