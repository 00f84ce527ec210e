//! Envelope, routing and query checks, end to end over HTTP.

mod emulator_support;

use emulator_support::{Api, now, unlimited};
use imconform::auth::usersig::{SecretKey, SigClaims, sign};
use imconform::emulator::{EmulatorConfig, start};
use serde_json::json;

const GET_ATTR: &str = "group_open_attr_http_svc/get_group_attr";

fn query(sdkappid: &str, identifier: &str, sig: &str, random: &str, contenttype: &str) -> String {
    format!(
        "sdkappid={sdkappid}&identifier={identifier}&usersig={sig}&random={random}&contenttype={contenttype}"
    )
}

#[tokio::test]
async fn success_envelope_has_fields_in_order_and_headers() {
    let api = Api::start(unlimited()).await;
    let a = api
        .call("im_open_login_svc/account_import", json!({"UserID": "u1"}))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        a.text,
        r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}"#
    );
    let response = api
        .client
        .post(format!(
            "{}/v4/{GET_ATTR}?{}",
            api.handle.base_url(),
            api.query()
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn error_envelope_is_fail_with_http_200() {
    let api = Api::start(unlimited()).await;
    let a = api.call(GET_ATTR, json!({"GroupId": "nope"})).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json["ActionStatus"], "FAIL");
    assert_eq!(a.code(), 10010);
    assert!(a.json["ErrorInfo"].as_str().is_some_and(|s| !s.is_empty()));
    let keys: Vec<_> = a.json.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["ActionStatus", "ErrorInfo", "ErrorCode"]);
}

