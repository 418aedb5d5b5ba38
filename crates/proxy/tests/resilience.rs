//! The proxy against an upstream that misbehaves, through the simulator's fault injection: 500s, dropped
//! connections, answers slower than the timeout, tokens that end early, and request limits.

use std::time::Duration;

mod support;

use mfa_enroll_proxy::{Config, Timeouts};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::Running;

async fn start(config: Config) -> Running {
    let running = support::start(config).await;
    // The first request fetches the worker token, so that faults set afterwards hit device calls.
    assert_eq!(running.list().await.0, StatusCode::OK);
    running
}

/// How many devices the demo user has, read with the faults cleared.
async fn device_count(proxy: &Running) -> usize {
    proxy.simulator().put("faults", json!({})).await;
    proxy.list().await.1["_embedded"]["devices"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn reads_are_retried_through_passing_5xx() {
    let proxy = start(Config::default()).await;
    proxy.simulator().put("faults", json!({ "failNext": 2 })).await;
    let (status, list, _) = proxy.list().await;
    assert_eq!(status, StatusCode::OK, "the third attempt succeeds: {list}");
}

#[tokio::test]
async fn a_create_is_never_retried_blindly() {
    let proxy = start(Config::default()).await;
    proxy.simulator().put("faults", json!({ "failNext": 1 })).await;
    let created = proxy
        .http
        .post(format!("{}/api/devices", proxy.base))
        .json(&json!({ "type": "TOTP" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(created.status(), StatusCode::BAD_GATEWAY);
    let body: Value = created.json().await.expect("JSON");
    assert_eq!(body["code"], "UPSTREAM_UNAVAILABLE");
    assert_eq!(device_count(&proxy).await, 0, "the create was sent once and failed once");
}

#[tokio::test]
async fn an_upstream_that_keeps_failing_is_a_502() {
    let proxy = start(Config::default()).await;
    proxy.simulator().put("faults", json!({ "errorRate": 1.0 })).await;
    let (status, body, _) = proxy.list().await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_GATEWAY, Some("UPSTREAM_UNAVAILABLE")));
    proxy.simulator().put("faults", json!({ "dropRate": 1.0 })).await;
    let (status, body, _) = proxy.list().await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_GATEWAY, Some("UPSTREAM_UNAVAILABLE")));
}

#[tokio::test]
async fn an_upstream_slower_than_the_timeout_is_a_504() {
    let timeouts = Timeouts { connect: Duration::from_secs(1), total: Duration::from_millis(300) };
    let proxy = start(Config { timeouts, ..Config::default() }).await;
    proxy.simulator().put("faults", json!({ "latencyMs": 1000 })).await;
    let (status, body, _) = proxy.list().await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::GATEWAY_TIMEOUT, Some("UPSTREAM_UNAVAILABLE")));
}

