//! What the environment lets people pair, for `GET /api/config`: the configured types that PingOne's device policy
//! enables with pairing allowed, and whether its MFA settings keep voice extensions.
//!
//! Every widget asks on load and PingOne's policy changes rarely, so one answer serves a minute of widgets. The
//! cache is never held while PingOne is asked: during an outage each request waits for its own reads, not behind
//! everyone else's.

use std::sync::Mutex;
use std::time::Duration;

use devices_api::DeviceType;
use tokio::time::Instant;

use crate::upstream::{EnvironmentResource, UpstreamClient};

/// How long one answer from PingOne about the environment serves.
const LIFETIME: Duration = Duration::from_secs(60);

/// What the environment lets people pair.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentOffer {
    pub device_types: Vec<DeviceType>,
    /// Whether PingOne keeps a voice device's extension (its MFA settings' `phoneExtensions.enabled`).
    pub phone_extensions: bool,
    /// The devices a person may have, active or blocked (its MFA settings' `pairing.maxAllowedDevices`).
    pub max_allowed_devices: Option<u32>,
}

/// The last answer PingOne gave, and when.
#[derive(Default)]
pub struct OfferCache(Mutex<Option<(Instant, EnvironmentOffer)>>);

impl OfferCache {
    /// The environment's offer, asked of PingOne at most once a minute; a fallback (PingOne did not answer) is
    /// not kept, so the next widget asks again.
    pub async fn offer(
        &self,
        upstream: &UpstreamClient,
        policy_id: Option<&str>,
        allowed: &[DeviceType],
    ) -> EnvironmentOffer {
        if let Some(offer) = self.fresh() {
            return offer;
        }
        let (offer, answered) = environment_offer(upstream, policy_id, allowed).await;
        if answered {
            *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((Instant::now(), offer.clone()));
        }
        offer
    }

    fn fresh(&self) -> Option<EnvironmentOffer> {
        let cached = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        cached.as_ref().filter(|(asked, _)| asked.elapsed() < LIFETIME).map(|(_, offer)| offer.clone())
    }
}

/// What the environment lets people pair now, and whether PingOne answered. When it cannot say (no policy id
/// configured, or an answer that does not read), the configured types and no extensions: a create then says what
/// is refused.
async fn environment_offer(
    upstream: &UpstreamClient,
    policy_id: Option<&str>,
    allowed: &[DeviceType],
) -> (EnvironmentOffer, bool) {
    let read = |resource| async move {
        match upstream.read_environment(resource).await {
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
        match policy_id {
            Some(id) => read(EnvironmentResource::Policy(id)).await,
            None => None,
        }
    };
    let (policy, settings) = tokio::join!(policy, read(EnvironmentResource::MfaSettings));
    let pairable = |device_type: &DeviceType| {
        let Some(policy) = &policy else { return true };
        let method = &policy[policy_key(device_type)];
        method["enabled"] == true && method["pairingDisabled"] != true
    };
    let device_types = allowed.iter().filter(|device_type| pairable(device_type)).cloned().collect();
    let answered = settings.is_some() && (policy.is_some() || policy_id.is_none());
    let phone_extensions = settings.as_ref().is_some_and(|settings| settings["phoneExtensions"]["enabled"] == true);
    let max_allowed_devices = settings
        .as_ref()
        .and_then(|settings| settings["pairing"]["maxAllowedDevices"].as_u64())
        .and_then(|maximum| u32::try_from(maximum).ok());
    (EnvironmentOffer { device_types, phone_extensions, max_allowed_devices }, answered)
}

/// The device policy's key for a device type's method; empty for a type that no policy names.
pub(crate) fn policy_key(device_type: &DeviceType) -> &'static str {
    match device_type {
        DeviceType::Sms => "sms",
        DeviceType::Voice => "voice",
        DeviceType::Email => "email",
        DeviceType::Totp => "totp",
        DeviceType::OathToken => "oathToken",
        DeviceType::WhatsApp => "whatsApp",
        DeviceType::Fido2 | DeviceType::Platform | DeviceType::SecurityKey => "fido2",
        DeviceType::Mobile => "mobile",
        DeviceType::PingIdDesktop | DeviceType::Other(_) => "",
    }
}
