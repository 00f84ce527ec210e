//! `details_differ`: only undocumented details change; documented behaviour stays. Each test
//! sees the faithful answer and the differing one side by side, so a change to either shows.

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
    // An ID no group ever had: 10015 here, 10010 from the faithful one (both documented).
    assert_eq!((a.code(), b.status.as_u16(), b.code()), (10010, 200, 10015));
    assert_eq!(b.json["ActionStatus"], "FAIL");
    assert_ne!(a.json["ErrorInfo"], b.json["ErrorInfo"]);
    assert!(b.json["ErrorInfo"].is_string());
    let keys: Vec<_> = b.json.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.first().map(String::as_str), Some("ErrorCode"));
    // A field the docs do not list, which the envelope allows (§1.3); the faithful one sends none.
    assert!(b.json["RequestId"].is_string(), "{}", b.text);
    assert!(a.json.get("RequestId").is_none());
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

#[tokio::test]
async fn the_other_code_of_each_documented_pair() {
    let faithful = Api::start(unlimited()).await;
    let other = Api::start(differ()).await;
    let both = |path: &'static str, body: serde_json::Value| {
        let (f, o) = (&faithful, &other);
        async move {
            (
                f.call(path, body.clone()).await.code(),
                o.call(path, body).await.code(),
            )
        }
    };
    // An ID no group ever had: 10010 or 10015; a destroyed group stays 10010.
    assert_eq!(
        both(
            "group_open_attr_http_svc/get_group_attr",
            json!({"GroupId": "nosuch"})
        )
        .await,
        (10010, 10015)
    );
    let g = other.group("Public").await;
    assert!(
        other
            .call("group_open_http_svc/destroy_group", json!({"GroupId": g}))
            .await
            .ok()
    );
    assert_eq!(
        other
            .call(
                "group_open_attr_http_svc/get_group_attr",
                json!({"GroupId": g})
            )
            .await
            .code(),
        10010
    );
    // GroupId missing: 10004 or 10015; other missing fields stay 10004.
    assert_eq!(
        both("group_open_http_svc/destroy_group", json!({})).await,
        (10004, 10015)
    );
    let g = other.group("AVChatRoom").await;
    assert_eq!(
        other
            .call(
                "group_open_http_svc/modify_group_attr",
                json!({"GroupId": g})
            )
            .await
            .code(),
        10004
    );
    // A custom GroupId in use: 10025 or 10021; an owner not imported: 10019 or 10004.
    for api in [&faithful, &other] {
        let created = api
            .call(
                "group_open_http_svc/create_group",
                json!({"Type": "Public", "Name": "n", "GroupId": "mine"}),
            )
            .await;
        assert!(created.ok());
    }
    assert_eq!(
        both(
            "group_open_http_svc/create_group",
            json!({"Type": "Public", "Name": "n", "GroupId": "mine"})
        )
        .await,
        (10025, 10021)
    );
    assert_eq!(
        both(
            "group_open_http_svc/create_group",
            json!({"Type": "Public", "Name": "n", "Owner_Account": "ghost"})
        )
        .await,
        (10019, 10004)
    );
    // More than 100 accounts: 70402 or 70206 (fewer than one stays 70402).
    let accounts: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    assert_eq!(
        both(
            "im_open_login_svc/multiaccount_import",
            json!({"Accounts": accounts})
        )
        .await,
        (70402, 70206)
    );
    assert_eq!(
        both(
            "im_open_login_svc/multiaccount_import",
            json!({"Accounts": []})
        )
        .await,
        (70402, 70402)
    );
    // A push attribute name over 50 bytes: 90030 or 90033.
    assert_eq!(
        both(
            "timpush/set_attr_name",
            json!({"AttrNames": {"0": "n".repeat(51)}})
        )
        .await,
        (90030, 90033)
    );
    // An unknown command under the group service: 60009 or 10003; an unknown service stays 60009.
    assert_eq!(
        both("group_open_http_svc/no_such_command", json!({})).await,
        (60009, 10003)
    );
    assert_eq!(both("no_such_svc/x", json!({})).await, (60009, 60009));
    // A body that is not JSON: 60003, or the family's own parse code.
    let destroy = "group_open_http_svc/destroy_group";
    assert_eq!(
        sent(&faithful, destroy, &faithful.query(), "{nope").await,
        60003
    );
    assert_eq!(sent(&other, destroy, &other.query(), "{nope").await, 10011);
    assert_eq!(
        sent(&other, "timpush/get_attr_name", &other.query(), "{nope").await,
        90001
    );
    assert_eq!(
        sent(
            &other,
            "im_open_login_svc/account_check",
            &other.query(),
            "{nope"
        )
        .await,
        60003
    );
    // A missing identifier: 60004 or 60005; a sig that is not one: 70003 or 70005.
    for (api, code) in [(&faithful, 60004), (&other, 60005)] {
        let query = api.query().replace("identifier=administrator&", "");
        assert_eq!(sent(api, destroy, &query, "{}").await, code);
    }
    for (api, code) in [(&faithful, 70003), (&other, 70005)] {
        let query = api.query().replace(&api.sig, "not-a-sig");
        assert_eq!(sent(api, destroy, &query, "{}").await, code);
    }
}

/// The code of a POST with this query and body text.
async fn sent(api: &Api, path: &str, query: &str, body: &str) -> i64 {
    api.raw("POST", path, query, body.as_bytes().to_vec())
        .await
        .code()
}

