//! `meetdesk-cli`: the same lookups as the window, for scripts and terminals.
//!
//! ```text
//! meetdesk-cli query <ROOM_CODE> [--all] [--page-size N] [--format table|json|csv|xlsx] [--output FILE]
//!              [--since DATETIME] [--until DATETIME] [--status S,…] [--type T,…] [--host TEXT] [--title TEXT]
//!              [--base-url URL] [--token T] [--app-key K --app-secret S]
//!              [--suite-key K --suite-secret S --auth-corp-id C --suite-ticket T] [--timeout SECS]
//!              [--lang en|zh-CN] [--no-bom] [--delimiter ,|;] [--utc-offset ±HH:MM] [--width N]
//! ```
//!
//! It is a second face on the same parts as the window: the `dingtalk` crate for the calls
//! (paging, retries, rate limit, token cache) and [`meetdesk_core::export`] for CSV, so
//! `--format csv` writes exactly the bytes the window's "Export CSV…" writes for the same
//! meetings, options and time zone.
//!
//! - Exit codes: 0 success; 1 DingTalk or network failure, or the output could not be written;
//!   2 bad arguments or input (clap's usage errors, an invalid room code — refused before any
//!   request —, missing or conflicting credentials, a bad host URL).
//! - Errors: one line on stderr (`error: DingTalk error InvalidAuthentication (HTTP 400): …
//!   [request id: …]`), then one line of plain-words advice.
//! - Flags beat the environment: `MEETDESK_BASE_URL`, `MEETDESK_ACCESS_TOKEN`, `MEETDESK_APP_KEY`,
//!   `MEETDESK_APP_SECRET` (the window's variables) and `MEETDESK_SUITE_KEY`,
//!   `MEETDESK_SUITE_SECRET`, `MEETDESK_AUTH_CORP_ID`, `MEETDESK_SUITE_TICKET`. Credentials are
//!   chosen as a set: if any credential is given as a flag, only the flagged kind counts
//!   (`--app-key/--app-secret` beat a `MEETDESK_ACCESS_TOKEN` in the environment); among the
//!   environment's, a token wins over an app key and secret, like the window.
//! - Secrets are held as [`Secret`] (prints `***`), are never echoed, and `--help` does not show
//!   the environment's values for them. Prefer the environment to flags for secrets: flags are
//!   visible to other users in the process list.
//! - `--output -` is standard output. Files are written by [`meetdesk_core::export::export_with`]'s
//!   rules: atomically, devices and named pipes in place, symbolic links and read-only files
//!   refused (exit 1).
//! - The table shows each meeting by [`meetdesk_core::view`]'s rule, like the window and the CSV,
//!   one line each (laid out by comfy-table, which measures CJK text as two columns a character),
//!   within `--width`, else `COLUMNS`, else the terminal's width, else 100 columns.
//! - Filters (`--since`, `--until`, `--status`, `--type`, `--host`, `--title`) are applied after
//!   fetching, through [`meetdesk_core::filter`] (the window's filter bar applies the same one):
//!   DingTalk's API has no filter parameters. Bad values exit 2 before any request. When a filter
//!   is given, "37 of 120 meetings match" goes to stderr.
//! - `--format xlsx` writes the window's Excel workbook ([`meetdesk_core::xlsx`]); it needs
//!   `--output FILE` (`-o -` only when standard output is not a terminal).
//! - `--all` fetches every page first (at 100 a page unless `--page-size` is given) and writes
//!   nothing if any page fails. A progress line goes to stderr when it is a terminal.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use comfy_table::{presets, ColumnConstraint, ContentArrangement, Row, Table, Width};
use dingtalk::{
    load_all, BizType, Client, ClientConfig, Credentials, Cursor, Meeting, RoomCode, Secret,
    GLOBAL_BASE_URL, LOAD_ALL_PAGE_SIZE, MAX_PAGE_SIZE,
};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use unicode_width::UnicodeWidthStr;

use meetdesk_core::catalog::Lang;
use meetdesk_core::error::AppError;
use meetdesk_core::export::{
    default_file_name, export_atomic, export_with, parse_delimiter, view_status_word, write_csv,
    ExportOptions, ExportZone,
};
use meetdesk_core::filter::{self, Filter, Matcher};
use meetdesk_core::view::{self, DurationParts, MeetingRow, MeetingView, ViewStatus};
use meetdesk_core::xlsx;

/// Success.
pub const EXIT_OK: i32 = 0;
/// DingTalk or the network failed, or the output could not be written.
pub const EXIT_FAILURE: i32 = 1;
/// Bad arguments or input; nothing was sent.
pub const EXIT_USAGE: i32 = 2;

/// Page size without `--all` and without `--page-size` (the window's default too).
pub const DEFAULT_PAGE_SIZE: u32 = 20;

#[derive(Debug, Parser)]
#[command(
    name = "meetdesk-cli",
    version,
    about = "Look up DingTalk video meetings by meeting room code",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the meetings held under a meeting room code.
    Query(QueryArgs),
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An aligned table for a terminal.
    Table,
    /// DingTalk's own JSON field names; pages concatenated.
    Json,
    /// The same CSV as the window's "Export CSV…".
    Csv,
    /// The window's Excel workbook (Meetings and Summary sheets); needs --output FILE.
    Xlsx,
}

/// `--status`: the view's statuses, as the window names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Live,
    NotStarted,
    Ended,
    Unknown,
}

impl From<StatusArg> for ViewStatus {
    fn from(s: StatusArg) -> ViewStatus {
        match s {
            StatusArg::Live => ViewStatus::Live,
            StatusArg::NotStarted => ViewStatus::NotStarted,
            StatusArg::Ended => ViewStatus::Ended,
            StatusArg::Unknown => ViewStatus::Unknown,
        }
    }
}

