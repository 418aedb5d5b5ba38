//! The self-service page: mounts one widget into `#mfa-enroll`, talking to the proxy at `/api`.

fn main() {
    let root = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("mfa-enroll"));
    if let Some(root) = root {
        // The widget lives as long as the page; dropping the handle leaves it mounted.
        drop(mfa_enroll_widget::mount(root, mfa_enroll_widget::AppProps { api_base: "/api".into() }));
    }
}
