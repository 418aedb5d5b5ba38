//! What `mfa-enroll-proxy record` writes and the simulator replays: a real tenant's answers to a fixed set of
//! probes, redacted. Each exchange keeps PingOne's status and body, with secrets, addresses and tokens replaced by
//! `<redacted>` and the tenant's ids by placeholders (`{environmentId}`, `{userId}`, `{device1}`…).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The probes' exchanges, in the order they were made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recording {
    pub exchanges: Vec<Exchange>,
}

/// One request of a probe and PingOne's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exchange {
    /// Which probe, such as `order` or `wrong codes`.
    pub probe: String,
    pub method: String,
    /// Below the environment, such as `users/{userId}/devices/{device1}`.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

impl Recording {
    /// The exchanges of one probe.
    pub fn probe<'a>(&'a self, probe: &'a str) -> impl Iterator<Item = &'a Exchange> + 'a {
        self.exchanges.iter().filter(move |exchange| exchange.probe == probe)
    }
}
