//! The widget's words. English is built in; the other catalogues are JSON files beside the site (`www/locales/`),
//! fetched only in the locale that is in use, so that each person downloads one language. A message that a
//! catalogue lacks falls back to English, and a test fails when any catalogue lacks a key.
//!
//! Messages with a value hold `{}`; [`fill`] puts the value there, isolated for bidirectional text, so that a phone
//! number or a count reads the right way round in Arabic.

use std::cell::RefCell;

/// The languages with a catalogue. English is first: it is the fallback.
pub const LANGUAGES: [&str; 6] = ["en", "de", "fr", "es", "ja", "ar"];

macro_rules! catalogue {
    ($($key:ident: $english:expr,)*) => {
        /// The index of each message in a catalogue.
        #[allow(non_camel_case_types)]
        enum Key {
            $($key,)*
        }

        /// Every message's key, as the catalogues name it.
        pub const KEYS: &[&str] = &[$(stringify!($key),)*];

        /// Every string the widget shows, in one language: one method per message.
        pub struct Messages {
            /// The language's tag, such as `de`.
            pub lang: &'static str,
            texts: [&'static str; KEYS.len()],
        }

        pub static EN: Messages = Messages { lang: "en", texts: [$($english,)*] };

        impl Messages {
            $(
                pub fn $key(&self) -> &'static str {
                    self.texts[Key::$key as usize]
                }
            )*
        }
    };
}

catalogue! {
    heading: "Your sign-in methods",
    loading_devices: "Loading your sign-in methods…",
    no_devices: "You have no sign-in methods yet.",
    add_authenticator: "Add authenticator app",
    authenticator_app: "Authenticator app",
    status_active: "Active",
    status_activation_required: "Not yet activated",
    remove: "Remove",
    retry: "Try again",
    cancel: "Cancel",
    totp_heading: "Add an authenticator app",
    totp_creating: "Preparing your authenticator app…",
    totp_scan: "Scan this QR code with your authenticator app, or type the secret into it.",
    qr_label: "QR code for your authenticator app",
    secret_label: "Secret",
    copy_secret: "Copy secret",
    copied: "Secret copied.",
    spell_secret: "Read the secret one character at a time",
    open_in_app: "Open in your authenticator app",
    code_label: "6-digit code from your app",
    code_hint: "Enter the code your app shows now.",
    verify: "Verify",
    verifying: "Checking the code…",
    cancelling: "Cancelling…",
    totp_added: "Authenticator app added.",
    device_removed: "Sign-in method removed.",
    code_not_digits: "The code has digits only. Check what you typed.",
    code_wrong_length: "The code has 6 digits.",
    code_wrong: "That code is not right. Wait for a new code in your app and try again.",
    code_expired: "That code has expired. Ask for a new code.",
    delivered_code_wrong: "That code is not right. Check the message and try again.",
    add_sms: "Add text message (SMS)",
    add_voice: "Add voice call",
    add_email: "Add email",
    sms_heading: "Add a phone for text messages",
    voice_heading: "Add a phone for voice calls",
    email_heading: "Add an email address",
    country_label: "Country or region",
    phone_label: "Phone number",
    phone_hint: "Choose the country, then type the number. A number that starts with + keeps its own country code.",
    extension_label: "Extension (optional)",
    extension_hint: "Digits that the call dials once it connects; a comma waits a moment.",
    extension_invalid: "An extension has digits, commas, # and * only, up to 16 of them.",
    email_label: "Email address",
    email_hint: "We send a code to this address.",
    send_code: "Send code",
    sending_code: "Sending the code…",
    phone_empty: "Enter your phone number.",
    phone_invalid: "This is not a phone number we can reach. Check the number and the country.",
    email_empty: "Enter your email address.",
    email_invalid: "This is not an email address. Check it and try again.",
    code_sent_to: "We sent a code to {}.",
    delivered_code_label: "Code",
    delivered_code_hint: "Enter the code from the message.",
    resend: "Send a new code",
    resend_in: "You can ask for a new code in {} s.",
    text_message: "Text message",
    voice_call: "Voice call",
    email_device: "Email",
    device_added: "Sign-in method added.",
    other_device: "Sign-in method",
    passkey: "Passkey or security key",
    mobile_app: "Mobile app",
    whatsapp: "WhatsApp",
    pingid_desktop: "PingID desktop app",
    blocked: "Blocked by your administrator.",
    finish: "Finish setting up",
    start_again: "Start again",
    hardware_token: "Hardware token",
    add_hardware_token: "Add hardware token",
    oath_heading: "Add a hardware token",
    serial_label: "Serial number",
    serial_hint: "It is printed on the back of the token.",
    serial_invalid: "A serial number has letters, digits and hyphens only.",
    serial_unknown: "We do not know a token with this serial number, or it is in use. Check the number.",
    continue_label: "Continue",
    oath_code_label: "Code on the token",
    oath_code_hint: "Press the token's button and enter the code it shows.",
    oath_code_wrong: "That code is not right. Press the button again and enter the new code.",
    oath_next_code: "Your token needs one more code: press the button again and enter the next code.",
    rename: "Rename",
    make_default: "Make default",
    default_mark: "Default",
    device_locked_short: "Locked after too many wrong codes.",
    nickname_label: "Name for this method",
    nickname_hint: "Up to 100 characters, such as Work phone.",
    nickname_invalid: "A name has at most 100 characters and no hidden ones, such as direction marks.",
    save: "Save",
    remove_question: "Remove this sign-in method?",
    remove_last_warning: "This is your last active sign-in method. Without one, you may not be able to sign in.",
    remove_confirm: "Yes, remove it",
    keep: "Keep it",
    renamed: "Name saved.",
    default_changed: "Default sign-in method changed.",
    attempts_left_one: "1 try left.",
    attempts_left: "{} tries left.",
    device_locked: "Too many wrong codes. Wait a few minutes, then try again.",
    locked_until: "Locked until {}.",
    error_network: "No connection. Check your network and try again.",
    error_unavailable: "The service is unavailable right now. Try again shortly.",
    error_not_set_up: "This service is not set up to manage sign-in methods. Contact your administrator.",
    error_session: "Your session has ended. Sign in again.",
    error_generic: "Something went wrong. Try again.",
    error_too_many: "Too many attempts. Wait a little, then try again.",
    retry_in: "Try again in {} s.",
    retry_now: "You can try again now.",
    error_device_limit: "You have as many sign-in methods as you may. Remove one to add another.",
    error_method_not_allowed: "This sign-in method is not available here. Choose another one.",
}

