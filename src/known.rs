//! Known deviations: cases a target is known to get wrong, listed in a YAML file (`--known`).
//!
//! After a run, [`apply_known`] turns a listed case that failed into `known` (it no longer fails
//! the gate) and a listed case that passed into `fixed` (so the list shrinks); an entry that
//! matches no case of the run is recorded as stale. Loading and matching are pure: no I/O but
//! [`load_known`] reading the file.
//!
//! ```yaml
//! - case: get_group_attr::unknown_group      # a case id, or a glob: `get_group_attr::*`
//!   expect: 10004                            # a code (or a list): only a failure answering it is known
//!   note: answers 10004 instead of 10010
//!   link: https://example.com/ticket/1
//! - endpoint: set_attr                       # every case of an endpoint
//!   expect: ErrorList is missing             # free text: any failure is known
//! ```

mod write;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::{Location, Spanned};

use crate::result::{CaseReport, KnownMark, Outcome, RunReport};

pub use write::known_from_run;

/// A loaded known-deviations file.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownList {
    pub entries: Vec<KnownEntry>,
    /// The response field holding the API code (the service envelope's `code_field`), for
    /// entries that expect a code.
    pub code_field: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KnownEntry {
    pub selector: Selector,
    pub expect: KnownExpect,
    pub note: Option<String>,
    pub link: Option<String>,
    /// `file:line:column` of the entry.
    pub location: String,
}

/// Which cases an entry lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// A case id or a glob over case ids (`*` any run of characters, `?` one character).
    Case(String),
    /// Every case of an endpoint (the case's group).
    Endpoint(String),
}

/// The wrong behaviour that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnownExpect {
    /// The failing step answers one of these codes; another failure stays a failure.
    Codes(Vec<i64>),
    /// Described in words; any failure of the case matches.
    Text(String),
}

#[derive(Debug, thiserror::Error)]
pub enum KnownError {
    #[error("failed to read the known-deviations file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Each `file:line:column: reason`.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    #[serde(default)]
    case: Option<Spanned<String>>,
    #[serde(default)]
    endpoint: Option<Spanned<String>>,
    expect: Spanned<Value>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    link: Option<String>,
}

/// Reads and parses a known-deviations file; the envelope's code field is `code_field`.
pub fn load_known(path: &Path, code_field: &str) -> Result<KnownList, KnownError> {
    let text = std::fs::read_to_string(path).map_err(|source| KnownError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_known(&path.display().to_string(), &text, code_field)
}

/// Parses the text of a known-deviations file named `file` (for locations).
pub fn parse_known(file: &str, text: &str, code_field: &str) -> Result<KnownList, KnownError> {
    let at = |l: &Location| format!("{file}:{}:{}", l.line().max(1), l.column().max(1));
    let raw: Option<Vec<Spanned<RawEntry>>> = match serde_saphyr::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let (line, column) = e
                .location()
                .map(|l| (l.line().max(1), l.column().max(1)))
                .unwrap_or((1, 1));
            let message = e.without_snippet().to_string();
            let message = match message.rfind(" at line ") {
                Some(pos) => message[..pos].to_owned(),
                None => message,
            };
            let hint = if message.starts_with("invalid type") {
                " (the file is a list of entries with `case:` or `endpoint:`, and `expect:`)"
            } else {
                ""
            };
            return Err(KnownError::Invalid(vec![format!(
                "{file}:{line}:{column}: {message}{hint}"
            )]));
        }
    };
    let mut errors = Vec::new();
    let mut entries = Vec::new();
    for spanned in raw.unwrap_or_default() {
        let location = at(&spanned.referenced);
        let raw = spanned.value;
        let selector = match (raw.case, raw.endpoint) {
            (Some(c), None) => {
                if c.value.trim().is_empty() {
                    errors.push(format!("{}: `case` is empty", at(&c.referenced)));
                    continue;
                }
                Selector::Case(c.value)
            }
            (None, Some(e)) => {
                if e.value.trim().is_empty() {
                    errors.push(format!("{}: `endpoint` is empty", at(&e.referenced)));
                    continue;
                }
                Selector::Endpoint(e.value)
            }
            (Some(_), Some(_)) => {
                errors.push(format!(
                    "{location}: an entry names either `case` or `endpoint`, not both"
                ));
                continue;
            }
            (None, None) => {
                errors.push(format!(
                    "{location}: an entry needs `case` (an id or a glob) or `endpoint`"
                ));
                continue;
            }
        };
        let expect_at = at(&raw.expect.referenced);
        let expect = match raw.expect.value {
            Value::Number(n) if n.is_i64() => KnownExpect::Codes(vec![n.as_i64().unwrap_or(0)]),
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_i64) => {
                KnownExpect::Codes(items.iter().filter_map(Value::as_i64).collect())
            }
            Value::String(s) if !s.trim().is_empty() => KnownExpect::Text(s),
            other => {
                errors.push(format!(
                    "{expect_at}: `expect` must be a code, a list of codes or a description, found `{other}`"
                ));
                continue;
            }
        };
        entries.push(KnownEntry {
            selector,
            expect,
            note: raw.note,
            link: raw.link,
            location,
        });
    }
    if errors.is_empty() {
        Ok(KnownList {
            entries,
            code_field: code_field.to_owned(),
        })
    } else {
        Err(KnownError::Invalid(errors))
    }
}

