//! Pairing codes and activation: codes delivered by SMS, voice and email (and resent) within the daily quota,
//! authenticator-app and hardware-token codes checked, with each method's failure count and cool-down lock, and a
//! hardware token's resync.

use devices_api::{Device, DeviceStatus, DeviceType, Lock, codes};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::{Credential, DeviceRecord, OathToken, OutboxMessage, PendingOtp, World, random_digits, timestamp};
use crate::error::ApiError;
use crate::otp;
use crate::settings::{ActiveActivation, CodeRefusal, MfaSettings, Policy};

impl World {
    /// Makes a new pairing code for a delivered device and puts it in the outbox, unless `test_mode` keeps it back.
    pub(super) fn deliver_code(
        &mut self,
        record: &mut DeviceRecord,
        user_id: &str,
        now: OffsetDateTime,
        test_mode: bool,
    ) -> String {
        let rules = self.policy.delivered(&record.device.device_type);
        let code = random_digits(rules.otp_length);
        record.credential = Credential::Delivered {
            pending: Some(PendingOtp {
                code: code.clone(),
                expires_at: now + Duration::seconds(rules.life_time.seconds()),
            }),
        };
        record.failures = 0;
        if !test_mode {
            let device = &record.device;
            self.outbox.push(OutboxMessage {
                user_id: user_id.to_owned(),
                device_id: device.id.clone(),
                channel: channel(&device.device_type).to_owned(),
                to: device.email.clone().or_else(|| device.phone.clone()).unwrap_or_default(),
                otp: code.clone(),
                sent_at: timestamp(now),
                kind: "PAIRING",
            });
        }
        code
    }

    /// Whether one more code may be sent to this user on this channel today: PingOne's licence allows a number of
    /// SMS and of email messages per user and UTC day, resends included (voice too, as a variant).
    pub(super) fn check_quota(
        &self,
        user_id: &str,
        device_type: &DeviceType,
        now: OffsetDateTime,
    ) -> Result<(), ApiError> {
        if *device_type == DeviceType::Voice && !self.variants.quota_counts_voice {
            return Ok(());
        }
        let today = timestamp(now)[..10].to_owned();
        let channel = channel(device_type);
        let sent = self
            .outbox
            .iter()
            .filter(|message| message.user_id == user_id && message.channel == channel && message.kind == "PAIRING")
            .filter(|message| message.sent_at.starts_with(&today))
            .count();
        if sent >= self.settings.daily_deliveries as usize {
            return Err(ApiError::quota_exceeded(now, self.settings.daily_deliveries));
        }
        Ok(())
    }

    /// Sends a new pairing code to an SMS, voice or email device that still needs activation; a device made in
    /// `testMode` has its code given back instead.
    pub fn resend_code(&mut self, user_id: &str, device_id: &str) -> Result<(Device, Option<String>), ApiError> {
        let now = self.now();
        let index = self.record_index(user_id, device_id)?;
        let record = &mut self.devices[index];
        if record.device.status != DeviceStatus::ActivationRequired
            || record.device.is_blocked()
            || !matches!(record.credential, Credential::Delivered { .. })
        {
            return Err(ApiError::invalid_request(
                "Only an SMS, voice or email device that needs activation can be sent a new code.",
            ));
        }
        if let Some(until) = record.locked_until(now) {
            return Err(refusal(self.variants.code_refusal, Refused::Locked { until }));
        }
        let (device_type, test_mode) = (record.device.device_type.clone(), record.test_mode);
        if !test_mode {
            self.check_quota(user_id, &device_type, now)?;
        }
        let mut record = self.devices.remove(index);
        let code = self.deliver_code(&mut record, user_id, now, test_mode);
        let device = record.device.clone();
        self.devices.insert(index, record);
        Ok((device, test_mode.then_some(code)))
    }

