//! The Excel export as a user meets it: workbooks written by `xlsx::export_atomic`, read back with
//! calamine (what a spreadsheet sees: cell types, values, formats) and, for what calamine does not
//! report (frozen header, autofilter, widths, formulas), from the sheet's XML itself.

use std::fs;
use std::io::Read;
use std::path::Path;

use calamine::{open_workbook, Data, Range, Reader, Xlsx};
use chrono::{FixedOffset, NaiveDate};
use dingtalk::{BizType, Meeting, Status};
use meetdesk_core::catalog::Lang;
use meetdesk_core::export::{
    export_with_send, headers, status_word, ExportOptions, ExportZone, COLUMN_COUNT,
};
use meetdesk_core::summary::Summary;
use meetdesk_core::view::MeetingRow;
use meetdesk_core::xlsx::{default_file_name, export_atomic, write_xlsx, MAX_CELL_CHARS};

mod common;
use common::{entries, Failing};

/// 2026-11-26T01:30:00Z (09:30 in Beijing).
const T0: i64 = 1_795_656_600_000;
const MIN: i64 = 60_000;

const ROOM: usize = 0;
const TITLE: usize = 1;
const STATUS: usize = 2;
const START: usize = 4;
const END: usize = 5;
const START_ISO: usize = 6;
const DURATION: usize = 8;
const HOST: usize = 9;

fn beijing() -> ExportZone {
    ExportZone::Fixed(FixedOffset::east_opt(8 * 3600).unwrap())
}

fn opts(lang: Lang) -> ExportOptions {
    ExportOptions {
        lang,
        zone: beijing(),
        ..ExportOptions::default()
    }
}

fn meeting() -> Meeting {
    Meeting {
        conference_id: Some("6323d2a1b0c4e5f6a7b8c9d0".into()),
        title: Some("产品周会 Weekly product sync".into()),
        room_code: Some("427233559".into()),
        external_link_url: Some("https://meeting.dingtalk.com/app?roomCode=427233559".into()),
        status: Some(Status::Ended),
        start_time: Some(T0),
        end_time: Some(T0 + 1_000_000),
        conf_duration: Some(1_000_000),
        creator_id: Some("2iPOLbcd1234iEiE".into()),
        creator_nick: Some("张伟".into()),
        schedule_conference_id: Some("4331d0a9b8c7".into()),
        biz_type: Some(BizType::Booked),
    }
}

fn rows_of(meetings: Vec<Meeting>) -> Vec<MeetingRow> {
    meetings
        .into_iter()
        .map(|m| MeetingRow::new(m, T0 + 60 * MIN))
        .collect()
}

fn export(dir: &Path, rows: &[MeetingRow], o: &ExportOptions) -> std::path::PathBuf {
    let path = dir.join("report.xlsx");
    let refs: Vec<&MeetingRow> = rows.iter().collect();
    let s = export_atomic(&path, &refs, o).expect("export works");
    assert_eq!(s.count, rows.len() as u64);
    assert_eq!(s.bytes, fs::metadata(&path).unwrap().len());
    path
}

fn sheet(path: &Path, name: &str) -> Range<Data> {
    let mut book: Xlsx<_> = open_workbook(path).expect("a valid workbook");
    book.worksheet_range(name).expect("the sheet exists")
}

fn sheet_names(path: &Path) -> Vec<String> {
    let book: Xlsx<_> = open_workbook(path).expect("a valid workbook");
    book.sheet_names()
}

