//! [`Slot`]: one subscriber as the hub and its stream share it, with its own bounded
//! [`Queue`]: the replay, targeted and keyed events, and how the stream ends.
//!
//! Broadcast events do not pass through here but through the topic's [`Ring`](crate::ring);
//! the stream merges both by `order`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::Waker;
use std::time::SystemTime;

use ssekit_core::EncodedEvent;

use crate::id::ConnectionId;
use crate::ring::Item;
use crate::store::Topic;
use crate::sync::{AtomicBool, AtomicU64, Mutex, MutexGuard, Ordering};

/// Why a subscription's stream ended (or will, once its queue is drained).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndReason {
    /// Its queue was full: the client was too slow. It reconnects with its
    /// `Last-Event-ID` and the replay fills the gap.
    Lagged,
    /// [`Hub::close`](crate::Hub::close).
    Closed,
    /// [`Hub::disconnect_all`](crate::Hub::disconnect_all): the client reconnects and
    /// resumes.
    Disconnected,
    /// Every handle of the hub was dropped.
    HubDropped,
}

/// An event waiting in a subscriber's own queue.
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) item: Item,
    /// The topic and coalescing key, if any.
    key: Option<(Topic, Arc<str>)>,
}

/// The state of a subscriber's stream.
#[derive(Debug)]
pub(crate) enum End {
    /// Live.
    Open,
    /// Ends after the events ordered before `before`, with `last` as the final event.
    Ending {
        reason: EndReason,
        last: Option<EncodedEvent>,
        before: u64,
    },
    /// Ended: the stream yields nothing more.
    Ended(EndReason),
}

/// A subscriber's own queue: replayed events first, then live ones (bounded), then the end.
#[derive(Debug)]
pub(crate) struct Queue {
    pub(crate) replay: VecDeque<EncodedEvent>,
    pub(crate) live: VecDeque<Queued>,
    pub(crate) end: End,
    waker: Option<Waker>,
}

/// A stream notes what it did ([`Slot::note`]) at least every this many events.
pub(crate) const NOTE_EVERY: u64 = 64;

/// What [`Slot::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Queued (possibly replacing an older event of the same key).
    Queued,
    /// The queue was full: the subscriber now ends.
    Lagged,
    /// The subscriber was already ending.
    Ignored,
}

impl Queue {
    /// Whether the stream has something to do here: an event or its end.
    pub(crate) fn has_work(&self) -> bool {
        !self.replay.is_empty() || !self.live.is_empty() || !matches!(self.end, End::Open)
    }

    /// Events waiting.
    pub(crate) fn len(&self) -> usize {
        self.replay.len() + self.live.len()
    }

    fn end(&mut self, reason: EndReason, last: Option<EncodedEvent>, before: u64) -> bool {
        if !matches!(self.end, End::Open) {
            return false;
        }
        self.end = End::Ending {
            reason,
            last,
            before,
        };
        true
    }

    fn wake(&mut self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}

/// One subscriber, as the hub and its stream share it.
#[derive(Debug)]
pub(crate) struct Slot<M> {
    pub(crate) id: ConnectionId,
    pub(crate) topics: Box<[Topic]>,
    pub(crate) metadata: M,
    pub(crate) connected_at: SystemTime,
    /// Set by the stream when it waits for a ring (its waker is in the queue), cleared by
    /// the publisher that wakes it.
    waiting: AtomicBool,
    /// Events the stream has taken, when the last one was published (hub clock), and how
    /// far it read the rings since it subscribed: written by the stream when it waits or
    /// ends, and every [`NOTE_EVERY`] events; read by
    /// [`Hub::connections`](crate::Hub::connections).
    taken: AtomicU64,
    last_activity: AtomicU64,
    ring_read: AtomicU64,
    /// The rings' positions when it subscribed, summed.
    pub(crate) ring_start: u64,
    queue: Mutex<Queue>,
}

impl<M> Slot<M> {
    pub(crate) fn new(
        id: ConnectionId,
        topics: Box<[Topic]>,
        metadata: M,
        replay: VecDeque<EncodedEvent>,
        ring_start: u64,
        now: u64,
    ) -> Self {
        let queue = Queue {
            replay,
            live: VecDeque::new(),
            end: End::Open,
            waker: None,
        };
        Slot {
            id,
            topics,
            metadata,
            connected_at: SystemTime::now(),
            waiting: AtomicBool::new(false),
            taken: AtomicU64::new(0),
            last_activity: AtomicU64::new(now),
            ring_read: AtomicU64::new(0),
            ring_start,
            queue: Mutex::new(queue),
        }
    }

