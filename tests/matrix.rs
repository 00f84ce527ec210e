//! Several targets side by side, through the built binary: named targets from `imconform.toml`
//! run at once into one matrix, `imconform matrix` rebuilds it from single runs' reports,
//! `imconform known --from` turns a run's failures into expectations, and config mistakes stop
//! the run with exit 4 before anything runs.
//!
//! What each fault breaks is never listed here: it is read from a single-target run with the
//! fault on, and the matrix must say exactly that.

mod report_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use report_support::{case_cells, path_str, scratch, snapshot_copy};
use serde_json::Value;

/// Column name → the emulator fault it runs with.
const TARGETS: [(&str, &str); 3] = [
    ("refused", "avchatroom-refused"),
    ("wrongcode", "unknown-group-wrong-code"),
    ("nolist", "error-list-missing"),
];

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `imconform ARGS` in `dir` (where it looks for `imconform.toml`), with the repository's
/// specs and no IMCONFORM_* variable from the caller's environment.
fn imconform_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_imconform"));
    cmd.args(args).current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("IMCONFORM_") || k == "GITHUB_ACTIONS" {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the imconform binary runs");
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn specs() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("specs")
        .display()
        .to_string()
}

/// `run` with the repository's specs and a private copy of the snapshots.
fn run(dir: &Path, snaps: &Path, extra: &[&str]) -> Ran {
    let specs = specs();
    let mut args = vec!["run", "--specs", &specs, "--snapshots", path_str(snaps)];
    args.extend_from_slice(extra);
    imconform_in(dir, &args, &[])
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("valid JSON")
}

