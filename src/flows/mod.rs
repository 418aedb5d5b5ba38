//! Enrollment flows as pure state machines: a state, an action, and the next state. Views render a flow's state and
//! dispatch actions; the request that a state waits for is named by the flow and run by the view's effect.
//!
//! What every flow shares lives here: how a typed code is checked, and how the server's refusal of a code becomes
//! something to tell the person.

pub mod delivered;
pub mod devices;
pub mod oath;
pub mod totp;

use std::ops::RangeInclusive;

use devices_api::codes;

use crate::error::ApiError;

/// Why a typed code was not accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum CodeProblem {
    /// Something other than digits (and spaces) was typed.
    NotDigits,
    /// Not as many digits as the code has.
    WrongLength,
    /// The server says the code is wrong; how many tries are left, when it says.
    Wrong { attempts_left: Option<u32> },
    /// The code has expired, or too many wrong tries spent it: a new one is needed.
    Expired,
    /// Too many wrong codes: the device is locked until the given time, when known.
    Locked { until: Option<String> },
    /// Any other failure of the check, such as the network.
    Failed(ApiError),
}

/// The typed code without the spaces that people copy from apps and messages that group digits.
pub fn digits_of(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Checks a typed code before any request: digits only, and a length in `lengths`.
pub fn check_code(code: &str, lengths: RangeInclusive<usize>) -> Result<(), CodeProblem> {
    let digits = digits_of(code);
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(CodeProblem::NotDigits);
    }
    if !lengths.contains(&digits.len()) {
        return Err(CodeProblem::WrongLength);
    }
    Ok(())
}

/// What the server's refusal of a code means for the person.
pub fn problem_of(error: ApiError) -> CodeProblem {
    match error.detail_code() {
        // The last allowed wrong code locks the device: no tries are left, and the lock's end comes with the next
        // request.
        Some(codes::INVALID_OTP) => match error.inner().and_then(|inner| inner.remaining_attempts) {
            Some(0) => CodeProblem::Locked { until: None },
            attempts_left => CodeProblem::Wrong { attempts_left },
        },
        Some(codes::OTP_EXPIRED) => CodeProblem::Expired,
        Some(codes::DEVICE_LOCKED) => {
            CodeProblem::Locked { until: error.inner().and_then(|inner| inner.lock_expires_at.clone()) }
        }
        Some(codes::INVALID_VALUE) if error.detail_target() == Some("otp") => CodeProblem::NotDigits,
        _ => CodeProblem::Failed(error),
    }
}

/// A server's refusal with one detail, as the flows' tests need it.
#[cfg(test)]
pub(crate) fn refused(detail: &str, target: &str, inner: Option<devices_api::InnerError>) -> ApiError {
    ApiError::Server {
        status: 400,
        body: devices_api::ErrorBody {
            id: "e".into(),
            code: "INVALID_DATA".into(),
            message: String::new(),
            details: vec![devices_api::ErrorDetail {
                code: detail.into(),
                target: Some(target.into()),
                message: String::new(),
                inner_error: inner,
            }],
        },
    }
}
