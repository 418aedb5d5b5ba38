//! One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238) with HMAC-SHA-1, as PingOne's authenticator apps and
//! OATH tokens use them.
//!
//! It owns the arithmetic only; which counters or time steps a device accepts is the caller's rule.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The TOTP time step that PingOne and the Google key-URI defaults use.
pub const TOTP_STEP_SECONDS: i64 = 30;

/// The RFC 4226 value of `secret` at `counter`, as a zero-padded string of `digits` digits.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[19] & 0x0f);
    let truncated = u32::from_be_bytes([hash[offset] & 0x7f, hash[offset + 1], hash[offset + 2], hash[offset + 3]]);
    let code = truncated % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The RFC 6238 time step that holds `unix_seconds`.
pub fn totp_step(unix_seconds: i64) -> u64 {
    u64::try_from(unix_seconds.div_euclid(TOTP_STEP_SECONDS)).unwrap_or(0)
}

/// The step within `grace` steps either side of `now_step` whose code is `otp`, if any, nearest first.
pub fn matching_totp_step(secret: &[u8], otp: &str, now_step: u64, grace: u64, digits: u32) -> Option<u64> {
    (0..=grace)
        .flat_map(|distance| [now_step.checked_sub(distance), now_step.checked_add(distance)])
        .flatten()
        .find(|&step| hotp(secret, step, digits) == otp)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn hotp_matches_rfc_4226_appendix_d() {
        let expected =
            ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, counter as u64, 6), *code, "counter {counter}");
        }
    }

    #[test]
    fn totp_matches_rfc_6238_appendix_b_for_sha1() {
        let expected = [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ];
        for (time, code) in expected {
            assert_eq!(hotp(RFC_SECRET, totp_step(time), 8), code, "time {time}");
        }
    }

    #[test]
    fn grace_window_accepts_near_steps_and_refuses_far_ones() {
        let now = 1_000_000;
        let two_behind = hotp(RFC_SECRET, now - 2, 6);
        assert_eq!(matching_totp_step(RFC_SECRET, &two_behind, now, 2, 6), Some(now - 2));
        assert_eq!(matching_totp_step(RFC_SECRET, &two_behind, now, 1, 6), None);
        let ahead = hotp(RFC_SECRET, now + 1, 6);
        assert_eq!(matching_totp_step(RFC_SECRET, &ahead, now, 1, 6), Some(now + 1));
    }
}
