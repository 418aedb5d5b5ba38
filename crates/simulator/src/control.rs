//! The `/sim/` control API that tests, the demo and integrators use to seed and steer the simulator. PingOne has
//! no such routes; they are documented in this crate's README.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Simulator;
use crate::settings::{Access, Faults, MfaSettings, Policy, Variants};
use crate::user_tokens::TokenRequest;
use crate::world::{OathToken, OutboxMessage, SeededDevice};

pub fn routes() -> Router<Simulator> {
    Router::new()
        .route("/sim/users", post(create_user))
        .route("/sim/users/{user_id}/tokens", post(mint_user_token))
        .route("/sim/users/{user_id}/devices", post(seed_device))
        .route("/sim/users/{user_id}/devices/{device_id}/block", put(block_device))
        .route("/sim/oath-tokens", post(add_oath_token).get(list_oath_tokens))
        .route("/sim/outbox", get(read_outbox))
        .route("/sim/clock", put(set_clock))
        .route("/sim/policy", get(read_policy).put(set_policy))
        .route("/sim/settings", get(read_settings).put(set_settings))
        .route("/sim/faults", get(read_faults).put(set_faults))
        .route("/sim/access", get(read_access).put(set_access))
        .route("/sim/variants", get(read_variants).put(set_variants))
        .route("/sim/tokens", delete(expire_tokens).get(list_tokens))
        .route("/sim/requests", get(list_requests))
}

/// 400 with every problem listed, for control requests that make no sense.
fn refused(problems: Vec<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "problems": problems }))).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    username: String,
    /// The profile's, where a new device's notice goes.
    email: Option<String>,
    phone: Option<String>,
}

async fn create_user(State(sim): State<Simulator>, Json(new_user): Json<NewUser>) -> (StatusCode, Json<Value>) {
    let user = sim.world().add_user(new_user.username, new_user.email, new_user.phone);
    (StatusCode::CREATED, Json(json!({ "id": user.id, "username": user.username })))
}

/// An access token for a user, as PingOne would issue after a sign-in; its issuer is `{authUrl}/{envId}/as`.
async fn mint_user_token(
    State(sim): State<Simulator>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Option<Json<TokenRequest>>,
) -> Response {
    let request = body.map(|Json(request)| request).unwrap_or_default();
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("localhost");
    let issuer = format!("http://{host}/{}/as", sim.fixture().environment_id);
    match sim.world().mint_user_token(&user_id, &issuer, &request) {
        Ok(token) => (
            StatusCode::CREATED,
            Json(json!({ "access_token": token, "token_type": "Bearer", "issuer": issuer, "jwksUri": format!("{issuer}/jwks") })),
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

/// A device of any type and status, as if paired elsewhere (a passkey, the PingOne mobile app, WhatsApp), blocked
/// when asked.
async fn seed_device(
    State(sim): State<Simulator>,
    Path(user_id): Path<String>,
    Json(seed): Json<SeededDevice>,
) -> Response {
    match sim.world().seed_device(&user_id, seed) {
        Ok(device) => (StatusCode::CREATED, Json(device)).into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockRequest {
    blocked: bool,
}

/// An administrator's block (`{"blocked": true}`) or unblock of a device.
async fn block_device(
    State(sim): State<Simulator>,
    Path((user_id, device_id)): Path<(String, String)>,
    Json(request): Json<BlockRequest>,
) -> Response {
    match sim.world().set_blocked(&user_id, &device_id, request.blocked) {
        Ok(device) => Json(device).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn add_oath_token(State(sim): State<Simulator>, Json(token): Json<OathToken>) -> Response {
    match sim.world().add_oath_token(token.clone()) {
        Ok(()) => (StatusCode::CREATED, Json(token)).into_response(),
        Err(problems) => refused(problems),
    }
}

async fn list_oath_tokens(State(sim): State<Simulator>) -> Json<Vec<OathToken>> {
    Json(sim.world().oath_tokens().to_vec())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OutboxQuery {
    user_id: Option<String>,
}

async fn read_outbox(State(sim): State<Simulator>, Query(query): Query<OutboxQuery>) -> Json<Vec<OutboxMessage>> {
    Json(sim.world().outbox(query.user_id.as_deref()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Clock {
    offset_seconds: i64,
}

async fn set_clock(State(sim): State<Simulator>, Json(clock): Json<Clock>) -> Json<Value> {
    sim.world().set_clock_offset(clock.offset_seconds);
    Json(json!({ "offsetSeconds": clock.offset_seconds }))
}

async fn read_policy(State(sim): State<Simulator>) -> Json<Policy> {
    Json(sim.world().policy.clone())
}

/// Replaces the policy; its id stays the environment's.
async fn set_policy(State(sim): State<Simulator>, Json(mut policy): Json<Policy>) -> Response {
    let problems = policy.problems();
    if !problems.is_empty() {
        return refused(problems);
    }
    let mut world = sim.world();
    policy.id = world.policy.id.clone();
    world.policy = policy.clone();
    Json(policy).into_response()
}

async fn read_settings(State(sim): State<Simulator>) -> Json<MfaSettings> {
    Json(sim.world().settings)
}

async fn set_settings(State(sim): State<Simulator>, Json(settings): Json<MfaSettings>) -> Response {
    let problems = settings.problems();
    if !problems.is_empty() {
        return refused(problems);
    }
    sim.world().settings = settings;
    Json(settings).into_response()
}

async fn read_faults(State(sim): State<Simulator>) -> Json<Faults> {
    Json(sim.world().faults)
}

async fn set_faults(State(sim): State<Simulator>, Json(faults): Json<Faults>) -> Response {
    let problems = faults.problems();
    if !problems.is_empty() {
        return refused(problems);
    }
    sim.world().faults = faults;
    Json(faults).into_response()
}

async fn read_access(State(sim): State<Simulator>) -> Json<Access> {
    Json(sim.world().access.clone())
}

async fn set_access(State(sim): State<Simulator>, Json(access): Json<Access>) -> Json<Access> {
    sim.world().access = access.clone();
    Json(access)
}

async fn read_variants(State(sim): State<Simulator>) -> Json<Variants> {
    Json(sim.world().variants)
}

async fn set_variants(State(sim): State<Simulator>, Json(variants): Json<Variants>) -> Json<Variants> {
    sim.world().variants = variants;
    Json(variants)
}

/// The newest requests on PingOne's routes, with their transaction ids, oldest first.
async fn list_requests(State(sim): State<Simulator>) -> Json<Vec<crate::world::RequestRecord>> {
    Json(sim.world().requests.clone())
}

/// Every worker token issued and not yet expired, so that a test can look for them where they must not be.
async fn list_tokens(State(sim): State<Simulator>) -> Json<Vec<String>> {
    Json(sim.world().issued_tokens())
}

/// Ends every worker token now: the next request with one gets a 401.
async fn expire_tokens(State(sim): State<Simulator>) -> StatusCode {
    sim.world().expire_tokens();
    StatusCode::NO_CONTENT
}
