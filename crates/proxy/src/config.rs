//! The proxy's configuration: a typed struct with safe defaults, checked as a whole before anything starts.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

pub use crate::upstream::Timeouts;

/// Where the devices API is.
#[derive(Debug, Clone)]
pub enum Upstream {
    /// A simulator started inside the proxy on loopback: the demo's and the tests' default.
    EmbeddedSimulator,
    /// A real PingOne environment, reached with a worker application's client credentials.
    PingOne {
        /// The API base, ending in `/v1`, such as `https://api.pingone.eu/v1`.
        api_url: String,
        /// The auth base, such as `https://auth.pingone.eu`.
        auth_url: String,
        environment_id: String,
        client_id: String,
        client_secret: SecretString,
        /// How the worker presents its credentials to the token endpoint.
        token_auth: TokenAuth,
        /// The MFA device policy that new devices are created under.
        policy_id: Option<String>,
    },
}

/// The worker application's `tokenEndpointAuthMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAuth {
    /// `CLIENT_SECRET_BASIC`: an `Authorization: Basic` header.
    Basic,
    /// `CLIENT_SECRET_POST`: `client_id` and `client_secret` in the form.
    Post,
}

/// How the proxy learns who the person is. The browser never names the user.
#[derive(Debug, Clone)]
pub enum Identity {
    /// The simulator's demo user, for everyone: allowed only with the embedded simulator.
    Demo,
    /// The person's own access token (RS256 or ES256), verified against the environment's JWKS; `sub` is the user.
    Bearer {
        jwks_url: String,
        issuer: String,
        audience: String,
        /// Allowed clock skew for `exp` and `nbf`.
        leeway_seconds: u64,
        /// A token with an unknown `kid` refetches the JWKS at most this often, so that forged tokens cannot
        /// hammer the issuer; a rotated-in key is accepted at most this long after its first token.
        jwks_refetch_seconds: u64,
    },
    /// A gateway in front names the user in `user_header`, and proves it is the gateway with `secret` in
    /// `secret_header`.
    Header { user_header: String, secret_header: String, secret: SecretString },
}

#[derive(Debug, Clone)]
pub struct Config {
    pub upstream: Upstream,
    pub identity: Identity,
    /// The built widget site to serve at `/`; none serves the API alone.
    pub site_dir: Option<PathBuf>,
    /// The device types that people may enroll here.
    pub allowed_types: Vec<devices_api::DeviceType>,
    /// The label that authenticator apps show for this service, reported to the widget.
    pub issuer: String,
    /// How long the widget waits before it offers to resend a pairing code.
    pub resend_cooldown_seconds: u32,
    /// How long the proxy waits for PingOne.
    pub timeouts: Timeouts,
    /// How often each person and each client address may create, activate and resend.
    pub limits: crate::limits::Limits,
    /// Origins of portals that may call the API from another origin: with `bearer`, through CORS; otherwise, a
    /// state-changing request from any other origin is refused, so that a cookie-carrying page elsewhere cannot
    /// act for the person.
    pub allowed_origins: Vec<String>,
    /// The CSP `frame-ancestors` sources: who may frame the site, for portals that embed it.
    pub frame_ancestors: String,
    /// Load balancers in front of the proxy, whose `X-Forwarded-For` names the client for the per-address limits.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A Redis URL for the rate-limit counts, so that replicas behind a load balancer share them; in memory when
    /// `None`.
    pub rate_limit_redis: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            upstream: Upstream::EmbeddedSimulator,
            identity: Identity::Demo,
            site_dir: None,
            allowed_types: {
                use devices_api::DeviceType as T;
                vec![T::Totp, T::Sms, T::Voice, T::Email, T::OathToken]
            },
            issuer: "mfa-enroll demo".to_owned(),
            resend_cooldown_seconds: 30,
            timeouts: Timeouts { connect: Duration::from_secs(5), total: Duration::from_secs(15) },
            limits: crate::limits::Limits::default(),
            allowed_origins: Vec::new(),
            frame_ancestors: "'self'".to_owned(),
            rate_limit_redis: None,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Config {
    /// Every problem with this configuration, each naming its setting; empty when it can start.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match &self.identity {
            Identity::Demo if !matches!(self.upstream, Upstream::EmbeddedSimulator) => {
                problems.push("identity: `demo` is allowed only with the embedded simulator as upstream".to_owned());
            }
            Identity::Bearer { jwks_url, issuer, audience, jwks_refetch_seconds, .. } => {
                if *jwks_refetch_seconds == 0 {
                    problems
                        .push("identity.jwks_refetch_seconds: at least 1, or every forged token fetches".to_owned());
                }
                if !is_https_or_loopback(jwks_url) {
                    problems
                        .push("identity.jwks_url: must be an https:// URL (or http://127.0.0.1 for tests)".to_owned());
                }
                if issuer.is_empty() || audience.is_empty() {
                    problems.push("identity.issuer and identity.audience: both are required for bearer".to_owned());
                }
            }
            Identity::Header { user_header, secret_header, secret } => {
                for (name, value) in [("identity.user_header", user_header), ("identity.secret_header", secret_header)]
                {
                    if axum::http::HeaderName::try_from(value.as_str()).is_err() {
                        problems.push(format!("{name}: `{value}` is not a header name"));
                    }
                }
                if secret.expose_secret().len() < 32 {
                    problems.push("identity.secret: the gateway secret must be at least 32 characters".to_owned());
                }
            }
            Identity::Demo => {}
        }
        if let Upstream::PingOne { api_url, auth_url, .. } = &self.upstream {
            for (name, url) in [("upstream.api_url", api_url), ("upstream.auth_url", auth_url)] {
                if !is_https_or_loopback(url) {
                    problems.push(format!("{name}: must be an https:// URL (or http://127.0.0.1 for tests)"));
                }
            }
        }
        if let Some(dir) = &self.site_dir
            && !dir.join("index.html").is_file()
        {
            problems.push(format!("site_dir: {} has no index.html; build the widget first", dir.display()));
        }
        for origin in self.allowed_origins.iter().filter(|origin| !is_origin(origin)) {
            problems.push(format!("allowed_origins: `{origin}` is not an origin such as https://portal.example.com"));
        }
        if self.frame_ancestors.contains([';', ',', '\n']) {
            problems.push("frame_ancestors: one CSP source list, without `;` or `,`".to_owned());
        }
        if self
            .rate_limit_redis
            .as_deref()
            .is_some_and(|url| !url.starts_with("redis://") && !url.starts_with("rediss://"))
        {
            problems.push("rate_limit_redis: must be a redis:// or rediss:// URL".to_owned());
        }
        if self.allowed_types.is_empty() {
            problems.push("allowed_types: at least one device type must be allowed".to_owned());
        }
        problems
    }
}

fn is_https_or_loopback(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://127.0.0.1")
}

/// `scheme://host[:port]`, nothing more: no path, no wildcard.
fn is_origin(origin: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    (scheme == "https" || scheme == "http")
        && !authority.is_empty()
        && authority.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}
