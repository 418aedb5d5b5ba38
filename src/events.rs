//! What the widget tells its host page: DOM events named `mfa-enroll:…`, dispatched on the element the widget is
//! mounted in. They bubble and are `composed`, so they leave a shadow root. Their `detail` names devices by id and
//! type only: never a phone number, an address, a secret or a code.

use devices_api::DeviceType;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error::ApiError;

/// Where the events go; without an element, `window`.
#[derive(Clone, PartialEq, Default)]
pub struct Events {
    target: Option<web_sys::EventTarget>,
}

/// The `detail` of an event, written to JavaScript by serde-wasm-bindgen as a plain object; `None` is `null`.
#[derive(Serialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
enum Detail<'a> {
    Ready {
        types: Vec<&'a str>,
    },
    Device {
        device_id: &'a str,
        #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
        device_type: Option<&'a str>,
    },
    RateLimited {
        retry_after: Option<u32>,
    },
    Error {
        status: Option<u16>,
        code: Option<&'a str>,
        detail: Option<&'a str>,
    },
    Nothing {},
}

impl<'a> Detail<'a> {
    fn device(device_id: &'a str, device_type: Option<&'a DeviceType>) -> Self {
        Self::Device { device_id, device_type: device_type.map(DeviceType::as_str) }
    }
}

impl Events {
    pub fn at(target: web_sys::EventTarget) -> Self {
        Self { target: Some(target) }
    }

    /// `mfa-enroll:ready`: the widget shows the person's devices and the methods on offer.
    pub fn ready(&self, types: &[DeviceType]) {
        self.emit("ready", &Detail::Ready { types: types.iter().map(DeviceType::as_str).collect() });
    }

    /// `mfa-enroll:enrolled`: a device is active.
    pub fn enrolled(&self, device_id: &str, device_type: &DeviceType) {
        self.emit("enrolled", &Detail::device(device_id, Some(device_type)));
    }

    /// `mfa-enroll:activation-sent`: a pairing code went out by SMS, voice or email.
    pub fn activation_sent(&self, device_id: &str, device_type: &DeviceType) {
        self.emit("activation-sent", &Detail::device(device_id, Some(device_type)));
    }

    /// `mfa-enroll:resynced`: a drifted hardware token was paired with its next code.
    pub fn resynced(&self, device_id: &str) {
        self.emit("resynced", &Detail::device(device_id, None));
    }

    /// `mfa-enroll:renamed`, `:removed` or `:default-changed`, with the device's id.
    pub fn changed(&self, name: &str, device_id: &str) {
        self.emit(name, &Detail::device(device_id, None));
    }

    /// `mfa-enroll:rate-limited` with the seconds to wait (`null` when unknown), or `mfa-enroll:error` with the
    /// status (`null` without an answer) and PingOne's codes (`NETWORK` without an answer, `NO_TOKEN` when the host
    /// page gave no token); an ended session also fires `mfa-enroll:session-expired`, so that the host page can sign
    /// the person in again.
    pub fn refused(&self, error: &ApiError) {
        if let ApiError::TooMany { retry_after } = error {
            return self.emit("rate-limited", &Detail::RateLimited { retry_after: *retry_after });
        }
        let code = match error {
            ApiError::Server { body, .. } => Some(body.code.as_str()),
            ApiError::Network => Some("NETWORK"),
            ApiError::NoToken => Some("NO_TOKEN"),
            _ => None,
        };
        self.emit("error", &Detail::Error { status: error.status(), code, detail: error.detail_code() });
        if error.session_ended() {
            self.emit("session-expired", &Detail::Nothing {});
        }
    }

    fn emit(&self, name: &str, detail: &Detail<'_>) {
        let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
        let detail = detail.serialize(&serializer).unwrap_or(JsValue::NULL);
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(&detail);
        let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(&format!("mfa-enroll:{name}"), &init) else {
            return;
        };
        let target = self.target.clone().or_else(|| web_sys::window().map(Into::into));
        if let Some(target) = target {
            target.dispatch_event(&event).ok();
        }
    }
}
