//! `mfa-enroll-proxy doctor`: checks a deployment against its PingOne tenant before anyone meets the widget, and
//! says what is wrong and how to fix it. It reads what the proxy reads (a worker token, a user's devices, the
//! device policy, the MFA settings, the identity's keys) and changes nothing.

use std::fmt::Write as _;

use devices_api::DeviceType;
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::config::{Config, Identity, PingOne, TokenAuth, Upstream};
use crate::offer::policy_key;

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub verdict: Verdict,
    /// The check, such as `worker credentials`.
    pub check: &'static str,
    /// What was found.
    pub found: String,
    /// What to change, for a failure or a warning.
    pub fix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Works, but not as the operator likely means.
    Warn,
    /// The widget will not work until this is fixed.
    Fail,
}

impl Finding {
    fn ok(check: &'static str, found: impl Into<String>) -> Self {
        Self { verdict: Verdict::Ok, check, found: found.into(), fix: None }
    }

    fn warn(check: &'static str, found: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { verdict: Verdict::Warn, check, found: found.into(), fix: Some(fix.into()) }
    }

    fn fail(check: &'static str, found: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { verdict: Verdict::Fail, check, found: found.into(), fix: Some(fix.into()) }
    }
}

/// Whether every check holds: the doctor's exit code is 0 only then.
pub fn healthy(findings: &[Finding]) -> bool {
    findings.iter().all(|finding| finding.verdict != Verdict::Fail)
}

/// The findings as the doctor prints them: one line each, and its fix below.
pub fn report(findings: &[Finding]) -> String {
    let mut text = String::new();
    for finding in findings {
        let mark = match finding.verdict {
            Verdict::Ok => "ok  ",
            Verdict::Warn => "warn",
            Verdict::Fail => "FAIL",
        };
        let _ = writeln!(text, "{mark} {}: {}", finding.check, finding.found);
        if let Some(fix) = &finding.fix {
            let _ = writeln!(text, "     fix: {fix}");
        }
    }
    let failed = findings.iter().filter(|finding| finding.verdict == Verdict::Fail).count();
    let _ = match failed {
        0 => writeln!(text, "every check holds"),
        1 => writeln!(text, "1 check fails"),
        n => writeln!(text, "{n} checks fail"),
    };
    text
}

/// Runs every check of `config` against its tenant; with `user`, also that the worker may manage that person's
/// devices.
pub async fn examine(config: &Config, user: Option<&str>) -> Vec<Finding> {
    let problems = config.problems();
    if !problems.is_empty() {
        return vec![Finding::fail(
            "settings",
            problems.join("; "),
            "correct the settings; `--check-config` lists them",
        )];
    }
    let pingone = match &config.upstream {
        Upstream::PingOne(pingone) => pingone,
        Upstream::EmbeddedSimulator => {
            return vec![Finding::warn(
                "upstream",
                "the embedded simulator: there is no tenant to check",
                "set [upstream] kind = \"pingone\" with the tenant's region, environment and worker application",
            )];
        }
    };
    let http = reqwest::Client::builder()
        .connect_timeout(config.timeouts.connect)
        .timeout(config.timeouts.total)
        .build()
        .expect("a client with timeouts only always builds");
    let tenant = Tenant::new(http.clone(), pingone);
    let mut findings = Vec::new();
    match tenant.worker_token(&mut findings).await {
        Some(token) => {
            tenant.user_devices(&token, user, &mut findings).await;
            tenant.policy(&token, config, &mut findings).await;
            tenant.mfa_settings(&token, &mut findings).await;
        }
        None => findings.push(Finding::warn(
            "tenant",
            "the worker's role, the device policy and the MFA settings are not checked without a worker token",
            "fix the failure above, then run the doctor again",
        )),
    }
    identity(&http, config, pingone, &mut findings).await;
    findings
}

/// The tenant as the proxy reaches it.
struct Tenant<'a> {
    http: reqwest::Client,
    pingone: &'a PingOne,
    api_url: String,
    auth_url: String,
}

impl<'a> Tenant<'a> {
    fn new(http: reqwest::Client, pingone: &'a PingOne) -> Self {
        let (api_url, auth_url) = pingone.urls();
        let trim = |url: String| url.trim_end_matches('/').to_owned();
        Self { http, pingone, api_url: trim(api_url), auth_url: trim(auth_url) }
    }

    fn environment(&self) -> String {
        format!("{}/environments/{}", self.api_url, self.pingone.environment_id)
    }

