//! Every report format, produced by `imconform run` against the embedded emulator with a
//! fault switched on, so each has failures to show; and the baseline and diff commands.

mod report_support;

use report_support::{ATTR_ENDPOINTS, imconform, matrix_cells, path_str, scratch, snapshot_copy};
use serde_json::Value;

#[test]
fn a_faulty_run_fills_every_report() {
    let dir = scratch("formats");
    let snaps = snapshot_copy(&dir);
    let out = |f: &str| dir.join(f);
    let reports = [
        format!("html={}", path_str(&out("r.html"))),
        format!("markdown={}", path_str(&out("r.md"))),
        format!("json={}", path_str(&out("r.json"))),
        format!("junit={}", path_str(&out("r.xml"))),
    ];
    // The repository's spec directory: annotations point at its files.
    let mut args = vec![
        "run",
        "--fault",
        "avchatroom-refused",
        // The whole suite, without waiting on the push rules' paced chain.
        "--emulator-no-push-clock",
        "--specs",
        "specs",
        "--snapshots",
        path_str(&snaps),
    ];
    for r in &reports {
        args.extend(["--report", r.as_str()]);
    }
    let ran = imconform(&args, &[("GITHUB_ACTIONS", "true")]);
    assert_eq!(ran.code, 1, "contract failures exit 1:\n{}", ran.stderr);

    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out("r.json")).unwrap()).unwrap();
    let failed = json["totals"]["failed"].as_u64().unwrap() as usize;
    assert!(failed > 0);
    let cases = json["cases"].as_array().unwrap();
    let probe = cases
        .iter()
        .find(|c| c["id"] == "set_group_attr::group_type.AVChatRoom")
        .expect("the AVChatRoom probe ran");
    assert_eq!(probe["outcome"], "fail");
    assert_eq!(probe["group_types"], serde_json::json!(["AVChatRoom"]));
    assert_eq!(
        probe["expected_codes"],
        serde_json::json!([{"call": "set_group_attr", "code": 0}])
    );
    assert_eq!(json["group_types"][3], "AVChatRoom");
    assert_eq!(json["endpoints"][0]["name"], "service");
    assert!(json.get("drift").is_none(), "no baseline, no drift section");
    assert_eq!(json["contract"]["specs"], "specs");
    assert_eq!(json["contract"]["snapshots"], path_str(&snaps));

    // HTML: the AVChatRoom column fails on the attribute endpoints, and nothing else fails.
    let html = std::fs::read_to_string(out("r.html")).unwrap();
    let cells = matrix_cells(&html, "group-type-matrix");
    for endpoint in ATTR_ENDPOINTS {
        let cell = &cells[&(endpoint.to_owned(), "AVChatRoom".to_owned())];
        assert_eq!(cell.outcome, "fail", "{endpoint} × AVChatRoom: {cell:?}");
        assert!(cell.text.starts_with("FAIL "), "{cell:?}");
    }
    for ((endpoint, column), cell) in &cells {
        if column != "AVChatRoom" {
            assert_ne!(
                cell.outcome, "fail",
                "{endpoint} × {column} fails: {cell:?}"
            );
        }
    }
    assert_eq!(
        cells[&("create_group".into(), "AVChatRoom".into())].outcome,
        "pass"
    );
    let codes = matrix_cells(&html, "error-code-matrix");
    assert_eq!(
        codes[&("get_group_attr".into(), "10007".into())].outcome,
        "pass"
    );
    assert_eq!(
        codes[&("set_group_attr".into(), "10002".into())].outcome,
        "untriggerable"
    );
    assert_eq!(
        codes[&("set_group_attr".into(), "10004".into())].outcome,
        "fail"
    );
    assert_eq!(
        codes[&("delete_group_attr".into(), "10007".into())].outcome,
        "uncovered"
    );
    assert_eq!(
        codes[&("get_group_attr".into(), "70001".into())].outcome,
        "na"
    );
    assert_eq!(html.matches("<details class=\"failure\"").count(), failed);
    assert!(
        !html.contains("<details class=\"failure\" open"),
        "failures start folded"
    );
    assert_eq!(html.matches("<pre class=\"diff\">").count(), failed);

    // Markdown: the same endpoint × group type cells, as text.
    let md = std::fs::read_to_string(out("r.md")).unwrap();
    let table = md
        .split("### Endpoint × group type\n\n")
        .nth(1)
        .expect("the group type table");
    let mut lines = table.lines();
    let header: Vec<String> = row(lines.next().unwrap());
    assert_eq!(header[0], "endpoint");
    lines.next();
    let mut rows = 0;
    for line in lines.take_while(|l| l.starts_with('|')) {
        let cols = row(line);
        let endpoint = cols[0].trim_matches('`').to_owned();
        for (column, text) in header.iter().zip(&cols).skip(1) {
            let html_cell = &cells[&(endpoint.clone(), column.clone())];
            let md_text = text
                .trim_matches(['*', '_'])
                .trim_end_matches(" †")
                .trim_matches(['*', '_']);
            assert_eq!(
                md_text,
                html_cell.text.trim_end_matches(" †"),
                "{endpoint} × {column}"
            );
        }
        rows += 1;
    }
    assert_eq!(rows, cells.len() / (header.len() - 1));

    // JUnit: one failure element per failed case.
    let xml = std::fs::read_to_string(out("r.xml")).unwrap();
    assert_eq!(xml.matches("<failure ").count(), failed);

    // GitHub annotations: one per failing case, at the case's place in its spec file.
    let annotations: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), failed, "{}", ran.stdout);
    let location = probe["location"].as_str().unwrap();
    let mut parts = location.rsplitn(3, ':');
    let (col, line, file) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let want = format!(
        "::error file={file},line={line},col={col},title=set_group_attr%3A%3Agroup_type.AVChatRoom::step 1 (set_group_attr): code: expected ErrorCode 0, got 10007"
    );
    assert!(
        annotations.iter().any(|a| a.starts_with(&want)),
        "no {want} in\n{}",
        annotations.join("\n")
    );
    let plain = imconform(
        &[
            "run",
            "--filter",
            "set_group_attr::group_type.AVChatRoom",
            "--fault",
            "avchatroom-refused",
        ],
        &[],
    );
    assert_eq!(plain.code, 1);
    assert!(
        !plain.stdout.contains("::error"),
        "annotations only under GitHub Actions"
    );
}

