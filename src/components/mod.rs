//! Views: each renders the state it is given and reports what the person did through callbacks. Each flow's file
//! also holds its host, the component that runs the flow's requests; every host takes [`EnrollmentProps`], so that
//! the root names a flow in one place.

pub mod delivered_enrollment;
pub mod device_list;
pub mod field;
pub mod focus;
pub mod oath_enrollment;
pub mod qr_code;
pub mod refusal;
pub mod totp_enrollment;

use std::rc::Rc;

use devices_api::{Device, DeviceType};
use yew::prelude::*;

use crate::api::Client;

/// What every flow's host is given.
#[derive(Properties)]
pub struct EnrollmentProps {
    /// The kind of device that the flow adds.
    pub device_type: DeviceType,
    pub client: Rc<Client>,
    pub settings: Rc<FlowSettings>,
    /// Called once when the flow ends, with the activated device or `None` when the person cancelled.
    pub on_finished: Callback<Option<Device>>,
    /// A device made earlier and still waiting for activation, which the flow finishes (an authenticator app,
    /// whose secret cannot be shown again, is replaced by a new one).
    pub pending: Option<Device>,
}

/// Compared by identity: the root makes the settings and the callback anew at each of its renders, so a host renders
/// again with the root (cheaply: its flow lives in its own reducer), and a deep comparison would buy nothing.
impl PartialEq for EnrollmentProps {
    fn eq(&self, other: &Self) -> bool {
        self.device_type == other.device_type
            && self.pending == other.pending
            && Rc::ptr_eq(&self.client, &other.client)
            && Rc::ptr_eq(&self.settings, &other.settings)
            && self.on_finished == other.on_finished
    }
}

/// What the proxy and the host page decided for the flows.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowSettings {
    /// The name that authenticator apps show beside the account.
    pub issuer: Option<AttrValue>,
    /// How long the person waits before a new code is offered.
    pub resend_seconds: u32,
    /// Whether to ask for a voice extension: only where PingOne keeps it.
    pub extensions: bool,
    /// The page's locale, whose region a national phone number belongs to until the person picks another.
    pub locale: Rc<String>,
}
