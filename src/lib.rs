//! mfa-enroll: a widget that lets a signed-in person add and manage their MFA devices.
//!
//! It speaks only the proxy contract (see `api`), never sees a PingOne token and never names a user. Each
//! enrollment flow is a pure state machine in `flows`; components only render state and dispatch actions.

pub mod api;
pub mod app;
pub mod components;
pub mod countries;
pub mod flows;
pub mod i18n;
pub mod qr;

pub use app::{App, AppProps};

/// Mounts a widget into `element`, configured by `props`; the returned handle removes it again.
pub fn mount(element: web_sys::Element, props: AppProps) -> yew::AppHandle<App> {
    yew::Renderer::<App>::with_root_and_props(element, props).render()
}
