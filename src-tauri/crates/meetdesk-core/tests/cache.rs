//! The offline cache as the app will use it: through its file, reopened, damaged on purpose.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dingtalk::{BizType, Meeting, RoomCode, Status};
use meetdesk_core::cache::{
    Bounds, BrokenReason, Cache, CacheError, Month, Opened, BROKEN_FILES_KEPT, CACHE_FILE_NAME,
    SCHEMA_VERSION,
};
use meetdesk_core::catalog::Lang;
use meetdesk_core::error::AppError;

const P: &str = "https://api.dingtalk.com internalApp key-1";
const OTHER: &str = "https://api.dingtalk.com internalApp key-2";
const DAY: i64 = 86_400_000;
const T0: i64 = 1_796_000_000_000;

fn room(code: &str) -> RoomCode {
    RoomCode::parse(code).unwrap()
}

fn meeting(id: &str, start: Option<i64>) -> Meeting {
    Meeting {
        conference_id: Some(id.to_owned()),
        title: Some(format!("产品周会 Weekly sync {id}")),
        room_code: Some("427233559".into()),
        external_link_url: Some(format!(
            "https://meeting.dingtalk.com/app?roomCode=427233559&token=1_{id}"
        )),
        status: Some(Status::Ended),
        start_time: start,
        end_time: start.map(|s| s + 1_800_000),
        conf_duration: start.map(|_| 1_800_000),
        creator_id: Some("9kGUFQB7soIPtYV4bNsvLJiEiE".into()),
        creator_nick: Some("张伟".into()),
        schedule_conference_id: Some("e74996c53247".into()),
        biz_type: Some(BizType::Booked),
    }
}

struct Dir {
    _tmp: tempfile::TempDir,
    path: PathBuf,
}

fn dir() -> Dir {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(CACHE_FILE_NAME);
    Dir { _tmp: tmp, path }
}

fn open(path: &Path) -> Cache {
    let Opened { cache, rebuilt } = Cache::open(path, Bounds::default()).unwrap();
    assert_eq!(rebuilt, None, "a good cache opens as it is");
    cache
}

fn ids(c: &Cache, profile: &str, code: &str) -> Vec<String> {
    c.room(profile, &room(code))
        .unwrap()
        .map(|r| {
            r.meetings
                .into_iter()
                .map(|m| m.conference_id.unwrap())
                .collect()
        })
        .unwrap_or_default()
}

