//! The environment's configuration that enrollment depends on: the device authentication policy, the MFA
//! settings, the OATH windows, the worker's access, the request limit and the injected faults, and the variants
//! that answer where PingOne's documentation is silent. Each has PingOne's default where PingOne documents one, and
//! can be set in the fixture or through the control API.

use devices_api::codes;
use serde::{Deserialize, Serialize};

/// The device authentication policy, in PingOne's field names: each method's `enabled` and `pairingDisabled`, and
/// its `otp` rules with PingOne's defaults. A new PingOne environment's default policy has email on and SMS, voice
/// and TOTP off; a fixture turns on what it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Policy {
    pub id: String,
    pub sms: DeliveredMethod,
    pub voice: DeliveredMethod,
    pub email: DeliveredMethod,
    pub totp: TotpMethod,
    pub oath_token: OfflineMethod,
    /// How the user is told of a device newly paired: PingOne's API documents `EMAIL_THEN_SMS` as the default.
    pub new_device_notification: NewDeviceNotification,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NewDeviceNotification {
    None,
    /// By the profile's email, or its phone when it has no email.
    #[default]
    EmailThenSms,
    SmsThenEmail,
}

/// SMS, voice or email: codes that PingOne sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct DeliveredMethod {
    pub enabled: bool,
    pub pairing_disabled: bool,
    pub otp: DeliveredOtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct DeliveredOtp {
    /// How long a sent code lives: PingOne's default is 30 minutes.
    pub life_time: Span,
    /// PingOne's default: 3 wrong codes, then no cool-down.
    pub failure: Failure,
    /// Digits in a sent code: PingOne's default is 6 (6 to 10).
    pub otp_length: u32,
}

/// An authenticator app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct TotpMethod {
    pub enabled: bool,
    pub pairing_disabled: bool,
    pub otp: OfflineOtp,
    /// Codes are accepted this many 30 s steps either side of now: PingOne's default is 5 (1 to 10).
    pub passcode_grace_period: u64,
}

/// A hardware token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct OfflineMethod {
    pub enabled: bool,
    pub pairing_disabled: bool,
    pub otp: OfflineOtp,
}

/// The rules of codes that the device shows itself: PingOne's default is 3 wrong codes, then 2 minutes locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct OfflineOtp {
    pub failure: Failure,
}

/// Wrong codes allowed, and how long the device then stays locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Failure {
    /// 1 to 7.
    pub count: u32,
    pub cool_down: Span,
}

/// A length of time as PingOne writes one: `{"duration": 2, "timeUnit": "MINUTES"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Span {
    pub duration: i64,
    pub time_unit: TimeUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TimeUnit {
    Minutes,
    Seconds,
}

impl Span {
    pub const fn minutes(duration: i64) -> Self {
        Self { duration, time_unit: TimeUnit::Minutes }
    }

    pub fn seconds(&self) -> i64 {
        match self.time_unit {
            TimeUnit::Minutes => self.duration.saturating_mul(60),
            TimeUnit::Seconds => self.duration,
        }
    }
}

/// What the policy says about pairing one device type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    pub enabled: bool,
    pub pairing_disabled: bool,
    pub failure: Failure,
}

impl Policy {
    /// The policy's rules for a device type, if the type is one this simulator pairs.
    pub fn method(&self, device_type: &devices_api::DeviceType) -> Option<Method> {
        use devices_api::DeviceType as T;
        let delivered = |m: &DeliveredMethod| Method {
            enabled: m.enabled,
            pairing_disabled: m.pairing_disabled,
            failure: m.otp.failure,
        };
        match device_type {
            T::Sms => Some(delivered(&self.sms)),
            T::Voice => Some(delivered(&self.voice)),
            T::Email => Some(delivered(&self.email)),
            T::Totp => {
                let m = &self.totp;
                Some(Method { enabled: m.enabled, pairing_disabled: m.pairing_disabled, failure: m.otp.failure })
            }
            T::OathToken => {
                let m = &self.oath_token;
                Some(Method { enabled: m.enabled, pairing_disabled: m.pairing_disabled, failure: m.otp.failure })
            }
            _ => None,
        }
    }

    /// The sent-code rules of an SMS, voice or email device.
    pub fn delivered(&self, device_type: &devices_api::DeviceType) -> DeliveredOtp {
        match device_type {
            devices_api::DeviceType::Voice => self.voice.otp,
            devices_api::DeviceType::Email => self.email.otp,
            _ => self.sms.otp,
        }
    }

