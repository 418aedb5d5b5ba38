//! The one client of the PingOne devices API: it holds the worker token, refreshes it, and sends requests for one
//! user's devices.
//!
//! The worker token can reach every user of the environment, so it never leaves this module: not in a response,
//! not in a log line. Requests name a user id that the caller has already established; this module never takes one
//! from the browser.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderValue, Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;

use crate::config::{PingOne, Timeouts, TokenAuth};
use crate::observe::Metrics;

/// A token is refreshed this long before PingOne says it expires, so that it never expires in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
/// After a refresh fails, every request for the next this long gets the same failure, without asking again: a
/// failing token endpoint is asked once per back-off, however many people are waiting.
const TOKEN_BACKOFF: Duration = Duration::from_secs(5);
/// Requests waiting for a worker token beyond this many fail at once rather than queue behind a slow endpoint.
const MAX_TOKEN_WAITERS: usize = 256;
/// How long `/readyz` reports PingOne's last 403 to the worker, unless a call succeeds first.
const REFUSAL_REPORTED_FOR: Duration = Duration::from_secs(60);
/// Idempotent reads and deletes are tried this many times in all on a 5xx or a connection error.
const IDEMPOTENT_ATTEMPTS: u32 = 3;
/// The first backoff; each next one doubles, plus up to as much again of jitter.
const BACKOFF: Duration = Duration::from_millis(100);

pub struct UpstreamClient {
    http: reqwest::Client,
    api_url: String,
    token_url: String,
    environment_id: String,
    client_id: String,
    client_secret: SecretString,
    token_auth: TokenAuth,
    /// The token and the last refresh's failure, read without waiting.
    token: std::sync::Mutex<TokenState>,
    /// One refresh at a time: concurrent requests wait on this lock and then share its outcome, the token or the
    /// failure; while it is held, a token that has not expired yet serves.
    refreshing: tokio::sync::Mutex<()>,
    /// A permit for each request that waits for a refresh (none is valid); one that gives up gives its permit back.
    waiters: tokio::sync::Semaphore,
    /// What the last refresh came to, for `/readyz`, which must not wait on a refresh in flight: `None` before the
    /// first, the failure's reason after a failed one.
    last_refresh: std::sync::Mutex<Option<Result<(), String>>>,
    /// Why PingOne last refused the worker itself (a 403), and when: the likeliest mistake of a deployment,
    /// reported by `/readyz` until a later call succeeds or [`REFUSAL_REPORTED_FOR`] passes (a 403 for one user
    /// outside the worker's population must not keep a replica out of service).
    refused: std::sync::Mutex<Option<(&'static str, std::time::SystemTime)>>,
    /// The clock that the refusal's report follows.
    clock: crate::Clock,
    metrics: Arc<Metrics>,
}

/// The worker token as last fetched, and the last refresh's failure while its back-off lasts.
#[derive(Default)]
struct TokenState {
    token: Option<WorkerToken>,
    failed: Option<(Instant, UpstreamFailure)>,
}

struct WorkerToken {
    value: SecretString,
    refresh_at: Instant,
    expires_at: Instant,
}

/// What `/readyz` reports: the last known state of the worker token, found without asking PingOne.
pub enum Readiness {
    /// The last refresh of the worker token succeeded.
    Ready,
    /// No token has been asked for yet.
    Starting,
    /// The last refresh failed, for this reason.
    Failing(String),
}

/// A client-credentials request for a worker token, the secret presented as `auth` says.
pub(crate) fn token_request(
    http: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    secret: &str,
    auth: TokenAuth,
) -> reqwest::RequestBuilder {
    let request = http.post(token_url);
    match auth {
        TokenAuth::Basic => request.basic_auth(client_id, Some(secret)).form(&[("grant_type", "client_credentials")]),
        TokenAuth::Post => {
            request.form(&[("grant_type", "client_credentials"), ("client_id", client_id), ("client_secret", secret)])
        }
    }
}

/// The likely cause of PingOne's 403 to the worker, by its detail code.
pub fn refusal_cause(detail: Option<&str>) -> &'static str {
    match detail {
        Some("LICENSE_EXCEEDED") => "the environment's licence does not cover this use, or its quota is spent",
        _ => {
            "the worker application lacks a role that manages users' devices (Identity Data Admin), or its role does \
             not reach this user's population"
        }
    }
}

/// The environment-wide resources that the proxy reads: the MFA settings and the device policy.
pub enum EnvironmentResource<'a> {
    MfaSettings,
    Policy(&'a str),
}

