//! The binary as a user installs it: copied alone into an empty directory outside this
//! repository, and run from other empty directories.
//!
//! A copy of `CARGO_BIN_EXE_imconform` stands for `cargo install`. `cargo install` builds this
//! package's `imconform` binary and copies it into `ROOT/bin`. The binary under test is that same
//! target, built from the same sources and features by this `cargo test`. Only the
//! optimisation level differs. rust-embed's `debug-embed` feature makes a debug build embed the
//! contract as a release build does: without it, a debug build would read the folders at run
//! time, and these tests would prove nothing. A release build from scratch inside `cargo test`
//! would cost minutes; `scripts/check-contract-build.sh` runs the real `cargo install`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use tempfile::TempDir;

/// The installed binary, alone in `ROOT/bin` (removed with the value).
pub struct Installed {
    pub bin: PathBuf,
    _root: TempDir,
}

impl Installed {
    pub fn new() -> Installed {
        let root = empty_dir();
        let bin = root.path().join("bin/imconform");
        install_into(&bin);
        Installed { bin, _root: root }
    }

    /// `imconform ARGS` in `cwd`, with none of imconform's or a CI's variables but `env`.
    pub fn command(&self, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args).current_dir(cwd);
        scrub(&mut cmd);
        cmd.envs(env.iter().copied());
        cmd
    }

    pub fn run(&self, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Ran {
        Ran::from(
            self.command(cwd, args, env)
                .output()
                .expect("the installed binary runs"),
        )
    }

    /// `imconform serve ARGS` from an empty directory; stopped when the value is dropped.
    pub fn serve(&self, args: &[&str], env: &[(&str, &str)]) -> Served {
        let cwd = empty_dir();
        let mut all = vec!["serve"];
        all.extend_from_slice(args);
        let mut child = self
            .command(cwd.path(), &all, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let url = line.trim().to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "serve printed {url:?}"
        );
        Served {
            url,
            child,
            _cwd: cwd,
        }
    }
}

/// Removes imconform's and a CI's variables from what a command inherits.
pub fn scrub(cmd: &mut Command) {
    for (key, _) in std::env::vars() {
        if key.starts_with("IMCONFORM_") || key.starts_with("GITHUB_") || key == "CI" {
            cmd.env_remove(key);
        }
    }
}

/// Puts the binary at `to`, as `cargo install` does. `cp` writes it, not this process: a
/// file this process held open for writing would be inherited by a child another test thread
/// forks at that moment, and executing the binary would then fail with "Text file busy".
pub fn install_into(to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    let copied = Command::new("cp")
        .arg(env!("CARGO_BIN_EXE_imconform"))
        .arg(to)
        .status()
        .expect("cp runs");
    assert!(copied.success(), "copy the binary to {}", to.display());
}

/// A fresh empty directory outside the repository (its parents hold no `specs/` either).
pub fn empty_dir() -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    assert!(
        !Path::new(env!("CARGO_MANIFEST_DIR")).starts_with(dir.path())
            && !dir.path().starts_with(env!("CARGO_MANIFEST_DIR")),
        "the temporary directory is outside the repository"
    );
    dir
}

pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn from(out: Output) -> Ran {
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The closing summary line.
    pub fn summary(&self) -> &str {
        self.stdout.lines().last().unwrap_or_default()
    }

    #[track_caller]
    pub fn expect(&self, code: i32) -> &Ran {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A running `imconform serve`.
pub struct Served {
    pub url: String,
    child: Child,
    _cwd: TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every file under `dir`, as paths relative to it, sorted.
pub fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
