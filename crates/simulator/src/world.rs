//! The simulated environment's state and PingOne's rules over it: worker tokens, users, devices and their
//! one-time passwords, device order, the outbox, and the request limit.
//!
//! Every rule lives here, free of HTTP, so that it reads like the behaviour list in the README. Time is the
//! simulator's clock: the real clock moved by the offset that tests set.

use std::collections::HashMap;

use devices_api::{Device, DeviceStatus, DeviceType, IdRef, InnerError, Lock, codes, validate};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::error::ApiError;
use crate::otp;
use crate::settings::{Faults, MfaSettings, Policy};
use crate::{Fixture, FixtureUser};

/// A TOTP secret of 160 bits, 32 base32 characters, as PingOne issues.
const TOTP_SECRET_BYTES: usize = 20;

pub struct World {
    environment_id: String,
    client_id: String,
    client_secret: String,
    pub policy: Policy,
    pub settings: MfaSettings,
    pub faults: Faults,
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
    /// Per user, the ids of active devices in the order set; the first is the default.
    orders: HashMap<String, Vec<String>>,
    outbox: Vec<OutboxMessage>,
    oath_tokens: Vec<OathToken>,
    clock_offset: Duration,
}

struct DeviceRecord {
    device: Device,
    credential: Credential,
    failures: u32,
}

/// What an OTP is checked against.
enum Credential {
    /// An authenticator app's shared key.
    Totp { key: Vec<u8> },
    /// A code delivered by SMS, voice or email, while one is outstanding.
    Delivered { pending: Option<PendingOtp> },
    /// A hardware token from the inventory, by serial number; during a resync, the next code it must show.
    Oath { serial: String, resync_next: Option<u64> },
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
    pub otp: String,
    pub sent_at: String,
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

/// A hardware OATH token in the environment's inventory.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OathToken {
    pub serial_number: String,
    /// The token's key in base32.
    pub secret: String,
    /// `HOTP` or `TOTP`.
    pub token_type: String,
    /// 6 or 8.
    pub digits: u32,
    /// For HOTP, the next counter the simulator expects.
    #[serde(default)]
    pub counter: u64,
    /// The device the token is paired with.
    #[serde(default, skip_deserializing)]
    pub paired_device: Option<String>,
}

/// A create request as the simulator reads it: PingOne's fields, with anything else ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewDevice {
    #[serde(rename = "type")]
    pub device_type: Option<DeviceType>,
    pub status: Option<DeviceStatus>,
    pub nickname: Option<String>,
    pub policy: Option<IdRef>,
    pub phone: Option<String>,
    pub extension: Option<String>,
    pub email: Option<String>,
    pub serial_number: Option<String>,
    #[serde(default)]
    pub test_mode: bool,
}

/// A device as create returns it.
pub struct Created {
    pub device: Device,
    /// With `testMode`, the pairing code that was not delivered.
    pub test_otp: Option<String>,
}

/// Which devices a list returns: PingOne's `filter` on status or type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListFilter {
    All,
    Status(DeviceStatus),
    Type(DeviceType),
}

impl World {
    pub fn new(fixture: &Fixture) -> Result<Self, Vec<String>> {
        let mut problems = fixture.policy.problems();
        problems.extend(fixture.settings.problems());
        problems.extend(fixture.faults.problems());
        for token in &fixture.oath_tokens {
            problems.extend(oath_token_problems(token));
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

    /// Issues a worker token when the client credentials match; returns it with its lifetime in seconds.
    pub fn issue_token(&mut self, client_id: &str, client_secret: &str) -> Option<(String, i64)> {
        if client_id != self.client_id || client_secret != self.client_secret {
            return None;
        }
        let now = self.now();
        self.tokens.retain(|_, expires| *expires > now);
        let lifetime = self.faults.token_lifetime_seconds;
        let token = data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<32>());
        self.tokens.insert(token.clone(), now + Duration::seconds(lifetime));
        self.issued.push(token.clone());
        Some((token, lifetime))
    }

    /// Every worker token ever issued, expired or not: tests look for them where they must not be.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.issued.clone()
    }