/// What came back from PingOne.
pub struct UpstreamResponse {
    pub status: StatusCode,
    /// The JSON body, if there was one that parses.
    pub body: Option<serde_json::Value>,
    pub retry_after: Option<HeaderValue>,
    /// PingOne's time when it answered (`Date`), so that what it made can be dated on its own clock.
    pub date: Option<std::time::SystemTime>,
}

/// Why no answer came back.
#[derive(Clone)]
pub enum UpstreamFailure {
    /// No connection could be made: the request was certainly not sent.
    Unreachable(String),
    /// The connection was reset, or the answer could not be read: the request may have been done.
    Unavailable(String),
    TimedOut,
    /// The token endpoint refused the worker credentials (a 4xx).
    TokenRefused(StatusCode),
    /// The token endpoint failed (a 5xx), credentials unknown.
    TokenEndpointFailed(StatusCode),
    /// No worker token could be had (the token endpoint out of reach or too slow, or too many waiting for it): the
    /// request was not sent.
    NoToken(String),
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

impl UpstreamClient {
    /// A client of the environment in `pingone`, signed in as its worker application.
    pub fn new(pingone: &PingOne, timeouts: Timeouts, metrics: Arc<Metrics>, clock: crate::Clock) -> Self {
        let (api_url, auth_url) = pingone.urls();
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .build()
            .expect("a client with timeouts only always builds");
        Self {
            http,
            api_url: api_url.trim_end_matches('/').to_owned(),
            token_url: format!("{}/{}/as/token", auth_url.trim_end_matches('/'), pingone.environment_id),
            environment_id: pingone.environment_id.clone(),
            client_id: pingone.client_id.clone(),
            client_secret: pingone.client_secret.clone(),
            token_auth: pingone.token_auth,
            token: std::sync::Mutex::new(TokenState::default()),
            refreshing: tokio::sync::Mutex::new(()),
            waiters: tokio::sync::Semaphore::new(MAX_TOKEN_WAITERS),
            last_refresh: std::sync::Mutex::new(None),
            refused: std::sync::Mutex::new(None),
            clock,
            metrics,
        }
    }

    /// Sends a request for `path` below `…/users/{user_id}/devices`, with a fresh worker token if the cached one
    /// is refused.
    pub async fn send(
        &self,
        method: Method,
        user_id: &str,
        path: &str,
        body: Option<(&'static str, Vec<u8>)>,
    ) -> Result<UpstreamResponse, UpstreamFailure> {
        let url = format!("{}/environments/{}/users/{user_id}/devices{path}", self.api_url, self.environment_id);
        // A POST is never sent twice on a failure: it may have been done. Reads and deletes may.
        let attempts = if method == Method::GET || method == Method::DELETE { IDEMPOTENT_ATTEMPTS } else { 1 };
        let mut attempt = 1;
        loop {
            let outcome = self.send_with_fresh_token(&method, &url, body.clone()).await;
            let retryable = match &outcome {
                Ok(response) => response.status.is_server_error(),
                Err(failure) => matches!(failure, UpstreamFailure::Unreachable(_) | UpstreamFailure::Unavailable(_)),
            };
            if !retryable || attempt >= attempts {
                return outcome;
            }
            tokio::time::sleep(backoff(attempt)).await;
            attempt += 1;
        }
    }

    /// Reads one of the two environment-wide resources that decide what the widget offers. Nothing else of the
    /// environment is reachable through the proxy.
    pub async fn read_environment(
        &self,
        resource: EnvironmentResource<'_>,
    ) -> Result<UpstreamResponse, UpstreamFailure> {
        let path = match resource {
            EnvironmentResource::MfaSettings => "mfaSettings".to_owned(),
            EnvironmentResource::Policy(id) => format!("deviceAuthenticationPolicies/{id}"),
        };
        let url = format!("{}/environments/{}/{path}", self.api_url, self.environment_id);
        self.send_with_fresh_token(&Method::GET, &url, None).await
    }

    /// Sends once with the cached worker token and, if PingOne refuses it, once more with a fresh one: a 401
    /// means the request was not done, so even a POST may go again.
    async fn send_with_fresh_token(
        &self,
        method: &Method,
        url: &str,
        body: Option<(&'static str, Vec<u8>)>,
    ) -> Result<UpstreamResponse, UpstreamFailure> {
        let token = self.worker_token().await?;
        let mut response = self.send_once(method, url, &token, body.clone()).await?;
        if response.status == StatusCode::UNAUTHORIZED {
            self.forget_token(&token);
            let token = self.worker_token().await?;
            response = self.send_once(method, url, &token, body).await?;
        }
        self.note_refusal(&response);
        Ok(response)
    }

    /// Keeps why PingOne refuses the worker, from a 403, until a call succeeds; logs the likely cause once.
    fn note_refusal(&self, response: &UpstreamResponse) {
        let mut refused = self.refused.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if response.status.is_success() {
            *refused = None;
        } else if response.status == StatusCode::FORBIDDEN {
            let detail = response.body.as_ref().and_then(|body| body["details"][0]["code"].as_str());
            let cause = refusal_cause(detail);
            if refused.is_none() {
                tracing::error!(cause, detail, "PingOne refused the worker (403)");
            }
            *refused = Some((cause, self.clock.time()));
        }
    }

    /// Fetches the first worker token, and fetches again after a failure once its back-off has passed, for as long
    /// as it runs: `/readyz` reports the last refresh, and recovers without traffic to refresh for it.
    pub async fn keep_ready(&self) {
        loop {
            if !matches!(self.readiness(), Readiness::Ready)
                && let Err(failure) = self.worker_token().await
            {
                tracing::warn!(%failure, "no worker token yet");
            }
            tokio::time::sleep(TOKEN_BACKOFF).await;
        }
    }

    /// The last known state of the worker token, as the last refresh left it, and whether PingOne refused the
    /// worker since its last success; asks PingOne nothing.
    pub fn readiness(&self) -> Readiness {
        match &*self.last_refresh.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) {
            None => Readiness::Starting,
            Some(Err(reason)) => Readiness::Failing(reason.clone()),
            Some(Ok(())) => match *self.refused.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) {
                Some((cause, at))
                    if self.clock.time().duration_since(at).unwrap_or_default() < REFUSAL_REPORTED_FOR =>
                {
                    Readiness::Failing(format!("PingOne refuses the worker (403): {cause}"))
                }
                _ => Readiness::Ready,
            },
        }
    }

