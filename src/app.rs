//! The widget's root: the person's device list, the methods they may add, and the enrollment flow when one is
//! open.
//!
//! It runs the requests that are not part of a flow (the configuration, and the device manager's list, rename,
//! remove and default) and one flow at a time. It keeps no state outside its component tree, so two widgets on a
//! page never share anything.

use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use devices_api::{CreateDevice, Device, DeviceType};
use yew::prelude::*;

use crate::api::{ApiError, Client, WidgetConfig};
use crate::components::delivered_enrollment::DeliveredEnrollment;
use crate::components::device_list::DeviceList;
use crate::components::oath_enrollment::OathEnrollment;
use crate::components::refusal::Refusal;
use crate::components::totp_enrollment::TotpEnrollment;
use crate::countries;
use crate::events::Events;
use crate::flows::delivered::{
    Channel, DEFAULT_RESEND_SECONDS, DeliveredAction, DeliveredFlow, DeliveredRequest, DeliveredStep,
};
use crate::flows::devices::{Change, DeviceManager, Listing, ManagerAction, ManagerRequest, Task};
use crate::flows::oath::{OathAction, OathFlow, OathRequest, OathStep};
use crate::flows::totp::{TotpAction, TotpFlow, TotpRequest, TotpStep};
use crate::i18n::{self, EN, Messages};

#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    /// Where the proxy contract is served, without a trailing slash.
    #[prop_or(AttrValue::Static("/api"))]
    pub api_base: AttrValue,
    /// A BCP 47 tag such as `de-CH`; without one, the host page's `<html lang>`.
    #[prop_or_default]
    pub locale: Option<AttrValue>,
    /// Where the catalogues (`de.json`, …) are served, with a trailing slash.
    #[prop_or(AttrValue::Static("locales/"))]
    pub locales_url: AttrValue,
    /// Gives a language's catalogue (a promise of its object) instead of fetching it from `locales_url`: the npm
    /// package's way, which bundlers can follow.
    #[prop_or_default]
    pub load_catalogue: Option<js_sys::Function>,
    /// The name that authenticator apps show beside the account, such as the portal's brand; without one, the
    /// proxy's `issuer`.
    #[prop_or_default]
    pub issuer: Option<AttrValue>,
    /// The device types to offer, such as `TOTP,SMS`, among those the proxy allows; without it, all of those.
    #[prop_or_default]
    pub types: Option<AttrValue>,
    /// The host page's `getAccessToken`: an async function whose result goes out as a Bearer token.
    #[prop_or_default]
    pub get_access_token: Option<js_sys::Function>,
    /// Where the widget's events are dispatched; without it, `window`.
    #[prop_or_default]
    pub events: Option<web_sys::EventTarget>,
}

/// The types to offer: the proxy's, narrowed to the host page's `types` when it names some.
fn offered(allowed: &[DeviceType], wanted: Option<&str>) -> Vec<DeviceType> {
    let wanted = wanted.filter(|list| !list.trim().is_empty());
    let wanted = |device_type: &DeviceType| {
        wanted.is_none_or(|list| list.split(',').any(|name| name.trim().eq_ignore_ascii_case(device_type.as_str())))
    };
    allowed.iter().filter(|device_type| wanted(device_type)).cloned().collect()
}

/// The locale asked for: the `locale` option, else the host page's `<html lang>`, else the browser's.
fn requested_locale(locale: Option<&str>) -> String {
    let window = web_sys::window();
    let page =
        || window.as_ref()?.document()?.document_element()?.get_attribute("lang").filter(|lang| !lang.is_empty());
    let browser = || window.as_ref()?.navigator().language();
    locale.map(str::to_owned).or_else(page).or_else(browser).unwrap_or_default()
}

/// The life of the configuration request.
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
}

/// The flow that is open, if any.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Enrolling {
    Nothing,
    AuthenticatorApp,
    Delivered(Channel),
    HardwareToken,
}

