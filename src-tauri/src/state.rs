//! The running app's state, shared by the commands: settings, secrets, the current query, demo
//! mode, and the DingTalk client (kept while its connection is unchanged, so its token cache and
//! rate limiter are shared by every call).

use std::path::PathBuf;
use std::sync::Mutex;

use dingtalk::{Client, ClientConfig};
use dingtalk_sim::SimHandle;

use crate::connection::{self, Connection, Demo};
use crate::error::AppError;
use crate::secrets::Vault;
use crate::session::Session;
use crate::settings::{EnvOverrides, Settings};

pub struct AppState {
    pub env: EnvOverrides,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
    pub settings: Mutex<Settings>,
    /// Why the saved settings could not be used, until the user saves new ones.
    pub settings_problem: Mutex<Option<String>>,
    pub vault: Vault,
    pub session: Session,
    pub demo: Mutex<Option<SimHandle>>,
    client: Mutex<Option<(String, Client)>>,
    /// The files this run exported: the only paths "Show in folder" will reveal.
    pub exported: Mutex<Vec<PathBuf>>,
}

impl AppState {
    pub fn new(env: EnvOverrides, data_dir: PathBuf, log_dir: PathBuf, vault: Vault) -> Self {
        AppState {
            env,
            data_dir,
            log_dir,
            settings: Mutex::new(Settings::default()),
            settings_problem: Mutex::new(None),
            vault,
            session: Session::new(),
            demo: Mutex::new(None),
            client: Mutex::new(None),
            exported: Mutex::new(Vec::new()),
        }
    }

    pub fn settings(&self) -> Settings {
        self.settings.lock().unwrap().clone()
    }

    pub fn demo_base_url(&self) -> Option<String> {
        self.demo.lock().unwrap().as_ref().map(|d| d.base_url())
    }

    /// The connection the next call would use.
    pub fn connection(&self) -> Result<Connection, AppError> {
        let demo = self.demo_base_url();
        connection::resolve(
            &self.settings(),
            &self.env,
            |n| self.vault.get(n),
            demo.as_deref().map(|base_url| Demo { base_url }),
        )
    }

    pub fn is_configured(&self) -> bool {
        self.connection().is_ok()
    }

    /// The client for the current connection, built once per connection.
    pub fn client(&self) -> Result<(Client, Connection), AppError> {
        let conn = self.connection()?;
        let mut slot = self.client.lock().unwrap();
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
    let config = ClientConfig::new(&conn.base_url)?;
    Ok(Client::new(config, conn.credentials.clone())?)
}
