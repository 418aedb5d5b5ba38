//! The checks at the edge, which refuse a request before any upstream call: driven through the router itself
//! (`oneshot`, no socket), in front of an upstream where nothing listens. A request that got past the edge would
//! meet that upstream and come back 502, so each expected refusal also proves that PingOne was never asked.

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode};
use mfa_enroll_proxy::{Config, Gateway, Identity, Proxy};
use serde_json::{Value, json};
use tower::ServiceExt;

mod support;

const ACTIVATE: &str = "application/vnd.pingidentity.device.activate+json";
const SECRET: &str = "a-gateway-secret-of-at-least-32-characters";
const USER: &str = "5f0c6c2e-5d8c-4c69-9d5a-2d3b1c0e7a11";
const DEVICE: &str = "1c41a471-3195-4edf-90fd-f9283028ab1a";

/// The proxy's router with `config`'s changes, behind a gateway, with nothing listening upstream.
async fn edge(configure: impl FnOnce(&mut Config)) -> Router {
    let mut config = Config {
        upstream: support::unreachable_upstream(),
        identity: Identity::Header(Gateway {
            user_header: "x-user".into(),
            secret_header: "x-gateway-secret".into(),
            secret: SECRET.to_owned().into(),
            secret_file: None,
        }),
        ..Config::default()
    };
    configure(&mut config);
    let proxy = Proxy::start(config).await.expect("the proxy starts");
    proxy.app().layer(MockConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))))
}

/// `method path` with a body of `content_type`, as the gateway's user; the status and the JSON body.
async fn call(app: &Router, method: &str, path: &str, content_type: &str, body: String) -> (StatusCode, Value) {
    let mut request =
        Request::builder().method(method).uri(path).header("x-user", USER).header("x-gateway-secret", SECRET);
    if !content_type.is_empty() {
        request = request.header("content-type", content_type);
    }
    let response = app.clone().oneshot(request.body(Body::from(body)).expect("a request")).await.expect("an answer");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("a body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn ids_that_are_not_uuids_are_refused_before_any_upstream_call() {
    let app = edge(|_| {}).await;
    for id in [
        "..%2F..%2Fusers",
        "%2e%2e%2f",
        "not-a-uuid",
        "1c41a4713195-4edf-90fd-f9283028ab1a0",
        "%7B1c41a471-3195-4edf-90fd-f9283028ab1a%7D",
    ] {
        let (status, body) = call(&app, "DELETE", &format!("/api/devices/{id}"), "", String::new()).await;
        assert_eq!(
            (status, body["details"][0]["target"].as_str()),
            (StatusCode::BAD_REQUEST, Some("id")),
            "DELETE {id}"
        );
        let (status, _) =
            call(&app, "POST", &format!("/api/devices/{id}"), ACTIVATE, r#"{"otp":"123456"}"#.into()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "POST {id}");
        let (status, _) =
            call(&app, "PUT", &format!("/api/devices/{id}/nickname"), "application/json", r#"{"nickname":"x"}"#.into())
                .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "PUT {id}");
    }
}

#[tokio::test]
async fn bodies_outside_the_contract_are_refused_before_any_upstream_call() {
    let app = edge(|_| {}).await;
    let create = |body: Value| call(&app, "POST", "/api/devices", "application/json", body.to_string());
    let (status, body) = create(json!({ "type": "TOTP", "user": { "id": "someone-else" } })).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_REQUEST")));
    let (status, body) = create(json!({ "type": "TOTP", "policy": { "id": "x" } })).await;
    assert_eq!((status, body["details"][0]["target"].as_str()), (StatusCode::BAD_REQUEST, Some("policy")));
    for nickname in ["x".repeat(101), "Work \u{202E}enohp".into(), "Wo\u{200B}rk".into(), "\u{FEFF}Work".into()] {
        let (status, body) = create(json!({ "type": "TOTP", "nickname": nickname })).await;
        assert_eq!((status, body["details"][0]["target"].as_str()), (StatusCode::BAD_REQUEST, Some("nickname")));
        let rename = json!({ "nickname": nickname }).to_string();
        let (status, body) =
            call(&app, "PUT", &format!("/api/devices/{DEVICE}/nickname"), "application/json", rename).await;
        assert_eq!((status, body["details"][0]["target"].as_str()), (StatusCode::BAD_REQUEST, Some("nickname")));
    }
    let (status, _) = call(&app, "POST", "/api/devices", "text/plain", r#"{"type":"TOTP"}"#.into()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, body) = create(json!({ "type": "TOTP", "nickname": "x".repeat(9000) })).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("INVALID_REQUEST")));

    let totp_only = edge(|config| config.allowed_types = vec![devices_api::DeviceType::Totp]).await;
    let sms = json!({ "type": "SMS", "phone": "+15125550101" }).to_string();
    let (status, body) = call(&totp_only, "POST", "/api/devices", "application/json", sms).await;
    assert_eq!((status, body["details"][0]["target"].as_str()), (StatusCode::BAD_REQUEST, Some("type")));

    for otp in ["12345", "12345678901", "12a456", ""] {
        let activate = json!({ "otp": otp }).to_string();
        let (status, body) = call(&app, "POST", &format!("/api/devices/{DEVICE}"), ACTIVATE, activate).await;
        assert_eq!((status, body["details"][0]["target"].as_str()), (StatusCode::BAD_REQUEST, Some("otp")), "{otp:?}");
    }
    let device = format!("/api/devices/{DEVICE}");
    let (status, _) = call(&app, "POST", &device, "application/json", r#"{"otp":"123456"}"#.into()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let resend = "application/vnd.pingidentity.device.sendActivationCode+json";
    let (status, body) = call(&app, "POST", &device, resend, r#"{"to":"x"}"#.into()).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_REQUEST")));

    let (status, body) = call(&app, "GET", "/api/environments", "", String::new()).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("NOT_FOUND")));
}

#[tokio::test]
async fn without_the_gateways_secret_nothing_is_read_or_checked() {
    let app = edge(|_| {}).await;
    let request = Request::builder()
        .method("POST")
        .uri("/api/devices")
        .header("x-user", USER)
        .header("content-type", "text/plain")
        .body(Body::from("not even JSON"))
        .expect("a request");
    let response = app.oneshot(request).await.expect("an answer");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "who the person is comes before every other check");
}
