//! The proxy's settings as an operator writes them: a TOML file, overridden by `MFA_ENROLL_…` environment
//! variables (nested keys joined by `__`), then by flags. Secrets come from the environment or a file, never
//! from a flag or the TOML file itself. Everything is checked after merging, and every problem is reported at
//! once, each naming its setting.

use std::path::{Path, PathBuf};
use std::time::Duration;

use devices_api::DeviceType;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::config::{Config, Identity, Timeouts, TokenAuth, Upstream};
use crate::limits::{Limits, Rate};

/// The environment variable that holds the worker's client secret, unless `client_secret_file` names a file.
pub const CLIENT_SECRET_ENV: &str = "MFA_ENROLL_CLIENT_SECRET";
/// The environment variable that holds the gateway's shared secret, unless `secret_file` names a file.
pub const GATEWAY_SECRET_ENV: &str = "MFA_ENROLL_GATEWAY_SECRET";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub listen: String,
    pub site_dir: Option<PathBuf>,
    pub allowed_types: Vec<String>,
    pub issuer: String,
    pub resend_cooldown_seconds: u32,
    pub allowed_origins: Vec<String>,
    pub frame_ancestors: String,
    /// A Redis URL for rate-limit counts shared by replicas.
    pub rate_limit_redis: Option<String>,
    /// Load balancers whose `X-Forwarded-For` is believed, as IP addresses.
    pub trusted_proxies: Vec<String>,
    pub upstream: UpstreamSettings,
    pub identity: IdentitySettings,
    pub timeouts: TimeoutSettings,
    pub limits: LimitSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpstreamSettings {
    /// `simulator` (the embedded one) or `pingone`.
    pub kind: String,
    /// `com`, `ca`, `eu`, `com.au`, `sg` or `asia`; or leave it out and give both URLs.
    pub region: Option<String>,
    pub api_url: Option<String>,
    pub auth_url: Option<String>,
    pub environment_id: Option<String>,
    pub client_id: Option<String>,
    /// A file that holds the client secret; otherwise `MFA_ENROLL_CLIENT_SECRET`.
    pub client_secret_file: Option<PathBuf>,
    /// `basic` (`CLIENT_SECRET_BASIC`) or `post` (`CLIENT_SECRET_POST`).
    pub token_auth: String,
    pub policy_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentitySettings {
    /// `demo`, `bearer` or `header`.
    pub mode: String,
    pub jwks_url: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub leeway_seconds: u64,
    pub jwks_refetch_seconds: u64,
    pub user_header: Option<String>,
    pub secret_header: Option<String>,
    /// A file that holds the gateway's shared secret; otherwise `MFA_ENROLL_GATEWAY_SECRET`.
    pub secret_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimeoutSettings {
    pub connect_seconds: f64,
    pub total_seconds: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    pub create: RateSettings,
    pub create_phone: RateSettings,
    pub activate: RateSettings,
    pub resend: RateSettings,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateSettings {
    pub per_user: u32,
    pub per_address: u32,
    pub window_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
        let config = Config::default();
        Self {
            listen: "127.0.0.1:8080".into(),
            site_dir: None,
            allowed_types: config.allowed_types.iter().map(type_name).collect(),
            issuer: config.issuer,
            resend_cooldown_seconds: config.resend_cooldown_seconds,
            allowed_origins: Vec::new(),
            frame_ancestors: config.frame_ancestors,
            rate_limit_redis: None,
            trusted_proxies: Vec::new(),
            upstream: UpstreamSettings::default(),
            identity: IdentitySettings::default(),
            timeouts: TimeoutSettings { connect_seconds: 5.0, total_seconds: 15.0 },
            limits: LimitSettings::default(),
        }
    }
}

impl Default for UpstreamSettings {
    fn default() -> Self {
        Self {
            kind: "simulator".into(),
            region: None,
            api_url: None,
            auth_url: None,
            environment_id: None,
            client_id: None,
            client_secret_file: None,
            token_auth: "basic".into(),
            policy_id: None,
        }
    }
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            mode: "demo".into(),
            jwks_url: None,
            issuer: None,
            audience: None,
            leeway_seconds: 30,
            jwks_refetch_seconds: 30,
            user_header: None,
            secret_header: None,
            secret_file: None,
        }
    }
}

