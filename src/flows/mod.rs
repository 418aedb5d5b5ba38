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

/// Properties of every flow's reducer, over random sequences of what a person and the server may do: no sequence
/// panics, and none leaves the person in a state without a way out (answering what the state waits for, then
/// cancelling, always ends the flow).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use devices_api::Device;
    use proptest::prelude::*;

    use super::delivered::{Channel, DeliveredAction as D, DeliveredFlow, DeliveredRequest};
    use super::oath::{OathAction as O, OathFlow, OathRequest};
    use super::totp::{TotpAction as T, TotpFlow, TotpRequest};
    use crate::error::ApiError;

    fn device(kind: &str, status: &str) -> Device {
        let device = serde_json::json!({
            "id": "1237625c-12f9-4ab1-8656-351142b6c100", "type": kind, "status": status,
            "phone": "+15125201234", "email": "ada@example.com", "serialNumber": "DEMO-HOTP-0001",
            "secret": "D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35",
            "keyUri": "otpauth://totp/ada?secret=D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35"
        });
        serde_json::from_value(device).expect("a device")
    }

    /// What the server may answer: a device in either state, or one of the refusals the flows tell apart.
    fn answer() -> impl Strategy<Value = Result<Device, ApiError>> {
        let refused = |detail: &'static str| super::refused(detail, "otp", None);
        prop_oneof![
            Just(Ok(device("SMS", "ACTIVATION_REQUIRED"))),
            Just(Ok(device("TOTP", "ACTIVATION_REQUIRED"))),
            Just(Ok(device("OATH_TOKEN", "ACTIVE"))),
            Just(Err(ApiError::Network)),
            Just(Err(ApiError::TooMany { retry_after: Some(3) })),
            Just(Err(refused("INVALID_OTP"))),
            Just(Err(refused("OTP_EXPIRED"))),
            Just(Err(refused("DEVICE_LOCKED"))),
            Just(Err(refused("EXTRA_OTP_REQUIRED"))),
        ]
    }

    fn typed() -> impl Strategy<Value = String> {
        prop_oneof![Just("123456".to_owned()), Just("+1 512 520 1234".to_owned()), any::<String>()]
    }

    fn delivered_action() -> impl Strategy<Value = D> {
        prop_oneof![
            typed().prop_map(D::AddressChanged),
            "[A-Z]{2}".prop_map(D::RegionChanged),
            typed().prop_map(D::ExtensionChanged),
            Just(D::SubmitAddress),
            answer().prop_map(D::Created),
            typed().prop_map(D::CodeChanged),
            Just(D::SubmitCode),
            answer().prop_map(D::Verified),
            Just(D::Resend),
            prop_oneof![Just(Ok(())), Just(Err(ApiError::Network))].prop_map(D::Resent),
            Just(D::Tick),
            Just(D::Cancel),
            Just(D::Cancelled),
        ]
    }

    fn totp_action() -> impl Strategy<Value = T> {
        prop_oneof![
            answer().prop_map(T::Created),
            Just(T::Retry),
            typed().prop_map(T::CodeChanged),
            Just(T::Submit),
            answer().prop_map(T::Verified),
            Just(T::Cancel),
            Just(T::Cancelled),
        ]
    }

    fn oath_action() -> impl Strategy<Value = O> {
        prop_oneof![
            prop_oneof![Just("DEMO-HOTP-0001".to_owned()), any::<String>()].prop_map(O::SerialChanged),
            Just(O::SubmitSerial),
            answer().prop_map(O::Created),
            typed().prop_map(O::CodeChanged),
            Just(O::SubmitCode),
            answer().prop_map(O::Verified),
            Just(O::Cancel),
            Just(O::Cancelled),
        ]
    }

    /// Up to `steps` of: answer what the state waits for with a failure, or cancel when it waits for nothing.
    fn way_out<F>(mut flow: F, steps: usize, finished: impl Fn(&F) -> bool, step: impl Fn(F) -> F) -> bool {
        for _ in 0..steps {
            if finished(&flow) {
                return true;
            }
            flow = step(flow);
        }
        finished(&flow)
    }

    proptest! {
        #[test]
        fn a_delivered_flow_always_has_a_way_out(
            channel in prop_oneof![Just(Channel::Sms), Just(Channel::Voice), Just(Channel::Email)],
            actions in prop::collection::vec(delivered_action(), 0..40),
        ) {
            let flow = actions.into_iter().fold(DeliveredFlow::new(channel, 30, "US".into()), DeliveredFlow::next);
            let out = way_out(flow, 6, |flow| flow.finished().is_some(), |flow| match flow.pending_request() {
                Some(DeliveredRequest::Create(_)) => flow.next(D::Created(Err(ApiError::Network))),
                Some(DeliveredRequest::Activate { .. }) => flow.next(D::Verified(Err(ApiError::Network))),
                Some(DeliveredRequest::Resend { .. }) => flow.next(D::Resent(Err(ApiError::Network))),
                Some(DeliveredRequest::Delete { .. }) => flow.next(D::Cancelled),
                None => flow.next(D::Cancel),
            });
            prop_assert!(out);
        }

        #[test]
        fn an_authenticator_app_flow_always_has_a_way_out(actions in prop::collection::vec(totp_action(), 0..40)) {
            let flow = actions.into_iter().fold(TotpFlow::default(), TotpFlow::next);
            let out = way_out(flow, 6, |flow| flow.finished().is_some(), |flow| match flow.pending_request() {
                Some(TotpRequest::Create) => flow.next(T::Created(Err(ApiError::Network))),
                Some(TotpRequest::Activate { .. }) => flow.next(T::Verified(Err(ApiError::Network))),
                Some(TotpRequest::Delete { .. }) => flow.next(T::Cancelled),
                None => flow.next(T::Cancel),
            });
            prop_assert!(out);
        }

        #[test]
        fn a_hardware_token_flow_always_has_a_way_out(actions in prop::collection::vec(oath_action(), 0..40)) {
            let flow = actions.into_iter().fold(OathFlow::default(), OathFlow::next);
            let out = way_out(flow, 6, |flow| flow.finished().is_some(), |flow| match flow.pending_request() {
                Some(OathRequest::Create(_)) => flow.next(O::Created(Err(ApiError::Network))),
                Some(OathRequest::Activate { .. }) => flow.next(O::Verified(Err(ApiError::Network))),
                Some(OathRequest::Delete { .. }) => flow.next(O::Cancelled),
                None => flow.next(O::Cancel),
            });
            prop_assert!(out);
        }
    }
}
