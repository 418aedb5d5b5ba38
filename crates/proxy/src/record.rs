//! `mfa-enroll-proxy record`: runs the probes of `pingone-fidelity.md` §4 against a real tenant and a disposable
//! test user, and keeps PingOne's answers, redacted, as a [`Recording`] that the simulator replays as variants and
//! the conformance tests check. It refuses a user who has devices, sends codes only in `testMode` (nothing is
//! delivered or charged), and removes everything it made, whatever happens on the way.

use devices_api::recording::{Exchange, Recording};
use devices_api::{CONTENT_TYPE_ACTIVATE, CONTENT_TYPE_JSON, CONTENT_TYPE_REORDER, CONTENT_TYPE_SEND_ACTIVATION_CODE};
use std::time::Duration;

use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::config::{Config, PingOne, Upstream};
use crate::doctor::worker_token;

/// What is replaced by `<redacted>` wherever it appears: secrets, codes, addresses and tokens.
const REDACTED_KEYS: [&str; 6] = ["secret", "keyUri", "otp", "phone", "email", "access_token"];

/// A second worker application, without a role over the user, for the probe of PingOne's 403.
pub struct SecondWorker {
    pub client_id: String,
    pub client_secret: String,
}

/// The probes beyond the quick ones, each of which an operator turns on.
#[derive(Default)]
pub struct Probes<'a> {
    /// A second worker application without a role over the user: PingOne's 403.
    pub second: Option<&'a SecondWorker>,
    /// How long to wait for what time ends (31 minutes covers PingOne's 30): a sent code after its life, and an
    /// authenticator app's secret after its 30 minutes. `None` skips them.
    pub wait: Option<Duration>,
    /// Reads the user's devices, at most [`RATE_PROBE_READS`] times as fast as the tenant answers, to see a 429's
    /// `Retry-After` and body. It spends the tenant's request allowance.
    pub trip_rate_limit: bool,
}

/// The longest wait for the probes of what time ends: PingOne's worker tokens live an hour.
pub const MAX_WAIT: Duration = Duration::from_secs(60 * 60);

/// The most reads that the rate-limit probe sends.
pub const RATE_PROBE_READS: usize = 300;

/// Runs every probe against the tenant in `config` with the disposable user `user`; `wait` waits (a sleep, or a
/// simulator's clock moved on).
pub async fn record(
    config: &Config,
    user: &str,
    probes: &Probes<'_>,
    wait: impl AsyncFn(Duration),
) -> Result<Recording, String> {
    let Upstream::PingOne(pingone) = &config.upstream else {
        return Err("the upstream is the embedded simulator: point the settings at the tenant to record".to_owned());
    };
    if user.is_empty() || !user.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err("the user id is not a PingOne id".to_owned());
    }
    if probes.wait.is_some_and(|wait| wait > MAX_WAIT) {
        return Err("wait at most an hour: a longer one outlives the worker token".to_owned());
    }
    let http = reqwest::Client::builder()
        .connect_timeout(config.timeouts.connect)
        .timeout(config.timeouts.total)
        .build()
        .expect("a client with timeouts only always builds");
    let (api_url, auth_url) = pingone.urls();
    let token_url = format!("{}/{}/as/token", auth_url.trim_end_matches('/'), pingone.environment_id);
    let secret = pingone.client_secret.expose_secret();
    let token = worker_token(&http, &token_url, &pingone.client_id, secret, pingone.token_auth)
        .await
        .map_err(|_| "no worker token: run `mfa-enroll-proxy doctor` first".to_owned())?;
    let mut session = Session {
        http: http.clone(),
        token,
        token_url: token_url.clone(),
        environment: format!("{}/environments/{}", api_url.trim_end_matches('/'), pingone.environment_id),
        user: user.to_owned(),
        pingone,
        made: Vec::new(),
        recording: Recording::default(),
    };
    let (status, listed) = session.send("precheck", Method::GET, "devices", None, None).await?;
    let held = listed["_embedded"]["devices"].as_array().map_or(0, Vec::len);
    if status != 200 || held > 0 {
        return Err(format!(
            "user {user} answers {status} with {held} devices: the recorder needs a disposable user without any"
        ));
    }
    let mut probed = session.probe(probes.second, &token_url).await;
    if let (Ok(()), Some(wait_for)) = (&probed, probes.wait) {
        probed = session.probe_time(wait_for, wait).await;
    }
    if probed.is_ok() {
        probed = session.probe_limit().await;
    }
    if let (Ok(()), true) = (&probed, probes.trip_rate_limit) {
        probed = session.probe_rate_limit().await;
    }
    let cleaned = session.clean_up().await;
    match (probed, cleaned) {
        (Ok(()), Ok(())) => Ok(session.redacted()),
        (Err(probe), Ok(())) => Err(probe),
        (Ok(()), Err(left)) => Err(left),
        (Err(probe), Err(left)) => Err(format!("{probe}; {left}")),
    }
}

