//! The CSV export as a user meets it: files written by `export_atomic` / `write_csv`, read back
//! with the `csv` crate the way a spreadsheet or script would.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use dingtalk::{BizType, Meeting, Status};
use meetdesk_core::catalog::Lang;
use meetdesk_core::export::{
    default_file_name, export_atomic, export_with, headers, write_csv, ExportOptions, ExportZone,
    COLUMN_COUNT, STALE_TEMP_AGE,
};
use meetdesk_core::view::{now_ms, MAX_DURATION_MS};

mod common;
use common::{entries, Failing};

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// 2026-11-26T01:30:00Z
const T0: i64 = 1_795_656_600_000;

// Column indexes, in the documented order.
const ROOM: usize = 0;
const TITLE: usize = 1;
const STATUS: usize = 2;
const TYPE: usize = 3;
const START: usize = 4;
const END: usize = 5;
const START_ISO: usize = 6;
const END_ISO: usize = 7;
const DURATION: usize = 8;
const HOST: usize = 9;
const HOST_ID: usize = 10;
const CONF_ID: usize = 11;
const SCHED_ID: usize = 12;
const LINK: usize = 13;

fn offset(hours: i32) -> ExportZone {
    ExportZone::Fixed(FixedOffset::east_opt(hours * 3600).unwrap())
}

fn opts(zone: ExportZone) -> ExportOptions {
    ExportOptions {
        zone,
        ..ExportOptions::default()
    }
}

fn meeting() -> Meeting {
    Meeting {
        conference_id: Some("6323d2a1b0c4e5f6a7b8c9d0".into()),
        title: Some("产品周会 Weekly product sync".into()),
        room_code: Some("427233559".into()),
        external_link_url: Some(
            "https://meeting.dingtalk.com/app?roomCode=427233559&token=1_ab".into(),
        ),
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

/// All records (header first), read like a spreadsheet would: the BOM is stripped by the reader.
fn read_back(path: &Path, delimiter: u8) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_path(path)
        .unwrap();
    let rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    for r in &rows {
        assert_eq!(
            r.len(),
            COLUMN_COUNT,
            "every record has every column: {r:?}"
        );
    }
    rows
}

fn export_to(
    dir: &Path,
    name: &str,
    meetings: &[Meeting],
    o: &ExportOptions,
) -> (PathBuf, Vec<Vec<String>>) {
    let path = dir.join(name);
    let summary = export_atomic(&path, meetings, o).unwrap();
    assert_eq!(summary.count, meetings.len() as u64);
    assert_eq!(summary.bytes, fs::metadata(&path).unwrap().len());
    let rows = read_back(&path, o.delimiter);
    assert_eq!(
        rows.len(),
        meetings.len() + 1,
        "one record per meeting plus the header"
    );
    (path, rows)
}

#[test]
fn bom_by_default_and_none_with_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let (path, rows) = export_to(dir.path(), "a.csv", &[meeting()], &opts(offset(8)));
    let bytes = fs::read(&path).unwrap();
    assert!(
        bytes.starts_with(BOM),
        "UTF-8 BOM first, so Excel reads UTF-8"
    );
    assert_eq!(
        rows[0][0], "Room code",
        "the BOM is not part of the first header"
    );
    assert_eq!(rows[1][HOST], "张伟", "Chinese survives as UTF-8");

    let no_bom = ExportOptions {
        bom: false,
        ..opts(offset(8))
    };
    let (path, rows) = export_to(dir.path(), "b.csv", &[meeting()], &no_bom);
    let bytes = fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"Room code,"), "{:?}", &bytes[..12]);
    assert_eq!(rows[1][HOST], "张伟");
    assert!(String::from_utf8(bytes).is_ok());
}

