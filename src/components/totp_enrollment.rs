//! The authenticator-app enrollment screen: it renders a [`TotpFlow`] and reports the person's actions.

use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::components::field::Field;
use crate::components::focus::use_focus_on_screen;
use crate::components::qr_code::QrCode;
use crate::components::refusal::{Refusal, code_refusal};
use crate::flows::totp::{CodeEntry, TotpAction, TotpFlow, TotpStep, with_issuer};
use crate::i18n::{self, Messages};

#[derive(Properties, PartialEq)]
pub struct TotpEnrollmentProps {
    pub flow: TotpFlow,
    pub on_action: Callback<TotpAction>,
    pub messages: &'static Messages,
    /// Makes the ids of this widget instance's fields unique on the page.
    pub id_prefix: AttrValue,
    /// The name that authenticator apps show beside the account.
    #[prop_or_default]
    pub issuer: Option<AttrValue>,
}

#[component]
pub fn TotpEnrollment(props: &TotpEnrollmentProps) -> Html {
    let messages = props.messages;
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
    let body = match &props.flow.step {
        TotpStep::Creating => html! { <p role="status">{ messages.totp_creating() }</p> },
        TotpStep::CreateFailed(error) => html! {
            <>
                <Refusal error={error.clone()} messages={messages} />
                <button type="button" onclick={action(TotpAction::Retry)}>{ messages.retry() }</button>
                <button type="button" onclick={action(TotpAction::Cancel)}>{ messages.cancel() }</button>
            </>
        },
        TotpStep::AwaitingCode(entry) => html! {
            <CodeForm entry={entry.clone()} checking={false} on_action={props.on_action.clone()}
                messages={messages} id_prefix={props.id_prefix.clone()} issuer={props.issuer.clone()} />
        },
        TotpStep::Verifying(entry) => html! {
            <CodeForm entry={entry.clone()} checking={true} on_action={props.on_action.clone()}
                messages={messages} id_prefix={props.id_prefix.clone()} issuer={props.issuer.clone()} />
        },
        TotpStep::Cancelling { .. } => html! { <p role="status">{ messages.cancelling() }</p> },
        TotpStep::Finished(_) => Html::default(),
    };
    html! {
        <section class="mfa-enroll-totp" aria-labelledby={format!("{}-totp-heading", props.id_prefix)}>
            <h2 id={format!("{}-totp-heading", props.id_prefix)} tabindex="-1" ref={heading_ref}>{ messages.totp_heading() }</h2>
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CodeFormProps {
    entry: CodeEntry,
    /// The code is being checked: the form is read-only meanwhile.
    checking: bool,
    on_action: Callback<TotpAction>,
    messages: &'static Messages,
    id_prefix: AttrValue,
    issuer: Option<AttrValue>,
}

#[component]
fn CodeForm(props: &CodeFormProps) -> Html {
    let messages = props.messages;
    let copied = use_state(|| false);
    let enrollment = &props.entry.enrollment;
    let key_uri = match &props.issuer {
        Some(issuer) => with_issuer(&enrollment.key_uri, issuer),
        None => enrollment.key_uri.clone(),
    };
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
            <QrCode text={key_uri.clone()} label={messages.qr_label()} />
            // Shown on touch screens only (the style sheet decides), where the app is on the same device.
            <a class="mfa-open-app" href={key_uri}>{ messages.open_in_app() }</a>
            <p class="mfa-secret">
                <span>{ messages.secret_label() }{ ": " }</span>
                <code class="mfa-secret-value" translate="no" dir="ltr">{ group_by_four(&enrollment.secret) }</code>
                <button type="button" onclick={on_copy}>{ messages.copy_secret() }</button>
                <span role="status" class="mfa-copied">{ if *copied { messages.copied() } else { "" } }</span>
            </p>
            // A list that a screen reader steps through, one character per item.
            <details class="mfa-spelled">
                <summary>{ messages.spell_secret() }</summary>
                <ol translate="no" dir="ltr">{ for enrollment.secret.chars().map(|c| html! { <li>{ c }</li> }) }</ol>
            </details>
            <Field id={format!("{}-code", props.id_prefix)} name="otp" label={messages.code_label()}
                hint={messages.code_hint()} value={props.entry.code.clone()} problem={problem}
                inputmode="numeric" autocomplete="one-time-code" readonly={props.checking} on_change={on_code} />
            { code_refusal(props.entry.problem.as_ref(), messages) }
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
