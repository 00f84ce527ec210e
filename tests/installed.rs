//! An installed binary works from an empty directory with the contract built into it: `run`,
//! `serve`, `coverage`, `selftest`, `export openapi` and `lint`. `export contract DIR` writes a
//! copy that `lint DIR` accepts and that `run --specs DIR/specs --snapshots DIR/snapshots` runs
//! with the same results, and the copy, once edited, is what runs. How the copied binary
//! stands for `cargo install` is said in `installed_support`.

mod installed_support;

use std::collections::BTreeMap;
use std::path::Path;

use installed_support::{Installed, Ran, empty_dir, tree};
use serde_json::Value;

const KEY: &str = "installed-test-key-5e6f7a8b";

/// How many endpoint files this repository's spec directory has.
fn endpoints() -> usize {
    std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/endpoints"))
        .unwrap()
        .count()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Case id → outcome, from a JSON report.
fn outcomes(report: &Value) -> BTreeMap<String, String> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn lint_coverage_and_the_exports_read_the_built_in_contract() {
    let bin = Installed::new();
    let cwd = empty_dir();
    let dir = cwd.path();
    let lint = bin.run(dir, &["lint"], &[]);
    lint.expect(0);
    assert!(
        lint.stdout.starts_with("embedded contract (imconform ")
            && lint.stdout.contains(&format!(" {} endpoints", endpoints()))
            && lint
                .stdout
                .contains("snapshots (each one a case compares with is recorded): ok"),
        "{}",
        lint.stdout
    );
    let coverage = bin.run(dir, &["coverage", "--format", "json"], &[]);
    coverage.expect(0);
    let coverage: Value = serde_json::from_str(&coverage.stdout).unwrap();
    assert!(coverage.to_string().contains("get_group_attr"));

    // The same documents as from this repository's spec directory, byte for byte.
    let repo_specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let repo_specs = repo_specs.to_str().unwrap();
    let openapi = bin.run(dir, &["export", "openapi"], &[]);
    openapi.expect(0);
    assert!(openapi.stdout.contains("\"openapi\": \"3.1.0\""));
    let from_repo = bin.run(dir, &["export", "openapi", "--specs", repo_specs], &[]);
    assert_eq!(openapi.stdout, from_repo.stdout);
    let hurl = ["export", "hurl", "--run-id", "fixed"];
    let from_repo = bin.run(dir, &[&hurl[..], &["--specs", repo_specs]].concat(), &[]);
    assert_eq!(bin.run(dir, &hurl, &[]).expect(0).stdout, from_repo.stdout);

    assert!(tree(dir).is_empty(), "they wrote nothing: {:?}", tree(dir));
}

#[test]
fn run_and_serve_work_from_an_empty_directory() {
    let bin = Installed::new();
    let cwd = empty_dir();
    let dir = cwd.path();
    // Without the one-second push rules: their chain of paced pushes is not what this is about.
    let quick = "--emulator-no-push-clock";
    let listed = bin.run(dir, &["run", "--list", quick], &[]);
    let planned = listed.expect(0).stdout.lines().count();
    assert!(planned > 200, "only {planned} cases");

    let run = bin.run(dir, &["run", quick, "--report", "json=run.json"], &[]);
    run.expect(0);
    assert_eq!(
        run.summary(),
        format!("{planned} passed, 0 failed, 0 skipped")
    );
    let report = json(&dir.join("run.json"));
    assert_eq!(report["contract"]["specs"], "embedded");
    assert_eq!(report["contract"]["snapshots"], "embedded");
    assert_eq!(
        report["contract"]["embedded_version"],
        env!("CARGO_PKG_VERSION")
    );
    let contract_line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("contract: "))
        .unwrap();
    assert!(
        contract_line.starts_with(&format!(
            "contract: embedded (imconform {}, sha256:",
            env!("CARGO_PKG_VERSION")
        )),
        "{contract_line}"
    );

    // `serve` from another empty directory, and a run against it as a real target.
    let served = bin.serve(&[], &[("IMCONFORM_SECRET_KEY", KEY)]);
    let env = [("IMCONFORM_SECRET_KEY", KEY)];
    let run = bin.run(
        dir,
        &["run", "--target", &served.url, "--filter", "get_group_info"],
        &env,
    );
    run.expect(0);
    assert!(run.summary().ends_with(" passed, 0 failed, 0 skipped"));

    // Recording needs a local directory, and says so.
    let update = bin.run(dir, &["run", "--update-snapshots"], &[]);
    update.expect(4);
    assert!(
        update
            .stderr
            .contains("--update-snapshots records snapshots into a local directory")
            && update.stderr.contains("--snapshots DIR"),
        "{}",
        update.stderr
    );
    // Only what was asked for: the report, and the ledger of the run against a target.
    assert_eq!(tree(dir), [".imconform/ledger.jsonl", "run.json"]);
}

