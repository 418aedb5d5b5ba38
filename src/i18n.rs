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
