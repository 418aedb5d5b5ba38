//! The proxy's edge on any request a browser could send: any method, path, content type and body, as a gateway's
//! user, in front of an upstream where nothing listens. Every request is answered, and never with a 500: what a
//! client sends is refused with the proxy's own errors, or reaches the (absent) upstream as a 502.
#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use mfa_enroll_proxy::{Gateway, Identity};
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
        common::proxy_with(Identity::Header(Gateway {
            user_header: "x-user".into(),
            secret_header: "x-gateway-secret".into(),
            secret: SECRET.to_owned().into(),
            secret_file: None,
        }))
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
