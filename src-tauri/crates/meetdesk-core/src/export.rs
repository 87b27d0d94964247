//! Meetings → CSV that opens cleanly in Excel, and the atomic file write. One module for the
//! window's "Export CSV…" and for `meetdesk-cli query --format csv`, so the two cannot drift:
//! for the same meetings and [`ExportOptions`] both produce the same bytes.
//!
//! Plain Rust, no Tauri types.
//!
//! # The file
//! - RFC 4180 via the [`csv`] crate: fields with the delimiter, `"` or a line break are quoted,
//!   quotes doubled; records end with CRLF (RFC 4180, and what Excel writes itself).
//! - UTF-8 with a byte-order mark by default: without it Excel on a Chinese (or any non-UTF-8
//!   ANSI code page) Windows decodes the file as GBK/Windows-1252 and shows mojibake for 张伟.
//!   [`ExportOptions::bom`] turns it off for tools that choke on it.
//! - Comma by default, semicolon as the option for Excel in locales whose list separator is `;`
//!   (German, French, Russian, ...). Those are exactly the locales whose decimal separator is a
//!   comma, so with `;` the duration is written `16,7`, with `,` it is `16.7`: Excel then reads
//!   it as a number in both cases (a `16.7` opened by a German Excel becomes the date 16 July).
//!
//! # Columns (headers in the user's language, see [`headers`])
//! room code, title, status (words), type (words), start and end as local wall-clock time
//! `YYYY-MM-DD HH:MM:SS` with the UTC offset named in the header, start and end again as
//! RFC 3339 with the offset (`2026-11-26T09:30:00+08:00`, machine-readable and unambiguous),
//! duration in minutes, host, host id, conference id, schedule id, join link.
//! A missing value is an empty cell, never `null`.
//!
//! **Duration** is in minutes with one decimal (`16.6`, `20.0`), truncated, from
//! [`MeetingView::duration_ms`] (see [`crate::view`] for the one rule the window, the CLI and the
//! CSV share): meetings are talked about in minutes, one decimal keeps a 40-second test call
//! distinguishable from nothing, a plain number lets Excel sum the column, and truncation means
//! 12 min 59 s is 12.9 here and "12 min" in the window, never 13. An implausible duration
//! (negative, over a week) is an empty cell.
//!
//! **Times** are converted per row with the zone in [`ExportZone`]: the computer's zone
//! ([`ExportZone::Local`], what the window shows) or a fixed offset (tests, `--utc-offset`).
//! Per row, so a meeting in July in Berlin shows 10:00 and not 09:00 just because the export
//! was made in winter; the RFC 3339 columns carry each row's exact offset. The header names the
//! zone's offset (`Start (UTC+08:00)`), or both offsets (`UTC+01:00/+02:00`) for a zone with
//! daylight saving time. Times outside the plausible years (2000 to 2100, see [`crate::view`]),
//! and an end before its start, are left empty. The status carries the view's caveat, e.g.
//! `Live (over a day, may have ended)`.
//!
//! # Formula injection (OWASP "CSV Injection", CWE-1236)
//! A text cell that starts with `=`, `+`, `-`, `@`, tab, CR, LF or NUL (or the full-width
//! `＝＋－＠`, defence in depth for East Asian input settings) gets a leading `'`, which Excel
//! and LibreOffice show as text instead of evaluating. Every column except the duration is text
//! and guarded; titles, hosts and links come from other people and are untrusted.
//!
//! **Long digit-only ids are written as they are** (room code `427233559`, 11-digit codes,
//! numeric creator ids): digits never trigger the guard, and we add no `'`, no `="..."` and
//! no tab. Why: Excel does not strip a `'` read from a CSV, so the cell would show `'427233559`
//! and every other reader (pandas, scripts, LibreOffice, a re-import) would get a wrong id; and
//! `="427233559"` is itself a formula. What Excel does with the plain digits: up to 11 digits it
//! displays them exactly (General format), 12 to 15 digits it keeps the exact value but shows
//! `1.23457E+11` until the column is formatted as Number (lossless, reversible); leading zeros
//! and digits past the 15th are lost. DingTalk's room codes are 9 or 11 digits and its conference
//! and creator ids are hex / base62 strings that Excel keeps as text, so the file is exact and
//! what users open shows correctly; for an id that could hit the edge cases the documented fix
//! is Excel's Data → From Text/CSV with the column type set to Text.
//!
//! # Atomic write
//! [`export_atomic`] writes to a temporary file beside the target, flushes and syncs it, then
//! renames it over the target. Any failure (folder not writable, disk full, a writer error
//! mid-way) leaves an existing file byte-for-byte untouched and no temporary file behind.
//! [`export_with`] is the same with the writing done by a closure (used by the CLI for JSON and
//! table output, and by tests to inject failures).
//!
//! What is at the target decides how it is written; the window's save dialog and
//! `meetdesk-cli --output` share these rules:
//! - a character device or FIFO (`/dev/null`, `/dev/stdout`, a named pipe), or a link to one, is
//!   written in place: a rename would replace the device node instead of writing to it;
//! - any other symbolic link is refused with a message naming where it points: replacing it by a
//!   rename would turn the link into a file, and following it would let a link planted in a
//!   shared folder aim the export at any file of the user;
//! - an existing file that is read-only (or that the user may not write) is refused: a rename
//!   would replace it silently, since only the folder's permissions count for a rename;
//! - before writing, temporary files of an export that was killed
//!   (`.meetdesk-export-*.tmp` older than [`STALE_TEMP_AGE`]) are removed from the folder.

