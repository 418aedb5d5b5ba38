//! The environment's configuration that enrollment depends on: the device authentication policy, the MFA
//! settings, the OATH windows, the request limit and the injected faults. Each has PingOne's default where PingOne
//! documents one, and can be set in the fixture or through the control API.

use serde::{Deserialize, Serialize};

/// The device authentication policy, in the shape of the fields PingOne uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Policy {
    pub id: String,
    pub sms: Method,
    pub voice: Method,
    pub email: Method,
    /// PingOne's default policy has TOTP off; a fixture turns it on.
    pub totp: Method,
    pub oath_token: Method,
    pub otp: OtpRules,
    /// TOTP codes are accepted this many 30 s steps either side of now (PingOne: 1 to 10, default 5).
    pub totp_grace_steps: u64,
}

/// Whether a method may be used, and whether new devices of it may be paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Method {
    pub enabled: bool,
    pub pairing_disabled: bool,
}

/// The rules for one-time passwords that the environment checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct OtpRules {
    /// How long a delivered (SMS, voice, email) pairing code lives: PingOne's default is 30 minutes.
    pub lifetime_seconds: i64,
    /// Wrong codes allowed before the device locks: PingOne's default is 3 (range 1 to 7).
    pub failure_count: u32,
    /// How long a device stays locked after too many wrong codes.
    pub cool_down_seconds: i64,
    /// Digits in a delivered code: PingOne's default is 6 (range 6 to 10).
    pub length: u32,
}

/// The environment's MFA settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct MfaSettings {
    /// Active devices a user may have: PingOne's default is 5, at most 15.
    pub max_allowed_devices: usize,
    /// Whether a voice device's `extension` is kept: PingOne's default is off.
    pub phone_extensions_enabled: bool,
    /// HOTP codes up to this many counters ahead activate a token.
    pub hotp_window: u64,
    /// With `oathResync`, codes up to this many counters (or TOTP steps) ahead ask for the next code.
    pub resync_window: u64,
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
}

impl Default for Policy {
    fn default() -> Self {
        let on = Method { enabled: true, pairing_disabled: false };
        Self {
            id: String::new(),
            sms: on,
            voice: on,
            email: on,
            totp: Method { enabled: false, pairing_disabled: false },
            oath_token: on,
            otp: OtpRules::default(),
            totp_grace_steps: 5,
        }
    }
}

impl Default for Method {
    fn default() -> Self {
        Self { enabled: true, pairing_disabled: false }
    }
}

impl Default for OtpRules {
    fn default() -> Self {
        // PingOne documents a cool-down of 0 minutes for delivered codes and 2 for TOTP; one lock of 2 minutes for
        // every method keeps a lock visible to the person, which is what the simulator is for.
        Self { lifetime_seconds: 30 * 60, failure_count: 3, cool_down_seconds: 120, length: 6 }
    }
}

impl Default for MfaSettings {
    fn default() -> Self {
        Self { max_allowed_devices: 5, phone_extensions_enabled: false, hotp_window: 10, resync_window: 100 }
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
        }
    }
}

impl Policy {
    /// The policy's entry for a device type, if the type is one this simulator knows.
    pub fn method(&self, device_type: &devices_api::DeviceType) -> Option<Method> {
        use devices_api::DeviceType as T;
        match device_type {
            T::Sms => Some(self.sms),
            T::Voice => Some(self.voice),
            T::Email => Some(self.email),
            T::Totp => Some(self.totp),
            T::OathToken => Some(self.oath_token),
            T::Other(_) => None,
        }
    }

    /// Every problem with these values, each naming its field.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !(1..=7).contains(&self.otp.failure_count) {
            problems.push("otp.failureCount must be 1 to 7".to_owned());
        }
        if !(6..=10).contains(&self.otp.length) {
            problems.push("otp.length must be 6 to 10".to_owned());
        }
        if !(1..=10).contains(&self.totp_grace_steps) {
            problems.push("totpGraceSteps must be 1 to 10".to_owned());
        }
        if self.otp.lifetime_seconds <= 0 || self.otp.cool_down_seconds < 0 {
            problems.push("otp.lifetimeSeconds must be positive and otp.coolDownSeconds not negative".to_owned());
        }
        problems
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
