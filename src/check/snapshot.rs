//! Snapshots of response bodies in insta's `.snap` format, so `cargo insta review` works on
//! them. Volatile values are redacted first; a mismatch leaves `NAME.snap.new` and a diff.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use similar::TextDiff;

use crate::contract::{ContractSource, NEW_SNAPSHOTS_DIR, Part};
use crate::spec::Redaction;

/// Where snapshots are read from and written to, and whether a run may write them.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    /// The recorded snapshots: a directory, or the ones built into the binary.
    source: ContractSource,
    /// The profile's folder under the source's root (empty for the default profile).
    sub: PathBuf,
    pub update: bool,
    /// Hold every byte: a difference the docs leave open (drift) fails the check too. For
    /// snapshots recorded from the very target under test (`--strict-snapshots`).
    pub strict: bool,
    /// Where `.snap.new` files go (default: beside the snapshots of a directory, where `cargo
    /// insta review` finds them; `NEW_SNAPSHOTS_DIR` for the built-in ones). Self-tests point
    /// this elsewhere so faulty targets leave nothing behind.
    pub pending_dir: Option<PathBuf>,
    /// Recorded snapshot texts already read in this run (None: no file), so a case that runs
    /// many times reads its snapshot once: the comparison sits on every step's path.
    recorded: Arc<Mutex<HashMap<String, Recorded>>>,
}

/// A store that cannot be set up as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotSetupError {
    #[error(
        "--update-snapshots records snapshots into a local directory, and the snapshots are the ones built into imconform: pass --snapshots DIR (`imconform export contract DIR` writes a copy to start from, in DIR/snapshots)"
    )]
    UpdateNeedsDirectory,
}

#[derive(Debug, Clone, Default)]
struct Recorded {
    /// The snapshot text of the file, trimmed at the end (None: no file).
    text: Option<Arc<str>>,
    /// A stale `.snap.new` beside a matching snapshot was removed already.
    pending_cleared: bool,
}

/// The result of comparing one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotOutcome {
    Matched,
    /// Written or rewritten because updating was asked for.
    Written,
    /// Not recorded yet; `NAME.snap.new` was left for review.
    Missing {
        pending: PathBuf,
    },
    /// Differs; `NAME.snap.new` was left for review.
    Differs {
        diff: String,
        pending: PathBuf,
        /// The recorded snapshot text, to judge the differences by.
        recorded: Arc<str>,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("failed to write snapshot {}: {source}", path.display())]
pub struct SnapshotError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// What a snapshot file says about where it came from (insta's header).
pub struct SnapshotMeta<'a> {
    pub source: &'a str,
    pub expression: &'a str,
}

impl SnapshotStore {
    /// The default profile's snapshots sit in the root of `source`; every other profile has a
    /// folder of its own there, since doc revisions differ in response shape. Updating needs
    /// a directory: the built-in snapshots cannot be written.
    pub fn from_source(
        source: &ContractSource,
        profile: &str,
        default_profile: &str,
        update: bool,
    ) -> Result<Self, SnapshotSetupError> {
        if update && source.is_embedded() {
            return Err(SnapshotSetupError::UpdateNeedsDirectory);
        }
        let sub = if profile == default_profile {
            PathBuf::new()
        } else {
            PathBuf::from(profile)
        };
        Ok(Self {
            source: source.clone(),
            sub,
            update,
            strict: false,
            pending_dir: None,
            recorded: Arc::default(),
        })
    }

    /// `from_source` for a directory.
    pub fn for_profile(base: &Path, profile: &str, default_profile: &str, update: bool) -> Self {
        let source = ContractSource::dir(Part::Snapshots, base);
        Self::from_source(&source, profile, default_profile, update)
            .expect("a directory can be updated")
    }

    /// The snapshots in `dir`, for every profile alike.
    pub fn new(dir: PathBuf, update: bool) -> Self {
        Self::for_profile(&dir, "", "", update)
    }

    /// `.snap.new` files go under `dir` (in the profile's folder, as the snapshots do).
    pub fn with_new_snapshots_dir(mut self, dir: Option<PathBuf>) -> Self {
        if let Some(dir) = dir {
            self.pending_dir = Some(dir.join(&self.sub));
        }
        self
    }

