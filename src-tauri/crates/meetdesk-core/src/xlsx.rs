//! Meetings → an Excel workbook (`.xlsx`), for reports: the window's "Export… → Excel" and
//! `meetdesk-cli query --format xlsx`. Written with rust_xlsxwriter, atomically as the CSV is
//! (see [`crate::export`]: a temporary file beside the target, renamed over it once complete; a
//! failed export leaves the old file and no temporary file).
//!
//! # The Meetings sheet
//! The CSV's columns with the CSV's header words ([`export::headers`], one rule), but typed:
//! - start and end are Excel date-times (numbers with a `yyyy-mm-dd hh:mm:ss` format) in the
//!   export's zone ([`ExportOptions::zone`], per row as in the CSV), so Excel sorts, filters and
//!   groups them as dates. The RFC 3339 columns stay text: they carry the exact offset.
//! - the duration is a number of days with the format `[h]:mm`, from the meeting's whole
//!   minutes, truncated ([`view::whole_minutes`], what the window shows), so summing the column
//!   in Excel gives the Summary sheet's total. Its header is `xlsx.duration` ("Duration (h:mm)"),
//!   since the CSV's says minutes.
//! - status and type in words, in [`ExportOptions::lang`]; unknown values are empty cells.
//! - the header row is frozen, an autofilter covers the data, and columns are as wide as their
//!   widest cell (a Chinese character counts two), within [`MIN_WIDTH`]..=[`MAX_WIDTH`].
//!
//! The sheet is written in rust_xlsxwriter's constant-memory mode: each row goes to a temporary
//! file (in the system's temporary folder) as soon as it is complete, so 100,000 meetings need a
//! few MB of memory, not a few hundred (figures in docs/benchmarks.md, `make bench-xlsx`).
//!
//! # No formula guard
//! Every text is written with `write_string`, never `write_formula` or the type-guessing
//! `write`: an xlsx cell is typed in the file (`t="inlineStr"`), and Excel never evaluates a
//! string cell, so a title `=HYPERLINK(...)` or `@SUM(A1)` is shown as it was typed, with no
//! leading `'`. The CSV needs the guard only because Excel parses the text of CSV cells.
//!
//! # Strings Excel cannot hold
//! Control characters are stored as Excel stores them (`_x0001_`, rust_xlsxwriter escapes them)
//! and never fail the export. A text longer than Excel's cell limit ([`MAX_CELL_CHARS`], counted
//! in UTF-16 units as Excel does) is cut to fit and ends with "…"; the CSV keeps it whole.
//! Date-times before 1900 (Excel's first date) would be blank, but the view already leaves
//! anything outside 2000–2100 unknown.
//!
//! # The Summary sheet
//! The figures of [`Summary::of`] for the same rows, in the same zone: meetings, how many had a
//! known duration, total and average duration (`[h]:mm`), meetings without a start; then per
//! host (name, meetings, total) and per week (Monday's date, meetings, total), all in
//! [`ExportOptions::lang`] from the catalog (`xlsx.*`).
//!
//! # Known limit
//! rust_xlsxwriter panics (and a release build aborts) if writing its constant-memory temporary
//! file fails mid-way, e.g. when the temporary folder's disk fills up; it reports every other I/O
//! failure, including a failure of the target, as an error. Creating that file is checked.
//!
//! Plain Rust, no Tauri.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

use crate::catalog::Lang;
use crate::error::AppError;
use crate::export::{
    self, biz_type_word, view_status_word, ExportOptions, ExportSummary, COLUMN_COUNT,
};
use crate::summary::Summary;
use crate::view::{self, MeetingRow};

/// Excel's limit for the text of one cell, in UTF-16 code units.
pub const MAX_CELL_CHARS: usize = 32_767;

/// Narrowest column, in Excel's character widths.
pub const MIN_WIDTH: f64 = 8.0;
/// Widest column: a long title wraps nothing, so beyond this the column would only push the
/// next ones off the screen.
pub const MAX_WIDTH: f64 = 60.0;

