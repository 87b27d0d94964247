// Prevents an extra console window on Windows in release.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    #[cfg(target_os = "linux")]
    prefer_shared_memory_rendering_without_a_gpu();
    meetdesk_lib::run();
}

/// On a Linux machine with no GPU render node (a VM, a remote desktop, a thin client), WebKitGTK's
/// DMA-BUF renderer falls back to software anyway; turning it off there saved about 80 MiB and
/// showed the page about 0.9 s sooner (docs/performance-startup.md). With a GPU we keep WebKit's
/// default. A value the user set always wins. Not under WebDriver: WebKitGTK 2.50 hangs taking
/// screenshots with the renderer off, and the tests take screenshots.
#[cfg(target_os = "linux")]
fn prefer_shared_memory_rendering_without_a_gpu() {
    const VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
    if std::env::var_os(VAR).is_some() || std::env::var_os("TAURI_WEBVIEW_AUTOMATION").is_some() {
        return;
    }
    let has_render_node = std::fs::read_dir("/dev/dri")
        .map(|dir| {
            dir.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false);
    // Mesa told to render in software is no GPU either (docs/performance-window.md: llvmpipe
    // made scrolling crawl at 7–8 frames a second with the DMA-BUF renderer).
    let software_gl = std::env::var_os("LIBGL_ALWAYS_SOFTWARE").is_some_and(|v| v != "0")
        || std::env::var("GALLIUM_DRIVER").is_ok_and(|v| v == "llvmpipe" || v == "softpipe");
    if !has_render_node || software_gl {
        // Before any thread exists: nothing else reads the environment yet.
        std::env::set_var(VAR, "1");
    }
}
