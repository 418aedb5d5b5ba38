//! The backend token proxy: it decides who the person is, holds the worker credentials, and forwards the contract's
//! device operations for that person only. It can also serve the built widget as a static site.
//!
//! It must never hand the worker token or the client secret to a browser or a log line, never let a browser name
//! the user, and never forward a request that is outside the contract.

mod clock;
mod config;
mod create;
pub mod doctor;
mod embedded;
mod error;
mod extract;
mod idempotency;
mod identity;
mod limits;
mod observe;
mod offer;
pub mod record;
mod routes;
mod upstream;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use tokio::net::TcpListener;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

pub use clock::Clock;
pub use config::{
    Bearer, CLIENT_SECRET_ENV, Config, Connections, GATEWAY_SECRET_ENV, Gateway, Identity, PingOne, Timeouts,
    TokenAuth, Upstream,
};
use embedded::EmbeddedSimulator;
pub use error::AppError;
pub use limits::{Limits, Rate};
use upstream::UpstreamClient;

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
    /// What each create named by an `Idempotency-Key` came to.
    outcomes: idempotency::Outcomes,
    clock: Clock,
    metrics: Arc<observe::Metrics>,
    /// Load balancers whose `X-Forwarded-For` is believed.
    trusted_proxies: Vec<std::net::IpAddr>,
    policy_id: Option<String>,
    allowed_types: Vec<devices_api::DeviceType>,
    /// The label authenticator apps show for this service.
    issuer: String,
    resend_cooldown_seconds: u32,
    /// What the environment last said it lets people pair.
    offer: offer::OfferCache,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Counts one `action` against the limits of `user` and `address`; the charge is given back with
    /// [`limits::Limiter::refund`] when PingOne does not do the work.
    async fn limit(
        &self,
        action: limits::Action,
        user: &str,
        address: std::net::IpAddr,
    ) -> Result<limits::Charge, AppError> {
        let checked = self.limiter.check(action, user, address).await;
        match &checked {
            Err(AppError::RequestLimited { .. }) => self.metrics.limit_hit(&format!("{action:?}")),
            Ok(charge) if limits::Limiter::fell_back(charge) => self.metrics.limit_fallback(),
            _ => {}
        }
        checked
    }
}

