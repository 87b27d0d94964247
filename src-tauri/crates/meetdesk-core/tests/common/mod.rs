//! What the integration tests share.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// A writer that accepts `budget` bytes, then fails like a full disk.
pub struct Failing<W> {
    pub inner: W,
    pub budget: usize,
}

impl<W: Write> Write for Failing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.budget == 0 {
            return Err(io::Error::other("no space left on device (simulated)"));
        }
        let n = buf.len().min(self.budget);
        self.budget -= n;
        self.inner.write(&buf[..n])
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The names in `dir`, sorted: what an export left behind (a temp file must never stay).
pub fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
