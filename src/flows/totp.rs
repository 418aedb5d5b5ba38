//! Adding an authenticator app: create a TOTP device, show its QR code and secret, check the person's first code.
//!
//! The reducer is pure, so every path, errors included, is unit-tested natively. It never runs a request: it names
//! the one its state waits for in [`TotpFlow::pending_request`].

use std::rc::Rc;

use devices_api::Device;
use yew::Reducible;

use super::{CodeProblem, digits_of, problem_of};
use crate::error::ApiError;

/// The digits in an authenticator app's code: Google's key-URI default, which PingOne's URIs rely on.
pub const CODE_DIGITS: usize = 6;

/// What the flow shows and waits for.
// A flow holds one step at a time, so the size of its largest step costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum TotpStep {
    /// Creating the device.
    Creating,
    /// The device could not be created; the person may try again.
    CreateFailed(ApiError),
    /// The QR code and secret are shown; the person types the first code.
    AwaitingCode(CodeEntry),
    /// The typed code is being checked.
    Verifying(CodeEntry),
    /// The half-made device is being removed, because the person cancelled.
    Cancelling { device_id: String },
    /// The flow is over; `Some` holds the device that is now active.
    Finished(Option<Device>),
}

/// The enrollment in progress and what the person has typed.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeEntry {
    pub enrollment: Enrollment,
    pub code: String,
    pub problem: Option<CodeProblem>,
}

/// What the server returned on create, which the person needs to set up the app.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrollment {
    pub device_id: String,
    pub secret: String,
    pub key_uri: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TotpAction {
    /// The create request answered.
    Created(Result<Device, ApiError>),
    /// Create again, after a failure.
    Retry,
    CodeChanged(String),
    Submit,
    /// The activate request answered.
    Verified(Result<Device, ApiError>),
    Cancel,
    /// The delete request of a cancelled enrollment answered; its outcome changes nothing for the person.
    Cancelled,
}

