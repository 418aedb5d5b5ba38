//! Adding a device whose code is delivered (SMS, voice or email): the host that runs a [`DeliveredFlow`]'s
//! requests and its resend countdown's clock, and the screen that renders it and reports the person's actions.

use yew::prelude::*;

use crate::components::EnrollmentProps;
use crate::components::field::{Field, field};
use crate::components::focus::use_focus_on_screen;
use crate::components::refusal::{Refusal, code_refusal};
use crate::context::use_scope;
use crate::countries;
use crate::flows::delivered::{
    AddressProblem, Channel, DeliveredAction, DeliveredFlow, DeliveredRequest, DeliveredStep,
};
use crate::hooks::{dispatcher_of, use_finished, use_requests, use_ticker};
use crate::i18n;

/// Runs the requests that a [`DeliveredFlow`] waits for, and its resend countdown's clock.
#[component]
pub fn AddDelivered(props: &EnrollmentProps) -> Html {
    let channel = Channel::of(&props.device_type).unwrap_or(Channel::Sms);
    let (settings, pending) = (props.settings.clone(), props.pending.clone());
    // The region is worked out once, when the flow starts, not at every render of the widget.
    let flow = use_reducer(move || match &pending {
        Some(device) => DeliveredFlow::resume(channel, settings.resend_seconds, device),
        None => DeliveredFlow::new(channel, settings.resend_seconds, countries::region_of(&settings.locale)),
    });
    let client = props.client.clone();
    use_requests(&flow, flow.pending_request(), move |request| async move {
        match request {
            DeliveredRequest::Create(request) => {
                let created = client.create_device(&request).await;
                if let Ok(device) = &created {
                    client.events.activation_sent(&device.id, &device.device_type);
                }
                DeliveredAction::Created(created)
            }
            DeliveredRequest::Activate { device_id, otp } => {
                DeliveredAction::Verified(client.activate_device(&device_id, &otp, false).await)
            }
            DeliveredRequest::Resend { device_id } => {
                let resent = client.resend_code(&device_id).await;
                if resent.is_ok() {
                    client.events.activation_sent(&device_id, &channel.device_type());
                }
                DeliveredAction::Resent(resent)
            }
            DeliveredRequest::Delete { device_id } => {
                // A device left behind shows in the list as not yet activated, with its remove button.
                client.delete_device(&device_id).await.ok();
                DeliveredAction::Cancelled
            }
        }
    });
    let on_action = dispatcher_of(&flow);
    use_ticker(flow.counting_down(), on_action.reform(|()| DeliveredAction::Tick));
    use_finished(flow.finished(), props.on_finished.clone());
    html! {
        <DeliveredEnrollment flow={(*flow).clone()} on_action={on_action} extensions={props.settings.extensions} />
    }
}

#[derive(Properties, PartialEq)]
pub struct DeliveredEnrollmentProps {
    pub flow: DeliveredFlow,
    pub on_action: Callback<DeliveredAction>,
    /// Whether to ask for a voice extension: only where PingOne keeps it.
    #[prop_or_default]
    pub extensions: bool,
}