    /// Every problem with these values, each naming its field.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let failures = [
            ("sms", self.sms.otp.failure),
            ("voice", self.voice.otp.failure),
            ("email", self.email.otp.failure),
            ("totp", self.totp.otp.failure),
            ("oathToken", self.oath_token.otp.failure),
        ];
        for (method, failure) in failures {
            if !(1..=7).contains(&failure.count) {
                problems.push(format!("{method}.otp.failure.count must be 1 to 7"));
            }
            if failure.cool_down.duration < 0 {
                problems.push(format!("{method}.otp.failure.coolDown must not be negative"));
            }
        }
        for (method, otp) in [("sms", self.sms.otp), ("voice", self.voice.otp), ("email", self.email.otp)] {
            if !(6..=10).contains(&otp.otp_length) {
                problems.push(format!("{method}.otp.otpLength must be 6 to 10"));
            }
            if otp.life_time.duration <= 0 {
                problems.push(format!("{method}.otp.lifeTime must be positive"));
            }
        }
        if !(1..=10).contains(&self.totp.passcode_grace_period) {
            problems.push("totp.passcodeGracePeriod must be 1 to 10".to_owned());
        }
        problems
    }
}

impl Default for Policy {
    fn default() -> Self {
        let off = DeliveredMethod { enabled: false, ..DeliveredMethod::default() };
        Self {
            id: String::new(),
            sms: off,
            voice: off,
            email: DeliveredMethod::default(),
            totp: TotpMethod { enabled: false, ..TotpMethod::default() },
            oath_token: OfflineMethod::default(),
            new_device_notification: NewDeviceNotification::default(),
        }
    }
}

impl Default for DeliveredMethod {
    fn default() -> Self {
        Self { enabled: true, pairing_disabled: false, otp: DeliveredOtp::default() }
    }
}

impl Default for DeliveredOtp {
    fn default() -> Self {
        Self { life_time: Span::minutes(30), failure: Failure { count: 3, cool_down: Span::minutes(0) }, otp_length: 6 }
    }
}

impl Default for TotpMethod {
    fn default() -> Self {
        Self { enabled: true, pairing_disabled: false, otp: OfflineOtp::default(), passcode_grace_period: 5 }
    }
}

impl Default for OfflineMethod {
    fn default() -> Self {
        Self { enabled: true, pairing_disabled: false, otp: OfflineOtp::default() }
    }
}

impl Default for OfflineOtp {
    fn default() -> Self {
        Self { failure: Failure { count: 3, cool_down: Span::minutes(2) } }
    }
}

/// The environment's MFA settings, and the limits that PingOne's licence sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct MfaSettings {
    /// Devices a user may have, active or blocked (`pairing.maxAllowedDevices`): PingOne's default is 5, at most 15.
    pub max_allowed_devices: usize,
    /// Whether a voice device's `extension` is kept: PingOne's default is off.
    pub phone_extensions_enabled: bool,
    /// HOTP codes up to this many counters ahead activate a token.
    pub hotp_window: u64,
    /// With `oathResync`, codes up to this many counters (or TOTP steps) ahead ask for the next code.
    pub resync_window: u64,
    /// SMS and email codes sent to one user in a UTC day, resends included: PingOne's licence allows 50 of each.
    pub daily_deliveries: u32,
    /// Hours after which a device never activated is removed: 24 by a secondary source; `null` keeps them.
    pub pending_device_hours: Option<u32>,
}

/// Whether the worker may manage this environment's users' devices: a worker without a role that reaches a user's
/// population gets PingOne's 403, the most likely mistake of a first deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Access {
    /// The worker application lacks the Identity Data Admin role (or another that manages devices).
    pub worker_lacks_role: bool,
    /// Users in a population that the worker's role does not reach.
    pub users_outside_role: Vec<String>,
    /// The worker's role reads users' devices but may not change them.
    pub worker_reads_only: bool,
    /// The worker application's token endpoint auth method, `CLIENT_SECRET_BASIC` or `CLIENT_SECRET_POST`: the other
    /// way of presenting the secret is refused, as PingOne refuses it. Unset, both are taken.
    pub token_auth_method: Option<String>,
}

