//! User tags in both generations over one store: add (gen 2 Replace), get, remove, clear, and
//! the limits (10 or 100 per request, 100 per user, 1,000 distinct per app in gen 2).

mod emulator_support;

use emulator_support::{Api, unlimited};
use imconform::emulator::EmulatorConfig;
use serde_json::{Value, json};

const GENERATIONS: [(&str, &str, &str); 2] = [
    ("timpush", "", "clear_all_tags"),
    ("all_member_push", "im_", "im_remove_all_tags"),
];

fn tags(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i}")).collect()
}

async fn tags_of(api: &Api, service: &str, prefix: &str, user: &str) -> Value {
    let a = api
        .call(
            &format!("{service}/{prefix}get_tag"),
            json!({"To_Account": [user]}),
        )
        .await;
    assert!(a.ok(), "{a:?}");
    a.json["UserTags"][0]["Tags"].clone()
}

#[tokio::test]
async fn add_get_remove_clear_in_both_generations() {
    for (service, prefix, clear) in GENERATIONS {
        let api = Api::start(unlimited()).await;
        api.import("u1").await;
        api.import("u2").await;
        let add = |user: &str, t: &[&str]| json!({"UserTags": [{"To_Account": user, "Tags": t}]});
        let add_path = format!("{service}/{prefix}add_tag");
        assert!(api.call(&add_path, add("u1", &["a", "b"])).await.ok());
        // Adding adds to what the user has, once each.
        assert!(api.call(&add_path, add("u1", &["b", "c"])).await.ok());
        assert!(api.call(&add_path, add("u2", &["a"])).await.ok());
        assert_eq!(
            tags_of(&api, service, prefix, "u1").await,
            json!(["a", "b", "c"])
        );
        let a = api
            .call(
                &format!("{service}/{prefix}remove_tag"),
                add("u1", &["a", "c", "never-had"]),
            )
            .await;
        assert!(a.ok(), "{a:?}");
        assert_eq!(tags_of(&api, service, prefix, "u1").await, json!(["b"]));
        let a = api
            .call(&format!("{service}/{clear}"), json!({"To_Account": ["u1"]}))
            .await;
        assert!(a.ok(), "{a:?}");
        assert_eq!(tags_of(&api, service, prefix, "u1").await, json!([]));
        assert_eq!(tags_of(&api, service, prefix, "u2").await, json!(["a"]));
    }
}

#[tokio::test]
async fn replace_overwrites_in_gen_2_and_is_ignored_in_gen_1() {
    let api = Api::start(unlimited()).await;
    api.import("u1").await;
    for (service, prefix, expected) in [
        ("timpush", "", json!(["z"])),
        ("all_member_push", "im_", json!(["z", "a"])),
    ] {
        let path = format!("{service}/{prefix}add_tag");
        assert!(
            api.call(
                &path,
                json!({"Replace": 1, "UserTags": [{"To_Account": "u1", "Tags": ["z"]}]})
            )
            .await
            .ok()
        );
        let body = json!({"Replace": 0, "UserTags": [{"To_Account": "u1", "Tags": ["a"]}]});
        assert!(api.call(&path, body).await.ok());
        if service == "timpush" {
            let replace = json!({"Replace": 1, "UserTags": [{"To_Account": "u1", "Tags": ["z"]}]});
            assert!(api.call(&path, replace).await.ok());
        }
        assert_eq!(tags_of(&api, service, prefix, "u1").await, expected);
        let clear = json!({"To_Account": ["u1"]});
        assert!(api.call("timpush/clear_all_tags", clear).await.ok());
    }
    let bad = json!({"Replace": 2, "UserTags": [{"To_Account": "u1", "Tags": ["a"]}]});
    assert_eq!(api.call("timpush/add_tag", bad).await.code(), 90001);
}

