//! The person's devices: each with its type, name, masked destination, status, lock and default mark, and the
//! rename, make-default and remove actions, with rename and the removal confirmation inline.

use std::rc::Rc;

use devices_api::{Device, DeviceStatus, DeviceType};
use yew::prelude::*;

use crate::api::Client;
use crate::components::field::{Field, field};
use crate::context::Scope;
use crate::flows::delivered::masked_destination;
use crate::flows::devices::{DeviceManager, ManagerAction, ManagerRequest, RenameProblem, Task};
use crate::hooks::use_requests;
use crate::i18n::{self, Messages};

/// The person's devices and what they are doing with one: loads the list whenever the manager asks for a fresh
/// one, and runs its rename, remove and make-default requests, telling the host page of each change.
#[hook]
pub fn use_device_manager(client: Rc<Client>) -> UseReducerHandle<DeviceManager> {
    let manager = use_reducer(DeviceManager::default);
    {
        let (dispatch, client) = (manager.dispatcher(), client.clone());
        use_effect_with(manager.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                dispatch.dispatch(ManagerAction::Loaded(client.list_devices().await));
            });
        });
    }
    use_requests(&manager, manager.pending_request(), move |request| async move {
        let (action, event, device_id) = match request {
            ManagerRequest::Rename { device_id, nickname } => {
                (ManagerAction::Renamed(client.rename_device(&device_id, &nickname).await), "renamed", device_id)
            }
            ManagerRequest::Remove { device_id } => {
                (ManagerAction::Removed(client.delete_device(&device_id).await), "removed", device_id)
            }
            ManagerRequest::Reorder { order } => {
                let first = order.first().cloned().unwrap_or_default();
                (ManagerAction::DefaultMade(client.reorder_devices(&order).await), "default-changed", first)
            }
        };
        let done = matches!(
            &action,
            ManagerAction::Renamed(Ok(())) | ManagerAction::Removed(Ok(())) | ManagerAction::DefaultMade(Ok(()))
        );
        if done {
            client.events.changed(event, &device_id);
        }
        action
    });
    manager
}

/// The list as the manager has it: a view function of the root's, which holds the manager (a component of its own
/// would cost the widget most of a kilobyte for no state of its own).
/// `on_finish` takes a device that waits for activation to the flow that finishes it.
pub fn device_list(
    manager: &DeviceManager,
    on_action: &Callback<ManagerAction>,
    on_finish: &Callback<Device>,
    scope: &Scope,
) -> Html {
    let messages = scope.messages;
    if manager.devices().is_empty() {
        return html! { <p class="mfa-empty">{ messages.no_devices() }</p> };
    }
    let default_id = manager.default_id();
    html! {
        <ul class="mfa-devices" part="devices">
            { for manager.devices().iter().map(|device| {
                let row = Row { device, is_default: default_id == Some(device.id.as_str()), task: &manager.task };
                device_row(row, on_action, on_finish, scope)
            }) }
        </ul>
    }
}

/// One device of the list, and what the person is doing with the devices.
struct Row<'a> {
    device: &'a Device,
    is_default: bool,
    task: &'a Task,
}

