//! Shared helpers for the emulator end-to-end tests: start an emulator on 127.0.0.1:0 and call
//! it with signed requests.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use imconform::auth::usersig::{SecretKey, SigClaims, sign};
use imconform::emulator::{EmulatorConfig, EmulatorHandle, Fault, start};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A config without rate limits, so tests are not paced by the clock unless they want to be.
pub fn unlimited() -> EmulatorConfig {
    EmulatorConfig {
        api_rate_limits: false,
        write_rate_limit: false,
        ..EmulatorConfig::default()
    }
}

pub fn with_faults(faults: &[Fault]) -> EmulatorConfig {
    EmulatorConfig {
        faults: faults.to_vec(),
        ..unlimited()
    }
}

/// A running emulator plus a client signed as its admin.
pub struct Api {
    pub handle: EmulatorHandle,
    pub client: reqwest::Client,
    pub key: SecretKey,
    pub sdkappid: u64,
    pub sig: String,
}

/// The response as the tests look at it.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub fn code(&self) -> i64 {
        self.json["ErrorCode"].as_i64().unwrap_or(-1)
    }

    pub fn ok(&self) -> bool {
        self.json["ActionStatus"] == "OK" && self.json["ErrorCode"] == 0
    }
}

impl Api {
    pub async fn start(config: EmulatorConfig) -> Api {
        let key = config.key.clone();
        let sdkappid = config.sdkappid;
        let handle = start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let sig = sign(
            &key,
            &SigClaims::new(sdkappid, "administrator", now(), 86400),
        );
        Api {
            handle,
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
            key,
            sdkappid,
            sig,
        }
    }

    pub fn query(&self) -> String {
        format!(
            "sdkappid={}&identifier=administrator&usersig={}&random=12345&contenttype=json",
            self.sdkappid, self.sig
        )
    }

    /// POSTs `body` to `/v4/{path}` with a valid query and no Content-Type header.
    pub async fn call(&self, path: &str, body: Value) -> Answer {
        self.raw("POST", path, &self.query(), body.to_string().into_bytes())
            .await
    }

    pub async fn raw(&self, method: &str, path: &str, query: &str, body: Vec<u8>) -> Answer {
        let url = format!("{}/v4/{path}?{query}", self.handle.base_url());
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = self
            .client
            .request(method, url)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            content_type,
            text,
            json,
        }
    }

    pub async fn import(&self, user: &str) {
        let a = self
            .call("im_open_login_svc/account_import", json!({"UserID": user}))
            .await;
        assert!(a.ok(), "{a:?}");
    }

    /// Creates a group of `group_type` and returns its ID.
    pub async fn group(&self, group_type: &str) -> String {
        let a = self
            .call(
                "group_open_http_svc/create_group",
                json!({"Type": group_type, "Name": "test"}),
            )
            .await;
        assert!(a.ok(), "{a:?}");
        a.json["GroupId"].as_str().unwrap().to_owned()
    }

    pub async fn modify(&self, group: &str, attrs: Value) -> Answer {
        self.call(
            "group_open_http_svc/modify_group_attr",
            json!({"GroupId": group, "GroupAttr": attrs}),
        )
        .await
    }

    pub async fn attr_op(&self, command: &str, group: &str, attrs: Option<Value>) -> Answer {
        let mut body = json!({"GroupId": group});
        if let Some(attrs) = attrs {
            body["GroupAttr"] = attrs;
        }
        self.call(&format!("group_open_http_svc/{command}"), body)
            .await
    }

    /// The group's attributes as (key, value) pairs, in the order answered.
    pub async fn attrs(&self, group: &str) -> Vec<(String, String)> {
        let a = self
            .call(
                "group_open_attr_http_svc/get_group_attr",
                json!({"GroupId": group}),
            )
            .await;
        assert!(a.ok(), "{a:?}");
        a.json["GroupAttrAry"]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|e| {
                        (
                            e["key"].as_str().unwrap().to_owned(),
                            e["value"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub fn kv(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect(),
    )
}

pub fn keys(keys: &[&str]) -> Value {
    Value::Array(keys.iter().map(|k| json!({"key": k})).collect())
}
