//! `meetdesk-cli`: look up DingTalk meetings by room code from a terminal or a script.
//! Everything lives in the library (documented there) so the tests reach it.

fn main() {
    std::process::exit(meetdesk_cli::run_from_env());
}
