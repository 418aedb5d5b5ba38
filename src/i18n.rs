//! The widget's words: one struct of messages and one `const` per locale, so that a missing message is a compile
//! error. Only English ships so far; the other locales come with the widget issue.

/// Every string the widget shows.
pub struct Messages {
    pub heading: &'static str,
    pub loading_devices: &'static str,
    pub no_devices: &'static str,
    pub add_authenticator: &'static str,
    pub authenticator_app: &'static str,
    pub status_active: &'static str,
    pub status_activation_required: &'static str,
    pub remove: &'static str,
    pub retry: &'static str,
    pub cancel: &'static str,
    pub totp_heading: &'static str,
    pub totp_creating: &'static str,
    pub totp_scan: &'static str,
    pub qr_label: &'static str,
    pub secret_label: &'static str,
    pub copy_secret: &'static str,
    pub copied: &'static str,
    pub code_label: &'static str,
    pub code_hint: &'static str,
    pub verify: &'static str,
    pub verifying: &'static str,
    pub cancelling: &'static str,
    pub totp_added: &'static str,
    pub device_removed: &'static str,
    pub code_not_digits: &'static str,
    pub code_wrong_length: &'static str,
    pub code_wrong: &'static str,
    pub code_expired: &'static str,
    pub delivered_code_wrong: &'static str,
    pub add_sms: &'static str,
    pub add_voice: &'static str,
    pub add_email: &'static str,
    pub sms_heading: &'static str,
    pub voice_heading: &'static str,
    pub email_heading: &'static str,
    pub phone_label: &'static str,
    pub phone_hint: &'static str,
    pub email_label: &'static str,
    pub email_hint: &'static str,
    pub send_code: &'static str,
    pub sending_code: &'static str,
    pub phone_empty: &'static str,
    pub phone_invalid: &'static str,
    pub email_empty: &'static str,
    pub email_invalid: &'static str,
    pub code_sent_to: fn(&str) -> String,
    pub delivered_code_label: &'static str,
    pub delivered_code_hint: &'static str,
    pub resend: &'static str,
    pub resend_in: fn(u32) -> String,
    pub text_message: &'static str,
    pub voice_call: &'static str,
    pub email_device: &'static str,
    pub device_added: &'static str,
    pub other_device: &'static str,
    pub hardware_token: &'static str,
    pub add_hardware_token: &'static str,
    pub oath_heading: &'static str,
    pub serial_label: &'static str,
    pub serial_hint: &'static str,
    pub serial_invalid: &'static str,
    pub serial_unknown: &'static str,
    pub continue_label: &'static str,
    pub oath_code_label: &'static str,
    pub oath_code_hint: &'static str,
    pub oath_code_wrong: &'static str,
    pub oath_next_code: &'static str,
    pub rename: &'static str,
    pub make_default: &'static str,
    pub default_mark: &'static str,
    pub device_locked_short: &'static str,
    pub nickname_label: &'static str,
    pub nickname_hint: &'static str,
    pub nickname_invalid: &'static str,
    pub save: &'static str,
    pub remove_question: &'static str,
    pub remove_last_warning: &'static str,
    pub remove_confirm: &'static str,
    pub keep: &'static str,
    pub renamed: &'static str,
    pub default_changed: &'static str,
    pub loading_config: &'static str,
    pub attempts_left: fn(u32) -> String,
    pub device_locked: &'static str,
    pub locked_until: fn(&str) -> String,
    pub error_network: &'static str,
    pub error_unavailable: &'static str,
    pub error_session: &'static str,
    pub error_generic: &'static str,
    pub error_too_many: &'static str,
    pub error_device_limit: &'static str,
    pub error_method_not_allowed: &'static str,
}