    pub fn source(&self) -> &ContractSource {
        &self.source
    }

    /// Where this run's `.snap.new` files go.
    fn pending_root(&self) -> PathBuf {
        match (&self.pending_dir, self.source.local_dir()) {
            (Some(dir), _) => dir.clone(),
            (None, Some(dir)) => dir.join(&self.sub),
            (None, None) => Path::new(NEW_SNAPSHOTS_DIR).join(&self.sub),
        }
    }

    /// How a user accepts a snapshot this run left, for failure messages.
    pub fn accept_hint(&self) -> &'static str {
        if self.source.is_embedded() {
            "to record it, write the contract out with `imconform export contract DIR` and rerun with --snapshots DIR/snapshots --update-snapshots"
        } else {
            "accept with `cargo insta review` or rerun with --update-snapshots"
        }
    }

    /// Holds every byte (`strict`): drift fails too.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The recorded text of a snapshot file, read once per store.
    fn recorded(&self, name: &str) -> Option<Arc<str>> {
        let mut cache = self.recorded.lock().expect("snapshot cache lock");
        if let Some(known) = cache.get(name) {
            return known.text.clone();
        }
        let bytes = self
            .source
            .read(&self.sub.join(format!("{name}.snap")))
            .ok();
        let text = bytes
            .as_deref()
            .and_then(|b| std::str::from_utf8(b).ok())
            .map(|t| Arc::from(body_of(t).trim_end()));
        cache.insert(
            name.to_owned(),
            Recorded {
                text: text.clone(),
                pending_cleared: false,
            },
        );
        text
    }

    fn remember(&self, name: &str, content: &str) {
        let mut cache = self.recorded.lock().expect("snapshot cache lock");
        let text = Some(Arc::from(content.trim_end()));
        cache.insert(
            name.to_owned(),
            Recorded {
                text,
                pending_cleared: true,
            },
        );
    }

    /// Removes a `.snap.new` an earlier run left beside a snapshot that matches now (once).
    fn clear_pending_once(&self, name: &str, pending: impl FnOnce() -> PathBuf) {
        let mut cache = self.recorded.lock().expect("snapshot cache lock");
        let entry = match cache.get_mut(name) {
            Some(entry) => entry,
            None => cache.entry(name.to_owned()).or_default(),
        };
        if !entry.pending_cleared {
            remove_if_present(&pending());
            entry.pending_cleared = true;
        }
    }

    /// Where `update` writes a snapshot: in the local directory.
    fn path_of(&self, name: &str) -> PathBuf {
        let dir = self
            .source
            .local_dir()
            .unwrap_or(Path::new(NEW_SNAPSHOTS_DIR));
        dir.join(&self.sub).join(format!("{name}.snap"))
    }

    pub fn compare(
        &self,
        name: &str,
        content: &str,
        meta: &SnapshotMeta<'_>,
    ) -> Result<SnapshotOutcome, SnapshotError> {
        let pending_of = || self.pending_root().join(format!("{name}.snap.new"));
        let recorded = self.recorded(name);
        if recorded.as_deref() == Some(content.trim_end()) {
            self.clear_pending_once(name, pending_of);
            return Ok(SnapshotOutcome::Matched);
        }
        let path = self.path_of(name);
        let pending = pending_of();
        match recorded {
            _ if self.update => {
                write(&path, &render_file(content, meta))?;
                remove_if_present(&pending);
                self.remember(name, content);
                Ok(SnapshotOutcome::Written)
            }
            Some(old) => {
                write(&pending, &render_file(content, meta))?;
                let diff = TextDiff::from_lines(&*old, content.trim_end())
                    .unified_diff()
                    .context_radius(3)
                    .header(
                        &format!("{name}.snap (recorded)"),
                        &format!("{name}.snap.new (this run)"),
                    )
                    .to_string();
                Ok(SnapshotOutcome::Differs {
                    diff,
                    pending,
                    recorded: old,
                })
            }
            None => {
                write(&pending, &render_file(content, meta))?;
                Ok(SnapshotOutcome::Missing { pending })
            }
        }
    }
}