    /// Ends every worker token now, as if they had all expired.
    pub fn expire_tokens(&mut self) {
        self.tokens.clear();
    }

    /// Checks a worker token and counts the request against the token's limit.
    pub fn admit(&mut self, token: &str) -> Result<(), ApiError> {
        let now = self.now();
        match self.tokens.get(token) {
            Some(expires) if *expires > now => {}
            _ => return Err(ApiError::invalid_token()),
        }
        let second = now.unix_timestamp();
        let entry = self.request_counts.entry(token.to_owned()).or_insert((second, 0));
        if entry.0 != second {
            *entry = (second, 0);
        }
        entry.1 += 1;
        if entry.1 > self.faults.requests_per_second {
            return Err(ApiError::request_limited(1));
        }
        Ok(())
    }

    pub fn add_user(&mut self, username: String) -> FixtureUser {
        let user = FixtureUser { id: uuid::Uuid::new_v4().to_string(), username };
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

    pub fn add_oath_token(&mut self, token: OathToken) -> Result<(), Vec<String>> {
        let mut problems = oath_token_problems(&token);
        if self.oath_tokens.iter().any(|known| known.serial_number == token.serial_number) {
            problems.push(format!("serialNumber {} is already in the inventory", token.serial_number));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        self.oath_tokens.push(token);
        Ok(())
    }

    pub fn oath_tokens(&self) -> &[OathToken] {
        &self.oath_tokens
    }

    pub fn outbox(&self, user_id: Option<&str>) -> Vec<OutboxMessage> {
        self.outbox.iter().filter(|message| user_id.is_none_or(|id| message.user_id == id)).cloned().collect()
    }

    fn user(&self, user_id: &str) -> Result<&FixtureUser, ApiError> {
        self.users.get(user_id).ok_or_else(ApiError::not_found)
    }

    /// A user's devices, default first where an order is set, then in creation order.
    pub fn devices(&self, user_id: &str, filter: &ListFilter) -> Result<Vec<Device>, ApiError> {
        self.user(user_id)?;
        let order = self.orders.get(user_id).map(Vec::as_slice).unwrap_or_default();
        let position = |id: &str| order.iter().position(|ordered| ordered == id).unwrap_or(usize::MAX);
        let mut devices: Vec<&Device> =
            self.devices.iter().filter(|r| owner(&r.device) == user_id).map(|r| &r.device).collect();
        devices.sort_by_key(|device| position(&device.id));
        Ok(devices
            .into_iter()
            .filter(|device| match filter {
                ListFilter::All => true,
                ListFilter::Status(status) => device.status == *status,
                ListFilter::Type(device_type) => device.device_type == *device_type,
            })
            .cloned()
            .collect())
    }

    /// The ids of a user's ordered devices, default first; empty when no order is set.
    pub fn order(&self, user_id: &str) -> Vec<String> {
        self.orders.get(user_id).cloned().unwrap_or_default()
    }

    pub fn device(&mut self, user_id: &str, device_id: &str) -> Result<Device, ApiError> {
        let now = self.now();
        let record = self.record_mut(user_id, device_id)?;
        record.clear_ended_lock(now);
        Ok(record.device.clone())
    }

    fn record_mut(&mut self, user_id: &str, device_id: &str) -> Result<&mut DeviceRecord, ApiError> {
        self.user(user_id)?;
        self.devices
            .iter_mut()
            .find(|r| r.device.id == device_id && owner(&r.device) == user_id)
            .ok_or_else(ApiError::not_found)
    }

    fn active_devices(&self, user_id: &str) -> usize {
        self.devices.iter().filter(|r| owner(&r.device) == user_id && r.device.status == DeviceStatus::Active).count()
    }

    /// Creates a device. As in PingOne, a worker-created device is `ACTIVE` unless the body asks for
    /// `ACTIVATION_REQUIRED` (TOTP excepted); then an SMS, voice or email device is sent its pairing code.
    pub fn create_device(&mut self, user_id: &str, request: NewDevice) -> Result<Created, ApiError> {
        let username = self.user(user_id)?.username.clone();
        let device_type = request
            .device_type
            .ok_or_else(|| ApiError::invalid_data(codes::REQUIRED_VALUE, "type", "type is required"))?;
        let method = self
            .policy
            .method(&device_type)
            .ok_or_else(|| ApiError::invalid_data(codes::INVALID_VALUE, "type", "This device type is not supported"))?;
        if let Some(policy) = &request.policy
            && policy.id != self.policy.id
        {
            return Err(ApiError::invalid_data(
                codes::INVALID_VALUE,
                "policy.id",
                "No device authentication policy has this id",
            ));
        }
        if !method.enabled || method.pairing_disabled {
            return Err(ApiError::invalid_data(
                codes::CONSTRAINT_VIOLATION,
                "type",
                "The device authentication policy does not allow pairing this device type",
            ));
        }
        let status = match request.status {
            // PingOne's TOTP example creates `ACTIVATION_REQUIRED` with no status given: a secret the person has not
            // scanned yet cannot be proven. Every other type defaults to `ACTIVE` for a worker.
            None if device_type == DeviceType::Totp => DeviceStatus::ActivationRequired,
            None | Some(DeviceStatus::Active) => DeviceStatus::Active,
            Some(DeviceStatus::ActivationRequired) => DeviceStatus::ActivationRequired,
            Some(DeviceStatus::Other(_)) => {
                return Err(ApiError::invalid_data(
                    codes::INVALID_VALUE,
                    "status",
                    "status must be ACTIVE or ACTIVATION_REQUIRED",
                ));
            }
        };
        if let Some(nickname) = &request.nickname {
            check_nickname(nickname)?;
        }
        let delivered = matches!(device_type, DeviceType::Sms | DeviceType::Voice | DeviceType::Email);
        if request.test_mode && !delivered {
            return Err(ApiError::invalid_data(
                codes::INVALID_VALUE,
                "testMode",
                "testMode applies to SMS, voice and email devices only",
            ));
        }
        if self.active_devices(user_id) >= self.settings.max_allowed_devices {
            return Err(ApiError::device_limit(self.settings.max_allowed_devices));
        }

        let now = self.now();
        let mut device = new_device(&device_type, status.clone(), &self.environment_id, user_id, now, request.nickname);
        let credential = match device_type {
            DeviceType::Sms | DeviceType::Voice => {
                let phone = request
                    .phone
                    .ok_or_else(|| ApiError::invalid_data(codes::REQUIRED_VALUE, "phone", "phone is required"))?;
                device.phone = Some(normalize_phone(&phone)?);
                if device_type == DeviceType::Voice && self.settings.phone_extensions_enabled {
                    device.extension = request.extension.map(|extension| check_extension(&extension)).transpose()?;
                }
                Credential::Delivered { pending: None }
            }
            DeviceType::Email => {
                let email = request
                    .email
                    .ok_or_else(|| ApiError::invalid_data(codes::REQUIRED_VALUE, "email", "email is required"))?;
                device.email = Some(check_email(&email)?);
                Credential::Delivered { pending: None }
            }
            DeviceType::Totp => {
                let key = random_bytes::<TOTP_SECRET_BYTES>().to_vec();
                let secret = data_encoding::BASE32_NOPAD.encode(&key);
                device.key_uri = Some(format!("otpauth://totp/{}?secret={secret}", encode_label(&username)));
                device.secret = Some(secret);
                Credential::Totp { key }
            }
            DeviceType::OathToken => {
                let serial = request.serial_number.ok_or_else(|| {
                    ApiError::invalid_data(codes::REQUIRED_VALUE, "serialNumber", "serialNumber is required")
                })?;
                let token =
                    self.oath_tokens.iter_mut().find(|token| token.serial_number == serial).ok_or_else(|| {
                        ApiError::invalid_data(
                            codes::INVALID_VALUE,
                            "serialNumber",
                            "No OATH token in the environment has this serial number",
                        )
                    })?;
                if token.paired_device.is_some() {
                    return Err(ApiError::invalid_data(
                        codes::UNIQUENESS_VIOLATION,
                        "serialNumber",
                        "This OATH token is already paired",
                    ));
                }
                token.paired_device = Some(device.id.clone());
                device.serial_number = Some(serial.clone());
                device.token_type = Some(token.token_type.clone());
                Credential::Oath { serial, resync_next: None }
            }
            DeviceType::Other(_) => unreachable!("the policy has no method for other types"),
        };
        let mut record = DeviceRecord { device, credential, failures: 0 };
        let mut test_otp = None;
        if status == DeviceStatus::ActivationRequired && delivered {
            let code = self.deliver_code(&mut record, user_id, now, request.test_mode);
            test_otp = request.test_mode.then_some(code);
        }
        let shown_once = record.device.clone();
        if let Credential::Totp { .. } = record.credential {
            record.device.secret = None;
            record.device.key_uri = None;
        }
        if status == DeviceStatus::Active {
            self.append_to_order(user_id, &record.device.id);
        }
        self.devices.push(record);
        Ok(Created { device: shown_once, test_otp })
    }

    /// Makes a new pairing code for a delivered device and puts it in the outbox, unless `test_mode` keeps it back.
    fn deliver_code(
        &mut self,
        record: &mut DeviceRecord,
        user_id: &str,
        now: OffsetDateTime,
        test_mode: bool,
    ) -> String {
        let code = random_digits(self.policy.otp.length);
        record.credential = Credential::Delivered {
            pending: Some(PendingOtp {
                code: code.clone(),
                expires_at: now + Duration::seconds(self.policy.otp.lifetime_seconds),
            }),
        };
        record.failures = 0;
        if !test_mode {
            let device = &record.device;
            let (channel, to) = match device.device_type {
                DeviceType::Email => ("EMAIL", device.email.clone()),
                DeviceType::Voice => ("VOICE", device.phone.clone()),
                _ => ("SMS", device.phone.clone()),
            };
            self.outbox.push(OutboxMessage {
                user_id: user_id.to_owned(),
                device_id: device.id.clone(),
                channel: channel.to_owned(),
                to: to.unwrap_or_default(),
                otp: code.clone(),
                sent_at: timestamp(now),
            });
        }
        code
    }

    /// Sends a new pairing code to an SMS, voice or email device that still needs activation.
    pub fn resend_code(&mut self, user_id: &str, device_id: &str) -> Result<Device, ApiError> {
        let now = self.now();
        let index = self.record_index(user_id, device_id)?;
        let mut record = self.devices.remove(index);
        let outcome = (|| {
            if record.device.status != DeviceStatus::ActivationRequired
                || !matches!(record.credential, Credential::Delivered { .. })
            {
                return Err(ApiError::invalid_request(
                    "Only an SMS, voice or email device that needs activation can be sent a new code.",
                ));
            }
            if let Some(until) = record.locked_until(now) {
                return Err(ApiError::device_locked(until));
            }
            Ok(())
        })();
        if outcome.is_ok() {
            self.deliver_code(&mut record, user_id, now, false);
        }
        let device = record.device.clone();
        self.devices.insert(index, record);
        outcome.map(|()| device)
    }

    fn record_index(&self, user_id: &str, device_id: &str) -> Result<usize, ApiError> {
        self.user(user_id)?;
        self.devices
            .iter()
            .position(|r| r.device.id == device_id && owner(&r.device) == user_id)
            .ok_or_else(ApiError::not_found)
    }

    /// Checks an activation OTP. A wrong code counts a failure, and the policy's last allowed failure locks the
    /// device for the cool-down.
    pub fn activate(
        &mut self,
        user_id: &str,
        device_id: &str,
        otp: &str,
        oath_resync: bool,
    ) -> Result<Device, ApiError> {
        let now = self.now();
        let (policy, settings) = (self.policy.clone(), self.settings);
        let at_limit = self.active_devices(user_id) >= settings.max_allowed_devices;
        let index = self.record_index(user_id, device_id)?;
        let record = &mut self.devices[index];
        if record.device.status != DeviceStatus::ActivationRequired {
            return Err(ApiError::invalid_request("The device does not require activation."));
        }
        if otp.is_empty() || !otp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::invalid_data(codes::INVALID_VALUE, "otp", "otp must be a string of digits"));
        }
        if let Some(until) = record.locked_until(now) {
            return Err(ApiError::device_locked(until));
        }
        if at_limit {
            return Err(ApiError::device_limit(settings.max_allowed_devices));
        }
        let verdict = match &mut record.credential {
            Credential::Totp { key } => {
                let step = otp::totp_step(now.unix_timestamp());
                Verdict::from(otp::matching_totp_step(key, otp, step, policy.totp_grace_steps, 6).is_some())
            }
            Credential::Delivered { pending } => match pending {
                Some(pending) if pending.expires_at <= now => return Err(ApiError::otp_expired()),
                Some(pending) => Verdict::from(pending.code == otp),
                None => return Err(ApiError::otp_expired()),
            },
            Credential::Oath { serial, resync_next } => {
                let token = self
                    .oath_tokens
                    .iter_mut()
                    .find(|token| token.serial_number == *serial)
                    .ok_or_else(ApiError::not_found)?;
                check_oath(token, resync_next, otp, oath_resync, now, &policy, &settings)
            }
        };
        let record = &mut self.devices[index];
        match verdict {
            Verdict::Accepted => {
                record.failures = 0;
                record.device.lock = None;
                record.device.status = DeviceStatus::Active;
                record.device.updated_at = Some(timestamp(now));
                if let Credential::Delivered { pending } = &mut record.credential {
                    *pending = None;
                }
                let device = record.device.clone();
                self.append_to_order(user_id, device_id);
                Ok(device)
            }
            Verdict::NextCodeNeeded => Err(ApiError::extra_otp_required()),
            Verdict::Refused => {
                record.failures += 1;
                let remaining = policy.otp.failure_count.saturating_sub(record.failures);
                if remaining == 0 {
                    let until = now + Duration::seconds(policy.otp.cool_down_seconds);
                    record.device.lock = Some(Lock { status: "LOCKED".into(), expires_at: Some(timestamp(until)) });
                    if let Credential::Delivered { pending } = &mut record.credential {
                        *pending = None;
                    }
                }
                Err(ApiError::invalid_data(codes::INVALID_OTP, "otp", "The OTP is invalid")
                    .with_inner(InnerError { remaining_attempts: Some(remaining), ..InnerError::default() }))
            }
        }
    }

