//! DSSE envelopes (Dead Simple Signing Envelope, v1.0.2), exactly as specified.
//!
//! ```text
//! PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
//! ```
//!
//! A signature covers the pre-authentication encoding of the payload type and
//! the payload's *decoded bytes*; nothing is re-serialised before it is
//! checked, and the verified bytes are what the caller gets back. Parsing is
//! strict where ambiguity could be exploited: duplicate fields are refused,
//! base64 must be canonical (standard or URL-safe alphabet, as the
//! specification requires verifiers to accept, padded or not), and size and
//! nesting are bounded before anything is decoded.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};

use crate::Rejection;

/// The payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// Envelopes larger than this are refused before parsing.
pub const MAX_ENVELOPE_BYTES: usize = 8 * 1024 * 1024;

/// JSON nested deeper than this is refused before parsing (envelope and payload).
pub const MAX_DEPTH: usize = 64;

/// More signatures than this are refused: no honest attestation needs them,
/// and each costs a verification.
pub const MAX_SIGNATURES: usize = 16;

/// One signature of an envelope. `keyid` is a hint, not authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub keyid: Option<String>,
    pub sig: Vec<u8>,
}

/// A parsed envelope: the payload is decoded, the signatures are not yet checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub payload_type: String,
    pub payload: Vec<u8>,
    pub signatures: Vec<Signature>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEnvelope<'a> {
    #[serde(borrow)]
    payload: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    payload_type: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    signatures: Vec<WireSignature<'a>>,
}

#[derive(Deserialize)]
struct WireSignature<'a> {
    #[serde(default, borrow)]
    keyid: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    sig: std::borrow::Cow<'a, str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireOut<'a> {
    payload_type: &'a str,
    payload: String,
    signatures: Vec<WireSignatureOut<'a>>,
}

#[derive(Serialize)]
struct WireSignatureOut<'a> {
    keyid: &'a str,
    sig: String,
}

/// The pre-authentication encoding: the exact bytes a DSSE signature covers.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let type_len = payload_type.len().to_string();
    let body_len = payload.len().to_string();
    let mut v = Vec::with_capacity(
        10 + type_len.len() + payload_type.len() + body_len.len() + payload.len(),
    );
    v.extend_from_slice(b"DSSEv1 ");
    v.extend_from_slice(type_len.as_bytes());
    v.push(b' ');
    v.extend_from_slice(payload_type.as_bytes());
    v.push(b' ');
    v.extend_from_slice(body_len.as_bytes());
    v.push(b' ');
    v.extend_from_slice(payload);
    v
}

const STRICT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(false);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, STRICT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, STRICT);

/// Decodes standard or URL-safe base64, padded or not; refuses non-canonical
/// trailing bits so that no two strings decode to the same bytes.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let pad = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    if pad > 0 && (!bytes.len().is_multiple_of(4) || pad > 2) {
        return None;
    }
    STANDARD
        .decode(bytes)
        .ok()
        .or_else(|| URL_SAFE.decode(bytes).ok())
}

/// Standard base64 with padding, as the DSSE reference implementation writes.
pub fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Refuses input nested deeper than `limit` (arrays and objects), counting
/// brackets outside strings. Cheap, and it runs before any parser recurses.
pub fn check_depth(bytes: &[u8], limit: usize) -> Result<(), usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let mut j = i + 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', bytes.get(j..).unwrap_or_default()) {
                        None => return Ok(()),
                        Some(k) if bytes[j + k] == b'\\' => j += k + 2,
                        Some(k) => {
                            j += k;
                            break;
                        }
                    }
                    if j >= bytes.len() {
                        return Ok(());
                    }
                }
                i = j + 1;
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// 1-based line and column of a byte offset.
pub fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    (line, offset.min(bytes.len()) - start + 1)
}

