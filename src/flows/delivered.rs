//! Adding a device whose pairing code is delivered: SMS, voice or email. The person gives a phone number or an
//! address, the server sends a code, the person types it; they may ask for a new code once a countdown ends.
//!
//! The reducer is pure. It checks the address before any request, and names the request its state waits for in
//! [`DeliveredFlow::pending_request`]; the view runs it. Cancelling deletes the device it created.

use std::rc::Rc;

use devices_api::{CreateDevice, Device, DeviceType, validate};
use yew::Reducible;

use super::{CodeProblem, check_code, digits_of, problem_of, resend_problem};
use crate::countries;
use crate::error::ApiError;

/// Delivered codes have 6 to 10 digits, as the environment's policy sets.
const CODE_LENGTHS: std::ops::RangeInclusive<usize> = 6..=10;
/// How long the person waits before a resend is offered, unless the server says otherwise.
pub const DEFAULT_RESEND_SECONDS: u32 = 30;

/// How the code reaches the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Voice,
    Email,
}

impl Channel {
    pub fn device_type(self) -> DeviceType {
        match self {
            Self::Sms => DeviceType::Sms,
            Self::Voice => DeviceType::Voice,
            Self::Email => DeviceType::Email,
        }
    }

    pub fn of(device_type: &DeviceType) -> Option<Self> {
        match device_type {
            DeviceType::Sms => Some(Self::Sms),
            DeviceType::Voice => Some(Self::Voice),
            DeviceType::Email => Some(Self::Email),
            _ => None,
        }
    }

    /// The phone number or address as it goes to the server, or why it cannot.
    fn address(self, entry: &AddressEntry) -> Result<String, AddressProblem> {
        let typed = entry.typed.trim();
        if typed.is_empty() {
            return Err(AddressProblem::Empty);
        }
        if self == Self::Voice && !entry.extension.is_empty() && !validate::is_extension(&entry.extension) {
            return Err(AddressProblem::BadExtension);
        }
        match self {
            Self::Sms | Self::Voice => validate::normalize_phone(&countries::international(typed, &entry.region))
                .ok_or(AddressProblem::Invalid),
            Self::Email => validate::is_email(typed).then(|| typed.to_owned()).ok_or(AddressProblem::Invalid),
        }
    }
}