/// Deflate level of the zip container (rust_xlsxwriter's default is 6). At 6, compressing the
/// sheet's XML took over a quarter of an export's CPU time; level 1 cuts 100,000 rows from 1.29 s
/// to 0.94 s of CPU for a file of 12.9 MB instead of 8.2 MB (docs/benchmarks.md).
const ZIP_LEVEL: u8 = 1;

/// Excel's number formats.
const DATE_TIME_FORMAT: &str = "yyyy-mm-dd hh:mm:ss";
const DATE_FORMAT: &str = "yyyy-mm-dd";
const DURATION_FORMAT: &str = "[h]:mm";

/// Column positions, in [`export::headers`]' order.
const COL_START: u16 = 4;
const COL_END: u16 = 5;
const COL_DURATION: u16 = 8;

/// The suggested file name: `meetings-427233559-2026-11-26.xlsx`.
pub fn default_file_name(room: &dingtalk::RoomCode, date: NaiveDate) -> String {
    format!(
        "meetings-{}-{}.xlsx",
        room.as_str(),
        date.format("%Y-%m-%d")
    )
}

/// Write `rows` as a workbook to `path` atomically (see the module docs). Errors are kind `io`,
/// with a message naming the path and what went wrong.
pub fn export_atomic(
    path: &Path,
    rows: &[&MeetingRow],
    opts: &ExportOptions,
) -> Result<ExportSummary, AppError> {
    export::export_with_send(path, |w| write_xlsx(w, rows, opts))
}

/// Write the workbook to `w` (streaming: no `Seek` needed). Returns the number of meeting rows.
pub fn write_xlsx<W: Write + Send>(
    w: W,
    rows: &[&MeetingRow],
    opts: &ExportOptions,
) -> io::Result<u64> {
    let mut book = Workbook::new();
    book.set_zip_compression_level(ZIP_LEVEL);
    let count = meetings_sheet(&mut book, rows, opts).map_err(to_io)?;
    summary_sheet(&mut book, rows, opts).map_err(to_io)?;
    book.save_to_writer(w).map_err(to_io)?;
    Ok(count)
}

