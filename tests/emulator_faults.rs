//! Every fault changes observable behaviour: each has its own probe, which must see the
//! faithful behaviour with the fault off and something else with the fault on.

mod emulator_support;

use emulator_support::{Api, keys, kv, now};
use imconform::auth::usersig::{SecretKey, SigClaims, sign};
use imconform::emulator::{EmulatorConfig, Fault, all_faults};
use serde_json::json;

const GET_ATTR: &str = "group_open_attr_http_svc/get_group_attr";

fn config(faults: Vec<Fault>) -> EmulatorConfig {
    EmulatorConfig {
        faults,
        api_rate_limits: false,
        write_rate_limit: true,
        ..EmulatorConfig::default()
    }
}

/// Calls get_group_attr on a missing group with a custom query.
async fn with_query(api: &Api, query: &str) -> i64 {
    api.raw(
        "POST",
        GET_ATTR,
        query,
        br#"{"GroupId":"missing"}"#.to_vec(),
    )
    .await
    .code()
}

/// Whether account_check succeeds with a custom query.
async fn accepted_with_query(api: &Api, query: &str) -> bool {
    let body = br#"{"CheckItem":[{"UserID":"u1"}]}"#.to_vec();
    api.raw("POST", "im_open_login_svc/account_check", query, body)
        .await
        .ok()
}

fn query(identifier: &str, sig: &str) -> String {
    format!("sdkappid=1400000000&identifier={identifier}&usersig={sig}&random=1&contenttype=json")
}

