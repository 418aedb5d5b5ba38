//! PingOne's error responses: the status, the top-level code and the details, each with a fresh `id`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use devices_api::{ErrorBody, ErrorDetail, codes};

/// An error that the simulator answers with, in PingOne's shape.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: &'static str,
    details: Vec<ErrorDetail>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: &'static str) -> Self {
        Self { status, code, message, details: Vec::new() }
    }

    /// 400 `INVALID_DATA`: a field's value was refused; `detail` says which and why.
    pub fn invalid_data(detail_code: &str, target: &str, message: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_DATA,
            "The request could not be completed. One or more validation errors were in the request.",
        )
        .with_detail(detail_code, target, message)
    }

    /// 400 `INVALID_REQUEST`: the body could not be read at all.
    pub fn invalid_request(message: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::INVALID_REQUEST, message)
    }

    /// 401 `ACCESS_FAILED`: no token, an unknown one or an expired one.
    pub fn invalid_token() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, codes::ACCESS_FAILED, "The request could not be completed. Access token is invalid or expired.")
            .with_detail(codes::INVALID_TOKEN, "Authorization", "The access token is invalid or expired.")
    }

    /// 404 `NOT_FOUND`: an unknown environment, user or device.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, "The requested resource was not found.")
    }

    /// 415 `INVALID_REQUEST`: a content type that selects no action here.
    pub fn unsupported_media_type() -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, codes::INVALID_REQUEST, "The request content type is not supported.")
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
    pub fn with_inner(mut self, inner: devices_api::InnerError) -> Self {
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
        (self.status, Json(body)).into_response()
    }
}
