//! The proxy's configuration: a typed struct with safe defaults, checked as a whole before anything starts.

use std::path::PathBuf;

use secrecy::SecretString;

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
        /// The MFA device policy that new devices are created under.
        policy_id: Option<String>,
    },
}

/// How the proxy learns who the person is. The browser never names the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// The simulator's demo user, for everyone: allowed only with the embedded simulator.
    Demo,
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
        }
    }
}

impl Config {
    /// Every problem with this configuration, each naming its setting; empty when it can start.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.identity == Identity::Demo && !matches!(self.upstream, Upstream::EmbeddedSimulator) {
            problems.push("identity: `demo` is allowed only with the embedded simulator as upstream".to_owned());
        }
        if let Upstream::PingOne { api_url, auth_url, .. } = &self.upstream {
            for (name, url) in [("upstream.api_url", api_url), ("upstream.auth_url", auth_url)] {
                if !url.starts_with("https://") && !url.starts_with("http://127.0.0.1") {
                    problems.push(format!("{name}: must be an https:// URL (or http://127.0.0.1 for tests)"));
                }
            }
        }
        if let Some(dir) = &self.site_dir
            && !dir.join("index.html").is_file()
        {
            problems.push(format!("site_dir: {} has no index.html; build the widget first", dir.display()));
        }
        if self.allowed_types.is_empty() {
            problems.push("allowed_types: at least one device type must be allowed".to_owned());
        }
        problems
    }
}
