//! A create, made at most once per `Idempotency-Key` and reconciled when its answer is lost.
//!
//! PingOne has no idempotency of its own: a create whose answer times out may still have made the device and sent
//! its message. So after such a loss the proxy reads the person's devices and finds what the lost call made. A
//! device whose answer can be rebuilt (SMS, voice, email, a hardware token: the person enters the code that was sent,
//! or asks for a new one) is answered as if the call had answered; one whose answer cannot be (an authenticator
//! app, whose secret came only in the lost answer) is removed, so that the retry starts clean. A retry with the
//! same key never makes a second device or sends a second message.

use std::net::IpAddr;

use axum::Json;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use devices_api::{CONTENT_TYPE_JSON, CreateDevice, DeviceType};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;
use crate::idempotency::{Begin, Outcome};
use crate::limits::Action;
use crate::routes::{answer, not_done, unavailable, without_links};
use crate::upstream::UpstreamFailure;

/// An `Idempotency-Key`, as the client wrote it.
pub struct IdempotencyKey(pub String);

/// What one create upstream came to.
enum Sent {
    /// A device was made (or found after a lost answer): its answer, and its id.
    Made { response: Response, device_id: String },
    /// PingOne refused, or certainly did nothing: its answer stands, and a retry starts clean.
    Answered(Result<Response, AppError>),
    /// The answer was lost and no device of it is known: what the client is told.
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
        return match send(state, user, address, request, body).await {
            Sent::Made { response, .. } => Ok(response),
            Sent::Answered(answer) => answer,
            Sent::Lost(error) => Err(error),
        };
    };
    let fingerprint = data_encoding::HEXLOWER.encode(&Sha256::digest(&body));
    match state.outcomes.begin(user, &key, &fingerprint).await? {
        Begin::Busy => return Err(AppError::KeyInUse),
        Begin::Mismatch => return Err(AppError::KeyReused),
        Begin::Made(device_id) => {
            if let Some(response) = made_again(state, user, request, &device_id).await? {
                return Ok(response);
            }
            // Gone, or an answer that cannot be given again: the create is made anew, under the same key.
            state.outcomes.forget(user, &key).await;
            if state.outcomes.begin(user, &key, &fingerprint).await? != Begin::Fresh {
                return Err(AppError::KeyInUse);
            }
        }
        Begin::AfterLoss => match reconcile(state, user, request).await {
            Ok(Some(device)) => {
                let device_id = device["id"].as_str().unwrap_or_default().to_owned();
                state.outcomes.finish(user, &key, Outcome::Made { fingerprint, device_id }).await;
                return Ok((StatusCode::CREATED, Json(device)).into_response());
            }
            Ok(None) => {}
            Err(error) => {
                state.outcomes.finish(user, &key, Outcome::Sent { fingerprint }).await;
                return Err(error);
            }
        },
        Begin::Fresh => {}
    }
    match send(state, user, address, request, body).await {
        Sent::Made { response, device_id } => {
            let outcome = match rebuildable(&request.device_type) && crate::extract::device_id(&device_id).is_ok() {
                true => Outcome::Made { fingerprint, device_id },
                false => Outcome::Sent { fingerprint },
            };
            state.outcomes.finish(user, &key, outcome).await;
            Ok(response)
        }
        Sent::Answered(answer) => {
            state.outcomes.forget(user, &key).await;
            answer
        }
        Sent::Lost(error) => {
            state.outcomes.finish(user, &key, Outcome::Sent { fingerprint }).await;
            Err(error)
        }
    }
}

