//! Group custom attributes end to end: semantics, limits, group types, profiles, rate limits,
//! concurrency.

mod emulator_support;

use std::sync::Arc;

use emulator_support::{Api, keys, kv, unlimited};
use imconform::emulator::EmulatorConfig;
use serde_json::json;

#[tokio::test]
async fn both_get_paths_answer_the_same_attributes() {
    let api = Api::start(unlimited()).await;
    let g = api.group("Public").await;
    let a = api
        .call(
            "group_open_attr_http_svc/get_group_attr",
            json!({"GroupId": g}),
        )
        .await;
    assert_eq!(a.json["GroupAttrAry"], json!([]));
    assert!(
        api.modify(&g, kv(&[("seat1", "alice"), ("seat2", "bob")]))
            .await
            .ok()
    );
    for path in [
        "group_open_attr_http_svc/get_group_attr",
        "group_open_http_svc/get_group_attr",
    ] {
        let a = api.call(path, json!({"GroupId": g})).await;
        assert_eq!(
            a.text,
            r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"GroupAttrAry":[{"key":"seat1","value":"alice"},{"key":"seat2","value":"bob"}]}"#
        );
    }
}

#[tokio::test]
async fn modify_set_clear_delete_semantics() {
    let api = Api::start(unlimited()).await;
    let g = api.group("ChatRoom").await;
    assert!(api.modify(&g, kv(&[("a", "1"), ("b", "2")])).await.ok());
    assert!(api.modify(&g, kv(&[("b", "3"), ("c", "4")])).await.ok());
    assert_eq!(
        api.attrs(&g).await,
        [
            ("a".into(), "1".into()),
            ("b".into(), "3".into()),
            ("c".into(), "4".into())
        ]
    );
    assert!(
        api.attr_op("set_group_attr", &g, Some(kv(&[("x", "9")])))
            .await
            .ok()
    );
    assert_eq!(api.attrs(&g).await, [("x".to_owned(), "9".to_owned())]);
    assert!(api.modify(&g, kv(&[("y", "8"), ("z", "7")])).await.ok());
    assert!(
        api.attr_op("delete_group_attr", &g, Some(keys(&["x", "z"])))
            .await
            .ok()
    );
    assert_eq!(api.attrs(&g).await, [("y".to_owned(), "8".to_owned())]);
    assert!(api.attr_op("clear_group_attr", &g, None).await.ok());
    assert!(api.attrs(&g).await.is_empty());
    // Keys are case-sensitive.
    assert!(
        api.modify(&g, kv(&[("Seat", "1"), ("seat", "2")]))
            .await
            .ok()
    );
    assert_eq!(api.attrs(&g).await.len(), 2);
    // set with an empty list empties the set.
    assert!(
        api.attr_op("set_group_attr", &g, Some(json!([])))
            .await
            .ok()
    );
    assert!(api.attrs(&g).await.is_empty());
}

#[tokio::test]
async fn parameter_and_group_errors() {
    let api = Api::start(unlimited()).await;
    let g = api.group("Private").await;
    let cases = [
        ("modify_group_attr", json!({"GroupAttr": []}), 10004),
        (
            "modify_group_attr",
            json!({"GroupId": 5, "GroupAttr": []}),
            10004,
        ),
        ("get_group_attr", json!({"GroupId": ""}), 10015),
        ("get_group_attr", json!({"GroupId": "x".repeat(49)}), 10015),
        ("get_group_attr", json!({"GroupId": "bad\u{1}id"}), 10015),
        ("get_group_attr", json!({"GroupId": "群组"}), 10015),
        ("get_group_attr", json!({"GroupId": "missing"}), 10010),
        ("clear_group_attr", json!({"GroupId": "missing"}), 10010),
        ("modify_group_attr", json!({"GroupId": g}), 10004),
        (
            "modify_group_attr",
            json!({"GroupId": g, "GroupAttr": {"key": "a"}}),
            10004,
        ),
        (
            "modify_group_attr",
            json!({"GroupId": g, "GroupAttr": [{"key": "a"}]}),
            10004,
        ),
        (
            "modify_group_attr",
            json!({"GroupId": g, "GroupAttr": [{"value": "a"}]}),
            10004,
        ),
        (
            "modify_group_attr",
            json!({"GroupId": g, "GroupAttr": [{"key": 1, "value": "a"}]}),
            10004,
        ),
        (
            "modify_group_attr",
            json!({"GroupId": g, "GroupAttr": []}),
            10004,
        ),
        (
            "set_group_attr",
            json!({"GroupId": g, "GroupAttr": [{"key": "a", "value": 1}]}),
            10004,
        ),
        (
            "delete_group_attr",
            json!({"GroupId": g, "GroupAttr": [{"nokey": "a"}]}),
            10004,
        ),
        ("delete_group_attr", json!({"GroupId": g}), 10004),
        (
            "delete_group_attr",
            json!({"GroupId": g, "GroupAttr": [{"key": "absent"}]}),
            10050,
        ),
    ];
    for (command, body, expected) in cases {
        let a = api
            .call(&format!("group_open_http_svc/{command}"), body.clone())
            .await;
        assert_eq!(a.code(), expected, "{command} {body}: {a:?}");
    }
}