/// `--type`: the meeting types' keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TypeArg {
    Instant,
    Booked,
    Audio,
    Unknown,
}

impl TypeArg {
    fn key(self) -> &'static str {
        match self {
            TypeArg::Instant => BizType::Instant.key(),
            TypeArg::Booked => BizType::Booked.key(),
            TypeArg::Audio => BizType::Audio.key(),
            TypeArg::Unknown => BizType::Unknown(String::new()).key(),
        }
    }
}

/// The heading of the filter flags in --help, which says when they apply.
const FILTERS: &str =
    "Filters (applied after fetching: DingTalk's API has none; add --all to filter every page)";

/// `--lang`: the catalog's languages, spelt as before (`en`, `zh-CN`, and `zh` for short).
fn lang_parser() -> impl clap::builder::TypedValueParser<Value = Lang> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("en").help("English"),
        PossibleValue::new("zh-CN")
            .alias("zh")
            .help("Simplified Chinese"),
    ])
    .map(|tag| Lang::from_tag(&tag).unwrap_or_default())
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The meeting room code, e.g. 427233559 or "4272 3355 9" (spaces and dashes are ignored).
    #[arg(value_name = "ROOM_CODE", value_parser = parse_room)]
    pub room: RoomCode,

    /// Follow every page (100 meetings a page unless --page-size is given).
    #[arg(long)]
    pub all: bool,

    /// Meetings per page, 1 to 500 [default: 20; 100 with --all].
    #[arg(long, value_name = "N", value_parser = parse_page_size)]
    pub page_size: Option<u32>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write to FILE instead of standard output ("-" is standard output), atomically: a failure
    /// leaves an existing file untouched. A folder gets the default name
    /// (meetings-<ROOM>-<DATE>.csv, or .xlsx, .json, .txt by --format). Devices and named pipes are written in place; a symbolic
    /// link or a read-only file is refused.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// DingTalk API host: https://api.dingtalk.io (global) or https://api.dingtalk.com (mainland
    /// China), or your organisation's own.
    #[arg(long, value_name = "URL", env = "MEETDESK_BASE_URL", default_value = GLOBAL_BASE_URL)]
    pub base_url: String,

    /// An access token to use as is.
    #[arg(long, value_name = "T", env = "MEETDESK_ACCESS_TOKEN", hide_env_values = true, value_parser = parse_secret)]
    pub token: Option<Secret>,

    /// Internal app: app key (client id).
    #[arg(long, value_name = "K", env = "MEETDESK_APP_KEY")]
    pub app_key: Option<String>,

    /// Internal app: app secret.
    #[arg(long, value_name = "S", env = "MEETDESK_APP_SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub app_secret: Option<Secret>,

    /// Third-party app: suite key.
    #[arg(long, value_name = "K", env = "MEETDESK_SUITE_KEY")]
    pub suite_key: Option<String>,

    /// Third-party app: suite secret.
    #[arg(long, value_name = "S", env = "MEETDESK_SUITE_SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub suite_secret: Option<Secret>,

    /// Third-party app: the authorised organisation's corp id.
    #[arg(long, value_name = "C", env = "MEETDESK_AUTH_CORP_ID")]
    pub auth_corp_id: Option<String>,

    /// Third-party app: the latest suite ticket.
    #[arg(long, value_name = "T", env = "MEETDESK_SUITE_TICKET", hide_env_values = true, value_parser = parse_secret)]
    pub suite_ticket: Option<Secret>,

    /// Seconds one page may take, retries included; then the query fails with a timeout.
    #[arg(long, value_name = "SECS", default_value_t = dingtalk::DEFAULT_REQUEST_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,

    /// Language of the table, CSV headers and advice.
    #[arg(long, default_value = "en", value_parser = lang_parser())]
    pub lang: Lang,

    /// CSV: leave out the UTF-8 byte-order mark (Excel needs it to read Chinese correctly).
    #[arg(long)]
    pub no_bom: bool,

    /// CSV: field separator, "," or ";" (";" also writes durations with a decimal comma).
    #[arg(long, value_name = ",|;", default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,

    /// Show times at this UTC offset (e.g. +08:00, -05:00) instead of this computer's time zone.
    #[arg(long, value_name = "±HH:MM", allow_hyphen_values = true, value_parser = ExportZone::parse_offset)]
    pub utc_offset: Option<chrono::FixedOffset>,

    /// Meetings starting at or after DATETIME: 2026-11-30, 2026-11-30T09:00, "2026-11-30 09:00",
    /// 2026-11-30T09:00:00+08:00 or ...Z. Local time (or --utc-offset) unless an offset is given;
    /// a date alone is its midnight.
    #[arg(long, value_name = "DATETIME", help_heading = FILTERS)]
    pub since: Option<String>,

    /// Meetings starting before DATETIME (exclusive); written as for --since.
    #[arg(long, value_name = "DATETIME", help_heading = FILTERS)]
    pub until: Option<String>,

    /// Only meetings with this status; repeat it or separate with commas (live,ended).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STATUS", help_heading = FILTERS)]
    pub status: Vec<StatusArg>,

    /// Only meetings of this type; repeat it or separate with commas (booked,audio).
    #[arg(long = "type", value_enum, value_delimiter = ',', value_name = "TYPE", help_heading = FILTERS)]
    pub meeting_type: Vec<TypeArg>,

    /// Only meetings whose host's name contains TEXT (ignoring case).
    #[arg(long, value_name = "TEXT", help_heading = FILTERS)]
    pub host: Option<String>,

    /// Only meetings whose title contains TEXT (ignoring case).
    #[arg(long, value_name = "TEXT", help_heading = FILTERS)]
    pub title: Option<String>,

    /// Table: fit it in N columns, cutting long titles and hosts with "…"; 0 for no limit
    /// [default: $COLUMNS, else the terminal's width, else 100 when not a terminal].
    #[arg(long, value_name = "N", value_parser = parse_width)]
    pub width: Option<u16>,
}

