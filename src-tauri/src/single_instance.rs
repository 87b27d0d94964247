//! One MeetDesk at a time: a second launch focuses the first window (tauri-plugin-single-instance),
//! made non-fatal.
//!
//! On Linux the plugin hands over through D-Bus. When the first instance is still holding its
//! D-Bus name while quitting, the hand-over gets no reply and the plugin fails its
//! initialisation, which would crash the new launch. A user who quits and starts again at once
//! should get a window, so that failure is logged and the app starts normally.

use tauri::plugin::{Plugin, TauriPlugin};
use tauri::{AppHandle, Manager, RunEvent, Runtime, Url, Webview, Window};

pub fn init<R: Runtime>() -> Tolerant<R> {
    Tolerant(tauri_plugin_single_instance::init(|app, _args, _cwd| {
        if let Some(w) = app.get_webview_window("main") {
            let _ = w.unminimize();
            let _ = w.show();
            let _ = w.set_focus();
        }
    }))
}

/// A plugin whose failed initialisation is reported and otherwise ignored.
pub struct Tolerant<R: Runtime>(TauriPlugin<R>);

impl<R: Runtime> Plugin<R> for Tolerant<R> {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn initialize(
        &mut self,
        app: &AppHandle<R>,
        config: serde_json::Value,
    ) -> Result<(), Box<dyn std::error::Error>> {
        if let Err(e) = self.0.initialize(app, config) {
            // The logger is not installed yet (this plugin comes first), so stderr it is.
            eprintln!("single-instance: starting without the one-instance guard: {e}");
        }
        Ok(())
    }

    fn initialization_script(&self) -> Option<String> {
        self.0.initialization_script()
    }

    fn window_created(&mut self, window: Window<R>) {
        self.0.window_created(window)
    }

    fn webview_created(&mut self, webview: Webview<R>) {
        self.0.webview_created(webview)
    }

    fn on_navigation(&mut self, webview: &Webview<R>, url: &Url) -> bool {
        self.0.on_navigation(webview, url)
    }

    fn on_page_load(
        &mut self,
        webview: &Webview<R>,
        payload: &tauri::webview::PageLoadPayload<'_>,
    ) {
        self.0.on_page_load(webview, payload)
    }

    fn on_event(&mut self, app: &AppHandle<R>, event: &RunEvent) {
        self.0.on_event(app, event)
    }

    fn extend_api(&mut self, invoke: tauri::ipc::Invoke<R>) -> bool {
        self.0.extend_api(invoke)
    }
}
