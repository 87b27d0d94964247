//! What the window must know of Rust's facts, written once here and handed to it as
//! `ui/contract.js`: the error kinds (and which of them offer Retry), the enums the UI shows or
//! sends (hosts with their base URLs, credential modes, languages, themes, CSV delimiters,
//! meeting statuses and types, caveats), the limits (page size, timeout, recent rooms, load-all,
//! watched rooms, call budget, reminders, cache bounds), the refresh schedule's constants
//! and the room-code rules (digit count, ignored separators).
//!
//! Every value comes from the constant or enum that the Rust code itself uses, never a copy, and
//! the enums list their variants by derive ([`strum::VariantArray`]), so a new kind or host
//! reaches the window by running the tests. The test `contract::tests::ui_contract_js_is_current`
//! renders [`contract`] with [`render_js`] and compares it with the committed file; when they
//! differ it writes the new file and fails, asking for it to be committed. So a stale file can
//! pass no test run, and CI (which starts from a clean clone) catches a forgotten commit.
//!
//! A JS module rather than a JSON file: the window imports it statically like every other
//! module (`import { CONTRACT } from './contract.js'`), which the CSP allows and node's test
//! runner reads without flags; a JSON file would need a `fetch` at start-up (async, and a
//! `connect-src` for the app's own origin) or JSON module imports, which the WebKitGTK builds
//! of older distributions do not have.

use serde_json::{json, Map, Value};
use strum::VariantArray;

use crate::error::{all_kinds, kind_is_retryable};
use crate::settings::{
    language_choices, CredentialMode, Host, Settings, Theme, CACHE_DAYS_DEFAULT, CACHE_DAYS_MAX,
    CACHE_DAYS_MIN, CACHE_MAX_MEETINGS_DEFAULT, CACHE_MAX_MEETINGS_MAX, CACHE_MAX_MEETINGS_MIN,
    CSV_DELIMITERS, MONTHLY_CALL_BUDGET_DEFAULT, MONTHLY_CALL_BUDGET_MAX, MONTHLY_CALL_BUDGET_MIN,
    PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, PAGE_SIZE_MIN, RECENT_ROOMS_MAX, REMINDER_MINUTES_DEFAULT,
    REMINDER_MINUTES_MAX, REMINDER_MINUTES_MIN, TIMEOUT_SECS_DEFAULT, TIMEOUT_SECS_MAX,
    TIMEOUT_SECS_MIN,
};
use crate::view::{Caveat, ViewStatus};

/// Where the rendered file lives, from this crate's folder.
pub const UI_CONTRACT_PATH: &str = "../../../ui/contract.js";

/// The serde name of a unit variant (`Host::International` → `"international"`).
fn wire<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn names<T: serde::Serialize>(all: &[T]) -> Value {
    Value::Array(all.iter().map(wire).collect())
}

