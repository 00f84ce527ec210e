//! Client-side pacing under every declared rate, so a run never trips a limit that a case did
//! not set out to trip. Rates get a safety margin: the target counts arrivals, we count sends.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use governor::{Quota, RateLimiter};
use serde_json::Value;

use crate::spec::Suite;

/// Spacing is this much wider than the declared rate.
const MARGIN: f64 = 1.25;

/// A keyed limiter keeps one entry per key (per group written to) until told to forget: every
/// this many calls, entries that no longer hold anyone back are dropped, so a long paced run
/// does not grow without bound.
const PRUNE_EVERY: usize = 1024;

type Direct = RateLimiter<
    governor::state::NotKeyed,
    governor::state::InMemoryState,
    governor::clock::DefaultClock,
>;
type Keyed = RateLimiter<
    String,
    governor::state::keyed::HashMapStateStore<String>,
    governor::clock::DefaultClock,
>;

struct Bucket {
    limiter: Keyed,
    key_pointer: String,
    calls: AtomicUsize,
}

impl Bucket {
    fn new(per_second: u32, key_pointer: String) -> Self {
        Self {
            limiter: RateLimiter::hashmap(spaced(per_second)),
            key_pointer,
            calls: AtomicUsize::new(0),
        }
    }

    async fn wait(&self, key: String) {
        self.limiter.until_key_ready(&key).await;
        self.prune_now_and_then();
    }

    fn note(&self, key: String) {
        let _ = self.limiter.check_key(&key);
        self.prune_now_and_then();
    }

    fn prune_now_and_then(&self) {
        if (self.calls.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(PRUNE_EVERY) {
            self.limiter.retain_recent();
        }
    }
}

pub struct Pacer {
    enabled: bool,
    per_endpoint: HashMap<String, Direct>,
    buckets: HashMap<String, Bucket>,
    endpoint_buckets: HashMap<String, Vec<String>>,
}

/// The gap the pacer keeps between two calls under `per_second`.
pub(crate) fn spacing(per_second: u32) -> Duration {
    Duration::from_secs_f64(MARGIN / f64::from(per_second.max(1)))
}

/// One request at a time, spaced so that no sliding second holds more than `per_second`.
fn spaced(per_second: u32) -> Quota {
    Quota::with_period(spacing(per_second))
        .expect("non-zero period")
        .allow_burst(NonZeroU32::MIN)
}

impl Pacer {
    pub fn new(suite: &Suite, enabled: bool) -> Self {
        let mut per_endpoint = HashMap::new();
        let mut buckets = HashMap::new();
        let mut endpoint_buckets: HashMap<String, Vec<String>> = HashMap::new();
        for (name, endpoint) in &suite.endpoints {
            if let Some(rate) = endpoint.rate_limit {
                per_endpoint.insert(name.clone(), RateLimiter::direct(spaced(rate)));
            }
            for w in &endpoint.write_limits {
                buckets
                    .entry(w.bucket.clone())
                    .or_insert_with(|| Bucket::new(w.per_second, w.key.clone()));
                endpoint_buckets
                    .entry(name.clone())
                    .or_default()
                    .push(w.bucket.clone());
            }
        }
        Self {
            enabled,
            per_endpoint,
            buckets,
            endpoint_buckets,
        }
    }

    /// Waits until `endpoint` may be called with `body`.
    pub async fn wait(&self, endpoint: &str, body: &Value) {
        if !self.enabled {
            return;
        }
        if let Some(l) = self.per_endpoint.get(endpoint) {
            l.until_ready().await;
        }
        for (bucket, key) in self.bucket_keys(endpoint, body) {
            bucket.wait(key).await;
        }
    }

    /// Records a call sent without waiting (a burst that sets out to trip a limit).
    pub fn note(&self, endpoint: &str, body: &Value) {
        if let Some(l) = self.per_endpoint.get(endpoint) {
            let _ = l.check();
        }
        for (bucket, key) in self.bucket_keys(endpoint, body) {
            bucket.note(key);
        }
    }

    fn bucket_keys<'a>(&'a self, endpoint: &str, body: &Value) -> Vec<(&'a Bucket, String)> {
        let Some(names) = self.endpoint_buckets.get(endpoint) else {
            return Vec::new();
        };
        names
            .iter()
            .filter_map(|n| self.buckets.get(n))
            .filter_map(|b| {
                let key = body.pointer(&b.key_pointer)?;
                Some((
                    b,
                    key.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| key.to_string()),
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_keyed_bucket_forgets_keys_that_no_longer_hold_anyone_back() {
        let bucket = Bucket::new(1000, "/GroupId".to_owned());
        for i in 0..PRUNE_EVERY - 1 {
            bucket.note(format!("group-{i}"));
        }
        assert_eq!(bucket.limiter.len(), PRUNE_EVERY - 1);
        // Each key's spacing (1.25 ms at 1000/s) has long passed: the next call prunes them.
        tokio::time::sleep(Duration::from_millis(30)).await;
        bucket.wait("group-last".to_owned()).await;
        assert!(
            bucket.limiter.len() <= 1,
            "expected at most the last key left, found {}",
            bucket.limiter.len()
        );
    }

    #[tokio::test]
    async fn a_key_still_being_spaced_is_kept() {
        let bucket = Bucket::new(1, "/GroupId".to_owned());
        bucket.note("busy".to_owned());
        for i in 1..PRUNE_EVERY {
            bucket.note(format!("group-{i}"));
        }
        // At 1/s every key is still inside its spacing: none may be forgotten.
        assert_eq!(bucket.limiter.len(), PRUNE_EVERY);
    }
}
