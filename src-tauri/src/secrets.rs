//! Where secrets (app secret, suite secret, suite ticket, a pasted access token) are kept, and
//! for which host they were entered.
//!
//! The OS keychain when there is one (macOS Keychain, Windows Credential Manager, the Secret
//! Service on Linux, through the `keyring` crate). A headless Linux box often has none: then
//! secrets live only in memory for this session, unless the user explicitly agreed to keep them
//! in the settings file (`storeSecretsInFile`), a choice the UI warns about.
//!
//! Every secret is bound to a [`Binding`]: the normalised base URL and the credential mode it
//! was saved with. A lookup names the binding it wants, and a secret saved for another host is
//! simply not found. That is the whole defence against a page script (or a typo) pointing the
//! app at another host and having the stored app secret POSTed there: there is no "fall back to
//! whatever is stored" path to forget about.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use meetdesk_core::profile::{Binding, SecretName};
use meetdesk_core::settings::CredentialMode;

const SERVICE: &str = "com.meetdesk.desktop";

/// The keychain account versions before 0.2 used, with no host: migrated on first load.
fn legacy_account(name: SecretName) -> &'static str {
    match name {
        SecretName::AppSecret => "appSecret",
        SecretName::SuiteSecret => "suiteSecret",
        SecretName::SuiteTicket => "suiteTicket",
        SecretName::AccessToken => "accessToken",
    }
}

/// The keychain account of one secret: `name|mode|baseUrl`, so each host's secrets are apart.
fn account(binding: &Binding, name: SecretName) -> String {
    let mode = match binding.mode {
        CredentialMode::Token => "token",
        CredentialMode::InternalApp => "internalApp",
        CredentialMode::ThirdParty => "thirdParty",
    };
    format!("{}|{mode}|{}", legacy_account(name), binding.base_url)
}

/// Secrets kept in the settings file (no keychain, and the user ticked the box), with the host
/// they belong to. Files from before 0.2 have no binding: [`crate::store`] binds them to the
/// host saved beside them, which is the host they were entered for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSecrets {
    pub bound_to: Binding,
    pub values: HashMap<SecretName, String>,
}

/// The OS keychain, behind a trait so the migration and binding rules can be tested without
/// one (CI machines have no Secret Service unless a test starts one).
pub trait Keychain: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<String>, String>;
    fn set(&self, account: &str, value: &str) -> Result<(), String>;
    fn delete(&self, account: &str) -> Result<(), String>;
}

struct OsKeychain;