    /// A worker token, trying the configured auth method and, when it is refused, the other one, so that a
    /// mismatch is named as such.
    async fn worker_token(&self, findings: &mut Vec<Finding>) -> Option<String> {
        const CHECK: &str = "worker credentials";
        let configured = self.pingone.token_auth;
        let token_url = format!("{}/{}/as/token", self.auth_url, self.pingone.environment_id);
        match self.token(&token_url, configured).await {
            Ok(token) => {
                findings.push(Finding::ok("region and URLs", format!("{} answers", self.auth_url)));
                findings.push(Finding::ok(CHECK, format!("a worker token with {}", method_name(configured))));
                return Some(token);
            }
            Err(TokenProblem::Unreachable(error)) => {
                findings.push(Finding::fail(
                    "region and URLs",
                    format!("{token_url} cannot be reached: {error}"),
                    "check upstream.region (or auth_url and api_url), and that this host may reach PingOne",
                ));
                return None;
            }
            Err(TokenProblem::Answered(404)) => {
                findings.push(Finding::ok("region and URLs", format!("{} answers", self.auth_url)));
                findings.push(Finding::fail(
                    CHECK,
                    "the token endpoint does not know this environment (404)",
                    "check upstream.environment_id, and that upstream.region is the tenant's region",
                ));
                return None;
            }
            Err(TokenProblem::Answered(400 | 401)) => {}
            Err(TokenProblem::Answered(status)) => {
                findings.push(Finding::ok("region and URLs", format!("{} answers", self.auth_url)));
                findings.push(Finding::fail(
                    CHECK,
                    format!("the token endpoint fails ({status}), or gave no token"),
                    "try again later; if it lasts, check PingOne's status and upstream.auth_url",
                ));
                return None;
            }
        }
        findings.push(Finding::ok("region and URLs", format!("{} answers", self.auth_url)));
        let other = match configured {
            TokenAuth::Basic => TokenAuth::Post,
            TokenAuth::Post => TokenAuth::Basic,
        };
        if self.token(&token_url, other).await.is_ok() {
            findings.push(Finding::fail(
                CHECK,
                format!("refused with {}, accepted with {}", method_name(configured), method_name(other)),
                format!(
                    "set upstream.token_auth = \"{}\", as the worker application's token endpoint auth method says",
                    token_auth_setting(other)
                ),
            ));
        } else {
            findings.push(Finding::fail(
                CHECK,
                "the token endpoint refuses the client id and secret",
                "check upstream.client_id and the secret file against the worker application, and that it is enabled",
            ));
        }
        None
    }

    async fn token(&self, token_url: &str, auth: TokenAuth) -> Result<String, TokenProblem> {
        worker_token(&self.http, token_url, &self.pingone.client_id, self.pingone.client_secret.expose_secret(), auth)
            .await
    }

    async fn get(&self, token: &str, url: &str) -> Result<(u16, Value), String> {
        let response = self.http.get(url).bearer_auth(token).send().await.map_err(|e| e.without_url().to_string())?;
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// Whether the worker's role reaches the person: the 403 that a first deployment most often meets.
    async fn user_devices(&self, token: &str, user: Option<&str>, findings: &mut Vec<Finding>) {
        const CHECK: &str = "worker's role";
        let Some(user) = user else {
            findings.push(Finding::warn(
                CHECK,
                "not checked: no user given",
                "run the doctor with --user ID, the id of a person who will use the widget",
            ));
            return;
        };
        if user.is_empty() || !user.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            findings.push(Finding::fail(CHECK, "the user id is not a PingOne id", "give the user's id, a UUID"));
            return;
        }
        let url = format!("{}/users/{user}/devices", self.environment());
        match self.get(token, &url).await {
            Ok((200, body)) => {
                let count = body["_embedded"]["devices"].as_array().map_or(0, Vec::len);
                findings.push(self.may_change(token, user, count).await);
            }
            Ok((403, body)) => {
                let detail = body["details"][0]["code"].as_str();
                findings.push(Finding::fail(
                    CHECK,
                    format!("PingOne refuses the worker for user {user} (403 {})", detail.unwrap_or("ACCESS_FAILED")),
                    match detail {
                        Some("LICENSE_EXCEEDED") => "check the environment's licence and its quotas",
                        _ => {
                            "give the worker application the Identity Data Admin role (or another that manages \
                              devices), scoped to this user's population or to the environment"
                        }
                    },
                ));
            }
            Ok((404, _)) => findings.push(Finding::fail(
                CHECK,
                format!("no user {user} in environment {} (404)", self.pingone.environment_id),
                "give the id of a user of this environment, and check upstream.environment_id",
            )),
            Ok((status, _)) => findings.push(Finding::fail(
                CHECK,
                format!("the device list answers {status}"),
                "check upstream.api_url (or the region)",
            )),
            Err(error) => findings.push(Finding::fail(
                "region and URLs",
                format!("{} cannot be reached: {error}", self.api_url),
                "check upstream.region (or api_url), and that this host may reach PingOne",
            )),
        }
    }