/// The XML of the n-th sheet (1-based), as stored in the file.
fn sheet_xml(path: &Path, n: usize) -> String {
    let mut zip = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    let mut f = zip.by_name(&format!("xl/worksheets/sheet{n}.xml")).unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

fn text(c: &Data) -> &str {
    match c {
        Data::String(s) => s,
        other => panic!("expected a string cell, got {other:?}"),
    }
}

/// Excel's serial number for a wall-clock time (days since 1899-12-30).
fn serial(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> f64 {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    let day = NaiveDate::from_ymd_opt(y, mo, d).unwrap();
    (day - base).num_days() as f64 + f64::from(h * 3600 + mi * 60 + s) / 86_400.0
}

/// A duration cell as whole minutes; panics unless it is a number with a duration format.
fn minutes(c: &Data) -> i64 {
    match c {
        Data::DateTime(d) if d.is_duration() => (d.as_f64() * 1440.0).round() as i64,
        other => panic!("expected an [h]:mm duration, got {other:?}"),
    }
}

#[test]
fn the_meetings_sheet_has_typed_cells_in_local_time() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(Lang::En);
    let rows = rows_of(vec![
        meeting(),
        Meeting {
            title: None,
            start_time: None,
            end_time: None,
            conf_duration: None,
            status: None,
            ..meeting()
        },
    ]);
    let path = export(dir.path(), &rows, &o);
    assert_eq!(sheet_names(&path), ["Meetings", "Summary"]);
    let m = sheet(&path, "Meetings");
    assert_eq!(m.get_size(), (3, COLUMN_COUNT));

    let mut want = headers(&o).to_vec();
    want[DURATION] = "Duration (h:mm)".into();
    let got: Vec<&str> = (0..COLUMN_COUNT).map(|c| text(&m[(0, c)])).collect();
    assert_eq!(got, want);
    assert_eq!(
        got[START], "Start (UTC+08:00)",
        "same header words as the CSV"
    );

    assert_eq!(text(&m[(1, ROOM)]), "427233559", "digits stay text, exact");
    assert_eq!(text(&m[(1, TITLE)]), "产品周会 Weekly product sync");
    assert_eq!(text(&m[(1, STATUS)]), "Ended");
    match &m[(1, START)] {
        Data::DateTime(d) => {
            assert!(d.is_datetime(), "{d:?}");
            assert!((d.as_f64() - serial(2026, 11, 26, 9, 30, 0)).abs() < 1e-9);
        }
        other => panic!("start is not a date-time: {other:?}"),
    }
    match &m[(1, END)] {
        // 16 min 40 s later.
        Data::DateTime(d) => assert!((d.as_f64() - serial(2026, 11, 26, 9, 46, 40)).abs() < 1e-9),
        other => panic!("end is not a date-time: {other:?}"),
    }
    assert_eq!(text(&m[(1, START_ISO)]), "2026-11-26T09:30:00+08:00");
    assert_eq!(minutes(&m[(1, DURATION)]), 16, "whole minutes, truncated");
    assert_eq!(text(&m[(1, HOST)]), "张伟");

    // Missing values are empty cells, not words or zeros.
    for c in [TITLE, STATUS, START, END, START_ISO, DURATION] {
        assert_eq!(m[(2, c)], Data::Empty, "column {c}");
    }
}

#[test]
fn a_title_that_looks_like_a_formula_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = [
        "=1+1",
        "@SUM(A1)",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "=HYPERLINK(\"http://evil.example\",\"click\")",
        "＝1+1",
    ];
    let rows = rows_of(
        hostile
            .iter()
            .map(|t| Meeting {
                title: Some((*t).into()),
                creator_nick: Some((*t).into()),
                ..meeting()
            })
            .collect(),
    );
    let path = export(dir.path(), &rows, &opts(Lang::En));
    let m = sheet(&path, "Meetings");
    for (i, t) in hostile.iter().enumerate() {
        assert_eq!(text(&m[(i + 1, TITLE)]), *t, "as typed, no guard quote");
        assert_eq!(text(&m[(i + 1, HOST)]), *t);
    }
    let xml = sheet_xml(&path, 1);
    assert!(
        !xml.contains("<f>") && !xml.contains("<f "),
        "no formula cell"
    );
}

#[test]
fn chinese_sheet_names_headers_and_words() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(Lang::ZhCn);
    let rows = rows_of(vec![meeting()]);
    let path = export(dir.path(), &rows, &o);
    assert_eq!(sheet_names(&path), ["会议", "汇总"]);
    let m = sheet(&path, "会议");
    let mut want = headers(&o).to_vec();
    want[DURATION] = Lang::ZhCn.text("xlsx.duration").to_owned();
    let got: Vec<&str> = (0..COLUMN_COUNT).map(|c| text(&m[(0, c)])).collect();
    assert_eq!(got, want);
    assert_eq!(got[ROOM], "会议号");
    assert_eq!(
        text(&m[(1, STATUS)]),
        status_word(Status::Ended, Lang::ZhCn)
    );
    assert_eq!(text(&m[(1, TITLE)]), "产品周会 Weekly product sync");
    let s = sheet(&path, "汇总");
    assert_eq!(text(&s[(0, 0)]), "会议数");
}

