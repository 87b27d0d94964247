//! The running app's state, shared by the commands: settings, secrets, the current query, demo
//! mode, and the DingTalk client (kept while its connection is unchanged, so its token cache and
//! rate limiter are shared by every call).

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use dingtalk::{Client, ClientConfig};
use dingtalk_sim::SimHandle;

use crate::secrets::Vault;
use crate::store::{self, Doc, SettingsProblem, SettingsStore};
use meetdesk_core::error::AppError;
use meetdesk_core::profile::Binding;
use meetdesk_core::profile::{self, Connection, Demo};
use meetdesk_core::query::Session;
use meetdesk_core::settings::{EnvOverrides, Settings};

pub struct AppState {
    pub env: EnvOverrides,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
    /// The settings, changed only through `update_settings` and `SettingsStore::save`.
    pub store: SettingsStore,
    /// Why the saved settings could not be used (all or some), until the user saves new ones.
    pub settings_problem: Mutex<Option<SettingsProblem>>,
    /// The last incidental settings write that failed, until one succeeds.
    pub settings_warning: Mutex<Option<String>>,
    pub vault: Vault,
    pub session: Session,
    pub demo: Mutex<Option<SimHandle>>,
    client: Mutex<Option<(String, Client)>>,
    /// The files this run exported: the only paths "Show in folder" will reveal.
    pub exported: Mutex<Vec<PathBuf>>,
}

/// A poisoned lock still holds consistent data here (plain values replaced whole).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    /// State with default settings and no file read (tests of the parts).
    pub fn new(env: EnvOverrides, data_dir: PathBuf, log_dir: PathBuf, vault: Vault) -> Self {
        let store = SettingsStore::empty(data_dir.join(store::FILE_NAME));
        Self::with_store(env, data_dir, log_dir, vault, store, None)
    }

    fn with_store(
        env: EnvOverrides,
        data_dir: PathBuf,
        log_dir: PathBuf,
        vault: Vault,
        store: SettingsStore,
        problem: Option<SettingsProblem>,
    ) -> Self {
        AppState {
            env,
            data_dir,
            log_dir,
            store,
            settings_problem: Mutex::new(problem),
            settings_warning: Mutex::new(None),
            vault,
            session: Session::new(),
            demo: Mutex::new(None),
            client: Mutex::new(None),
            exported: Mutex::new(Vec::new()),
        }
    }

    /// Reads settings.json from `data_dir` and brings the secrets up to date:
    /// - keychain entries of versions before 0.2 (no host) are bound to the host saved in that
    ///   version's file, the host they were entered for;
    /// - secrets kept in the file move into the keychain once there is one: written there
    ///   first, removed from the file only after every one was stored.
    pub fn load(env: EnvOverrides, data_dir: PathBuf, log_dir: PathBuf, vault: Vault) -> Self {
        let path = data_dir.join(store::FILE_NAME);
        let loaded = store::load(&path);
        if let Some(p) = &loaded.problem {
            log::warn!("settings: {}", p.detail);
        }
        let store = SettingsStore::new(path, &loaded);
        let binding = Binding::of(&loaded.doc.settings);
        if loaded.from_before_binding {
            let moved = vault.migrate_legacy(&binding);
            if !moved.is_empty() {
                log::info!(
                    "secrets: {} secret(s) bound to {} ({:?})",
                    moved.len(),
                    binding.base_url,
                    binding.mode
                );
            }
        }
        if let Some(copy) = &loaded.doc.secrets {
            vault.load_from_file_copy(copy);
            if vault.keychain_available() {
                match vault.move_into_keychain(copy) {
                    Ok(()) => {
                        let (_, err) = store.update(|d| d.secrets = None);
                        match err {
                            None => log::info!("secrets: moved from the settings file into the keychain"),
                            Some(e) => log::warn!(
                                "secrets: stored in the keychain but still in the settings file ({})",
                                e.message
                            ),
                        }
                    }
                    Err(e) => log::warn!("secrets: left in the settings file ({e})"),
                }
            }
        }
        Self::with_store(env, data_dir, log_dir, vault, store, loaded.problem)
    }

    pub fn settings(&self) -> Settings {
        self.store.settings()
    }

    /// The host and mode the stored secrets belong to: the saved settings'.
    pub fn binding(&self) -> Binding {
        Binding::of(&self.settings())
    }

    /// An incidental settings change (recent rooms, last export folder): kept in memory even
    /// when the file cannot be written, and then the returned warning says so. The operation
    /// that caused it has succeeded and must be reported as such.
    pub fn update_settings(&self, change: impl FnOnce(&mut Settings)) -> Option<String> {
        let (_, err) = self.store.update(|d: &mut Doc| change(&mut d.settings));
        let warning = err.map(|e| e.message);
        *lock(&self.settings_warning) = warning.clone();
        warning
    }

    /// After an explicit save: the file on disk is the user's again.
    pub fn settings_saved(&self) {
        *lock(&self.settings_problem) = None;
        *lock(&self.settings_warning) = None;
    }

    pub fn demo_base_url(&self) -> Option<String> {
        lock(&self.demo).as_ref().map(|d| d.base_url())
    }

    /// The connection the next call would use.
    pub fn connection(&self) -> Result<Connection, AppError> {
        let demo = self.demo_base_url();
        profile::resolve(
            &self.settings(),
            &self.env,
            |b, n| self.vault.get(b, n),
            demo.as_deref().map(|base_url| Demo {
                base_url,
                app_key: dingtalk_sim::DEMO_APP_KEY,
                app_secret: dingtalk_sim::DEMO_APP_SECRET,
            }),
        )
    }

    pub fn is_configured(&self) -> bool {
        self.connection().is_ok()
    }

    /// The client for the current connection, built once per connection.
    pub fn client(&self) -> Result<(Client, Connection), AppError> {
        let conn = self.connection()?;
        let mut slot = lock(&self.client);
        if let Some((key, client)) = slot.as_ref() {
            if *key == conn.key {
                return Ok((client.clone(), conn));
            }
        }
        let client = build_client(&conn)?;
        *slot = Some((conn.key.clone(), client.clone()));
        Ok((client, conn))
    }
}

