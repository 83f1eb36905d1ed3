//! [`History`]: kept events per topic, oldest first, bounded by count, age and bytes per
//! topic, by bytes for the whole hub, and by idleness (a topic not published to for a while
//! is forgotten whole); what both stores replay from.
//!
//! Forgetting never makes a hole: a topic's forgotten events raise its own floor. A topic
//! forgotten whole leaves a tombstone with that floor (at most [`MAX_TOMBSTONES`]; the
//! oldest ones then raise one floor for every topic without history or tombstone, so a
//! resume from before them is a reset, not a silent gap). Every topic's oldest kept id is
//! indexed, so the hub-wide bound forgets in `O(log topics)` per event; idle topics are
//! found by a scan at most four times per idle time.

use std::collections::hash_map::Entry as Entry_;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::id::EventId;
use crate::store::{Entry, ResetReason, Topic};

/// What one kept event counts for besides its bytes: the entry, its place in the queue,
/// a share of its topic's name and of the indexes.
const ENTRY_OVERHEAD: usize = 128;

/// Topics forgotten whole whose floor is remembered one by one, at most.
pub(crate) const MAX_TOMBSTONES: usize = 10_000;

/// The bounds of a [`History`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// Events per topic.
    pub(crate) len: usize,
    /// Age of an event.
    pub(crate) max_age: Option<Duration>,
    /// Bytes per topic.
    pub(crate) topic_bytes: usize,
    /// Bytes for every topic together.
    pub(crate) total_bytes: usize,
    /// A topic with no publish for this long is forgotten whole.
    pub(crate) idle: Option<Duration>,
}

/// Each topic's kept events, oldest first, with the ids of what was forgotten.
#[derive(Debug)]
pub(crate) struct History {
    bounds: Bounds,
    topics: HashMap<Topic, Kept>,
    /// Bytes kept, overhead included.
    bytes: usize,
    /// Each topic's oldest kept id: what the hub-wide byte bound forgets first.
    oldest: BTreeMap<EventId, Topic>,
    /// When idle topics were last looked for.
    idle_scan: Option<Instant>,
    /// Topics forgotten whole: the id of the newest event each had.
    tombstones: HashMap<Topic, EventId>,
    /// The same, by id: the oldest go first.
    tombstone_order: BTreeMap<EventId, Topic>,
    /// The newest id of a tombstone let go: a topic with no history and no tombstone here
    /// may have had events up to it.
    dropped_through: Option<EventId>,
}

/// One topic's kept events.
#[derive(Debug, Default)]
struct Kept {
    entries: VecDeque<Entry>,
    bytes: usize,
    /// The id of the newest event forgotten, if any.
    forgotten_through: Option<EventId>,
}

/// What `entry` counts for.
fn cost(entry: &Entry) -> usize {
    entry.event.as_bytes().len()
        + entry.key.as_deref().map_or(0, str::len)
        + entry.topic.len()
        + ENTRY_OVERHEAD
}

/// How much history a hub keeps now ([`Hub::history_usage`](crate::Hub::history_usage)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct HistoryUsage {
    /// Topics with kept events.
    pub topics: usize,
    /// Events kept.
    pub events: usize,
    /// Bytes kept: the encoded events, their keys and topic names, and a fixed overhead
    /// per event.
    pub bytes: usize,
}

impl History {
    /// A history within `bounds`.
    pub(crate) fn new(bounds: Bounds) -> Self {
        History {
            bounds,
            topics: HashMap::new(),
            bytes: 0,
            oldest: BTreeMap::new(),
            idle_scan: None,
            tombstones: HashMap::new(),
            tombstone_order: BTreeMap::new(),
            dropped_through: None,
        }
    }

    /// What it keeps now.
    pub(crate) fn usage(&self) -> HistoryUsage {
        HistoryUsage {
            topics: self.topics.len(),
            events: self.topics.values().map(|k| k.entries.len()).sum(),
            bytes: self.bytes,
        }
    }

    /// The oldest publish time still kept, if events expire.
    fn oldest_kept(&self) -> Option<Instant> {
        self.bounds
            .max_age
            .and_then(|age| Instant::now().checked_sub(age))
    }

