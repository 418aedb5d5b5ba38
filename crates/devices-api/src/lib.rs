//! The wire model of the PingOne MFA devices API, shared by the widget, the proxy and the simulator.
//!
//! It owns the JSON shapes only: the device, the request bodies, the content types that select an action, and the
//! PingOne error body. It must stay free of std-only and wasm-only dependencies, so that it compiles for both, and
//! it must never refuse a body because PingOne added a field: unknown fields are ignored everywhere but in the
//! request bodies that the proxy validates (those deny them).

use serde::{Deserialize, Serialize};

pub mod lenient;
#[cfg(feature = "server")]
pub mod recording;
#[cfg(feature = "server")]
pub mod server;
pub mod validate;

/// Create a device, update a nickname.
pub const CONTENT_TYPE_JSON: &str = "application/json";
/// Activate a device with an OTP (and `oathResync` for OATH tokens).
pub const CONTENT_TYPE_ACTIVATE: &str = "application/vnd.pingidentity.device.activate+json";
/// Resend the pairing OTP of an SMS, voice or email device.
pub const CONTENT_TYPE_SEND_ACTIVATION_CODE: &str = "application/vnd.pingidentity.device.sendActivationCode+json";
/// Set the order of a user's devices; the first active one is the default.
pub const CONTENT_TYPE_REORDER: &str = "application/vnd.pingidentity.devices.reorder+json";

/// The media type of a `Content-Type` value, without parameters such as `charset`. Media types compare without
/// regard to case.
pub fn media_type(content_type: &str) -> &str {
    content_type.split(';').next().map_or("", str::trim)
}

/// What a `POST …/devices` asks for: PingOne selects the action by the content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevicesPost {
    /// `application/json`: a new device.
    Create,
    /// The reorder content type: a new order, whose first active device is the default.
    Reorder,
}

impl DevicesPost {
    /// The action that a request's `Content-Type` value selects; `None` for any other media type (a 415).
    pub fn of(content_type: &str) -> Option<Self> {
        let media_type = media_type(content_type);
        let is = |expected: &str| media_type.eq_ignore_ascii_case(expected);
        if is(CONTENT_TYPE_JSON) {
            Some(Self::Create)
        } else if is(CONTENT_TYPE_REORDER) {
            Some(Self::Reorder)
        } else {
            None
        }
    }
}

/// What a `POST …/devices/{id}` asks for: PingOne selects the action by the content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevicePost {
    /// The activate content type: the first OTP.
    Activate,
    /// The resend content type: a new pairing OTP.
    SendActivationCode,
}

impl DevicePost {
    /// The action that a request's `Content-Type` value selects; `None` for any other media type (a 415).
    pub fn of(content_type: &str) -> Option<Self> {
        let media_type = media_type(content_type);
        let is = |expected: &str| media_type.eq_ignore_ascii_case(expected);
        if is(CONTENT_TYPE_ACTIVATE) {
            Some(Self::Activate)
        } else if is(CONTENT_TYPE_SEND_ACTIVATION_CODE) {
            Some(Self::SendActivationCode)
        } else {
            None
        }
    }
}

/// Whether a `Content-Type` value is plain JSON (with any parameters, in any case), as a rename takes.
pub fn is_json(content_type: &str) -> bool {
    media_type(content_type).eq_ignore_ascii_case(CONTENT_TYPE_JSON)
}

/// The kinds of MFA device that PingOne lists; `Other` keeps a type that this model does not name yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceType {
    Sms,
    Voice,
    Email,
    Totp,
    OathToken,
    /// The PingOne mobile app (paired through pairing keys, never created here).
    Mobile,
    /// A passkey or security key.
    Fido2,
    WhatsApp,
    /// The older names of FIDO2 devices: a platform authenticator and a roaming security key.
    Platform,
    SecurityKey,
    PingIdDesktop,
    Other(String),
}

/// Whether a device still needs its first OTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceStatus {
    Active,
    ActivationRequired,
    Other(String),
}

