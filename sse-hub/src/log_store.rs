//! [`LogStore`]: a hub's history on a [`Backplane`](crate::Backplane) (what its feed
//! delivered), and which ids resume; and [`Kept`], the history of either kind of hub.

use crate::backplane::Snapshot;
use crate::history::{Bounds, History, HistoryUsage};
use crate::id::EventId;
use crate::store::{Entry, ResetReason, Store, Topic};

/// The events of the log's live generation this hub has delivered (or loaded), with the
/// ids the log gave.
///
/// An id resumes when it is of the live generation, no newer than what was delivered,
/// and no older than `floor` (the events after it are all here); otherwise the client
/// gets a reset. An id of the live generation newer than what was delivered is one the
/// client saw on another server, ahead of this hub's tail: the hub skips up to it.
#[derive(Debug)]
pub(crate) struct LogStore {
    /// The newest id delivered (or loaded): its epoch is the live generation.
    last: EventId,
    /// Events of the generation up to this position may be missing here.
    floor: u64,
    history: History,
}

impl LogStore {
    pub(crate) fn new(last: EventId, floor: u64, history: History) -> Self {
        LogStore {
            last,
            floor,
            history,
        }
    }

    /// The history of a log opened at `snapshot`, within `bounds`.
    pub(crate) fn open(snapshot: Snapshot, bounds: Bounds) -> Self {
        let mut history = History::new(bounds);
        let mut last = snapshot.last;
        for entry in snapshot.recent {
            if entry.id.epoch() == last.epoch() {
                last = last.max(entry.id);
                history.keep(entry);
            }
        }
        LogStore::new(last, snapshot.complete_after, history)
    }

    /// Notes that the log gave `id` (the newest delivered).
    pub(crate) fn keep_id(&mut self, id: EventId) {
        self.last = id;
    }

    /// Whether `id` is newer than anything delivered, in the live generation: the log gave
    /// it and this hub's feed has not caught up yet (a client saw it on another server).
    pub(crate) fn ahead(&self, id: EventId) -> bool {
        id.epoch() == self.last.epoch() && id.seq() > self.last.seq()
    }

    /// The log lost events: forget the history; what follows continues after `from`.
    pub(crate) fn restart(&mut self, from: EventId) {
        self.history.clear();
        self.last = from;
        self.floor = from.seq();
    }
}

/// A hub's ids and history: a [`Store`] of its own, or what a backplane's log delivered.
pub(crate) enum Kept {
    Store(Box<dyn Store>),
    Log(Box<LogStore>),
}

impl Kept {
    fn store(&self) -> &dyn Store {
        match self {
            Kept::Store(store) => &**store,
            Kept::Log(log) => &**log,
        }
    }

    fn store_mut(&mut self) -> &mut dyn Store {
        match self {
            Kept::Store(store) => &mut **store,
            Kept::Log(log) => &mut **log,
        }
    }

    pub(crate) fn next_id(&mut self) -> EventId {
        self.store_mut().next_id()
    }

    pub(crate) fn last_id(&self) -> EventId {
        self.store().last_id()
    }

    pub(crate) fn keep(&mut self, entry: Entry) {
        self.store_mut().keep(entry);
    }

    pub(crate) fn recent(&self, topic: &str, max: usize, out: &mut Vec<Entry>) {
        self.store().recent(topic, max, out);
    }

    pub(crate) fn usage(&self) -> HistoryUsage {
        self.store().usage()
    }

    pub(crate) fn replay(
        &mut self,
        topics: &[Topic],
        after: EventId,
        out: &mut Vec<Entry>,
    ) -> Result<(), ResetReason> {
        self.store_mut().replay(topics, after, out)
    }

    /// See [`LogStore::keep_id`] (nothing for a store of the hub's own).
    pub(crate) fn keep_id(&mut self, id: EventId) {
        if let Kept::Log(log) = self {
            log.keep_id(id);
        }
    }

    /// See [`LogStore::ahead`] (never, for a store of the hub's own).
    pub(crate) fn ahead(&self, id: EventId) -> bool {
        matches!(self, Kept::Log(log) if log.ahead(id))
    }

    /// See [`LogStore::restart`] (nothing for a store of the hub's own).
    pub(crate) fn restart(&mut self, from: EventId) {
        if let Kept::Log(log) = self {
            log.restart(from);
        }
    }
}

impl Store for LogStore {
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

    fn store(generation: u64, last: u64, floor: u64) -> LogStore {
        let bounds = crate::Config::default()
            .with_history_len(10)
            .history_bounds();
        LogStore::new(EventId::new(generation, last), floor, History::new(bounds))
    }

    fn resume(store: &mut LogStore, after: EventId) -> Result<(), ResetReason> {
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
