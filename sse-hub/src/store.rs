//! The storage seam: [`Store`] assigns event ids and keeps each topic's history for replay.
//! [`MemoryStore`](crate::MemoryStore) is the default.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use ssekit_core::EncodedEvent;

use crate::history::HistoryUsage;
use crate::id::EventId;

/// A topic's name, shared.
pub type Topic = Arc<str>;

/// A published event as the store keeps it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Entry {
    /// Its id (also inside `event`).
    pub id: EventId,
    /// Its topic.
    pub topic: Topic,
    /// The encoded event, shared with every subscriber.
    pub event: EncodedEvent,
    /// Its coalescing key, if it was published with one.
    pub key: Option<Arc<str>>,
    /// When it was published.
    pub at: Instant,
}

impl Entry {
    /// An entry published now.
    pub fn new(id: EventId, topic: Topic, event: EncodedEvent, key: Option<Arc<str>>) -> Self {
        Entry {
            id,
            topic,
            event,
            key,
            at: Instant::now(),
        }
    }
}

/// Why a `Last-Event-ID` cannot be resumed from: the stream starts with a reset event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResetReason {
    /// Malformed, from another hub or an earlier run, or not yet assigned.
    UnknownId,
    /// Events after it were already forgotten (history length or age).
    HistoryGone,
}

impl ResetReason {
    /// The reset event's data: `unknown-id` or `history-gone`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResetReason::UnknownId => "unknown-id",
            ResetReason::HistoryGone => "history-gone",
        }
    }
}

impl fmt::Display for ResetReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a hub's ids come from and its history is kept.
///
/// The hub calls every method while holding its lock, in publish order, so a store needs
/// no locking of its own. It serves one hub: for several servers sharing one order and
/// one history, see [`Backplane`](crate::Backplane).
pub trait Store: Send + 'static {
    /// The id for the next event (monotonic within the store's epoch).
    fn next_id(&mut self) -> EventId;

    /// The latest id assigned (sequence 0 before any).
    fn last_id(&self) -> EventId;

    /// Keeps `entry` as the newest event of its topic, forgetting what the history bounds
    /// no longer allow.
    fn keep(&mut self, entry: Entry);

    /// Appends the newest `max` kept events of `topic` to `out`, oldest first (none by
    /// default).
    fn recent(&self, topic: &str, max: usize, out: &mut Vec<Entry>) {
        let _ = (topic, max, out);
    }

    /// How much history it keeps now (none known: zeros).
    fn usage(&self) -> HistoryUsage {
        HistoryUsage::default()
    }

    /// Appends to `out`, oldest first, every kept event of `topics` after `after`, or says
    /// why that cannot be done without a gap.
    ///
    /// # Errors
    ///
    /// [`ResetReason`] when `after` is not one of this store's ids, or events after it
    /// were forgotten.
    fn replay(
        &mut self,
        topics: &[Topic],
        after: EventId,
        out: &mut Vec<Entry>,
    ) -> Result<(), ResetReason>;
}
