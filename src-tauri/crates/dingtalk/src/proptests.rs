//! Property tests: any JSON a server may send, in every numeric field of a room page, a token
//! answer and the ban body, never panics and keeps the invariants the app relies on.

use proptest::prelude::*;

use crate::client::parse_room_page;
use crate::error::{from_response, ErrorKind, MAX_BAN_WAIT, MAX_HONOURED_WAIT, MIN_BAN_WAIT};
use crate::token::{parse_token_response, DEFAULT_TOKEN_TTL, MAX_TOKEN_TTL, MIN_TOKEN_TTL};

/// A JSON value as text: i64/u64 extremes, floats up to 1e308 and beyond, numbers as strings,
/// null, booleans, strings, and arrays/objects of those.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        any::<u64>().prop_map(|u| u.to_string()),
        Just(i64::MAX.to_string()),
        Just(i64::MIN.to_string()),
        Just(u64::MAX.to_string()),
        Just("18446744073709551616".to_owned()),
        Just("1e308".to_owned()),
        Just("-1e308".to_owned()),
        Just("1.7976931348623157e308".to_owned()),
        Just("5e-324".to_owned()),
        Just("-0".to_owned()),
        Just("0".to_owned()),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        (-1e12f64..1e12).prop_map(|f| f.to_string()),
        any::<i64>().prop_map(|i| format!("\"{i}\"")),
        any::<f64>().prop_map(|f| format!("\"{f}\"")),
        Just("\"1e400\"".to_owned()),
        Just("\"NaN\"".to_owned()),
        Just("\"-inf\"".to_owned()),
        Just("null".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        ".{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(inner, 0..3).prop_map(|v| {
                let fields: Vec<String> = v
                    .iter()
                    .enumerate()
                    .map(|(i, x)| format!("\"k{i}\":{x}"))
                    .collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

const MEETING_FIELDS: [&str; 6] = [
    "startTime",
    "endTime",
    "confDuration",
    "status",
    "conferenceId",
    "bizType",
];

fn meeting() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::option::of(json_value()), MEETING_FIELDS.len()).prop_map(|vals| {
        let fields: Vec<String> = MEETING_FIELDS
            .iter()
            .zip(vals)
            .filter_map(|(k, v)| v.map(|v| format!("\"{k}\":{v}")))
            .collect();
        format!("{{{}}}", fields.join(","))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_room_page_parses_without_panic_and_respects_max_results(
        meetings in prop::collection::vec(meeting(), 0..12),
        total in json_value(),
        has_more in json_value(),
        next_token in json_value(),
        max_results in 1u32..12,
    ) {
        let body = format!(
            r#"{{"totalCount":{total},"hasMore":{has_more},"nextToken":{next_token},"conferenceList":[{}]}}"#,
            meetings.join(",")
        );
        match parse_room_page(200, None, body.as_bytes(), max_results, &[]) {
            Ok(page) => {
                prop_assert!(page.conference_list.len() <= max_results as usize);
                for m in &page.conference_list {
                    let _ = m.status.map(|s| s.as_i64());
                    let _ = serde_json::to_string(m).unwrap();
                }
            }
            Err(e) => {
                prop_assert_eq!(e.kind(), ErrorKind::BadResponse, "{}", e);
                prop_assert!(meetings.len() > max_results as usize, "refused a page of {}: {}", meetings.len(), e);
                let _ = e.to_string();
            }
        }
    }

    #[test]
    fn any_expire_in_gives_a_lifetime_in_bounds(expire_in in json_value()) {
        let body = format!(r#"{{"accessToken":"tok","expireIn":{expire_in}}}"#);
        let (_, ttl) = parse_token_response(200, None, body.as_bytes(), &[]).unwrap();
        prop_assert!(ttl == DEFAULT_TOKEN_TTL || (MIN_TOKEN_TTL..=MAX_TOKEN_TTL).contains(&ttl), "{:?}", ttl);
    }

    #[test]
    fn any_ban_wait_is_clamped(wait in json_value(), status in 200u16..600) {
        let body = format!(r#"{{"status":1111,"wait":{wait}}}"#);
        let e = from_response(status, None, body.as_bytes());
        prop_assert_eq!(e.kind(), ErrorKind::RateLimited);
        if let Some(d) = e.retry_after() {
            prop_assert!((MIN_BAN_WAIT..=MAX_BAN_WAIT).contains(&d), "{:?}", d);
        }
        if e.is_transient() {
            prop_assert!(e.retry_after().is_some_and(|d| d <= MAX_HONOURED_WAIT));
        }
        let line = e.to_string();
        prop_assert!(!line.contains('\n'));
    }

    #[test]
    fn any_error_body_gives_one_safe_line(
        code in ".{0,20}", message in ".{0,60}", rid in ".{0,20}", status in 200u16..600,
    ) {
        let body = serde_json::json!({"code": code, "message": message, "requestid": rid}).to_string();
        let e = from_response(status, Some(&rid), body.as_bytes());
        let line = e.to_string();
        prop_assert!(!line.chars().any(|c| c.is_control()), "{:?}", line);
    }
}