/// Sends the create, charged to the person's limits, and reconciles when its answer is lost.
async fn send(state: &AppState, user: &str, address: IpAddr, request: &CreateDevice, body: Vec<u8>) -> Sent {
    let action = match request.device_type {
        DeviceType::Sms | DeviceType::Voice => Action::CreatePhone,
        _ => Action::Create,
    };
    let charge = match state.limit(action, user, address).await {
        Ok(charge) => charge,
        Err(refused) => return Sent::Answered(Err(refused)),
    };
    let outcome = state.upstream.send(Method::POST, user, "", Some((CONTENT_TYPE_JSON, body))).await;
    let failure = match outcome {
        Ok(response) if response.status.is_success() => {
            let device_id = response.body.as_ref().and_then(|device| device["id"].as_str()).map(str::to_owned);
            return match answer(response) {
                Ok(response) => Sent::Made { response, device_id: device_id.unwrap_or_default() },
                Err(error) => Sent::Answered(Err(error)),
            };
        }
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
        Err(failure) => failure,
    };
    tracing::warn!(request_id = crate::observe::request_id(), %failure, "a create's answer was lost: reconciling");
    let lost = lost_error(&failure);
    match reconcile(state, user, request).await {
        Ok(Some(device)) => {
            let device_id = device["id"].as_str().unwrap_or_default().to_owned();
            Sent::Made { response: (StatusCode::CREATED, Json(device)).into_response(), device_id }
        }
        Ok(None) => {
            // Nothing of it is there: PingOne did not do it, or removed what could not be given back. Nobody pays.
            state.limiter.refund(charge).await;
            Sent::Lost(lost)
        }
        Err(_) => Sent::Lost(lost),
    }
}

/// Finds what a lost create of `request` made among the person's devices, waiting for activation. A device whose
/// answer can be rebuilt is returned, the newest if several (the others are duplicates and are removed); devices
/// whose answer cannot be are removed, and `None` is returned.
async fn reconcile(state: &AppState, user: &str, request: &CreateDevice) -> Result<Option<Value>, AppError> {
    let listed = state.upstream.send(Method::GET, user, "", None).await.map_err(unavailable)?;
    if !listed.status.is_success() {
        return Err(AppError::UpstreamUnavailable);
    }
    let devices = listed.body.as_ref().and_then(|list| list["_embedded"]["devices"].as_array()).cloned();
    let mut made: Vec<Value> =
        devices.into_iter().flatten().filter(|device| same_enrollment(device, request)).collect();
    made.sort_by(|a, b| a["createdAt"].as_str().cmp(&b["createdAt"].as_str()));
    let kept = match rebuildable(&request.device_type) {
        true => made.pop(),
        false => None,
    };
    for device in &made {
        let id = device["id"].as_str().unwrap_or_default();
        if crate::extract::device_id(id).is_ok() {
            let removed = state.upstream.send(Method::DELETE, user, &format!("/{id}"), None).await;
            let removed = removed.is_ok_and(|response| response.status.is_success() || response.status == 404);
            tracing::info!(request_id = crate::observe::request_id(), removed, "a half-made device was removed");
            state.metrics.reconciled("removed");
        }
    }
    if kept.is_some() {
        state.metrics.reconciled("returned");
    }
    Ok(kept.map(without_links))
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
        DeviceType::Totp | DeviceType::Other(_) => true,
    };
    same_type && same_target && field("status") == Some("ACTIVATION_REQUIRED")
}

/// Whether a create's answer can be given again from the device as PingOne lists it: everything but an
/// authenticator app (and a passkey), whose secret or options come only in the create's own answer.
fn rebuildable(device_type: &DeviceType) -> bool {
    matches!(device_type, DeviceType::Sms | DeviceType::Voice | DeviceType::Email | DeviceType::OathToken)
}

/// The answer of the device that `key` made, read again: `None` when it is gone or cannot be given again.
async fn made_again(
    state: &AppState,
    user: &str,
    request: &CreateDevice,
    device_id: &str,
) -> Result<Option<Response>, AppError> {
    let read = state.upstream.send(Method::GET, user, &format!("/{device_id}"), None).await.map_err(unavailable)?;
    if read.status == StatusCode::NOT_FOUND || !rebuildable(&request.device_type) {
        return Ok(None);
    }
    answer(read).map(|response| Some((StatusCode::CREATED, response).into_response()))
}

fn lost_error(failure: &UpstreamFailure) -> AppError {
    match failure {
        UpstreamFailure::TimedOut => AppError::UpstreamTimeout,
        _ => AppError::UpstreamUnavailable,
    }
}