struct Session<'a> {
    http: reqwest::Client,
    token: String,
    token_url: String,
    environment: String,
    user: String,
    pingone: &'a PingOne,
    /// Every device made, to remove at the end.
    made: Vec<String>,
    recording: Recording,
}

impl Session<'_> {
    async fn probe(&mut self, second: Option<&SecondWorker>, token_url: &str) -> Result<(), String> {
        // 1. The order before any reorder: two email devices, activated one after the other.
        let first = self.email_device("order", "first").await?;
        self.activate("order", &first).await?;
        let second_device = self.email_device("order", "second").await?;
        self.activate("order", &second_device).await?;
        self.send("order", Method::GET, "devices?expand=order", None, None).await?;

        // 2. Wrong codes, one to four, with the device read after each; then a resend.
        let waiting = self.email_device("wrong codes", "third").await?;
        let wrong = wrong_code(&waiting.1);
        let path = format!("devices/{}", waiting.0);
        for _ in 0..4 {
            let body = json!({ "otp": wrong });
            self.send("wrong codes", Method::POST, &path, Some(CONTENT_TYPE_ACTIVATE), Some(body)).await?;
            self.send("wrong codes", Method::GET, &path, None, None).await?;
        }
        self.send("resend", Method::POST, &path, Some(CONTENT_TYPE_SEND_ACTIVATION_CODE), None).await?;

        // 3. A reorder, and the order after it; activating an active device.
        let order = json!({ "order": [{ "id": second_device.0 }, { "id": first.0 }] });
        self.send("reorder", Method::POST, "devices", Some(CONTENT_TYPE_REORDER), Some(order)).await?;
        self.send("reorder", Method::GET, "devices?expand=order", None, None).await?;
        let again = json!({ "otp": first.1 });
        let path = format!("devices/{}", first.0);
        self.send("active activation", Method::POST, &path, Some(CONTENT_TYPE_ACTIVATE), Some(again)).await?;

        // 4. An authenticator app's create (its activation after 30 minutes is left to a patient operator).
        self.create("totp", json!({ "type": "TOTP" })).await?;

        // 5. A worker whose role does not reach the user.
        if let Some(second) = second {
            let token =
                worker_token(&self.http, token_url, &second.client_id, &second.client_secret, self.pingone.token_auth)
                    .await
                    .map_err(|_| "the second worker gets no token".to_owned())?;
            let own = std::mem::replace(&mut self.token, token);
            let answered = self.send("forbidden", Method::GET, "devices", None, None).await;
            self.token = own;
            answered?;
        }
        Ok(())
    }

    /// What time ends: a sent code past its life (and a resend after it), and an authenticator app's secret past
    /// its 30 minutes.
    async fn probe_time(&mut self, wait_for: Duration, wait: impl AsyncFn(Duration)) -> Result<(), String> {
        let sent = self.email_device("time", "late").await?;
        let (_, app) = self.create("time", json!({ "type": "TOTP" })).await?;
        let (app_id, secret) = (app["id"].as_str().unwrap_or_default().to_owned(), app["secret"].clone());
        wait(wait_for).await;
        self.send_activation("time", &sent.0, &sent.1).await?;
        let path = format!("devices/{}", sent.0);
        let (_, resent) = self.send("time", Method::POST, &path, Some(CONTENT_TYPE_SEND_ACTIVATION_CODE), None).await?;
        if let Some(otp) = test_otp(&resent) {
            self.send_activation("time", &sent.0, &otp).await?;
        }
        if let Some(code) = secret.as_str().and_then(totp_now) {
            self.send_activation("time", &app_id, &code).await?;
        }
        Ok(())
    }

    /// Reads until the tenant answers 429 (at most [`RATE_PROBE_READS`]); only the 429 is kept.
    async fn probe_rate_limit(&mut self) -> Result<(), String> {
        for _ in 0..RATE_PROBE_READS {
            if self.send("rate limit", Method::GET, "devices", None, None).await?.0 == 429 {
                break;
            }
        }
        self.recording.exchanges.retain(|exchange| exchange.probe != "rate limit" || exchange.status == 429);
        Ok(())
    }

    async fn send_activation(&mut self, probe: &str, id: &str, otp: &str) -> Result<(u16, Value), String> {
        let body = json!({ "otp": otp });
        self.send(probe, Method::POST, &format!("devices/{id}"), Some(CONTENT_TYPE_ACTIVATE), Some(body)).await
    }

    /// Past the device limit: last but for the rate limit, since it leaves the user full.
    async fn probe_limit(&mut self) -> Result<(), String> {
        // Devices are made and activated until a create is refused (with the one left waiting from the wrong codes,
        // which shows whether pending devices count).
        let (_, settings) = self.send_environment("limit", "mfaSettings").await?;
        let maximum = settings["pairing"]["maxAllowedDevices"].as_u64().unwrap_or(5);
        for n in 0..=maximum {
            let (status, device) = self.create("limit", email_body(&format!("limit-{n}"))).await?;
            match (status, device["id"].as_str(), test_otp(&device)) {
                (201, Some(id), Some(otp)) => {
                    let id = id.to_owned();
                    self.send_activation("limit", &id, &otp).await?;
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// A pending email device in `testMode`, at an address that receives nothing: its id and its code.
    async fn email_device(&mut self, probe: &str, name: &str) -> Result<(String, String), String> {
        let (status, device) = self.create(probe, email_body(name)).await?;
        let id = device["id"].as_str().filter(|_| status == 201);
        match (id, test_otp(&device)) {
            (Some(id), Some(otp)) => Ok((id.to_owned(), otp)),
            _ => Err(format!("a test-mode email device could not be made ({status}): is email on in the policy?")),
        }
    }

    async fn create(&mut self, probe: &str, body: Value) -> Result<(u16, Value), String> {
        let (status, device) = self.send(probe, Method::POST, "devices", Some(CONTENT_TYPE_JSON), Some(body)).await?;
        if let Some(id) = device["id"].as_str().filter(|_| status == 201) {
            self.made.push(id.to_owned());
        }
        Ok((status, device))
    }

    async fn activate(&mut self, probe: &str, (id, otp): &(String, String)) -> Result<(), String> {
        let body = json!({ "otp": otp });
        let (status, _) =
            self.send(probe, Method::POST, &format!("devices/{id}"), Some(CONTENT_TYPE_ACTIVATE), Some(body)).await?;
        if status == 200 { Ok(()) } else { Err(format!("a test-mode code was refused ({status})")) }
    }

    /// A request below the user, recorded with its answer.
    async fn send(
        &mut self,
        probe: &str,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Option<Value>,
    ) -> Result<(u16, Value), String> {
        let path = format!("users/{}/{path}", self.user);
        self.exchange(probe, method, path, content_type, body).await
    }

    async fn send_environment(&mut self, probe: &str, path: &str) -> Result<(u16, Value), String> {
        self.exchange(probe, Method::GET, path.to_owned(), None, None).await
    }

    async fn exchange(
        &mut self,
        probe: &str,
        method: Method,
        path: String,
        content_type: Option<&str>,
        body: Option<Value>,
    ) -> Result<(u16, Value), String> {
        let mut response = self.request(probe, &method, &path, content_type, body.as_ref()).await?;
        if response.status() == 401 {
            // The worker token ended during a long wait: a new one, and the request again.
            let secret = self.pingone.client_secret.expose_secret();
            let auth = self.pingone.token_auth;
            self.token = worker_token(&self.http, &self.token_url, &self.pingone.client_id, secret, auth)
                .await
                .map_err(|_| format!("{probe}: no new worker token"))?;
            response = self.request(probe, &method, &path, content_type, body.as_ref()).await?;
        }
        let status = response.status().as_u16();
        let retry_after =
            response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = response.bytes().await.map_err(|error| format!("{probe}: {}", error.without_url()))?;
        let answer: Option<Value> = serde_json::from_slice(&bytes).ok();
        self.recording.exchanges.push(Exchange {
            probe: probe.to_owned(),
            method: method.to_string(),
            path,
            content_type: content_type.map(str::to_owned),
            request: body,
            status,
            retry_after,
            response: answer.clone(),
        });
        Ok((status, answer.unwrap_or(Value::Null)))
    }

    async fn request(
        &self,
        probe: &str,
        method: &Method,
        path: &str,
        content_type: Option<&str>,
        body: Option<&Value>,
    ) -> Result<reqwest::Response, String> {
        let mut request = self.http.request(method.clone(), format!("{}/{path}", self.environment));
        request = request.bearer_auth(&self.token);
        if let Some(content_type) = content_type {
            let text = body.map(Value::to_string).unwrap_or_default();
            request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(text);
        }
        request.send().await.map_err(|error| format!("{probe}: {}", error.without_url()))
    }

    /// Removes every device made, each tried even when another fails, and again after a 429's wait.
    async fn clean_up(&mut self) -> Result<(), String> {
        let mut left = Vec::new();
        for id in std::mem::take(&mut self.made) {
            let mut tries = 0;
            loop {
                tries += 1;
                match self.send("cleanup", Method::DELETE, &format!("devices/{id}"), None, None).await {
                    Ok((204 | 404, _)) => break,
                    Ok((429, _)) if tries < 5 => {
                        let asked =
                            self.recording.exchanges.last().and_then(|e| e.retry_after.as_deref()?.parse().ok());
                        tokio::time::sleep(Duration::from_secs(asked.unwrap_or(1).clamp(1, 60))).await;
                    }
                    _ => {
                        left.push(id);
                        break;
                    }
                }
            }
        }
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!("devices left on the user, remove them: {}", left.join(", ")))
        }
    }

    /// The recording with secrets, codes, addresses and tokens replaced, and the tenant's ids by placeholders.
    fn redacted(&self) -> Recording {
        let mut names: Vec<(String, String)> = vec![
            (self.pingone.environment_id.clone(), "{environmentId}".to_owned()),
            (self.user.clone(), "{userId}".to_owned()),
            (self.environment.clone(), "{environment}".to_owned()),
        ];
        let mut devices: Vec<&str> = Vec::new();
        for exchange in &self.recording.exchanges {
            if let Some(id) = exchange.response.as_ref().and_then(|answer| answer["id"].as_str())
                && exchange.method == "POST"
                && exchange.status == 201
                && !devices.contains(&id)
            {
                devices.push(id);
            }
        }
        names.extend(devices.iter().enumerate().map(|(n, id)| ((*id).to_owned(), format!("{{device{}}}", n + 1))));
        // The longest first, so that no id is replaced inside a longer one that holds it.
        names.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
        let clean = |value: &Value| redact(value, &names);
        let exchanges = self
            .recording
            .exchanges
            .iter()
            .map(|exchange| Exchange {
                path: replace_ids(&exchange.path, &names),
                request: exchange.request.as_ref().map(clean),
                response: exchange.response.as_ref().map(clean),
                ..exchange.clone()
            })
            .collect();
        Recording { exchanges }
    }
}

/// An authenticator app's code now, from its base32 secret.
fn totp_now(secret: &str) -> Option<String> {
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).ok()?;
    let totp = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, key);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(totp.generate(now))
}

