//! Shared helpers for the report tests: run the `imconform` binary against its embedded
//! emulator, in a scratch directory under the target dir, and read the HTML matrix cells.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `imconform ARGS` from the crate root, with `env` set and GITHUB_ACTIONS/CI cleared.
pub fn imconform(args: &[&str], env: &[(&str, &str)]) -> Ran {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_imconform"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env(
            "IMCONFORM_NEW_SNAPSHOTS",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_new_snapshots"),
        )
        .env_remove("GITHUB_ACTIONS")
        .env_remove("IMCONFORM_TARGET");
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

/// A fresh directory under the target dir's scratch space (never inside the repository).
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the recorded snapshots, so a faulty run leaves its `.snap.new` files there and
/// not in the repository.
pub fn snapshot_copy(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let dst = dir.join("snapshots");
    copy_dir(&src, &dst);
    dst
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// A matrix cell as the page holds it.
#[derive(Debug, Clone)]
pub struct HtmlCell {
    pub outcome: String,
    /// The visible label, tags stripped.
    pub text: String,
    /// Where the cell's link goes, when it has one.
    pub href: Option<String>,
}

/// Every `<td class="cell ...">` of the table with `id`, keyed by (endpoint, column).
pub fn matrix_cells(html: &str, table_id: &str) -> HashMap<(String, String), HtmlCell> {
    cells_by(html, table_id, "data-endpoint")
}

/// Every cell of a cases × targets table with `id`, keyed by (case id, target).
pub fn case_cells(html: &str, table_id: &str) -> HashMap<(String, String), HtmlCell> {
    cells_by(html, table_id, "data-case")
}

fn cells_by(html: &str, table_id: &str, row_key: &str) -> HashMap<(String, String), HtmlCell> {
    let start = html
        .find(&format!("id=\"{table_id}\""))
        .unwrap_or_else(|| panic!("no table {table_id} in the page"));
    let end = start + html[start..].find("</table>").expect("the table ends");
    let table = &html[start..end];
    let mut out = HashMap::new();
    for chunk in table.split("<td ").skip(1) {
        let (tag, rest) = chunk.split_once('>').expect("a complete tag");
        let attr = |name: &str| -> String {
            let key = format!("{name}=\"");
            let at = tag
                .find(&key)
                .unwrap_or_else(|| panic!("{name} in <td {tag}>"))
                + key.len();
            tag[at..at + tag[at..].find('"').unwrap()].to_owned()
        };
        let inner = &rest[..rest.find("</td>").expect("the cell ends")];
        let href = inner.split_once("href=\"").map(|(_, h)| {
            let end = h.find('"').expect("the link ends");
            h[..end].to_owned()
        });
        out.insert(
            (unescape(&attr(row_key)), unescape(&attr("data-column"))),
            HtmlCell {
                outcome: attr("data-outcome"),
                text: strip_tags(inner).trim().to_owned(),
                href,
            },
        );
    }
    out
}

pub fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// The group attribute endpoints the `avchatroom-refused` fault breaks for AVChatRoom groups.
pub const ATTR_ENDPOINTS: [&str; 5] = [
    "set_group_attr",
    "modify_group_attr",
    "clear_group_attr",
    "get_group_attr",
    "delete_group_attr",
];
