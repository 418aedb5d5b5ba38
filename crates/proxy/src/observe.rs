//! What operators see: one JSON log line per request with its id, and Prometheus metrics kept per proxy
//! instance (requests by route and status, upstream latency, worker-token refreshes, limit hits).
//!
//! Log lines carry the method, a route with ids folded away, the status and the time taken: never a header, a
//! body, a token, an OTP, a phone number or an email address.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

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

/// Counters for one proxy instance. A process-wide recorder would mix the counts of several proxies in one
/// process, as the tests run them.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Counts>,
    /// API requests being served now; a graceful shutdown waits for them.
    in_flight: std::sync::atomic::AtomicI64,
}

#[derive(Default)]
struct Counts {
    requests: BTreeMap<(String, u16), u64>,
    upstream_buckets: [u64; BUCKETS.len()],
    upstream_count: u64,
    upstream_seconds: f64,
    token_refreshes: u64,
    limit_hits: BTreeMap<String, u64>,
}

impl Metrics {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn request(&self, route: &str, status: StatusCode) {
        *self.counts().requests.entry((route.to_owned(), status.as_u16())).or_default() += 1;
    }

    pub fn upstream(&self, took: Duration) {
        let mut counts = self.counts();
        let seconds = took.as_secs_f64();
        for (bucket, bound) in counts.upstream_buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        counts.upstream_count += 1;
        counts.upstream_seconds += seconds;
    }

    pub fn token_refresh(&self) {
        self.counts().token_refreshes += 1;
    }

    pub fn limit_hit(&self, action: &str) {
        *self.counts().limit_hits.entry(action.to_owned()).or_default() += 1;
    }

    /// The Prometheus text format.
    pub fn render(&self) -> String {
        let counts = self.counts();
        let mut out = String::new();
        out.push_str("# TYPE mfa_proxy_requests_in_flight gauge\n");
        let in_flight = self.in_flight.load(std::sync::atomic::Ordering::Relaxed);
        let _ = writeln!(out, "mfa_proxy_requests_in_flight {in_flight}");
        out.push_str("# TYPE mfa_proxy_requests_total counter\n");
        for ((route, status), count) in &counts.requests {
            let _ = writeln!(out, "mfa_proxy_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}");
        }
        out.push_str("# TYPE mfa_proxy_upstream_seconds histogram\n");
        for (bound, count) in BUCKETS.iter().zip(counts.upstream_buckets) {
            let _ = writeln!(out, "mfa_proxy_upstream_seconds_bucket{{le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "mfa_proxy_upstream_seconds_bucket{{le=\"+Inf\"}} {}", counts.upstream_count);
        let _ = writeln!(out, "mfa_proxy_upstream_seconds_sum {}", counts.upstream_seconds);
        let _ = writeln!(out, "mfa_proxy_upstream_seconds_count {}", counts.upstream_count);
        out.push_str("# TYPE mfa_proxy_token_refreshes_total counter\n");
        let _ = writeln!(out, "mfa_proxy_token_refreshes_total {}", counts.token_refreshes);
        out.push_str("# TYPE mfa_proxy_limit_hits_total counter\n");
        for (action, count) in &counts.limit_hits {
            let _ = writeln!(out, "mfa_proxy_limit_hits_total{{action=\"{action}\"}} {count}");
        }
        out
    }
}

/// The route of a path with every id folded to `{id}`, so that labels stay few and carry no ids.
fn route_of(path: &str) -> String {
    path.split('/')
        .map(|segment| if uuid::Uuid::try_parse(segment).is_ok() { "{id}" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

/// Gives each request an id, serves it within that id's scope, then logs and counts it.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let method = request.method().clone();
    let path = request.uri().path();
    let route = match path {
        "/healthz" | "/readyz" | "/metrics" => path.to_owned(),
        _ if path.starts_with("/api/") => route_of(path),
        _ => "site".to_owned(),
    };
    let started = Instant::now();
    let counted = route.starts_with("/api/");
    if counted {
        state.metrics.in_flight.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let mut response = REQUEST_ID.scope(id.clone(), next.run(request)).await;
    if counted {
        state.metrics.in_flight.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
    let status = response.status();
    state.metrics.request(&route, status);
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

/// Ready when a worker token can be had: the upstream and the credentials both work.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.upstream.ready().await {
        Ok(()) => "ready".into_response(),
        Err(failure) => {
            tracing::warn!(%failure, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    ([("content-type", "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_fold_ids_away() {
        assert_eq!(
            route_of("/api/devices/1c41a471-3195-4edf-90fd-f9283028ab1a/nickname"),
            "/api/devices/{id}/nickname"
        );
        assert_eq!(route_of("/api/devices"), "/api/devices");
    }

    #[test]
    fn metrics_render_in_prometheus_text() {
        let metrics = Metrics::default();
        metrics.request("/api/devices", StatusCode::OK);
        metrics.request("/api/devices", StatusCode::OK);
        metrics.upstream(Duration::from_millis(20));
        metrics.limit_hit("Activate");
        let text = metrics.render();
        assert!(text.contains("mfa_proxy_requests_total{route=\"/api/devices\",status=\"200\"} 2"));
        assert!(text.contains("mfa_proxy_upstream_seconds_bucket{le=\"0.025\"} 1"));
        assert!(text.contains("mfa_proxy_upstream_seconds_bucket{le=\"0.01\"} 0"));
        assert!(text.contains("mfa_proxy_limit_hits_total{action=\"Activate\"} 1"));
    }
}