fn parse_room(s: &str) -> Result<RoomCode, String> {
    RoomCode::parse(s).map_err(|e| e.message().unwrap_or("not a meeting code").to_owned())
}

fn parse_secret(s: &str) -> Result<Secret, String> {
    Ok(Secret::new(s))
}

fn parse_page_size(s: &str) -> Result<u32, String> {
    let n: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number: give a page size from 1 to 500"))?;
    if n == 0 {
        return Err("the page size must be at least 1".into());
    }
    if n > u64::from(MAX_PAGE_SIZE) {
        return Err(format!(
            "{n} is too large: DingTalk returns at most {MAX_PAGE_SIZE} meetings per page (20 to 100 is recommended; use --all to load every page)"
        ));
    }
    Ok(n as u32)
}

/// Any whole number; one wider than any terminal (over 65535) counts as 65535.
fn parse_width(s: &str) -> Result<u16, String> {
    let n: u64 = s.trim().parse().map_err(|_| {
        format!("{s:?} is not a number: give a width in columns, or 0 for no limit")
    })?;
    Ok(u16::try_from(n).unwrap_or(u16::MAX))
}

/// Run the CLI with the process's arguments; returns the exit code.
pub fn run_from_env() -> i32 {
    run(std::env::args_os())
}

/// Run the CLI with these arguments (the first is the program name); returns the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = match Cli::command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors to stderr with 2.
            let _ = e.print();
            return e.exit_code();
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return EXIT_USAGE;
        }
    };
    match cli.command {
        Command::Query(args) => {
            let sub = matches
                .subcommand_matches("query")
                .expect("query was matched");
            query(&args, sub)
        }
    }
}

fn usage_error(message: &str, lang: Lang) -> i32 {
    eprintln!("error: {message}");
    eprintln!(
        "{}",
        lang.fill("cli.moreInfo", &[("command", &"meetdesk-cli query --help")])
    );
    EXIT_USAGE
}

/// The credentials to use, by the rules in the module docs.
pub fn credentials(args: &QueryArgs, m: &ArgMatches) -> Result<Credentials, String> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Kind {
        Token,
        App,
        Suite,
    }
    let groups: [(Kind, &[&str]); 3] = [
        (Kind::Token, &["token"]),
        (Kind::App, &["app_key", "app_secret"]),
        (
            Kind::Suite,
            &["suite_key", "suite_secret", "auth_corp_id", "suite_ticket"],
        ),
    ];
    let non_empty = |id: &str| match id {
        "token" => args.token.as_ref().is_some_and(|s| !s.is_empty()),
        "app_key" => args
            .app_key
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty()),
        "app_secret" => args.app_secret.as_ref().is_some_and(|s| !s.is_empty()),
        "suite_key" => args
            .suite_key
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty()),
        "suite_secret" => args.suite_secret.as_ref().is_some_and(|s| !s.is_empty()),
        "auth_corp_id" => args
            .auth_corp_id
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty()),
        "suite_ticket" => args.suite_ticket.as_ref().is_some_and(|s| !s.is_empty()),
        _ => false,
    };
    // A flag counts even when empty (so `--token ""` is reported); an environment variable that
    // is set but empty counts as unset, as in the window.
    let from_cli = |id: &str| m.value_source(id) == Some(ValueSource::CommandLine);
    let present = |id: &str| m.value_source(id).is_some() && non_empty(id);
    let on_cli: Vec<Kind> = groups
        .iter()
        .filter(|(_, ids)| ids.iter().any(|i| from_cli(i)))
        .map(|g| g.0)
        .collect();
    let kind = if !on_cli.is_empty() {
        if on_cli.len() > 1 {
            return Err(args.lang.text("cli.credentials.oneKind").to_owned());
        }
        on_cli[0]
    } else {
        // From the environment: token first, like the window.
        match groups
            .iter()
            .find(|(_, ids)| ids.iter().any(|i| present(i)))
        {
            Some(g) => g.0,
            None => {
                return Err(args.lang.fill(
                    "cli.credentials.none",
                    &[
                        ("tokenEnv", &"MEETDESK_ACCESS_TOKEN"),
                        ("keyEnv", &"MEETDESK_APP_KEY"),
                        ("secretEnv", &"MEETDESK_APP_SECRET"),
                    ],
                ))
            }
        }
    };
    let missing = |flag: &str, env: &str| {
        Err(args
            .lang
            .fill("cli.credentials.missing", &[("flag", &flag), ("env", &env)]))
    };
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let secret = |v: &Option<Secret>| v.clone().filter(|s| !s.is_empty());
    Ok(match kind {
        Kind::Token => match secret(&args.token) {
            Some(t) => Credentials::AccessToken(Secret::new(t.expose().trim())),
            None => return missing("--token", "MEETDESK_ACCESS_TOKEN"),
        },
        Kind::App => {
            let Some(app_key) = text(&args.app_key) else {
                return missing("--app-key", "MEETDESK_APP_KEY");
            };
            let Some(app_secret) = secret(&args.app_secret) else {
                return missing("--app-secret", "MEETDESK_APP_SECRET");
            };
            Credentials::InternalApp {
                app_key,
                app_secret,
            }
        }
        Kind::Suite => {
            let Some(suite_key) = text(&args.suite_key) else {
                return missing("--suite-key", "MEETDESK_SUITE_KEY");
            };
            let Some(suite_secret) = secret(&args.suite_secret) else {
                return missing("--suite-secret", "MEETDESK_SUITE_SECRET");
            };
            let Some(auth_corp_id) = text(&args.auth_corp_id) else {
                return missing("--auth-corp-id", "MEETDESK_AUTH_CORP_ID");
            };
            let Some(suite_ticket) = secret(&args.suite_ticket) else {
                return missing("--suite-ticket", "MEETDESK_SUITE_TICKET");
            };
            Credentials::ThirdParty {
                suite_key,
                suite_secret,
                auth_corp_id,
                suite_ticket,
            }
        }
    })
}

