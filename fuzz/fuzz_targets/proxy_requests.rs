//! The proxy's edge on any request a browser could send: any method, path, content type and body, as a gateway's
//! user, in front of an upstream where nothing listens. Every request is answered, and never with a 500: what a
//! client sends is refused with the proxy's own errors, or reaches the (absent) upstream as a 502.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use mfa_enroll_proxy::{Config, Gateway, Identity, PingOne, Proxy, Upstream};
use tower::ServiceExt;

const SECRET: &str = "a-gateway-secret-of-at-least-32-characters";

#[derive(Arbitrary, Debug)]
struct Call<'a> {
    method: u8,
    path: &'a str,
    content_type: &'a str,
    body: &'a [u8],
}

fn runtime_and_app() -> &'static (tokio::runtime::Runtime, axum::Router) {
    static APP: OnceLock<(tokio::runtime::Runtime, axum::Router)> = OnceLock::new();
    APP.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let upstream = Upstream::PingOne(PingOne {
            api_url: "http://127.0.0.1:9/v1".into(),
            auth_url: "http://127.0.0.1:9".into(),
            environment_id: "env".into(),
            client_id: "worker".into(),
            client_secret: "secret".to_owned().into(),
            ..PingOne::default()
        });
        let identity = Identity::Header(Gateway {
            user_header: "x-user".into(),
            secret_header: "x-gateway-secret".into(),
            secret: SECRET.to_owned().into(),
            secret_file: None,
        });
        let app = runtime.block_on(async {
            // Limits out of the way, so that the fuzzer explores past them; they have tests of their own.
            let wide = mfa_enroll_proxy::Rate { per_user: u32::MAX, per_address: u32::MAX, window: std::time::Duration::from_secs(1) };
            let limits = mfa_enroll_proxy::Limits {
                create: wide, create_phone: wide, activate: wide, resend: wide, read: wide, change: wide,
            };
            let config = Config { upstream, identity, limits, ..Config::default() };
            let proxy = Proxy::start(config).await.expect("the proxy starts");
            proxy.app().layer(MockConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))))
        });
        (runtime, app)
    })
}

fuzz_target!(|call: Call<'_>| {
    let (runtime, app) = runtime_and_app();
    let method = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"][usize::from(call.method) % 7];
    let Ok(request) = Request::builder()
        .method(method)
        .uri(format!("/api/{}", call.path))
        .header("x-user", "5f0c6c2e-5d8c-4c69-9d5a-2d3b1c0e7a11")
        .header("x-gateway-secret", SECRET)
        .header("content-type", call.content_type)
        .body(Body::from(call.body.to_vec()))
    else {
        return;
    };
    let answered = runtime.block_on(app.clone().oneshot(request)).expect("an answer");
    assert_ne!(answered.status(), StatusCode::INTERNAL_SERVER_ERROR, "{method} /api/{}", call.path);
});
