//! A create, made at most once per `Idempotency-Key` and reconciled when its answer is lost.
//!
//! PingOne has no idempotency of its own: a create whose answer times out, or whose answer is a 5xx, may still have
//! made the device and sent its message. So the proxy then reads the person's devices and finds what the call made
//! since it was sent (dated on PingOne's clock: its `Date` and the devices' `createdAt`). A device whose answer can
//! be rebuilt (SMS, voice, email, a hardware token: the person enters the code that was sent, or asks for a new one)
//! is answered as if the call had answered; one whose answer cannot be (an authenticator app, whose secret came only
//! in the lost answer) is removed, so that the retry starts clean. A retry with the same key answers the device that
//! the key made; only when that device is gone is it made anew.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use devices_api::{CONTENT_TYPE_JSON, CreateDevice, DeviceType};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;
use crate::extract::device_id;
use crate::idempotency::{Begin, Claim, Outcome};
use crate::limits::Action;
use crate::routes::{answer, not_done, unavailable, without_links};

/// How much earlier than the proxy's send a device may be dated and still be the send's: the whole seconds of the
/// `Date` header and of the proxy's clock, and the moment between PingOne stamping a device and answering.
const DATING_MARGIN: Duration = Duration::from_secs(3);

/// An `Idempotency-Key`, as the client wrote it.
pub struct IdempotencyKey(pub String);

/// What one create upstream came to.
enum Sent {
    /// A device was made (or found after a lost answer): its answer, and its id.
    Made { response: Response, device_id: String },
    /// PingOne refused, or certainly did nothing: its answer stands, and a retry starts clean.
    Answered(Result<Response, AppError>),
    /// The answer was lost or failed and no device of it is known: what the client is told.
    Lost(AppError),
}

/// Creates the checked `request` for `user`, once per `key`.
pub async fn create(
    state: &AppState,
    user: &str,
    address: IpAddr,
    request: &CreateDevice,
    key: Option<IdempotencyKey>,
) -> Result<Response, AppError> {
    let body =
        serde_json::to_vec(request).map_err(|_| AppError::InvalidRequest("The request body could not be written."))?;
    let Some(IdempotencyKey(key)) = key else {
        return match send(state, user, address, request, body, state.clock.now()).await {
            Sent::Made { response, .. } => Ok(response),
            Sent::Answered(answer) => answer,
            Sent::Lost(error) => Err(error),
        };
    };
    let fingerprint = data_encoding::HEXLOWER.encode(&Sha256::digest(&body));
    let (claim, first_sent) = match state.outcomes.begin(user, &key, &fingerprint).await? {
        Begin::Busy => return Err(AppError::KeyInUse),
        Begin::Mismatch => return Err(AppError::KeyReused),
        Begin::Made { device_id, held } => {
            if let Some(response) = made_again(state, user, request, &device_id).await? {
                return Ok(response);
            }
            // Gone: the create is made anew, under the same key, by one retry only.
            let claim = state.outcomes.take_over(user, &key, &held, &fingerprint).await?;
            (claim.ok_or(AppError::KeyInUse)?, state.clock.now())
        }
        Begin::AfterLoss { claim, sent_at } => match reconcile(state, user, request, sent_at).await {
            Ok(Found::Device { device, id }) => {
                state.outcomes.finish(claim, &Outcome::Made { fingerprint, device_id: id }).await;
                return Ok((StatusCode::CREATED, Json(device)).into_response());
            }
            Ok(Found::Removed | Found::Nothing) => (claim, sent_at),
            Err(error) => {
                state.outcomes.finish(claim, &Outcome::Sent { fingerprint, sent_at }).await;
                return Err(error);
            }
        },
        Begin::Fresh(claim) => (claim, state.clock.now()),
    };
    let sent = send(state, user, address, request, body, first_sent).await;
    finish(state, claim, Keyed { fingerprint, first_sent }, request, sent).await
}

/// What a keyed create is known by: its request's fingerprint, and when its key's first create was sent.
struct Keyed {
    fingerprint: String,
    first_sent: u64,
}

/// Records what a keyed create came to, and answers it.
async fn finish(
    state: &AppState,
    claim: Claim,
    Keyed { fingerprint, first_sent }: Keyed,
    request: &CreateDevice,
    sent: Sent,
) -> Result<Response, AppError> {
    match sent {
        Sent::Made { response, device_id } => {
            // An authenticator app's answer cannot be given again: its key's retry removes it and starts clean.
            let outcome = match rebuildable(&request.device_type) {
                true => Outcome::Made { fingerprint, device_id },
                false => Outcome::Sent { fingerprint, sent_at: first_sent },
            };
            state.outcomes.finish(claim, &outcome).await;
            Ok(response)
        }
        Sent::Answered(answer) => {
            state.outcomes.forget(claim).await;
            answer
        }
        Sent::Lost(error) => {
            state.outcomes.finish(claim, &Outcome::Sent { fingerprint, sent_at: first_sent }).await;
            Err(error)
        }
    }
}