/// What came back from DingTalk.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub meetings: Vec<Meeting>,
    pub total_count: Option<u64>,
    pub has_more: bool,
    pub next_token: Option<String>,
}

/// The filter of the command line, checked (`Err`: the message for exit 2).
pub fn matcher(args: &QueryArgs) -> Result<Option<Matcher>, String> {
    let zone = export_options(args).zone;
    let bound = |flag: &str, v: &Option<String>| -> Result<Option<i64>, String> {
        v.as_deref()
            .map(|s| filter::parse_bound(s, &zone).map_err(|e| format!("{flag}: {e}")))
            .transpose()
    };
    let f = Filter {
        title: args.title.clone().unwrap_or_default(),
        host: args.host.clone().unwrap_or_default(),
        statuses: args.status.iter().map(|s| ViewStatus::from(*s)).collect(),
        types: args
            .meeting_type
            .iter()
            .map(|t| t.key().to_owned())
            .collect(),
        since: bound("--since", &args.since)?,
        until: bound("--until", &args.until)?,
        ..Filter::default()
    };
    // A flag given empty (`--host ""`) is a mistake worth saying, not a filter of everything.
    for (flag, v) in [("--host", &args.host), ("--title", &args.title)] {
        if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
            return Err(format!(
                "{flag} is empty: give the text to look for, or leave {flag} out"
            ));
        }
    }
    if f.is_empty() {
        return Ok(None);
    }
    f.compile().map(Some).map_err(|e| match e.field {
        "until" => format!(
            "--until must be after --since ({} is not after {}): swap them or widen the range",
            args.until.as_deref().unwrap_or(""),
            args.since.as_deref().unwrap_or("")
        ),
        field => format!("--{field}: {}", e.message),
    })
}

/// Keeps the meetings `m` shows; the line "37 of 120 meetings match" on stderr.
fn apply_filter(m: &Matcher, f: &mut Fetched, lang: Lang) {
    let now = view::now_ms();
    let total = f.meetings.len() as u64;
    f.meetings
        .retain(|x| m.matches(x, &MeetingView::new(x, now)));
    eprintln!(
        "{}",
        lang.plural("cli.matched", f.meetings.len() as u64, &[("total", &total)])
    );
}

fn query(args: &QueryArgs, m: &ArgMatches) -> i32 {
    let lang = args.lang;
    let matcher = match matcher(args) {
        Ok(m) => m,
        Err(msg) => return usage_error(&msg, lang),
    };
    if args.format == Format::Xlsx {
        let to_stdout = args.output.as_deref().is_none_or(|p| p == Path::new("-"));
        if args.output.is_none() || to_stdout && io::stdout().is_terminal() {
            return usage_error(lang.text("cli.xlsxNeedsOutput"), lang);
        }
    }
    let creds = match credentials(args, m) {
        Ok(c) => c,
        Err(msg) => return usage_error(&msg, lang),
    };
    // An empty MEETDESK_BASE_URL counts as unset.
    let base_url = match args.base_url.trim() {
        "" => GLOBAL_BASE_URL,
        url => url,
    };
    let client = match ClientConfig::new(base_url).and_then(|mut config| {
        config.request_timeout = Duration::from_secs(args.timeout);
        config.connect_timeout = config.connect_timeout.min(config.request_timeout);
        Client::new(config, creds)
    }) {
        Ok(c) => c,
        Err(e) => return usage_error(e.message().unwrap_or(lang.text("error.config.title")), lang),
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!(
                "error: {}",
                lang.fill("cli.couldNotStart", &[("detail", &e)])
            );
            return EXIT_FAILURE;
        }
    };
    let mut fetched = match rt.block_on(fetch(&client, args)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("hint: {}", lang.cli_advice(e.kind().as_str()));
            return EXIT_FAILURE;
        }
    };
    drop(rt);
    if let Some(m) = &matcher {
        apply_filter(m, &mut fetched, lang);
    }
    match write_output(args, &fetched) {
        Ok(()) => EXIT_OK,
        Err(Output::BrokenPipe) => EXIT_OK,
        Err(Output::Failed(e)) => {
            eprintln!("error: {}", e.message);
            EXIT_FAILURE
        }
    }
}

async fn fetch(client: &Client, args: &QueryArgs) -> Result<Fetched, dingtalk::Error> {
    if !args.all {
        let mut cursor = Cursor::new(
            args.room.clone(),
            args.page_size.unwrap_or(DEFAULT_PAGE_SIZE),
        );
        let page = cursor.next_page(client).await?;
        return Ok(match page {
            Some(p) => Fetched {
                total_count: p.total_count.or(cursor.total_count()),
                has_more: p.has_more,
                next_token: p.next_token.clone(),
                meetings: p.items,
            },
            None => Fetched::default(),
        });
    }
    let mut cursor = match args.page_size {
        Some(n) => Cursor::new(args.room.clone(), n),
        None => Cursor::for_load_all(args.room.clone()),
    };
    debug_assert!(args.page_size.is_some() || cursor.page_size() == LOAD_ALL_PAGE_SIZE);
    let mut progress = ProgressLine::new(io::stderr().is_terminal(), args.lang);
    let mut out = Fetched::default();
    // Ctrl-C ends the process (nothing is written before every page is in); no token needed.
    let never = CancellationToken::new();
    let result = load_all(client, &mut cursor, &never, |page, p| {
        out.meetings.extend(page.items.iter().cloned());
        out.has_more = page.has_more;
        out.next_token = page.next_token.clone();
        progress.show(p.loaded, p.total, p.pages);
    })
    .await;
    progress.clear();
    result?;
    out.total_count = cursor.total_count();
    Ok(out)
}

