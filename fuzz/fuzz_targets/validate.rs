//! The checks of what a person types, on any text: none panics, and a normalised phone number normalises to
//! itself.
#![no_main]

use devices_api::validate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some(phone) = validate::normalize_phone(text) {
        assert_eq!(validate::normalize_phone(&phone).as_deref(), Some(phone.as_str()));
    }
    let _ = (validate::is_email(text), validate::is_extension(text), validate::is_serial_number(text));
    let _ = (validate::is_nickname(text), validate::is_otp(text));
});
