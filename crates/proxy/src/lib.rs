//! The backend token proxy: it decides who the person is, holds the worker credentials, and forwards the contract's
//! device operations for that person only. It can also serve the built widget as a static site.
//!
//! It must never hand the worker token or the client secret to a browser or a log line, never let a browser name
//! the user, and never forward a request that is outside the contract.

mod config;
mod error;
mod identity;
mod limits;
mod observe;
mod routes;
pub mod settings;
mod upstream;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

pub use config::{Config, Identity, Timeouts, TokenAuth, Upstream};
pub use error::AppError;
pub use limits::{Limits, Rate};
use upstream::{UpstreamClient, Worker};

/// The site's Content-Security-Policy, but for `frame-ancestors`: no inline script or style, wasm compiled from
/// same-origin files only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
    object-src 'none'";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    upstream: UpstreamClient,
    authenticator: identity::Authenticator,
    limiter: limits::Limiter,
    metrics: Arc<observe::Metrics>,
    /// Load balancers whose `X-Forwarded-For` is believed.
    trusted_proxies: Vec<std::net::IpAddr>,
    policy_id: Option<String>,
    allowed_types: Vec<devices_api::DeviceType>,
    /// The label authenticator apps show for this service.
    issuer: String,
    resend_cooldown_seconds: u32,
    /// What the environment last said it lets people pair, and when: every widget asks on load, and PingOne's
    /// policy changes rarely, so one answer serves a minute of widgets.
    environment_offer: tokio::sync::Mutex<Option<(std::time::Instant, routes::EnvironmentOffer)>>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// The PingOne user id of the person making this request.
    async fn current_user(&self, headers: &HeaderMap) -> Result<String, AppError> {
        self.authenticator.user(headers).await
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the last address in
    /// `X-Forwarded-For` that is not one. Addresses a client wrote itself, further left, are never believed.
    fn client_address(&self, peer: std::net::SocketAddr, headers: &HeaderMap) -> std::net::IpAddr {
        client_address(peer.ip(), headers, &self.trusted_proxies)
    }

    /// Counts one `action` against the limits of `user` and `address`.
    async fn limit(&self, action: limits::Action, user: &str, address: std::net::IpAddr) -> Result<(), AppError> {
        let checked = self.limiter.check(action, user, address).await;
        if matches!(checked, Err(AppError::RequestLimited { .. })) {
            self.metrics.limit_hit(&format!("{action:?}"));
        }
        checked
    }
}

/// Why the proxy could not start.
#[derive(Debug)]
pub enum StartError {
    /// The configuration has these problems, each naming its setting.
    Config(Vec<String>),
    /// The embedded simulator could not listen.
    Io(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Config(problems) => write!(f, "invalid configuration:\n  {}", problems.join("\n  ")),
            Self::Io(error) => write!(f, "cannot start the embedded simulator: {error}"),
        }
    }
}

impl std::error::Error for StartError {}

/// A configured proxy, ready to serve; with the embedded simulator already running.
pub struct Proxy {
    state: AppState,
    config: Config,
    simulator: Option<EmbeddedSimulator>,
}

