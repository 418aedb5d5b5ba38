//! A user's devices as PingOne keeps them: creation with each type's fields, the list and its order, renaming and
//! removal.

use devices_api::{Block, Device, DeviceStatus, DeviceType, IdRef, codes, validate};
use serde::Deserialize;
use time::OffsetDateTime;

use super::activation::unlocked;
use super::{Credential, DeviceRecord, World, owner, random_bytes, timestamp};
use crate::error::ApiError;

/// A TOTP secret of 160 bits, 32 base32 characters, as PingOne issues.
const TOTP_SECRET_BYTES: usize = 20;

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
#[derive(Debug)]
pub struct Created {
    pub device: Device,
    /// With `testMode`, the pairing code that was not delivered.
    pub test_otp: Option<String>,
}

/// A device of any type, paired elsewhere (a passkey, the mobile app, WhatsApp), as the control API seeds it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeededDevice {
    #[serde(rename = "type")]
    pub device_type: DeviceType,
    #[serde(default = "active")]
    pub status: DeviceStatus,
    pub nickname: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub blocked: bool,
}

fn active() -> DeviceStatus {
    DeviceStatus::Active
}

/// Which devices a list returns: PingOne's `filter` on status or type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListFilter {
    All,
    Status(DeviceStatus),
    Type(DeviceType),
}

impl World {
    /// Removes what time has ended: locks past their end, and, where the settings say, devices never activated.
    pub fn tidy(&mut self) {
        let now = self.now();
        for record in &mut self.devices {
            record.clear_ended_lock(now);
        }
        let Some(hours) = self.settings.pending_device_hours else { return };
        let cutoff = now - time::Duration::hours(i64::from(hours));
        let stale: Vec<(String, String)> = self
            .devices
            .iter()
            .filter(|r| r.device.status == DeviceStatus::ActivationRequired && r.created <= cutoff)
            .map(|r| (owner(&r.device).to_owned(), r.device.id.clone()))
            .collect();
        for (user_id, device_id) in stale {
            let _ = self.delete_device(&user_id, &device_id);
        }
    }

    /// A user's devices, ordered ones first (the default first), then the rest in creation order.
    pub fn devices(&self, user_id: &str, filter: &ListFilter) -> Result<Vec<Device>, ApiError> {
        self.user(user_id)?;
        let order = self.orders.get(user_id).map(Vec::as_slice).unwrap_or_default();
        let position = |id: &str| order.iter().position(|ordered| ordered == id).unwrap_or(usize::MAX);
        let mut devices: Vec<&Device> =
            self.devices.iter().filter(|r| owner(&r.device) == user_id).map(|r| &r.device).collect();
        if self.variants.list_order == crate::settings::ListOrder::DefaultFirst {
            devices.sort_by_key(|device| position(&device.id));
        }
        Ok(devices
            .into_iter()
            .filter(|device| match filter {
                ListFilter::All => true,
                ListFilter::Status(status) => device.status == *status,
                ListFilter::Type(device_type) => device.device_type == *device_type,
            })
            .map(with_lock_shown)
            .collect())
    }

    /// Removes a user's order: no device is the default until the next activation or reorder.
    pub fn remove_order(&mut self, user_id: &str) -> Result<(), ApiError> {
        self.user(user_id)?;
        self.orders.remove(user_id);
        Ok(())
    }

    /// The ids of a user's ordered devices, default first; empty before the first activation.
    pub fn order(&self, user_id: &str) -> Vec<String> {
        self.orders.get(user_id).cloned().unwrap_or_default()
    }

