//! The person's devices, each with its status and a remove button.

use devices_api::{Device, DeviceStatus, DeviceType};
use yew::prelude::*;

use crate::flows::delivered::masked_destination;
use crate::i18n::Messages;

#[derive(Properties, PartialEq)]
pub struct DeviceListProps {
    pub devices: Vec<Device>,
    /// The device whose removal is under way, if any.
    #[prop_or_default]
    pub removing: Option<AttrValue>,
    /// Called with a device id when the person asks to remove it.
    pub on_remove: Callback<String>,
    pub messages: &'static Messages,
}

#[component]
pub fn DeviceList(props: &DeviceListProps) -> Html {
    let messages = props.messages;
    if props.devices.is_empty() {
        return html! { <p class="mfa-empty">{ messages.no_devices }</p> };
    }
    html! {
        <ul class="mfa-devices">
            { for props.devices.iter().map(|device| {
                let name = device.nickname.clone().unwrap_or_else(|| type_name(&device.device_type, messages).to_owned());
                let destination = masked_destination(device);
                let status = match device.status {
                    DeviceStatus::Active => messages.status_active,
                    _ => messages.status_activation_required,
                };
                let is_removing = props.removing.as_deref() == Some(device.id.as_str());
                let on_click = {
                    let on_remove = props.on_remove.clone();
                    let id = device.id.clone();
                    Callback::from(move |_| on_remove.emit(id.clone()))
                };
                html! {
                    <li class="mfa-device" data-device-id={device.id.clone()}>
                        <span class="mfa-device-name">{ name.clone() }</span>
                        if let Some(destination) = destination {
                            <bdi class="mfa-device-destination">{ destination }</bdi>
                        }
                        <span class="mfa-device-status">{ status }</span>
                        <button type="button" onclick={on_click} disabled={props.removing.is_some()}
                            aria-label={format!("{} {name}", messages.remove)}>
                            { if is_removing { messages.removing } else { messages.remove } }
                        </button>
                    </li>
                }
            }) }
        </ul>
    }
}

fn type_name(device_type: &DeviceType, messages: &Messages) -> &'static str {
    match device_type {
        DeviceType::Totp => messages.authenticator_app,
        DeviceType::Sms => messages.text_message,
        DeviceType::Voice => messages.voice_call,
        DeviceType::Email => messages.email_device,
        DeviceType::OathToken => messages.hardware_token,
        _ => messages.other_device,
    }
}