    pub fn rename(&mut self, user_id: &str, device_id: &str, nickname: &str) -> Result<Device, ApiError> {
        check_nickname(nickname)?;
        let now = self.now();
        let record = self.record_mut(user_id, device_id)?;
        record.device.nickname = (!nickname.is_empty()).then(|| nickname.to_owned());
        record.device.updated_at = Some(timestamp(now));
        Ok(record.device.clone())
    }

    /// Sets the order of a user's active devices; the first is the default. Devices left out keep their place
    /// after the listed ones.
    pub fn set_order(&mut self, user_id: &str, ids: Vec<String>) -> Result<Vec<String>, ApiError> {
        self.user(user_id)?;
        let active: Vec<String> = self
            .devices
            .iter()
            .filter(|r| owner(&r.device) == user_id && r.device.status == DeviceStatus::Active)
            .map(|r| r.device.id.clone())
            .collect();
        let mut seen = std::collections::HashSet::new();
        if ids.is_empty() || !ids.iter().all(|id| active.contains(id) && seen.insert(id.clone())) {
            return Err(ApiError::invalid_data(
                codes::INVALID_VALUE,
                "order",
                "order must list the user's active devices, each once",
            ));
        }
        let previous = self.order(user_id);
        let rest = previous.iter().chain(active.iter()).filter(|id| !ids.contains(id));
        let mut order = ids.clone();
        for id in rest {
            if !order.contains(id) {
                order.push(id.clone());
            }
        }
        self.orders.insert(user_id.to_owned(), order.clone());
        Ok(order)
    }