/// A `\r`-rewritten progress line on stderr (only when it is a terminal).
struct ProgressLine {
    on: bool,
    lang: Lang,
    last_len: usize,
}

impl ProgressLine {
    fn new(on: bool, lang: Lang) -> Self {
        ProgressLine {
            on,
            lang,
            last_len: 0,
        }
    }

    fn show(&mut self, loaded: u64, total: Option<u64>, pages: u32) {
        if !self.on {
            return;
        }
        let line = match total {
            Some(t) => self.lang.fill(
                "cli.progressOf",
                &[("loaded", &loaded), ("total", &t), ("pages", &pages)],
            ),
            None => self
                .lang
                .fill("cli.progress", &[("loaded", &loaded), ("pages", &pages)]),
        };
        let width = line.width();
        let pad = self.last_len.saturating_sub(width);
        let mut err = io::stderr().lock();
        let _ = write!(err, "\r{line}{}", " ".repeat(pad));
        let _ = err.flush();
        self.last_len = width;
    }

    fn clear(&mut self) {
        if self.on && self.last_len > 0 {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r{}\r", " ".repeat(self.last_len));
            let _ = err.flush();
        }
        self.last_len = 0;
    }
}

enum Output {
    BrokenPipe,
    Failed(AppError),
}

fn export_options(args: &QueryArgs) -> ExportOptions {
    ExportOptions {
        lang: args.lang,
        bom: !args.no_bom,
        delimiter: args.delimiter,
        zone: args
            .utc_offset
            .map(ExportZone::Fixed)
            .unwrap_or(ExportZone::Local),
    }
}

fn write_output(args: &QueryArgs, f: &Fetched) -> Result<(), Output> {
    let opts = export_options(args);
    let lang = opts.lang;
    let render = |w: &mut dyn Write| -> io::Result<u64> {
        match args.format {
            Format::Csv => write_csv(w, &f.meetings, &opts),
            // Reached for `-o -` only (a file goes through `xlsx::export_atomic` below).
            Format::Xlsx => write_xlsx_to(w, f, &opts),
            Format::Json => write_json(w, &args.room, f),
            Format::Table => write_table(w, &args.room, f, &opts, table_width(args.width)),
        }
    };
    // `-o -` is standard output, as for most tools (a file really named "-" is `-o ./-`).
    match args.output.as_deref().filter(|p| *p != Path::new("-")) {
        None => {
            let stdout = io::stdout();
            let mut lock = io::BufWriter::new(stdout.lock());
            render(&mut lock).and_then(|_| lock.flush()).map_err(|e| {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    Output::BrokenPipe
                } else {
                    Output::Failed(AppError::io(args.lang.text("cli.stdoutFailed"), e))
                }
            })
        }
        Some(path) => {
            let path = output_path(path, &args.room, args.format, &opts);
            let summary = match args.format {
                Format::Csv => export_atomic(&path, &f.meetings, &opts),
                Format::Xlsx => {
                    let rows = meeting_rows(f);
                    let refs: Vec<&MeetingRow> = rows.iter().collect();
                    xlsx::export_atomic(&path, &refs, &opts)
                }
                _ => export_with(&path, render),
            }
            .map_err(Output::Failed)?;
            eprintln!(
                "{}",
                lang.plural("cli.wrote", summary.count, &[("path", &path.display())])
            );
            Ok(())
        }
    }
}

/// `--output DIR` → `DIR/meetings-<ROOM>-<DATE>.<csv|json|txt>` (the date in the export's zone).
fn output_path(path: &Path, room: &RoomCode, format: Format, opts: &ExportOptions) -> PathBuf {
    if !path.is_dir() {
        return path.to_path_buf();
    }
    let now = chrono::Utc::now();
    let today = now.with_timezone(&opts.zone.offset_at(&now)).date_naive();
    let name = PathBuf::from(default_file_name(room, today));
    let name = match format {
        Format::Csv => name,
        Format::Xlsx => PathBuf::from(xlsx::default_file_name(room, today)),
        Format::Json => name.with_extension("json"),
        Format::Table => name.with_extension("txt"),
    };
    path.join(name)
}

fn meeting_rows(f: &Fetched) -> Vec<MeetingRow> {
    let now = view::now_ms();
    f.meetings
        .iter()
        .map(|m| MeetingRow::new(m.clone(), now))
        .collect()
}

/// The workbook to standard output (a pipe or a file by `>`): rust_xlsxwriter needs a `Send`
/// writer, so it goes through a buffer of the whole file (a few MB for 100,000 meetings).
fn write_xlsx_to(w: &mut dyn Write, f: &Fetched, opts: &ExportOptions) -> io::Result<u64> {
    let rows = meeting_rows(f);
    let refs: Vec<&MeetingRow> = rows.iter().collect();
    let mut buf = Vec::new();
    let n = xlsx::write_xlsx(&mut buf, &refs, opts)?;
    w.write_all(&buf)?;
    Ok(n)
}

/// `{"roomCode","totalCount","hasMore","nextToken","conferenceList":[…]}` with DingTalk's own
/// field names for the meetings.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonOut<'a> {
    room_code: &'a str,
    total_count: Option<u64>,
    has_more: bool,
    next_token: Option<&'a str>,
    conference_list: &'a [Meeting],
}