#[tokio::test]
async fn per_request_and_per_user_limits() {
    let api = Api::start(unlimited()).await;
    api.import("u1").await;
    let add = |t: Vec<String>, replace: u8| json!({"Replace": replace, "UserTags": [{"To_Account": "u1", "Tags": t}]});
    assert!(
        api.call("timpush/add_tag", add(tags("t", 10), 0))
            .await
            .ok()
    );
    assert_eq!(
        api.call("timpush/add_tag", add(tags("t", 11), 0))
            .await
            .code(),
        90032
    );
    assert!(
        api.call("timpush/add_tag", add(tags("r", 100), 1))
            .await
            .ok()
    );
    assert_eq!(
        api.call("timpush/add_tag", add(tags("r", 101), 1))
            .await
            .code(),
        90032
    );
    // 100 held: one more is refused, and the user keeps its 100.
    assert_eq!(
        api.call("timpush/add_tag", add(vec!["x".into()], 0))
            .await
            .code(),
        90032
    );
    let held = tags_of(&api, "timpush", "", "u1").await;
    assert_eq!(held.as_array().map(Vec::len), Some(100));
    // Tag bytes: 50 is fine, 51 (ASCII or 17 CJK characters) is not; an empty tag neither.
    api.import("u2").await;
    for (tag, code) in [
        ("a".repeat(50), 0),
        ("a".repeat(51), 90034),
        ("中".repeat(17), 90034),
        (String::new(), 90034),
    ] {
        let body = json!({"UserTags": [{"To_Account": "u2", "Tags": [tag]}]});
        assert_eq!(api.call("timpush/add_tag", body).await.code(), code);
    }
    let users: Vec<Value> = (0..101)
        .map(|i| json!({"To_Account": format!("g{i}"), "Tags": ["a"]}))
        .collect();
    let a = api
        .call("timpush/add_tag", json!({"UserTags": users}))
        .await;
    assert_eq!(a.code(), 90018);
}

#[tokio::test]
async fn an_app_holds_1000_distinct_tags_in_gen_2_only() {
    let api = Api::start(unlimited()).await;
    for u in 0..11 {
        api.import(&format!("u{u}")).await;
    }
    for u in 0..10 {
        let body = json!({"Replace": 1, "UserTags": [{"To_Account": format!("u{u}"), "Tags": tags(&format!("t{u}_"), 100)}]});
        assert!(api.call("timpush/add_tag", body).await.ok());
    }
    let new = |t: &str| json!({"UserTags": [{"To_Account": "u10", "Tags": [t]}]});
    // A tag some user holds already is not a new distinct tag.
    assert!(api.call("timpush/add_tag", new("t0_0")).await.ok());
    let a = api.call("timpush/add_tag", new("fresh")).await;
    assert_eq!(a.code(), 90032, "{a:?}");
    assert_eq!(tags_of(&api, "timpush", "", "u10").await, json!(["t0_0"]));
    // Gen 1 states no app-wide limit.
    assert!(
        api.call("all_member_push/im_add_tag", new("fresh"))
            .await
            .ok()
    );
    // Clearing a user's tags frees the distinct tags nobody else holds.
    let clear = json!({"To_Account": ["u0"]});
    assert!(api.call("timpush/clear_all_tags", clear).await.ok());
    assert!(api.call("timpush/add_tag", new("fresher")).await.ok());
}

#[tokio::test]
async fn unknown_accounts_go_to_error_list_and_deleted_accounts_lose_their_tags() {
    let api = Api::start(unlimited()).await;
    api.import("u1").await;
    let body = json!({"UserTags": [{"To_Account": "ghost", "Tags": ["a"]}, {"To_Account": "u1", "Tags": ["a"]}]});
    let a = api.call("timpush/add_tag", body).await;
    assert!(a.ok());
    assert_eq!(a.json["ErrorList"][0]["To_Account"], "ghost");
    assert_eq!(a.json["ErrorList"][0]["ErrorCode"], 70107);
    let a = api
        .call("timpush/get_tag", json!({"To_Account": ["u1", "ghost"]}))
        .await;
    assert_eq!(
        a.json["UserTags"],
        json!([{"To_Account": "u1", "Tags": ["a"]}])
    );
    assert_eq!(a.json["ErrorList"][0]["ErrorCode"], 70107);
    let del = json!({"DeleteItem": [{"UserID": "u1"}]});
    assert!(api.call("im_open_login_svc/account_delete", del).await.ok());
    api.import("u1").await;
    assert_eq!(tags_of(&api, "timpush", "", "u1").await, json!([]));
}

#[tokio::test]
async fn details_differ_reverses_tags_and_omits_users_without_any() {
    let api = Api::start(EmulatorConfig {
        details_differ: true,
        ..unlimited()
    })
    .await;
    api.import("u1").await;
    api.import("u2").await;
    let body = json!({"UserTags": [{"To_Account": "u1", "Tags": ["a", "b"]}]});
    assert!(api.call("timpush/add_tag", body).await.ok());
    let a = api
        .call("timpush/get_tag", json!({"To_Account": ["u1", "u2"]}))
        .await;
    assert_eq!(
        a.json["UserTags"],
        json!([{"To_Account": "u1", "Tags": ["b", "a"]}])
    );
}
