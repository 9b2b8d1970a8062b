//! One shape for every error answer:
//! `{"error": {"code": "...", "message": "...", "parameter": "..."}}`.

use serde::Serialize;
use warp::http::StatusCode;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub parameter: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameter: Option<&'a str>,
}

impl ApiError {
    pub fn bad_parameter(parameter: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_parameter",
            message: message.into(),
            parameter: Some(parameter.to_string()),
        }
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: what.into(),
            parameter: None,
        }
    }

    pub fn no_data() -> ApiError {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "no_published_run",
            message: "no harvest has been published yet; run `renec-harvester harvest` (or wait for the scheduled one)".into(),
            parameter: None,
        }
    }

    /// An internal failure: the log gets the cause, the client a sentence.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "api_internal_error");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal_error",
            message: "the server could not answer; the cause is in its log".into(),
            parameter: None,
        }
    }

    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                parameter: self.parameter.as_deref(),
            },
        })
        .expect("error serializes")
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        ApiError::internal(e)
    }
}