fn broken_files(d: &Dir) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(d.path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.contains(".broken-") && !n.ends_with("-wal")
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_page_round_trips_through_the_file() {
    let d = dir();
    let page = vec![meeting("a", Some(T0)), meeting("b", Some(T0 - DAY))];
    {
        let mut c = open(&d.path);
        let s = c.store_page(P, &room("427233559"), &page, T0 + 5).unwrap();
        assert_eq!((s.stored, s.without_id, s.pruned), (2, 0, 0));
    }
    let c = open(&d.path);
    let got = c.room(P, &room("427 233 559")).unwrap().unwrap();
    assert_eq!(got.meetings, page, "every field comes back");
    assert_eq!(got.fetched_at_ms, T0 + 5);
    assert_eq!(got.skipped, 0);
    // Another profile (another organisation on the same host) and another room see nothing.
    assert_eq!(c.room(OTHER, &room("427233559")).unwrap(), None);
    assert_eq!(c.room(P, &room("100000000")).unwrap(), None);
}

#[test]
fn a_meeting_fetched_again_is_updated_not_duplicated() {
    let d = dir();
    let mut c = open(&d.path);
    let r = room("427233559");
    c.store_page(P, &r, &[meeting("a", Some(T0))], T0).unwrap();
    let mut live = meeting("a", Some(T0));
    live.status = Some(Status::Live);
    live.title = Some("renamed".into());
    c.store_page(P, &r, &[live.clone()], T0 + 60_000).unwrap();
    let got = c.room(P, &r).unwrap().unwrap();
    assert_eq!(got.meetings, vec![live]);
    assert_eq!(got.fetched_at_ms, T0 + 60_000, "the time of the last fetch");
    assert_eq!(c.meeting_count(P).unwrap(), 1);
}

#[test]
fn meetings_read_newest_first_whatever_order_pages_came_in() {
    let d = dir();
    let mut c = open(&d.path);
    let r = room("427233559");
    c.store_page(
        P,
        &r,
        &[meeting("old", Some(T0 - 9 * DAY)), meeting("none", None)],
        T0,
    )
    .unwrap();
    c.store_page(
        P,
        &r,
        &[
            meeting("tie-b", Some(T0 - DAY)),
            meeting("new", Some(T0)),
            meeting("tie-a", Some(T0 - DAY)),
        ],
        T0,
    )
    .unwrap();
    assert_eq!(
        ids(&c, P, "427233559"),
        ["new", "tie-a", "tie-b", "old", "none"],
        "start descending, ties by id, no start time last"
    );
}

#[test]
fn meetings_without_a_conference_id_are_not_cached() {
    let d = dir();
    let mut c = open(&d.path);
    let mut no_id = meeting("x", Some(T0));
    no_id.conference_id = None;
    let mut empty_id = meeting("y", Some(T0));
    empty_id.conference_id = Some(String::new());
    let s = c
        .store_page(
            P,
            &room("427233559"),
            &[no_id, meeting("a", Some(T0)), empty_id],
            T0,
        )
        .unwrap();
    assert_eq!((s.stored, s.without_id), (1, 2));
    assert_eq!(ids(&c, P, "427233559"), ["a"]);
}

#[test]
fn replacing_a_whole_room_drops_meetings_deleted_in_dingtalk() {
    let d = dir();
    let mut c = open(&d.path);
    let r = room("427233559");
    c.store_page(
        P,
        &r,
        &[meeting("a", Some(T0)), meeting("b", Some(T0 - 1))],
        T0,
    )
    .unwrap();
    c.replace_room(P, &r, &[meeting("b", Some(T0 - 1))], T0 + 1)
        .unwrap();
    assert_eq!(ids(&c, P, "427233559"), ["b"]);
    // An empty whole room is still a fetched room: it paints as "no meetings", not as unknown.
    c.replace_room(P, &r, &[], T0 + 2).unwrap();
    let got = c.room(P, &r).unwrap().unwrap();
    assert!(got.meetings.is_empty());
    assert_eq!(got.fetched_at_ms, T0 + 2);
}

#[test]
fn meetings_not_fetched_for_the_kept_days_are_pruned_on_write() {
    let d = dir();
    let Opened { mut cache, .. } = Cache::open(
        &d.path,
        Bounds {
            days: 90,
            max_meetings: 50_000,
        },
    )
    .unwrap();
    cache
        .store_page(P, &room("427233559"), &[meeting("old-room", Some(T0))], T0)
        .unwrap();
    cache
        .store_page(OTHER, &room("427233559"), &[meeting("other", Some(T0))], T0)
        .unwrap();
    // 89 days later: still there.
    cache
        .store_page(
            P,
            &room("100000000"),
            &[meeting("x", Some(T0))],
            T0 + 89 * DAY,
        )
        .unwrap();
    assert_eq!(ids(&cache, P, "427233559"), ["old-room"]);
    // 91 days after the first fetch: gone, room and all; the other profile is its own.
    let s = cache
        .store_page(
            P,
            &room("100000000"),
            &[meeting("x", Some(T0))],
            T0 + 91 * DAY,
        )
        .unwrap();
    assert_eq!(s.pruned, 1);
    assert_eq!(cache.room(P, &room("427233559")).unwrap(), None);
    assert_eq!(ids(&cache, OTHER, "427233559"), ["other"]);
    // The whole-cache prune applies the same rule to every profile.
    assert_eq!(cache.prune(T0 + 91 * DAY).unwrap(), 1);
    assert_eq!(cache.room(OTHER, &room("427233559")).unwrap(), None);
}

#[test]
fn a_profile_over_its_maximum_loses_the_oldest_starts_first() {
    let d = dir();
    let Opened { mut cache, .. } = Cache::open(
        &d.path,
        Bounds {
            days: 90,
            max_meetings: 5,
        },
    )
    .unwrap();
    let a: Vec<Meeting> = (0..4)
        .map(|i| meeting(&format!("a{i}"), Some(T0 - i * DAY)))
        .collect();
    cache.store_page(P, &room("427233559"), &a, T0).unwrap();
    cache.store_page(OTHER, &room("427233559"), &a, T0).unwrap();
    let b = vec![
        meeting("b0", Some(T0 - DAY / 2)),
        meeting("b1", Some(T0 - 10 * DAY)),
        meeting("b-none", None),
    ];
    let s = cache.store_page(P, &room("100000000"), &b, T0).unwrap();
    assert_eq!(s.pruned, 2, "7 meetings, 5 kept");
    assert_eq!(cache.meeting_count(P).unwrap(), 5);
    assert_eq!(
        ids(&cache, P, "100000000"),
        ["b0"],
        "no start, then the oldest, went"
    );
    assert_eq!(ids(&cache, P, "427233559"), ["a0", "a1", "a2", "a3"]);
    assert_eq!(cache.meeting_count(OTHER).unwrap(), 4, "per profile");
    // Lower bounds apply at once with prune().
    cache.set_bounds(Bounds {
        days: 90,
        max_meetings: 2,
    });
    assert_eq!(cache.prune(T0).unwrap(), 5);
    assert_eq!(ids(&cache, P, "427233559"), ["a0"]);
    assert_eq!(ids(&cache, P, "100000000"), ["b0"]);
}

#[test]
fn clearing_removes_meetings_but_keeps_the_call_count_and_the_fired_reminders() {
    let d = dir();
    let mut c = open(&d.path);
    let dec = Month::new(2026, 12).unwrap();
    c.store_page(P, &room("427233559"), &[meeting("a", Some(T0))], T0)
        .unwrap();
    c.store_page(OTHER, &room("427233559"), &[meeting("b", Some(T0))], T0)
        .unwrap();
    c.add_calls(P, dec, 7).unwrap();
    c.mark_fired("k", T0).unwrap();

    c.clear_profile(P).unwrap();
    assert_eq!(c.room(P, &room("427233559")).unwrap(), None);
    assert_eq!(ids(&c, OTHER, "427233559"), ["b"]);

    c.clear().unwrap();
    assert_eq!(c.room(OTHER, &room("427233559")).unwrap(), None);
    assert_eq!(c.meeting_count(OTHER).unwrap(), 0);
    assert_eq!(c.calls_this_month(P, dec).unwrap(), 7);
    assert!(c.was_fired("k").unwrap());
    drop(c);
    // The titles are gone from the file itself, not just unlisted.
    let bytes = fs::read(&d.path).unwrap();
    let needle = "Weekly sync".as_bytes();
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "a cleared title lingers in the file"
    );
}