fn to_io(e: XlsxError) -> io::Error {
    match e {
        XlsxError::IoError(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

/// The cell formats, made once.
struct Formats {
    header: Format,
    date_time: Format,
    date: Format,
    duration: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold().set_align(FormatAlign::Left),
            date_time: Format::new().set_num_format(DATE_TIME_FORMAT),
            date: Format::new().set_num_format(DATE_FORMAT),
            duration: Format::new().set_num_format(DURATION_FORMAT),
        }
    }
}

fn meetings_sheet(
    book: &mut Workbook,
    rows: &[&MeetingRow],
    opts: &ExportOptions,
) -> Result<u64, XlsxError> {
    let f = Formats::new();
    let lang = opts.lang;
    let mut headers = export::headers(opts);
    if let Some(h) = headers.get_mut(usize::from(COL_DURATION)) {
        lang.text("xlsx.duration").clone_into(h);
    }
    let last_row = u32::try_from(rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;

    // A column is as wide as its widest cell, so the widths take a pass of their own over the
    // texts before the rows are streamed out (cheap next to writing them).
    let mut widths: [usize; COLUMN_COUNT] = std::array::from_fn(|i| {
        // Room for the autofilter's drop-down button beside the header word.
        headers.get(i).map_or(0, |h| h.width() + 3)
    });
    for r in rows {
        for (w, t) in widths.iter_mut().zip(texts(r, opts).iter()) {
            if let Some(t) = t {
                *w = (*w).max(t.width());
            }
        }
    }

    let sheet = book.add_worksheet_with_constant_memory()?;
    sheet.set_name(sheet_name(lang, "xlsx.sheetMeetings"))?;
    for (col, w) in (0u16..).zip(widths) {
        let w = match col {
            COL_START | COL_END => w.max("2026-11-26 09:30:00".len()),
            _ => w,
        };
        sheet.set_column_width(col, clamp_width(w))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, COLUMN_COUNT as u16 - 1)?;

    for (col, h) in (0u16..).zip(headers.iter()) {
        sheet.write_string_with_format(0, col, fit(h).as_ref(), &f.header)?;
    }

    let mut count = 0u64;
    for (row, r) in (1u32..).zip(rows.iter()) {
        for (col, text) in (0u16..).zip(texts(r, opts).iter()) {
            if let Some(t) = text {
                sheet.write_string(row, col, fit(t).as_ref())?;
            }
        }
        for (col, ms) in [(COL_START, r.view.start), (COL_END, r.view.end)] {
            if let Some(dt) = ms.and_then(|ms| local_date_time(opts, ms)) {
                sheet.write_datetime_with_format(row, col, dt, &f.date_time)?;
            }
        }
        if let Some(ms) = r.view.duration_ms {
            sheet.write_number_with_format(
                row,
                COL_DURATION,
                minutes_as_days(view::whole_minutes(ms)),
                &f.duration,
            )?;
        }
        count += 1;
    }
    Ok(count)
}

type Cell<'a> = Option<Cow<'a, str>>;

/// The text cells of one row by column; `None` for the typed columns and for missing values.
fn texts<'a>(r: &'a MeetingRow, opts: &ExportOptions) -> [Cell<'a>; COLUMN_COUNT] {
    let (m, v, lang) = (&r.meeting, &r.view, opts.lang);
    let s = |x: &'a Option<String>| x.as_deref().map(Cow::Borrowed);
    let iso = |ms: Option<i64>| -> Cell<'a> {
        let t = opts.zone.at_millis(ms?)?;
        let mut out = String::with_capacity(25);
        export::push_rfc3339(&mut out, &t);
        Some(Cow::Owned(out))
    };
    [
        s(&m.room_code),
        s(&m.title),
        view_status_word(v, lang),
        m.biz_type.as_ref().map(|t| biz_type_word(t, lang)),
        None,
        None,
        iso(v.start),
        iso(v.end),
        None,
        s(&m.creator_nick),
        s(&m.creator_id),
        s(&m.conference_id),
        s(&m.schedule_conference_id),
        s(&m.external_link_url),
    ]
}

/// A UTC time in ms as an Excel date-time of the wall clock in the export's zone; `None` before
/// 1900 (Excel has no earlier dates) or when not representable.
fn local_date_time(opts: &ExportOptions, ms: i64) -> Option<ExcelDateTime> {
    let t = opts.zone.at_millis(ms)?;
    excel_date_time(&t)
}

fn excel_date_time(t: &DateTime<FixedOffset>) -> Option<ExcelDateTime> {
    let year = u16::try_from(t.year()).ok()?;
    let month = u8::try_from(t.month()).ok()?;
    let day = u8::try_from(t.day()).ok()?;
    let (h, m, s) = (t.hour(), t.minute(), t.second());
    ExcelDateTime::from_ymd(year, month, day)
        .and_then(|d| d.and_hms(h as u16, m as u8, s as u8))
        .ok()
}

fn excel_date(d: NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(
        year,
        u8::try_from(d.month()).ok()?,
        u8::try_from(d.day()).ok()?,
    )
    .ok()
}

/// Whole minutes as Excel's duration unit, days (`[h]:mm` shows 90 minutes as 1:30).
fn minutes_as_days(minutes: i64) -> f64 {
    minutes as f64 / 1440.0
}

/// Excel column width for a text `w` display columns wide.
fn clamp_width(w: usize) -> f64 {
    (w as f64 + 1.0).clamp(MIN_WIDTH, MAX_WIDTH)
}

/// A text cut to Excel's cell limit (with "…" at the end when cut); as it was otherwise.
pub fn fit(s: &str) -> Cow<'_, str> {
    // Cheap test first: UTF-16 units are at most the UTF-8 bytes.
    if s.len() <= MAX_CELL_CHARS || s.encode_utf16().count() <= MAX_CELL_CHARS {
        return Cow::Borrowed(s);
    }
    let budget = MAX_CELL_CHARS - '…'.len_utf16();
    let mut used = 0;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        if used + c.len_utf16() > budget {
            break;
        }
        used += c.len_utf16();
        end = i + c.len_utf8();
    }
    let mut out = String::with_capacity(end + 3);
    out.push_str(s.get(..end).unwrap_or(""));
    out.push('…');
    Cow::Owned(out)
}