/// A device's row: a view of the list's own, so that the list alone holds the rows' callbacks.
fn device_row(
    props: Row<'_>,
    on_action: &Callback<ManagerAction>,
    on_finish: &Callback<Device>,
    scope: &Scope,
) -> Html {
    let device = props.device;
    let messages = scope.messages;
    let nickname_id = scope.id(&format!("nickname-{}", device.id));
    let emit = |action: ManagerAction| {
        let on_action = on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(action.clone()))
    };
    let name = device.nickname.clone().unwrap_or_else(|| type_name(&device.device_type, messages).to_owned());
    let status = match device.status {
        DeviceStatus::Active => messages.status_active(),
        DeviceStatus::ActivationRequired => messages.status_activation_required(),
        DeviceStatus::Other(_) => "",
    };
    let blocked = device.is_blocked();
    let lock = device.lock.as_ref().filter(|_| device.is_locked()).map(|lock| match &lock.expires_at {
        Some(until) => format!("{} {}", messages.device_locked_short(), i18n::locked_until(until, messages)),
        None => messages.device_locked_short().to_owned(),
    });
    let busy = matches!(props.task, Task::SavingName { .. } | Task::Removing { .. } | Task::MakingDefault { .. });
    // A device left waiting (a tab closed mid-way) is finished from here: a new code, or a new authenticator app,
    // whose secret cannot be shown again.
    let finish = match device.device_type {
        _ if device.status != DeviceStatus::ActivationRequired => None,
        DeviceType::Totp => Some(messages.start_again()),
        DeviceType::Sms | DeviceType::Voice | DeviceType::Email | DeviceType::OathToken => Some(messages.finish()),
        _ => None,
    };
    let mine = |id: &str| id == device.id;
    let inline = match &props.task {
        Task::Renaming { device_id, typed, .. } | Task::SavingName { device_id, typed } if mine(device_id) => {
            let saving = matches!(props.task, Task::SavingName { .. });
            let problem = match &props.task {
                Task::Renaming { problem: Some(RenameProblem::Invalid), .. } => {
                    Some(AttrValue::from(messages.nickname_invalid()))
                }
                Task::Renaming { problem: Some(RenameProblem::Refused(error)), .. } => {
                    Some(AttrValue::from(i18n::describe(error, messages)))
                }
                _ => None,
            };
            let on_change = {
                let on_action = on_action.clone();
                Callback::from(move |typed: String| on_action.emit(ManagerAction::NameChanged(typed)))
            };
            let on_submit = {
                let on_action = on_action.clone();
                Callback::from(move |event: SubmitEvent| {
                    event.prevent_default();
                    on_action.emit(ManagerAction::SubmitName);
                })
            };
            html! {
                <form class="mfa-rename" onsubmit={on_submit} novalidate=true>
                    { field(Field {
                        id: &nickname_id, name: "nickname", label: messages.nickname_label(),
                        hint: messages.nickname_hint(), value: typed, problem, input_type: "text", inputmode: "text",
                        autocomplete: "off", readonly: saving, on_change,
                    }) }
                    <div class="mfa-actions">
                        <button type="submit" disabled={saving}>{ messages.save() }</button>
                        <button type="button" onclick={emit(ManagerAction::Dismiss)} disabled={saving}>{ messages.cancel() }</button>
                    </div>
                </form>
            }
        }
        Task::ConfirmingRemoval { device_id, last_active } if mine(device_id) => html! {
            <div class="mfa-confirm" role="alertdialog" aria-label={messages.remove_question()}>
                <p>{ messages.remove_question() }</p>
                if *last_active {
                    <p class="mfa-warning">{ messages.remove_last_warning() }</p>
                }
                <div class="mfa-actions">
                    <button type="button" onclick={emit(ManagerAction::ConfirmRemove)}>{ messages.remove_confirm() }</button>
                    <button type="button" onclick={emit(ManagerAction::Dismiss)}>{ messages.keep() }</button>
                </div>
            </div>
        },
        _ => Html::default(),
    };
    html! {
        <li class="mfa-device" part="device" data-device-id={device.id.clone()}>
            { type_icon(&device.device_type) }
            <span class="mfa-device-name">{ name.clone() }</span>
            // A hardware token is told apart by the serial number printed on it, which is no secret.
            if let Some(destination) = masked_destination(device).or_else(|| device.serial_number.clone()) {
                <bdi class="mfa-device-destination" dir="ltr">{ destination }</bdi>
            }
            <span class="mfa-device-status">{ status }</span>
            if blocked {
                <span class="mfa-device-blocked">{ messages.blocked() }</span>
            }
            if props.is_default {
                <span class="mfa-device-default">{ messages.default_mark() }</span>
            }
            if let Some(lock) = lock {
                <span class="mfa-device-lock">{ lock }</span>
            }
            <span class="mfa-device-actions">
                if let Some(finish) = finish {
                    <button type="button" onclick={on_finish.reform({ let device = device.clone(); move |_| device.clone() })}
                        disabled={busy} aria-label={format!("{finish} {name}")}>{ finish }</button>
                }
                <button type="button" onclick={emit(ManagerAction::StartRename(device.id.clone()))} disabled={busy}
                    aria-label={format!("{} {name}", messages.rename())}>{ messages.rename() }</button>
                if device.status == DeviceStatus::Active && !blocked && !props.is_default {
                    <button type="button" onclick={emit(ManagerAction::MakeDefault(device.id.clone()))} disabled={busy}
                        aria-label={format!("{} {name}", messages.make_default())}>{ messages.make_default() }</button>
                }
                <button type="button" onclick={emit(ManagerAction::AskRemove(device.id.clone()))} disabled={busy}
                    aria-label={format!("{} {name}", messages.remove())}>{ messages.remove() }</button>
            </span>
            { inline }
        </li>
    }
}

/// A line drawing of the device's kind, beside its name; decorative, since the name says the kind in words.
fn type_icon(device_type: &DeviceType) -> Html {
    let outline = match device_type {
        DeviceType::Totp => "M7 2h10v20H7zM11 18h2M10 9l2 2 3-4",
        DeviceType::Sms => "M4 4h16v12H9l-5 4z",
        DeviceType::Voice => {
            "M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 5a2 2 0 0 1 2-2z"
        }
        DeviceType::Email => "M3 5h18v14H3zM3 6l9 7 9-7",
        DeviceType::OathToken => "M3 7h18v10H3zM6 10h8v4H6zM17 12h1",
        DeviceType::Fido2 | DeviceType::Platform | DeviceType::SecurityKey => {
            "M8 15a4 4 0 1 1 3-6.7L21 8v4h-2v2h-3v-2h-5A4 4 0 0 1 8 15z"
        }
        DeviceType::Mobile => "M8 2h8v20H8zM11 19h2",
        DeviceType::WhatsApp => "M12 3a9 9 0 0 0-7.8 13.5L3 21l4.6-1.2A9 9 0 1 0 12 3z",
        DeviceType::PingIdDesktop => "M3 4h18v12H3zM8 20h8M12 16v4",
        DeviceType::Other(_) => "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z",
    };
    html! {
        <svg class="mfa-device-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d={outline} />
        </svg>
    }
}

fn type_name(device_type: &DeviceType, messages: &Messages) -> &'static str {
    match device_type {
        DeviceType::Totp => messages.authenticator_app(),
        DeviceType::Sms => messages.text_message(),
        DeviceType::Voice => messages.voice_call(),
        DeviceType::Email => messages.email_device(),
        DeviceType::OathToken => messages.hardware_token(),
        DeviceType::Fido2 | DeviceType::Platform | DeviceType::SecurityKey => messages.passkey(),
        DeviceType::Mobile => messages.mobile_app(),
        DeviceType::WhatsApp => messages.whatsapp(),
        DeviceType::PingIdDesktop => messages.pingid_desktop(),
        DeviceType::Other(_) => messages.other_device(),
    }
}
