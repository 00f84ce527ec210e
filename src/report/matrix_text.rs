//! Words and labels the matrix formats share, so HTML, Markdown and the terminal say the same.

use crate::matrix::{Matrix, TargetColumn};
use crate::result::{Outcome, Totals};

/// The `data-outcome` value and CSS class of a case × target cell.
pub(crate) fn outcome_key(outcome: Option<Outcome>) -> &'static str {
    match outcome {
        None => "notrun",
        Some(o) => o.as_str(),
    }
}

/// The text of a case × target cell: never colour alone.
pub(crate) fn outcome_label(outcome: Option<Outcome>) -> &'static str {
    match outcome {
        None => "not run",
        Some(Outcome::Pass) => "pass",
        Some(Outcome::Fail) => "FAIL",
        Some(Outcome::Known) => "KNOWN",
        Some(Outcome::Error) => "ERROR",
        Some(Outcome::Skip) => "skip",
        Some(Outcome::Fixed) => "fixed",
    }
}

pub(crate) fn total(t: &Totals) -> usize {
    t.passed + t.failed + t.errors + t.skipped + t.known + t.fixed
}

/// `8/10`, then what kept the rest from passing: `8/10 · 1 FAIL · 1 skip`.
pub(crate) fn score_text(t: &Totals) -> String {
    let all = total(t);
    if all == 0 {
        return "not run".to_owned();
    }
    let mut out = format!("{}/{all}", t.passed + t.fixed);
    for (n, word) in [
        (t.failed, "FAIL"),
        (t.known, "known"),
        (t.errors, "ERROR"),
        (t.skipped, "skip"),
    ] {
        if n > 0 {
            out.push_str(&format!(" · {n} {word}"));
        }
    }
    out
}

/// The class of an endpoint × target score: its worst outcome.
pub(crate) fn score_key(t: &Totals) -> &'static str {
    if total(t) == 0 {
        "notrun"
    } else if t.failed > 0 {
        "fail"
    } else if t.errors > 0 {
        "error"
    } else if t.known > 0 {
        "known"
    } else if t.passed + t.fixed > 0 {
        "pass"
    } else {
        "skip"
    }
}

/// `82.5%`.
pub(crate) fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// `240 of 291 cases (82.5%) pass on every target; 12 disagreements`.
pub(crate) fn interop_line(m: &Matrix) -> String {
    let i = &m.interop;
    format!(
        "{} of {} cases ({}) pass on every target; {} disagreement{}",
        i.passing_everywhere,
        i.cases,
        percent(i.share()),
        i.disagreements,
        if i.disagreements == 1 { "" } else { "s" }
    )
}

/// `every target conforms` or `2 of 3 targets do not conform: a, b`.
pub(crate) fn verdict(m: &Matrix) -> String {
    let failing: Vec<&str> = (m.targets.iter())
        .filter(|t| !t.conforms)
        .map(|t| t.name.as_str())
        .collect();
    if failing.is_empty() {
        return if m.targets.len() == 1 {
            "the target conforms".to_owned()
        } else {
            "every target conforms".to_owned()
        };
    }
    format!(
        "{} of {} target{} do{} not conform: {}",
        failing.len(),
        m.targets.len(),
        if m.targets.len() == 1 { "" } else { "s" },
        if failing.len() == 1 { "es" } else { "" },
        failing.join(", ")
    )
}

/// `conforms` or `does not conform`, for one target.
pub(crate) fn target_verdict(t: &TargetColumn) -> &'static str {
    if t.conforms {
        "conforms"
    } else {
        "does not conform"
    }
}
