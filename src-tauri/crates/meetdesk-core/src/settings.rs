//! What the user chose (host, credentials mode, page size, language, theme, CSV options, recent
//! rooms), how it is checked, and how the environment overrides it for scripted runs and tests.
//!
//! Plain Rust, no Tauri types: `store.rs` reads and writes the file. Secrets are not here; they
//! live in `secrets.rs` (the OS keychain), and the settings only say whether one is set.

use serde::{Deserialize, Serialize};

use crate::catalog::Lang;
use crate::error::AppError;
use crate::watch::WatchedRoom;

/// Meetings per page the window asks for. The call documents no range (sibling APIs allow
/// 100 to 2000, the platform guide at most 500), so the window caps at 100, what "load all"
/// asks for: a page of the window is never larger than a page of load-all.
pub const PAGE_SIZE_MIN: u32 = 5;
pub const PAGE_SIZE_MAX: u32 = dingtalk::LOAD_ALL_PAGE_SIZE;
pub const PAGE_SIZE_DEFAULT: u32 = 20;
const _: () = assert!(PAGE_SIZE_MIN <= PAGE_SIZE_DEFAULT && PAGE_SIZE_DEFAULT <= PAGE_SIZE_MAX);
const _: () = assert!(PAGE_SIZE_MAX <= dingtalk::MAX_PAGE_SIZE);
/// Seconds one page may take, retries included. Below 5 s a slow but healthy link times out;
/// above 2 minutes nobody waits anyway.
pub const TIMEOUT_SECS_MIN: u32 = 5;
pub const TIMEOUT_SECS_MAX: u32 = 120;
/// The client's own default, so the window and a bare `Client` agree.
pub const TIMEOUT_SECS_DEFAULT: u32 = dingtalk::DEFAULT_REQUEST_TIMEOUT.as_secs() as u32;
const _: () =
    assert!(TIMEOUT_SECS_MIN <= TIMEOUT_SECS_DEFAULT && TIMEOUT_SECS_DEFAULT <= TIMEOUT_SECS_MAX);
/// The CSV delimiters the settings offer (`export::parse_delimiter` also takes the words
/// `comma` and `semicolon`, for the CLI).
pub const CSV_DELIMITERS: [&str; 2] = [",", ";"];
/// Enough to find last week's rooms again; more would turn the dropdown into a list to scroll.
pub const RECENT_ROOMS_MAX: usize = 12;
/// Calls a month the refresher plans for: DingTalk's standard edition gives an organisation
/// about 5,000 (../shared/dingtalk-api.md), and whether conference calls count is unconfirmed,
/// so it is the user's to set. Below 100 a single day of watching would use it up; above
/// 5,000,000 (the largest edition's quota) is no budget.
pub const MONTHLY_CALL_BUDGET_MIN: u32 = 100;
pub const MONTHLY_CALL_BUDGET_MAX: u32 = 5_000_000;
pub const MONTHLY_CALL_BUDGET_DEFAULT: u32 = 5_000;
/// Minutes before a booked meeting's start that its reminder fires; 0 = at the start.
pub const REMINDER_MINUTES_MIN: u32 = 0;
pub const REMINDER_MINUTES_MAX: u32 = 60;
pub const REMINDER_MINUTES_DEFAULT: u32 = 5;
/// Days of meetings the cache keeps per profile: a day at least, a year at most (older meetings
/// are fetched again when asked for).
pub const CACHE_DAYS_MIN: u32 = 1;
pub const CACHE_DAYS_MAX: u32 = 365;
pub const CACHE_DAYS_DEFAULT: u32 = 90;
/// Meetings the cache keeps per profile: enough for the 10,000-meeting room and more; the upper
/// bound keeps the database in the tens of megabytes.
pub const CACHE_MAX_MEETINGS_MIN: u32 = 1_000;
pub const CACHE_MAX_MEETINGS_MAX: u32 = 500_000;
pub const CACHE_MAX_MEETINGS_DEFAULT: u32 = 50_000;
const _: () = assert!(
    MONTHLY_CALL_BUDGET_MIN <= MONTHLY_CALL_BUDGET_DEFAULT
        && MONTHLY_CALL_BUDGET_DEFAULT <= MONTHLY_CALL_BUDGET_MAX
        && REMINDER_MINUTES_DEFAULT <= REMINDER_MINUTES_MAX
        && CACHE_DAYS_MIN <= CACHE_DAYS_DEFAULT
        && CACHE_DAYS_DEFAULT <= CACHE_DAYS_MAX
        && CACHE_MAX_MEETINGS_MIN <= CACHE_MAX_MEETINGS_DEFAULT
        && CACHE_MAX_MEETINGS_DEFAULT <= CACHE_MAX_MEETINGS_MAX
);