/// Catalogues are statics: two are the same catalogue when they are the same static.
impl PartialEq for Messages {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

pub static EN: Messages = Messages {
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
    phone_label: "Phone number",
    phone_hint: "Include the country code, such as +1 512 555 0123.",
    email_label: "Email address",
    email_hint: "We send a code to this address.",
    send_code: "Send code",
    sending_code: "Sending the code…",
    phone_empty: "Enter your phone number.",
    phone_invalid: "This is not a phone number we can reach. Start with + and the country code.",
    email_empty: "Enter your email address.",
    email_invalid: "This is not an email address. Check it and try again.",
    code_sent_to: |to| format!("We sent a code to {to}."),
    delivered_code_label: "Code",
    delivered_code_hint: "Enter the code from the message.",
    resend: "Send a new code",
    resend_in: |seconds| format!("You can ask for a new code in {seconds} s."),
    text_message: "Text message",
    voice_call: "Voice call",
    email_device: "Email",
    device_added: "Sign-in method added.",
    other_device: "Sign-in method",
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
    nickname_invalid: "A name has at most 100 characters.",
    save: "Save",
    remove_question: "Remove this sign-in method?",
    remove_last_warning: "This is your last active sign-in method. Without one, you may not be able to sign in.",
    remove_confirm: "Yes, remove it",
    keep: "Keep it",
    renamed: "Name saved.",
    default_changed: "Default sign-in method changed.",
    loading_config: "Loading…",
    attempts_left: |n| if n == 1 { "1 try left.".to_owned() } else { format!("{n} tries left.") },
    device_locked: "Too many wrong codes. Wait a few minutes, then try again.",
    locked_until: |until| format!("Locked until {until}."),
    error_network: "No connection. Check your network and try again.",
    error_unavailable: "The service is unavailable right now. Try again shortly.",
    error_session: "Your session has ended. Sign in again.",
    error_generic: "Something went wrong. Try again.",
    error_too_many: "Too many attempts. Wait a minute, then try again.",
    error_device_limit: "You have as many sign-in methods as you may. Remove one to add another.",
    error_method_not_allowed: "This sign-in method is not available here. Choose another one.",
};

/// The message for a failure that is not about a field.
/// It keys on the error codes, never on the server's English `message`.
pub fn describe(error: &crate::api::ApiError, messages: &Messages) -> &'static str {
    use devices_api::codes;

    use crate::api::ApiError;
    match (error, error.detail_code()) {
        (ApiError::Network, _) => messages.error_network,
        (ApiError::Server { status: 401, .. }, _) => messages.error_session,
        (ApiError::Server { status: 429, .. } | ApiError::Status(429), _) => messages.error_too_many,
        (ApiError::Server { status: 502..=504, .. } | ApiError::Status(502..=504), _) => messages.error_unavailable,
        (_, Some(codes::LIMIT_EXCEEDED)) => messages.error_device_limit,
        (_, Some(codes::CONSTRAINT_VIOLATION)) => messages.error_method_not_allowed,
        _ => messages.error_generic,
    }
}

/// The message for a code that was not accepted.
/// `wrong` is what to say of a wrong code, which depends on where the code came from.
pub fn code_problem(problem: &crate::flows::CodeProblem, wrong: &str, messages: &Messages) -> String {
    use crate::flows::CodeProblem;
    match problem {
        CodeProblem::NotDigits => messages.code_not_digits.to_owned(),
        CodeProblem::WrongLength => messages.code_wrong_length.to_owned(),
        CodeProblem::Wrong { attempts_left: Some(left) } => {
            format!("{wrong} {}", (messages.attempts_left)(*left))
        }
        CodeProblem::Wrong { attempts_left: None } => wrong.to_owned(),
        CodeProblem::Expired => messages.code_expired.to_owned(),
        CodeProblem::Locked { until: Some(until) } => {
            format!("{} {}", messages.device_locked, (messages.locked_until)(until))
        }
        CodeProblem::Locked { until: None } => messages.device_locked.to_owned(),
        CodeProblem::Failed(error) => describe(error, messages).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use devices_api::{ErrorBody, ErrorDetail};

    use super::*;
    use crate::api::ApiError;

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
        assert_eq!(describe(&ApiError::Network, &EN), EN.error_network);
        assert_eq!(describe(&refused(401, "INVALID_TOKEN"), &EN), EN.error_session);
        assert_eq!(describe(&refused(429, "LIMIT_EXCEEDED"), &EN), EN.error_too_many);
        assert_eq!(describe(&refused(502, ""), &EN), EN.error_unavailable);
        assert_eq!(describe(&ApiError::Status(504), &EN), EN.error_unavailable);
        assert_eq!(describe(&refused(400, "LIMIT_EXCEEDED"), &EN), EN.error_device_limit);
        assert_eq!(describe(&refused(400, "CONSTRAINT_VIOLATION"), &EN), EN.error_method_not_allowed);
        assert_eq!(describe(&refused(400, "SOMETHING_NEW"), &EN), EN.error_generic);
    }
}
