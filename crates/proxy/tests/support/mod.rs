//! What the proxy's integration tests share: a proxy serving on a loopback port, and a simulator to point a
//! proxy at as a real PingOne upstream.
#![allow(dead_code)]

use mfa_enroll_proxy::{Clock, Config, Proxy, TokenAuth, Upstream};
use pingone_simulator::{Simulator, StartupInfo};
use reqwest::StatusCode;
use serde_json::Value;
use testkit::Control;

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
    pub fn simulator_url(&self) -> &str {
        self.simulator.as_deref().expect("the proxy runs its embedded simulator")
    }

    /// The embedded simulator's control API.
    pub fn simulator(&self) -> Control {
        Control::at(self.simulator_url())
    }

    /// `POST /api/devices` with a JSON body.
    pub async fn create(&self, body: Value) -> (StatusCode, Value) {
        let answer = testkit::send(self.http.post(format!("{}/api/devices", self.base)).json(&body)).await;
        (answer.status, answer.body)
    }

    /// A POST below `/api` with a content type of the test's choosing.
    pub async fn post(&self, path: &str, content_type: &str, body: &str) -> (StatusCode, Value) {
        let request = self
            .http
            .post(format!("{}/api{path}", self.base))
            .header("Content-Type", content_type)
            .body(body.to_owned());
        let answer = testkit::send(request).await;
        (answer.status, answer.body)
    }

    /// `GET /api/devices`, with the answer's `Retry-After`.
    pub async fn list(&self) -> (StatusCode, Value, Option<String>) {
        let answer = testkit::send(self.http.get(format!("{}/api/devices", self.base))).await;
        let retry_after = answer.headers.get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        (answer.status, answer.body, retry_after)
    }
}

/// A clock that stands still at the start of an hour: no rate-limit window ends during a test.
pub fn standing_clock() -> Clock {
    Clock::set_at(std::time::UNIX_EPOCH + std::time::Duration::from_secs(3600 * 500_000))
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
    Upstream::PingOne(mfa_enroll_proxy::PingOne {
        api_url: "http://127.0.0.1:9/v1".into(),
        auth_url: "http://127.0.0.1:9".into(),
        environment_id: "env".into(),
        client_id: "client".into(),
        client_secret: "secret".to_owned().into(),
        token_auth: TokenAuth::Basic,
        policy_id: None,
        ..Default::default()
    })
}

/// The upstream setting that points a proxy at `simulator` as if it were PingOne.
pub fn upstream(simulator: &StartupInfo, token_auth: TokenAuth) -> Upstream {
    Upstream::PingOne(mfa_enroll_proxy::PingOne {
        api_url: simulator.api_url.clone(),
        auth_url: simulator.auth_url.clone(),
        environment_id: simulator.environment_id.clone(),
        client_id: simulator.client_id.clone(),
        client_secret: simulator.client_secret.clone().into(),
        token_auth,
        policy_id: Some(simulator.policy_id.clone()),
        ..Default::default()
    })
}

/// A real `redis-server` on a free loopback port, stopped when dropped.
pub struct Redis {
    child: std::process::Child,
    pub url: String,
}

impl Redis {
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server runs; `cargo xtask test` installs it");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Self { child, url: format!("redis://127.0.0.1:{port}/") }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