    /// Newly activated devices go to the end of an order that exists.
    fn append_to_order(&mut self, user_id: &str, device_id: &str) {
        if let Some(order) = self.orders.get_mut(user_id)
            && !order.iter().any(|id| id == device_id)
        {
            order.push(device_id.to_owned());
        }
    }

    /// Deletes a device; if it was the default, the next in order becomes the default.
    pub fn delete_device(&mut self, user_id: &str, device_id: &str) -> Result<(), ApiError> {
        let index = self.record_index(user_id, device_id)?;
        let record = self.devices.remove(index);
        if let Credential::Oath { serial, .. } = &record.credential
            && let Some(token) = self.oath_tokens.iter_mut().find(|token| token.serial_number == *serial)
        {
            token.paired_device = None;
        }
        if let Some(order) = self.orders.get_mut(user_id) {
            order.retain(|id| id != device_id);
        }
        Ok(())
    }
}

/// The outcome of checking a code.
enum Verdict {
    Accepted,
    Refused,
    /// An OATH token's code was found in the resync window: its next code completes the resync.
    NextCodeNeeded,
}

impl From<bool> for Verdict {
    fn from(accepted: bool) -> Self {
        if accepted { Self::Accepted } else { Self::Refused }
    }
}

/// HOTP or TOTP for a hardware token, with the resync step: a code found beyond the normal window but within the
/// resync window asks for the token's next code, which then activates it.
fn check_oath(
    token: &mut OathToken,
    resync_next: &mut Option<u64>,
    otp: &str,
    oath_resync: bool,
    now: OffsetDateTime,
    policy: &Policy,
    settings: &MfaSettings,
) -> Verdict {
    let Ok(key) = data_encoding::BASE32_NOPAD.decode(token.secret.as_bytes()) else {
        return Verdict::Refused;
    };
    let code_at = |position: u64| otp::hotp(&key, position, token.digits);
    if let Some(next) = resync_next.take() {
        if oath_resync && code_at(next) == otp {
            if token.token_type == "HOTP" {
                token.counter = next + 1;
            }
            return Verdict::Accepted;
        }
        return Verdict::Refused;
    }
    if token.token_type == "HOTP" {
        let base = token.counter;
        if let Some(found) = (base..=base + settings.hotp_window).find(|&c| code_at(c) == otp) {
            token.counter = found + 1;
            return Verdict::Accepted;
        }
        if oath_resync
            && let Some(found) =
                (base + settings.hotp_window + 1..=base + settings.resync_window).find(|&c| code_at(c) == otp)
        {
            *resync_next = Some(found + 1);
            return Verdict::NextCodeNeeded;
        }
        return Verdict::Refused;
    }
    let step = otp::totp_step(now.unix_timestamp());
    let grace = policy.totp_grace_steps;
    if otp::matching_totp_step(&key, otp, step, grace, token.digits).is_some() {
        return Verdict::Accepted;
    }
    if oath_resync && let Some(found) = otp::matching_totp_step(&key, otp, step, settings.resync_window, token.digits) {
        *resync_next = Some(found + 1);
        return Verdict::NextCodeNeeded;
    }
    Verdict::Refused
}

