//! Ed25519 keys: PKCS#8 PEM private keys, SubjectPublicKeyInfo PEM public
//! keys, and key ids (lowercase hex SHA-256 of the public key's DER bytes).

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use accord_rules::pack::hex;

/// A private key that signs.
pub struct SecretKey {
    key: SigningKey,
}

/// A public key that verifies, with its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    id: String,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey")
            .field("key_id", &self.public().id)
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Result<SecretKey, String> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut_slice())
            .map_err(|e| format!("the system's random source failed: {e}"))?;
        Ok(SecretKey {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// A key from a 32-byte seed (for tests and reproducible examples only).
    pub fn from_seed(seed: &[u8; 32]) -> SecretKey {
        SecretKey {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pem(text: &str) -> Result<SecretKey, String> {
        if text.contains("BEGIN ENCRYPTED PRIVATE KEY") {
            return Err(
                "encrypted private keys are not supported; decrypt it first \
                 (openssl pkey -in KEY -out PLAIN)"
                    .into(),
            );
        }
        SigningKey::from_pkcs8_pem(text)
            .map(|key| SecretKey { key })
            .map_err(|e| format!("not an Ed25519 PKCS#8 PEM private key ({e})"))
    }

    /// PKCS#8 v1 (RFC 5208: version 0, no public key inside), the form
    /// OpenSSL and pyca/cryptography read; the v2 form (RFC 5958) that
    /// `SigningKey` writes by default is refused by both.
    pub fn to_pem(&self) -> Result<Zeroizing<String>, String> {
        ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: self.key.to_bytes(),
            public_key: None,
        }
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| format!("cannot encode the private key: {e}"))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey::from_verifying_key(self.key.verifying_key())
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl PublicKey {
    fn from_verifying_key(key: VerifyingKey) -> PublicKey {
        let id = key
            .to_public_key_der()
            .map(|der| hex(&Sha256::digest(der.as_bytes())))
            .unwrap_or_default();
        PublicKey { key, id }
    }

    /// Reads a SubjectPublicKeyInfo PEM public key (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_pem(text: &str) -> Result<PublicKey, String> {
        if text.contains("BEGIN PRIVATE KEY") {
            return Err("this is a private key; give the public key (accord.pub)".into());
        }
        VerifyingKey::from_public_key_pem(text.trim())
            .map(PublicKey::from_verifying_key)
            .map_err(|e| format!("not an Ed25519 SubjectPublicKeyInfo PEM public key ({e})"))
    }

    /// Raw 32 bytes, as other tools (e.g. securesystemslib) exchange Ed25519 keys.
    pub fn from_raw(bytes: &[u8; 32]) -> Result<PublicKey, String> {
        VerifyingKey::from_bytes(bytes)
            .map(PublicKey::from_verifying_key)
            .map_err(|e| format!("not an Ed25519 public key ({e})"))
    }

    pub fn to_pem(&self) -> Result<String, String> {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| format!("cannot encode the public key: {e}"))
    }

    pub fn raw(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER bytes.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Strict verification: refuses non-canonical signatures and weak keys.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        let signature = ed25519_dalek::Signature::from_bytes(&bytes);
        self.key.verify_strict(message, &signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_and_key_id() {
        let key = SecretKey::from_seed(&[7; 32]);
        let pem = key.to_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        // PKCS#8 v1: the 48-byte form OpenSSL and pyca/cryptography read.
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = crate::dsse::decode_base64(&body).unwrap();
        assert_eq!(der.len(), 48);
        assert_eq!(&der[2..5], &[0x02, 0x01, 0x00], "version 0");
        let again = SecretKey::from_pem(&pem).unwrap();
        assert_eq!(again.public(), key.public());
        let public_pem = key.public().to_pem().unwrap();
        assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        let public = PublicKey::from_pem(&public_pem).unwrap();
        assert_eq!(public.id().len(), 64);
        // The id is over the 44-byte DER (12-byte Ed25519 SPKI prefix + key).
        let mut der = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        der.extend_from_slice(&public.raw());
        assert_eq!(public.id(), hex(&Sha256::digest(&der)));
    }

    #[test]
    fn signatures_verify_and_tampering_fails() {
        let key = SecretKey::from_seed(&[1; 32]);
        let sig = key.sign(b"message");
        assert!(key.public().verify(b"message", &sig));
        assert!(!key.public().verify(b"messagf", &sig));
        let mut bad = sig;
        bad[10] ^= 1;
        assert!(!key.public().verify(b"message", &bad));
        assert!(!key.public().verify(b"message", &sig[..63]));
    }

    #[test]
    fn wrong_pem_kinds_are_explained() {
        let key = SecretKey::from_seed(&[2; 32]);
        let private = key.to_pem().unwrap();
        assert!(
            PublicKey::from_pem(&private)
                .unwrap_err()
                .contains("private key")
        );
        assert!(SecretKey::from_pem("garbage").is_err());
    }
}
