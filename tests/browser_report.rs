//! The HTML report in a real headless Chromium: it loads without a script error or console
//! message, the matrix shows the faulty column, the failures start folded, and `#open-all`
//! shows their request, response and diff as visible text.
//!
//! Needs `/usr/bin/chromium` (`apt-get install -y chromium chromium-driver`); skipped with a
//! message when it is missing, unless `CI` is set, where it must run.

mod report_support;

use std::path::Path;
use std::process::Command;

use report_support::{ATTR_ENDPOINTS, imconform, matrix_cells, path_str, scratch, snapshot_copy};

const CHROMIUM: &str = "/usr/bin/chromium";

struct Page {
    dom: String,
    console: Vec<String>,
}

fn chromium(dir: &Path, mode: &[String], url: &str) -> Page {
    let profile = tempdir(dir, "profile");
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", path_str(&profile)))
        .args(mode)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    Page {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect(),
    }
}

fn tempdir(dir: &Path, name: &str) -> std::path::PathBuf {
    let p = dir.join(format!("{name}-{}", rand_suffix()));
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn dump(dir: &Path, file: &Path, hash: &str) -> Page {
    let url = format!("file://{}{hash}", path_str(file));
    let page = chromium(dir, &["--dump-dom".to_owned()], &url);
    assert!(
        page.console.is_empty(),
        "console messages on {url}:\n{}",
        page.console.join("\n")
    );
    assert!(
        page.dom.contains("<ul id=\"js-errors\" hidden=\"\"></ul>"),
        "a script error was trapped on {url}:\n{}",
        between(&page.dom, "<ul id=\"js-errors\"", "</ul>")
    );
    assert!(
        page.dom.contains("data-js=\"ready\""),
        "the page script did not finish on {url}"
    );
    page
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let Some(a) = s.find(start) else { return "" };
    let b = s[a..].find(end).map_or(s.len(), |b| a + b + end.len());
    &s[a..b]
}

/// `#selftest`: attributes the page script wrote and the visible text of the failures.
fn selftest(dom: &str) -> (String, String) {
    let div = between(dom, "<div id=\"selftest\"", "</div>");
    let (tag, text) = div.split_once('>').expect("the selftest element");
    (tag.to_owned(), text.trim_end_matches("</div>").to_owned())
}

fn attr(tag: &str, name: &str) -> usize {
    let key = format!("{name}=\"");
    let at = tag.find(&key).unwrap_or_else(|| panic!("{name} in {tag}")) + key.len();
    tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
}

#[test]
fn the_html_report_works_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() {
        if std::env::var_os("CI").is_some() {
            panic!(
                "CI is set but {CHROMIUM} is missing: apt-get install -y chromium chromium-driver"
            );
        }
        eprintln!(
            "SKIPPED the_html_report_works_in_headless_chromium: {CHROMIUM} is missing (apt-get install -y chromium chromium-driver)"
        );
        return;
    }
    let dir = scratch("browser");
    let snaps = snapshot_copy(&dir);
    let page = |name: &str, fault: &str| {
        let file = dir.join(name);
        let report = format!("html={}", path_str(&file));
        let ran = imconform(
            &[
                "run",
                "--fault",
                fault,
                "--snapshots",
                path_str(&snaps),
                "--report",
                &report,
            ],
            &[],
        );
        assert_eq!(ran.code, 1, "{}", ran.stderr);
        file
    };
    let refused = page("avchatroom-refused.html", "avchatroom-refused");

    // Folded: the page loads clean, the matrix is as the fault makes it, no diff is shown.
    let folded = dump(&dir, &refused, "");
    let cells = matrix_cells(&folded.dom, "group-type-matrix");
    for endpoint in ATTR_ENDPOINTS {
        let cell = &cells[&(endpoint.to_owned(), "AVChatRoom".to_owned())];
        assert_eq!(cell.outcome, "fail", "{endpoint}: {cell:?}");
        assert!(
            cell.text.starts_with("FAIL"),
            "a text label, not colour alone: {cell:?}"
        );
    }
    let other_failures: Vec<_> = cells
        .iter()
        .filter(|((_, c), cell)| c != "AVChatRoom" && cell.outcome == "fail")
        .collect();
    assert!(other_failures.is_empty(), "{other_failures:?}");
    let (tag, text) = selftest(&folded.dom);
    let diffs = attr(&tag, "data-diffs");
    assert!(diffs > 0);
    assert_eq!(
        attr(&tag, "data-visible-diffs"),
        0,
        "diffs start folded: {tag}"
    );
    assert_eq!(attr(&tag, "data-open-failures"), 0);
    assert!(
        !text.contains("POST http://127.0.0.1"),
        "a request is visible while folded"
    );
    println!("folded: {diffs} failures, none open, no diff visible, no console message");

    // #open-all: every diff is visible, with the request, response and the failed check.
    let open = dump(&dir, &refused, "#open-all");
    let (tag, text) = selftest(&open.dom);
    assert_eq!(attr(&tag, "data-visible-diffs"), diffs, "{tag}");
    assert_eq!(attr(&tag, "data-open-failures"), diffs);
    assert!(
        text.contains("POST http://127.0.0.1"),
        "the request is visible"
    );
    assert!(text.contains("HTTP 200"), "the response is visible");
    assert!(
        text.contains("code: expected ErrorCode 0, got 10007"),
        "the failed check is visible"
    );
    println!("#open-all: {diffs} of {diffs} diffs visible, with request and response");

    // A snapshot mismatch shows its unified diff as visible text.
    let renamed = page("group-attr-field-renamed.html", "group-attr-field-renamed");
    let (tag, text) = selftest(&dump(&dir, &renamed, "#open-all").dom);
    assert_eq!(attr(&tag, "data-visible-diffs"), attr(&tag, "data-diffs"));
    assert!(text.contains("@@"), "a hunk header is visible");
    assert!(
        text.lines()
            .any(|l| l.starts_with('+') && l.contains("\"GroupAttr\"")),
        "the renamed field shows as an added line"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with('-') && l.contains("\"GroupAttrAry\""))
    );
    println!("snapshot diff visible after #open-all");

    // A screenshot for people, under the target dir.
    let shot = dir.join("report.png");
    chromium(
        &dir,
        &[
            format!("--screenshot={}", path_str(&shot)),
            "--window-size=1400,1800".to_owned(),
        ],
        &format!("file://{}", path_str(&refused)),
    );
    let size = std::fs::metadata(&shot).expect("a screenshot").len();
    assert!(size > 10_000, "a blank screenshot? {size} bytes");
    println!("screenshot: {} ({size} bytes)", shot.display());
}
