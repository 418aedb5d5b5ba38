//! The worker token against a token endpoint that fails or hands out short-lived tokens: one refresh at a time,
//! its failure shared for a back-off, readiness from the last known state, and a margin that fits the lifetime.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

mod support;

use axum::response::IntoResponse;
use mfa_enroll_proxy::{Config, Gateway, Identity, PingOne, Upstream};
use reqwest::StatusCode;
use serde_json::json;

const SECRET: &str = "a-gateway-secret-of-at-least-32-characters";
const USER: &str = "5f0c6c2e-5d8c-4c69-9d5a-2d3b1c0e7a11";

/// A token endpoint on 127.0.0.1 that answers every request with a 503 after `delay`, and counts them.
async fn failing_token_endpoint(delay: Duration) -> (String, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let counted = asked.clone();
    let app = axum::Router::new().route(
        "/env/as/token",
        axum::routing::post(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::time::sleep(delay).await;
                (axum::http::StatusCode::SERVICE_UNAVAILABLE, "down for maintenance")
            }
        }),
    );
    let base = serve(app).await;
    (base, asked)
}

/// Serves `app` on a loopback port as a stand-in for PingOne; returns its base URL.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// A proxy, as a gateway's user, in front of the PingOne at `base` (environment `env`).
async fn proxy_before(base: &str) -> support::Running {
    let upstream = Upstream::PingOne(PingOne {
        api_url: format!("{base}/v1"),
        auth_url: base.to_owned(),
        environment_id: "env".into(),
        client_id: "worker".into(),
        client_secret: "secret".to_owned().into(),
        ..PingOne::default()
    });
    support::start(Config { upstream, identity: gateway(), ..Config::default() }).await
}

fn gateway() -> Identity {
    Identity::Header(Gateway {
        user_header: "x-user".into(),
        secret_header: "x-gateway-secret".into(),
        secret: SECRET.to_owned().into(),
        secret_file: None,
    })
}

