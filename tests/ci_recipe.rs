//! The CI job in README.md ("In your CI") runs as written, in an empty workspace, against a
//! served emulator standing for the user's target. The test reads the job from the README and
//! does what GitHub Actions would do with it:
//! - It fills in `${{ vars.X }}` and `${{ secrets.X }}`. Any other expression fails the test,
//!   because it would not be emulated.
//! - It runs each `run:` step with bash, the job's environment, and `GITHUB_ACTIONS` and `CI`
//!   set.
//! - It follows `if:`.
//! - It checks that the artifact paths of the `upload-artifact` step are what the run leaves.
//!
//! The `cargo install` step is checked for its form, and then done by putting the built binary
//! on `PATH` (see `installed_support` for why that stands for the real install).
//!
//! There are three scenarios:
//! - A conforming target: exit 0 and a clean JUnit report.
//! - A target with a fault: exit 1, failures in the JUnit report, annotations, and the
//!   mismatching snapshots kept.
//! - A run killed mid-way: the `if: cancelled()` step removes what it left on the target.

mod installed_support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use imconform::runner::ledger;
use installed_support::{Installed, Ran, empty_dir, install_into, scrub, tree};
use serde_json::Value;

const SECRET_KEY: &str = "ci-recipe-secret-0c1d2e3f4a5b";
const SDKAPPID: &str = "1400012345";

/// The job: the YAML block that follows the `ci-recipe` marker in README.md.
fn recipe() -> Value {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let after = readme
        .split_once("<!-- ci-recipe:")
        .expect("README.md marks its CI recipe")
        .1;
    let block = after
        .split_once("```yaml\n")
        .expect("a yaml block after the marker")
        .1
        .split_once("\n```")
        .expect("the block ends")
        .0;
    let workflow: Value = serde_saphyr::from_str(block).expect("the recipe is valid YAML");
    let jobs = workflow["jobs"].as_object().expect("jobs");
    assert_eq!(jobs.len(), 1, "one job");
    jobs.values().next().unwrap().clone()
}