/// Sends the create, charged to the person's limits, and reconciles what was made since `since` (seconds on the
/// proxy's clock) when its answer is lost or failed.
async fn send(
    state: &AppState,
    user: &str,
    address: IpAddr,
    request: &CreateDevice,
    body: Vec<u8>,
    since: u64,
) -> Sent {
    let action = match request.device_type {
        DeviceType::Sms | DeviceType::Voice => Action::CreatePhone,
        _ => Action::Create,
    };
    let charge = match state.limit(action, user, address).await {
        Ok(charge) => charge,
        Err(refused) => return Sent::Answered(Err(refused)),
    };
    let (lost, answered_5xx) = match state.upstream.send(Method::POST, user, "", Some((CONTENT_TYPE_JSON, body))).await
    {
        Ok(response) if response.status.is_success() => {
            let made = response.body.as_ref().and_then(|device| device["id"].as_str()).map(str::to_owned);
            return match answer(response) {
                Ok(response) => Sent::Made { response, device_id: made.unwrap_or_default() },
                Err(error) => Sent::Answered(Err(error)),
            };
        }
        // A 5xx says the work was not done, but some come after it was: what it made is looked for all the same.
        Ok(response) if response.status.is_server_error() => (unavailable_answer(answer(response)), true),
        Ok(response) => {
            if not_done(response.status) {
                state.limiter.refund(charge).await;
            }
            return Sent::Answered(answer(response));
        }
        Err(failure) if failure.certainly_not_sent() => {
            state.limiter.refund(charge).await;
            return Sent::Answered(Err(unavailable(failure)));
        }
        Err(failure) => {
            tracing::warn!(request_id = crate::observe::request_id(), %failure, "a create's answer was lost");
            (unavailable(failure), false)
        }
    };
    match reconcile(state, user, request, since).await {
        Ok(Found::Device { device, id }) => {
            Sent::Made { response: (StatusCode::CREATED, Json(device)).into_response(), device_id: id }
        }
        // PingOne did not do it, by the reconciliation or, when the list cannot be read, by its own 5xx: nobody
        // pays. The key remembers the loss, and its retry looks again, for a create that PingOne finished after the
        // list was read.
        Ok(Found::Nothing) => {
            state.limiter.refund(charge).await;
            Sent::Lost(lost)
        }
        Err(_) if answered_5xx => {
            state.limiter.refund(charge).await;
            Sent::Lost(lost)
        }
        // It did the work, which cannot be given back; or nobody can tell.
        Ok(Found::Removed) | Err(_) => Sent::Lost(lost),
    }
}

/// What a reconciliation found of a create.
enum Found {
    /// The device it made, as PingOne lists it, and its id.
    Device {
        device: Value,
        id: String,
    },
    /// What it made cannot be given again and was removed.
    Removed,
    Nothing,
}

/// A failed answer's error, which is always an error for a 5xx.
fn unavailable_answer(answered: Result<Response, AppError>) -> AppError {
    answered.err().unwrap_or(AppError::UpstreamUnavailable)
}

/// Finds what a create of `request` sent at `since` (seconds on the proxy's clock) made among the person's devices
/// waiting for activation: devices of its type and phone, email or serial, dated on PingOne's clock no earlier than
/// the send. A device whose answer can be rebuilt is returned, the newest if several (the others are duplicates of
/// the same key, and are removed); devices whose answer cannot be are removed.
async fn reconcile(state: &AppState, user: &str, request: &CreateDevice, since: u64) -> Result<Found, AppError> {
    let listed = state.upstream.send(Method::GET, user, "", None).await.map_err(unavailable)?;
    if !listed.status.is_success() {
        return Err(AppError::UpstreamUnavailable);
    }
    // When the create was sent, on PingOne's clock: its `Date` now, less the time since, on the proxy's.
    let ago = Duration::from_secs(state.clock.now().saturating_sub(since)) + DATING_MARGIN;
    let sent = listed.date.unwrap_or_else(|| state.clock.time()).checked_sub(ago).unwrap_or(SystemTime::UNIX_EPOCH);
    let devices = listed.body.as_ref().and_then(|list| list["_embedded"]["devices"].as_array()).cloned();
    let mut made: Vec<Value> = devices
        .into_iter()
        .flatten()
        .filter(|device| same_enrollment(device, request) && made_since(device, sent))
        .collect();
    made.sort_by(|a, b| a["createdAt"].as_str().cmp(&b["createdAt"].as_str()));
    let kept = match rebuildable(&request.device_type) {
        true => made.pop(),
        false => None,
    };
    for device in &made {
        let Ok(id) = device_id(device["id"].as_str().unwrap_or_default()) else { continue };
        let removed = state.upstream.send(Method::DELETE, user, &format!("/{id}"), None).await;
        let removed = removed.is_ok_and(|response| response.status.is_success() || response.status == 404);
        tracing::info!(request_id = crate::observe::request_id(), removed, "a half-made device found");
        if removed {
            state.metrics.reconciled("removed");
        }
    }
    let kept = kept.and_then(|kept| Some((device_id(kept["id"].as_str()?).ok()?, kept)));
    Ok(match kept {
        Some((id, device)) => {
            state.metrics.reconciled("returned");
            Found::Device { device: without_links(device), id: id.to_string() }
        }
        None if made.is_empty() => Found::Nothing,
        None => Found::Removed,
    })
}

