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

/// The options that a host page gives `mountWidget`, read by serde-wasm-bindgen; a value of the wrong type reads as
/// absent, so that one mistake does not cost the others.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct MountOptions {
    #[serde(deserialize_with = "devices_api::lenient::optional")]
    api_base: Option<String>,
    #[serde(deserialize_with = "devices_api::lenient::optional")]
    locale: Option<String>,
    #[serde(deserialize_with = "devices_api::lenient::optional")]
    locales_url: Option<String>,
    #[serde(deserialize_with = "devices_api::lenient::optional")]
    issuer: Option<String>,
    #[serde(deserialize_with = "devices_api::lenient::optional")]
    types: Option<String>,
    /// The host page's functions, kept as they are.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    load_catalogue: wasm_bindgen::JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    get_access_token: wasm_bindgen::JsValue,
}

/// The one entry, for the npm package and the self-service page alike: mounts a widget into `element` with the
/// options `apiBase`, `locale`, `types`, `issuer`, `getAccessToken`, and either `loadCatalogue`, which gives a
/// language's catalogue, or `localesUrl`, where the catalogues are served. Its events are dispatched on `element`.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = mountWidget)]
pub fn mount_widget(element: web_sys::Element, options: wasm_bindgen::JsValue) -> Widget {
    use wasm_bindgen::JsCast;
    use yew::AttrValue;
    let options: MountOptions = serde_wasm_bindgen::from_value(options).unwrap_or_default();
    let props = AppProps {
        api_base: options.api_base.map_or(AttrValue::Static("/api"), AttrValue::from),
        locale: options.locale.map(AttrValue::from),
        locales_url: options.locales_url.map_or(AttrValue::Static("locales/"), AttrValue::from),
        load_catalogue: options.load_catalogue.dyn_into().ok(),
        issuer: options.issuer.map(AttrValue::from),
        types: options.types.map(AttrValue::from),
        get_access_token: options.get_access_token.dyn_into().ok(),
        events: Some(element.clone().into()),
    };
    Widget { handle: Some(mount(element, props)) }
}