impl Envelope {
    /// Parses an envelope's JSON. Every failure is a [`Rejection`] with a stable code.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, Rejection> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(Rejection::new(
                "too-large",
                format!(
                    "the envelope is {} bytes; at most {} are accepted",
                    bytes.len(),
                    MAX_ENVELOPE_BYTES
                ),
            ));
        }
        if let Err(offset) = check_depth(bytes, MAX_DEPTH) {
            let (line, column) = line_column(bytes, offset);
            return Err(Rejection::new(
                "too-deep",
                format!(
                    "the envelope nests deeper than {MAX_DEPTH} levels (at line {line}, column {column})"
                ),
            ));
        }
        let wire: WireEnvelope = serde_json::from_slice(bytes).map_err(|e| {
            Rejection::new(
                "malformed-envelope",
                format!(
                    "not a DSSE envelope: {} (line {}, column {})",
                    strip_position(&e),
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let payload = decode_base64(&wire.payload).ok_or_else(|| {
            Rejection::new(
                "payload-encoding",
                "`payload` is not canonical base64 (standard or URL-safe alphabet)",
            )
        })?;
        if wire.signatures.is_empty() {
            return Err(Rejection::new(
                "no-signature",
                "the envelope carries no signature",
            ));
        }
        if wire.signatures.len() > MAX_SIGNATURES {
            return Err(Rejection::new(
                "too-many-signatures",
                format!(
                    "the envelope carries {} signatures; at most {MAX_SIGNATURES} are accepted",
                    wire.signatures.len()
                ),
            ));
        }
        let mut signatures = Vec::with_capacity(wire.signatures.len());
        for (i, s) in wire.signatures.iter().enumerate() {
            let sig = decode_base64(&s.sig).ok_or_else(|| {
                Rejection::new(
                    "signature-encoding",
                    format!("signature {} is not canonical base64", i + 1),
                )
            })?;
            let keyid = s
                .keyid
                .as_deref()
                .filter(|k| !k.is_empty())
                .map(str::to_string);
            signatures.push(Signature { keyid, sig });
        }
        Ok(Envelope {
            payload_type: wire.payload_type.into_owned(),
            payload,
            signatures,
        })
    }

    /// The envelope as JSON (standard base64, `payloadType` first), one line.
    pub fn to_json(&self) -> String {
        let wire = WireOut {
            payload_type: &self.payload_type,
            payload: encode_base64(&self.payload),
            signatures: self
                .signatures
                .iter()
                .map(|s| WireSignatureOut {
                    keyid: s.keyid.as_deref().unwrap_or(""),
                    sig: encode_base64(&s.sig),
                })
                .collect(),
        };
        // Serialising plain strings into a String cannot fail.
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// The bytes every signature covers.
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }
}

/// serde_json's message without its trailing " at line L column C".
pub(crate) fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_specification_vector() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    }

    #[test]
    fn base64_accepts_both_alphabets_and_refuses_ambiguity() {
        let bytes = [0xfbu8, 0xff, 0xfe];
        assert_eq!(decode_base64("+//+").as_deref(), Some(&bytes[..]));
        assert_eq!(decode_base64("-__-").as_deref(), Some(&bytes[..]));
        assert_eq!(decode_base64("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_base64("aGk").as_deref(), Some(&b"hi"[..]));
        // Mixed alphabets, non-zero trailing bits, misplaced padding.
        assert_eq!(decode_base64("+_"), None);
        assert_eq!(decode_base64("aGl="), None);
        assert_eq!(decode_base64("aG=k"), None);
        assert_eq!(decode_base64("aGk=="), None);
    }

    #[test]
    fn depth_is_counted_outside_strings() {
        assert!(check_depth(br#"{"a":"[[[[[[[[[[[["}"#, 2).is_ok());
        assert!(check_depth(br#"{"a":"\"[[[[[[[[[[[["}"#, 2).is_ok());
        assert_eq!(check_depth(b"[[[1]]]", 2), Err(2));
    }

    #[test]
    fn envelope_round_trips() {
        let env = Envelope {
            payload_type: IN_TOTO_PAYLOAD_TYPE.into(),
            payload: b"{}".to_vec(),
            signatures: vec![Signature {
                keyid: Some("ab".into()),
                sig: vec![1, 2, 3],
            }],
        };
        assert_eq!(Envelope::parse(env.to_json().as_bytes()), Ok(env));
    }

    #[test]
    fn duplicate_keys_are_found_at_any_depth() {
        assert!(check_unique_keys(br#"{"a":{"b":1,"c":[{"d":1,"e":2}]}}"#).is_ok());
        let e = check_unique_keys(br#"{"a":{"b":1,"c":[{"d":1,"d":2}]}}"#).unwrap_err();
        assert!(e.contains("duplicate key `d`"), "{e}");
        // Escapes do not hide a duplicate.
        assert!(check_unique_keys(br#"{"ab":1,"a\u0062":2}"#).is_err());
    }

    #[test]
    fn duplicate_fields_are_refused() {
        let json = br#"{"payload":"e30=","payload":"e30=","payloadType":"x","signatures":[{"sig":"AQ=="}]}"#;
        assert_eq!(
            Envelope::parse(json).unwrap_err().code,
            "malformed-envelope"
        );
    }
}

#[cfg(test)]
mod reference_vector {
    use sha2::{Digest, Sha256};

    use super::Envelope;
    use crate::keys::SecretKey;

    /// An envelope made by an independent implementation (shared/reference/
    /// formats-examples/dsse-envelope.json): Ed25519 key from the seed
    /// SHA-256("demo-key-do-not-use").
    const ENVELOPE: &str = r#"{
  "payloadType": "application/vnd.in-toto+json",
  "payload": "eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEiLCJzdWJqZWN0IjpbeyJuYW1lIjoiZXhhbXBsZWNoYXQtbGxtLTIuMC4wLnNhZmV0ZW5zb3JzIiwiZGlnZXN0Ijp7InNoYTI1NiI6IjlmODZkMDgxODg0YzdkNjU5YTJmZWFhMGM1NWFkMDE1YTNiZjRmMWIyYjBiODIyY2QxNWQ2YzE1YjBmMDBhMDgifX1dLCJwcmVkaWNhdGVUeXBlIjoiaHR0cHM6Ly9leGFtcGxlLmNvbS9hdHRlc3RhdGlvbnMvYWktYXNzZXNzbWVudC92MC4xIiwicHJlZGljYXRlIjp7ImZyYW1ld29yayI6IkVVLUFJLUFjdCIsInJpc2tDbGFzcyI6ImxpbWl0ZWQiLCJyZXN1bHQiOiJub24tY29tcGxpYW50IiwiYXNzZXNzbWVudFJlc3VsdHNEaWdlc3QiOnsic2hhMjU2IjoiMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMCJ9LCJpc3N1ZWRPbiI6IjIwMjUtMDYtMDFUMTI6MDA6MDBaIn19",
  "signatures": [
    {
      "keyid": "129673dfe39f1e47d3f7845fec37f77cec991275ab83d77bd6a7e3e8565e2e94",
      "sig": "zlIgcTeBUrbUazyQfD48p9flIvu82yV+JMXYRBvXPvszVOjST/WcftAYazLH56Hp1bNz7KD7LYeB5cPszUGABQ=="
    }
  ]
}"#;

    #[test]
    fn an_envelope_signed_elsewhere_verifies_and_a_flipped_bit_does_not() {
        let seed: [u8; 32] = Sha256::digest(b"demo-key-do-not-use").into();
        let public = SecretKey::from_seed(&seed).public();
        // That implementation's key id is SHA-256 of the raw key, not of the DER.
        assert_eq!(
            accord_rules::pack::hex(&Sha256::digest(public.raw())),
            "129673dfe39f1e47d3f7845fec37f77cec991275ab83d77bd6a7e3e8565e2e94"
        );
        let envelope = Envelope::parse(ENVELOPE.as_bytes()).unwrap();
        assert!(
            envelope
                .payload
                .starts_with(br#"{"_type":"https://in-toto.io/Statement/v1""#)
        );
        assert!(public.verify(&envelope.pae(), &envelope.signatures[0].sig));
        let mut tampered = envelope.clone();
        tampered.payload[40] ^= 1;
        assert!(!public.verify(&tampered.pae(), &tampered.signatures[0].sig));
    }
}

/// Refuses JSON in which an object repeats a key, at any depth. Parsers
/// disagree on which of two values wins, so a signed payload with duplicate
/// keys could mean one thing to Accord and another to a different verifier.
/// Call after [`check_depth`]: the walk recurses once per nesting level.
pub fn check_unique_keys(bytes: &[u8]) -> Result<(), String> {
    use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};

    struct Walk;

    impl<'de> DeserializeSeed<'de> for Walk {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Walk)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            // Keys borrowed from the input where they have no escapes; a
            // linear scan while an object is small (statements' are), a set
            // beyond, so that a huge object cannot make the check quadratic.
            let mut keys: Vec<std::borrow::Cow<'de, str>> = Vec::new();
            let mut set: std::collections::HashSet<std::borrow::Cow<'de, str>> =
                std::collections::HashSet::new();
            while let Some(key) = map.next_key_seed(KeySeed)? {
                let seen = if set.is_empty() {
                    keys.contains(&key)
                } else {
                    set.contains(&key)
                };
                if seen {
                    return Err(A::Error::custom(format!("duplicate key `{key}`")));
                }
                if set.is_empty() && keys.len() < 32 {
                    keys.push(key);
                } else {
                    set.extend(keys.drain(..));
                    set.insert(key);
                }
                map.next_value_seed(Walk)?;
            }
            Ok(())
        }
    }

    struct KeySeed;
    impl<'de> DeserializeSeed<'de> for KeySeed {
        type Value = std::borrow::Cow<'de, str>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }
    impl<'de> Visitor<'de> for KeySeed {
        type Value = std::borrow::Cow<'de, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a key")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(std::borrow::Cow::Borrowed(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(std::borrow::Cow::Owned(v.to_string()))
        }
    }

    // serde_json's own recursion limit (128) is above MAX_DEPTH.
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Walk.deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| {
            format!(
                "{} (line {}, column {})",
                strip_position(&e),
                e.line(),
                e.column()
            )
        })
}

#[cfg(test)]
mod many_keys {
    #[test]
    fn duplicates_are_found_in_large_objects_too() {
        let mut text = String::from("{");
        for i in 0..100 {
            text.push_str(&format!("\"k{i}\":{i},"));
        }
        text.push_str("\"k7\":0}");
        let e = super::check_unique_keys(text.as_bytes()).unwrap_err();
        assert!(e.contains("duplicate key `k7`"), "{e}");
        let ok = text.replace("\"k7\":0}", "\"k100\":0}");
        assert!(super::check_unique_keys(ok.as_bytes()).is_ok());
    }
}

/// Deserialises a string map, refusing a key that appears twice (serde's own
/// map impls keep the last value silently).
pub fn unique_string_map<'de, D>(
    deserializer: D,
) -> Result<std::collections::BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::{Error, MapAccess, Visitor};
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = std::collections::BTreeMap<String, String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of strings")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = std::collections::BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, String>()? {
                if out.contains_key(&k) {
                    return Err(A::Error::custom(format!("duplicate key `{k}`")));
                }
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(V)
}

/// Deserialises any JSON value, refusing an object that repeats a key at any depth.
pub fn unique_value<'de, D>(deserializer: D) -> Result<serde_json::Value, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
    use serde_json::Value;
    struct V;
    impl<'de> DeserializeSeed<'de> for V {
        type Value = Value;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for V {
        type Value = Value;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_string()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(V)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut out = Vec::new();
            while let Some(v) = seq.next_element_seed(V)? {
                out.push(v);
            }
            Ok(Value::Array(out))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = serde_json::Map::new();
            while let Some(k) = map.next_key::<String>()? {
                if out.contains_key(&k) {
                    return Err(A::Error::custom(format!("duplicate key `{k}`")));
                }
                let v = map.next_value_seed(V)?;
                out.insert(k, v);
            }
            Ok(Value::Object(out))
        }
    }
    deserializer.deserialize_any(V)
}
