//! Adding an authenticator app: the host that runs a [`TotpFlow`]'s requests, and the screen that renders it and
//! reports the person's actions.

use devices_api::{CreateDevice, DeviceType};
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::components::EnrollmentProps;
use crate::components::field::{Field, field};
use crate::components::focus::use_focus_on_screen;
use crate::components::qr_code::qr_code;
use crate::components::refusal::{Refusal, code_refusal};
use crate::context::{Scope, use_scope};
use crate::flows::totp::{CodeEntry, TotpAction, TotpFlow, TotpRequest, TotpStep, with_issuer};
use crate::hooks::{dispatcher_of, use_finished, use_requests};
use crate::i18n;
use crate::qr::{self, QrDrawing};

/// Runs the requests that a [`TotpFlow`] waits for; a new host starts a new flow.
#[component]
pub fn AddAuthenticatorApp(props: &EnrollmentProps) -> Html {
    let flow = use_reducer(TotpFlow::default);
    let (client, replaced) = (props.client.clone(), props.pending.clone());
    use_requests(&flow, flow.pending_request(), move |request| async move {
        match request {
            TotpRequest::Create => {
                // An app that was never activated is replaced: its secret cannot be shown again. One that cannot be
                // removed is not replaced, so that nothing is left behind twice.
                if let Some(replaced) = &replaced
                    && let Err(error) = client.delete_device(&replaced.id).await
                    && error.status() != Some(404)
                {
                    return TotpAction::Created(Err(error));
                }
                TotpAction::Created(client.create_device(&CreateDevice::of_type(DeviceType::Totp)).await)
            }
            TotpRequest::Activate { device_id, otp } => {
                TotpAction::Verified(client.activate_device(&device_id, &otp, false).await)
            }
            TotpRequest::Delete { device_id } => {
                // A device left behind shows in the list as not yet activated, with its remove button.
                client.delete_device(&device_id).await.ok();
                TotpAction::Cancelled
            }
        }
    });
    use_finished(flow.finished(), props.on_finished.clone());
    let on_action = dispatcher_of(&flow);
    html! { <TotpEnrollment flow={(*flow).clone()} on_action={on_action} issuer={props.settings.issuer.clone()} /> }
}

#[derive(Properties, PartialEq)]
pub struct TotpEnrollmentProps {
    pub flow: TotpFlow,
    pub on_action: Callback<TotpAction>,
    /// The name that authenticator apps show beside the account.
    #[prop_or_default]
    pub issuer: Option<AttrValue>,
}

#[component]
pub fn TotpEnrollment(props: &TotpEnrollmentProps) -> Html {
    let scope = use_scope().unwrap_or_default();
    let messages = scope.messages;
    let heading_id = scope.id("totp-heading");
    // Whether the secret went to the clipboard; it lasts while the code is asked for.
    let copied = use_state(|| false);
    let action = |action: TotpAction| {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(action.clone()))
    };
    let screen = match props.flow.step {
        TotpStep::Creating | TotpStep::CreateFailed(_) => 0,
        TotpStep::AwaitingCode(_) | TotpStep::Verifying(_) => 1,
        TotpStep::Cancelling { .. } | TotpStep::Finished(_) => 2,
    };
    let heading_ref = use_focus_on_screen(screen);
    // The key URI with the issuer's name and its QR code, worked out once per enrollment, not at every keystroke.
    let key_uri = match &props.flow.step {
        TotpStep::AwaitingCode(entry) | TotpStep::Verifying(entry) => Some(entry.enrollment.key_uri.clone()),
        _ => None,
    };
    let labelled = use_memo((key_uri, props.issuer.clone()), |(key_uri, issuer)| {
        let key_uri = key_uri.as_deref()?;
        let labelled = match issuer {
            Some(issuer) => with_issuer(key_uri, issuer),
            None => key_uri.to_owned(),
        };
        let drawing = qr::draw(&labelled);
        Some((labelled, drawing))
    });
    let body = match &props.flow.step {
        TotpStep::Creating => html! { <p role="status">{ messages.totp_creating() }</p> },
        TotpStep::CreateFailed(error) => html! {
            <>
                <Refusal error={error.clone()} />
                <button type="button" onclick={action(TotpAction::Retry)}>{ messages.retry() }</button>
                <button type="button" onclick={action(TotpAction::Cancel)}>{ messages.cancel() }</button>
            </>
        },
        TotpStep::AwaitingCode(entry) | TotpStep::Verifying(entry) => match labelled.as_ref() {
            Some(labelled) => {
                let checking = matches!(props.flow.step, TotpStep::Verifying(_));
                code_form(CodeForm { entry, checking, on_action: &props.on_action, labelled }, &scope, &copied)
            }
            None => Html::default(),
        },
        TotpStep::Cancelling { .. } => html! { <p role="status">{ messages.cancelling() }</p> },
        TotpStep::Finished(_) => Html::default(),
    };
    html! {
        <section class="mfa-enroll-totp" aria-labelledby={heading_id.clone()}>
            <h2 id={heading_id} tabindex="-1" ref={heading_ref}>{ messages.totp_heading() }</h2>
            { body }
        </section>
    }
}

