//! `settings.json` in the app's data folder: read field by field, written atomically, never
//! silently replaced.
//!
//! The file holds `{"version": 2, "settings": {…}}`, and, only when the user agreed to it on a
//! machine without a keychain, `"secrets": {"boundTo": {…}, "values": {…}}`. Files written by
//! earlier versions (through tauri-plugin-store: no `version`, secrets without a host) load too.
//!
//! Why not tauri-plugin-store: it treats a file it cannot parse as empty, so the next incidental
//! write (a search's recent rooms) replaced a truncated file with defaults and the user's
//! settings were gone. Here:
//! - a file that cannot be used at all is moved aside as `settings.json.bad-<time>` and reported;
//!   until the user saves explicitly, nothing writes the file again ([`SettingsStore::blocked`]);
//! - a wrong field takes its default alone ([`Settings::from_json`]) and is named;
//! - every change goes through [`SettingsStore::update`] or [`SettingsStore::save`], which hold
//!   the lock through the write, so two commands cannot lose each other's change;
//! - writes go to a temp file in the same folder, are fsynced and renamed over the old file (and
//!   the folder fsynced on Unix); file 0600, folder 0700 on Unix.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::secrets::FileSecrets;
use meetdesk_core::error::AppError;
use meetdesk_core::profile::{Binding, SecretName};
use meetdesk_core::settings::Settings;

pub const FILE_NAME: &str = "settings.json";
/// The format this version writes. Files without it were written before secrets were bound to
/// their host, which is how [`Loaded::from_before_binding`] knows to migrate them.
const FORMAT_VERSION: u64 = 2;
/// A settings file is a few KB; anything this large is not one, and reading it would only cost
/// memory.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// What went wrong with the file on disk, for the window (`get_status().settingsProblem`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsProblem {
    pub kind: ProblemKind,
    /// Technical detail (English), for the log and the details line.
    pub detail: String,
    /// Where the unusable file was kept, when it could be moved aside.
    pub kept_at: Option<String>,
    /// For `fields`: which settings took their default.
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProblemKind {
    /// The file could not be read or parsed at all; defaults are in use.
    Unreadable,
    /// Some values were wrong and took their default; the rest were kept.
    Fields,
}

/// The file's contents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Doc {
    pub settings: Settings,
    pub secrets: Option<FileSecrets>,
}

/// What was on disk.
#[derive(Debug)]
pub struct Loaded {
    pub doc: Doc,
    pub problem: Option<SettingsProblem>,
    /// A file that could not be used: incidental writes must not replace it (or its copy).
    pub blocked: bool,
    /// The file was written by a version that kept secrets without their host, and its saved
    /// host loaded: that is the host those secrets were entered for (see `state.rs`, keychain
    /// migration).
    pub from_before_binding: bool,
}

/// Reads the settings file at `path`. Never fails: a problem is reported in [`Loaded::problem`].
pub fn load(path: &Path) -> Loaded {
    let fresh = |problem, blocked| Loaded {
        doc: Doc::default(),
        problem,
        blocked,
        from_before_binding: false,
    };
    let bytes = match read_limited(path) {
        Ok(Some(b)) => b,
        Ok(None) => return fresh(None, false),
        Err(detail) => return unusable(path, detail),
    };
    let obj = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(o)) => o,
        Ok(other) => {
            return unusable(
                path,
                format!("the file holds {} instead of an object", json_kind(&other)),
            )
        }
        Err(e) if bytes.iter().all(u8::is_ascii_whitespace) => {
            return unusable(path, format!("the file is empty ({e})"))
        }
        Err(e) => return unusable(path, format!("the file is not valid JSON ({e})")),
    };
    let (settings, mut fields) = match obj.get("settings") {
        None => (Settings::default(), Vec::new()),
        Some(Value::Object(s)) => Settings::from_json(s),
        Some(other) => {
            return unusable(
                path,
                format!(
                    "\"settings\" holds {} instead of an object",
                    json_kind(other)
                ),
            )
        }
    };
    // Legacy secrets belong to the saved host; if that host itself was unusable they cannot be
    // attributed, and guessing would send them to a host they were not entered for.
    let host_known = !fields
        .iter()
        .any(|f| f == "host" || f == "customBaseUrl" || f == "credentialMode");
    let from_before_binding = obj.get("version").is_none() && host_known;
    let secrets = match obj.get("secrets") {
        None | Some(Value::Null) => None,
        Some(v) => match parse_secrets(v, &settings, host_known) {
            Some(s) => Some(s),
            None => {
                fields.push("secrets".into());
                None
            }
        },
    };
    let problem = (!fields.is_empty()).then(|| SettingsProblem {
        kind: ProblemKind::Fields,
        detail: format!(
            "these settings had values MeetDesk cannot use and took their defaults: {}",
            fields.join(", ")
        ),
        kept_at: None,
        fields,
    });
    Loaded {
        doc: Doc { settings, secrets },
        problem,
        blocked: false,
        from_before_binding,
    }
}

