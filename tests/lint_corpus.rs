//! Every directory under `tests/lint_corpus/` is a spec suite with one thing broken, and its
//! `expected.txt` the exact message `load_suite` must give. A clear, well-located message is
//! part of the contract of the spec language, so these are compared byte for byte.
//!
//! `IMCONFORM_BLESS=1 cargo test --test lint_corpus` rewrites the expected files; read every
//! changed one before committing it.

use std::path::{Path, PathBuf};

use imconform::spec::load_suite;

const CORPUS: &str = "tests/lint_corpus";
const MINI_SUITE: &str = "tests/fixtures/mini_specs";

fn corpus_cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(CORPUS)
        .expect("the lint corpus exists")
        .map(|e| e.expect("readable corpus entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The loader's message for a broken suite, or a note that it loaded.
fn load_message(dir: &Path) -> String {
    match load_suite(dir) {
        Ok(_) => "<loaded without errors>".to_owned(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn mini_suite_loads_clean() {
    if let Err(e) = load_suite(Path::new(MINI_SUITE)) {
        panic!("the mini suite must load:\n{e}");
    }
}

#[test]
fn every_broken_suite_gives_its_expected_message() {
    let bless = std::env::var_os("IMCONFORM_BLESS").is_some();
    let cases = corpus_cases();
    assert!(
        cases.len() >= 18,
        "the corpus has {} cases; it should cover at least 18 kinds of mistake",
        cases.len()
    );
    let mut mismatches = Vec::new();
    for dir in &cases {
        let actual = load_message(dir);
        let expected_path = dir.join("expected.txt");
        if bless {
            std::fs::write(&expected_path, format!("{actual}\n")).expect("write expected.txt");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        if actual.trim() != expected.trim() {
            mismatches.push(format!(
                "{}:\n  expected: {}\n  actual:   {}",
                dir.display(),
                expected.trim(),
                actual.trim()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} corpus case(s) differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
