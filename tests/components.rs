//! The widget's views in real headless Chromium (wasm-bindgen-test): what a screen reader and a phone keyboard get
//! from the DOM that the components render.
#![cfg(target_arch = "wasm32")]

use devices_api::Device;
use mfa_enroll_widget::components::qr_code::qr_code;
use mfa_enroll_widget::components::totp_enrollment::TotpEnrollment;
use mfa_enroll_widget::context::Scope;
use mfa_enroll_widget::flows::CodeProblem;
use mfa_enroll_widget::flows::totp::{CodeEntry, Enrollment, TotpAction, TotpFlow, TotpStep};
use mfa_enroll_widget::i18n::EN;
use wasm_bindgen_test::*;
use web_sys::Element;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

const KEY_URI: &str = "otpauth://totp/demo@example.com?secret=D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35";

fn fresh_root() -> Element {
    let document = web_sys::window().and_then(|w| w.document()).expect("a document");
    let root = document.create_element("div").expect("a div");
    document.body().expect("a body").append_child(&root).expect("attached");
    root
}

fn awaiting(problem: Option<CodeProblem>) -> TotpFlow {
    let enrollment = Enrollment {
        device_id: "1c41a471-3195-4edf-90fd-f9283028ab1a".into(),
        secret: "D7RKLTNV4OCOBO2SKNKFLRYC4LO3IF35".into(),
        key_uri: KEY_URI.into(),
    };
    TotpFlow { step: TotpStep::AwaitingCode(CodeEntry { enrollment, code: String::new(), problem }) }
}

#[derive(Properties, PartialEq)]
struct FlowProps {
    flow: TotpFlow,
    id_prefix: AttrValue,
}

#[component]
fn Flow(props: &FlowProps) -> Html {
    html! {
        <ContextProvider<Scope> context={Scope { messages: &EN, id_prefix: props.id_prefix.clone() }}>
            <TotpEnrollment flow={props.flow.clone()} on_action={Callback::from(|_: TotpAction| ())} />
        </ContextProvider<Scope>>
    }
}

async fn render_flow(flow: TotpFlow, id_prefix: &'static str) -> Element {
    let root = fresh_root();
    yew::Renderer::<Flow>::with_root_and_props(root.clone(), FlowProps { flow, id_prefix: id_prefix.into() }).render();
    yew::scheduler::flush().await;
    root
}

fn attr(root: &Element, selector: &str, name: &str) -> Option<String> {
    root.query_selector(selector).ok().flatten().and_then(|element| element.get_attribute(name))
}

#[wasm_bindgen_test]
async fn the_qr_code_is_an_image_named_as_a_qr_code() {
    #[component]
    fn Qr() -> Html {
        let drawing = mfa_enroll_widget::qr::draw(KEY_URI).expect("a key URI fits a QR code");
        qr_code(&drawing, "QR code for your authenticator app")
    }
    let root = fresh_root();
    yew::Renderer::<Qr>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    assert_eq!(attr(&root, "svg", "role").as_deref(), Some("img"));
    assert_eq!(attr(&root, "svg", "aria-label").as_deref(), Some("QR code for your authenticator app"));
    let path = attr(&root, "svg path", "d").expect("a path");
    assert!(path.starts_with("M4 4h7"), "a finder pattern starts the drawing: {path:.20}");
    assert!(!root.inner_html().contains("otpauth"), "the URI is never in the markup");
}

#[wasm_bindgen_test]
async fn the_code_field_is_labelled_and_asks_for_a_numeric_one_time_code() {
    let root = render_flow(awaiting(None), "first").await;
    let input = "input[name='otp']";
    assert_eq!(attr(&root, input, "autocomplete").as_deref(), Some("one-time-code"));
    assert_eq!(attr(&root, input, "inputmode").as_deref(), Some("numeric"));
    assert_eq!(attr(&root, input, "aria-invalid").as_deref(), Some("false"));
    let id = attr(&root, input, "id").expect("an id");
    let label = root.query_selector(&format!("label[for='{id}']")).ok().flatten().expect("a label for the field");
    assert_eq!(label.text_content().as_deref(), Some("6-digit code from your app"));
    let secret = root.query_selector(".mfa-secret-value").ok().flatten().and_then(|e| e.text_content());
    assert_eq!(secret.as_deref(), Some("D7RK LTNV 4OCO BO2S KNKF LRYC 4LO3 IF35"));
    for button in ["button[type='submit']", "button[type='button']"] {
        let text = root.query_selector(button).ok().flatten().and_then(|e| e.text_content()).unwrap_or_default();
        assert!(!text.trim().is_empty(), "{button} has a name");
    }
}

