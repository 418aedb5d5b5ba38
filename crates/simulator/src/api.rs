//! PingOne's own routes: the client-credentials token endpoint and the MFA devices API of one environment.
//!
//! Handlers translate HTTP to the rules in `world` and back, adding the `_links` that PingOne puts on every
//! resource. As in PingOne, the `Content-Type` of a POST selects the action. Injected faults apply to these routes
//! only, never to the control API.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use devices_api::{ActivateDevice, Device, DevicePost, DeviceStatus, DeviceType, DevicesPost, IdRef, codes};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Simulator;
use crate::error::ApiError;
use crate::settings::{OrderShape, ResendAnswer};
use crate::world::{ListFilter, NewDevice};

const DEVICES: &str = "/v1/environments/{environment_id}/users/{user_id}/devices";
const DEVICE: &str = "/v1/environments/{environment_id}/users/{user_id}/devices/{device_id}";
const NICKNAME: &str = "/v1/environments/{environment_id}/users/{user_id}/devices/{device_id}/nickname";
const MFA_SETTINGS: &str = "/v1/environments/{environment_id}/mfaSettings";
const POLICY: &str = "/v1/environments/{environment_id}/deviceAuthenticationPolicies/{policy_id}";
/// Removes a user's order (`POST` as the docs show it, `DELETE` as the SDK's description has it): 204.
const REMOVE_ORDER: &str = "application/vnd.pingidentity.devices.order.remove+json";

pub fn routes(simulator: Simulator) -> Router<Simulator> {
    Router::new()
        .route("/{environment_id}/as/token", post(issue_token))
        .route("/{environment_id}/as/jwks", get(jwks))
        .route(DEVICES, get(list_devices).post(devices_action).delete(remove_order))
        .route(DEVICE, get(read_device).post(device_action).delete(delete_device))
        .route(NICKNAME, put(rename_device))
        .route(MFA_SETTINGS, get(read_mfa_settings))
        .route(POLICY, get(read_policy))
        .layer(middleware::from_fn_with_state(simulator, inject_faults))
}

/// Added latency, 500s and dropped connections, in the shares that the faults setting asks for: before the work
/// (nothing is done), or after it (the work is done and the answer is late or lost).
async fn inject_faults(State(sim): State<Simulator>, request: Request, next: Next) -> Response {
    let faults = {
        let mut world = sim.world();
        let transaction_id = request
            .headers()
            .get("x-ping-external-transaction-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let record = crate::world::RequestRecord {
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
            transaction_id,
        };
        // The newest thousand are plenty for any test, and memory stays bounded.
        if world.requests.len() >= 1000 {
            world.requests.remove(0);
        }
        world.requests.push(record);
        world.faults
    };
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    if chance(faults.drop_rate) {
        // A body that fails before its first byte makes the server close the connection without an answer.
        return Response::new(Body::from_stream(dropped_body()));
    }
    if take_one(&sim, |faults| &mut faults.fail_next) || chance(faults.error_rate) {
        return ApiError::unexpected().into_response();
    }
    if take_one(&sim, |faults| &mut faults.unavailable_next) {
        return ApiError::unavailable().into_response();
    }
    // Only requests that are carried out count against the faults that strike after the work.
    let answer = next.run(request).await;
    if faults.late_answer_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.late_answer_ms)).await;
    }
    if take_one(&sim, |faults| &mut faults.lose_next) || chance(faults.lost_answer_rate) {
        return Response::new(Body::from_stream(dropped_body()));
    }
    if take_one(&sim, |faults| &mut faults.fail_after_next) {
        return ApiError::unexpected().into_response();
    }
    answer
}

/// Takes one from a "the next this many" fault; whether there was one to take.
fn take_one(sim: &Simulator, count: impl FnOnce(&mut crate::settings::Faults) -> &mut u32) -> bool {
    let mut world = sim.world();
    let left = count(&mut world.faults);
    let taken = *left > 0;
    *left = left.saturating_sub(1);
    taken
}

fn dropped_body() -> impl tokio_stream::Stream<Item = Result<Bytes, std::io::Error>> {
    tokio_stream::once(Err(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "dropped by fault injection")))
}