/// Where PingOne's documentation is silent, the answer the simulator gives: each plausible variant, so that clients
/// can be tested against all of them. The defaults are the likeliest reading of what PingOne documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Variants {
    pub order: OrderShape,
    pub list_order: ListOrder,
    pub code_refusal: CodeRefusal,
    pub resend_answer: ResendAnswer,
    pub active_activation: ActiveActivation,
    /// Whether voice calls count against the daily quota, as SMS and email do.
    pub quota_counts_voice: bool,
}

/// Where `expand=order` puts the order, and how its items look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OrderShape {
    /// `_embedded.order: [{"id": …}]`.
    #[default]
    Objects,
    /// `_embedded.order: ["…"]`.
    Strings,
    /// No order in the answer: the list itself starts with the default.
    Absent,
    /// `order: [{"id": …}]` beside `_embedded`.
    TopLevel,
}

/// In what order the list holds a user's devices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ListOrder {
    /// Ordered devices first, the default first, as PingOne describes lists of users with an order.
    #[default]
    DefaultFirst,
    /// In creation order, whatever the order says: a client must read the order itself.
    Creation,
}

/// How a wrong code, a code past its life, and a code sent to a locked device are refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CodeRefusal {
    /// 400 `INVALID_DATA`, detail `INVALID_OTP` on `otp`, nothing more: the code in PingOne's published enum.
    #[default]
    InvalidOtp,
    /// As `invalidOtp` with `innerError.remainingAttempts`, `OTP_EXPIRED`, and `DEVICE_LOCKED` with
    /// `innerError.lockExpiresAt`: codes that PingOne does not publish.
    Detailed,
    /// 400 `INVALID_DATA`, detail `INVALID_VALUE` on `otp`.
    InvalidValue,
    /// 400 `INVALID_REQUEST` with no details.
    Bare,
}

/// What a resend of the pairing code answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResendAnswer {
    /// 200 with the device.
    #[default]
    Device,
    /// 204 with no body.
    Empty,
}

/// What activating a device that is already active answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ActiveActivation {
    /// 400 `INVALID_REQUEST`.
    #[default]
    Refused,
    /// 200 with the device, as if activated again.
    Device,
}

impl Variants {
    /// The variants that a tenant's recorded answers show (`mfa-enroll-proxy record`); each that the recording
    /// does not decide keeps its default.
    pub fn from_recording(recording: &devices_api::recording::Recording) -> Self {
        let mut variants = Self::default();
        // The first answer of a probe to a request of this method and content type.
        let answer = |probe: &str, method: &str, content_type: Option<&str>| {
            let asked = |exchange: &&devices_api::recording::Exchange| {
                exchange.method == method
                    && content_type.is_none_or(|wanted| exchange.content_type.as_deref() == Some(wanted))
            };
            let exchange = recording.probe(probe).find(asked)?;
            Some((exchange.status, exchange.response.clone().unwrap_or(serde_json::Value::Null)))
        };
        if let Some((200, list)) = answer("order", "GET", None) {
            variants.order = match (&list["_embedded"]["order"], &list["order"]) {
                (serde_json::Value::Array(items), _)
                    if !items.is_empty() && items.iter().all(serde_json::Value::is_string) =>
                {
                    OrderShape::Strings
                }
                (serde_json::Value::Array(_), _) => OrderShape::Objects,
                (_, serde_json::Value::Array(_)) => OrderShape::TopLevel,
                _ => OrderShape::Absent,
            };
        }
        // After the reorder, whether the list starts with the new default.
        if let (Some((200, reordered)), Some(exchange)) =
            (answer("reorder", "GET", None), recording.probe("reorder").find(|exchange| exchange.method == "POST"))
        {
            let first_listed = &reordered["_embedded"]["devices"][0]["id"];
            let first_ordered = exchange.request.as_ref().map(|order| order["order"][0]["id"].clone());
            if first_ordered.is_some_and(|id| id != *first_listed) {
                variants.list_order = ListOrder::Creation;
            }
        }
        if let Some((400, refusal)) = answer("wrong codes", "POST", Some(devices_api::CONTENT_TYPE_ACTIVATE)) {
            let detail = &refusal["details"][0];
            variants.code_refusal = match detail["code"].as_str() {
                Some(codes::INVALID_OTP) if detail["innerError"]["remainingAttempts"].is_number() => {
                    CodeRefusal::Detailed
                }
                Some(codes::INVALID_OTP) => CodeRefusal::InvalidOtp,
                Some(codes::INVALID_VALUE) => CodeRefusal::InvalidValue,
                _ => CodeRefusal::Bare,
            };
        }
        if let Some((status @ 200..=299, _)) = answer("resend", "POST", None) {
            variants.resend_answer = if status == 204 { ResendAnswer::Empty } else { ResendAnswer::Device };
        }
        if let Some((status, _)) = answer("active activation", "POST", None) {
            variants.active_activation =
                if status == 200 { ActiveActivation::Device } else { ActiveActivation::Refused };
        }
        variants
    }

