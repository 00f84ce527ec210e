//! Bounded fuzzing with proptest. (a) The spec loader, fed arbitrary bytes and YAML-ish
//! mutations of the real spec files, never panics and locates every rejection as
//! file:line:column. (b) Every emulator endpoint, sent arbitrary bodies, queries and sigs,
//! never panics and always answers HTTP 200 with the documented envelope and a declared code.
//!
//! Cases per property: 48 by default (a few seconds each); `PROPTEST_CASES=N` runs longer.

mod support;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use imconform::auth::usersig::{SecretKey, SigClaims, sign};
use imconform::emulator::{DEFAULT_TEST_KEY, EmulatorConfig, EmulatorHandle};
use imconform::spec::{LoadError, load_suite};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value};
use support::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// A rejection must be a list of located problems, each in an existing file of the suite,
/// rendered `file:line:column: message`.
fn assert_located(root: &Path, result: Result<imconform::spec::Suite, LoadError>) -> bool {
    let err = match result {
        Ok(_) => return true,
        Err(e) => e,
    };
    let errors = err.spec_errors();
    assert!(!errors.is_empty(), "a rejection without a location: {err}");
    for e in errors {
        assert!(e.loc.line >= 1 && e.loc.column >= 1, "unlocated: {e}");
        assert!(e.loc.file.starts_with(root), "outside the suite: {e}");
        assert!(e.loc.file.exists(), "no such file: {e}");
        let shown = e.to_string();
        let prefix = format!("{}:{}:{}: ", e.loc.file.display(), e.loc.line, e.loc.column);
        assert!(shown.starts_with(&prefix), "{shown}");
        assert!(!e.message.trim().is_empty(), "{shown}");
    }
    false
}

#[test]
fn the_loader_locates_every_rejection_of_arbitrary_bytes() {
    let dir = tempdir();
    copy_dir(&runner_specs(), dir.path());
    let target = dir.path().join("endpoints/probe.yaml");
    let root = dir.path().to_path_buf();
    let (accepted, rejected) = (Cell::new(0u32), Cell::new(0u32));
    let bytes = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..400),
        // Mostly printable, with YAML punctuation, so the parser gets further in.
        proptest::collection::vec(
            prop_oneof![
                Just(b'\n'),
                Just(b':'),
                Just(b' '),
                Just(b'-'),
                Just(b'{'),
                Just(b'['),
                Just(b'"'),
                32u8..127
            ],
            0..400
        ),
    ];
    runner()
        .run(&bytes, |bytes| {
            std::fs::write(&target, &bytes).unwrap();
            let counter = if assert_located(&root, load_suite(&root)) {
                &accepted
            } else {
                &rejected
            };
            counter.set(counter.get() + 1);
            Ok(())
        })
        .unwrap();
    eprintln!(
        "arbitrary bytes: {} accepted, {} rejected",
        accepted.get(),
        rejected.get()
    );
    assert!(rejected.get() > 0, "no input was rejected");
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Indent(usize, bool),
    InsertText(usize, String),
    ReplaceChar(usize, char),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let token = prop_oneof![
        Just(": ".to_owned()),
        Just("- ".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("\"".to_owned()),
        Just("${".to_owned()),
        Just("&a ".to_owned()),
        Just("*a".to_owned()),
        Just("!!binary ".to_owned()),
        Just("\t".to_owned()),
        Just("yes".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("\n  extra: 1\n".to_owned()),
        "[a-zA-Z_]{1,8}",
        "\\PC{1,4}",
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<usize>(), any::<bool>()).prop_map(|(a, b)| Mutation::Indent(a, b)),
        (any::<usize>(), token).prop_map(|(a, t)| Mutation::InsertText(a, t)),
        (any::<usize>(), any::<char>()).prop_map(|(a, c)| Mutation::ReplaceChar(a, c)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| i % (chars.len() + 1);
    match m {
        Mutation::DeleteLine(i) => {
            lines.remove(i % n);
        }
        Mutation::DuplicateLine(i) => {
            let l = lines[i % n].clone();
            lines.insert(i % n, l);
        }
        Mutation::SwapLines(a, b) => lines.swap(a % n, b % n),
        Mutation::Indent(i, deeper) => {
            let l = &mut lines[i % n];
            if *deeper {
                l.insert_str(0, "  ");
            } else if let Some(rest) = l.strip_prefix("  ") {
                *l = rest.to_owned();
            }
        }
        Mutation::InsertText(i, t) => {
            let p = at(*i);
            return chars[..p].iter().collect::<String>()
                + t
                + &chars[p..].iter().collect::<String>();
        }
        Mutation::ReplaceChar(i, c) => {
            let mut chars = chars.clone();
            if !chars.is_empty() {
                let p = i % chars.len();
                chars[p] = *c;
            }
            return chars.into_iter().collect();
        }
        Mutation::Truncate(i) => return chars[..at(*i)].iter().collect(),
    }
    lines.join("\n") + "\n"
}

#[test]
fn the_loader_locates_every_rejection_of_mutated_real_specs() {
    let dir = tempdir();
    copy_dir(&real_specs(), dir.path());
    let root = dir.path().to_path_buf();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("endpoints"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(root.join("service.yaml"));
    files.sort();
    let originals: Vec<String> = files.iter().map(|f| read(f)).collect();
    assert!(load_suite(&root).is_ok(), "the copy of specs/ loads");
    let (accepted, rejected) = (Cell::new(0u32), Cell::new(0u32));
    let strategy = (0..files.len(), proptest::collection::vec(mutation(), 1..4));
    runner()
        .run(&strategy, |(which, mutations)| {
            let mut text = originals[which].clone();
            for m in &mutations {
                text = apply(&text, m);
            }
            std::fs::write(&files[which], &text).unwrap();
            let ok = assert_located(&root, load_suite(&root));
            std::fs::write(&files[which], &originals[which]).unwrap();
            let counter = if ok { &accepted } else { &rejected };
            counter.set(counter.get() + 1);
            Ok(())
        })
        .unwrap();
    eprintln!(
        "mutated specs: {} accepted, {} rejected",
        accepted.get(),
        rejected.get()
    );
    assert!(rejected.get() > 0, "no mutation was rejected");
}

/// Every command the emulator serves (`src/emulator/server.rs` ROUTES), and some it does not.
const PATHS: &[&str] = &[
    "group_open_attr_http_svc/get_group_attr",
    "group_open_http_svc/get_group_attr",
    "group_open_http_svc/modify_group_attr",
    "group_open_http_svc/clear_group_attr",
    "group_open_http_svc/set_group_attr",
    "group_open_http_svc/delete_group_attr",
    "group_open_http_svc/create_group",
    "group_open_http_svc/destroy_group",
    "group_open_http_svc/get_group_info",
    "im_open_login_svc/account_import",
    "im_open_login_svc/multiaccount_import",
    "im_open_login_svc/account_delete",
    "im_open_login_svc/account_check",
    "timpush/set_attr_name",
    "timpush/get_attr_name",
    "timpush/get_attr",
    "timpush/set_attr",
    "timpush/remove_attr",
    "all_member_push/im_set_attr_name",
    "all_member_push/im_get_attr_name",
    "all_member_push/im_get_attr",
    "all_member_push/im_set_attr",
    "all_member_push/im_remove_attr",
    "group_open_http_svc/no_such_command",
    "nope/x",
    "group_open_http_svc",
];

const FIELDS: &[&str] = &[
    "GroupId",
    "GroupAttr",
    "GroupAttrAry",
    "key",
    "value",
    "Type",
    "Name",
    "Owner_Account",
    "UserID",
    "Identifier",
    "Accounts",
    "AccountList",
    "DeleteItem",
    "CheckItem",
    "AttrNames",
    "Attrs",
    "To_Account",
    "AttrTypes",
    "0",
    "",
    "\u{1F600}",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,12}".prop_map(Value::from),
        "[a-z]{0,40}".prop_map(Value::from),
        Just(Value::from("@TGS#nope")),
        Just(Value::from("a".repeat(5000))),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((proptest::sample::select(FIELDS), inner), 0..6).prop_map(
                |kvs| {
                    let mut m = Map::new();
                    for (k, v) in kvs {
                        m.insert(k.to_owned(), v);
                    }
                    Value::Object(m)
                }
            ),
        ]
    })
}

