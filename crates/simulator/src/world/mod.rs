//! The simulated environment's state and PingOne's rules over it, free of HTTP, so that each rule reads like the
//! behaviour list in the README. Time is the simulator's clock: the real clock moved by the offset that tests set.
//!
//! By concern: worker tokens and the request limit (`tokens`), devices and their order (`devices`), pairing codes
//! and activation (`activation`), and the hardware-token inventory (`inventory`). Here: the state they share,
//! users, the outbox, and the clock.

use std::collections::HashMap;

use devices_api::{Device, DeviceStatus};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::error::ApiError;
use crate::settings::{Access, Faults, MfaSettings, Policy, Variants};
use crate::{Fixture, FixtureUser};

mod activation;
mod devices;
mod inventory;
mod tokens;

pub use devices::{ListFilter, NewDevice, SeededDevice};
pub use inventory::OathToken;

pub struct World {
    environment_id: String,
    client_id: String,
    client_secret: String,
    pub policy: Policy,
    pub settings: MfaSettings,
    pub faults: Faults,
    pub access: Access,
    pub variants: Variants,
    /// Worker tokens and when each expires, on the simulator's clock.
    tokens: HashMap<String, OffsetDateTime>,
    /// Every worker token issued, for `GET /sim/tokens`.
    issued: Vec<String>,
    /// The requests on PingOne's routes, oldest first, for `GET /sim/requests`.
    pub requests: Vec<RequestRecord>,
    /// Requests per worker token in the current second: the second, and the count.
    request_counts: HashMap<String, (i64, u32)>,
    users: HashMap<String, FixtureUser>,
    /// Devices in creation order, which is also their list order where no order is set.
    devices: Vec<DeviceRecord>,
    /// Per user, the ids of active devices in order, the first being the default: by activation time until the user
    /// sets another.
    orders: HashMap<String, Vec<String>>,
    outbox: Vec<OutboxMessage>,
    oath_tokens: Vec<OathToken>,
    clock_offset: Duration,
}

struct DeviceRecord {
    device: Device,
    credential: Credential,
    failures: u32,
    created: OffsetDateTime,
    /// Made with `testMode`: its codes, resent ones too, are never delivered.
    test_mode: bool,
}

/// What an OTP is checked against.
enum Credential {
    /// An authenticator app's shared key.
    Totp { key: Vec<u8> },
    /// A code delivered by SMS, voice or email, while one is outstanding.
    Delivered { pending: Option<PendingOtp> },
    /// A hardware token from the inventory, by serial number; during a resync, the next code it must show.
    Oath { serial: String, resync_next: Option<u64> },
    /// A device seeded through the control API, of a type paired elsewhere (a passkey, the mobile app): it is
    /// listed, renamed, blocked and removed, never activated here.
    Seeded,
}

struct PendingOtp {
    code: String,
    expires_at: OffsetDateTime,
}

/// A code that the simulator "sent" by SMS, voice or email.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    pub user_id: String,
    pub device_id: String,
    /// `SMS`, `VOICE` or `EMAIL`.
    pub channel: String,
    pub to: String,
    /// The pairing code; empty in a notice of a new device.
    pub otp: String,
    pub sent_at: String,
    /// `PAIRING` (a code), or `NEW_DEVICE` (the policy's `newDeviceNotification`).
    pub kind: &'static str,
}

/// One request that reached PingOne's routes, as `GET /sim/requests` lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    /// The `X-Ping-External-Transaction-ID` header, when the client sent one.
    pub transaction_id: Option<String>,
}

impl World {
    pub fn new(fixture: &Fixture) -> Result<Self, Vec<String>> {
        let mut problems = fixture.policy.problems();
        problems.extend(fixture.settings.problems());
        problems.extend(fixture.faults.problems());
        for token in &fixture.oath_tokens {
            problems.extend(inventory::oath_token_problems(token));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            environment_id: fixture.environment_id.clone(),
            client_id: fixture.client_id.clone(),
            client_secret: fixture.client_secret.clone(),
            policy: fixture.policy.clone(),
            settings: fixture.settings,
            faults: fixture.faults,
            access: fixture.access.clone(),
            variants: fixture.variants,
            tokens: HashMap::new(),
            issued: Vec::new(),
            requests: Vec::new(),
            request_counts: HashMap::new(),
            users: fixture.users.iter().map(|user| (user.id.clone(), user.clone())).collect(),
            devices: Vec::new(),
            orders: HashMap::new(),
            outbox: Vec::new(),
            oath_tokens: fixture.oath_tokens.clone(),
            clock_offset: Duration::ZERO,
        })
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

    /// A new user, with the profile's email and phone when given.
    pub fn add_user(&mut self, username: String, email: Option<String>, phone: Option<String>) -> FixtureUser {
        let user = FixtureUser { id: uuid::Uuid::new_v4().to_string(), username, email, phone };
        self.users.insert(user.id.clone(), user.clone());
        user
    }