    /// Whether the role that reads the user's devices may also change them: a create that cannot succeed (no
    /// email) is refused for its body (400) by a role that may create, and for the role (403) by one that may not.
    async fn may_change(&self, token: &str, user: &str, count: usize) -> Finding {
        const CHECK: &str = "worker's role";
        let url = format!("{}/users/{user}/devices", self.environment());
        let probe = self.http.post(&url).bearer_auth(token).json(&serde_json::json!({ "type": "EMAIL" })).send().await;
        match probe.map(|response| response.status().as_u16()) {
            Ok(403) => Finding::fail(
                CHECK,
                format!("it reads user {user}'s devices but may not change them (403)"),
                "give the worker application a role that manages devices (Identity Data Admin), not a read-only one",
            ),
            Ok(201) => Finding::warn(
                CHECK,
                format!("a create without an email was accepted for user {user}: remove that device"),
                "check the policy: PingOne should refuse an email device without an address",
            ),
            _ => Finding::ok(CHECK, format!("it reaches user {user}, who has {count} devices, and may change them")),
        }
    }

    /// The device policy that new devices are created under, and whether it pairs what the proxy offers.
    async fn policy(&self, token: &str, config: &Config, findings: &mut Vec<Finding>) {
        const CHECK: &str = "device policy";
        let Some(policy_id) = &self.pingone.policy_id else {
            findings.push(Finding::warn(
                CHECK,
                "no policy_id: the environment's default policy applies, and the widget offers every allowed type",
                "set upstream.policy_id to the MFA policy that enrollment should use",
            ));
            return;
        };
        let url = format!("{}/deviceAuthenticationPolicies/{policy_id}", self.environment());
        let (status, policy) = match self.get(token, &url).await {
            Ok(answer) => answer,
            Err(error) => {
                findings.push(Finding::fail(CHECK, format!("cannot be read: {error}"), "check upstream.api_url"));
                return;
            }
        };
        match status {
            200 => {}
            404 => {
                findings.push(Finding::fail(
                    CHECK,
                    format!("no policy {policy_id} in this environment (404)"),
                    "set upstream.policy_id to the id of one of the environment's MFA policies",
                ));
                return;
            }
            403 => {
                findings.push(Finding::warn(
                    CHECK,
                    "the worker may not read policies (403): the widget offers every allowed type",
                    "give the worker application a role that reads the environment's MFA policies",
                ));
                return;
            }
            status => {
                findings.push(Finding::fail(CHECK, format!("reading it answers {status}"), "check upstream.policy_id"));
                return;
            }
        }
        let pairable = |device_type: &DeviceType| {
            let method = &policy[policy_key(device_type)];
            method["enabled"] == true && method["pairingDisabled"] != true
        };
        let (offered, refused): (Vec<&DeviceType>, Vec<&DeviceType>) =
            config.allowed_types.iter().partition(|device_type| pairable(device_type));
        let names = |types: &[&DeviceType]| types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ");
        if offered.is_empty() {
            findings.push(Finding::fail(
                CHECK,
                format!("{policy_id} pairs none of the allowed types ({})", names(&refused)),
                "turn on pairing for those methods in the policy, or allow the types it pairs",
            ));
        } else if refused.is_empty() {
            findings.push(Finding::ok(CHECK, format!("{policy_id} pairs {}", names(&offered))));
        } else {
            findings.push(Finding::warn(
                CHECK,
                format!("{policy_id} pairs {}, but not {}", names(&offered), names(&refused)),
                "turn those methods on in the policy, or leave them out of allowed_types (the widget hides them)",
            ));
        }
    }

