//! The proxy's errors, always answered in PingOne's body shape so that the widget has one error model.
//!
//! What went wrong inside (an upstream's address, a token refresh that failed) goes to the log, never to the
//! browser.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use devices_api::{ErrorBody, ErrorDetail, codes};

#[derive(Debug)]
pub enum AppError {
    /// No identity could be established for the request.
    Unauthenticated,
    /// The proxy refused a value before any upstream call; `target` names the field.
    InvalidData { target: &'static str, message: &'static str },
    /// The body is not JSON of the expected shape, or has fields the proxy does not allow.
    InvalidRequest(&'static str),
    /// A content type that selects no allowed action.
    UnsupportedMediaType,
    /// A body over the route's limit, refused unread.
    TooLarge,
    /// The proxy itself is wrong, such as a server started without what a route needs; the reason is logged.
    Internal(&'static str),
    /// A route outside the contract.
    NotFound,
    /// A state-changing request from a page on an origin that is not allowed.
    CrossOrigin,
    /// The upstream could not be reached, or failed in a way the browser cannot act on.
    UpstreamUnavailable,
    /// The upstream did not answer in time.
    UpstreamTimeout,
    /// PingOne refused the worker itself (a 403): the deployment is misconfigured, and only its operators can fix it.
    UpstreamForbidden,
    /// Too many of one action from this user or address; try again after the given seconds.
    RequestLimited { retry_after_seconds: u64 },
    /// Another request with the same `Idempotency-Key` is being served now.
    KeyInUse,
    /// The `Idempotency-Key` was used for a different request.
    KeyReused,
    /// An upstream error that the widget can act on, passed through with its own body.
    Upstream { status: StatusCode, body: serde_json::Value, retry_after: Option<HeaderValue> },
}

impl AppError {
    fn body(code: &str, message: &str, details: Vec<ErrorDetail>) -> ErrorBody {
        ErrorBody { id: uuid::Uuid::new_v4().to_string(), code: code.into(), message: message.into(), details }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                Self::body(codes::UNAUTHENTICATED, "Sign in again to manage your devices.", vec![]),
            ),
            Self::InvalidData { target, message } => (
                StatusCode::BAD_REQUEST,
                Self::body(
                    codes::INVALID_DATA,
                    "The request could not be completed. One or more validation errors were in the request.",
                    vec![ErrorDetail {
                        code: codes::INVALID_VALUE.into(),
                        target: Some(target.into()),
                        message: message.into(),
                        inner_error: None,
                    }],
                ),
            ),
            Self::InvalidRequest(message) => {
                (StatusCode::BAD_REQUEST, Self::body(codes::INVALID_REQUEST, message, vec![]))
            }
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Self::body(codes::INVALID_REQUEST, "The request content type is not supported.", vec![]),
            ),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Self::body(codes::INVALID_REQUEST, "The request body is too large.", vec![]),
            ),
            Self::Internal(reason) => {
                tracing::error!(reason, "the proxy failed a request");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Self::body(codes::UNEXPECTED_ERROR, "The request could not be completed.", vec![]),
                )
            }
            Self::NotFound => {
                (StatusCode::NOT_FOUND, Self::body(codes::NOT_FOUND, "The requested resource was not found.", vec![]))
            }
            Self::CrossOrigin => (
                StatusCode::FORBIDDEN,
                Self::body(codes::ACCESS_FAILED, "Requests from this origin are not allowed.", vec![]),
            ),
            Self::UpstreamUnavailable => (
                StatusCode::BAD_GATEWAY,
                Self::body(
                    codes::UPSTREAM_UNAVAILABLE,
                    "The identity service is unavailable. Try again shortly.",
                    vec![],
                ),
            ),
            Self::UpstreamForbidden => (
                StatusCode::BAD_GATEWAY,
                Self::body(
                    codes::UPSTREAM_FORBIDDEN,
                    "The identity service refuses this server: it is not set up to manage your devices.",
                    vec![],
                ),
            ),
            Self::UpstreamTimeout => (
                StatusCode::GATEWAY_TIMEOUT,
                Self::body(
                    codes::UPSTREAM_UNAVAILABLE,
                    "The identity service did not answer in time. Try again shortly.",
                    vec![],
                ),
            ),
            Self::RequestLimited { retry_after_seconds } => {
                let body = Self::body(
                    codes::REQUEST_LIMITED,
                    "Too many requests. Try again later.",
                    vec![ErrorDetail {
                        code: codes::LIMIT_EXCEEDED.into(),
                        target: None,
                        message: "Too many requests.".into(),
                        inner_error: Some(devices_api::InnerError {
                            retry_after: u32::try_from(retry_after_seconds).ok(),
                            ..devices_api::InnerError::default()
                        }),
                    }],
                );
                let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
                return response;
            }
            Self::KeyInUse => {
                let body = Self::body(
                    codes::REQUEST_FAILED,
                    "A request with this Idempotency-Key is still being served. Try again shortly.",
                    vec![],
                );
                let mut response = (StatusCode::CONFLICT, Json(body)).into_response();
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(1));
                return response;
            }
            Self::KeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Self::body(codes::INVALID_REQUEST, "This Idempotency-Key was used for a different request.", vec![]),
            ),
            Self::Upstream { status, body, retry_after } => {
                let mut response = (status, Json(body)).into_response();
                if let Some(value) = retry_after {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                return response;
            }
        };
        (status, Json(body)).into_response()
    }
}