struct EmbeddedSimulator {
    url: String,
    /// The fixture's OATH tokens, which the demo page shows as virtual tokens.
    virtual_tokens: Vec<pingone_simulator::OathToken>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Drop for EmbeddedSimulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    /// Checks `config` and connects the upstream, starting the embedded simulator on loopback when it is the
    /// upstream.
    pub async fn start(config: Config) -> Result<Self, StartError> {
        let problems = config.problems();
        if !problems.is_empty() {
            return Err(StartError::Config(problems));
        }
        let metrics = Arc::new(observe::Metrics::default());
        let (upstream, policy_id, demo_user_id, simulator) = match &config.upstream {
            Upstream::EmbeddedSimulator => {
                let listener = TcpListener::bind("127.0.0.1:0").await.map_err(StartError::Io)?;
                let url = format!("http://{}", listener.local_addr().map_err(StartError::Io)?);
                let simulator = pingone_simulator::Simulator::demo();
                let info = simulator.startup_info(&url);
                let virtual_tokens = simulator.fixture().oath_tokens.clone();
                let task = tokio::spawn(pingone_simulator::serve(listener, simulator, std::future::pending()));
                let worker = Worker {
                    api_url: &info.api_url,
                    auth_url: &info.auth_url,
                    environment_id: &info.environment_id,
                    client_id: &info.client_id,
                    client_secret: SecretString::from(info.client_secret),
                    token_auth: TokenAuth::Basic,
                };
                let client = UpstreamClient::new(worker, config.timeouts, metrics.clone());
                (
                    client,
                    Some(info.policy_id),
                    Some(info.demo_user_id),
                    Some(EmbeddedSimulator { url, virtual_tokens, task }),
                )
            }
            Upstream::PingOne {
                api_url,
                auth_url,
                environment_id,
                client_id,
                client_secret,
                token_auth,
                policy_id,
            } => {
                let worker = Worker {
                    api_url,
                    auth_url,
                    environment_id,
                    client_id,
                    client_secret: client_secret.clone(),
                    token_auth: *token_auth,
                };
                let client = UpstreamClient::new(worker, config.timeouts, metrics.clone());
                (client, policy_id.clone(), None, None)
            }
        };
        let authenticator = match &config.identity {
            Identity::Demo => identity::Authenticator::Demo { user_id: demo_user_id.clone().unwrap_or_default() },
            Identity::Bearer { jwks_url, issuer, audience, leeway_seconds, jwks_refetch_seconds } => {
                identity::Authenticator::Bearer(identity::BearerVerifier::new(
                    jwks_url,
                    issuer,
                    audience,
                    *leeway_seconds,
                    std::time::Duration::from_secs(*jwks_refetch_seconds),
                ))
            }
            Identity::Header { user_header, secret_header, secret } => identity::Authenticator::Header {
                user_header: HeaderName::try_from(user_header.as_str()).map_err(|_| StartError::Config(vec![]))?,
                secret_header: HeaderName::try_from(secret_header.as_str()).map_err(|_| StartError::Config(vec![]))?,
                secret: secret.clone(),
            },
        };
        let shared = Shared {
            upstream,
            authenticator,
            limiter: match &config.rate_limit_redis {
                Some(url) => {
                    limits::Limiter::redis(config.limits, url).await.map_err(|e| StartError::Config(vec![e]))?
                }
                None => limits::Limiter::in_memory(config.limits),
            },
            metrics,
            trusted_proxies: config.trusted_proxies.clone(),
            policy_id,
            allowed_types: config.allowed_types.clone(),
            issuer: config.issuer.clone(),
            resend_cooldown_seconds: config.resend_cooldown_seconds,
            environment_offer: tokio::sync::Mutex::new(None),
        };
        Ok(Self { state: AppState(Arc::new(shared)), config, simulator })
    }

    /// The embedded simulator's base URL, for its `/sim/` control API; `None` with a real upstream.
    pub fn simulator_url(&self) -> Option<&str> {
        self.simulator.as_ref().map(|simulator| simulator.url.as_str())
    }

    /// The user that the demo identity acts as.
    pub fn demo_user_id(&self) -> Option<&str> {
        match &self.state.authenticator {
            identity::Authenticator::Demo { user_id } => Some(user_id),
            _ => None,
        }
    }