/// The contract as data; [`render_js`] turns it into `ui/contract.js`.
pub fn contract() -> Value {
    let hosts: Map<String, Value> = Host::VARIANTS
        .iter()
        .filter_map(|h| {
            let name = wire(h).as_str()?.to_string();
            Some((name, h.base_url().map_or(Value::Null, Value::from)))
        })
        .collect();
    let meeting_types: Vec<Value> = dingtalk::BizType::KNOWN
        .iter()
        .map(|t| json!({ "wire": t.as_str(), "key": t.key() }))
        .collect();
    // Keyed by length, for every length a valid code can have.
    let group_cuts: serde_json::Map<String, Value> = (dingtalk::ROOM_CODE_MIN_DIGITS
        ..=dingtalk::ROOM_CODE_MAX_DIGITS)
        .map(|n| (n.to_string(), json!(dingtalk::room_code_cuts(n))))
        .collect();
    let separators: Vec<Value> = dingtalk::ROOM_CODE_SEPARATORS
        .iter()
        .map(|&(from, to)| json!([u32::from(from), u32::from(to)]))
        .collect();
    json!({
        "errorKinds": all_kinds().collect::<Vec<_>>(),
        "retryableKinds": all_kinds().filter(|k| kind_is_retryable(k)).collect::<Vec<_>>(),
        "hosts": hosts,
        "credentialModes": names(CredentialMode::VARIANTS),
        "languages": language_choices(),
        "themes": names(Theme::VARIANTS),
        "csvDelimiters": CSV_DELIMITERS,
        "meetingStatuses": names(ViewStatus::VARIANTS),
        "meetingTypes": meeting_types,
        "unknownMeetingType": dingtalk::BizType::Unknown(String::new()).key(),
        "caveats": names(Caveat::VARIANTS),
        "limits": {
            "pageSize": { "min": PAGE_SIZE_MIN, "max": PAGE_SIZE_MAX, "default": PAGE_SIZE_DEFAULT },
            "timeoutSecs": {
                "min": TIMEOUT_SECS_MIN,
                "max": TIMEOUT_SECS_MAX,
                "default": TIMEOUT_SECS_DEFAULT,
            },
            "recentRoomsMax": RECENT_ROOMS_MAX,
            "loadAllPageSize": dingtalk::LOAD_ALL_PAGE_SIZE,
            "maxLoadAllMeetings": dingtalk::MAX_LOAD_ALL_MEETINGS,
            "maxFilterTextChars": crate::filter::MAX_FILTER_TEXT_CHARS,
            "watchedRoomsMax": crate::watch::WATCHED_ROOMS_MAX,
            "watchNameMaxChars": crate::watch::WATCH_NAME_MAX_CHARS,
            "monthlyCallBudget": {
                "min": MONTHLY_CALL_BUDGET_MIN,
                "max": MONTHLY_CALL_BUDGET_MAX,
                "default": MONTHLY_CALL_BUDGET_DEFAULT,
            },
            "reminderMinutes": {
                "min": REMINDER_MINUTES_MIN,
                "max": REMINDER_MINUTES_MAX,
                "default": REMINDER_MINUTES_DEFAULT,
            },
            "cacheDays": { "min": CACHE_DAYS_MIN, "max": CACHE_DAYS_MAX, "default": CACHE_DAYS_DEFAULT },
            "cacheMaxMeetings": {
                "min": CACHE_MAX_MEETINGS_MIN,
                "max": CACHE_MAX_MEETINGS_MAX,
                "default": CACHE_MAX_MEETINGS_DEFAULT,
            },
        },
        // Issue 12: a reminder or a tray line asks the window to show a room.
        "refresh": {
            "regularIntervalSecs": crate::refresh::REGULAR_INTERVAL_SECS,
            "busyIntervalSecs": crate::refresh::BUSY_INTERVAL_SECS,
            "busyLeadMs": crate::refresh::BUSY_LEAD_MS,
            "budgetStretchPercent": crate::refresh::BUDGET_STRETCH_PERCENT,
        },
        "roomCode": {
            "minDigits": dingtalk::ROOM_CODE_MIN_DIGITS,
            "maxDigits": dingtalk::ROOM_CODE_MAX_DIGITS,
            "separators": separators,
            "groupCuts": group_cuts,
        },
        "settingsDefaults": wire(&Settings::default()),
    })
}

const HEADER: &str = "\
// Generated by `cargo test -p meetdesk-core contract` from
// src-tauri/crates/meetdesk-core/src/contract.rs: do not edit. What the window must know of the
// Rust side's facts (error kinds, enums, limits, room-code rules), each defined once there.
// roomCode.separators: inclusive ranges of code points that a room code may carry and that are
// ignored. roomCode.groupCuts: per length, where the code is cut into groups for reading.
";

