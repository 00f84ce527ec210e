//! Spending a real app's quota is explicit: against a `--target` (here `imconform serve`, a
//! plain URL to the run), cases that declare a cost are skipped with the reason unless
//! `--allow` names it, and the run says up front what the plan would spend. The embedded
//! emulator runs them all.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use imconform::emulator::DEFAULT_TEST_KEY;

/// A case of each cost: one push (push_quota), the app's 1,000 distinct tags (lasting), and
/// one that spends nothing.
const CASES: [&str; 3] = [
    "push::not_admin",
    "add_tag::app_holds_at_most_1000_distinct_tags",
    "revoke::unknown_task",
];

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_imconform"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("IMCONFORM_SECRET_KEY", DEFAULT_TEST_KEY)
        .env_remove("IMCONFORM_TARGET");
    c
}

/// `imconform serve` on a free port, and its URL; killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start() -> Served {
        let mut child = bin()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start imconform serve");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("piped stdout"))
            .read_line(&mut line)
            .expect("serve prints its URL");
        Served {
            child,
            url: line.trim().to_owned(),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(target: Option<&str>, extra: &[&str]) -> Output {
    let ledger = std::env::temp_dir().join(format!("imconform-costs-{}.jsonl", std::process::id()));
    let mut c = bin();
    c.arg("run").arg("--ledger").arg(&ledger);
    if let Some(url) = target {
        c.args(["--target", url]);
    }
    for case in CASES {
        c.args(["--filter", case]);
    }
    c.args(extra).output().expect("run imconform")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_target_skips_costly_cases_unless_allowed() {
    let served = Served::start();

    let o = run(Some(&served.url), &[]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        err.contains("push_quota: 1 case makes 1 push call (a day: default 100, free edition 10); skipped (--allow push_quota runs it)"),
        "{err}"
    );
    assert!(
        err.contains("lasting: 1 case; skipped (--allow lasting runs it)"),
        "{err}"
    );
    assert!(
        out.contains("SKIP push::not_admin — not run against this target: it spends `push_quota`, which the run does not allow (--allow push_quota runs it)"),
        "{out}"
    );
    assert!(
        out.contains("SKIP add_tag::app_holds_at_most_1000_distinct_tags — not run against this target: it spends `lasting`"),
        "{out}"
    );
    assert!(out.contains("1 passed, 0 failed, 2 skipped"), "{out}");

    // Another app: the first run's revoke would still be inside the one-a-second rule.
    let served = Served::start();
    let o = run(
        Some(&served.url),
        &["--allow", "push_quota", "--allow", "lasting"],
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        err.contains("push_quota: 1 case makes 1 push call (a day: default 100, free edition 10); allowed, it runs"),
        "{err}"
    );
    assert!(out.contains("3 passed, 0 failed, 0 skipped"), "{out}");
}

#[test]
fn the_embedded_emulator_runs_costly_cases() {
    let o = run(None, &[]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("3 passed, 0 failed, 0 skipped"), "{out}");
    assert!(!err.contains("push_quota"), "nothing real is spent: {err}");
}

#[test]
fn an_unknown_cost_is_a_usage_error() {
    let o = run(Some("http://127.0.0.1:9"), &["--allow", "push_quotas"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(
        err.contains("--allow: unknown cost \"push_quotas\" (the service declares push_quota, all_users, lasting)"),
        "{err}"
    );
}

#[test]
fn without_the_push_clock_the_cases_probing_it_are_left_out() {
    let list = |extra: &[&str]| -> Vec<String> {
        let o = bin()
            .args([
                "run", "--list", "--filter", "push::", "--filter", "revoke::",
            ])
            .args(extra)
            .output()
            .expect("run imconform");
        assert_eq!(o.status.code(), Some(0));
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let all = list(&[]);
    let quick = list(&["--emulator-no-push-clock"]);
    let left_out: Vec<&String> = all.iter().filter(|id| !quick.contains(id)).collect();
    assert_eq!(
        left_out,
        [
            "push::pushes_more_than_1s_apart",
            "revoke::at_most_one_a_second"
        ]
    );
    // An emulator option: with a URL it is a usage error.
    let o = bin()
        .args([
            "run",
            "--target",
            "http://127.0.0.1:9",
            "--emulator-no-push-clock",
        ])
        .output()
        .expect("run imconform");
    assert_eq!(o.status.code(), Some(4));
}
