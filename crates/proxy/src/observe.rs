//! What operators see: one JSON log line per request with its id, and Prometheus metrics kept per proxy
//! instance (requests by route and status, upstream latency, worker-token refreshes, limit hits).
//!
//! Log lines and metrics name the route that a request matched (`/api/devices/{id}`), `unmatched` for any other
//! `/api` path and `site` for the rest: never what the client typed. Log lines carry the method, that route, the
//! status and the time taken: never a header, a body, a token, an OTP, a phone number or an email address.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::AppState;
use crate::upstream::Readiness;

tokio::task_local! {
    /// The id of the request being served, which upstream calls carry as `X-Ping-External-Transaction-ID`.
    pub static REQUEST_ID: String;
}

/// The current request's id, or a fresh one outside a request.
pub fn request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| uuid::Uuid::new_v4().to_string())
}

/// Upstream latency buckets, in seconds.
const BUCKETS: [f64; 8] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// Requests by the route they matched (`MatchedPath`), never by the path a client typed: a made-up path cannot add
/// a series, and no label value holds anything a client wrote.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    action: String,
}

/// The metrics of one proxy instance, in a registry of its own: a process-wide recorder would mix the counts of
/// several proxies in one process, as the tests run them. Exposition comes from `prometheus-client`.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    /// API requests being served now; a graceful shutdown waits for them.
    in_flight: Gauge,
    upstream: Histogram,
    token_refreshes: Counter,
    limit_hits: Family<ActionLabels, Counter>,
    /// Reads and changes counted by this replica alone, its shared store out of reach.
    limit_fallbacks: Counter,
    /// What creates whose answer was lost came to: a device `returned`, a half-made one `removed`.
    reconciliations: Family<OutcomeLabels, Counter>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("mfa_proxy_requests", "Requests answered, by matched route and status", requests.clone());
        let in_flight = Gauge::default();
        registry.register("mfa_proxy_requests_in_flight", "API requests being served", in_flight.clone());
        let upstream = Histogram::new(BUCKETS);
        registry.register("mfa_proxy_upstream_seconds", "Time PingOne took to answer", upstream.clone());
        let token_refreshes = Counter::default();
        registry.register("mfa_proxy_token_refreshes", "Worker tokens fetched", token_refreshes.clone());
        let limit_hits = Family::<ActionLabels, Counter>::default();
        registry.register("mfa_proxy_limit_hits", "Requests refused by a rate limit, by action", limit_hits.clone());
        let limit_fallbacks = Counter::default();
        registry.register(
            "mfa_proxy_limit_store_fallbacks",
            "Reads and changes counted by this replica alone, the shared rate-limit store out of reach",
            limit_fallbacks.clone(),
        );
        let reconciliations = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "mfa_proxy_reconciliations",
            "Devices found after a create's answer was lost: returned to the client, or removed as half-made",
            reconciliations.clone(),
        );
        Self { registry, requests, in_flight, upstream, token_refreshes, limit_hits, limit_fallbacks, reconciliations }
    }
}

impl Metrics {
    fn request(&self, route: &str, status: StatusCode) {
        self.requests.get_or_create(&RequestLabels { route: route.to_owned(), status: status.as_u16() }).inc();
    }

    pub fn upstream(&self, took: Duration) {
        self.upstream.observe(took.as_secs_f64());
    }

    pub fn token_refresh(&self) {
        self.token_refreshes.inc();
    }

    pub fn limit_fallback(&self) {
        self.limit_fallbacks.inc();
    }

    pub fn reconciled(&self, outcome: &'static str) {
        self.reconciliations.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    pub fn limit_hit(&self, action: &str) {
        self.limit_hits.get_or_create(&ActionLabels { action: action.to_owned() }).inc();
    }

    /// The OpenMetrics text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        encode(&mut text, &self.registry).ok();
        text
    }
}

/// One request in the in-flight gauge, for as long as this lives: a request whose client gave up is let go too.
struct InFlight(Gauge);

impl InFlight {
    fn count(gauge: &Gauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The route that a request matched, which the routers' `route_layer` puts on the answer for [`record`] to read.
#[derive(Clone)]
struct Route(MatchedPath);

/// Puts the matched route on the answer; a `route_layer`, so it runs only where a route matched.
pub async fn mark_route(matched: MatchedPath, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.extensions_mut().insert(Route(matched));
    response
}

/// Gives each request an id, serves it within that id's scope, then logs and counts it.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let method = request.method().clone();
    // What the path says beyond these two classes is the client's to choose, and goes nowhere.
    let api = request.uri().path().starts_with("/api/");
    let started = Instant::now();
    let in_flight = api.then(|| InFlight::count(&state.metrics.in_flight));
    let mut response = REQUEST_ID.scope(id.clone(), next.run(request)).await;
    drop(in_flight);
    let status = response.status();
    let route = match response.extensions().get::<Route>() {
        Some(Route(matched)) => matched.as_str(),
        None if api => "unmatched",
        None => "site",
    };
    state.metrics.request(route, status);
    tracing::info!(
        request_id = %id,
        %method,
        route,
        status = status.as_u16(),
        millis = started.elapsed().as_millis() as u64,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the last known state of the worker token is good: the upstream and the credentials both worked.
/// It asks PingOne nothing, so that probes cannot hammer a failing token endpoint.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.upstream.readiness() {
        Readiness::Ready => "ready".into_response(),
        Readiness::Starting => (StatusCode::SERVICE_UNAVAILABLE, "starting").into_response(),
        Readiness::Failing(reason) => {
            tracing::warn!(reason, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([("content-type", content_type)], state.metrics.render()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_in_the_openmetrics_text_format() {
        let metrics = Metrics::default();
        metrics.request("/api/devices", StatusCode::OK);
        metrics.request("/api/devices", StatusCode::OK);
        metrics.upstream(Duration::from_millis(20));
        metrics.limit_hit("Activate");
        let text = metrics.render();
        assert!(text.contains("mfa_proxy_requests_total{route=\"/api/devices\",status=\"200\"} 2"), "{text}");
        assert!(text.contains("mfa_proxy_upstream_seconds_bucket{le=\"0.025\"} 1"), "{text}");
        assert!(text.contains("mfa_proxy_upstream_seconds_bucket{le=\"0.01\"} 0"), "{text}");
        assert!(text.contains("mfa_proxy_limit_hits_total{action=\"Activate\"} 1"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
