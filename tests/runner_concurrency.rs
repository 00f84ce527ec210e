//! Concurrency: many clients writing group attributes at once through the emulator (write
//! rate limit off). Every write answered OK is visible afterwards; no write answered with an
//! error took effect, not even in part.

#[path = "emulator_support/mod.rs"]
mod emulator_support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use emulator_support::{Api, kv, unlimited};

/// One write and how it was answered.
#[derive(Debug, Clone)]
struct Write {
    group: String,
    pairs: Vec<(String, String)>,
    code: i64,
}

async fn write(api: &Api, group: &str, pairs: Vec<(String, String)>) -> Write {
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let answer = api.modify(group, kv(&refs)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let code = answer.code();
    assert_eq!(
        answer.json["ActionStatus"],
        if code == 0 { "OK" } else { "FAIL" },
        "{answer:?}"
    );
    Write {
        group: group.to_owned(),
        pairs,
        code,
    }
}

/// Checks the final state of each group against the answered writes: keys written only by
/// successful writes, with a value one of them wrote; nothing from a failed write unless a
/// successful write set the same key and value too.
async fn assert_consistent(api: &Api, groups: &[String], writes: &[Write]) {
    for group in groups {
        let state: BTreeMap<String, String> = api.attrs(group).await.into_iter().collect();
        let mine: Vec<&Write> = writes.iter().filter(|w| &w.group == group).collect();
        let ok_values: BTreeMap<&str, BTreeSet<&str>> = mine
            .iter()
            .filter(|w| w.code == 0)
            .flat_map(|w| &w.pairs)
            .fold(BTreeMap::new(), |mut m, (k, v)| {
                m.entry(k.as_str()).or_default().insert(v.as_str());
                m
            });
        // Every key of an OK write is there, holding a value some OK write gave it.
        for (key, values) in &ok_values {
            let got = state.get(*key);
            assert!(
                got.is_some_and(|v| values.contains(v.as_str())),
                "{group}: key {key} is {got:?}, OK writes gave {values:?}"
            );
        }
        // Nothing else is there: a failed write left no key behind.
        for (key, value) in &state {
            assert!(
                ok_values.contains_key(key.as_str()),
                "{group}: key {key}={value} was set by no write answered OK"
            );
        }
        for w in mine.iter().filter(|w| w.code != 0) {
            for (k, v) in &w.pairs {
                let leaked = state.get(k).is_some_and(|got| got == v)
                    && !ok_values
                        .get(k.as_str())
                        .is_some_and(|s| s.contains(v.as_str()));
                assert!(!leaked, "{group}: failed write {w:?} took effect for {k}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_clients_writing_to_one_group_near_the_key_limit() {
    let api = Arc::new(Api::start(unlimited()).await);
    let group = api.group("Public").await;
    // 24 clients × 3 writes of 2 new keys each: only 8 writes fit the 16-key limit, the rest
    // must fail whole. Some writes also overwrite a shared key.
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..24 {
        let (api, group) = (api.clone(), group.clone());
        tasks.spawn(async move {
            let mut out = Vec::new();
            for i in 0..3 {
                let pairs = vec![
                    (format!("c{client}_{i}_a"), format!("v{client}")),
                    (format!("c{client}_{i}_b"), format!("v{client}")),
                ];
                out.push(write(&api, &group, pairs).await);
                if i == 1 {
                    out.push(
                        write(&api, &group, vec![("shared".into(), format!("s{client}"))]).await,
                    );
                }
            }
            out
        });
    }
    let mut writes = Vec::new();
    while let Some(done) = tasks.join_next().await {
        writes.extend(done.unwrap());
    }
    let ok = writes.iter().filter(|w| w.code == 0).count();
    let failed: BTreeSet<i64> = writes
        .iter()
        .filter(|w| w.code != 0)
        .map(|w| w.code)
        .collect();
    assert!(ok >= 8, "{ok} writes succeeded");
    assert!(!failed.is_empty(), "the key limit was never reached");
    assert!(
        failed
            .iter()
            .all(|c| *c == 10004 || (10000..11000).contains(c)),
        "{failed:?}"
    );
    let state = api.attrs(&group).await;
    assert!(
        state.len() <= 16,
        "{} keys: the limit gave way under concurrency",
        state.len()
    );
    assert_consistent(&api, std::slice::from_ref(&group), &writes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_clients_writing_to_many_groups_at_once() {
    let api = Arc::new(Api::start(unlimited()).await);
    let mut groups = Vec::new();
    for _ in 0..8 {
        groups.push(api.group("Public").await);
    }
    let groups = Arc::new(groups);
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..16usize {
        let (api, groups) = (api.clone(), groups.clone());
        tasks.spawn(async move {
            let mut out = Vec::new();
            for i in 0..12usize {
                let group = &groups[(client * 7 + i * 3) % groups.len()];
                let pairs = match i % 4 {
                    // Valid: one shared key per group and one of the client's own.
                    0 | 1 => vec![
                        (format!("k{}", i % 3), format!("c{client}i{i}")),
                        (format!("own{client}"), format!("c{client}i{i}")),
                    ],
                    // Invalid in part: a valid key next to a 33-byte key.
                    2 => vec![
                        (format!("half{client}_{i}"), "x".into()),
                        ("k".repeat(33), "y".into()),
                    ],
                    // Invalid in part: a valid key next to a value past 4000 bytes.
                    _ => vec![
                        (format!("big{client}_{i}"), "x".into()),
                        (format!("bigv{client}_{i}"), "v".repeat(4001)),
                    ],
                };
                out.push(write(&api, group, pairs).await);
            }
            out
        });
    }
    let mut writes = Vec::new();
    while let Some(done) = tasks.join_next().await {
        writes.extend(done.unwrap());
    }
    assert_eq!(writes.len(), 16 * 12);
    // Every invalid write failed, whole; the valid ones may meet the key limit.
    for w in &writes {
        let invalid = w.pairs.iter().any(|(k, v)| k.len() > 32 || v.len() > 4000);
        if invalid {
            assert_ne!(w.code, 0, "an invalid write was accepted: {w:?}");
        }
    }
    let ok = writes.iter().filter(|w| w.code == 0).count();
    assert!(ok > 16, "only {ok} writes succeeded");
    assert_consistent(&api, &groups, &writes).await;
    // The half-valid keys never appear anywhere.
    for g in groups.iter() {
        let state = api.attrs(g).await;
        assert!(
            state
                .iter()
                .all(|(k, _)| !k.starts_with("half") && !k.starts_with("big")),
            "{g}: {state:?}"
        );
    }
}