/// Case id → outcome, from a run report.
fn outcomes_of(report: &Value) -> BTreeMap<String, String> {
    (report["cases"].as_array().expect("cases").iter())
        .map(|c| {
            let id = c["id"].as_str().unwrap().to_owned();
            (id, c["outcome"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// The ids of a run report's cases with this outcome.
fn cases_with(report: &Value, outcome: &str) -> BTreeSet<String> {
    (report["cases"].as_array().expect("cases").iter())
        .filter(|c| c["outcome"] == outcome)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn config_file(dir: &Path) -> PathBuf {
    let mut text = String::from("# three emulators, one fault each\n");
    for (name, fault) in TARGETS {
        text.push_str(&format!(
            "\n[targets.{name}]\nemulator = {{ faults = [\"{fault}\"] }}\n"
        ));
    }
    let path = dir.join("imconform.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Each fault alone, as a single-target run: its report and every case's outcome.
type Single = (PathBuf, BTreeMap<String, String>);

fn single_runs(dir: &Path, snaps: &Path) -> BTreeMap<&'static str, Single> {
    std::thread::scope(|s| {
        let handles: Vec<_> = TARGETS
            .iter()
            .map(|(name, fault)| {
                s.spawn(move || {
                    let json = dir.join(format!("single-{name}.json"));
                    let report = format!("json={}", path_str(&json));
                    let ran = run(dir, snaps, &["--fault", fault, "--report", &report]);
                    assert_eq!(
                        ran.code, 1,
                        "{fault} alone must fail a case:\n{}",
                        ran.stderr
                    );
                    let outcomes = outcomes_of(&read_json(&json));
                    (*name, (json, outcomes))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Case id → outcome per target, from a matrix's JSON.
fn matrix_outcomes(m: &Value) -> BTreeMap<String, BTreeMap<String, String>> {
    (m["cases"].as_array().unwrap().iter())
        .map(|row| {
            let per_target = (row["results"].as_object().unwrap().iter())
                .map(|(t, r)| (t.clone(), r["outcome"].as_str().unwrap().to_owned()))
                .collect();
            (row["id"].as_str().unwrap().to_owned(), per_target)
        })
        .collect()
}

#[test]
fn a_matrix_of_three_faulty_emulators_names_exactly_what_each_fault_breaks() {
    let dir = scratch("matrix-three");
    let snaps = snapshot_copy(&dir);
    let singles = single_runs(&dir, &snaps);
    let failed = |name: &str| -> BTreeSet<String> {
        (singles[name].1.iter())
            .filter(|(_, o)| *o == "fail")
            .map(|(id, _)| id.clone())
            .collect()
    };
    for (name, _) in TARGETS {
        assert!(!failed(name).is_empty());
    }
    assert!(
        failed("refused") != failed("wrongcode") && failed("wrongcode") != failed("nolist"),
        "the faults must break different cases for the matrix to show anything"
    );
    let all_cases = singles["refused"].1.len();

    config_file(&dir);
    let (json, html, md) = (dir.join("m.json"), dir.join("m.html"), dir.join("m.md"));
    let mut args = Vec::new();
    for (name, _) in TARGETS {
        args.extend(["--target", name]);
    }
    let reports = [
        format!("json={}", path_str(&json)),
        format!("html={}", path_str(&html)),
        format!("markdown={}", path_str(&md)),
    ];
    for r in &reports {
        args.extend(["--report", r.as_str()]);
    }
    let ran = run(&dir, &snaps, &args);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    for (name, fault) in TARGETS {
        assert!(
            ran.stderr.contains(&format!(
                "imconform: {name}: {all_cases} cases against embedded emulator"
            )),
            "{}",
            ran.stderr
        );
        assert!(ran.stderr.contains(&format!("faults: {fault}")));
    }

    let m = read_json(&json);
    assert_eq!(
        (m["schema_version"].as_u64(), m["kind"].as_str()),
        (Some(1), Some("imconform-matrix"))
    );
    let names: Vec<&str> = (m["targets"].as_array().unwrap().iter())
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, TARGETS.map(|(n, _)| n));
    let outcomes = matrix_outcomes(&m);
    assert_eq!(outcomes.len(), all_cases);
    // Each column is its fault's single run: every case ends as it ended there.
    for (name, _) in TARGETS {
        let column: BTreeMap<String, String> = (outcomes.iter())
            .map(|(id, r)| (id.clone(), r[name].clone()))
            .collect();
        assert_eq!(column, singles[name].1, "column {name}");
    }
    // Disagreements: cases the single runs ended differently. Interop: passed by all three.
    let expected_disagreements: BTreeSet<String> = (singles["refused"].1.keys())
        .filter(|id| {
            let ends: BTreeSet<&String> = singles.values().map(|(_, o)| &o[*id]).collect();
            ends.len() > 1
        })
        .cloned()
        .collect();
    let passing_everywhere = (singles["refused"].1.keys())
        .filter(|id| singles.values().all(|(_, o)| o[*id] == "pass"))
        .count();
    assert!(!expected_disagreements.is_empty());
    let rows = m["cases"].as_array().unwrap();
    let disagreeing: BTreeSet<String> = (rows.iter())
        .filter(|r| r["agree"] == false)
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(disagreeing, expected_disagreements);
    assert_eq!(
        m["interop"]["passing_everywhere"].as_u64(),
        Some(passing_everywhere as u64)
    );
    assert_eq!(
        m["interop"]["disagreements"].as_u64(),
        Some(disagreeing.len() as u64)
    );
    assert_eq!(m["conforms"], false);
    // Disagreements first.
    let first_agreeing = rows.iter().position(|r| r["agree"] == true).unwrap();
    assert!(rows[first_agreeing..].iter().all(|r| r["agree"] == true));
    // A failing cell carries the target's reproducer.
    let wrongcode = failed("wrongcode");
    let some_failure = wrongcode.iter().next().unwrap();
    let row = rows
        .iter()
        .find(|r| r["id"] == some_failure.as_str())
        .unwrap();
    let repro = row["results"]["wrongcode"]["reproducer"].as_str().unwrap();
    assert!(repro.contains("curl -X POST 'http://127.0.0.1:"), "{repro}");
    assert!(repro.contains("usersig=<usersig>"), "{repro}");

    // The terminal and the other reports say the same.
    assert!(ran.stdout.contains(&format!(
        "interop: {passing_everywhere} of {all_cases} cases"
    )));
    assert!(
        ran.stdout
            .contains("matrix: 3 of 3 targets do not conform: refused, wrongcode, nolist")
    );
    let markdown = std::fs::read_to_string(&md).unwrap();
    for id in &expected_disagreements {
        assert!(
            markdown.contains(&format!("| `{id}` |")),
            "{id} in the Markdown"
        );
    }
    let page = std::fs::read_to_string(&html).unwrap();
    let cells = case_cells(&page, "case-matrix");
    for (name, _) in TARGETS {
        for id in failed(name) {
            let cell = &cells[&(id.clone(), name.to_owned())];
            assert_eq!(
                (cell.outcome.as_str(), cell.text.as_str()),
                ("fail", "FAIL"),
                "{id} on {name}"
            );
            let anchor = cell
                .href
                .as_deref()
                .expect("a failing cell links to its failure");
            assert!(page.contains(&format!(
                "<details class=\"failure\" id=\"{}\"",
                &anchor[1..]
            )));
        }
    }

    // The same matrix from the single runs' reports.
    let again = dir.join("again.json");
    let mut args = vec!["matrix".to_owned()];
    for (name, _) in TARGETS {
        args.push(format!("{name}={}", path_str(&singles[name].0)));
    }
    args.push("--report".into());
    args.push(format!("json={}", path_str(&again)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let rebuilt = imconform_in(&dir, &args, &[]);
    assert_eq!(rebuilt.code, 1, "{}", rebuilt.stderr);
    let rebuilt_json = read_json(&again);
    assert_eq!(matrix_outcomes(&rebuilt_json), outcomes);
    assert_eq!(rebuilt_json["interop"], m["interop"]);
    // A matrix reads back as its targets, too.
    let once_more = imconform_in(&dir, &["matrix", path_str(&json)], &[]);
    assert_eq!(once_more.code, 1);
    assert!(
        once_more.stdout.contains("target refused:"),
        "{}",
        once_more.stdout
    );

    // `known --from` a matrix needs the target.
    let k = imconform_in(
        &dir,
        &["known", "--specs", &specs(), "--from", path_str(&json)],
        &[],
    );
    assert_eq!(k.code, 4);
    assert!(
        k.stderr.contains(
            "holds several targets (`refused`, `wrongcode`, `nolist`): choose one with --target"
        ),
        "{}",
        k.stderr
    );
    let k = imconform_in(
        &dir,
        &[
            "known",
            "--specs",
            &specs(),
            "--from",
            path_str(&json),
            "--target",
            "wrongcode",
        ],
        &[],
    );
    assert_eq!(k.code, 0, "{}", k.stderr);
    assert_eq!(
        k.stdout.matches("\n- case: ").count(),
        failed("wrongcode").len()
    );
}

#[test]
fn known_from_a_run_round_trips() {
    let dir = scratch("matrix-known");
    let snaps = snapshot_copy(&dir);
    let report = dir.join("run.json");
    let json = format!("json={}", path_str(&report));
    let ran = run(
        &dir,
        &snaps,
        &["--fault", "unknown-group-wrong-code", "--report", &json],
    );
    assert_eq!(ran.code, 1);
    let failed = cases_with(&read_json(&report), "fail");
    assert!(!failed.is_empty());

    let known = dir.join("lists/known.yaml");
    let wrote = imconform_in(
        &dir,
        &[
            "known",
            "--specs",
            &specs(),
            "--from",
            path_str(&report),
            "-o",
            path_str(&known),
        ],
        &[],
    );
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    assert!(
        wrote
            .stderr
            .contains(&format!("wrote {} known deviations", failed.len()))
    );
    let text = std::fs::read_to_string(&known).unwrap();
    assert_eq!(text.matches("\n- case: ").count(), failed.len());
    assert_eq!(
        text.matches("  note: \"TODO: why this target deviates\"")
            .count(),
        failed.len()
    );

    // The same target with the written file: every failure is known, the run exits 0.
    let again = dir.join("again.json");
    let json = format!("json={}", path_str(&again));
    let ran = run(
        &dir,
        &snaps,
        &[
            "--fault",
            "unknown-group-wrong-code",
            "--known",
            path_str(&known),
            "--report",
            &json,
        ],
    );
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let again = read_json(&again);
    assert_eq!(cases_with(&again, "known"), failed);
    assert!(cases_with(&again, "fail").is_empty());
    assert!(
        again.get("stale_known").is_none(),
        "{}",
        again["stale_known"]
    );
    assert!(
        ran.stdout
            .lines()
            .last()
            .unwrap()
            .ends_with(&format!(", {} known", failed.len()))
    );

    // As a named target whose entry points at the file (relative to the config file).
    std::fs::write(
        dir.join("lists/imconform.toml"),
        "[targets.wrongcode]\nemulator = { faults = [\"unknown-group-wrong-code\"] }\nknown = \"known.yaml\"\n",
    )
    .unwrap();
    let config = dir.join("lists/imconform.toml");
    let ran = run(
        &dir,
        &snaps,
        &["--config", path_str(&config), "--target", "wrongcode"],
    );
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout
            .lines()
            .last()
            .unwrap()
            .ends_with(&format!(", {} known", failed.len()))
    );
    // Without the file the same target fails: the list is what made it pass.
    let ran = run(
        &dir,
        &snaps,
        &[
            "--fault",
            "unknown-group-wrong-code",
            "--filter",
            "get_group_attr",
        ],
    );
    assert_eq!(ran.code, 1);
}

const A_KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

#[test]
fn config_mistakes_exit_4_before_anything_runs() {
    let dir = scratch("matrix-config");
    let specs = specs();
    let check = |dir: &Path, args: &[&str], env: &[(&str, &str)], says: &str| {
        let mut all = vec!["run", "--specs", specs.as_str()];
        all.extend_from_slice(args);
        let ran = imconform_in(dir, &all, env);
        assert_eq!(ran.code, 4, "{args:?}: {}", ran.stderr);
        assert!(
            ran.stderr.contains(says),
            "{args:?}: expected {says:?} in\n{}",
            ran.stderr
        );
        assert!(
            !ran.stderr.contains("cases against"),
            "nothing may run: {}",
            ran.stderr
        );
        assert!(
            !ran.stderr.contains(A_KEY),
            "the key was printed: {}",
            ran.stderr
        );
        ran
    };
    // No config file to name the target.
    check(
        &dir,
        &["--target", "staging"],
        &[],
        "--target `staging` is neither an http:// or https:// URL nor `emulator`, and there is no imconform.toml in the working directory to name it (give --config FILE)",
    );
    check(
        &dir,
        &["--config", "nosuch.toml", "--target", "emulator"],
        &[],
        "failed to read the config file nosuch.toml",
    );

    std::fs::write(
        dir.join("imconform.toml"),
        "[targets.sgp]\nurl = \"https://adminapisgp.im.qcloud.com\"\nsdkappid = 1400000000\nkey_env = \"IMCONFORM_TEST_SGP_KEY\"\n\n\
         [targets.local]\nemulator = {}\n",
    )
    .unwrap();
    check(
        &dir,
        &["--target", "local", "--target", "nosuch"],
        &[],
        "unknown target `nosuch`: imconform.toml declares `sgp`, `local`",
    );
    check(
        &dir,
        &["--target", "sgp"],
        &[],
        "target `sgp` (imconform.toml:1:1): its key comes from the environment variable IMCONFORM_TEST_SGP_KEY (`key_env`), which is not set",
    );
    check(
        &dir,
        &["--target", "local", "--target", "local"],
        &[],
        "--target `local` is given twice",
    );
    check(
        &dir,
        &["--target", "local", "--fault", "avchatroom-refused"],
        &[],
        "set up the built-in `emulator` target; target `local` sets up its own",
    );
    check(
        &dir,
        &[
            "--target",
            "local",
            "--target",
            "emulator",
            "--update-snapshots",
        ],
        &[],
        "--update-snapshots records one target's responses",
    );

    // A key in the file is refused, located, and not repeated.
    std::fs::write(
        dir.join("imconform.toml"),
        format!("[targets.sgp]\nurl = \"https://adminapisgp.im.qcloud.com\"\nsdkappid = 1400000000\nkey = \"{A_KEY}\"\n"),
    )
    .unwrap();
    let ran = check(
        &dir,
        &["--target", "sgp"],
        &[("IMCONFORM_TEST_SGP_KEY", "x")],
        "imconform.toml:4:7: target `sgp`: `key` holds a secret; the config file only says where the key comes from",
    );
    assert!(ran.stderr.contains("key_env"), "{}", ran.stderr);
    // A file of URLs alone is not even read.
    let ran = run(
        &dir,
        &dir,
        &["--target", "http://127.0.0.1:9", "--list", "--key", "k"],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
}

#[test]
fn an_unreachable_target_beside_a_clean_one_is_a_harness_error() {
    let dir = scratch("matrix-mixed");
    let snaps = snapshot_copy(&dir);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let ran = run(
        &dir,
        &snaps,
        &[
            "--target",
            "emulator",
            "--target",
            &url,
            "--key",
            "k",
            "--filter",
            "get_group_attr",
            "--retries",
            "0",
        ],
    );
    assert_eq!(ran.code, 3, "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.contains(&format!(
            "target 127.0.0.1:{port}: 0 passed, 0 failed, 0 skipped,"
        )),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains(&format!(
            "matrix: 1 of 2 targets does not conform: 127.0.0.1:{port}"
        )),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains(&format!("emulator pass · 127.0.0.1:{port} ERROR")),
        "{}",
        ran.stdout
    );
}
