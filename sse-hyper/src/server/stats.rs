//! [`ServerStats`]: what the server counts, read without a lock.

use std::sync::atomic::{AtomicU64, Ordering};

/// The server's counters since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ServerStats {
    /// Connections accepted and served.
    pub accepted: u64,
    /// Connections open now.
    pub open: u64,
    /// Connections answered 503 because [`max_connections`](super::ServerConfig::max_connections)
    /// were open.
    pub refused: u64,
    /// Connections closed because the client stopped reading
    /// ([`write_stall_timeout`](super::ServerConfig::write_stall_timeout)).
    pub stalled: u64,
    /// Connections closed because the client sent nothing, or not a whole request head, in
    /// time ([`header_read_timeout`](super::ServerConfig::header_read_timeout)), TLS
    /// handshakes included.
    pub timed_out: u64,
    /// Connections that ended with another error (a reset, a failed TLS handshake, a
    /// malformed request).
    pub failed: u64,
    /// Connections still open at the shutdown deadline, dropped.
    pub dropped_at_shutdown: u64,
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) accepted: AtomicU64,
    pub(crate) open: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) stalled: AtomicU64,
    pub(crate) timed_out: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) dropped_at_shutdown: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ServerStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ServerStats {
            accepted: get(&self.accepted),
            open: get(&self.open),
            refused: get(&self.refused),
            stalled: get(&self.stalled),
            timed_out: get(&self.timed_out),
            failed: get(&self.failed),
            dropped_at_shutdown: get(&self.dropped_at_shutdown),
        }
    }
}
