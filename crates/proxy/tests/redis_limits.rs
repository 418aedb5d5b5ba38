//! Rate limits kept in a real Redis (Debian's `redis-server`, started here on a free loopback port), shared by
//! two proxies as replicas behind a load balancer would share them.

use std::time::Duration;

mod support;

use mfa_enroll_proxy::{Config, Limits, Rate};
use reqwest::StatusCode;
use serde_json::json;

async fn replica(redis: &str) -> support::Running {
    let one = Rate { per_user: 1, per_address: 100, window: Duration::from_secs(3600) };
    let config = Config {
        limits: Limits { create_phone: one, ..Limits::default() },
        rate_limit_redis: Some(redis.to_owned()),
        clock: support::standing_clock(),
        ..Config::default()
    };
    support::start(config).await
}

#[tokio::test]
async fn replicas_share_their_counts_in_redis_and_fail_closed_without_it() {
    let redis = support::Redis::start();
    // Both replicas act as the same demo user, from the same fixture.
    let (first_replica, second_replica) = (replica(&redis.url).await, replica(&redis.url).await);
    let (first, second) = (first_replica.base.clone(), second_replica.base.clone());
    let http = reqwest::Client::new();
    let sms_to = |base: &str, phone: &str| {
        http.post(format!("{base}/api/devices")).json(&json!({ "type": "SMS", "phone": phone })).send()
    };
    let sms = |base: &str| sms_to(base, "+15125201234");
    assert_eq!(sms(&first).await.expect("answer").status(), StatusCode::CREATED);
    let limited = sms(&second).await.expect("answer");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "the second replica saw the first one's count");
    assert!(limited.headers().contains_key("retry-after"));

    // An SMS that PingOne refused with a 500 is given back in Redis: the person may send it again.
    let mut connection =
        redis::Client::open(redis.url.as_str()).expect("a client").get_connection().expect("connected");
    redis::cmd("FLUSHALL").query::<()>(&mut connection).expect("the counts start again");
    first_replica.simulator().put("faults", json!({ "failNext": 1 })).await;
    // Another number: a 500 is followed by a look for what it made, which a pending device for the same number, made
    // a moment before, would be.
    let failed = sms_to(&first, "+15125209876").await.expect("answer");
    assert_eq!(failed.status(), StatusCode::BAD_GATEWAY, "PingOne failed it");
    assert_eq!(sms(&second).await.expect("answer").status(), StatusCode::CREATED, "the failed one was not charged");

    drop(redis);
    let without_store = sms(&first).await.expect("answer");
    assert_eq!(without_store.status(), StatusCode::BAD_GATEWAY, "no counts, no paid messages");
    // Reads are counted by each replica alone meanwhile, and the replica says so.
    let list = http.get(format!("{first}/api/devices")).send().await.expect("answer");
    assert_eq!(list.status(), StatusCode::OK, "the list is read without the shared store");
    let metrics = http.get(format!("{first}/metrics")).send().await.expect("answer").text().await.expect("text");
    assert!(metrics.contains("mfa_proxy_limit_store_fallbacks_total 1"), "{metrics}");
}
