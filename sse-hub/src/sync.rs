//! Every lock and atomic of the delivery path, in one place: std's, or [loom]'s when the
//! crate is built with `--cfg loom`, so that `tests/loom.rs` explores every interleaving of
//! the publish / subscribe / wake-up protocol (`RUSTFLAGS="--cfg loom" cargo test -p
//! ssekit-hub --release --test loom`).
//!
//! Where a protocol needs sequential consistency across two locations (a stream announces
//! it waits, then reads the tail; a publisher moves the tail, then looks for waiters), it
//! says so with `fence(SeqCst)` on both sides, not with `SeqCst` accesses: loom models the
//! fences, but takes `SeqCst` accesses for acquire/release (and would report false races).
//!
//! `Arc` and `Weak` stay std's (loom's `Arc` has no `Weak`; reference counts are not part
//! of the protocol). The Redis writer and [`Pending`](crate::pending) keep std's too: they
//! wait with timeouts on real time, which a model cannot run.
//!
//! [loom]: https://docs.rs/loom

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard, OnceLock};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

/// Under loom: a cell set once, whose publication is a loom atomic (the model sees the
/// release on `set` and the acquire on `get`, as std's `OnceLock` does them); the value
/// itself sits in std's `OnceLock`. The ring sets each cell once, under its lock.
#[cfg(loom)]
#[derive(Debug)]
pub(crate) struct OnceLock<T> {
    set: AtomicBool,
    value: std::sync::OnceLock<T>,
}

#[cfg(loom)]
impl<T> OnceLock<T> {
    pub(crate) fn new() -> Self {
        OnceLock {
            set: AtomicBool::new(false),
            value: std::sync::OnceLock::new(),
        }
    }

    pub(crate) fn get(&self) -> Option<&T> {
        if self.set.load(Ordering::Acquire) {
            self.value.get()
        } else {
            None
        }
    }

    pub(crate) fn set(&self, value: T) -> Result<(), T> {
        self.value.set(value)?;
        self.set.store(true, Ordering::Release);
        Ok(())
    }
}
