//! Views: each renders the state it is given and reports what the person did through callbacks.

pub mod delivered_enrollment;
pub mod device_list;
pub mod field;
pub mod focus;
pub mod oath_enrollment;
pub mod qr_code;
pub mod refusal;
pub mod totp_enrollment;
