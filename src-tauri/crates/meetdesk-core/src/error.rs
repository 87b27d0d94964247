//! The error the window and the CLI see:
//! `{ kind, message, code, requestId, httpStatus, field, retryable, retryAfterSecs }`.
//!
//! `kind` is a small closed set the UI translates into plain words in the user's language; the
//! `message` is the technical detail, and DingTalk's `code` and `requestId` travel with it so a
//! user can quote them to their admin or to DingTalk support. `retryable` tells the window whether
//! to offer Retry (a paging loop or a refused setting would only fail the same way again), and
//! `retryAfterSecs` how long DingTalk asked to wait (a ban).

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
    /// Whether trying the same thing again may help (the window shows Retry only then).
    pub retryable: bool,
    /// How long DingTalk asked to wait before trying again, in whole seconds (a ban; the client
    /// keeps it within 1 s to 10 minutes); 0 = it did not say, and is not sent. A plain u16 keeps
    /// this error under clippy's 128 bytes for errors returned by value.
    #[serde(skip_serializing_if = "is_zero")]
    pub retry_after_secs: u16,
}

fn is_zero(n: &u16) -> bool {
    *n == 0
}

/// Whether Retry may help for the app's own kinds (dingtalk's kinds say so themselves).
fn app_kind_retryable(kind: &str) -> bool {
    !matches!(
        kind,
        "stale" | "notConfigured" | "invalidSetting" | "unsafeLink" | "cancelled"
    )
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
            retryable: app_kind_retryable(kind),
            retry_after_secs: 0,
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
            // Without the kind in front: this error's own Display adds it, once.
            message: e.detail(),
            code: e.code().map(str::to_string),
            request_id: e.request_id().map(str::to_string),
            http_status: e.http_status(),
            field: None,
            retryable: e.is_retryable(),
            retry_after_secs: e.retry_after().map_or(0, |d| {
                u16::try_from(d.as_secs_f64().ceil() as u64).unwrap_or(u16::MAX)
            }),
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
        assert!(v.get("retryAfterSecs").is_none());
        assert_eq!(v["retryable"], false);
        assert!(AppError::io("x", "y").retryable);
    }

    #[test]
    fn a_paging_loop_says_its_sentence_once_and_offers_no_retry() {
        let e: AppError = dingtalk::Error::local(
            dingtalk::ErrorKind::PagingLoop,
            "page token \"10\" repeated after 2 pages (20 meetings)",
        )
        .into();
        assert!(!e.retryable);
        assert_eq!(
            e.message,
            "page token \"10\" repeated after 2 pages (20 meetings)"
        );
        let shown = e.to_string();
        assert_eq!(shown.matches("pagingLoop").count(), 1, "{shown}");
        assert_eq!(shown.matches("repeated").count(), 1, "{shown}");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["retryable"], false);
        assert_eq!(v["kind"], "pagingLoop");
    }

    #[test]
    fn a_ban_carries_its_wait_and_a_proxy_failure_is_a_gateway() {
        let e: AppError = dingtalk::Error::Api {
            kind: dingtalk::ErrorKind::RateLimited,
            http_status: 403,
            code: Some("1111".into()),
            message: Some("banned; try again in 600 s".into()),
            request_id: None,
            retry_after: Some(dingtalk::MAX_BAN_WAIT),
        }
        .into();
        assert_eq!(e.retry_after_secs, 600);
        assert!(e.retryable);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["retryAfterSecs"], 600);
        let e: AppError = dingtalk::Error::Transport {
            kind: dingtalk::ErrorKind::Timeout,
            message: "DingTalk did not answer within 3 s".into(),
            source: None,
        }
        .into();
        assert_eq!(e.to_string(), "timeout: DingTalk did not answer within 3 s");
        assert_eq!(dingtalk::ErrorKind::Gateway.as_str(), "gateway");
    }
}
