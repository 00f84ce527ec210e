//! Gives each request its UserSig: made from the configured key (reused until shortly before
//! it expires), or a ready-made sig supplied by a user who does not hold the key.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use super::usersig::{self, SecretKey, SigClaims};

/// Lifetime of the sigs the harness makes.
const SIG_LIFETIME_SECS: u64 = 86_400;
/// A cached sig is replaced this long before it expires.
const RENEW_MARGIN_SECS: u64 = 3_600;

#[derive(Clone)]
pub enum Credentials {
    Key(SecretKey),
    /// A sig made elsewhere; cases that need to sign differently are skipped.
    Ready(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Key(_) => f.write_str("Credentials::Key(<redacted>)"),
            Credentials::Ready(_) => f.write_str("Credentials::Ready(<redacted>)"),
        }
    }
}

/// How a step wants its sig made differently from the default.
#[derive(Debug, Clone, Default)]
pub struct SigRequest {
    pub identifier: Option<String>,
    pub key: Option<String>,
    pub sdkappid: Option<u64>,
    pub age_secs: Option<u64>,
    pub expire_secs: Option<u64>,
}

impl SigRequest {
    fn is_default(&self) -> bool {
        self.identifier.is_none()
            && self.key.is_none()
            && self.sdkappid.is_none()
            && self.age_secs.is_none()
            && self.expire_secs.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error(
        "this step signs its own UserSig, which needs the secret key (only a ready-made --usersig was given)"
    )]
    NeedsKey,
}

pub struct Signer {
    sdkappid: u64,
    identifier: String,
    credentials: Credentials,
    cached: Mutex<Option<(String, u64)>>,
}

impl Signer {
    pub fn new(sdkappid: u64, identifier: impl Into<String>, credentials: Credentials) -> Self {
        Self {
            sdkappid,
            identifier: identifier.into(),
            credentials,
            cached: Mutex::new(None),
        }
    }

    pub fn sdkappid(&self) -> u64 {
        self.sdkappid
    }

    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// The sig for a request: the cached default one, or one made for this request.
    pub fn usersig(&self, request: &SigRequest) -> Result<String, SignError> {
        let now = unix_now();
        if request.is_default() {
            return self.default_sig(now);
        }
        let key = match (&request.key, &self.credentials) {
            (Some(other), _) => SecretKey::new(other.clone()),
            (None, Credentials::Key(key)) => key.clone(),
            (None, Credentials::Ready(_)) => return Err(SignError::NeedsKey),
        };
        let claims = SigClaims::new(
            request.sdkappid.unwrap_or(self.sdkappid),
            request
                .identifier
                .clone()
                .unwrap_or_else(|| self.identifier.clone()),
            now.saturating_sub(request.age_secs.unwrap_or(0)),
            request.expire_secs.unwrap_or(SIG_LIFETIME_SECS),
        );
        Ok(usersig::sign(&key, &claims))
    }

    fn default_sig(&self, now: u64) -> Result<String, SignError> {
        let key = match &self.credentials {
            Credentials::Ready(sig) => return Ok(sig.clone()),
            Credentials::Key(key) => key,
        };
        let mut cached = self.cached.lock().expect("signer cache lock");
        if let Some((sig, expires_at)) = cached.as_ref()
            && now + RENEW_MARGIN_SECS < *expires_at
        {
            return Ok(sig.clone());
        }
        let claims = SigClaims::new(
            self.sdkappid,
            self.identifier.clone(),
            now,
            SIG_LIFETIME_SECS,
        );
        let sig = usersig::sign(key, &claims);
        *cached = Some((sig.clone(), claims.expires_at()));
        Ok(sig)
    }

    /// Every secret this signer could put in output, for redaction checks.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.credentials {
            Credentials::Key(k) => out.push(k.expose().to_owned()),
            Credentials::Ready(s) => out.push(s.clone()),
        }
        if let Some((sig, _)) = self.cached.lock().expect("signer cache lock").as_ref() {
            out.push(sig.clone());
        }
        out
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_sig_is_reused_and_verifies() {
        let key = SecretKey::new("k");
        let signer = Signer::new(7, "administrator", Credentials::Key(key.clone()));
        let a = signer.usersig(&SigRequest::default()).unwrap();
        let b = signer.usersig(&SigRequest::default()).unwrap();
        assert_eq!(a, b);
        assert!(usersig::verify(&a, &key, 7, "administrator", unix_now()).is_ok());
    }

    #[test]
    fn overrides_change_the_claims() {
        let key = SecretKey::new("k");
        let signer = Signer::new(7, "administrator", Credentials::Key(key.clone()));
        let old = signer
            .usersig(&SigRequest {
                age_secs: Some(10_000),
                expire_secs: Some(100),
                ..Default::default()
            })
            .unwrap();
        assert!(matches!(
            usersig::verify(&old, &key, 7, "administrator", unix_now()),
            Err(usersig::VerifyError::Expired { .. })
        ));
        let wrong = signer
            .usersig(&SigRequest {
                key: Some("other".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            usersig::verify(&wrong, &key, 7, "administrator", unix_now()),
            Err(usersig::VerifyError::BadHmac)
        );
    }

    #[test]
    fn a_chosen_time_and_lifetime_land_either_side_of_expiry() {
        // The spec's expiry edges: issued 600 s ago, 60 s still to live or expired 10 s ago
        // (valid while now <= time + expire, reference §3.1).
        let key = SecretKey::new("k");
        let signer = Signer::new(7, "administrator", Credentials::Key(key.clone()));
        let signed = |expire_secs| {
            signer
                .usersig(&SigRequest {
                    age_secs: Some(600),
                    expire_secs: Some(expire_secs),
                    ..Default::default()
                })
                .unwrap()
        };
        let now = unix_now();
        let before = usersig::decode(&signed(660)).unwrap().claims;
        assert!(before.time <= now.saturating_sub(600) + 1);
        assert_eq!(before.expires_at(), before.time + 660);
        assert!(usersig::verify(&signed(660), &key, 7, "administrator", now).is_ok());
        assert!(matches!(
            usersig::verify(&signed(590), &key, 7, "administrator", now),
            Err(usersig::VerifyError::Expired { .. })
        ));
    }

    #[test]
    fn ready_sig_cannot_sign_variants() {
        let signer = Signer::new(7, "administrator", Credentials::Ready("ready".into()));
        assert_eq!(signer.usersig(&SigRequest::default()).unwrap(), "ready");
        assert_eq!(
            signer.usersig(&SigRequest {
                age_secs: Some(1),
                ..Default::default()
            }),
            Err(SignError::NeedsKey)
        );
    }
}