    pub fn device(&mut self, user_id: &str, device_id: &str) -> Result<Device, ApiError> {
        let now = self.now();
        let record = self.record_mut(user_id, device_id)?;
        record.clear_ended_lock(now);
        Ok(with_lock_shown(&record.device))
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
        if self.counted_devices(user_id) >= self.settings.max_allowed_devices {
            return Err(ApiError::device_limit(self.settings.max_allowed_devices));
        }
        let now = self.now();
        if status == DeviceStatus::ActivationRequired && delivered && !request.test_mode {
            self.check_quota(user_id, &device_type, now)?;
        }

        let mut device = new_device(&device_type, status.clone(), &self.environment_id, user_id, now, request.nickname);
        let credential = match device_type {
            DeviceType::Sms | DeviceType::Voice => {
                let phone = request
                    .phone
                    .ok_or_else(|| ApiError::invalid_data(codes::REQUIRED_VALUE, "phone", "phone is required"))?;
                // Checked, and kept as sent: PingOne echoes the number in the form it was given.
                check_phone(&phone)?;
                device.phone = Some(phone);
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
            _ => unreachable!("the policy has no method for other types"),
        };
        let mut record = DeviceRecord { device, credential, failures: 0, created: now, test_mode: request.test_mode };
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
            self.notify_new_device(user_id, &record.device.id, now);
        }
        self.devices.push(record);
        Ok(Created { device: shown_once, test_otp })
    }

    /// Adds a device of any type, as if paired elsewhere; an active one joins the order.
    pub fn seed_device(&mut self, user_id: &str, seed: SeededDevice) -> Result<Device, ApiError> {
        self.user(user_id)?;
        let now = self.now();
        let mut device = new_device(&seed.device_type, seed.status, &self.environment_id, user_id, now, seed.nickname);
        device.phone = seed.phone;
        device.email = seed.email;
        let record =
            DeviceRecord { device, credential: Credential::Seeded, failures: 0, created: now, test_mode: false };
        let id = record.device.id.clone();
        self.devices.push(record);
        if seed.blocked {
            self.set_blocked(user_id, &id, true)?;
        }
        if self.devices.last().is_some_and(|r| r.device.status == DeviceStatus::Active) {
            self.append_to_order(user_id, &id);
        }
        self.device(user_id, &id)
    }

