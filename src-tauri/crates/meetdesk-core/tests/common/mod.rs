//! What the integration tests share.

use std::io::{self, Write};

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
