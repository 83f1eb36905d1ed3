//! [`MemoryStore`]: the default [`Store`]: ids and history in this process's memory.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::time::{Duration, SystemTime};

use crate::history::{History, HistoryUsage};
use crate::id::EventId;
use crate::store::{Entry, ResetReason, Store, Topic};

/// Ids and a bounded history per topic, in memory.
///
/// Each store draws a random epoch, so ids from an earlier run of the process (or from
/// another hub) are never taken for its own: resuming from one gives a reset event.
#[derive(Debug)]
pub struct MemoryStore {
    epoch: u64,
    seq: u64,
    history: History,
}

impl MemoryStore {
    /// A store keeping `history_len` events per topic, and none older than `max_age`,
    /// within the byte and idleness bounds of [`Config::default`](crate::Config).
    pub fn new(history_len: usize, max_age: Option<Duration>) -> Self {
        let mut config = crate::Config::default().with_history_len(history_len);
        if let Some(age) = max_age {
            config = config.with_history_max_age(age);
        }
        Self::from_config(&config)
    }

    /// A store with every history bound of `config`.
    pub fn from_config(config: &crate::Config) -> Self {
        MemoryStore {
            epoch: random_epoch(),
            seq: 0,
            history: History::new(config.history_bounds()),
        }
    }
}

impl Store for MemoryStore {
    fn next_id(&mut self) -> EventId {
        self.seq += 1;
        EventId::new(self.epoch, self.seq)
    }

    fn last_id(&self) -> EventId {
        EventId::new(self.epoch, self.seq)
    }

    fn keep(&mut self, entry: Entry) {
        self.history.keep(entry);
    }

    fn usage(&self) -> HistoryUsage {
        self.history.usage()
    }

    fn recent(&self, topic: &str, max: usize, out: &mut Vec<Entry>) {
        self.history.recent(topic, max, out);
    }

    fn replay(
        &mut self,
        topics: &[Topic],
        after: EventId,
        out: &mut Vec<Entry>,
    ) -> Result<(), ResetReason> {
        if after.epoch() != self.epoch || after.seq() > self.seq {
            return Err(ResetReason::UnknownId);
        }
        self.history.replay(topics, after, out)
    }
}

/// A random epoch: std's randomly keyed hasher over the clock.
pub(crate) fn random_epoch() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    hasher.write_u128(now.as_nanos());
    hasher.finish()
}
#[cfg(test)]
mod tests {
    use super::*;
    use ssekit_core::EncodedEvent;
    use std::sync::Arc;

    fn publish(store: &mut MemoryStore, topic: &str) -> EventId {
        let id = store.next_id();
        store.keep(Entry::new(
            id,
            Arc::from(topic),
            EncodedEvent::keep_alive(),
            None,
        ));
        id
    }

    fn replay(
        store: &mut MemoryStore,
        topics: &[&str],
        after: EventId,
    ) -> Result<Vec<u64>, ResetReason> {
        let topics: Vec<Topic> = topics.iter().map(|t| Arc::from(*t)).collect();
        let mut out = Vec::new();
        store.replay(&topics, after, &mut out)?;
        Ok(out.iter().map(|e| e.id.seq()).collect())
    }

    #[test]
    fn replays_after_the_id_across_topics_in_order() {
        let mut store = MemoryStore::new(10, None);
        let start = store.last_id();
        let ids: Vec<_> = ["a", "b", "a", "c", "b"]
            .iter()
            .map(|t| publish(&mut store, t))
            .collect();
        assert_eq!(replay(&mut store, &["a", "b"], start), Ok(vec![1, 2, 3, 5]));
        assert_eq!(replay(&mut store, &["b", "a"], ids[1]), Ok(vec![3, 5]));
        assert_eq!(replay(&mut store, &["c"], ids[4]), Ok(vec![]));
        assert_eq!(replay(&mut store, &["never"], ids[0]), Ok(vec![]));
    }

    #[test]
    fn forgotten_events_are_a_reset_not_a_hole() {
        let mut store = MemoryStore::new(2, None);
        let start = store.last_id();
        for _ in 0..3 {
            publish(&mut store, "a");
        }
        let other = publish(&mut store, "b");
        assert_eq!(
            replay(&mut store, &["a"], start),
            Err(ResetReason::HistoryGone)
        );
        let first = EventId::new(store.epoch, 1);
        assert_eq!(replay(&mut store, &["a"], first), Ok(vec![2, 3]));
        // Events forgotten from one topic spoil a resume of all topics from before them.
        assert_eq!(
            replay(&mut store, &["b", "a"], start),
            Err(ResetReason::HistoryGone)
        );
        assert_eq!(replay(&mut store, &["b"], start), Ok(vec![other.seq()]));
    }

    #[test]
    fn ids_of_other_runs_and_the_future_are_unknown() {
        let mut store = MemoryStore::new(2, None);
        publish(&mut store, "a");
        let other = MemoryStore::new(2, None);
        assert_ne!(other.epoch, store.epoch);
        assert_eq!(
            replay(&mut store, &["a"], other.last_id()),
            Err(ResetReason::UnknownId)
        );
        let future = EventId::new(store.epoch, 2);
        assert_eq!(
            replay(&mut store, &["a"], future),
            Err(ResetReason::UnknownId)
        );
    }

    #[test]
    fn old_events_expire() {
        let mut store = MemoryStore::new(10, Some(Duration::ZERO));
        let start = store.last_id();
        publish(&mut store, "a");
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(
            replay(&mut store, &["a"], start),
            Err(ResetReason::HistoryGone)
        );
    }

    #[test]
    fn no_history_is_a_reset_for_any_resume() {
        let mut store = MemoryStore::new(0, None);
        let start = store.last_id();
        let id = publish(&mut store, "a");
        assert_eq!(
            replay(&mut store, &["a"], start),
            Err(ResetReason::HistoryGone)
        );
        assert_eq!(replay(&mut store, &["a"], id), Ok(vec![]));
    }
}