#[test]
fn crlf_records_and_rfc4180_quoting_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let tricky = [
        "Budget, \"Q3\"\nreview",
        "two\r\nlines",
        "\"quoted\"",
        "semi;colon",
        "trailing space ",
        " leading space",
        "tab\tinside",
    ];
    let meetings: Vec<Meeting> = tricky
        .iter()
        .map(|t| Meeting {
            title: Some((*t).into()),
            creator_nick: Some("Ops, \"night\" shift".into()),
            ..meeting()
        })
        .collect();
    let (path, rows) = export_to(dir.path(), "q.csv", &meetings, &opts(offset(8)));
    for (row, want) in rows[1..].iter().zip(tricky) {
        assert_eq!(row[TITLE], want);
        assert_eq!(row[HOST], "Ops, \"night\" shift");
    }
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\"Budget, \"\"Q3\"\"\nreview\""),
        "quotes doubled, field quoted: {text}"
    );
    assert!(text.ends_with("\r\n"), "records end with CRLF");
    assert_eq!(
        text.matches("\r\n").count(),
        meetings.len() + 2,
        "header + rows + the title's own CRLF"
    );
}

#[test]
fn formula_injection_is_guarded_in_text_cells_only() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = [
        "=HYPERLINK(\"http://evil\",\"x\")",
        "+1+1",
        "-2",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "=cmd|' /C calc'!A0",
    ];
    let meetings: Vec<Meeting> = hostile
        .iter()
        .map(|h| Meeting {
            title: Some((*h).into()),
            creator_nick: Some((*h).into()),
            external_link_url: Some((*h).into()),
            // Digit-only ids (9, 11 and 20 digits) and a duration: never prefixed.
            room_code: Some("427233559".into()),
            creator_id: Some("83872212345".into()),
            conference_id: Some("12345678901234567890".into()),
            schedule_conference_id: Some("-42".into()),
            conf_duration: Some(20 * 60_000),
            ..meeting()
        })
        .collect();
    let (_, rows) = export_to(dir.path(), "h.csv", &meetings, &opts(offset(8)));
    for (row, h) in rows[1..].iter().zip(hostile) {
        let guarded = format!("'{h}");
        assert_eq!(row[TITLE], guarded);
        assert_eq!(row[HOST], guarded);
        assert_eq!(row[LINK], guarded);
        assert_eq!(
            row[SCHED_ID], "'-42",
            "a text id starting with '-' is text, so guarded"
        );
        assert_eq!(row[ROOM], "427233559", "digit-only room code kept exact");
        assert_eq!(row[HOST_ID], "83872212345");
        assert_eq!(row[CONF_ID], "12345678901234567890");
        assert_eq!(row[DURATION], "20.0", "the number column is not prefixed");
        for (i, cell) in row.iter().enumerate() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']),
                "column {i} starts with a formula trigger: {cell:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_simulators_hostile_room_exports_safely() {
    use dingtalk::{Client, ClientConfig, Credentials, Cursor, RoomCode, Secret};
    let sim = dingtalk_sim::SimHandle::start(dingtalk_sim::SimConfig::default())
        .await
        .unwrap();
    let client = Client::new(
        ClientConfig::new(&sim.base_url()).unwrap(),
        Credentials::AccessToken(Secret::new(sim.issue_token())),
    )
    .unwrap();
    let mut cursor = Cursor::new(RoomCode::parse(dingtalk_sim::HOSTILE_ROOM).unwrap(), 100);
    let page = cursor.next_page(&client).await.unwrap().unwrap();
    assert_eq!(page.items.len(), 9);

    let dir = tempfile::tempdir().unwrap();
    let (_, rows) = export_to(dir.path(), "hostile.csv", &page.items, &opts(offset(8)));
    let titles: Vec<&str> = rows[1..].iter().map(|r| r[TITLE].as_str()).collect();
    assert!(
        titles.contains(&"'=HYPERLINK(\"http://evil\",\"x\")"),
        "{titles:?}"
    );
    assert!(titles.contains(&"'+1+1") && titles.contains(&"'-2") && titles.contains(&"'@SUM(A1)"));
    assert!(
        titles.contains(&"Budget, \"Q3\"\nreview"),
        "comma, quote and newline survive: {titles:?}"
    );
    for row in &rows[1..] {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']),
                "{cell:?} in {row:?}"
            );
        }
        assert_eq!(row[ROOM], dingtalk_sim::HOSTILE_ROOM);
        assert_eq!(row[DURATION], "20.0");
    }
}

