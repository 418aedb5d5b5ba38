//! The widget's root: the person's device list, the methods they may add, and the enrollment flow when one is
//! open.
//!
//! It names the flows (in [`flow_for`], the one place a new flow is added), and holds what is not part of one: the
//! configuration, the device list, and which flow is open. It keeps no state outside its component tree, so two
//! widgets on a page never share anything.

use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use devices_api::{Device, DeviceType, WidgetConfig};
use yew::prelude::*;

use crate::api::Client;
use crate::components::delivered_enrollment::AddDelivered;
use crate::components::device_list::{device_list, use_device_manager};
use crate::components::oath_enrollment::AddHardwareToken;
use crate::components::refusal::Refusal;
use crate::components::totp_enrollment::AddAuthenticatorApp;
use crate::components::{EnrollmentProps, FlowSettings};
use crate::context::Scope;
use crate::error::ApiError;
use crate::events::Events;
use crate::flows::delivered::DEFAULT_RESEND_SECONDS;
use crate::flows::devices::{Change, Listing, ManagerAction, Task};
use crate::i18n::{self, Messages};

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

/// A flow's host, rendered with what every host is given.
type FlowHost = fn(EnrollmentProps) -> Html;

/// The add button's label and the host of the flow that adds a device of `device_type`; `None` for a type that no
/// flow adds. A new flow is one arm here.
fn flow_for(device_type: &DeviceType, messages: &Messages) -> Option<(&'static str, FlowHost)> {
    Some(match device_type {
        DeviceType::Totp => (messages.add_authenticator(), |props| html! { <AddAuthenticatorApp ..props /> }),
        DeviceType::Sms => (messages.add_sms(), |props| html! { <AddDelivered ..props /> }),
        DeviceType::Voice => (messages.add_voice(), |props| html! { <AddDelivered ..props /> }),
        DeviceType::Email => (messages.add_email(), |props| html! { <AddDelivered ..props /> }),
        DeviceType::OathToken => (messages.add_hardware_token(), |props| html! { <AddHardwareToken ..props /> }),
        _ => return None,
    })
}

/// The life of the configuration request.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Pending,
    Ready(T),
    Failed(ApiError),
}

/// What the proxy says the widget may offer, asked for beside the first list, and again with each list until it
/// is had.
#[hook]
fn use_widget_config(client: Rc<Client>, list_version: u32) -> Rc<Load<WidgetConfig>> {
    let config = use_state(|| Rc::new(Load::Pending));
    {
        let config = config.clone();
        use_effect_with(list_version, move |_| {
            if matches!(**config, Load::Ready(_)) {
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                config.set(Rc::new(match client.config().await {
                    Ok(loaded) => Load::Ready(loaded),
                    Err(error) => Load::Failed(error),
                }));
            });
        });
    }
    (*config).clone()
}

/// Tells the host page once per mount that the widget is ready: when the words, the methods on offer and the list
/// are first all there.
#[hook]
fn use_ready_event(client: Rc<Client>, ready: Option<Vec<DeviceType>>) {
    let announced = use_mut_ref(|| false);
    use_effect_with(ready.is_some(), move |_| {
        if let Some(types) = ready
            && !announced.replace(true)
        {
            client.events.ready(&types);
        }
    });
}