impl Default for TimeoutSettings {
    fn default() -> Self {
        Self { connect_seconds: 5.0, total_seconds: 15.0 }
    }
}

impl Default for LimitSettings {
    fn default() -> Self {
        let rate = |rate: Rate| RateSettings {
            per_user: rate.per_user,
            per_address: rate.per_address,
            window_seconds: rate.window.as_secs(),
        };
        let limits = Limits::default();
        Self {
            create: rate(limits.create),
            create_phone: rate(limits.create_phone),
            activate: rate(limits.activate),
            resend: rate(limits.resend),
        }
    }
}

impl Settings {
    /// The defaults, then the TOML file if there is one, then `MFA_ENROLL_…` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, Vec<String>> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(vec![format!("config: {} is not a file", file.display())]);
            }
            figment = figment.merge(Toml::file(file));
        }
        // The two secrets are read on their own, never as settings.
        let figment =
            figment.merge(Env::prefixed("MFA_ENROLL_").split("__").ignore(&["CLIENT_SECRET", "GATEWAY_SECRET"]));
        figment.extract().map_err(|error| error.into_iter().map(|e| e.to_string()).collect())
    }

    /// The checked configuration, or every problem with these settings, each naming its setting.
    pub fn into_config(self, environment: &dyn Fn(&str) -> Option<String>) -> Result<Config, Vec<String>> {
        let mut problems = Vec::new();
        let allowed_types = self
            .allowed_types
            .iter()
            .filter_map(|name| match parse_type(name) {
                Some(device_type) => Some(device_type),
                None => {
                    problems.push(format!("allowed_types: `{name}` is not SMS, VOICE, EMAIL, TOTP or OATH_TOKEN"));
                    None
                }
            })
            .collect();
        let upstream = self.upstream.resolve(environment, &mut problems);
        let identity = self.identity.resolve(environment, &mut problems);
        let timeouts = Timeouts {
            connect: seconds("timeouts.connect_seconds", self.timeouts.connect_seconds, &mut problems),
            total: seconds("timeouts.total_seconds", self.timeouts.total_seconds, &mut problems),
        };
        let limits = Limits {
            create: self.limits.create.rate("limits.create", &mut problems),
            create_phone: self.limits.create_phone.rate("limits.create_phone", &mut problems),
            activate: self.limits.activate.rate("limits.activate", &mut problems),
            resend: self.limits.resend.rate("limits.resend", &mut problems),
        };
        let trusted_proxies = self
            .trusted_proxies
            .iter()
            .filter_map(|address| match address.parse() {
                Ok(address) => Some(address),
                Err(_) => {
                    problems.push(format!("trusted_proxies: `{address}` is not an IP address"));
                    None
                }
            })
            .collect();
        let config = Config {
            upstream,
            identity,
            site_dir: self.site_dir,
            allowed_types,
            issuer: self.issuer,
            resend_cooldown_seconds: self.resend_cooldown_seconds,
            timeouts,
            limits,
            allowed_origins: self.allowed_origins,
            frame_ancestors: self.frame_ancestors,
            rate_limit_redis: self.rate_limit_redis,
            trusted_proxies,
        };
        problems.extend(config.problems());
        if problems.is_empty() { Ok(config) } else { Err(problems) }
    }
}

