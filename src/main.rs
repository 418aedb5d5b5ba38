//! The self-service page: mounts one widget into `#mfa-enroll`, configured by that element's `data-` attributes
//! (`data-api-base`, `data-locale`, `data-issuer`, `data-locales-url`). A `?locale=` in the page's address wins over
//! `data-locale`, so that a portal can link to the page in the person's language.

use mfa_enroll_widget::AppProps;
use yew::AttrValue;

fn main() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let Some(root) = document.get_element_by_id("mfa-enroll") else { return };
    let option = |name: &str| root.get_attribute(&format!("data-{name}")).map(AttrValue::from);
    let linked_locale = document
        .location()
        .and_then(|location| location.search().ok())
        .and_then(|search| search.split(['?', '&']).find_map(|pair| pair.strip_prefix("locale=").map(str::to_owned)));
    let props = AppProps {
        api_base: option("api-base").unwrap_or(AttrValue::Static("/api")),
        locale: linked_locale.map(AttrValue::from).or_else(|| option("locale")),
        locales_url: option("locales-url").unwrap_or(AttrValue::Static("locales/")),
        issuer: option("issuer"),
    };
    // The widget lives as long as the page; dropping the handle leaves it mounted.
    drop(mfa_enroll_widget::mount(root, props));
}