    /// Checks an activation OTP. A wrong code counts a failure; the method's last allowed failure spends a sent
    /// code and locks the device for the method's cool-down. How a refusal reads is a variant: PingOne does not
    /// document it.
    pub fn activate(
        &mut self,
        user_id: &str,
        device_id: &str,
        otp: &str,
        oath_resync: bool,
    ) -> Result<Device, ApiError> {
        let now = self.now();
        let (policy, settings, variants) = (self.policy.clone(), self.settings, self.variants);
        let index = self.record_index(user_id, device_id)?;
        let record = &mut self.devices[index];
        if record.device.status == DeviceStatus::Active {
            return match variants.active_activation {
                ActiveActivation::Refused => Err(ApiError::invalid_request("The device does not require activation.")),
                ActiveActivation::Device => Ok(record.device.clone()),
            };
        }
        if record.device.is_blocked() {
            return Err(ApiError::invalid_request("The device is blocked."));
        }
        let failure = match policy.method(&record.device.device_type) {
            Some(method) if record.device.status == DeviceStatus::ActivationRequired => method.failure,
            _ => return Err(ApiError::invalid_request("The device does not require activation.")),
        };
        if otp.is_empty() || !otp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::invalid_data(codes::INVALID_VALUE, "otp", "otp must be a string of digits"));
        }
        if let Some(until) = record.locked_until(now) {
            return Err(refusal(variants.code_refusal, Refused::Locked { until }));
        }
        let expired = || Err(refusal(variants.code_refusal, Refused::Expired));
        let verdict = match &mut record.credential {
            Credential::Totp { .. } if now - record.created >= Duration::seconds(TOTP_PAIRING_SECONDS) => {
                return expired();
            }
            Credential::Totp { key } => {
                let step = otp::totp_step(now.unix_timestamp());
                let grace = policy.totp.passcode_grace_period;
                Verdict::from(otp::matching_totp_step(key, otp, step, grace, 6).is_some())
            }
            Credential::Delivered { pending } => match pending {
                Some(pending) if pending.expires_at > now => Verdict::from(pending.code == otp),
                _ => return expired(),
            },
            Credential::Oath { serial, resync_next } => {
                let token = self
                    .oath_tokens
                    .iter_mut()
                    .find(|token| token.serial_number == *serial)
                    .ok_or_else(ApiError::not_found)?;
                check_oath(token, resync_next, otp, oath_resync, now, &policy, &settings)
            }
            Credential::Seeded => return Err(ApiError::invalid_request("The device does not require activation.")),
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
                self.notify_new_device(user_id, device_id, now);
                Ok(device)
            }
            Verdict::NextCodeNeeded => Err(ApiError::extra_otp_required()),
            Verdict::Refused => {
                record.failures += 1;
                let remaining = failure.count.saturating_sub(record.failures);
                if remaining == 0 {
                    if let Credential::Delivered { pending } = &mut record.credential {
                        *pending = None;
                    }
                    let cool_down = failure.cool_down.seconds();
                    if cool_down > 0 {
                        let until = timestamp(now + Duration::seconds(cool_down));
                        record.device.lock = Some(Lock { status: "LOCKED".into(), expires_at: Some(until) });
                    } else {
                        record.failures = 0;
                    }
                }
                Err(refusal(variants.code_refusal, Refused::Wrong { remaining }))
            }
        }
    }
}

/// How long an authenticator app's secret may be activated: "The password expires after 30 minutes".
const TOTP_PAIRING_SECONDS: i64 = 30 * 60;

/// The outbox channel of a delivered device type.
fn channel(device_type: &DeviceType) -> &'static str {
    match device_type {
        DeviceType::Email => "EMAIL",
        DeviceType::Voice => "VOICE",
        _ => "SMS",
    }
}

/// The lock that PingOne shows on a device that is not locked; a device keeps none.
pub(super) fn unlocked() -> Lock {
    Lock { status: "UNLOCKED".into(), expires_at: None }
}

/// Why a code was refused.
enum Refused {
    Wrong {
        remaining: u32,
    },
    /// The sent code has expired or was spent, or the authenticator app's secret is past its 30 minutes.
    Expired,
    Locked {
        until: OffsetDateTime,
    },
}