impl DeviceRecord {
    /// When the OTP-failure lock ends, if it has not ended yet.
    fn locked_until(&mut self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        self.clear_ended_lock(now);
        let lock = self.device.lock.as_ref()?;
        OffsetDateTime::parse(lock.expires_at.as_deref()?, &Rfc3339).ok()
    }

    /// An ended lock clears itself and the failure count.
    fn clear_ended_lock(&mut self, now: OffsetDateTime) {
        let ended = self
            .device
            .lock
            .as_ref()
            .and_then(|lock| lock.expires_at.as_deref())
            .and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok())
            .is_some_and(|until| until <= now);
        if ended {
            self.device.lock = None;
            self.failures = 0;
        }
    }
}

fn new_device(
    device_type: &DeviceType,
    status: DeviceStatus,
    environment_id: &str,
    user_id: &str,
    now: OffsetDateTime,
    nickname: Option<String>,
) -> Device {
    let now = timestamp(now);
    Device {
        id: uuid::Uuid::new_v4().to_string(),
        device_type: device_type.clone(),
        status,
        environment: Some(IdRef { id: environment_id.to_owned() }),
        user: Some(IdRef { id: user_id.to_owned() }),
        created_at: Some(now.clone()),
        updated_at: Some(now),
        nickname,
        phone: None,
        extension: None,
        email: None,
        secret: None,
        key_uri: None,
        serial_number: None,
        token_type: None,
        lock: None,
        block: None,
    }
}