    /// The MFA settings the widget depends on: the device limit and phone extensions.
    async fn mfa_settings(&self, token: &str, findings: &mut Vec<Finding>) {
        const CHECK: &str = "MFA settings";
        match self.get(token, &format!("{}/mfaSettings", self.environment())).await {
            Ok((200, settings)) => {
                let limit = settings["pairing"]["maxAllowedDevices"].as_u64();
                let extensions = settings["phoneExtensions"]["enabled"] == true;
                let limit = limit.map_or("no device limit read".to_owned(), |n| format!("up to {n} devices a person"));
                let extensions = if extensions { "voice extensions kept" } else { "voice extensions not kept" };
                findings.push(Finding::ok(CHECK, format!("{limit}; {extensions}")));
            }
            Ok((status, _)) => findings.push(Finding::warn(
                CHECK,
                format!("cannot be read ({status}): the widget cannot ask for voice extensions or know the limit"),
                "give the worker application a role that reads the environment's MFA settings",
            )),
            Err(error) => {
                findings.push(Finding::fail(CHECK, format!("cannot be read: {error}"), "check upstream.api_url"))
            }
        }
    }
}

pub(crate) enum TokenProblem {
    Unreachable(String),
    Answered(u16),
}

/// A worker token from `token_url`, the secret presented as `auth` says.
pub(crate) async fn worker_token(
    http: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    secret: &str,
    auth: TokenAuth,
) -> Result<String, TokenProblem> {
    let request = crate::upstream::token_request(http, token_url, client_id, secret, auth);
    let response = request.send().await.map_err(|error| TokenProblem::Unreachable(error.without_url().to_string()))?;
    if !response.status().is_success() {
        return Err(TokenProblem::Answered(response.status().as_u16()));
    }
    let body: Value = response.json().await.map_err(|_| TokenProblem::Answered(200))?;
    body["access_token"].as_str().map(str::to_owned).ok_or(TokenProblem::Answered(200))
}

/// The person's identity: with `bearer`, the keys are reachable and the issuer names this environment.
async fn identity(http: &reqwest::Client, config: &Config, pingone: &PingOne, findings: &mut Vec<Finding>) {
    const CHECK: &str = "identity";
    let bearer = match &config.identity {
        Identity::Bearer(bearer) => bearer,
        Identity::Header(gateway) => {
            findings.push(Finding::ok(CHECK, format!("a gateway names the user in {}", gateway.user_header)));
            return;
        }
        Identity::Demo => return,
    };
    let keys = match http.get(&bearer.jwks_url).send().await {
        Ok(response) if response.status().is_success() => response.json::<Value>().await.unwrap_or(Value::Null),
        Ok(response) => {
            let found = format!("{} answers {}", bearer.jwks_url, response.status().as_u16());
            findings.push(Finding::fail(CHECK, found, "check identity.jwks_url: the issuer's JWKS"));
            return;
        }
        Err(error) => {
            let found = format!("{} cannot be reached: {}", bearer.jwks_url, error.without_url());
            findings.push(Finding::fail(CHECK, found, "check identity.jwks_url, and that this host may reach it"));
            return;
        }
    };
    let count = keys["keys"].as_array().map_or(0, Vec::len);
    let keys_found = if count == 1 { "1 key".to_owned() } else { format!("{count} keys") };
    if count == 0 {
        findings.push(Finding::fail(
            CHECK,
            format!("{} holds no keys", bearer.jwks_url),
            "check identity.jwks_url: it must be the issuer's JWKS, {\"keys\": [...]}",
        ));
        return;
    }
    let (_, auth_url) = pingone.urls();
    let pingone_issuer = format!("{}/{}/as", auth_url.trim_end_matches('/'), pingone.environment_id);
    if bearer.issuer.trim_end_matches('/') != pingone_issuer {
        findings.push(Finding::warn(
            CHECK,
            format!("issuer {} is not this environment's, {pingone_issuer}", bearer.issuer),
            "unless the portal's tokens come from another issuer (or a custom domain), set identity.issuer to it",
        ));
    } else {
        findings.push(Finding::ok(
            CHECK,
            format!("{keys_found} at {}; issuer {}; audience {}", bearer.jwks_url, bearer.issuer, bearer.audience),
        ));
    }
}

fn method_name(auth: TokenAuth) -> &'static str {
    match auth {
        TokenAuth::Basic => "CLIENT_SECRET_BASIC",
        TokenAuth::Post => "CLIENT_SECRET_POST",
    }
}

fn token_auth_setting(auth: TokenAuth) -> &'static str {
    match auth {
        TokenAuth::Basic => "basic",
        TokenAuth::Post => "post",
    }
}
