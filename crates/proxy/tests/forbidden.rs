//! The likeliest mistake of a first deployment: a worker whose role does not reach the users. PingOne answers 403;
//! the proxy says so as its own error (never "unavailable"), `/readyz` reports it from what it last saw, and the log
//! names the likely cause.

use mfa_enroll_proxy::{Config, Proxy};
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::Control;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_refused_by_pingone_is_its_own_error_in_answers_readiness_and_logs() {
    let captured = testkit::Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt().json().with_writer(move || writer.clone()).init();
    let clock = mfa_enroll_proxy::Clock::set_at(std::time::UNIX_EPOCH + std::time::Duration::from_secs(3600 * 500_000));
    let proxy = Proxy::start(Config { clock: clock.clone(), ..Config::default() }).await.expect("the proxy starts");
    let simulator = Control::at(proxy.simulator_url().expect("embedded"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(proxy.serve(listener, std::future::pending()));
    let http = reqwest::Client::new();
    let ready = async || http.get(format!("{base}/readyz")).send().await.expect("answer").status();
    let list = async || testkit::send(http.get(format!("{base}/api/devices"))).await;

    assert_eq!(list().await.status, StatusCode::OK);
    assert_eq!(ready().await, StatusCode::OK);
    simulator.put("access", json!({ "workerLacksRole": true })).await;
    let refused = list().await;
    assert_eq!(refused.status, StatusCode::BAD_GATEWAY);
    assert_eq!(refused.body["code"], "UPSTREAM_FORBIDDEN", "not UPSTREAM_UNAVAILABLE: {}", refused.body);
    assert_eq!(ready().await, StatusCode::SERVICE_UNAVAILABLE, "from the last answer, without asking PingOne");
    let requests = simulator.requests().await.len();
    ready().await;
    assert_eq!(simulator.requests().await.len(), requests, "/readyz asks PingOne nothing");

    let logs = captured.text();
    let refusal: Vec<Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "PingOne refused the worker (403)")
        .collect();
    assert_eq!(refusal.len(), 1, "{logs}");
    let cause = refusal[0]["fields"]["cause"].as_str().expect("a cause");
    assert!(cause.contains("Identity Data Admin") && cause.contains("population"), "{cause}");
    assert_eq!(refusal[0]["fields"]["detail"], "INSUFFICIENT_PERMISSIONS");

    // A 403 for one person outside the worker's population does not keep the proxy out of service for long.
    clock.advance(std::time::Duration::from_secs(59));
    assert_eq!(ready().await, StatusCode::SERVICE_UNAVAILABLE);
    clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(ready().await, StatusCode::OK, "reported for a minute");
    list().await;
    assert_eq!(ready().await, StatusCode::SERVICE_UNAVAILABLE, "and again at the next 403");

    simulator.put("access", json!({})).await;
    assert_eq!(list().await.status, StatusCode::OK);
    assert_eq!(ready().await, StatusCode::OK, "ready again after a call that PingOne accepts");
}