/// Catalogues live as long as the page: two are the same catalogue when they are the same one in memory.
impl PartialEq for Messages {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Messages {
    /// The catalogue of `lang` from `lookup`, with English for any key that it lacks. (A loop over the keys, rather
    /// than code per message, keeps the widget small.)
    pub fn from_lookup(lang: &'static str, lookup: impl Fn(&str) -> Option<&'static str>) -> Self {
        let mut texts = EN.texts;
        for (text, key) in texts.iter_mut().zip(KEYS) {
            if let Some(translated) = lookup(key) {
                *text = translated;
            }
        }
        Self { lang, texts }
    }

    /// The message under `key`.
    pub fn by_key(&self, key: &str) -> Option<&'static str> {
        KEYS.iter().position(|known| *known == key).map(|index| self.texts[index])
    }

    /// Whether the language is written right to left.
    pub fn is_rtl(&self) -> bool {
        self.lang == "ar"
    }
}

/// `template` with its `{}` replaced by `value`, which is wrapped in Unicode's first-strong isolate so that it keeps
/// its own direction inside text of the other direction.
pub fn fill(template: &str, value: impl std::fmt::Display) -> String {
    // A `{` in a catalogue only ever opens `{}` (the catalogue test counts them); found as a char, which links
    // less than a search for a string.
    match template.split_once('{') {
        Some((before, after)) => {
            format!("{before}\u{2068}{value}\u{2069}{}", after.strip_prefix('}').unwrap_or(after))
        }
        None => template.to_owned(),
    }
}

/// The catalogue language for a BCP 47 tag such as `de-CH`: its primary language when there is a catalogue for it,
/// and English otherwise.
pub fn language_of(tag: &str) -> &'static str {
    let primary = tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
    LANGUAGES.into_iter().find(|lang| *lang == primary).unwrap_or("en")
}

/// Where a catalogue comes from: a host page's `loadCatalogue`, or the folder it is fetched from.
#[derive(PartialEq)]
enum Source {
    Loader(js_sys::Function),
    Url(String),
}

