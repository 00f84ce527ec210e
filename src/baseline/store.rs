//! Baselines on disk: one pretty JSON file per case in a directory, named after the case id.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{RecordedCase, RecordedStep};

/// Bumped when the file layout changes meaning.
pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("baseline {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("baseline file {}: {source}", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("baseline file {}: version {found}, this imconform reads version {BASELINE_VERSION} (record it again)", path.display())]
    Version { path: PathBuf, found: u32 },
    #[error("baseline {}: no case files in it (record one with `imconform run --record DIR`)", path.display())]
    Empty { path: PathBuf },
}

#[derive(Serialize, Deserialize)]
struct CaseFile {
    baseline_version: u32,
    id: String,
    steps: Vec<RecordedStep>,
}

/// `set_group_attr::group_type.AVChatRoom` → `set_group_attr__group_type.AVChatRoom.json`.
pub fn file_name(id: &str) -> String {
    let safe: String = id
        .replace("::", "__")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.json")
}

/// Writes every case, replacing the baseline files already in `dir` (other files stay).
pub fn write_baseline(dir: &Path, cases: &[RecordedCase]) -> Result<(), BaselineError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BaselineError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for (path, _) in case_files(dir)? {
        std::fs::remove_file(&path).map_err(io(&path))?;
    }
    for case in cases {
        let path = dir.join(file_name(&case.id));
        let file = CaseFile {
            baseline_version: BASELINE_VERSION,
            id: case.id.clone(),
            steps: case.steps.clone(),
        };
        let text = serde_json::to_string_pretty(&file).expect("recorded data serializes");
        std::fs::write(&path, text + "\n").map_err(io(&path))?;
    }
    Ok(())
}

/// Every case recorded in `dir`, in file-name order.
pub fn read_baseline(dir: &Path) -> Result<Vec<RecordedCase>, BaselineError> {
    let files = case_files(dir)?;
    if files.is_empty() {
        return Err(BaselineError::Empty {
            path: dir.to_path_buf(),
        });
    }
    let mut out = Vec::new();
    for (path, text) in files {
        let file: CaseFile =
            serde_json::from_str(&text).map_err(|source| BaselineError::Parse {
                path: path.clone(),
                source,
            })?;
        if file.baseline_version != BASELINE_VERSION {
            return Err(BaselineError::Version {
                path,
                found: file.baseline_version,
            });
        }
        out.push(RecordedCase {
            id: file.id,
            steps: file.steps,
        });
    }
    Ok(out)
}

/// The `*.json` files of `dir` that are baseline case files, with their text.
fn case_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, BaselineError> {
    let entries = std::fs::read_dir(dir).map_err(|source| BaselineError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| BaselineError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|source| BaselineError::Io {
            path: path.clone(),
            source,
        })?;
        if serde_json::from_str::<serde_json::Value>(&text)
            .is_ok_and(|v| v.get("baseline_version").is_some())
        {
            out.push((path, text));
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn written_baselines_read_back_and_replace_older_ones() {
        let dir = std::env::temp_dir().join(format!("imconform-baseline-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let case = |id: &str| RecordedCase {
            id: id.into(),
            steps: vec![RecordedStep {
                step: "step 1 (c)".into(),
                status: 200,
                code: Some(0),
                body: json!({"ErrorCode": 0}),
            }],
        };
        write_baseline(&dir, &[case("a::x"), case("a::stale")]).unwrap();
        std::fs::write(dir.join("notes.json"), "{\"mine\": 1}").unwrap();
        write_baseline(&dir, &[case("a::x")]).unwrap();
        assert!(dir.join("a__x.json").exists());
        assert!(!dir.join("a__stale.json").exists());
        assert!(
            dir.join("notes.json").exists(),
            "files that are not baselines stay"
        );
        assert_eq!(read_baseline(&dir).unwrap(), [case("a::x")]);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(matches!(read_baseline(&dir), Err(BaselineError::Io { .. })));
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            file_name("set_group_attr::group_type.AVChatRoom"),
            "set_group_attr__group_type.AVChatRoom.json"
        );
        assert_eq!(file_name("a/b::c d"), "a_b__c_d.json");
    }
}
