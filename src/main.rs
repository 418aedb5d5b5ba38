//! The self-service page: mounts one widget into its `[data-mfa-enroll-page]` element, configured by that element's
//! `data-` attributes
//! (`data-api-base`, `data-locale`, `data-issuer`, `data-types`, `data-locales-url`). Its events are dispatched on
//! that element. A `?locale=` in the page's address wins over
//! `data-locale`, so that a portal can link to the page in the person's language.

use mfa_enroll_widget::AppProps;
use yew::AttrValue;

fn main() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    // Only the self-service page marks its element: a page that loads the npm package (the same wasm) and happens to
    // have an element called `mfa-enroll` gets no widget it did not ask for.
    let Ok(Some(root)) = document.query_selector("[data-mfa-enroll-page]") else { return };
    let option = |name: &str| root.get_attribute(&format!("data-{name}")).map(AttrValue::from);
    let linked_locale = document
        .location()
        .and_then(|location| location.search().ok())
        .and_then(|search| search.split(['?', '&']).find_map(|pair| pair.strip_prefix("locale=").map(str::to_owned)));
    let props = AppProps {
        api_base: option("api-base").unwrap_or(AttrValue::Static("/api")),
        locale: linked_locale.map(AttrValue::from).or_else(|| option("locale")),
        locales_url: option("locales-url").unwrap_or(AttrValue::Static("locales/")),
        load_catalogue: None,
        issuer: option("issuer"),
        types: option("types"),
        get_access_token: None,
        events: Some(root.clone().into()),
    };
    // The widget lives as long as the page; dropping the handle leaves it mounted.
    drop(mfa_enroll_widget::mount(root, props));
}