fn row(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().to_owned())
        .collect()
}

#[test]
fn a_fault_switched_on_after_recording_shows_as_drift() {
    let dir = scratch("baseline");
    let snaps = snapshot_copy(&dir);
    let base = dir.join("base");
    let common = [
        "run",
        "--filter",
        "set_group_attr",
        "--snapshots",
        path_str(&snaps),
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        common.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run =
        |args: Vec<String>| imconform(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[]);

    let recorded = run(with(&["--record", path_str(&base)]));
    assert_eq!(recorded.code, 0, "{}", recorded.stderr);
    let files = std::fs::read_dir(&base).unwrap().count();
    let ran: usize = recorded
        .stdout
        .lines()
        .last()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(files, ran, "one file per case");

    let same = run(with(&["--baseline", path_str(&base)]));
    assert_eq!(same.code, 0);
    assert!(
        same.stdout.contains("drift: 0 changes in 0 cases"),
        "{}",
        same.stdout
    );

    let json = dir.join("drift.json");
    let report = format!("json={}", path_str(&json));
    let faulty = run(with(&[
        "--baseline",
        path_str(&base),
        "--fault",
        "avchatroom-refused",
        "--report",
        &report,
    ]));
    assert_eq!(faulty.code, 1, "the contract failures still fail the run");
    let section = faulty
        .stdout
        .split("drift against ")
        .nth(1)
        .expect("a drift section");
    assert!(
        section.contains("DRIFT set_group_attr::group_type.AVChatRoom\n  step 1 (set_group_attr): error code moved: 0 → 10007\n"),
        "{section}"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let case = v["drift"]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "set_group_attr::group_type.AVChatRoom")
        .expect("the probe drifted");
    assert_eq!(
        case["changes"][0],
        serde_json::json!({"kind": "code_moved", "step": "step 1 (set_group_attr)", "from": 0, "to": 10007})
    );

    // Undocumented details (order, wording) are drift, not failures: the run passes...
    let details = run(with(&["--baseline", path_str(&base), "--details-differ"]));
    assert_eq!(details.code, 0, "{}", details.stdout);
    assert!(details.stdout.contains("0 failed"));
    assert!(
        details.stdout.contains("value changed: /GroupAttrAry/"),
        "{}",
        details.stdout
    );
    // ...unless asked otherwise.
    let strict = run(with(&[
        "--baseline",
        path_str(&base),
        "--details-differ",
        "--fail-on-drift",
    ]));
    assert_eq!(strict.code, 5);
}

#[test]
fn diff_names_the_cases_that_changed_outcome() {
    let dir = scratch("diff");
    let snaps = snapshot_copy(&dir);
    let a = dir.join("a.json");
    let b = dir.join("b.json");
    let ra = format!("json={}", path_str(&a));
    let rb = format!("json={}", path_str(&b));
    let base = [
        "run",
        "--filter",
        "get_group_attr",
        "--snapshots",
        path_str(&snaps),
    ];
    let clean = imconform(&[&base[..], &["--report", &ra]].concat(), &[]);
    assert_eq!(clean.code, 0);
    let faulty = imconform(
        &[
            &base[..],
            &["--report", &rb, "--fault", "avchatroom-refused"],
        ]
        .concat(),
        &[],
    );
    assert_eq!(faulty.code, 1);

    let changed = imconform(&["diff", path_str(&a), path_str(&b)], &[]);
    assert_eq!(changed.code, 1, "{}", changed.stderr);
    assert!(
        changed
            .stdout
            .contains("pass → fail        get_group_attr::group_type.AVChatRoom\n"),
        "{}",
        changed.stdout
    );
    assert!(!changed.stdout.contains("get_group_attr::group_type.Public"));
    let back = imconform(&["diff", path_str(&b), path_str(&a)], &[]);
    assert!(
        back.stdout
            .contains("fail → pass        get_group_attr::group_type.AVChatRoom\n")
    );
    let same = imconform(&["diff", path_str(&a), path_str(&a)], &[]);
    assert_eq!(same.code, 0);
    assert!(
        same.stdout.starts_with("0 changed outcome"),
        "{}",
        same.stdout
    );
    let missing = imconform(&["diff", path_str(&a), "/nonexistent.json"], &[]);
    assert_eq!(missing.code, 4);
}