use std::borrow::Cow;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, FixedOffset, Local, NaiveDate, Offset, TimeZone, Timelike, Utc};
use dingtalk::{BizType, Meeting, RoomCode, Status};
use serde::Serialize;

use crate::catalog::Lang;
use crate::error::AppError;
use crate::view::{self, Caveat, MeetingView};

/// Number of columns in every row.
pub const COLUMN_COUNT: usize = 14;

/// Which clock the start / end columns show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportZone {
    /// The computer's time zone (`chrono::Local`: `TZ` / `/etc/localtime` on Unix, the system
    /// setting on Windows), per row, daylight saving time included. What the window shows.
    #[default]
    Local,
    /// A fixed UTC offset for every row.
    Fixed(FixedOffset),
}

impl ExportZone {
    /// The offset in force at `t`.
    pub fn offset_at(&self, t: &DateTime<Utc>) -> FixedOffset {
        match self {
            ExportZone::Local => Local.offset_from_utc_datetime(&t.naive_utc()).fix(),
            ExportZone::Fixed(o) => *o,
        }
    }

    /// A UTC time in milliseconds as a time in this zone; `None` when not representable or
    /// outside the years 1..=9999 (RFC 3339 and Excel cannot show those).
    pub fn at_millis(&self, ms: i64) -> Option<DateTime<FixedOffset>> {
        let utc = DateTime::<Utc>::from_timestamp_millis(ms)?;
        let off = whole_minutes(self.offset_at(&utc));
        let t = utc.with_timezone(&off);
        (1..=9999).contains(&t.year()).then_some(t)
    }

    /// How the header names this zone: `UTC+08:00`, or `UTC+01:00/+02:00` for a zone with
    /// daylight saving time (offsets on 1 January and 1 July of the current year differ).
    pub fn label(&self) -> String {
        match self {
            ExportZone::Fixed(o) => format!("UTC{}", offset_text(whole_minutes(*o))),
            ExportZone::Local => {
                let year = Utc::now().year();
                let at = |m| {
                    let t = Utc
                        .with_ymd_and_hms(year, m, 1, 12, 0, 0)
                        .single()
                        .unwrap_or_else(Utc::now);
                    whole_minutes(self.offset_at(&t))
                };
                let (a, b) = (at(1), at(7));
                if a == b {
                    format!("UTC{}", offset_text(a))
                } else {
                    let (lo, hi) = if a.local_minus_utc() < b.local_minus_utc() {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    format!("UTC{}/{}", offset_text(lo), offset_text(hi))
                }
            }
        }
    }

    /// Parse `+08:00`, `-05:00`, `+0800`, `+8`, `Z` or `UTC` into a fixed offset.
    pub fn parse_offset(s: &str) -> Result<FixedOffset, String> {
        let t = s.trim();
        let bad = || format!("{s:?} is not a UTC offset: write it like +08:00, -05:00 or Z");
        if t.eq_ignore_ascii_case("z") || t.eq_ignore_ascii_case("utc") {
            return Ok(FixedOffset::east_opt(0).expect("0 is valid"));
        }
        let t = t
            .strip_prefix("UTC")
            .or_else(|| t.strip_prefix("utc"))
            .unwrap_or(t);
        let (sign, rest) = match t.as_bytes().first() {
            Some(b'+') => (1, &t[1..]),
            Some(b'-') => (-1, &t[1..]),
            // U+2212 MINUS SIGN, as typed by some keyboards and shown in our own docs.
            _ if t.starts_with('\u{2212}') => (-1, &t['\u{2212}'.len_utf8()..]),
            _ => return Err(bad()),
        };
        let (h, m) = match rest.split_once(':') {
            Some((h, m)) => (h, m),
            None if rest.len() == 4 => rest.split_at(2),
            None => (rest, "0"),
        };
        let all_digits =
            |x: &str| !x.is_empty() && x.len() <= 2 && x.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(h) || !all_digits(m) {
            return Err(bad());
        }
        let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if h > 14 || m > 59 {
            return Err(format!(
                "{s:?} is out of range: UTC offsets go from -14:00 to +14:00"
            ));
        }
        FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)
    }
}

