//! `mfa-enroll-proxy record` against the simulator: it runs every probe with a disposable user, leaves nothing
//! behind, sends nothing, redacts what it writes, refuses a user who has devices, and records what tells each
//! variant apart; a simulator that replays a recording as variants answers the probes with the same statuses and
//! shapes (the conformance check that a real tenant's recording, kept in `crates/simulator/fixtures/recordings/`,
//! also gets).

mod support;

use devices_api::recording::Recording;
use std::time::Duration;

use mfa_enroll_proxy::record::{Probes, record};
use mfa_enroll_proxy::{Config, TokenAuth};
use pingone_simulator::StartupInfo;
use pingone_simulator::settings::Variants;
use serde_json::{Value, json};
use testkit::Control;

async fn simulator(variants: Variants) -> (StartupInfo, Control, String) {
    let info = support::standalone_simulator().await;
    let control = Control::at(&info.auth_url);
    control.put("variants", serde_json::to_value(variants).expect("JSON")).await;
    let user = control.new_user("disposable@example.com").await;
    (info, control, user)
}

fn config(info: &StartupInfo) -> Config {
    Config { upstream: support::upstream(info, TokenAuth::Basic), ..Config::default() }
}

/// Each leaf replaced by its JSON type, each list by its first item's shape: what must match, values aside.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.iter().map(|(key, value)| (key.clone(), shape(value))).collect()),
        Value::Array(items) => Value::Array(items.first().map(shape).into_iter().collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => Value::Null,
    }
}

/// Whether the simulator, answering as `recording` says, gives the same statuses and shapes to the same probes.
async fn replays(recording: &Recording) {
    let (info, control, user) = simulator(Variants::from_recording(recording)).await;
    // The same probes as the recording's (but the 403's, which needs a second worker application).
    let probes = Probes {
        wait: recording.probe("time").next().map(|_| Duration::from_secs(31 * 60)),
        trip_rate_limit: recording.probe("rate limit").next().is_some(),
        ..Probes::default()
    };
    let move_clock = async |waited: Duration| {
        control.put("clock", json!({ "offsetSeconds": waited.as_secs() })).await;
    };
    let again = record(&config(&info), &user, &probes, move_clock).await.expect("recorded again");
    let recorded: Vec<_> = recording.exchanges.iter().filter(|exchange| exchange.probe != "forbidden").collect();
    assert_eq!(recorded.len(), again.exchanges.len(), "the same probes, the same number of requests");
    let pairs = recorded.into_iter();
    for (recorded, replayed) in pairs.zip(&again.exchanges) {
        let at = format!("{} {} {}", recorded.probe, recorded.method, recorded.path);
        assert_eq!((&recorded.method, &recorded.path), (&replayed.method, &replayed.path), "{at}");
        assert_eq!(recorded.status, replayed.status, "{at}");
        let shapes = |exchange: &devices_api::recording::Exchange| exchange.response.as_ref().map(shape);
        assert_eq!(shapes(recorded), shapes(replayed), "{at}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_probe_runs_leaves_nothing_sends_nothing_and_redacts_what_it_writes() {
    let (info, control, user) = simulator(Variants::default()).await;
    // The simulator's clock moves on instead of the recorder waiting 31 minutes.
    let move_clock = async |waited: Duration| {
        control.put("clock", json!({ "offsetSeconds": waited.as_secs() })).await;
    };
    let probes = Probes { wait: Some(Duration::from_secs(31 * 60)), trip_rate_limit: true, ..Probes::default() };
    let recording = record(&config(&info), &user, &probes, move_clock).await.expect("recorded");
    let probes: Vec<&str> = recording.exchanges.iter().map(|exchange| exchange.probe.as_str()).collect();
    let quick = ["precheck", "order", "wrong codes", "resend", "reorder", "active activation", "limit", "totp"];
    for probe in quick.into_iter().chain(["time", "rate limit", "cleanup"]) {
        assert!(probes.contains(&probe), "{probe} is missing: {probes:?}");
    }
    assert!(!probes.contains(&"forbidden"), "skipped without a second worker");
    let statuses: Vec<u16> = recording.probe("time").map(|exchange| exchange.status).collect();
    assert_eq!(statuses, [201, 201, 400, 200, 200, 400], "made, made, expired, resent, activated, app expired");
    let limited: Vec<&devices_api::recording::Exchange> = recording.probe("rate limit").collect();
    assert_eq!(limited.len(), 1, "only the 429 is kept");
    assert_eq!((limited[0].status, limited[0].retry_after.as_deref()), (429, Some("1")));
    let refusal = recording.probe("limit").find(|exchange| exchange.status == 400).expect("the limit was reached");
    assert_eq!(refusal.response.as_ref().expect("a body")["details"][0]["code"], "LIMIT_EXCEEDED");

    let left = control.get(&format!("outbox?userId={user}")).await;
    assert_eq!(left, json!([]), "testMode: nothing was sent");
    let sim = Control::at(&info.auth_url);
    let tokens = sim.get("tokens").await;
    let text = serde_json::to_string(&recording).expect("JSON");
    let mut secrets = vec![info.client_secret.clone(), user.clone(), info.environment_id.clone()];
    secrets.extend(tokens.as_array().expect("tokens").iter().filter_map(Value::as_str).map(str::to_owned));
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "{secret} is in the recording");
    }
    for leak in ["otpauth://", "@example.com", "\"secret\":\"", "\"otp\":\""] {
        let redacted = text.matches(leak).count() == text.matches(&format!("{leak}<redacted>")).count();
        assert!(!text.contains(leak) || redacted, "{leak} is in the recording");
    }
    assert!(text.contains("{userId}") && text.contains("{device1}"), "ids become placeholders");

    // Nothing left on the user: the recorder removed everything it made.
    let listed = testkit::json(
        reqwest::Client::new()
            .get(format!("{}/environments/{}/users/{user}/devices", info.api_url, info.environment_id))
            .bearer_auth(worker_token(&info).await),
    )
    .await;
    assert_eq!(listed["_embedded"]["devices"], json!([]));
    replays(&recording).await;
}