/// `${{ vars.X }}` and `${{ secrets.X }}` filled in; any other expression is not emulated.
fn expand(text: &str, values: &HashMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("an expression ends") + start;
        let expr = rest[start + 3..end].trim();
        let value = values
            .get(expr)
            .unwrap_or_else(|| panic!("the test does not emulate `${{{{ {expr} }}}}`"));
        out.push_str(value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// `cargo install --locked` from this repository (`--git URL` or `--path DIR`), of this package.
fn assert_is_an_install_of_this_package(line: &str) {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[..2], ["cargo", "install"], "{line}");
    assert!(words.contains(&"--locked"), "{line}: pin the lock file");
    let source = words
        .iter()
        .position(|w| *w == "--git" || *w == "--path")
        .unwrap_or_else(|| panic!("{line}: installs from --git or --path"));
    let url = words[source + 1];
    assert!(
        url.trim_end_matches(".git").ends_with("/imconform") || words[source] == "--path",
        "{line}"
    );
    let last = words.last().unwrap();
    assert!(
        *last == env!("CARGO_PKG_NAME") || *last == url,
        "{line}: the package is {}",
        env!("CARGO_PKG_NAME")
    );
}

#[derive(Debug, PartialEq)]
enum Step {
    Ran(String, i32),
    Skipped(String),
    Uploaded(Vec<String>),
}

struct Workspace {
    dir: tempfile::TempDir,
    /// `~/.cargo/bin`, where `cargo install` puts the binary; first on PATH.
    cargo_bin: tempfile::TempDir,
    env: Vec<(String, String)>,
    outputs: Vec<Ran>,
}

impl Workspace {
    fn new(target: &str) -> Workspace {
        let job = recipe();
        let values = HashMap::from([
            ("vars.IM_TARGET", target.to_owned()),
            ("vars.IM_SDKAPPID", SDKAPPID.to_owned()),
            ("secrets.IM_SECRET_KEY", SECRET_KEY.to_owned()),
        ]);
        let env = job["env"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), expand(v.as_str().unwrap(), &values)))
                    .collect()
            })
            .unwrap_or_default();
        Workspace {
            dir: empty_dir(),
            cargo_bin: empty_dir(),
            env,
            outputs: Vec::new(),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    /// bash as GitHub runs a `run:` step (`bash --noprofile --norc -eo pipefail`).
    fn shell(&self, script: &str) -> Command {
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(self.dir.path());
        scrub(&mut cmd);
        let path = std::env::var("PATH").unwrap_or_default();
        cmd.env(
            "PATH",
            format!("{}:{path}", self.cargo_bin.path().display()),
        )
        .env("GITHUB_ACTIONS", "true")
        .env("CI", "true")
        .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd
    }

    /// Runs the job's steps; `run_step` runs the one that calls `imconform run`.
    fn run_job(
        &mut self,
        mut run_step: impl FnMut(&mut Workspace, &str) -> (i32, bool),
    ) -> Vec<Step> {
        let job = recipe();
        let mut done = Vec::new();
        let (mut failed, mut cancelled) = (false, false);
        for step in job["steps"].as_array().expect("steps") {
            let name = step["name"].as_str().unwrap_or_default().to_owned();
            let when = step["if"].as_str().unwrap_or("success()");
            let runs = match when {
                "success()" => !failed && !cancelled,
                "always()" => true,
                "cancelled()" => cancelled,
                "failure()" => failed,
                other => panic!("the test does not emulate `if: {other}`"),
            };
            if !runs {
                done.push(Step::Skipped(name));
                continue;
            }
            if let Some(uses) = step["uses"].as_str() {
                assert!(uses.starts_with("actions/upload-artifact@"), "{uses}");
                let paths = step["with"]["path"].as_str().expect("artifact paths");
                done.push(Step::Uploaded(
                    paths.lines().map(|p| p.trim().to_owned()).collect(),
                ));
                continue;
            }
            let script = step["run"].as_str().expect("a run step").trim();
            if script.starts_with("cargo install") {
                assert_is_an_install_of_this_package(script);
                install_into(&self.cargo_bin.path().join("imconform"));
                done.push(Step::Ran(name, 0));
                continue;
            }
            let (code, was_cancelled) = if script.starts_with("imconform run") {
                run_step(self, script)
            } else {
                let out = self.shell(script).output().unwrap();
                self.outputs.push(Ran::from(out));
                (self.outputs.last().unwrap().code, false)
            };
            failed |= code != 0;
            cancelled |= was_cancelled;
            done.push(Step::Ran(name, code));
        }
        done
    }

    /// The `imconform run` step, to its end.
    fn run_to_end(&mut self, script: &str) -> (i32, bool) {
        let out = self.shell(script).output().unwrap();
        self.outputs.push(Ran::from(out));
        (self.outputs.last().unwrap().code, false)
    }

    fn assert_no_secret(&self) {
        for out in &self.outputs {
            assert!(!out.stdout.contains(SECRET_KEY) && !out.stderr.contains(SECRET_KEY));
        }
        for file in tree(self.dir.path()) {
            let text = std::fs::read(self.dir.path().join(&file)).unwrap();
            assert!(
                !String::from_utf8_lossy(&text).contains(SECRET_KEY),
                "{file} holds the key"
            );
        }
    }
}

fn ran(steps: &[Step]) -> Vec<(&str, i32)> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Ran(name, code) => Some((name.as_str(), *code)),
            _ => None,
        })
        .collect()
}

fn uploaded(steps: &[Step]) -> &[String] {
    steps
        .iter()
        .find_map(|s| match s {
            Step::Uploaded(paths) => Some(paths.as_slice()),
            _ => None,
        })
        .expect("the reports are kept")
}

fn target_env() -> [(&'static str, &'static str); 2] {
    [
        ("IMCONFORM_SECRET_KEY", SECRET_KEY),
        ("IMCONFORM_SDKAPPID", SDKAPPID),
    ]
}