#[tokio::test]
async fn size_and_count_limits() {
    let api = Api::start(unlimited()).await;
    let g = api.group("Public").await;
    let k32 = "k".repeat(32);
    let k33 = "k".repeat(33);
    assert!(api.modify(&g, kv(&[(&k32, "v")])).await.ok());
    assert_eq!(api.modify(&g, kv(&[(&k33, "v")])).await.code(), 10045);
    assert_eq!(
        api.modify(&g, kv(&[(&"键".repeat(11), "v")])).await.code(),
        10045
    );
    assert_eq!(
        api.attr_op("delete_group_attr", &g, Some(keys(&[&k33])))
            .await
            .code(),
        10045
    );
    let v4000 = "v".repeat(4000);
    assert!(api.modify(&g, kv(&[("big", &v4000)])).await.ok());
    assert_eq!(
        api.modify(&g, kv(&[("big", &"v".repeat(4001))]))
            .await
            .code(),
        10046
    );
    // 16 keys in total are fine (2 present + 14), a 17th is not; modify counts the union.
    let names: Vec<String> = (0..14).map(|i| format!("n{i}")).collect();
    let pairs: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "x")).collect();
    assert!(api.modify(&g, kv(&pairs)).await.ok());
    assert_eq!(api.attrs(&g).await.len(), 16);
    assert_eq!(api.modify(&g, kv(&[("one-more", "x")])).await.code(), 10047);
    // set counts only its own list.
    let seventeen: Vec<String> = (0..17).map(|i| format!("s{i}")).collect();
    let pairs: Vec<(&str, &str)> = seventeen.iter().map(|n| (n.as_str(), "x")).collect();
    assert_eq!(
        api.attr_op("set_group_attr", &g, Some(kv(&pairs)))
            .await
            .code(),
        10047
    );
    assert!(
        api.attr_op("set_group_attr", &g, Some(kv(&pairs[..16])))
            .await
            .ok()
    );
    // Total of values: 4 x 4000 = 16000 is fine, one byte more is not.
    let four: Vec<(&str, &str)> = ["a", "b", "c", "d"]
        .iter()
        .map(|k| (*k, v4000.as_str()))
        .collect();
    assert!(
        api.attr_op("set_group_attr", &g, Some(kv(&four)))
            .await
            .ok()
    );
    assert_eq!(api.modify(&g, kv(&[("e", "x")])).await.code(), 10048);
    // A refused write changes nothing.
    assert_eq!(api.attrs(&g).await.len(), 4);
    let mut five = four.clone();
    five.push(("e", "x"));
    assert_eq!(
        api.attr_op("set_group_attr", &g, Some(kv(&five)))
            .await
            .code(),
        10048
    );
    assert_eq!(
        api.attr_op("delete_group_attr", &g, Some(keys(&["a", "zz"])))
            .await
            .code(),
        10050
    );
    assert_eq!(api.attrs(&g).await.len(), 4);
}

#[tokio::test]
async fn group_types_current_profile() {
    let api = Api::start(unlimited()).await;
    for t in ["Private", "Public", "ChatRoom", "AVChatRoom", "Community"] {
        let g = api.group(t).await;
        assert!(
            api.modify(&g, kv(&[("a", "1"), ("b", "2")])).await.ok(),
            "{t}"
        );
        assert!(
            api.attr_op("set_group_attr", &g, Some(kv(&[("a", "1"), ("b", "2")])))
                .await
                .ok(),
            "{t}"
        );
        assert!(
            api.attr_op("delete_group_attr", &g, Some(keys(&["a"])))
                .await
                .ok(),
            "{t}"
        );
        assert_eq!(api.attrs(&g).await.len(), 1, "{t}");
        let clear = api.attr_op("clear_group_attr", &g, None).await;
        assert_eq!(
            clear.code(),
            if t == "Community" { 10007 } else { 0 },
            "{t}"
        );
    }
}

