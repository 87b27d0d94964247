//! `meetdesk-cli` must build on a server without WebKitGTK or GTK (`cargo install --path
//! src-tauri/crates/meetdesk-cli`): nothing of Tauri or a web view may enter its dependency tree.

use std::process::Command;

#[test]
fn the_cli_has_no_tauri_gtk_or_webview_in_its_dependency_tree() {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-p",
            "meetdesk-cli",
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.contains(&"meetdesk-core"), "tree: {tree}");
    let forbidden: Vec<&&str> = names
        .iter()
        .filter(|n| {
            n.starts_with("tauri")
                || [
                    "wry",
                    "tao",
                    "webkit2gtk",
                    "gtk",
                    "gdk",
                    "javascriptcore-rs",
                    "soup3",
                ]
                .contains(n)
        })
        .collect();
    assert!(forbidden.is_empty(), "the CLI pulls in {forbidden:?}");
}