    /// The whole HTTP surface: `/api` and, when configured, the site.
    pub fn app(&self) -> Router {
        let mut api = routes::api()
            .with_state(self.state.clone())
            .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        let origins: Vec<HeaderValue> =
            self.config.allowed_origins.iter().filter_map(|origin| HeaderValue::from_str(origin).ok()).collect();
        api = match self.config.identity {
            // A bearer token is never sent by the browser on its own, so other origins may call, if allowed.
            Identity::Bearer { .. } => api.layer(
                tower_http::cors::CorsLayer::new()
                    .allow_origin(origins)
                    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
                    .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
                    .expose_headers([header::RETRY_AFTER, HeaderName::from_static("x-request-id")])
                    .max_age(std::time::Duration::from_secs(600)),
            ),
            Identity::Demo | Identity::Header { .. } => {
                api.layer(axum::middleware::from_fn_with_state(Arc::new(origins), refuse_cross_origin))
            }
        };
        let mut app = Router::new().nest("/api", api);
        if let Some(simulator) = &self.simulator {
            // Demo only: with a real upstream there are no virtual tokens, and the route does not exist.
            let tokens = axum::Json(simulator.virtual_tokens.clone());
            app = app.route("/demo/virtual-tokens", axum::routing::get(move || async move { tokens }));
        }
        if let Some(dir) = &self.config.site_dir {
            app = app.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))));
        }
        let operations = Router::new()
            .route("/healthz", axum::routing::get(observe::healthz))
            .route("/readyz", axum::routing::get(observe::readyz))
            .route("/metrics", axum::routing::get(observe::metrics))
            .with_state(self.state.clone());
        let app =
            app.merge(operations).layer(axum::middleware::from_fn_with_state(self.state.clone(), observe::record));
        security_headers(app, &self.config.frame_ancestors)
    }

    /// Serves on `listener` until `shutdown` completes; in-flight requests finish first.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = self.app().into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app).with_graceful_shutdown(shutdown).await
    }
}

fn client_address(peer: std::net::IpAddr, headers: &HeaderMap, trusted: &[std::net::IpAddr]) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|address| address.trim().parse::<std::net::IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded.into_iter().rev().find(|address| !trusted.contains(address)).unwrap_or(peer)
}

fn security_headers(app: Router, frame_ancestors: &str) -> Router {
    let csp = format!("{CONTENT_SECURITY_POLICY}; frame-ancestors {frame_ancestors}");
    let headers = [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static("default-src 'none'")),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
    ];
    headers.into_iter().fold(app, |app, (name, value)| app.layer(SetResponseHeaderLayer::overriding(name, value)))
}

/// Refuses a state-changing request that a page on another origin sent, unless that origin is allowed: with
/// cookie or gateway identities the browser would otherwise act for the person on any site's behalf.
async fn refuse_cross_origin(
    axum::extract::State(allowed): axum::extract::State<Arc<Vec<HeaderValue>>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let headers = request.headers();
    let changes_state = request.method() != Method::GET && request.method() != Method::HEAD;
    let same_origin = |origin: &HeaderValue| {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin_host = origin.to_str().ok().and_then(|o| o.split_once("://")).map(|(_, authority)| authority);
        host.is_some() && origin_host == host
    };
    let refused = match headers.get(header::ORIGIN) {
        Some(origin) => !same_origin(origin) && !allowed.contains(origin),
        None => headers.get("sec-fetch-site").is_some_and(|site| site == "cross-site"),
    };
    if changes_state && refused {
        tracing::info!("a cross-origin request was refused");
        return AppError::CrossOrigin.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use axum::http::{HeaderMap, HeaderValue};

    use super::client_address;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).expect("a header value"));
        headers
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let balancer: IpAddr = "10.0.0.5".parse().expect("an address");
        let peer_outside: IpAddr = "198.51.100.7".parse().expect("an address");
        let headers = forwarded("203.0.113.9, 192.0.2.1");
        assert_eq!(client_address(peer_outside, &headers, &[balancer]), peer_outside, "a client cannot name itself");
        assert_eq!(client_address(balancer, &headers, &[balancer]), "192.0.2.1".parse::<IpAddr>().expect("an address"));
        let through_two = forwarded("203.0.113.9, 192.0.2.1, 10.0.0.6");
        let trusted = ["10.0.0.5".parse().expect("an address"), "10.0.0.6".parse().expect("an address")];
        assert_eq!(
            client_address(balancer, &through_two, &trusted),
            "192.0.2.1".parse::<IpAddr>().expect("an address")
        );
        assert_eq!(client_address(balancer, &HeaderMap::new(), &[balancer]), balancer);
    }
}