/// Widget instances on one page get distinct id prefixes, so that their `for` and `aria-*` ids never collide.
fn next_instance_prefix() -> String {
    static INSTANCES: AtomicUsize = AtomicUsize::new(0);
    format!("mfa-enroll-{}", INSTANCES.fetch_add(1, Ordering::Relaxed))
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let locale = use_memo(props.locale.clone(), |locale| requested_locale(locale.as_deref()));
    let lang = i18n::language_of(&locale);
    let catalogue = use_state(|| (lang == "en").then_some(&EN));
    {
        let (catalogue, url, loader) = (catalogue.clone(), props.locales_url.clone(), props.load_catalogue.clone());
        use_effect_with(lang, move |lang| {
            let lang = *lang;
            wasm_bindgen_futures::spawn_local(async move {
                catalogue.set(Some(i18n::load(lang, &url, loader.as_ref()).await));
            });
        });
    }
    let id_prefix = use_state(next_instance_prefix);
    let client = use_memo(
        (props.api_base.clone(), props.get_access_token.clone(), props.events.clone()),
        |(base, token, events)| Client::new(base, token.clone(), events.clone().map(Events::at).unwrap_or_default()),
    );
    let config = use_state(|| Load::<WidgetConfig>::Pending);
    let manager = use_reducer(DeviceManager::default);
    let enrolling = use_state(|| Enrolling::Nothing);
    let notice = use_state(|| Notice::None);

    {
        // The configuration and the list load side by side: the first render waits for one round trip, not two.
        // A failed configuration is tried again with the list.
        let (config, client) = (config.clone(), client.clone());
        use_effect_with(manager.version, move |_| {
            if matches!(*config, Load::Ready(_)) {
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                config.set(match client.config().await {
                    Ok(loaded) => Load::Ready(loaded),
                    Err(error) => Load::Failed(error),
                });
            });
        });
    }
    {
        let (dispatch, client) = (manager.dispatcher(), client.clone());
        use_effect_with(manager.version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                dispatch.dispatch(ManagerAction::Loaded(client.list_devices().await));
            });
        });
    }
    {
        let (dispatch, client) = (manager.dispatcher(), client.clone());
        use_effect_with(manager.pending_request(), move |request| {
            if let Some(request) = request.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    let (action, event, device_id) = match request {
                        ManagerRequest::Rename { device_id, nickname } => (
                            ManagerAction::Renamed(client.rename_device(&device_id, &nickname).await),
                            "renamed",
                            device_id,
                        ),
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
                        ManagerAction::Renamed(Ok(()))
                            | ManagerAction::Removed(Ok(()))
                            | ManagerAction::DefaultMade(Ok(()))
                    );
                    if done {
                        client.events.changed(event, &device_id);
                    }
                    dispatch.dispatch(action);
                });
            }
        });
    }

    let loaded = match &*config {
        Load::Ready(config) => Some(config),
        _ => None,
    };
    let types = loaded.map(|config| offered(&config.device_types, props.types.as_deref()));
    let announced = use_mut_ref(|| false);
    {
        // Ready once per mount: when the words, the methods on offer and the list are first all there.
        let shown = catalogue.is_some() && matches!(manager.list, Listing::Loaded(_));
        let (client, types) = (client.clone(), types.clone());
        use_effect_with(types.clone().filter(|_| shown).is_some(), move |ready| {
            if let (true, Some(types)) = (*ready, types)
                && !announced.replace(true)
            {
                client.events.ready(&types);
            }
        });
    }

    let Some(messages) = *catalogue else {
        // Words come before anything else: a screen half in English would be read out in the wrong language.
        return html! { <div class="mfa-enroll" lang={lang} aria-busy="true"></div> };
    };
    let start = |what: Enrolling| {
        let (enrolling, notice, dispatch) = (enrolling.clone(), notice.clone(), manager.dispatcher());
        Callback::from(move |_: MouseEvent| {
            notice.set(Notice::None);
            dispatch.dispatch(ManagerAction::Dismiss);
            enrolling.set(what);
        })
    };
    let on_finished = {
        let (enrolling, notice, dispatch, client) =
            (enrolling.clone(), notice.clone(), manager.dispatcher(), client.clone());
        Callback::from(move |device: Option<Device>| {
            if let Some(device) = &device {
                client.events.enrolled(&device.id, &device.device_type);
            }
            let added = match *enrolling {
                Enrolling::AuthenticatorApp => messages.totp_added(),
                _ => messages.device_added(),
            };
            enrolling.set(Enrolling::Nothing);
            notice.set(if device.is_some() { Notice::Done(added) } else { Notice::None });
            dispatch.dispatch(ManagerAction::Reload);
        })
    };
    let on_manage = {
        let (notice, dispatch) = (notice.clone(), manager.dispatcher());
        Callback::from(move |action: ManagerAction| {
            notice.set(Notice::None);
            dispatch.dispatch(action);
        })
    };
    let on_retry = {
        let dispatch = manager.dispatcher();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(ManagerAction::Reload))
    };

    let list = match &manager.list {
        Listing::Loading => html! { <p>{ messages.loading_devices() }</p> },
        Listing::Loaded(_) => html! {
            <DeviceList manager={(*manager).clone()} on_action={on_manage} messages={messages}
                id_prefix={(*id_prefix).clone()} />
        },
        Listing::Failed(error) => html! {
            <>
                <Refusal error={error.clone()} messages={messages} />
                <button type="button" onclick={on_retry}>{ messages.retry() }</button>
            </>
        },
    };
    let announcement = match (&*notice, &manager.task) {
        (Notice::Done(text), _) => text,
        (Notice::None, Task::Done(Change::Renamed)) => messages.renamed(),
        (Notice::None, Task::Done(Change::Removed)) => messages.device_removed(),
        (Notice::None, Task::Done(Change::DefaultChanged)) => messages.default_changed(),
        (Notice::None, Task::Failed(error)) => i18n::describe(error, messages),
        (Notice::None, _) => "",
    };
    let resend_seconds = loaded.and_then(|config| config.resend_cooldown_seconds).unwrap_or(DEFAULT_RESEND_SECONDS);
    let extensions = loaded.is_some_and(|config| config.phone_extensions);
    let issuer = props.issuer.clone().or_else(|| Some(AttrValue::from(loaded?.issuer.clone()?)));
    let open = match *enrolling {
        Enrolling::AuthenticatorApp => html! {
            <TotpEnrollmentHost client={client.clone()} issuer={issuer} on_finished={on_finished}
                messages={messages} id_prefix={(*id_prefix).clone()} />
        },
        Enrolling::Delivered(channel) => html! {
            <DeliveredEnrollmentHost client={client.clone()} channel={channel} resend_seconds={resend_seconds}
                locale={locale.clone()} extensions={extensions}
                on_finished={on_finished} messages={messages} id_prefix={(*id_prefix).clone()} />
        },
        Enrolling::HardwareToken => html! {
            <OathEnrollmentHost client={client.clone()} on_finished={on_finished}
                messages={messages} id_prefix={(*id_prefix).clone()} />
        },
        Enrolling::Nothing => match &*config {
            Load::Pending => Html::default(),
            Load::Failed(error) => html! { <Refusal error={error.clone()} messages={messages} /> },
            Load::Ready(_) => html! {
                <div class="mfa-add-methods">
                    { for types.iter().flatten().filter_map(|device_type| {
                        let (what, label) = match device_type {
                            DeviceType::Totp => (Enrolling::AuthenticatorApp, messages.add_authenticator()),
                            DeviceType::Sms => (Enrolling::Delivered(Channel::Sms), messages.add_sms()),
                            DeviceType::Voice => (Enrolling::Delivered(Channel::Voice), messages.add_voice()),
                            DeviceType::Email => (Enrolling::Delivered(Channel::Email), messages.add_email()),
                            DeviceType::OathToken => (Enrolling::HardwareToken, messages.add_hardware_token()),
                            DeviceType::Other(_) => return None,
                        };
                        Some(html! { <button type="button" class="mfa-add" part="add" onclick={start(what)}>{ label }</button> })
                    }) }
                </div>
            },
        },
    };

    html! {
        <div class="mfa-enroll" part="root" lang={messages.lang} dir={if messages.is_rtl() { "rtl" } else { "ltr" }}>
            <h1 class="mfa-heading" part="heading">{ messages.heading() }</h1>
            <p class="mfa-notice" role="status" aria-live="polite">{ announcement }</p>
            { list }
            { open }
        </div>
    }
}

