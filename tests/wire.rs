//! The widget's JSON reader and writer (`wire`), which use the browser's `JSON` instead of serde, checked in
//! Chromium against serde's reading of the same bodies through `devices_api`, the model that the proxy and the
//! simulator share.
#![cfg(target_arch = "wasm32")]

use devices_api::{Device, DeviceList, DeviceStatus, DeviceType, ErrorBody};
use mfa_enroll_widget::wire;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// PingOne's documented answer to creating a TOTP device, with its `_links`, which no model here names.
const CREATED_TOTP: &str = r#"{
    "_links": { "device.activate": { "href": "https://api.pingone.com/v1/environments/abfba8f6-49eb-49f5-a5d9-80ad5c98f9f6/users/73f13e7b-5c1d-484d-823b-f1e6f0c9a231/devices/1c41a471-3195-4edf-90fd-f9283028ab1a" } },
    "id": "1c41a471-3195-4edf-90fd-f9283028ab1a",
    "environment": { "id": "abfba8f6-49eb-49f5-a5d9-80ad5c98f9f6" },
    "user": { "id": "73f13e7b-5c1d-484d-823b-f1e6f0c9a231" },
    "type": "TOTP",
    "status": "ACTIVATION_REQUIRED",
    "createdAt": "2026-04-22T22:00:35.252Z",
    "updatedAt": "2026-04-22T22:00:35.252Z",
    "secret": "D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35",
    "keyUri": "otpauth://totp/johnbudz@pingidentity.com?secret=D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35"
}"#;

const LOCKED_VOICE: &str = r#"{
    "id": "a0a2b3c4-0000-4000-8000-000000000001", "type": "VOICE", "status": "ACTIVATION_REQUIRED",
    "phone": "+15125201234", "extension": "1234#", "nickname": "Desk phone",
    "lock": { "status": "LOCKED", "expiresAt": "2026-11-23T07:00:00.000Z", "reason": "OTP_FAILURES" }
}"#;

const HARDWARE_TOKEN: &str = r#"{
    "id": "a0a2b3c4-0000-4000-8000-000000000002", "type": "OATH_TOKEN", "status": "ACTIVE",
    "serialNumber": "DEMO-HOTP-0001", "tokenType": "HOTP", "email": null, "blocked": false
}"#;

/// What serde reads, less the two references that the widget does not read.
fn as_serde_reads(text: &str) -> Device {
    let device: Device = serde_json::from_str(text).expect("serde reads it");
    Device { environment: None, user: None, ..device }
}

