//! What operators and portals rely on: health, readiness and metrics; request ids; cross-origin rules for each
//! identity mode; and the frame-ancestors setting.

mod support;

use mfa_enroll_proxy::{Config, Identity, Proxy, TokenAuth};
use reqwest::StatusCode;
use serde_json::json;
use testkit::Control;

async fn start(config: Config) -> (String, Option<String>) {
    let running = support::start(config).await;
    (running.base, running.simulator)
}

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let (base, _) = start(Config::default()).await;
    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{base}/healthz")).send().await.expect("answer").status(), StatusCode::OK);
    // Ready once the worker token that the proxy fetches at start has come: `/readyz` itself fetches nothing.
    let mut ready = http.get(format!("{base}/readyz")).send().await.expect("answer").status();
    for _ in 0..200 {
        if ready == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        ready = http.get(format!("{base}/readyz")).send().await.expect("answer").status();
    }
    assert_eq!(ready, StatusCode::OK);
    let listed = http.get(format!("{base}/api/devices")).send().await.expect("answer");
    let request_id = listed.headers()["x-request-id"].to_str().expect("ASCII").to_owned();
    assert!(uuid::Uuid::try_parse(&request_id).is_ok(), "{request_id}");
    let wrong =
        http.delete(format!("{base}/api/devices/1c41a471-3195-4edf-90fd-f9283028ab1a")).send().await.expect("answer");
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);

    let metrics = http.get(format!("{base}/metrics")).send().await.expect("answer").text().await.expect("text");
    assert!(metrics.contains(r#"mfa_proxy_requests_total{route="/api/devices",status="200"} 1"#), "{metrics}");
    assert!(metrics.contains(r#"mfa_proxy_requests_total{route="/api/devices/{id}",status="404"} 1"#), "{metrics}");
    assert!(metrics.contains("mfa_proxy_token_refreshes_total 1"), "{metrics}");
    assert!(metrics.contains("mfa_proxy_upstream_seconds_count 2"), "the list and the delete: {metrics}");
    assert!(metrics.contains(r#"mfa_proxy_requests_total{route="/readyz",status="200"} 1"#), "{metrics}");
}

#[tokio::test]
async fn made_up_paths_add_no_series_and_cannot_break_a_scrape() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (base, _) = start(Config::default()).await;
    let http = reqwest::Client::new();
    for attempt in 0..100 {
        let path = format!("{base}/api/made-up-{attempt}/{}", "x".repeat(attempt * 80));
        assert_eq!(http.get(path).send().await.expect("answer").status(), StatusCode::NOT_FOUND);
    }
    // A quote in a path, sent as written: no client library would send it so.
    let mut raw = tokio::net::TcpStream::connect(base.trim_start_matches("http://")).await.expect("a connection");
    raw.write_all(b"GET /api/a\"b\"}-{ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.expect("sent");
    let mut answer = String::new();
    raw.read_to_string(&mut answer).await.expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");

    let metrics = http.get(format!("{base}/metrics")).send().await.expect("answer").text().await.expect("text");
    let series: Vec<&str> = metrics.lines().filter(|line| line.starts_with("mfa_proxy_requests_total")).collect();
    assert_eq!(series, [r#"mfa_proxy_requests_total{route="unmatched",status="404"} 101"#], "{metrics}");
    assert!(!metrics.contains("made-up") && !metrics.contains("a\"b"), "no label holds what a client typed");
    for sample in metrics.lines().filter(|line| !line.starts_with('#')) {
        let quotes = sample.matches('"').count();
        assert!(
            quotes % 2 == 0 && sample.rsplit_once(' ').is_some_and(|(_, value)| value.parse::<f64>().is_ok()),
            "a sample that does not parse: {sample}"
        );
    }
}

#[tokio::test]
async fn an_upstream_that_cannot_give_a_token_is_not_ready() {
    let config = Config {
        upstream: support::unreachable_upstream(),
        identity: Identity::Header(mfa_enroll_proxy::Gateway {
            user_header: "x-user".into(),
            secret_header: "x-secret".into(),
            secret: "0123456789abcdef0123456789abcdef".to_owned().into(),
            ..Default::default()
        }),
        ..Config::default()
    };
    let (base, _) = start(config).await;
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{base}/readyz")).send().await.expect("answer").status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(http.get(format!("{base}/healthz")).send().await.expect("answer").status(), StatusCode::OK);
    let listed = http
        .get(format!("{base}/api/devices"))
        .header("x-user", "73f13e7b-5c1d-484d-823b-f1e6f0c9a231")
        .header("x-secret", "0123456789abcdef0123456789abcdef")
        .send()
        .await
        .expect("answer");
    assert_eq!(listed.status(), StatusCode::BAD_GATEWAY, "upstream down is a 502, never a 400");
}

#[tokio::test]
async fn a_page_on_another_origin_cannot_act_for_the_person() {
    let (base, _) = start(Config::default()).await;
    let own = base.trim_start_matches("http://").to_owned();
    let http = reqwest::Client::new();
    let create = |origin: Option<String>, host: &str| {
        let request = http.post(format!("{base}/api/devices")).header("Host", host).json(&json!({ "type": "TOTP" }));
        match origin {
            Some(origin) => request.header("Origin", origin).send(),
            None => request.send(),
        }
    };
    let evil = create(Some("https://evil.example".into()), &own).await.expect("answer");
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    assert_eq!(evil.json::<serde_json::Value>().await.expect("JSON")["code"], "ACCESS_FAILED");
    assert_eq!(create(Some(base.clone()), &own).await.expect("answer").status(), StatusCode::CREATED, "its own");
    assert_eq!(create(None, &own).await.expect("answer").status(), StatusCode::CREATED, "not from a browser page");
    // A name rebound to this address brings its own Host and Origin; another scheme is another origin.
    let port = own.rsplit_once(':').expect("a port").1;
    let rebound = format!("rebound.example:{port}");
    let rebinding = create(Some(format!("http://{rebound}")), &rebound).await.expect("answer");
    assert_eq!(rebinding.status(), StatusCode::FORBIDDEN, "a DNS-rebinding-shaped request");
    let https = create(Some(format!("https://{own}")), &own).await.expect("answer");
    assert_eq!(https.status(), StatusCode::FORBIDDEN, "https against an http proxy");

    // With public origins, those and only those, named by the Host too.
    let public = vec!["https://mfa.example.com".to_owned()];
    let (base, _) = start(Config { public_origins: public, ..Config::default() }).await;
    let create = |origin: &str, host: &str| {
        let request = http.post(format!("{base}/api/devices")).header("Host", host).header("Origin", origin);
        request.json(&json!({ "type": "TOTP" })).send()
    };
    let listed = create("https://mfa.example.com", "mfa.example.com").await.expect("answer");
    assert_eq!(listed.status(), StatusCode::CREATED);
    let elsewhere = create("https://mfa.example.com", "rebound.example").await.expect("answer");
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN, "a Host that does not name it");
    let loopback = create(&base, base.trim_start_matches("http://")).await.expect("answer");
    assert_eq!(loopback.status(), StatusCode::FORBIDDEN, "loopback is the default only without public origins");
    let cross_site = http
        .post(format!("{base}/api/devices"))
        .header("Sec-Fetch-Site", "cross-site")
        .json(&json!({ "type": "TOTP" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bearer_mode_answers_cors_for_allowed_origins_only() {
    let info = support::standalone_simulator().await;
    let issuer = format!("{}/{}/as", info.auth_url, info.environment_id);
    let config = Config {
        upstream: support::upstream(&info, TokenAuth::Basic),
        identity: Identity::Bearer(mfa_enroll_proxy::Bearer {
            jwks_url: format!("{issuer}/jwks"),
            issuer,
            audience: "https://api.pingone.com".into(),
            leeway_seconds: 30,
            jwks_refetch_seconds: 30,
        }),
        public_origins: vec!["https://portal.example.com".into()],
        ..Config::default()
    };
    let (base, _) = start(config).await;
    let http = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, format!("{base}/api/devices"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .send()
    };
    let allowed = preflight("https://portal.example.com").await.expect("answer");
    assert_eq!(
        allowed.headers().get("access-control-allow-origin").map(|v| v.as_bytes()),
        Some(&b"https://portal.example.com"[..])
    );
    let refused = preflight("https://evil.example").await.expect("answer");
    assert!(refused.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn portals_that_frame_the_site_are_named_in_the_csp() {
    let (base, _) =
        start(Config { frame_ancestors: "'self' https://portal.example.com".into(), ..Config::default() }).await;
    let response = reqwest::get(format!("{base}/healthz")).await.expect("answer");
    let csp = response.headers()["content-security-policy"].to_str().expect("ASCII");
    assert!(csp.ends_with("frame-ancestors 'self' https://portal.example.com"), "{csp}");
    let refused = Proxy::start(Config { frame_ancestors: "*; script-src *".into(), ..Config::default() }).await;
    assert!(refused.is_err());
}

#[tokio::test]
async fn a_shutdown_lets_in_flight_requests_finish() {
    let proxy = Proxy::start(Config::default()).await.expect("the proxy starts");
    let simulator = proxy.simulator_url().expect("embedded").to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(proxy.serve(listener, async move {
        stopped.await.ok();
    }));
    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{base}/api/devices")).send().await.expect("answer").status(), StatusCode::OK);
    Control::at(&simulator).put("faults", json!({ "latencyMs": 800 })).await;

    let slow = tokio::spawn(http.get(format!("{base}/api/devices")).send());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let metrics = http.get(format!("{base}/metrics")).send().await.expect("answer").text().await.expect("text");
        if metrics.contains("mfa_proxy_requests_in_flight 1") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the slow request never started");
        tokio::task::yield_now().await;
    }
    stop.send(()).expect("the server listens for the signal");
    let answered = slow.await.expect("the task").expect("the in-flight request is answered");
    assert_eq!(answered.status(), StatusCode::OK);
    server.await.expect("the task").expect("the server stops cleanly");
    assert!(http.get(format!("{base}/healthz")).send().await.is_err(), "no new connections after the shutdown");
}

#[tokio::test]
async fn upstream_calls_carry_the_request_id_and_concurrent_requests_share_one_token_refresh() {
    let (base, simulator) = start(Config::default()).await;
    let simulator = simulator.expect("embedded");
    let http = reqwest::Client::new();
    let lists: Vec<_> = (0..20).map(|_| tokio::spawn(http.get(format!("{base}/api/devices")).send())).collect();
    let mut request_ids = Vec::new();
    for list in lists {
        let answer = list.await.expect("the task").expect("answer");
        assert_eq!(answer.status(), StatusCode::OK);
        request_ids.push(answer.headers()["x-request-id"].to_str().expect("ASCII").to_owned());
    }
    let metrics = http.get(format!("{base}/metrics")).send().await.expect("answer").text().await.expect("text");
    assert!(
        metrics.contains("mfa_proxy_token_refreshes_total 1"),
        "twenty concurrent requests, one refresh: {metrics}"
    );

    let seen = Control::at(&simulator).requests().await;
    let device_calls: Vec<&str> = seen
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|path| path.ends_with("/devices")))
        .filter_map(|r| r["transactionId"].as_str())
        .collect();
    assert_eq!(device_calls.len(), 20);
    for id in &request_ids {
        assert!(device_calls.contains(&id.as_str()), "request {id} reached the upstream under its own id");
    }
}