/// `*` matches any run of characters (also `::`), `?` exactly one.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

impl KnownEntry {
    pub fn matches(&self, case: &CaseReport) -> bool {
        match &self.selector {
            Selector::Case(pattern) => glob_match(pattern, &case.id),
            Selector::Endpoint(endpoint) => case.group == *endpoint,
        }
    }

    fn mark(&self) -> KnownMark {
        KnownMark {
            entry: match &self.selector {
                Selector::Case(p) => format!("case {p}"),
                Selector::Endpoint(e) => format!("endpoint {e}"),
            },
            location: self.location.clone(),
            expect: match &self.expect {
                KnownExpect::Codes(codes) if codes.len() == 1 => format!("code {}", codes[0]),
                KnownExpect::Codes(codes) => format!(
                    "one of codes [{}]",
                    codes
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                KnownExpect::Text(t) => t.clone(),
            },
            note: self.note.clone(),
            link: self.link.clone(),
        }
    }
}

/// The API code the case's first failing step answered, if it answered one.
fn failing_code(case: &CaseReport, code_field: &str) -> Option<i64> {
    let step = case.steps.iter().find(|s| !s.passed())?;
    let json = step.response.as_ref()?.json()?;
    let value = json.get(code_field)?;
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Applies the list to one case; returns the index of the entry that matched it, if any.
/// A failure becomes `known` (when an entry's expected code, if it has one, is the code the
/// failing step answered; otherwise it stays a failure and says so), a pass becomes `fixed`;
/// errors and skips keep their outcome. Applying twice changes nothing more.
pub fn classify_case(case: &mut CaseReport, known: &KnownList) -> Option<usize> {
    let index = known.entries.iter().position(|e| e.matches(case))?;
    let entry = &known.entries[index];
    let mark = entry.mark();
    match case.outcome {
        Outcome::Fail => {
            let code = failing_code(case, &known.code_field);
            let expected = match &entry.expect {
                KnownExpect::Codes(codes) => code.is_some_and(|c| codes.contains(&c)),
                KnownExpect::Text(_) => true,
            };
            if expected {
                case.outcome = Outcome::Known;
            } else if case.known.is_none() {
                let got = code.map_or_else(|| "no code".to_owned(), |c| format!("code {c}"));
                let reason = case.reason.take().unwrap_or_default();
                case.reason = Some(format!(
                    "{reason} (listed as a known deviation at {} expecting {}, but this failure answered {got})",
                    entry.location, mark.expect
                ));
            }
        }
        Outcome::Pass => {
            case.outcome = Outcome::Fixed;
            case.reason = Some(format!(
                "listed as a known deviation at {} ({}) but passes now: remove the entry",
                entry.location, mark.expect
            ));
        }
        Outcome::Error | Outcome::Skip | Outcome::Known | Outcome::Fixed => {}
    }
    case.known = Some(mark);
    Some(index)
}

/// Applies the list to every case and records the entries that matched no case as stale.
pub fn apply_known(report: &mut RunReport, known: &KnownList) {
    let mut matched = vec![false; known.entries.len()];
    for case in &mut report.cases {
        for (i, entry) in known.entries.iter().enumerate() {
            if entry.matches(case) {
                matched[i] = true;
            }
        }
        classify_case(case, known);
    }
    for (entry, matched) in known.entries.iter().zip(matched) {
        if !matched {
            let what = match &entry.selector {
                Selector::Case(p) => format!("`case: {p}`"),
                Selector::Endpoint(e) => format!("`endpoint: {e}`"),
            };
            let stale = format!(
                "{}: known-deviations entry {what} matches no case of this run (stale: remove or correct it)",
                entry.location
            );
            if !report.stale_known.contains(&stale) {
                report.stale_known.push(stale);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{CheckReport, Phase, RequestRecord, ResponseRecord, StepReport};

    fn case(id: &str, outcome: Outcome, code: Option<i64>) -> CaseReport {
        let (group, name) = id.split_once("::").unwrap();
        let steps = code
            .map(|c| {
                vec![StepReport {
                    phase: Phase::Step,
                    index: 1,
                    call: group.into(),
                    location: "specs/x.yaml:1:1".into(),
                    request: RequestRecord {
                        method: "POST".into(),
                        url: "http://h/v4/x".into(),
                        body: "{}".into(),
                    },
                    response: Some(ResponseRecord {
                        status: 200,
                        content_type: None,
                        body: serde_json::json!({"ErrorCode": c}).to_string(),
                        lossy: false,
                        truncated: false,
                        normalized: None,
                    }),
                    transport_error: None,
                    checks: vec![if outcome == Outcome::Fail {
                        CheckReport::fail("code", format!("expected 0, got {c}"))
                    } else {
                        CheckReport::pass("code")
                    }],
                    attempts: 1,
                    duration_ms: 1,
                }]
            })
            .unwrap_or_default();
        CaseReport {
            id: id.into(),
            group: group.into(),
            name: name.into(),
            tags: Vec::new(),
            generated: false,
            location: "specs/x.yaml:1:1".into(),
            outcome,
            reason: (outcome != Outcome::Pass).then(|| "step 1 (x): code: failed".to_owned()),
            duration_ms: 1,
            steps,
            teardown_warnings: Vec::new(),
            feature: None,
            known: None,
            group_types: Vec::new(),
            expected_codes: Vec::new(),
        }
    }

    fn report(cases: Vec<CaseReport>) -> RunReport {
        RunReport {
            target: "t".into(),
            target_name: None,
            profile: "current".into(),
            contract: None,
            run_id: "r".into(),
            started_at: "2025-01-01T00:00:00Z".into(),
            duration_ms: 1,
            requests: 0,
            teardown_warnings: Vec::new(),
            interrupted: false,
            cases,
            stale_known: Vec::new(),
            group_types: Vec::new(),
            endpoints: Vec::new(),
            drift: None,
        }
    }

    const FILE: &str = "\
# known deviations of the test target
- case: get_group_attr::*
  expect: 10004
  note: answers 10004 instead of 10010
  link: https://example.com/1
- endpoint: set_attr
  expect: ErrorList is missing
- case: nosuch::case
  expect: [1, 2]
";

    #[test]
    fn parses_entries_with_locations() {
        let list = parse_known("known.yaml", FILE, "ErrorCode").unwrap();
        assert_eq!(list.entries.len(), 3);
        assert_eq!(
            list.entries[0].selector,
            Selector::Case("get_group_attr::*".into())
        );
        assert_eq!(list.entries[0].expect, KnownExpect::Codes(vec![10004]));
        assert_eq!(
            list.entries[0].link.as_deref(),
            Some("https://example.com/1")
        );
        assert_eq!(list.entries[0].location, "known.yaml:2:3");
        assert_eq!(
            list.entries[1].selector,
            Selector::Endpoint("set_attr".into())
        );
        assert_eq!(
            list.entries[1].expect,
            KnownExpect::Text("ErrorList is missing".into())
        );
        assert_eq!(list.entries[2].expect, KnownExpect::Codes(vec![1, 2]));
        assert!(
            parse_known("k.yaml", "# nothing yet\n", "ErrorCode")
                .unwrap()
                .entries
                .is_empty()
        );
    }

    #[test]
    fn bad_entries_are_located() {
        let err = |text: &str| {
            parse_known("k.yaml", text, "ErrorCode")
                .unwrap_err()
                .to_string()
        };
        let e = err("- case: a::b\n  expect: 1\n  nots: x\n");
        assert!(e.starts_with("k.yaml:3:3: "), "{e}");
        assert!(e.contains("nots"), "{e}");
        let e = err("- case: a::b\n  note: no expect\n");
        assert!(e.starts_with("k.yaml:"), "{e}");
        assert!(e.contains("expect"), "{e}");
        assert_eq!(
            err("- expect: 1\n- case: a\n  endpoint: b\n  expect: 2\n"),
            "k.yaml:1:3: an entry needs `case` (an id or a glob) or `endpoint`\n\
             k.yaml:2:3: an entry names either `case` or `endpoint`, not both"
        );
        assert_eq!(
            err("- case: a\n  expect: {code: 1}\n"),
            "k.yaml:2:11: `expect` must be a code, a list of codes or a description, found `{\"code\":1}`"
        );
        assert!(err("case: a\n").starts_with("k.yaml:1:1: "));
    }

    #[test]
    fn globs() {
        assert!(glob_match(
            "get_group_attr::*",
            "get_group_attr::group_type.Public"
        ));
        assert!(glob_match(
            "*::group_type.?ublic",
            "get_group_attr::group_type.Public"
        ));
        assert!(glob_match("a::b", "a::b"));
        assert!(!glob_match("a::b", "a::bc"));
        assert!(!glob_match("get_group_attr::*", "get_group_info::x"));
        assert!(glob_match("*a*b*", "xxaxxbxx"));
        assert!(!glob_match("*a*b", "xxaxxbxxc"));
    }

    #[test]
    fn failures_become_known_passes_fixed_and_unmatched_entries_stale() {
        let list = parse_known("known.yaml", FILE, "ErrorCode").unwrap();
        let mut run = report(vec![
            case("get_group_attr::unknown_group", Outcome::Fail, Some(10004)),
            case("get_group_attr::other_code", Outcome::Fail, Some(10010)),
            case("get_group_attr::now_ok", Outcome::Pass, Some(0)),
            case("set_attr::anything", Outcome::Fail, None),
            case("set_attr::skipped", Outcome::Skip, None),
            case("create_group::unlisted", Outcome::Fail, Some(1)),
        ]);
        apply_known(&mut run, &list);
        let outcomes: Vec<Outcome> = run.cases.iter().map(|c| c.outcome).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Known,
                Outcome::Fail,
                Outcome::Fixed,
                Outcome::Known,
                Outcome::Skip,
                Outcome::Fail
            ]
        );
        let mark = run.cases[0].known.as_ref().unwrap();
        assert_eq!(mark.entry, "case get_group_attr::*");
        assert_eq!(mark.expect, "code 10004");
        assert_eq!(mark.location, "known.yaml:2:3");
        assert!(
            run.cases[1]
                .reason
                .as_deref()
                .unwrap()
                .ends_with("(listed as a known deviation at known.yaml:2:3 expecting code 10004, but this failure answered code 10010)"),
            "{:?}",
            run.cases[1].reason
        );
        assert!(
            run.cases[2]
                .reason
                .as_deref()
                .unwrap()
                .contains("passes now: remove the entry")
        );
        assert!(run.cases[5].known.is_none());
        assert_eq!(
            run.stale_known,
            [
                "known.yaml:8:3: known-deviations entry `case: nosuch::case` matches no case of this run (stale: remove or correct it)"
            ]
        );
        let totals = run.totals();
        assert_eq!((totals.known, totals.fixed, totals.failed), (2, 1, 2));

        // Idempotent.
        let before = serde_json::to_string(&run).unwrap();
        apply_known(&mut run, &list);
        assert_eq!(serde_json::to_string(&run).unwrap(), before);
    }

    #[test]
    fn a_code_sent_as_a_string_still_matches() {
        let list = parse_known("k.yaml", "- case: a::b\n  expect: 10004\n", "ErrorCode").unwrap();
        let mut c = case("a::b", Outcome::Fail, None);
        c.steps = case("a::b", Outcome::Fail, Some(0)).steps;
        c.steps[0].response.as_mut().unwrap().body = r#"{"ErrorCode": "10004"}"#.to_owned();
        assert_eq!(classify_case(&mut c, &list), Some(0));
        assert_eq!(c.outcome, Outcome::Known);
    }
}