    /// Keeps `entry` as the newest of its topic, then forgets what the bounds no longer
    /// allow. One lookup of the topic, and index updates only when its oldest event
    /// changes.
    pub(crate) fn keep(&mut self, entry: Entry) {
        self.forget_idle(entry.at);
        let oldest_kept = self.oldest_kept();
        let bounds = self.bounds;
        let topic = entry.topic.clone();
        let bytes = cost(&entry);
        let kept = match self.topics.entry(topic.clone()) {
            Entry_::Occupied(kept) => kept.into_mut(),
            Entry_::Vacant(vacant) => {
                // A topic forgotten whole comes back: its floor with it.
                let forgotten_through = self.tombstones.remove(vacant.key());
                if let Some(id) = forgotten_through {
                    self.tombstone_order.remove(&id);
                }
                vacant.insert(Kept {
                    forgotten_through,
                    ..Kept::default()
                })
            }
        };
        let front_before = kept.entries.front().map(|e| e.id);
        kept.entries.push_back(entry);
        kept.bytes += bytes;
        let mut freed = 0;
        while kept.entries.len() > bounds.len
            || kept.bytes > bounds.topic_bytes
            || kept
                .entries
                .front()
                .zip(oldest_kept)
                .is_some_and(|(e, oldest)| e.at < oldest)
        {
            let Some(old) = kept.entries.pop_front() else {
                break;
            };
            let cost = cost(&old);
            kept.bytes -= cost;
            freed += cost;
            kept.forgotten_through = Some(old.id);
        }
        self.bytes = self.bytes + bytes - freed;
        let front_after = kept.entries.front().map(|e| (e.id, e.topic.clone()));
        let forgotten_through = kept.forgotten_through;
        let new_front = front_after.as_ref().map(|(id, _)| *id);
        if front_before != new_front {
            if let Some(id) = front_before {
                self.oldest.remove(&id);
            }
            if let Some((id, topic)) = front_after {
                self.oldest.insert(id, topic);
            }
        }
        if new_front.is_none() {
            // Every event of the topic went at once (a history of 0, or one event larger
            // than the topic's bytes).
            self.topics.remove(&topic);
            if let Some(id) = forgotten_through {
                self.tombstone(topic, id);
            }
        }
        while self.bytes > self.bounds.total_bytes {
            let Some((_, topic)) = self.oldest.first_key_value() else {
                break;
            };
            let topic = topic.clone();
            self.forget_oldest(&topic);
        }
    }

    /// Remembers that `topic`, forgotten whole, had events up to `id`.
    fn tombstone(&mut self, topic: Topic, id: EventId) {
        self.tombstones.insert(topic.clone(), id);
        self.tombstone_order.insert(id, topic);
        while self.tombstones.len() > MAX_TOMBSTONES {
            let Some((id, oldest)) = self.tombstone_order.pop_first() else {
                break;
            };
            self.tombstones.remove(&oldest);
            self.dropped_through = self.dropped_through.max(Some(id));
        }
    }

    /// Forgets the oldest kept event of `topic`; a topic left with none is forgotten whole.
    fn forget_oldest(&mut self, topic: &Topic) {
        let Some(kept) = self.topics.get_mut(topic) else {
            return;
        };
        let Some(entry) = kept.entries.pop_front() else {
            return;
        };
        let bytes = cost(&entry);
        kept.bytes -= bytes;
        self.bytes -= bytes;
        kept.forgotten_through = Some(entry.id);
        self.oldest.remove(&entry.id);
        match kept.entries.front() {
            Some(next) => {
                self.oldest.insert(next.id, topic.clone());
            }
            None => {
                self.topics.remove(topic);
                self.tombstone(topic.clone(), entry.id);
            }
        }
    }

    /// Forgets whole every topic not published to within the idle time before `now`:
    /// looks at most four times per idle time (a scan of every topic).
    fn forget_idle(&mut self, now: Instant) {
        let Some(idle) = self.bounds.idle else { return };
        let Some(before) = now.checked_sub(idle) else {
            return;
        };
        if self
            .idle_scan
            .is_some_and(|last| now.saturating_duration_since(last) < idle / 4)
        {
            return;
        }
        self.idle_scan = Some(now);
        let idle: Vec<Topic> = self
            .topics
            .iter()
            .filter(|(_, kept)| kept.entries.back().is_none_or(|newest| newest.at < before))
            .map(|(topic, _)| topic.clone())
            .collect();
        for topic in idle {
            while self.topics.contains_key(&topic) {
                self.forget_oldest(&topic);
            }
        }
        // A crowd of topics went: give the table's memory back (it keeps twice what it
        // holds, so this is amortized).
        if self.topics.capacity() > 64 && self.topics.len() < self.topics.capacity() / 4 {
            self.topics.shrink_to(self.topics.len() * 2);
        }
    }