#[test]
fn times_in_fixed_zones_local_and_iso_columns_agree() {
    let dir = tempfile::tempdir().unwrap();
    let m = Meeting {
        start_time: Some(T0 + 999),
        end_time: Some(T0 + 1_000_000),
        ..meeting()
    };
    let cases = [
        (
            8,
            "UTC+08:00",
            "2026-11-26 09:30:00",
            "2026-11-26T09:30:00+08:00",
            "2026-11-26T09:46:40+08:00",
        ),
        (
            -5,
            "UTC-05:00",
            "2026-11-25 20:30:00",
            "2026-11-25T20:30:00-05:00",
            "2026-11-25T20:46:40-05:00",
        ),
        (
            0,
            "UTC+00:00",
            "2026-11-26 01:30:00",
            "2026-11-26T01:30:00+00:00",
            "2026-11-26T01:46:40+00:00",
        ),
    ];
    for (hours, label, local, iso_start, iso_end) in cases {
        let (_, rows) = export_to(
            dir.path(),
            &format!("t{hours}.csv"),
            std::slice::from_ref(&m),
            &opts(offset(hours)),
        );
        assert_eq!(rows[0][START], format!("Start ({label})"));
        assert_eq!(rows[0][END], format!("End ({label})"));
        let r = &rows[1];
        assert_eq!(r[START], local);
        assert_eq!(r[START_ISO], iso_start);
        assert_eq!(r[END_ISO], iso_end);
        for (lc, ic, ms) in [(START, START_ISO, T0), (END, END_ISO, T0 + 1_000_000)] {
            let iso = DateTime::parse_from_rfc3339(&r[ic]).unwrap();
            assert_eq!(
                iso.offset().local_minus_utc(),
                hours * 3600,
                "the ISO column carries the zone"
            );
            assert_eq!(
                iso.timestamp_millis(),
                ms,
                "the same instant (milliseconds cut)"
            );
            let wall = NaiveDateTime::parse_from_str(&r[lc], "%Y-%m-%d %H:%M:%S").unwrap();
            assert_eq!(
                wall,
                iso.naive_local(),
                "local column = ISO column's wall clock"
            );
        }
    }
}

#[test]
fn local_zone_matches_chrono_local() {
    use chrono::{Local, TimeZone};
    let dir = tempfile::tempdir().unwrap();
    let (_, rows) = export_to(
        dir.path(),
        "local.csv",
        &[meeting()],
        &opts(ExportZone::Local),
    );
    let want = Local.timestamp_millis_opt(T0).unwrap();
    assert_eq!(rows[1][START], want.format("%Y-%m-%d %H:%M:%S").to_string());
    assert_eq!(
        rows[1][START_ISO],
        want.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    );
    let label = &rows[0][START];
    assert!(
        label.starts_with("Start (UTC+") || label.starts_with("Start (UTC-"),
        "{label}"
    );
}

#[test]
fn missing_values_are_empty_cells_never_null() {
    let dir = tempfile::tempdir().unwrap();
    let live = Meeting {
        start_time: Some(now_ms() - 12 * 60_000),
        end_time: None,
        conf_duration: None,
        status: Some(Status::Live),
        ..meeting()
    };
    let docs_example = Meeting {
        end_time: Some(T0 - 5_000),
        conf_duration: None,
        ..meeting()
    };
    let (path, rows) = export_to(
        dir.path(),
        "m.csv",
        &[Meeting::default(), live, docs_example],
        &opts(offset(8)),
    );
    assert_eq!(
        rows[1],
        vec![String::new(); COLUMN_COUNT],
        "a meeting with nothing is a row of empty cells"
    );
    assert_eq!(rows[2][END], "");
    assert_eq!(rows[2][END_ISO], "");
    assert_eq!(rows[2][DURATION], "", "a live meeting has no duration yet");
    assert_eq!(rows[2][STATUS], "Live");
    assert_eq!(
        rows[3][DURATION], "",
        "end before start and no confDuration: no negative duration"
    );
    let text = fs::read_to_string(&path).unwrap().to_lowercase();
    assert!(!text.contains("null") && !text.contains("none"), "{text}");
}