fn parse_secrets(v: &Value, settings: &Settings, host_known: bool) -> Option<FileSecrets> {
    if v.get("boundTo").is_some() {
        return serde_json::from_value(v.clone()).ok();
    }
    let values: HashMap<SecretName, String> = serde_json::from_value(v.clone()).ok()?;
    host_known.then(|| FileSecrets {
        bound_to: Binding::of(settings),
        values,
    })
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `Ok(None)` when there is no file (a first run).
fn read_limited(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("the file could not be opened ({e})")),
    };
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("the file could not be read ({e})"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "the file is larger than {} KB, far more than settings take",
            MAX_FILE_BYTES / 1024
        ));
    }
    Ok(Some(bytes))
}

/// Keeps an unusable file as `settings.json.bad-<time>` and reports where.
fn unusable(path: &Path, detail: String) -> Loaded {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| FILE_NAME.into());
    let mut kept = path.with_file_name(format!("{name}.bad-{stamp}"));
    for n in 1..100 {
        if !kept.exists() {
            break;
        }
        kept = path.with_file_name(format!("{name}.bad-{stamp}-{n}"));
    }
    let (kept_at, detail) = match std::fs::rename(path, &kept) {
        Ok(()) => (Some(kept.display().to_string()), detail),
        Err(e) => (
            None,
            format!("{detail}; it could not be moved aside ({e}) and is left where it is"),
        ),
    };
    log::warn!(
        "settings: {} could not be used: {detail}; {}",
        path.display(),
        kept_at
            .as_deref()
            .map(|k| format!("kept as {k}"))
            .unwrap_or_default()
    );
    Loaded {
        doc: Doc::default(),
        problem: Some(SettingsProblem {
            kind: ProblemKind::Unreadable,
            detail,
            kept_at,
            fields: Vec::new(),
        }),
        blocked: true,
        from_before_binding: false,
    }
}

fn encode(doc: &Doc) -> Result<Vec<u8>, AppError> {
    let mut obj = Map::new();
    obj.insert("version".into(), json!(FORMAT_VERSION));
    obj.insert(
        "settings".into(),
        serde_json::to_value(&doc.settings)
            .map_err(|e| AppError::io("Could not encode the settings", e))?,
    );
    if let Some(s) = doc.secrets.as_ref().filter(|s| !s.values.is_empty()) {
        obj.insert(
            "secrets".into(),
            serde_json::to_value(s)
                .map_err(|e| AppError::io("Could not encode the settings", e))?,
        );
    }
    serde_json::to_vec_pretty(&Value::Object(obj))
        .map_err(|e| AppError::io("Could not encode the settings", e))
}