/// Meetings by three hosts over three weeks, with durations on the truncation edges.
fn report_rows() -> Vec<MeetingRow> {
    let hosts = [("u1", "张伟"), ("u2", "Li Na"), ("u3", "王芳")];
    let durations = [
        Some(12 * MIN + 59_000),
        Some(59_999),
        Some(90 * MIN + 30_000),
        None,
        Some(0),
        Some(7 * 24 * 60 * MIN),
    ];
    rows_of(
        (0..60)
            .map(|i: i64| {
                let (id, nick) = hosts[(i % 3) as usize];
                Meeting {
                    conference_id: Some(format!("c{i}")),
                    creator_id: Some(id.into()),
                    creator_nick: Some(nick.into()),
                    start_time: Some(T0 + i * 8 * 60 * MIN),
                    end_time: None,
                    conf_duration: durations[(i % 6) as usize],
                    ..meeting()
                }
            })
            .collect(),
    )
}

#[test]
fn the_summary_sheet_adds_up_to_the_meetings_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let rows = report_rows();
    let path = export(dir.path(), &rows, &opts(Lang::En));
    let m = sheet(&path, "Meetings");
    let s = sheet(&path, "Summary");

    let column_sum: i64 = (1..m.height())
        .filter(|r| m[(*r, DURATION)] != Data::Empty)
        .map(|r| minutes(&m[(r, DURATION)]))
        .sum();
    let figure = |label: &str| -> &Data {
        let r = (0..s.height())
            .find(|r| matches!(&s[(*r, 0)], Data::String(t) if t == label))
            .unwrap_or_else(|| panic!("no {label:?} line"));
        &s[(r, 1)]
    };
    assert_eq!(figure("Meetings"), &Data::Float(60.0));
    assert_eq!(figure("With a known duration"), &Data::Float(50.0));
    assert_eq!(minutes(figure("Total duration")), column_sum);
    let expected = Summary::of(&rows, &beijing());
    assert_eq!(column_sum, expected.total_minutes);
    assert_eq!(
        minutes(figure("Average duration")),
        expected.average_minutes.unwrap()
    );

    // Per host: the count of each host's rows in the Meetings sheet, and their minutes.
    let host_header = (0..s.height())
        .find(|r| matches!(&s[(*r, 0)], Data::String(t) if t == "Host"))
        .expect("a host table");
    for r in host_header + 1..host_header + 4 {
        let name = text(&s[(r, 0)]);
        let data: Vec<usize> = (1..m.height())
            .filter(|i| text(&m[(*i, HOST)]) == name)
            .collect();
        assert_eq!(s[(r, 1)], Data::Float(data.len() as f64), "{name}");
        let total: i64 = data
            .iter()
            .filter(|i| m[(**i, DURATION)] != Data::Empty)
            .map(|i| minutes(&m[(*i, DURATION)]))
            .sum();
        assert_eq!(minutes(&s[(r, 2)]), total, "{name}");
    }

    // Per week: Monday's date as a date cell, and the counts add up to every dated meeting.
    let week_header = (0..s.height())
        .find(|r| matches!(&s[(*r, 0)], Data::String(t) if t == "Week of (Monday)"))
        .expect("a week table");
    match &s[(week_header + 1, 0)] {
        // Thursday 2026-11-26 is in the week of Monday 2026-11-23.
        Data::DateTime(d) => assert_eq!(d.as_f64(), serial(2026, 11, 23, 0, 0, 0)),
        other => panic!("a week is not a date: {other:?}"),
    }
    let weekly: f64 = (week_header + 1..s.height())
        .map(|r| match s[(r, 1)] {
            Data::Float(n) => n,
            _ => 0.0,
        })
        .sum();
    assert_eq!(weekly, 60.0);
}

