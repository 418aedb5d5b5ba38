//! A simulator on 127.0.0.1 with a worker token, and small helpers for its HTTP API.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use pingone_simulator::otp::{hotp, totp_step};
use pingone_simulator::{Simulator, StartupInfo};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
pub use testkit::Answer;
use testkit::Control;

pub const ACTIVATE: &str = "application/vnd.pingidentity.device.activate+json";
pub const RESEND: &str = "application/vnd.pingidentity.device.sendActivationCode+json";
pub const REORDER: &str = "application/vnd.pingidentity.devices.reorder+json";

pub struct Sim {
    pub info: StartupInfo,
    pub http: reqwest::Client,
    pub token: String,
}

impl Sim {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let simulator = Simulator::demo();
        let info = simulator.startup_info(&base);
        tokio::spawn(pingone_simulator::serve(listener, simulator, std::future::pending()));
        let http = reqwest::Client::new();
        let mut sim = Self { info, http, token: String::new() };
        sim.token = sim.new_token().await;
        sim
    }

    /// A worker token from the token endpoint, with Basic client authentication.
    pub async fn new_token(&self) -> String {
        let response = self
            .http
            .post(format!("{}/{}/as/token", self.info.auth_url, self.info.environment_id))
            .basic_auth(&self.info.client_id, Some(&self.info.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["expires_in"].as_i64().is_some_and(|seconds| seconds > 0));
        body["access_token"].as_str().expect("a token").to_owned()
    }

    pub fn devices_url(&self) -> String {
        self.user_devices_url(&self.info.demo_user_id)
    }

    pub fn user_devices_url(&self, user_id: &str) -> String {
        format!("{}/environments/{}/users/{user_id}/devices", self.info.api_url, self.info.environment_id)
    }

    /// A request to the devices API with the worker token; `path` is below the demo user's devices.
    pub async fn call(&self, method: Method, path: &str, content_type: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.devices_url())).bearer_auth(&self.token);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        testkit::send(request).await
    }

    pub async fn create(&self, body: Value) -> Answer {
        self.call(Method::POST, "", Some("application/json"), Some(body)).await
    }

    pub async fn activate(&self, device_id: &str, body: Value) -> Answer {
        self.call(Method::POST, &format!("/{device_id}"), Some(ACTIVATE), Some(body)).await
    }

    pub async fn list(&self, query: &str) -> Answer {
        self.call(Method::GET, query, None, None).await
    }

    /// A control API call, answered whatever its status.
    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        Control::at(&self.info.auth_url).call(method, path, body).await
    }

    pub async fn set_clock(&self, offset_seconds: i64) {
        Control::at(&self.info.auth_url).put("clock", json!({ "offsetSeconds": offset_seconds })).await;
    }

    /// The codes sent to the demo user, oldest first.
    pub async fn outbox(&self) -> Vec<Value> {
        Control::at(&self.info.auth_url).outbox(Some(&self.info.demo_user_id)).await
    }
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs() as i64
}

/// The TOTP code of a base32 secret at a time.
pub fn totp_at(secret: &str, unix_seconds: i64, digits: u32) -> String {
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).expect("base32");
    hotp(&key, totp_step(unix_seconds), digits)
}

/// The HOTP code of a base32 secret at a counter.
pub fn hotp_at(secret: &str, counter: u64, digits: u32) -> String {
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).expect("base32");
    hotp(&key, counter, digits)
}

/// The detail code of an error answer.
pub fn detail(answer: &Answer) -> &str {
    answer.detail()
}