/// The code that `testMode` gives back instead of sending: a string, or a number as one secondary source types it.
fn test_otp(device: &Value) -> Option<String> {
    match &device["test"]["otp"] {
        Value::String(otp) => Some(otp.clone()),
        Value::Number(otp) => Some(otp.to_string()),
        _ => None,
    }
}

fn email_body(name: &str) -> Value {
    // `example.com` is reserved: nothing is delivered there, and testMode sends nothing anyway.
    json!({ "type": "EMAIL", "email": format!("mfa-enroll-recorder-{name}@example.com"),
            "status": "ACTIVATION_REQUIRED", "testMode": true })
}

/// Another code of the same length: every digit moved on by one.
fn wrong_code(code: &str) -> String {
    code.chars().map(|digit| if digit == '9' { '0' } else { char::from(digit as u8 + 1) }).collect()
}

fn replace_ids(text: &str, names: &[(String, String)]) -> String {
    names.iter().fold(text.to_owned(), |text, (id, name)| text.replace(id.as_str(), name))
}

fn redact(value: &Value, names: &[(String, String)]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let value = if REDACTED_KEYS.contains(&key.as_str()) && !value.is_object() {
                        json!("<redacted>")
                    } else {
                        redact(value, names)
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|item| redact(item, names)).collect()),
        Value::String(text) => Value::String(replace_ids(text, names)),
        other => other.clone(),
    }
}