fn write(path: &Path, text: &str) -> Result<(), SnapshotError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| SnapshotError {
            path: path.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| SnapshotError {
        path: path.to_path_buf(),
        source,
    })
}

fn remove_if_present(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// insta's layout: a YAML header between `---` lines, then the snapshot text.
fn render_file(content: &str, meta: &SnapshotMeta<'_>) -> String {
    format!(
        "---\nsource: {}\nexpression: {}\n---\n{}\n",
        yaml_scalar(meta.source),
        yaml_scalar(meta.expression),
        content.trim_end()
    )
}

fn yaml_scalar(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// The snapshot text of a `.snap` file (everything after the header).
fn body_of(file: &str) -> &str {
    let Some(rest) = file.strip_prefix("---\n") else {
        return file;
    };
    match rest.find("\n---\n") {
        Some(end) => &rest[end + 5..],
        None => file,
    }
}

/// What a non-empty info field (ErrorInfo) is replaced with: its wording is never the contract.
pub const INFO_PLACEHOLDER: &str = "[info]";

/// What goes into a snapshot: the body with keys sorted, volatile values replaced, and the
/// arrays whose order the docs leave open sorted.
pub struct Normalizer<'a> {
    pub redactions: &'a [Redaction],
    /// Values that belong to this run (fixture names, captured IDs) and their names.
    pub run_values: &'a [(String, String)],
    /// A field whose wording is never part of the contract (e.g. ErrorInfo): kept only if empty.
    pub info_field: &'a str,
    pub sort: &'a [String],
}

impl Normalizer<'_> {
    pub fn normalize(&self, body: &Value) -> String {
        serde_json::to_string_pretty(&self.normalize_value(body)).expect("JSON serializes")
    }

    /// The normalized body as a value (object keys sorted), for baselines.
    pub fn normalize_value(&self, body: &Value) -> Value {
        // One copy, changed in place: snapshot steps and baseline runs do this on every step.
        let mut v = body.clone();
        for r in self.redactions {
            redact_at(&mut v, Some(r.path.trim_start_matches('/')), &r.placeholder);
        }
        if let Some(Value::String(info)) = v.get_mut(self.info_field)
            && !info.is_empty()
        {
            *info = INFO_PLACEHOLDER.to_owned();
        }
        replace_run_values(&mut v, self.run_values);
        v.sort_all_objects();
        for pointer in self.sort {
            if let Some(Value::Array(items)) = v.pointer_mut(pointer) {
                // Keys are sorted already, so an item's text is its canonical form.
                items.sort_by_cached_key(|a| a.to_string());
            }
        }
        v
    }
}

/// Replaces what `path` (`a/b/*/c`, or None past its last segment) points at.
fn redact_at(v: &mut Value, path: Option<&str>, placeholder: &str) {
    let Some(path) = path else {
        *v = Value::String(placeholder.to_owned());
        return;
    };
    let (first, rest) = match path.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (path, None),
    };
    match v {
        Value::Object(map) => {
            if first == "*" {
                map.values_mut()
                    .for_each(|child| redact_at(child, rest, placeholder));
            } else if let Some(child) = map.get_mut(first) {
                redact_at(child, rest, placeholder);
            }
        }
        Value::Array(items) => {
            if first == "*" {
                items
                    .iter_mut()
                    .for_each(|child| redact_at(child, rest, placeholder));
            } else if let Some(child) = first.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                redact_at(child, rest, placeholder);
            }
        }
        _ => {}
    }
}

