//! What the widget tells its host page: DOM events named `mfa-enroll:…`, dispatched on the element the widget is
//! mounted in. They bubble and are `composed`, so they leave a shadow root. Their `detail` names devices by id and
//! type only: never a phone number, an address, a secret or a code.

use devices_api::DeviceType;
use wasm_bindgen::JsValue;

use crate::error::ApiError;

/// Where the events go; without an element, `window`.
#[derive(Clone, PartialEq, Default)]
pub struct Events {
    target: Option<web_sys::EventTarget>,
}

impl Events {
    pub fn at(target: web_sys::EventTarget) -> Self {
        Self { target: Some(target) }
    }

    /// `mfa-enroll:ready`: the widget shows the person's devices and the methods on offer.
    pub fn ready(&self, types: &[DeviceType]) {
        let types: js_sys::Array = types.iter().map(|device_type| JsValue::from(device_type.as_str())).collect();
        self.emit("ready", &[("types", types.into())]);
    }

    /// `mfa-enroll:enrolled`: a device is active.
    pub fn enrolled(&self, device_id: &str, device_type: &DeviceType) {
        self.emit("enrolled", &[("deviceId", device_id.into()), ("type", device_type.as_str().into())]);
    }

    /// `mfa-enroll:activation-sent`: a pairing code went out by SMS, voice or email.
    pub fn activation_sent(&self, device_id: &str, device_type: &DeviceType) {
        self.emit("activation-sent", &[("deviceId", device_id.into()), ("type", device_type.as_str().into())]);
    }

    /// `mfa-enroll:resynced`: a drifted hardware token was paired with its next code.
    pub fn resynced(&self, device_id: &str) {
        self.emit("resynced", &[("deviceId", device_id.into())]);
    }

    /// `mfa-enroll:renamed`, `:removed` or `:default-changed`, with the device's id.
    pub fn changed(&self, name: &str, device_id: &str) {
        self.emit(name, &[("deviceId", device_id.into())]);
    }

    /// `mfa-enroll:rate-limited` with the seconds to wait (`null` when unknown), or `mfa-enroll:error` with the
    /// status (`null` without an answer) and PingOne's codes (`NETWORK` without an answer, `NO_TOKEN` when the host
    /// page gave no token); an ended session also fires `mfa-enroll:session-expired`, so that the host page can sign
    /// the person in again.
    pub fn refused(&self, error: &ApiError) {
        if let ApiError::TooMany { retry_after } = error {
            return self.emit("rate-limited", &[("retryAfter", retry_after.map_or(JsValue::NULL, JsValue::from))]);
        }
        let status = error.status();
        let code = match error {
            ApiError::Server { body, .. } => JsValue::from(body.code.as_str()),
            ApiError::Network => "NETWORK".into(),
            ApiError::NoToken => "NO_TOKEN".into(),
            _ => JsValue::NULL,
        };
        let detail = error.detail_code().map_or(JsValue::NULL, JsValue::from);
        self.emit(
            "error",
            &[("status", status.map_or(JsValue::NULL, JsValue::from)), ("code", code), ("detail", detail)],
        );
        if error.session_ended() {
            self.emit("session-expired", &[]);
        }
    }

    fn emit(&self, name: &str, detail: &[(&str, JsValue)]) {
        let fields = js_sys::Object::new();
        for (key, value) in detail {
            js_sys::Reflect::set(&fields, &JsValue::from(*key), value).ok();
        }
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(&fields);
        let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict(&format!("mfa-enroll:{name}"), &init) else {
            return;
        };
        let target = self.target.clone().or_else(|| web_sys::window().map(Into::into));
        if let Some(target) = target {
            target.dispatch_event(&event).ok();
        }
    }
}