#[tokio::test]
async fn a_failing_token_endpoint_is_asked_once_however_many_wait_and_probe() {
    let (base, asked) = failing_token_endpoint(Duration::from_millis(200)).await;
    let proxy = proxy_before(&base).await;
    // Twenty people arrive while the start's own refresh waits on the slow endpoint: they wait for it, once.
    let lists: Vec<_> = (0..20)
        .map(|_| {
            let request = proxy.http.get(format!("{}/api/devices", proxy.base));
            tokio::spawn(request.header("x-user", USER).header("x-gateway-secret", SECRET).send())
        })
        .collect();
    for list in lists {
        let answer = list.await.expect("the task").expect("an answer");
        assert_eq!(answer.status(), StatusCode::BAD_GATEWAY);
    }
    let after_start = asked.load(Ordering::SeqCst);
    assert!((1..=3).contains(&after_start), "one refresh, with its retries, for all of them: {after_start}");
    let ready = || async { proxy.http.get(format!("{}/readyz", proxy.base)).send().await.expect("answer") };
    for _ in 0..50 {
        assert_eq!(ready().await.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(
        asked.load(Ordering::SeqCst),
        after_start,
        "twenty waiting requests and fifty probes within the back-off asked the failing endpoint nothing more"
    );
}

#[tokio::test]
async fn a_token_that_lives_less_than_the_margin_still_serves_many_requests() {
    let proxy = support::start(Config::default()).await;
    // Tokens of 30 s, half of the usual one-minute margin: without a margin that fits, each call fetched one.
    proxy.simulator().put("faults", json!({ "tokenLifetimeSeconds": 30 })).await;
    proxy.simulator().delete("tokens").await;
    for _ in 0..10 {
        assert_eq!(proxy.list().await.0, StatusCode::OK);
    }
    let metrics = proxy.http.get(format!("{}/metrics", proxy.base)).send().await.expect("answer");
    let metrics = metrics.text().await.expect("text");
    let refreshes: u32 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("mfa_proxy_token_refreshes_total "))
        .and_then(|count| count.parse().ok())
        .expect("a refresh count");
    assert!(refreshes <= 3, "the start's token, the one after the revocation, and no more: {refreshes}");
}

/// A PingOne on 127.0.0.1 whose tokens live `lifetime_seconds` and whose second and later token requests wait until
/// the test lets them go; its device list is always empty.
async fn held_token_endpoint(lifetime_seconds: u64) -> (String, Arc<tokio::sync::Semaphore>) {
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let asked = Arc::new(AtomicUsize::new(0));
    let held = release.clone();
    let app = axum::Router::new()
        .route(
            "/env/as/token",
            axum::routing::post(move || {
                let (asked, held) = (asked.clone(), held.clone());
                async move {
                    if asked.fetch_add(1, Ordering::SeqCst) > 0 {
                        held.acquire().await.expect("open").forget();
                    }
                    axum::Json(json!({ "access_token": "t", "token_type": "Bearer", "expires_in": lifetime_seconds }))
                }
            }),
        )
        .route(
            "/v1/environments/env/users/{user}/devices",
            axum::routing::get(|| async { axum::Json(json!({ "_embedded": { "devices": [] } })) }),
        );
    let base = serve(app).await;
    (base, release)
}

#[tokio::test]
async fn a_token_that_has_not_expired_serves_while_its_refresh_is_slow() {
    // Tokens of 4 s are refreshed after 2 s; the refresh then hangs until the test lets it go.
    let (base, release) = held_token_endpoint(4).await;
    let proxy = proxy_before(&base).await;
    let list = || {
        proxy.http.get(format!("{}/api/devices", proxy.base)).header("x-user", USER).header("x-gateway-secret", SECRET)
    };
    assert_eq!(list().send().await.expect("an answer").status(), StatusCode::OK, "the first token");
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let refreshing = tokio::spawn(list().send());
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..5 {
        let served = tokio::time::timeout(Duration::from_secs(1), list().send()).await;
        let served = served.expect("served at once, not after the refresh").expect("an answer");
        assert_eq!(served.status(), StatusCode::OK);
    }
    assert!(!refreshing.is_finished(), "the refresh is still held");
    release.add_permits(1);
    assert_eq!(refreshing.await.expect("the task").expect("an answer").status(), StatusCode::OK);
}

#[tokio::test]
async fn a_token_that_has_not_expired_serves_after_its_refresh_failed() {
    // Tokens of 6 s are refreshed after 3 s; every refresh after the first fails.
    let asked = Arc::new(AtomicUsize::new(0));
    let counted = asked.clone();
    let app = axum::Router::new()
        .route(
            "/env/as/token",
            axum::routing::post(move || {
                let first = counted.fetch_add(1, Ordering::SeqCst) == 0;
                async move {
                    match first {
                        true => axum::Json(json!({ "access_token": "t", "token_type": "Bearer", "expires_in": 6 }))
                            .into_response(),
                        false => axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
                    }
                }
            }),
        )
        .route(
            "/v1/environments/env/users/{user}/devices",
            axum::routing::get(|| async { axum::Json(json!({ "_embedded": { "devices": [] } })) }),
        );
    let base = serve(app).await;
    let proxy = proxy_before(&base).await;
    let list = || {
        let request = proxy.http.get(format!("{}/api/devices", proxy.base));
        request.header("x-user", USER).header("x-gateway-secret", SECRET).send()
    };
    assert_eq!(list().await.expect("an answer").status(), StatusCode::OK, "the first token");
    tokio::time::sleep(Duration::from_millis(3300)).await;
    for _ in 0..5 {
        assert_eq!(list().await.expect("an answer").status(), StatusCode::OK, "the token has 2 s left");
    }
    assert!(asked.load(Ordering::SeqCst) > 1, "a refresh was tried, and failed");
}