#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone)]
enum Sig {
    Valid,
    WrongKey,
    Expired,
    Other(String),
    Missing,
}

#[derive(Debug, Clone)]
struct Call {
    path: String,
    post: bool,
    sig: Sig,
    /// Replace or add these query parameters (values percent-encoded).
    query: Vec<(String, String)>,
    drop_param: Option<usize>,
    body: Body,
}

fn call() -> impl Strategy<Value = Call> {
    let path = prop_oneof![
        8 => proptest::sample::select(PATHS).prop_map(str::to_owned),
        1 => "[a-z_/]{0,30}",
    ];
    let sig = prop_oneof![
        6 => Just(Sig::Valid),
        1 => Just(Sig::WrongKey),
        1 => Just(Sig::Expired),
        1 => Just(Sig::Missing),
        1 => "\\PC{0,60}".prop_map(Sig::Other),
        1 => "eJ[A-Za-z0-9*_-]{0,80}".prop_map(Sig::Other),
    ];
    let param = prop_oneof![
        Just("sdkappid".to_owned()),
        Just("identifier".to_owned()),
        Just("random".to_owned()),
        Just("contenttype".to_owned()),
        "[a-z]{1,6}",
    ];
    let query = proptest::collection::vec((param, "\\PC{0,16}"), 0..3);
    let body = prop_oneof![
        4 => json_value().prop_map(Body::Json),
        1 => proptest::collection::vec(any::<u8>(), 0..200).prop_map(Body::Bytes),
    ];
    (
        path,
        prop::bool::weighted(0.9),
        sig,
        query,
        prop::option::of(0..5usize),
        body,
    )
        .prop_map(|(path, post, sig, query, drop_param, body)| Call {
            path,
            post,
            sig,
            query,
            drop_param,
            body,
        })
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

struct Emulator {
    rt: tokio::runtime::Runtime,
    handle: EmulatorHandle,
    client: reqwest::Client,
    codes: BTreeSet<i64>,
}

fn emulator() -> &'static Emulator {
    static EMU: OnceLock<Emulator> = OnceLock::new();
    EMU.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = EmulatorConfig {
            api_rate_limits: false,
            write_rate_limit: false,
            ..EmulatorConfig::default()
        };
        let handle = rt
            .block_on(imconform::emulator::start(
                config,
                "127.0.0.1:0".parse().unwrap(),
            ))
            .unwrap();
        let client = rt.block_on(async { reqwest::Client::builder().no_proxy().build().unwrap() });
        // The codes the contract declares anywhere: the emulator may answer only these.
        let suite = load_suite(&real_specs()).unwrap();
        let mut codes: BTreeSet<i64> = suite.service.common_errors.keys().copied().collect();
        for e in suite.endpoints.values() {
            codes.extend(e.errors.keys().copied());
        }
        codes.insert(0);
        Emulator {
            rt,
            handle,
            client,
            codes,
        }
    })
}

