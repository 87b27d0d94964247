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
    /// own ([`AppKind`]); [`all_kinds`] lists them all.
    pub kind: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// For `invalidSetting` and `invalidFilter`: which field was refused.
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

/// The app's own error kinds, beside dingtalk's [`dingtalk::ErrorKind`]s: what goes wrong in
/// MeetDesk rather than in the call to DingTalk. Together they are every `kind` an [`AppError`]
/// carries ([`all_kinds`]), and the window learns them from the contract file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::VariantArray)]
#[serde(rename_all = "camelCase")]
pub enum AppKind {
    /// A newer search replaced this one.
    Stale,
    /// No credentials yet.
    NotConfigured,
    /// A setting was refused (`field` says which).
    InvalidSetting,
    /// A filter of the window was refused (`field` names the filter's field).
    InvalidFilter,
    /// A join link that may not be opened.
    UnsafeLink,
    /// The meeting or file asked for is not there (any more).
    NotFound,
    /// A file or the operating system failed.
    Io,
    /// The OS keychain failed.
    Keychain,
}

impl AppKind {
    /// Every app kind, in declaration order (derived: a new one cannot be left out).
    pub const ALL: &'static [AppKind] = <AppKind as strum::VariantArray>::VARIANTS;

    /// The wire name, same as the serde form.
    pub const fn as_str(self) -> &'static str {
        match self {
            AppKind::Stale => "stale",
            AppKind::NotConfigured => "notConfigured",
            AppKind::InvalidSetting => "invalidSetting",
            AppKind::InvalidFilter => "invalidFilter",
            AppKind::UnsafeLink => "unsafeLink",
            AppKind::NotFound => "notFound",
            AppKind::Io => "io",
            AppKind::Keychain => "keychain",
        }
    }

    /// Whether trying again may help: not for a replaced search, missing credentials, a refused
    /// setting or link, which would only fail the same way.
    pub const fn is_retryable(self) -> bool {
        !matches!(
            self,
            AppKind::Stale
                | AppKind::NotConfigured
                | AppKind::InvalidSetting
                | AppKind::InvalidFilter
                | AppKind::UnsafeLink
        )
    }
}

/// Every `kind` an [`AppError`] may carry: dingtalk's kinds, then the app's own.
pub fn all_kinds() -> impl Iterator<Item = &'static str> {
    dingtalk::ErrorKind::ALL
        .iter()
        .map(|k| k.as_str())
        .chain(AppKind::ALL.iter().map(|k| k.as_str()))
}

/// Whether Retry may help for this kind: dingtalk's own rule for its kinds, [`AppKind`]'s for the
/// app's. An unknown kind (which [`AppError::new`] refuses in debug builds) keeps Retry.
pub fn kind_is_retryable(kind: &str) -> bool {
    if let Some(k) = dingtalk::ErrorKind::ALL.iter().find(|k| k.as_str() == kind) {
        return k.is_retryable();
    }
    AppKind::ALL
        .iter()
        .find(|k| k.as_str() == kind)
        .is_none_or(|k| k.is_retryable())
}

impl AppError {
    /// `kind` is one of [`all_kinds`]; a typo would reach the window as "unknown", so debug
    /// builds (every test) stop on it. Kinds are literals in this code, never outside input.
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        debug_assert!(
            all_kinds().any(|k| k == kind),
            "{kind:?} is not an error kind: add it to AppKind"
        );
        AppError {
            kind,
            message: message.into(),
            code: None,
            request_id: None,
            http_status: None,
            field: None,
            retryable: kind_is_retryable(kind),
            retry_after_secs: 0,
        }
    }

    pub fn invalid_setting(field: &str, message: impl Into<String>) -> Self {
        AppError {
            field: Some(field.to_string()),
            ..Self::new(AppKind::InvalidSetting.as_str(), message)
        }
    }

    pub fn stale() -> Self {
        Self::new(
            AppKind::Stale.as_str(),
            "A newer search replaced this one; its results were discarded.",
        )
    }

    pub fn not_configured() -> Self {
        Self::new(
            AppKind::NotConfigured.as_str(),
            "MeetDesk has no DingTalk credentials yet: open Settings, or try the demo data.",
        )
    }

    pub fn io(context: &str, err: impl std::fmt::Display) -> Self {
        Self::new(AppKind::Io.as_str(), format!("{context}: {err}"))
    }
}

impl From<crate::filter::FilterError> for AppError {
    fn from(e: crate::filter::FilterError) -> Self {
        AppError {
            field: Some(e.field.to_string()),
            ..Self::new(AppKind::InvalidFilter.as_str(), e.message)
        }
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
    fn app_kinds_do_not_collide_with_dingtalk_kinds_and_serialise_as_named() {
        let all: Vec<_> = all_kinds().collect();
        let unique: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len(), "a kind is listed twice: {all:?}");
        assert_eq!(
            all.len(),
            dingtalk::ErrorKind::ALL.len() + AppKind::ALL.len()
        );
        for &k in AppKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }

    #[test]
    fn retry_follows_one_rule_per_kind_whoever_builds_the_error() {
        // Built by the app or converted from the client, a kind offers Retry the same way.
        for &k in dingtalk::ErrorKind::ALL {
            let local: AppError = dingtalk::Error::local(k, "x").into();
            assert_eq!(
                AppError::new(k.as_str(), "x").retryable,
                local.retryable,
                "{k}"
            );
        }
        assert!(!AppError::new("cancelled", "x").retryable);
        assert!(!AppError::stale().retryable);
        assert!(!AppError::invalid_setting("pageSize", "x").retryable);
        assert!(AppError::new("keychain", "x").retryable);
    }

    #[test]
    #[should_panic(expected = "not an error kind")]
    #[cfg(debug_assertions)]
    fn a_misspelt_kind_stops_a_debug_build() {
        let _ = AppError::new("ioo", "x");
    }

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
