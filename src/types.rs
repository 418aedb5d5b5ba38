//! The widget's own model of what the proxy answers, beside the wire types of `devices-api`: what the list means to
//! the widget once read.

use devices_api::{Device, DeviceStatus};

/// The person's devices, and which is the default.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceOverview {
    pub devices: Vec<Device>,
    /// The default: the first usable device of the order, or of the list (see `DeviceList::default_id`).
    pub default_id: Option<String>,
}

impl DeviceOverview {
    /// How many more devices the person may add, given the MFA settings' maximum: PingOne counts active and
    /// blocked devices.
    pub fn room_left(&self, max_allowed_devices: u32) -> u32 {
        let counted = self.devices.iter().filter(|device| device.status == DeviceStatus::Active || device.is_blocked());
        max_allowed_devices.saturating_sub(u32::try_from(counted.count()).unwrap_or(u32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_is_left_for_what_pingone_does_not_count() {
        let devices = serde_json::json!([
            { "id": "a", "type": "SMS", "status": "ACTIVE" },
            { "id": "b", "type": "MOBILE", "status": "ACTIVE", "block": { "status": "BLOCKED" } },
            { "id": "c", "type": "EMAIL", "status": "ACTIVATION_REQUIRED" },
            { "id": "d", "type": "FIDO2", "status": "ACTIVATION_REQUIRED", "block": { "status": "BLOCKED" } }
        ]);
        let overview = DeviceOverview { devices: serde_json::from_value(devices).expect("devices"), default_id: None };
        assert_eq!(overview.room_left(5), 2, "active and blocked count; pending ones do not");
        assert_eq!(overview.room_left(2), 0);
    }
}
