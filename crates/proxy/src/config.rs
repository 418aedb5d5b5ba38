//! The proxy's configuration: one typed struct with safe defaults, read from a TOML file overridden by
//! `MFA_ENROLL_…` environment variables (nested keys joined by `__`), then by flags, and checked once, as a whole,
//! when the proxy starts. Secrets come from the environment or a file, never from a flag or the TOML file itself.
//!
//! The file's shape is this struct's: each default is written once, in its `Default`, and a value of the wrong
//! type is refused with the setting's name. What only makes sense together (a mode and the fields it needs, a
//! region or both URLs) is checked by [`Config::problems`], which reports every problem at once.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use devices_api::DeviceType;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::limits::Limits;

/// The environment variable that holds the worker's client secret, unless `client_secret_file` names a file.
pub const CLIENT_SECRET_ENV: &str = "MFA_ENROLL_CLIENT_SECRET";
/// The environment variable that holds the gateway's shared secret, unless `secret_file` names a file.
pub const GATEWAY_SECRET_ENV: &str = "MFA_ENROLL_GATEWAY_SECRET";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the proxy listens.
    pub listen: SocketAddr,
    pub upstream: Upstream,
    pub identity: Identity,
    /// The built widget site to serve at `/`; none serves the API alone.
    pub site_dir: Option<PathBuf>,
    /// The device types that people may enroll here.
    pub allowed_types: Vec<DeviceType>,
    /// The label that authenticator apps show for this service, reported to the widget.
    pub issuer: String,
    /// How long the widget waits before it offers to resend a pairing code.
    pub resend_cooldown_seconds: u32,
    /// How long the proxy waits for PingOne.
    pub timeouts: Timeouts,
    /// How long the proxy waits for clients, and how many it serves at once.
    pub connections: Connections,
    /// How often each person and each client address may call each route: create, activate, resend, read and
    /// change.
    pub limits: Limits,
    /// The origins of the pages that may call the API, such as the site's own `https://mfa.example.com` and, with
    /// `bearer`, portals on other hosts (through CORS). With `demo` or `header`, a state-changing request must come
    /// from one of them, with a `Host` that names it: a cookie-carrying page elsewhere, or a name rebound to this
    /// server's address, cannot act for the person. Without any: loopback origins over `http`, for the demo and
    /// the tests.
    pub public_origins: Vec<String>,
    /// The CSP `frame-ancestors` sources: who may frame the site, for portals that embed it.
    pub frame_ancestors: String,
    /// Load balancers in front of the proxy, whose `X-Forwarded-For` names the client for the per-address limits.
    pub trusted_proxies: Vec<IpAddr>,
    /// A Redis URL for the rate-limit counts, so that replicas behind a load balancer share them; in memory when
    /// `None`.
    pub rate_limit_redis: Option<String>,
    /// The clock that the rate limits' windows follow: the system's, unless a test sets its own.
    #[serde(skip)]
    pub clock: Clock,
}

/// Where the devices API is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "UpstreamSection", into = "UpstreamSection")]
pub enum Upstream {
    /// A simulator started inside the proxy on loopback: the demo's and the tests' default. A proxy built without
    /// the `embedded-simulator` feature refuses it.
    EmbeddedSimulator,
    /// A real PingOne environment, reached with a worker application's client credentials.
    PingOne(PingOne),
}

/// A PingOne environment and the worker application that signs in to it.
#[derive(Debug, Clone)]
pub struct PingOne {
    /// `com`, `ca`, `eu`, `com.au`, `sg` or `asia`, which names both hosts; or leave it out and give both URLs.
    pub region: Option<String>,
    /// The API base, ending in `/v1`, such as `https://api.pingone.eu/v1`.
    pub api_url: String,
    /// The auth base, such as `https://auth.pingone.eu`.
    pub auth_url: String,
    pub environment_id: String,
    pub client_id: String,
    /// From `client_secret_file`, or else from `MFA_ENROLL_CLIENT_SECRET`.
    pub client_secret: SecretString,
    /// A file that holds the client secret.
    pub client_secret_file: Option<PathBuf>,
    /// How the worker presents its credentials to the token endpoint.
    pub token_auth: TokenAuth,
    /// The MFA device policy that new devices are created under.
    pub policy_id: Option<String>,
}