/// Writes `path` so that a crash or a full disk leaves either the old file or the new one,
/// never half of one: temp file in the same folder, fsync, rename, fsync the folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// [`write_atomic`] with the writing step given, so a test can fail it half way.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    create_private_dir(dir)?;
    // tempfile creates the file 0600 on Unix, before anything is written into it.
    let mut tmp = tempfile::Builder::new()
        .prefix(".settings-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // The rename replaced the old file (whatever its mode, e.g. an older version's 0644) with
    // the 0600 temp file; fsync the folder so the rename itself survives a crash.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        // The folder may predate this version (0755): it holds the settings and the logs.
        if let Err(e) = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)) {
            log::warn!("settings: could not make {} private ({e})", dir.display());
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// The settings in memory and on disk, changed only through [`update`](Self::update) (incidental
/// changes: a search's recent rooms, the last export folder) and [`save`](Self::save) (the user
/// pressed Save).
pub struct SettingsStore {
    path: PathBuf,
    inner: Mutex<Inner>,
}

struct Inner {
    doc: Doc,
    blocked: bool,
}

impl SettingsStore {
    pub fn new(path: PathBuf, loaded: &Loaded) -> SettingsStore {
        SettingsStore {
            path,
            inner: Mutex::new(Inner {
                doc: loaded.doc.clone(),
                blocked: loaded.blocked,
            }),
        }
    }

    /// A store at `path` holding defaults that nothing has read (tests).
    pub fn empty(path: PathBuf) -> SettingsStore {
        SettingsStore {
            path,
            inner: Mutex::new(Inner {
                doc: Doc::default(),
                blocked: false,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn settings(&self) -> Settings {
        self.lock().doc.settings.clone()
    }

    pub fn doc(&self) -> Doc {
        self.lock().doc.clone()
    }

    /// True while the file on disk failed to load and the user has not saved since.
    pub fn blocked(&self) -> bool {
        self.lock().blocked
    }

    /// An incidental change: applied in memory whatever happens, then written (unless the file
    /// failed to load: then it waits for an explicit save). The second value is the write's
    /// failure, for a warning; it never undoes the change or fails the caller's operation.
    pub fn update<T>(&self, change: impl FnOnce(&mut Doc) -> T) -> (T, Option<AppError>) {
        let mut inner = self.lock();
        let value = change(&mut inner.doc);
        if inner.blocked {
            return (value, None);
        }
        let err = self.write(&inner.doc).err();
        if let Some(e) = &err {
            log::warn!("settings: {}", e.message);
        }
        (value, err)
    }

    /// An explicit save: the change is kept only if it reached the disk, and it replaces a file
    /// that failed to load.
    pub fn save<T>(
        &self,
        change: impl FnOnce(&mut Doc) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        let mut inner = self.lock();
        let mut next = inner.doc.clone();
        let value = change(&mut next)?;
        self.write(&next)?;
        inner.doc = next;
        inner.blocked = false;
        Ok(value)
    }

    fn write(&self, doc: &Doc) -> Result<(), AppError> {
        let bytes = encode(doc)?;
        write_atomic(&self.path, &bytes).map_err(|e| {
            AppError::io(
                &format!("Could not write the settings file {}", self.path.display()),
                e,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meetdesk_core::catalog::Lang;
    use meetdesk_core::settings::CredentialMode;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    fn bad_copies(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains("settings.json.bad-"))
            .collect()
    }

    #[test]
    fn no_file_is_a_first_run_not_a_problem() {
        let d = dir();
        let l = load(&d.path().join(FILE_NAME));
        assert!(l.problem.is_none());
        assert!(!l.blocked);
        assert_eq!(l.doc, Doc::default());
    }

    #[test]
    fn damaged_files_of_each_kind_are_kept_aside_and_reported() {
        let big = format!(
            "{{\"settings\": {{\"appKey\": \"{}\"}}}}",
            "x".repeat(2 << 20)
        );
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "truncated",
                br#"{"settings": {"pageSize": 5"#.to_vec(),
                "not valid JSON",
            ),
            ("empty", Vec::new(), "empty"),
            ("blank", b"  \n".to_vec(), "empty"),
            (
                "binary",
                vec![0xff, 0x00, 0xfe, 0x13, 0x37],
                "not valid JSON",
            ),
            ("a list", b"[1, 2]".to_vec(), "a list instead of an object"),
            ("a string", b"\"settings\"".to_vec(), "a string instead"),
            (
                "settings not an object",
                br#"{"settings": 7}"#.to_vec(),
                "\"settings\" holds a number",
            ),
            ("huge", big.into_bytes(), "larger than"),
        ];
        for (what, bytes, said) in cases {
            let d = dir();
            let path = d.path().join(FILE_NAME);
            std::fs::write(&path, &bytes).unwrap();
            let l = load(&path);
            let p = l
                .problem
                .clone()
                .unwrap_or_else(|| panic!("{what}: no problem"));
            assert_eq!(p.kind, ProblemKind::Unreadable, "{what}");
            assert!(p.detail.contains(said), "{what}: {}", p.detail);
            assert!(l.blocked, "{what}");
            let copies = bad_copies(d.path());
            assert_eq!(copies.len(), 1, "{what}");
            assert_eq!(p.kept_at.as_deref(), copies[0].to_str(), "{what}");
            assert_eq!(
                std::fs::read(&copies[0]).unwrap(),
                bytes,
                "{what}: kept as it was"
            );
            assert!(!path.exists(), "{what}: moved aside");

            // A search's recent room does not write a new file over it …
            let store = SettingsStore::new(path.clone(), &l);
            let (_, err) = store.update(|d| d.settings.remember_room("427233559", None, 1));
            assert!(err.is_none());
            assert!(!path.exists(), "{what}: no incidental write");
            assert_eq!(store.settings().recent_rooms.len(), 1, "kept in memory");
            // … an explicit save does.
            store
                .save(|d| {
                    d.settings.page_size = 30;
                    Ok(())
                })
                .unwrap();
            assert!(!store.blocked());
            assert_eq!(load(&path).doc.settings.page_size, 30, "{what}");
            assert_eq!(bad_copies(d.path()).len(), 1, "{what}: the copy stays");
        }
    }

    #[test]
    fn a_folder_in_place_of_the_file_is_reported_and_moved_aside() {
        let d = dir();
        let path = d.path().join(FILE_NAME);
        std::fs::create_dir(&path).unwrap();
        let l = load(&path);
        assert_eq!(l.problem.unwrap().kind, ProblemKind::Unreadable);
        assert!(l.blocked);
    }

    #[test]
    fn one_bad_field_keeps_the_others_and_names_it() {
        let d = dir();
        let path = d.path().join(FILE_NAME);
        std::fs::write(
            &path,
            r#"{"settings": {"pageSize": "50", "language": "zh-CN", "appKey": "dingabc"}}"#,
        )
        .unwrap();
        let l = load(&path);
        let p = l.problem.unwrap();
        assert_eq!(p.kind, ProblemKind::Fields);
        assert_eq!(p.fields, vec!["pageSize"]);
        assert!(!l.blocked, "the file is usable: writes go on");
        assert_eq!(l.doc.settings.language, Some(Lang::ZhCn));
        assert_eq!(l.doc.settings.app_key, "dingabc");
        assert_eq!(l.doc.settings.page_size, 20);
        assert!(bad_copies(d.path()).is_empty());
    }

    #[test]
    fn legacy_secrets_are_bound_to_the_host_saved_beside_them() {
        let d = dir();
        let path = d.path().join(FILE_NAME);
        std::fs::write(
            &path,
            r#"{"settings": {"host": "mainland", "credentialMode": "token"},
                "secrets": {"accessToken": "tok"}}"#,
        )
        .unwrap();
        let l = load(&path);
        assert!(l.from_before_binding);
        let s = l.doc.secrets.unwrap();
        assert_eq!(
            s.bound_to,
            Binding::new("https://api.dingtalk.com", CredentialMode::Token)
        );
        assert_eq!(s.values[&SecretName::AccessToken], "tok");

        // Written back in the new format, bound, and read back the same.
        let store = SettingsStore::new(path.clone(), &load(&path));
        store.save(|_| Ok(())).unwrap();
        let again = load(&path);
        assert!(!again.from_before_binding);
        assert_eq!(again.doc.secrets.unwrap().bound_to, s.bound_to);

        // A host that did not load cannot be trusted with them.
        std::fs::write(
            &path,
            r#"{"settings": {"host": "custom", "customBaseUrl": "http://evil.example"},
                "secrets": {"appSecret": "s"}}"#,
        )
        .unwrap();
        let l = load(&path);
        assert!(l.doc.secrets.is_none());
        assert!(l.problem.unwrap().fields.contains(&"secrets".to_string()));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_0600_and_its_folder_0700() {
        use std::os::unix::fs::PermissionsExt;
        let d = dir();
        let folder = d.path().join("data");
        std::fs::create_dir(&folder).unwrap();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = folder.join(FILE_NAME);
        std::fs::write(&path, "{}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = SettingsStore::new(path.clone(), &load(&path));
        store.save(|_| Ok(())).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&folder), 0o700);

        let fresh = d.path().join("new").join("deeper");
        let store = SettingsStore::empty(fresh.join(FILE_NAME));
        store.save(|_| Ok(())).unwrap();
        assert_eq!(mode(&fresh), 0o700);
        assert_eq!(mode(&fresh.join(FILE_NAME)), 0o600);
    }

    #[test]
    fn a_write_that_fails_half_way_leaves_the_old_file_and_no_temp_file() {
        let d = dir();
        let path = d.path().join(FILE_NAME);
        std::fs::write(&path, "OLD").unwrap();
        let err = write_atomic_with(&path, |f| {
            f.write_all(b"NE")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "OLD");
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(FILE_NAME)]);
    }

    #[test]
    fn a_failed_explicit_save_keeps_the_previous_settings_an_incidental_one_keeps_the_change() {
        let d = dir();
        // A folder with something in it where the file should be: rename onto it fails, even
        // for root.
        let path = d.path().join(FILE_NAME);
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("x"), "").unwrap();
        let store = SettingsStore::empty(path);
        let err = store
            .save(|d| {
                d.settings.page_size = 50;
                Ok(())
            })
            .unwrap_err();
        assert_eq!(err.kind, "io");
        assert_eq!(store.settings().page_size, 20);
        let (_, err) = store.update(|d| d.settings.remember_room("427233559", None, 1));
        assert!(err.is_some());
        assert_eq!(store.settings().recent_rooms.len(), 1);
    }

    #[test]
    fn concurrent_updates_do_not_lose_one() {
        // Each thread owns one recent room and keeps changing its title. Once a thread's update
        // has returned, its change must be in the file and stay there: a writer holding an
        // older copy of the settings must never write it over a newer one.
        let d = dir();
        let path = d.path().join(FILE_NAME);
        let store = std::sync::Arc::new(SettingsStore::empty(path.clone()));
        let threads: Vec<_> = (0..meetdesk_core::settings::RECENT_ROOMS_MAX)
            .map(|i| {
                let store = store.clone();
                let path = path.clone();
                std::thread::spawn(move || {
                    let room = format!("{:09}", 100_000_000 + i);
                    for j in 0..30 {
                        let title = format!("t{j}");
                        let (_, err) = store
                            .update(|d| d.settings.remember_room(&room, Some(title.clone()), 1));
                        assert!(err.is_none(), "{err:?}");
                        let on_disk = load(&path).doc.settings;
                        let mine = on_disk.recent_rooms.iter().find(|r| r.room_code == room);
                        assert_eq!(
                            mine.and_then(|r| r.last_title.as_deref()),
                            Some(title.as_str()),
                            "room {room}: an older copy was written over this change"
                        );
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(load(&path).doc.settings, store.settings());
    }
}
