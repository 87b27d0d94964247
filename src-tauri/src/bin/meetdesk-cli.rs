//! `meetdesk-cli`: look up DingTalk meetings by room code from a terminal or a script.
//! Everything lives in `meetdesk_lib::cli` (documented there) so it is unit-tested with the lib.

fn main() {
    std::process::exit(meetdesk_lib::cli::main());
}