#[wasm_bindgen_test]
async fn a_problem_is_tied_to_the_field_and_ids_differ_between_instances() {
    let first = render_flow(awaiting(Some(CodeProblem::WrongLength)), "first").await;
    let second = render_flow(awaiting(None), "second").await;
    let described_by = attr(&first, "input[name='otp']", "aria-describedby").expect("described");
    let problem = first.query_selector("p[role='alert']").ok().flatten().expect("a message");
    assert_eq!(problem.text_content().as_deref(), Some("The code has 6 digits."));
    assert!(described_by.split(' ').any(|id| Some(id.to_owned()) == problem.get_attribute("id")));
    assert_eq!(attr(&first, "input[name='otp']", "aria-invalid").as_deref(), Some("true"));
    assert_ne!(attr(&first, "input[name='otp']", "id"), attr(&second, "input[name='otp']", "id"));
}

#[wasm_bindgen_test]
async fn a_finished_flow_keeps_its_heading_and_renders_no_form() {
    let root = render_flow(TotpFlow { step: TotpStep::Finished(None::<Device>) }, "done").await;
    let section = root.query_selector("section.mfa-enroll-totp").ok().flatten().expect("the flow's section");
    assert_eq!(section.get_attribute("aria-labelledby").as_deref(), Some("done-totp-heading"));
    let heading = root.query_selector("h2#done-totp-heading").ok().flatten().and_then(|h| h.text_content());
    assert_eq!(heading.as_deref(), Some(EN.totp_heading()), "the section is named by its heading");
    for gone in ["form", "input", "button", "p[role='status']", "p[role='alert']"] {
        assert!(root.query_selector(gone).ok().flatten().is_none(), "a finished flow shows no {gone}");
    }
}

mod delivered_and_list {
    use devices_api::Device;
    use mfa_enroll_widget::components::delivered_enrollment::DeliveredEnrollment;
    use mfa_enroll_widget::components::device_list::device_list;
    use mfa_enroll_widget::context::Scope;
    use mfa_enroll_widget::flows::delivered::{Channel, DeliveredAction, DeliveredFlow};
    use mfa_enroll_widget::flows::devices::{DeviceManager, ManagerAction};
    use mfa_enroll_widget::i18n::EN;
    use mfa_enroll_widget::types::DeviceOverview;
    use wasm_bindgen_test::*;
    use yew::prelude::*;

    use super::{attr, fresh_root};

    #[derive(Properties, PartialEq)]
    struct DeliveredProps {
        flow: DeliveredFlow,
    }

    #[component]
    fn Delivered(props: &DeliveredProps) -> Html {
        html! {
            <ContextProvider<Scope> context={Scope { messages: &EN, id_prefix: "delivered".into() }}>
                <DeliveredEnrollment flow={props.flow.clone()} on_action={Callback::from(|_: DeliveredAction| ())} />
            </ContextProvider<Scope>>
        }
    }

