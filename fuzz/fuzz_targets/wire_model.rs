//! `devices-api` reading any bytes as each body it reads: an answer of PingOne's, an error, or a request body.
#![no_main]

use devices_api::{ActivateDevice, CreateDevice, Device, DeviceList, ErrorBody};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = serde_json::from_slice::<Device>(bytes);
    let _ = serde_json::from_slice::<DeviceList>(bytes);
    let _ = serde_json::from_slice::<ErrorBody>(bytes);
    if let Ok(create) = serde_json::from_slice::<CreateDevice>(bytes) {
        let written = serde_json::to_vec(&create).expect("a body read is a body written");
        assert_eq!(serde_json::from_slice::<CreateDevice>(&written).ok(), Some(create));
    }
    let _ = serde_json::from_slice::<ActivateDevice>(bytes);
});
