//! Where secrets (app secret, suite secret, suite ticket, a pasted access token) are kept.
//!
//! The OS keychain when there is one (macOS Keychain, Windows Credential Manager, the Secret
//! Service on Linux, through the `keyring` crate). A headless Linux box often has none: then
//! secrets live only in memory for this session, unless the user explicitly agreed to keep them
//! in the settings file (`storeSecretsInFile`), a choice the UI warns about.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

const SERVICE: &str = "com.meetdesk.desktop";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretName {
    AppSecret,
    SuiteSecret,
    SuiteTicket,
    AccessToken,
}

impl SecretName {
    pub const ALL: [SecretName; 4] = [
        SecretName::AppSecret,
        SecretName::SuiteSecret,
        SecretName::SuiteTicket,
        SecretName::AccessToken,
    ];

    fn account(self) -> &'static str {
        match self {
            SecretName::AppSecret => "appSecret",
            SecretName::SuiteSecret => "suiteSecret",
            SecretName::SuiteTicket => "suiteTicket",
            SecretName::AccessToken => "accessToken",
        }
    }
}

/// What the user typed into the secret fields; `None` or empty means "leave as is".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecretInput {
    pub app_secret: Option<String>,
    pub suite_secret: Option<String>,
    pub suite_ticket: Option<String>,
    pub access_token: Option<String>,
}

impl SecretInput {
    pub fn entries(&self) -> impl Iterator<Item = (SecretName, &str)> {
        [
            (SecretName::AppSecret, &self.app_secret),
            (SecretName::SuiteSecret, &self.suite_secret),
            (SecretName::SuiteTicket, &self.suite_ticket),
            (SecretName::AccessToken, &self.access_token),
        ]
        .into_iter()
        .filter_map(|(n, v)| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| (n, v))
        })
    }
}

/// The secrets vault. Reads go to a memory cache first so the keychain is asked once per run.
pub struct Vault {
    keychain: bool,
    /// A test or a user without a keychain; never persisted except through `file_copy`.
    cache: Mutex<HashMap<SecretName, String>>,
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
            keychain,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// A vault that never touches the OS keychain (tests).
    pub fn in_memory() -> Self {
        Vault {
            keychain: false,
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn keychain_available(&self) -> bool {
        self.keychain
    }

    pub fn get(&self, name: SecretName) -> Option<String> {
        if let Some(v) = self.cache.lock().unwrap().get(&name) {
            return Some(v.clone());
        }
        if !self.keychain {
            return None;
        }
        let value = keyring::Entry::new(SERVICE, name.account())
            .ok()?
            .get_password()
            .ok()?;
        self.cache.lock().unwrap().insert(name, value.clone());
        Some(value)
    }

    pub fn is_set(&self, name: SecretName) -> bool {
        self.get(name).is_some()
    }

    /// Keeps `value` in the keychain (or, without one, in memory for this session).
    pub fn set(&self, name: SecretName, value: &str) -> Result<(), String> {
        if self.keychain {
            keyring::Entry::new(SERVICE, name.account())
                .and_then(|e| e.set_password(value))
                .map_err(|e| format!("The system keychain refused to store the secret: {e}"))?;
        }
        self.cache.lock().unwrap().insert(name, value.to_string());
        Ok(())
    }

    /// Seeds the session cache from secrets the user agreed to keep in the settings file.
    pub fn load_from_file_copy(&self, copy: &HashMap<SecretName, String>) {
        let mut cache = self.cache.lock().unwrap();
        for (k, v) in copy {
            cache.entry(*k).or_insert_with(|| v.clone());
        }
    }

    /// The secrets to write into the settings file when the user chose that (no keychain only).
    pub fn file_copy(&self) -> HashMap<SecretName, String> {
        self.cache.lock().unwrap().clone()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_inputs_leave_secrets_unchanged() {
        let input = SecretInput {
            app_secret: Some("  ".into()),
            access_token: Some(" tok ".into()),
            ..Default::default()
        };
        let got: Vec<_> = input.entries().collect();
        assert_eq!(got, vec![(SecretName::AccessToken, "tok")]);
    }

    #[test]
    fn without_a_keychain_secrets_last_for_the_session() {
        let v = Vault::in_memory();
        assert!(!v.keychain_available());
        assert!(!v.is_set(SecretName::AppSecret));
        v.set(SecretName::AppSecret, "s3cret").unwrap();
        assert_eq!(v.get(SecretName::AppSecret).as_deref(), Some("s3cret"));
        assert_eq!(v.file_copy().len(), 1);
    }
}
