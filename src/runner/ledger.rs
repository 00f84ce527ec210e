//! A record of the fixtures a run made on a real target, so `imconform cleanup` can tear down
//! what a run killed mid-way left behind. Append-only JSON lines: `made` when a fixture's setup
//! ran, `removed` when its teardown succeeded.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LedgerEvent {
    Made,
    Removed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub event: LedgerEvent,
    /// `run-id/case-index/fixture-name`: one fixture instance.
    pub key: String,
    pub run_id: String,
    /// The base URL the fixture was made on.
    pub target: String,
    /// The fixture definition's name in the service file.
    pub fixture: String,
    /// The fixture's variables (parameters, captures, `self.name`), for its teardown.
    pub scope: HashMap<String, Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("failed to open the ledger {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to write the ledger {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: not a ledger entry: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

pub struct Ledger {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl Ledger {
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| LedgerError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| LedgerError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Ledger {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// One line per entry, flushed at once: a killed run loses nothing it wrote.
    pub fn append(&self, entry: &LedgerEntry) -> Result<(), LedgerError> {
        let mut line = serde_json::to_string(entry).expect("a ledger entry serializes");
        line.push('\n');
        let mut file = self.file.lock().expect("ledger lock");
        file.write_all(line.as_bytes())
            .and_then(|_| file.flush())
            .map_err(|source| LedgerError::Write {
                path: self.path.clone(),
                source,
            })
    }
}

/// Fixtures made and never removed, oldest first.
pub fn pending(path: &Path) -> Result<Vec<LedgerEntry>, LedgerError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(LedgerError::Open {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut made: Vec<LedgerEntry> = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let entry: LedgerEntry = serde_json::from_str(line).map_err(|e| LedgerError::Parse {
            path: path.to_path_buf(),
            line: i + 1,
            message: e.to_string(),
        })?;
        match entry.event {
            LedgerEvent::Made => made.push(entry),
            LedgerEvent::Removed => made.retain(|m| m.key != entry.key),
        }
    }
    Ok(made)
}

/// Rewrites the ledger with only `keep`: what cleanup could not remove.
pub fn rewrite(path: &Path, keep: &[LedgerEntry]) -> Result<(), LedgerError> {
    let mut text = String::new();
    for e in keep {
        text.push_str(&serde_json::to_string(e).expect("a ledger entry serializes"));
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|source| LedgerError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(event: LedgerEvent, key: &str) -> LedgerEntry {
        LedgerEntry {
            event,
            key: key.into(),
            run_id: "r".into(),
            target: "http://t".into(),
            fixture: "group".into(),
            scope: HashMap::from([("GroupId".to_owned(), Value::from("@TGS#1"))]),
        }
    }

    #[test]
    fn pending_is_made_minus_removed() {
        let path =
            std::env::temp_dir().join(format!("imconform-ledger-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let ledger = Ledger::open(&path).unwrap();
        ledger.append(&entry(LedgerEvent::Made, "a")).unwrap();
        ledger.append(&entry(LedgerEvent::Made, "b")).unwrap();
        ledger.append(&entry(LedgerEvent::Removed, "a")).unwrap();
        let left = pending(&path).unwrap();
        assert_eq!(
            left.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
            vec!["b"]
        );
        rewrite(&path, &[]).unwrap();
        assert!(pending(&path).unwrap().is_empty());
        std::fs::write(&path, "{oops\n").unwrap();
        assert!(matches!(
            pending(&path),
            Err(LedgerError::Parse { line: 1, .. })
        ));
        let _ = std::fs::remove_file(&path);
    }
}
