//! UserSig (TLSSigAPIv2): HMAC-SHA256 over a content string, wrapped in a JSON document,
//! zlib-compressed and encoded in Tencent's URL-safe base64 variant.
//!
//! Sigs are not canonical: the official libraries differ in key order, spacing and zlib level.
//! So verification always decodes the document and recomputes the HMAC; it never compares
//! sig strings.

use std::fmt;
use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

/// The default lifetime used by the official Python and PHP libraries: 180 days.
pub const DEFAULT_EXPIRE_SECS: u64 = 180 * 86_400;

/// The console secret key. Its `Debug` and `Display` never show the key.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(String);

impl SecretKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key text, for code that must compare it against output to prove it is absent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What a sig is issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigClaims {
    pub sdkappid: u64,
    pub identifier: String,
    /// Unix seconds at issue.
    pub time: u64,
    /// Lifetime in seconds; the sig is valid while `now <= time + expire`.
    pub expire: u64,
    /// TRTC's PrivateMapKey payload; IM leaves it out.
    pub userbuf: Option<Vec<u8>>,
}

impl SigClaims {
    pub fn new(sdkappid: u64, identifier: impl Into<String>, time: u64, expire: u64) -> Self {
        Self {
            sdkappid,
            identifier: identifier.into(),
            time,
            expire,
            userbuf: None,
        }
    }

    /// The exact text the HMAC covers: one `TLS.field:value\n` line per field.
    pub fn string_to_sign(&self) -> String {
        let mut s = format!(
            "TLS.identifier:{}\nTLS.sdkappid:{}\nTLS.time:{}\nTLS.expire:{}\n",
            self.identifier, self.sdkappid, self.time, self.expire
        );
        if let Some(buf) = &self.userbuf {
            s.push_str(&format!("TLS.userbuf:{}\n", STANDARD.encode(buf)));
        }
        s
    }

    /// Unix second after which the sig is expired.
    pub fn expires_at(&self) -> u64 {
        self.time.saturating_add(self.expire)
    }

    fn hmac(&self, key: &SecretKey) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(key.0.as_bytes()).expect("HMAC takes any key length");
        mac.update(self.string_to_sign().as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }
}

/// A decoded sig document: the claims and the HMAC it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigDocument {
    pub claims: SigClaims,
    /// `TLS.sig`, standard base64.
    pub sig: String,
}

/// Why a sig was rejected. Each reason maps to its own service error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("usersig is empty")]
    Empty,
    #[error("usersig is not valid base64 in the URL-safe variant")]
    Base64,
    #[error("usersig does not inflate as zlib")]
    Zlib,
    #[error("usersig document is not valid JSON: {0}")]
    Json(String),
    #[error("usersig document lacks field {0}")]
    MissingField(&'static str),
    #[error("usersig field {field} has the wrong type: expected {expected}")]
    FieldType {
        field: &'static str,
        expected: &'static str,
    },
    #[error("usersig was issued for sdkappid {found}, expected {expected}")]
    SdkAppIdMismatch { expected: u64, found: u64 },
    #[error("usersig was issued for identifier {found:?}, expected {expected:?}")]
    IdentifierMismatch { expected: String, found: String },
    #[error("usersig expired at {expired_at}, now is {now}")]
    Expired { expired_at: u64, now: u64 },
    #[error("usersig HMAC does not match (wrong key?)")]
    BadHmac,
}

/// Makes a sig in the compact layout with zlib's default level (the Node library's layout).
pub fn sign(key: &SecretKey, claims: &SigClaims) -> String {
    let mut doc = Map::new();
    doc.insert("TLS.ver".into(), Value::from("2.0"));
    doc.insert(
        "TLS.identifier".into(),
        Value::from(claims.identifier.clone()),
    );
    doc.insert("TLS.sdkappid".into(), Value::from(claims.sdkappid));
    doc.insert("TLS.expire".into(), Value::from(claims.expire));
    doc.insert("TLS.time".into(), Value::from(claims.time));
    if let Some(buf) = &claims.userbuf {
        doc.insert("TLS.userbuf".into(), Value::from(STANDARD.encode(buf)));
    }
    doc.insert("TLS.sig".into(), Value::from(claims.hmac(key)));
    let json = serde_json::to_vec(&Value::Object(doc)).expect("a JSON map always serializes");
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&json).expect("writing to a Vec cannot fail");
    let compressed = z.finish().expect("writing to a Vec cannot fail");
    to_url_variant(&STANDARD.encode(compressed))
}

