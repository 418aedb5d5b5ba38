//! The widget's one HTTP client: one small async method per contract endpoint, and one place that turns every
//! non-2xx answer into a typed [`ApiError`] and tells the host page about it.
//!
//! It speaks only the proxy contract, relative to the `api_base` the host page gave, with the person's own access
//! token when the host gives one. It never sees a PingOne token and never names a user: the proxy decides who the
//! person is.

use devices_api::{
    ActivateDevice, CONTENT_TYPE_ACTIVATE, CONTENT_TYPE_JSON, CONTENT_TYPE_REORDER, CONTENT_TYPE_SEND_ACTIVATION_CODE,
    CreateDevice, Device, DeviceList, DeviceType, ErrorBody, IdRef,
};
use gloo_net::http::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::events::Events;

/// Why a request did not give what the contract promises.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The server refused, with PingOne's error body.
    Server { status: u16, body: ErrorBody },
    /// The server failed without a readable error body.
    Status(u16),
    /// `429`: too many requests; the seconds to wait, when the server said (`Retry-After`).
    TooMany { retry_after: Option<u32> },
    /// No answer: the network or the server is down.
    Network,
    /// A success whose body is not what the contract says.
    Unreadable,
}

impl ApiError {
    /// The first detail's code, such as `INVALID_OTP`, if the server gave one.
    pub fn detail_code(&self) -> Option<&str> {
        match self {
            Self::Server { body, .. } => body.details.first().map(|detail| detail.code.as_str()),
            _ => None,
        }
    }

    /// The field that the first detail names, such as `otp` or `phone`.
    pub fn detail_target(&self) -> Option<&str> {
        match self {
            Self::Server { body, .. } => body.details.first()?.target.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Server { status, .. } | Self::Status(status) => Some(*status),
            Self::TooMany { .. } => Some(429),
            Self::Network | Self::Unreadable => None,
        }
    }

    /// The first detail's `innerError`, if the server gave one.
    pub fn inner(&self) -> Option<&devices_api::InnerError> {
        match self {
            Self::Server { body, .. } => body.details.first()?.inner_error.as_ref(),
            _ => None,
        }
    }
}

/// The person's devices, and which is the default.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceOverview {
    pub devices: Vec<Device>,
    /// The first device of the order, when the person has one.
    pub default_id: Option<String>,
}

/// What the proxy says the widget may offer.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetConfig {
    pub device_types: Vec<DeviceType>,
    #[serde(default)]
    pub resend_cooldown_seconds: Option<u32>,
    /// The name that authenticator apps show, unless the host page gives its own.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Whether PingOne keeps a voice device's extension; the widget asks for one only then.
    #[serde(default)]
    pub phone_extensions: bool,
}

/// How the widget reaches the proxy: where, as whom, and where it tells the host page what happened.
#[derive(Clone, PartialEq)]
pub struct Client {
    base: String,
    /// The host page's `getAccessToken`: its result, awaited when it is a promise, goes out as a Bearer token.
    access_token: Option<js_sys::Function>,
    pub events: Events,
}

impl Client {
    /// A client for the contract at `base` (no trailing slash).
    pub fn new(base: &str, access_token: Option<js_sys::Function>, events: Events) -> Self {
        Self { base: base.to_owned(), access_token, events }
    }

    /// `GET {base}/devices`: the person's devices.
    pub async fn list_devices(&self) -> Result<DeviceOverview, ApiError> {
        let list: DeviceList = json(self.call(Method::GET, "/devices", None).await?).await?;
        let default_id = list.embedded.order.into_iter().next().map(|first| first.id);
        Ok(DeviceOverview { devices: list.embedded.devices, default_id })
    }

