//! What is behind the hub's lock ([`State`]), and delivery: an event into the topic's ring
//! or the subscribers' own queues, wake-ups, ends.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};

use ssekit_core::EncodedEvent;

use super::Shared;
use crate::id::{ConnectionId, EventId};
use crate::log_store::Kept;
use crate::message::Target;
use crate::queue::{EndReason, Pushed, Slot};
use crate::ring::{Item, Ring};
use crate::stats::Counters;
use crate::store::{Entry, Topic};
use crate::sync::{MutexGuard, Ordering};

/// Everything behind the hub's lock.
pub(crate) struct State<M> {
    pub(super) store: Kept,
    pub(super) topics: HashMap<Topic, Subscribers<M>>,
    pub(super) connections: HashMap<ConnectionId, Arc<Slot<M>>>,
    pub(super) next_connection: u64,
    /// The order of the latest event delivered (to a ring or a queue), or end decided.
    pub(super) order: u64,
}

/// A topic's subscribers, in a vector for targeted events and wake-ups, indexed for
/// removal; and its ring of broadcast events.
pub(super) struct Subscribers<M> {
    pub(super) ring: Arc<Ring>,
    pub(super) slots: Vec<Arc<Slot<M>>>,
    pub(super) index: HashMap<ConnectionId, usize>,
}

impl<M> Subscribers<M> {
    pub(super) fn new(capacity: usize) -> Self {
        Subscribers {
            ring: Arc::new(Ring::new(capacity)),
            slots: Vec::new(),
            index: HashMap::new(),
        }
    }

    pub(super) fn insert(&mut self, slot: &Arc<Slot<M>>) {
        self.index.insert(slot.id, self.slots.len());
        self.slots.push(Arc::clone(slot));
    }

    pub(super) fn remove(&mut self, id: ConnectionId) {
        let Some(at) = self.index.remove(&id) else {
            return;
        };
        self.slots.swap_remove(at);
        if let Some(moved) = self.slots.get(at) {
            self.index.insert(moved.id, at);
        }
        if sparse(self.slots.len(), self.slots.capacity()) {
            self.slots.shrink_to(self.slots.len() * 2);
            self.index.shrink_to(self.slots.len() * 2);
        }
    }
}

/// Whether a collection holds so little of its capacity that it should give memory back
/// (a crowd of subscribers left): amortized, since it then keeps twice what it holds.
pub(super) fn sparse(len: usize, capacity: usize) -> bool {
    capacity > 64 && len < capacity / 4
}

impl<M> Shared<M> {
    /// The state, even if a thread panicked while holding the lock (the hub never leaves
    /// it half-changed across a call that can panic).
    pub(crate) fn state(&self) -> MutexGuard<'_, State<M>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the hub was closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// The hub's clock: milliseconds since it started (read once per publish).
    pub(crate) fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The instant of a reading of [`now`](Self::now).
    pub(super) fn instant(&self, at: u64) -> Instant {
        self.started + Duration::from_millis(at)
    }

    /// Delivers `event` to the subscribers of `topic` that `target` includes, and keeps it
    /// for replay if `keep`; returns the wakers of the streams to wake (once the hub's lock
    /// is released).
    ///
    /// An event for all (or all but some) without a coalescing key is written once into
    /// the topic's ring. Other events go into each included subscriber's own queue (with
    /// coalescing); subscribers whose queue is full are cut off (counted).
    #[allow(clippy::too_many_arguments)] // one call site each: the fields of a message
    pub(crate) fn deliver(
        &self,
        state: &mut State<M>,
        id: EventId,
        topic: &str,
        event: EncodedEvent,
        target: &Target<M>,
        key: Option<Arc<str>>,
        keep: bool,
    ) -> Vec<Waker> {
        let order = state.next_order();
        let item = Item {
            order,
            id: Some(id),
            at: self.now(),
            event,
        };
        let (topic, subscribers) = match state.topics.get_key_value(topic) {
            Some((name, subscribers)) => (Arc::clone(name), Some(subscribers)),
            None => (Arc::from(topic), None),
        };
        let mut wake = SPARE_WAKERS.try_with(Cell::take).unwrap_or_default();
        let (mut lagged, mut queued) = (0, 0);
        match (subscribers, target.kept_except()) {
            (None, _) => {}
            (Some(subscribers), Some(except)) if key.is_none() => {
                subscribers.ring.push(item.clone(), except.into());
                let excluded = except
                    .iter()
                    .filter(|id| subscribers.index.contains_key(id))
                    .count();
                queued = (subscribers.slots.len() - excluded) as u64;
                if subscribers.ring.take_sweep() {
                    wake.extend(subscribers.slots.iter().filter_map(|s| s.take_waiting()));
                }
            }
            (Some(subscribers), _) => {
                for slot in &subscribers.slots {
                    if !target.includes(slot.id, &slot.metadata) {
                        continue;
                    }
                    let key = key.as_ref().map(|k| (&topic, k));
                    let config = &self.config;
                    let pushed = slot.push(
                        item.clone(),
                        key,
                        config.queue_capacity(),
                        config.lag_event(),
                    );
                    queued += u64::from(pushed == Pushed::Queued);
                    if pushed == Pushed::Lagged {
                        lagged += 1;
                        tracing::warn!(connection = %slot.id, %topic, "SSE subscriber too slow: disconnected, it will resume from its Last-Event-ID");
                    }
                }
                subscribers.ring.notice();
            }
        }
        if keep {
            state.store.keep(Entry::new(id, topic, item.event, key));
        }
        Counters::add(&self.counters.lag_disconnects, lagged);
        Counters::add(&self.counters.delivered, queued);
        wake
    }