fn write_json(w: &mut dyn Write, room: &RoomCode, f: &Fetched) -> io::Result<u64> {
    let out = JsonOut {
        room_code: room.as_str(),
        total_count: f.total_count,
        has_more: f.has_more,
        next_token: f.next_token.as_deref(),
        conference_list: &f.meetings,
    };
    serde_json::to_writer_pretty(&mut *w, &out).map_err(io::Error::from)?;
    w.write_all(b"\n")?;
    Ok(f.meetings.len() as u64)
}

/// Table width when standard output is not a terminal and nothing else says (a file, a pipe).
pub const DEFAULT_TABLE_WIDTH: u16 = 100;

/// The columns the table may use; `None` is no limit.
fn table_width(flag: Option<u16>) -> Option<u16> {
    let columns = std::env::var("COLUMNS").ok();
    let stdout = io::stdout();
    // Asked of standard output itself: with `> file` the table goes to no terminal, even when
    // stderr still is one.
    let terminal = stdout
        .is_terminal()
        .then(|| terminal_size::terminal_size_of(&stdout))
        .flatten()
        .map(|(w, _)| w.0);
    resolve_width(flag, columns.as_deref(), terminal)
}

/// `--width` (0 = no limit), else `COLUMNS` (shells export it only sometimes; when they do it is
/// the user's word), else the terminal's width, else [`DEFAULT_TABLE_WIDTH`].
fn resolve_width(flag: Option<u16>, columns: Option<&str>, terminal: Option<u16>) -> Option<u16> {
    let columns = columns
        .and_then(|c| c.trim().parse::<u64>().ok())
        .filter(|c| *c > 0)
        .map(|c| u16::try_from(c).unwrap_or(u16::MAX));
    match flag {
        Some(0) => None,
        Some(w) => Some(w),
        None => Some(
            columns
                .or(terminal.filter(|t| *t > 0))
                .unwrap_or(DEFAULT_TABLE_WIDTH),
        ),
    }
}

/// Make text from DingTalk safe to print on a terminal: line breaks and tabs become spaces;
/// other control characters (ESC sequences could recolour or retitle the terminal) and bidi
/// overrides (could reorder what is shown) become U+FFFD.
pub fn terminal_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '\u{FFFD}',
            '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// `16 min`, `1 h 5 min`, `2 h`, `< 1 min` (`16 分钟`, …): the view's parts in the window's words
/// (see [`meetdesk_core::view::DurationParts`]); an unknown duration is an empty cell.
pub fn human_duration(parts: DurationParts, lang: Lang) -> String {
    match parts {
        DurationParts::None => String::new(),
        p => p.text(lang),
    }
}

/// One table row: status, start, end, duration, host, title, by the view's rule.
pub(crate) fn table_cells(m: &Meeting, now_ms: i64, opts: &ExportOptions) -> [String; 6] {
    let lang = opts.lang;
    let v = MeetingView::new(m, now_ms);
    let start = v.start.and_then(|t| opts.zone.at_millis(t));
    let end = v.end.and_then(|t| opts.zone.at_millis(t));
    let start_s = start
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let end_s = match (start, end) {
        (Some(s), Some(e)) if s.date_naive() == e.date_naive() => e.format("%H:%M").to_string(),
        (_, Some(e)) => e.format("%Y-%m-%d %H:%M").to_string(),
        _ => String::new(),
    };
    [
        view_status_word(&v, lang)
            .map(|s| terminal_safe(&s))
            .unwrap_or_default(),
        start_s,
        end_s,
        human_duration(v.duration, lang),
        terminal_safe(m.creator_nick.as_deref().unwrap_or("")),
        terminal_safe(m.title.as_deref().unwrap_or("")),
    ]
}

/// A host wider than this is cut, so the title keeps the room.
const HOST_MAX: u16 = 20;
/// The title keeps at least this much room before the host gives way.
const TITLE_MIN: u16 = 20;
/// Spaces between columns.
const GAP: u16 = 2;

/// The host column: as wide as its widest host up to [`HOST_MAX`], the title taking what is left
/// (comfy-table's even share would cut both). Where that would leave the title less than
/// [`TITLE_MIN`], at most that wide, and the two share the room. No limit, no cut.
fn host_constraint(
    header: &[&str; 6],
    rows: &[[String; 6]],
    width: Option<u16>,
) -> Option<ColumnConstraint> {
    let width = usize::from(width?);
    let widest = |i: usize| {
        rows.iter()
            .map(|r| r[i].width())
            .chain([header[i].width()])
            .max()
            .unwrap_or(0)
    };
    let gap = usize::from(GAP);
    let fixed: usize = (0..4).map(|i| widest(i) + gap).sum();
    let host = widest(4).min(usize::from(HOST_MAX)) + gap;
    // comfy-table's widths include the padding.
    let fixed_width = Width::Fixed(u16::try_from(host).unwrap_or(u16::MAX));
    Some(if fixed + host + usize::from(TITLE_MIN) <= width {
        ColumnConstraint::Absolute(fixed_width)
    } else {
        ColumnConstraint::UpperBoundary(fixed_width)
    })
}

fn one_line(mut row: Row) -> Row {
    row.max_height(1);
    row
}

