//! What the user chose (host, credentials mode, page size, language, theme, CSV options, recent
//! rooms), how it is checked, and how the environment overrides it for scripted runs and tests.
//!
//! Plain Rust, no Tauri types: the command layer reads and writes it through tauri-plugin-store.
//! Secrets are not here; they live in `secrets.rs` (the OS keychain), and the settings only say
//! whether one is set.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const INTERNATIONAL_BASE_URL: &str = "https://api.dingtalk.io";
pub const MAINLAND_BASE_URL: &str = "https://api.dingtalk.com";
pub const PAGE_SIZE_MIN: u32 = 5;
pub const PAGE_SIZE_MAX: u32 = 100;
pub const PAGE_SIZE_DEFAULT: u32 = 20;
/// Enough to find last week's rooms again; more would turn the dropdown into a list to scroll.
pub const RECENT_ROOMS_MAX: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Host {
    /// The host this API's English documentation names; where most of our users' orgs live.
    #[default]
    International,
    Mainland,
    Custom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum CredentialMode {
    Token,
    #[default]
    InternalApp,
    ThirdParty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Language {
    #[default]
    #[serde(rename = "system")]
    System,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentRoom {
    pub room_code: String,
    #[serde(default)]
    pub last_title: Option<String>,
    /// Milliseconds since the epoch.
    #[serde(default)]
    pub last_used: i64,
}

/// Everything the settings file holds. Unknown keys are ignored and missing ones take their
/// default, so files written by older or newer versions still load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub host: Host,
    pub custom_base_url: String,
    pub credential_mode: CredentialMode,
    pub app_key: String,
    pub suite_key: String,
    pub auth_corp_id: String,
    pub page_size: u32,
    pub language: Language,
    pub theme: Theme,
    pub csv_bom: bool,
    pub csv_delimiter: String,
    /// Only honoured when no keychain is available, and only after the user ticked it.
    pub store_secrets_in_file: bool,
    pub recent_rooms: Vec<RecentRoom>,
    pub last_export_dir: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            host: Host::default(),
            custom_base_url: String::new(),
            credential_mode: CredentialMode::default(),
            app_key: String::new(),
            suite_key: String::new(),
            auth_corp_id: String::new(),
            page_size: PAGE_SIZE_DEFAULT,
            language: Language::default(),
            theme: Theme::default(),
            csv_bom: true,
            csv_delimiter: ",".into(),
            store_secrets_in_file: false,
            recent_rooms: Vec::new(),
            last_export_dir: None,
        }
    }
}

impl Settings {
    /// The DingTalk base URL these settings point at.
    pub fn base_url(&self) -> &str {
        match self.host {
            Host::International => INTERNATIONAL_BASE_URL,
            Host::Mainland => MAINLAND_BASE_URL,
            Host::Custom => self.custom_base_url.trim(),
        }
    }

    /// Refuses a bad value with the field it is in and a reason the user can act on. Nothing is
    /// silently replaced: the caller keeps the previous settings when this fails.
    pub fn validate(&self) -> Result<(), AppError> {
        if !(PAGE_SIZE_MIN..=PAGE_SIZE_MAX).contains(&self.page_size) {
            return Err(AppError::invalid_setting(
                "pageSize",
                format!(
                    "Page size must be between {PAGE_SIZE_MIN} and {PAGE_SIZE_MAX} meetings (got {}).",
                    self.page_size
                ),
            ));
        }
        if self.host == Host::Custom {
            if self.custom_base_url.trim().is_empty() {
                return Err(AppError::invalid_setting(
                    "customBaseUrl",
                    "Enter the address of your DingTalk deployment, for example https://api.example.com.",
                ));
            }
            dingtalk::ClientConfig::new(self.custom_base_url.trim())
                .map_err(|e| AppError::invalid_setting("customBaseUrl", e.to_string()))?;
        }
        for (field, value) in [
            ("appKey", &self.app_key),
            ("suiteKey", &self.suite_key),
            ("authCorpId", &self.auth_corp_id),
        ] {
            if value.len() > 256 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(AppError::invalid_setting(
                    field,
                    "This value cannot contain spaces or line breaks; copy it again from the DingTalk developer console.",
                ));
            }
        }
        crate::export::parse_delimiter(&self.csv_delimiter)
            .map_err(|m| AppError::invalid_setting("csvDelimiter", m))?;
        Ok(())
    }

    /// Puts `room` first in the recent list, remembering the newest meeting title seen for it.
    pub fn remember_room(&mut self, room: &str, last_title: Option<String>, now_ms: i64) {
        let previous = self.recent_rooms.iter().position(|r| r.room_code == room);
        let kept_title = previous.and_then(|i| self.recent_rooms.remove(i).last_title);
        self.recent_rooms.insert(
            0,
            RecentRoom {
                room_code: room.to_string(),
                last_title: last_title.or(kept_title),
                last_used: now_ms,
            },
        );
        self.recent_rooms.truncate(RECENT_ROOMS_MAX);
    }

    pub fn forget_room(&mut self, room: &str) {
        self.recent_rooms.retain(|r| r.room_code != room);
    }
}