    /// A subscription read too slowly and its topic's ring forgot events it had not read:
    /// its stream ends now (with the lag event), and the browser resumes.
    pub(crate) fn lagged(&self, slot: &Slot<M>) {
        if slot.end(EndReason::Lagged, self.config.lag_event().cloned(), 0) {
            Counters::add(&self.counters.lag_disconnects, 1);
            tracing::warn!(connection = %slot.id, "SSE subscriber too slow: disconnected, it will resume from its Last-Event-ID");
        }
    }

    /// Ends every subscription with `reason`, `last` sent last.
    pub(super) fn close(&self, last: Option<EncodedEvent>, reason: EndReason) {
        let mut state = self.state();
        // Under the lock: no local publish or subscribe slips in between.
        self.closed.store(true, Ordering::Release);
        let before = state.next_order();
        for slot in state.connections.values() {
            slot.end(reason, last.clone(), before);
        }
        state.notice_all();
    }

    /// Forgets a subscription (its stream was dropped).
    pub(crate) fn unsubscribe(&self, slot: &Slot<M>) {
        let mut state = self.state();
        if state.connections.remove(&slot.id).is_none() {
            return;
        }
        for topic in &slot.topics {
            if let Some(subscribers) = state.topics.get_mut(topic) {
                subscribers.remove(slot.id);
                if subscribers.slots.is_empty() {
                    state.topics.remove(topic);
                }
            }
        }
        if sparse(state.connections.len(), state.connections.capacity()) {
            let keep = state.connections.len() * 2;
            state.connections.shrink_to(keep);
        }
        if sparse(state.topics.len(), state.topics.capacity()) {
            let keep = state.topics.len() * 2;
            state.topics.shrink_to(keep);
        }
        drop(state);
        self.counters.subscribers.fetch_sub(1, Ordering::Relaxed);
        tracing::debug!(connection = %slot.id, "SSE subscriber left");
    }
}

impl<M> Drop for Shared<M> {
    /// The last hub handle is gone: every stream ends after what is queued.
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        let before = state.next_order();
        for slot in state.connections.values() {
            slot.end(EndReason::HubDropped, None, before);
        }
        state.notice_all();
    }
}

impl<M> State<M> {
    /// Tells every subscription to look at its own queue (after an end or a reset for all).
    pub(super) fn notice_all(&self) {
        for subscribers in self.topics.values() {
            subscribers.ring.notice();
        }
    }

    /// The order for the next event delivered, or for an end after everything so far.
    pub(super) fn next_order(&mut self) -> u64 {
        self.order += 1;
        self.order
    }
}

/// Wakes the streams a delivery found waiting (outside the hub's lock), and keeps the
/// emptied list for the thread's next publish: a publish allocates no list once one is
/// large enough.
pub(super) fn wake_all(mut wakers: Vec<Waker>) {
    for waker in wakers.drain(..) {
        waker.wake();
    }
    if wakers.capacity() <= SPARE_WAKERS_KEPT {
        // Not there once the thread is being torn down: then the list is dropped.
        let _ = SPARE_WAKERS.try_with(|spare| spare.set(wakers));
    }
}

/// The most wakers a thread's spare list keeps room for (64 KiB).
const SPARE_WAKERS_KEPT: usize = 4096;

thread_local! {
    /// The list a publish fills with the wakers to wake ([`wake_all`]), one per thread.
    static SPARE_WAKERS: Cell<Vec<Waker>> = const { Cell::new(Vec::new()) };
}
