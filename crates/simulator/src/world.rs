//! The simulated environment's state and PingOne's rules over it: tokens, users, devices and their OTP checks.
//!
//! Every rule lives here, free of HTTP, so that it reads like the behaviour list in the README. Time is the
//! simulator's clock: the real clock moved by the offset that tests set.

use std::collections::HashMap;

use devices_api::{CreateDevice, Device, DeviceStatus, DeviceType, IdRef, InnerError, Lock, codes};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::error::ApiError;
use crate::otp;
use crate::{Fixture, FixtureUser};

/// TOTP codes are accepted this many 30 s steps either side of now: PingOne's default grace period.
const TOTP_GRACE_STEPS: u64 = 5;
/// Wrong OTPs allowed before a device locks: PingOne's default `otp.failure.count`.
const OTP_FAILURE_LIMIT: u32 = 3;
/// How long a TOTP device stays locked: PingOne's default TOTP `coolDown` of 2 minutes.
const TOTP_LOCK_SECONDS: i64 = 120;
/// A TOTP secret of 160 bits, 32 base32 characters, as PingOne issues.
const TOTP_SECRET_BYTES: usize = 20;

pub struct World {
    environment_id: String,
    client_id: String,
    client_secret: String,
    token_lifetime: Duration,
    /// Worker tokens and when each expires, on the simulator's clock.
    tokens: HashMap<String, OffsetDateTime>,
    users: HashMap<String, FixtureUser>,
    /// Devices in creation order, which is also their list order until one is set.
    devices: Vec<DeviceRecord>,
    outbox: Vec<OutboxMessage>,
    oath_tokens: Vec<OathToken>,
    clock_offset: Duration,
}

struct DeviceRecord {
    device: Device,
    /// The OTP key; for TOTP devices the decoded `secret`.
    secret: Vec<u8>,
    failures: u32,
}

/// A code that the simulator "sent" by SMS, voice or email.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    pub user_id: String,
    pub channel: String,
    pub to: String,
    pub otp: String,
    pub sent_at: String,
}

/// A hardware OATH token in the environment's inventory.
#[derive(Debug, Clone, serde::Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OathToken {
    pub serial_number: String,
    pub secret: String,
    pub token_type: String,
    pub digits: u32,
    #[serde(default)]
    pub counter: u64,
}

impl World {
    pub fn new(fixture: &Fixture) -> Self {
        Self {
            environment_id: fixture.environment_id.clone(),
            client_id: fixture.client_id.clone(),
            client_secret: fixture.client_secret.clone(),
            token_lifetime: Duration::seconds(fixture.token_lifetime_seconds),
            tokens: HashMap::new(),
            users: fixture.users.iter().map(|user| (user.id.clone(), user.clone())).collect(),
            devices: Vec::new(),
            outbox: Vec::new(),
            oath_tokens: Vec::new(),
            clock_offset: Duration::ZERO,
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.clock_offset
    }

    pub fn set_clock_offset(&mut self, seconds: i64) {
        self.clock_offset = Duration::seconds(seconds);
    }

    pub fn is_environment(&self, environment_id: &str) -> bool {
        self.environment_id == environment_id
    }

    /// Issues a worker token when the client credentials match; returns it with its lifetime in seconds.
    pub fn issue_token(&mut self, client_id: &str, client_secret: &str) -> Option<(String, i64)> {
        if client_id != self.client_id || client_secret != self.client_secret {
            return None;
        }
        let now = self.now();
        self.tokens.retain(|_, expires| *expires > now);
        let token = data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<32>());
        self.tokens.insert(token.clone(), now + self.token_lifetime);
        Some((token, self.token_lifetime.whole_seconds()))
    }

    pub fn check_token(&self, token: &str) -> Result<(), ApiError> {
        match self.tokens.get(token) {
            Some(expires) if *expires > self.now() => Ok(()),
            _ => Err(ApiError::invalid_token()),
        }
    }

    pub fn add_user(&mut self, username: String) -> FixtureUser {
        let user = FixtureUser { id: uuid::Uuid::new_v4().to_string(), username };
        self.users.insert(user.id.clone(), user.clone());
        user
    }

    pub fn add_oath_token(&mut self, token: OathToken) {
        self.oath_tokens.push(token);
    }

    pub fn outbox(&self, user_id: Option<&str>) -> Vec<OutboxMessage> {
        self.outbox.iter().filter(|message| user_id.is_none_or(|id| message.user_id == id)).cloned().collect()
    }

    fn user(&self, user_id: &str) -> Result<&FixtureUser, ApiError> {
        self.users.get(user_id).ok_or_else(ApiError::not_found)
    }

    pub fn devices(&self, user_id: &str) -> Result<Vec<Device>, ApiError> {
        self.user(user_id)?;
        Ok(self.devices.iter().filter(|r| owner(&r.device) == user_id).map(|r| r.device.clone()).collect())
    }

    pub fn device(&self, user_id: &str, device_id: &str) -> Result<Device, ApiError> {
        self.record(user_id, device_id).map(|record| record.device.clone())
    }

    fn record(&self, user_id: &str, device_id: &str) -> Result<&DeviceRecord, ApiError> {
        self.user(user_id)?;
        self.devices
            .iter()
            .find(|r| r.device.id == device_id && owner(&r.device) == user_id)
            .ok_or_else(ApiError::not_found)
    }