/// True when the faithful behaviour is observed.
async fn probe(fault: Fault, api: &Api) -> bool {
    let admin_sig = |time, expire| {
        sign(
            &api.key,
            &SigClaims::new(api.sdkappid, "administrator", time, expire),
        )
    };
    match fault {
        Fault::ExpiredSigAccepted => {
            with_query(api, &query("administrator", &admin_sig(1000, 60))).await == 70001
        }
        Fault::WrongKeyAccepted => {
            let sig = sign(
                &SecretKey::new("another"),
                &SigClaims::new(api.sdkappid, "administrator", now(), 3600),
            );
            with_query(api, &query("administrator", &sig)).await == 70009
        }
        Fault::NonAdminAccepted => {
            let sig = sign(&api.key, &SigClaims::new(api.sdkappid, "bob", now(), 3600));
            with_query(api, &query("bob", &sig)).await == 60010
        }
        Fault::IdentifierMismatchAccepted => {
            let sig = sign(&api.key, &SigClaims::new(api.sdkappid, "bob", now(), 3600));
            with_query(api, &query("administrator", &sig)).await == 70013
        }
        Fault::SdkappidNotChecked => {
            let q = query("administrator", &api.sig).replace("sdkappid=1400000000", "sdkappid=999");
            with_query(api, &q).await == 60006
        }
        Fault::ContenttypeNotChecked => {
            let q = query("administrator", &api.sig).replace("contenttype=json", "contenttype=xml");
            with_query(api, &q).await == 60002
        }
        Fault::RandomNotChecked => {
            let q = query("administrator", &api.sig).replace("&random=1", "");
            with_query(api, &q).await == 60002
        }
        Fault::EmptySigWrongCode => with_query(api, &query("administrator", "")).await == 70002,
        // Issued 600 s ago: expired 10 s ago, or 60 s still to live.
        Fault::ExpiredSigGrace => {
            let sig = admin_sig(now() - 600, 590);
            with_query(api, &query("administrator", &sig)).await == 70001
        }
        Fault::SigExpiresEarly => {
            let sig = admin_sig(now() - 600, 660);
            accepted_with_query(api, &query("administrator", &sig)).await
        }
        Fault::RandomMaxRefused => {
            let q = query("administrator", &api.sig).replace("random=1", "random=4294967295");
            accepted_with_query(api, &q).await
        }
        Fault::OkStatusOnError => {
            api.call(GET_ATTR, json!({"GroupId": "missing"})).await.json["ActionStatus"] == "FAIL"
        }
        Fault::ErrorCodeAsString => {
            api.call(GET_ATTR, json!({"GroupId": "missing"})).await.json["ErrorCode"].is_u64()
        }
        Fault::Http500OnError => {
            api.call(GET_ATTR, json!({"GroupId": "missing"}))
                .await
                .status
                == 200
        }
        Fault::ErrorInfoMissing => {
            api.call(GET_ATTR, json!({"GroupId": "missing"})).await.json["ErrorInfo"].is_string()
        }
        Fault::NonJsonErrorBody => api
            .call(GET_ATTR, json!({"GroupId": "missing"}))
            .await
            .json
            .is_object(),
        Fault::WrongContentType => {
            api.call(GET_ATTR, json!({"GroupId": "missing"}))
                .await
                .content_type
                .as_deref()
                == Some("application/json")
        }
        Fault::KeyLimitOffByOne => {
            let g = api.group("Public").await;
            api.modify(&g, kv(&[(&"k".repeat(33), "v")])).await.code() == 10045
        }
        Fault::KeyLengthInChars => {
            let g = api.group("Public").await;
            api.modify(&g, kv(&[(&"键".repeat(11), "v")])).await.code() == 10045
        }
        Fault::ValueLimitOffByOne => {
            let g = api.group("Public").await;
            api.modify(&g, kv(&[("k", &"v".repeat(4001))])).await.code() == 10046
        }
        Fault::KeyCountOffByOne => {
            let g = api.group("Public").await;
            let names: Vec<String> = (0..17).map(|i| format!("k{i}")).collect();
            let pairs: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
            api.attr_op("set_group_attr", &g, Some(kv(&pairs)))
                .await
                .code()
                == 10047
        }
        Fault::TotalSizeInChars => {
            // 5 x 3300 bytes (1100 CJK characters each): 16500 bytes but 5500 characters.
            let g = api.group("Public").await;
            let value = "值".repeat(1100);
            let pairs: Vec<(&str, &str)> = ["a", "b", "c", "d", "e"]
                .iter()
                .map(|k| (*k, value.as_str()))
                .collect();
            api.attr_op("set_group_attr", &g, Some(kv(&pairs)))
                .await
                .code()
                == 10048
        }
        Fault::TotalSizeOffByOne => {
            let g = api.group("Public").await;
            let value = "v".repeat(4000);
            let pairs: Vec<(&str, &str)> = [
                ("a", value.as_str()),
                ("b", &value),
                ("c", &value),
                ("d", &value),
                ("e", "x"),
            ]
            .to_vec();
            api.attr_op("set_group_attr", &g, Some(kv(&pairs)))
                .await
                .code()
                == 10048
        }
        Fault::AccountBatchOffByOne => {
            let accounts: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
            api.call(
                "im_open_login_svc/multiaccount_import",
                json!({"Accounts": accounts}),
            )
            .await
            .code()
                == 70402
        }
        Fault::PushValueLimitOffByOne => {
            api.import("u1").await;
            assert!(
                api.call("timpush/set_attr_name", json!({"AttrNames": {"0": "sex"}}))
                    .await
                    .ok()
            );
            let body =
                json!({"UserAttrs": [{"To_Account": "u1", "Attrs": {"sex": "x".repeat(51)}}]});
            api.call("timpush/set_attr", body).await.code() == 90030
        }
        Fault::PushMinLengthOffByOne => {
            api.import("u1").await;
            let named = api
                .call("timpush/set_attr_name", json!({"AttrNames": {"0": "s"}}))
                .await;
            let body = json!({"UserAttrs": [{"To_Account": "u1", "Attrs": {"s": "f"}}]});
            named.ok() && api.call("timpush/set_attr", body).await.ok()
        }
        Fault::PushEmptyAccepted => {
            api.call("timpush/set_attr_name", json!({"AttrNames": {"0": ""}}))
                .await
                .code()
                == 90030
        }
        Fault::AttrIndexTenAccepted => {
            api.call("timpush/set_attr_name", json!({"AttrNames": {"10": "ten"}}))
                .await
                .code()
                == 90033
        }
        Fault::AttrIndexNineRefused => api
            .call("timpush/set_attr_name", json!({"AttrNames": {"9": "nine"}}))
            .await
            .ok(),
        Fault::AttrIndexNegativeAccepted => {
            api.call(
                "timpush/set_attr_name",
                json!({"AttrNames": {"-1": "minus"}}),
            )
            .await
            .code()
                == 90033
        }
        Fault::AttrTypeUnchecked => {
            let body = json!({"AttrNames": {"2": "tier"}, "AttrTypes": {"2": 2}});
            api.call("timpush/set_attr_name", body).await.code() == 90033
        }
        Fault::GroupIdLimitOffByOne => {
            let body = json!({"Type": "Public", "Name": "n", "GroupId": "g".repeat(49)});
            api.call("group_open_http_svc/create_group", body)
                .await
                .code()
                == 10015
        }
        Fault::UserIdMaxRefused => api
            .call(
                "im_open_login_svc/account_import",
                json!({"UserID": "u".repeat(32)}),
            )
            .await
            .ok(),
        Fault::StoredAtMaxTruncated => {
            let g = api.group("Public").await;
            let value = "v".repeat(4000);
            assert!(api.modify(&g, kv(&[("k", &value)])).await.ok());
            api.attrs(&g).await == [("k".to_owned(), value)]
        }
        Fault::LongKeyWrongCode => {
            let g = api.group("Public").await;
            api.modify(&g, kv(&[(&"k".repeat(40), "v")])).await.code() == 10045
        }
        Fault::UnknownGroupWrongCode => {
            api.call(GET_ATTR, json!({"GroupId": "missing"}))
                .await
                .code()
                == 10010
        }
        Fault::DeleteMissingKeySucceeds => {
            let g = api.group("Public").await;
            api.attr_op("delete_group_attr", &g, Some(keys(&["absent"])))
                .await
                .code()
                == 10050
        }
        Fault::UnsetAttrNameAccepted => {
            api.import("u1").await;
            let body = json!({"UserAttrs": [{"To_Account": "u1", "Attrs": {"never-set": "xy"}}]});
            api.call("timpush/set_attr", body).await.code() == 90033
        }
        Fault::AvchatroomRefused => {
            let g = api.group("AVChatRoom").await;
            api.modify(&g, kv(&[("a", "1")])).await.ok()
        }
        Fault::CommunityClearAllowed => {
            let g = api.group("Community").await;
            api.attr_op("clear_group_attr", &g, None).await.code() == 10007
        }
        Fault::CommunityModifyRefused => {
            let g = api.group("Community").await;
            api.modify(&g, kv(&[("a", "1")])).await.ok()
        }
        Fault::SetMergesInsteadOfReplacing => {
            let g = api.group("Public").await;
            assert!(api.modify(&g, kv(&[("a", "1")])).await.ok());
            assert!(
                api.attr_op("set_group_attr", &g, Some(kv(&[("b", "2")])))
                    .await
                    .ok()
            );
            api.attrs(&g).await == [("b".to_owned(), "2".to_owned())]
        }
        Fault::ClearLeavesOneKey => {
            let g = api.group("Public").await;
            assert!(api.modify(&g, kv(&[("a", "1"), ("b", "2")])).await.ok());
            assert!(api.attr_op("clear_group_attr", &g, None).await.ok());
            api.attrs(&g).await.is_empty()
        }
        Fault::DeleteRemovesAllKeys => {
            let g = api.group("Public").await;
            assert!(api.modify(&g, kv(&[("a", "1"), ("b", "2")])).await.ok());
            assert!(
                api.attr_op("delete_group_attr", &g, Some(keys(&["a"])))
                    .await
                    .ok()
            );
            api.attrs(&g).await == [("b".to_owned(), "2".to_owned())]
        }
        Fault::ModifyReplacesAll => {
            let g = api.group("Public").await;
            assert!(api.modify(&g, kv(&[("a", "1")])).await.ok());
            assert!(api.modify(&g, kv(&[("b", "2")])).await.ok());
            api.attrs(&g).await.len() == 2
        }
        Fault::KeysCaseInsensitive => {
            let g = api.group("Public").await;
            assert!(api.modify(&g, kv(&[("Seat", "1")])).await.ok());
            assert!(api.modify(&g, kv(&[("seat", "2")])).await.ok());
            api.attrs(&g).await.len() == 2
        }
        Fault::DestroyedGroupKeepsAttrs => {
            let g = api.group("Public").await;
            assert!(api.modify(&g, kv(&[("a", "1")])).await.ok());
            assert!(
                api.call("group_open_http_svc/destroy_group", json!({"GroupId": g}))
                    .await
                    .ok()
            );
            api.call(GET_ATTR, json!({"GroupId": g})).await.code() == 10010
        }
        Fault::GroupAttrFieldRenamed => {
            let g = api.group("Public").await;
            assert!(api.modify(&g, kv(&[("a", "1")])).await.ok());
            api.call(GET_ATTR, json!({"GroupId": g})).await.json["GroupAttrAry"].is_array()
        }
        Fault::ErrorListMissing => {
            let a = api
                .call("timpush/get_attr", json!({"To_Account": ["ghost"]}))
                .await;
            a.json["ErrorList"][0]["To_Account"] == "ghost"
        }
        Fault::ErrorListWrongCode => {
            let a = api
                .call(
                    "all_member_push/im_get_attr",
                    json!({"To_Account": ["ghost"]}),
                )
                .await;
            a.json["ErrorList"][0]["ErrorCode"] == 70107
        }
        Fault::NoWriteRateLimit | Fault::WriteRateLimitTen => {
            let g = api.group("Public").await;
            let mut codes = Vec::new();
            for i in 0..6 {
                codes.push(api.modify(&g, kv(&[("k", &i.to_string())])).await.code());
            }
            codes == [0, 0, 0, 0, 0, 10049]
        }
        Fault::ReadsCountAsWrites => {
            let g = api.group("Public").await;
            let mut codes = Vec::new();
            for _ in 0..5 {
                codes.push(api.call(GET_ATTR, json!({"GroupId": g})).await.code());
            }
            for i in 0..5 {
                codes.push(api.modify(&g, kv(&[("k", &i.to_string())])).await.code());
            }
            codes == [0; 10]
        }
        Fault::WriteLimitPerApp => {
            let (g, h) = (api.group("Public").await, api.group("Public").await);
            let mut codes = Vec::new();
            for group in [&h, &g] {
                for i in 0..5 {
                    codes.push(api.modify(group, kv(&[("k", &i.to_string())])).await.code());
                }
            }
            codes == [0; 10]
        }
        Fault::WriteLimitPerApi => {
            let g = api.group("Public").await;
            let mut codes = Vec::new();
            for i in 0..4 {
                codes.push(api.modify(&g, kv(&[("k", &i.to_string())])).await.code());
            }
            let set = api.attr_op("set_group_attr", &g, Some(kv(&[("k", "s")])));
            codes.push(set.await.code());
            codes.push(api.modify(&g, kv(&[("k", "last")])).await.code());
            codes == [0, 0, 0, 0, 0, 10049]
        }
    }
}

