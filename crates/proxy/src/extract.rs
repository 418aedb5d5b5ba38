//! What a contract route needs before its rule applies, each as an extractor: who the person is, which device,
//! where the request came from, and what the body asks for. A handler then reads as what it forwards.
//!
//! Each refuses with the proxy's own error, in PingOne's body shape, before any upstream call. The person comes
//! first in every handler, so that a stranger learns nothing from the other checks.

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use devices_api::{ActivateDevice, CreateDevice, DevicePost, DevicesPost, Reorder};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::create::IdempotencyKey;
use crate::error::AppError;

/// The PingOne user id of the person making the request, as the configured identity establishes it.
pub struct CurrentUser(pub String);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        state.authenticator.user(&parts.headers).await.map(Self)
    }
}

/// The `{id}` of the path: a device id as PingOne writes it, a hyphenated UUID. Anything else, such as `..` or an
/// encoded slash, could reach another path upstream.
pub struct DeviceId(pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for DeviceId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| INVALID_DEVICE_ID)?;
        device_id(&raw).map(Self)
    }
}

const INVALID_DEVICE_ID: AppError = AppError::InvalidData { target: "id", message: "A device id is a UUID." };

/// A device id from the path or a body: a hyphenated UUID, or the proxy's refusal.
pub fn device_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    if raw.len() != 36 {
        return Err(INVALID_DEVICE_ID);
    }
    uuid::Uuid::try_parse(raw).map_err(|_| INVALID_DEVICE_ID)
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the last address in `X-Forwarded-For`
/// that is not one. Addresses a client wrote itself, further left, are never believed; nor is anything left of an
/// entry that does not read as an address, which no trusted proxy wrote.
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ConnectInfo(peer) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal("served without the peers' addresses"))?;
        Ok(Self(client_address(peer.ip(), &parts.headers, &state.trusted_proxies)))
    }
}

pub(crate) fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let entries: Vec<&str> =
        headers.get_all("x-forwarded-for").iter().flat_map(|value| value.to_str().unwrap_or("?").split(',')).collect();
    for entry in entries.into_iter().rev() {
        match forwarded_address(entry) {
            Some(address) if trusted.contains(&address) => continue,
            Some(address) => return address,
            None => return peer,
        }
    }
    peer
}

/// An `X-Forwarded-For` entry in the forms that balancers write: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let bracketed = entry.strip_prefix('[').and_then(|rest| rest.strip_suffix(']'));
    let address = entry.parse::<IpAddr>().or_else(|_| bracketed.unwrap_or_default().parse::<IpAddr>());
    address.ok().or_else(|| entry.parse::<SocketAddr>().ok().map(|address| address.ip()))
}

/// A create's `Idempotency-Key`, when it has one: 16 to 64 letters, digits, hyphens or underscores, bare or as a
/// quoted string (the IETF draft writes it so), and never two.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, AppError> {
    const REFUSED: AppError = AppError::InvalidData {
        target: "Idempotency-Key",
        message: "An Idempotency-Key is one value of 16 to 64 letters, digits, hyphens or underscores.",
    };
    let mut values = headers.get_all("idempotency-key").iter();
    let value = match (values.next(), values.next()) {
        (None, _) => return Ok(None),
        (Some(value), None) => value.to_str().map_err(|_| REFUSED)?,
        (Some(_), Some(_)) => return Err(REFUSED),
    };
    let key = value.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')).unwrap_or(value);
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !(16..=64).contains(&key.len()) || !key.chars().all(allowed) {
        return Err(REFUSED);
    }
    Ok(Some(IdempotencyKey(key.to_owned())))
}

/// What a `POST /devices` asks for, selected by its content type as PingOne selects it.
pub enum DevicesRequest {
    Create(CreateDevice),
    Reorder(Reorder),
}

impl<S: Send + Sync> FromRequest<S> for DevicesRequest {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let action = DevicesPost::of(content_type(request.headers())).ok_or(AppError::UnsupportedMediaType)?;
        let body = body(request, state).await?;
        Ok(match action {
            DevicesPost::Create => Self::Create(parse(&body)?),
            DevicesPost::Reorder => Self::Reorder(parse(&body)?),
        })
    }
}

