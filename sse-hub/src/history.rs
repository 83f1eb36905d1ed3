//! [`History`]: kept events per topic, oldest first, bounded by count and age; what both
//! stores replay from.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::id::EventId;
use crate::store::{Entry, ResetReason, Topic};

/// Each topic's kept events, oldest first, with the ids of what was forgotten.
#[derive(Debug)]
pub(crate) struct History {
    len: usize,
    max_age: Option<Duration>,
    topics: HashMap<Topic, Kept>,
}

/// One topic's kept events.
#[derive(Debug, Default)]
struct Kept {
    entries: VecDeque<Entry>,
    /// The id of the newest event forgotten, if any.
    forgotten_through: Option<EventId>,
}

impl Kept {
    fn forget_oldest(&mut self) {
        if let Some(entry) = self.entries.pop_front() {
            self.forgotten_through = Some(entry.id);
        }
    }

    fn forget_before(&mut self, oldest: Option<Instant>) {
        let Some(oldest) = oldest else { return };
        while self.entries.front().is_some_and(|e| e.at < oldest) {
            self.forget_oldest();
        }
    }
}

impl History {
    /// `len` events per topic, none older than `max_age`.
    pub(crate) fn new(len: usize, max_age: Option<Duration>) -> Self {
        History {
            len,
            max_age,
            topics: HashMap::new(),
        }
    }

    /// The oldest publish time still kept, if events expire.
    fn oldest_kept(&self) -> Option<Instant> {
        self.max_age.and_then(|age| Instant::now().checked_sub(age))
    }

    /// Keeps `entry` as the newest of its topic.
    pub(crate) fn keep(&mut self, entry: Entry) {
        let oldest = self.oldest_kept();
        let kept = self.topics.entry(entry.topic.clone()).or_default();
        kept.entries.push_back(entry);
        while kept.entries.len() > self.len {
            kept.forget_oldest();
        }
        kept.forget_before(oldest);
    }

    /// Appends every kept event of `topics` after `after` to `out`, oldest first; or
    /// [`ResetReason::HistoryGone`] when some were forgotten.
    pub(crate) fn replay(
        &mut self,
        topics: &[Topic],
        after: EventId,
        out: &mut Vec<Entry>,
    ) -> Result<(), ResetReason> {
        let oldest = self.oldest_kept();
        let start = out.len();
        for topic in topics {
            let Some(kept) = self.topics.get_mut(topic) else {
                continue; // nothing published to it yet
            };
            kept.forget_before(oldest);
            if kept.forgotten_through.is_some_and(|id| id > after) {
                out.truncate(start);
                return Err(ResetReason::HistoryGone);
            }
            let first = kept.entries.partition_point(|e| e.id <= after);
            out.extend(kept.entries.range(first..).cloned());
        }
        if let Some(replayed) = out.get_mut(start..) {
            replayed.sort_by_key(|e| e.id);
        }
        Ok(())
    }

    /// Forgets everything, and that anything was ever kept (a new log).
    #[cfg(feature = "redis")]
    pub(crate) fn clear(&mut self) {
        self.topics.clear();
    }
}
