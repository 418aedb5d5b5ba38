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

use devices_api::{Device, DeviceStatus, codes};

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

/// Whether a refusal of a code calls for reading the device back: a 400 that is not the documented request for a
/// hardware token's next code.
pub fn needs_device_read(refused: &ApiError) -> bool {
    refused.status() == Some(400) && refused.detail_code() != Some(codes::EXTRA_OTP_REQUIRED)
}

/// What a refused code means once the device is read back: activated after all (an earlier try whose answer was
/// lost, or PingOne refusing to activate an active device), locked (until when, if PingOne says), or the refusal as
/// it came.
pub fn after_refusal(refused: ApiError, device: Option<Device>) -> Result<Device, ApiError> {
    match device {
        Some(device) if device.status == DeviceStatus::Active => Ok(device),
        Some(device) if device.is_locked() => {
            Err(ApiError::DeviceLocked { until: device.lock.and_then(|lock| lock.expires_at) })
        }
        _ => Err(refused),
    }
}

/// What the server's refusal of a code means for the person. PingOne does not document how a wrong, spent or
/// locked code is refused: any 400 to a code is a code that is not right, with the tries left and the expiry only
/// when the server says them, and a lock learned from the device itself ([`after_refusal`]).
pub fn problem_of(error: ApiError) -> CodeProblem {
    let inner = error.inner();
    match (&error, error.detail_code()) {
        (ApiError::DeviceLocked { until }, _) => CodeProblem::Locked { until: until.clone() },
        (_, Some(codes::DEVICE_LOCKED)) => {
            CodeProblem::Locked { until: inner.and_then(|inner| inner.lock_expires_at.clone()) }
        }
        (_, Some(codes::OTP_EXPIRED)) => CodeProblem::Expired,
        (_, Some(codes::LIMIT_EXCEEDED)) => CodeProblem::Failed(error),
        // No tries left on a device that is not locked: the code is spent, and a new one is needed.
        _ if error.status() == Some(400) => match inner.and_then(|inner| inner.remaining_attempts) {
            Some(0) => CodeProblem::Expired,
            attempts_left => CodeProblem::Wrong { attempts_left },
        },
        _ => CodeProblem::Failed(error),
    }
}

/// What the server's refusal of a new code means: a lock (read from the device, or said by the server), or a
/// failure of the whole form; never a wrong code, since none was sent.
pub fn resend_problem(error: ApiError) -> CodeProblem {
    match problem_of(error.clone()) {
        locked @ CodeProblem::Locked { .. } => locked,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn device(status: &str, lock: serde_json::Value) -> Device {
        let device = serde_json::json!({ "id": "d", "type": "SMS", "status": status, "lock": lock });
        serde_json::from_value(device).expect("a device")
    }

    #[test]
    fn a_refused_code_means_what_the_device_read_back_shows() {
        let refused = || refused("INVALID_OTP", "otp", None);
        let active = device("ACTIVE", serde_json::json!({ "status": "UNLOCKED" }));
        assert_eq!(after_refusal(refused(), Some(active.clone())), Ok(active), "activated after all");
        let locked = device(
            "ACTIVATION_REQUIRED",
            serde_json::json!({ "status": "LOCKED", "expiresAt": "2026-12-01T10:00:00Z" }),
        );
        let until = Some("2026-12-01T10:00:00Z".to_owned());
        assert_eq!(after_refusal(refused(), Some(locked)), Err(ApiError::DeviceLocked { until }));
        let unlocked = device("ACTIVATION_REQUIRED", serde_json::json!({ "status": "UNLOCKED" }));
        assert_eq!(after_refusal(refused(), Some(unlocked)), Err(refused()));
        assert_eq!(after_refusal(refused(), None), Err(refused()), "gone, or the read failed");
    }

    #[test]
    fn a_refused_resend_is_a_lock_or_a_failure_never_a_wrong_code() {
        let refused = refused("INVALID_OTP", "otp", None);
        assert_eq!(resend_problem(refused.clone()), CodeProblem::Failed(refused));
        let until = Some("2026-12-01T10:00:00Z".to_owned());
        let locked = ApiError::DeviceLocked { until: until.clone() };
        assert_eq!(resend_problem(locked), CodeProblem::Locked { until });
    }

    #[test]
    fn any_refusal_of_a_code_is_a_wrong_code_and_only_what_the_server_says_is_added() {
        let bare = ApiError::Server {
            status: 400,
            body: devices_api::ErrorBody {
                id: "e".into(),
                code: "INVALID_REQUEST".into(),
                message: String::new(),
                details: vec![],
            },
        };
        for error in [refused("INVALID_OTP", "otp", None), refused("INVALID_VALUE", "otp", None), bare] {
            assert_eq!(problem_of(error), CodeProblem::Wrong { attempts_left: None });
        }
        let left = |n| Some(devices_api::InnerError { remaining_attempts: Some(n), ..Default::default() });
        assert_eq!(problem_of(refused("INVALID_OTP", "otp", left(2))), CodeProblem::Wrong { attempts_left: Some(2) });
        assert_eq!(problem_of(refused("INVALID_OTP", "otp", left(0))), CodeProblem::Expired, "spent, not locked");
        assert_eq!(problem_of(refused("OTP_EXPIRED", "otp", None)), CodeProblem::Expired);
        let limit = refused("LIMIT_EXCEEDED", "type", None);
        assert_eq!(problem_of(limit.clone()), CodeProblem::Failed(limit));
        assert_eq!(problem_of(ApiError::Status(502)), CodeProblem::Failed(ApiError::Status(502)));
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
