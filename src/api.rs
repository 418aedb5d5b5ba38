//! The widget's one HTTP client: one small async method per contract endpoint, and one place that turns every
//! non-2xx answer into a typed [`ApiError`] and tells the host page about it.
//!
//! It speaks only the proxy contract, relative to the `api_base` the host page gave, with the person's own access
//! token when the host gives one. It never sees a PingOne token and never names a user: the proxy decides who the
//! person is.

use devices_api::{
    CONTENT_TYPE_ACTIVATE, CONTENT_TYPE_JSON, CONTENT_TYPE_REORDER, CONTENT_TYPE_SEND_ACTIVATION_CODE, CreateDevice,
    Device,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

use crate::error::ApiError;
use crate::events::Events;
use crate::types::{DeviceOverview, WidgetConfig};
use crate::wire::{self, Body};

/// How the widget reaches the proxy: where, as whom, and where it tells the host page what happened.
#[derive(Clone, PartialEq)]
pub struct Client {
    base: String,
    /// The host page's `getAccessToken`: its result, awaited when it is a promise, goes out as a Bearer token.
    access_token: Option<js_sys::Function>,
    pub events: Events,
    create_key: CreateKey,
}

/// The `Idempotency-Key` of the last create that has not succeeded, with its body: sending the same create again,
/// after no answer or a failed one, sends the same key, so that the proxy makes it at most once and sends its message
/// once. Another body is another create, with a new key.
#[derive(Clone, Default)]
struct CreateKey(std::rc::Rc<std::cell::RefCell<Option<(String, String)>>>);

impl PartialEq for CreateKey {
    fn eq(&self, other: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.0, &other.0)
    }
}

impl CreateKey {
    /// The key for a create of `body`: the last one's if its body is the same, a new one otherwise.
    fn for_body(&self, body: &str) -> Result<String, ApiError> {
        let mut held = self.0.borrow_mut();
        if let Some((held_body, key)) = held.as_ref()
            && held_body == body
        {
            return Ok(key.clone());
        }
        let mut bytes = [0u8; 16];
        let crypto = web_sys::window().and_then(|window| window.crypto().ok()).ok_or(ApiError::CannotSend)?;
        crypto.get_random_values_with_u8_array(&mut bytes).map_err(|_| ApiError::CannotSend)?;
        let key: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        *held = Some((body.to_owned(), key.clone()));
        Ok(key)
    }

    /// The create succeeded: the next one is another.
    fn done(&self) {
        self.0.borrow_mut().take();
    }
}

impl Client {
    /// A client for the contract at `base` (no trailing slash).
    pub fn new(base: &str, access_token: Option<js_sys::Function>, events: Events) -> Self {
        Self { base: base.to_owned(), access_token, events, create_key: CreateKey::default() }
    }

    /// `GET {base}/devices`: the person's devices.
    pub async fn list_devices(&self) -> Result<DeviceOverview, ApiError> {
        let list = read(self.call("GET", "/devices", None, None).await?, wire::read_device_list).await?;
        let default_id = list.embedded.order.into_iter().next().map(|first| first.id);
        Ok(DeviceOverview { devices: list.embedded.devices, default_id })
    }

    /// `PUT {base}/devices/{id}/nickname`.
    pub async fn rename_device(&self, device_id: &str, nickname: &str) -> Result<(), ApiError> {
        let body = (CONTENT_TYPE_JSON, json(&wire::nickname_body(nickname))?);
        self.call("PUT", &format!("/devices/{device_id}/nickname"), Some(body), None).await.map(drop)
    }

    /// `POST {base}/devices` with the reorder content type: `order[0]` becomes the default.
    pub async fn reorder_devices(&self, order: &[String]) -> Result<(), ApiError> {
        let body = (CONTENT_TYPE_REORDER, json(&wire::order_body(order))?);
        self.call("POST", "/devices", Some(body), None).await.map(drop)
    }

    /// `GET {base}/config`: what this person may enroll here.
    pub async fn config(&self) -> Result<WidgetConfig, ApiError> {
        read(self.call("GET", "/config", None, None).await?, wire::read_config).await
    }

    /// `POST {base}/devices`: a new device, waiting for activation; made at most once however often it is sent.
    pub async fn create_device(&self, request: &CreateDevice) -> Result<Device, ApiError> {
        let body = json(&wire::create_body(request))?;
        let key = self.create_key.for_body(&body)?;
        let answer = self.call("POST", "/devices", Some((CONTENT_TYPE_JSON, body)), Some(&key)).await?;
        let device = read(answer, wire::read_device).await?;
        self.create_key.done();
        Ok(device)
    }

