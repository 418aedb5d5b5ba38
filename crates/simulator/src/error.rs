//! PingOne's error responses: the status, the top-level code and the details, each with a fresh `id`.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use devices_api::{ErrorBody, ErrorDetail, InnerError, codes};
use time::OffsetDateTime;

/// An error that the simulator answers with, in PingOne's shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: &'static str,
    details: Vec<ErrorDetail>,
    /// Seconds for the `Retry-After` header.
    retry_after: Option<u32>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: &'static str) -> Self {
        Self { status, code, message, details: Vec::new(), retry_after: None }
    }

    /// The first detail's `innerError.remainingAttempts`, for the rules' own tests.
    #[cfg(test)]
    pub fn remaining_attempts(&self) -> Option<u32> {
        self.details.first()?.inner_error.as_ref()?.remaining_attempts
    }

    /// 400 `INVALID_DATA`: a field's value was refused; the detail says which and why.
    pub fn invalid_data(detail_code: &str, target: &str, message: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_DATA,
            "The request could not be completed. One or more validation errors were in the request.",
        )
        .with_detail(detail_code, target, message)
    }

    /// 400 `INVALID_REQUEST`: the body could not be read, or the operation does not apply.
    pub fn invalid_request(message: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST, message)
    }

    /// 401 `ACCESS_FAILED`: no token, an unknown one or an expired one.
    pub fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            codes::ACCESS_FAILED,
            "The request could not be completed. Access token is invalid or expired.",
        )
        .with_detail(codes::INVALID_TOKEN, "Authorization", "The access token is invalid or expired.")
    }

    /// 404 `NOT_FOUND`: an unknown environment, user or device.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, "The requested resource was not found.")
    }

    /// 415 `INVALID_REQUEST`: a content type that selects no action here.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            codes::INVALID_REQUEST,
            "The request content type is not supported.",
        )
    }

    /// 429 `REQUEST_LIMITED`, with `Retry-After`.
    pub fn request_limited(retry_after: u32) -> Self {
        let mut error =
            Self::new(StatusCode::TOO_MANY_REQUESTS, codes::REQUEST_LIMITED, "The request was rate limited.")
                .with_detail(codes::LIMIT_EXCEEDED, "request", "Too many requests.")
                .with_inner(InnerError { retry_after: Some(retry_after), ..InnerError::default() });
        error.retry_after = Some(retry_after);
        error
    }

    /// 500 `UNEXPECTED_ERROR`, as fault injection answers.
    pub fn unexpected() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, codes::UNEXPECTED_ERROR, "An unexpected error occurred.")
    }

    /// The user already has as many active devices as the MFA settings allow.
    pub fn device_limit(maximum: usize) -> Self {
        Self::invalid_data(codes::LIMIT_EXCEEDED, "type", "The user has the maximum number of devices")
            .with_inner(InnerError { maximum_value: u32::try_from(maximum).ok(), ..InnerError::default() })
    }

    /// Too many wrong codes: the device takes none until `until`.
    pub fn device_locked(until: OffsetDateTime) -> Self {
        Self::invalid_data(codes::DEVICE_LOCKED, "otp", "The device is locked after too many wrong OTPs")
            .with_inner(InnerError { lock_expires_at: Some(crate::world::timestamp(until)), ..InnerError::default() })
    }

    /// The pairing code has expired, or was never sent, or was spent by too many wrong tries: a new one is needed.
    pub fn otp_expired() -> Self {
        Self::invalid_data(codes::OTP_EXPIRED, "otp", "The OTP has expired; request a new one")
    }

    /// An OATH token's code was far ahead: the token's next code completes the resync.
    pub fn extra_otp_required() -> Self {
        Self::invalid_data(codes::EXTRA_OTP_REQUIRED, "otp", "An extra OTP is required")
    }

    pub fn with_detail(mut self, code: &str, target: &str, message: &str) -> Self {
        self.details.push(ErrorDetail {
            code: code.into(),
            target: Some(target.into()),
            message: message.into(),
            inner_error: None,
        });
        self
    }

    /// Sets the `innerError` of the last detail.
    pub fn with_inner(mut self, inner: InnerError) -> Self {
        if let Some(detail) = self.details.last_mut() {
            detail.inner_error = Some(inner);
        }
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            id: uuid::Uuid::new_v4().to_string(),
            code: self.code.into(),
            message: self.message.into(),
            details: self.details,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
