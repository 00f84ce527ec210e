//! `imconform cleanup` removes what a killed run left on a target, from the run's ledger; a
//! run that tears down normally leaves nothing pending.

#[path = "emulator_support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::process::Command;

use imconform::emulator::DEFAULT_TEST_KEY;
use imconform::runner::ledger::{Ledger, LedgerEntry, LedgerEvent, pending};
use serde_json::{Value, json};
use support::{Api, unlimited};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_imconform"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("IMCONFORM_SECRET_KEY", DEFAULT_TEST_KEY);
    c
}

fn made(target: &str, key: &str, fixture: &str, scope: &[(&str, &str)]) -> LedgerEntry {
    LedgerEntry {
        event: LedgerEvent::Made,
        key: key.to_owned(),
        run_id: "deadbeef".to_owned(),
        target: target.to_owned(),
        fixture: fixture.to_owned(),
        scope: scope
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect::<HashMap<_, _>>(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cleanup_tears_down_what_a_killed_run_left() {
    let api = Api::start(unlimited()).await;
    let url = api.handle.base_url();
    let g1 = api.group("Public").await;
    let g2 = api.group("AVChatRoom").await;
    api.import("imcdeadbeef_1_u").await;
    let dir = std::env::temp_dir().join(format!("imconform-cleanup-{}", std::process::id()));
    let ledger_path = dir.join("ledger.jsonl");
    let ledger = Ledger::open(&ledger_path).unwrap();
    ledger
        .append(&made(
            &url,
            "deadbeef/0/g",
            "group",
            &[("GroupId", &g1), ("type", "Public")],
        ))
        .unwrap();
    ledger
        .append(&made(
            &url,
            "deadbeef/1/g",
            "group",
            &[("GroupId", &g2), ("type", "AVChatRoom")],
        ))
        .unwrap();
    ledger
        .append(&made(
            &url,
            "deadbeef/1/u",
            "account",
            &[("self.name", "imcdeadbeef_1_u")],
        ))
        .unwrap();
    ledger
        .append(&made(
            "http://elsewhere:1",
            "other/0/g",
            "group",
            &[("GroupId", "x")],
        ))
        .unwrap();

    let out = tokio::task::spawn_blocking({
        let (url, path) = (url.clone(), ledger_path.clone());
        move || {
            bin()
                .args(["cleanup", "--target", &url, "--ledger"])
                .arg(&path)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("removed ").count(), 3, "{stdout}");

    let info = api
        .call(
            "group_open_http_svc/get_group_info",
            json!({"GroupIdList": [g1, g2]}),
        )
        .await;
    for g in info.json["GroupInfo"].as_array().unwrap() {
        assert_eq!(g["ErrorCode"], 10010, "group still there: {g}");
    }
    let check = api
        .call(
            "im_open_login_svc/account_check",
            json!({"CheckItem": [{"UserID": "imcdeadbeef_1_u"}]}),
        )
        .await;
    assert_eq!(check.json["ResultItem"][0]["AccountStatus"], "NotImported");
    let left = pending(&ledger_path).unwrap();
    assert_eq!(
        left.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
        vec!["other/0/g"],
        "other targets' entries stay"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_tears_down_leaves_nothing_pending() {
    let api = Api::start(unlimited()).await;
    let url = api.handle.base_url();
    let dir = std::env::temp_dir().join(format!("imconform-ledger-run-{}", std::process::id()));
    let ledger_path = dir.join("ledger.jsonl");
    let out = tokio::task::spawn_blocking({
        let (url, path) = (url.clone(), ledger_path.clone());
        move || {
            bin()
                .args([
                    "run",
                    "--target",
                    &url,
                    "--filter",
                    "get_group_attr::two_keys",
                    "--ledger",
                ])
                .arg(&path)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = std::fs::read_to_string(&ledger_path).unwrap();
    assert!(
        text.contains("\"made\"") && text.contains("\"removed\""),
        "{text}"
    );
    assert!(pending(&ledger_path).unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_named_target_runs_and_cleans_up_with_its_own_ledger_and_key_source() {
    let api = Api::start(unlimited()).await;
    let url = api.handle.base_url();
    let dir = std::env::temp_dir().join(format!("imconform-named-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("imconform.toml");
    std::fs::write(
        &config,
        format!(
            "[targets.stage]\nurl = \"{url}\"\nsdkappid = {}\nkey_env = \"IMCONFORM_TEST_STAGE_KEY\"\nledger = \"stage-ledger.jsonl\"\n",
            imconform::emulator::DEFAULT_SDKAPPID
        ),
    )
    .unwrap();
    let ledger_path = dir.join("stage-ledger.jsonl");
    let named = move |args: &[&str]| {
        let mut c = bin();
        c.env_remove("IMCONFORM_SECRET_KEY")
            .env("IMCONFORM_TEST_STAGE_KEY", DEFAULT_TEST_KEY)
            .args(args)
            .arg("--config")
            .arg(&config)
            .args(["--target", "stage"]);
        c.output().unwrap()
    };
    // A run of the named target records its fixtures in the target's own ledger.
    let named_run = named.clone();
    let out = tokio::task::spawn_blocking(move || {
        named_run(&["run", "--filter", "get_group_attr::two_keys"])
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&ledger_path).unwrap();
    assert!(
        text.contains("\"made\"") && text.contains("\"removed\""),
        "{text}"
    );

    // What a killed run left there, cleaned up by name.
    let group = api.group("Public").await;
    Ledger::open(&ledger_path)
        .unwrap()
        .append(&made(
            &url,
            "deadbeef/0/g",
            "group",
            &[("GroupId", &group), ("type", "Public")],
        ))
        .unwrap();
    let out = tokio::task::spawn_blocking(move || named(&["cleanup"]))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("removed ").count(), 1, "{stdout}");
    let info = api
        .call(
            "group_open_http_svc/get_group_info",
            json!({"GroupIdList": [group]}),
        )
        .await;
    assert_eq!(info.json["GroupInfo"][0]["ErrorCode"], 10010);
    assert!(pending(&ledger_path).unwrap().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
