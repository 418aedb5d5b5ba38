//! PingOne's own routes: the client-credentials token endpoint and the MFA devices API of one environment.
//!
//! Handlers translate HTTP to the rules in `world` and back, adding the `_links` that PingOne puts on every
//! resource. As in PingOne, the `Content-Type` of a POST selects the action.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use devices_api::{
    ActivateDevice, CONTENT_TYPE_ACTIVATE, CONTENT_TYPE_JSON, CreateDevice, Device, DeviceStatus,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Simulator;
use crate::error::ApiError;

const DEVICES: &str = "/v1/environments/{environment_id}/users/{user_id}/devices";
const DEVICE: &str = "/v1/environments/{environment_id}/users/{user_id}/devices/{device_id}";

pub fn routes() -> Router<Simulator> {
    Router::new()
        .route("/{environment_id}/as/token", post(issue_token))
        .route(DEVICES, get(list_devices).post(create_device))
        .route(DEVICE, get(read_device).post(device_action).delete(delete_device))
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// `POST /{envId}/as/token`: client credentials in a Basic header (`CLIENT_SECRET_BASIC`) or in the form
/// (`CLIENT_SECRET_POST`). Errors follow RFC 6749, not PingOne's error body, as PingOne's token endpoint does.
async fn issue_token(
    State(sim): State<Simulator>,
    Path(environment_id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<TokenRequest>,
) -> Response {
    let oauth_error = |status: StatusCode, error: &str| (status, Json(json!({ "error": error }))).into_response();
    let mut world = sim.world();
    if !world.is_environment(&environment_id) {
        return ApiError::not_found().into_response();
    }
    if form.grant_type != "client_credentials" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let credentials = basic_credentials(&headers).or(form.client_id.zip(form.client_secret));
    let Some((client_id, client_secret)) = credentials else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    match world.issue_token(&client_id, &client_secret) {
        Some((token, expires_in)) => {
            Json(json!({ "access_token": token, "token_type": "Bearer", "expires_in": expires_in })).into_response()
        }
        None => oauth_error(StatusCode::UNAUTHORIZED, "invalid_client"),
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(data_encoding::BASE64.decode(encoded.trim().as_bytes()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

#[derive(Deserialize)]
struct UserPath {
    environment_id: String,
    user_id: String,
}

#[derive(Deserialize)]
struct DevicePath {
    environment_id: String,
    user_id: String,
    device_id: String,
}

/// Checks the worker token, then the environment: PingOne answers 401 before it looks at the path.
fn authorize(sim: &Simulator, headers: &HeaderMap, environment_id: &str) -> Result<(), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(ApiError::invalid_token)?;
    let world = sim.world();
    world.check_token(token)?;
    if world.is_environment(environment_id) { Ok(()) } else { Err(ApiError::not_found()) }
}

async fn list_devices(
    State(sim): State<Simulator>,
    Path(path): Path<UserPath>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize(&sim, &headers, &path.environment_id)?;
    let devices = sim.world().devices(&path.user_id)?;
    let base = base_url(&headers);
    let embedded: Vec<Value> = devices.iter().map(|device| with_links(&base, device)).collect();
    let count = embedded.len();
    Ok(Json(json!({
        "_links": { "self": { "href": format!("{base}/environments/{}/users/{}/devices", path.environment_id, path.user_id) } },
        "_embedded": { "devices": embedded },
        "count": count,
        "size": count,
    })))
}

async fn create_device(
    State(sim): State<Simulator>,
    Path(path): Path<UserPath>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    authorize(&sim, &headers, &path.environment_id)?;
    if content_type(&headers) != CONTENT_TYPE_JSON {
        return Err(ApiError::unsupported_media_type());
    }
    let request: CreateDevice = parse_body(&body)?;
    let device = sim.world().create_device(&path.user_id, request)?;
    Ok((StatusCode::CREATED, Json(with_links(&base_url(&headers), &device))).into_response())
}

async fn read_device(
    State(sim): State<Simulator>,
    Path(path): Path<DevicePath>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize(&sim, &headers, &path.environment_id)?;
    let device = sim.world().device(&path.user_id, &path.device_id)?;
    Ok(Json(with_links(&base_url(&headers), &device)))
}

async fn device_action(
    State(sim): State<Simulator>,
    Path(path): Path<DevicePath>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    authorize(&sim, &headers, &path.environment_id)?;
    if content_type(&headers) != CONTENT_TYPE_ACTIVATE {
        return Err(ApiError::unsupported_media_type());
    }
    let request: ActivateDevice = parse_body(&body)?;
    let device = sim.world().activate(&path.user_id, &path.device_id, &request.otp)?;
    Ok(Json(with_links(&base_url(&headers), &device)))
}

async fn delete_device(
    State(sim): State<Simulator>,
    Path(path): Path<DevicePath>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    authorize(&sim, &headers, &path.environment_id)?;
    sim.world().delete_device(&path.user_id, &path.device_id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The media type of a request, without parameters such as `charset`.
fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::invalid_request("The request body could not be read."))
}

/// The API base that links point at, as the client reached it.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}/v1")
}

/// A device as PingOne returns it: with `_links`, including `device.activate` while it needs activation.
fn with_links(base: &str, device: &Device) -> Value {
    let environment = device.environment.as_ref().map_or("", |e| e.id.as_str());
    let user = device.user.as_ref().map_or("", |u| u.id.as_str());
    let environment_href = format!("{base}/environments/{environment}");
    let user_href = format!("{environment_href}/users/{user}");
    let self_href = format!("{user_href}/devices/{}", device.id);
    let mut links = json!({
        "self": { "href": self_href },
        "environment": { "href": environment_href },
        "user": { "href": user_href },
    });
    if device.status == DeviceStatus::ActivationRequired {
        links["device.activate"] = json!({ "href": self_href });
    }
    let mut value = serde_json::to_value(device).unwrap_or_default();
    value["_links"] = links;
    value
}