#[test]
fn the_call_counter_is_per_profile_and_month_and_survives_a_restart() {
    let d = dir();
    let nov = Month::new(2026, 11).unwrap();
    let dec = Month::of(chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
    assert_eq!(dec.to_string(), "2026-12");
    assert_eq!(Month::new(2026, 13), None);
    {
        let mut c = open(&d.path);
        assert_eq!(c.calls_this_month(P, dec).unwrap(), 0);
        assert_eq!(c.add_calls(P, dec, 1).unwrap(), 1);
        assert_eq!(c.add_calls(P, dec, 41).unwrap(), 42);
        c.add_calls(P, nov, 5).unwrap();
        c.add_calls(OTHER, dec, 3).unwrap();
    }
    let mut c = open(&d.path);
    assert_eq!(c.calls_this_month(P, dec).unwrap(), 42);
    assert_eq!(c.calls_this_month(P, nov).unwrap(), 5);
    assert_eq!(c.calls_this_month(OTHER, dec).unwrap(), 3);
    // Saturates rather than wrapping to a small number (which would lift the budget).
    c.add_calls(P, dec, u64::MAX).unwrap();
    assert_eq!(c.add_calls(P, dec, 10).unwrap(), i64::MAX as u64);
}

#[test]
fn a_fired_reminder_is_remembered_across_restarts_for_thirty_days() {
    let d = dir();
    {
        let mut c = open(&d.path);
        assert!(!c
            .was_fired("p|427233559|conf-1|live|1796000000000")
            .unwrap());
        c.mark_fired("p|427233559|conf-1|live|1796000000000", T0)
            .unwrap();
        // Marking again keeps the first time (so it is pruned 30 days after it really fired).
        c.mark_fired("p|427233559|conf-1|live|1796000000000", T0 + 29 * DAY)
            .unwrap();
    }
    let mut c = open(&d.path);
    assert!(c
        .was_fired("p|427233559|conf-1|live|1796000000000")
        .unwrap());
    assert!(!c
        .was_fired("p|427233559|conf-1|soon|1796000000000")
        .unwrap());
    c.mark_fired("later", T0 + 29 * DAY).unwrap();
    assert!(c
        .was_fired("p|427233559|conf-1|live|1796000000000")
        .unwrap());
    c.mark_fired("much later", T0 + 31 * DAY).unwrap();
    assert!(!c
        .was_fired("p|427233559|conf-1|live|1796000000000")
        .unwrap());
    assert!(c.was_fired("later").unwrap());
}

fn assert_rebuilt(d: &Dir, want: BrokenReason, old_content: Option<&[u8]>) {
    let Opened { mut cache, rebuilt } =
        Cache::open_with_timeout(&d.path, Bounds::default(), Duration::from_millis(100)).unwrap();
    let rebuilt = rebuilt.expect("a notice the window can show");
    assert_eq!(rebuilt.reason, want);
    assert!(rebuilt.moved_to.exists(), "the old file is kept");
    assert!(rebuilt
        .moved_to
        .to_string_lossy()
        .contains("meetdesk-cache.db.broken-"));
    if let Some(old) = old_content {
        assert_eq!(fs::read(&rebuilt.moved_to).unwrap(), old);
    }
    for lang in Lang::ALL {
        let msg = rebuilt.message(lang);
        assert!(
            msg.contains(&rebuilt.moved_to.display().to_string()),
            "{lang:?}: {msg}"
        );
        assert!(!msg.contains("{path}") && msg != "cache.rebuilt", "{msg}");
    }
    // The new cache works, and opens cleanly next time.
    cache
        .store_page(P, &room("427233559"), &[meeting("a", Some(T0))], T0)
        .unwrap();
    drop(cache);
    let c = open(&d.path);
    assert_eq!(ids(&c, P, "427233559"), ["a"]);
}

#[test]
fn a_file_that_is_not_a_database_is_moved_aside_and_rebuilt() {
    let d = dir();
    let garbage = b"{\"this\": \"is settings.json, not SQLite\"}".repeat(200);
    fs::write(&d.path, &garbage).unwrap();
    assert_rebuilt(&d, BrokenReason::NotADatabase, Some(&garbage));
}

#[test]
fn a_truncated_database_is_moved_aside_and_rebuilt() {
    let d = dir();
    {
        let mut c = open(&d.path);
        let page: Vec<Meeting> = (0..3_000)
            .map(|i| meeting(&format!("m{i}"), Some(T0 - i)))
            .collect();
        c.store_page(P, &room("427233559"), &page, T0).unwrap();
    }
    let len = fs::metadata(&d.path).unwrap().len();
    assert!(len > 100_000, "{len}");
    let f = fs::OpenOptions::new().write(true).open(&d.path).unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    assert_rebuilt(&d, BrokenReason::Damaged, None);
}

#[test]
fn a_database_with_a_damaged_page_is_moved_aside_and_rebuilt() {
    use std::io::{Seek, SeekFrom, Write};
    let d = dir();
    {
        let mut c = open(&d.path);
        let page: Vec<Meeting> = (0..3_000)
            .map(|i| meeting(&format!("m{i}"), Some(T0 - i)))
            .collect();
        c.store_page(P, &room("427233559"), &page, T0).unwrap();
    }
    // One page in the middle of the meetings overwritten: the header and schema still read.
    let len = fs::metadata(&d.path).unwrap().len();
    let mut f = fs::OpenOptions::new().write(true).open(&d.path).unwrap();
    f.seek(SeekFrom::Start(len / 2 / 4096 * 4096)).unwrap();
    f.write_all(&[0xA5; 4096]).unwrap();
    drop(f);
    assert_rebuilt(&d, BrokenReason::Damaged, None);
}

#[test]
fn a_database_from_a_newer_meetdesk_is_moved_aside_and_rebuilt() {
    let d = dir();
    drop(open(&d.path));
    let conn = rusqlite::Connection::open(&d.path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    assert_rebuilt(
        &d,
        BrokenReason::NewerVersion {
            found: SCHEMA_VERSION + 1,
        },
        None,
    );
}

#[test]
fn someone_elses_sqlite_file_is_moved_aside_and_rebuilt() {
    let d = dir();
    let conn = rusqlite::Connection::open(&d.path).unwrap();
    conn.execute_batch("CREATE TABLE rooms (x); PRAGMA user_version = 1;")
        .unwrap();
    drop(conn);
    assert_rebuilt(&d, BrokenReason::Damaged, None);
}

#[test]
fn a_database_locked_by_another_program_is_moved_aside_and_rebuilt() {
    let d = dir();
    let holder = rusqlite::Connection::open(&d.path).unwrap();
    holder
        .execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE; CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);",
        )
        .unwrap();
    assert_rebuilt(&d, BrokenReason::Locked, None);
    drop(holder);
}

