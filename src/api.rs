//! The widget's one HTTP client: one small async function per contract endpoint, and one place that turns every
//! non-2xx answer into a typed [`ApiError`].
//!
//! It speaks only the proxy contract, relative to the `api_base` the host page gave. It never sees a PingOne token
//! and never names a user: the proxy decides who the person is.

use devices_api::{
    ActivateDevice, CONTENT_TYPE_ACTIVATE, CONTENT_TYPE_JSON, CONTENT_TYPE_REORDER, CONTENT_TYPE_SEND_ACTIVATION_CODE,
    CreateDevice, Device, DeviceList, DeviceType, ErrorBody, IdRef,
};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;

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

/// `GET {base}/devices`: the person's devices.
pub async fn list_devices(base: &str) -> Result<DeviceOverview, ApiError> {
    let response = Request::get(&format!("{base}/devices")).send().await.map_err(|_| ApiError::Network)?;
    let list: DeviceList = json(checked(response).await?).await?;
    let default_id = list.embedded.order.into_iter().next().map(|first| first.id);
    Ok(DeviceOverview { devices: list.embedded.devices, default_id })
}

/// `PUT {base}/devices/{id}/nickname`.
pub async fn rename_device(base: &str, device_id: &str, nickname: &str) -> Result<(), ApiError> {
    #[derive(serde::Serialize)]
    struct Nickname<'a> {
        nickname: &'a str,
    }
    let body = to_json(&Nickname { nickname })?;
    let url = format!("{base}/devices/{device_id}/nickname");
    send(Request::put(&url).header("Content-Type", CONTENT_TYPE_JSON).body(body)).await.map(drop)
}

/// `POST {base}/devices` with the reorder content type: `order[0]` becomes the default.
pub async fn reorder_devices(base: &str, order: &[String]) -> Result<(), ApiError> {
    let order: Vec<IdRef> = order.iter().map(|id| IdRef { id: id.clone() }).collect();
    #[derive(serde::Serialize)]
    struct Order {
        order: Vec<IdRef>,
    }
    let body = to_json(&Order { order })?;
    let url = format!("{base}/devices");
    send(Request::post(&url).header("Content-Type", CONTENT_TYPE_REORDER).body(body)).await.map(drop)
}

/// `GET {base}/config`: what this person may enroll here.
pub async fn config(base: &str) -> Result<WidgetConfig, ApiError> {
    let response = Request::get(&format!("{base}/config")).send().await.map_err(|_| ApiError::Network)?;
    json(checked(response).await?).await
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
}

/// `POST {base}/devices`: a new device, waiting for activation.
pub async fn create_device(base: &str, request: &CreateDevice) -> Result<Device, ApiError> {
    let body = to_json(request)?;
    let response =
        send(Request::post(&format!("{base}/devices")).header("Content-Type", CONTENT_TYPE_JSON).body(body)).await?;
    json(response).await
}

/// `POST {base}/devices/{id}` with the activate content type; `oath_resync` for hardware tokens.
pub async fn activate_device(base: &str, device_id: &str, otp: &str, oath_resync: bool) -> Result<Device, ApiError> {
    let request = ActivateDevice { otp: otp.to_owned(), oath_resync: oath_resync.then_some(true) };
    let body = to_json(&request)?;
    let url = format!("{base}/devices/{device_id}");
    let response = send(Request::post(&url).header("Content-Type", CONTENT_TYPE_ACTIVATE).body(body)).await?;
    json(response).await
}

/// `POST {base}/devices/{id}` with the resend content type: a new pairing code.
pub async fn resend_code(base: &str, device_id: &str) -> Result<(), ApiError> {
    let url = format!("{base}/devices/{device_id}");
    send(Request::post(&url).header("Content-Type", CONTENT_TYPE_SEND_ACTIVATION_CODE).body("")).await.map(drop)
}

/// `DELETE {base}/devices/{id}`.
pub async fn delete_device(base: &str, device_id: &str) -> Result<(), ApiError> {
    let response =
        Request::delete(&format!("{base}/devices/{device_id}")).send().await.map_err(|_| ApiError::Network)?;
    checked(response).await.map(drop)
}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    let response = request.map_err(|_| ApiError::Unreadable)?.send().await.map_err(|_| ApiError::Network)?;
    checked(response).await
}

/// The one place where a resolved fetch becomes a success or an error: gloo-net resolves on 4xx and 5xx too.
async fn checked(response: Response) -> Result<Response, ApiError> {
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    if status == 401 {
        session_expired();
    }
    if status == 429 {
        let retry_after = response.headers().get("retry-after").and_then(|seconds| seconds.trim().parse().ok());
        return Err(ApiError::TooMany { retry_after });
    }
    match json::<ErrorBody>(response).await {
        Ok(body) => Err(ApiError::Server { status, body }),
        Err(_) => Err(ApiError::Status(status)),
    }
}

/// Tells the host page that the person's session has ended, with a `mfa-enroll:session-expired` event on `window`,
/// so that it can sign the person in again. The widget shows its own message as well.
fn session_expired() {
    let event = web_sys::CustomEvent::new("mfa-enroll:session-expired");
    if let (Some(window), Ok(event)) = (web_sys::window(), event) {
        window.dispatch_event(&event).ok();
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