#[tokio::test]
async fn routing_and_method_codes() {
    let api = Api::start(unlimited()).await;
    let q = api.query();
    assert_eq!(
        api.raw("POST", "nosuch_svc/x", &q, b"{}".to_vec())
            .await
            .code(),
        60009
    );
    assert_eq!(
        api.raw("POST", "group_open_http_svc/nosuch", &q, b"{}".to_vec())
            .await
            .code(),
        60009
    );
    let a = api.raw("GET", GET_ATTR, &q, Vec::new()).await;
    assert_eq!((a.status.as_u16(), a.code()), (200, 60002));
    let outside = api
        .client
        .post(format!("{}/other?{q}", api.handle.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 200);
    let body: serde_json::Value = outside.json().await.unwrap();
    assert_eq!(body["ErrorCode"], 60009);
}

#[tokio::test]
async fn query_checks_in_order() {
    let api = Api::start(unlimited()).await;
    let sig = api.sig.clone();
    let good = |s: &str| query("1400000000", "administrator", s, "1", "json");
    let cases: Vec<(String, i64)> = vec![
        ("identifier=administrator".into(), 60012),
        (query("abc", "administrator", &sig, "1", "json"), 60006),
        (
            query("1400000001", "administrator", &sig, "1", "json"),
            60006,
        ),
        (
            format!("sdkappid=1400000000&usersig={sig}&random=1&contenttype=json"),
            60004,
        ),
        (
            "sdkappid=1400000000&identifier=administrator&random=1&contenttype=json".into(),
            70002,
        ),
        (good(""), 70002),
        (good("not*base64!"), 70003),
        (good("YWJj"), 70003),
        (
            good(&sign(
                &api.key,
                &SigClaims::new(1, "administrator", now(), 60),
            )),
            70014,
        ),
        (
            good(&sign(
                &api.key,
                &SigClaims::new(api.sdkappid, "bob", now(), 60),
            )),
            70013,
        ),
        (
            good(&sign(
                &api.key,
                &SigClaims::new(api.sdkappid, "administrator", 1000, 60),
            )),
            70001,
        ),
        (
            good(&sign(
                &SecretKey::new("wrong"),
                &SigClaims::new(api.sdkappid, "administrator", now(), 60),
            )),
            70009,
        ),
        (
            format!("sdkappid=1400000000&identifier=administrator&usersig={sig}&contenttype=json"),
            60002,
        ),
        (
            query("1400000000", "administrator", &sig, "-1", "json"),
            60002,
        ),
        (
            query("1400000000", "administrator", &sig, "4294967296", "json"),
            60002,
        ),
        (
            format!("sdkappid=1400000000&identifier=administrator&usersig={sig}&random=1"),
            60002,
        ),
        (
            query("1400000000", "administrator", &sig, "1", "JSON"),
            60002,
        ),
    ];
    for (q, expected) in cases {
        let a = api
            .raw("POST", GET_ATTR, &q, b"{\"GroupId\":\"x\"}".to_vec())
            .await;
        assert_eq!(a.code(), expected, "query {q}: {a:?}");
        assert_eq!(a.json["ActionStatus"], "FAIL");
    }
    let max = query("1400000000", "administrator", &sig, "4294967295", "json");
    assert_eq!(
        api.raw("POST", GET_ATTR, &max, b"{\"GroupId\":\"x\"}".to_vec())
            .await
            .code(),
        10010
    );
}

#[tokio::test]
async fn non_admin_gets_60010() {
    let config = EmulatorConfig {
        admins: vec!["administrator".into(), "ops".into()],
        ..unlimited()
    };
    let api = Api::start(config).await;
    let bob = sign(&api.key, &SigClaims::new(api.sdkappid, "bob", now(), 60));
    let a = api
        .raw(
            "POST",
            GET_ATTR,
            &query("1400000000", "bob", &bob, "1", "json"),
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(a.code(), 60010);
    let ops = sign(&api.key, &SigClaims::new(api.sdkappid, "ops", now(), 60));
    let a = api
        .raw(
            "POST",
            GET_ATTR,
            &query("1400000000", "ops", &ops, "1", "json"),
            b"{\"GroupId\":\"g\"}".to_vec(),
        )
        .await;
    assert_eq!(a.code(), 10010);
}

#[tokio::test]
async fn body_codes_per_family() {
    let api = Api::start(unlimited()).await;
    let q = api.query();
    for (path, body, expected) in [
        (GET_ATTR, "", 60003),
        (GET_ATTR, "   ", 60003),
        (GET_ATTR, "{nope", 60003),
        (GET_ATTR, "[1]", 10004),
        ("timpush/get_attr", "42", 90001),
        ("all_member_push/im_get_attr", "[]", 90001),
        ("im_open_login_svc/account_import", "\"u\"", 70402),
    ] {
        let a = api.raw("POST", path, &q, body.as_bytes().to_vec()).await;
        assert_eq!(a.code(), expected, "{path} {body:?}");
    }
}

#[tokio::test]
async fn json_content_type_and_none_are_both_accepted() {
    let api = Api::start(unlimited()).await;
    let url = format!(
        "{}/v4/im_open_login_svc/account_import?{}",
        api.handle.base_url(),
        api.query()
    );
    for content_type in [None, Some("application/json"), Some("text/plain")] {
        let mut request = api.client.post(&url).body(r#"{"UserID":"u"}"#);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let body: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
        assert_eq!(body["ErrorCode"], 0, "{content_type:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_rate_limit_answers_60007() {
    let api = std::sync::Arc::new(Api::start(EmulatorConfig::default()).await);
    let tasks: Vec<_> = (0..150)
        .map(|_| {
            let api = std::sync::Arc::clone(&api);
            tokio::spawn(async move {
                api.call(
                    "im_open_login_svc/account_check",
                    json!({"CheckItem": [{"UserID": "u"}]}),
                )
                .await
                .code()
            })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    // 100/s for account_check: within one second at most 100 pass.
    assert!(codes.contains(&60007), "{codes:?}");
    assert!(codes.iter().filter(|c| **c == 0).count() >= 100);
    // Another API has its own window.
    assert_eq!(
        api.call("im_open_login_svc/account_import", json!({"UserID": "u"}))
            .await
            .code(),
        0
    );
}

#[tokio::test]
async fn reset_clears_state_and_shutdown_stops() {
    let api = Api::start(unlimited()).await;
    api.import("u1").await;
    let group = api.group("Public").await;
    api.handle.reset().await;
    let a = api.call(GET_ATTR, json!({"GroupId": group})).await;
    assert_eq!(a.code(), 10010);
    let a = api
        .call(
            "im_open_login_svc/account_check",
            json!({"CheckItem": [{"UserID": "u1"}]}),
        )
        .await;
    assert_eq!(a.json["ResultItem"][0]["AccountStatus"], "NotImported");
    let url = api.handle.base_url();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with('/'));
    assert_eq!(
        api.handle.local_addr().port(),
        url.rsplit(':').next().unwrap().parse::<u16>().unwrap()
    );
    let Api { handle, .. } = api;
    handle.shutdown().await;
    let fresh = reqwest::Client::new();
    assert!(
        fresh
            .post(format!("{url}/v4/{GET_ATTR}"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn drop_stops_the_server() {
    let handle = start(unlimited(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let url = handle.base_url();
    drop(handle);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(
        reqwest::Client::new()
            .post(format!("{url}/v4/x/y"))
            .send()
            .await
            .is_err()
    );
}

#[test]
fn starts_on_a_current_thread_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let api = Api::start(unlimited()).await;
        api.import("u").await;
    });
}

#[tokio::test]
async fn unknown_profile_is_refused() {
    let config = EmulatorConfig {
        profile: "2019".into(),
        ..unlimited()
    };
    let err = start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("attr-2022"));
}