/// RFC 3339 has no seconds in offsets; historical zones (LMT before ~1900) have them. Cutting
/// them off for both the local and the RFC 3339 column keeps the two in agreement.
fn whole_minutes(o: FixedOffset) -> FixedOffset {
    let secs = o.local_minus_utc();
    FixedOffset::east_opt(secs - secs % 60).unwrap_or(o)
}

fn offset_text(o: FixedOffset) -> String {
    let secs = o.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let m = secs.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

/// How to write the CSV. `Default`: English, BOM, comma, the computer's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// Header and status / type words.
    pub lang: Lang,
    /// Start with a UTF-8 byte-order mark (so Excel reads UTF-8).
    pub bom: bool,
    /// `b','` or `b';'`.
    pub delimiter: u8,
    /// The clock for the start / end columns.
    pub zone: ExportZone,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            lang: Lang::En,
            bom: true,
            delimiter: b',',
            zone: ExportZone::Local,
        }
    }
}

impl ExportOptions {
    /// Defaults in this language.
    pub fn new(lang: Lang) -> Self {
        ExportOptions {
            lang,
            ..Default::default()
        }
    }

    /// From the app's settings (`csvBom`, `csvDelimiter` as stored: `","` or `";"`), in the
    /// computer's time zone. A bad delimiter is an `invalidSetting` error for field `csvDelimiter`.
    pub fn from_settings(lang: Lang, bom: bool, delimiter: &str) -> Result<Self, AppError> {
        let delimiter =
            parse_delimiter(delimiter).map_err(|m| AppError::invalid_setting("csvDelimiter", m))?;
        Ok(ExportOptions {
            lang,
            bom,
            delimiter,
            zone: ExportZone::Local,
        })
    }
}

/// `","` → `b','`, `";"` → `b';'` (also the words `comma` / `semicolon`); anything else is refused.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s.trim() {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        other => Err(format!(
            "the CSV delimiter must be \",\" or \";\" (got {other:?})"
        )),
    }
}

/// The header row, in column order, in the catalog's words (`csv.*`).
pub fn headers(opts: &ExportOptions) -> [String; COLUMN_COUNT] {
    let z = opts.zone.label();
    let l = opts.lang;
    let zone = |key| l.fill(key, &[("zone", &z)]);
    [
        l.text("csv.roomCode").to_owned(),
        l.text("csv.title").to_owned(),
        l.text("csv.status").to_owned(),
        l.text("csv.type").to_owned(),
        zone("csv.start"),
        zone("csv.end"),
        l.text("csv.startIso").to_owned(),
        l.text("csv.endIso").to_owned(),
        l.text("csv.duration").to_owned(),
        l.text("csv.host").to_owned(),
        l.text("csv.hostId").to_owned(),
        l.text("csv.conferenceId").to_owned(),
        l.text("csv.scheduleId").to_owned(),
        l.text("csv.joinLink").to_owned(),
    ]
}

/// The words every row needs, looked up once per language rather than once per cell (an export
/// writes 100,000 rows in well under a second; see benches/export.rs).
struct RowWords {
    not_started: &'static str,
    ended: &'static str,
    live: &'static str,
    instant: &'static str,
    booked: &'static str,
    audio: &'static str,
}

fn row_words(lang: Lang) -> &'static RowWords {
    fn load(lang: Lang) -> RowWords {
        RowWords {
            not_started: lang.text("status.notStarted"),
            ended: lang.text("status.ended"),
            live: lang.text("status.live"),
            instant: lang.text("type.instant"),
            booked: lang.text("type.booked"),
            audio: lang.text("type.audio"),
        }
    }
    static EN: std::sync::OnceLock<RowWords> = std::sync::OnceLock::new();
    static ZH_CN: std::sync::OnceLock<RowWords> = std::sync::OnceLock::new();
    match lang {
        Lang::En => EN.get_or_init(|| load(Lang::En)),
        Lang::ZhCn => ZH_CN.get_or_init(|| load(Lang::ZhCn)),
    }
}