#[tokio::test]
async fn every_fault_is_caught_by_its_probe() {
    let mut failures = Vec::new();
    for &fault in all_faults() {
        let faithful = Api::start(config(Vec::new())).await;
        if !probe(fault, &faithful).await {
            failures.push(format!("{}: probe fails without the fault", fault.name()));
        }
        let faulty = Api::start(config(vec![fault])).await;
        if probe(fault, &faulty).await {
            failures.push(format!(
                "{}: fault changes nothing the probe sees",
                fault.name()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn faults_leave_other_probes_faithful() {
    // A fault must switch only its own behaviour: every other probe stays faithful with it on.
    // The two rate faults share one probe, so they are exempt from each other.
    let mut failures = Vec::new();
    for &fault in all_faults() {
        for &other in all_faults() {
            let shared = OVERLAPS.contains(&(fault, other));
            if fault == other || shared || is_envelope(fault) {
                continue;
            }
            let api = Api::start(config(vec![fault])).await;
            if !probe(other, &api).await {
                failures.push(format!(
                    "{} breaks the probe of {}",
                    fault.name(),
                    other.name()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Pairs whose probes legitimately overlap: the first fault changes something the second's
/// probe also reads.
const OVERLAPS: &[(Fault, Fault)] = &[
    // The two rate faults share one probe.
    (Fault::NoWriteRateLimit, Fault::WriteRateLimitTen),
    (Fault::WriteRateLimitTen, Fault::NoWriteRateLimit),
    // An over-long key is both "limit" and "wrong code" territory.
    (Fault::LongKeyWrongCode, Fault::KeyLimitOffByOne),
    (Fault::LongKeyWrongCode, Fault::KeyLengthInChars),
    // An 11-character CJK key is 33 bytes, which the off-by-one limit accepts.
    (Fault::KeyLimitOffByOne, Fault::KeyLengthInChars),
    // A destroyed group is an unknown group.
    (
        Fault::UnknownGroupWrongCode,
        Fault::DestroyedGroupKeepsAttrs,
    ),
    // The case probe writes its two keys with two modifies.
    (Fault::ModifyReplacesAll, Fault::KeysCaseInsensitive),
    // State probes read the list through GroupAttrAry.
    (
        Fault::GroupAttrFieldRenamed,
        Fault::SetMergesInsteadOfReplacing,
    ),
    (Fault::GroupAttrFieldRenamed, Fault::DeleteRemovesAllKeys),
    (Fault::GroupAttrFieldRenamed, Fault::ModifyReplacesAll),
    (Fault::GroupAttrFieldRenamed, Fault::KeysCaseInsensitive),
    (Fault::GroupAttrFieldRenamed, Fault::ClearLeavesOneKey),
    // No ErrorList, no ErrorList code to read.
    (Fault::ErrorListMissing, Fault::ErrorListWrongCode),
    // Without the limit (or with 10 a second) the shared bucket never fills.
    (Fault::NoWriteRateLimit, Fault::WriteLimitPerApi),
    (Fault::WriteRateLimitTen, Fault::WriteLimitPerApi),
    // A sig accepted whatever its age is accepted 10 s after expiry too.
    (Fault::ExpiredSigAccepted, Fault::ExpiredSigGrace),
    // The read-back goes through GroupAttrAry.
    (Fault::GroupAttrFieldRenamed, Fault::StoredAtMaxTruncated),
];

/// Envelope faults change every error response, so every probe that reads one sees them.
fn is_envelope(fault: Fault) -> bool {
    matches!(
        fault,
        Fault::OkStatusOnError
            | Fault::ErrorCodeAsString
            | Fault::Http500OnError
            | Fault::ErrorInfoMissing
            | Fault::NonJsonErrorBody
            | Fault::WrongContentType
    )
}

#[tokio::test]
async fn fault_names_parse_and_list() {
    assert!(all_faults().len() >= 32);
    for f in all_faults() {
        assert_eq!(f.name().parse::<Fault>().unwrap(), *f);
        println!("{}\t{}", f.name(), f.description());
    }
    let err = "nope".parse::<Fault>().unwrap_err().to_string();
    assert!(err.contains("key-limit-off-by-one") && err.contains("no-write-rate-limit"));
}