/// An enum that PingOne writes as a string, keeping the strings this model does not name. Written by hand rather
/// than with `#[serde(untagged)]`, whose buffering costs the widget kilobytes.
macro_rules! string_enum {
    ($name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(text) => text,
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                match text.as_str() {
                    $($text => Self::$variant,)+
                    _ => Self::Other(text),
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }
    };
}

string_enum!(DeviceType {
    Sms = "SMS",
    Voice = "VOICE",
    Email = "EMAIL",
    Totp = "TOTP",
    OathToken = "OATH_TOKEN",
    Mobile = "MOBILE",
    Fido2 = "FIDO2",
    WhatsApp = "WHATSAPP",
    Platform = "PLATFORM",
    SecurityKey = "SECURITY_KEY",
    PingIdDesktop = "PINGID_DESKTOP_GEN2",
});
string_enum!(DeviceStatus { Active = "ACTIVE", ActivationRequired = "ACTIVATION_REQUIRED" });

/// A reference to another resource by id, as in `"user": {"id": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRef {
    pub id: String,
}

/// The OTP-failure lock of a device: PingOne shows `{"status": "UNLOCKED"}`, or `LOCKED` with when it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lock {
    /// `LOCKED` or `UNLOCKED`.
    pub status: String,
    #[serde(default, deserialize_with = "lenient::optional", skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// An administrator's block of a device: `BLOCKED` or `UNBLOCKED`, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Block {
    pub status: String,
    #[serde(default, deserialize_with = "lenient::optional", skip_serializing_if = "Option::is_none")]
    pub blocked_at: Option<String>,
}

/// An MFA device as PingOne returns it. Type-specific fields are present only for their type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub id: String,
    #[serde(rename = "type")]
    pub device_type: DeviceType,
    pub status: DeviceStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<IdRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<IdRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The TOTP shared secret in base32; returned on create only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The `otpauth://` URI that the QR code encodes; returned on create only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// `HOTP` or `TOTP`, for OATH tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional", skip_serializing_if = "Option::is_none")]
    pub lock: Option<Lock>,
    #[serde(default, deserialize_with = "lenient::optional", skip_serializing_if = "Option::is_none")]
    pub block: Option<Block>,
}

/// The body of `GET …/devices`: PingOne wraps the list in a HAL envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceList {
    #[serde(rename = "_embedded")]
    pub embedded: EmbeddedDevices,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// The order, if PingOne puts it beside `_embedded` rather than in it.
    #[serde(default, deserialize_with = "lenient::ids", skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<IdRef>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddedDevices {
    pub devices: Vec<Device>,
    /// With `expand=order`: the ordered active devices, the first being the default; empty when the person has no
    /// order. PingOne does not document where it sits or its items' shape: `{"id": …}` and bare ids are both read,
    /// anything else is skipped, and a value that is not a list reads as absent.
    #[serde(default, deserialize_with = "lenient::ids", skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<IdRef>>,
}

impl Device {
    /// Whether an administrator has blocked the device: it cannot be used, and PingOne still counts it against the
    /// person's device limit.
    pub fn is_blocked(&self) -> bool {
        self.block.as_ref().is_some_and(|block| block.status == "BLOCKED")
    }

    /// Whether too many wrong codes have locked the device.
    pub fn is_locked(&self) -> bool {
        self.lock.as_ref().is_some_and(|lock| lock.status == "LOCKED")
    }
}

impl DeviceList {
    /// The default device: the first of the order that is listed, active and not blocked; with no such device (the
    /// order absent or of another shape, or naming only devices that are not listed), the first such device of the
    /// list, since PingOne lists the default first. An empty order is PingOne saying that the person has none: no
    /// default.
    pub fn default_id(&self) -> Option<&str> {
        let devices = &self.embedded.devices;
        let order = self.embedded.order.as_ref().or(self.order.as_ref());
        if order.is_some_and(Vec::is_empty) {
            return None;
        }
        let ordered = order.into_iter().flatten().filter_map(|entry| devices.iter().find(|d| d.id == entry.id));
        let usable = |device: &&Device| device.status == DeviceStatus::Active && !device.is_blocked();
        ordered.chain(devices).find(usable).map(|device| device.id.as_str())
    }
}

