//! The exporters on the real specs: the OpenAPI document's structure (self-contained, every
//! endpoint, auth, the success-or-envelope 200 response) and the Hurl file's.

use std::path::Path;

use imconform::export::{HurlOptions, OpenApiOptions, hurl, openapi};
use imconform::spec::{Suite, load_suite};
use serde_json::Value;

fn suite() -> Suite {
    load_suite(&Path::new(env!("CARGO_MANIFEST_DIR")).join("specs")).expect("the specs load")
}

fn doc(suite: &Suite, profile: &str, servers: &[&str]) -> Value {
    openapi(
        suite,
        &OpenApiOptions {
            profile: profile.to_owned(),
            servers: servers.iter().map(|s| s.to_string()).collect(),
        },
    )
    .expect("exports")
}

/// Every `$ref` in `v`, with the JSON pointer where it sits.
fn refs(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push((at.clone(), r.clone()));
            }
            for (k, c) in m {
                refs(c, format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                refs(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn openapi_document_is_self_contained_and_covers_every_endpoint() {
    let suite = suite();
    let d = doc(&suite, "current", &[]);
    assert_eq!(d["openapi"], "3.1.0");
    assert_eq!(d["info"]["title"], "tencent-cloud-chat");
    assert_eq!(
        d["servers"][0]["url"],
        imconform::export::openapi::PLACEHOLDER_SERVER
    );

    let mut all = Vec::new();
    refs(&d, String::new(), &mut all);
    assert!(all.len() > 50, "{} refs", all.len());
    for (at, r) in &all {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{at}: external ref {r}"));
        assert!(d.pointer(pointer).is_some(), "{at}: {r} does not resolve");
    }
    let text = serde_json::to_string(&d).unwrap();
    assert!(!text.contains("file://"), "a file URI leaked");
    assert!(!text.contains("\"$schema\""), "$schema kept in a component");
    assert!(!text.contains("\"$defs\""), "$defs not lifted");

    let schemas = d["components"]["schemas"].as_object().unwrap();
    for name in [
        "envelope",
        "defs.GroupId",
        "create_group_request",
        "ErrorEnvelope",
    ] {
        assert!(schemas.contains_key(name), "component {name} missing");
    }

    let scheme = &d["components"]["securitySchemes"]["UserSig"];
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(scheme["in"], "query");
    assert_eq!(scheme["name"], "usersig");
    assert_eq!(d["security"][0]["UserSig"], serde_json::json!([]));
    let params = d["components"]["parameters"].as_object().unwrap();
    let names: Vec<&str> = params.keys().map(String::as_str).collect();
    assert_eq!(names, ["sdkappid", "identifier", "random", "contenttype"]);
    assert_eq!(params["random"]["schema"]["maximum"], 4_294_967_295u64);
    assert_eq!(
        params["contenttype"]["schema"]["enum"],
        serde_json::json!(["json"])
    );

    let paths = d["paths"].as_object().unwrap();
    assert_eq!(paths.len(), suite.endpoints.len());
    for e in suite.endpoints.values() {
        let key = format!("/v4/{}", e.path_for("current"));
        let op = &paths.get(&key).unwrap_or_else(|| panic!("{key} missing"))["post"];
        assert_eq!(op["operationId"], e.name.as_str());
        assert_eq!(op["summary"], e.summary.as_str());
        assert_eq!(op["parameters"].as_array().unwrap().len(), 4);
        assert!(op["requestBody"]["content"]["application/json"]["schema"].is_object());
        let ok = &op["responses"]["200"]["content"]["application/json"];
        let one_of = ok["schema"]["oneOf"].as_array().unwrap();
        assert_eq!(one_of.len(), 2, "{key}: success or error envelope");
        assert_eq!(one_of[0]["allOf"][1]["properties"]["ErrorCode"]["const"], 0);
        assert_eq!(one_of[1]["$ref"], "#/components/schemas/ErrorEnvelope");
        let codes: Vec<i64> = op["x-error-codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_i64().unwrap())
            .collect();
        assert_eq!(codes, e.errors.keys().copied().collect::<Vec<_>>(), "{key}");
        for (code, decl) in &e.errors {
            if decl.untriggerable.is_none() {
                let ex = &ok["examples"][format!("error-{code}")]["value"];
                assert_eq!(ex["ErrorCode"], *code, "{key}");
                assert_eq!(ex["ActionStatus"], "FAIL");
            }
        }
    }
    let common = d["x-common-error-codes"].as_array().unwrap();
    assert_eq!(common.len(), suite.service.common_errors.len());
}

#[test]
fn openapi_follows_the_profile_and_the_server_flag() {
    let suite = suite();
    let d = doc(&suite, "push-legacy", &["http://127.0.0.1:1"]);
    assert_eq!(
        d["servers"],
        serde_json::json!([{"url": "http://127.0.0.1:1"}])
    );
    assert_eq!(d["info"]["version"], "push-legacy");
    let set_attr = &suite.endpoints["set_attr"];
    assert_ne!(
        set_attr.path_for("push-legacy"),
        set_attr.path_for("current")
    );
    let key = format!("/v4/{}", set_attr.path_for("push-legacy"));
    assert_eq!(d["paths"][key]["post"]["operationId"], "set_attr");
    // Gen 1 has no batch or revoke: no path for them; im_push and im_remove_all_tags instead.
    let paths = d["paths"].as_object().unwrap();
    assert_eq!(paths.len(), suite.endpoints.len() - 2);
    for absent in ["/v4/timpush/batch", "/v4/timpush/revoke"] {
        assert!(!paths.contains_key(absent), "{absent}");
    }
    for path in [
        "/v4/all_member_push/im_push",
        "/v4/all_member_push/im_remove_all_tags",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }

    let err = openapi(
        &suite,
        &OpenApiOptions {
            profile: "nope".into(),
            servers: vec![],
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("unknown profile `nope`"), "{err}");
}

#[test]
fn hurl_file_has_every_exportable_case_with_templates_and_asserts() {
    let suite = suite();
    let x = hurl(
        &suite,
        &HurlOptions {
            profile: "current".into(),
            filters: vec!["create_group".into()],
            exclude: vec![],
            run_id: "t0".into(),
        },
    )
    .unwrap();
    assert!(x.cases.contains(&"create_group::ok".to_owned()));
    assert!(
        x.skipped
            .iter()
            .any(|(id, why)| id == "create_group::not_admin" && why.contains("UserSig"))
    );
    assert_eq!(x.text.matches("\n# case ").count(), x.cases.len());
    assert_eq!(x.text.matches("\nHTTP 200\n").count(), x.requests);
    assert!(!x.text.contains("${"), "an unrendered spec variable");
    assert!(x.text.contains("usersig={{usersig}}"));
    assert!(x.text.contains("POST {{base_url}}/v4/group_open_http_svc/create_group?sdkappid={{sdkappid}}&identifier={{identifier}}"));
    // create_group::ok captures the GroupId and destroys that group in its teardown.
    assert!(
        x.text
            .contains("[Captures]\nc0_gid: jsonpath \"$.GroupId\"")
    );
    assert!(x.text.contains(r#"{"GroupId":"{{c0_gid}}"}"#));
    assert!(
        x.text
            .contains("jsonpath \"$.ErrorCode\" toString matches \"^(0|10010)$\"")
    );
    assert!(
        x.text
            .contains("jsonpath \"$.GroupInfo[0].Type\" == \"Public\"")
    );
    // Fixture names are fixed at export time from the run id.
    assert!(x.text.contains("hurlt0_"));
}

#[test]
fn hurl_captures_the_documented_name_and_asserts_only_the_type_of_an_open_code() {
    let suite = suite();
    let x = hurl(
        &suite,
        &HurlOptions {
            profile: "current".into(),
            filters: vec![
                "revoke::revoked_once_only".into(),
                "add_tag::user_holds_at_most_100_tags".into(),
            ],
            exclude: vec![],
            run_id: "t1".into(),
        },
    )
    .unwrap();
    assert_eq!(x.cases.len(), 2, "{:?}", x.skipped);
    // `capture: {task: [/TaskId, /TaskID]}`: Hurl has no "first present", so the first one.
    assert!(
        x.text.contains("c1_task: jsonpath \"$.TaskId\""),
        "{}",
        x.text
    );
    assert!(x.text.contains(r#"{"TaskId":"{{c1_task}}""#));
    // `code: any`: the 101st tag's answer is only an integer code; the state check follows.
    assert_eq!(
        x.text.matches("jsonpath \"$.ErrorCode\" isInteger").count(),
        1,
        "{}",
        x.text
    );
}