/// The `[upstream]` section as written: one table whose `kind` says which fields count, so that an environment
/// variable can switch the kind that a file was written for.
#[derive(Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct UpstreamSection {
    /// `simulator` (the embedded one) or `pingone`.
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    api_url: String,
    auth_url: String,
    environment_id: String,
    client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret_file: Option<PathBuf>,
    token_auth: TokenAuth,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_id: Option<String>,
}

impl Default for UpstreamSection {
    fn default() -> Self {
        Upstream::EmbeddedSimulator.into()
    }
}

impl TryFrom<UpstreamSection> for Upstream {
    type Error = String;

    fn try_from(section: UpstreamSection) -> Result<Self, String> {
        let UpstreamSection {
            kind,
            region,
            api_url,
            auth_url,
            environment_id,
            client_id,
            client_secret_file,
            token_auth,
            policy_id,
        } = section;
        match kind.as_str() {
            "simulator" => Ok(Self::EmbeddedSimulator),
            "pingone" => Ok(Self::PingOne(PingOne {
                region,
                api_url,
                auth_url,
                environment_id,
                client_id,
                client_secret: no_secret(),
                client_secret_file,
                token_auth,
                policy_id,
            })),
            other => Err(format!("kind: `{other}` is not simulator or pingone")),
        }
    }
}

impl From<Upstream> for UpstreamSection {
    fn from(upstream: Upstream) -> Self {
        let (kind, pingone) = match upstream {
            Upstream::EmbeddedSimulator => ("simulator", PingOne::default()),
            Upstream::PingOne(pingone) => ("pingone", pingone),
        };
        let PingOne {
            region,
            api_url,
            auth_url,
            environment_id,
            client_id,
            client_secret: _,
            client_secret_file,
            token_auth,
            policy_id,
        } = pingone;
        Self {
            kind: kind.to_owned(),
            region,
            api_url,
            auth_url,
            environment_id,
            client_id,
            client_secret_file,
            token_auth,
            policy_id,
        }
    }
}

impl Default for PingOne {
    fn default() -> Self {
        Self {
            region: None,
            api_url: String::new(),
            auth_url: String::new(),
            environment_id: String::new(),
            client_id: String::new(),
            client_secret: no_secret(),
            client_secret_file: None,
            token_auth: TokenAuth::Basic,
            policy_id: None,
        }
    }
}

impl PingOne {
    /// The API and auth bases: the region's hosts, or the URLs given.
    pub fn urls(&self) -> (String, String) {
        match &self.region {
            Some(region) => (format!("https://api.pingone.{region}/v1"), format!("https://auth.pingone.{region}")),
            None => (self.api_url.clone(), self.auth_url.clone()),
        }
    }
}

/// The worker application's `tokenEndpointAuthMethod`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenAuth {
    /// `CLIENT_SECRET_BASIC`: an `Authorization: Basic` header.
    #[default]
    Basic,
    /// `CLIENT_SECRET_POST`: `client_id` and `client_secret` in the form.
    Post,
}

/// How the proxy learns who the person is. The browser never names the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "IdentitySection", into = "IdentitySection")]
pub enum Identity {
    /// The simulator's demo user, for everyone: allowed only with the embedded simulator.
    Demo,
    /// The person's own access token (RS256 or ES256), verified against the environment's JWKS; `sub` is the user.
    Bearer(Bearer),
    /// A gateway in front names the user in `user_header`, and proves it is the gateway with its shared secret
    /// in `secret_header`.
    Header(Gateway),
}

/// The settings of the `bearer` identity.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub jwks_url: String,
    pub issuer: String,
    pub audience: String,
    /// Allowed clock skew for `exp` and `nbf`.
    pub leeway_seconds: u64,
    /// A token with an unknown `kid` refetches the JWKS at most this often, so that forged tokens cannot hammer
    /// the issuer; a rotated-in key is accepted at most this long after its first token.
    pub jwks_refetch_seconds: u64,
}

impl Default for Bearer {
    fn default() -> Self {
        Self {
            jwks_url: String::new(),
            issuer: String::new(),
            audience: String::new(),
            leeway_seconds: 30,
            jwks_refetch_seconds: 30,
        }
    }
}

/// The settings of the `header` identity.
#[derive(Debug, Clone)]
pub struct Gateway {
    pub user_header: String,
    pub secret_header: String,
    /// From `secret_file`, or else from `MFA_ENROLL_GATEWAY_SECRET`.
    pub secret: SecretString,
    /// A file that holds the gateway's shared secret.
    pub secret_file: Option<PathBuf>,
}