/// The body of a create request. The proxy refuses fields it does not know, so that nothing it did not check can
/// reach PingOne.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateDevice {
    #[serde(rename = "type")]
    pub device_type: DeviceType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeviceStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<IdRef>,
    /// SMS and voice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Voice only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// OATH tokens: the serial of a token in the environment's inventory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
}

impl CreateDevice {
    /// A request for a new device of this type, with every optional field left out.
    pub fn of_type(device_type: DeviceType) -> Self {
        Self {
            device_type,
            status: None,
            nickname: None,
            policy: None,
            phone: None,
            extension: None,
            email: None,
            serial_number: None,
        }
    }
}

/// The body of an activate request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActivateDevice {
    pub otp: String,
    /// For OATH tokens whose counter or clock has drifted: see `EXTRA_OTP_REQUIRED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oath_resync: Option<bool>,
}

/// PingOne's error body, also used for the proxy's own errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A fresh id for log correlation.
    pub id: String,
    /// The top-level code, such as `INVALID_DATA`; key behaviour on it, never on `message`.
    pub code: String,
    /// English text for debugging; never shown to a person as it is.
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
}

/// One entry of `details` in an error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default)]
    pub message: String,
    /// PingOne's docs spell it `innererror`, its SDKs `innerError`: both are read.
    #[serde(
        default,
        alias = "innererror",
        deserialize_with = "lenient::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub inner_error: Option<InnerError>,
}

/// The facts in an error detail that this project acts on; other keys are ignored. Typed rather than a JSON map,
/// so that the widget does not carry a general JSON value parser.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InnerError {
    /// Wrong OTPs still allowed before the device locks.
    #[serde(default, deserialize_with = "lenient::optional", skip_serializing_if = "Option::is_none")]
    pub remaining_attempts: Option<u32>,
    /// When an OTP-failure lock ends (RFC 3339).
    #[serde(default, deserialize_with = "lenient::optional", skip_serializing_if = "Option::is_none")]
    pub lock_expires_at: Option<String>,
    /// Seconds to wait before trying again.
    #[serde(default, deserialize_with = "lenient::optional", skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
    /// With `LIMIT_EXCEEDED` on a create: how many devices the person may have.
    #[serde(default, deserialize_with = "lenient::optional", skip_serializing_if = "Option::is_none")]
    pub maximum_allowed: Option<u32>,
}

/// `PUT …/devices/{id}/nickname`: a device's new name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    pub nickname: String,
}

/// `POST …/devices` with the reorder content type: the person's devices in their new order; the first active one
/// becomes the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reorder {
    pub order: Vec<IdRef>,
}

/// `GET {base}/config`: what the widget may offer this person, as the proxy answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetConfig {
    /// The types that may be enrolled here and that the environment's device policy lets people pair.
    pub device_types: Vec<DeviceType>,
    /// Whether PingOne keeps a voice device's extension (its MFA settings' `phoneExtensions.enabled`); the widget
    /// asks for one only then.
    #[serde(default)]
    pub phone_extensions: bool,
    /// The name that authenticator apps show, unless the host page gives its own.
    #[serde(default, deserialize_with = "lenient::optional", skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional", skip_serializing_if = "Option::is_none")]
    pub resend_cooldown_seconds: Option<u32>,
    /// The devices a person may have, active or blocked (the MFA settings' `pairing.maxAllowedDevices`).
    #[serde(default, deserialize_with = "lenient::optional", skip_serializing_if = "Option::is_none")]
    pub max_allowed_devices: Option<u32>,
}