#[test]
fn statuses_types_and_durations_in_words_and_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let ms = [
        Meeting {
            status: Some(Status::NotStarted),
            biz_type: Some(BizType::Instant),
            ..meeting()
        },
        Meeting {
            status: Some(Status::Ended),
            biz_type: Some(BizType::Booked),
            ..meeting()
        },
        Meeting {
            status: Some(Status::Live),
            biz_type: Some(BizType::Audio),
            start_time: Some(now_ms() - 12 * 60_000),
            ..meeting()
        },
        Meeting {
            status: Some(Status::Unknown(7)),
            biz_type: Some(BizType::Unknown("video_x".into())),
            ..meeting()
        },
    ];
    let (_, en) = export_to(dir.path(), "en.csv", &ms, &opts(offset(8)));
    let zh_opts = ExportOptions {
        lang: Lang::ZhCn,
        ..opts(offset(8))
    };
    let (_, zh) = export_to(dir.path(), "zh.csv", &ms, &zh_opts);
    let col =
        |rows: &[Vec<String>], c: usize| rows[1..].iter().map(|r| r[c].clone()).collect::<Vec<_>>();
    assert_eq!(
        col(&en, STATUS),
        ["Not started", "Ended", "Live", "Unknown (7)"]
    );
    assert_eq!(
        col(&en, TYPE),
        ["Instant", "Booked", "Audio", "Unknown (video_x)"]
    );
    assert_eq!(col(&zh, STATUS), ["未开始", "已结束", "进行中", "未知 (7)"]);
    assert_eq!(
        col(&zh, TYPE),
        ["即时会议", "预约会议", "语音会议", "未知 (video_x)"]
    );
    assert_eq!(
        en[1][DURATION], "16.6",
        "confDuration 1,000,000 ms = 16 min 40 s, truncated like the window's \"16 min\""
    );
    assert!(en[1][DURATION].parse::<f64>().is_ok(), "a plain number");
}

#[test]
fn headers_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let (_, en) = export_to(dir.path(), "en.csv", &[], &opts(offset(8)));
    assert_eq!(
        en[0],
        [
            "Room code",
            "Title",
            "Status",
            "Type",
            "Start (UTC+08:00)",
            "End (UTC+08:00)",
            "Start (ISO 8601)",
            "End (ISO 8601)",
            "Duration (min)",
            "Host",
            "Host ID",
            "Conference ID",
            "Schedule ID",
            "Join link"
        ]
    );
    let zh_opts = ExportOptions {
        lang: Lang::ZhCn,
        ..opts(offset(8))
    };
    let (_, zh) = export_to(dir.path(), "zh.csv", &[], &zh_opts);
    assert_eq!(
        zh[0],
        [
            "会议号",
            "标题",
            "状态",
            "类型",
            "开始时间 (UTC+08:00)",
            "结束时间 (UTC+08:00)",
            "开始时间 (ISO 8601)",
            "结束时间 (ISO 8601)",
            "时长（分钟）",
            "主持人",
            "主持人 ID",
            "会议 ID",
            "预约会议 ID",
            "入会链接"
        ]
    );
    assert_eq!(headers(&zh_opts).to_vec(), zh[0]);
}

#[test]
fn semicolon_delimiter_with_decimal_comma() {
    let dir = tempfile::tempdir().unwrap();
    let o = ExportOptions {
        delimiter: b';',
        ..opts(offset(8))
    };
    let m = Meeting {
        title: Some("a;b, c".into()),
        ..meeting()
    };
    let (path, rows) = export_to(dir.path(), "semi.csv", &[m], &o);
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.trim_start_matches('\u{FEFF}')
            .starts_with("Room code;Title;Status;"),
        "{text}"
    );
    assert_eq!(rows[1][TITLE], "a;b, c");
    assert!(
        text.contains("\"a;b, c\""),
        "a field with the delimiter is quoted"
    );
    assert_eq!(
        rows[1][DURATION], "16,6",
        "decimal comma where ';' is the list separator"
    );
    // Read with the wrong delimiter, the file is not mistaken for a comma file: one column.
    let comma_view = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(&path)
        .unwrap()
        .records()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(comma_view.len(), 1);
}