/// Why the proxy could not start.
#[derive(Debug)]
pub enum StartError {
    /// The configuration has these problems, each naming its setting.
    Config(Vec<String>),
    /// The Redis that `rate_limit_redis` names could not be reached.
    Redis(String),
    /// The embedded simulator could not listen.
    Simulator(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Config(problems) => write!(f, "invalid configuration:\n  {}", problems.join("\n  ")),
            Self::Redis(error) => write!(f, "cannot reach the rate-limit Redis (rate_limit_redis): {error}"),
            Self::Simulator(error) => write!(f, "cannot start the embedded simulator: {error}"),
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

impl Proxy {
    /// Checks `config`, reporting every problem at once, and connects the upstream, starting the embedded
    /// simulator on loopback when it is the upstream.
    pub async fn start(config: Config) -> Result<Self, StartError> {
        let problems = config.problems();
        if !problems.is_empty() {
            return Err(StartError::Config(problems));
        }
        let metrics = Arc::new(observe::Metrics::default());
        let (pingone, demo_user_id, simulator) = match &config.upstream {
            Upstream::PingOne(pingone) => (pingone.clone(), None, None),
            Upstream::EmbeddedSimulator => {
                let simulator = EmbeddedSimulator::start().await?;
                (simulator.pingone().clone(), Some(simulator.demo_user_id().to_owned()), Some(simulator))
            }
        };
        let authenticator = match &config.identity {
            Identity::Demo => identity::Authenticator::Demo { user_id: demo_user_id.unwrap_or_default() },
            Identity::Bearer(bearer) => {
                identity::Authenticator::Bearer(identity::BearerVerifier::new(bearer, config.clock.clone()))
            }
            Identity::Header(gateway) => identity::Authenticator::gateway(gateway)
                .ok_or_else(|| StartError::Config(vec!["identity: a header name that is not one".to_owned()]))?,
        };
        let redis = match &config.rate_limit_redis {
            Some(url) => Some(limits::connect(url).await.map_err(|error| StartError::Redis(error.to_string()))?),
            None => None,
        };
        let limiter = match &redis {
            Some(connection) => limits::Limiter::redis(config.limits, config.clock.clone(), connection.clone()),
            None => limits::Limiter::in_memory(config.limits, config.clock.clone()),
        };
        // A create holds its key for its own call and the reconciliation's list (three tries with their back-off) and
        // removals; a replica that died holding it keeps a retry waiting no longer than that.
        let lease = config.timeouts.total * 5;
        let outcomes = idempotency::Outcomes::new(redis, config.clock.clone(), lease);
        let shared = Shared {
            upstream: UpstreamClient::new(&pingone, config.timeouts, metrics.clone(), config.clock.clone()),
            authenticator,
            limiter,
            outcomes,
            clock: config.clock.clone(),
            metrics,
            trusted_proxies: config.trusted_proxies.clone(),
            policy_id: pingone.policy_id.clone(),
            allowed_types: config.allowed_types.clone(),
            issuer: config.issuer.clone(),
            resend_cooldown_seconds: config.resend_cooldown_seconds,
            offer: offer::OfferCache::default(),
        };
        Ok(Self { state: AppState(Arc::new(shared)), config, simulator })
    }

    /// The embedded simulator's base URL, for its `/sim/` control API; `None` with a real upstream.
    pub fn simulator_url(&self) -> Option<&str> {
        self.simulator.as_ref().map(EmbeddedSimulator::url)
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
            .route_layer(axum::middleware::from_fn(observe::mark_route))
            .with_state(self.state.clone())
            .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        let origins: Vec<HeaderValue> =
            self.config.public_origins.iter().filter_map(|origin| HeaderValue::from_str(origin).ok()).collect();
        api = match self.config.identity {
            // A bearer token is never sent by the browser on its own, so other origins may call, if allowed.
            Identity::Bearer(_) => api.layer(
                tower_http::cors::CorsLayer::new()
                    .allow_origin(origins)
                    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
                    .allow_headers([
                        header::AUTHORIZATION,
                        header::CONTENT_TYPE,
                        HeaderName::from_static("idempotency-key"),
                    ])
                    .expose_headers([header::RETRY_AFTER, HeaderName::from_static("x-request-id")])
                    .max_age(std::time::Duration::from_secs(600)),
            ),
            Identity::Demo | Identity::Header(_) => {
                let origins = Arc::new(self.config.public_origins.clone());
                api.layer(axum::middleware::from_fn_with_state(origins, refuse_cross_origin))
            }
        };
        let mut app = Router::new().nest("/api", api);
        if let Some(simulator) = &self.simulator {
            // Demo only: with a real upstream there are no virtual tokens, and the route does not exist.
            let tokens = axum::Json(simulator.virtual_tokens());
            app = app.route("/demo/virtual-tokens", axum::routing::get(move || async move { tokens }));
        }
        if let Some(dir) = &self.config.site_dir {
            app = app.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))));
        }
        let operations = Router::new()
            .route("/healthz", axum::routing::get(observe::healthz))
            .route("/readyz", axum::routing::get(observe::readyz))
            .route("/metrics", axum::routing::get(observe::metrics))
            .route_layer(axum::middleware::from_fn(observe::mark_route))
            .with_state(self.state.clone());
        let app =
            app.merge(operations).layer(axum::middleware::from_fn_with_state(self.state.clone(), observe::record));
        security_headers(app, &self.config.frame_ancestors)
    }

    /// Serves on `listener` until `shutdown` completes; in-flight requests finish first. A connection that does not
    /// send a request's head in time, or idles that long after one, is closed; at most `max_connections` are served
    /// at once, and the rest wait in the listen backlog.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        use hyper_util::rt::{TokioIo, TokioTimer};
        use tower::ServiceExt;

        let app = self.app();
        let state = self.state.clone();
        let keep_ready = tokio::spawn(async move { state.upstream.keep_ready().await });
        let Connections { header_read_timeout, max_connections } = self.config.connections;
        // HTTP/1.1 only, as browsers speak it without TLS: a protocol sniff before the head would wait for a silent
        // client with no timeout at all.
        let mut connection_builder = hyper::server::conn::http1::Builder::new();
        connection_builder.timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
        let slots = Arc::new(tokio::sync::Semaphore::new(max_connections));
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => slot.map_err(std::io::Error::other)?,
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of files or memory for a moment: wait, rather than spin on the error.
                        tracing::warn!(%error, "accepting a connection failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let service = app.clone().map_request(move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                request
            });
            let service = hyper_util::service::TowerToHyperService::new(service);
            let connection = graceful.watch(connection_builder.serve_connection(TokioIo::new(stream), service));
            tokio::spawn(async move {
                // A connection's end, closed by either side or timed out, is no error of the server's.
                connection.await.ok();
                drop(slot);
            });
        }
        graceful.shutdown().await;
        keep_ready.abort();
        Ok(())
    }
}

