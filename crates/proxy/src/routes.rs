//! The proxy contract: the only device operations that a browser can ask for, each checked at the edge and sent
//! upstream for the session's own user.
//!
//! Everything outside the table in DESIGN.md is refused before any upstream call: other paths, methods, content
//! types, fields, and any `{id}` that is not a UUID.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use devices_api::{ActivateDevice, CONTENT_TYPE_ACTIVATE, CONTENT_TYPE_JSON, CreateDevice, DeviceStatus};

use crate::AppState;
use crate::error::AppError;
use crate::upstream::{UpstreamFailure, UpstreamResponse};

/// Larger bodies are refused unread: no contract body comes near it.
const MAX_BODY_BYTES: usize = 8 * 1024;
const MAX_NICKNAME_CHARS: usize = 100;

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/devices", get(list_devices).post(create_device))
        .route("/devices/{id}", post(device_action).delete(delete_device))
        .fallback(|| async { AppError::NotFound })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

async fn list_devices(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let user = state.current_user(&headers)?;
    forward(&state, Method::GET, &user, "", None).await
}

async fn create_device(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, AppError> {
    let user = state.current_user(&headers)?;
    if media_type(&headers) != CONTENT_TYPE_JSON {
        return Err(AppError::UnsupportedMediaType);
    }
    let mut request: CreateDevice = parse(&body)?;
    if !state.allowed_types.contains(&request.device_type) {
        return Err(AppError::InvalidData { target: "type", message: "This device type cannot be enrolled here." });
    }
    if request.policy.is_some() {
        return Err(AppError::InvalidData { target: "policy", message: "The device policy is set by the server." });
    }
    if let Some(nickname) = &request.nickname {
        check_nickname(nickname)?;
    }
    // A worker token would otherwise create a pre-activated device, with no proof that the person holds it.
    request.status = Some(DeviceStatus::ActivationRequired);
    request.policy = state.policy_id.clone().map(|id| devices_api::IdRef { id });
    let body =
        serde_json::to_vec(&request).map_err(|_| AppError::InvalidRequest("The request body could not be read."))?;
    forward(&state, Method::POST, &user, "", Some((CONTENT_TYPE_JSON, body))).await
}

async fn device_action(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let user = state.current_user(&headers)?;
    let id = device_id(&id)?;
    if media_type(&headers) != CONTENT_TYPE_ACTIVATE {
        return Err(AppError::UnsupportedMediaType);
    }
    let request: ActivateDevice = parse(&body)?;
    let otp_is_valid = (6..=10).contains(&request.otp.len()) && request.otp.bytes().all(|b| b.is_ascii_digit());
    if !otp_is_valid {
        return Err(AppError::InvalidData { target: "otp", message: "The code must be 6 to 10 digits." });
    }
    let body =
        serde_json::to_vec(&request).map_err(|_| AppError::InvalidRequest("The request body could not be read."))?;
    forward(&state, Method::POST, &user, &format!("/{id}"), Some((CONTENT_TYPE_ACTIVATE, body))).await
}

async fn delete_device(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let user = state.current_user(&headers)?;
    let id = device_id(&id)?;
    forward(&state, Method::DELETE, &user, &format!("/{id}"), None).await
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

fn check_nickname(nickname: &str) -> Result<(), AppError> {
    if nickname.chars().count() > MAX_NICKNAME_CHARS || nickname.chars().any(char::is_control) {
        return Err(AppError::InvalidData {
            target: "nickname",
            message: "A nickname is at most 100 characters, with no control characters.",
        });
    }
    Ok(())
}

fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body)
        .map_err(|_| AppError::InvalidRequest("The request body is not valid, or has fields that are not allowed."))
}

/// Sends the request upstream for `user` and turns the answer into the browser's.
async fn forward(
    state: &AppState,
    method: Method,
    user: &str,
    path: &str,
    body: Option<(&'static str, Vec<u8>)>,
) -> Result<Response, AppError> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let outcome = state.upstream.send(method.clone(), user, path, body, &request_id).await;
    match outcome {
        Ok(response) => {
            tracing::info!(request_id, %method, status = response.status.as_u16(), "upstream answered");
            answer(response)
        }
        Err(failure) => {
            tracing::warn!(request_id, %method, %failure, "upstream failed");
            Err(match failure {
                UpstreamFailure::TimedOut => AppError::UpstreamTimeout,
                UpstreamFailure::Unavailable(_) | UpstreamFailure::TokenRefused(_) => AppError::UpstreamUnavailable,
            })
        }
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
        let body = serde_json::json!({"_links": {}, "_embedded": {"devices": [{"id": "a", "_links": {"self": {}}}]}});
        assert_eq!(without_links(body), serde_json::json!({"_embedded": {"devices": [{"id": "a"}]}}));
    }

    #[test]
    fn nicknames_are_bounded_and_printable() {
        assert!(check_nickname("My phone").is_ok());
        assert!(check_nickname(&"x".repeat(100)).is_ok());
        assert!(check_nickname(&"x".repeat(101)).is_err());
        assert!(check_nickname("bell\u{7}").is_err());
    }
}