#[test]
fn selftest_works_from_an_empty_directory() {
    let bin = Installed::new();
    let cwd = empty_dir();
    let ran = bin.run(cwd.path(), &["selftest", "--json", "matrix.json"], &[]);
    ran.expect(0);
    let matrix = json(&cwd.path().join("matrix.json"));
    assert!(matrix["clean"].as_array().unwrap().len() >= 6);
    assert!(matrix["faults"].as_array().unwrap().len() >= 30);
    assert_eq!(tree(cwd.path()), ["matrix.json"]);
}

#[test]
fn snapshot_mismatches_of_the_built_in_contract_are_left_for_review() {
    let bin = Installed::new();
    let cwd = empty_dir();
    let dir = cwd.path();
    let faulty = [
        "run",
        "--filter",
        "get_group_attr::two_keys",
        "--fault",
        "group-attr-field-renamed",
    ];
    let ran = bin.run(dir, &faulty, &[]);
    ran.expect(1);
    assert!(
        ran.stdout
            .contains("this run's is in imconform-new-snapshots/get_group_attr.two_keys.snap.new"),
        "{}",
        ran.stdout
    );
    let pending = std::fs::read_to_string(
        dir.join("imconform-new-snapshots/get_group_attr.two_keys.snap.new"),
    )
    .unwrap();
    assert!(
        pending.starts_with("---\nsource: \"specs/endpoints/get_group_attr.yaml\"\n"),
        "{pending}"
    );
    assert!(pending.contains("GroupAttr"), "{pending}");

    // A directory the user names; other profiles in a folder each, as the snapshots are.
    let named = [
        &faulty[..],
        &["--profile", "push-legacy", "--new-snapshots", "review"],
    ]
    .concat();
    bin.run(dir, &named, &[]).expect(1);
    assert!(
        dir.join("review/push-legacy/get_group_attr.two_keys.snap.new")
            .is_file(),
        "{:?}",
        tree(dir)
    );
}