async fn worker_token(info: &StartupInfo) -> String {
    let token = testkit::json(
        reqwest::Client::new()
            .post(format!("{}/{}/as/token", info.auth_url, info.environment_id))
            .basic_auth(&info.client_id, Some(&info.client_secret))
            .form(&[("grant_type", "client_credentials")]),
    )
    .await;
    token["access_token"].as_str().expect("a token").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_with_devices_is_refused_and_nothing_is_made() {
    let (info, control, user) = simulator(Variants::default()).await;
    control.post(&format!("users/{user}/devices"), json!({ "type": "MOBILE" })).await;
    let refused = record(&config(&info), &user, &Probes::default(), async |_| {}).await.expect_err("refused");
    assert!(refused.contains("disposable user"), "{refused}");
    let made = control
        .requests()
        .await
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.contains("/devices")));
    assert_eq!(made.count(), 0, "nothing made");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_variant_is_told_apart_by_its_recording_and_replayed() {
    for (name, variants) in Variants::each() {
        let (info, _, user) = simulator(variants).await;
        let recording = record(&config(&info), &user, &Probes::default(), async |_| {}).await.expect("recorded");
        let read = Variants::from_recording(&recording);
        // Voice in the quota is not probed: placing real calls is not the recorder's to do.
        let decided = |variants: Variants| Variants { quota_counts_voice: false, ..variants };
        assert_eq!(decided(read), decided(variants), "{name}");
        replays(&recording).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_checked_in_recording_is_replayed_by_the_simulator() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../simulator/fixtures/recordings");
    let files = std::fs::read_dir(&dir).expect("the recordings folder");
    for file in files.flatten().filter(|file| file.path().extension().is_some_and(|ext| ext == "json")) {
        let text = std::fs::read_to_string(file.path()).expect("readable");
        let recording: Recording = serde_json::from_str(&text).expect("a recording");
        replays(&recording).await;
    }
}
