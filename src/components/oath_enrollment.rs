//! The hardware-token enrollment screen: it renders an [`OathFlow`] and reports the person's actions.

use yew::prelude::*;

use crate::components::field::Field;
use crate::components::focus::use_focus_on_screen;
use crate::components::refusal::{Refusal, code_refusal};
use crate::flows::oath::{OathAction, OathFlow, OathStep, SerialProblem};
use crate::i18n::{self, Messages};

#[derive(Properties, PartialEq)]
pub struct OathEnrollmentProps {
    pub flow: OathFlow,
    pub on_action: Callback<OathAction>,
    pub messages: &'static Messages,
    /// Makes the ids of this widget instance's fields unique on the page.
    pub id_prefix: AttrValue,
}

#[component]
pub fn OathEnrollment(props: &OathEnrollmentProps) -> Html {
    let messages = props.messages;
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
    let heading_id = format!("{}-oath-heading", props.id_prefix);
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
                    html! { <Refusal error={error.clone()} messages={messages} /> }
                }
                _ => Html::default(),
            };
            let on_change = {
                let on_action = props.on_action.clone();
                Callback::from(move |typed: String| on_action.emit(OathAction::SerialChanged(typed)))
            };
            html! {
                <form class="mfa-serial-form" onsubmit={submit(OathAction::SubmitSerial)} novalidate=true>
                    <Field id={format!("{}-serial", props.id_prefix)} name="serial" label={messages.serial_label()}
                        hint={messages.serial_hint()} value={typed.clone()} problem={problem.map(AttrValue::from)} inputmode="text"
                        autocomplete="off" readonly={creating} on_change={on_change} />
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
                    <Field id={format!("{}-code", props.id_prefix)} name="otp" label={messages.oath_code_label()}
                        hint={messages.oath_code_hint()} value={entry.code.clone()} problem={problem}
                        inputmode="numeric" autocomplete="one-time-code" readonly={busy} on_change={on_change} />
                    { code_refusal(entry.problem.as_ref(), messages) }
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
