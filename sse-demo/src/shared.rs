//! What pages render, where every instance of the demo sees it ([`SharedState`]): in this
//! process ([`Memory`]), or in Redis with `--redis` (`src/shared_redis.rs`), so two
//! servers behind one address render the same pages.
//!
//! Each value is [`Versioned`]: with the id of the event that last changed it, so a page
//! rendered from it resumes its stream right after that event. A change takes the
//! deployment's write lock ([`SharedState::lock`]), publishes its event, then stores the
//! value with that event's id: pages and streams never disagree.

use std::sync::{Mutex, MutexGuard};

use ssekit_hub::EventId;

use crate::progress::Board;
use crate::todo::Todo;

/// A value and the id of the event that last changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    /// The value.
    pub value: T,
    /// The event that last changed it (an id of no generation when nothing has yet).
    pub changed: EventId,
}

impl<T> Versioned<T> {
    /// `value`, last changed by event `changed`.
    pub fn new(value: T, changed: EventId) -> Self {
        Versioned { value, changed }
    }

    /// The new value, changed by event `id`.
    pub fn set(&mut self, value: T, id: EventId) {
        self.value = value;
        self.changed = id;
    }
}

impl<T: Default> Default for Versioned<T> {
    fn default() -> Self {
        Versioned {
            value: T::default(),
            changed: EventId::new(0, 0),
        }
    }
}

/// The shared state could not be read or written (Redis unreachable, or the write lock
/// not taken in time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the demo's shared state is unavailable: {}", self.0)
    }
}

impl std::error::Error for Unavailable {}

/// The deployment's write lock, released when dropped.
pub struct WriteLock(Option<Box<dyn FnOnce() + Send>>);

impl WriteLock {
    /// A lock whose release is `release`.
    pub fn new(release: impl FnOnce() + Send + 'static) -> Self {
        WriteLock(Some(Box::new(release)))
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        if let Some(release) = self.0.take() {
            release();
        }
    }
}

/// What pages render, shared by every instance of the demo.
pub trait SharedState: Send + Sync + 'static {
    /// Takes the deployment's write lock: one change at a time, everywhere, in order.
    ///
    /// # Errors
    ///
    /// When it cannot be taken in time.
    fn lock(&self) -> Result<WriteLock, Unavailable>;

    /// The unread count of the notifications page.
    ///
    /// # Errors
    ///
    /// When it cannot be read.
    fn unread(&self) -> Result<Versioned<u64>, Unavailable>;

    /// Stores the unread count (under the write lock).
    ///
    /// # Errors
    ///
    /// When it cannot be written.
    fn set_unread(&self, unread: &Versioned<u64>) -> Result<(), Unavailable>;

    /// The todo list.
    ///
    /// # Errors
    ///
    /// When it cannot be read.
    fn todos(&self) -> Result<Versioned<Vec<Todo>>, Unavailable>;

    /// Stores the todo list (under the write lock).
    ///
    /// # Errors
    ///
    /// When it cannot be written.
    fn set_todos(&self, todos: &Versioned<Vec<Todo>>) -> Result<(), Unavailable>;

    /// The job list of the progress page.
    ///
    /// # Errors
    ///
    /// When it cannot be read.
    fn jobs(&self) -> Result<Versioned<Board>, Unavailable>;

    /// Stores the job list (under the write lock).
    ///
    /// # Errors
    ///
    /// When it cannot be written.
    fn set_jobs(&self, jobs: &Versioned<Board>) -> Result<(), Unavailable>;

    /// The next build number of the notifications producer: 1, 2, 3... across the
    /// deployment.
    ///
    /// # Errors
    ///
    /// When it cannot be counted.
    fn next_build(&self) -> Result<u64, Unavailable>;

    /// Whether this instance runs the deployment's background producers now: takes the
    /// lease if it is free, renews it if this instance holds it. A lease not renewed
    /// within `ttl` passes to another instance.
    fn lead(&self, ttl: std::time::Duration) -> bool;
}

/// How long a change waits for the write lock (held only while one change is published).
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// One server's state, in memory.
#[derive(Default)]
pub struct Memory {
    /// Whether the write lock is taken, and its waiters.
    lock: std::sync::Arc<(Mutex<bool>, std::sync::Condvar)>,
    unread: Mutex<Versioned<u64>>,
    todos: Mutex<Versioned<Vec<Todo>>>,
    jobs: Mutex<Versioned<Board>>,
    builds: Mutex<u64>,
}

fn guard<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl SharedState for Memory {
    fn lock(&self) -> Result<WriteLock, Unavailable> {
        let (held, free) = &*self.lock;
        let until = std::time::Instant::now() + LOCK_WAIT;
        let mut taken = guard(held);
        while *taken {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(Unavailable("the write lock is busy".into()));
            }
            taken = free
                .wait_timeout(taken, left)
                .map_or_else(|e| e.into_inner().0, |(taken, _)| taken);
        }
        *taken = true;
        let lock = std::sync::Arc::clone(&self.lock);
        Ok(WriteLock::new(move || {
            *guard(&lock.0) = false;
            lock.1.notify_one();
        }))
    }

    fn unread(&self) -> Result<Versioned<u64>, Unavailable> {
        Ok(guard(&self.unread).clone())
    }

    fn set_unread(&self, unread: &Versioned<u64>) -> Result<(), Unavailable> {
        *guard(&self.unread) = unread.clone();
        Ok(())
    }

    fn todos(&self) -> Result<Versioned<Vec<Todo>>, Unavailable> {
        Ok(guard(&self.todos).clone())
    }

    fn set_todos(&self, todos: &Versioned<Vec<Todo>>) -> Result<(), Unavailable> {
        *guard(&self.todos) = todos.clone();
        Ok(())
    }

    fn jobs(&self) -> Result<Versioned<Board>, Unavailable> {
        Ok(guard(&self.jobs).clone())
    }

    fn set_jobs(&self, jobs: &Versioned<Board>) -> Result<(), Unavailable> {
        *guard(&self.jobs) = jobs.clone();
        Ok(())
    }

    fn next_build(&self) -> Result<u64, Unavailable> {
        let mut builds = guard(&self.builds);
        *builds += 1;
        Ok(*builds)
    }

    fn lead(&self, _ttl: std::time::Duration) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_write_lock_is_one_at_a_time_and_a_wait_ends() {
        let state = std::sync::Arc::new(Memory::default());
        let held = state.lock().expect("free");
        let other = std::sync::Arc::clone(&state);
        let waiter = std::thread::spawn(move || other.lock().is_err());
        assert!(
            waiter.join().unwrap_or(false),
            "busy: refused after its wait"
        );
        drop(held);
        assert!(state.lock().is_ok(), "free again once released");
    }
}