fn replace_run_values(v: &mut Value, run_values: &[(String, String)]) {
    match v {
        Value::String(s) => {
            for (value, name) in run_values {
                if !value.is_empty() && s.contains(value.as_str()) {
                    *s = s.replace(value.as_str(), &format!("[{name}]"));
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|c| replace_run_values(c, run_values)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|c| replace_run_values(c, run_values)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Loc;
    use serde_json::json;

    #[test]
    fn normalizes_order_volatile_values_and_info() {
        let red = vec![Redaction {
            path: "/GroupInfo/*/CreateTime".into(),
            placeholder: "[timestamp]".into(),
            loc: Loc {
                file: crate::spec::SpecFile::new("s"),
                line: 1,
                column: 1,
            },
        }];
        let run = vec![("@TGS#abc".to_owned(), "g.GroupId".to_owned())];
        let sort = vec!["/GroupAttrAry".to_owned()];
        let n = Normalizer {
            redactions: &red,
            run_values: &run,
            info_field: "ErrorInfo",
            sort: &sort,
        };
        let a = json!({"ErrorInfo": "no such thing", "GroupInfo": [{"CreateTime": 5, "GroupId": "@TGS#abc"}],
                       "GroupAttrAry": [{"key": "b"}, {"key": "a"}]});
        let b = json!({"GroupAttrAry": [{"key": "a"}, {"key": "b"}], "ErrorInfo": "other words",
                       "GroupInfo": [{"GroupId": "@TGS#abc", "CreateTime": 99}]});
        assert_eq!(n.normalize(&a), n.normalize(&b));
        assert!(n.normalize(&a).contains("[g.GroupId]"));
        assert!(n.normalize(&a).contains("[timestamp]"));
    }

    #[test]
    fn the_built_in_snapshots_are_read_but_never_written() {
        let built_in = ContractSource::embedded(Part::Snapshots);
        assert_eq!(
            SnapshotStore::from_source(&built_in, "current", "current", true).unwrap_err(),
            SnapshotSetupError::UpdateNeedsDirectory
        );
        let meta = SnapshotMeta {
            source: "specs/x.yaml",
            expression: "x::y step 1",
        };
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::from_source(&built_in, "push-legacy", "current", false)
            .unwrap()
            .with_new_snapshots_dir(Some(dir.path().to_path_buf()));
        let recorded = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("snapshots/push-legacy/get_group_attr.two_keys.snap"),
        )
        .unwrap();
        let body = body_of(&recorded);
        assert_eq!(
            store
                .compare("get_group_attr.two_keys", body, &meta)
                .unwrap(),
            SnapshotOutcome::Matched
        );
        match store
            .compare("get_group_attr.two_keys", "{}", &meta)
            .unwrap()
        {
            SnapshotOutcome::Differs { pending, .. } => assert_eq!(
                pending,
                dir.path()
                    .join("push-legacy/get_group_attr.two_keys.snap.new")
            ),
            other => panic!("expected a difference, got {other:?}"),
        }
        // Unnamed, they go under the working directory.
        let store = SnapshotStore::from_source(&built_in, "current", "current", false).unwrap();
        assert_eq!(
            store.pending_root(),
            std::path::Path::new(NEW_SNAPSHOTS_DIR)
        );
        assert!(store.accept_hint().contains("export contract"));
    }

    #[test]
    fn mismatch_leaves_a_pending_file_and_a_diff() {
        let dir = std::env::temp_dir().join(format!("imconform-snap-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let meta = SnapshotMeta {
            source: "specs/x.yaml",
            expression: "x::y step 1",
        };
        let writer = SnapshotStore::new(dir.clone(), true);
        assert_eq!(
            writer.compare("a", "{\n  \"k\": 1\n}", &meta).unwrap(),
            SnapshotOutcome::Written
        );
        let reader = SnapshotStore::new(dir.clone(), false);
        assert_eq!(
            reader.compare("a", "{\n  \"k\": 1\n}", &meta).unwrap(),
            SnapshotOutcome::Matched
        );
        match reader.compare("a", "{\n  \"k\": 2\n}", &meta).unwrap() {
            SnapshotOutcome::Differs { diff, pending, .. } => {
                assert!(
                    diff.contains("-  \"k\": 1") && diff.contains("+  \"k\": 2"),
                    "{diff}"
                );
                assert!(pending.exists());
            }
            other => panic!("expected a difference, got {other:?}"),
        }
        assert!(matches!(
            reader.compare("b", "{}", &meta).unwrap(),
            SnapshotOutcome::Missing { .. }
        ));
        let text = std::fs::read_to_string(dir.join("a.snap")).unwrap();
        assert!(
            text.starts_with("---\nsource: \"specs/x.yaml\"\nexpression: \"x::y step 1\"\n---\n{"),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