/// The whole-number settings whose only rule is a range: (field, min, max, default), in the
/// order of `Settings::bounded`.
const BOUNDED_FIELDS: [(&str, u32, u32, u32); 4] = [
    (
        "monthlyCallBudget",
        MONTHLY_CALL_BUDGET_MIN,
        MONTHLY_CALL_BUDGET_MAX,
        MONTHLY_CALL_BUDGET_DEFAULT,
    ),
    (
        "reminderMinutes",
        REMINDER_MINUTES_MIN,
        REMINDER_MINUTES_MAX,
        REMINDER_MINUTES_DEFAULT,
    ),
    (
        "cacheDays",
        CACHE_DAYS_MIN,
        CACHE_DAYS_MAX,
        CACHE_DAYS_DEFAULT,
    ),
    (
        "cacheMaxMeetings",
        CACHE_MAX_MEETINGS_MIN,
        CACHE_MAX_MEETINGS_MAX,
        CACHE_MAX_MEETINGS_DEFAULT,
    ),
];

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, strum::VariantArray,
)]
#[serde(rename_all = "camelCase")]
pub enum Host {
    /// The host this API's English documentation names; where most of our users' orgs live.
    #[default]
    International,
    Mainland,
    Custom,
}

impl Host {
    /// The base URL of a named host (the client's own constants); `None` for a custom one, whose
    /// URL is a setting.
    pub const fn base_url(self) -> Option<&'static str> {
        match self {
            Host::International => Some(dingtalk::GLOBAL_BASE_URL),
            Host::Mainland => Some(dingtalk::MAINLAND_BASE_URL),
            Host::Custom => None,
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, strum::VariantArray,
)]
#[serde(rename_all = "camelCase")]
pub enum CredentialMode {
    Token,
    #[default]
    InternalApp,
    ThirdParty,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, strum::VariantArray,
)]
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
/// default, so files written by older or newer versions still load; [`Settings::from_json`]
/// reads it field by field, so one wrong value costs only that value.
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
    pub timeout_secs: u32,
    /// The window's language; `None` follows the system. Stored as `"system"`, `"en"` or
    /// `"zh-CN"` (the one [`Lang`] enum, plus the system choice).
    #[serde(with = "language_setting")]
    pub language: Option<Lang>,
    pub theme: Theme,
    pub csv_bom: bool,
    pub csv_delimiter: String,
    /// Only honoured when no keychain is available, and only after the user ticked it.
    pub store_secrets_in_file: bool,
    pub recent_rooms: Vec<RecentRoom>,
    pub last_export_dir: Option<String>,
    /// Watched rooms ([`crate::watch`]): unique room codes, at most
    /// [`crate::watch::WATCHED_ROOMS_MAX`].
    pub watched: Vec<WatchedRoom>,
    /// The refresher's monthly call budget ([`crate::refresh`]).
    pub monthly_call_budget: u32,
    /// Whether reminders fire at all ([`crate::reminder`]).
    pub reminders_on: bool,
    /// Minutes before a booked meeting's start that its reminder fires.
    pub reminder_minutes: u32,
    /// Join opens the DingTalk app by its jump link ([`crate::links::dingtalk_app_link`]),
    /// falling back to the browser.
    pub open_in_dingtalk_app: bool,
    /// Closing the window leaves MeetDesk running in the tray.
    pub keep_in_tray: bool,
    pub start_at_login: bool,
    /// The cache's bounds per profile: days of meetings, and meetings.
    pub cache_days: u32,
    pub cache_max_meetings: u32,
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
            timeout_secs: TIMEOUT_SECS_DEFAULT,
            language: None,
            theme: Theme::default(),
            csv_bom: true,
            csv_delimiter: CSV_DELIMITERS[0].into(),
            store_secrets_in_file: false,
            recent_rooms: Vec::new(),
            last_export_dir: None,
            watched: Vec::new(),
            monthly_call_budget: MONTHLY_CALL_BUDGET_DEFAULT,
            reminders_on: true,
            reminder_minutes: REMINDER_MINUTES_DEFAULT,
            open_in_dingtalk_app: false,
            keep_in_tray: false,
            start_at_login: false,
            cache_days: CACHE_DAYS_DEFAULT,
            cache_max_meetings: CACHE_MAX_MEETINGS_DEFAULT,
        }
    }
}