#[tokio::test]
async fn a_token_that_ends_early_is_replaced_mid_run() {
    let proxy = start(Config::default()).await;
    assert_eq!(proxy.simulator().delete("tokens").await.status, StatusCode::NO_CONTENT);
    let created = proxy
        .http
        .post(format!("{}/api/devices", proxy.base))
        .json(&json!({ "type": "TOTP" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(created.status(), StatusCode::CREATED, "a 401 means nothing was done, so even a create goes again");
    assert_eq!(device_count(&proxy).await, 1);
}

#[tokio::test]
async fn an_upstream_429_passes_through_with_retry_after() {
    let proxy = start(Config::default()).await;
    proxy.simulator().put("faults", json!({ "requestsPerSecond": 1 })).await;
    let mut limited = None;
    for _ in 0..5 {
        let (status, body, retry_after) = proxy.list().await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((body, retry_after));
        }
    }
    let (body, retry_after) = limited.expect("a request was limited");
    assert_eq!(body["code"], "REQUEST_LIMITED");
    assert_eq!(retry_after.as_deref(), Some("1"));
}

#[tokio::test]
async fn paid_messages_and_code_guesses_are_rate_limited() {
    use mfa_enroll_proxy::{Limits, Rate};
    let strict = Rate { per_user: 1, per_address: 100, window: Duration::from_secs(3600) };
    let limits = Limits { create_phone: strict, activate: Rate { per_user: 2, ..strict }, ..Limits::default() };
    let proxy = start(Config { limits, clock: support::standing_clock(), ..Config::default() }).await;
    let create = |body: Value| proxy.http.post(format!("{}/api/devices", proxy.base)).json(&body).send();

    let first = create(json!({ "type": "SMS", "phone": "+15125201234" })).await.expect("answer");
    assert_eq!(first.status(), StatusCode::CREATED);
    let second = create(json!({ "type": "VOICE", "phone": "+15125201234" })).await.expect("answer");
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = second.headers()["retry-after"].to_str().expect("ASCII").parse().expect("seconds");
    assert!((1..=3600).contains(&retry_after));
    let body: Value = second.json().await.expect("JSON");
    assert_eq!(body["code"], "REQUEST_LIMITED");
    assert_eq!(proxy.simulator().outbox(None).await.len(), 1, "the limited create sent no message");
    assert_eq!(
        create(json!({ "type": "TOTP" })).await.expect("answer").status(),
        StatusCode::CREATED,
        "a free create is counted apart"
    );

    let sms: Value = first.json().await.expect("JSON");
    let activate = || {
        proxy
            .http
            .post(format!("{}/api/devices/{}", proxy.base, sms["id"].as_str().expect("id")))
            .header("Content-Type", "application/vnd.pingidentity.device.activate+json")
            .body(r#"{"otp":"000000"}"#)
            .send()
    };
    assert_eq!(activate().await.expect("answer").status(), StatusCode::BAD_REQUEST);
    assert_eq!(activate().await.expect("answer").status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        activate().await.expect("answer").status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the third guess is not sent"
    );
    let metrics = proxy.http.get(format!("{}/metrics", proxy.base)).send().await.expect("answer");
    let metrics = metrics.text().await.expect("text");
    for action in ["CreatePhone", "Activate"] {
        let line = format!(r#"mfa_proxy_limit_hits_total{{action="{action}"}} 1"#);
        assert!(metrics.contains(&line), "{line} in {metrics}");
    }
}

#[tokio::test]
async fn the_address_limit_believes_x_forwarded_for_only_from_a_trusted_proxy() {
    use mfa_enroll_proxy::{Limits, Rate};
    let per_address = Rate { per_user: 100, per_address: 1, window: Duration::from_secs(3600) };
    let limits = Limits { create: per_address, ..Limits::default() };
    let create = |proxy: &Running, forwarded_for: &'static str| {
        proxy
            .http
            .post(format!("{}/api/devices", proxy.base))
            .header("X-Forwarded-For", forwarded_for)
            .json(&json!({ "type": "TOTP" }))
            .send()
    };

    let trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
    let behind_balancer =
        start(Config { limits, trusted_proxies, clock: support::standing_clock(), ..Config::default() }).await;
    assert_eq!(create(&behind_balancer, "192.0.2.1").await.expect("answer").status(), StatusCode::CREATED);
    assert_eq!(
        create(&behind_balancer, "192.0.2.2").await.expect("answer").status(),
        StatusCode::CREATED,
        "another client"
    );
    assert_eq!(create(&behind_balancer, "192.0.2.1").await.expect("answer").status(), StatusCode::TOO_MANY_REQUESTS);

    let exposed = start(Config { limits, clock: support::standing_clock(), ..Config::default() }).await;
    assert_eq!(create(&exposed, "192.0.2.1").await.expect("answer").status(), StatusCode::CREATED);
    let forged = create(&exposed, "192.0.2.2").await.expect("answer");
    assert_eq!(
        forged.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a client cannot escape its limit by naming another address"
    );
}

#[tokio::test]
async fn one_persons_flood_of_reads_and_changes_spends_only_their_own_allowance() {
    use mfa_enroll_proxy::{Gateway, Identity, Limits, Rate};
    const SECRET: &str = "a-gateway-secret-of-at-least-32-characters";
    let info = support::standalone_simulator().await;
    let simulator = testkit::Control::at(&info.auth_url);
    let (flooder, neighbour) =
        (simulator.new_user("flood@example.com").await, simulator.new_user("bo@example.com").await);
    let three = Rate { per_user: 3, per_address: 100, window: Duration::from_secs(3600) };
    let config = Config {
        upstream: support::upstream(&info, mfa_enroll_proxy::TokenAuth::Basic),
        identity: Identity::Header(Gateway {
            user_header: "x-user".into(),
            secret_header: "x-gateway-secret".into(),
            secret: SECRET.to_owned().into(),
            secret_file: None,
        }),
        limits: Limits { read: three, change: three, ..Limits::default() },
        clock: support::standing_clock(),
        ..Config::default()
    };
    let proxy = support::start(config).await;
    let as_user = |request: reqwest::RequestBuilder, user: &str| {
        request.header("x-user", user).header("x-gateway-secret", SECRET).send()
    };
    let list = |user: String| as_user(proxy.http.get(format!("{}/api/devices", proxy.base)), &user);
    let config_of = |user: String| as_user(proxy.http.get(format!("{}/api/config", proxy.base)), &user);
    assert_eq!(list(flooder.clone()).await.expect("answer").status(), StatusCode::OK);
    assert_eq!(config_of(flooder.clone()).await.expect("answer").status(), StatusCode::OK);
    assert_eq!(list(flooder.clone()).await.expect("answer").status(), StatusCode::OK);
    let limited = list(flooder.clone()).await.expect("answer");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "the fourth read of the window");
    assert!(limited.headers().contains_key("retry-after"));
    for _ in 0..3 {
        assert_eq!(list(neighbour.clone()).await.expect("answer").status(), StatusCode::OK, "the neighbour reads on");
    }

    let unknown = "1c41a471-3195-4edf-90fd-f9283028ab1a";
    let delete = |user: String| as_user(proxy.http.delete(format!("{}/api/devices/{unknown}", proxy.base)), &user);
    for _ in 0..3 {
        assert_eq!(delete(flooder.clone()).await.expect("answer").status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(delete(flooder.clone()).await.expect("answer").status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(delete(neighbour.clone()).await.expect("answer").status(), StatusCode::NOT_FOUND, "counted apart");
}

#[tokio::test]
async fn what_pingone_failed_to_do_spends_no_ones_allowance() {
    use mfa_enroll_proxy::{Limits, Rate};
    let three = Rate { per_user: 3, per_address: 100, window: Duration::from_secs(3600) };
    let limits = Limits { create_phone: three, ..Limits::default() };
    let proxy = start(Config { limits, clock: support::standing_clock(), ..Config::default() }).await;
    let sms = json!({ "type": "SMS", "phone": "+15125201234" });
    // PingOne answers three creates with a 500, and sends nothing; the lists read after each to find what it made
    // fail too.
    proxy.simulator().put("faults", json!({ "errorRate": 1.0 })).await;
    for _ in 0..3 {
        assert_eq!(proxy.create(sms.clone()).await.0, StatusCode::BAD_GATEWAY);
    }
    assert!(proxy.simulator().outbox(None).await.is_empty(), "no message was sent");
    proxy.simulator().put("faults", json!({})).await;
    for attempt in 1..=3 {
        let (status, body) = proxy.create(sms.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "create {attempt} with PingOne healthy again: {body}");
    }
    assert_eq!(proxy.create(sms).await.0, StatusCode::TOO_MANY_REQUESTS, "three were carried out: the limit holds");
}
