//! Pairing codes and activation: codes delivered by SMS, voice and email (and resent), authenticator-app and
//! hardware-token codes checked, with the policy's failure count and cool-down lock, and a hardware token's resync.

use devices_api::{Device, DeviceStatus, DeviceType, InnerError, Lock, codes};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::{Credential, DeviceRecord, OathToken, OutboxMessage, PendingOtp, World, random_digits, timestamp};
use crate::error::ApiError;
use crate::otp;
use crate::settings::{MfaSettings, Policy};

impl World {
    /// Makes a new pairing code for a delivered device and puts it in the outbox, unless `test_mode` keeps it back.
    pub(super) fn deliver_code(
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

    #[test]
    fn the_sent_code_activates_and_a_wrong_one_counts_down_to_a_lock() {
        let (mut world, user, device) = pending_email();
        let code = sent_code(&world, &user);
        let wrong = if code.starts_with('0') { code.replacen('0', "1", 1) } else { format!("0{}", &code[1..]) };
        let failures = world.policy.otp.failure_count;
        for left in (0..failures).rev() {
            let refused = world.activate(&user, &device, &wrong, false).expect_err("a wrong code");
            assert_eq!(refused.remaining_attempts(), Some(left));
        }
        let locked = world.device(&user, &device).expect("listed").lock.expect("locked after the last failure");
        assert_eq!(locked.status, "LOCKED");
        assert!(world.activate(&user, &device, &code, false).is_err(), "the code is gone with the lock");
        assert!(world.resend_code(&user, &device).is_err(), "no new code while locked");
        world.set_clock_offset(world.policy.otp.cool_down_seconds);
        assert_eq!(world.device(&user, &device).expect("listed").lock, None, "the lock ends by itself");
        world.resend_code(&user, &device).expect("a new code");
        let active = world.activate(&user, &device, &sent_code(&world, &user), false).expect("activated");
        assert_eq!(active.status, DeviceStatus::Active);
    }

    #[test]
    fn a_code_expires_and_an_active_device_needs_no_activation() {
        let (mut world, user, device) = pending_email();
        let code = sent_code(&world, &user);
        world.set_clock_offset(world.policy.otp.lifetime_seconds);
        assert!(world.activate(&user, &device, &code, false).is_err(), "expired");
        world.set_clock_offset(0);
        world.resend_code(&user, &device).expect("a new code");
        world.activate(&user, &device, &sent_code(&world, &user), false).expect("activated");
        assert!(world.activate(&user, &device, &sent_code(&world, &user), false).is_err());
        assert!(world.resend_code(&user, &device).is_err(), "nothing to resend for an active device");
    }
}