/// Whether a request's `Origin` is one of the public origins, scheme and port included, and its `Host` names one of
/// them too: a name rebound to this server's address (DNS rebinding) brings a `Host` of its own, and a dev server's
/// proxy in front names another public origin. Without public origins, `http` origins and hosts on loopback
/// addresses are the proxy's own, as the demo, a local dev server and the tests serve it.
fn is_public(origin: &str, host: Option<&str>, public: &[String]) -> bool {
    let (Some((scheme, authority)), Some(host)) = (origin.split_once("://"), host) else { return false };
    match public {
        [] => scheme == "http" && is_loopback(authority) && is_loopback(host),
        public => {
            let named_by_host =
                |known: &String| known.split_once("://").is_some_and(|(_, at)| at.eq_ignore_ascii_case(host));
            public.iter().any(|known| known.eq_ignore_ascii_case(origin)) && public.iter().any(named_by_host)
        }
    }
}

/// Whether an authority (`host[:port]`) names a loopback address.
fn is_loopback(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once(']').map_or("", |(host, _)| host),
        None => authority.rsplit_once(':').map_or(authority, |(host, _)| host),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
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
    axum::extract::State(public): axum::extract::State<Arc<Vec<String>>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let headers = request.headers();
    let changes_state = request.method() != Method::GET && request.method() != Method::HEAD;
    let host = headers.get(header::HOST).and_then(|host| host.to_str().ok());
    let refused = match headers.get(header::ORIGIN).map(|origin| origin.to_str().unwrap_or_default()) {
        Some(origin) => !is_public(origin, host, &public),
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
    use super::is_public;

    #[test]
    fn an_origin_is_public_only_when_listed_and_named_by_the_host() {
        let portal = ["https://mfa.example.com".to_owned()];
        assert!(is_public("https://mfa.example.com", Some("mfa.example.com"), &portal));
        assert!(!is_public("http://mfa.example.com", Some("mfa.example.com"), &portal), "another scheme");
        assert!(!is_public("https://mfa.example.com:8443", Some("mfa.example.com:8443"), &portal), "another port");
        assert!(!is_public("https://mfa.example.com", Some("rebound.example"), &portal), "another host");
        let two = ["https://portal.example.com".to_owned(), "https://mfa.example.com".to_owned()];
        assert!(is_public("https://portal.example.com", Some("mfa.example.com"), &two), "a proxy that names another");
        assert!(!is_public("https://mfa.example.com", None, &portal));
        assert!(is_public("http://127.0.0.1:8080", Some("127.0.0.1:8080"), &[]));
        assert!(is_public("http://localhost:5173", Some("localhost:5173"), &[]));
        assert!(is_public("http://[::1]:8080", Some("[::1]:8080"), &[]));
        assert!(!is_public("https://127.0.0.1:8080", Some("127.0.0.1:8080"), &[]), "https on an http proxy");
        assert!(!is_public("http://rebound.example:8080", Some("rebound.example:8080"), &[]), "DNS rebinding");
        assert!(is_public("http://127.0.0.1:5173", Some("127.0.0.1:8080"), &[]), "a local dev server's proxy");
        assert!(!is_public("http://127.0.0.1:8080", Some("rebound.example:8080"), &[]), "a Host not on loopback");
        assert!(!is_public("null", Some("127.0.0.1:8080"), &[]));
    }
}