thread_local! {
    /// Catalogues had so far, by where they came from: each is asked for once per page however many widgets use
    /// it, and a widget with a loader of its own is never given another's.
    static LOADED: RefCell<Vec<(Source, &'static Messages)>> = const { RefCell::new(Vec::new()) };
}

/// The catalogue in `lang`: English at once; another once it has been had, `None` until then.
#[yew::hook]
pub fn use_catalogue(
    lang: &'static str,
    locales_url: yew::AttrValue,
    loader: Option<js_sys::Function>,
) -> Option<&'static Messages> {
    let catalogue = yew::use_state(|| (lang == "en").then_some(&EN));
    {
        let catalogue = catalogue.clone();
        yew::use_effect_with(lang, move |lang| {
            let lang = *lang;
            wasm_bindgen_futures::spawn_local(async move {
                catalogue.set(Some(load(lang, &locales_url, loader).await));
            });
        });
    }
    *catalogue
}

/// The catalogue for `lang`, the first time from `loader` when the host gives one, else fetched from
/// `{locales_url}{lang}.json`; English when it cannot be had.
pub async fn load(lang: &'static str, locales_url: &str, loader: Option<js_sys::Function>) -> &'static Messages {
    if lang == "en" {
        return &EN;
    }
    let source = match loader {
        Some(loader) => Source::Loader(loader),
        None => Source::Url(format!("{locales_url}{lang}.json")),
    };
    let loaded = LOADED.with_borrow(|loaded| {
        loaded.iter().find(|(from, messages)| *from == source && messages.lang == lang).map(|(_, messages)| *messages)
    });
    if let Some(loaded) = loaded {
        return loaded;
    }
    let catalogue = match &source {
        Source::Loader(loader) => {
            crate::api::host_answer(loader, &lang.into()).await.filter(wasm_bindgen::JsValue::is_object)
        }
        Source::Url(url) => fetch_catalogue(url).await,
    };
    let Some(catalogue) = catalogue else { return &EN };
    // Leaked on purpose: a catalogue is loaded once and then lives as long as the page.
    let messages: &'static Messages = Box::leak(Box::new(Messages::from_lookup(lang, |key| {
        let value = js_sys::Reflect::get(&catalogue, &key.into()).ok()?.as_string()?;
        Some(Box::leak(value.into_boxed_str()))
    })));
    LOADED.with_borrow_mut(|loaded| loaded.push((source, messages)));
    messages
}

async fn fetch_catalogue(url: &str) -> Option<wasm_bindgen::JsValue> {
    let response = gloo_net::http::Request::get(url).send().await.ok().filter(gloo_net::http::Response::ok)?;
    js_sys::JSON::parse(&response.text().await.ok()?).ok()
}

/// The message for a failure that is not about a field.
/// It keys on the error codes, never on the server's English `message`.
pub fn describe(error: &crate::error::ApiError, messages: &Messages) -> &'static str {
    use devices_api::codes;

    use crate::error::ApiError;
    match (error, error.detail_code()) {
        _ if error.session_ended() => messages.error_session(),
        (ApiError::Network, _) => messages.error_network(),
        (ApiError::TooMany { .. }, _) => messages.error_too_many(),
        (ApiError::Server { body, .. }, _) if body.code == codes::UPSTREAM_FORBIDDEN => messages.error_not_set_up(),
        (ApiError::Server { status: 502..=504, .. } | ApiError::Status(502..=504), _) => messages.error_unavailable(),
        (_, Some(codes::LIMIT_EXCEEDED)) => messages.error_device_limit(),
        (_, Some(codes::CONSTRAINT_VIOLATION)) => messages.error_method_not_allowed(),
        _ => messages.error_generic(),
    }
}

/// What to say at the code field of a code that was not accepted; `None` for a failure that belongs to the whole
/// form, which a [`crate::components::refusal::Refusal`] says.
/// `wrong` is what to say of a wrong code, which depends on where the code came from.
pub fn code_problem(problem: &crate::flows::CodeProblem, wrong: &str, messages: &Messages) -> Option<String> {
    use crate::flows::CodeProblem;
    Some(match problem {
        CodeProblem::NotDigits => messages.code_not_digits().to_owned(),
        CodeProblem::WrongLength => messages.code_wrong_length().to_owned(),
        CodeProblem::Wrong { attempts_left: Some(1) } => format!("{wrong} {}", messages.attempts_left_one()),
        CodeProblem::Wrong { attempts_left: Some(left) } => format!("{wrong} {}", fill(messages.attempts_left(), left)),
        CodeProblem::Wrong { attempts_left: None } => wrong.to_owned(),
        CodeProblem::Expired => messages.code_expired().to_owned(),
        CodeProblem::Locked { until: Some(until) } => {
            format!("{} {}", messages.device_locked(), locked_until(until, messages))
        }
        CodeProblem::Locked { until: None } => messages.device_locked().to_owned(),
        CodeProblem::Failed(_) => return None,
    })
}