    /// Appends every kept event of `topics` after `after` to `out`, oldest first; or
    /// [`ResetReason::HistoryGone`] when some were forgotten.
    pub(crate) fn replay(
        &mut self,
        topics: &[Topic],
        after: EventId,
        out: &mut Vec<Entry>,
    ) -> Result<(), ResetReason> {
        self.forget_idle(Instant::now());
        let oldest = self.oldest_kept();
        let start = out.len();
        for topic in topics {
            while self
                .topics
                .get(topic)
                .and_then(|kept| kept.entries.front())
                .zip(oldest)
                .is_some_and(|(e, oldest)| e.at < oldest)
            {
                self.forget_oldest(topic);
            }
            let forgotten = match self.topics.get(topic) {
                Some(kept) => kept.forgotten_through,
                // Nothing kept: forgotten whole, or nothing published (or its tombstone
                // let go).
                None => self.tombstones.get(topic).copied().or(self.dropped_through),
            };
            if forgotten.is_some_and(|id| id > after) {
                out.truncate(start);
                return Err(ResetReason::HistoryGone);
            }
            if let Some(kept) = self.topics.get(topic) {
                let first = kept.entries.partition_point(|e| e.id <= after);
                out.extend(kept.entries.range(first..).cloned());
            }
        }
        if let Some(replayed) = out.get_mut(start..) {
            replayed.sort_by_key(|e| e.id);
        }
        Ok(())
    }

    /// Appends the newest `max` kept events of `topic` to `out`, oldest first.
    pub(crate) fn recent(&self, topic: &str, max: usize, out: &mut Vec<Entry>) {
        if let Some(kept) = self.topics.get(topic) {
            let skip = kept.entries.len().saturating_sub(max);
            out.extend(kept.entries.range(skip..).cloned());
        }
    }