#[wasm_bindgen_test]
fn a_device_reads_as_serde_reads_it_and_unknown_fields_are_ignored() {
    for text in [CREATED_TOTP, LOCKED_VOICE, HARDWARE_TOKEN] {
        assert_eq!(wire::read_device(text), Some(as_serde_reads(text)), "{text}");
    }
    let totp = wire::read_device(CREATED_TOTP).expect("readable");
    assert_eq!((totp.device_type, totp.status), (DeviceType::Totp, DeviceStatus::ActivationRequired));
    assert_eq!(
        totp.key_uri.as_deref(),
        Some("otpauth://totp/johnbudz@pingidentity.com?secret=D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35")
    );
    let future_type = wire::read_device(r#"{"id":"x","type":"FIDO2","status":"ACTIVE"}"#).expect("readable");
    assert_eq!(future_type.device_type, DeviceType::Other("FIDO2".into()));
}

#[wasm_bindgen_test]
fn a_device_without_its_required_fields_is_unreadable() {
    for text in [
        r#"{"type":"TOTP","status":"ACTIVE"}"#,
        r#"{"id":7,"type":"TOTP","status":"ACTIVE"}"#,
        r#"{"id":"x","status":"ACTIVE"}"#,
        r#"{"id":"x","type":"TOTP"}"#,
        r#"["not", "an", "object"]"#,
        "null",
        "<html>a gateway's error page</html>",
        "",
    ] {
        assert_eq!(wire::read_device(text), None, "{text}");
    }
}

#[wasm_bindgen_test]
fn a_list_reads_its_devices_and_order() {
    let text = format!(
        r#"{{"_embedded": {{"devices": [{CREATED_TOTP}, {HARDWARE_TOKEN}], "order": [{{"id": "a0a2b3c4-0000-4000-8000-000000000002"}}]}}, "count": 2, "size": 2}}"#
    );
    let serde: DeviceList = serde_json::from_str(&text).expect("serde reads it");
    let list = wire::read_device_list(&text).expect("readable");
    assert_eq!(list.embedded.devices, vec![as_serde_reads(CREATED_TOTP), as_serde_reads(HARDWARE_TOKEN)]);
    assert_eq!(list.embedded.order, serde.embedded.order);
    let unordered = wire::read_device_list(r#"{"_embedded":{"devices":[]}}"#).expect("readable");
    assert_eq!((unordered.embedded.devices.len(), unordered.embedded.order.len()), (0, 0));
    assert_eq!(wire::read_device_list(r#"{"_embedded":{"devices":{}}}"#), None);
    assert_eq!(wire::read_device_list(r#"{"_embedded":{"devices":[1]}}"#), None);
    assert_eq!(wire::read_device_list(r#"{"devices":[]}"#), None);
}

#[wasm_bindgen_test]
fn an_error_body_reads_as_serde_reads_it_in_both_spellings_of_inner_error() {
    for text in [
        r#"{"id":"e1","code":"INVALID_DATA","message":"The request could not be completed.",
            "details":[{"code":"INVALID_OTP","target":"otp","message":"Invalid OTP.","innerError":{"remainingAttempts":2}}]}"#,
        r#"{"id":"e2","code":"INVALID_DATA","message":"m",
            "details":[{"code":"EXTRA_OTP_REQUIRED","target":"otp","message":"m","innererror":{"lockExpiresAt":"2026-11-23T07:00:00.000Z"}}]}"#,
        r#"{"id":"e3","code":"REQUEST_LIMITED","message":"m","details":[{"code":"LIMIT_EXCEEDED","innerError":{"retryAfter":30,"maximumValue":5,"other":{"x":1}}}]}"#,
        r#"{"id":"e4","code":"NOT_FOUND","message":"m"}"#,
    ] {
        let serde: ErrorBody = serde_json::from_str(text).expect("serde reads it");
        assert_eq!(wire::read_error(text), Some(serde), "{text}");
    }
}

#[wasm_bindgen_test]
fn counts_that_are_not_whole_numbers_read_as_absent() {
    for count in ["-1", "2.5", "\"3\"", "1e10", "null"] {
        let text = format!(
            r#"{{"code":"INVALID_DATA","details":[{{"code":"INVALID_OTP","innerError":{{"remainingAttempts":{count}}}}}]}}"#
        );
        let body = wire::read_error(&text).expect("readable");
        assert_eq!(body.details[0].inner_error.as_ref().and_then(|inner| inner.remaining_attempts), None, "{count}");
    }
    assert_eq!(wire::read_error(r#"{"message":"no code"}"#), None);
}

#[wasm_bindgen_test]
fn the_configuration_reads_with_its_defaults() {
    let full = wire::read_config(
        r#"{"deviceTypes":["TOTP","SMS"],"resendCooldownSeconds":30,"issuer":"Acme","phoneExtensions":true}"#,
    )
    .expect("readable");
    assert_eq!(full.device_types, vec![DeviceType::Totp, DeviceType::Sms]);
    assert_eq!(
        (full.resend_cooldown_seconds, full.issuer.as_deref(), full.phone_extensions),
        (Some(30), Some("Acme"), true)
    );
    let bare = wire::read_config(r#"{"deviceTypes":[]}"#).expect("readable");
    assert_eq!((bare.resend_cooldown_seconds, bare.issuer, bare.phone_extensions), (None, None, false));
    assert_eq!(wire::read_config(r#"{"deviceTypes":["TOTP",3]}"#), None);
    assert_eq!(wire::read_config("{}"), None);
}

#[wasm_bindgen_test]
fn bodies_are_written_as_the_proxy_reads_them() {
    let mut voice = devices_api::CreateDevice::of_type(DeviceType::Voice);
    voice.phone = Some("+15125201234".into());
    voice.extension = Some("1234#".into());
    voice.policy = Some(devices_api::IdRef { id: "p1".into() });
    let written = wire::create_body(&voice).text().expect("JSON");
    assert_eq!(written, r#"{"type":"VOICE","phone":"+15125201234","extension":"1234#","policy":{"id":"p1"}}"#);
    let proxy_reads: devices_api::CreateDevice = serde_json::from_str(&written).expect("the proxy's model reads it");
    assert_eq!(proxy_reads, voice);

    let quoted = devices_api::CreateDevice {
        email: Some("a\"b\\c@example.com".into()),
        ..devices_api::CreateDevice::of_type(DeviceType::Email)
    };
    let written = wire::create_body(&quoted).text().expect("JSON");
    assert_eq!(serde_json::from_str::<devices_api::CreateDevice>(&written).expect("readable"), quoted);

    assert_eq!(wire::activate_body("123456", false).text().as_deref(), Some(r#"{"otp":"123456"}"#));
    assert_eq!(wire::activate_body("123456", true).text().as_deref(), Some(r#"{"otp":"123456","oathResync":true}"#));
    assert_eq!(wire::nickname_body("Work \"phone\"").text().as_deref(), Some(r#"{"nickname":"Work \"phone\""}"#));
    assert_eq!(
        wire::order_body(&["a".into(), "b".into()]).text().as_deref(),
        Some(r#"{"order":[{"id":"a"},{"id":"b"}]}"#)
    );
}
