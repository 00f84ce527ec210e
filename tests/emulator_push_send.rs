//! Push, batch and revoke: payloads of both generations (and both gen 2 styles), conditions,
//! the one-second rules on the real clock, the daily quota, and tasks kept for revoke.

mod emulator_support;

use std::time::Duration;

use emulator_support::{Api, unlimited};
use imconform::emulator::EmulatorConfig;
use serde_json::{Value, json};

/// The push rules off the clock: no test here waits unless it means to.
fn no_clock() -> EmulatorConfig {
    EmulatorConfig {
        push_interval: Duration::ZERO,
        ..unlimited()
    }
}

fn text_body(random: u64) -> Value {
    json!({
        "MsgRandom": random,
        "MsgBody": [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}],
    })
}

fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

#[tokio::test]
async fn both_generations_push_and_answer_a_task_id() {
    let api = Api::start(no_clock()).await;
    let a = api.call("all_member_push/im_push", text_body(1)).await;
    assert!(a.ok(), "{a:?}");
    let legacy = a.json["TaskId"].as_str().unwrap().to_owned();
    assert!(legacy.starts_with("1400000000_"), "{legacy}");
    // The Chat style (MsgBody, OnlineOnlyFlag) and the Push Service style (OfflinePushInfo).
    let chat = with(text_body(2), "OnlineOnlyFlag", json!(1));
    assert!(api.call("timpush/push", chat).await.ok());
    let service =
        json!({"MsgRandom": 3, "OfflinePushInfo": {"PushFlag": 0, "Title": "t", "Desc": "d"}});
    let a = api.call("timpush/push", service).await;
    assert!(a.ok(), "{a:?}");
    assert_ne!(a.json["TaskId"].as_str(), Some(legacy.as_str()));
    // Gen 1 needs a MsgBody; neither generation takes a push without anything to show.
    let a = api
        .call(
            "all_member_push/im_push",
            json!({"MsgRandom": 4, "OfflinePushInfo": {"Desc": "d"}}),
        )
        .await;
    assert_eq!(a.code(), 90002);
    assert_eq!(
        api.call("timpush/push", json!({"MsgRandom": 5}))
            .await
            .code(),
        90001
    );
}

#[tokio::test]
async fn push_fields_are_checked_with_each_generation_codes() {
    let api = Api::start(no_clock()).await;
    let cases = [
        ("all_member_push/im_push", json!({"MsgBody": []}), 90005),
        (
            "all_member_push/im_push",
            with(text_body(1), "MsgRandom", json!(4_294_967_296u64)),
            90005,
        ),
        (
            "all_member_push/im_push",
            with(text_body(1), "MsgBody", json!({"MsgType": "TIMTextElem"})),
            90007,
        ),
        (
            "all_member_push/im_push",
            with(
                text_body(1),
                "MsgBody",
                json!([{"MsgType": "TIMNoSuchElem", "MsgContent": {}}]),
            ),
            90002,
        ),
        (
            "all_member_push/im_push",
            with(text_body(1), "MsgLifeTime", json!(604_801)),
            90026,
        ),
        (
            "timpush/push",
            with(text_body(1), "MsgBody", json!({"MsgType": "TIMTextElem"})),
            90001,
        ),
        (
            "timpush/push",
            with(text_body(1), "OnlineOnlyFlag", json!(2)),
            90001,
        ),
    ];
    for (path, body, code) in cases {
        assert_eq!(
            api.call(path, body.clone()).await.code(),
            code,
            "{path} {body}"
        );
    }
    let max_life = with(text_body(1), "MsgLifeTime", json!(604_800));
    assert!(api.call("all_member_push/im_push", max_life).await.ok());
    // A gen 2 push body over 10K (10,240 bytes).
    let big = with(
        text_body(1),
        "OfflinePushInfo",
        json!({"Ext": "a".repeat(10_300)}),
    );
    assert_eq!(api.call("timpush/push", big).await.code(), 90056);
}

#[tokio::test]
async fn conditions() {
    let api = Api::start(no_clock()).await;
    let names = json!({"AttrNames": {"0": "sex"}});
    assert!(api.call("timpush/set_attr_name", names).await.ok());
    let tags = |n: usize| (0..n).map(|i| format!("t{i}")).collect::<Vec<_>>();
    let cases = [
        (json!({"TagsOr": tags(10), "TagsAnd": ["x"]}), 0),
        (
            json!({"AttrsOr": {"sex": "f"}, "AttrsAnd": {"sex": "m"}}),
            0,
        ),
        (json!({}), 0),
        (json!({"TagsOr": tags(11)}), 90032),
        (json!({"TagsAnd": ["a".repeat(51)]}), 90020),
        (json!({"TagsAnd": ["中".repeat(17)]}), 90020),
        (json!({"TagsAnd": [""]}), 90040),
        (json!({"TagsOr": ["a"], "TagsAnd": ["a"]}), 90022),
        (json!({"TagsOr": ["a"], "AttrsAnd": {"sex": "f"}}), 90039),
        (json!({"AttrsAnd": {"city": "x"}}), 90033),
        (json!({"AttrsAnd": {"sex": ""}}), 90033),
        (json!({"TagsOr": "a"}), 90001),
    ];
    for (condition, code) in cases {
        let body = with(text_body(1), "Condition", condition.clone());
        assert_eq!(
            api.call("timpush/push", body).await.code(),
            code,
            "{condition}"
        );
    }
}