/// What a `POST /devices/{id}` asks for, selected by its content type as PingOne selects it.
pub enum DeviceRequest {
    Activate(ActivateDevice),
    /// A resend takes no fields: an empty body or `{}`.
    SendActivationCode,
}

impl<S: Send + Sync> FromRequest<S> for DeviceRequest {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let action = DevicePost::of(content_type(request.headers())).ok_or(AppError::UnsupportedMediaType)?;
        let body = body(request, state).await?;
        match action {
            DevicePost::Activate => Ok(Self::Activate(parse(&body)?)),
            DevicePost::SendActivationCode if body.is_empty() => Ok(Self::SendActivationCode),
            DevicePost::SendActivationCode => match parse::<serde_json::Map<String, serde_json::Value>>(&body)? {
                fields if fields.is_empty() => Ok(Self::SendActivationCode),
                _ => Err(AppError::InvalidRequest("A resend takes no fields.")),
            },
        }
    }
}

/// A plain JSON body of the contract's shape `T`, which refuses fields it does not know.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        if !devices_api::is_json(content_type(request.headers())) {
            return Err(AppError::UnsupportedMediaType);
        }
        parse(&body(request, state).await?).map(Self)
    }
}

fn content_type(headers: &HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default()
}

/// The body, within the route's limit (`DefaultBodyLimit`): a larger one is refused unread.
async fn body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, AppError> {
    Bytes::from_request(request, state).await.map_err(|rejection| match rejection.status() {
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        _ => AppError::InvalidRequest("The request body could not be read."),
    })
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body)
        .map_err(|_| AppError::InvalidRequest("The request body is not valid, or has fields that are not allowed."))
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use axum::http::{HeaderMap, HeaderValue};

    use super::{client_address, device_id};

    #[test]
    fn device_ids_must_be_hyphenated_uuids() {
        assert!(device_id("1c41a471-3195-4edf-90fd-f9283028ab1a").is_ok());
        for bad in ["..", "1c41a4713195-4edf-90fd-f9283028ab1a", "1c41a47131954edf90fdf9283028ab1a", "a/../b", ""] {
            assert!(device_id(bad).is_err(), "{bad} was accepted");
        }
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).expect("a header value"));
        headers
    }
    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let balancer: IpAddr = "10.0.0.5".parse().expect("an address");
        let peer_outside: IpAddr = "198.51.100.7".parse().expect("an address");
        let headers = forwarded("203.0.113.9, 192.0.2.1");
        assert_eq!(client_address(peer_outside, &headers, &[balancer]), peer_outside, "a client cannot name itself");
        assert_eq!(client_address(balancer, &headers, &[balancer]), "192.0.2.1".parse::<IpAddr>().expect("an address"));
        let through_two = forwarded("203.0.113.9, 192.0.2.1, 10.0.0.6");
        let trusted = ["10.0.0.5".parse().expect("an address"), "10.0.0.6".parse().expect("an address")];
        assert_eq!(
            client_address(balancer, &through_two, &trusted),
            "192.0.2.1".parse::<IpAddr>().expect("an address")
        );
        assert_eq!(client_address(balancer, &HeaderMap::new(), &[balancer]), balancer);
    }

    #[test]
    fn a_balancer_that_writes_ports_is_read_and_an_unreadable_entry_stops_the_walk() {
        let balancer: IpAddr = "10.0.0.5".parse().expect("an address");
        let address = |text: &str| text.parse::<IpAddr>().expect("an address");
        // The client forged the left entry; the balancer appended the client's own, with its port.
        let with_port = forwarded("6.6.6.6, 198.51.100.7:51000");
        assert_eq!(client_address(balancer, &with_port, &[balancer]), address("198.51.100.7"));
        let v6 = forwarded("6.6.6.6, [2001:db8::7]:443");
        assert_eq!(client_address(balancer, &v6, &[balancer]), address("2001:db8::7"));
        let bracketed = forwarded("6.6.6.6, [2001:db8::8]");
        assert_eq!(client_address(balancer, &bracketed, &[balancer]), address("2001:db8::8"));
        let unreadable = forwarded("6.6.6.6, unknown");
        assert_eq!(client_address(balancer, &unreadable, &[balancer]), balancer, "nothing left of it is believed");
    }
}