/// The `[identity]` section as written: one table whose `mode` says which fields count, so that an environment
/// variable can switch the mode that a file was written for.
#[derive(Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct IdentitySection {
    /// `demo`, `bearer` or `header`.
    mode: String,
    jwks_url: String,
    issuer: String,
    audience: String,
    leeway_seconds: u64,
    jwks_refetch_seconds: u64,
    user_header: String,
    secret_header: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_file: Option<PathBuf>,
}

impl Default for IdentitySection {
    fn default() -> Self {
        Identity::Demo.into()
    }
}

impl TryFrom<IdentitySection> for Identity {
    type Error = String;

    fn try_from(section: IdentitySection) -> Result<Self, String> {
        let IdentitySection {
            mode,
            jwks_url,
            issuer,
            audience,
            leeway_seconds,
            jwks_refetch_seconds,
            user_header,
            secret_header,
            secret_file,
        } = section;
        match mode.as_str() {
            "demo" => Ok(Self::Demo),
            "bearer" => Ok(Self::Bearer(Bearer { jwks_url, issuer, audience, leeway_seconds, jwks_refetch_seconds })),
            "header" => Ok(Self::Header(Gateway { user_header, secret_header, secret: no_secret(), secret_file })),
            other => Err(format!("mode: `{other}` is not demo, bearer or header")),
        }
    }
}

impl From<Identity> for IdentitySection {
    fn from(identity: Identity) -> Self {
        let (mode, bearer, gateway) = match identity {
            Identity::Demo => ("demo", Bearer::default(), Gateway::default()),
            Identity::Bearer(bearer) => ("bearer", bearer, Gateway::default()),
            Identity::Header(gateway) => ("header", Bearer::default(), gateway),
        };
        let Bearer { jwks_url, issuer, audience, leeway_seconds, jwks_refetch_seconds } = bearer;
        let Gateway { user_header, secret_header, secret: _, secret_file } = gateway;
        Self {
            mode: mode.to_owned(),
            jwks_url,
            issuer,
            audience,
            leeway_seconds,
            jwks_refetch_seconds,
            user_header,
            secret_header,
            secret_file,
        }
    }
}

impl Default for Gateway {
    fn default() -> Self {
        Self { user_header: String::new(), secret_header: String::new(), secret: no_secret(), secret_file: None }
    }
}

/// A secret not given yet.
fn no_secret() -> SecretString {
    SecretString::from(String::new())
}

/// How long the proxy waits for PingOne.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timeouts {
    #[serde(rename = "connect_seconds", with = "seconds")]
    pub connect: Duration,
    /// For a whole request, answer included.
    #[serde(rename = "total_seconds", with = "seconds")]
    pub total: Duration,
}

/// How the proxy treats its clients' connections, so that slow or idle ones cannot exhaust it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Connections {
    /// A client sends a request's whole head within this long; a kept-alive connection that sends no next request
    /// within it is closed too.
    #[serde(rename = "header_read_timeout_seconds", with = "seconds")]
    pub header_read_timeout: Duration,
    /// Connections served at once; beyond them, new ones wait in the listen backlog.
    pub max_connections: usize,
}

impl Default for Connections {
    fn default() -> Self {
        Self { header_read_timeout: Duration::from_secs(10), max_connections: 4096 }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { connect: Duration::from_secs(5), total: Duration::from_secs(15) }
    }
}

impl Default for Config {
    fn default() -> Self {
        use devices_api::DeviceType as T;
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            upstream: Upstream::EmbeddedSimulator,
            identity: Identity::Demo,
            site_dir: None,
            allowed_types: vec![T::Totp, T::Sms, T::Voice, T::Email, T::OathToken],
            issuer: "mfa-enroll demo".to_owned(),
            resend_cooldown_seconds: 30,
            timeouts: Timeouts::default(),
            connections: Connections::default(),
            limits: Limits::default(),
            public_origins: Vec::new(),
            frame_ancestors: "'self'".to_owned(),
            trusted_proxies: Vec::new(),
            rate_limit_redis: None,
            clock: Clock::default(),
        }
    }
}