    /// `PUT {base}/devices/{id}/nickname`.
    pub async fn rename_device(&self, device_id: &str, nickname: &str) -> Result<(), ApiError> {
        #[derive(serde::Serialize)]
        struct Nickname<'a> {
            nickname: &'a str,
        }
        let body = (CONTENT_TYPE_JSON, to_json(&Nickname { nickname })?);
        self.call(Method::PUT, &format!("/devices/{device_id}/nickname"), Some(body)).await.map(drop)
    }

    /// `POST {base}/devices` with the reorder content type: `order[0]` becomes the default.
    pub async fn reorder_devices(&self, order: &[String]) -> Result<(), ApiError> {
        let order: Vec<IdRef> = order.iter().map(|id| IdRef { id: id.clone() }).collect();
        #[derive(serde::Serialize)]
        struct Order {
            order: Vec<IdRef>,
        }
        let body = (CONTENT_TYPE_REORDER, to_json(&Order { order })?);
        self.call(Method::POST, "/devices", Some(body)).await.map(drop)
    }

    /// `GET {base}/config`: what this person may enroll here.
    pub async fn config(&self) -> Result<WidgetConfig, ApiError> {
        json(self.call(Method::GET, "/config", None).await?).await
    }

    /// `POST {base}/devices`: a new device, waiting for activation.
    pub async fn create_device(&self, request: &CreateDevice) -> Result<Device, ApiError> {
        json(self.call(Method::POST, "/devices", Some((CONTENT_TYPE_JSON, to_json(request)?))).await?).await
    }

    /// `POST {base}/devices/{id}` with the activate content type; `oath_resync` for hardware tokens.
    pub async fn activate_device(&self, device_id: &str, otp: &str, oath_resync: bool) -> Result<Device, ApiError> {
        let request = ActivateDevice { otp: otp.to_owned(), oath_resync: oath_resync.then_some(true) };
        let body = (CONTENT_TYPE_ACTIVATE, to_json(&request)?);
        json(self.call(Method::POST, &format!("/devices/{device_id}"), Some(body)).await?).await
    }

    /// `POST {base}/devices/{id}` with the resend content type: a new pairing code.
    pub async fn resend_code(&self, device_id: &str) -> Result<(), ApiError> {
        let body = (CONTENT_TYPE_SEND_ACTIVATION_CODE, String::new());
        self.call(Method::POST, &format!("/devices/{device_id}"), Some(body)).await.map(drop)
    }

    /// `DELETE {base}/devices/{id}`.
    pub async fn delete_device(&self, device_id: &str) -> Result<(), ApiError> {
        self.call(Method::DELETE, &format!("/devices/{device_id}"), None).await.map(drop)
    }

    /// The one place where a request goes out and its answer becomes a success or an error; every error is also
    /// reported to the host page.
    async fn call(&self, method: Method, path: &str, body: Option<(&str, String)>) -> Result<Response, ApiError> {
        let result = self.send(method, path, body).await;
        if let Err(error) = &result {
            self.events.refused(error);
        }
        result
    }

    async fn send(&self, method: Method, path: &str, body: Option<(&str, String)>) -> Result<Response, ApiError> {
        let mut request = RequestBuilder::new(&format!("{}{path}", self.base)).method(method);
        if let Some(token) = self.access_token().await? {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let sent = match body {
            Some((content_type, body)) => {
                request.header("Content-Type", content_type).body(body).map_err(|_| ApiError::Unreadable)?.send().await
            }
            None => request.send().await,
        };
        checked(sent.map_err(|_| ApiError::Network)?).await
    }

    /// The host page's token for this request; a host that cannot give one means the session has ended.
    async fn access_token(&self) -> Result<Option<String>, ApiError> {
        let Some(get_token) = &self.access_token else { return Ok(None) };
        let given = get_token.call0(&JsValue::NULL).map_err(|_| ApiError::Status(401))?;
        let token = match given.dyn_into::<js_sys::Promise>() {
            Ok(promise) => JsFuture::from(promise).await.map_err(|_| ApiError::Status(401))?,
            Err(value) => value,
        };
        token.as_string().filter(|token| !token.is_empty()).map(Some).ok_or(ApiError::Status(401))
    }
}

/// Turns a resolved fetch into a success or an error: gloo-net resolves on 4xx and 5xx too.
async fn checked(response: Response) -> Result<Response, ApiError> {
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    if status == 429 {
        let retry_after = response.headers().get("retry-after").and_then(|seconds| seconds.trim().parse().ok());
        return Err(ApiError::TooMany { retry_after });
    }
    match json::<ErrorBody>(response).await {
        Ok(body) => Err(ApiError::Server { status, body }),
        Err(_) => Err(ApiError::Status(status)),
    }
}

/// Parses with the browser's own JSON parser: the widget carries no JSON parser of its own, which saves bytes.
async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let text = response.text().await.map_err(|_| ApiError::Unreadable)?;
    let value = js_sys::JSON::parse(&text).map_err(|_| ApiError::Unreadable)?;
    serde_wasm_bindgen::from_value(value).map_err(|_| ApiError::Unreadable)
}

/// Writes with the browser's own JSON writer, for the same reason.
fn to_json<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    let value = serde_wasm_bindgen::to_value(value).map_err(|_| ApiError::Unreadable)?;
    js_sys::JSON::stringify(&value).map(String::from).map_err(|_| ApiError::Unreadable)
}
