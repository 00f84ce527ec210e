//! Secrets: a run with a known key (`--key-file`), including failures, never shows the key or
//! a UserSig in stdout, stderr, any report or any `.snap.new` file.

mod support;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use imconform::auth::usersig::{SecretKey, SigClaims, sign};
use support::*;

/// Not the emulator's default key, so a leak cannot come from a hard-coded constant.
const KEY: &str = "leak-test-key-7f3a9c21d4e8b605";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Every file under `dir` (reports, snapshots), with its text.
fn files_under(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push((path, text));
        }
    }
}

/// The sigs the signer would have made for the admin during the run (it signs with the
/// current second and a one-day lifetime).
fn sigs_between(key: &str, from: u64, to: u64) -> Vec<String> {
    let key = SecretKey::new(key);
    (from.saturating_sub(2)..=to + 2)
        .map(|t| sign(&key, &SigClaims::new(SDKAPPID, ADMIN, t, 86_400)))
        .collect()
}

/// Fails naming the stream and the excerpt where a secret shows.
fn assert_clean(name: &str, text: &str, sigs: &[String]) {
    let excerpt = |at: usize| {
        let start = text[..at]
            .char_indices()
            .rev()
            .nth(60)
            .map_or(0, |(i, _)| i);
        let end = text[at..]
            .char_indices()
            .nth(80)
            .map_or(text.len(), |(i, _)| at + i);
        text[start..end].to_owned()
    };
    if let Some(at) = text.find(KEY) {
        panic!("{name} holds the key: …{}…", excerpt(at));
    }
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = lower[from..].find("usersig=") {
        let at = from + p + "usersig=".len();
        let rest = &text[at..];
        let ends_value =
            rest.is_empty() || rest.starts_with(['&', '"', '\'', '\\', ' ', '\n', '#']);
        assert!(
            // `<usersig>` is the reproducers' placeholder: never a sig (`<` is not in the alphabet).
            rest.starts_with("<redacted>")
                || rest.starts_with("&lt;redacted&gt;")
                || rest.starts_with("<usersig>")
                || rest.starts_with("&lt;usersig&gt;")
                || ends_value,
            "{name} shows a usersig: …{}…",
            excerpt(at)
        );
        from = at;
    }
    for sig in sigs {
        if let Some(at) = text.find(sig.as_str()) {
            panic!("{name} holds a sig the run made: …{}…", excerpt(at));
        }
    }
    // zlib streams start 0x78 0x9c, which base64 writes as `eJy` / `eJw`: any sig.
    for prefix in ["eJy", "eJw"] {
        if let Some(at) = text.find(prefix) {
            panic!("{name} holds something sig-shaped: …{}…", excerpt(at));
        }
    }
}

fn check_everything(run: &CliRun, dir: &Path, sigs: &[String]) -> usize {
    assert_clean("stdout", &run.stdout, sigs);
    assert_clean("stderr", &run.stderr, sigs);
    let mut files = Vec::new();
    files_under(dir, &mut files);
    for (path, text) in &files {
        assert_clean(&path.display().to_string(), text, sigs);
    }
    files.len()
}

#[test]
fn a_failing_run_against_the_emulator_leaks_neither_key_nor_sig() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let key = dir.path().join("key");
    std::fs::write(&key, format!("{KEY}\n")).unwrap();
    let snapshots = out.join("snapshots");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"),
        &snapshots,
    );
    let report = |f: &str, n: &str| format!("{f}={}", out.join(n).display());
    let from = now();
    let run = run_cli(&[
        "run",
        "--specs",
        &real_specs().display().to_string(),
        "--snapshots",
        &snapshots.display().to_string(),
        "--key-file",
        &key.display().to_string(),
        // Failures of every kind: auth cases the faults let through, non-JSON error bodies,
        // and snapshot mismatches (a renamed field) leaving `.snap.new` files.
        "--fault",
        "wrong-key-accepted",
        "--fault",
        "expired-sig-accepted",
        "--fault",
        "non-json-error-body",
        "--fault",
        "group-attr-field-renamed",
        "--details-differ",
        "--filter",
        "usersig_",
        "--filter",
        "identifier_",
        "--filter",
        "get_group_attr",
        "--filter",
        "create_group",
        "--verbose",
        "--report",
        &report("junit", "junit.xml"),
        "--report",
        &report("json", "report.json"),
        "--report",
        &report("markdown", "report.md"),
    ]);
    let to = now();
    assert_eq!(run.code, Some(1), "{}", run.all());
    let json = read_json(&out.join("report.json"));
    assert!(
        json["totals"]["failed"].as_u64().unwrap() >= 5,
        "{}",
        run.all()
    );
    let mut pending = Vec::new();
    files_under(&snapshots, &mut pending);
    assert!(
        pending
            .iter()
            .any(|(p, _)| p.to_string_lossy().ends_with(".snap.new")),
        "the run left no .snap.new to check"
    );
    let sigs = sigs_between(KEY, from, to);
    let files = check_everything(&run, &out, &sigs);
    assert!(files > 3, "{files} files checked");
    // The run did sign with the key: the sig for the run's second verifies the search works.
    assert!(sigs.iter().all(|s| s.starts_with("eJ")));
}

#[test]
fn a_target_echoing_the_query_and_the_sig_does_not_leak_it_into_reports() {
    // A hostile target: echoes the query string and the bare usersig value into ErrorInfo,
    // a JSON field and a header-like text field.
    let server = RawServer::start(|req| {
        let sig = req
            .query
            .split('&')
            .find_map(|kv| kv.strip_prefix("usersig="))
            .unwrap_or("")
            .to_owned();
        let body = serde_json::json!({
            "ActionStatus": "FAIL",
            "ErrorCode": 70001,
            "ErrorInfo": format!("bad sig {sig} for {}", req.query),
            "Echo": {"Sig": sig, "Query": req.query},
        });
        json_reply(&body)
    });
    let dir = tempdir();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, KEY).unwrap();
    let report = |f: &str, n: &str| format!("{f}={}", out.join(n).display());
    let snaps = out.join("snapshots");
    std::fs::create_dir_all(&snaps).unwrap();
    let from = now();
    let run = run_cli(&[
        "run",
        "--specs",
        &runner_specs().display().to_string(),
        "--snapshots",
        &snaps.display().to_string(),
        "--target",
        &server.url(),
        "--key-file",
        &key.display().to_string(),
        "--timeout",
        "2",
        "--retries",
        "0",
        "--filter",
        "probe::wrong_code",
        "--filter",
        "probe::snapshot_mismatch",
        "--filter",
        "probe::passes",
        "--verbose",
        "--report",
        &report("junit", "junit.xml"),
        "--report",
        &report("json", "report.json"),
        "--report",
        &report("markdown", "report.md"),
    ]);
    let to = now();
    assert_eq!(run.code, Some(1), "{}", run.all());
    // The target did see the sig (so there was something to leak).
    let seen = server.requests()[0].query.clone();
    assert!(seen.contains("usersig=eJ"), "{seen}");
    assert!(snaps.join("probe.ok.snap.new").exists());
    let sigs = sigs_between(KEY, from, to);
    check_everything(&run, &out, &sigs);
    // The echoed text is still there around the redaction.
    let json = read(&out.join("report.json"));
    assert!(json.contains("bad sig <redacted> for "), "{json}");
}
