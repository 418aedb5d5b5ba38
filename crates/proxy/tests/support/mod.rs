//! What the proxy's integration tests share: a proxy serving on a loopback port, and a simulator to point a
//! proxy at as a real PingOne upstream.
#![allow(dead_code)]

use mfa_enroll_proxy::{Config, Proxy, TokenAuth, Upstream};
use pingone_simulator::{Simulator, StartupInfo};
use reqwest::StatusCode;
use serde_json::Value;

/// A proxy serving on 127.0.0.1.
pub struct Running {
    /// The proxy's base URL, without `/api`.
    pub base: String,
    /// The embedded simulator's base URL, when the proxy runs one.
    pub simulator: Option<String>,
    pub http: reqwest::Client,
}

impl Running {
    /// The embedded simulator's base URL; the test configured one.
    pub fn simulator(&self) -> &str {
        self.simulator.as_deref().expect("the proxy runs its embedded simulator")
    }

    /// `POST /api/devices` with a JSON body.
    pub async fn create(&self, body: Value) -> (StatusCode, Value) {
        let response = self.http.post(format!("{}/api/devices", self.base)).json(&body).send().await.expect("answer");
        (response.status(), response.json().await.unwrap_or(Value::Null))
    }

    /// A POST below `/api` with a content type of the test's choosing.
    pub async fn post(&self, path: &str, content_type: &str, body: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/api{path}", self.base))
            .header("Content-Type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .expect("answer");
        (response.status(), response.json().await.unwrap_or(Value::Null))
    }

    /// `GET /api/devices`, with the answer's `Retry-After`.
    pub async fn list(&self) -> (StatusCode, Value, Option<String>) {
        let response = self.http.get(format!("{}/api/devices", self.base)).send().await.expect("answer");
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        (response.status(), response.json().await.unwrap_or(Value::Null), retry_after)
    }

    /// Sets the embedded simulator's faults.
    pub async fn faults(&self, faults: Value) {
        let set = self.http.put(format!("{}/sim/faults", self.simulator())).json(&faults).send().await.expect("answer");
        assert_eq!(set.status(), StatusCode::OK);
    }

    /// The codes the embedded simulator has sent.
    pub async fn outbox(&self) -> Vec<Value> {
        let outbox: Value = self
            .http
            .get(format!("{}/sim/outbox", self.simulator()))
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("JSON");
        outbox.as_array().expect("an array").clone()
    }
}

/// Starts a proxy with `config` on a loopback port that the OS picks; it stops with the test.
pub async fn start(config: Config) -> Running {
    let proxy = Proxy::start(config).await.expect("the proxy starts");
    let simulator = proxy.simulator_url().map(str::to_owned);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(proxy.serve(listener, std::future::pending()));
    Running { base, simulator, http: reqwest::Client::new() }
}

/// A simulator of its own on a loopback port, to serve as a proxy's PingOne upstream.
pub async fn standalone_simulator() -> StartupInfo {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let simulator = Simulator::demo();
    let info = simulator.startup_info(&format!("http://{}", listener.local_addr().expect("bound")));
    tokio::spawn(pingone_simulator::serve(listener, simulator, std::future::pending()));
    info
}

/// A PingOne upstream on a loopback port where nothing listens.
pub fn unreachable_upstream() -> Upstream {
    Upstream::PingOne {
        api_url: "http://127.0.0.1:9/v1".into(),
        auth_url: "http://127.0.0.1:9".into(),
        environment_id: "env".into(),
        client_id: "client".into(),
        client_secret: "secret".to_owned().into(),
        token_auth: TokenAuth::Basic,
        policy_id: None,
    }
}

/// Sends `request` and reads its JSON answer.
pub async fn json(request: reqwest::RequestBuilder) -> Value {
    request.send().await.expect("answer").json().await.expect("JSON")
}

/// A new user in the simulator at `simulator` (its auth base URL), by its control API; returns the user's id.
pub async fn new_user(simulator: &str, username: &str) -> String {
    let request = reqwest::Client::new()
        .post(format!("{simulator}/sim/users"))
        .json(&serde_json::json!({ "username": username }));
    json(request).await["id"].as_str().expect("a user id").to_owned()
}

/// The upstream setting that points a proxy at `simulator` as if it were PingOne.
pub fn upstream(simulator: &StartupInfo, token_auth: TokenAuth) -> Upstream {
    Upstream::PingOne {
        api_url: simulator.api_url.clone(),
        auth_url: simulator.auth_url.clone(),
        environment_id: simulator.environment_id.clone(),
        client_id: simulator.client_id.clone(),
        client_secret: simulator.client_secret.clone().into(),
        token_auth,
        policy_id: Some(simulator.policy_id.clone()),
    }
}
