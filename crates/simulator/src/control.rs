//! The `/sim/` control API that tests, the demo and integrators use to seed and steer the simulator. PingOne has
//! no such routes; they are documented in this crate's README.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Simulator;
use crate::world::{OathToken, OutboxMessage};

pub fn routes() -> Router<Simulator> {
    Router::new()
        .route("/sim/users", post(create_user))
        .route("/sim/oath-tokens", post(add_oath_token))
        .route("/sim/outbox", get(read_outbox))
        .route("/sim/clock", put(set_clock))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    username: String,
}

async fn create_user(State(sim): State<Simulator>, Json(new_user): Json<NewUser>) -> (StatusCode, Json<Value>) {
    let user = sim.world().add_user(new_user.username);
    (StatusCode::CREATED, Json(json!({ "id": user.id, "username": user.username })))
}

async fn add_oath_token(State(sim): State<Simulator>, Json(token): Json<OathToken>) -> (StatusCode, Json<OathToken>) {
    sim.world().add_oath_token(token.clone());
    (StatusCode::CREATED, Json(token))
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