impl Settings {
    /// The DingTalk base URL these settings point at.
    pub fn base_url(&self) -> &str {
        self.host
            .base_url()
            .unwrap_or_else(|| self.custom_base_url.trim())
    }

    /// Refuses a bad value with the field it is in and a reason the user can act on. Nothing is
    /// silently replaced: the caller keeps the previous settings when this fails.
    pub fn validate(&self) -> Result<(), AppError> {
        check_page_size(self.page_size)?;
        check_timeout(self.timeout_secs)?;
        if self.host == Host::Custom {
            check_custom_base_url(&self.custom_base_url)?;
        }
        for (field, value) in self.key_fields() {
            check_key(field, value)?;
        }
        crate::export::parse_delimiter(&self.csv_delimiter)
            .map_err(|m| AppError::invalid_setting("csvDelimiter", m))?;
        crate::watch::check_watched(&self.watched)?;
        for ((field, min, max, _), value) in BOUNDED_FIELDS.iter().zip(self.bounded()) {
            check_bounds(field, value, *min, *max)?;
        }
        Ok(())
    }

    /// The values of [`BOUNDED_FIELDS`], in its order.
    fn bounded(&self) -> [u32; 4] {
        [
            self.monthly_call_budget,
            self.reminder_minutes,
            self.cache_days,
            self.cache_max_meetings,
        ]
    }

    fn bounded_mut(&mut self) -> [&mut u32; 4] {
        [
            &mut self.monthly_call_budget,
            &mut self.reminder_minutes,
            &mut self.cache_days,
            &mut self.cache_max_meetings,
        ]
    }