fn many(n: usize) -> Vec<Meeting> {
    (0..n)
        .map(|i| Meeting {
            conference_id: Some(format!("c{i:08}")),
            start_time: Some(T0 + i as i64 * 60_000),
            ..meeting()
        })
        .collect()
}

#[test]
fn a_failing_write_leaves_the_existing_file_and_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meetings.csv");
    let old = "old export, keep me\r\n".repeat(100);
    fs::write(&path, &old).unwrap();
    let meetings = many(5_000);

    // Fails mid-way, after more than the csv writer's buffer went out.
    let err = export_with(&path, |w| {
        write_csv(
            Failing {
                inner: w,
                budget: 200_000,
            },
            &meetings,
            &opts(offset(8)),
        )
    })
    .unwrap_err();
    assert_eq!(err.kind, "io");
    assert!(
        err.message.contains(&path.display().to_string()),
        "names the path: {}",
        err.message
    );
    assert!(
        err.message.contains("no space left on device"),
        "says what happened: {}",
        err.message
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        old,
        "existing file untouched byte-for-byte"
    );
    assert_eq!(
        entries(dir.path()),
        ["meetings.csv"],
        "no temp file left behind"
    );

    // A closure that gives up after writing something.
    let err = export_with(&path, |w| {
        w.write_all(b"partial")?;
        Err(io::Error::other("cancelled"))
    })
    .unwrap_err();
    assert_eq!(err.kind, "io");
    assert_eq!(fs::read_to_string(&path).unwrap(), old);
    assert_eq!(entries(dir.path()), ["meetings.csv"]);

    // A new file that fails is not created at all.
    let fresh = dir.path().join("new.csv");
    export_with(&fresh, |w| {
        write_csv(
            Failing {
                inner: w,
                budget: 10,
            },
            &meetings,
            &opts(offset(8)),
        )
    })
    .unwrap_err();
    assert!(!fresh.exists());
    assert_eq!(entries(dir.path()), ["meetings.csv"]);

    // And a good export then replaces the old file, leaving only it.
    let s = export_atomic(&path, &meetings, &opts(offset(8))).unwrap();
    assert_eq!(s.count, 5_000);
    assert_eq!(read_back(&path, b',').len(), 5_001);
    assert_eq!(entries(dir.path()), ["meetings.csv"]);
}