/// Decodes a sig without checking it: base64 variant, zlib, JSON, field types.
pub fn decode(usersig: &str) -> Result<SigDocument, VerifyError> {
    if usersig.is_empty() {
        return Err(VerifyError::Empty);
    }
    let standard: String = usersig
        .chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            other => other,
        })
        .collect();
    let compressed = STANDARD
        .decode(standard.as_bytes())
        .map_err(|_| VerifyError::Base64)?;
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed.as_slice())
        .take(64 * 1024)
        .read_to_end(&mut json)
        .map_err(|_| VerifyError::Zlib)?;
    let doc: Value = serde_json::from_slice(&json).map_err(|e| VerifyError::Json(e.to_string()))?;
    let doc = doc
        .as_object()
        .ok_or(VerifyError::Json("not an object".into()))?;

    let userbuf = match doc.get("TLS.userbuf") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(STANDARD.decode(s).map_err(|_| VerifyError::FieldType {
            field: "TLS.userbuf",
            expected: "standard base64",
        })?),
        Some(_) => {
            return Err(VerifyError::FieldType {
                field: "TLS.userbuf",
                expected: "string",
            });
        }
    };
    Ok(SigDocument {
        claims: SigClaims {
            sdkappid: number_field(doc, "TLS.sdkappid")?,
            identifier: string_field(doc, "TLS.identifier")?,
            time: number_field(doc, "TLS.time")?,
            expire: number_field(doc, "TLS.expire")?,
            userbuf,
        },
        sig: string_field(doc, "TLS.sig")?,
    })
}

/// Checks a sig the way the official Go verifier does: sdkappid, identifier, expiry, HMAC.
pub fn verify(
    usersig: &str,
    key: &SecretKey,
    sdkappid: u64,
    identifier: &str,
    now: u64,
) -> Result<SigDocument, VerifyError> {
    let doc = decode(usersig)?;
    if doc.claims.sdkappid != sdkappid {
        return Err(VerifyError::SdkAppIdMismatch {
            expected: sdkappid,
            found: doc.claims.sdkappid,
        });
    }
    if doc.claims.identifier != identifier {
        return Err(VerifyError::IdentifierMismatch {
            expected: identifier.to_owned(),
            found: doc.claims.identifier.clone(),
        });
    }
    if now > doc.claims.expires_at() {
        return Err(VerifyError::Expired {
            expired_at: doc.claims.expires_at(),
            now,
        });
    }
    verify_hmac(&doc, key)?;
    Ok(doc)
}

/// Recomputes the HMAC over the document's own claims, in constant time.
pub fn verify_hmac(doc: &SigDocument, key: &SecretKey) -> Result<(), VerifyError> {
    let carried = STANDARD
        .decode(doc.sig.as_bytes())
        .map_err(|_| VerifyError::BadHmac)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.0.as_bytes()).expect("HMAC takes any key length");
    mac.update(doc.claims.string_to_sign().as_bytes());
    mac.verify_slice(&carried).map_err(|_| VerifyError::BadHmac)
}

/// The placeholder reproducers put where a UserSig goes: never a secret (`<` is outside the
/// UserSig alphabet), so redaction leaves it in place.
pub const USERSIG_PLACEHOLDER: &str = "<usersig>";