/// The status in words, the window's (`status.*`): Not started / Ended / Live, and DingTalk's own
/// value for one the app does not know: Unknown (7).
pub fn status_word(status: Status, lang: Lang) -> Cow<'static, str> {
    let w = row_words(lang);
    match status {
        Status::NotStarted => w.not_started.into(),
        Status::Ended => w.ended.into(),
        Status::Live => w.live.into(),
        Status::Unknown(v) => lang.fill("status.unknownValue", &[("value", &v)]).into(),
    }
}

/// The status cell of the CLI table and the CSV: the status in words, with the caveat when
/// there is one ("Live (over a day, may have ended)"); `None` when DingTalk sent no status.
pub fn view_status_word(v: &MeetingView, lang: Lang) -> Option<Cow<'static, str>> {
    let word = status_word(v.wire_status?, lang);
    Some(match v.caveat {
        None => word,
        Some(Caveat::LiveOverADay) => lang
            .fill(
                "status.withCaveat",
                &[
                    ("status", &word),
                    ("caveat", &lang.text("caveat.liveOverADay")),
                ],
            )
            .into(),
    })
}

/// The meeting type in words (`type.*`): Instant / Booked / Audio / Unknown (video_x).
pub fn biz_type_word(t: &BizType, lang: Lang) -> Cow<'static, str> {
    let w = row_words(lang);
    match t {
        BizType::Instant => w.instant.into(),
        BizType::Booked => w.booked.into(),
        BizType::Audio => w.audio.into(),
        BizType::Unknown(s) => lang.fill("type.unknownValue", &[("value", s)]).into(),
    }
}

/// Whether a text cell needs the `'` guard (see the module docs).
pub fn needs_formula_guard(cell: &str) -> bool {
    matches!(
        cell.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '\0' | '＝' | '＋' | '－' | '＠')
    )
}

/// Duration in minutes with one decimal, truncated (the window's rule, see [`crate::view`]);
/// `decimal` is `.` or `,`.
pub fn duration_minutes(ms: i64, decimal: char) -> String {
    let mut s = String::new();
    push_minutes(&mut s, ms, decimal);
    s
}

fn push_minutes(out: &mut String, ms: i64, decimal: char) {
    let tenths = view::tenths_of_minutes(ms);
    push_uint(out, (tenths / 10) as u64);
    out.push(decimal);
    out.push(char::from(b'0' + (tenths % 10) as u8));
}

// Hand-rolled digit formatting: these run four times per row, and `write!` with padding was
// half the cost of an export (see benches/export.rs).

fn push_uint(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[i..]).expect("ASCII digits"));
}