    fn key_fields(&self) -> [(&'static str, &String); 3] {
        [
            ("appKey", &self.app_key),
            ("suiteKey", &self.suite_key),
            ("authCorpId", &self.auth_corp_id),
        ]
    }

    /// Reads the `settings` object of the file one field at a time: a field of the wrong type
    /// or out of range takes its default and is named in the second value; every other field
    /// keeps what the user saved. (A derived `Deserialize` would drop the whole object.)
    pub fn from_json(obj: &serde_json::Map<String, serde_json::Value>) -> (Settings, Vec<String>) {
        let mut s = Settings::default();
        let mut bad = Vec::new();
        macro_rules! field {
            ($name:literal, $field:ident) => {
                if let Some(v) = obj.get($name) {
                    match serde_json::from_value(v.clone()) {
                        Ok(x) => s.$field = x,
                        Err(_) => bad.push($name.to_string()),
                    }
                }
            };
        }
        field!("host", host);
        field!("customBaseUrl", custom_base_url);
        field!("credentialMode", credential_mode);
        field!("appKey", app_key);
        field!("suiteKey", suite_key);
        field!("authCorpId", auth_corp_id);
        field!("pageSize", page_size);
        field!("timeoutSecs", timeout_secs);
        if let Some(v) = obj.get("language") {
            match language_setting::deserialize(v) {
                Ok(x) => s.language = x,
                Err(_) => bad.push("language".to_string()),
            }
        }
        field!("theme", theme);
        field!("csvBom", csv_bom);
        field!("csvDelimiter", csv_delimiter);
        field!("storeSecretsInFile", store_secrets_in_file);
        field!("lastExportDir", last_export_dir);
        field!("monthlyCallBudget", monthly_call_budget);
        field!("remindersOn", reminders_on);
        field!("reminderMinutes", reminder_minutes);
        field!("openInDingtalkApp", open_in_dingtalk_app);
        field!("keepInTray", keep_in_tray);
        field!("startAtLogin", start_at_login);
        field!("cacheDays", cache_days);
        field!("cacheMaxMeetings", cache_max_meetings);
        if let Some(v) = obj.get("watched") {
            let (rooms, dropped) = crate::watch::watched_from_json(v);
            s.watched = rooms;
            if dropped {
                bad.push("watched".into());
            }
        }
        match obj.get("recentRooms") {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::Array(items)) => {
                // One damaged entry costs that entry, not the list.
                let rooms: Vec<RecentRoom> = items
                    .iter()
                    .filter_map(|v| serde_json::from_value(v.clone()).ok())
                    .filter(|r: &RecentRoom| dingtalk::RoomCode::parse(&r.room_code).is_ok())
                    .take(RECENT_ROOMS_MAX)
                    .collect();
                if rooms.len() != items.len().min(RECENT_ROOMS_MAX) {
                    bad.push("recentRooms".into());
                }
                s.recent_rooms = rooms;
            }
            Some(_) => bad.push("recentRooms".into()),
        }

        // Values of the right type but not ones the app accepts: each back to its default alone.
        let d = Settings::default();
        if check_page_size(s.page_size).is_err() {
            s.page_size = d.page_size;
            bad.push("pageSize".into());
        }
        if check_timeout(s.timeout_secs).is_err() {
            s.timeout_secs = d.timeout_secs;
            bad.push("timeoutSecs".into());
        }
        if s.host == Host::Custom && check_custom_base_url(&s.custom_base_url).is_err() {
            // Without a usable custom URL the custom host cannot stand either.
            s.host = d.host;
            s.custom_base_url = d.custom_base_url.clone();
            bad.push("customBaseUrl".into());
        }
        for (field, value) in [
            ("appKey", &mut s.app_key),
            ("suiteKey", &mut s.suite_key),
            ("authCorpId", &mut s.auth_corp_id),
        ] {
            if check_key(field, value).is_err() {
                value.clear();
                bad.push(field.into());
            }
        }
        if crate::export::parse_delimiter(&s.csv_delimiter).is_err() {
            s.csv_delimiter = d.csv_delimiter;
            bad.push("csvDelimiter".into());
        }
        for ((field, min, max, default), value) in BOUNDED_FIELDS.iter().zip(s.bounded_mut()) {
            if check_bounds(field, *value, *min, *max).is_err() {
                *value = *default;
                bad.push((*field).into());
            }
        }
        let mut seen = std::collections::HashSet::new();
        bad.retain(|f| seen.insert(f.clone()));
        (s, bad)
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

fn check_page_size(v: u32) -> Result<(), AppError> {
    if (PAGE_SIZE_MIN..=PAGE_SIZE_MAX).contains(&v) {
        return Ok(());
    }
    Err(AppError::invalid_setting(
        "pageSize",
        format!(
            "Page size must be between {PAGE_SIZE_MIN} and {PAGE_SIZE_MAX} meetings (got {v})."
        ),
    ))
}

fn check_timeout(v: u32) -> Result<(), AppError> {
    if (TIMEOUT_SECS_MIN..=TIMEOUT_SECS_MAX).contains(&v) {
        return Ok(());
    }
    Err(AppError::invalid_setting(
        "timeoutSecs",
        format!("The timeout must be between {TIMEOUT_SECS_MIN} and {TIMEOUT_SECS_MAX} seconds (got {v})."),
    ))
}

fn check_bounds(field: &str, v: u32, min: u32, max: u32) -> Result<(), AppError> {
    if (min..=max).contains(&v) {
        return Ok(());
    }
    Err(AppError::invalid_setting(
        field,
        format!("This value must be between {min} and {max} (got {v})."),
    ))
}

fn check_custom_base_url(v: &str) -> Result<(), AppError> {
    if v.trim().is_empty() {
        return Err(AppError::invalid_setting(
            "customBaseUrl",
            "Enter the address of your DingTalk deployment, for example https://api.example.com.",
        ));
    }
    dingtalk::ClientConfig::new(v.trim())
        .map(|_| ())
        .map_err(|e| AppError::invalid_setting("customBaseUrl", e.to_string()))
}

fn check_key(field: &str, value: &str) -> Result<(), AppError> {
    if value.len() > 256 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::invalid_setting(
            field,
            "This value cannot contain spaces or line breaks; copy it again from the DingTalk developer console.",
        ));
    }
    Ok(())
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
}

