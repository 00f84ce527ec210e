//! The HTML reports in a real headless Chromium: they load without a script error or console
//! message, the matrix shows the faulty column, the failures start folded, and `#open-all`
//! shows their request, response and diff as visible text. The matrix page of several targets
//! also opens one target's failure, with its reproducer, from its cell's link.
//!
//! Needs `/usr/bin/chromium` (`apt-get install -y chromium chromium-driver`); skipped with a
//! message when it is missing, unless `CI` is set, where it must run.

mod report_support;

use std::path::Path;
use std::process::Command;

use report_support::{
    ATTR_ENDPOINTS, case_cells, imconform, matrix_cells, path_str, scratch, snapshot_copy,
};

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

/// False (with a message) when Chromium is missing outside CI; in CI it must be there.
fn have_chromium(test: &str) -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI is set but {CHROMIUM} is missing: apt-get install -y chromium chromium-driver");
    }
    eprintln!(
        "SKIPPED {test}: {CHROMIUM} is missing (apt-get install -y chromium chromium-driver)"
    );
    false
}

#[test]
fn the_html_report_works_in_headless_chromium() {
    if !have_chromium("the_html_report_works_in_headless_chromium") {
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

#[test]
fn the_matrix_page_works_in_headless_chromium() {
    if !have_chromium("the_matrix_page_works_in_headless_chromium") {
        return;
    }
    let dir = scratch("browser-matrix");
    let snaps = snapshot_copy(&dir);
    // Two single runs, then `imconform matrix` over their reports.
    let faults = [
        ("refused", "avchatroom-refused"),
        ("wrongcode", "unknown-group-wrong-code"),
    ];
    let mut failing: Vec<(&str, Vec<String>)> = Vec::new();
    let mut args = vec!["matrix".to_owned()];
    for (name, fault) in faults {
        let json = dir.join(format!("{name}.json"));
        let report = format!("json={}", path_str(&json));
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
        let run: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let failed = (run["cases"].as_array().unwrap().iter())
            .filter(|c| c["outcome"] == "fail")
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        failing.push((name, failed));
        args.push(format!("{name}={}", path_str(&json)));
    }
    let page = dir.join("matrix.html");
    args.push("--report".into());
    args.push(format!("html={}", path_str(&page)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ran = imconform(&args, &[]);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);

    // Folded: loads clean; every failing case of each run is a FAIL cell in its column.
    let folded = dump(&dir, &page, "");
    let cells = case_cells(&folded.dom, "case-matrix");
    let mut first_link = None;
    for (name, failed) in &failing {
        assert!(!failed.is_empty());
        for id in failed {
            let cell = &cells[&(id.clone(), name.to_string())];
            assert_eq!(
                (cell.outcome.as_str(), cell.text.as_str()),
                ("fail", "FAIL"),
                "{id} on {name}"
            );
            first_link = first_link.or(cell.href.clone());
        }
    }
    let endpoints = matrix_cells(&folded.dom, "endpoint-matrix");
    let set = &endpoints[&("set_group_attr".to_owned(), "refused".to_owned())];
    assert_eq!(set.outcome, "fail", "{set:?}");
    assert!(
        set.text.contains(" FAIL"),
        "a text label, not colour alone: {set:?}"
    );
    let (tag, _) = selftest(&folded.dom);
    let diffs = attr(&tag, "data-diffs");
    let expected: usize = failing.iter().map(|(_, f)| f.len()).sum();
    assert_eq!(diffs, expected, "one failure per failing (target, case)");
    assert_eq!(
        attr(&tag, "data-visible-diffs"),
        0,
        "failures start folded: {tag}"
    );
    println!("matrix folded: {diffs} failures over two targets, none open");

    // A failing cell's link opens that target's failure alone, with its reproducer.
    let link = first_link.expect("failing cells link to their failure");
    let opened = dump(&dir, &page, &link);
    let (tag, text) = selftest(&opened.dom);
    assert_eq!(attr(&tag, "data-open-failures"), 1, "{link}: {tag}");
    assert_eq!(attr(&tag, "data-visible-diffs"), 1, "{link}: {tag}");
    assert_eq!(text.matches("curl -X POST").count(), 1, "{text}");
    // The DOM dump escapes text: `usersig=<usersig>` on the page.
    assert!(text.contains("usersig=&lt;usersig&gt;"), "{text}");
    assert!(text.contains("HTTP 200"), "the response is visible: {text}");
    println!("{link}: one failure open, its reproducer visible");

    let all = dump(&dir, &page, "#open-all");
    let (tag, _) = selftest(&all.dom);
    assert_eq!(attr(&tag, "data-visible-diffs"), diffs, "{tag}");

    let shot = dir.join("matrix.png");
    chromium(
        &dir,
        &[
            format!("--screenshot={}", path_str(&shot)),
            "--window-size=1400,1800".to_owned(),
        ],
        &format!("file://{}", path_str(&page)),
    );
    let size = std::fs::metadata(&shot).expect("a screenshot").len();
    assert!(size > 10_000, "a blank screenshot? {size} bytes");
    println!("screenshot: {} ({size} bytes)", shot.display());
}
