//! The widget's own model of what the proxy answers, beside the wire types of `devices-api`: what the list means to
//! the widget once read.

use devices_api::Device;

/// The person's devices, and which is the default.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceOverview {
    pub devices: Vec<Device>,
    /// The first device of the order, when the person has one.
    pub default_id: Option<String>,
}