impl UpstreamSettings {
    fn resolve(self, environment: &dyn Fn(&str) -> Option<String>, problems: &mut Vec<String>) -> Upstream {
        match self.kind.as_str() {
            "simulator" => return Upstream::EmbeddedSimulator,
            "pingone" => {}
            other => problems.push(format!("upstream.kind: `{other}` is not simulator or pingone")),
        }
        let (api_url, auth_url) = match (&self.region, self.api_url, self.auth_url) {
            (Some(region), None, None) => match region_urls(region) {
                Some(urls) => urls,
                None => {
                    problems.push(format!("upstream.region: `{region}` is not com, ca, eu, com.au, sg or asia"));
                    Default::default()
                }
            },
            (None, Some(api), Some(auth)) => (api, auth),
            _ => {
                problems.push("upstream: give either region, or both api_url and auth_url".into());
                Default::default()
            }
        };
        let mut required = |name: &str, value: Option<String>| {
            value.filter(|v| !v.is_empty()).unwrap_or_else(|| {
                problems.push(format!("upstream.{name}: required with a pingone upstream"));
                String::new()
            })
        };
        let environment_id = required("environment_id", self.environment_id);
        let client_id = required("client_id", self.client_id);
        let token_auth = match self.token_auth.as_str() {
            "basic" => TokenAuth::Basic,
            "post" => TokenAuth::Post,
            other => {
                problems.push(format!("upstream.token_auth: `{other}` is not basic or post"));
                TokenAuth::Basic
            }
        };
        let client_secret = secret(
            "upstream.client_secret_file",
            self.client_secret_file.as_deref(),
            CLIENT_SECRET_ENV,
            environment,
            problems,
        );
        Upstream::PingOne {
            api_url,
            auth_url,
            environment_id,
            client_id,
            client_secret,
            token_auth,
            policy_id: self.policy_id,
        }
    }
}

impl IdentitySettings {
    fn resolve(self, environment: &dyn Fn(&str) -> Option<String>, problems: &mut Vec<String>) -> Identity {
        let mut required = |name: &str, value: Option<String>| {
            value.filter(|v| !v.is_empty()).unwrap_or_else(|| {
                problems.push(format!("identity.{name}: required with this identity mode"));
                String::new()
            })
        };
        match self.mode.as_str() {
            "demo" => Identity::Demo,
            "bearer" => Identity::Bearer {
                jwks_url: required("jwks_url", self.jwks_url),
                issuer: required("issuer", self.issuer),
                audience: required("audience", self.audience),
                leeway_seconds: self.leeway_seconds,
                jwks_refetch_seconds: self.jwks_refetch_seconds,
            },
            "header" => {
                let user_header = required("user_header", self.user_header);
                let secret_header = required("secret_header", self.secret_header);
                let secret = secret(
                    "identity.secret_file",
                    self.secret_file.as_deref(),
                    GATEWAY_SECRET_ENV,
                    environment,
                    problems,
                );
                Identity::Header { user_header, secret_header, secret }
            }
            other => {
                problems.push(format!("identity.mode: `{other}` is not demo, bearer or header"));
                Identity::Demo
            }
        }
    }
}

impl RateSettings {
    fn rate(self, name: &str, problems: &mut Vec<String>) -> Rate {
        if self.per_user == 0 || self.per_address == 0 || self.window_seconds == 0 {
            problems.push(format!("{name}: per_user, per_address and window_seconds must be positive"));
        }
        Rate {
            per_user: self.per_user,
            per_address: self.per_address,
            window: Duration::from_secs(self.window_seconds),
        }
    }
}