impl Config {
    /// The defaults, then the TOML `file` if there is one, then `MFA_ENROLL_…` variables; the secrets from their
    /// files or `environment`. Every setting that cannot be read is reported, each by its name; what the values
    /// mean together is checked when the proxy starts ([`Config::problems`]).
    pub fn load(file: Option<&Path>, environment: &dyn Fn(&str) -> Option<String>) -> Result<Self, Vec<String>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(vec![format!("config: {} is not a file", file.display())]);
            }
            figment = figment.merge(Toml::file(file));
        }
        // The two secrets are read on their own, never as settings.
        let figment =
            figment.merge(Env::prefixed("MFA_ENROLL_").split("__").ignore(&["CLIENT_SECRET", "GATEWAY_SECRET"]));
        let mut config: Config = figment.extract().map_err(|error| error.into_iter().map(named).collect::<Vec<_>>())?;
        let mut problems = Vec::new();
        if let Upstream::PingOne(pingone) = &mut config.upstream {
            let file = pingone.client_secret_file.as_deref();
            pingone.client_secret =
                secret("upstream.client_secret_file", file, CLIENT_SECRET_ENV, environment, &mut problems);
        }
        if let Identity::Header(gateway) = &mut config.identity {
            let file = gateway.secret_file.as_deref();
            gateway.secret = secret("identity.secret_file", file, GATEWAY_SECRET_ENV, environment, &mut problems);
        }
        if problems.is_empty() { Ok(config) } else { Err(problems) }
    }

    /// Every problem with this configuration, each naming its setting; empty when it can start.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match &self.identity {
            Identity::Demo if !matches!(self.upstream, Upstream::EmbeddedSimulator) => {
                problems.push("identity: `demo` is allowed only with the embedded simulator as upstream".to_owned());
            }
            Identity::Demo => {}
            Identity::Bearer(bearer) => {
                if bearer.jwks_refetch_seconds == 0 {
                    problems
                        .push("identity.jwks_refetch_seconds: at least 1, or every forged token fetches".to_owned());
                }
                if !is_https_or_loopback(&bearer.jwks_url) {
                    problems
                        .push("identity.jwks_url: must be an https:// URL (or http://127.0.0.1 for tests)".to_owned());
                }
                for (name, value) in [("identity.issuer", &bearer.issuer), ("identity.audience", &bearer.audience)] {
                    if value.is_empty() {
                        problems.push(format!("{name}: required with the bearer identity"));
                    }
                }
            }
            Identity::Header(gateway) => {
                for (name, value) in
                    [("identity.user_header", &gateway.user_header), ("identity.secret_header", &gateway.secret_header)]
                {
                    if axum::http::HeaderName::try_from(value.as_str()).is_err() {
                        problems.push(format!("{name}: `{value}` is not a header name"));
                    }
                }
                match gateway.secret.expose_secret().len() {
                    0 => problems.push(format!("identity.secret_file: name a file, or set {GATEWAY_SECRET_ENV}")),
                    1..32 => problems.push("identity.secret: the gateway secret must be at least 32 characters".into()),
                    _ => {}
                }
            }
        }
        match &self.upstream {
            Upstream::EmbeddedSimulator if !cfg!(feature = "embedded-simulator") => problems.push(
                "upstream.kind: this proxy was built without the embedded simulator; configure pingone".to_owned(),
            ),
            Upstream::EmbeddedSimulator => {}
            Upstream::PingOne(pingone) => pingone_problems(pingone, &mut problems),
        }
        if let Some(dir) = &self.site_dir
            && !dir.join("index.html").is_file()
        {
            problems.push(format!("site_dir: {} has no index.html; build the widget first", dir.display()));
        }
        for device_type in &self.allowed_types {
            let enrollable =
                [DeviceType::Sms, DeviceType::Voice, DeviceType::Email, DeviceType::Totp, DeviceType::OathToken];
            if !enrollable.contains(device_type) {
                let name = device_type.as_str();
                problems.push(format!("allowed_types: `{name}` is not SMS, VOICE, EMAIL, TOTP or OATH_TOKEN"));
            }
        }
        if self.allowed_types.is_empty() {
            problems.push("allowed_types: at least one device type must be allowed".to_owned());
        }
        for (name, timeout) in
            [("timeouts.connect_seconds", self.timeouts.connect), ("timeouts.total_seconds", self.timeouts.total)]
        {
            if timeout.is_zero() {
                problems.push(format!("{name}: must be a positive number of seconds"));
            }
        }
        if self.connections.header_read_timeout.is_zero() {
            problems.push("connections.header_read_timeout_seconds: must be a positive number of seconds".to_owned());
        }
        if self.connections.max_connections == 0 {
            problems.push("connections.max_connections: at least 1".to_owned());
        }
        for (name, rate) in self.limits.named() {
            if rate.per_user == 0 || rate.per_address == 0 || rate.window.as_secs() == 0 {
                problems.push(format!("limits.{name}: per_user, per_address and window_seconds must be positive"));
            }
        }
        for origin in self.public_origins.iter().filter(|origin| !is_origin(origin)) {
            problems.push(format!("public_origins: `{origin}` is not an origin such as https://mfa.example.com"));
        }
        if self.frame_ancestors.contains([';', ',', '\n'])
            || axum::http::HeaderValue::from_str(&self.frame_ancestors).is_err()
        {
            problems.push("frame_ancestors: one CSP source list, without `;` or `,`".to_owned());
        }
        if self
            .rate_limit_redis
            .as_deref()
            .is_some_and(|url| !url.starts_with("redis://") && !url.starts_with("rediss://"))
        {
            problems.push("rate_limit_redis: must be a redis:// or rediss:// URL".to_owned());
        }
        problems
    }
}

