//! The PingOne simulator that the proxy starts inside itself on loopback when no tenant is configured: the demo's
//! and the tests' upstream. It has a known worker secret, so an operator can build a proxy without it (the
//! default-on `embedded-simulator` feature); that proxy refuses `upstream.kind = "simulator"`.

use crate::StartError;
use crate::config::PingOne;

#[cfg(feature = "embedded-simulator")]
pub use with_simulator::EmbeddedSimulator;
#[cfg(not(feature = "embedded-simulator"))]
pub use without_simulator::EmbeddedSimulator;

#[cfg(feature = "embedded-simulator")]
mod with_simulator {
    use secrecy::SecretString;
    use tokio::net::TcpListener;
    use tokio::task::JoinHandle;

    use super::{PingOne, StartError};
    use crate::config::TokenAuth;

    /// A simulator serving on loopback for as long as this value lives.
    pub struct EmbeddedSimulator {
        url: String,
        pingone: PingOne,
        demo_user_id: String,
        virtual_tokens: Vec<pingone_simulator::OathToken>,
        task: JoinHandle<std::io::Result<()>>,
    }

    impl EmbeddedSimulator {
        /// Starts the demo fixture on a loopback port that the OS picks.
        pub async fn start() -> Result<Self, StartError> {
            let listener = TcpListener::bind("127.0.0.1:0").await.map_err(StartError::Simulator)?;
            let url = format!("http://{}", listener.local_addr().map_err(StartError::Simulator)?);
            let simulator = pingone_simulator::Simulator::demo();
            let info = simulator.startup_info(&url);
            let virtual_tokens = simulator.fixture().oath_tokens.clone();
            let task = tokio::spawn(pingone_simulator::serve(listener, simulator, std::future::pending()));
            let pingone = PingOne {
                api_url: info.api_url,
                auth_url: info.auth_url,
                environment_id: info.environment_id,
                client_id: info.client_id,
                client_secret: SecretString::from(info.client_secret),
                token_auth: TokenAuth::Basic,
                policy_id: Some(info.policy_id),
                ..PingOne::default()
            };
            Ok(Self { url, pingone, demo_user_id: info.demo_user_id, virtual_tokens, task })
        }

        /// Its base URL, for the `/sim/` control API.
        pub fn url(&self) -> &str {
            &self.url
        }

        /// How the proxy reaches it, as it would reach PingOne.
        pub fn pingone(&self) -> &PingOne {
            &self.pingone
        }

        /// The user that the demo identity acts as.
        pub fn demo_user_id(&self) -> &str {
            &self.demo_user_id
        }

        /// The fixture's OATH tokens, which the demo page shows as virtual tokens.
        pub fn virtual_tokens(&self) -> serde_json::Value {
            serde_json::to_value(&self.virtual_tokens).unwrap_or_default()
        }
    }

    impl Drop for EmbeddedSimulator {
        fn drop(&mut self) {
            self.task.abort();
        }
    }
}

#[cfg(not(feature = "embedded-simulator"))]
mod without_simulator {
    use super::{PingOne, StartError};

    /// None can exist in a proxy built without the simulator.
    pub enum EmbeddedSimulator {}

    impl EmbeddedSimulator {
        pub async fn start() -> Result<Self, StartError> {
            Err(StartError::Config(vec!["upstream.kind: this proxy was built without the embedded simulator".into()]))
        }

        pub fn url(&self) -> &str {
            match *self {}
        }

        pub fn pingone(&self) -> &PingOne {
            match *self {}
        }

        pub fn demo_user_id(&self) -> &str {
            match *self {}
        }

        pub fn virtual_tokens(&self) -> serde_json::Value {
            match *self {}
        }
    }
}