#[test]
fn an_empty_file_is_a_new_cache_without_a_notice() {
    let d = dir();
    fs::write(&d.path, b"").unwrap();
    let mut c = open(&d.path);
    c.store_page(P, &room("427233559"), &[meeting("a", Some(T0))], T0)
        .unwrap();
    assert_eq!(ids(&c, P, "427233559"), ["a"]);
    assert!(broken_files(&d).is_empty());
}

#[test]
fn at_most_a_few_broken_files_are_kept() {
    let d = dir();
    for i in 0..(BROKEN_FILES_KEPT + 2) {
        fs::write(&d.path, format!("garbage number {i}").repeat(100)).unwrap();
        let opened = Cache::open(&d.path, Bounds::default()).unwrap();
        assert!(opened.rebuilt.is_some());
    }
    let kept = broken_files(&d);
    assert_eq!(kept.len(), BROKEN_FILES_KEPT, "{kept:?}");
    // The newest are the ones kept.
    let last = fs::read_to_string(kept.last().unwrap()).unwrap();
    assert!(last.starts_with(&format!("garbage number {}", BROKEN_FILES_KEPT + 1)));
}

#[test]
fn a_folder_that_cannot_hold_the_file_is_a_clear_error_not_a_rebuild() {
    let tmp = tempfile::tempdir().unwrap();
    // The data "folder" is a file.
    let blocker = tmp.path().join("data");
    fs::write(&blocker, "not a folder").unwrap();
    let err = Cache::open(&blocker.join(CACHE_FILE_NAME), Bounds::default()).unwrap_err();
    assert!(matches!(err, CacheError::Unavailable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("works without it"), "{msg}");
    let app = AppError::from(err);
    assert_eq!(app.kind, "io");
    assert_eq!(fs::read_to_string(&blocker).unwrap(), "not a folder");
    // The cache path is a folder.
    let folder = tmp.path().join("folder.db");
    fs::create_dir(&folder).unwrap();
    let err = Cache::open(&folder, Bounds::default()).unwrap_err();
    assert!(matches!(err, CacheError::Unavailable { .. }), "{err:?}");
    assert!(folder.is_dir(), "nothing moved");
}

#[cfg(unix)]
#[test]
fn a_read_only_folder_is_a_clear_error_and_a_good_cache_in_it_is_not_moved() {
    use std::os::unix::fs::PermissionsExt;
    let d = dir();
    let folder = d.path.parent().unwrap().to_path_buf();
    {
        let mut c = open(&d.path);
        c.store_page(P, &room("427233559"), &[meeting("a", Some(T0))], T0)
            .unwrap();
    }
    // Fresh folder, never written: a cache cannot be created.
    let ro = folder.join("ro");
    fs::create_dir(&ro).unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o500)).unwrap();
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o500)).unwrap();
    let probe = ro.join("probe");
    if fs::write(&probe, "x").is_ok() {
        // Root ignores permissions: what this test checks cannot be set up here.
        eprintln!("skipped: running with CAP_DAC_OVERRIDE (root), folders are never read-only");
        fs::set_permissions(&folder, fs::Permissions::from_mode(0o700)).unwrap();
        return;
    }
    let err = Cache::open(&ro.join(CACHE_FILE_NAME), Bounds::default()).unwrap_err();
    assert!(matches!(err, CacheError::Unavailable { .. }), "{err:?}");
    // A good cache in a read-only folder: an error (WAL needs its side file), and the file stays.
    let result = Cache::open(&d.path, Bounds::default());
    fs::set_permissions(&folder, fs::Permissions::from_mode(0o700)).unwrap();
    if let Ok(opened) = &result {
        assert!(opened.rebuilt.is_none());
    }
    assert!(broken_files(&d).is_empty());
    let c = open(&d.path);
    assert_eq!(ids(&c, P, "427233559"), ["a"]);
}

