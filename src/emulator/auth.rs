//! The URL query checks every REST call passes before its endpoint runs, in the order the
//! reference gives (§1.1, §2.1, §2.2, §3.2), and a cache of verified sigs.
//!
//! Decoding a sig costs a base64 pass, a zlib inflate and a JSON parse, and the HMAC a SHA-256;
//! clients reuse one sig for many calls [R1], so the decoded claims and the HMAC outcome are
//! cached per sig string. Expiry depends on the clock, so it is checked on every call.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::auth::usersig::{self, SecretKey, VerifyError};

use super::config::EmulatorConfig;
use super::faults::{Fault, FaultSet};
use super::reply::{ApiError, code};

/// How many distinct sigs the cache holds before it evicts.
const SIG_CACHE_CAPACITY: usize = 4096;

/// The query parameters of a REST call; the first occurrence of a name wins.
#[derive(Debug, Default)]
pub(crate) struct RestQuery<'a> {
    pub sdkappid: Option<Cow<'a, str>>,
    pub identifier: Option<Cow<'a, str>>,
    pub usersig: Option<Cow<'a, str>>,
    pub random: Option<Cow<'a, str>>,
    pub contenttype: Option<Cow<'a, str>>,
}

impl<'a> RestQuery<'a> {
    pub(crate) fn parse(query: &'a str) -> Self {
        let mut q = RestQuery::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "sdkappid" => &mut q.sdkappid,
                "identifier" => &mut q.identifier,
                "usersig" => &mut q.usersig,
                "random" => &mut q.random,
                "contenttype" => &mut q.contenttype,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        q
    }
}

/// What the cache remembers about one sig string.
#[derive(Debug, Clone)]
struct CachedSig {
    sdkappid: u64,
    identifier: String,
    expires_at: u64,
    hmac_ok: bool,
}

/// Decoded sigs and their HMAC outcome, bounded in size.
#[derive(Debug, Default)]
pub(crate) struct SigCache {
    entries: RwLock<HashMap<String, Arc<CachedSig>>>,
}

impl SigCache {
    fn get_or_decode(
        &self,
        sig: &str,
        key: &SecretKey,
        now: u64,
    ) -> Result<Arc<CachedSig>, ApiError> {
        if let Some(hit) = self
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(sig)
        {
            return Ok(Arc::clone(hit));
        }
        let doc = usersig::decode(sig).map_err(sig_error)?;
        let entry = Arc::new(CachedSig {
            sdkappid: doc.claims.sdkappid,
            hmac_ok: usersig::verify_hmac(&doc, key).is_ok(),
            expires_at: doc.claims.expires_at(),
            identifier: doc.claims.identifier,
        });
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= SIG_CACHE_CAPACITY {
            entries.retain(|_, e| e.expires_at >= now);
            if entries.len() >= SIG_CACHE_CAPACITY {
                entries.clear();
            }
        }
        entries.insert(sig.to_owned(), Arc::clone(&entry));
        Ok(entry)
    }

    pub(crate) fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.read().unwrap().len()
    }
}

