//! `details_differ`: only undocumented details change; documented behaviour stays.

mod emulator_support;

use emulator_support::{Api, kv, unlimited};
use imconform::emulator::EmulatorConfig;
use serde_json::json;

fn differ() -> EmulatorConfig {
    EmulatorConfig {
        details_differ: true,
        ..unlimited()
    }
}

#[tokio::test]
async fn envelope_details_differ_but_still_conform() {
    let faithful = Api::start(unlimited()).await;
    let other = Api::start(differ()).await;
    let body = json!({"GroupId": "missing"});
    let a = faithful
        .call("group_open_attr_http_svc/get_group_attr", body.clone())
        .await;
    let b = other
        .call("group_open_attr_http_svc/get_group_attr", body)
        .await;
    assert_eq!((b.status.as_u16(), b.code()), (200, 10010));
    assert_eq!(b.json["ActionStatus"], "FAIL");
    assert_ne!(a.json["ErrorInfo"], b.json["ErrorInfo"]);
    assert!(b.json["ErrorInfo"].is_string());
    let keys: Vec<_> = b.json.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.first().map(String::as_str), Some("ErrorCode"));
    assert!(
        b.json.get("RequestId").is_none(),
        "no field the docs do not list"
    );
    assert!(b.text.contains('\n'), "pretty-printed");
    assert_eq!(b.content_type.as_deref(), Some("application/json"));
    let ok = other
        .call("im_open_login_svc/account_import", json!({"UserID": "u"}))
        .await;
    assert!(ok.ok() && ok.json["ErrorInfo"] == "");
}

#[tokio::test]
async fn group_ids_and_attribute_lists_differ() {
    let api = Api::start(differ()).await;
    let faithful = Api::start(unlimited()).await;
    let g = api.group("Public").await;
    let f = faithful.group("Public").await;
    assert!(g.starts_with("@TGS#") && f.starts_with("@TGS#"));
    assert_ne!(g.len(), f.len(), "{g} vs {f}");
    let c = api.group("Community").await;
    assert!(c.starts_with("@TGS#_"), "{c}");
    let empty = api
        .call(
            "group_open_attr_http_svc/get_group_attr",
            json!({"GroupId": g}),
        )
        .await;
    assert!(empty.ok() && empty.json.get("GroupAttrAry").is_none());
    for api in [&api, &faithful] {
        let id = if std::ptr::eq(api, &faithful) { &f } else { &g };
        assert!(api.modify(id, kv(&[("a", "1"), ("b", "2")])).await.ok());
    }
    let order = |a: &emulator_support::Answer| {
        a.json["GroupAttrAry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["key"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let differ_order = order(
        &api.call(
            "group_open_attr_http_svc/get_group_attr",
            json!({"GroupId": g}),
        )
        .await,
    );
    let faithful_order = order(
        &faithful
            .call(
                "group_open_attr_http_svc/get_group_attr",
                json!({"GroupId": f}),
            )
            .await,
    );
    assert_eq!(faithful_order, ["a", "b"]);
    assert_eq!(differ_order, ["b", "a"]);
}

#[tokio::test]
async fn documented_codes_are_unchanged() {
    let api = Api::start(differ()).await;
    let g = api.group("Community").await;
    assert_eq!(
        api.modify(&g, kv(&[(&"k".repeat(33), "v")])).await.code(),
        10045
    );
    assert_eq!(
        api.attr_op("clear_group_attr", &g, None).await.code(),
        10007
    );
    assert_eq!(api.call("nosuch/x", json!({})).await.code(), 60009);
}
