//! mfa-enroll: a widget that lets a signed-in person add and manage their MFA devices.
//!
//! It speaks only the proxy contract (see `api`), never sees a PingOne token and never names a user. Each
//! enrollment flow is a pure state machine in `flows`; components only render state and dispatch actions.

pub mod api;
pub mod app;
pub mod components;
pub mod context;
pub mod countries;
pub mod error;
pub mod events;
pub mod flows;
pub mod hooks;
pub mod i18n;
pub mod qr;
pub mod types;
pub mod wire;

pub use app::{App, AppProps};

/// Mounts a widget into `element`, configured by `props`; the returned handle removes it again.
pub fn mount(element: web_sys::Element, props: AppProps) -> yew::AppHandle<App> {
    yew::Renderer::<App>::with_root_and_props(element, props).render()
}

/// A widget that a host page mounted through the npm package; `destroy()` unmounts it.
#[wasm_bindgen::prelude::wasm_bindgen]
pub struct Widget {
    handle: Option<yew::AppHandle<App>>,
}

#[wasm_bindgen::prelude::wasm_bindgen]
impl Widget {
    /// Removes the widget: its DOM, its listeners and its timers.
    pub fn destroy(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
    }
}

/// The one entry, for the npm package and the self-service page alike: mounts a widget into `element` with the
/// options `apiBase`, `locale`, `types`, `issuer`, `getAccessToken`, and either `loadCatalogue`, which gives a
/// language's catalogue, or `localesUrl`, where the catalogues are served. Its events are dispatched on `element`.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = mountWidget)]
pub fn mount_widget(element: web_sys::Element, options: &wasm_bindgen::JsValue) -> Widget {
    use yew::AttrValue;
    let option = |name: &str| js_sys::Reflect::get(options, &name.into()).ok().filter(|value| !value.is_undefined());
    let text = |name: &str| option(name).and_then(|value| value.as_string()).map(AttrValue::from);
    let props = AppProps {
        api_base: text("apiBase").unwrap_or(AttrValue::Static("/api")),
        locale: text("locale"),
        locales_url: text("localesUrl").unwrap_or(AttrValue::Static("locales/")),
        load_catalogue: option("loadCatalogue").and_then(|value| wasm_bindgen::JsCast::dyn_into(value).ok()),
        issuer: text("issuer"),
        types: text("types"),
        get_access_token: option("getAccessToken").and_then(|value| wasm_bindgen::JsCast::dyn_into(value).ok()),
        events: Some(element.clone().into()),
    };
    Widget { handle: Some(mount(element, props)) }
}