/// The server code for each way a sig can fail to decode or verify.
fn sig_error(err: VerifyError) -> ApiError {
    let code = match err {
        VerifyError::Empty => code::SIG_EMPTY,
        VerifyError::Base64
        | VerifyError::Zlib
        | VerifyError::Json(_)
        | VerifyError::MissingField(_)
        | VerifyError::FieldType { .. } => code::SIG_INVALID,
        VerifyError::SdkAppIdMismatch { .. } => code::SIG_SDKAPPID,
        VerifyError::IdentifierMismatch { .. } => code::SIG_IDENTIFIER,
        VerifyError::Expired { .. } => code::SIG_EXPIRED,
        VerifyError::BadHmac => code::SIG_HMAC,
    };
    ApiError::new(code, err.to_string())
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Runs every query check; `Ok` means the caller is an authenticated app admin.
pub(crate) fn check_query(
    config: &EmulatorConfig,
    faults: FaultSet,
    cache: &SigCache,
    query: &RestQuery<'_>,
) -> Result<(), ApiError> {
    let Some(sdkappid) = query.sdkappid.as_deref() else {
        return Err(ApiError::new(code::MISSING_SDKAPPID, "sdkappid is missing"));
    };
    if !faults.has(Fault::SdkappidNotChecked) && sdkappid.parse::<u64>() != Ok(config.sdkappid) {
        return Err(ApiError::new(code::BAD_SDKAPPID, "sdkappid is invalid"));
    }
    let Some(identifier) = query.identifier.as_deref() else {
        return Err(ApiError::new(code::BAD_IDENTIFIER, "identifier is missing"));
    };
    check_usersig(config, faults, cache, identifier, query.usersig.as_deref())?;
    let random_max = if faults.has(Fault::RandomMaxRefused) {
        u32::MAX - 1
    } else {
        u32::MAX
    };
    if !faults.has(Fault::RandomNotChecked)
        && query
            .random
            .as_deref()
            .and_then(|r| r.parse::<u32>().ok())
            .is_none_or(|r| r > random_max)
    {
        return Err(ApiError::new(
            code::BAD_HTTP_REQUEST,
            "random is missing or not a 32-bit unsigned integer",
        ));
    }
    if !faults.has(Fault::ContenttypeNotChecked) && query.contenttype.as_deref() != Some("json") {
        return Err(ApiError::new(
            code::BAD_HTTP_REQUEST,
            "contenttype must be json",
        ));
    }
    if !faults.has(Fault::NonAdminAccepted) && !config.admins.iter().any(|a| a == identifier) {
        return Err(ApiError::new(
            code::NOT_ADMIN,
            "identifier is not an app admin",
        ));
    }
    Ok(())
}

/// Sig checks in the Go verifier's order: decode, sdkappid, identifier, expiry, HMAC.
fn check_usersig(
    config: &EmulatorConfig,
    faults: FaultSet,
    cache: &SigCache,
    identifier: &str,
    usersig: Option<&str>,
) -> Result<(), ApiError> {
    let sig = usersig.unwrap_or("");
    if sig.is_empty() {
        let code = if faults.has(Fault::EmptySigWrongCode) {
            code::SIG_INVALID
        } else {
            code::SIG_EMPTY
        };
        return Err(ApiError::new(code, "usersig is empty"));
    }
    let now = unix_now();
    let claims = cache.get_or_decode(sig, &config.key, now)?;
    if claims.sdkappid != config.sdkappid {
        return Err(ApiError::new(
            code::SIG_SDKAPPID,
            "sdkappid in the usersig differs from the request",
        ));
    }
    if claims.identifier != identifier && !faults.has(Fault::IdentifierMismatchAccepted) {
        return Err(ApiError::new(
            code::SIG_IDENTIFIER,
            "identifier in the usersig differs from the request",
        ));
    }
    // The deviations of the two expiry faults: a grace after expiry, a margin before it.
    let grace = if faults.has(Fault::ExpiredSigGrace) {
        30
    } else {
        0
    };
    let early = if faults.has(Fault::SigExpiresEarly) {
        120
    } else {
        0
    };
    if now + early > claims.expires_at + grace && !faults.has(Fault::ExpiredSigAccepted) {
        return Err(ApiError::new(code::SIG_EXPIRED, "usersig expired"));
    }
    if !claims.hmac_ok && !faults.has(Fault::WrongKeyAccepted) {
        return Err(ApiError::new(code::SIG_HMAC, "usersig verification failed"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::usersig::{SigClaims, sign};

    fn config() -> EmulatorConfig {
        EmulatorConfig::default()
    }

    fn query_with(sig: &str) -> String {
        format!(
            "sdkappid=1400000000&identifier=administrator&usersig={sig}&random=7&contenttype=json"
        )
    }

    fn check(config: &EmulatorConfig, faults: &[Fault], q: &str) -> Result<(), u32> {
        check_query(
            config,
            FaultSet::new(faults),
            &SigCache::default(),
            &RestQuery::parse(q),
        )
        .map_err(|e| e.code)
    }

    fn good_sig(c: &EmulatorConfig) -> String {
        sign(
            &c.key,
            &SigClaims::new(c.sdkappid, "administrator", unix_now(), 86400),
        )
    }

    #[test]
    fn valid_query_passes() {
        let c = config();
        assert_eq!(check(&c, &[], &query_with(&good_sig(&c))), Ok(()));
    }

    #[test]
    fn each_failure_has_its_code() {
        let c = config();
        let sig = good_sig(&c);
        assert_eq!(check(&c, &[], "identifier=a"), Err(60012));
        assert_eq!(check(&c, &[], "sdkappid=x&identifier=a"), Err(60006));
        assert_eq!(check(&c, &[], "sdkappid=1400000000"), Err(60004));
        assert_eq!(
            check(&c, &[], "sdkappid=1400000000&identifier=administrator"),
            Err(70002)
        );
        assert_eq!(check(&c, &[], &query_with("!!")), Err(70003));
        let expired = sign(
            &c.key,
            &SigClaims::new(c.sdkappid, "administrator", 1000, 10),
        );
        assert_eq!(check(&c, &[], &query_with(&expired)), Err(70001));
        assert_eq!(
            check(&c, &[Fault::ExpiredSigAccepted], &query_with(&expired)),
            Ok(())
        );
        let other_app = sign(&c.key, &SigClaims::new(1, "administrator", unix_now(), 60));
        assert_eq!(check(&c, &[], &query_with(&other_app)), Err(70014));
        let other_user = sign(&c.key, &SigClaims::new(c.sdkappid, "bob", unix_now(), 60));
        assert_eq!(check(&c, &[], &query_with(&other_user)), Err(70013));
        let wrong_key = sign(
            &SecretKey::new("other"),
            &SigClaims::new(c.sdkappid, "administrator", unix_now(), 60),
        );
        assert_eq!(check(&c, &[], &query_with(&wrong_key)), Err(70009));
        let no_random = query_with(&sig).replace("&random=7", "");
        assert_eq!(check(&c, &[], &no_random), Err(60002));
        let big_random = query_with(&sig).replace("random=7", "random=4294967296");
        assert_eq!(check(&c, &[], &big_random), Err(60002));
        let max_random = query_with(&sig).replace("random=7", "random=4294967295");
        assert_eq!(check(&c, &[], &max_random), Ok(()));
        let xml = query_with(&sig).replace("contenttype=json", "contenttype=xml");
        assert_eq!(check(&c, &[], &xml), Err(60002));
    }

    #[test]
    fn non_admin_is_refused() {
        let c = config();
        let sig = sign(&c.key, &SigClaims::new(c.sdkappid, "bob", unix_now(), 60));
        let q = query_with(&sig).replace("identifier=administrator", "identifier=bob");
        assert_eq!(check(&c, &[], &q), Err(60010));
        assert_eq!(check(&c, &[Fault::NonAdminAccepted], &q), Ok(()));
    }

    #[test]
    fn cache_remembers_and_is_bounded() {
        let c = config();
        let cache = SigCache::default();
        let sig = good_sig(&c);
        let q = query_with(&sig);
        for _ in 0..3 {
            check_query(&c, FaultSet::default(), &cache, &RestQuery::parse(&q)).unwrap();
        }
        assert_eq!(cache.len(), 1);
        for i in 0..(SIG_CACHE_CAPACITY + 5) as u64 {
            let s = sign(
                &c.key,
                &SigClaims::new(c.sdkappid, "administrator", unix_now(), i),
            );
            let _ = cache.get_or_decode(&s, &c.key, unix_now());
        }
        assert!(cache.len() <= SIG_CACHE_CAPACITY);
    }
}
