//! The bearer identity on any `Authorization` header: every one that is not a valid token of the configured issuer
//! is a 401, and none panics or is a 500.
#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use mfa_enroll_proxy::{Bearer, Identity};
use tower::ServiceExt;

fn runtime_and_app() -> &'static (tokio::runtime::Runtime, axum::Router) {
    static APP: OnceLock<(tokio::runtime::Runtime, axum::Router)> = OnceLock::new();
    APP.get_or_init(|| {
        common::proxy_with(Identity::Bearer(Bearer {
            jwks_url: "http://127.0.0.1:9/jwks".into(),
            issuer: "https://idp.example".into(),
            audience: "mfa-enroll".into(),
            ..Bearer::default()
        }))
    })
}

fuzz_target!(|authorization: &[u8]| {
    let (runtime, app) = runtime_and_app();
    let Ok(request) = Request::builder().uri("/api/devices").header("authorization", authorization).body(Body::empty())
    else {
        return;
    };
    let answered = runtime.block_on(app.clone().oneshot(request)).expect("an answer");
    assert_eq!(answered.status(), StatusCode::UNAUTHORIZED);
});