impl Keychain for OsKeychain {
    fn get(&self, account: &str) -> Result<Option<String>, String> {
        match keyring::Entry::new(SERVICE, account).and_then(|e| e.get_password()) {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
    fn set(&self, account: &str, value: &str) -> Result<(), String> {
        keyring::Entry::new(SERVICE, account)
            .and_then(|e| e.set_password(value))
            .map_err(|e| e.to_string())
    }
    fn delete(&self, account: &str) -> Result<(), String> {
        match keyring::Entry::new(SERVICE, account).and_then(|e| e.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The secrets vault. Reads go to a memory cache first so the keychain is asked once per run.
pub struct Vault {
    keychain: Option<Box<dyn Keychain>>,
    /// Read-through cache of the keychain, or (without one) the only copy for this session.
    cache: Mutex<HashMap<(Binding, SecretName), String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves a map that is still consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Vault {
    /// Probes the keychain once. `MEETDESK_NO_KEYCHAIN=1` forces the no-keychain path (tests, and
    /// users whose keychain prompts are unwanted).
    pub fn open() -> Self {
        let forced_off = std::env::var("MEETDESK_NO_KEYCHAIN").is_ok_and(|v| v == "1");
        let keychain = !forced_off && probe_keychain();
        log::info!(
            "secrets: keychain {}",
            if keychain { "available" } else { "unavailable" }
        );
        Vault {
            keychain: keychain.then(|| Box::new(OsKeychain) as Box<dyn Keychain>),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// A vault that never touches the OS keychain (tests).
    pub fn in_memory() -> Self {
        Vault {
            keychain: None,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// A vault over the given keychain (tests: a keychain that is "available" but in memory).
    pub fn with_keychain(keychain: Box<dyn Keychain>) -> Self {
        Vault {
            keychain: Some(keychain),
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn keychain_available(&self) -> bool {
        self.keychain.is_some()
    }

    /// The secret saved for exactly this host and mode, if any.
    pub fn get(&self, binding: &Binding, name: SecretName) -> Option<String> {
        let key = (binding.clone(), name);
        if let Some(v) = lock(&self.cache).get(&key) {
            return Some(v.clone());
        }
        let value = self
            .keychain
            .as_ref()?
            .get(&account(binding, name))
            .inspect_err(|e| log::warn!("secrets: the keychain could not be read ({e})"))
            .ok()??;
        lock(&self.cache).insert(key, value.clone());
        Some(value)
    }

    pub fn is_set(&self, binding: &Binding, name: SecretName) -> bool {
        self.get(binding, name).is_some()
    }

    /// Keeps `value` for this host and mode in the keychain (or, without one, in memory for this
    /// session).
    pub fn set(&self, binding: &Binding, name: SecretName, value: &str) -> Result<(), String> {
        if let Some(k) = &self.keychain {
            k.set(&account(binding, name), value)
                .map_err(|e| format!("The system keychain refused to store the secret: {e}"))?;
        }
        lock(&self.cache).insert((binding.clone(), name), value.to_string());
        Ok(())
    }

    /// Drops every secret saved for this host and mode: they are never sent anywhere else, and
    /// keeping them would only leave them lying in the keychain.
    pub fn forget(&self, binding: &Binding) {
        lock(&self.cache).retain(|(b, _), _| b != binding);
        if let Some(k) = &self.keychain {
            for name in SecretName::ALL {
                if let Err(e) = k.delete(&account(binding, name)) {
                    log::warn!("secrets: could not delete an old secret from the keychain ({e})");
                }
            }
        }
    }

    /// Moves secrets saved by versions before 0.2 (one keychain entry per name, no host) to the
    /// host they were entered for: the host saved in settings.json at the time. Each is written
    /// under its binding first and only then deleted under its old name, so a failure leaves
    /// the old entry rather than nothing.
    pub fn migrate_legacy(&self, to: &Binding) -> Vec<SecretName> {
        let Some(k) = &self.keychain else {
            return Vec::new();
        };
        let mut moved = Vec::new();
        for name in SecretName::ALL {
            let Ok(Some(value)) = k.get(legacy_account(name)) else {
                continue;
            };
            if self.get(to, name).is_none() && self.set(to, name, &value).is_err() {
                continue;
            }
            if k.delete(legacy_account(name)).is_ok() {
                moved.push(name);
            }
        }
        moved
    }

    /// Seeds the session cache from secrets the user agreed to keep in the settings file.
    pub fn load_from_file_copy(&self, copy: &FileSecrets) {
        let mut cache = lock(&self.cache);
        for (name, v) in &copy.values {
            cache
                .entry((copy.bound_to.clone(), *name))
                .or_insert_with(|| v.clone());
        }
    }

    /// Writes secrets found in the settings file into the keychain. `Ok` means every one is
    /// there now, so the caller may remove them from the file; on `Err` the file keeps them.
    pub fn move_into_keychain(&self, copy: &FileSecrets) -> Result<(), String> {
        if self.keychain.is_none() {
            return Err("no keychain".into());
        }
        for (name, v) in &copy.values {
            self.set(&copy.bound_to, *name, v)?;
        }
        Ok(())
    }

    /// The secrets to write into the settings file when the user chose that (no keychain only):
    /// those of the current binding and no other.
    pub fn file_copy(&self, binding: &Binding) -> FileSecrets {
        let values = lock(&self.cache)
            .iter()
            .filter(|((b, _), _)| b == binding)
            .map(|((_, n), v)| (*n, v.clone()))
            .collect();
        FileSecrets {
            bound_to: binding.clone(),
            values,
        }
    }
}

fn probe_keychain() -> bool {
    // A lookup of an entry that may not exist: NoEntry means the store answered.
    match keyring::Entry::new(SERVICE, "probe").and_then(|e| e.get_password()) {
        Ok(_) | Err(keyring::Error::NoEntry) => true,
        Err(e) => {
            log::info!("secrets: no usable keychain ({e})");
            false
        }
    }
}

/// An in-memory stand-in for the OS keychain, for tests of this crate and its integration tests.
#[derive(Default, Clone)]
pub struct MemoryKeychain {
    pub entries: std::sync::Arc<Mutex<HashMap<String, String>>>,
    /// When set, every write fails (a locked or refusing keychain).
    pub refuse_writes: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Keychain for MemoryKeychain {
    fn get(&self, account: &str) -> Result<Option<String>, String> {
        Ok(lock(&self.entries).get(account).cloned())
    }
    fn set(&self, account: &str, value: &str) -> Result<(), String> {
        if self.refuse_writes.load(std::sync::atomic::Ordering::SeqCst) {
            return Err("the keychain is locked".into());
        }
        lock(&self.entries).insert(account.to_string(), value.to_string());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), String> {
        lock(&self.entries).remove(account);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intl() -> Binding {
        Binding::new("https://api.dingtalk.io", CredentialMode::InternalApp)
    }

    #[test]
    fn without_a_keychain_secrets_last_for_the_session() {
        let v = Vault::in_memory();
        assert!(!v.keychain_available());
        assert!(!v.is_set(&intl(), SecretName::AppSecret));
        v.set(&intl(), SecretName::AppSecret, "s3cret").unwrap();
        assert_eq!(
            v.get(&intl(), SecretName::AppSecret).as_deref(),
            Some("s3cret")
        );
        assert_eq!(v.file_copy(&intl()).values.len(), 1);
    }

    #[test]
    fn a_secret_is_found_only_for_the_host_and_mode_it_was_saved_for() {
        for vault in [
            Vault::in_memory(),
            Vault::with_keychain(Box::new(MemoryKeychain::default())),
        ] {
            vault.set(&intl(), SecretName::AppSecret, "s3cret").unwrap();
            let same = Binding::new("HTTPS://API.DingTalk.io:443/", CredentialMode::InternalApp);
            assert_eq!(same, intl(), "one spelling per host");
            assert!(vault.is_set(&same, SecretName::AppSecret));
            for other in [
                Binding::new("https://api.dingtalk.com", CredentialMode::InternalApp),
                Binding::new(
                    "https://api.dingtalk.io.evil.example",
                    CredentialMode::InternalApp,
                ),
                Binding::new("http://127.0.0.1:9", CredentialMode::InternalApp),
                Binding::new("https://api.dingtalk.io", CredentialMode::ThirdParty),
            ] {
                assert_eq!(vault.get(&other, SecretName::AppSecret), None, "{other:?}");
                assert!(vault.file_copy(&other).values.is_empty());
            }
        }
    }

    #[test]
    fn forget_removes_the_secrets_of_one_binding_from_the_keychain_too() {
        let kc = MemoryKeychain::default();
        let vault = Vault::with_keychain(Box::new(kc.clone()));
        let other = Binding::new("https://api.dingtalk.com", CredentialMode::Token);
        vault.set(&intl(), SecretName::AppSecret, "a").unwrap();
        vault.set(&other, SecretName::AccessToken, "t").unwrap();
        vault.forget(&intl());
        assert_eq!(vault.get(&intl(), SecretName::AppSecret), None);
        assert_eq!(lock(&kc.entries).len(), 1);
        // A fresh vault over the same keychain (the next run) agrees.
        let next = Vault::with_keychain(Box::new(kc));
        assert_eq!(next.get(&intl(), SecretName::AppSecret), None);
        assert_eq!(
            next.get(&other, SecretName::AccessToken).as_deref(),
            Some("t")
        );
    }

    #[test]
    fn legacy_entries_move_to_the_saved_host_written_first_then_deleted() {
        let kc = MemoryKeychain::default();
        lock(&kc.entries).insert("appSecret".into(), "old".into());
        let vault = Vault::with_keychain(Box::new(kc.clone()));
        assert_eq!(vault.migrate_legacy(&intl()), vec![SecretName::AppSecret]);
        assert!(!lock(&kc.entries).contains_key("appSecret"));
        let next = Vault::with_keychain(Box::new(kc.clone()));
        assert_eq!(
            next.get(&intl(), SecretName::AppSecret).as_deref(),
            Some("old")
        );

        // A keychain that refuses the write keeps the old entry: nothing is lost.
        lock(&kc.entries).insert("suiteSecret".into(), "s".into());
        kc.refuse_writes
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let third = Binding::new("https://api.dingtalk.io", CredentialMode::ThirdParty);
        assert!(Vault::with_keychain(Box::new(kc.clone()))
            .migrate_legacy(&third)
            .is_empty());
        assert!(lock(&kc.entries).contains_key("suiteSecret"));
    }

    #[test]
    fn file_secrets_move_into_the_keychain_or_stay_in_the_file() {
        let copy = FileSecrets {
            bound_to: intl(),
            values: [(SecretName::AppSecret, "f".to_string())].into(),
        };
        assert!(Vault::in_memory().move_into_keychain(&copy).is_err());
        let kc = MemoryKeychain::default();
        kc.refuse_writes
            .store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(Vault::with_keychain(Box::new(kc.clone()))
            .move_into_keychain(&copy)
            .is_err());
        kc.refuse_writes
            .store(false, std::sync::atomic::Ordering::SeqCst);
        Vault::with_keychain(Box::new(kc.clone()))
            .move_into_keychain(&copy)
            .unwrap();
        assert_eq!(
            Vault::with_keychain(Box::new(kc))
                .get(&intl(), SecretName::AppSecret)
                .as_deref(),
            Some("f")
        );
    }
}