/// Replaces every usersig value in a URL query (`usersig=...`) with a placeholder.
pub fn redact_in_text(text: &str) -> String {
    const MARK: &str = "usersig=";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = find_ascii_case_insensitive(rest, MARK) {
        let (head, tail) = rest.split_at(pos + MARK.len());
        out.push_str(head);
        // A backslash ends the value too: inside JSON text a URL's closing quote is `\"`, and
        // swallowing the backslash would leave the JSON unreadable. Signatures never hold one.
        let end = tail
            .find(|c: char| "&#\"'\\".contains(c) || c.is_whitespace())
            .unwrap_or(tail.len());
        if &tail[..end] == USERSIG_PLACEHOLDER {
            out.push_str(USERSIG_PLACEHOLDER);
        } else if end > 0 {
            out.push_str("<redacted>");
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn to_url_variant(standard: &str) -> String {
    standard
        .chars()
        .map(|c| match c {
            '+' => '*',
            '/' => '-',
            '=' => '_',
            other => other,
        })
        .collect()
}

fn number_field(doc: &Map<String, Value>, field: &'static str) -> Result<u64, VerifyError> {
    match doc.get(field) {
        None => Err(VerifyError::MissingField(field)),
        Some(v) => v.as_u64().ok_or(VerifyError::FieldType {
            field,
            expected: "unsigned integer",
        }),
    }
}

fn string_field(doc: &Map<String, Value>, field: &'static str) -> Result<String, VerifyError> {
    match doc.get(field) {
        None => Err(VerifyError::MissingField(field)),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(VerifyError::FieldType {
            field,
            expected: "string",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

    #[test]
    fn sign_then_verify_round_trips() {
        let key = SecretKey::new(KEY);
        let claims = SigClaims::new(1_400_000_000, "admin", 1_700_000_000, 86_400);
        let sig = sign(&key, &claims);
        let doc = verify(&sig, &key, 1_400_000_000, "admin", 1_700_000_000 + 86_400).unwrap();
        assert_eq!(doc.claims, claims);
        assert_eq!(doc.sig, "4lUxqF/B+QS/FhzU388MWw47s2GIKgpTCF1WmWL/l5Y=");
    }

    #[test]
    fn expiry_boundary_is_inclusive() {
        let key = SecretKey::new(KEY);
        let claims = SigClaims::new(1, "3", 100, 4);
        let sig = sign(&key, &claims);
        assert!(verify(&sig, &key, 1, "3", 104).is_ok());
        assert_eq!(
            verify(&sig, &key, 1, "3", 105).unwrap_err(),
            VerifyError::Expired {
                expired_at: 104,
                now: 105
            }
        );
    }

    #[test]
    fn each_rejection_has_its_own_error() {
        let key = SecretKey::new("2");
        let sig = sign(&key, &SigClaims::new(1, "3", 1000, 4));
        assert_eq!(
            verify(&sig, &SecretKey::new("3"), 1, "3", 1000),
            Err(VerifyError::BadHmac)
        );
        assert!(matches!(
            verify(&sig, &key, 2, "3", 1000),
            Err(VerifyError::SdkAppIdMismatch { .. })
        ));
        assert!(matches!(
            verify(&sig, &key, 1, "4", 1000),
            Err(VerifyError::IdentifierMismatch { .. })
        ));
        assert_eq!(verify("", &key, 1, "3", 1000), Err(VerifyError::Empty));
        assert_eq!(verify("!!!", &key, 1, "3", 1000), Err(VerifyError::Base64));
        assert_eq!(verify("YWJj", &key, 1, "3", 1000), Err(VerifyError::Zlib));
        let not_json = {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(b"{nope").unwrap();
            to_url_variant(&STANDARD.encode(z.finish().unwrap()))
        };
        assert!(matches!(
            verify(&not_json, &key, 1, "3", 1000),
            Err(VerifyError::Json(_))
        ));
    }

    #[test]
    fn debug_and_display_hide_the_key() {
        let key = SecretKey::new(KEY);
        assert!(!format!("{key:?} {key}").contains(KEY));
    }

    #[test]
    fn redacts_usersig_query_values() {
        let url = "http://h/v4/a/b?sdkappid=1&usersig=eJyrVg_abc&random=5";
        assert_eq!(
            redact_in_text(url),
            "http://h/v4/a/b?sdkappid=1&usersig=<redacted>&random=5"
        );
        assert_eq!(redact_in_text("x USERSIG=abc y"), "x USERSIG=<redacted> y");
        assert_eq!(redact_in_text("usersig=&a=1"), "usersig=&a=1");
        assert_eq!(
            redact_in_text("a?usersig=<usersig>&b usersig=<usersig>x"),
            "a?usersig=<usersig>&b usersig=<redacted>"
        );
        // A URL inside a JSON string keeps its escaped closing quote.
        assert_eq!(
            redact_in_text(r#"{"u":"x?usersig=abc\"}"#),
            r#"{"u":"x?usersig=<redacted>\"}"#
        );
    }
}
