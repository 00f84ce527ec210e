//! `latency`: the emulator answers each request that much later, as a distant target would.

#[path = "emulator_support/mod.rs"]
mod emulator_support;

use std::time::{Duration, Instant};

use emulator_support::Api;
use imconform::emulator::EmulatorConfig;
use serde_json::json;

#[tokio::test]
async fn every_answer_comes_a_round_trip_late() {
    let api = Api::start(EmulatorConfig {
        latency: Duration::from_millis(150),
        ..EmulatorConfig::default()
    })
    .await;
    for body in [
        json!({"CheckItem": [{"UserID": "nobody"}]}),
        json!("not an object"),
    ] {
        let started = Instant::now();
        let answer = api.call("im_open_login_svc/account_check", body).await;
        let took = started.elapsed();
        assert_eq!(answer.status, 200, "{answer:?}");
        assert!(
            took >= Duration::from_millis(150),
            "answered after {took:?}"
        );
    }
}
