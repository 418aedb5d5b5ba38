//! The proxy contract: the only device operations that a browser can ask for, each checked at the edge and sent
//! upstream for the session's own user.
//!
//! Everything outside the table in DESIGN.md is refused before any upstream call: other paths, methods, content
//! types, fields, and any `{id}` that is not a UUID. Every upstream path names the session's user
//! (`…/users/{user}/devices/{id}`), so PingOne itself answers 404 for another person's device; only a reorder,
//! whose ids are in the body, is checked here first.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use devices_api::{
    CONTENT_TYPE_ACTIVATE, CONTENT_TYPE_JSON, CONTENT_TYPE_REORDER, CONTENT_TYPE_SEND_ACTIVATION_CODE, CreateDevice,
    DeviceStatus, DeviceType, IdRef, Rename, Reorder, WidgetConfig, validate,
};
use serde::Serialize;

use crate::AppState;
use crate::error::AppError;
use crate::extract::{
    ClientAddress, CurrentUser, DeviceId, DeviceRequest, DevicesRequest, JsonBody, device_id, idempotency_key,
};
use crate::limits::{Action, Charge};
use crate::offer::EnvironmentOffer;
use crate::upstream::{UpstreamFailure, UpstreamResponse};

/// Larger bodies are refused unread: no contract body comes near it.
const MAX_BODY_BYTES: usize = 8 * 1024;
const NICKNAME_REFUSED: AppError = AppError::InvalidData {
    target: "nickname",
    message: "A nickname is at most 100 characters, with no control characters and no invisible format characters.",
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

async fn config(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ClientAddress(address): ClientAddress,
) -> Result<Json<WidgetConfig>, AppError> {
    state.limit(Action::Read, &user, address).await?;
    let offer = state.offer.offer(&state.upstream, state.policy_id.as_deref(), &state.allowed_types).await;
    let EnvironmentOffer { device_types, phone_extensions, max_allowed_devices } = offer;
    Ok(Json(WidgetConfig {
        device_types,
        phone_extensions,
        max_allowed_devices,
        issuer: Some(state.issuer.clone()),
        resend_cooldown_seconds: Some(state.resend_cooldown_seconds),
    }))
}

/// The list, with the order expanded so that the widget knows the default device.
async fn list_devices(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ClientAddress(address): ClientAddress,
) -> Result<Response, AppError> {
    state.limit(Action::Read, &user, address).await?;
    forward(&state, Method::GET, &user, "?expand=order", None).await
}

/// `POST {base}/devices`: create (`application/json`) or set the order (the reorder content type).
async fn devices_action(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    request: DevicesRequest,
) -> Result<Response, AppError> {
    match request {
        DevicesRequest::Create(request) => {
            let key = idempotency_key(&headers)?;
            let request = checked_create(request, &state)?;
            crate::create::create(&state, &user, address, &request, key).await
        }
        DevicesRequest::Reorder(request) => {
            if request.order.is_empty() || request.order.len() > MAX_ORDER_ENTRIES {
                return Err(AppError::InvalidData { target: "order", message: "The order lists 1 to 20 devices." });
            }
            let mut ids = Vec::with_capacity(request.order.len());
            for entry in &request.order {
                let id = device_id(&entry.id)?;
                // Each device once: a repeated id orders nothing more.
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            state.limit(Action::Change, &user, address).await?;
            ensure_owned(&state, &user, &ids).await?;
            let order = Reorder { order: ids.iter().map(|id| IdRef { id: id.to_string() }).collect() };
            forward(&state, Method::POST, &user, "", Some((CONTENT_TYPE_REORDER, to_json(&order)?))).await
        }
    }
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
        _ => false,
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
    CurrentUser(user): CurrentUser,
    DeviceId(id): DeviceId,
    ClientAddress(address): ClientAddress,
    request: DeviceRequest,
) -> Result<Response, AppError> {
    let body = match request {
        DeviceRequest::Activate(request) => {
            if !validate::is_otp(&request.otp) {
                return Err(AppError::InvalidData { target: "otp", message: "The code must be 6 to 10 digits." });
            }
            let charge = state.limit(Action::Activate, &user, address).await?;
            (charge, CONTENT_TYPE_ACTIVATE, to_json(&request)?)
        }
        DeviceRequest::SendActivationCode => {
            let charge = state.limit(Action::Resend, &user, address).await?;
            (charge, CONTENT_TYPE_SEND_ACTIVATION_CODE, Vec::new())
        }
    };
    let (charge, content_type, body) = body;
    forward_charged(&state, charge, Method::POST, &user, &format!("/{id}"), Some((content_type, body))).await
}

async fn rename_device(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    DeviceId(id): DeviceId,
    ClientAddress(address): ClientAddress,
    JsonBody(request): JsonBody<Rename>,
) -> Result<Response, AppError> {
    if !validate::is_nickname(&request.nickname) {
        return Err(NICKNAME_REFUSED);
    }
    state.limit(Action::Change, &user, address).await?;
    forward(&state, Method::PUT, &user, &format!("/{id}/nickname"), Some((CONTENT_TYPE_JSON, to_json(&request)?))).await
}

async fn delete_device(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    DeviceId(id): DeviceId,
    ClientAddress(address): ClientAddress,
) -> Result<Response, AppError> {
    state.limit(Action::Change, &user, address).await?;
    forward(&state, Method::DELETE, &user, &format!("/{id}"), None).await
}

/// Reads `user`'s devices upstream, once, and checks that each of `ids` is among them: anything else is a 404, as
/// if it did not exist.
async fn ensure_owned(state: &AppState, user: &str, ids: &[uuid::Uuid]) -> Result<(), AppError> {
    let response = state.upstream.send(Method::GET, user, "", None).await.map_err(unavailable)?;
    if !response.status.is_success() {
        return answer(response).map(drop);
    }
    let devices = response.body.as_ref().and_then(|list| list["_embedded"]["devices"].as_array());
    let owned = |id: &uuid::Uuid| {
        devices.into_iter().flatten().any(|device| {
            device["id"].as_str() == Some(&id.to_string())
                && device["user"]["id"].as_str().is_none_or(|owner| owner == user)
        })
    };
    if !ids.iter().all(owned) {
        return Err(AppError::NotFound);
    }
    Ok(())
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
    respond(&method, state.upstream.send(method.clone(), user, path, body).await)
}

/// As [`forward`], for what the rate limits charged for: the charge is given back when PingOne certainly did not do
/// the work (it answered with a 5xx or a 429, refused the worker with a 401 or 403, or was never reached). After a
/// timeout, or a connection lost before the answer, the work may have been done, and the charge stays.
async fn forward_charged(
    state: &AppState,
    charge: Charge,
    method: Method,
    user: &str,
    path: &str,
    body: Option<(&'static str, Vec<u8>)>,
) -> Result<Response, AppError> {
    let outcome = state.upstream.send(method.clone(), user, path, body).await;
    let not_done = match &outcome {
        Ok(response) => not_done(response.status),
        Err(failure) => failure.certainly_not_sent(),
    };
    if not_done {
        state.limiter.refund(charge).await;
    }
    respond(&method, outcome)
}

/// Whether an answer says that PingOne certainly did not do the work: a 5xx or a 429, or the worker refused (401,
/// 403).
pub(crate) fn not_done(status: StatusCode) -> bool {
    status.is_server_error()
        || [StatusCode::TOO_MANY_REQUESTS, StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&status)
}

/// The browser's answer to what came back from upstream.
fn respond(method: &Method, outcome: Result<UpstreamResponse, UpstreamFailure>) -> Result<Response, AppError> {
    match outcome {
        Ok(response) => answer(response),
        Err(failure) => {
            tracing::warn!(request_id = crate::observe::request_id(), %method, %failure, "upstream failed");
            Err(unavailable(failure))
        }
    }
}

pub(crate) fn unavailable(failure: UpstreamFailure) -> AppError {
    match failure {
        UpstreamFailure::TimedOut => AppError::UpstreamTimeout,
        UpstreamFailure::Unreachable(_)
        | UpstreamFailure::Unavailable(_)
        | UpstreamFailure::TokenRefused(_)
        | UpstreamFailure::TokenEndpointFailed(_)
        | UpstreamFailure::NoToken(_) => AppError::UpstreamUnavailable,
    }
}

pub(crate) fn answer(response: UpstreamResponse) -> Result<Response, AppError> {
    let UpstreamResponse { status, body, retry_after, .. } = response;
    let body = body.map(without_links);
    if status.is_success() {
        return Ok(match body {
            Some(body) => (status, Json(body)).into_response(),
            None => status.into_response(),
        });
    }
    // A 401 or 403 after a fresh token means the worker itself is refused: nothing the person can fix. A 403 is
    // a deployment's mistake, told apart (and logged with its likely cause).
    if status == StatusCode::FORBIDDEN {
        return Err(AppError::UpstreamForbidden);
    }
    if status.is_server_error() || status == StatusCode::UNAUTHORIZED {
        return Err(AppError::UpstreamUnavailable);
    }
    match body {
        Some(body) => Err(AppError::Upstream { status, body, retry_after }),
        None => Err(AppError::UpstreamUnavailable),
    }
}

/// Removes every `_links` object: they name the upstream's hosts, which the browser has no use for.
pub(crate) fn without_links(mut value: serde_json::Value) -> serde_json::Value {
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
    fn links_are_removed_at_every_depth() {
        let body = json!({"_links": {}, "_embedded": {"devices": [{"id": "a", "_links": {"self": {}}}]}});
        assert_eq!(without_links(body), json!({"_embedded": {"devices": [{"id": "a"}]}}));
    }
}
