//! Account and group fixture endpoints.

mod emulator_support;

use emulator_support::{Api, unlimited};
use imconform::emulator::{EmulatorConfig, Features};
use serde_json::json;

#[tokio::test]
async fn account_import_accepts_user_id_and_legacy_identifier() {
    let api = Api::start(unlimited()).await;
    let import = |body| api.call("im_open_login_svc/account_import", body);
    assert!(import(json!({"UserID": "u1", "Nick": "n"})).await.ok());
    assert!(import(json!({"UserID": "u1"})).await.ok(), "idempotent");
    assert!(import(json!({"Identifier": "legacy"})).await.ok());
    assert!(import(json!({"UserID": "x".repeat(32)})).await.ok());
    assert_eq!(
        import(json!({"UserID": "x".repeat(33)})).await.code(),
        70402
    );
    assert_eq!(import(json!({})).await.code(), 70402);
    assert_eq!(import(json!({"UserID": 7})).await.code(), 70402);
    let a = api
        .call(
            "im_open_login_svc/account_check",
            json!({"CheckItem": [{"UserID": "u1"}, {"UserID": "legacy"}, {"UserID": "nope"}]}),
        )
        .await;
    assert_eq!(
        a.json["ResultItem"],
        json!([
            {"UserID": "u1", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "Imported"},
            {"UserID": "legacy", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "Imported"},
            {"UserID": "nope", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "NotImported"}
        ])
    );
}

#[tokio::test]
async fn multiaccount_import_and_delete() {
    let api = Api::start(unlimited()).await;
    let long = "x".repeat(33);
    let a = api
        .call(
            "im_open_login_svc/multiaccount_import",
            json!({"Accounts": ["a", "b", long]}),
        )
        .await;
    assert!(a.ok());
    assert_eq!(a.json["FailAccounts"], json!([long]));
    let hundred: Vec<String> = (0..100).map(|i| format!("m{i}")).collect();
    assert!(
        api.call(
            "im_open_login_svc/multiaccount_import",
            json!({"Accounts": hundred})
        )
        .await
        .ok()
    );
    let mut too_many = hundred.clone();
    too_many.push("m100".into());
    assert_eq!(
        api.call(
            "im_open_login_svc/multiaccount_import",
            json!({"Accounts": too_many})
        )
        .await
        .code(),
        70402
    );
    assert_eq!(
        api.call("im_open_login_svc/multiaccount_import", json!({}))
            .await
            .code(),
        70402
    );
    let a = api
        .call(
            "im_open_login_svc/account_delete",
            json!({"DeleteItem": [{"UserID": "a"}, {"UserID": "nope"}]}),
        )
        .await;
    assert!(a.ok());
    assert_eq!(
        a.json["ResultItem"],
        json!([
            {"ResultCode": 0, "ResultInfo": "", "UserID": "a"},
            {"ResultCode": 70107, "ResultInfo": "Err_TLS_PT_Open_Login_Account_Not_Exist", "UserID": "nope"}
        ])
    );
    let items: Vec<_> = too_many.iter().map(|u| json!({"UserID": u})).collect();
    assert_eq!(
        api.call(
            "im_open_login_svc/account_delete",
            json!({"DeleteItem": items})
        )
        .await
        .code(),
        70402
    );
    assert_eq!(
        api.call(
            "im_open_login_svc/account_check",
            json!({"CheckItem": items})
        )
        .await
        .code(),
        70402
    );
    assert_eq!(
        api.call(
            "im_open_login_svc/account_delete",
            json!({"DeleteItem": [{"X": 1}]})
        )
        .await
        .code(),
        70402
    );
    let a = api
        .call(
            "im_open_login_svc/account_check",
            json!({"CheckItem": [{"UserID": "a"}]}),
        )
        .await;
    assert_eq!(a.json["ResultItem"][0]["AccountStatus"], "NotImported");
}