#[test]
fn against_a_conforming_target_the_job_passes_with_a_clean_junit_report() {
    let served = Installed::new().serve(&[], &target_env());
    let mut ws = Workspace::new(&served.url);
    let steps = ws.run_job(Workspace::run_to_end);
    let codes = ran(&steps);
    assert_eq!(codes.len(), 2, "install and run: {steps:?}");
    assert_eq!(codes[1].1, 0, "{}", ws.outputs[0].stdout);
    assert!(
        steps
            .iter()
            .any(|s| matches!(s, Step::Skipped(n) if n.contains("cancelled")))
    );

    let dir = ws.path();
    let junit = std::fs::read_to_string(dir.join("imconform-junit.xml")).unwrap();
    let summary = ws.outputs[0].summary().to_owned();
    let passed: usize = summary.split(' ').next().unwrap().parse().unwrap();
    assert!(passed > 200, "{summary}");
    // A real target is not made to spend its push quota (or more) unless the job allows it:
    // exactly the cases declaring a cost are skipped, each saying why.
    let suite = imconform::spec::load_suite(&Path::new(env!("CARGO_MANIFEST_DIR")).join("specs"))
        .expect("the specs load");
    let costly = (suite.plan(&suite.service.default_profile).iter())
        .filter(|c| !c.costs.is_empty())
        .count();
    assert!(costly > 0);
    assert_eq!(
        summary,
        format!("{passed} passed, 0 failed, {costly} skipped")
    );
    assert_eq!(
        ws.outputs[0]
            .stdout
            .matches("not run against this target: it spends `")
            .count(),
        costly
    );
    assert_eq!(junit.matches("<testcase ").count(), passed + costly);
    assert!(!junit.contains("<failure"));
    assert!(junit.contains("<property name=\"contract\" value=\"embedded (imconform "));
    assert!(dir.join("imconform.html").is_file());
    // Every file the artifact names is there; the snapshot folder only when something differed.
    for path in uploaded(&steps) {
        assert!(
            dir.join(path).exists() || path == "imconform-new-snapshots/",
            "{path} is not what the run leaves: {:?}",
            tree(&dir)
        );
    }
    assert!(!dir.join("imconform-new-snapshots").exists());
    ws.assert_no_secret();
}

#[test]
fn against_a_faulty_target_the_job_fails_and_keeps_what_differed() {
    let served = Installed::new().serve(&["--fault", "group-attr-field-renamed"], &target_env());
    let mut ws = Workspace::new(&served.url);
    let steps = ws.run_job(Workspace::run_to_end);
    assert_eq!(
        ran(&steps)[1].1,
        1,
        "a broken contract exits 1 and fails the job"
    );
    let out = &ws.outputs[0];
    let dir = ws.path();
    let junit = std::fs::read_to_string(dir.join("imconform-junit.xml")).unwrap();
    let failed = junit.matches("<failure ").count();
    assert!(failed > 0);
    assert!(
        out.summary().contains(&format!(" {failed} failed")),
        "{}",
        out.summary()
    );
    // Annotations name the built-in spec file in their text: no file of the user's repository.
    let annotations: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), failed);
    assert!(
        annotations
            .iter()
            .all(|a| !a.contains("file=") && a.contains("in the contract built into imconform)"))
    );
    for path in uploaded(&steps) {
        assert!(dir.join(path).exists(), "{path}: {:?}", tree(&dir));
    }
    let kept = tree(&dir.join("imconform-new-snapshots"));
    assert!(
        kept.contains(&"get_group_attr.two_keys.snap.new".to_owned()),
        "{kept:?}"
    );
    ws.assert_no_secret();
}

#[test]
fn after_a_cancelled_run_the_cleanup_step_removes_what_it_left() {
    let served = Installed::new().serve(&[], &target_env());
    let mut ws = Workspace::new(&served.url);
    let ledger_file = ws.path().join(".imconform/ledger.jsonl");
    let mut left_behind = 0;
    // Killed (as a cancelled job's step can be, past its grace period) once fixtures exist.
    let kill_mid_run = |ws: &mut Workspace, script: &str| {
        use std::os::unix::process::CommandExt;
        let mut child = ws
            .shell(script)
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while ledger::pending(&ledger_file).map_or(true, |p| p.len() < 3) {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the run ended ({status}) before it made fixtures");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no fixture was made"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let rc = unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
        assert_eq!(rc, 0);
        let _ = child.wait();
        left_behind = ledger::pending(&ledger_file).unwrap().len();
        (137, true)
    };
    let steps = ws.run_job(kill_mid_run);
    assert!(left_behind > 0, "the killed run left fixtures");
    let codes = ran(&steps);
    assert_eq!(
        codes.len(),
        3,
        "install, the killed run, cleanup: {steps:?}"
    );
    let cleanup = &ws.outputs[0];
    assert_eq!(codes[2].1, 0, "{}\n{}", cleanup.stdout, cleanup.stderr);
    assert_eq!(
        cleanup
            .stdout
            .lines()
            .filter(|l| l.starts_with("removed "))
            .count(),
        left_behind,
        "{}",
        cleanup.stdout
    );
    assert!(ledger::pending(&ledger_file).unwrap().is_empty());
    ws.assert_no_secret();
}