#[test]
fn the_header_is_frozen_filtered_and_columns_fit_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rows_of(vec![
        Meeting {
            title: Some("季度产品规划评审会议第三轮讨论".into()), // 15 wide characters
            creator_nick: Some("abcdefghijklmno".into()),         // 15 narrow ones
            ..meeting()
        },
        meeting(),
    ]);
    let path = export(dir.path(), &rows, &opts(Lang::En));
    let xml = sheet_xml(&path, 1);
    assert!(
        xml.contains(r#"ySplit="1""#) && xml.contains(r#"state="frozen""#),
        "frozen header row: {xml:.600}"
    );
    assert!(
        xml.contains(r#"<autoFilter ref="A1:N3"/>"#),
        "autofilter over the data"
    );
    let width = |col: usize| -> f64 {
        let tag = format!(r#"<col min="{col}" max="{col}" width=""#);
        let at = xml.find(&tag).expect("a width for the column") + tag.len();
        xml[at..].split('"').next().unwrap().parse().unwrap()
    };
    let (title, host) = (width(TITLE + 1), width(HOST + 1));
    assert!(title > 29.0, "a Chinese character counts two: {title}");
    assert!(host < title, "{host} < {title}");
    assert!(width(START + 1) >= 19.0, "a date-time fits");
}

#[test]
fn long_texts_are_cut_to_excels_limit_and_control_characters_pass() {
    let dir = tempfile::tempdir().unwrap();
    let long = "长".repeat(40_000);
    let rows = rows_of(vec![
        Meeting {
            title: Some(long),
            ..meeting()
        },
        Meeting {
            title: Some("a\u{1}b\u{7}c\u{1b}[31m\u{fffe}d _x0041_".into()),
            ..meeting()
        },
    ]);
    let path = export(dir.path(), &rows, &opts(Lang::En));
    let m = sheet(&path, "Meetings");
    let cut = text(&m[(1, TITLE)]);
    assert_eq!(cut.encode_utf16().count(), MAX_CELL_CHARS);
    assert!(cut.ends_with("长…"), "says it was cut");
    assert_eq!(
        text(&m[(2, TITLE)]),
        "a\u{1}b\u{7}c\u{1b}[31m\u{fffe}d _x0041_",
        "stored as Excel stores them, read back as written"
    );
}

#[test]
fn a_failed_write_leaves_the_old_file_and_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    fs::write(&path, b"the old report").unwrap();
    let rows = report_rows();
    let refs: Vec<&MeetingRow> = rows.iter().collect();
    let o = opts(Lang::En);
    for budget in [0, 100, 5_000] {
        let e = export_with_send(&path, |w| {
            write_xlsx(Failing { inner: w, budget }, &refs, &o)
        })
        .unwrap_err();
        assert_eq!(e.kind, "io");
        assert!(e.message.contains("report.xlsx"), "{}", e.message);
        assert!(e.message.contains("no space left"), "{}", e.message);
        assert_eq!(
            fs::read(&path).unwrap(),
            b"the old report",
            "budget {budget}"
        );
        assert_eq!(entries(dir.path()), ["report.xlsx"]);
    }
    // A read-only target is refused as for the CSV, and left as it was.
    let mut perm = fs::metadata(&path).unwrap().permissions();
    perm.set_readonly(true);
    fs::set_permissions(&path, perm).unwrap();
    let e = export_atomic(&path, &refs, &o).unwrap_err();
    assert!(e.message.contains("read-only"), "{}", e.message);
    assert_eq!(fs::read(&path).unwrap(), b"the old report");
}

#[test]
fn an_empty_list_gives_a_valid_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let path = export(dir.path(), &[], &opts(Lang::En));
    let m = sheet(&path, "Meetings");
    assert_eq!(m.height(), 1, "the header alone");
    assert_eq!(text(&m[(0, ROOM)]), "Room code");
    let s = sheet(&path, "Summary");
    assert_eq!(s[(0, 1)], Data::Float(0.0));
    assert_eq!(minutes(&s[(2, 1)]), 0, "total");
    assert_eq!(s[(3, 1)], Data::Empty, "no average of nothing");
}

#[test]
fn file_name_for_the_save_dialog() {
    let rc = dingtalk::RoomCode::parse("427 233 559").unwrap();
    let d = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    assert_eq!(
        default_file_name(&rc, d),
        "meetings-427233559-2026-11-26.xlsx"
    );
}
