//! The contract as the widget reads and writes it in Chromium: the browser's `JSON` and serde-wasm-bindgen into the
//! `devices_api` types that the proxy and the simulator share, leniently where PingOne is loose (each shape that
//! PingOne's documentation or its clients show), strictly where a field is required.
#![cfg(target_arch = "wasm32")]

use devices_api::{
    ActivateDevice, CreateDevice, Device, DeviceList, DeviceStatus, DeviceType, ErrorBody, IdRef, Rename, Reorder,
    WidgetConfig,
};
use mfa_enroll_widget::api::{json, parse};
use mfa_enroll_widget::error::ApiError;
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

const HARDWARE_TOKEN: &str = r#"{
    "id": "a0a2b3c4-0000-4000-8000-000000000002", "type": "OATH_TOKEN", "status": "ACTIVE",
    "serialNumber": "DEMO-HOTP-0001", "tokenType": "HOTP", "email": null, "blocked": false
}"#;

fn device(text: &str) -> Result<Device, ApiError> {
    parse(text)
}

#[wasm_bindgen_test]
fn a_device_reads_as_serde_json_reads_it_and_unknown_fields_are_ignored() {
    for text in [CREATED_TOTP, HARDWARE_TOKEN] {
        let in_rust: Device = serde_json::from_str(text).expect("serde_json reads it");
        assert_eq!(device(text), Ok(in_rust), "{text}");
    }
    let totp = device(CREATED_TOTP).expect("readable");
    assert_eq!((totp.device_type, totp.status), (DeviceType::Totp, DeviceStatus::ActivationRequired));
    let passkey = device(r#"{"id":"x","type":"FIDO2","status":"ACTIVE"}"#).expect("readable");
    assert_eq!(passkey.device_type, DeviceType::Fido2);
    let future = device(r#"{"id":"x","type":"VOICE_BOT","status":"BLOCKED_BY_POLICY"}"#).expect("readable");
    assert_eq!(future.device_type, DeviceType::Other("VOICE_BOT".into()), "an unknown type is kept as it is written");
    assert_eq!(future.status, DeviceStatus::Other("BLOCKED_BY_POLICY".into()));
}

#[wasm_bindgen_test]
fn lock_and_block_read_in_every_shape_and_as_absent_in_any_other() {
    let with = |lock: &str, block: &str| {
        device(&format!(r#"{{"id":"x","type":"SMS","status":"ACTIVE","lock":{lock},"block":{block}}}"#))
            .expect("readable whatever the lock and block say")
    };
    let locked = with(
        r#"{"status":"LOCKED","expiresAt":"2026-11-23T07:00:00.000Z"}"#,
        r#"{"status":"BLOCKED","blockedAt":"2026-11-23T06:00:00.000Z"}"#,
    );
    let lock = locked.lock.expect("a lock");
    assert_eq!((lock.status.as_str(), lock.expires_at.as_deref()), ("LOCKED", Some("2026-11-23T07:00:00.000Z")));
    let block = locked.block.expect("a block");
    assert_eq!((block.status.as_str(), block.blocked_at.as_deref()), ("BLOCKED", Some("2026-11-23T06:00:00.000Z")));
    let unlocked = with(r#"{"status":"UNLOCKED"}"#, r#"{"status":"UNBLOCKED"}"#);
    assert_eq!(unlocked.lock.map(|lock| lock.status), Some("UNLOCKED".into()));
    let odd_end = with(r#"{"status":"LOCKED","expiresAt":1764583200}"#, "null");
    assert_eq!(odd_end.lock.map(|lock| (lock.status, lock.expires_at)), Some(("LOCKED".into(), None)));
    for odd in [r#""LOCKED""#, "true", "[]", "7", r#"{"expiresAt":"2026-11-23T07:00:00.000Z"}"#] {
        let read = with(odd, odd);
        assert_eq!((read.lock, read.block), (None, None), "{odd}");
    }
}

#[wasm_bindgen_test]
fn a_device_without_its_required_fields_is_unreadable() {
    for text in [
        r#"{"type":"TOTP","status":"ACTIVE"}"#,
        r#"{"id":7,"type":"TOTP","status":"ACTIVE"}"#,
        r#"{"id":"x","status":"ACTIVE"}"#,
        r#"{"id":"x","type":"TOTP"}"#,
        r#"{"id":"x","type":["TOTP"],"status":"ACTIVE"}"#,
        r#"["not", "an", "object"]"#,
        "null",
        "<html>a gateway's error page</html>",
        "",
    ] {
        assert_eq!(device(text), Err(ApiError::Unreadable), "{text}");
    }
}

#[wasm_bindgen_test]
fn a_list_reads_its_devices_and_its_order_in_any_shape() {
    let list = |order: &str| {
        parse::<DeviceList>(&format!(
            r#"{{"_embedded": {{"devices": [{CREATED_TOTP}, {HARDWARE_TOKEN}]{order}}}, "count": 2}}"#
        ))
    };
    let ordered = list(r#", "order": [{"id": "a0a2b3c4-0000-4000-8000-000000000002"}]"#).expect("readable");
    assert_eq!(ordered.embedded.devices.len(), 2);
    assert_eq!(ordered.embedded.order, Some(vec![IdRef { id: "a0a2b3c4-0000-4000-8000-000000000002".into() }]));
    for (order, read) in [
        ("", vec![]),
        (r#", "order": null"#, vec![]),
        (r#", "order": "a0a2b3c4""#, vec![]),
        (r#", "order": {"id": "a"}"#, vec![]),
        (r#", "order": [{"id": "a"}, "b", {"id": 3}, {"name": "c"}, {"id": "d"}]"#, vec!["a", "b", "d"]),
        (r#", "order": ["a", "b"]"#, vec!["a", "b"]),
    ] {
        let read_order = list(order).expect("readable whatever the order says").embedded.order.unwrap_or_default();
        assert_eq!(read_order.iter().map(|entry| entry.id.as_str()).collect::<Vec<_>>(), read, "{order}");
    }
    assert_eq!(parse::<DeviceList>(r#"{"_embedded":{"devices":{}}}"#), Err(ApiError::Unreadable));
    assert_eq!(parse::<DeviceList>(r#"{"_embedded":{"devices":[1]}}"#), Err(ApiError::Unreadable));
    assert_eq!(parse::<DeviceList>(r#"{"devices":[]}"#), Err(ApiError::Unreadable));
}

#[wasm_bindgen_test]
fn an_error_body_reads_in_both_spellings_of_inner_error_and_its_members_in_any_shape() {
    for text in [
        r#"{"id":"e1","code":"INVALID_DATA","message":"m",
            "details":[{"code":"INVALID_OTP","target":"otp","message":"Invalid OTP.","innerError":{"remainingAttempts":2}}]}"#,
        r#"{"id":"e2","code":"INVALID_DATA","message":"m",
            "details":[{"code":"EXTRA_OTP_REQUIRED","target":"otp","message":"m","innererror":{"lockExpiresAt":"2026-11-23T07:00:00.000Z"}}]}"#,
        r#"{"id":"e3","code":"REQUEST_LIMITED","message":"m","details":[{"code":"LIMIT_EXCEEDED","innerError":{"retryAfter":30,"maximumAllowed":5,"other":{"x":1}}}]}"#,
        r#"{"id":"e4","code":"NOT_FOUND","message":"m"}"#,
    ] {
        let in_rust: ErrorBody = serde_json::from_str(text).expect("serde_json reads it");
        assert_eq!(parse::<ErrorBody>(text), Ok(in_rust), "{text}");
    }
    // PingOne documents `retryAfter` as a date-time; counts that are not whole numbers; members of other shapes.
    for value in [r#""2026-11-23T07:00:00.000Z""#, "-1", "2.5", r#""3""#, "1e10", "null", "{}", "[30]"] {
        let text = format!(
            r#"{{"id":"e","code":"REQUEST_LIMITED","message":"m","details":[{{"code":"LIMIT_EXCEEDED","innerError":{{"retryAfter":{value},"remainingAttempts":{value},"maximumAllowed":{value},"lockExpiresAt":{value}}}}}]}}"#
        );
        let body = parse::<ErrorBody>(&text).expect("readable whatever the inner error says");
        let inner = body.details[0].inner_error.clone().expect("the inner error is kept");
        assert_eq!((inner.retry_after, inner.remaining_attempts, inner.maximum_allowed), (None, None, None), "{value}");
        // An end time is text: any text is kept as written, anything else reads as absent.
        assert_eq!(inner.lock_expires_at.is_some(), value.starts_with('"'), "{value}");
    }
    let inner_not_an_object = r#"{"id":"e","code":"C","message":"m","details":[{"code":"D","innerError":"soon"}]}"#;
    assert_eq!(parse::<ErrorBody>(inner_not_an_object).expect("readable").details[0].inner_error, None);
    assert_eq!(parse::<ErrorBody>(r#"{"id":"e","message":"no code"}"#), Err(ApiError::Unreadable));
}

#[wasm_bindgen_test]
fn the_configuration_reads_with_its_defaults() {
    let full: WidgetConfig =
        parse(r#"{"deviceTypes":["TOTP","SMS"],"resendCooldownSeconds":30,"issuer":"Acme","phoneExtensions":true}"#)
            .expect("readable");
    assert_eq!(full.device_types, vec![DeviceType::Totp, DeviceType::Sms]);
    assert_eq!(
        (full.resend_cooldown_seconds, full.issuer.as_deref(), full.phone_extensions),
        (Some(30), Some("Acme"), true)
    );
    let bare: WidgetConfig = parse(r#"{"deviceTypes":[]}"#).expect("readable");
    assert_eq!((bare.resend_cooldown_seconds, bare.issuer, bare.phone_extensions), (None, None, false));
    let odd: WidgetConfig =
        parse(r#"{"deviceTypes":["TOTP"],"resendCooldownSeconds":"30","issuer":7}"#).expect("readable");
    assert_eq!((odd.resend_cooldown_seconds, odd.issuer), (None, None));
    assert_eq!(parse::<WidgetConfig>(r#"{"deviceTypes":["TOTP",3]}"#), Err(ApiError::Unreadable));
    assert_eq!(parse::<WidgetConfig>("{}"), Err(ApiError::Unreadable));
}

#[wasm_bindgen_test]
fn bodies_are_written_as_the_proxy_reads_them() {
    let mut voice = CreateDevice::of_type(DeviceType::Voice);
    voice.phone = Some("+15125201234".into());
    voice.extension = Some("1234#".into());
    voice.policy = Some(IdRef { id: "p1".into() });
    let written = json(&voice).expect("JSON");
    assert_eq!(written, r#"{"type":"VOICE","policy":{"id":"p1"},"phone":"+15125201234","extension":"1234#"}"#);
    assert_eq!(serde_json::from_str::<CreateDevice>(&written).expect("the proxy's model reads it"), voice);

    let quoted = CreateDevice { email: Some("a\"b\\c@example.com".into()), ..CreateDevice::of_type(DeviceType::Email) };
    let written = json(&quoted).expect("JSON");
    assert_eq!(serde_json::from_str::<CreateDevice>(&written).expect("readable"), quoted);

    let activate = |oath_resync| ActivateDevice { otp: "123456".into(), oath_resync };
    assert_eq!(json(&activate(None)).as_deref(), Ok(r#"{"otp":"123456"}"#));
    assert_eq!(json(&activate(Some(true))).as_deref(), Ok(r#"{"otp":"123456","oathResync":true}"#));
    assert_eq!(json(&Rename { nickname: "Work \"phone\"".into() }).as_deref(), Ok(r#"{"nickname":"Work \"phone\""}"#));
    let order = Reorder { order: vec![IdRef { id: "a".into() }, IdRef { id: "b".into() }] };
    assert_eq!(json(&order).as_deref(), Ok(r#"{"order":[{"id":"a"},{"id":"b"}]}"#));
}

/// The default read through the browser's JSON and serde-wasm-bindgen, in every shape the simulator offers for the
/// order, and with blocked and pending devices first in the list.
#[wasm_bindgen_test]
fn the_default_is_read_in_every_shape_of_the_order() {
    let devices = r#"[{"id":"blocked","type":"MOBILE","status":"ACTIVE","block":{"status":"BLOCKED"}},
        {"id":"pending","type":"SMS","status":"ACTIVATION_REQUIRED","lock":{"status":"UNLOCKED"}},
        {"id":"second","type":"FIDO2","status":"ACTIVE"},{"id":"first","type":"EMAIL","status":"ACTIVE"}]"#;
    for (embedded_order, top_level, default) in [
        (r#", "order": [{"id": "blocked"}, {"id": "first"}, {"id": "second"}]"#, "", "first"),
        (r#", "order": ["first", "second"]"#, "", "first"),
        ("", r#", "order": [{"id": "first"}]"#, "first"),
        ("", "", "second"),
    ] {
        let text = format!(r#"{{"_embedded": {{"devices": {devices}{embedded_order}}}{top_level}}}"#);
        let list = parse::<DeviceList>(&text).expect("readable");
        assert_eq!(list.default_id(), Some(default), "{text}");
    }
}

/// A refused code in each of the simulator's `codeRefusal` variants, read through the browser's JSON: what the
/// person is told depends only on what the server says.
#[wasm_bindgen_test]
fn a_refused_code_in_every_variant_reads_as_a_code_that_is_not_right() {
    use mfa_enroll_widget::flows::{CodeProblem, problem_of};
    let wrong = CodeProblem::Wrong { attempts_left: None };
    for (body, said) in [
        (
            r#"{"id":"e","code":"INVALID_DATA","message":"m","details":[{"code":"INVALID_OTP","target":"otp","message":"m"}]}"#,
            wrong.clone(),
        ),
        (
            r#"{"id":"e","code":"INVALID_DATA","message":"m","details":[{"code":"INVALID_OTP","target":"otp","message":"m","innerError":{"remainingAttempts":2}}]}"#,
            CodeProblem::Wrong { attempts_left: Some(2) },
        ),
        (
            r#"{"id":"e","code":"INVALID_DATA","message":"m","details":[{"code":"OTP_EXPIRED","target":"otp","message":"m"}]}"#,
            CodeProblem::Expired,
        ),
        (
            r#"{"id":"e","code":"INVALID_DATA","message":"m","details":[{"code":"INVALID_VALUE","target":"otp","message":"m"}]}"#,
            wrong.clone(),
        ),
        (r#"{"id":"e","code":"INVALID_REQUEST","message":"The request could not be completed."}"#, wrong),
    ] {
        let refused = ApiError::Server { status: 400, body: parse::<ErrorBody>(body).expect("readable") };
        assert_eq!(problem_of(refused), said, "{body}");
    }
}