/// Tells the root once, when a flow reaches its end.
#[hook]
fn use_finished(finished: Option<Option<Device>>, on_finished: Callback<Option<Device>>) {
    use_effect_with(finished, move |finished| {
        if let Some(device) = finished {
            on_finished.emit(device.clone());
        }
    });
}

// The three hosts below run the same pattern for three flows. One host generic over the flows measured 0.9 KiB
// larger under gzip (BENCHMARKS.md), so they stay apart while the size budget is this tight.

#[derive(Properties, PartialEq)]
struct TotpEnrollmentHostProps {
    client: Rc<Client>,
    issuer: Option<AttrValue>,
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
        let client = props.client.clone();
        use_effect_with(flow.pending_request(), move |request| {
            if let Some(request) = request.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    let action = match request {
                        TotpRequest::Create => {
                            let request = CreateDevice::of_type(DeviceType::Totp);
                            TotpAction::Created(client.create_device(&request).await)
                        }
                        TotpRequest::Activate { device_id, otp } => {
                            TotpAction::Verified(client.activate_device(&device_id, &otp, false).await)
                        }
                        TotpRequest::Delete { device_id } => {
                            // A device left behind shows in the list as not yet activated, with its remove button.
                            client.delete_device(&device_id).await.ok();
                            TotpAction::Cancelled
                        }
                    };
                    dispatch.dispatch(action);
                });
            }
        });
    }
    let finished = match &flow.step {
        TotpStep::Finished(device) => Some(device.clone()),
        _ => None,
    };
    use_finished(finished, props.on_finished.clone());
    let on_action = {
        let dispatch = flow.dispatcher();
        Callback::from(move |action| dispatch.dispatch(action))
    };
    html! {
        <TotpEnrollment flow={(*flow).clone()} on_action={on_action} messages={props.messages} issuer={props.issuer.clone()}
            id_prefix={props.id_prefix.clone()} />
    }
}

