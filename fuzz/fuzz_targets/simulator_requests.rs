//! The simulator's devices API on any request body and content type, with a valid worker token: it answers as
//! PingOne does, and never with a 500 of its own making.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use pingone_simulator::Simulator;
use tower::ServiceExt;

#[derive(Arbitrary, Debug)]
struct Call<'a> {
    /// The device path below the demo user's devices, such as `/{id}` or `/{id}/nickname`.
    below: u8,
    method: u8,
    content_type: &'a str,
    body: &'a [u8],
}

struct Setup {
    runtime: tokio::runtime::Runtime,
    app: axum::Router,
    devices: String,
    token: String,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let simulator = Simulator::demo();
        let fixture = simulator.fixture().clone();
        let app = pingone_simulator::router(simulator);
        let token = runtime.block_on(async {
            let request = Request::post(format!("/{}/as/token", fixture.environment_id))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "grant_type=client_credentials&client_id={}&client_secret={}",
                    fixture.client_id, fixture.client_secret
                )))
                .expect("a token request");
            let answer = app.clone().oneshot(request).await.expect("an answer");
            let body = axum::body::to_bytes(answer.into_body(), 1 << 16).await.expect("a body");
            let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
            body["access_token"].as_str().expect("a token").to_owned()
        });
        let devices = format!("/v1/environments/{}/users/{}/devices", fixture.environment_id, fixture.demo_user_id);
        Setup { runtime, app, devices, token }
    })
}

fuzz_target!(|call: Call<'_>| {
    let setup = setup();
    let below = ["", "/1c41a471-3195-4edf-90fd-f9283028ab1a", "/1c41a471-3195-4edf-90fd-f9283028ab1a/nickname"];
    let path = format!("{}{}", setup.devices, below[usize::from(call.below) % below.len()]);
    let method = ["GET", "POST", "PUT", "DELETE"][usize::from(call.method) % 4];
    let Ok(request) = Request::builder()
        .method(method)
        .uri(&path)
        .header("authorization", format!("Bearer {}", setup.token))
        .header("content-type", call.content_type)
        .body(Body::from(call.body.to_vec()))
    else {
        return;
    };
    let answered = setup.runtime.block_on(setup.app.clone().oneshot(request)).expect("an answer");
    assert_ne!(answered.status(), StatusCode::INTERNAL_SERVER_ERROR, "{method} {path}");
});
