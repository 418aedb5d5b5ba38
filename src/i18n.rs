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
    pub removing: &'static str,
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
    pub loading_config: &'static str,
    pub attempts_left: fn(u32) -> String,
    pub device_locked: &'static str,
    pub locked_until: fn(&str) -> String,
    pub error_network: &'static str,
    pub error_unavailable: &'static str,
    pub error_session: &'static str,
    pub error_generic: &'static str,
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
    removing: "Removing…",
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
    loading_config: "Loading…",
    attempts_left: |n| if n == 1 { "1 try left.".to_owned() } else { format!("{n} tries left.") },
    device_locked: "Too many wrong codes. Wait a few minutes, then try again.",
    locked_until: |until| format!("Locked until {until}."),
    error_network: "No connection. Check your network and try again.",
    error_unavailable: "The service is unavailable right now. Try again shortly.",
    error_session: "Your session has ended. Sign in again.",
    error_generic: "Something went wrong. Try again.",
};

/// The message for a failure that is not about a field.
pub fn describe(error: &crate::api::ApiError, messages: &Messages) -> &'static str {
    use crate::api::ApiError;
    match error {
        ApiError::Network => messages.error_network,
        ApiError::Server { status: 401, .. } => messages.error_session,
        ApiError::Server { status: 502..=504, .. } | ApiError::Status(502..=504) => messages.error_unavailable,
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
