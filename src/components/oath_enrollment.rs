//! Adding a hardware OATH token: the host that runs an [`OathFlow`]'s requests, and the screen that renders it and
//! reports the person's actions.

use yew::prelude::*;

use crate::components::EnrollmentProps;
use crate::components::field::{Field, field};
use crate::components::focus::use_focus_on_screen;
use crate::components::refusal::{Refusal, code_refusal};
use crate::context::use_scope;
use crate::flows::oath::{OathAction, OathFlow, OathRequest, OathStep, SerialProblem};
use crate::hooks::{dispatcher_of, use_finished, use_requests};
use crate::i18n;

/// Runs the requests that an [`OathFlow`] waits for.
#[component]
pub fn AddHardwareToken(props: &EnrollmentProps) -> Html {
    let pending = props.pending.clone();
    let flow = use_reducer(move || pending.as_ref().map_or_else(OathFlow::default, OathFlow::resume));
    let client = props.client.clone();
    use_requests(&flow, flow.pending_request(), move |request| async move {
        match request {
            OathRequest::Create(request) => OathAction::Created(client.create_device(&request).await),
            OathRequest::Activate { device_id, otp, resync } => {
                let verified = client.activate_device(&device_id, &otp, resync).await;
                if resync && verified.is_ok() {
                    client.events.resynced(&device_id);
                }
                OathAction::Verified(verified)
            }
            OathRequest::Delete { device_id } => {
                // A device left behind shows in the list as not yet activated, with its remove button.
                client.delete_device(&device_id).await.ok();
                OathAction::Cancelled
            }
        }
    });
    use_finished(flow.finished(), props.on_finished.clone());
    let on_action = dispatcher_of(&flow);
    html! { <OathEnrollment flow={(*flow).clone()} on_action={on_action} /> }
}

#[derive(Properties, PartialEq)]
pub struct OathEnrollmentProps {
    pub flow: OathFlow,
    pub on_action: Callback<OathAction>,
}

#[component]
pub fn OathEnrollment(props: &OathEnrollmentProps) -> Html {
    let scope = use_scope().unwrap_or_default();
    let messages = scope.messages;
    let (heading_id, serial_id, code_id) = (scope.id("oath-heading"), scope.id("serial"), scope.id("code"));
    let emit = |action: OathAction| {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(action.clone()))
    };
    let submit = |action: OathAction| {
        let on_action = props.on_action.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_action.emit(action.clone());
        })
    };
    let screen = match props.flow.step {
        OathStep::EnterSerial { .. } | OathStep::Creating { .. } => 0,
        OathStep::AwaitingCode(_) | OathStep::Verifying(_) => 1,
        OathStep::Cancelling { .. } | OathStep::Finished(_) => 2,
    };
    let heading_ref = use_focus_on_screen(screen);
    let body = match &props.flow.step {
        OathStep::EnterSerial { typed, .. } | OathStep::Creating { typed } => {
            let creating = matches!(props.flow.step, OathStep::Creating { .. });
            let problem = match &props.flow.step {
                OathStep::EnterSerial { problem: Some(SerialProblem::Invalid), .. } => Some(messages.serial_invalid()),
                OathStep::EnterSerial { problem: Some(SerialProblem::Unknown), .. } => Some(messages.serial_unknown()),
                _ => None,
            };
            let refusal = match &props.flow.step {
                OathStep::EnterSerial { problem: Some(SerialProblem::Failed(error)), .. } => {
                    html! { <Refusal error={error.clone()} /> }
                }
                _ => Html::default(),
            };
            let on_change = {
                let on_action = props.on_action.clone();
                Callback::from(move |typed: String| on_action.emit(OathAction::SerialChanged(typed)))
            };
            html! {
                <form class="mfa-serial-form" onsubmit={submit(OathAction::SubmitSerial)} novalidate=true>
                    { field(Field {
                        id: &serial_id, name: "serial", label: messages.serial_label(), hint: messages.serial_hint(),
                        value: typed, problem: problem.map(AttrValue::from), input_type: "text", inputmode: "text",
                        autocomplete: "off", readonly: creating, on_change,
                    }) }
                    { refusal }
                    <div class="mfa-actions">
                        <button type="submit" disabled={creating}>{ messages.continue_label() }</button>
                        <button type="button" onclick={emit(OathAction::Cancel)} disabled={creating}>{ messages.cancel() }</button>
                    </div>
                </form>
            }
        }
        OathStep::AwaitingCode(entry) | OathStep::Verifying(entry) => {
            let busy = matches!(props.flow.step, OathStep::Verifying(_));
            let problem = entry
                .problem
                .as_ref()
                .and_then(|problem| i18n::code_problem(problem, messages.oath_code_wrong(), messages))
                .map(AttrValue::from);
            let on_change = {
                let on_action = props.on_action.clone();
                Callback::from(move |code: String| on_action.emit(OathAction::CodeChanged(code)))
            };
            html! {
                <form class="mfa-code-form" onsubmit={submit(OathAction::SubmitCode)} novalidate=true>
                    if entry.resyncing {
                        <p role="status" class="mfa-resync">{ messages.oath_next_code() }</p>
                    }
                    { field(Field {
                        id: &code_id, name: "otp", label: messages.oath_code_label(), hint: messages.oath_code_hint(),
                        value: &entry.code, problem, input_type: "text", inputmode: "numeric",
                        autocomplete: "one-time-code", readonly: busy, on_change,
                    }) }
                    { code_refusal(entry.problem.as_ref()) }
                    <div class="mfa-actions">
                        <button type="submit" disabled={busy}>{ if busy { messages.verifying() } else { messages.verify() } }</button>
                        <button type="button" onclick={emit(OathAction::Cancel)} disabled={busy}>{ messages.cancel() }</button>
                    </div>
                </form>
            }
        }
        OathStep::Cancelling { .. } => html! { <p role="status">{ messages.cancelling() }</p> },
        OathStep::Finished(_) => Html::default(),
    };
    html! {
        <section class="mfa-enroll-oath" aria-labelledby={heading_id.clone()}>
            <h2 id={heading_id} tabindex="-1" ref={heading_ref}>{ messages.oath_heading() }</h2>
            { body }
        </section>
    }
}