pub fn build_client(conn: &Connection) -> Result<Client, AppError> {
    let mut config = ClientConfig::new(&conn.base_url)?;
    config.request_timeout = Duration::from_secs(u64::from(conn.timeout_secs));
    Ok(Client::new(config, conn.credentials.clone())?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemoryKeychain;
    use meetdesk_core::profile::SecretName;
    use meetdesk_core::settings::CredentialMode;

    fn keychain_vault(kc: &MemoryKeychain) -> Vault {
        Vault::with_keychain(Box::new(kc.clone()))
    }

    fn load_in(dir: &std::path::Path, vault: Vault) -> AppState {
        AppState::load(
            EnvOverrides::default(),
            dir.to_path_buf(),
            dir.join("logs"),
            vault,
        )
    }

    #[test]
    fn secrets_in_the_file_move_into_the_keychain_once_there_is_one() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join(store::FILE_NAME);
        std::fs::write(
            &file,
            r#"{"settings": {"appKey": "dingabc", "storeSecretsInFile": true},
                "secrets": {"appSecret": "IN-THE-FILE"}}"#,
        )
        .unwrap();

        // A locked keychain: the secret stays in the file, still usable.
        let kc = MemoryKeychain::default();
        kc.refuse_writes
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let state = load_in(d.path(), keychain_vault(&kc));
        assert!(std::fs::read_to_string(&file)
            .unwrap()
            .contains("IN-THE-FILE"));
        assert!(state.is_configured());
        drop(state);

        // A keychain that works: written there first, then gone from the file.
        kc.refuse_writes
            .store(false, std::sync::atomic::Ordering::SeqCst);
        let state = load_in(d.path(), keychain_vault(&kc));
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("IN-THE-FILE"), "{text}");
        assert!(text.contains("dingabc"), "the settings stay: {text}");
        assert!(state.is_configured());
        drop(state);
        let state = load_in(d.path(), keychain_vault(&kc));
        assert!(state.is_configured(), "found in the keychain the next run");
    }

    #[test]
    fn keychain_entries_without_a_host_are_bound_to_the_saved_host_on_first_load() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join(store::FILE_NAME),
            r#"{"settings": {"host": "mainland", "appKey": "dingabc"}}"#,
        )
        .unwrap();
        let kc = MemoryKeychain::default();
        lock(&kc.entries).insert("appSecret".into(), "old-secret".into());
        let state = load_in(d.path(), keychain_vault(&kc));
        let mainland = Binding::new("https://api.dingtalk.com", CredentialMode::InternalApp);
        assert_eq!(state.binding(), mainland);
        assert_eq!(
            state.vault.get(&mainland, SecretName::AppSecret).as_deref(),
            Some("old-secret")
        );
        assert!(state.is_configured());
        let intl = Binding::new("https://api.dingtalk.io", CredentialMode::InternalApp);
        assert_eq!(state.vault.get(&intl, SecretName::AppSecret), None);
    }

    #[test]
    fn the_timeout_setting_reaches_the_client() {
        let conn = Connection {
            base_url: "http://127.0.0.1:9".into(),
            credentials: dingtalk::Credentials::AccessToken(dingtalk::Secret::new("t")),
            custom_link_domain: None,
            timeout_secs: 42,
            key: String::new(),
        };
        let client = build_client(&conn).unwrap();
        assert_eq!(client.config().request_timeout, Duration::from_secs(42));
    }
}