/// A sheet name from the catalog, made safe for Excel (at most 31 characters, none of
/// `[]:*?/\`): a translation must not be able to fail the export.
fn sheet_name(lang: Lang, key: &str) -> String {
    let name: String = lang
        .text(key)
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    let name = name.trim_matches('\'').to_owned();
    if name.is_empty() {
        key.rsplit('.').next().unwrap_or("Sheet").to_owned()
    } else {
        name
    }
}

fn summary_sheet(
    book: &mut Workbook,
    rows: &[&MeetingRow],
    opts: &ExportOptions,
) -> Result<(), XlsxError> {
    let f = Formats::new();
    let lang = opts.lang;
    let s = Summary::of(rows.iter().copied(), &opts.zone);
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(lang, "xlsx.sheetSummary"))?;

    let mut row = 0u32;
    let figure = |sheet: &mut Worksheet, row: u32, key: &str| -> Result<(), XlsxError> {
        sheet.write_string_with_format(row, 0, lang.text(key), &f.header)?;
        Ok(())
    };
    figure(sheet, row, "xlsx.meetings")?;
    sheet.write_number(row, 1, s.count as f64)?;
    row += 1;
    figure(sheet, row, "xlsx.timed")?;
    sheet.write_number(row, 1, s.timed as f64)?;
    row += 1;
    figure(sheet, row, "xlsx.totalDuration")?;
    sheet.write_number_with_format(row, 1, minutes_as_days(s.total_minutes), &f.duration)?;
    row += 1;
    figure(sheet, row, "xlsx.averageDuration")?;
    if let Some(avg) = s.average_minutes {
        sheet.write_number_with_format(row, 1, minutes_as_days(avg), &f.duration)?;
    }
    row += 1;
    figure(sheet, row, "xlsx.undated")?;
    sheet.write_number(row, 1, s.undated as f64)?;
    row += 2;

    let table_header = |sheet: &mut Worksheet, row: u32, first: &str| -> Result<(), XlsxError> {
        for (col, key) in (0u16..).zip([first, "xlsx.meetings", "xlsx.totalDuration"]) {
            sheet.write_string_with_format(row, col, lang.text(key), &f.header)?;
        }
        Ok(())
    };
    let mut first_width = lang.text("xlsx.undated").width();
    table_header(sheet, row, "xlsx.host")?;
    row += 1;
    for h in &s.hosts {
        let name = h
            .name
            .as_deref()
            .unwrap_or_else(|| lang.text("xlsx.unknownHost"));
        first_width = first_width.max(name.width());
        sheet.write_string(row, 0, fit(name).as_ref())?;
        sheet.write_number(row, 1, h.count as f64)?;
        sheet.write_number_with_format(row, 2, minutes_as_days(h.total_minutes), &f.duration)?;
        row += 1;
    }
    row += 1;
    table_header(sheet, row, "xlsx.week")?;
    row += 1;
    for w in &s.weeks {
        if let Some(d) = excel_date(w.monday) {
            sheet.write_datetime_with_format(row, 0, d, &f.date)?;
        }
        sheet.write_number(row, 1, w.count as f64)?;
        sheet.write_number_with_format(row, 2, minutes_as_days(w.total_minutes), &f.duration)?;
        row += 1;
    }
    sheet.set_column_width(0, clamp_width(first_width))?;
    let num_width = ["xlsx.meetings", "xlsx.totalDuration"]
        .iter()
        .map(|k| lang.text(k).width())
        .max()
        .unwrap_or(0);
    sheet.set_column_width(1, clamp_width(num_width))?;
    sheet.set_column_width(2, clamp_width(num_width))?;
    Ok(())
}