/// The refusal of a code as the variant words it.
fn refusal(variant: CodeRefusal, refused: Refused) -> ApiError {
    match (variant, refused) {
        (CodeRefusal::InvalidOtp, _) => ApiError::invalid_data(codes::INVALID_OTP, "otp", "The OTP is invalid"),
        (CodeRefusal::InvalidValue, _) => ApiError::invalid_data(codes::INVALID_VALUE, "otp", "The OTP is invalid"),
        (CodeRefusal::Bare, _) => ApiError::invalid_request("The request could not be completed."),
        (CodeRefusal::Detailed, Refused::Wrong { remaining }) => {
            ApiError::invalid_data(codes::INVALID_OTP, "otp", "The OTP is invalid")
                .with_inner(json!({ "remainingAttempts": remaining }))
        }
        (CodeRefusal::Detailed, Refused::Expired) => {
            ApiError::invalid_data(codes::OTP_EXPIRED, "otp", "The OTP has expired; request a new one")
        }
        (CodeRefusal::Detailed, Refused::Locked { until }) => {
            ApiError::invalid_data(codes::DEVICE_LOCKED, "otp", "The device is locked after too many wrong OTPs")
                .with_inner(json!({ "lockExpiresAt": timestamp(until) }))
        }
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
    let grace = policy.totp.passcode_grace_period;
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
    pub(super) fn clear_ended_lock(&mut self, now: OffsetDateTime) {
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

#[cfg(test)]
mod tests {
    use crate::Fixture;
    use crate::world::NewDevice;

    use super::*;

    fn pending_email() -> (World, String, String) {
        let fixture = Fixture::demo();
        let user = fixture.users[0].id.clone();
        let mut world = World::new(&fixture).expect("the demo fixture is valid");
        let request = NewDevice {
            device_type: Some(DeviceType::Email),
            status: Some(DeviceStatus::ActivationRequired),
            email: Some("ada@example.com".into()),
            ..NewDevice::default()
        };
        let device = world.create_device(&user, request).expect("created").device.id;
        (world, user, device)
    }

    fn sent_code(world: &World, user: &str) -> String {
        world.outbox(Some(user)).last().expect("a code was sent").otp.clone()
    }

    fn wrong(code: &str) -> String {
        code.chars().map(|digit| if digit == '9' { '0' } else { char::from(digit as u8 + 1) }).collect()
    }

    #[test]
    fn by_default_the_last_wrong_code_spends_the_sent_one_without_a_lock() {
        let (mut world, user, device) = pending_email();
        let code = sent_code(&world, &user);
        for _ in 0..world.policy.email.otp.failure.count {
            let refused = world.activate(&user, &device, &wrong(&code), false).expect_err("a wrong code");
            assert_eq!(refused.code(), "INVALID_OTP");
        }
        let listed = world.device(&user, &device).expect("listed");
        assert_eq!(listed.lock, Some(unlocked()), "PingOne's sent codes cool down for 0 minutes");
        assert!(world.activate(&user, &device, &code, false).is_err(), "the sent code is spent");
        world.resend_code(&user, &device).expect("a new code");
        let active = world.activate(&user, &device, &sent_code(&world, &user), false).expect("activated");
        assert_eq!(active.status, DeviceStatus::Active);
    }

    #[test]
    fn a_cool_down_locks_the_device_and_the_lock_ends_by_itself() {
        let (mut world, user, device) = pending_email();
        world.policy.email.otp.failure.cool_down = crate::settings::Span::minutes(2);
        let code = sent_code(&world, &user);
        for _ in 0..world.policy.email.otp.failure.count {
            world.activate(&user, &device, &wrong(&code), false).expect_err("a wrong code");
        }
        let lock = world.device(&user, &device).expect("listed").lock.expect("a lock");
        assert_eq!(lock.status, "LOCKED");
        assert!(lock.expires_at.is_some());
        assert!(world.resend_code(&user, &device).is_err(), "no new code while locked");
        world.set_clock_offset(120);
        world.tidy();
        assert_eq!(world.devices(&user, &crate::world::ListFilter::All).expect("a list")[0].lock, Some(unlocked()));
        world.resend_code(&user, &device).expect("a new code");
        world.activate(&user, &device, &sent_code(&world, &user), false).expect("activated");
    }

    #[test]
    fn each_variant_words_a_wrong_an_expired_and_a_locked_code_its_own_way() {
        for (variant, wrong_code, expired_code, locked_code) in [
            (CodeRefusal::InvalidOtp, "INVALID_OTP", "INVALID_OTP", "INVALID_OTP"),
            (CodeRefusal::Detailed, "INVALID_OTP", "OTP_EXPIRED", "DEVICE_LOCKED"),
            (CodeRefusal::InvalidValue, "INVALID_VALUE", "INVALID_VALUE", "INVALID_VALUE"),
            (CodeRefusal::Bare, "INVALID_REQUEST", "INVALID_REQUEST", "INVALID_REQUEST"),
        ] {
            let (mut world, user, device) = pending_email();
            world.variants.code_refusal = variant;
            world.policy.email.otp.failure.cool_down = crate::settings::Span::minutes(2);
            let code = sent_code(&world, &user);
            let refused = world.activate(&user, &device, &wrong(&code), false).expect_err("wrong");
            assert_eq!(refused.code(), wrong_code, "{variant:?}");
            let detailed = variant == CodeRefusal::Detailed;
            assert_eq!(refused.inner().get("remainingAttempts").is_some(), detailed, "{variant:?}");
            world.activate(&user, &device, &wrong(&code), false).expect_err("wrong");
            world.activate(&user, &device, &wrong(&code), false).expect_err("wrong");
            let locked = world.activate(&user, &device, &code, false).expect_err("locked");
            assert_eq!(locked.code(), locked_code, "{variant:?}");
            world.set_clock_offset(120 + world.policy.email.otp.life_time.seconds());
            let expired = world.activate(&user, &device, &code, false).expect_err("spent");
            assert_eq!(expired.code(), expired_code, "{variant:?}");
        }
    }

    #[test]
    fn an_active_device_is_refused_or_answered_as_the_variant_says() {
        let (mut world, user, device) = pending_email();
        let code = sent_code(&world, &user);
        world.activate(&user, &device, &code, false).expect("activated");
        assert_eq!(world.activate(&user, &device, &code, false).expect_err("active").code(), "INVALID_REQUEST");
        assert!(world.resend_code(&user, &device).is_err(), "nothing to resend for an active device");
        world.variants.active_activation = ActiveActivation::Device;
        assert_eq!(world.activate(&user, &device, &code, false).expect("answered").status, DeviceStatus::Active);
    }

    #[test]
    fn the_daily_quota_counts_resends_and_ends_with_the_utc_day() {
        let (mut world, user, device) = pending_email();
        world.settings.daily_deliveries = 3;
        world.resend_code(&user, &device).expect("the second");
        world.resend_code(&user, &device).expect("the third");
        let refused = world.resend_code(&user, &device).expect_err("over the quota");
        assert_eq!(refused.code(), "QUOTA_EXCEEDED");
        let retry_after = refused.inner()["retryAfter"].as_str().expect("a date-time");
        assert!(retry_after.ends_with("T00:00:00.000Z"), "{retry_after}");
        world.set_clock_offset(24 * 3600);
        world.resend_code(&user, &device).expect("a new day");
    }

    #[test]
    fn an_authenticator_apps_secret_can_be_activated_for_30_minutes() {
        let fixture = Fixture::demo();
        let user = fixture.users[0].id.clone();
        let mut world = World::new(&fixture).expect("the demo fixture is valid");
        let request = NewDevice { device_type: Some(DeviceType::Totp), ..NewDevice::default() };
        let created = world.create_device(&user, request).expect("created").device;
        let key = data_encoding::BASE32_NOPAD.decode(created.secret.expect("a secret").as_bytes()).expect("base32");
        world.set_clock_offset(TOTP_PAIRING_SECONDS);
        let code = otp::hotp(&key, otp::totp_step(world.now().unix_timestamp()), 6);
        assert!(world.activate(&user, &created.id, &code, false).is_err(), "past its 30 minutes");
        world.set_clock_offset(TOTP_PAIRING_SECONDS - 60);
        let code = otp::hotp(&key, otp::totp_step(world.now().unix_timestamp()), 6);
        world.activate(&user, &created.id, &code, false).expect("within its 30 minutes");
    }
}
