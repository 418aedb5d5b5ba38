//! PingOne's error responses: the status, the top-level code and the details, each with a fresh `id`.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use devices_api::codes;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::world::timestamp;

/// An error that the simulator answers with, in PingOne's shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: &'static str,
    /// Each detail's `code`, `target`, `message` and `innerError`, as PingOne writes them.
    details: Vec<Value>,
    /// Seconds for the `Retry-After` header.
    retry_after: Option<i64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: &'static str) -> Self {
        Self { status, code, message, details: Vec::new(), retry_after: None }
    }

    /// The first detail's `innerError`, for the rules' own tests.
    #[cfg(test)]
    pub fn inner(&self) -> &Value {
        self.details.first().map_or(&Value::Null, |detail| &detail["innerError"])
    }

    /// The first detail's code, or else the top-level code, for the rules' own tests.
    #[cfg(test)]
    pub fn code(&self) -> &str {
        self.details.first().and_then(|detail| detail["code"].as_str()).unwrap_or(self.code)
    }

    /// 400 `INVALID_DATA`: a field's value was refused; the detail says which and why.
    pub fn invalid_data(detail_code: &str, target: &str, message: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_DATA,
            "The request could not be completed. One or more validation errors were in the request.",
        )
        .with_detail(detail_code, Some(target), message)
    }

    /// 400 `INVALID_REQUEST`: the body could not be read, or the operation does not apply.
    pub fn invalid_request(message: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST, message)
    }

    /// 401 `ACCESS_FAILED`: no token, an unknown one or an expired one, in the words of a body seen from PingOne.
    pub fn invalid_token() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, codes::ACCESS_FAILED, "You do not have access to this resource.")
            .with_detail(
                codes::INVALID_TOKEN,
                Some("Authentication Credentials"),
                "The authorization token is either missing or invalid, or it has expired.",
            )
    }

    /// 403 `ACCESS_FAILED`: the worker's role does not let it manage this user's devices.
    pub fn insufficient_permissions() -> Self {
        Self::new(StatusCode::FORBIDDEN, codes::ACCESS_FAILED, "You do not have access to this resource.").with_detail(
            codes::INSUFFICIENT_PERMISSIONS,
            None,
            "The request could not be completed. You do not have access to this resource.",
        )
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

    /// 429 `REQUEST_LIMITED` for too many requests: `Retry-After` in seconds, `innerError.retryAfter` as the
    /// date-time when a retry may come.
    pub fn request_limited(now: OffsetDateTime, seconds: i64) -> Self {
        let until = now + time::Duration::seconds(seconds);
        Self::limited(codes::LIMIT_EXCEEDED, "Too many requests.", now, until, json!({}))
    }

    /// 429 `REQUEST_LIMITED` for a user's daily deliveries spent, until the next UTC day.
    pub fn quota_exceeded(now: OffsetDateTime, quota: u32) -> Self {
        let tomorrow = now.date().next_day().map_or(now, |day| day.midnight().assume_utc());
        let inner = json!({ "quotaLimit": quota, "quotaResetTime": timestamp(tomorrow) });
        Self::limited(codes::QUOTA_EXCEEDED, "The notification quota has been reached.", now, tomorrow, inner)
    }

    fn limited(detail: &str, message: &str, now: OffsetDateTime, until: OffsetDateTime, mut inner: Value) -> Self {
        inner["retryAfter"] = json!(timestamp(until));
        // Whole seconds, rounded up, so that a client that waits them is not early.
        let seconds = ((until - now).as_seconds_f64().ceil() as i64).max(1);
        let mut error =
            Self::new(StatusCode::TOO_MANY_REQUESTS, codes::REQUEST_LIMITED, "The request was rate limited.")
                .with_detail(detail, None, message)
                .with_inner(inner);
        error.retry_after = Some(seconds);
        error
    }

    /// 500 `UNEXPECTED_ERROR`, as fault injection answers.
    pub fn unexpected() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, codes::UNEXPECTED_ERROR, "An unexpected error occurred.")
    }

    /// 503 with `Retry-After: 1`, as fault injection answers.
    pub fn unavailable() -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::UNEXPECTED_ERROR,
            "The service is temporarily unavailable.",
        );
        error.retry_after = Some(1);
        error
    }

    /// The user already has as many active or blocked devices as the MFA settings allow: PingOne's documented body.
    pub fn device_limit(maximum: usize) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::REQUEST_FAILED, "The request could not be completed.")
            .with_detail(codes::LIMIT_EXCEEDED, None, "Maximum allowed devices has been reached")
            .with_inner(json!({ "maximumAllowed": maximum }))
    }

    /// An OATH token's code was far ahead: the token's next code completes the resync.
    pub fn extra_otp_required() -> Self {
        Self::invalid_data(codes::EXTRA_OTP_REQUIRED, "otp", "An extra OTP is required")
    }

    pub fn with_detail(mut self, code: &str, target: Option<&str>, message: &str) -> Self {
        let mut detail = json!({ "code": code, "message": message });
        if let Some(target) = target {
            detail["target"] = json!(target);
        }
        self.details.push(detail);
        self
    }

    /// Sets the `innerError` of the last detail.
    pub fn with_inner(mut self, inner: Value) -> Self {
        if let Some(detail) = self.details.last_mut() {
            detail["innerError"] = inner;
        }
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "id": uuid::Uuid::new_v4().to_string(), "code": self.code, "message": self.message });
        if !self.details.is_empty() {
            body["details"] = Value::Array(self.details);
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