fn pingone_problems(pingone: &PingOne, problems: &mut Vec<String>) {
    match (&pingone.region, pingone.api_url.is_empty(), pingone.auth_url.is_empty()) {
        (Some(region), true, true) => {
            if !matches!(region.as_str(), "com" | "ca" | "eu" | "com.au" | "sg" | "asia") {
                problems.push(format!("upstream.region: `{region}` is not com, ca, eu, com.au, sg or asia"));
            }
        }
        (None, false, false) => {
            for (name, url) in [("upstream.api_url", &pingone.api_url), ("upstream.auth_url", &pingone.auth_url)] {
                if !is_https_or_loopback(url) {
                    problems.push(format!("{name}: must be an https:// URL (or http://127.0.0.1 for tests)"));
                }
            }
        }
        _ => problems.push("upstream: give either region, or both api_url and auth_url".to_owned()),
    }
    for (name, value) in
        [("upstream.environment_id", &pingone.environment_id), ("upstream.client_id", &pingone.client_id)]
    {
        if value.is_empty() {
            problems.push(format!("{name}: required with a pingone upstream"));
        }
    }
    if pingone.client_secret.expose_secret().is_empty() {
        problems.push(format!("upstream.client_secret_file: name a file, or set {CLIENT_SECRET_ENV}"));
    }
}

/// A setting that could not be read, by its name.
fn named(error: figment::Error) -> String {
    match error.path.join(".") {
        path if path.is_empty() => error.kind.to_string(),
        path => format!("{path}: {}", error.kind),
    }
}

/// A secret from its file when one is named, else from the environment variable; empty when neither gives one
/// (`Config::problems` says so), and a problem when the file cannot be read.
fn secret(
    setting: &str,
    file: Option<&Path>,
    variable: &str,
    environment: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> SecretString {
    let value = match file {
        Some(file) => std::fs::read_to_string(file).unwrap_or_else(|error| {
            problems.push(format!("{setting}: cannot read {}: {error}", file.display()));
            String::new()
        }),
        None => environment(variable).unwrap_or_default(),
    };
    SecretString::from(value.trim().to_owned())
}

/// An `https` URL, or an `http` one whose host is 127.0.0.1 itself (not a name that starts so, nor a user part).
fn is_https_or_loopback(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://127.0.0.1") else { return false };
    match rest.split('/').next().unwrap_or_default() {
        "" => true,
        port => port
            .strip_prefix(':')
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())),
    }
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