#[tokio::test]
async fn group_types_attr_2022_profile() {
    let api = Api::start(EmulatorConfig {
        profile: "attr-2022".into(),
        ..unlimited()
    })
    .await;
    for t in ["Private", "Public", "ChatRoom", "AVChatRoom", "Community"] {
        let g = api.group(t).await;
        let expected = if t == "AVChatRoom" { 0 } else { 10007 };
        assert_eq!(
            api.modify(&g, kv(&[("a", "1")])).await.code(),
            expected,
            "{t}"
        );
        for command in ["get_group_attr", "clear_group_attr"] {
            assert_eq!(
                api.attr_op(command, &g, None).await.code(),
                expected,
                "{t} {command}"
            );
        }
        assert_eq!(
            api.attr_op("set_group_attr", &g, Some(kv(&[("a", "1")])))
                .await
                .code(),
            expected
        );
        // delete is AVChatRoom-only like its 2022 siblings (here: of a key that is not
        // present, so a supported type answers 10050).
        let delete_expected = if t == "AVChatRoom" { 10050 } else { 10007 };
        assert_eq!(
            api.attr_op("delete_group_attr", &g, Some(keys(&["zz"])))
                .await
                .code(),
            delete_expected,
            "{t}"
        );
    }
}

#[tokio::test]
async fn push_legacy_profile_keeps_current_group_rules() {
    let api = Api::start(EmulatorConfig {
        profile: "push-legacy".into(),
        ..unlimited()
    })
    .await;
    let g = api.group("Community").await;
    assert!(api.modify(&g, kv(&[("a", "1")])).await.ok());
    assert_eq!(
        api.attr_op("clear_group_attr", &g, None).await.code(),
        10007
    );
}

#[tokio::test]
async fn destroyed_group_answers_10010_everywhere() {
    let api = Api::start(unlimited()).await;
    let g = api.group("Public").await;
    assert!(api.modify(&g, kv(&[("a", "1")])).await.ok());
    assert!(
        api.call("group_open_http_svc/destroy_group", json!({"GroupId": g}))
            .await
            .ok()
    );
    for (command, attrs) in [
        ("get_group_attr", None),
        ("modify_group_attr", Some(kv(&[("a", "2")]))),
        ("set_group_attr", Some(kv(&[("a", "2")]))),
        ("clear_group_attr", None),
        ("delete_group_attr", Some(keys(&["a"]))),
    ] {
        assert_eq!(
            api.attr_op(command, &g, attrs).await.code(),
            10010,
            "{command}"
        );
    }
}

#[tokio::test]
async fn write_rate_limit_is_five_per_second_per_group() {
    let api = Api::start(EmulatorConfig {
        api_rate_limits: false,
        ..EmulatorConfig::default()
    })
    .await;
    let g = api.group("Public").await;
    let other = api.group("Public").await;
    let mut codes = Vec::new();
    codes.push(api.modify(&g, kv(&[("a", "1")])).await.code());
    codes.push(
        api.attr_op("set_group_attr", &g, Some(kv(&[("a", "1")])))
            .await
            .code(),
    );
    codes.push(
        api.attr_op("delete_group_attr", &g, Some(keys(&["a"])))
            .await
            .code(),
    );
    codes.push(api.attr_op("clear_group_attr", &g, None).await.code());
    codes.push(api.modify(&g, kv(&[("b", "1")])).await.code());
    codes.push(api.modify(&g, kv(&[("c", "1")])).await.code());
    assert_eq!(codes, [0, 0, 0, 0, 0, 10049]);
    // Reads are not writes; other groups have their own budget.
    assert!(api.attr_op("get_group_attr", &g, None).await.ok());
    assert!(api.modify(&other, kv(&[("a", "1")])).await.ok());
    // The refused write changed nothing; after the window slides, writes pass again.
    assert_eq!(api.attrs(&g).await, [("b".to_owned(), "1".to_owned())]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(api.modify(&g, kv(&[("c", "1")])).await.ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_modifies_lose_no_update() {
    let api = Arc::new(Api::start(unlimited()).await);
    let mut groups = Vec::new();
    for _ in 0..4 {
        groups.push(api.group("Public").await);
    }
    let groups = Arc::new(groups);
    let mut tasks = Vec::new();
    for task in 0..16 {
        let api = Arc::clone(&api);
        let groups = Arc::clone(&groups);
        tasks.push(tokio::spawn(async move {
            for i in 0..50 {
                let g = &groups[task % 4];
                // 16 distinct keys per group: 4 tasks per group x 4 keys, values overwritten.
                let key = format!("t{task}-k{}", i % 4);
                let a = api.modify(g, kv(&[(&key, &i.to_string())])).await;
                assert!(a.ok(), "{a:?}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    for (index, g) in groups.iter().enumerate() {
        let attrs = api.attrs(g).await;
        assert_eq!(attrs.len(), 16, "group {index}");
        for task in (0..16).filter(|t| t % 4 == index) {
            for k in 0..4 {
                let key = format!("t{task}-k{k}");
                let value = attrs
                    .iter()
                    .find(|(ak, _)| *ak == key)
                    .map(|(_, v)| v.clone());
                // The last write of each key is i = 46..=49 with i % 4 == k.
                assert_eq!(value, Some((46 + (k + 2) % 4).to_string()), "{key}");
            }
        }
    }
}
