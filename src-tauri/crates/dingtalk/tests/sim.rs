//! The client against the simulator over real HTTP on loopback.
//!
//! One test binary (modules under `tests/sim/`) to keep link time down on small machines.
//! Every test starts its own simulator on a free port, so tests run in parallel.

mod sim {
    pub mod common;
    mod errors;
    mod paging;
    mod rate_limit;
    mod requests;
    mod tokens;
    mod trust;
}