/// Whether `device` is one that `request` would have made and that is still waiting for activation.
fn same_enrollment(device: &Value, request: &CreateDevice) -> bool {
    let same_type = serde_json::to_value(&request.device_type).is_ok_and(|wanted| device["type"] == wanted);
    let field = |name: &str| device[name].as_str();
    let same_target = match request.device_type {
        DeviceType::Sms | DeviceType::Voice => field("phone") == request.phone.as_deref(),
        DeviceType::Email => {
            field("email").zip(request.email.as_deref()).is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
        }
        DeviceType::OathToken => field("serialNumber") == request.serial_number.as_deref(),
        _ => true,
    };
    same_type && same_target && field("status") == Some("ACTIVATION_REQUIRED")
}

/// Whether `device` was made at `sent` or later, by its `createdAt`; one without a readable date is taken to be, so
/// that a lost create is never made twice.
fn made_since(device: &Value, sent: SystemTime) -> bool {
    let created = device["createdAt"]
        .as_str()
        .and_then(|at| time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).ok());
    created.is_none_or(|created| SystemTime::from(created) >= sent)
}

/// Whether a create's answer can be given again from the device as PingOne lists it: everything but an
/// authenticator app (and a passkey), whose secret or options come only in the create's own answer.
fn rebuildable(device_type: &DeviceType) -> bool {
    matches!(device_type, DeviceType::Sms | DeviceType::Voice | DeviceType::Email | DeviceType::OathToken)
}

/// The answer of the device that a key made, read again; `None` when it is gone.
async fn made_again(
    state: &AppState,
    user: &str,
    request: &CreateDevice,
    made: &str,
) -> Result<Option<Response>, AppError> {
    let Ok(id) = device_id(made) else { return Ok(None) };
    let read = state.upstream.send(Method::GET, user, &format!("/{id}"), None).await.map_err(unavailable)?;
    if read.status == StatusCode::NOT_FOUND || !rebuildable(&request.device_type) {
        return Ok(None);
    }
    answer(read).map(|response| Some((StatusCode::CREATED, response).into_response()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_device_is_the_sends_when_dated_at_or_after_it_or_undated() {
        let sent = SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_583_200); // 2025-12-01T10:00:00Z
        assert!(made_since(&json!({ "createdAt": "2025-12-01T10:00:00.000Z" }), sent));
        assert!(made_since(&json!({ "createdAt": "2025-12-01T10:00:01.250Z" }), sent));
        assert!(!made_since(&json!({ "createdAt": "2025-12-01T09:59:59.999Z" }), sent), "an older pending one");
        assert!(made_since(&json!({}), sent));
    }

    #[test]
    fn the_same_enrollment_is_the_same_type_target_and_still_pending() {
        let mut sms = CreateDevice::of_type(DeviceType::Sms);
        sms.phone = Some("+15125550101".into());
        let device = |phone: &str, status: &str| json!({ "type": "SMS", "phone": phone, "status": status });
        assert!(same_enrollment(&device("+15125550101", "ACTIVATION_REQUIRED"), &sms));
        assert!(!same_enrollment(&device("+15125550102", "ACTIVATION_REQUIRED"), &sms));
        assert!(!same_enrollment(&device("+15125550101", "ACTIVE"), &sms), "an active device is the person's own");
        let email = CreateDevice { email: Some("Ada@Example.com".into()), ..CreateDevice::of_type(DeviceType::Email) };
        assert!(same_enrollment(
            &json!({ "type": "EMAIL", "email": "ada@example.com", "status": "ACTIVATION_REQUIRED" }),
            &email
        ));
    }
}