/// A secret from its file when one is named, else from the environment variable.
fn secret(
    setting: &str,
    file: Option<&Path>,
    variable: &str,
    environment: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> SecretString {
    let value = match file {
        Some(file) => std::fs::read_to_string(file)
            .map(|text| text.trim().to_owned())
            .map_err(|e| format!("{setting}: cannot read {}: {e}", file.display())),
        None => environment(variable).ok_or_else(|| format!("{setting}: name a file, or set {variable}")),
    };
    match value {
        Ok(value) if !value.is_empty() => SecretString::from(value),
        Ok(_) => {
            problems.push(format!("{setting}: the secret is empty"));
            SecretString::from(String::new())
        }
        Err(problem) => {
            problems.push(problem);
            SecretString::from(String::new())
        }
    }
}

fn seconds(name: &str, value: f64, problems: &mut Vec<String>) -> Duration {
    Duration::try_from_secs_f64(value).ok().filter(|d| !d.is_zero()).unwrap_or_else(|| {
        problems.push(format!("{name}: must be a positive number of seconds"));
        Duration::from_secs(1)
    })
}

/// PingOne's API and auth hosts by region.
fn region_urls(region: &str) -> Option<(String, String)> {
    matches!(region, "com" | "ca" | "eu" | "com.au" | "sg" | "asia")
        .then(|| (format!("https://api.pingone.{region}/v1"), format!("https://auth.pingone.{region}")))
}

fn parse_type(name: &str) -> Option<DeviceType> {
    match serde_json::from_value(serde_json::Value::String(name.to_owned())) {
        Ok(DeviceType::Other(_)) | Err(_) => None,
        Ok(device_type) => Some(device_type),
    }
}

fn type_name(device_type: &DeviceType) -> String {
    serde_json::to_value(device_type).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_environment(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_defaults_are_the_demo() {
        let config = Settings::default().into_config(&no_environment).expect("valid");
        assert!(matches!(config.upstream, Upstream::EmbeddedSimulator));
        assert!(matches!(config.identity, Identity::Demo));
    }

    /// A complete PingOne configuration in bearer mode, whose worker secret is in the environment.
    fn pingone_bearer() -> Settings {
        Settings {
            upstream: UpstreamSettings {
                kind: "pingone".into(),
                region: Some("eu".into()),
                environment_id: Some("env".into()),
                client_id: Some("client".into()),
                ..UpstreamSettings::default()
            },
            identity: IdentitySettings {
                mode: "bearer".into(),
                jwks_url: Some("https://auth.pingone.eu/env/as/jwks".into()),
                issuer: Some("https://auth.pingone.eu/env/as".into()),
                audience: Some("https://api.pingone.com".into()),
                ..IdentitySettings::default()
            },
            ..Settings::default()
        }
    }

    #[test]
    fn a_region_names_pingone_hosts_and_the_secret_comes_from_the_environment() {
        let settings = pingone_bearer();
        let environment = |name: &str| (name == CLIENT_SECRET_ENV).then(|| "s3cret".to_owned());
        let config = settings.into_config(&environment).expect("valid");
        let Upstream::PingOne { api_url, auth_url, .. } = config.upstream else { panic!("pingone") };
        assert_eq!((api_url.as_str(), auth_url.as_str()), ("https://api.pingone.eu/v1", "https://auth.pingone.eu"));
    }

    #[test]
    fn a_bearer_identity_must_bound_its_jwks_refetches() {
        let mut settings = pingone_bearer();
        settings.identity.jwks_refetch_seconds = 0;
        let environment = |name: &str| (name == CLIENT_SECRET_ENV).then(|| "s3cret".to_owned());
        let problems = settings.into_config(&environment).expect_err("invalid");
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].starts_with("identity.jwks_refetch_seconds"), "{problems:#?}");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut settings = Settings { allowed_types: vec!["TOTP".into(), "FAX".into()], ..Settings::default() };
        settings.upstream.kind = "pingone".into();
        settings.upstream.region = Some("mars".into());
        settings.identity.mode = "header".into();
        settings.timeouts.total_seconds = 0.0;
        settings.limits.activate.per_user = 0;
        let problems = settings.into_config(&no_environment).expect_err("invalid");
        for setting in [
            "allowed_types",
            "upstream.region",
            "upstream.environment_id",
            "upstream.client_id",
            "upstream.client_secret_file",
            "identity.user_header",
            "identity.secret_file",
            "timeouts.total_seconds",
            "limits.activate",
        ] {
            assert!(problems.iter().any(|p| p.starts_with(setting)), "{setting} is not reported: {problems:#?}");
        }
    }
}