    async fn send_once(
        &self,
        method: &Method,
        url: &str,
        token: &SecretString,
        body: Option<(&'static str, Vec<u8>)>,
    ) -> Result<UpstreamResponse, UpstreamFailure> {
        let started = Instant::now();
        let mut request = self
            .http
            .request(method.clone(), url)
            .bearer_auth(token.expose_secret())
            .header("X-Ping-External-Transaction-ID", crate::observe::request_id());
        if let Some((content_type, bytes)) = body {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(bytes);
        }
        let response = request.send().await.map_err(failure)?;
        let status = response.status();
        let retry_after = response.headers().get(reqwest::header::RETRY_AFTER).cloned();
        let date = response.headers().get(reqwest::header::DATE).and_then(|date| date.to_str().ok());
        let date = date.and_then(|date| httpdate::parse_http_date(date).ok());
        let bytes = response.bytes().await.map_err(failure)?;
        self.metrics.upstream(started.elapsed());
        let body = if bytes.is_empty() { None } else { serde_json::from_slice(&bytes).ok() };
        Ok(UpstreamResponse { status, body, retry_after, date })
    }

    /// The cached worker token, or a new one when it is missing or close to expiry. One refresh runs at a time and
    /// its outcome, a failure too, is shared: a failure for [`TOKEN_BACKOFF`], during which nobody asks again. While
    /// a refresh runs, the token it replaces serves until it expires, so that nobody waits for a slow endpoint.
    async fn worker_token(&self) -> Result<SecretString, UpstreamFailure> {
        if let Some(shared) = self.shared_outcome(Instant::now()) {
            return shared;
        }
        let refreshing = match self.refreshing.try_lock() {
            Ok(refreshing) => refreshing,
            Err(_) => {
                let now = Instant::now();
                if let Some(token) = self.state().token.as_ref().filter(|token| token.expires_at > now) {
                    return Ok(token.value.clone());
                }
                let Ok(waiting) = self.waiters.try_acquire() else {
                    return Err(UpstreamFailure::NoToken("too many requests waiting for a worker token".into()));
                };
                let refreshing = self.refreshing.lock().await;
                drop(waiting);
                refreshing
            }
        };
        // The refresh that held the lock may have brought a token, or a failure to share.
        if let Some(shared) = self.shared_outcome(Instant::now()) {
            return shared;
        }
        let fetched = self.fetch_token().await;
        *self.last_refresh.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(fetched.as_ref().map(drop).map_err(ToString::to_string));
        let mut state = self.state();
        let outcome = match fetched {
            Ok((value, lifetime)) => {
                state.failed = None;
                // Refreshed well before it expires, but never more than halfway through its life: a short-lived
                // token is not fetched again for every call.
                let margin = EXPIRY_MARGIN.min(lifetime / 2);
                let now = Instant::now();
                let refresh_at = now + lifetime - margin;
                state.token = Some(WorkerToken { value: value.clone(), refresh_at, expires_at: now + lifetime });
                Ok(value)
            }
            Err(failure) => {
                let now = Instant::now();
                state.failed = Some((now, failure.clone()));
                // The token it was to replace serves until it expires.
                let valid = state.token.as_ref().filter(|token| token.expires_at > now);
                valid.map(|token| token.value.clone()).ok_or(failure)
            }
        };
        drop(refreshing);
        outcome
    }

    /// What a request gets without a refresh of its own: the cached token while it is fresh, or the last refresh's
    /// failure while its back-off lasts.
    fn shared_outcome(&self, now: Instant) -> Option<Result<SecretString, UpstreamFailure>> {
        let state = self.state();
        if let Some(token) = state.token.as_ref().filter(|token| token.refresh_at > now) {
            return Some(Ok(token.value.clone()));
        }
        match &state.failed {
            // The refresh failed, and is not tried again within its back-off: a token that has not expired yet
            // serves meanwhile.
            Some((at, failure)) if now.duration_since(*at) < TOKEN_BACKOFF => {
                let valid = state.token.as_ref().filter(|token| token.expires_at > now);
                Some(valid.map(|token| token.value.clone()).ok_or_else(|| failure.clone()))
            }
            _ => None,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, TokenState> {
        self.token.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Asks the token endpoint for a worker token and its lifetime, again after a 5xx or a connection error, as
    /// reads are.
    async fn fetch_token(&self) -> Result<(SecretString, Duration), UpstreamFailure> {
        let mut attempt = 1;
        loop {
            let outcome = self.fetch_token_once().await;
            let retryable =
                matches!(outcome, Err(UpstreamFailure::NoToken(_) | UpstreamFailure::TokenEndpointFailed(_)));
            if !retryable || attempt >= IDEMPOTENT_ATTEMPTS {
                return outcome;
            }
            tokio::time::sleep(backoff(attempt)).await;
            attempt += 1;
        }
    }

    async fn fetch_token_once(&self) -> Result<(SecretString, Duration), UpstreamFailure> {
        let secret = self.client_secret.expose_secret();
        let request = token_request(&self.http, &self.token_url, &self.client_id, secret, self.token_auth);
        // Whatever fails here, the request that needs the token is not sent.
        let no_token = |error: reqwest::Error| UpstreamFailure::NoToken(error.without_url().to_string());
        let response = request.send().await.map_err(no_token)?;
        let status = response.status();
        if status.is_server_error() {
            return Err(UpstreamFailure::TokenEndpointFailed(status));
        }
        if !status.is_success() {
            return Err(UpstreamFailure::TokenRefused(status));
        }
        let token: TokenResponse = response.json().await.map_err(no_token)?;
        self.metrics.token_refresh();
        Ok((SecretString::from(token.access_token), Duration::from_secs(token.expires_in)))
    }

    /// Drops the cached token if it is still the one that was refused; a newer one stays.
    fn forget_token(&self, refused: &SecretString) {
        let mut state = self.state();
        if state.token.as_ref().is_some_and(|token| token.value.expose_secret() == refused.expose_secret()) {
            state.token = None;
        }
    }
}

impl UpstreamFailure {
    /// Whether PingOne certainly did not get the request: no connection, or no worker token to send it with.
    pub fn certainly_not_sent(&self) -> bool {
        matches!(self, Self::Unreachable(_) | Self::TokenRefused(_) | Self::TokenEndpointFailed(_) | Self::NoToken(_))
    }
}

impl std::fmt::Display for UpstreamFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(reason) => write!(f, "unreachable: {reason}"),
            Self::Unavailable(reason) => write!(f, "unavailable: {reason}"),
            Self::TimedOut => write!(f, "timed out"),
            Self::TokenRefused(status) => write!(f, "the token endpoint refused the worker credentials ({status})"),
            Self::TokenEndpointFailed(status) => write!(f, "the token endpoint failed ({status})"),
            Self::NoToken(reason) => write!(f, "no worker token: {reason}"),
        }
    }
}

/// The wait before attempt `attempt + 1`: doubling from [`BACKOFF`], with jitter so that retries spread out.
fn backoff(attempt: u32) -> Duration {
    let base = BACKOFF * 2u32.pow(attempt - 1);
    let mut byte = [0u8; 1];
    let jitter = if getrandom::fill(&mut byte).is_ok() { base * u32::from(byte[0]) / 255 } else { Duration::ZERO };
    base + jitter
}

fn failure(error: reqwest::Error) -> UpstreamFailure {
    let is_connect = error.is_connect();
    if error.is_timeout() {
        UpstreamFailure::TimedOut
    } else {
        // reqwest's message names the URL, never the headers, so the token cannot be in it.
        let reason = error.without_url().to_string();
        if is_connect { UpstreamFailure::Unreachable(reason) } else { UpstreamFailure::Unavailable(reason) }
    }
}
