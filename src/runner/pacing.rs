//! Client-side pacing under every declared rate, so a run never trips a limit that a case did
//! not set out to trip. Rates get a safety margin: the target counts arrivals, we count sends.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::{Quota, RateLimiter};
use serde_json::Value;

use crate::spec::Suite;

/// Spacing is this much wider than the declared rate.
const MARGIN: f64 = 1.25;

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
}

pub struct Pacer {
    enabled: bool,
    per_endpoint: HashMap<String, Direct>,
    buckets: HashMap<String, Bucket>,
    endpoint_buckets: HashMap<String, Vec<String>>,
}

/// One request at a time, spaced so that no sliding second holds more than `per_second`.
fn spaced(per_second: u32) -> Quota {
    let period = Duration::from_secs_f64(MARGIN / f64::from(per_second.max(1)));
    Quota::with_period(period)
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
                buckets.entry(w.bucket.clone()).or_insert_with(|| Bucket {
                    limiter: RateLimiter::hashmap(spaced(w.per_second)),
                    key_pointer: w.key.clone(),
                });
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
            bucket.limiter.until_key_ready(&key).await;
        }
    }

    /// Records a call sent without waiting (a burst that sets out to trip a limit).
    pub fn note(&self, endpoint: &str, body: &Value) {
        if let Some(l) = self.per_endpoint.get(endpoint) {
            let _ = l.check();
        }
        for (bucket, key) in self.bucket_keys(endpoint, body) {
            let _ = bucket.limiter.check_key(&key);
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
