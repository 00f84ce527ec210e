//! Every checked-in snapshot is a valid insta `.snap` file (so `cargo insta review` can work on
//! the `.snap.new` files a mismatch leaves), names its spec file, and holds redacted JSON.

use std::path::{Path, PathBuf};

fn snap_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            snap_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "snap") {
            out.push(path);
        }
    }
}

#[test]
fn snapshots_parse_as_insta_files_and_hold_redacted_json() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    snap_files(&root.join("snapshots"), &mut files);
    assert!(files.len() >= 20, "only {} snapshots", files.len());
    for file in files {
        let snap =
            insta::Snapshot::from_file(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let source = snap
            .metadata()
            .source()
            .unwrap_or_else(|| panic!("{}: no source", file.display()));
        assert!(
            root.join(source).exists(),
            "{}: source {source} does not exist",
            file.display()
        );
        assert!(
            snap.metadata()
                .expression()
                .is_some_and(|e| e.contains("::")),
            "{}",
            file.display()
        );
        let text = snap.as_text().expect("a text snapshot").to_string();
        let json: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            json.get("ErrorCode").is_some(),
            "{}: not an envelope",
            file.display()
        );
        assert!(!text.contains("usersig="), "{}", file.display());
        assert!(
            !text.contains("@TGS#"),
            "{}: an unredacted group ID",
            file.display()
        );
        assert!(
            !holds_run_prefix(&text),
            "{}: an unredacted run prefix (imc + run id)",
            file.display()
        );
    }
}

/// `imc` followed by eight hex digits: the prefix of this run's fixture names.
fn holds_run_prefix(text: &str) -> bool {
    text.match_indices("imc").any(|(i, _)| {
        let rest = &text[i + 3..];
        rest.len() >= 8 && rest.as_bytes()[..8].iter().all(u8::is_ascii_hexdigit)
    })
}