fn url_for(emu: &Emulator, call: &Call) -> String {
    let now = imconform::auth::signer::unix_now();
    let key = SecretKey::new(DEFAULT_TEST_KEY);
    let sig = match &call.sig {
        Sig::Valid => Some(sign(&key, &SigClaims::new(SDKAPPID, ADMIN, now, 3600))),
        Sig::WrongKey => Some(sign(
            &SecretKey::new("another-key"),
            &SigClaims::new(SDKAPPID, ADMIN, now, 3600),
        )),
        Sig::Expired => Some(sign(&key, &SigClaims::new(SDKAPPID, ADMIN, now - 7200, 60))),
        Sig::Other(s) => Some(s.clone()),
        Sig::Missing => None,
    };
    let mut params: Vec<(String, String)> = vec![
        ("sdkappid".into(), SDKAPPID.to_string()),
        ("identifier".into(), ADMIN.into()),
        ("random".into(), "12345".into()),
        ("contenttype".into(), "json".into()),
    ];
    if let Some(s) = sig {
        params.push(("usersig".into(), s));
    }
    if let Some(i) = call.drop_param
        && i < params.len()
    {
        params.remove(i);
    }
    for (k, v) in &call.query {
        match params.iter_mut().find(|(pk, _)| pk == k) {
            Some(p) => p.1 = v.clone(),
            None => params.push((k.clone(), v.clone())),
        }
    }
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!(
        "{}/v4/{}?{}",
        emu.handle.base_url(),
        call.path,
        query.join("&")
    )
}

#[test]
fn every_emulator_endpoint_answers_anything_with_the_envelope_and_a_declared_code() {
    let emu = emulator();
    let seen = RefCell::new(BTreeSet::new());
    runner()
        .run(&call(), |call| {
            let url = url_for(emu, &call);
            let body = match &call.body {
                Body::Json(v) => serde_json::to_vec(v).unwrap(),
                Body::Bytes(b) => b.clone(),
            };
            let method = if call.post {
                reqwest::Method::POST
            } else {
                reqwest::Method::GET
            };
            let (status, content_type, text) = emu.rt.block_on(async {
                let r = emu
                    .client
                    .request(method, &url)
                    .body(body)
                    .send()
                    .await
                    .expect("the emulator answers");
                let status = r.status().as_u16();
                let ct = r
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                (status, ct, r.text().await.unwrap())
            });
            prop_assert_eq!(status, 200, "{} {}", url, text);
            prop_assert_eq!(content_type.as_deref(), Some("application/json"));
            let v: Value = serde_json::from_str(&text)
                .map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {text}")))?;
            let code = v["ErrorCode"].as_i64();
            prop_assert!(code.is_some(), "no integer ErrorCode: {}", text);
            let code = code.unwrap();
            let status_field = v["ActionStatus"].as_str();
            prop_assert_eq!(
                status_field,
                Some(if code == 0 { "OK" } else { "FAIL" }),
                "{}",
                text
            );
            prop_assert!(v["ErrorInfo"].is_string(), "no ErrorInfo: {}", text);
            prop_assert!(
                emu.codes.contains(&code),
                "undeclared code {}: {}",
                code,
                text
            );
            seen.borrow_mut().insert(code);
            Ok(())
        })
        .unwrap();
    let seen = seen.into_inner();
    eprintln!("emulator fuzz: codes seen {seen:?}");
    assert!(seen.len() >= 3, "the inputs reached only codes {seen:?}");
    // The emulator survived: a plain valid call still works.
    let ok = emu.rt.block_on(async {
        let call = Call {
            path: "group_open_http_svc/get_group_info".into(),
            post: true,
            sig: Sig::Valid,
            query: vec![],
            drop_param: None,
            body: Body::Json(serde_json::json!({"GroupIdList": []})),
        };
        let r = emu
            .client
            .post(url_for(emu, &call))
            .body(serde_json::to_vec(&serde_json::json!({"GroupIdList": []})).unwrap())
            .send()
            .await
            .unwrap();
        r.status().as_u16()
    });
    assert_eq!(ok, 200);
}
