//! Push attributes in both generations over one state.

mod emulator_support;

use emulator_support::{Api, unlimited};
use imconform::emulator::{EmulatorConfig, Features};
use serde_json::json;

const GENERATIONS: [(&str, &str); 2] = [("timpush", ""), ("all_member_push", "im_")];

fn path(generation: (&str, &str), command: &str) -> String {
    format!("{}/{}{command}", generation.0, generation.1)
}

#[tokio::test]
async fn names_values_round_trip_in_both_generations() {
    for generation in GENERATIONS {
        let api = Api::start(unlimited()).await;
        api.import("u1").await;
        api.import("u2").await;
        let a = api
            .call(
                &path(generation, "set_attr_name"),
                json!({"AttrNames": {"0": "sex", "1": "city"}}),
            )
            .await;
        assert!(a.ok(), "{a:?}");
        let a = api
            .call(&path(generation, "get_attr_name"), json!({}))
            .await;
        assert_eq!(a.json["AttrNames"], json!({"0": "sex", "1": "city"}));
        if generation.0 == "timpush" {
            assert_eq!(a.json["AttrTypes"], json!({"0": 0, "1": 0}));
        } else {
            assert!(a.json.get("AttrTypes").is_none());
        }
        let a = api
            .call(
                &path(generation, "set_attr"),
                json!({"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "f", "city": "NYC"}}]}),
            )
            .await;
        assert!(a.ok() && a.json.get("ErrorList").is_none(), "{a:?}");
        let a = api
            .call(
                &path(generation, "get_attr"),
                json!({"To_Account": ["u1", "u2"]}),
            )
            .await;
        assert_eq!(
            a.json["UserAttrs"],
            json!([{"To_Account": "u1", "Attrs": {"sex": "f", "city": "NYC"}}, {"To_Account": "u2", "Attrs": {}}])
        );
        let a = api
            .call(
                &path(generation, "remove_attr"),
                json!({"UserAttrs": [{"To_Account": "u1", "Attrs": ["city"]}]}),
            )
            .await;
        assert!(a.ok(), "{a:?}");
        let a = api
            .call(&path(generation, "get_attr"), json!({"To_Account": ["u1"]}))
            .await;
        assert_eq!(a.json["UserAttrs"][0]["Attrs"], json!({"sex": "f"}));
    }
}

#[tokio::test]
async fn generations_share_one_state() {
    let api = Api::start(unlimited()).await;
    api.import("u1").await;
    assert!(
        api.call("timpush/set_attr_name", json!({"AttrNames": {"3": "tier"}}))
            .await
            .ok()
    );
    assert!(
        api.call(
            "all_member_push/im_set_attr",
            json!({"UserAttrs": [{"To_Account": "u1", "Attrs": {"tier": "gold"}}]})
        )
        .await
        .ok()
    );
    let a = api
        .call("timpush/get_attr", json!({"To_Account": ["u1"]}))
        .await;
    assert_eq!(a.json["UserAttrs"][0]["Attrs"], json!({"tier": "gold"}));
    let a = api
        .call("all_member_push/im_get_attr_name", json!({}))
        .await;
    assert_eq!(a.json["AttrNames"], json!({"3": "tier"}));
}

#[tokio::test]
async fn unknown_accounts_go_to_error_list() {
    for generation in GENERATIONS {
        let api = Api::start(unlimited()).await;
        api.import("u1").await;
        assert!(
            api.call(
                &path(generation, "set_attr_name"),
                json!({"AttrNames": {"0": "sex"}})
            )
            .await
            .ok()
        );
        let a = api
            .call(
                &path(generation, "set_attr"),
                json!({"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "m"}}, {"To_Account": "ghost", "Attrs": {"sex": "f"}}]}),
            )
            .await;
        assert!(a.ok(), "{a:?}");
        assert_eq!(a.json["ErrorList"][0]["To_Account"], "ghost");
        assert_eq!(a.json["ErrorList"][0]["ErrorCode"], 70107);
        assert!(a.json["ErrorList"][0]["ErrorInfo"].is_string());
        let a = api
            .call(
                &path(generation, "get_attr"),
                json!({"To_Account": ["u1", "ghost"]}),
            )
            .await;
        assert!(a.ok());
        assert_eq!(
            a.json["UserAttrs"],
            json!([{"To_Account": "u1", "Attrs": {"sex": "m"}}])
        );
        assert_eq!(a.json["ErrorList"][0]["ErrorCode"], 70107);
        let a = api
            .call(
                &path(generation, "remove_attr"),
                json!({"UserAttrs": [{"To_Account": "ghost", "Attrs": ["sex"]}]}),
            )
            .await;
        assert!(a.ok());
        assert_eq!(a.json["ErrorList"][0]["To_Account"], "ghost");
    }
}

#[tokio::test]
async fn attr_name_rules() {
    let api = Api::start(unlimited()).await;
    let set = |body| api.call("timpush/set_attr_name", body);
    assert_eq!(set(json!({})).await.code(), 90001);
    assert_eq!(set(json!({"AttrNames": []})).await.code(), 90001);
    assert_eq!(set(json!({"AttrNames": {"0": 5}})).await.code(), 90001);
    assert_eq!(set(json!({"AttrNames": {"10": "x"}})).await.code(), 90033);
    assert_eq!(set(json!({"AttrNames": {"a": "x"}})).await.code(), 90033);
    assert_eq!(
        set(json!({"AttrNames": {"0": "city", "1": "city"}}))
            .await
            .code(),
        90033
    );
    assert_eq!(
        set(json!({"AttrNames": {"0": "x".repeat(51)}}))
            .await
            .code(),
        90030
    );
    assert!(set(json!({"AttrNames": {"0": "x".repeat(50)}})).await.ok());
    assert!(
        set(json!({"AttrNames": {"1": "city"}, "AttrTypes": {"1": 1}}))
            .await
            .ok()
    );
    assert_eq!(
        set(json!({"AttrNames": {"2": "dup"}, "AttrTypes": {"3": 0}}))
            .await
            .code(),
        90033
    );
    assert_eq!(
        set(json!({"AttrNames": {"2": "t"}, "AttrTypes": {"2": 2}}))
            .await
            .code(),
        90033
    );
    // The type of "1" is fixed once set.
    assert_eq!(
        set(json!({"AttrNames": {"1": "city"}, "AttrTypes": {"1": 0}}))
            .await
            .code(),
        90033
    );
    // A name used at another index is a duplicate too.
    assert_eq!(set(json!({"AttrNames": {"5": "city"}})).await.code(), 90033);
    let a = api.call("timpush/get_attr_name", json!({})).await;
    assert_eq!(a.json["AttrTypes"], json!({"0": 0, "1": 1}));
    // The legacy generation ignores AttrTypes.
    assert!(
        api.call(
            "all_member_push/im_set_attr_name",
            json!({"AttrNames": {"4": "lang"}, "AttrTypes": {"4": 9}})
        )
        .await
        .ok()
    );
}

#[tokio::test]
async fn attr_value_rules() {
    let api = Api::start(unlimited()).await;
    api.import("u1").await;
    assert!(
        api.call("timpush/set_attr_name", json!({"AttrNames": {"0": "sex"}}))
            .await
            .ok()
    );
    let set = |attrs| {
        api.call(
            "timpush/set_attr",
            json!({"UserAttrs": [{"To_Account": "u1", "Attrs": attrs}]}),
        )
    };
    assert_eq!(set(json!({"never": "x"})).await.code(), 90033);
    assert_eq!(set(json!({"sex": ""})).await.code(), 90030);
    assert_eq!(set(json!({"sex": "x".repeat(51)})).await.code(), 90030);
    assert!(set(json!({"sex": "x".repeat(50)})).await.ok());
    assert_eq!(set(json!({"sex": 1})).await.code(), 90001);
    assert_eq!(set(json!(["sex"])).await.code(), 90001);
    assert_eq!(api.call("timpush/set_attr", json!({})).await.code(), 90001);
    assert_eq!(
        api.call("timpush/get_attr", json!({"To_Account": "u1"}))
            .await
            .code(),
        90001
    );
    let a = api
        .call(
            "timpush/remove_attr",
            json!({"UserAttrs": [{"To_Account": "u1", "Attrs": ["never"]}]}),
        )
        .await;
    assert_eq!(a.code(), 90033);
    let many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    assert_eq!(
        api.call("timpush/get_attr", json!({"To_Account": many}))
            .await
            .code(),
        90018
    );
    assert!(
        api.call("timpush/get_attr", json!({"To_Account": many[..100]}))
            .await
            .ok()
    );
    let users: Vec<_> = many
        .iter()
        .map(|u| json!({"To_Account": u, "Attrs": {"sex": "f"}}))
        .collect();
    assert_eq!(
        api.call("timpush/set_attr", json!({"UserAttrs": users}))
            .await
            .code(),
        90018
    );
    assert_eq!(
        api.call("timpush/remove_attr", json!({"UserAttrs": users}))
            .await
            .code(),
        90018
    );
}

#[tokio::test]
async fn push_service_off_answers_90045() {
    let config = EmulatorConfig {
        features: Features {
            push_service: false,
            community_groups: true,
        },
        ..unlimited()
    };
    let api = Api::start(config).await;
    for p in [
        "timpush/get_attr_name",
        "all_member_push/im_get_attr_name",
        "timpush/set_attr",
        "timpush/get_tag",
        "all_member_push/im_add_tag",
        "timpush/push",
        "all_member_push/im_push",
        "timpush/batch",
        "timpush/revoke",
    ] {
        assert_eq!(api.call(p, json!({})).await.code(), 90045, "{p}");
    }
}

#[tokio::test]
async fn push_legacy_profile_serves_only_gen_1() {
    let api = Api::start(EmulatorConfig {
        profile: "push-legacy".into(),
        ..unlimited()
    })
    .await;
    assert_eq!(
        api.call("timpush/get_attr_name", json!({})).await.code(),
        60009
    );
    assert!(
        api.call("all_member_push/im_get_attr_name", json!({}))
            .await
            .ok()
    );
}