    #[wasm_bindgen_test]
    async fn a_phone_field_asks_for_a_phone_and_explains_a_bad_one() {
        let flow = DeliveredFlow::new(Channel::Sms, 30, "FR".into())
            .next(DeliveredAction::AddressChanged("555".into()))
            .next(DeliveredAction::SubmitAddress);
        let root = fresh_root();
        yew::Renderer::<Delivered>::with_root_and_props(root.clone(), DeliveredProps { flow }).render();
        yew::scheduler::flush().await;
        let field = "input[name='address']";
        assert_eq!(attr(&root, field, "type").as_deref(), Some("tel"));
        assert_eq!(attr(&root, field, "autocomplete").as_deref(), Some("tel"));
        assert_eq!(attr(&root, field, "aria-invalid").as_deref(), Some("true"));
        let problem = root.query_selector("p[role='alert']").ok().flatten().and_then(|p| p.text_content());
        assert_eq!(problem.as_deref(), Some(EN.phone_invalid()));
        let heading = root.query_selector("h2").ok().flatten().and_then(|h| h.text_content());
        assert_eq!(heading.as_deref(), Some(EN.sms_heading()));
        let country = root.query_selector("select[name='country']").ok().flatten().expect("a country selector");
        let country: web_sys::HtmlSelectElement = wasm_bindgen::JsCast::unchecked_into(country);
        assert_eq!(country.value(), "FR", "the flow's region is selected");
        assert!(country.length() > 235, "every country: {}", country.length());
        let chosen = root.query_selector("option[value='FR']").ok().flatten().and_then(|o| o.text_content());
        assert_eq!(chosen.as_deref(), Some("France (+33)"), "the browser names the country in the widget's language");
        let label_for = attr(&root, "label[for='delivered-region']", "for");
        assert_eq!(label_for.as_deref(), Some("delivered-region"), "the selector has a label");
    }

    #[derive(Properties, PartialEq)]
    struct ListProps {
        manager: DeviceManager,
    }

    #[component]
    fn List(props: &ListProps) -> Html {
        let scope = Scope { messages: &EN, id_prefix: "list".into() };
        device_list(&props.manager, &Callback::from(|_: ManagerAction| ()), &Callback::from(|_: Device| ()), &scope)
    }

    fn device(json: serde_json::Value) -> Device {
        serde_json::from_value(json).expect("a device")
    }

    #[wasm_bindgen_test]
    async fn the_list_marks_the_default_masks_phones_and_shows_locks() {
        let devices = vec![
            device(serde_json::json!({ "id": "a", "type": "SMS", "status": "ACTIVE", "phone": "+15125201234" })),
            device(serde_json::json!({ "id": "b", "type": "TOTP", "status": "ACTIVE", "nickname": "Work",
                "lock": { "status": "LOCKED", "expiresAt": "2026-11-23T09:00:00.000Z" } })),
        ];
        let manager = DeviceManager::default()
            .next(ManagerAction::Loaded(Ok(DeviceOverview { devices, default_id: Some("b".into()) })));
        let root = fresh_root();
        yew::Renderer::<List>::with_root_and_props(root.clone(), ListProps { manager }).render();
        yew::scheduler::flush().await;
        let text = root.text_content().unwrap_or_default();
        assert!(text.contains("•••• 1234") && !text.contains("5125201234"), "the phone is masked: {text}");
        assert_eq!(root.query_selector_all(".mfa-device-default").map(|list| list.length()).ok(), Some(1));
        let default_row = root.query_selector("li[data-device-id='b'] .mfa-device-default").ok().flatten();
        assert!(default_row.is_some(), "the order's first device is the default");
        let lock =
            root.query_selector(".mfa-device-lock").ok().flatten().and_then(|l| l.text_content()).unwrap_or_default();
        let local_time = js_sys::Date::new(&"2026-11-23T09:00:00.000Z".into()).to_locale_time_string("en");
        assert!(lock.contains(&format!("Locked until \u{2068}{}\u{2069}.", String::from(local_time))), "{lock}");
        let icon = |id: &str| attr(&root, &format!("li[data-device-id='{id}'] svg.mfa-device-icon path"), "d");
        assert!(icon("a").is_some() && icon("b").is_some() && icon("a") != icon("b"), "each kind has its own icon");
        let hidden = attr(&root, "li[data-device-id='a'] svg.mfa-device-icon", "aria-hidden");
        assert_eq!(hidden.as_deref(), Some("true"), "the icon is decorative: the name says the kind");
        assert!(root.query_selector("button[aria-label='Make default Text message']").ok().flatten().is_some());
        assert!(
            root.query_selector("button[aria-label='Make default Work']").ok().flatten().is_none(),
            "already the default"
        );
    }
}

mod refusal {
    use mfa_enroll_widget::components::refusal::Refusal;
    use mfa_enroll_widget::error::ApiError;
    use mfa_enroll_widget::i18n::EN;
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::*;
    use yew::prelude::*;

