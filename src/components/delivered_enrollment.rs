//! The SMS, voice and email enrollment screen: it renders a [`DeliveredFlow`] and reports the person's actions.

use yew::prelude::*;

use crate::components::field::Field;
use crate::components::focus::use_focus_on_screen;
use crate::flows::delivered::{AddressProblem, Channel, DeliveredAction, DeliveredFlow, DeliveredStep};
use crate::i18n::{self, Messages};

#[derive(Properties, PartialEq)]
pub struct DeliveredEnrollmentProps {
    pub flow: DeliveredFlow,
    pub on_action: Callback<DeliveredAction>,
    pub messages: &'static Messages,
    /// Makes the ids of this widget instance's fields unique on the page.
    pub id_prefix: AttrValue,
}

#[component]
pub fn DeliveredEnrollment(props: &DeliveredEnrollmentProps) -> Html {
    let messages = props.messages;
    let channel = props.flow.channel;
    let emit = |action: DeliveredAction| {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(action.clone()))
    };
    let submit = |action: DeliveredAction| {
        let on_action = props.on_action.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_action.emit(action.clone());
        })
    };
    let heading = match channel {
        Channel::Sms => messages.sms_heading,
        Channel::Voice => messages.voice_heading,
        Channel::Email => messages.email_heading,
    };
    let heading_id = format!("{}-delivered-heading", props.id_prefix);
    let screen = match props.flow.step {
        DeliveredStep::EnterAddress(_) | DeliveredStep::Creating(_) => 0,
        DeliveredStep::AwaitingCode(_) | DeliveredStep::Verifying(_) | DeliveredStep::Resending(_) => 1,
        DeliveredStep::Cancelling { .. } | DeliveredStep::Finished(_) => 2,
    };
    let heading_ref = use_focus_on_screen(screen);
    let body = match &props.flow.step {
        DeliveredStep::EnterAddress(entry) | DeliveredStep::Creating(entry) => {
            let creating = matches!(props.flow.step, DeliveredStep::Creating(_));
            let (label, hint, input_type, inputmode, autocomplete) = match channel {
                Channel::Email => (messages.email_label, messages.email_hint, "email", "email", "email"),
                Channel::Sms | Channel::Voice => (messages.phone_label, messages.phone_hint, "tel", "tel", "tel"),
            };
            let problem = entry.problem.as_ref().map(|problem| match (problem, channel) {
                (AddressProblem::Empty, Channel::Email) => messages.email_empty.to_owned(),
                (AddressProblem::Empty, _) => messages.phone_empty.to_owned(),
                (AddressProblem::Invalid, Channel::Email) => messages.email_invalid.to_owned(),
                (AddressProblem::Invalid, _) => messages.phone_invalid.to_owned(),
                (AddressProblem::Refused(error), _) => i18n::describe(error, messages).to_owned(),
            });
            let on_change = {
                let on_action = props.on_action.clone();
                Callback::from(move |typed: String| on_action.emit(DeliveredAction::AddressChanged(typed)))
            };
            html! {
                <form class="mfa-address-form" onsubmit={submit(DeliveredAction::SubmitAddress)} novalidate=true>
                    <Field id={format!("{}-address", props.id_prefix)} name="address" label={label} hint={hint}
                        value={entry.typed.clone()} problem={problem.map(AttrValue::from)} input_type={input_type}
                        inputmode={inputmode} autocomplete={autocomplete} readonly={creating} on_change={on_change} />
                    <div class="mfa-actions">
                        <button type="submit" disabled={creating}>
                            { if creating { messages.sending_code } else { messages.send_code } }
                        </button>
                        <button type="button" onclick={emit(DeliveredAction::Cancel)} disabled={creating}>
                            { messages.cancel }
                        </button>
                    </div>
                </form>
            }
        }
        DeliveredStep::AwaitingCode(entry) | DeliveredStep::Verifying(entry) | DeliveredStep::Resending(entry) => {
            let busy = !matches!(props.flow.step, DeliveredStep::AwaitingCode(_));
            let problem = entry
                .problem
                .as_ref()
                .map(|problem| AttrValue::from(i18n::code_problem(problem, messages.delivered_code_wrong, messages)));
            let on_change = {
                let on_action = props.on_action.clone();
                Callback::from(move |code: String| on_action.emit(DeliveredAction::CodeChanged(code)))
            };
            let countdown = if entry.resend_in > 0 { (messages.resend_in)(entry.resend_in) } else { String::new() };
            html! {
                <form class="mfa-code-form" onsubmit={submit(DeliveredAction::SubmitCode)} novalidate=true>
                    <p role="status"><bdi>{ (messages.code_sent_to)(&entry.sent_to) }</bdi></p>
                    <Field id={format!("{}-code", props.id_prefix)} name="otp" label={messages.delivered_code_label}
                        hint={messages.delivered_code_hint} value={entry.code.clone()} problem={problem}
                        inputmode="numeric" autocomplete="one-time-code" readonly={busy} on_change={on_change} />
                    <div class="mfa-actions">
                        <button type="submit" disabled={busy}>
                            { if busy { messages.verifying } else { messages.verify } }
                        </button>
                        <button type="button" onclick={emit(DeliveredAction::Resend)} disabled={busy || entry.resend_in > 0}>
                            { messages.resend }
                        </button>
                        <button type="button" onclick={emit(DeliveredAction::Cancel)} disabled={busy}>{ messages.cancel }</button>
                    </div>
                    <p class="mfa-hint mfa-countdown">{ countdown }</p>
                </form>
            }
        }
        DeliveredStep::Cancelling { .. } => html! { <p role="status">{ messages.cancelling }</p> },
        DeliveredStep::Finished(_) => Html::default(),
    };
    html! {
        <section class="mfa-enroll-delivered" aria-labelledby={heading_id.clone()}>
            <h2 id={heading_id} tabindex="-1" ref={heading_ref}>{ heading }</h2>
            { body }
        </section>
    }
}