#[test]
fn write_csv_streams_into_the_writer_and_stops_at_its_error() {
    let meetings = many(2_000);
    let mut sink = Vec::new();
    let e = write_csv(
        Failing {
            inner: &mut sink,
            budget: 100_000,
        },
        &meetings,
        &opts(offset(8)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("no space left"), "{e}");
    assert_eq!(
        sink.len(),
        100_000,
        "rows went out before the end: the output is streamed"
    );
    let mut all = Vec::new();
    assert_eq!(
        write_csv(&mut all, &meetings, &opts(offset(8))).unwrap(),
        2_000
    );
    assert!(
        all.len() > 100_000 && all.starts_with(&sink),
        "the same bytes up to the failure"
    );
}

#[test]
fn unwritable_places_give_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    // A path under a regular file: fails for every user, root included.
    let file = dir.path().join("not-a-folder");
    fs::write(&file, "x").unwrap();
    let path = file.join("meetings.csv");
    let err = export_atomic(&path, &[meeting()], &opts(offset(8))).unwrap_err();
    assert_eq!(err.kind, "io");
    assert!(
        err.message.contains(&path.display().to_string()),
        "{}",
        err.message
    );
    assert_eq!(entries(dir.path()), ["not-a-folder"]);

    // A folder as the target.
    let err = export_atomic(dir.path(), &[meeting()], &opts(offset(8))).unwrap_err();
    assert_eq!(err.kind, "io");
    assert!(err.message.contains("folder"), "{}", err.message);

    // A read-only folder (skipped where permissions do not bite, i.e. as root).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("read-only");
        fs::create_dir(&ro).unwrap();
        fs::write(ro.join("meetings.csv"), "old").unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        let probe = ro.join(".probe");
        if fs::write(&probe, "x").is_ok() {
            let _ = fs::remove_file(&probe);
            eprintln!("running as root: skipping the read-only folder case");
        } else {
            let path = ro.join("meetings.csv");
            let err = export_atomic(&path, &[meeting()], &opts(offset(8))).unwrap_err();
            assert_eq!(err.kind, "io");
            assert!(
                err.message.contains(&path.display().to_string()),
                "{}",
                err.message
            );
            assert!(
                err.message.to_lowercase().contains("permission denied"),
                "{}",
                err.message
            );
            assert_eq!(fs::read_to_string(&path).unwrap(), "old");
            assert_eq!(entries(&ro), ["meetings.csv"]);
        }
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn exported_file_is_an_ordinary_readable_document() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = export_to(dir.path(), "perm.csv", &[meeting()], &opts(offset(8)));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Same mode as any file this user creates (0o666 less the umask), not the temp file's 0o600.
        let ordinary = dir.path().join("ordinary.txt");
        fs::write(&ordinary, "x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&ordinary));
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[test]
fn file_name_for_the_save_dialog() {
    let rc = dingtalk::RoomCode::parse("427233559").unwrap();
    let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    assert_eq!(
        default_file_name(&rc, d),
        "meetings-427233559-2026-11-26.csv"
    );
    let rc = dingtalk::RoomCode::parse("838 722 12345").unwrap();
    assert_eq!(
        default_file_name(&rc, d),
        "meetings-83872212345-2026-11-26.csv"
    );
}

#[test]
fn implausible_numbers_are_empty_cells_not_nonsense() {
    let dir = tempfile::tempdir().unwrap();
    let with = |start: Option<i64>, end: Option<i64>, conf: Option<i64>| Meeting {
        start_time: start,
        end_time: end,
        conf_duration: conf,
        ..meeting()
    };
    let ms = [
        with(Some(T0), None, Some(i64::MAX)),
        with(Some(T0), None, Some(i64::MIN)),
        with(Some(T0), None, Some(-60_000)),
        with(Some(T0), None, Some(MAX_DURATION_MS + 1)),
        with(Some(i64::MIN), Some(i64::MAX), None),
        with(Some(0), Some(1_000), None),
        with(Some(253_402_300_799_000), None, None), // 9999-12-31
        with(Some(T0), Some(T0 + 12 * 60_000 + 59_000), None),
        with(Some(T0), Some(T0 + 600_000), Some(i64::MAX)),
    ];
    let (path, rows) = export_to(dir.path(), "odd.csv", &ms, &opts(offset(8)));
    for (i, r) in rows[1..=4].iter().enumerate() {
        assert_eq!(
            r[DURATION], "",
            "row {i}: an implausible confDuration is unknown"
        );
        assert_eq!(
            r[START], "2026-11-26 09:30:00",
            "row {i}: the start is fine"
        );
    }
    for r in &rows[5..=7] {
        assert_eq!(
            [&r[START], &r[END], &r[START_ISO], &r[END_ISO], &r[DURATION]],
            ["", "", "", "", ""],
            "a time outside 2000..2100 is unknown: {r:?}"
        );
    }
    assert_eq!(
        rows[8][DURATION], "12.9",
        "12 min 59 s: truncated, never 13.0"
    );
    assert_eq!(
        rows[9][DURATION], "10.0",
        "a bad confDuration falls back to the span"
    );
    let text = fs::read_to_string(&path).unwrap();
    for absurd in ["153722867280912", "-153722867280", "9999-", "1970-"] {
        assert!(!text.contains(absurd), "{absurd} in {text}");
    }
}

#[test]
fn a_meeting_live_for_over_a_day_says_it_may_have_ended() {
    let dir = tempfile::tempdir().unwrap();
    let live = |ago: i64| Meeting {
        status: Some(Status::Live),
        start_time: Some(now_ms() - ago),
        end_time: None,
        conf_duration: None,
        ..meeting()
    };
    let ms = [live(3 * 86_400_000), live(3_600_000)];
    let (_, en) = export_to(dir.path(), "en.csv", &ms, &opts(offset(8)));
    assert_eq!(en[1][STATUS], "Live (over a day, may have ended)");
    assert_eq!(en[2][STATUS], "Live");
    let zh = ExportOptions {
        lang: Lang::ZhCn,
        ..opts(offset(8))
    };
    let (_, zh) = export_to(dir.path(), "zh.csv", &ms, &zh);
    assert_eq!(zh[1][STATUS], "进行中（已超过一天，可能已结束）");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_target_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.csv");
    fs::write(&real, "precious").unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let err = export_atomic(&link, &[meeting()], &opts(offset(8))).unwrap_err();
    assert_eq!(err.kind, "io");
    assert!(err.message.contains("symbolic link"), "{}", err.message);
    assert!(
        err.message.contains("real.csv"),
        "names where it points: {}",
        err.message
    );
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "still a link"
    );
    assert_eq!(fs::read_to_string(&real).unwrap(), "precious");
    assert_eq!(
        entries(dir.path()),
        ["link.csv", "real.csv"],
        "no temp file"
    );

    // A dangling link too: writing would create a file wherever it points.
    let dangling = dir.path().join("dangling.csv");
    std::os::unix::fs::symlink(dir.path().join("nowhere/x.csv"), &dangling).unwrap();
    let err = export_atomic(&dangling, &[meeting()], &opts(offset(8))).unwrap_err();
    assert!(err.message.contains("symbolic link"), "{}", err.message);
}

#[cfg(unix)]
#[test]
fn a_read_only_file_is_refused_not_replaced() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.csv");
    fs::write(&path, "keep me").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    // Root may write any file, but a rename would replace this one even for a plain user: the
    // mode is what the user said, so it is refused for everyone.
    let err = export_atomic(&path, &[meeting()], &opts(offset(8))).unwrap_err();
    assert_eq!(err.kind, "io");
    assert!(err.message.contains("read-only"), "{}", err.message);
    assert!(err.message.contains("locked.csv"), "{}", err.message);
    assert_eq!(fs::read_to_string(&path).unwrap(), "keep me");
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o444
    );
    assert_eq!(entries(dir.path()), ["locked.csv"]);
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_written_in_place() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(ok.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut s)
                .unwrap();
            s
        })
    };
    let summary = export_atomic(&fifo, &[meeting()], &opts(offset(8))).unwrap();
    // Checked before joining the reader: were the pipe replaced by a file, the reader would
    // wait for a writer forever.
    assert!(
        fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(),
        "the pipe is still a pipe"
    );
    let got = reader.join().unwrap();
    assert_eq!(summary.count, 1);
    assert_eq!(summary.bytes, got.len() as u64);
    assert!(got.contains("产品周会 Weekly product sync"), "{got}");
    assert_eq!(entries(dir.path()), ["pipe"], "no temp file");
}

#[test]
fn stale_temp_files_of_a_killed_export_are_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join(".meetdesk-export-AbC123.tmp");
    let fresh = dir.path().join(".meetdesk-export-XyZ789.tmp");
    let other = dir.path().join(".other-export-AbC123.tmp");
    for p in [&stale, &fresh, &other] {
        fs::write(p, "half a file").unwrap();
    }
    let old = std::time::SystemTime::now() - STALE_TEMP_AGE - std::time::Duration::from_secs(60);
    for p in [&stale, &other] {
        fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    export_to(dir.path(), "m.csv", &[meeting()], &opts(offset(8)));
    assert_eq!(
        entries(dir.path()),
        [
            ".meetdesk-export-XyZ789.tmp", // may belong to an export running now
            ".other-export-AbC123.tmp",    // not ours
            "m.csv"
        ]
    );
}