/// The request that a step waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TotpRequest {
    Create,
    Activate { device_id: String, otp: String },
    Delete { device_id: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TotpFlow {
    pub step: TotpStep,
}

impl Default for TotpFlow {
    fn default() -> Self {
        Self { step: TotpStep::Creating }
    }
}

impl TotpFlow {
    /// The flow's end, once reached: the activated device, or `None` when the person cancelled.
    pub fn finished(&self) -> Option<Option<Device>> {
        match &self.step {
            TotpStep::Finished(device) => Some(device.clone()),
            _ => None,
        }
    }

    pub fn pending_request(&self) -> Option<TotpRequest> {
        match &self.step {
            TotpStep::Creating => Some(TotpRequest::Create),
            TotpStep::Verifying(entry) => Some(TotpRequest::Activate {
                device_id: entry.enrollment.device_id.clone(),
                otp: digits_of(&entry.code),
            }),
            TotpStep::Cancelling { device_id } => Some(TotpRequest::Delete { device_id: device_id.clone() }),
            TotpStep::CreateFailed(_) | TotpStep::AwaitingCode(_) | TotpStep::Finished(_) => None,
        }
    }

    /// The next state after `action`; an action that does not fit the current step changes nothing.
    pub fn next(self, action: TotpAction) -> Self {
        use TotpAction as A;
        use TotpStep as S;
        let step = match (self.step, action) {
            (S::Creating, A::Created(Ok(device))) => match enrollment_of(device) {
                Some(enrollment) => S::AwaitingCode(CodeEntry { enrollment, code: String::new(), problem: None }),
                None => S::CreateFailed(ApiError::Unreadable),
            },
            (S::Creating, A::Created(Err(error))) => S::CreateFailed(error),
            (S::CreateFailed(_), A::Retry) => S::Creating,
            (S::CreateFailed(_), A::Cancel) => S::Finished(None),
            (S::AwaitingCode(entry), A::CodeChanged(code)) => {
                S::AwaitingCode(CodeEntry { code, problem: None, ..entry })
            }
            (S::AwaitingCode(entry), A::Submit) => match check_code(&entry.code) {
                Ok(()) => S::Verifying(CodeEntry { problem: None, ..entry }),
                Err(problem) => S::AwaitingCode(CodeEntry { problem: Some(problem), ..entry }),
            },
            (S::Verifying(_), A::Verified(Ok(device))) => S::Finished(Some(device)),
            (S::Verifying(entry), A::Verified(Err(error))) => {
                S::AwaitingCode(CodeEntry { code: String::new(), problem: Some(problem_of(error)), ..entry })
            }
            (S::AwaitingCode(entry), A::Cancel) => S::Cancelling { device_id: entry.enrollment.device_id },
            (S::Cancelling { .. }, A::Cancelled) => S::Finished(None),
            (step, _) => step,
        };
        Self { step }
    }
}

impl Reducible for TotpFlow {
    type Action = TotpAction;

    fn reduce(self: Rc<Self>, action: TotpAction) -> Rc<Self> {
        Rc::new((*self).clone().next(action))
    }
}

fn check_code(code: &str) -> Result<(), CodeProblem> {
    super::check_code(code, CODE_DIGITS..=CODE_DIGITS)
}

fn enrollment_of(device: Device) -> Option<Enrollment> {
    Some(Enrollment { device_id: device.id, secret: device.secret?, key_uri: device.key_uri? })
}

/// The key URI with `issuer` as the name that authenticator apps show: Key URI Format puts it both before the
/// account in the label and in the `issuer` parameter. The secret is untouched, so the codes stay the same.
pub fn with_issuer(key_uri: &str, issuer: &str) -> String {
    let Some((label, query)) = key_uri.strip_prefix("otpauth://totp/").and_then(|rest| rest.split_once('?')) else {
        return key_uri.to_owned();
    };
    // The account follows the last `:` of the label, or its percent-encoded `%3A`.
    let after_colon = label.rsplit_once(':').map(|(_, account)| account);
    let after_encoded =
        || label.rmatch_indices('%').find(|(at, _)| label[*at..].starts_with("%3A")).map(|(at, _)| &label[at + 3..]);
    let account = after_colon.or_else(after_encoded).unwrap_or(label);
    let parameters = query.split('&').filter(|parameter| !parameter.starts_with("issuer="));
    let issuer = percent_encode(issuer);
    let query = parameters.chain([format!("issuer={issuer}").as_str()]).collect::<Vec<_>>().join("&");
    format!("otpauth://totp/{issuer}:{account}?{query}")
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_issuer_names_the_account_in_the_label_and_the_parameter() {
        use super::with_issuer;
        let uri = "otpauth://totp/ada%40example.com?secret=GEZDGNBV";
        assert_eq!(
            with_issuer(uri, "Acme Bank"),
            "otpauth://totp/Acme%20Bank:ada%40example.com?secret=GEZDGNBV&issuer=Acme%20Bank"
        );
        let labelled = "otpauth://totp/Old:ada?issuer=Old&secret=GEZDGNBV&digits=6";
        assert_eq!(
            with_issuer(labelled, "Néo"),
            "otpauth://totp/N%C3%A9o:ada?secret=GEZDGNBV&digits=6&issuer=N%C3%A9o"
        );
        assert_eq!(with_issuer("not a key uri", "Acme"), "not a key uri");
    }

    use devices_api::{DeviceStatus, DeviceType, InnerError};

    use super::*;
    use crate::flows::refused;

    fn created() -> Device {
        serde_json::from_value(serde_json::json!({
            "id": "1c41a471-3195-4edf-90fd-f9283028ab1a", "type": "TOTP", "status": "ACTIVATION_REQUIRED",
            "secret": "D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35",
            "keyUri": "otpauth://totp/demo@example.com?secret=D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35"
        }))
        .expect("device")
    }

    fn awaiting() -> TotpFlow {
        TotpFlow::default().next(TotpAction::Created(Ok(created())))
    }

    fn typed(code: &str) -> TotpFlow {
        awaiting().next(TotpAction::CodeChanged(code.into())).next(TotpAction::Submit)
    }

    fn problem(flow: &TotpFlow) -> Option<CodeProblem> {
        match &flow.step {
            TotpStep::AwaitingCode(entry) => entry.problem.clone(),
            other => panic!("expected AwaitingCode, got {other:?}"),
        }
    }

    #[test]
    fn starts_by_creating_and_shows_the_secret_once_created() {
        assert_eq!(TotpFlow::default().pending_request(), Some(TotpRequest::Create));
        let flow = awaiting();
        let TotpStep::AwaitingCode(entry) = &flow.step else { panic!("{flow:?}") };
        assert_eq!(entry.enrollment.secret, "D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35");
        assert!(entry.enrollment.key_uri.starts_with("otpauth://totp/"));
        assert_eq!(flow.pending_request(), None);
    }

    #[test]
    fn a_create_without_secret_or_failing_can_be_retried() {
        let mut no_secret = created();
        no_secret.secret = None;
        let flow = TotpFlow::default().next(TotpAction::Created(Ok(no_secret)));
        assert_eq!(flow.step, TotpStep::CreateFailed(ApiError::Unreadable));
        let flow = TotpFlow::default().next(TotpAction::Created(Err(ApiError::Network)));
        assert_eq!(flow.step, TotpStep::CreateFailed(ApiError::Network));
        assert_eq!(flow.next(TotpAction::Retry).pending_request(), Some(TotpRequest::Create));
    }

    #[test]
    fn letters_and_wrong_lengths_are_refused_before_any_request() {
        assert_eq!(problem(&typed("12a456")), Some(CodeProblem::NotDigits));
        assert_eq!(problem(&typed("12345")), Some(CodeProblem::WrongLength));
        assert_eq!(problem(&typed("1234567")), Some(CodeProblem::WrongLength));
        assert_eq!(problem(&typed("")), Some(CodeProblem::WrongLength));
        assert_eq!(typed("12345").pending_request(), None);
    }

    #[test]
    fn a_valid_code_is_sent_without_its_spaces() {
        let flow = typed(" 123 456 ");
        assert_eq!(
            flow.pending_request(),
            Some(TotpRequest::Activate {
                device_id: "1c41a471-3195-4edf-90fd-f9283028ab1a".into(),
                otp: "123456".into()
            })
        );
    }

    #[test]
    fn a_wrong_code_clears_the_field_and_says_how_many_tries_are_left() {
        let flow = typed("123456").next(TotpAction::Verified(Err(refused(
            "INVALID_OTP",
            "otp",
            Some(InnerError { remaining_attempts: Some(2), ..InnerError::default() }),
        ))));
        assert_eq!(problem(&flow), Some(CodeProblem::Wrong { attempts_left: Some(2) }));
        let TotpStep::AwaitingCode(entry) = &flow.step else { panic!() };
        assert_eq!(entry.code, "");
        let retyped = flow.next(TotpAction::CodeChanged("654321".into()));
        assert_eq!(problem(&retyped), None);
        assert!(matches!(retyped.next(TotpAction::Submit).step, TotpStep::Verifying(_)));
    }

    #[test]
    fn a_lock_read_from_the_device_is_said_as_a_lock() {
        let until = Some("2026-11-23T07:00:00.000Z".to_owned());
        let flow = typed("123456").next(TotpAction::Verified(Err(ApiError::DeviceLocked { until: until.clone() })));
        assert_eq!(problem(&flow), Some(CodeProblem::Locked { until }));
    }

    #[test]
    fn a_locked_device_and_other_failures_are_told_apart() {
        let locked = typed("123456").next(TotpAction::Verified(Err(refused(
            "DEVICE_LOCKED",
            "otp",
            Some(InnerError { lock_expires_at: Some("2026-11-23T07:00:00.000Z".into()), ..InnerError::default() }),
        ))));
        assert_eq!(problem(&locked), Some(CodeProblem::Locked { until: Some("2026-11-23T07:00:00.000Z".into()) }));
        let offline = typed("123456").next(TotpAction::Verified(Err(ApiError::Network)));
        assert_eq!(problem(&offline), Some(CodeProblem::Failed(ApiError::Network)));
    }

    #[test]
    fn an_accepted_code_finishes_with_the_active_device() {
        let mut active = created();
        active.status = DeviceStatus::Active;
        let flow = typed("123456").next(TotpAction::Verified(Ok(active.clone())));
        assert_eq!(flow.step, TotpStep::Finished(Some(active)));
        assert_eq!(flow.pending_request(), None);
        assert_eq!(created().device_type, DeviceType::Totp);
    }

    #[test]
    fn cancelling_removes_the_half_made_device() {
        let flow = awaiting().next(TotpAction::Cancel);
        assert_eq!(
            flow.pending_request(),
            Some(TotpRequest::Delete { device_id: "1c41a471-3195-4edf-90fd-f9283028ab1a".into() })
        );
        assert_eq!(flow.next(TotpAction::Cancelled).step, TotpStep::Finished(None));
    }

    #[test]
    fn actions_that_do_not_fit_the_step_change_nothing() {
        let verifying = typed("123456");
        assert_eq!(verifying.clone().next(TotpAction::Submit), verifying);
        assert_eq!(verifying.clone().next(TotpAction::Cancel), verifying);
        assert_eq!(TotpFlow::default().next(TotpAction::Submit), TotpFlow::default());
    }
}