fn push_2(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// `YYYY-MM-DD{sep}HH:MM:SS`; the year is in 1..=9999 (see [`ExportZone::at_millis`]).
fn push_date_time(out: &mut String, t: &DateTime<FixedOffset>, sep: char) {
    let y = t.year() as u32;
    push_2(out, y / 100);
    push_2(out, y % 100);
    out.push('-');
    push_2(out, t.month());
    out.push('-');
    push_2(out, t.day());
    out.push(sep);
    push_2(out, t.hour());
    out.push(':');
    push_2(out, t.minute());
    out.push(':');
    push_2(out, t.second());
}

/// `2026-11-26 09:30:00`
fn push_local(out: &mut String, t: &DateTime<FixedOffset>) {
    push_date_time(out, t, ' ');
}

/// `2026-11-26T09:30:00+08:00`
pub(crate) fn push_rfc3339(out: &mut String, t: &DateTime<FixedOffset>) {
    push_date_time(out, t, 'T');
    let secs = t.offset().local_minus_utc();
    out.push(if secs < 0 { '-' } else { '+' });
    let m = secs.unsigned_abs() / 60;
    push_2(out, m / 60);
    out.push(':');
    push_2(out, m % 60);
}

/// One text cell: guarded when needed; `None` → empty cell.
fn put_text<W: Write>(
    wtr: &mut csv::Writer<W>,
    scratch: &mut String,
    v: Option<&str>,
) -> io::Result<()> {
    let v = v.unwrap_or("");
    if needs_formula_guard(v) {
        scratch.clear();
        scratch.push('\'');
        scratch.push_str(v);
        wtr.write_field(scratch.as_bytes()).map_err(to_io)
    } else {
        wtr.write_field(v.as_bytes()).map_err(to_io)
    }
}

fn to_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Write the header and one row per meeting to `w`, streaming: memory use does not grow with
/// the number of meetings (one row is formatted at a time into reused buffers). Returns the
/// number of meeting rows written (the header not counted). The writer is flushed at the end.
///
/// Fails with `InvalidInput` for a delimiter other than `,` or `;`, and with the writer's own
/// error as soon as a write fails.
pub fn write_csv<'a, W: Write>(
    mut w: W,
    meetings: impl IntoIterator<Item = &'a Meeting>,
    opts: &ExportOptions,
) -> io::Result<u64> {
    if !matches!(opts.delimiter, b',' | b';') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the CSV delimiter must be ',' or ';' (got {:?})",
                opts.delimiter as char
            ),
        ));
    }
    if opts.bom {
        w.write_all("\u{FEFF}".as_bytes())?;
    }
    let decimal = if opts.delimiter == b';' { ',' } else { '.' };
    let mut wtr = csv::WriterBuilder::new()
        .delimiter(opts.delimiter)
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .buffer_capacity(64 * 1024)
        .from_writer(w);
    wtr.write_record(headers(opts)).map_err(to_io)?;

    let mut scratch = String::with_capacity(64);
    let mut rows = 0u64;
    // One "now" for the whole file, so the live caveat cannot differ between two rows.
    let now = view::now_ms();
    for m in meetings {
        let v = MeetingView::new(m, now);
        put_text(&mut wtr, &mut scratch, m.room_code.as_deref())?;
        put_text(&mut wtr, &mut scratch, m.title.as_deref())?;
        let status = view_status_word(&v, opts.lang);
        put_text(&mut wtr, &mut scratch, status.as_deref())?;
        let kind = m.biz_type.as_ref().map(|t| biz_type_word(t, opts.lang));
        put_text(&mut wtr, &mut scratch, kind.as_deref())?;

        let start = v.start.and_then(|ms| opts.zone.at_millis(ms));
        let end = v.end.and_then(|ms| opts.zone.at_millis(ms));
        // Generated here from numbers: never starts with a trigger character.
        for t in [&start, &end] {
            scratch.clear();
            if let Some(t) = t {
                push_local(&mut scratch, t);
            }
            wtr.write_field(scratch.as_bytes()).map_err(to_io)?;
        }
        for t in [&start, &end] {
            scratch.clear();
            if let Some(t) = t {
                push_rfc3339(&mut scratch, t);
            }
            wtr.write_field(scratch.as_bytes()).map_err(to_io)?;
        }
        // The one numeric column: not guarded (and never negative).
        scratch.clear();
        if let Some(ms) = v.duration_ms {
            push_minutes(&mut scratch, ms, decimal);
        }
        wtr.write_field(scratch.as_bytes()).map_err(to_io)?;

        put_text(&mut wtr, &mut scratch, m.creator_nick.as_deref())?;
        put_text(&mut wtr, &mut scratch, m.creator_id.as_deref())?;
        put_text(&mut wtr, &mut scratch, m.conference_id.as_deref())?;
        put_text(&mut wtr, &mut scratch, m.schedule_conference_id.as_deref())?;
        put_text(&mut wtr, &mut scratch, m.external_link_url.as_deref())?;
        wtr.write_record(None::<&[u8]>).map_err(to_io)?;
        rows += 1;
    }
    wtr.flush()?;
    Ok(rows)
}

/// What an export wrote. Serialises as `{ path, count, bytes }` (the window's toast reads
/// `count` and `path`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportSummary {
    /// The file written (as given).
    pub path: PathBuf,
    /// Meeting rows written (the header not counted).
    pub count: u64,
    /// Size of the file in bytes.
    pub bytes: u64,
}

/// Write `meetings` as CSV to `path` atomically (see the module docs). Errors are kind `io`,
/// with a message naming the path and what went wrong.
pub fn export_atomic(
    path: &Path,
    meetings: &[Meeting],
    opts: &ExportOptions,
) -> Result<ExportSummary, AppError> {
    export_with(path, |w| write_csv(w, meetings, opts))
}

/// Write a file atomically with `write` producing its contents; `write` returns the number of
/// rows (reported as [`ExportSummary::count`]). The temporary file lives beside `path` (same
/// file system, so the final rename is atomic) and is removed on any failure; an existing file
/// at `path` is replaced only once the new contents are complete and synced to disk.
pub fn export_with<F>(path: &Path, write: F) -> Result<ExportSummary, AppError>
where
    F: FnOnce(&mut dyn Write) -> io::Result<u64>,
{
    export_with_send(path, |w| write(w))
}

