//! A local stand-in for PingOne: the client-credentials token endpoint and the MFA devices API of one environment,
//! plus a control API under `/sim/` that tests and the demo use to seed users and move the clock.
//!
//! It is a real HTTP server, seeded from a [`Fixture`], whose state lives in memory for the life of the process. It
//! follows PingOne wherever PingOne documents a behaviour; every choice made where the docs are silent is written
//! down in this crate's README. It must never be pointed at by anything but tests and demos: it hands out tokens to
//! anyone who knows the fixture's client secret and keeps no data.

mod api;
mod control;
mod error;
pub mod otp;
pub mod settings;
pub mod user_tokens;
mod world;

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

pub use error::ApiError;
use settings::{Access, Faults, MfaSettings, Policy, Variants};
pub use world::OathToken;
use world::World;

/// What a simulator starts with. The demo's is checked in as `fixtures/demo.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fixture {
    pub environment_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub demo_user_id: String,
    pub users: Vec<FixtureUser>,
    /// The device authentication policy; its `id` is the one new devices may name.
    pub policy: Policy,
    #[serde(default)]
    pub settings: MfaSettings,
    #[serde(default)]
    pub faults: Faults,
    /// Whether the worker's role reaches the users: by default it does.
    #[serde(default)]
    pub access: Access,
    /// The answers where PingOne's documentation is silent.
    #[serde(default)]
    pub variants: Variants,
    /// The OATH hardware tokens in the environment's inventory.
    #[serde(default)]
    pub oath_tokens: Vec<OathToken>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureUser {
    pub id: String,
    pub username: String,
    /// The profile's address and number, where PingOne tells the user of a new device.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

impl Fixture {
    /// The checked-in demo fixture: one environment, one worker client, one demo user and two OATH tokens.
    pub fn demo() -> Self {
        serde_json::from_str(include_str!("../fixtures/demo.json")).expect("the checked-in demo fixture is valid")
    }

    /// Reads a fixture file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{} is not a valid fixture: {e}", path.display()))
    }
}

/// A handle on one simulated environment; clones share it.
#[derive(Clone)]
pub struct Simulator {
    world: Arc<Mutex<World>>,
    fixture: Arc<Fixture>,
}

impl Simulator {
    /// A simulator seeded from `fixture`, or every problem with the fixture's values.
    pub fn new(fixture: Fixture) -> Result<Self, Vec<String>> {
        let world = World::new(&fixture)?;
        Ok(Self { world: Arc::new(Mutex::new(world)), fixture: Arc::new(fixture) })
    }

    /// The demo simulator, from the checked-in fixture.
    pub fn demo() -> Self {
        Self::new(Fixture::demo()).expect("the checked-in demo fixture has valid values")
    }

    pub fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    /// What a script needs to drive a simulator that listens on `base` (`http://127.0.0.1:PORT`).
    pub fn startup_info(&self, base: &str) -> StartupInfo {
        StartupInfo {
            api_url: format!("{base}/v1"),
            auth_url: base.to_owned(),
            environment_id: self.fixture.environment_id.clone(),
            client_id: self.fixture.client_id.clone(),
            client_secret: self.fixture.client_secret.clone(),
            demo_user_id: self.fixture.demo_user_id.clone(),
            policy_id: self.fixture.policy.id.clone(),
        }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        // A handler that panicked mid-update leaves nothing half-written that matters to a simulator.
        self.world.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The first line that the `pingone-simulator` binary prints: one JSON object.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartupInfo {
    /// The devices API base, ending in `/v1`.
    pub api_url: String,
    /// The base of the token endpoint: `{authUrl}/{environmentId}/as/token`.
    pub auth_url: String,
    pub environment_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub demo_user_id: String,
    pub policy_id: String,
}

/// The whole simulator: PingOne's routes and the `/sim/` control API.
pub fn router(simulator: Simulator) -> Router {
    api::routes(simulator.clone()).merge(control::routes()).with_state(simulator)
}

/// Serves `simulator` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    simulator: Simulator,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(simulator)).with_graceful_shutdown(shutdown).await
}