#[cfg(unix)]
#[test]
fn the_file_and_its_wal_are_readable_by_the_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let d = dir();
    let mut c = open(&d.path);
    c.store_page(P, &room("427233559"), &[meeting("a", Some(T0))], T0)
        .unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&d.path), 0o600);
    let wal = PathBuf::from(format!("{}-wal", d.path.display()));
    assert!(wal.exists(), "WAL mode is on");
    assert_eq!(mode(&wal), 0o600);
    drop(c);
    // A file left readable by an older build is tightened on open.
    fs::set_permissions(&d.path, fs::Permissions::from_mode(0o644)).unwrap();
    drop(open(&d.path));
    assert_eq!(mode(&d.path), 0o600);
}

#[test]
fn damaged_rows_are_skipped_and_counted() {
    let d = dir();
    let mut c = open(&d.path);
    let page: Vec<Meeting> = (0..5)
        .map(|i| meeting(&format!("m{i}"), Some(T0 - i)))
        .collect();
    c.store_page(P, &room("427233559"), &page, T0).unwrap();
    c.add_calls(P, Month::new(2026, 12).unwrap(), 3).unwrap();
    let other = rusqlite::Connection::open(&d.path).unwrap();
    other
        .execute_batch(
            "UPDATE meetings SET json = '{\"title\": ' WHERE conference_id = 'm1';
             UPDATE meetings SET json = x'00ff' WHERE conference_id = 'm2';
             UPDATE meetings SET json = '{\"title\": \"no id\"}' WHERE conference_id = 'm3';
             UPDATE meetings SET json = '[1, 2]' WHERE conference_id = 'm4';
             UPDATE counters SET value = 'lots';",
        )
        .unwrap();
    drop(other);
    let got = c.room(P, &room("427233559")).unwrap().unwrap();
    assert_eq!(got.skipped, 4);
    assert_eq!(got.meetings, vec![page[0].clone()]);
    // A damaged fetch time: the room still paints, as fetched long ago.
    let other = rusqlite::Connection::open(&d.path).unwrap();
    other
        .execute("UPDATE rooms SET fetched_at = 'yesterday'", [])
        .unwrap();
    drop(other);
    let got = c.room(P, &room("427233559")).unwrap().unwrap();
    assert_eq!((got.fetched_at_ms, got.meetings.len()), (0, 1));
    // A counter that is not a number reads 0 and starts again from what is added.
    let dec = Month::new(2026, 12).unwrap();
    assert_eq!(c.calls_this_month(P, dec).unwrap(), 0);
    assert_eq!(c.add_calls(P, dec, 2).unwrap(), 2);
}
