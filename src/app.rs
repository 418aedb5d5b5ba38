//! The widget's root: the person's device list, the "add" action, and the enrollment flow when one is open.
//!
//! It owns the requests that are not part of a flow (list, remove) and one flow at a time. It keeps no state
//! outside its component tree, so two widgets on a page never share anything.

use std::sync::atomic::{AtomicUsize, Ordering};

use devices_api::{Device, DeviceType};
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::device_list::DeviceList;
use crate::components::totp_enrollment::TotpEnrollment;
use crate::flows::totp::{TotpAction, TotpFlow, TotpRequest, TotpStep};
use crate::i18n::{self, EN, Messages};

#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    /// Where the proxy contract is served, without a trailing slash.
    #[prop_or(AttrValue::Static("/api"))]
    pub api_base: AttrValue,
}

/// The life of the device-list request.
#[derive(Debug, Clone, PartialEq)]
enum Load<T> {
    Pending,
    Ready(T),
    Failed(ApiError),
}

/// A short announcement of what just happened, read out by screen readers.
#[derive(Debug, Clone, PartialEq)]
enum Notice {
    None,
    Done(&'static str),
    Failed(ApiError),
}

/// Widget instances on one page get distinct id prefixes, so that their `for` and `aria-*` ids never collide.
fn next_instance_prefix() -> String {
    static INSTANCES: AtomicUsize = AtomicUsize::new(0);
    format!("mfa-enroll-{}", INSTANCES.fetch_add(1, Ordering::Relaxed))
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let messages: &'static Messages = &EN;
    let id_prefix = use_state(next_instance_prefix);
    let devices = use_state(|| Load::<Vec<Device>>::Pending);
    let list_version = use_state(|| 0u32);
    let enrolling = use_state(|| false);
    let removing = use_state(|| None::<AttrValue>);
    let notice = use_state(|| Notice::None);

    {
        let devices = devices.clone();
        let base = props.api_base.clone();
        use_effect_with(*list_version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                devices.set(match api::list_devices(&base).await {
                    Ok(list) => Load::Ready(list),
                    Err(error) => Load::Failed(error),
                });
            });
        });
    }
    let reload = {
        let list_version = list_version.clone();
        move || list_version.set(list_version.wrapping_add(1))
    };

    let on_add = {
        let (enrolling, notice) = (enrolling.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            notice.set(Notice::None);
            enrolling.set(true);
        })
    };
    let on_finished = {
        let (enrolling, notice, reload) = (enrolling.clone(), notice.clone(), reload.clone());
        Callback::from(move |device: Option<Device>| {
            enrolling.set(false);
            notice.set(if device.is_some() { Notice::Done(messages.totp_added) } else { Notice::None });
            reload();
        })
    };
    let on_remove = {
        let (removing, notice, base, reload) =
            (removing.clone(), notice.clone(), props.api_base.clone(), reload.clone());
        Callback::from(move |device_id: String| {
            removing.set(Some(device_id.clone().into()));
            let (removing, notice, base, reload) = (removing.clone(), notice.clone(), base.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                notice.set(match api::delete_device(&base, &device_id).await {
                    Ok(()) => Notice::Done(messages.device_removed),
                    Err(error) => Notice::Failed(error),
                });
                removing.set(None);
                reload();
            });
        })
    };
    let on_retry_list = {
        let (devices, reload) = (devices.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            devices.set(Load::Pending);
            reload();
        })
    };

    let list = match &*devices {
        Load::Pending => html! { <p>{ messages.loading_devices }</p> },
        Load::Ready(list) => html! {
            <DeviceList devices={list.clone()} removing={(*removing).clone()} on_remove={on_remove} messages={messages} />
        },
        Load::Failed(error) => html! {
            <>
                <p class="mfa-error">{ i18n::describe(error, messages) }</p>
                <button type="button" onclick={on_retry_list}>{ messages.retry }</button>
            </>
        },
    };
    let announcement = match &*notice {
        Notice::None => "",
        Notice::Done(text) => text,
        Notice::Failed(error) => i18n::describe(error, messages),
    };

    html! {
        <div class="mfa-enroll">
            <h1 class="mfa-heading">{ messages.heading }</h1>
            <p class="mfa-notice" role="status" aria-live="polite">{ announcement }</p>
            { list }
            if *enrolling {
                <TotpEnrollmentHost api_base={props.api_base.clone()} on_finished={on_finished}
                    messages={messages} id_prefix={(*id_prefix).clone()} />
            } else {
                <button type="button" class="mfa-add" onclick={on_add}>{ messages.add_authenticator }</button>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct TotpEnrollmentHostProps {
    api_base: AttrValue,
    /// Called once when the flow ends, with the activated device or `None` when the person cancelled.
    on_finished: Callback<Option<Device>>,
    messages: &'static Messages,
    id_prefix: AttrValue,
}

/// Runs the requests that a [`TotpFlow`] waits for; a new host starts a new flow.
#[component]
fn TotpEnrollmentHost(props: &TotpEnrollmentHostProps) -> Html {
    let flow = use_reducer(TotpFlow::default);
    {
        let dispatch = flow.dispatcher();
        let base = props.api_base.clone();
        use_effect_with(flow.pending_request(), move |request| {
            if let Some(request) = request.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    let action = match request {
                        TotpRequest::Create => TotpAction::Created(api::create_device(&base, DeviceType::Totp).await),
                        TotpRequest::Activate { device_id, otp } => {
                            TotpAction::Verified(api::activate_device(&base, &device_id, &otp).await)
                        }
                        TotpRequest::Delete { device_id } => {
                            // A device left behind shows in the list as not yet activated, with its remove button.
                            api::delete_device(&base, &device_id).await.ok();
                            TotpAction::Cancelled
                        }
                    };
                    dispatch.dispatch(action);
                });
            }
        });
    }
    {
        let finished = match &flow.step {
            TotpStep::Finished(device) => Some(device.clone()),
            _ => None,
        };
        let on_finished = props.on_finished.clone();
        use_effect_with(finished, move |finished| {
            if let Some(device) = finished {
                on_finished.emit(device.clone());
            }
        });
    }
    let on_action = {
        let dispatch = flow.dispatcher();
        Callback::from(move |action| dispatch.dispatch(action))
    };
    html! {
        <TotpEnrollment flow={(*flow).clone()} on_action={on_action} messages={props.messages}
            id_prefix={props.id_prefix.clone()} />
    }
}