/// Top-level error codes that this project produces or acts on.
pub mod codes {
    pub const INVALID_DATA: &str = "INVALID_DATA";
    pub const INVALID_REQUEST: &str = "INVALID_REQUEST";
    pub const ACCESS_FAILED: &str = "ACCESS_FAILED";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const REQUEST_LIMITED: &str = "REQUEST_LIMITED";
    pub const UNEXPECTED_ERROR: &str = "UNEXPECTED_ERROR";
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const UPSTREAM_UNAVAILABLE: &str = "UPSTREAM_UNAVAILABLE";
    /// The proxy's own: PingOne refused its worker (a 403), a deployment's mistake.
    pub const UPSTREAM_FORBIDDEN: &str = "UPSTREAM_FORBIDDEN";
    pub const REQUEST_FAILED: &str = "REQUEST_FAILED";
    /// Detail codes.
    pub const INVALID_OTP: &str = "INVALID_OTP";
    pub const INVALID_VALUE: &str = "INVALID_VALUE";
    pub const REQUIRED_VALUE: &str = "REQUIRED_VALUE";
    pub const EXTRA_OTP_REQUIRED: &str = "EXTRA_OTP_REQUIRED";
    pub const INVALID_TOKEN: &str = "INVALID_TOKEN";
    pub const DEVICE_LOCKED: &str = "DEVICE_LOCKED";
    pub const OTP_EXPIRED: &str = "OTP_EXPIRED";
    pub const CONSTRAINT_VIOLATION: &str = "CONSTRAINT_VIOLATION";
    pub const UNIQUENESS_VIOLATION: &str = "UNIQUENESS_VIOLATION";
    pub const LIMIT_EXCEEDED: &str = "LIMIT_EXCEEDED";
    pub const QUOTA_EXCEEDED: &str = "QUOTA_EXCEEDED";
    pub const INSUFFICIENT_PERMISSIONS: &str = "INSUFFICIENT_PERMISSIONS";
    pub const INVALID_FILTER: &str = "INVALID_FILTER";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_totp_create_response_and_ignores_unknown_fields() {
        let body = r#"{
            "_links": {"self": {"href": "https://api.pingone.com/v1/x"}},
            "id": "1c41a471-3195-4edf-90fd-f9283028ab1a",
            "environment": {"id": "abfba8f6-49eb-49f5-a5d9-80ad5c98f9f6"},
            "user": {"id": "73f13e7b-5c1d-484d-823b-f1e6f0c9a231"},
            "type": "TOTP", "status": "ACTIVATION_REQUIRED",
            "createdAt": "2026-04-22T22:00:35.252Z", "updatedAt": "2026-04-22T22:00:35.252Z",
            "secret": "D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35",
            "keyUri": "otpauth://totp/johnbudz@pingidentity.com?secret=D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35",
            "usableStatus": {"status": "ENABLED"}
        }"#;
        let device: Device = serde_json::from_str(body).expect("documented body parses");
        assert_eq!(device.device_type, DeviceType::Totp);
        assert_eq!(device.status, DeviceStatus::ActivationRequired);
        assert_eq!(device.secret.as_deref(), Some("D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35"));
    }

    #[test]
    fn keeps_device_types_and_statuses_it_does_not_name() {
        let device: Device =
            serde_json::from_str(r#"{"id":"d","type":"VOICE_BOT","status":"SUSPENDED"}"#).expect("parses");
        assert_eq!(device.device_type, DeviceType::Other("VOICE_BOT".into()));
        assert_eq!(device.status, DeviceStatus::Other("SUSPENDED".into()));
        let back = serde_json::to_value(&device).expect("serializes");
        assert_eq!(back["type"], "VOICE_BOT");
        let fido2: Device = serde_json::from_str(r#"{"id":"d","type":"FIDO2","status":"ACTIVE"}"#).expect("parses");
        assert_eq!(fido2.device_type, DeviceType::Fido2);
    }

    #[test]
    fn parses_the_documented_resync_error_with_either_inner_error_spelling() {
        let body = r#"{"id":"b8ee5b23","code":"INVALID_DATA","message":"m",
            "details":[{"code":"EXTRA_OTP_REQUIRED","target":"otp","message":"An extra OTP is required",
            "innererror":{"retryAfter":3}}]}"#;
        let error: ErrorBody = serde_json::from_str(body).expect("parses");
        assert_eq!(error.details[0].code, codes::EXTRA_OTP_REQUIRED);
        assert_eq!(error.details[0].inner_error.as_ref().expect("inner").retry_after, Some(3));
    }

    #[test]
    fn the_default_is_the_first_usable_device_of_the_order_or_else_of_the_list() {
        let list = |order: serde_json::Value| -> DeviceList {
            let devices = serde_json::json!([
                { "id": "pending", "type": "SMS", "status": "ACTIVATION_REQUIRED" },
                { "id": "blocked", "type": "MOBILE", "status": "ACTIVE", "block": { "status": "BLOCKED" } },
                { "id": "a", "type": "EMAIL", "status": "ACTIVE", "lock": { "status": "UNLOCKED" } },
                { "id": "b", "type": "FIDO2", "status": "ACTIVE" }
            ]);
            serde_json::from_value(serde_json::json!({ "_embedded": { "devices": devices, "order": order } }))
                .expect("readable")
        };
        for (order, default) in [
            (serde_json::json!([{ "id": "b" }, { "id": "a" }]), "b"),
            (serde_json::json!(["b"]), "b"),
            (serde_json::json!([{ "id": "blocked" }, { "id": "b" }]), "b"),
            (serde_json::json!([{ "id": "gone" }]), "a"),
            (serde_json::json!([{ "id": "pending" }]), "a"),
            (serde_json::json!({ "b": 0 }), "a"),
            (serde_json::Value::Null, "a"),
        ] {
            assert_eq!(list(order.clone()).default_id(), Some(default), "{order}");
        }
        assert_eq!(list(serde_json::json!([])).default_id(), None, "an empty order: the person has none");
        let beside: DeviceList = serde_json::from_value(serde_json::json!({
            "_embedded": { "devices": [
                { "id": "a", "type": "EMAIL", "status": "ACTIVE" }, { "id": "b", "type": "SMS", "status": "ACTIVE" }] },
            "order": [{ "id": "b" }] }))
        .expect("readable");
        assert_eq!(beside.default_id(), Some("b"), "an order beside _embedded is read too");
        let none_usable: DeviceList = serde_json::from_value(serde_json::json!({ "_embedded": { "devices": [
            { "id": "p", "type": "TOTP", "status": "ACTIVATION_REQUIRED" }] } }))
        .expect("readable");
        assert_eq!(none_usable.default_id(), None);
    }

    #[test]
    fn the_content_type_selects_the_action_whatever_its_case_and_parameters() {
        assert_eq!(DevicesPost::of("Application/JSON; charset=utf-8"), Some(DevicesPost::Create));
        assert_eq!(DevicesPost::of(CONTENT_TYPE_REORDER), Some(DevicesPost::Reorder));
        assert_eq!(DevicesPost::of(CONTENT_TYPE_ACTIVATE), None, "activation is a device's action");
        assert_eq!(DevicePost::of(&CONTENT_TYPE_ACTIVATE.to_uppercase()), Some(DevicePost::Activate));
        assert_eq!(DevicePost::of(CONTENT_TYPE_SEND_ACTIVATION_CODE), Some(DevicePost::SendActivationCode));
        assert_eq!(DevicePost::of("application/json"), None);
        assert_eq!(DevicePost::of(""), None);
        assert!(is_json("application/json;charset=UTF-8") && !is_json("text/plain"));
    }

    #[test]
    fn request_bodies_refuse_unknown_fields() {
        let with_extra = r#"{"type":"TOTP","user":{"id":"someone-else"}}"#;
        assert!(serde_json::from_str::<CreateDevice>(with_extra).is_err());
        let activate: ActivateDevice = serde_json::from_str(r#"{"otp":"123456"}"#).expect("parses");
        assert_eq!(serde_json::to_string(&activate).expect("json"), r#"{"otp":"123456"}"#);
    }
}