#[derive(Properties, PartialEq)]
struct DeliveredEnrollmentHostProps {
    client: Rc<Client>,
    channel: Channel,
    resend_seconds: u32,
    /// The page's locale, whose region a national phone number belongs to until the person picks another.
    locale: Rc<String>,
    /// Whether to ask for a voice extension.
    extensions: bool,
    on_finished: Callback<Option<Device>>,
    messages: &'static Messages,
    id_prefix: AttrValue,
}

/// Runs the requests that a [`DeliveredFlow`] waits for, and its resend countdown's clock.
#[component]
fn DeliveredEnrollmentHost(props: &DeliveredEnrollmentHostProps) -> Html {
    let (channel, resend_seconds, locale) = (props.channel, props.resend_seconds, props.locale.clone());
    // The region is worked out once, when the flow starts, not at every render of the widget.
    let flow = use_reducer(move || DeliveredFlow::new(channel, resend_seconds, countries::region_of(&locale)));
    {
        let dispatch = flow.dispatcher();
        let client = props.client.clone();
        use_effect_with(flow.pending_request(), move |request| {
            if let Some(request) = request.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    let action = match request {
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
                    };
                    dispatch.dispatch(action);
                });
            }
        });
    }
    {
        // A one-second clock while the countdown runs, and none otherwise.
        let dispatch = flow.dispatcher();
        use_effect_with(flow.counting_down(), move |counting| {
            let interval = counting
                .then(|| gloo_timers::callback::Interval::new(1000, move || dispatch.dispatch(DeliveredAction::Tick)));
            move || drop(interval)
        });
    }
    let finished = match &flow.step {
        DeliveredStep::Finished(device) => Some(device.clone()),
        _ => None,
    };
    use_finished(finished, props.on_finished.clone());
    let on_action = {
        let dispatch = flow.dispatcher();
        Callback::from(move |action| dispatch.dispatch(action))
    };
    html! {
        <DeliveredEnrollment flow={(*flow).clone()} on_action={on_action} messages={props.messages}
            extensions={props.extensions}
            id_prefix={props.id_prefix.clone()} />
    }
}

#[derive(Properties, PartialEq)]
struct OathEnrollmentHostProps {
    client: Rc<Client>,
    on_finished: Callback<Option<Device>>,
    messages: &'static Messages,
    id_prefix: AttrValue,
}

/// Runs the requests that an [`OathFlow`] waits for.
#[component]
fn OathEnrollmentHost(props: &OathEnrollmentHostProps) -> Html {
    let flow = use_reducer(OathFlow::default);
    {
        let dispatch = flow.dispatcher();
        let client = props.client.clone();
        use_effect_with(flow.pending_request(), move |request| {
            if let Some(request) = request.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    let action = match request {
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
                    };
                    dispatch.dispatch(action);
                });
            }
        });
    }
    let finished = match &flow.step {
        OathStep::Finished(device) => Some(device.clone()),
        _ => None,
    };
    use_finished(finished, props.on_finished.clone());
    let on_action = {
        let dispatch = flow.dispatcher();
        Callback::from(move |action| dispatch.dispatch(action))
    };
    html! {
        <OathEnrollment flow={(*flow).clone()} on_action={on_action} messages={props.messages}
            id_prefix={props.id_prefix.clone()} />
    }
}

#[cfg(test)]
mod tests {
    use devices_api::DeviceType;

    use super::offered;

    #[test]
    fn the_host_page_narrows_what_the_proxy_allows_and_cannot_widen_it() {
        let allowed = [DeviceType::Totp, DeviceType::Sms, DeviceType::Email];
        assert_eq!(offered(&allowed, None), allowed.to_vec());
        assert_eq!(offered(&allowed, Some("sms, totp")), vec![DeviceType::Totp, DeviceType::Sms]);
        assert_eq!(offered(&allowed, Some("VOICE,OATH_TOKEN")), Vec::<DeviceType>::new());
        assert_eq!(offered(&allowed, Some(" ")), allowed.to_vec(), "an empty attribute names nothing");
    }
}