/// Values from the environment that beat the settings, for scripted runs and tests.
/// Read once at start-up so a running app does not change under the user.
#[derive(Debug, Clone, Default)]
pub struct EnvOverrides {
    pub base_url: Option<String>,
    pub access_token: Option<String>,
    pub app_key: Option<String>,
    pub app_secret: Option<String>,
    pub data_dir: Option<std::path::PathBuf>,
    /// Test-only: where an export is written instead of asking with the native save dialog,
    /// which WebDriver cannot drive.
    pub export_path: Option<std::path::PathBuf>,
}

impl EnvOverrides {
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        EnvOverrides {
            base_url: get("MEETDESK_BASE_URL"),
            access_token: get("MEETDESK_ACCESS_TOKEN"),
            app_key: get("MEETDESK_APP_KEY"),
            app_secret: get("MEETDESK_APP_SECRET"),
            data_dir: get("MEETDESK_DATA_DIR").map(Into::into),
            export_path: get("MEETDESK_TEST_EXPORT_PATH").map(Into::into),
        }
    }

    /// True when the environment alone says how to reach DingTalk.
    pub fn has_credentials(&self) -> bool {
        self.access_token.is_some() || (self.app_key.is_some() && self.app_secret.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_point_at_the_international_host() {
        let s = Settings::default();
        s.validate().unwrap();
        assert_eq!(s.base_url(), "https://api.dingtalk.io");
        assert_eq!(s.page_size, 20);
    }

    #[test]
    fn a_file_with_missing_and_unknown_keys_still_loads() {
        let s: Settings =
            serde_json::from_str(r#"{"pageSize": 50, "language": "zh-CN", "fromTheFuture": 1}"#)
                .unwrap();
        assert_eq!(s.page_size, 50);
        assert_eq!(s.language, Language::ZhCn);
        assert_eq!(s.theme, Theme::System);
    }

    #[test]
    fn page_size_out_of_bounds_is_refused_with_the_field_and_bounds() {
        for bad in [0, 4, 101, 5000] {
            let s = Settings {
                page_size: bad,
                ..Settings::default()
            };
            let e = s.validate().unwrap_err();
            assert_eq!(e.field.as_deref(), Some("pageSize"));
            assert!(e.message.contains("between 5 and 100"), "{}", e.message);
        }
    }

    #[test]
    fn custom_host_must_be_https_unless_loopback() {
        let mut s = Settings {
            host: Host::Custom,
            ..Settings::default()
        };
        assert_eq!(
            s.validate().unwrap_err().field.as_deref(),
            Some("customBaseUrl")
        );
        s.custom_base_url = "http://dingtalk.example.com".into();
        assert_eq!(
            s.validate().unwrap_err().field.as_deref(),
            Some("customBaseUrl")
        );
        s.custom_base_url = "https://api.example.com".into();
        s.validate().unwrap();
        s.custom_base_url = "http://127.0.0.1:8787".into();
        s.validate().unwrap();
        assert_eq!(s.base_url(), "http://127.0.0.1:8787");
    }

    #[test]
    fn keys_with_spaces_are_refused() {
        let s = Settings {
            app_key: "ding abc".into(),
            ..Settings::default()
        };
        assert_eq!(s.validate().unwrap_err().field.as_deref(), Some("appKey"));
    }

    #[test]
    fn recent_rooms_move_to_front_keep_titles_and_are_capped() {
        let mut s = Settings::default();
        s.remember_room("111111111", Some("A".into()), 1);
        s.remember_room("222222222", None, 2);
        s.remember_room("111111111", None, 3);
        assert_eq!(s.recent_rooms[0].room_code, "111111111");
        assert_eq!(s.recent_rooms[0].last_title.as_deref(), Some("A"));
        assert_eq!(s.recent_rooms.len(), 2);
        for i in 0..30 {
            s.remember_room(&format!("9000000{i:02}"), None, 10 + i);
        }
        assert_eq!(s.recent_rooms.len(), RECENT_ROOMS_MAX);
        s.forget_room("900000029");
        assert!(s.recent_rooms.iter().all(|r| r.room_code != "900000029"));
    }

    #[test]
    fn environment_overrides_ignore_blank_values() {
        let env = EnvOverrides::from_lookup(|k| match k {
            "MEETDESK_BASE_URL" => Some("http://127.0.0.1:9".into()),
            "MEETDESK_APP_KEY" => Some("  ".into()),
            "MEETDESK_ACCESS_TOKEN" => Some("t".into()),
            _ => None,
        });
        assert_eq!(env.base_url.as_deref(), Some("http://127.0.0.1:9"));
        assert!(env.app_key.is_none());
        assert!(env.has_credentials());
    }
}