/// [`export_with`] for a writer that must be `Send`: rust_xlsxwriter's `save_to_writer` asks for
/// `Write + Send` (it needs no `Seek`), which a `&mut dyn Write` is not. Same rules, same file.
pub fn export_with_send<F>(path: &Path, write: F) -> Result<ExportSummary, AppError>
where
    F: FnOnce(&mut (dyn Write + Send)) -> io::Result<u64>,
{
    let shown = path.display();
    if path.file_name().is_none() {
        return Err(AppError::new(
            "io",
            format!("could not export to {shown}: this is not a file name"),
        ));
    }
    match Target::of(path) {
        Target::Missing | Target::File => {}
        Target::Stream => return write_direct(path, write),
        Target::Folder => {
            return Err(AppError::new(
                "io",
                format!("could not export to {shown}: a folder of that name exists"),
            ))
        }
        Target::Link(to) => {
            return Err(AppError::new(
                "io",
                format!(
                    "could not export to {shown}: it is a symbolic link (to {}), and MeetDesk does not write through links; give the real path instead",
                    to.display()
                ),
            ))
        }
        Target::ReadOnly => {
            return Err(AppError::new(
                "io",
                format!(
                    "could not export to {shown}: the file is read-only; choose another name, or make it writable first"
                ),
            ))
        }
        Target::Other => {
            return Err(AppError::new(
                "io",
                format!("could not export to {shown}: it is not an ordinary file"),
            ))
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    remove_stale_temp_files(dir);

    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    #[cfg(unix)]
    {
        // NamedTempFile defaults to 0600; an export is an ordinary document (the umask applies).
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| {
        AppError::io(
            &format!(
                "could not export to {shown}: cannot create a file in the folder {}",
                dir.display()
            ),
            e,
        )
    })?;

    let written = (|| -> io::Result<u64> {
        let mut buf = BufWriter::with_capacity(64 * 1024, tmp.as_file_mut());
        let rows = write(&mut buf)?;
        buf.flush()?;
        drop(buf);
        tmp.as_file().sync_all()?;
        Ok(rows)
    })();
    // On error `tmp` is dropped here, which deletes the temporary file.
    let count = written.map_err(|e| AppError::io(&format!("could not write {shown}"), e))?;
    let bytes = tmp.as_file().metadata().map(|m| m.len()).unwrap_or(0);

    // Replacing a file keeps its permissions (a user who made it private keeps it private).
    if let Ok(meta) = fs::metadata(path) {
        let _ = fs::set_permissions(tmp.path(), meta.permissions());
    }

    tmp.persist(path).map_err(|e| {
        // `e.file` is dropped with `e`, deleting the temporary file.
        let hint = if cfg!(windows) && e.error.kind() == io::ErrorKind::PermissionDenied {
            " (is the file open in Excel or another program? Close it and try again)"
        } else {
            ""
        };
        AppError::io(&format!("could not save {shown}{hint}"), &e.error)
    })?;

    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        // Make the rename itself durable; best effort (some file systems refuse).
        let _ = d.sync_all();
    }

    Ok(ExportSummary {
        path: path.to_path_buf(),
        count,
        bytes,
    })
}

/// Prefix and suffix of the temporary file beside the target.
const TEMP_PREFIX: &str = ".meetdesk-export-";
const TEMP_SUFFIX: &str = ".tmp";

/// Age after which a temporary export file is taken as left behind by an export that was killed
/// (power cut, `kill -9`): one hour. A live export writes its file in seconds (100,000 meetings
/// in well under one, see benches/export.rs), so an hour never removes one still being written,
/// even by a second MeetDesk exporting into the same folder.
pub const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes `.meetdesk-export-*.tmp` files older than [`STALE_TEMP_AGE`] in `dir`. Best effort:
/// a file that cannot be read or removed is left alone, and never stops the export. Only plain
/// files are removed (not a link or folder of that name).
pub fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE_TEMP_AGE);
        if meta.is_file() && old {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// What is at an export's target path, for deciding how (and whether) to write it.
enum Target {
    Missing,
    /// A regular file we may replace.
    File,
    /// A character device (`/dev/null`, a terminal) or a FIFO, or a link to one: written in
    /// place, as a rename would replace the device node instead of writing to it.
    Stream,
    Folder,
    /// A symbolic link to something else (or to nothing): refused. Replacing it by a rename
    /// would turn the link into a file, not write where it points; following it would let a link
    /// planted in a shared folder aim the export at any file the user can write.
    Link(PathBuf),
    /// An existing file the user may not write (no write permission, or a read-only mode even
    /// for root): refused, as a rename would replace it regardless.
    ReadOnly,
    /// A socket, a block device.
    Other,
}

impl Target {
    fn of(path: &Path) -> Target {
        let Ok(meta) = fs::symlink_metadata(path) else {
            return Target::Missing;
        };
        if meta.file_type().is_symlink() {
            return match fs::metadata(path) {
                Ok(t) if is_stream(&t.file_type()) => Target::Stream,
                _ => Target::Link(fs::read_link(path).unwrap_or_default()),
            };
        }
        let ft = meta.file_type();
        if is_stream(&ft) {
            Target::Stream
        } else if ft.is_dir() {
            Target::Folder
        } else if !ft.is_file() {
            Target::Other
        } else if meta.permissions().readonly()
            // Unix only: on Windows a file open in Excel fails the same probe, and its own
            // message (see `export_with`) says so better.
            || cfg!(unix) && fs::OpenOptions::new()
                .write(true)
                .open(path)
                .is_err_and(|e| e.kind() == io::ErrorKind::PermissionDenied)
        {
            Target::ReadOnly
        } else {
            Target::File
        }
    }
}

#[cfg(unix)]
fn is_stream(ft: &fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    ft.is_char_device() || ft.is_fifo()
}

#[cfg(not(unix))]
fn is_stream(_: &fs::FileType) -> bool {
    false
}

/// Counts the bytes that pass through, for [`ExportSummary::bytes`] when there is no file to ask.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes = self.bytes.saturating_add(n as u64);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a device or FIFO in place: there is nothing to keep intact, and no folder to put a
/// temporary file in (`/dev`).
fn write_direct<F>(path: &Path, write: F) -> Result<ExportSummary, AppError>
where
    F: FnOnce(&mut (dyn Write + Send)) -> io::Result<u64>,
{
    let shown = path.display();
    let file = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| AppError::io(&format!("could not open {shown} for writing"), e))?;
    let mut out = Counting {
        inner: BufWriter::with_capacity(64 * 1024, file),
        bytes: 0,
    };
    let count = write(&mut out)
        .and_then(|n| out.flush().map(|_| n))
        .map_err(|e| AppError::io(&format!("could not write {shown}"), e))?;
    Ok(ExportSummary {
        path: path.to_path_buf(),
        count,
        bytes: out.bytes,
    })
}

