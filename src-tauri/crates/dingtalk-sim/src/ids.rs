//! Identifiers: random ones for tokens and request ids, deterministic ones for demo data.
//!
//! No `rand` dependency: std's `RandomState` is seeded from the OS once per thread, which is
//! plenty for a loopback simulator whose tokens only need to be unguessable by accident, and it
//! keeps the crate's dependency tree (and build time on a shared 2-core machine) small.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// 64 unpredictable bits. The counter guarantees two calls never hash the same input even
/// within one clock tick.
pub(crate) fn random_u64() -> u64 {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    RandomState::new().hash_one((n, nanos))
}

/// `len` lowercase hex digits of randomness.
pub(crate) fn random_hex(len: usize) -> String {
    let mut s = String::with_capacity(len + 16);
    while s.len() < len {
        s.push_str(&format!("{:016x}", random_u64()));
    }
    s.truncate(len);
    s
}

/// Shaped like the request ids DingTalk's gateway returns (an upper-case UUID), so a client that
/// shows "request id: …" to the user for support can be checked against something realistic.
pub(crate) fn request_id() -> String {
    let h = random_hex(32).to_uppercase();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// 32 hex digits, the shape of real DingTalk access tokens (see the API page's example).
pub(crate) fn access_token() -> String {
    random_hex(32)
}

/// SplitMix64: a cheap, well-mixed function of (seed, index), so the large rooms can generate
/// meeting *i* on demand, identically on every page request, without storing anything.
pub(crate) fn mix(seed: u64, i: u64) -> u64 {
    let mut z = seed.wrapping_add(i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Stable 64-bit hash of a string (FNV-1a), used to derive per-room / per-person seeds that do
/// not change between simulator runs.
pub(crate) fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// `len` characters of base62 derived from `x`, for unionId-like creator ids.
pub(crate) fn base62(mut x: u64, len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(len);
    let mut round = 0u64;
    for _ in 0..len {
        if x < 62 {
            round += 1;
            x = mix(x, round);
        }
        out.push(ALPHABET[(x % 62) as usize] as char);
        x /= 62;
    }
    out
}