/// True with probability `rate`.
fn chance(rate: f64) -> bool {
    if rate <= 0.0 {
        return false;
    }
    let draw = u32::from_le_bytes(crate::world::random_bytes::<4>());
    f64::from(draw) / f64::from(u32::MAX) < rate
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
    let basic = basic_credentials(&headers);
    let presented = if basic.is_some() { "CLIENT_SECRET_BASIC" } else { "CLIENT_SECRET_POST" };
    if world.access.token_auth_method.as_deref().is_some_and(|method| method != presented) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let credentials = basic.or(form.client_id.zip(form.client_secret));
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

/// The keys that verify user access tokens.
async fn jwks(State(sim): State<Simulator>, Path(environment_id): Path<String>) -> Response {
    if !sim.world().is_environment(&environment_id) {
        return ApiError::not_found().into_response();
    }
    ([(header::CONTENT_TYPE, "application/json")], crate::user_tokens::JWKS).into_response()
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

/// `GET …/mfaSettings`: the environment's MFA settings, in PingOne's shape (the fields the simulator keeps).
async fn read_mfa_settings(
    State(sim): State<Simulator>,
    Path(environment_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize(&sim, &headers, &environment_id)?;
    let settings = sim.world().settings;
    let href = format!("{}/environments/{environment_id}/mfaSettings", base_url(&headers));
    Ok(Json(json!({
        "_links": { "self": { "href": href } },
        "environment": { "id": environment_id },
        "pairing": { "maxAllowedDevices": settings.max_allowed_devices },
        "phoneExtensions": { "enabled": settings.phone_extensions_enabled },
    })))
}

/// `GET …/deviceAuthenticationPolicies/{id}`: the one policy the environment has, with each method's `enabled` and
/// `pairingDisabled`.
async fn read_policy(
    State(sim): State<Simulator>,
    Path((environment_id, policy_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize(&sim, &headers, &environment_id)?;
    let policy = sim.world().policy.clone();
    if policy.id != policy_id {
        return Err(ApiError::not_found());
    }
    let href = format!("{}/environments/{environment_id}/deviceAuthenticationPolicies/{policy_id}", base_url(&headers));
    let mut body = serde_json::to_value(&policy).unwrap_or_default();
    body["_links"] = json!({ "self": { "href": href } });
    body["environment"] = json!({ "id": environment_id });
    body["default"] = json!(true);
    Ok(Json(body))
}

/// Checks the worker token and its request limit, then the environment: PingOne answers 401 before it looks at
/// the path.
fn authorize(sim: &Simulator, headers: &HeaderMap, environment_id: &str) -> Result<(), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(ApiError::invalid_token)?;
    let mut world = sim.world();
    world.admit(token)?;
    if world.is_environment(environment_id) { Ok(()) } else { Err(ApiError::not_found()) }
}

/// As [`authorize`], for a user's devices: the worker's role must reach the user, and allow changes for a request
/// that `changes` them (403), and what time has ended (locks, devices never activated) is gone before the request
/// is served.
fn authorize_for(
    sim: &Simulator,
    headers: &HeaderMap,
    environment_id: &str,
    user_id: &str,
    changes: bool,
) -> Result<(), ApiError> {
    authorize(sim, headers, environment_id)?;
    let mut world = sim.world();
    world.check_access(user_id, changes)?;
    world.tidy();
    Ok(())
}

async fn list_devices(
    State(sim): State<Simulator>,
    Path(path): Path<UserPath>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize_for(&sim, &headers, &path.environment_id, &path.user_id, false)?;
    let filter = query.get("filter").map_or(Ok(ListFilter::All), |filter| parse_filter(filter))?;
    let limit = match query.get("limit") {
        Some(limit) => limit
            .parse::<usize>()
            .map_err(|_| ApiError::invalid_data(codes::INVALID_VALUE, "limit", "limit must be a whole number"))?,
        None => usize::MAX,
    };
    let expand_order = query.get("expand").is_some_and(|expand| expand.split(',').any(|part| part.trim() == "order"));
    let (devices, order, shape) = {
        let world = sim.world();
        (world.devices(&path.user_id, &filter)?, world.order(&path.user_id), world.variants.order)
    };
    let base = base_url(&headers);
    let embedded: Vec<Value> = devices.iter().take(limit).map(|device| with_links(&base, device)).collect();
    let count = embedded.len();
    let devices_href = format!("{base}/environments/{}/users/{}/devices", path.environment_id, path.user_id);
    let mut body = json!({
        "_links": { "self": { "href": devices_href }, "devices.reorder": { "href": devices_href } },
        "_embedded": { "devices": embedded },
        "count": count,
        "size": count,
    });
    if expand_order {
        let objects: Value = order.iter().map(|id| json!({ "id": id })).collect();
        match shape {
            OrderShape::Objects => body["_embedded"]["order"] = objects,
            OrderShape::Strings => body["_embedded"]["order"] = json!(order),
            OrderShape::TopLevel => body["order"] = objects,
            OrderShape::Absent => {}
        }
    }
    Ok(Json(body))
}

/// PingOne's list filters: `status eq "ACTIVE"` and `type eq "SMS"`.
fn parse_filter(filter: &str) -> Result<ListFilter, ApiError> {
    let invalid =
        || ApiError::invalid_data(codes::INVALID_FILTER, "filter", "filter must be status eq \"…\" or type eq \"…\"");
    let mut parts = filter.trim().splitn(3, ' ');
    let (attribute, operator, value) = (parts.next(), parts.next(), parts.next());
    let value = value.and_then(|v| v.trim().strip_prefix('"')).and_then(|v| v.strip_suffix('"')).ok_or_else(invalid)?;
    if !operator.is_some_and(|op| op.eq_ignore_ascii_case("eq")) {
        return Err(invalid());
    }
    let quoted = Value::String(value.to_owned());
    match attribute {
        Some("status") => serde_json::from_value(quoted).map(ListFilter::Status).map_err(|_| invalid()),
        Some("type") => serde_json::from_value(quoted).map(ListFilter::Type).map_err(|_| invalid()),
        _ => Err(invalid()),
    }
}

fn is_remove_order(headers: &HeaderMap) -> bool {
    devices_api::media_type(content_type(headers)).eq_ignore_ascii_case(REMOVE_ORDER)
}

/// `POST` or `DELETE …/devices` with the remove-order content type: the user has no order until the next
/// activation or reorder.
async fn remove_order(
    State(sim): State<Simulator>,
    Path(path): Path<UserPath>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    authorize_for(&sim, &headers, &path.environment_id, &path.user_id, true)?;
    if !is_remove_order(&headers) {
        return Err(ApiError::unsupported_media_type());
    }
    sim.world().remove_order(&path.user_id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST …/devices`: create (`application/json`), set the order (`…devices.reorder+json`) or remove it
/// (`…devices.order.remove+json`).
async fn devices_action(
    State(sim): State<Simulator>,
    Path(path): Path<UserPath>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if is_remove_order(&headers) {
        return remove_order(State(sim), Path(path), headers).await.map(IntoResponse::into_response);
    }
    authorize_for(&sim, &headers, &path.environment_id, &path.user_id, true)?;
    match DevicesPost::of(content_type(&headers)).ok_or_else(ApiError::unsupported_media_type)? {
        DevicesPost::Create => {
            let request: NewDevice = parse_body(&body)?;
            let created = sim.world().create_device(&path.user_id, request)?;
            let mut device = with_links(&base_url(&headers), &created.device);
            if let Some(otp) = created.test_otp {
                device["test"] = json!({ "otp": otp });
            }
            Ok((StatusCode::CREATED, Json(device)).into_response())
        }
        DevicesPost::Reorder => {
            #[derive(Deserialize)]
            struct Order {
                order: Vec<IdRef>,
            }
            let request: Order = parse_body(&body)?;
            let order =
                sim.world().set_order(&path.user_id, request.order.into_iter().map(|entry| entry.id).collect())?;
            let order: Vec<Value> = order.iter().map(|id| json!({ "id": id })).collect();
            Ok(Json(json!({ "order": order })).into_response())
        }
    }
}

async fn read_device(
    State(sim): State<Simulator>,
    Path(path): Path<DevicePath>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize_for(&sim, &headers, &path.environment_id, &path.user_id, false)?;
    let device = sim.world().device(&path.user_id, &path.device_id)?;
    Ok(Json(with_links(&base_url(&headers), &device)))
}

/// `POST …/devices/{id}`: activate, or resend the pairing code, by content type. What a resend answers is a
/// variant.
async fn device_action(
    State(sim): State<Simulator>,
    Path(path): Path<DevicePath>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    authorize_for(&sim, &headers, &path.environment_id, &path.user_id, true)?;
    let device = match DevicePost::of(content_type(&headers)).ok_or_else(ApiError::unsupported_media_type)? {
        DevicePost::Activate => {
            let request: ActivateDevice = parse_body(&body)?;
            let resync = request.oath_resync.unwrap_or(false);
            sim.world().activate(&path.user_id, &path.device_id, &request.otp, resync)?
        }
        DevicePost::SendActivationCode => {
            let mut world = sim.world();
            let (device, test_otp) = world.resend_code(&path.user_id, &path.device_id)?;
            if world.variants.resend_answer == ResendAnswer::Empty {
                return Ok(StatusCode::NO_CONTENT.into_response());
            }
            if let Some(otp) = test_otp {
                let mut answer = with_links(&base_url(&headers), &device);
                answer["test"] = json!({ "otp": otp });
                return Ok(Json(answer).into_response());
            }
            device
        }
    };
    Ok(Json(with_links(&base_url(&headers), &device)).into_response())
}

async fn rename_device(
    State(sim): State<Simulator>,
    Path(path): Path<DevicePath>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    authorize_for(&sim, &headers, &path.environment_id, &path.user_id, true)?;
    if !devices_api::is_json(content_type(&headers)) {
        return Err(ApiError::unsupported_media_type());
    }
    #[derive(Deserialize)]
    struct Nickname {
        nickname: String,
    }
    let request: Nickname = parse_body(&body)?;
    let device = sim.world().rename(&path.user_id, &path.device_id, &request.nickname)?;
    Ok(Json(with_links(&base_url(&headers), &device)))
}

async fn delete_device(
    State(sim): State<Simulator>,
    Path(path): Path<DevicePath>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    authorize_for(&sim, &headers, &path.environment_id, &path.user_id, true)?;
    sim.world().delete_device(&path.user_id, &path.device_id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A request's `Content-Type` value, empty when it has none.
fn content_type(headers: &HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default()
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
        if matches!(device.device_type, DeviceType::Sms | DeviceType::Voice | DeviceType::Email) {
            links["device.sendActivationCode"] = json!({ "href": self_href });
        }
    }
    let mut value = serde_json::to_value(device).unwrap_or_default();
    value["_links"] = links;
    value
}