/// The file name the save dialog and the CLI suggest: `meetings-427233559-2026-11-26.csv`.
pub fn default_file_name(room: &RoomCode, date: NaiveDate) -> String {
    format!("meetings-{}-{}.csv", room.as_str(), date.format("%Y-%m-%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plus8() -> ExportZone {
        ExportZone::Fixed(FixedOffset::east_opt(8 * 3600).unwrap())
    }

    #[test]
    fn guard_rules() {
        for s in [
            "=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "\nx", "\0x", "＝1+1", "＋1", "－2",
            "＠x",
        ] {
            assert!(needs_formula_guard(s), "{s:?}");
        }
        for s in [
            "",
            "427233559",
            "83872212345",
            "Weekly sync",
            " =1",
            "张伟",
            "'x",
            "1-2",
            "a=b",
        ] {
            assert!(!needs_formula_guard(s), "{s:?}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration_minutes(0, '.'), "0.0");
        assert_eq!(
            duration_minutes(1_000_000, '.'),
            "16.6",
            "16 min 40 s, truncated"
        );
        assert_eq!(duration_minutes(20 * 60_000, '.'), "20.0");
        assert_eq!(duration_minutes(2_999, '.'), "0.0");
        assert_eq!(duration_minutes(5_999, '.'), "0.0", "truncated");
        assert_eq!(duration_minutes(6_000, '.'), "0.1");
        assert_eq!(duration_minutes(12 * 60_000 + 59_000, '.'), "12.9");
        assert_eq!(duration_minutes(1_000_000, ','), "16,6");
        assert!(duration_minutes(i64::MAX, '.').len() > 10, "no overflow");
    }

    #[test]
    fn offsets_parse_and_print() {
        let p = |s| ExportZone::parse_offset(s).map(|o| o.local_minus_utc());
        assert_eq!(p("+08:00"), Ok(8 * 3600));
        assert_eq!(p("-05:00"), Ok(-5 * 3600));
        assert_eq!(p("+0530"), Ok(5 * 3600 + 1800));
        assert_eq!(p("+8"), Ok(8 * 3600));
        assert_eq!(p("UTC+08:00"), Ok(8 * 3600));
        assert_eq!(p("Z"), Ok(0));
        assert_eq!(p("\u{2212}05:00"), Ok(-5 * 3600));
        for bad in [
            "",
            "8",
            "+",
            "+25:00",
            "+08:60",
            "+08:0x",
            "Asia/Shanghai",
            "+123:00",
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
        assert_eq!(plus8().label(), "UTC+08:00");
        assert_eq!(
            ExportZone::Fixed(FixedOffset::west_opt(5 * 3600).unwrap()).label(),
            "UTC-05:00"
        );
        assert_eq!(
            ExportZone::Fixed(FixedOffset::east_opt(0).unwrap()).label(),
            "UTC+00:00"
        );
    }

    #[test]
    fn times_in_a_zone() {
        // 2026-11-26T01:30:00Z
        let ms = 1_795_656_600_000;
        let t = plus8().at_millis(ms).unwrap();
        let (mut a, mut b) = (String::new(), String::new());
        push_local(&mut a, &t);
        push_rfc3339(&mut b, &t);
        assert_eq!(a, "2026-11-26 09:30:00");
        assert_eq!(b, "2026-11-26T09:30:00+08:00");
        assert_eq!(b, t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
        // Milliseconds are cut, not rounded, in both columns (also before 1970).
        let t = plus8().at_millis(-1).unwrap();
        let mut c = String::new();
        push_local(&mut c, &t);
        assert_eq!(c, "1970-01-01 07:59:59");
        assert!(plus8().at_millis(i64::MAX).is_none());
        assert!(
            plus8().at_millis(300_000_000_000_000).is_none(),
            "year > 9999"
        );
    }

    #[test]
    fn hand_rolled_formatting_matches_chrono() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for i in 0..20_000 {
            // xorshift: timestamps from year 1 to 9999, offsets from -14:00 to +14:00.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ms = (x % 315_000_000_000_000) as i64 - 62_000_000_000_000;
            let off = FixedOffset::east_opt(((x >> 40) % 1681) as i32 * 60 - 50_400).unwrap();
            let Some(t) = ExportZone::Fixed(off).at_millis(ms) else {
                continue;
            };
            let (mut a, mut b) = (String::new(), String::new());
            push_local(&mut a, &t);
            push_rfc3339(&mut b, &t);
            assert_eq!(
                a,
                t.format("%Y-%m-%d %H:%M:%S").to_string(),
                "{i}: {ms} {off}"
            );
            assert_eq!(
                b,
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                "{i}: {ms} {off}"
            );
        }
        let mut s = String::new();
        push_uint(&mut s, u64::MAX);
        assert_eq!(s, u64::MAX.to_string());
    }

    #[test]
    fn words() {
        assert_eq!(status_word(Status::Ended, Lang::En), "Ended");
        assert_eq!(status_word(Status::Unknown(7), Lang::ZhCn), "未知 (7)");
        assert_eq!(
            biz_type_word(&BizType::Unknown("video_x".into()), Lang::En),
            "Unknown (video_x)"
        );
        assert_eq!(biz_type_word(&BizType::Audio, Lang::ZhCn), "语音会议");
    }

    #[test]
    fn settings_make_options() {
        let o = ExportOptions::from_settings(Lang::ZhCn, false, ";").unwrap();
        assert_eq!(
            (o.lang, o.bom, o.delimiter, o.zone),
            (Lang::ZhCn, false, b';', ExportZone::Local)
        );
        let e = ExportOptions::from_settings(Lang::En, true, "|").unwrap_err();
        assert_eq!(
            (e.kind, e.field.as_deref()),
            ("invalidSetting", Some("csvDelimiter"))
        );
    }

    #[test]
    fn bad_delimiter_is_refused_before_writing() {
        let mut out = Vec::new();
        let opts = ExportOptions {
            delimiter: b'"',
            ..Default::default()
        };
        let e = write_csv(&mut out, &[], &opts).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(out.is_empty());
    }

    #[test]
    fn file_name() {
        let rc = RoomCode::parse("427 233 559").unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(
            default_file_name(&rc, d),
            "meetings-427233559-2026-11-26.csv"
        );
    }
}
