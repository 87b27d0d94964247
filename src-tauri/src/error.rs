//! The error the window and the CLI see: `{ kind, message, code, requestId, httpStatus, field }`.
//!
//! `kind` is a small closed set the UI translates into plain words in the user's language; the
//! `message` is the technical detail, and DingTalk's `code` and `requestId` travel with it so a
//! user can quote them to their admin or to DingTalk support.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{kind}: {message}")]
pub struct AppError {
    /// One of dingtalk's error kinds (`auth`, `permission`, `rateLimited`, …) or one of the app's
    /// own: `stale`, `notConfigured`, `invalidSetting`, `unsafeLink`, `notFound`, `io`, `keychain`.
    pub kind: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// For `invalidSetting`: which field was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl AppError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
            code: None,
            request_id: None,
            http_status: None,
            field: None,
        }
    }

    pub fn invalid_setting(field: &str, message: impl Into<String>) -> Self {
        AppError {
            field: Some(field.to_string()),
            ..Self::new("invalidSetting", message)
        }
    }

    pub fn stale() -> Self {
        Self::new(
            "stale",
            "A newer search replaced this one; its results were discarded.",
        )
    }

    pub fn not_configured() -> Self {
        Self::new(
            "notConfigured",
            "MeetDesk has no DingTalk credentials yet: open Settings, or try the demo data.",
        )
    }

    pub fn io(context: &str, err: impl std::fmt::Display) -> Self {
        Self::new("io", format!("{context}: {err}"))
    }
}

impl From<dingtalk::Error> for AppError {
    fn from(e: dingtalk::Error) -> Self {
        let kind = e.kind().as_str();
        AppError {
            kind,
            message: e.to_string(),
            code: e.code().map(str::to_string),
            request_id: e.request_id().map(str::to_string),
            http_status: e.http_status(),
            field: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_the_ui_expects() {
        let e = AppError::invalid_setting("pageSize", "too big");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "invalidSetting");
        assert_eq!(v["field"], "pageSize");
        assert!(v.get("requestId").is_none());
    }
}