/// A duration written as a number of seconds, such as `0.5`.
pub(crate) mod seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(duration.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        Duration::try_from_secs_f64(seconds)
            .map_err(|_| serde::de::Error::custom(format!("`{seconds}` is not a number of seconds")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_environment(_: &str) -> Option<String> {
        None
    }

    fn with_client_secret(name: &str) -> Option<String> {
        (name == CLIENT_SECRET_ENV).then(|| "s3cret".to_owned())
    }

    /// The configuration that a TOML file gives, with the secrets from `environment`.
    fn from_toml(toml: &str, environment: &dyn Fn(&str) -> Option<String>) -> Result<Config, Vec<String>> {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let file = dir.path().join("proxy.toml");
        std::fs::write(&file, toml).expect("the file is written");
        Config::load(Some(&file), environment)
    }

    const PINGONE_BEARER: &str = r#"
        [upstream]
        kind = "pingone"
        region = "eu"
        environment_id = "env"
        client_id = "client"
        [identity]
        mode = "bearer"
        jwks_url = "https://auth.pingone.eu/env/as/jwks"
        issuer = "https://auth.pingone.eu/env/as"
        audience = "https://api.pingone.com"
    "#;

    #[test]
    fn a_plain_http_url_is_allowed_on_127_0_0_1_itself_only() {
        for allowed in
            ["https://auth.pingone.eu", "http://127.0.0.1", "http://127.0.0.1:8080/jwks", "http://127.0.0.1/x"]
        {
            assert!(is_https_or_loopback(allowed), "{allowed}");
        }
        for refused in
            ["http://127.0.0.1.evil.example/jwks", "http://127.0.0.1@evil.example/", "http://127.0.0.1:9@evil/"]
        {
            assert!(!is_https_or_loopback(refused), "{refused}");
        }
    }

    #[test]
    fn the_defaults_are_the_demo() {
        let config = Config::load(None, &no_environment).expect("readable");
        assert!(matches!(config.upstream, Upstream::EmbeddedSimulator));
        assert!(matches!(config.identity, Identity::Demo));
        assert!(config.problems().is_empty(), "{:?}", config.problems());
    }

    #[test]
    fn a_region_names_pingone_hosts_and_the_secret_comes_from_the_environment() {
        let config = from_toml(PINGONE_BEARER, &with_client_secret).expect("readable");
        assert!(config.problems().is_empty(), "{:?}", config.problems());
        let Upstream::PingOne(pingone) = &config.upstream else { panic!("pingone") };
        assert_eq!(pingone.urls(), ("https://api.pingone.eu/v1".to_owned(), "https://auth.pingone.eu".to_owned()));
        assert_eq!(pingone.client_secret.expose_secret(), "s3cret");
        let Identity::Bearer(bearer) = &config.identity else { panic!("bearer") };
        assert_eq!((bearer.leeway_seconds, bearer.jwks_refetch_seconds), (30, 30), "each default, written once");
    }

    #[test]
    fn without_a_secret_a_pingone_upstream_is_refused_by_name() {
        let problems = from_toml(PINGONE_BEARER, &no_environment).expect("readable").problems();
        assert_eq!(problems, vec![format!("upstream.client_secret_file: name a file, or set {CLIENT_SECRET_ENV}")]);
        let unreadable = PINGONE_BEARER.replace("[identity]", "client_secret_file = \"/nowhere/secret\"\n[identity]");
        let problems = from_toml(&unreadable, &with_client_secret).expect_err("an unreadable file");
        assert!(problems[0].starts_with("upstream.client_secret_file: cannot read /nowhere/secret"), "{problems:?}");
    }

    #[test]
    fn a_bearer_identity_must_bound_its_jwks_refetches() {
        let toml = format!("{PINGONE_BEARER}\njwks_refetch_seconds = 0");
        let problems = from_toml(&toml, &with_client_secret).expect("readable").problems();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].starts_with("identity.jwks_refetch_seconds"), "{problems:#?}");
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused_by_its_name() {
        for (toml, setting) in [
            ("listen = \"nowhere\"", "listen"),
            ("trusted_proxies = [\"10.0.0.300\"]", "trusted_proxies"),
            ("[upstream]\nkind = \"ldap\"", "upstream: kind: `ldap` is not simulator or pingone"),
            ("[upstream]\nkind = \"pingone\"\ntoken_auth = \"jwt\"", "upstream.token_auth"),
            ("[timeouts]\ntotal_seconds = -1", "timeouts.total_seconds"),
            ("[identity]\nmode = \"header\"\nuser_headr = \"x\"", "identity.user_headr"),
        ] {
            let problems = from_toml(toml, &no_environment).expect_err(toml);
            assert!(problems.iter().any(|p| p.starts_with(setting)), "{toml}: {problems:#?}");
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let toml = r#"
            allowed_types = ["TOTP", "FIDO2"]
            [upstream]
            kind = "pingone"
            region = "mars"
            [identity]
            mode = "header"
            [timeouts]
            total_seconds = 0
            [limits.activate]
            per_user = 0
        "#;
        let problems = from_toml(toml, &no_environment).expect("readable").problems();
        for setting in [
            "allowed_types",
            "upstream.region",
            "upstream.environment_id",
            "upstream.client_id",
            "upstream.client_secret_file",
            "identity.user_header",
            "identity.secret_header",
            "identity.secret_file",
            "timeouts.total_seconds",
            "limits.activate",
        ] {
            assert!(problems.iter().any(|p| p.starts_with(setting)), "{setting} is not reported: {problems:#?}");
        }
    }
}
