//! Property tests: any value DingTalk could send, through the view, the CSV writer and the CLI
//! table. Nothing panics, and nothing absurd is shown: no negative duration, none over the
//! bound, no year outside 2000..=2100, in any time zone.

use super::{table_cells, write_table, Fetched};
use chrono::FixedOffset;
use dingtalk::Meeting;
use dingtalk::RoomCode;
use meetdesk_core::catalog::Lang;
use meetdesk_core::export::{write_csv, ExportOptions, ExportZone};
use meetdesk_core::view::*;
use proptest::prelude::*;
use serde_json::{json, Value};
use unicode_width::UnicodeWidthStr;

/// A number as a server might send it: any i64, the edges, plausible times, floats up to
/// 1e308, numbers as strings, and things that are not numbers at all.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(-1)),
        Just(json!(0)),
        (PLAUSIBLE_FROM_MS - DAY_MS..PLAUSIBLE_UNTIL_MS + DAY_MS).prop_map(Value::from),
        (-MAX_DURATION_MS..2 * MAX_DURATION_MS).prop_map(Value::from),
        (-1e308f64..1e308f64).prop_map(|f| json!(f)),
        Just(json!(1e308)),
        Just(json!(-1e308)),
        Just(json!(1.5)),
        any::<i64>().prop_map(|i| json!(i.to_string())),
        Just(json!("9223372036854775808")),
        Just(json!(" 12 ")),
        Just(json!({ "n": 1 })),
        Just(Value::Null),
    ]
}

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>().prop_map(Value::from),
        Just(json!("=HYPERLINK(\"http://evil\",\"x\")")),
        Just(json!("a\nb\r\u{1b}[31mc\u{202e}d")),
        Just(json!("")),
        Just(json!("   ")),
        Just(json!("产品周会")),
        Just(Value::Null),
    ]
}

prop_compose! {
    fn meeting_json()(
        status in number(), start in number(), end in number(), conf in number(),
        title in text(), nick in text(), link in text(), biz in text(),
    ) -> Value {
        json!({
            "conferenceId": "c1", "status": status, "startTime": start, "endTime": end,
            "confDuration": conf, "title": title, "creatorNick": nick,
            "externalLinkUrl": link, "bizType": biz,
        })
    }
}

fn year_ok(date: &str) -> bool {
    date.get(..4)
        .and_then(|y| y.parse::<i32>().ok())
        .is_some_and(|y| (2000..=2100).contains(&y))
}

fn check_table_duration(cell: &str) -> Result<(), TestCaseError> {
    prop_assert!(!cell.contains('-'), "negative duration {cell:?}");
    let nums: Vec<i64> = cell
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .map(|n| n.parse().unwrap_or(i64::MAX))
        .collect();
    let mins = match nums[..] {
        [] => 0,
        [m] if cell.contains('h') || cell.contains('小') => m * 60,
        [m] => m,
        [h, m] => h * 60 + m,
        _ => i64::MAX,
    };
    prop_assert!(mins <= MAX_DURATION_MS / MINUTE_MS, "{cell:?}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_meeting_is_shown_sanely_everywhere(
        raw in meeting_json(),
        now in prop_oneof![any::<i64>(), Just(1_795_656_600_000i64)],
        offset_min in -12 * 60i32..=14 * 60,
        zh in any::<bool>(),
        semicolon in any::<bool>(),
        width in prop_oneof![Just(None), (0u16..200).prop_map(Some), any::<u16>().prop_map(Some)],
    ) {
        let m: Meeting = serde_json::from_value(raw).expect("a meeting parses from any values");
        let v = MeetingView::new(&m, now);
        if let Some(d) = v.duration_ms {
            prop_assert!((0..=MAX_DURATION_MS).contains(&d));
        }
        for t in [v.start, v.end].into_iter().flatten() {
            prop_assert!((PLAUSIBLE_FROM_MS..PLAUSIBLE_UNTIL_MS).contains(&t));
        }
        if let (Some(s), Some(e)) = (v.start, v.end) {
            prop_assert!(e >= s);
        }

        let opts = ExportOptions {
            lang: if zh { Lang::ZhCn } else { Lang::En },
            bom: false,
            delimiter: if semicolon { b';' } else { b',' },
            zone: ExportZone::Fixed(FixedOffset::east_opt(offset_min * 60).unwrap()),
        };

        // The CSV, read back as a spreadsheet would.
        let mut out = Vec::new();
        write_csv(&mut out, std::slice::from_ref(&m), &opts).unwrap();
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(opts.delimiter)
            .from_reader(&out[..]);
        let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        prop_assert_eq!(rows.len(), 1);
        let row = &rows[0];
        for col in 4..=7 {
            let cell = &row[col];
            prop_assert!(cell.is_empty() || year_ok(cell), "column {col}: {cell:?}");
        }
        let dur = &row[8];
        if !dur.is_empty() {
            let minutes: f64 = dur.replace(',', ".").parse().unwrap();
            prop_assert!((0.0..=(MAX_DURATION_MS / MINUTE_MS) as f64).contains(&minutes), "{dur:?}");
            // The one rounding rule: the CSV's whole minutes are the window's and the CLI's.
            prop_assert_eq!(minutes.trunc() as i64, whole_minutes(v.duration_ms.unwrap()));
        }

        // The CLI table's cells, and the whole table (no panic, no control characters).
        let cells = table_cells(&m, now, &opts);
        prop_assert!(cells[1].is_empty() || year_ok(&cells[1]), "{:?}", cells[1]);
        prop_assert!(cells[2].len() <= 5 || year_ok(&cells[2]), "{:?}", cells[2]);
        check_table_duration(&cells[3])?;
        let f = Fetched { meetings: vec![m.clone()], total_count: Some(1), ..Default::default() };
        let mut table = Vec::new();
        write_table(&mut table, &RoomCode::parse("427233559").unwrap(), &f, &opts, width).unwrap();
        let table = String::from_utf8(table).unwrap();
        prop_assert!(!table.chars().any(|c| c.is_control() && c != '\n'), "{table:?}");
        // Header, one line for the meeting, a blank line, the count.
        prop_assert_eq!(table.lines().count(), 4, "{}", table);
        // Wide enough for the columns that are never cut: every line fits.
        if let Some(w) = width.filter(|w| *w >= 120) {
            for line in table.lines() {
                prop_assert!(line.width() <= usize::from(w), "{w}: {line:?}");
            }
        }
    }
}