    fn record_mut(&mut self, user_id: &str, device_id: &str) -> Result<&mut DeviceRecord, ApiError> {
        self.user(user_id)?;
        self.devices
            .iter_mut()
            .find(|r| r.device.id == device_id && owner(&r.device) == user_id)
            .ok_or_else(ApiError::not_found)
    }

    /// Creates a device and returns it with its TOTP `secret` and `keyUri`, which are shown this once only. As in PingOne, a worker-created device is `ACTIVE` unless the body asks for
    /// `ACTIVATION_REQUIRED`.
    pub fn create_device(&mut self, user_id: &str, request: CreateDevice) -> Result<Device, ApiError> {
        let username = self.user(user_id)?.username.clone();
        let status = match request.status {
            None | Some(DeviceStatus::Active) => DeviceStatus::Active,
            Some(DeviceStatus::ActivationRequired) => DeviceStatus::ActivationRequired,
            Some(DeviceStatus::Other(_)) => {
                return Err(ApiError::invalid_data(codes::INVALID_VALUE, "status", "status must be ACTIVE or ACTIVATION_REQUIRED"));
            }
        };
        if request.device_type != DeviceType::Totp {
            return Err(ApiError::invalid_data(codes::INVALID_VALUE, "type", "This device type is not supported"));
        }
        if let Some(nickname) = &request.nickname {
            validate_nickname(nickname)?;
        }
        let secret = random_bytes::<TOTP_SECRET_BYTES>().to_vec();
        let secret_text = data_encoding::BASE32_NOPAD.encode(&secret);
        let now = timestamp(self.now());
        let device = Device {
            id: uuid::Uuid::new_v4().to_string(),
            device_type: DeviceType::Totp,
            status,
            environment: Some(IdRef { id: self.environment_id.clone() }),
            user: Some(IdRef { id: user_id.to_owned() }),
            created_at: Some(now.clone()),
            updated_at: Some(now),
            nickname: request.nickname,
            phone: None,
            extension: None,
            email: None,
            secret: None,
            key_uri: None,
            serial_number: None,
            token_type: None,
            lock: None,
        };
        let shown_once = Device {
            key_uri: Some(format!("otpauth://totp/{}?secret={secret_text}", encode_label(&username))),
            secret: Some(secret_text),
            ..device.clone()
        };
        self.devices.push(DeviceRecord { device, secret, failures: 0 });
        Ok(shown_once)
    }

    /// Checks an activation OTP. A wrong code counts a failure; the third locks the device for a while.
    pub fn activate(&mut self, user_id: &str, device_id: &str, otp: &str) -> Result<Device, ApiError> {
        let now = self.now();
        let record = self.record_mut(user_id, device_id)?;
        if record.device.status != DeviceStatus::ActivationRequired {
            return Err(ApiError::invalid_request("The device does not require activation."));
        }
        if otp.is_empty() || !otp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::invalid_data(codes::INVALID_VALUE, "otp", "otp must be a string of digits"));
        }
        if let Some(until) = record.locked_until(now) {
            return Err(ApiError::invalid_data(codes::DEVICE_LOCKED, "otp", "The device is locked after too many wrong OTPs")
                .with_inner(InnerError { lock_expires_at: Some(timestamp(until)), ..InnerError::default() }));
        }
        let now_step = otp::totp_step(now.unix_timestamp());
        if otp::matching_totp_step(&record.secret, otp, now_step, TOTP_GRACE_STEPS, 6).is_none() {
            record.failures += 1;
            let remaining = OTP_FAILURE_LIMIT.saturating_sub(record.failures);
            if remaining == 0 {
                let until = now + Duration::seconds(TOTP_LOCK_SECONDS);
                record.device.lock = Some(Lock { status: "LOCKED".into(), expires_at: Some(timestamp(until)) });
            }
            return Err(ApiError::invalid_data(codes::INVALID_OTP, "otp", "The OTP is invalid")
                .with_inner(InnerError { remaining_attempts: Some(remaining), ..InnerError::default() }));
        }
        record.failures = 0;
        record.device.lock = None;
        record.device.status = DeviceStatus::Active;
        record.device.updated_at = Some(timestamp(now));
        Ok(record.device.clone())
    }

    pub fn delete_device(&mut self, user_id: &str, device_id: &str) -> Result<(), ApiError> {
        self.record(user_id, device_id)?;
        self.devices.retain(|r| r.device.id != device_id);
        Ok(())
    }
}

impl DeviceRecord {
    /// When the OTP-failure lock ends, if it has not ended yet. An ended lock clears itself and its count.
    fn locked_until(&mut self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let until = self
            .device
            .lock
            .as_ref()
            .and_then(|lock| lock.expires_at.as_deref())
            .and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok())?;
        if until > now {
            return Some(until);
        }
        self.device.lock = None;
        self.failures = 0;
        None
    }
}

fn owner(device: &Device) -> &str {
    device.user.as_ref().map_or("", |user| user.id.as_str())
}

fn validate_nickname(nickname: &str) -> Result<(), ApiError> {
    if nickname.chars().count() > 100 {
        return Err(ApiError::invalid_data(codes::INVALID_VALUE, "nickname", "nickname must be at most 100 characters"));
    }
    Ok(())
}

/// PingOne's timestamps: RFC 3339 in UTC with milliseconds, such as `2026-04-22T22:00:35.252Z`.
pub fn timestamp(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_default()
}

/// Percent-encodes an `otpauth` label, keeping what authenticator apps show as typed.
fn encode_label(label: &str) -> String {
    label
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes
}
