//! [`RedisStore`]: the history the tail delivers into, and which ids resume.

use crate::history::{History, HistoryUsage};
use crate::id::EventId;
use crate::store::{Entry, ResetReason, Store, Topic};

/// The events of the stream's live generation this hub has delivered (or loaded), with
/// the ids Redis gave.
///
/// An id resumes when it is of the live generation, no newer than what was delivered,
/// and no older than `floor` (the events after it are all here); otherwise the client
/// gets a reset. An id of the live generation newer than what was delivered is one the
/// client saw on another server, ahead of this hub's tail: the hub skips up to it.
#[derive(Debug)]
pub(crate) struct RedisStore {
    /// The newest id delivered (or loaded): its epoch is the live generation.
    last: EventId,
    /// Events of the generation up to this position may be missing here.
    floor: u64,
    history: History,
}

impl RedisStore {
    pub(crate) fn new(last: EventId, floor: u64, history: History) -> Self {
        RedisStore {
            last,
            floor,
            history,
        }
    }
}

impl Store for RedisStore {
    /// Live-only events (to one connection, or by metadata) go through no log: they carry
    /// the latest id, so a client's last event ID stays right.
    fn next_id(&mut self) -> EventId {
        self.last
    }

    fn last_id(&self) -> EventId {
        self.last
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

    fn keep_id(&mut self, id: EventId) {
        self.last = id;
    }

    fn ahead(&self, id: EventId) -> bool {
        id.epoch() == self.last.epoch() && id.seq() > self.last.seq()
    }

    fn restart(&mut self, from: EventId) {
        self.history.clear();
        self.last = from;
        self.floor = from.seq();
    }

    fn replay(
        &mut self,
        topics: &[Topic],
        after: EventId,
        out: &mut Vec<Entry>,
    ) -> Result<(), ResetReason> {
        if after.epoch() != self.last.epoch() || after.seq() > self.last.seq() {
            return Err(ResetReason::UnknownId);
        }
        if after.seq() < self.floor {
            return Err(ResetReason::HistoryGone);
        }
        self.history.replay(topics, after, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(generation: u64, last: u64, floor: u64) -> RedisStore {
        let bounds = crate::Config::default()
            .with_history_len(10)
            .history_bounds();
        RedisStore::new(EventId::new(generation, last), floor, History::new(bounds))
    }

    fn resume(store: &mut RedisStore, after: EventId) -> Result<(), ResetReason> {
        store.replay(&[Topic::from("t")], after, &mut Vec::new())
    }

    #[test]
    fn only_ids_of_the_live_generation_within_the_history_resume() {
        let mut store = store(7, 20, 10);
        assert_eq!(resume(&mut store, EventId::new(7, 10)), Ok(()));
        assert_eq!(resume(&mut store, EventId::new(7, 20)), Ok(()));
        assert_eq!(
            resume(&mut store, EventId::new(7, 9)),
            Err(ResetReason::HistoryGone)
        );
        assert_eq!(
            resume(&mut store, EventId::new(6, 15)),
            Err(ResetReason::UnknownId),
            "a generation that lost its data"
        );
        assert_eq!(
            resume(&mut store, EventId::new(8, 15)),
            Err(ResetReason::UnknownId)
        );
        assert!(store.ahead(EventId::new(7, 21)));
        assert!(
            !store.ahead(EventId::new(8, 21)),
            "another generation is not ahead"
        );
    }

    #[test]
    fn a_restart_forgets_everything_before_it() {
        let mut store = store(7, 20, 0);
        store.restart(EventId::new(9, 0));
        assert_eq!(store.last_id(), EventId::new(9, 0));
        assert_eq!(resume(&mut store, EventId::new(9, 0)), Ok(()));
        assert_eq!(
            resume(&mut store, EventId::new(7, 20)),
            Err(ResetReason::UnknownId)
        );
        // A gap within a generation: what came before it cannot be resumed from.
        store.restart(EventId::new(9, 5));
        assert_eq!(
            resume(&mut store, EventId::new(9, 0)),
            Err(ResetReason::HistoryGone)
        );
    }
}
