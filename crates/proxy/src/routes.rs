//! The proxy contract: the only device operations that a browser can ask for, each checked at the edge and sent
//! upstream for the session's own user.
//!
//! Everything outside the table in DESIGN.md is refused before any upstream call: other paths, methods, content
//! types, fields, and any `{id}` that is not a UUID. Before it touches a device, the proxy reads it upstream and
//! checks that it belongs to the session's user.

use axum::body::Bytes;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use devices_api::{
    ActivateDevice, CONTENT_TYPE_ACTIVATE, CONTENT_TYPE_JSON, CONTENT_TYPE_REORDER, CONTENT_TYPE_SEND_ACTIVATION_CODE,
    CreateDevice, DeviceStatus, DeviceType, IdRef, validate,
};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::AppError;
use crate::limits::Action;
use crate::upstream::{UpstreamFailure, UpstreamResponse};

/// Larger bodies are refused unread: no contract body comes near it.
const MAX_BODY_BYTES: usize = 8 * 1024;
const NICKNAME_REFUSED: AppError = AppError::InvalidData {
    target: "nickname",
    message: "A nickname is at most 100 characters, with no control characters.",
};
/// A user has at most 15 active devices in PingOne; an order longer than that is not a real one.
const MAX_ORDER_ENTRIES: usize = 20;

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/config", get(config))
        .route("/devices", get(list_devices).post(devices_action))
        .route("/devices/{id}", post(device_action).delete(delete_device))
        .route("/devices/{id}/nickname", put(rename_device))
        .fallback(|| async { AppError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// What the widget needs to know before it offers anything.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WidgetConfig<'a> {
    device_types: Vec<DeviceType>,
    /// Whether PingOne keeps a voice device's extension (its MFA settings' `phoneExtensions.enabled`).
    phone_extensions: bool,
    issuer: &'a str,
    resend_cooldown_seconds: u32,
}

async fn config(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    state.current_user(&headers).await?;
    let EnvironmentOffer { device_types, phone_extensions } = cached_environment_offer(&state).await;
    let config = WidgetConfig {
        device_types,
        phone_extensions,
        issuer: &state.issuer,
        resend_cooldown_seconds: state.resend_cooldown_seconds,
    };
    Ok(Json(config).into_response())
}

/// What the environment lets people pair.
#[derive(Clone)]
pub struct EnvironmentOffer {
    device_types: Vec<DeviceType>,
    phone_extensions: bool,
}

/// How long one answer from PingOne about the environment serves.
const ENVIRONMENT_OFFER_LIFETIME: std::time::Duration = std::time::Duration::from_secs(60);

/// The environment's offer, asked of PingOne at most once a minute; a fallback (PingOne did not answer) is not
/// kept, so the next widget asks again.
async fn cached_environment_offer(state: &AppState) -> EnvironmentOffer {
    let mut cached = state.environment_offer.lock().await;
    if let Some((asked, offer)) = cached.as_ref()
        && asked.elapsed() < ENVIRONMENT_OFFER_LIFETIME
    {
        return offer.clone();
    }
    let (offer, answered) = environment_offer(state).await;
    *cached = answered.then(|| (std::time::Instant::now(), offer.clone()));
    offer
}

/// What the environment lets people pair now: the configured types that the device policy enables with pairing
/// allowed, and whether voice extensions are kept; and whether PingOne answered. When it cannot say (no policy id
/// configured, or an answer that does not read), the configured types and no extensions: a create then says what
/// is refused.
async fn environment_offer(state: &AppState) -> (EnvironmentOffer, bool) {
    use crate::upstream::EnvironmentResource;
    let read = |resource| async move {
        match state.upstream.read_environment(resource).await {
            Ok(response) if response.status.is_success() => response.body,
            Ok(response) => {
                tracing::warn!(status = %response.status, "PingOne refused an environment read for the configuration");
                None
            }
            Err(failure) => {
                tracing::warn!(%failure, "an environment read for the configuration failed");
                None
            }
        }
    };
    let policy = async {
        match &state.policy_id {
            Some(id) => read(EnvironmentResource::Policy(id)).await,
            None => None,
        }
    };
    let (policy, settings) = tokio::join!(policy, read(EnvironmentResource::MfaSettings));
    let pairable = |device_type: &DeviceType| {
        let Some(policy) = &policy else { return true };
        let method = &policy[match device_type {
            DeviceType::Sms => "sms",
            DeviceType::Voice => "voice",
            DeviceType::Email => "email",
            DeviceType::Totp => "totp",
            DeviceType::OathToken => "oathToken",
            DeviceType::Other(_) => return false,
        }];
        method["enabled"] == true && method["pairingDisabled"] != true
    };
    let device_types = state.allowed_types.iter().filter(|device_type| pairable(device_type)).cloned().collect();
    let answered = settings.is_some() && (policy.is_some() || state.policy_id.is_none());
    let phone_extensions = settings.is_some_and(|settings| settings["phoneExtensions"]["enabled"] == true);
    (EnvironmentOffer { device_types, phone_extensions }, answered)
}

/// The list, with the order expanded so that the widget knows the default device.
async fn list_devices(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let user = state.current_user(&headers).await?;
    forward(&state, Method::GET, &user, "?expand=order", None).await
}

/// `POST {base}/devices`: create (`application/json`) or set the order (the reorder content type).
async fn devices_action(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let user = state.current_user(&headers).await?;
    let media_type = media_type(&headers);
    if media_type.eq_ignore_ascii_case(CONTENT_TYPE_JSON) {
        let request = checked_create(parse(&body)?, &state)?;
        let action = match request.device_type {
            DeviceType::Sms | DeviceType::Voice => Action::CreatePhone,
            _ => Action::Create,
        };
        state.limit(action, &user, state.client_address(client, &headers)).await?;
        forward(&state, Method::POST, &user, "", Some((CONTENT_TYPE_JSON, to_json(&request)?))).await
    } else if media_type.eq_ignore_ascii_case(CONTENT_TYPE_REORDER) {
        let request: Order = parse(&body)?;
        if request.order.is_empty() || request.order.len() > MAX_ORDER_ENTRIES {
            return Err(AppError::InvalidData { target: "order", message: "The order lists 1 to 20 devices." });
        }
        for entry in &request.order {
            ensure_owned(&state, &user, &device_id(&entry.id)?).await?;
        }
        forward(&state, Method::POST, &user, "", Some((CONTENT_TYPE_REORDER, to_json(&request)?))).await
    } else {
        Err(AppError::UnsupportedMediaType)
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Order {
    order: Vec<IdRef>,
}

/// The create request as it may go upstream: the type allowed here, each field the type takes and valid, the
/// phone normalised, `status: ACTIVATION_REQUIRED` forced and the configured policy added.
fn checked_create(mut request: CreateDevice, state: &AppState) -> Result<CreateDevice, AppError> {
    if !state.allowed_types.contains(&request.device_type) {
        return Err(AppError::InvalidData { target: "type", message: "This device type cannot be enrolled here." });
    }
    if request.policy.is_some() {
        return Err(AppError::InvalidData { target: "policy", message: "The device policy is set by the server." });
    }
    if request.nickname.as_deref().is_some_and(|nickname| !validate::is_nickname(nickname)) {
        return Err(NICKNAME_REFUSED);
    }
    let takes = |field: &str| match request.device_type {
        DeviceType::Sms => field == "phone",
        DeviceType::Voice => field == "phone" || field == "extension",
        DeviceType::Email => field == "email",
        DeviceType::OathToken => field == "serialNumber",
        DeviceType::Totp | DeviceType::Other(_) => false,
    };
    let given = [
        ("phone", request.phone.is_some()),
        ("extension", request.extension.is_some()),
        ("email", request.email.is_some()),
        ("serialNumber", request.serial_number.is_some()),
    ];
    for (field, present) in given {
        if present && !takes(field) {
            return Err(AppError::InvalidRequest("The request has a field that this device type does not take."));
        }
        if !present && takes(field) && field != "extension" {
            return Err(AppError::InvalidData { target: field, message: "This field is required." });
        }
    }
    if let Some(phone) = &request.phone {
        let normalized = validate::normalize_phone(phone).ok_or(AppError::InvalidData {
            target: "phone",
            message: "A phone number is international: a plus sign, the country code, then the number.",
        })?;
        request.phone = Some(normalized);
    }
    if request.extension.as_deref().is_some_and(|extension| !validate::is_extension(extension)) {
        return Err(AppError::InvalidData { target: "extension", message: "An extension is digits only." });
    }
    if request.email.as_deref().is_some_and(|email| !validate::is_email(email)) {
        return Err(AppError::InvalidData { target: "email", message: "This is not an email address." });
    }
    if request.serial_number.as_deref().is_some_and(|serial| !validate::is_serial_number(serial)) {
        return Err(AppError::InvalidData {
            target: "serialNumber",
            message: "A serial number is at most 64 letters, digits or hyphens.",
        });
    }
    // A worker token would otherwise create a pre-activated device, with no proof that the person holds it.
    request.status = Some(DeviceStatus::ActivationRequired);
    request.policy = state.policy_id.clone().map(|id| IdRef { id });
    Ok(request)
}

/// `POST {base}/devices/{id}`: activate, or resend the pairing code, by content type.
async fn device_action(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let user = state.current_user(&headers).await?;
    let id = device_id(&id)?;
    let media_type = media_type(&headers);
    let body = if media_type.eq_ignore_ascii_case(CONTENT_TYPE_ACTIVATE) {
        let request: ActivateDevice = parse(&body)?;
        if !validate::is_otp(&request.otp) {
            return Err(AppError::InvalidData { target: "otp", message: "The code must be 6 to 10 digits." });
        }
        state.limit(Action::Activate, &user, state.client_address(client, &headers)).await?;
        (CONTENT_TYPE_ACTIVATE, to_json(&request)?)
    } else if media_type.eq_ignore_ascii_case(CONTENT_TYPE_SEND_ACTIVATION_CODE) {
        if !body.is_empty() && !parse::<serde_json::Map<String, serde_json::Value>>(&body)?.is_empty() {
            return Err(AppError::InvalidRequest("A resend takes no fields."));
        }
        state.limit(Action::Resend, &user, state.client_address(client, &headers)).await?;
        (CONTENT_TYPE_SEND_ACTIVATION_CODE, Vec::new())
    } else {
        return Err(AppError::UnsupportedMediaType);
    };
    ensure_owned(&state, &user, &id).await?;
    forward(&state, Method::POST, &user, &format!("/{id}"), Some(body)).await
}

async fn rename_device(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let user = state.current_user(&headers).await?;
    let id = device_id(&id)?;
    if !media_type(&headers).eq_ignore_ascii_case(CONTENT_TYPE_JSON) {
        return Err(AppError::UnsupportedMediaType);
    }
    #[derive(Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    struct Nickname {
        nickname: String,
    }
    let request: Nickname = parse(&body)?;
    if !validate::is_nickname(&request.nickname) {
        return Err(NICKNAME_REFUSED);
    }
    ensure_owned(&state, &user, &id).await?;
    forward(&state, Method::PUT, &user, &format!("/{id}/nickname"), Some((CONTENT_TYPE_JSON, to_json(&request)?))).await
}

async fn delete_device(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let user = state.current_user(&headers).await?;
    let id = device_id(&id)?;
    ensure_owned(&state, &user, &id).await?;
    forward(&state, Method::DELETE, &user, &format!("/{id}"), None).await
}

/// Reads the device upstream and checks that it is `user`'s: anything else is a 404, as if it did not exist.
async fn ensure_owned(state: &AppState, user: &str, id: &uuid::Uuid) -> Result<(), AppError> {
    let response = state.upstream.send(Method::GET, user, &format!("/{id}"), None).await.map_err(unavailable)?;
    if response.status == StatusCode::NOT_FOUND {
        return Err(AppError::NotFound);
    }
    if !response.status.is_success() {
        return answer(response).map(drop);
    }
    let owner = response.body.as_ref().and_then(|device| device["user"]["id"].as_str());
    if owner != Some(user) {
        tracing::warn!("a device read for one user belongs to another");
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// A device id as PingOne writes it: a hyphenated UUID. Anything else, such as `..` or an encoded slash, could
/// reach another path upstream.
fn device_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    let invalid = AppError::InvalidData { target: "id", message: "A device id is a UUID." };
    if raw.len() != 36 {
        return Err(invalid);
    }
    uuid::Uuid::try_parse(raw).map_err(|_| invalid)
}

fn media_type(headers: &HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).map_or("", devices_api::media_type)
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body)
        .map_err(|_| AppError::InvalidRequest("The request body is not valid, or has fields that are not allowed."))
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, AppError> {
    serde_json::to_vec(value).map_err(|_| AppError::InvalidRequest("The request body could not be written."))
}

/// Sends the request upstream for `user` and turns the answer into the browser's.
async fn forward(
    state: &AppState,
    method: Method,
    user: &str,
    path: &str,
    body: Option<(&'static str, Vec<u8>)>,
) -> Result<Response, AppError> {
    match state.upstream.send(method.clone(), user, path, body).await {
        Ok(response) => answer(response),
        Err(failure) => {
            tracing::warn!(request_id = crate::observe::request_id(), %method, %failure, "upstream failed");
            Err(unavailable(failure))
        }
    }
}

fn unavailable(failure: UpstreamFailure) -> AppError {
    match failure {
        UpstreamFailure::TimedOut => AppError::UpstreamTimeout,
        UpstreamFailure::Unavailable(_) | UpstreamFailure::TokenRefused(_) => AppError::UpstreamUnavailable,
    }
}

fn answer(response: UpstreamResponse) -> Result<Response, AppError> {
    let UpstreamResponse { status, body, retry_after } = response;
    let body = body.map(without_links);
    if status.is_success() {
        return Ok(match body {
            Some(body) => (status, Json(body)).into_response(),
            None => status.into_response(),
        });
    }
    // A 401 or 403 after a fresh token means the worker itself is refused: nothing the person can fix.
    if status.is_server_error() || status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(AppError::UpstreamUnavailable);
    }
    match body {
        Some(body) => Err(AppError::Upstream { status, body, retry_after }),
        None => Err(AppError::UpstreamUnavailable),
    }
}

/// Removes every `_links` object: they name the upstream's hosts, which the browser has no use for.
fn without_links(mut value: serde_json::Value) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("_links");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn device_ids_must_be_hyphenated_uuids() {
        assert!(device_id("1c41a471-3195-4edf-90fd-f9283028ab1a").is_ok());
        for bad in ["..", "1c41a4713195-4edf-90fd-f9283028ab1a", "1c41a47131954edf90fdf9283028ab1a", "a/../b", ""] {
            assert!(device_id(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn links_are_removed_at_every_depth() {
        let body = json!({"_links": {}, "_embedded": {"devices": [{"id": "a", "_links": {"self": {}}}]}});
        assert_eq!(without_links(body), json!({"_embedded": {"devices": [{"id": "a"}]}}));
    }
}