fn owner(device: &Device) -> &str {
    device.user.as_ref().map_or("", |user| user.id.as_str())
}

fn check_nickname(nickname: &str) -> Result<(), ApiError> {
    if nickname.chars().count() > validate::MAX_NICKNAME_CHARS {
        return Err(ApiError::invalid_data(
            codes::INVALID_VALUE,
            "nickname",
            "nickname must be at most 100 characters",
        ));
    }
    Ok(())
}

fn normalize_phone(phone: &str) -> Result<String, ApiError> {
    validate::normalize_phone(phone).ok_or_else(|| {
        ApiError::invalid_data(
            codes::INVALID_VALUE,
            "phone",
            "phone must be an international number with its country code",
        )
    })
}

fn check_extension(extension: &str) -> Result<String, ApiError> {
    if validate::is_extension(extension) {
        Ok(extension.to_owned())
    } else {
        Err(ApiError::invalid_data(codes::INVALID_VALUE, "extension", "extension must be digits"))
    }
}

fn check_email(email: &str) -> Result<String, ApiError> {
    let email = email.trim();
    if validate::is_email(email) {
        Ok(email.to_owned())
    } else {
        Err(ApiError::invalid_data(codes::INVALID_VALUE, "email", "email must be a valid email address"))
    }
}

fn oath_token_problems(token: &OathToken) -> Vec<String> {
    let mut problems = Vec::new();
    if !validate::is_serial_number(&token.serial_number) {
        problems.push("serialNumber must be 1 to 64 letters, digits or hyphens".to_owned());
    }
    if data_encoding::BASE32_NOPAD.decode(token.secret.as_bytes()).is_err() {
        problems.push(format!("secret of {} must be base32 without padding", token.serial_number));
    }
    if token.token_type != "HOTP" && token.token_type != "TOTP" {
        problems.push(format!("tokenType of {} must be HOTP or TOTP", token.serial_number));
    }
    if token.digits != 6 && token.digits != 8 {
        problems.push(format!("digits of {} must be 6 or 8", token.serial_number));
    }
    problems
}

/// PingOne's timestamps: RFC 3339 in UTC with milliseconds, such as `2026-04-22T22:00:35.252Z`.
pub fn timestamp(at: OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
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
}