#[tokio::test]
async fn non_admins_get_the_api_specific_code() {
    for (path, body, code) in [
        (
            "group_open_http_svc/destroy_group",
            json!({"GroupId": "g"}),
            10007,
        ),
        (
            "im_open_login_svc/account_check",
            json!({"CheckItem": [{"UserID": "u"}]}),
            70403,
        ),
        ("timpush/get_attr_name", json!({}), 90009),
    ] {
        let faithful = Api::start(unlimited()).await;
        let other = Api::start(differ()).await;
        for api in [&faithful, &other] {
            api.import("plain_user").await;
        }
        let mut codes = Vec::new();
        for api in [&faithful, &other] {
            let claims = imconform::auth::usersig::SigClaims::new(
                api.sdkappid,
                "plain_user",
                emulator_support::now(),
                86400,
            );
            let sig = imconform::auth::usersig::sign(&api.key, &claims);
            let query = format!(
                "sdkappid={}&identifier=plain_user&usersig={sig}&random=1&contenttype=json",
                api.sdkappid
            );
            codes.push(sent(api, path, &query, &body.to_string()).await);
        }
        assert_eq!(codes, [60010, code], "{path}");
    }
}

#[tokio::test]
async fn lists_fields_and_the_group_info_envelope_differ() {
    let faithful = Api::start(unlimited()).await;
    let other = Api::start(differ()).await;
    for api in [&faithful, &other] {
        api.import("u1").await;
        api.import("u2").await;
        assert!(
            api.call("timpush/set_attr_name", json!({"AttrNames": {"0": "sex"}}))
                .await
                .ok()
        );
    }
    // Empty lists: FailAccounts left out, ErrorList sent empty; ErrorInfo left out of items.
    let imported = other
        .call(
            "im_open_login_svc/multiaccount_import",
            json!({"Accounts": ["u3"]}),
        )
        .await;
    assert!(imported.ok() && imported.json.get("FailAccounts").is_none());
    let faithful_import = faithful
        .call(
            "im_open_login_svc/multiaccount_import",
            json!({"Accounts": ["u3"]}),
        )
        .await;
    assert_eq!(faithful_import.json["FailAccounts"], json!([]));
    let set = other
        .call(
            "timpush/set_attr",
            json!({"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f"}}]}),
        )
        .await;
    assert_eq!(set.json["ErrorList"], json!([]));
    assert!(
        faithful
            .call(
                "timpush/set_attr",
                json!({"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f"}}]})
            )
            .await
            .json
            .get("ErrorList")
            .is_none()
    );
    let legacy = other
        .call(
            "all_member_push/im_set_attr",
            json!({"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f"}}]}),
        )
        .await;
    assert!(
        legacy.ok() && legacy.json.get("ErrorList").is_none(),
        "gen 1 documents no ErrorList"
    );
    let got = other
        .call(
            "timpush/get_attr",
            json!({"To_Account": ["u1", "u2", "ghost"]}),
        )
        .await;
    assert_eq!(
        got.json["ErrorList"],
        json!([{"To_Account": "ghost", "ErrorCode": 70107}])
    );
    // Order: the users come back reversed.
    let order: Vec<&str> = got.json["UserAttrs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["To_Account"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["u2", "u1"]);
    let checked = other
        .call(
            "im_open_login_svc/account_check",
            json!({"CheckItem": [{"UserID": "u1"}, {"UserID": "u2"}]}),
        )
        .await;
    assert_eq!(checked.json["ResultItem"][0]["UserID"], "u2");

    // get_group_info: unset fields left out, MemberList sent empty, MuteAllMember "On".
    let g = other.group("Public").await;
    let info = other
        .call(
            "group_open_http_svc/get_group_info",
            json!({"GroupIdList": [g]}),
        )
        .await;
    let element = &info.json["GroupInfo"][0];
    assert!(
        info.ok() && element["ErrorCode"] == 0 && element["Type"] == "Public",
        "{}",
        info.text
    );
    for gone in [
        "Introduction",
        "Notification",
        "FaceUrl",
        "Owner_Account",
        "AppDefinedData",
    ] {
        assert!(element.get(gone).is_none(), "{gone}: {}", info.text);
    }
    assert_eq!(
        (&element["MemberList"], &element["MuteAllMember"]),
        (&json!([]), &json!("On"))
    );
    let f = faithful.group("Public").await;
    let faithful_info = faithful
        .call(
            "group_open_http_svc/get_group_info",
            json!({"GroupIdList": [f]}),
        )
        .await;
    assert_eq!(faithful_info.json["GroupInfo"][0]["Owner_Account"], "");
    // Every group unknown: the top-level code (meaningless, §7.7) says so; elements too.
    let none = other
        .call(
            "group_open_http_svc/get_group_info",
            json!({"GroupIdList": ["nosuch"]}),
        )
        .await;
    assert_eq!(
        (none.code(), &none.json["ActionStatus"]),
        (10015, &json!("FAIL"))
    );
    assert_eq!(none.json["GroupInfo"][0]["ErrorCode"], 10015);
    let faithful_none = faithful
        .call(
            "group_open_http_svc/get_group_info",
            json!({"GroupIdList": ["nosuch"]}),
        )
        .await;
    assert_eq!(
        (
            faithful_none.code(),
            &faithful_none.json["GroupInfo"][0]["ErrorCode"]
        ),
        (0, &json!(10010))
    );
    // One known group among them: the top level stays OK, the elements come reversed.
    let mixed = other
        .call(
            "group_open_http_svc/get_group_info",
            json!({"GroupIdList": [g, "nosuch"]}),
        )
        .await;
    assert_eq!(mixed.code(), 0);
    assert_eq!(mixed.json["GroupInfo"][0]["GroupId"], "nosuch");
}
