//! The bearer identity on any `Authorization` header: every one that is not a valid token of the configured issuer
//! is a 401, and none panics or is a 500.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use mfa_enroll_proxy::{Bearer, Config, Identity, PingOne, Proxy, Upstream};
use tower::ServiceExt;

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
        let identity = Identity::Bearer(Bearer {
            jwks_url: "http://127.0.0.1:9/jwks".into(),
            issuer: "https://idp.example".into(),
            audience: "mfa-enroll".into(),
            ..Bearer::default()
        });
        let app = runtime.block_on(async {
            let proxy = Proxy::start(Config { upstream, identity, ..Config::default() }).await.expect("it starts");
            proxy.app().layer(MockConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))))
        });
        (runtime, app)
    })
}

fuzz_target!(|authorization: &[u8]| {
    let (runtime, app) = runtime_and_app();
    let Ok(request) =
        Request::builder().uri("/api/devices").header("authorization", authorization).body(Body::empty())
    else {
        return;
    };
    let answered = runtime.block_on(app.clone().oneshot(request)).expect("an answer");
    assert_eq!(answered.status(), StatusCode::UNAUTHORIZED);
});
