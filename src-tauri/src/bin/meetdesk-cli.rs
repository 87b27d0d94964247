//! The installers' copy of `meetdesk-cli` (the crate `src-tauri/crates/meetdesk-cli` is the CLI;
//! see the root Cargo.toml for why this file exists).

fn main() {
    std::process::exit(meetdesk_cli::run_from_env());
}