#[component]
pub fn DeliveredEnrollment(props: &DeliveredEnrollmentProps) -> Html {
    let scope = use_scope().unwrap_or_default();
    let messages = scope.messages;
    let (heading_id, region_id, address_id, extension_id, code_id) = (
        scope.id("delivered-heading"),
        scope.id("region"),
        scope.id("address"),
        scope.id("extension"),
        scope.id("code"),
    );
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
        Channel::Sms => messages.sms_heading(),
        Channel::Voice => messages.voice_heading(),
        Channel::Email => messages.email_heading(),
    };
    let screen = match props.flow.step {
        DeliveredStep::EnterAddress(_) | DeliveredStep::Creating(_) => 0,
        DeliveredStep::AwaitingCode(_) | DeliveredStep::Verifying(_) | DeliveredStep::Resending(_) => 1,
        DeliveredStep::Cancelling { .. } | DeliveredStep::Finished(_) => 2,
    };
    let heading_ref = use_focus_on_screen(screen);
    // Names in the person's language, sorted their way; a phone's form needs them, an email's does not.
    let regions = use_memo((messages.lang, channel), |(lang, channel)| match channel {
        Channel::Email => Vec::new(),
        Channel::Sms | Channel::Voice => countries::named(lang),
    });
    let body = match &props.flow.step {
        DeliveredStep::EnterAddress(entry) | DeliveredStep::Creating(entry) => {
            let creating = matches!(props.flow.step, DeliveredStep::Creating(_));
            let (label, hint, input_type, inputmode, autocomplete) = match channel {
                Channel::Email => (messages.email_label(), messages.email_hint(), "email", "email", "email"),
                Channel::Sms | Channel::Voice => (messages.phone_label(), messages.phone_hint(), "tel", "tel", "tel"),
            };
            let problem = entry.problem.as_ref().and_then(|problem| match (problem, channel) {
                (AddressProblem::Empty, Channel::Email) => Some(messages.email_empty()),
                (AddressProblem::Empty, _) => Some(messages.phone_empty()),
                (AddressProblem::Invalid, Channel::Email) => Some(messages.email_invalid()),
                (AddressProblem::Invalid, _) => Some(messages.phone_invalid()),
                (AddressProblem::Refused(_) | AddressProblem::BadExtension, _) => None,
            });
            let extension_problem = (entry.problem == Some(AddressProblem::BadExtension))
                .then_some(AttrValue::Static(messages.extension_invalid()));
            let on_region = {
                let on_action = props.on_action.clone();
                Callback::from(move |event: Event| {
                    let select: web_sys::HtmlSelectElement = event.target_unchecked_into();
                    on_action.emit(DeliveredAction::RegionChanged(select.value()));
                })
            };
            let on_extension = {
                let on_action = props.on_action.clone();
                Callback::from(move |typed: String| on_action.emit(DeliveredAction::ExtensionChanged(typed)))
            };
            let refusal = match &entry.problem {
                Some(AddressProblem::Refused(error)) => html! { <Refusal error={error.clone()} /> },
                _ => Html::default(),
            };
            let on_change = {
                let on_action = props.on_action.clone();
                Callback::from(move |typed: String| on_action.emit(DeliveredAction::AddressChanged(typed)))
            };
            html! {
                <form class="mfa-address-form" onsubmit={submit(DeliveredAction::SubmitAddress)} novalidate=true>
                    if channel != Channel::Email {
                        <div class="mfa-field">
                            <label for={region_id.clone()}>{ messages.country_label() }</label>
                            <select id={region_id.clone()} name="country" autocomplete="country" disabled={creating}
                                onchange={on_region}>
                                { for regions.iter().map(|(name, region, code)| html! {
                                    <option value={*region} selected={entry.region == *region}>
                                        { format!("{name} (+{code})") }
                                    </option>
                                }) }
                            </select>
                        </div>
                    }
                    { field(Field {
                        id: &address_id, name: "address", label, hint, value: &entry.typed,
                        problem: problem.map(AttrValue::from), input_type, inputmode, autocomplete, readonly: creating,
                        on_change,
                    }) }
                    if channel == Channel::Voice && props.extensions {
                        { field(Field {
                            id: &extension_id, name: "extension", label: messages.extension_label(),
                            hint: messages.extension_hint(), value: &entry.extension, problem: extension_problem,
                            input_type: "text", inputmode: "tel", autocomplete: "off", readonly: creating,
                            on_change: on_extension,
                        }) }
                    }
                    { refusal }
                    <div class="mfa-actions">
                        <button type="submit" disabled={creating}>
                            { if creating { messages.sending_code() } else { messages.send_code() } }
                        </button>
                        <button type="button" onclick={emit(DeliveredAction::Cancel)} disabled={creating}>
                            { messages.cancel() }
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
                .and_then(|problem| i18n::code_problem(problem, messages.delivered_code_wrong(), messages))
                .map(AttrValue::from);
            let on_change = {
                let on_action = props.on_action.clone();
                Callback::from(move |code: String| on_action.emit(DeliveredAction::CodeChanged(code)))
            };
            let countdown =
                if entry.resend_in > 0 { i18n::fill(messages.resend_in(), entry.resend_in) } else { String::new() };
            html! {
                <form class="mfa-code-form" onsubmit={submit(DeliveredAction::SubmitCode)} novalidate=true>
                    <p role="status">{ i18n::fill(messages.code_sent_to(), &entry.sent_to) }</p>
                    { field(Field {
                        id: &code_id, name: "otp", label: messages.delivered_code_label(),
                        hint: messages.delivered_code_hint(), value: &entry.code, problem, input_type: "text",
                        inputmode: "numeric", autocomplete: "one-time-code", readonly: busy, on_change,
                    }) }
                    { code_refusal(entry.problem.as_ref()) }
                    <div class="mfa-actions">
                        <button type="submit" disabled={busy}>
                            { if busy { messages.verifying() } else { messages.verify() } }
                        </button>
                        <button type="button" onclick={emit(DeliveredAction::Resend)} disabled={busy || entry.resend_in > 0}>
                            { messages.resend() }
                        </button>
                        <button type="button" onclick={emit(DeliveredAction::Cancel)} disabled={busy}>{ messages.cancel() }</button>
                    </div>
                    <p class="mfa-hint mfa-countdown">{ countdown }</p>
                </form>
            }
        }
        DeliveredStep::Cancelling { .. } => html! { <p role="status">{ messages.cancelling() }</p> },
        DeliveredStep::Finished(_) => Html::default(),
    };
    html! {
        <section class="mfa-enroll-delivered" aria-labelledby={heading_id.clone()}>
            <h2 id={heading_id} tabindex="-1" ref={heading_ref}>{ heading }</h2>
            { body }
        </section>
    }
}
