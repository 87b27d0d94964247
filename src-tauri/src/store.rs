//! Reading and writing `settings.json` in the app's data directory through tauri-plugin-store.
//!
//! The file holds the settings under `settings`, and, only when the user agreed to it on a machine
//! without a keychain, the secrets under `secrets`.

use std::collections::HashMap;
use std::path::Path;

use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

use crate::error::AppError;
use crate::secrets::SecretName;
use crate::settings::Settings;

pub const FILE_NAME: &str = "settings.json";

/// What was on disk. A file we cannot use is reported (`problem`), never silently overwritten:
/// the defaults serve this run, and the file is only replaced when the user saves.
pub struct Loaded {
    pub settings: Settings,
    pub secrets: HashMap<SecretName, String>,
    pub problem: Option<String>,
}

pub fn load<R: Runtime>(app: &AppHandle<R>, data_dir: &Path) -> Loaded {
    let mut loaded = Loaded {
        settings: Settings::default(),
        secrets: HashMap::new(),
        problem: None,
    };
    let store = match app.store(data_dir.join(FILE_NAME)) {
        Ok(s) => s,
        Err(e) => {
            loaded.problem = Some(format!(
                "The settings file could not be read ({e}); defaults are in use until you save."
            ));
            return loaded;
        }
    };
    if let Some(v) = store.get("settings") {
        match serde_json::from_value::<Settings>(v) {
            Ok(s) => match s.validate() {
                Ok(()) => loaded.settings = s,
                Err(e) => {
                    loaded.problem = Some(format!(
                        "A saved setting was refused ({}: {}); defaults are in use until you save.",
                        e.field.unwrap_or_default(),
                        e.message
                    ))
                }
            },
            Err(e) => {
                loaded.problem = Some(format!(
                    "The settings file has a value MeetDesk cannot use ({e}); defaults are in use until you save."
                ))
            }
        }
    }
    if let Some(v) = store.get("secrets") {
        loaded.secrets = serde_json::from_value(v).unwrap_or_default();
    }
    loaded
}

pub fn save<R: Runtime>(
    app: &AppHandle<R>,
    data_dir: &Path,
    settings: &Settings,
    secrets_in_file: Option<HashMap<SecretName, String>>,
) -> Result<(), AppError> {
    let store = app
        .store(data_dir.join(FILE_NAME))
        .map_err(|e| AppError::io("Could not open the settings file", e))?;
    store.set(
        "settings",
        serde_json::to_value(settings)
            .map_err(|e| AppError::io("Could not encode the settings", e))?,
    );
    match secrets_in_file {
        Some(s) if !s.is_empty() => {
            store.set("secrets", serde_json::to_value(s).unwrap_or_default())
        }
        _ => {
            store.delete("secrets");
        }
    }
    store
        .save()
        .map_err(|e| AppError::io("Could not write the settings file", e))
}