    /// `POST {base}/devices/{id}` with the activate content type; `oath_resync` for hardware tokens.
    pub async fn activate_device(&self, device_id: &str, otp: &str, oath_resync: bool) -> Result<Device, ApiError> {
        let body = (CONTENT_TYPE_ACTIVATE, json(&wire::activate_body(otp, oath_resync))?);
        read(self.call("POST", &format!("/devices/{device_id}"), Some(body), None).await?, wire::read_device).await
    }

    /// `POST {base}/devices/{id}` with the resend content type: a new pairing code.
    pub async fn resend_code(&self, device_id: &str) -> Result<(), ApiError> {
        let body = (CONTENT_TYPE_SEND_ACTIVATION_CODE, String::new());
        self.call("POST", &format!("/devices/{device_id}"), Some(body), None).await.map(drop)
    }

    /// `DELETE {base}/devices/{id}`.
    pub async fn delete_device(&self, device_id: &str) -> Result<(), ApiError> {
        self.call("DELETE", &format!("/devices/{device_id}"), None, None).await.map(drop)
    }

    /// The one place where a request goes out and its answer becomes a success or an error; every error is also
    /// reported to the host page.
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, String)>,
        idempotency_key: Option<&str>,
    ) -> Result<Response, ApiError> {
        let result = self.send(method, path, body, idempotency_key).await;
        if let Err(error) = &result {
            self.events.refused(error);
        }
        result
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, String)>,
        idempotency_key: Option<&str>,
    ) -> Result<Response, ApiError> {
        let headers = Headers::new().map_err(|_| ApiError::CannotSend)?;
        if let Some(key) = idempotency_key {
            headers.set("Idempotency-Key", key).map_err(|_| ApiError::CannotSend)?;
        }
        if let Some(token) = self.access_token().await? {
            headers.set("Authorization", &format!("Bearer {token}")).map_err(|_| ApiError::CannotSend)?;
        }
        let request = RequestInit::new();
        request.set_method(method);
        if let Some((content_type, body)) = body {
            headers.set("Content-Type", content_type).map_err(|_| ApiError::CannotSend)?;
            request.set_body(&body.into());
        }
        request.set_headers(&headers);
        checked(fetch(&format!("{}{path}", self.base), &request).await.ok_or(ApiError::Network)?).await
    }

    /// The host page's token for this request; a host that cannot give one means the session has ended.
    async fn access_token(&self) -> Result<Option<String>, ApiError> {
        let Some(get_token) = &self.access_token else { return Ok(None) };
        let token = host_answer(get_token, &JsValue::UNDEFINED).await.and_then(|token| token.as_string());
        token.filter(|token| !token.is_empty()).map(Some).ok_or(ApiError::NoToken)
    }
}

/// Turns an answer into a success or an error: `fetch` resolves on 4xx and 5xx too.
async fn checked(response: Response) -> Result<Response, ApiError> {
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    if status == 429 {
        let retry_after = response.headers().get("retry-after").ok().flatten();
        let retry_after = retry_after.and_then(|seconds| seconds.trim().parse().ok());
        return Err(ApiError::TooMany { retry_after });
    }
    match read(response, wire::read_error).await {
        Ok(body) => Err(ApiError::Server { status, body }),
        Err(_) => Err(ApiError::Status(status)),
    }
}

/// The answer's body, read by `reader` (see `wire`).
async fn read<T>(response: Response, reader: fn(&str) -> Option<T>) -> Result<T, ApiError> {
    text(&response).await.as_deref().and_then(reader).ok_or(ApiError::Unreadable)
}

/// The browser's `fetch`; `None` when no answer came (the network or the server is down, or CORS refused it).
pub(crate) async fn fetch(url: &str, request: &RequestInit) -> Option<Response> {
    let answer = web_sys::window()?.fetch_with_str_and_init(url, request);
    JsFuture::from(answer).await.ok()?.dyn_into().ok()
}

/// What a host page's function gives for `argument`, awaited when it is a promise; `None` when it throws or the
/// promise rejects.
pub(crate) async fn host_answer(function: &js_sys::Function, argument: &JsValue) -> Option<JsValue> {
    let given = function.call1(&JsValue::NULL, argument).ok()?;
    JsFuture::from(js_sys::Promise::resolve(&given)).await.ok()
}

/// An answer's body as text.
pub(crate) async fn text(response: &Response) -> Option<String> {
    JsFuture::from(response.text().ok()?).await.ok()?.as_string()
}

fn json(body: &Body) -> Result<String, ApiError> {
    body.text().ok_or(ApiError::CannotSend)
}