    /// The queue, even if a thread panicked while holding it (its state stays consistent:
    /// every change is a single push, pop or assignment).
    pub(crate) fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `item` (with its topic and coalescing key) unless the queue already holds
    /// `capacity`; then the stream ends after the events ordered before it, with
    /// `lag_event` last. The caller then gives the topic's ring a notice.
    pub(crate) fn push(
        &self,
        item: Item,
        key: Option<(&Topic, &Arc<str>)>,
        capacity: usize,
        lag_event: Option<&EncodedEvent>,
    ) -> Pushed {
        let mut queue = self.queue();
        if !matches!(queue.end, End::Open) {
            return Pushed::Ignored;
        }
        if let Some((topic, key)) = key {
            let same = |q: &Queued| q.key.as_ref().is_some_and(|(t, k)| t == topic && k == key);
            if let Some(older) = queue.live.iter().position(same) {
                queue.live.remove(older);
            }
        }
        let pushed = if queue.live.len() >= capacity {
            queue.end(EndReason::Lagged, lag_event.cloned(), item.order);
            Pushed::Lagged
        } else {
            queue.live.push_back(Queued {
                item,
                key: key.map(|(t, k)| (Arc::clone(t), Arc::clone(k))),
            });
            Pushed::Queued
        };
        queue.wake();
        pushed
    }

    /// Ends the stream after the events ordered before `before`, with `last` as its final
    /// event. Returns whether it was open. The caller then gives the rings a notice.
    pub(crate) fn end(&self, reason: EndReason, last: Option<EncodedEvent>, before: u64) -> bool {
        let mut queue = self.queue();
        let ended = queue.end(reason, last, before);
        queue.wake();
        ended
    }

    /// Keeps `waker` to be woken by a push, an end or a ring event, and announces that
    /// the stream waits; whether the queue has work after all. The stream then asks its
    /// rings for a sweep and reads their tails again before it returns `Pending`.
    pub(crate) fn wait(&self, waker: &Waker) -> bool {
        let mut queue = self.queue();
        if queue.has_work() {
            return true;
        }
        if !queue.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
            queue.waker = Some(waker.clone());
        }
        drop(queue);
        self.waiting.store(true, Ordering::SeqCst);
        false
    }

    /// The waker of a stream waiting for a ring, taken (for the publisher of a ring
    /// event, after its push).
    pub(crate) fn take_waiting(&self) -> Option<Waker> {
        if !self.waiting.load(Ordering::SeqCst) || !self.waiting.swap(false, Ordering::SeqCst) {
            return None;
        }
        self.queue().waker.take()
    }

    /// Notes what the stream did: events taken, when the last was published (hub clock),
    /// ring positions read since it subscribed.
    pub(crate) fn note(&self, taken: u64, last_activity: u64, ring_read: u64) {
        self.taken.store(taken, Ordering::Relaxed);
        self.last_activity.store(last_activity, Ordering::Relaxed);
        self.ring_read.store(ring_read, Ordering::Relaxed);
    }

    /// Events its stream has taken.
    pub(crate) fn taken(&self) -> u64 {
        self.taken.load(Ordering::Relaxed)
    }

    /// When it last took an event (or subscribed), in the hub's clock.
    pub(crate) fn last_activity(&self) -> u64 {
        self.last_activity.load(Ordering::Relaxed)
    }

    /// How far the stream read the rings since it subscribed.
    pub(crate) fn ring_read(&self) -> u64 {
        self.ring_read.load(Ordering::Relaxed)
    }
}