    /// An administrator's block or unblock: a blocked device cannot be used and still counts against the limit.
    pub fn set_blocked(&mut self, user_id: &str, device_id: &str, blocked: bool) -> Result<Device, ApiError> {
        let now = timestamp(self.now());
        let record = self.record_mut(user_id, device_id)?;
        record.device.block = Some(if blocked {
            Block { status: "BLOCKED".into(), blocked_at: Some(now.clone()) }
        } else {
            Block { status: "UNBLOCKED".into(), blocked_at: None }
        });
        record.device.updated_at = Some(now);
        Ok(record.device.clone())
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

    /// A newly active device goes to the end of the order: by activation time, the first being the default.
    pub(super) fn append_to_order(&mut self, user_id: &str, device_id: &str) {
        let order = self.orders.entry(user_id.to_owned()).or_default();
        if !order.iter().any(|id| id == device_id) {
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

/// A device as reads show it: with `{"status": "UNLOCKED"}` when it is not locked, as PingOne's device
/// authentications show their devices. Create and activate answers leave it out, as PingOne's examples do.
fn with_lock_shown(device: &Device) -> Device {
    let mut device = device.clone();
    device.lock.get_or_insert_with(unlocked);
    device
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

fn check_phone(phone: &str) -> Result<String, ApiError> {
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

#[cfg(test)]
mod tests {
    use crate::Fixture;

    use super::*;

    fn world_and_user() -> (World, String) {
        let fixture = Fixture::demo();
        let user = fixture.users[0].id.clone();
        (World::new(&fixture).expect("the demo fixture is valid"), user)
    }

    fn create(world: &mut World, user: &str, device_type: DeviceType, status: Option<DeviceStatus>) -> Device {
        let request = NewDevice {
            device_type: Some(device_type),
            status,
            email: Some("ada@example.com".into()),
            ..NewDevice::default()
        };
        world.create_device(user, request).expect("created").device
    }

    #[test]
    fn a_worker_creates_active_devices_unless_asked_and_totp_waits_for_its_code() {
        let (mut world, user) = world_and_user();
        let email = create(&mut world, &user, DeviceType::Email, None);
        assert_eq!(email.status, DeviceStatus::Active);
        let pending = create(&mut world, &user, DeviceType::Email, Some(DeviceStatus::ActivationRequired));
        assert_eq!(pending.status, DeviceStatus::ActivationRequired);
        assert_eq!(world.outbox(Some(&user)).len(), 1, "a code for the pending one only");
        world.policy.totp.enabled = true;
        let totp = create(&mut world, &user, DeviceType::Totp, None);
        assert_eq!(totp.status, DeviceStatus::ActivationRequired);
        assert!(totp.secret.is_some(), "the secret is shown once, in the create's answer");
        let listed = world.device(&user, &totp.id).expect("listed");
        assert_eq!((listed.secret, listed.key_uri), (None, None), "and never again");
    }

    #[test]
    fn an_order_puts_the_default_first_and_a_removed_default_passes_it_on() {
        let (mut world, user) = world_and_user();
        let first = create(&mut world, &user, DeviceType::Email, None).id;
        let second = create(&mut world, &user, DeviceType::Email, None).id;
        assert_eq!(world.set_order(&user, vec![second.clone()]).expect("ordered"), vec![second.clone(), first.clone()]);
        let listed: Vec<String> =
            world.devices(&user, &ListFilter::All).expect("a list").into_iter().map(|d| d.id).collect();
        assert_eq!(listed, vec![second.clone(), first.clone()]);
        assert!(world.set_order(&user, vec![second.clone(), second.clone()]).is_err(), "each device once");
        world.delete_device(&user, &second).expect("removed");
        assert_eq!(world.order(&user), vec![first]);
    }

    #[test]
    fn devices_are_ordered_by_activation_and_the_first_active_one_is_the_default() {
        let (mut world, user) = world_and_user();
        let pending = create(&mut world, &user, DeviceType::Email, Some(DeviceStatus::ActivationRequired)).id;
        let first = create(&mut world, &user, DeviceType::Email, None).id;
        assert_eq!(world.order(&user), vec![first.clone()], "an order from the first activation, without a reorder");
        let code = world.outbox(Some(&user)).last().expect("a code").otp.clone();
        world.activate(&user, &pending, &code, false).expect("activated");
        assert_eq!(world.order(&user), vec![first.clone(), pending.clone()], "appended when activated");
        let listed: Vec<String> =
            world.devices(&user, &ListFilter::All).expect("a list").into_iter().map(|d| d.id).collect();
        assert_eq!(listed, vec![first, pending]);
    }

    #[test]
    fn the_limit_counts_active_and_blocked_devices_and_refuses_as_documented() {
        let (mut world, user) = world_and_user();
        world.settings.max_allowed_devices = 3;
        create(&mut world, &user, DeviceType::Email, Some(DeviceStatus::ActivationRequired));
        let seed = |blocked| SeededDevice {
            device_type: DeviceType::Mobile,
            status: DeviceStatus::ActivationRequired,
            nickname: None,
            phone: None,
            email: None,
            blocked,
        };
        world.seed_device(&user, seed(true)).expect("a blocked device");
        let pending = create(&mut world, &user, DeviceType::Email, Some(DeviceStatus::ActivationRequired)).id;
        create(&mut world, &user, DeviceType::Email, None);
        assert_eq!(world.counted_devices(&user), 2, "pending devices do not count; blocked ones do");
        create(&mut world, &user, DeviceType::Email, None);
        let request = NewDevice {
            device_type: Some(DeviceType::Email),
            email: Some("a@example.com".into()),
            ..NewDevice::default()
        };
        let refused = world.create_device(&user, request).expect_err("at the limit");
        assert_eq!(refused.code(), "LIMIT_EXCEEDED");
        assert_eq!(refused.inner()["maximumAllowed"], 3);
        let code = world.outbox(Some(&user)).last().expect("a code").otp.clone();
        world.activate(&user, &pending, &code, false).expect("activation is not refused at the limit");
    }

    #[test]
    fn seeded_devices_of_any_type_are_listed_blocked_and_unblocked_but_never_activated() {
        let (mut world, user) = world_and_user();
        for device_type in [DeviceType::Fido2, DeviceType::Mobile, DeviceType::WhatsApp, DeviceType::PingIdDesktop] {
            let seed = SeededDevice {
                device_type: device_type.clone(),
                status: DeviceStatus::Active,
                nickname: None,
                phone: None,
                email: None,
                blocked: false,
            };
            let device = world.seed_device(&user, seed).expect("seeded");
            assert_eq!(device.device_type, device_type);
            assert!(world.activate(&user, &device.id, "123456", false).is_err());
        }
        let id = world.devices(&user, &ListFilter::All).expect("a list")[0].id.clone();
        assert!(world.set_blocked(&user, &id, true).expect("blocked").is_blocked());
        let unblocked = world.set_blocked(&user, &id, false).expect("unblocked");
        assert_eq!(unblocked.block.expect("a block").status, "UNBLOCKED");
        assert_eq!(world.order(&user).len(), 4, "active seeded devices join the order");
    }

    #[test]
    fn a_blocked_device_is_neither_activated_nor_sent_a_code() {
        let (mut world, user) = world_and_user();
        let pending = create(&mut world, &user, DeviceType::Email, Some(DeviceStatus::ActivationRequired)).id;
        let code = world.outbox(Some(&user)).last().expect("a code").otp.clone();
        world.set_blocked(&user, &pending, true).expect("blocked");
        assert!(world.activate(&user, &pending, &code, false).is_err());
        assert!(world.resend_code(&user, &pending).is_err());
        world.set_blocked(&user, &pending, false).expect("unblocked");
        world.activate(&user, &pending, &code, false).expect("activated once unblocked");
    }

    #[test]
    fn devices_never_activated_are_removed_after_the_hours_set_or_kept() {
        let (mut world, user) = world_and_user();
        let pending = create(&mut world, &user, DeviceType::Email, Some(DeviceStatus::ActivationRequired)).id;
        let active = create(&mut world, &user, DeviceType::Email, None).id;
        world.settings.pending_device_hours = None;
        world.set_clock_offset(48 * 3600);
        world.tidy();
        assert!(world.device(&user, &pending).is_ok(), "kept without the setting");
        world.settings.pending_device_hours = Some(24);
        world.tidy();
        assert!(world.device(&user, &pending).is_err(), "removed after 24 hours");
        assert!(world.device(&user, &active).is_ok());
    }

    #[test]
    fn a_phone_is_echoed_as_sent() {
        let (mut world, user) = world_and_user();
        let request = NewDevice {
            device_type: Some(DeviceType::Sms),
            phone: Some("+1.512.520.1234".into()),
            ..NewDevice::default()
        };
        assert_eq!(
            world.create_device(&user, request).expect("created").device.phone.as_deref(),
            Some("+1.512.520.1234")
        );
    }

    #[test]
    fn another_users_device_is_not_found() {
        let (mut world, user) = world_and_user();
        let device = create(&mut world, &user, DeviceType::Email, None).id;
        let stranger = world.add_user("stranger".into(), None, None).id;
        assert!(world.device(&stranger, &device).is_err());
        assert!(world.rename(&stranger, &device, "mine").is_err());
        assert!(world.delete_device(&stranger, &device).is_err());
        assert!(world.device(&user, &device).is_ok(), "untouched");
    }

    #[test]
    fn labels_keep_what_apps_show_and_encode_the_rest() {
        assert_eq!(encode_label("ada@example.com"), "ada@example.com");
        assert_eq!(encode_label("Ada Lovelace:1"), "Ada%20Lovelace%3A1");
    }
}
