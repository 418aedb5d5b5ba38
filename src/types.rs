//! The widget's own model of what the proxy answers, beside the wire types of `devices-api`: what the list and the
//! configuration mean to the widget once read.

use devices_api::{Device, DeviceType};

/// The person's devices, and which is the default.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceOverview {
    pub devices: Vec<Device>,
    /// The first device of the order, when the person has one.
    pub default_id: Option<String>,
}

/// What the proxy says the widget may offer.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetConfig {
    pub device_types: Vec<DeviceType>,
    pub resend_cooldown_seconds: Option<u32>,
    /// The name that authenticator apps show, unless the host page gives its own.
    pub issuer: Option<String>,
    /// Whether PingOne keeps a voice device's extension; the widget asks for one only then.
    pub phone_extensions: bool,
}