#[test]
fn an_exported_contract_runs_as_the_built_in_one_until_edited() {
    let bin = Installed::new();
    let cwd = empty_dir();
    let dir = cwd.path();
    let written = bin.run(dir, &["export", "contract", "mine"], &[]);
    written.expect(0);
    assert!(
        written.stdout.contains("spec files to mine/specs"),
        "{}",
        written.stdout
    );
    let files = tree(&dir.join("mine"));
    for file in [
        "specs/service.yaml",
        "specs/endpoints/get_group_attr.yaml",
        "specs/schemas/defs.json",
        "specs/language/endpoint.schema.json",
        "snapshots/get_group_attr.two_keys.snap",
        "snapshots/push-legacy/get_group_attr.two_keys.snap",
    ] {
        assert!(files.iter().any(|f| f == file), "{file} missing: {files:?}");
    }
    bin.run(dir, &["export", "contract", "mine"], &[]).expect(4);
    let lint = bin.run(dir, &["lint", "mine"], &[]);
    lint.expect(0);
    assert!(
        lint.stdout
            .starts_with(&format!("mine/specs: {} endpoints", endpoints())),
        "{}",
        lint.stdout
    );

    let copy = ["--specs", "mine/specs", "--snapshots", "mine/snapshots"];
    // Without the one-second push rules: their chain of paced pushes is not what this is about.
    let quick = "--emulator-no-push-clock";
    for profile in ["current", "attr-2022", "push-legacy"] {
        let built_in = format!("json=built-in-{profile}.json");
        let exported = format!("json=copy-{profile}.json");
        bin.run(
            dir,
            &["run", "--profile", profile, quick, "--report", &built_in],
            &[],
        )
        .expect(0);
        let args = [
            &["run", "--profile", profile, quick, "--report", &exported][..],
            &copy,
        ]
        .concat();
        bin.run(dir, &args, &[]).expect(0);
        let built_in = json(&dir.join(format!("built-in-{profile}.json")));
        let exported = json(&dir.join(format!("copy-{profile}.json")));
        assert_eq!(outcomes(&built_in), outcomes(&exported), "{profile}");
        assert!(outcomes(&built_in).len() > 200, "{profile}");
        assert_eq!(
            built_in["contract"]["fingerprint"], exported["contract"]["fingerprint"],
            "an untouched copy has the built-in contract's fingerprint"
        );
        assert_eq!(exported["contract"]["specs"], "mine/specs");
    }

    // Edited, the copy is what runs: a changed snapshot fails there (held byte for byte, so the
    // edit fails whatever the docs leave open) and leaves its `.snap.new` beside it, while the
    // built-in contract still passes.
    let snap = dir.join("mine/snapshots/get_group_info.public.snap");
    let text = std::fs::read_to_string(&snap).unwrap();
    let edited = text.replacen("\"OK\"", "\"EDITED\"", 1);
    assert_ne!(edited, text);
    std::fs::write(&snap, edited).unwrap();
    let one = [
        "run",
        "--filter",
        "get_group_info::ok",
        "--strict-snapshots",
        "--report",
        "json=edited.json",
    ];
    let ran = bin.run(dir, &[&one[..], &copy].concat(), &[]);
    ran.expect(1);
    assert!(
        dir.join("mine/snapshots/get_group_info.public.snap.new")
            .is_file()
    );
    let report = json(&dir.join("edited.json"));
    assert_ne!(
        report["contract"]["fingerprint"],
        json(&dir.join("built-in-current.json"))["contract"]["fingerprint"]
    );
    bin.run(dir, &one, &[]).expect(0);

    // `lint DIR` reads the copy: a snapshot taken away and a spec file broken are reported at
    // their place in it.
    std::fs::remove_file(dir.join("mine/snapshots/push-legacy/get_group_attr.two_keys.snap"))
        .unwrap();
    let lint = bin.run(dir, &["lint", "mine"], &[]);
    lint.expect(2);
    assert!(
        lint.stderr.contains("mine/specs/endpoints/get_group_attr.yaml:")
            && lint.stderr.contains(
                "snapshot `get_group_attr.two_keys` is not recorded under profile `push-legacy`: there is no mine/snapshots/push-legacy/get_group_attr.two_keys.snap"
            ),
        "{}",
        lint.stderr
    );
    let endpoint = dir.join("mine/specs/endpoints/get_group_info.yaml");
    let mut text = std::fs::read_to_string(&endpoint).unwrap();
    text.push_str("not_a_field: 1\n");
    std::fs::write(&endpoint, text).unwrap();
    let lint = bin.run(dir, &["lint", "mine"], &[]);
    lint.expect(2);
    assert!(
        lint.stderr
            .contains("mine/specs/endpoints/get_group_info.yaml:"),
        "{}",
        lint.stderr
    );
}

#[test]
fn a_local_copy_is_named_by_environment_variables_too() {
    let bin = Installed::new();
    let cwd = empty_dir();
    let dir = cwd.path();
    bin.run(dir, &["export", "contract", "c"], &[]).expect(0);
    let endpoint = dir.join("c/specs/endpoints/get_group_info.yaml");
    let text = std::fs::read_to_string(&endpoint).unwrap();
    let renamed = text.replacen(
        "  - name: missing_group_id_list\n",
        "  - name: mine_without_ids\n",
        1,
    );
    assert_ne!(renamed, text);
    std::fs::write(&endpoint, renamed).unwrap();
    let env = [
        ("IMCONFORM_SPECS", "c/specs"),
        ("IMCONFORM_SNAPSHOTS", "c/snapshots"),
    ];
    let listed: Ran = bin.run(dir, &["run", "--list"], &env);
    listed.expect(0);
    assert!(listed.stdout.contains("get_group_info::mine_without_ids\n"));
    let ran = bin.run(dir, &["run", "--filter", "mine_without_ids"], &env);
    ran.expect(0);
    assert_eq!(ran.summary(), "1 passed, 0 failed, 0 skipped");
    assert!(
        ran.stdout
            .contains("contract: specs c/specs, snapshots c/snapshots (sha256:")
    );
    let coverage = bin.run(dir, &["coverage", "--format", "json"], &env);
    assert!(
        coverage
            .expect(0)
            .stdout
            .contains("\"get_group_info::mine_without_ids\"")
    );
    // The flag wins over the variable.
    let flagged = bin.run(dir, &["run", "--list", "--specs", "embedded"], &env);
    assert!(
        flagged
            .expect(0)
            .stdout
            .contains("get_group_info::missing_group_id_list\n")
    );
    assert!(!flagged.stdout.contains("mine_without_ids"));
}
