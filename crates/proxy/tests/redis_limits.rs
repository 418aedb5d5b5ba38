//! Rate limits kept in a real Redis (Debian's `redis-server`, started here on a free loopback port), shared by
//! two proxies as replicas behind a load balancer would share them.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use mfa_enroll_proxy::{Config, Limits, Rate};
use reqwest::StatusCode;
use serde_json::json;

struct Redis {
    child: Child,
    url: String,
}

impl Redis {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server runs; `cargo xtask test` installs it");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
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

async fn replica(redis: &str) -> String {
    let one = Rate { per_user: 1, per_address: 100, window: Duration::from_secs(3600) };
    let config = Config {
        limits: Limits { create_phone: one, ..Limits::default() },
        rate_limit_redis: Some(redis.to_owned()),
        clock: support::standing_clock(),
        ..Config::default()
    };
    support::start(config).await.base
}

#[tokio::test]
async fn replicas_share_their_counts_in_redis_and_fail_closed_without_it() {
    let redis = Redis::start();
    // Both replicas act as the same demo user, from the same fixture.
    let (first, second) = (replica(&redis.url).await, replica(&redis.url).await);
    let http = reqwest::Client::new();
    let sms = |base: &str| {
        http.post(format!("{base}/api/devices")).json(&json!({ "type": "SMS", "phone": "+15125201234" })).send()
    };
    assert_eq!(sms(&first).await.expect("answer").status(), StatusCode::CREATED);
    let limited = sms(&second).await.expect("answer");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "the second replica saw the first one's count");
    assert!(limited.headers().contains_key("retry-after"));

    drop(redis);
    let without_store = sms(&first).await.expect("answer");
    assert_eq!(without_store.status(), StatusCode::BAD_GATEWAY, "no counts, no paid messages");
}