/// "Locked until 14:05:00.", in the person's language and time zone.
pub fn locked_until(instant: &str, messages: &Messages) -> String {
    let date = js_sys::Date::new(&instant.into());
    if date.get_time().is_nan() {
        return fill(messages.locked_until(), instant);
    }
    fill(messages.locked_until(), String::from(date.to_locale_time_string(messages.lang)))
}

#[cfg(test)]
mod tests {
    use devices_api::{ErrorBody, ErrorDetail};

    use super::*;
    use crate::error::ApiError;

    fn refused(status: u16, detail: &str) -> ApiError {
        ApiError::Server {
            status,
            body: ErrorBody {
                id: "e".into(),
                code: "C".into(),
                message: "English for debugging only".into(),
                details: vec![ErrorDetail {
                    code: detail.into(),
                    target: None,
                    message: String::new(),
                    inner_error: None,
                }],
            },
        }
    }

    #[test]
    fn each_error_code_has_its_own_message_and_the_server_text_is_never_shown() {
        assert_eq!(describe(&ApiError::Network, &EN), EN.error_network());
        assert_eq!(describe(&refused(401, "INVALID_TOKEN"), &EN), EN.error_session());
        assert_eq!(describe(&ApiError::TooMany { retry_after: Some(3) }, &EN), EN.error_too_many());
        assert_eq!(describe(&refused(502, ""), &EN), EN.error_unavailable());
        assert_eq!(describe(&ApiError::Status(504), &EN), EN.error_unavailable());
        assert_eq!(describe(&refused(400, "LIMIT_EXCEEDED"), &EN), EN.error_device_limit());
        assert_eq!(describe(&refused(400, "CONSTRAINT_VIOLATION"), &EN), EN.error_method_not_allowed());
        assert_eq!(describe(&refused(400, "SOMETHING_NEW"), &EN), EN.error_generic());
        let ApiError::Server { body, .. } = refused(502, "") else { unreachable!() };
        let forbidden = ApiError::Server { status: 502, body: ErrorBody { code: "UPSTREAM_FORBIDDEN".into(), ..body } };
        assert_eq!(describe(&forbidden, &EN), EN.error_not_set_up(), "the deployment's mistake, not an outage");
    }

    #[test]
    fn a_value_is_isolated_where_the_message_puts_it() {
        assert_eq!(fill(EN.code_sent_to(), "•••• 1234"), "We sent a code to \u{2068}•••• 1234\u{2069}.");
        assert_eq!(fill("{} s", 5), "\u{2068}5\u{2069} s");
    }

    #[test]
    fn a_page_locale_picks_its_catalogue_and_anything_else_gets_english() {
        assert_eq!(language_of("de-CH"), "de");
        assert_eq!(language_of("AR"), "ar");
        assert_eq!(language_of("ja_JP"), "ja");
        assert_eq!(language_of("pt-BR"), "en");
        assert_eq!(language_of(""), "en");
    }

    /// Every catalogue in `www/locales` has every key, no key that English lacks, and the same `{}` placeholders.
    #[test]
    fn every_catalogue_has_every_message() {
        let placeholders = |text: &str| text.matches("{}").count();
        for lang in &LANGUAGES[1..] {
            let path = format!("{}/www/locales/{lang}.json", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
            let catalogue: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"));
            for key in KEYS {
                let translated = catalogue.get(*key).unwrap_or_else(|| panic!("{lang}.json lacks {key}"));
                assert!(!translated.trim().is_empty(), "{lang}.json: {key} is empty");
                assert_eq!(
                    placeholders(translated),
                    placeholders(EN.by_key(key).expect("an English key")),
                    "{lang}.json: {key}"
                );
            }
            for key in catalogue.keys() {
                assert!(KEYS.contains(&key.as_str()), "{lang}.json has {key}, which English lacks");
            }
        }
    }
}