    /// Forgets everything, and that anything was ever kept (a new log).
    pub(crate) fn clear(&mut self) {
        self.topics.clear();
        self.oldest.clear();
        self.tombstones.clear();
        self.tombstone_order.clear();
        self.bytes = 0;
        self.dropped_through = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn bounds() -> Bounds {
        Bounds {
            len: 100,
            max_age: None,
            topic_bytes: usize::MAX,
            total_bytes: usize::MAX,
            idle: None,
        }
    }

    fn entry(seq: u64, topic: &str, data: &str) -> Entry {
        let event = ssekit_core::Event::new()
            .with_data(data.to_owned())
            .to_encoded()
            .expect("an event");
        Entry::new(EventId::new(1, seq), Arc::from(topic), event, None)
    }

    fn replay(history: &mut History, topics: &[&str], after: u64) -> Result<Vec<u64>, ResetReason> {
        let topics: Vec<Topic> = topics.iter().map(|t| Arc::from(*t)).collect();
        let mut out = Vec::new();
        history.replay(&topics, EventId::new(1, after), &mut out)?;
        Ok(out.iter().map(|e| e.id.seq()).collect())
    }

    #[test]
    fn the_bytes_of_one_topic_are_bounded() {
        let one = cost(&entry(1, "t", &"x".repeat(100)));
        let mut history = History::new(Bounds {
            topic_bytes: 3 * one,
            ..bounds()
        });
        for seq in 1..=5 {
            history.keep(entry(seq, "t", &"x".repeat(100)));
        }
        assert_eq!(replay(&mut history, &["t"], 2), Ok(vec![3, 4, 5]));
        assert_eq!(
            replay(&mut history, &["t"], 1),
            Err(ResetReason::HistoryGone)
        );
        assert_eq!(history.usage().bytes, 3 * one);
    }

    #[test]
    fn the_hub_wide_bound_forgets_the_oldest_events_of_any_topic() {
        let one = cost(&entry(1, "a", "x"));
        let mut history = History::new(Bounds {
            total_bytes: 3 * one,
            ..bounds()
        });
        for (seq, topic) in [(1, "a"), (2, "b"), (3, "a"), (4, "c")] {
            history.keep(entry(seq, topic, "x"));
        }
        // 1 (on a) went first; b is whole, c too.
        assert_eq!(replay(&mut history, &["a"], 1), Ok(vec![3]));
        assert_eq!(
            replay(&mut history, &["a"], 0),
            Err(ResetReason::HistoryGone)
        );
        assert_eq!(replay(&mut history, &["b", "c"], 1), Ok(vec![2, 4]));
        history.keep(entry(5, "c", "x"));
        // b is forgotten whole: a resume from before it is a reset, from after it is not;
        // a topic never published to is not reset by it.
        assert_eq!(
            replay(&mut history, &["b"], 1),
            Err(ResetReason::HistoryGone)
        );
        assert_eq!(replay(&mut history, &["b"], 2), Ok(vec![]));
        assert_eq!(replay(&mut history, &["never"], 0), Ok(vec![]));
        assert_eq!(history.usage().topics, 2);
        // b comes back with its floor.
        history.keep(entry(6, "b", "x"));
        assert_eq!(
            replay(&mut history, &["b"], 1),
            Err(ResetReason::HistoryGone)
        );
        assert_eq!(replay(&mut history, &["b"], 2), Ok(vec![6]));
    }

    #[test]
    fn idle_topics_are_forgotten_whole() {
        let mut history = History::new(Bounds {
            idle: Some(Duration::from_millis(20)),
            ..bounds()
        });
        for seq in 1..=1000 {
            history.keep(entry(seq, &format!("room-{seq}"), "hello"));
        }
        assert_eq!(history.usage().topics, 1000);
        std::thread::sleep(Duration::from_millis(30));
        history.keep(entry(1001, "busy", "x"));
        assert_eq!(history.usage().topics, 1);
        assert_eq!(history.usage().events, 1);
        assert_eq!(
            replay(&mut history, &["room-5"], 4),
            Err(ResetReason::HistoryGone)
        );
        assert_eq!(replay(&mut history, &["room-5"], 5), Ok(vec![]));
    }

    #[test]
    fn counts_and_bytes_add_up_whatever_is_forgotten() {
        let mut history = History::new(Bounds {
            len: 3,
            topic_bytes: 2_000,
            total_bytes: 5_000,
            ..bounds()
        });
        let mut total = 0;
        for seq in 1..=500u64 {
            let topic = format!("t{}", seq % 7);
            let data = "y".repeat((seq as usize * 37) % 900);
            total += 1;
            history.keep(entry(seq, &topic, &data));
            let usage = history.usage();
            let (events, bytes) = history.topics.values().fold((0, 0), |(n, b), k| {
                (
                    n + k.entries.len(),
                    b + k.entries.iter().map(cost).sum::<usize>(),
                )
            });
            assert_eq!(
                (usage.events, usage.bytes),
                (events, bytes),
                "after {total}"
            );
            assert!(usage.bytes <= 5_000);
            assert_eq!(history.oldest.len(), history.topics.len());
        }
    }
}

#[cfg(test)]
mod tombstones {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn past_the_tombstone_bound_one_floor_covers_the_rest() {
        let mut history = History::new(Bounds {
            len: 0, // every topic forgotten at once
            max_age: None,
            topic_bytes: usize::MAX,
            total_bytes: usize::MAX,
            idle: None,
        });
        let event = ssekit_core::Event::new()
            .with_data("x")
            .to_encoded()
            .expect("event");
        for seq in 1..=(MAX_TOMBSTONES as u64 + 10) {
            let topic: Topic = Arc::from(format!("t{seq}"));
            history.keep(Entry::new(EventId::new(1, seq), topic, event.clone(), None));
        }
        assert_eq!(history.tombstones.len(), MAX_TOMBSTONES);
        assert_eq!(history.dropped_through, Some(EventId::new(1, 10)));
        let mut out = Vec::new();
        let never: Topic = Arc::from("never");
        assert_eq!(
            history.replay(std::slice::from_ref(&never), EventId::new(1, 9), &mut out),
            Err(ResetReason::HistoryGone),
            "a topic let go may have had events up to the floor"
        );
        assert_eq!(
            history.replay(&[never], EventId::new(1, 10), &mut out),
            Ok(())
        );
    }
}