/// Widget instances on one page get distinct id prefixes, so that their `for` and `aria-*` ids never collide.
fn next_instance_prefix() -> AttrValue {
    static INSTANCES: AtomicUsize = AtomicUsize::new(0);
    AttrValue::from(format!("mfa-enroll-{}", INSTANCES.fetch_add(1, Ordering::Relaxed)))
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let locale = use_memo(props.locale.clone(), |locale| requested_locale(locale.as_deref()));
    let lang = i18n::language_of(&locale);
    let catalogue = i18n::use_catalogue(lang, props.locales_url.clone(), props.load_catalogue.clone());
    let id_prefix = use_state(next_instance_prefix);
    let client = use_memo(
        (props.api_base.clone(), props.get_access_token.clone(), props.events.clone()),
        |(base, token, events)| Client::new(base, token.clone(), events.clone().map(Events::at).unwrap_or_default()),
    );
    let manager = use_device_manager(client.clone());
    let config = use_widget_config(client.clone(), manager.version);
    let loaded = match &*config {
        Load::Ready(config) => Some(config),
        _ => None,
    };
    let types = loaded.map(|config| offered(&config.device_types, props.types.as_deref()));
    let shown = catalogue.is_some() && matches!(manager.list, Listing::Loaded(_));
    use_ready_event(client.clone(), types.clone().filter(|_| shown));
    // The type being added, and the device that waits for activation when the flow finishes one.
    let enrolling = use_state(|| None::<(DeviceType, Option<Device>)>);
    let notice = use_state(|| None::<&'static str>);

    let Some(messages) = catalogue else {
        // Words come before anything else: a screen half in English would be read out in the wrong language.
        return html! { <div class="mfa-enroll" lang={lang} aria-busy="true"></div> };
    };
    let scope = Scope { messages, id_prefix: (*id_prefix).clone() };
    let start = |device_type: &DeviceType| {
        let (enrolling, notice, dispatch, device_type) =
            (enrolling.clone(), notice.clone(), manager.dispatcher(), device_type.clone());
        Callback::from(move |_: MouseEvent| {
            notice.set(None);
            dispatch.dispatch(ManagerAction::Dismiss);
            enrolling.set(Some((device_type.clone(), None)));
        })
    };
    let on_finish = {
        let (enrolling, notice, dispatch) = (enrolling.clone(), notice.clone(), manager.dispatcher());
        Callback::from(move |device: Device| {
            notice.set(None);
            dispatch.dispatch(ManagerAction::Dismiss);
            enrolling.set(Some((device.device_type.clone(), Some(device))));
        })
    };
    let on_finished = {
        let (enrolling, notice, dispatch, client) =
            (enrolling.clone(), notice.clone(), manager.dispatcher(), client.clone());
        Callback::from(move |device: Option<Device>| {
            if let Some(device) = &device {
                client.events.enrolled(&device.id, &device.device_type);
            }
            notice.set(device.map(|device| match device.device_type {
                DeviceType::Totp => messages.totp_added(),
                _ => messages.device_added(),
            }));
            enrolling.set(None);
            dispatch.dispatch(ManagerAction::Reload);
        })
    };
    let on_manage = {
        let (notice, dispatch) = (notice.clone(), manager.dispatcher());
        Callback::from(move |action: ManagerAction| {
            notice.set(None);
            dispatch.dispatch(action);
        })
    };
    let on_retry = {
        let dispatch = manager.dispatcher();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(ManagerAction::Reload))
    };

    let list = match &manager.list {
        Listing::Loading => html! { <p>{ messages.loading_devices() }</p> },
        Listing::Loaded(_) => device_list(&manager, &on_manage, &on_finish, &scope),
        Listing::Failed(error) => html! {
            <>
                <Refusal error={error.clone()} />
                <button type="button" onclick={on_retry}>{ messages.retry() }</button>
            </>
        },
    };
    let announcement = match (*notice, &manager.task) {
        (Some(text), _) => text,
        (None, Task::Done(Change::Renamed)) => messages.renamed(),
        (None, Task::Done(Change::Removed)) => messages.device_removed(),
        (None, Task::Done(Change::DefaultChanged)) => messages.default_changed(),
        (None, Task::Failed(error)) => i18n::describe(error, messages),
        (None, _) => "",
    };
    let open = match (&*enrolling, &*config) {
        (Some((device_type, pending)), Load::Ready(config)) => flow_for(device_type, messages).map(|(_, host)| {
            let settings = FlowSettings {
                issuer: props.issuer.clone().or_else(|| config.issuer.clone().map(AttrValue::from)),
                resend_seconds: config.resend_cooldown_seconds.unwrap_or(DEFAULT_RESEND_SECONDS),
                extensions: config.phone_extensions,
                locale: locale.clone(),
            };
            host(EnrollmentProps {
                device_type: device_type.clone(),
                client: client.clone(),
                settings: Rc::new(settings),
                on_finished,
                pending: pending.clone(),
            })
        }),
        _ => None,
    };
    let choices = match &*config {
        Load::Pending => Html::default(),
        Load::Failed(error) => html! { <Refusal error={error.clone()} /> },
        Load::Ready(_) => html! {
            <div class="mfa-add-methods">
                { for types.iter().flatten().filter_map(|device_type| {
                    let (label, _) = flow_for(device_type, messages)?;
                    Some(html! { <button type="button" class="mfa-add" part="add" onclick={start(device_type)}>{ label }</button> })
                }) }
            </div>
        },
    };

    html! {
        <ContextProvider<Scope> context={scope}>
            <div class="mfa-enroll" part="root" lang={messages.lang} dir={if messages.is_rtl() { "rtl" } else { "ltr" }}>
                <h1 class="mfa-heading" part="heading">{ messages.heading() }</h1>
                <p class="mfa-notice" role="status" aria-live="polite">{ announcement }</p>
                { list }
                { open.unwrap_or(choices) }
            </div>
        </ContextProvider<Scope>>
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