#[tokio::test]
async fn create_group_rules() {
    let api = Api::start(unlimited()).await;
    api.import("u1").await;
    let create = |body| api.call("group_open_http_svc/create_group", body);
    let a = create(json!({"Owner_Account": "u1", "Type": "Public", "GroupId": "MyGroup1", "Name": "TestGroup"})).await;
    assert_eq!(
        a.text,
        r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"GroupId":"MyGroup1"}"#
    );
    assert_eq!(
        create(json!({"Type": "Public", "GroupId": "MyGroup1", "Name": "again"}))
            .await
            .code(),
        10025
    );
    for t in ["Private", "Public", "ChatRoom", "AVChatRoom"] {
        let a = create(json!({"Type": t, "Name": "n"})).await;
        let id = a.json["GroupId"].as_str().unwrap();
        assert!(
            id.starts_with("@TGS#") && !id.starts_with("@TGS#_") && id.len() <= 48,
            "{id}"
        );
    }
    let a = create(json!({"Type": "Community", "Name": "n"})).await;
    assert!(
        a.json["GroupId"]
            .as_str()
            .unwrap()
            .starts_with("@TGS#_@TGS#"),
        "{a:?}"
    );
    assert!(
        create(json!({"Type": "Community", "Name": "n", "GroupId": "@TGS#_mine"}))
            .await
            .ok()
    );
    let cases = [
        (json!({"Name": "n"}), 10004),
        (json!({"Type": "Work", "Name": "n"}), 10004),
        (json!({"Type": "Public"}), 10004),
        (json!({"Type": "Public", "Name": "n".repeat(31)}), 10004),
        (
            json!({"Type": "Public", "Name": "n", "GroupId": "@TGS#mine"}),
            10015,
        ),
        (
            json!({"Type": "Public", "Name": "n", "GroupId": "g".repeat(49)}),
            10015,
        ),
        (
            json!({"Type": "Community", "Name": "n", "GroupId": "plain"}),
            10015,
        ),
        (json!({"Type": "Public", "Name": "n", "GroupId": 3}), 10004),
        (
            json!({"Type": "Public", "Name": "n", "Owner_Account": "ghost"}),
            10019,
        ),
        (
            json!({"Type": "AVChatRoom", "Name": "n", "MemberList": [{"Member_Account": "u1"}]}),
            10007,
        ),
        (
            json!({"Type": "Public", "Name": "n", "ApplyJoinOption": "Maybe"}),
            10004,
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(create(body.clone()).await.code(), expected, "{body}");
    }
    assert!(
        create(json!({"Type": "Public", "Name": "n", "MemberList": [{"Member_Account": "u1"}]}))
            .await
            .ok()
    );
    assert!(
        create(json!({"Type": "Public", "Name": "名".repeat(10)}))
            .await
            .ok(),
        "30 bytes"
    );
}

#[tokio::test]
async fn community_feature_off_answers_11000() {
    let config = EmulatorConfig {
        features: Features {
            community_groups: false,
            push_service: true,
        },
        ..unlimited()
    };
    let api = Api::start(config).await;
    let a = api
        .call(
            "group_open_http_svc/create_group",
            json!({"Type": "Community", "Name": "n"}),
        )
        .await;
    assert_eq!(a.code(), 11000);
    assert!(
        api.call(
            "group_open_http_svc/create_group",
            json!({"Type": "Public", "Name": "n"})
        )
        .await
        .ok()
    );
}

#[tokio::test]
async fn destroy_and_group_info() {
    let api = Api::start(unlimited()).await;
    api.import("u1").await;
    let a = api
        .call(
            "group_open_http_svc/create_group",
            json!({"Owner_Account": "u1", "Type": "ChatRoom", "Name": "room", "GroupId": "room1"}),
        )
        .await;
    assert!(a.ok());
    let a = api
        .call(
            "group_open_http_svc/get_group_info",
            json!({"GroupIdList": ["room1", "nope", ""]}),
        )
        .await;
    assert!(a.ok());
    let info = &a.json["GroupInfo"];
    assert_eq!(info[0]["GroupId"], "room1");
    assert_eq!(info[0]["ErrorCode"], 0);
    assert_eq!(info[0]["Type"], "ChatRoom");
    assert_eq!(info[0]["Name"], "room");
    assert_eq!(info[0]["Owner_Account"], "u1");
    assert_eq!(info[0]["MemberNum"], 1);
    assert!(info[0]["CreateTime"].as_u64().unwrap() > 1_600_000_000);
    assert!(info[0]["MaxMemberNum"].is_u64() && info[0]["ApplyJoinOption"].is_string());
    assert!(info[0].get("GroupAttrAry").is_none());
    assert_eq!(info[1]["ErrorCode"], 10010);
    assert_eq!(info[2]["ErrorCode"], 10015);
    let ids: Vec<String> = (0..51).map(|i| format!("g{i}")).collect();
    assert_eq!(
        api.call(
            "group_open_http_svc/get_group_info",
            json!({"GroupIdList": ids})
        )
        .await
        .code(),
        10004
    );
    assert_eq!(
        api.call("group_open_http_svc/get_group_info", json!({}))
            .await
            .code(),
        10004
    );
    let destroy = |id: serde_json::Value| {
        api.call("group_open_http_svc/destroy_group", json!({"GroupId": id}))
    };
    assert!(destroy(json!("room1")).await.ok());
    assert_eq!(destroy(json!("room1")).await.code(), 10010);
    assert_eq!(destroy(json!("")).await.code(), 10015);
    assert_eq!(destroy(json!(1)).await.code(), 10004);
    let a = api
        .call(
            "group_open_http_svc/get_group_info",
            json!({"GroupIdList": ["room1"]}),
        )
        .await;
    assert_eq!(a.json["GroupInfo"][0]["ErrorCode"], 10010);
    // A destroyed ID can be used again.
    assert!(
        api.call(
            "group_open_http_svc/create_group",
            json!({"Type": "Public", "Name": "n", "GroupId": "room1"})
        )
        .await
        .ok()
    );
}
