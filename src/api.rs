//! The widget's one HTTP client: one small async method per contract endpoint, and one place that turns every
//! non-2xx answer into a typed [`ApiError`] and tells the host page about it.
//!
//! It speaks only the proxy contract, relative to the `api_base` the host page gave, with the person's own access
//! token when the host gives one. It never sees a PingOne token and never names a user: the proxy decides who the
//! person is.

use devices_api::{
    ActivateDevice, CONTENT_TYPE_ACTIVATE, CONTENT_TYPE_JSON, CONTENT_TYPE_REORDER, CONTENT_TYPE_SEND_ACTIVATION_CODE,
    CreateDevice, Device, DeviceList, ErrorBody, IdRef, Rename, Reorder, WidgetConfig,
};
use gloo_net::http::{Method, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::error::ApiError;
use crate::events::Events;
use crate::flows::{after_refusal, needs_device_read};
use crate::types::DeviceOverview;

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
        let list: DeviceList = read(self.call(Method::GET, "/devices", None, None).await?).await?;
        let default_id = list.default_id().map(str::to_owned);
        Ok(DeviceOverview { devices: list.embedded.devices, default_id })
    }

    /// `PUT {base}/devices/{id}/nickname`.
    pub async fn rename_device(&self, device_id: &str, nickname: &str) -> Result<(), ApiError> {
        let body = (CONTENT_TYPE_JSON, json(&Rename { nickname: nickname.to_owned() })?);
        self.call(Method::PUT, &format!("/devices/{device_id}/nickname"), Some(body), None).await.map(drop)
    }

    /// `POST {base}/devices` with the reorder content type: `order[0]` becomes the default.
    pub async fn reorder_devices(&self, order: &[String]) -> Result<(), ApiError> {
        let order = Reorder { order: order.iter().map(|id| IdRef { id: id.clone() }).collect() };
        self.call(Method::POST, "/devices", Some((CONTENT_TYPE_REORDER, json(&order)?)), None).await.map(drop)
    }

    /// `GET {base}/config`: what this person may enroll here.
    pub async fn config(&self) -> Result<WidgetConfig, ApiError> {
        read(self.call(Method::GET, "/config", None, None).await?).await
    }

    /// `POST {base}/devices`: a new device, waiting for activation; made at most once however often it is sent.
    pub async fn create_device(&self, request: &CreateDevice) -> Result<Device, ApiError> {
        let body = json(request)?;
        let key = self.create_key.for_body(&body)?;
        let answer = self.call(Method::POST, "/devices", Some((CONTENT_TYPE_JSON, body)), Some(&key)).await?;
        let device = read(answer).await?;
        self.create_key.done();
        Ok(device)
    }

    /// `POST {base}/devices/{id}` with the activate content type; `oath_resync` for hardware tokens. A refused
    /// code is followed by a read of the device: PingOne documents what a refusal does to it (its `lock`), not how
    /// the refusal reads.
    pub async fn activate_device(&self, device_id: &str, otp: &str, oath_resync: bool) -> Result<Device, ApiError> {
        let activate = ActivateDevice { otp: otp.to_owned(), oath_resync: oath_resync.then_some(true) };
        let body = (CONTENT_TYPE_ACTIVATE, json(&activate)?);
        let refused = match self.call(Method::POST, &format!("/devices/{device_id}"), Some(body), None).await {
            Ok(answer) => return read(answer).await,
            Err(refused) => refused,
        };
        self.read_back(refused, device_id).await
    }

    /// What a refusal to act on a device means, read from the device where PingOne documents it.
    async fn read_back(&self, refused: ApiError, device_id: &str) -> Result<Device, ApiError> {
        if !needs_device_read(&refused) {
            return Err(refused);
        }
        let device =
            self.list_devices().await.ok().and_then(|list| list.devices.into_iter().find(|d| d.id == device_id));
        after_refusal(refused, device)
    }

    /// `POST {base}/devices/{id}` with the resend content type: a new pairing code. A refusal is followed by a
    /// read of the device, which says whether it is locked.
    pub async fn resend_code(&self, device_id: &str) -> Result<(), ApiError> {
        let body = (CONTENT_TYPE_SEND_ACTIVATION_CODE, String::new());
        let refused = match self.call(Method::POST, &format!("/devices/{device_id}"), Some(body), None).await {
            Ok(_) => return Ok(()),
            Err(refused) => refused,
        };
        match self.read_back(refused.clone(), device_id).await {
            Err(locked @ ApiError::DeviceLocked { .. }) => Err(locked),
            _ => Err(refused),
        }
    }

    /// `DELETE {base}/devices/{id}`.
    pub async fn delete_device(&self, device_id: &str) -> Result<(), ApiError> {
        self.call(Method::DELETE, &format!("/devices/{device_id}"), None, None).await.map(drop)
    }

    /// The one place where a request goes out and its answer becomes a success or an error; every error is also
    /// reported to the host page.
    async fn call(
        &self,
        method: Method,
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
        method: Method,
        path: &str,
        body: Option<(&str, String)>,
        idempotency_key: Option<&str>,
    ) -> Result<Response, ApiError> {
        let mut request = RequestBuilder::new(&format!("{}{path}", self.base)).method(method);
        if let Some(token) = self.access_token().await? {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        let request = match body {
            Some((content_type, body)) => request.header("Content-Type", content_type).body(body),
            None => request.build(),
        };
        let response = request.map_err(|_| ApiError::CannotSend)?.send().await.map_err(|_| ApiError::Network)?;
        checked(response).await
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
        let retry_after = response.headers().get("retry-after").and_then(|seconds| seconds.trim().parse().ok());
        return Err(ApiError::TooMany { retry_after });
    }
    match read::<ErrorBody>(response).await {
        Ok(body) => Err(ApiError::Server { status, body }),
        Err(_) => Err(ApiError::Status(status)),
    }
}

/// The answer's JSON body as the contract's type `T`.
async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    parse(&response.text().await.map_err(|_| ApiError::Unreadable)?)
}

/// JSON text as the contract's type `T`: parsed by the browser and read by serde-wasm-bindgen, leniently where
/// `devices_api` says so; a required field that is missing or mistyped makes it unreadable.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    let value = js_sys::JSON::parse(text).map_err(|_| ApiError::Unreadable)?;
    serde_wasm_bindgen::from_value(value).map_err(|_| ApiError::Unreadable)
}

/// What a host page's function gives for `argument`, awaited when it is a promise; `None` when it throws or the
/// promise rejects.
pub(crate) async fn host_answer(function: &js_sys::Function, argument: &JsValue) -> Option<JsValue> {
    let given = function.call1(&JsValue::NULL, argument).ok()?;
    JsFuture::from(js_sys::Promise::resolve(&given)).await.ok()
}

/// A request body as JSON text, written by serde-wasm-bindgen and the browser's `JSON`.
pub fn json<T: Serialize>(body: &T) -> Result<String, ApiError> {
    let value = serde_wasm_bindgen::to_value(body).map_err(|_| ApiError::CannotSend)?;
    js_sys::JSON::stringify(&value).map(String::from).map_err(|_| ApiError::CannotSend)
}
