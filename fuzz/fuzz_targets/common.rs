//! What the proxy's fuzz targets share: a runtime, and a proxy before an upstream where nothing listens, with the
//! limits out of the way so that the fuzzer explores past them (they have tests of their own).

use axum::extract::connect_info::MockConnectInfo;
use mfa_enroll_proxy::{Config, Identity, Limits, PingOne, Proxy, Rate, Upstream};

/// A runtime and the router of a proxy with `identity`.
pub fn proxy_with(identity: Identity) -> (tokio::runtime::Runtime, axum::Router) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let upstream = Upstream::PingOne(PingOne {
        api_url: "http://127.0.0.1:9/v1".into(),
        auth_url: "http://127.0.0.1:9".into(),
        environment_id: "env".into(),
        client_id: "worker".into(),
        client_secret: "secret".to_owned().into(),
        ..PingOne::default()
    });
    let wide = Rate { per_user: u32::MAX, per_address: u32::MAX, window: std::time::Duration::from_secs(1) };
    let limits = Limits { create: wide, create_phone: wide, activate: wide, resend: wide, read: wide, change: wide };
    let app = runtime.block_on(async {
        let proxy = Proxy::start(Config { upstream, identity, limits, ..Config::default() }).await.expect("it starts");
        proxy.app().layer(MockConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))))
    });
    (runtime, app)
}
