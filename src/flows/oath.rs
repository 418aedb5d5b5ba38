//! Pairing a hardware OATH token: the person types its serial number, then the code it shows. When the token has
//! drifted, the server asks for the token's next code (`EXTRA_OTP_REQUIRED`), which the widget sends with
//! `oathResync: true`.
//!
//! The reducer is pure and names the request its state waits for in [`OathFlow::pending_request`].

use std::rc::Rc;

use devices_api::{CreateDevice, Device, DeviceType, codes, validate};
use yew::Reducible;

use super::{CodeProblem, check_code, digits_of, problem_of};
use crate::error::ApiError;

/// OATH tokens show 6 or 8 digits.
const CODE_LENGTHS: std::ops::RangeInclusive<usize> = 6..=8;

// A flow holds one step at a time, so the size of its largest step costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum OathStep {
    EnterSerial { typed: String, problem: Option<SerialProblem> },
    Creating { typed: String },
    AwaitingCode(OathCode),
    Verifying(OathCode),
    Cancelling { device_id: String },
    Finished(Option<Device>),
}

/// Why a serial number was not sent, or was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum SerialProblem {
    /// Not 1 to 64 letters, digits or hyphens.
    Invalid,
    /// The environment has no such token, or it is paired already.
    Unknown,
    Failed(ApiError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct OathCode {
    pub device_id: String,
    pub code: String,
    pub problem: Option<CodeProblem>,
    /// The token drifted: the code wanted now is the one after the last, sent with `oathResync`.
    pub resyncing: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OathAction {
    SerialChanged(String),
    SubmitSerial,
    Created(Result<Device, ApiError>),
    CodeChanged(String),
    SubmitCode,
    Verified(Result<Device, ApiError>),
    Cancel,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OathRequest {
    Create(CreateDevice),
    /// `resync` sends `oathResync: true`, which a drifted token needs.
    Activate {
        device_id: String,
        otp: String,
        resync: bool,
    },
    Delete {
        device_id: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct OathFlow {
    pub step: OathStep,
}

impl Default for OathFlow {
    fn default() -> Self {
        Self { step: OathStep::EnterSerial { typed: String::new(), problem: None } }
    }
}

impl OathFlow {
    /// A flow that finishes `device`, paired earlier and still waiting for the token's code.
    pub fn resume(device: &Device) -> Self {
        let code = OathCode { device_id: device.id.clone(), code: String::new(), problem: None, resyncing: false };
        Self { step: OathStep::AwaitingCode(code) }
    }

    /// The flow's end, once reached: the activated device, or `None` when the person cancelled.
    pub fn finished(&self) -> Option<Option<Device>> {
        match &self.step {
            OathStep::Finished(device) => Some(device.clone()),
            _ => None,
        }
    }

    pub fn pending_request(&self) -> Option<OathRequest> {
        match &self.step {
            OathStep::Creating { typed } => {
                let mut request = CreateDevice::of_type(DeviceType::OathToken);
                request.serial_number = Some(typed.trim().to_owned());
                Some(OathRequest::Create(request))
            }
            // Every try goes with `oathResync`: a token that has not drifted activates all the same, and one that
            // has is found in the wider window instead of counting a failure.
            OathStep::Verifying(entry) => Some(OathRequest::Activate {
                device_id: entry.device_id.clone(),
                otp: digits_of(&entry.code),
                resync: true,
            }),
            OathStep::Cancelling { device_id } => Some(OathRequest::Delete { device_id: device_id.clone() }),
            _ => None,
        }
    }

    pub fn next(self, action: OathAction) -> Self {
        use OathAction as A;
        use OathStep as S;
        let step = match (self.step, action) {
            (S::EnterSerial { .. }, A::SerialChanged(typed)) => S::EnterSerial { typed, problem: None },
            (S::EnterSerial { typed, .. }, A::SubmitSerial) => {
                if validate::is_serial_number(typed.trim()) {
                    S::Creating { typed }
                } else {
                    S::EnterSerial { typed, problem: Some(SerialProblem::Invalid) }
                }
            }
            (S::Creating { .. }, A::Created(Ok(device))) => {
                S::AwaitingCode(OathCode { device_id: device.id, code: String::new(), problem: None, resyncing: false })
            }
            (S::Creating { typed }, A::Created(Err(error))) => {
                let problem = match error.detail_target() {
                    Some("serialNumber") => SerialProblem::Unknown,
                    _ => SerialProblem::Failed(error),
                };
                S::EnterSerial { typed, problem: Some(problem) }
            }
            (S::EnterSerial { .. }, A::Cancel) => S::Finished(None),
            (S::AwaitingCode(entry), A::CodeChanged(code)) => {
                S::AwaitingCode(OathCode { code, problem: None, ..entry })
            }
            (S::AwaitingCode(entry), A::SubmitCode) => match check_code(&entry.code, CODE_LENGTHS) {
                Ok(()) => S::Verifying(OathCode { problem: None, ..entry }),
                Err(problem) => S::AwaitingCode(OathCode { problem: Some(problem), ..entry }),
            },
            (S::Verifying(_), A::Verified(Ok(device))) => S::Finished(Some(device)),
            (S::Verifying(entry), A::Verified(Err(error)))
                if error.detail_code() == Some(codes::EXTRA_OTP_REQUIRED) =>
            {
                S::AwaitingCode(OathCode { code: String::new(), problem: None, resyncing: true, ..entry })
            }
            (S::Verifying(entry), A::Verified(Err(error))) => S::AwaitingCode(OathCode {
                code: String::new(),
                problem: Some(problem_of(error)),
                resyncing: false,
                ..entry
            }),
            (S::AwaitingCode(entry), A::Cancel) => S::Cancelling { device_id: entry.device_id },
            (S::Cancelling { .. }, A::Cancelled) => S::Finished(None),
            (step, _) => step,
        };
        Self { step }
    }
}

impl Reducible for OathFlow {
    type Action = OathAction;

    fn reduce(self: Rc<Self>, action: OathAction) -> Rc<Self> {
        Rc::new((*self).clone().next(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::refused;

    const ID: &str = "4c34ad91-0ded-43e3-92f9-cd8210c5840d";

    fn device() -> Device {
        serde_json::from_value(serde_json::json!({ "id": ID, "type": "OATH_TOKEN", "status": "ACTIVATION_REQUIRED" }))
            .expect("device")
    }

    fn awaiting() -> OathFlow {
        OathFlow::default()
            .next(OathAction::SerialChanged(" DEMO-HOTP-0001 ".into()))
            .next(OathAction::SubmitSerial)
            .next(OathAction::Created(Ok(device())))
    }

    fn submitted(flow: OathFlow, code: &str) -> OathFlow {
        flow.next(OathAction::CodeChanged(code.into())).next(OathAction::SubmitCode)
    }

    #[test]
    fn a_pending_token_is_finished_with_its_code() {
        let flow = submitted(OathFlow::resume(&device()), "123456");
        let activate = OathRequest::Activate { device_id: ID.into(), otp: "123456".into(), resync: true };
        assert_eq!(flow.pending_request(), Some(activate));
    }

    #[test]
    fn the_serial_is_checked_then_sent_trimmed() {
        let bad = OathFlow::default().next(OathAction::SerialChanged("../x".into())).next(OathAction::SubmitSerial);
        assert_eq!(bad.step, OathStep::EnterSerial { typed: "../x".into(), problem: Some(SerialProblem::Invalid) });
        let sending = OathFlow::default()
            .next(OathAction::SerialChanged(" DEMO-HOTP-0001 ".into()))
            .next(OathAction::SubmitSerial);
        let Some(OathRequest::Create(request)) = sending.pending_request() else { panic!("{sending:?}") };
        assert_eq!(request.serial_number.as_deref(), Some("DEMO-HOTP-0001"));
        let unknown = sending.next(OathAction::Created(Err(refused("INVALID_VALUE", "serialNumber", None))));
        assert!(matches!(unknown.step, OathStep::EnterSerial { problem: Some(SerialProblem::Unknown), .. }));
    }

    #[test]
    fn six_or_eight_digit_codes_go_with_oath_resync() {
        assert_eq!(
            submitted(awaiting(), "12345678").pending_request(),
            Some(OathRequest::Activate { device_id: ID.into(), otp: "12345678".into(), resync: true })
        );
        let OathStep::AwaitingCode(entry) = submitted(awaiting(), "1234567890").step else { panic!() };
        assert_eq!(entry.problem, Some(CodeProblem::WrongLength));
    }

    #[test]
    fn a_drifted_token_asks_for_its_next_code_and_then_activates() {
        let asked =
            submitted(awaiting(), "123456").next(OathAction::Verified(Err(refused("EXTRA_OTP_REQUIRED", "otp", None))));
        let OathStep::AwaitingCode(entry) = &asked.step else { panic!("{asked:?}") };
        assert!(entry.resyncing && entry.problem.is_none() && entry.code.is_empty());
        let next = submitted(asked, "654321");
        assert_eq!(
            next.pending_request(),
            Some(OathRequest::Activate { device_id: ID.into(), otp: "654321".into(), resync: true })
        );
        let done = next.next(OathAction::Verified(Ok(device())));
        assert!(matches!(done.step, OathStep::Finished(Some(_))));
    }

    #[test]
    fn a_wrong_code_is_explained_and_cancel_removes_the_device() {
        let wrong =
            submitted(awaiting(), "123456").next(OathAction::Verified(Err(refused("INVALID_OTP", "otp", None))));
        let OathStep::AwaitingCode(entry) = &wrong.step else { panic!() };
        assert_eq!(entry.problem, Some(CodeProblem::Wrong { attempts_left: None }));
        let cancelling = wrong.next(OathAction::Cancel);
        assert_eq!(cancelling.pending_request(), Some(OathRequest::Delete { device_id: ID.into() }));
    }
}
