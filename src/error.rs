//! Why a request to the proxy did not give what the contract promises: the widget's one error type, shared by the
//! HTTP client that makes it, the flows that act on it and the views that say it.

use devices_api::{ErrorBody, InnerError};

/// Why a request did not give what the contract promises.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server refused, with PingOne's error body.
    Server { status: u16, body: ErrorBody },
    /// The server failed without a readable error body.
    Status(u16),
    /// `429`: too many requests; the seconds to wait, when the server said (`Retry-After`).
    TooMany { retry_after: Option<u32> },
    /// No answer: the network or the server is down.
    Network,
    /// A success whose body is not what the contract says.
    Unreadable,
    /// The host page's `getAccessToken` gave no token: the person's session has ended, and nothing was sent.
    NoToken,
    /// The browser would not build the request (its headers or its body); nothing was sent.
    CannotSend,
    /// A code was refused and the device, read back, is locked: until when, if PingOne says.
    DeviceLocked { until: Option<String> },
}

impl ApiError {
    /// The first detail's code, such as `INVALID_OTP`, if the server gave one.
    pub fn detail_code(&self) -> Option<&str> {
        match self {
            Self::Server { body, .. } => body.details.first().map(|detail| detail.code.as_str()),
            _ => None,
        }
    }

    /// The field that the first detail names, such as `otp` or `phone`.
    pub fn detail_target(&self) -> Option<&str> {
        match self {
            Self::Server { body, .. } => body.details.first()?.target.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Server { status, .. } | Self::Status(status) => Some(*status),
            Self::TooMany { .. } => Some(429),
            Self::Network | Self::Unreadable | Self::NoToken | Self::CannotSend | Self::DeviceLocked { .. } => None,
        }
    }

    /// Whether the person must sign in again: the proxy said so (`401`), or the host page has no token to give.
    pub fn session_ended(&self) -> bool {
        matches!(self, Self::NoToken) || self.status() == Some(401)
    }

    /// The first detail's `innerError`, if the server gave one.
    pub fn inner(&self) -> Option<&InnerError> {
        match self {
            Self::Server { body, .. } => body.details.first()?.inner_error.as_ref(),
            _ => None,
        }
    }
}
