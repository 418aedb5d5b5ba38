//! Checks of the values that a person types, shared by the widget (to explain a problem before any request), the
//! proxy (to refuse it at the edge) and the simulator (to answer as PingOne does).
//!
//! Each check is pure and small enough for the widget's size budget: no phone metadata, no regex engine.

/// E.164 allows at most 15 digits; fewer than 8 reach no real subscriber.
const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 8..=15;

/// A phone number in any form PingOne documents (`+1.5125201234`, `+1 (512) 520-1234`, `1-512-555-1234`, …) as
/// `+` and digits, or `None` when it is not a plausible international number.
pub fn normalize_phone(phone: &str) -> Option<String> {
    let phone = phone.trim();
    let rest = phone.strip_prefix('+').unwrap_or(phone);
    if !rest.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')')) {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    (PHONE_DIGITS.contains(&digits.len()) && !digits.starts_with('0')).then(|| format!("+{digits}"))
}

/// An address of the form `local@domain.tld`, within the lengths that mail systems accept.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let labels_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    email.len() <= 254 && local_ok && labels_ok
}

/// A voice extension: digits, with `,` to pause and `#` or `*` to dial.
pub fn is_extension(extension: &str) -> bool {
    !extension.is_empty()
        && extension.len() <= 16
        && extension.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '#' | '*'))
}

/// An OATH token's serial number: 1 to 64 letters, digits or hyphens.
pub fn is_serial_number(serial: &str) -> bool {
    !serial.is_empty() && serial.len() <= 64 && serial.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The longest nickname PingOne keeps, in characters.
pub const MAX_NICKNAME_CHARS: usize = 100;

/// A nickname: at most [`MAX_NICKNAME_CHARS`] characters, none of them control characters.
pub fn is_nickname(nickname: &str) -> bool {
    nickname.chars().count() <= MAX_NICKNAME_CHARS && !nickname.chars().any(char::is_control)
}

/// A one-time password as PingOne issues them: 6 to 10 digits.
pub fn is_otp(otp: &str) -> bool {
    (6..=10).contains(&otp.len()) && otp.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_phone_form_normalizes_to_e164() {
        for form in
            ["+1.5125201234", "+15125201234", "+1.512.520.1234", "+1 (512) 520-1234", "15125201234", "1-512-520-1234"]
        {
            assert_eq!(normalize_phone(form).as_deref(), Some("+15125201234"), "{form}");
        }
        for bad in ["", "+", "12345", "+1 512 520 1234 5678 9", "+1-512-CALL-NOW", "+0123456789", "5125201234x12"] {
            assert_eq!(normalize_phone(bad), None, "{bad} was accepted");
        }
    }

    #[test]
    fn email_addresses_are_checked_for_shape() {
        for good in ["a@example.com", "first.last+tag@mail.example.co.uk", "ü@exämple.de"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@example.com",
            "a@.com",
            "a..b@example.com",
            "a@exa mple.com",
            "a b@example.com",
            "a@-x.com",
        ] {
            assert!(!is_email(bad), "{bad} was accepted");
        }
    }

    #[test]
    fn serials_nicknames_extensions_and_otps_are_bounded() {
        assert!(is_serial_number("DEMO-HOTP-0001") && !is_serial_number("a/b") && !is_serial_number(&"x".repeat(65)));
        assert!(is_nickname(&"é".repeat(100)) && !is_nickname(&"x".repeat(101)) && !is_nickname("tab\there"));
        assert!(is_extension("123#") && !is_extension("12a") && !is_extension(""));
        assert!(
            is_otp("123456") && is_otp("1234567890") && !is_otp("12345") && !is_otp("12345678901") && !is_otp("12a456")
        );
    }
}
