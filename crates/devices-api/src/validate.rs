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

/// A nickname: at most [`MAX_NICKNAME_CHARS`] characters, with no control character and no invisible format
/// character that could make one name pass for another, in the widget or in PingOne's console.
pub fn is_nickname(nickname: &str) -> bool {
    nickname.chars().count() <= MAX_NICKNAME_CHARS && !nickname.chars().any(|c| c.is_control() || is_disguise(c))
}

/// The Unicode format characters (category Cf) and separators that change how a name reads without showing
/// themselves: bidirectional marks, embeddings, overrides and isolates, zero-width spaces and word joiners, the
/// byte-order mark, the soft hyphen, line and paragraph separators, and their rarer kin. The zero-width joiner and
/// non-joiner are not among them: emoji sequences and Arabic or Indic names need them. Neither are the tag
/// characters that spell subdivision flags.
fn is_disguise(c: char) -> bool {
    DISGUISES.iter().any(|&(first, last)| (first..=last).contains(&c))
}

/// The ranges of [`is_disguise`], as data: a table is smaller in the widget than the same test written as code.
const DISGUISES: [(char, char); 21] = [
    ('\u{00AD}', '\u{00AD}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{06DD}', '\u{06DD}'),
    ('\u{070F}', '\u{070F}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08E2}', '\u{08E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200B}'),
    ('\u{200E}', '\u{200F}'),
    ('\u{2028}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0001}', '\u{E0001}'),
];

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
    fn a_nickname_cannot_hide_characters_that_change_how_it_reads() {
        for disguised in [
            "Work\u{202E}enohp",
            "Work\u{2066}phone\u{2069}",
            "Wo\u{200B}rk",
            "\u{FEFF}Work",
            "Work\u{2028}phone",
            "Work\u{2029}",
            "Wo\u{00AD}rk",
            "Work\u{200E}",
            "Work\u{061C}",
            "Wo\u{2060}rk",
        ] {
            assert!(!is_nickname(disguised), "{disguised:?} was accepted");
        }
        // Joiners make emoji and many scripts' names; tags make subdivision flags.
        for kept in [
            "Family \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}",
            "\u{0645}\u{200C}\u{0646}",
            "\u{0915}\u{094D}\u{200D}\u{0937}",
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F} phone",
            "Téléphone de travail",
        ] {
            assert!(is_nickname(kept), "{kept:?} was refused");
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

/// Properties over any text: no check panics, a normalised phone number normalises to itself and is what PingOne
/// takes, and a hidden character anywhere in a name refuses it.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn no_check_panics_on_any_text(text in any::<String>()) {
            let _ = (normalize_phone(&text), is_email(&text), is_extension(&text), is_serial_number(&text));
            let _ = (is_nickname(&text), is_otp(&text));
        }

        #[test]
        fn a_normalised_phone_number_normalises_to_itself(
            phone in prop_oneof![any::<String>(), "\\+?[0-9 ().-]{0,24}"]
        ) {
            if let Some(normalised) = normalize_phone(&phone) {
                prop_assert_eq!(normalize_phone(&normalised), Some(normalised.clone()));
                prop_assert!(normalised.starts_with('+') && normalised[1..].bytes().all(|b| b.is_ascii_digit()));
                prop_assert!((8..=15).contains(&(normalised.len() - 1)));
            }
        }

        #[test]
        fn a_hidden_character_anywhere_in_a_name_refuses_it(
            name in "[a-zA-Z0-9 ]{0,50}",
            at in 0usize..=50,
            hidden in prop::sample::select(vec!['\u{202E}', '\u{200B}', '\u{FEFF}', '\u{2066}', '\u{2028}', '\u{00AD}']),
        ) {
            let mut disguised: Vec<char> = name.chars().collect();
            disguised.insert(at.min(disguised.len()), hidden);
            let disguised: String = disguised.into_iter().collect();
            prop_assert!(is_nickname(&name));
            prop_assert!(!is_nickname(&disguised), "{:?} was accepted", disguised);
        }
    }
}