#[tokio::test]
async fn pushes_and_revokes_keep_one_second_apart() {
    let api = Api::start(unlimited()).await;
    let a = api.call("timpush/push", text_body(1)).await;
    assert!(a.ok(), "{a:?}");
    let first = a.json["TaskId"].as_str().unwrap().to_owned();
    // Refused pushes do not start the second again.
    assert_eq!(
        api.call("all_member_push/im_push", text_body(2))
            .await
            .code(),
        90024
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let a = api.call("all_member_push/im_push", text_body(3)).await;
    assert!(a.ok(), "{a:?}");
    let second = a.json["TaskId"].as_str().unwrap().to_owned();
    let revoke = |task: &str| json!({"TaskId": task, "OfflinePushInfo": {"Desc": "revoked"}});
    assert!(api.call("timpush/revoke", revoke(&first)).await.ok());
    assert_eq!(
        api.call("timpush/revoke", revoke(&second)).await.code(),
        90051
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(api.call("timpush/revoke", revoke(&second)).await.ok());
}

#[tokio::test]
async fn revoke_finds_the_task_once() {
    let api = Api::start(no_clock()).await;
    let a = api.call("timpush/push", text_body(1)).await;
    let task = a.json["TaskId"].as_str().unwrap().to_owned();
    let offline = json!({"Desc": "revoked"});
    assert_eq!(
        api.call("timpush/revoke", json!({"TaskId": task}))
            .await
            .code(),
        90053,
        "OfflinePushInfo is required (2025-12 page)"
    );
    // TaskID, the statistics APIs' spelling, names the same task.
    let a = api
        .call(
            "timpush/revoke",
            json!({"TaskID": task, "OfflinePushInfo": offline}),
        )
        .await;
    assert!(a.ok(), "{a:?}");
    let again = json!({"TaskId": task, "OfflinePushInfo": offline});
    assert_eq!(api.call("timpush/revoke", again).await.code(), 90050);
    let unknown = json!({"TaskId": "nosuch", "OfflinePushInfo": offline});
    assert_eq!(api.call("timpush/revoke", unknown).await.code(), 90049);
    assert_eq!(
        api.call("timpush/revoke", json!({"OfflinePushInfo": offline}))
            .await
            .code(),
        90001
    );
}

#[tokio::test]
async fn the_daily_quota_counts_successful_pushes() {
    let api = Api::start(EmulatorConfig {
        push_quota: 2,
        ..no_clock()
    })
    .await;
    // A refused push spends nothing.
    assert_eq!(
        api.call("timpush/push", json!({"MsgRandom": 1}))
            .await
            .code(),
        90001
    );
    assert!(api.call("timpush/push", text_body(1)).await.ok());
    assert!(api.call("all_member_push/im_push", text_body(2)).await.ok());
    assert_eq!(api.call("timpush/push", text_body(3)).await.code(), 90047);
    api.handle.reset().await;
    assert!(api.call("timpush/push", text_body(4)).await.ok());
}

#[tokio::test]
async fn batch_pushes_to_listed_accounts() {
    let api = Api::start(no_clock()).await;
    api.import("u1").await;
    let batch = |to: Value| json!({"From_Account": "u1", "To_Account": to, "MsgRandom": 1, "OfflinePushInfo": {"Desc": "d"}});
    let a = api
        .call("timpush/batch", batch(json!(["u1", "ghost"])))
        .await;
    assert!(a.ok(), "{a:?}");
    let task = a.json["TaskId"].as_str().unwrap();
    assert!(task.starts_with("batch_"), "{task}");
    assert_eq!(
        a.json["ErrorList"],
        json!([{"To_Account": "ghost", "ErrorCode": 70107, "ErrorInfo": "account does not exist"}])
    );
    let many: Vec<String> = (0..500).map(|i| format!("r{i}")).collect();
    assert!(api.call("timpush/batch", batch(json!(many))).await.ok());
    let too_many: Vec<String> = (0..501).map(|i| format!("r{i}")).collect();
    assert_eq!(
        api.call("timpush/batch", batch(json!(too_many)))
            .await
            .code(),
        90018
    );
    assert_eq!(
        api.call("timpush/batch", batch(json!([]))).await.code(),
        90001
    );
    let data_id = |n: usize| with(batch(json!(["u1"])), "DataId", json!("d".repeat(n)));
    assert!(api.call("timpush/batch", data_id(64)).await.ok());
    assert_eq!(api.call("timpush/batch", data_id(65)).await.code(), 90057);
    let no_offline = json!({"From_Account": "u1", "To_Account": ["u1"], "MsgRandom": 1});
    assert_eq!(api.call("timpush/batch", no_offline).await.code(), 90001);
    // A batch task can be revoked too (W10's reading of 90049).
    let revoke = json!({"TaskId": task, "OfflinePushInfo": {"Desc": "r"}});
    assert!(api.call("timpush/revoke", revoke).await.ok());
}

#[tokio::test]
async fn details_differ_names_the_gen_2_task_id_task_id() {
    let api = Api::start(EmulatorConfig {
        details_differ: true,
        ..no_clock()
    })
    .await;
    let a = api.call("timpush/push", text_body(1)).await;
    assert!(
        a.json["TaskID"].is_string() && a.json.get("TaskId").is_none(),
        "{a:?}"
    );
    let a = api.call("all_member_push/im_push", text_body(2)).await;
    assert!(
        a.json["TaskId"].is_string(),
        "gen 1 documents TaskId: {a:?}"
    );
}
