//! The one client of the PingOne devices API: it holds the worker token, refreshes it, and sends requests for one
//! user's devices.
//!
//! The worker token can reach every user of the environment, so it never leaves this module: not in a response,
//! not in a log line. Requests name a user id that the caller has already established; this module never takes one
//! from the browser.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::{PingOne, Timeouts, TokenAuth};
use crate::observe::Metrics;

/// A token is refreshed this long before PingOne says it expires, so that it never expires in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
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
    /// One refresh at a time: concurrent requests wait on this lock and then share the new token.
    token: Mutex<Option<WorkerToken>>,
    metrics: Arc<Metrics>,
}

struct WorkerToken {
    value: SecretString,
    refresh_at: Instant,
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
}

/// Why no answer came back.
pub enum UpstreamFailure {
    /// Connection refused or reset, or an unreadable answer.
    Unavailable(String),
    TimedOut,
    /// The token endpoint refused the worker credentials.
    TokenRefused(StatusCode),
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

impl UpstreamClient {
    /// A client of the environment in `pingone`, signed in as its worker application.
    pub fn new(pingone: &PingOne, timeouts: Timeouts, metrics: Arc<Metrics>) -> Self {
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
            token: Mutex::new(None),
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
                Err(failure) => matches!(failure, UpstreamFailure::Unavailable(_)),
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
        let response = self.send_once(method, url, &token, body.clone()).await?;
        if response.status != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        self.forget_token(&token).await;
        let token = self.worker_token().await?;
        self.send_once(method, url, &token, body).await
    }

    /// Whether a worker token can be had now.
    pub async fn ready(&self) -> Result<(), UpstreamFailure> {
        self.worker_token().await.map(drop)
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
        let bytes = response.bytes().await.map_err(failure)?;
        self.metrics.upstream(started.elapsed());
        let body = if bytes.is_empty() { None } else { serde_json::from_slice(&bytes).ok() };
        Ok(UpstreamResponse { status, body, retry_after })
    }

    /// The cached worker token, or a new one when it is missing or close to expiry.
    async fn worker_token(&self) -> Result<SecretString, UpstreamFailure> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref().filter(|token| token.refresh_at > Instant::now()) {
            return Ok(token.value.clone());
        }
        let request = self.http.post(&self.token_url);
        let secret = self.client_secret.expose_secret();
        let request = match self.token_auth {
            TokenAuth::Basic => {
                request.basic_auth(&self.client_id, Some(secret)).form(&[("grant_type", "client_credentials")])
            }
            TokenAuth::Post => request.form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("client_secret", secret),
            ]),
        };
        let response = request.send().await.map_err(failure)?;
        if !response.status().is_success() {
            return Err(UpstreamFailure::TokenRefused(response.status()));
        }
        let token: TokenResponse = response.json().await.map_err(failure)?;
        self.metrics.token_refresh();
        let lifetime = Duration::from_secs(token.expires_in).saturating_sub(EXPIRY_MARGIN);
        let value = SecretString::from(token.access_token);
        *cached = Some(WorkerToken { value: value.clone(), refresh_at: Instant::now() + lifetime });
        Ok(value)
    }

    /// Drops the cached token if it is still the one that was refused; a newer one stays.
    async fn forget_token(&self, refused: &SecretString) {
        let mut cached = self.token.lock().await;
        if cached.as_ref().is_some_and(|token| token.value.expose_secret() == refused.expose_secret()) {
            *cached = None;
        }
    }
}

impl std::fmt::Display for UpstreamFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unavailable(reason) => write!(f, "unavailable: {reason}"),
            Self::TimedOut => write!(f, "timed out"),
            Self::TokenRefused(status) => write!(f, "the token endpoint refused the worker credentials ({status})"),
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
    if error.is_timeout() {
        UpstreamFailure::TimedOut
    } else {
        // reqwest's message names the URL, never the headers, so the token cannot be in it.
        UpstreamFailure::Unavailable(error.without_url().to_string())
    }
}