    use super::fresh_root;

    #[derive(Properties, PartialEq)]
    struct Props {
        error: ApiError,
    }

    #[component]
    fn Refused(props: &Props) -> Html {
        html! { <Refusal error={props.error.clone()} /> }
    }

    fn text_of(root: &web_sys::Element, selector: &str) -> Option<String> {
        root.query_selector(selector).ok().flatten().and_then(|element| element.text_content())
    }

    /// Polls every 50 ms until `selector`'s text in `root` is `expected`, for at most 3 s.
    async fn until_text(root: &web_sys::Element, selector: &str, expected: Option<&str>) {
        for _ in 0..60 {
            if text_of(root, selector).as_deref() == expected {
                return;
            }
            let promise = js_sys::Promise::new(&mut |resolve, _| {
                let window = web_sys::window().expect("a window");
                window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 50).expect("a timer");
            });
            JsFuture::from(promise).await.expect("the timer fires");
        }
        assert_eq!(text_of(root, selector).as_deref(), expected, "{selector} within 3 s");
    }

    #[wasm_bindgen_test]
    async fn a_rate_limit_counts_down_from_retry_after_to_try_again_now() {
        let root = fresh_root();
        let error = ApiError::TooMany { retry_after: Some(2) };
        yew::Renderer::<Refused>::with_root_and_props(root.clone(), Props { error }).render();
        yew::scheduler::flush().await;
        assert_eq!(text_of(&root, "p[role='alert']").as_deref(), Some(EN.error_too_many()));
        assert_eq!(text_of(&root, "p[role='timer']").as_deref(), Some("Try again in \u{2068}2\u{2069} s."));
        until_text(&root, "p[role='timer']", Some("Try again in \u{2068}1\u{2069} s.")).await;
        until_text(&root, "p[role='status']", Some(EN.retry_now())).await;
        assert_eq!(text_of(&root, "p[role='timer']"), None, "the timer is gone");
    }

    #[wasm_bindgen_test]
    async fn a_refusal_without_a_wait_has_no_countdown() {
        let root = fresh_root();
        yew::Renderer::<Refused>::with_root_and_props(root.clone(), Props { error: ApiError::Network }).render();
        yew::scheduler::flush().await;
        assert_eq!(text_of(&root, "p[role='alert']").as_deref(), Some(EN.error_network()));
        assert_eq!(text_of(&root, "p[role='timer']"), None);
    }
}

mod catalogues {
    use mfa_enroll_widget::i18n;
    use wasm_bindgen_test::*;

    /// A host page's `loadCatalogue` that counts its calls in `window[counter]` and titles the widget `title`.
    fn loader(counter: &str, title: &str) -> js_sys::Function {
        js_sys::Function::new_with_args(
            "lang",
            &format!("window.{counter} = (window.{counter} || 0) + 1; return {{ heading: '{title} ' + lang }};"),
        )
    }

    fn calls(counter: &str) -> f64 {
        let window = web_sys::window().expect("a window");
        js_sys::Reflect::get(&window, &counter.into()).ok().and_then(|calls| calls.as_f64()).unwrap_or_default()
    }

    #[wasm_bindgen_test]
    async fn each_loader_gives_its_own_catalogue_in_a_language_that_another_loaded() {
        let (first, second) = (loader("__firstCalls", "Erste"), loader("__secondCalls", "Zweite"));
        let by_first = i18n::load("de", "locales/", Some(first.clone())).await;
        let by_second = i18n::load("de", "locales/", Some(second.clone())).await;
        assert_eq!(by_first.by_key("heading"), Some("Erste de"));
        assert_eq!(by_second.by_key("heading"), Some("Zweite de"), "the second widget's own loader was asked");
        let again = i18n::load("de", "locales/", Some(second)).await;
        assert!(std::ptr::eq(again, by_second), "a loader's catalogue is kept");
        i18n::load("de", "locales/", Some(first)).await;
        assert_eq!((calls("__firstCalls"), calls("__secondCalls")), (1.0, 1.0), "each loader is asked once");
    }
}