/// `ui/contract.js`: `export const CONTRACT = Object.freeze({...});`, frozen all the way down so
/// no module can change a fact for the others. Object keys are sorted, so the file does not
/// depend on serde_json's map order (a feature another crate of the workspace may switch on).
pub fn render_js(contract: &Value) -> String {
    let mut out = String::from(HEADER);
    out.push_str("\nexport const CONTRACT = ");
    render(contract, 0, "export const CONTRACT = ".len(), &mut out);
    out.push_str(";\n");
    out
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Widest line of the rendered file; a list or object of plain values that fits stays on one.
const WIDTH: usize = 100;

fn key_text(key: &str) -> String {
    if is_identifier(key) {
        key.to_string()
    } else {
        Value::from(key).to_string()
    }
}

fn sorted(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// One line for a list or object of plain values; `None` for anything nested.
fn inline(v: &Value) -> Option<String> {
    match v {
        Value::Array(items) if items.iter().all(is_scalar) => {
            let parts: Vec<String> = items.iter().map(Value::to_string).collect();
            Some(format!("Object.freeze([{}])", parts.join(", ")))
        }
        Value::Object(map) if map.values().all(is_scalar) => {
            let parts: Vec<String> = sorted(map)
                .into_iter()
                .map(|(k, v)| format!("{}: {v}", key_text(k)))
                .collect();
            Some(format!("Object.freeze({{ {} }})", parts.join(", ")))
        }
        _ => None,
    }
}

/// Renders `v` at the current position, `used` columns of the line already taken.
fn render(v: &Value, depth: usize, used: usize, out: &mut String) {
    let pad = "  ".repeat(depth + 1);
    let close = "  ".repeat(depth);
    if let Some(line) = inline(v).filter(|l| used + l.len() < WIDTH) {
        out.push_str(&line);
        return;
    }
    match v {
        Value::Array(items) => {
            out.push_str("Object.freeze([\n");
            for item in items {
                out.push_str(&pad);
                render(item, depth + 1, pad.len(), out);
                out.push_str(",\n");
            }
            out.push_str(&close);
            out.push_str("])");
        }
        Value::Object(map) => {
            out.push_str("Object.freeze({\n");
            for (key, value) in sorted(map) {
                let key = key_text(key);
                out.push_str(&pad);
                out.push_str(&key);
                out.push_str(": ");
                render(value, depth + 1, pad.len() + key.len() + 2, out);
                out.push_str(",\n");
            }
            out.push_str(&close);
            out.push_str("})");
        }
        // JSON's scalars are JS's (strings escaped the same way).
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_contract_js_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(UI_CONTRACT_PATH);
        let want = render_js(&contract());
        // A checkout with CRLF line ends (git's autocrlf on Windows) holds the same contract.
        let have = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .replace("\r\n", "\n");
        if have != want {
            std::fs::write(&path, &want)
                .unwrap_or_else(|e| panic!("could not write {}: {e}", path.display()));
            let path = path.canonicalize().unwrap_or(path);
            panic!(
                "ui/contract.js was stale (or missing): regenerated it from contract.rs at {}; \
                 review and commit it, then run the tests again",
                path.display()
            );
        }
    }

    #[test]
    fn contract_lists_every_kind_host_and_limit_the_rust_side_uses() {
        let c = contract();
        let kinds = c["errorKinds"].as_array().unwrap();
        for k in [
            "invalidRoomCode",
            "tooManyMeetings",
            "gateway",
            "stale",
            "keychain",
        ] {
            assert!(kinds.contains(&json!(k)), "{k}");
        }
        assert_eq!(kinds.len(), dingtalk::ErrorKind::ALL.len() + 8);
        let retryable = c["retryableKinds"].as_array().unwrap();
        assert!(retryable.contains(&json!("network")));
        assert!(!retryable.contains(&json!("pagingLoop")));
        assert!(!retryable.contains(&json!("invalidSetting")));
        assert!(!retryable.contains(&json!("invalidFilter")));
        assert_eq!(c["hosts"]["international"], "https://api.dingtalk.io");
        assert_eq!(c["hosts"]["mainland"], "https://api.dingtalk.com");
        assert_eq!(c["hosts"]["custom"], Value::Null);
        assert_eq!(c["limits"]["pageSize"]["max"], 100);
        assert_eq!(c["limits"]["timeoutSecs"]["default"], 15);
        assert_eq!(c["roomCode"]["minDigits"], 6);
        assert_eq!(c["roomCode"]["maxDigits"], 12);
        assert_eq!(c["settingsDefaults"]["host"], "international");
        assert_eq!(
            c["settingsDefaults"]["pageSize"],
            c["limits"]["pageSize"]["default"]
        );
        assert_eq!(
            c["meetingStatuses"],
            json!(["notStarted", "live", "ended", "unknown"])
        );
        assert_eq!(
            c["credentialModes"],
            json!(["token", "internalApp", "thirdParty"])
        );
        assert_eq!(c["languages"], json!(["system", "en", "zh-CN"]));
        // Each listed delimiter is one the settings accept.
        for d in c["csvDelimiters"].as_array().unwrap() {
            crate::export::parse_delimiter(d.as_str().unwrap()).unwrap();
        }
    }

    #[test]
    fn every_listed_value_is_accepted_by_the_settings_file_reader() {
        // What the window may send back is what Rust reads: a value taken from the contract
        // never falls back to its default.
        let c = contract();
        let fields = [
            ("host", "hosts"),
            ("credentialMode", "credentialModes"),
            ("language", "languages"),
            ("theme", "themes"),
            ("csvDelimiter", "csvDelimiters"),
        ];
        for (field, list) in fields {
            let values: Vec<Value> = match &c[list] {
                Value::Object(m) => m.keys().map(|k| json!(k)).collect(),
                Value::Array(a) => a.clone(),
                _ => panic!("{list}"),
            };
            for v in values {
                let mut obj = Map::new();
                obj.insert(field.into(), v.clone());
                if v == "custom" {
                    obj.insert("customBaseUrl".into(), json!("https://dt.example.com"));
                }
                let (s, bad) = Settings::from_json(&obj);
                assert!(bad.is_empty(), "{field} = {v}: {bad:?}");
                assert_eq!(wire(&s)[field], v, "{field}");
            }
        }
        for (field, limits) in [("pageSize", "pageSize"), ("timeoutSecs", "timeoutSecs")] {
            let l = &c["limits"][limits];
            let n = |k: &str| l[k].as_u64().unwrap();
            for (v, ok) in [
                (n("min"), true),
                (n("max"), true),
                (n("min") - 1, false),
                (n("max") + 1, false),
            ] {
                let mut obj = Map::new();
                obj.insert(field.into(), json!(v));
                let (_, bad) = Settings::from_json(&obj);
                assert_eq!(bad.is_empty(), ok, "{field} = {v}");
            }
        }
    }

    #[test]
    fn the_rendering_is_a_frozen_module_with_sorted_keys() {
        let long: Vec<String> = (0..30).map(|i| format!("kind{i}")).collect();
        let js = render_js(&json!({
            "b": [1, 2],
            "a": { "x-y": null, "z": "\"q\"", "n": { "m": 1 } },
            "c": long,
        }));
        assert!(js.starts_with("// Generated by `cargo test -p meetdesk-core contract`"));
        assert!(js.contains("do not edit"));
        let body = js.split_once("export const CONTRACT = ").unwrap().1;
        let want = "Object.freeze({\n  a: Object.freeze({\n    n: Object.freeze({ m: 1 }),\n    \"x-y\": null,\n    z: \"\\\"q\\\"\",\n  }),\n  b: Object.freeze([1, 2]),\n  c: Object.freeze([\n    \"kind0\",\n";
        assert!(body.starts_with(want), "{body}");
        assert!(body.ends_with("    \"kind29\",\n  ]),\n});\n"), "{body}");
        assert!(js.lines().all(|l| l.chars().count() <= WIDTH), "{js}");
    }
}