    /// The default and, for each setting, each other value: what a client's tests run against.
    pub fn each() -> Vec<(&'static str, Self)> {
        let default = Self::default();
        vec![
            ("default", default),
            ("order: strings", Self { order: OrderShape::Strings, ..default }),
            ("order: absent", Self { order: OrderShape::Absent, ..default }),
            ("order: topLevel", Self { order: OrderShape::TopLevel, ..default }),
            ("listOrder: creation", Self { list_order: ListOrder::Creation, ..default }),
            ("codeRefusal: detailed", Self { code_refusal: CodeRefusal::Detailed, ..default }),
            ("codeRefusal: invalidValue", Self { code_refusal: CodeRefusal::InvalidValue, ..default }),
            ("codeRefusal: bare", Self { code_refusal: CodeRefusal::Bare, ..default }),
            ("resendAnswer: empty", Self { resend_answer: ResendAnswer::Empty, ..default }),
            ("activeActivation: device", Self { active_activation: ActiveActivation::Device, ..default }),
            ("quotaCountsVoice", Self { quota_counts_voice: true, ..default }),
        ]
    }
}

/// What the simulator does to requests on PingOne's routes, to test how clients cope.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Faults {
    /// Added to every answer.
    pub latency_ms: u64,
    /// The share of requests, 0 to 1, answered with a 500.
    pub error_rate: f64,
    /// The share of requests, 0 to 1, whose connection is dropped without an answer.
    pub drop_rate: f64,
    /// Requests a second that one worker token may make before it gets 429s.
    pub requests_per_second: u32,
    /// How long new worker tokens live; shorter than PingOne's hour makes them expire early.
    pub token_lifetime_seconds: i64,
    /// The next this many requests are answered with a 500, whatever `errorRate` says.
    pub fail_next: u32,
    /// Added to every answer after its work is done: PingOne slower than a client's timeout, the work done anyway.
    pub late_answer_ms: u64,
    /// The share of requests, 0 to 1, that are carried out and whose connection is then dropped: the client never
    /// learns that the work was done.
    pub lost_answer_rate: f64,
    /// The next this many requests are carried out and their answers lost, whatever `lostAnswerRate` says.
    pub lose_next: u32,
    /// The next this many requests are carried out and then answered with a 500, as an edge that fails late does.
    pub fail_after_next: u32,
    /// The next this many requests are answered with a 503 and `Retry-After: 1`, as PingOne in maintenance is.
    pub unavailable_next: u32,
}

impl Default for MfaSettings {
    fn default() -> Self {
        Self {
            max_allowed_devices: 5,
            phone_extensions_enabled: false,
            hotp_window: 10,
            resync_window: 100,
            daily_deliveries: 50,
            pending_device_hours: Some(24),
        }
    }
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            error_rate: 0.0,
            drop_rate: 0.0,
            requests_per_second: 100,
            token_lifetime_seconds: 3600,
            fail_next: 0,
            late_answer_ms: 0,
            lost_answer_rate: 0.0,
            lose_next: 0,
            fail_after_next: 0,
            unavailable_next: 0,
        }
    }
}

impl MfaSettings {
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !(1..=15).contains(&self.max_allowed_devices) {
            problems.push("maxAllowedDevices must be 1 to 15".to_owned());
        }
        if self.hotp_window >= self.resync_window {
            problems.push("resyncWindow must be larger than hotpWindow".to_owned());
        }
        if self.pending_device_hours == Some(0) {
            problems.push("pendingDeviceHours must be positive, or null to keep pending devices".to_owned());
        }
        problems
    }
}

impl Faults {
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let rates =
            [("errorRate", self.error_rate), ("dropRate", self.drop_rate), ("lostAnswerRate", self.lost_answer_rate)];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                problems.push(format!("{name} must be 0 to 1"));
            }
        }
        if self.requests_per_second == 0 || self.token_lifetime_seconds <= 0 {
            problems.push("requestsPerSecond and tokenLifetimeSeconds must be positive".to_owned());
        }
        problems
    }
}