/// What the code step shows.
struct CodeForm<'a> {
    entry: &'a CodeEntry,
    /// The code is being checked: the form is read-only meanwhile.
    checking: bool,
    on_action: &'a Callback<TotpAction>,
    /// The key URI with the issuer's name, and its QR code (`None` when the URI is too long for one).
    labelled: &'a (String, Option<QrDrawing>),
}

/// The QR code, the secret and the code field: a view of the screen's own, whose only state (`copied`) the screen
/// keeps.
fn code_form(props: CodeForm<'_>, scope: &Scope, copied: &UseStateHandle<bool>) -> Html {
    let messages = scope.messages;
    let code_id = scope.id("code");
    let enrollment = &props.entry.enrollment;
    let (key_uri, drawing) = props.labelled;
    let problem = props
        .entry
        .problem
        .as_ref()
        .and_then(|problem| i18n::code_problem(problem, messages.code_wrong(), messages))
        .map(AttrValue::from);
    let on_code = {
        let on_action = props.on_action.clone();
        Callback::from(move |code: String| on_action.emit(TotpAction::CodeChanged(code)))
    };
    let on_submit = {
        let on_action = props.on_action.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_action.emit(TotpAction::Submit);
        })
    };
    let on_cancel = {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(TotpAction::Cancel))
    };
    let on_copy = {
        let secret = enrollment.secret.clone();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(window) = web_sys::window() else { return };
            let promise = window.navigator().clipboard().write_text(&secret);
            let copied = copied.clone();
            wasm_bindgen_futures::spawn_local(async move {
                copied.set(JsFuture::from(promise).await.is_ok());
            });
        })
    };
    html! {
        <form class="mfa-code-form" onsubmit={on_submit} novalidate=true>
            <p>{ messages.totp_scan() }</p>
            if let Some(drawing) = drawing {
                { qr_code(drawing, messages.qr_label()) }
            }
            // Shown on touch screens only (the style sheet decides), where the app is on the same device.
            <a class="mfa-open-app" href={key_uri.clone()}>{ messages.open_in_app() }</a>
            <p class="mfa-secret">
                <span>{ messages.secret_label() }{ ": " }</span>
                <code class="mfa-secret-value" translate="no" dir="ltr">{ group_by_four(&enrollment.secret) }</code>
                <button type="button" onclick={on_copy}>{ messages.copy_secret() }</button>
                <span role="status" class="mfa-copied">{ if **copied { messages.copied() } else { "" } }</span>
            </p>
            // A list that a screen reader steps through, one character per item.
            <details class="mfa-spelled">
                <summary>{ messages.spell_secret() }</summary>
                <ol translate="no" dir="ltr">{ for enrollment.secret.chars().map(|c| html! { <li>{ c }</li> }) }</ol>
            </details>
            { field(Field {
                id: &code_id, name: "otp", label: messages.code_label(), hint: messages.code_hint(),
                value: &props.entry.code, problem, input_type: "text", inputmode: "numeric",
                autocomplete: "one-time-code", readonly: props.checking, on_change: on_code,
            }) }
            { code_refusal(props.entry.problem.as_ref()) }
            <div class="mfa-actions">
                <button type="submit" disabled={props.checking}>
                    { if props.checking { messages.verifying() } else { messages.verify() } }
                </button>
                <button type="button" onclick={on_cancel} disabled={props.checking}>{ messages.cancel() }</button>
            </div>
        </form>
    }
}

/// `D7RKLTNV4OCO…` as `D7RK LTNV 4OCO …`, the way people read a secret out to an app.
pub fn group_by_four(secret: &str) -> String {
    secret.as_bytes().chunks(4).map(|chunk| String::from_utf8_lossy(chunk)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_grouped_by_four() {
        assert_eq!(super::group_by_four("D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35"), "D7RK LTNV 4OCO BO2S KNKF LRYC 4LO3 IF35");
        assert_eq!(super::group_by_four("ABCDE"), "ABCD E");
    }
}