/// What the flow shows and waits for.
// A flow holds one step at a time, so the size of its largest step costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveredStep {
    /// The person types a phone number or an address.
    EnterAddress(AddressEntry),
    /// Creating the device, which sends the first code.
    Creating(AddressEntry),
    AwaitingCode(CodeEntry),
    Verifying(CodeEntry),
    /// A new code is being sent.
    Resending(CodeEntry),
    /// The half-made device is being removed, because the person cancelled.
    Cancelling {
        device_id: String,
    },
    /// The flow is over; `Some` holds the device that is now active.
    Finished(Option<Device>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AddressEntry {
    pub typed: String,
    /// The region whose calling code a national number takes, such as `DE`.
    pub region: String,
    /// A voice call's extension; empty for none.
    pub extension: String,
    pub problem: Option<AddressProblem>,
}

/// Why a phone number or address was not sent, or was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum AddressProblem {
    Empty,
    /// Not a plausible international number, or not an email address.
    Invalid,
    /// A voice extension with something other than digits, `,`, `#` and `*`.
    BadExtension,
    /// The server refused it, or could not be reached.
    Refused(ApiError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CodeEntry {
    pub device_id: String,
    /// Where the code went, masked: `•••• 1234` or `a•••@example.com`.
    pub sent_to: String,
    pub code: String,
    pub problem: Option<CodeProblem>,
    /// Seconds until a resend is offered.
    pub resend_in: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DeliveredAction {
    AddressChanged(String),
    RegionChanged(String),
    ExtensionChanged(String),
    SubmitAddress,
    Created(Result<Device, ApiError>),
    CodeChanged(String),
    SubmitCode,
    Verified(Result<Device, ApiError>),
    Resend,
    Resent(Result<(), ApiError>),
    /// One second has passed.
    Tick,
    Cancel,
    Cancelled,
}

/// The request that a step waits for.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveredRequest {
    Create(CreateDevice),
    Activate { device_id: String, otp: String },
    Resend { device_id: String },
    Delete { device_id: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeliveredFlow {
    pub channel: Channel,
    pub step: DeliveredStep,
    resend_seconds: u32,
}

impl DeliveredFlow {
    /// A flow for `channel`, whose national numbers take `region`'s calling code until the person picks another.
    pub fn new(channel: Channel, resend_seconds: u32, region: String) -> Self {
        let entry = AddressEntry { region, ..AddressEntry::default() };
        Self { channel, step: DeliveredStep::EnterAddress(entry), resend_seconds }
    }

    /// A flow that finishes `device`, made earlier and still waiting for its code: a new code is sent first.
    pub fn resume(channel: Channel, resend_seconds: u32, device: &Device) -> Self {
        let entry = CodeEntry {
            sent_to: masked_destination(device).unwrap_or_default(),
            device_id: device.id.clone(),
            code: String::new(),
            problem: None,
            resend_in: 0,
        };
        Self { channel, step: DeliveredStep::Resending(entry), resend_seconds }
    }

    /// The flow's end, once reached: the activated device, or `None` when the person cancelled.
    pub fn finished(&self) -> Option<Option<Device>> {
        match &self.step {
            DeliveredStep::Finished(device) => Some(device.clone()),
            _ => None,
        }
    }

    pub fn pending_request(&self) -> Option<DeliveredRequest> {
        match &self.step {
            DeliveredStep::Creating(entry) => {
                let address = self.channel.address(entry).ok()?;
                let mut request = CreateDevice::of_type(self.channel.device_type());
                match self.channel {
                    Channel::Email => request.email = Some(address),
                    Channel::Sms | Channel::Voice => request.phone = Some(address),
                }
                if self.channel == Channel::Voice && !entry.extension.is_empty() {
                    request.extension = Some(entry.extension.clone());
                }
                Some(DeliveredRequest::Create(request))
            }
            DeliveredStep::Verifying(entry) => {
                Some(DeliveredRequest::Activate { device_id: entry.device_id.clone(), otp: digits_of(&entry.code) })
            }
            DeliveredStep::Resending(entry) => Some(DeliveredRequest::Resend { device_id: entry.device_id.clone() }),
            DeliveredStep::Cancelling { device_id } => Some(DeliveredRequest::Delete { device_id: device_id.clone() }),
            _ => None,
        }
    }

    /// Whether the countdown to a resend is running, so that the view keeps a timer only then.
    pub fn counting_down(&self) -> bool {
        matches!(&self.step, DeliveredStep::AwaitingCode(entry) if entry.resend_in > 0)
    }

    /// The next state after `action`; an action that does not fit the current step changes nothing.
    pub fn next(self, action: DeliveredAction) -> Self {
        use DeliveredAction as A;
        use DeliveredStep as S;
        let channel = self.channel;
        let step = match (self.step, action) {
            (S::EnterAddress(entry), A::AddressChanged(typed)) => {
                S::EnterAddress(AddressEntry { typed, problem: None, ..entry })
            }
            (S::EnterAddress(entry), A::RegionChanged(region)) => {
                S::EnterAddress(AddressEntry { region, problem: None, ..entry })
            }
            (S::EnterAddress(entry), A::ExtensionChanged(extension)) => {
                S::EnterAddress(AddressEntry { extension, problem: None, ..entry })
            }
            (S::EnterAddress(entry), A::SubmitAddress) => match channel.address(&entry) {
                Ok(_) => S::Creating(AddressEntry { problem: None, ..entry }),
                Err(problem) => S::EnterAddress(AddressEntry { problem: Some(problem), ..entry }),
            },
            (S::Creating(_), A::Created(Ok(device))) => S::AwaitingCode(CodeEntry {
                sent_to: masked_destination(&device).unwrap_or_default(),
                device_id: device.id,
                code: String::new(),
                problem: None,
                resend_in: self.resend_seconds,
            }),
            (S::Creating(entry), A::Created(Err(error))) => {
                S::EnterAddress(AddressEntry { problem: Some(address_problem(error)), ..entry })
            }
            (S::EnterAddress(_), A::Cancel) => S::Finished(None),
            (S::AwaitingCode(entry), A::CodeChanged(code)) => {
                S::AwaitingCode(CodeEntry { code, problem: None, ..entry })
            }
            (S::AwaitingCode(entry), A::SubmitCode) => match check_code(&entry.code, CODE_LENGTHS) {
                Ok(()) => S::Verifying(CodeEntry { problem: None, ..entry }),
                Err(problem) => S::AwaitingCode(CodeEntry { problem: Some(problem), ..entry }),
            },
            (S::Verifying(_), A::Verified(Ok(device))) => S::Finished(Some(device)),
            (S::Verifying(entry), A::Verified(Err(error))) => {
                S::AwaitingCode(CodeEntry { code: String::new(), problem: Some(problem_of(error)), ..entry })
            }
            (S::AwaitingCode(entry), A::Resend) if entry.resend_in == 0 => {
                S::Resending(CodeEntry { problem: None, ..entry })
            }
            (S::Resending(entry), A::Resent(Ok(()))) => {
                S::AwaitingCode(CodeEntry { code: String::new(), resend_in: self.resend_seconds, ..entry })
            }
            (S::Resending(entry), A::Resent(Err(error))) => {
                S::AwaitingCode(CodeEntry { problem: Some(resend_problem(error)), ..entry })
            }
            (S::AwaitingCode(entry), A::Tick) => {
                S::AwaitingCode(CodeEntry { resend_in: entry.resend_in.saturating_sub(1), ..entry })
            }
            (S::AwaitingCode(entry), A::Cancel) => S::Cancelling { device_id: entry.device_id },
            (S::Cancelling { .. }, A::Cancelled) => S::Finished(None),
            (step, _) => step,
        };
        Self { step, ..self }
    }
}

impl Reducible for DeliveredFlow {
    type Action = DeliveredAction;

    fn reduce(self: Rc<Self>, action: DeliveredAction) -> Rc<Self> {
        Rc::new((*self).clone().next(action))
    }
}

/// A refused create: the server's word on the field, or a failure to tell as it is.
fn address_problem(error: ApiError) -> AddressProblem {
    match error.detail_target() {
        Some("phone" | "email") => AddressProblem::Invalid,
        _ => AddressProblem::Refused(error),
    }
}

/// Where a device's codes go, shown without giving the whole number or address away on screen: `•••• 1234` or
/// `a•••@example.com`; `None` for devices with neither.
pub fn masked_destination(device: &Device) -> Option<String> {
    if let Some(phone) = &device.phone {
        let last: String = phone.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        return Some(format!("•••• {last}"));
    }
    let (local, domain) = device.email.as_deref()?.split_once('@')?;
    Some(format!("{}•••@{domain}", local.chars().next().unwrap_or('•')))
}

#[cfg(test)]
mod tests {
    use devices_api::DeviceStatus;

    use super::*;
    use crate::flows::refused;

    fn device(channel: Channel) -> Device {
        let mut device: Device = serde_json::from_value(serde_json::json!({
            "id": "1237625c-12f9-4ab1-8656-351142b6c100", "type": "SMS", "status": "ACTIVATION_REQUIRED"
        }))
        .expect("a device");
        device.device_type = channel.device_type();
        match channel {
            Channel::Email => device.email = Some("ada@example.com".into()),
            Channel::Sms | Channel::Voice => device.phone = Some("+15125201234".into()),
        }
        device
    }

    fn typed(channel: Channel, address: &str) -> DeliveredFlow {
        DeliveredFlow::new(channel, 30, String::new())
            .next(DeliveredAction::AddressChanged(address.into()))
            .next(DeliveredAction::SubmitAddress)
    }

    fn awaiting(channel: Channel) -> DeliveredFlow {
        typed(channel, "+1 (512) 520-1234").next(DeliveredAction::Created(Ok(device(channel))))
    }

    fn entry(flow: &DeliveredFlow) -> CodeEntry {
        match &flow.step {
            DeliveredStep::AwaitingCode(entry) => entry.clone(),
            other => panic!("expected AwaitingCode, got {other:?}"),
        }
    }

    #[test]
    fn a_pending_device_is_finished_with_a_new_code_and_nothing_new_is_made() {
        let pending = device(Channel::Sms);
        let flow = DeliveredFlow::resume(Channel::Sms, 30, &pending);
        assert_eq!(flow.pending_request(), Some(DeliveredRequest::Resend { device_id: pending.id.clone() }));
        let flow = flow.next(DeliveredAction::Resent(Ok(())));
        assert_eq!(entry(&flow).sent_to, "•••• 1234");
        assert_eq!(entry(&flow).resend_in, 30, "the countdown starts with the new code");
        let flow = flow.next(DeliveredAction::CodeChanged("123456".into())).next(DeliveredAction::SubmitCode);
        let activate = DeliveredRequest::Activate { device_id: pending.id.clone(), otp: "123456".into() };
        assert_eq!(flow.pending_request(), Some(activate));
    }

    #[test]
    fn a_phone_in_any_documented_form_is_sent_as_plus_and_digits() {
        let flow = typed(Channel::Sms, "+1 (512) 520-1234");
        let Some(DeliveredRequest::Create(request)) = flow.pending_request() else { panic!("{flow:?}") };
        assert_eq!((request.device_type, request.phone.as_deref()), (DeviceType::Sms, Some("+15125201234")));
        let voice = typed(Channel::Voice, "1-512-520-1234");
        let Some(DeliveredRequest::Create(request)) = voice.pending_request() else { panic!() };
        assert_eq!(request.phone.as_deref(), Some("+15125201234"));
    }

    #[test]
    fn a_national_number_takes_the_chosen_country_code() {
        let flow = DeliveredFlow::new(Channel::Sms, 30, "US".into())
            .next(DeliveredAction::RegionChanged("DE".into()))
            .next(DeliveredAction::AddressChanged("0151 2345 6789".into()))
            .next(DeliveredAction::SubmitAddress);
        let Some(DeliveredRequest::Create(request)) = flow.pending_request() else { panic!("{flow:?}") };
        assert_eq!(request.phone.as_deref(), Some("+4915123456789"));
    }

    #[test]
    fn a_voice_call_may_have_an_extension_which_is_checked_first() {
        let with = |extension: &str| {
            DeliveredFlow::new(Channel::Voice, 30, "US".into())
                .next(DeliveredAction::AddressChanged("512 520 1234".into()))
                .next(DeliveredAction::ExtensionChanged(extension.into()))
                .next(DeliveredAction::SubmitAddress)
        };
        let Some(DeliveredRequest::Create(request)) = with("1234#").pending_request() else { panic!() };
        assert_eq!((request.phone.as_deref(), request.extension.as_deref()), (Some("+15125201234"), Some("1234#")));
        let Some(DeliveredRequest::Create(request)) = with("").pending_request() else { panic!() };
        assert_eq!(request.extension, None);
        let refused = with("ext 12");
        assert!(
            matches!(&refused.step, DeliveredStep::EnterAddress(entry) if entry.problem == Some(AddressProblem::BadExtension))
        );
        assert_eq!(refused.pending_request(), None);
    }

    #[test]
    fn an_implausible_number_or_address_is_explained_before_any_request() {
        for (channel, address, problem) in [
            (Channel::Sms, "", AddressProblem::Empty),
            (Channel::Sms, "555-1234", AddressProblem::Invalid),
            (Channel::Voice, "call me", AddressProblem::Invalid),
            (Channel::Email, "ada@example", AddressProblem::Invalid),
        ] {
            let flow = typed(channel, address);
            assert_eq!(
                flow.step,
                DeliveredStep::EnterAddress(AddressEntry {
                    typed: address.into(),
                    problem: Some(problem),
                    ..AddressEntry::default()
                })
            );
            assert_eq!(flow.pending_request(), None);
        }
        let email = typed(Channel::Email, " ada@example.com ");
        let Some(DeliveredRequest::Create(request)) = email.pending_request() else { panic!() };
        assert_eq!(request.email.as_deref(), Some("ada@example.com"));
    }

    #[test]
    fn a_refused_address_returns_to_the_address_with_the_reason() {
        let flow = typed(Channel::Sms, "+15125201234").next(DeliveredAction::Created(Err(refused(
            "INVALID_VALUE",
            "phone",
            None,
        ))));
        assert!(matches!(
            flow.step,
            DeliveredStep::EnterAddress(AddressEntry { problem: Some(AddressProblem::Invalid), .. })
        ));
        let offline = typed(Channel::Sms, "+15125201234").next(DeliveredAction::Created(Err(ApiError::Network)));
        assert!(matches!(
            offline.step,
            DeliveredStep::EnterAddress(AddressEntry { problem: Some(AddressProblem::Refused(ApiError::Network)), .. })
        ));
    }

    #[test]
    fn the_destination_is_shown_masked() {
        assert_eq!(entry(&awaiting(Channel::Sms)).sent_to, "•••• 1234");
        let email = typed(Channel::Email, "ada@example.com").next(DeliveredAction::Created(Ok(device(Channel::Email))));
        assert_eq!(entry(&email).sent_to, "a•••@example.com");
    }

    #[test]
    fn codes_of_six_to_ten_digits_are_sent_and_others_explained() {
        let with = |code: &str| {
            awaiting(Channel::Sms).next(DeliveredAction::CodeChanged(code.into())).next(DeliveredAction::SubmitCode)
        };
        assert!(matches!(with("12345678").step, DeliveredStep::Verifying(_)));
        assert_eq!(
            with("123 456").pending_request(),
            Some(DeliveredRequest::Activate {
                device_id: "1237625c-12f9-4ab1-8656-351142b6c100".into(),
                otp: "123456".into()
            })
        );
        assert_eq!(entry(&with("12345")).problem, Some(CodeProblem::WrongLength));
        assert_eq!(entry(&with("12345678901")).problem, Some(CodeProblem::WrongLength));
        assert_eq!(entry(&with("12a456")).problem, Some(CodeProblem::NotDigits));
    }

    #[test]
    fn wrong_and_expired_codes_are_told_apart() {
        let verifying = awaiting(Channel::Sms)
            .next(DeliveredAction::CodeChanged("123456".into()))
            .next(DeliveredAction::SubmitCode);
        let wrong = verifying.clone().next(DeliveredAction::Verified(Err(refused("INVALID_OTP", "otp", None))));
        assert_eq!(entry(&wrong).problem, Some(CodeProblem::Wrong { attempts_left: None }));
        assert_eq!(entry(&wrong).code, "");
        let expired = verifying.next(DeliveredAction::Verified(Err(refused("OTP_EXPIRED", "otp", None))));
        assert_eq!(entry(&expired).problem, Some(CodeProblem::Expired));
    }

    #[test]
    fn a_resend_waits_for_the_countdown_then_restarts_it() {
        let flow = awaiting(Channel::Sms);
        assert_eq!(entry(&flow).resend_in, 30);
        assert!(flow.counting_down());
        assert_eq!(flow.clone().next(DeliveredAction::Resend), flow, "no resend before the countdown ends");
        let ready = (0..30).fold(flow, |flow, _| flow.next(DeliveredAction::Tick));
        assert_eq!(entry(&ready).resend_in, 0);
        assert!(!ready.counting_down());
        let resending = ready.next(DeliveredAction::Resend);
        assert_eq!(
            resending.pending_request(),
            Some(DeliveredRequest::Resend { device_id: "1237625c-12f9-4ab1-8656-351142b6c100".into() })
        );
        let resent = resending.next(DeliveredAction::Resent(Ok(())));
        assert_eq!(entry(&resent).resend_in, 30);
    }

    #[test]
    fn an_accepted_code_finishes_and_cancel_removes_the_half_made_device() {
        let mut active = device(Channel::Sms);
        active.status = DeviceStatus::Active;
        let done = awaiting(Channel::Sms)
            .next(DeliveredAction::CodeChanged("123456".into()))
            .next(DeliveredAction::SubmitCode)
            .next(DeliveredAction::Verified(Ok(active.clone())));
        assert_eq!(done.step, DeliveredStep::Finished(Some(active)));
        let cancelling = awaiting(Channel::Sms).next(DeliveredAction::Cancel);
        assert_eq!(
            cancelling.pending_request(),
            Some(DeliveredRequest::Delete { device_id: "1237625c-12f9-4ab1-8656-351142b6c100".into() })
        );
        assert_eq!(cancelling.next(DeliveredAction::Cancelled).step, DeliveredStep::Finished(None));
        let before_create = DeliveredFlow::new(Channel::Email, 30, String::new()).next(DeliveredAction::Cancel);
        assert_eq!(before_create.step, DeliveredStep::Finished(None), "nothing was created, nothing to remove");
    }
}