/// The aligned table (within `width` columns; `None` = no limit), then "N of M meetings" and a
/// hint when more pages exist.
pub(crate) fn write_table(
    w: &mut dyn Write,
    room: &RoomCode,
    f: &Fetched,
    opts: &ExportOptions,
    width: Option<u16>,
) -> io::Result<u64> {
    let lang = opts.lang;
    let header: [&str; 6] = [
        "cli.col.status",
        "cli.col.start",
        "cli.col.end",
        "cli.col.duration",
        "cli.col.host",
        "cli.col.title",
    ]
    .map(|k| lang.text(k));
    let now = view::now_ms();
    let rows: Vec<[String; 6]> = f
        .meetings
        .iter()
        .map(|m| table_cells(m, now, opts))
        .collect();

    if rows.is_empty() {
        writeln!(w, "{}", lang.fill("cli.noMeetings", &[("room", room)]))?;
    } else {
        // No borders (a plain, grep-able layout); one line per meeting, cut with "…" where it
        // does not fit. comfy-table measures by display width, so CJK text counts two columns.
        let mut table = Table::new();
        table
            .load_style(presets::NOTHING)
            .set_truncation_indicator("…")
            .set_header(one_line(Row::from(header)));
        match width {
            Some(w) => table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(w),
            None => table.set_content_arrangement(ContentArrangement::Disabled),
        };
        for r in rows.iter() {
            table.add_row(one_line(Row::from(r.iter())));
        }
        let host = host_constraint(&header, &rows, width);
        for (i, column) in table.column_iter_mut().enumerate() {
            let (gap, constraint) = match i {
                // Status, start, end, duration: never cut (they are short and fixed in form).
                0..=3 => (GAP, Some(ColumnConstraint::ContentWidth)),
                4 => (GAP, host),
                _ => (0, None),
            };
            column.set_padding((0, gap));
            if let Some(c) = constraint {
                column.set_constraint(c);
            }
        }
        for line in table.lines() {
            writeln!(w, "{}", line.trim_end())?;
        }
        writeln!(w)?;
    }

    let shown = rows.len() as u64;
    let total = f.total_count.or((!f.has_more).then_some(shown));
    let count = match total {
        Some(t) => lang.fill("cli.shownOf", &[("shown", &shown), ("total", &t)]),
        None => lang.fill("cli.shown", &[("shown", &shown)]),
    };
    writeln!(w, "{count}")?;
    if f.has_more {
        writeln!(w, "{}", lang.text("cli.morePages"))?;
    }
    Ok(shown)
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<(QueryArgs, ArgMatches), clap::Error> {
        let mut all = vec!["meetdesk-cli", "query"];
        all.extend_from_slice(args);
        let m = Cli::command().try_get_matches_from(all)?;
        let cli = Cli::from_arg_matches(&m)?;
        let Command::Query(q) = cli.command;
        Ok((q, m.subcommand_matches("query").unwrap().clone()))
    }

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let (q, _) = parse(&["427233559"]).unwrap();
        assert_eq!(q.room.as_str(), "427233559");
        assert_eq!(
            (q.all, q.page_size, q.format, q.timeout),
            (false, None, Format::Table, 15)
        );
        assert_eq!(
            (q.delimiter, q.no_bom, q.lang, q.utc_offset),
            (b',', false, Lang::En, None)
        );
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        for args in [
            &["42723355a"][..],
            &["123"],
            &["427233559", "--page-size", "0"],
            &["427233559", "--page-size", "501"],
            &["427233559", "--page-size", "x"],
            &["427233559", "--format", "xml"],
            &["427233559", "--delimiter", "|"],
            &["427233559", "--lang", "fr"],
            &["427233559", "--utc-offset", "+25:00"],
            &["427233559", "--timeout", "0"],
        ] {
            let e = parse(args).map(|_| ()).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{args:?}");
        }
        let e = parse(&["427233559", "--page-size", "501"])
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("at most 500"), "{e}");
        let (q, _) = parse(&[
            "4272 3355 9",
            "--page-size",
            "500",
            "--utc-offset",
            "-05:00",
            "--lang",
            "zh",
        ])
        .unwrap();
        assert_eq!((q.page_size, q.lang), (Some(500), Lang::ZhCn));
        assert_eq!(q.utc_offset.unwrap().local_minus_utc(), -5 * 3600);
        let (q, _) = parse(&["427233559", "--lang", "zh-CN"]).unwrap();
        assert_eq!(q.lang, Lang::ZhCn);
    }

    #[test]
    fn credential_kinds() {
        let (q, m) = parse(&["427233559", "--token", "tok"]).unwrap();
        assert_eq!(
            credentials(&q, &m).unwrap(),
            Credentials::AccessToken(Secret::new("tok"))
        );
        let (q, m) = parse(&["427233559", "--app-key", "k", "--app-secret", "s"]).unwrap();
        assert!(matches!(
            credentials(&q, &m).unwrap(),
            Credentials::InternalApp { .. }
        ));
        let (q, m) = parse(&["427233559", "--app-key", "k"]).unwrap();
        let e = credentials(&q, &m).unwrap_err();
        assert!(e.contains("--app-secret"), "{e}");
        let (q, m) = parse(&[
            "427233559",
            "--token",
            "t",
            "--app-key",
            "k",
            "--app-secret",
            "s",
        ])
        .unwrap();
        assert!(credentials(&q, &m).unwrap_err().contains("one kind"));
        let (q, m) = parse(&["427233559", "--token", "  "]).unwrap();
        assert!(credentials(&q, &m).unwrap_err().contains("--token"));
        // In the language asked for, from the catalog.
        let (q, m) = parse(&["427233559", "--lang", "zh-CN", "--app-key", "k"]).unwrap();
        assert_eq!(
            credentials(&q, &m).unwrap_err(),
            "缺少 --app-secret 或它为空（也可以设置 MEETDESK_APP_SECRET）"
        );
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let (q, _) = parse(&[
            "427233559",
            "--token",
            "hunter2-token",
            "--app-secret",
            "hunter2-secret",
        ])
        .unwrap();
        let dbg = format!("{q:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
    }

    #[test]
    fn sanitising_and_durations() {
        assert_eq!(
            terminal_safe("a\nb\x1b[31mc\u{202E}d"),
            "a b\u{FFFD}[31mc\u{FFFD}d"
        );
        let d = |ms| human_duration(DurationParts::of(Some(ms)), Lang::En);
        assert_eq!(d(1_000_000), "16 min", "truncated");
        assert_eq!(d(12 * 60_000 + 59_000), "12 min");
        assert_eq!(d(65 * 60_000), "1 h 5 min");
        assert_eq!(d(60 * 60_000), "1 h", "as in the window, not 1 h 0 min");
        assert_eq!(
            human_duration(DurationParts::of(Some(10_000)), Lang::ZhCn),
            "不到 1 分钟"
        );
        assert_eq!(human_duration(DurationParts::None, Lang::En), "");
    }

    fn live_meeting(title: &str, host: &str) -> Meeting {
        Meeting {
            title: Some(title.into()),
            creator_nick: Some(host.into()),
            status: Some(dingtalk::Status::Live),
            start_time: Some(view::now_ms() - 12 * 60_000),
            ..Default::default()
        }
    }

    fn table(meetings: Vec<Meeting>, lang: Lang, width: Option<u16>) -> String {
        let f = Fetched {
            meetings,
            total_count: Some(45),
            has_more: true,
            next_token: Some("20".into()),
        };
        let opts = ExportOptions {
            lang,
            zone: ExportZone::Fixed(chrono::FixedOffset::east_opt(8 * 3600).unwrap()),
            ..Default::default()
        };
        let mut out = Vec::new();
        let rc = RoomCode::parse("427233559").unwrap();
        write_table(&mut out, &rc, &f, &opts, width).unwrap();
        String::from_utf8(out).unwrap()
    }

    const LONG_TITLE: &str = "产品周会 Weekly product sync with a very long title that goes on";

    #[test]
    fn table_layout() {
        let text = table(vec![live_meeting(LONG_TITLE, "张伟")], Lang::En, Some(70));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("STATUS  START"), "{text}");
        assert!(lines[1].starts_with("Live    20"), "{text}");
        assert!(lines[1].width() <= 70, "fits the width: {text}");
        assert!(lines[1].ends_with('…'), "a cut title says so: {text}");
        assert!(lines[1].contains("张伟  产品周会"), "{text}");
        assert_eq!(lines[2], "", "one line per meeting: {text}");
        assert!(text.contains("1 of 45 meetings"), "{text}");
        assert!(text.contains("--all"), "{text}");
    }

    #[test]
    fn the_width_is_used_and_cjk_counts_two_columns() {
        let meetings = vec![
            live_meeting(LONG_TITLE, "张伟"),
            live_meeting("周会", "Emily Chen"),
            live_meeting(&"会".repeat(80), &"主持人".repeat(10)),
        ];
        // From 80 columns up the columns that are never cut (status, times, duration) leave room
        // for a 20-column host and some title.
        for lang in [Lang::En, Lang::ZhCn] {
            for width in [80u16, 81, 100, 120, 200] {
                let text = table(meetings.clone(), lang, Some(width));
                let lines: Vec<&str> = text.lines().take(4).collect();
                for l in &lines {
                    assert!(l.width() <= usize::from(width), "{width}: {l:?}");
                }
                assert!(
                    lines[3].width() > usize::from(width) - 4,
                    "a long row uses the room it has ({width}): {:?}",
                    lines[3]
                );
                // The title column starts at the same display column in every row.
                let title_col = |l: &str, t: &str| l.find(t).map(|i| l[..i].width());
                assert_eq!(
                    title_col(lines[1], "产品"),
                    title_col(lines[2], "周会"),
                    "{text}"
                );
                assert!(lines[3].contains('…'), "host and title cut: {:?}", lines[3]);
            }
        }
        // Without a limit nothing is cut.
        let text = table(meetings, Lang::En, None);
        assert!(text.contains(LONG_TITLE) && !text.contains('…'), "{text}");
    }

    #[test]
    fn any_width_gives_a_table_and_no_panic() {
        let meetings = vec![live_meeting(LONG_TITLE, "张伟"), live_meeting("", "")];
        for width in [0u16, 1, 2, 5, 10, 20, 39, 40, 41, u16::MAX] {
            let text = table(meetings.clone(), Lang::ZhCn, Some(width));
            assert!(
                text.contains("共 45 场会议，显示了 2 场"),
                "{width}: {text}"
            );
            assert!(
                text.lines().next().unwrap().contains("状态"),
                "{width}: {text}"
            );
        }
    }

    #[test]
    fn the_width_comes_from_the_flag_then_columns_then_the_terminal() {
        assert_eq!(resolve_width(Some(70), Some("160"), Some(90)), Some(70));
        assert_eq!(
            resolve_width(Some(0), Some("160"), Some(90)),
            None,
            "0 = no limit"
        );
        assert_eq!(resolve_width(None, Some(" 160 "), Some(90)), Some(160));
        assert_eq!(resolve_width(None, Some("999999"), None), Some(u16::MAX));
        for junk in ["", "0", "-5", "wide"] {
            assert_eq!(
                resolve_width(None, Some(junk), Some(90)),
                Some(90),
                "{junk:?}"
            );
        }
        assert_eq!(
            resolve_width(None, None, Some(0)),
            Some(DEFAULT_TABLE_WIDTH)
        );
        assert_eq!(resolve_width(None, None, None), Some(DEFAULT_TABLE_WIDTH));
        let (q, _) = parse(&["427233559", "--width", "99999999"]).unwrap();
        assert_eq!(q.width, Some(u16::MAX));
        assert_eq!(
            parse(&["427233559", "--width", "-1"])
                .map(|_| ())
                .unwrap_err()
                .exit_code(),
            2
        );
    }
}