    /// An RS256 access token for a known user, as if they had signed in.
    pub fn mint_user_token(
        &self,
        user_id: &str,
        issuer: &str,
        request: &crate::user_tokens::TokenRequest,
    ) -> Result<String, ApiError> {
        self.user(user_id)?;
        crate::user_tokens::mint(user_id, &self.environment_id, issuer, self.now(), request)
            .map_err(|_| ApiError::unexpected())
    }

    /// Tells the user of a device newly paired, as the policy's `newDeviceNotification` says: by the profile's
    /// email or phone, the other when the first is missing, or not at all.
    fn notify_new_device(&mut self, user_id: &str, device_id: &str, now: OffsetDateTime) {
        use crate::settings::NewDeviceNotification as N;
        let Some(user) = self.users.get(user_id) else { return };
        let email = user.email.clone().map(|to| ("EMAIL", to));
        let sms = user.phone.clone().map(|to| ("SMS", to));
        let notice = match self.policy.new_device_notification {
            N::None => None,
            N::EmailThenSms => email.or(sms),
            N::SmsThenEmail => sms.or(email),
        };
        if let Some((channel, to)) = notice {
            self.outbox.push(OutboxMessage {
                user_id: user_id.to_owned(),
                device_id: device_id.to_owned(),
                channel: channel.to_owned(),
                to,
                otp: String::new(),
                sent_at: timestamp(now),
                kind: "NEW_DEVICE",
            });
        }
    }

    pub fn outbox(&self, user_id: Option<&str>) -> Vec<OutboxMessage> {
        self.outbox.iter().filter(|message| user_id.is_none_or(|id| message.user_id == id)).cloned().collect()
    }

    fn user(&self, user_id: &str) -> Result<&FixtureUser, ApiError> {
        self.users.get(user_id).ok_or_else(ApiError::not_found)
    }

    fn record_mut(&mut self, user_id: &str, device_id: &str) -> Result<&mut DeviceRecord, ApiError> {
        self.user(user_id)?;
        self.devices
            .iter_mut()
            .find(|r| r.device.id == device_id && owner(&r.device) == user_id)
            .ok_or_else(ApiError::not_found)
    }

    /// The devices that count against a user's limit: PingOne counts those active or blocked.
    fn counted_devices(&self, user_id: &str) -> usize {
        let counted = |device: &Device| device.status == DeviceStatus::Active || device.is_blocked();
        self.devices.iter().filter(|r| owner(&r.device) == user_id && counted(&r.device)).count()
    }

    /// Whether the worker may read, or with `changes` manage, this user's devices: PingOne answers 403 when its role
    /// does not reach them.
    pub fn check_access(&self, user_id: &str, changes: bool) -> Result<(), ApiError> {
        let refused = self.access.worker_lacks_role
            || (changes && self.access.worker_reads_only)
            || self.access.users_outside_role.iter().any(|id| id == user_id);
        if refused {
            return Err(ApiError::insufficient_permissions());
        }
        Ok(())
    }

    fn record_index(&self, user_id: &str, device_id: &str) -> Result<usize, ApiError> {
        self.user(user_id)?;
        self.devices
            .iter()
            .position(|r| r.device.id == device_id && owner(&r.device) == user_id)
            .ok_or_else(ApiError::not_found)
    }
}

fn owner(device: &Device) -> &str {
    device.user.as_ref().map_or("", |user| user.id.as_str())
}

/// PingOne's timestamps: RFC 3339 in UTC with milliseconds, such as `2026-04-22T22:00:35.252Z`.
pub fn timestamp(at: OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_default()
}

fn random_digits(length: u32) -> String {
    let mut digits = String::new();
    while digits.len() < length as usize {
        // Bytes of 250 and above are skipped, so that every digit is equally likely.
        for byte in random_bytes::<16>() {
            if byte < 250 && digits.len() < length as usize {
                digits.push(char::from(b'0' + byte % 10));
            }
        }
    }
    digits
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivered_codes_have_the_policy_length() {
        for length in [6, 8, 10] {
            let code = random_digits(length);
            assert_eq!(code.len(), length as usize);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn timestamps_are_pingones_utc_with_milliseconds() {
        let at = OffsetDateTime::from_unix_timestamp(1_776_895_235).expect("a time") + Duration::milliseconds(252);
        assert_eq!(timestamp(at), "2026-04-22T22:00:35.252Z");
    }

    #[test]
    fn the_clock_moves_by_the_offset_that_tests_set() {
        let mut world = World::new(&Fixture::demo()).expect("the demo fixture is valid");
        let before = world.now();
        world.set_clock_offset(3600);
        assert!(world.now() - before >= Duration::seconds(3600));
    }
}