/// Every value the `language` setting may hold, as stored: `"system"`, then each language's tag.
pub fn language_choices() -> Vec<&'static str> {
    std::iter::once(language_setting::SYSTEM)
        .chain(crate::catalog::Lang::ALL.iter().map(|l| l.tag()))
        .collect()
}

/// `language` as stored: `"system"` for `None`, else the language's tag.
mod language_setting {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::catalog::Lang;

    /// The stored spelling of "follow the system's language".
    pub const SYSTEM: &str = "system";

    pub fn serialize<S: Serializer>(v: &Option<Lang>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_str(SYSTEM),
            Some(lang) => lang.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Lang>, D::Error> {
        let tag = String::deserialize(d)?;
        if tag == SYSTEM {
            return Ok(None);
        }
        Lang::deserialize(serde::de::value::StrDeserializer::<D::Error>::new(&tag)).map(Some)
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

    fn parse(json: &str) -> (Settings, Vec<String>) {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        Settings::from_json(v.as_object().unwrap())
    }

    #[test]
    fn the_language_keeps_its_stored_spellings() {
        for (stored, lang) in [
            ("system", None),
            ("en", Some(Lang::En)),
            ("zh-CN", Some(Lang::ZhCn)),
        ] {
            let (s, bad) = parse(&format!(r#"{{"language": "{stored}"}}"#));
            assert_eq!((s.language, bad.len()), (lang, 0), "{stored}");
            assert_eq!(serde_json::to_value(&s).unwrap()["language"], stored);
            let back: Settings = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
            assert_eq!(back.language, lang);
        }
        assert_eq!(Settings::default().language, None, "follows the system");
        for odd in [r#""fr""#, "7", "null", r#""zh""#] {
            let (s, bad) = parse(&format!(r#"{{"language": {odd}}}"#));
            assert_eq!(
                (s.language, bad),
                (None, vec!["language".to_string()]),
                "{odd}"
            );
        }
    }

    #[test]
    fn one_wrong_field_falls_back_alone_and_is_named() {
        let (s, bad) = parse(
            r#"{"pageSize": "50", "language": "zh-CN", "theme": "dark", "appKey": "dingabc",
                "timeoutSecs": 30, "csvBom": false}"#,
        );
        assert_eq!(bad, vec!["pageSize"]);
        assert_eq!(s.page_size, PAGE_SIZE_DEFAULT);
        assert_eq!(s.language, Some(Lang::ZhCn));
        assert_eq!(s.theme, Theme::Dark);
        assert_eq!(s.app_key, "dingabc");
        assert_eq!(s.timeout_secs, 30);
        assert!(!s.csv_bom);
    }

    #[test]
    fn out_of_range_and_unknown_enum_values_fall_back_each_alone() {
        let (s, bad) = parse(
            r#"{"pageSize": 5000, "timeoutSecs": 1, "theme": "neon", "host": "custom",
                "customBaseUrl": "http://evil.example", "csvDelimiter": "|", "appKey": "a b",
                "language": "zh-CN", "recentRooms": [{"roomCode": "427233559"}, 7, {"roomCode": "x"}]}"#,
        );
        for f in [
            "pageSize",
            "timeoutSecs",
            "theme",
            "customBaseUrl",
            "csvDelimiter",
            "appKey",
            "recentRooms",
        ] {
            assert!(bad.iter().any(|b| b == f), "{f} in {bad:?}");
        }
        assert_eq!(s.page_size, PAGE_SIZE_DEFAULT);
        assert_eq!(s.timeout_secs, TIMEOUT_SECS_DEFAULT);
        assert_eq!(s.theme, Theme::System);
        assert_eq!(s.host, Host::International);
        assert_eq!(s.language, Some(Lang::ZhCn), "the good field is kept");
        assert_eq!(s.recent_rooms.len(), 1, "the good recent room is kept");
        s.validate().unwrap();
    }

    #[test]
    fn the_watched_rooms_fields_load_tolerantly_each_alone() {
        let (s, bad) = parse(
            r#"{"watched": [{"name": "Board room", "roomCode": "427233559"}, {"name": "", "roomCode": "500000005"}],
                "monthlyCallBudget": 10, "remindersOn": false, "reminderMinutes": 61,
                "openInDingtalkApp": true, "keepInTray": "yes", "startAtLogin": true,
                "cacheDays": 30, "cacheMaxMeetings": 0, "language": "zh-CN"}"#,
        );
        let mut bad = bad;
        bad.sort();
        assert_eq!(
            bad,
            [
                "cacheMaxMeetings",
                "keepInTray",
                "monthlyCallBudget",
                "reminderMinutes",
                "watched"
            ]
        );
        assert_eq!(s.watched.len(), 1, "the good watched room is kept");
        assert_eq!(s.watched[0].name.as_str(), "Board room");
        assert_eq!(s.monthly_call_budget, MONTHLY_CALL_BUDGET_DEFAULT);
        assert_eq!(s.reminder_minutes, REMINDER_MINUTES_DEFAULT);
        assert_eq!(s.cache_max_meetings, CACHE_MAX_MEETINGS_DEFAULT);
        assert!(!s.reminders_on && s.open_in_dingtalk_app && s.start_at_login && !s.keep_in_tray);
        assert_eq!(s.cache_days, 30);
        assert_eq!(s.language, Some(Lang::ZhCn));
        s.validate().unwrap();
    }

    #[test]
    fn the_watched_rooms_fields_are_validated_with_their_field() {
        let d = Settings::default();
        assert_eq!(
            (
                d.monthly_call_budget,
                d.reminder_minutes,
                d.reminders_on,
                d.cache_days
            ),
            (5_000, 5, true, 90)
        );
        assert_eq!(d.cache_max_meetings, 50_000);
        assert!(!d.open_in_dingtalk_app && !d.keep_in_tray && !d.start_at_login);
        for (s, field) in [
            (
                Settings {
                    monthly_call_budget: 99,
                    ..d.clone()
                },
                "monthlyCallBudget",
            ),
            (
                Settings {
                    reminder_minutes: 61,
                    ..d.clone()
                },
                "reminderMinutes",
            ),
            (
                Settings {
                    cache_days: 0,
                    ..d.clone()
                },
                "cacheDays",
            ),
            (
                Settings {
                    cache_max_meetings: 500_001,
                    ..d.clone()
                },
                "cacheMaxMeetings",
            ),
        ] {
            assert_eq!(s.validate().unwrap_err().field.as_deref(), Some(field));
        }
        let room = crate::watch::WatchedRoom::new("A", "427233559").unwrap();
        let twice = Settings {
            watched: vec![room.clone(), room],
            ..d.clone()
        };
        assert_eq!(
            twice.validate().unwrap_err().field.as_deref(),
            Some("watched")
        );
        Settings {
            reminder_minutes: 0,
            ..d
        }
        .validate()
        .unwrap();
    }

    #[test]
    fn timeout_is_validated() {
        for (v, ok) in [(4, false), (5, true), (120, true), (121, false)] {
            let s = Settings {
                timeout_secs: v,
                ..Settings::default()
            };
            assert_eq!(s.validate().is_ok(), ok, "{v}");
        }
    }

    #[test]
    fn a_file_with_missing_and_unknown_keys_still_loads() {
        let (s, bad) = parse(r#"{"pageSize": 50, "language": "zh-CN", "fromTheFuture": 1}"#);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(s.page_size, 50);
        assert_eq!(s.timeout_secs, TIMEOUT_SECS_DEFAULT);
        assert_eq!(s.language, Some(Lang::ZhCn));
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
        assert_eq!(env.access_token.as_deref(), Some("t"));
    }
}
