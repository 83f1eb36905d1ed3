//! [`Subscription`]: one subscriber's events as a `Stream`, fed through a bounded queue.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Instant, SystemTime};

use futures_core::Stream;
use sse_core::EncodedEvent;

use crate::hub::Shared;
use crate::id::{ConnectionId, EventId};
use crate::store::Topic;

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

/// What a publisher left for one subscriber.
#[derive(Debug)]
struct Queued {
    event: EncodedEvent,
    /// The topic and coalescing key, if any.
    key: Option<(Topic, Arc<str>)>,
}

/// The state of a subscriber's stream.
#[derive(Debug)]
enum End {
    /// Live.
    Open,
    /// Ends once the queue is drained, with `last` as the final event if any.
    Ending {
        reason: EndReason,
        last: Option<EncodedEvent>,
    },
    /// Ended: the stream yields nothing more.
    Ended(EndReason),
}

/// A subscriber's queue: replayed events first, then live ones (bounded), then the end.
#[derive(Debug)]
pub(crate) struct Queue {
    replay: VecDeque<EncodedEvent>,
    live: VecDeque<Queued>,
    end: End,
    waker: Option<Waker>,
    /// The last time an event was queued (or the subscription was made).
    last_activity: Instant,
    /// Events taken by the stream.
    taken: u64,
    /// Events up to this id were seen by the client on another server, and this hub's log
    /// tail has not delivered them yet: skip them.
    skip_through: Option<EventId>,
}

/// What [`Queue::push`] did.
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
    pub(crate) fn new(replay: VecDeque<EncodedEvent>, skip_through: Option<EventId>) -> Self {
        Queue {
            replay,
            live: VecDeque::new(),
            end: End::Open,
            waker: None,
            last_activity: Instant::now(),
            taken: 0,
            skip_through,
        }
    }

    /// Queues a live event (with its `id`, if it may be skipped) for the subscriber, unless
    /// it already holds `capacity`.
    /// `now` is the publish time (read once per publish, not once per subscriber).
    #[allow(clippy::too_many_arguments)] // the event, and the bounds it is queued within
    pub(crate) fn push(
        &mut self,
        event: &EncodedEvent,
        id: Option<EventId>,
        key: Option<(&Topic, &Arc<str>)>,
        capacity: usize,
        lag_event: Option<&EncodedEvent>,
        now: Instant,
    ) -> Pushed {
        if !matches!(self.end, End::Open) {
            return Pushed::Ignored;
        }
        if let (Some(skip), Some(id)) = (self.skip_through, id) {
            if id <= skip {
                return Pushed::Ignored; // the client has it
            }
            self.skip_through = None;
        }
        if let Some((topic, key)) = key {
            let same = |q: &Queued| q.key.as_ref().is_some_and(|(t, k)| t == topic && k == key);
            if let Some(older) = self.live.iter().position(same) {
                self.live.remove(older);
            }
        }
        if self.live.len() >= capacity {
            self.end(EndReason::Lagged, lag_event.cloned());
            return Pushed::Lagged;
        }
        self.live.push_back(Queued {
            event: event.clone(),
            key: key.map(|(t, k)| (Arc::clone(t), Arc::clone(k))),
        });
        self.last_activity = now;
        self.wake();
        Pushed::Queued
    }

    /// Ends the stream once what is queued is delivered, with `last` as its final event.
    pub(crate) fn end(&mut self, reason: EndReason, last: Option<EncodedEvent>) {
        if matches!(self.end, End::Open) {
            self.end = End::Ending { reason, last };
            self.wake();
        }
    }

    fn wake(&mut self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }

    /// Events waiting.
    fn len(&self) -> usize {
        self.replay.len() + self.live.len()
    }
}

/// One subscriber, as the hub and its stream share it.
#[derive(Debug)]
pub(crate) struct Slot<M> {
    pub(crate) id: ConnectionId,
    pub(crate) topics: Box<[Topic]>,
    pub(crate) metadata: M,
    pub(crate) connected_at: SystemTime,
    pub(crate) queue: Mutex<Queue>,
}

impl<M> Slot<M> {
    /// The queue, even if a thread panicked while holding it (its state stays consistent:
    /// every change is a single push, pop or assignment).
    pub(crate) fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The last time an event was queued for the subscriber (or it subscribed).
    pub(crate) fn last_activity(&self) -> Instant {
        self.queue().last_activity
    }

    /// Events its stream has taken.
    pub(crate) fn taken(&self) -> u64 {
        self.queue().taken
    }

    /// Events waiting to be taken.
    pub(crate) fn pending(&self) -> usize {
        self.queue().len()
    }
}

/// One subscriber's events: a [`Stream`] of [`EncodedEvent`]s, each the shared bytes the
/// hub encoded once, to hand to `sse_axum::Sse::new`, `sse_warp::reply` or
/// `sse_hyper::Sse::new` as it is.
///
/// It yields the replayed events first (or a reset event), then live events in publish
/// order. It ends after what is queued when the client is too slow, when the hub is
/// closed, or when every hub handle is dropped; see [`end_reason`](Self::end_reason).
/// Dropping it (the client went away) unregisters it at once.
#[derive(Debug)]
pub struct Subscription<M: Send + Sync + 'static = ()> {
    slot: Arc<Slot<M>>,
    hub: Weak<Shared<M>>,
}

impl<M: Send + Sync + 'static> Subscription<M> {
    pub(crate) fn new(slot: Arc<Slot<M>>, hub: Weak<Shared<M>>) -> Self {
        Subscription { slot, hub }
    }

    /// This connection's id, for [`Target::Connection`](crate::Target::Connection) and
    /// [`Target::AllExcept`](crate::Target::AllExcept).
    pub fn id(&self) -> ConnectionId {
        self.slot.id
    }

    /// The topics it listens to.
    pub fn topics(&self) -> &[Topic] {
        &self.slot.topics
    }

    /// Its metadata.
    pub fn metadata(&self) -> &M {
        &self.slot.metadata
    }

    /// Events waiting to be taken.
    pub fn pending(&self) -> usize {
        self.slot.pending()
    }

    /// Why it ends or ended, once that is decided; `None` while live.
    pub fn end_reason(&self) -> Option<EndReason> {
        match self.slot.queue().end {
            End::Open => None,
            End::Ending { reason, .. } | End::Ended(reason) => Some(reason),
        }
    }
}

impl<M: Send + Sync + 'static> Stream for Subscription<M> {
    type Item = EncodedEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<EncodedEvent>> {
        let mut queue = self.slot.queue();
        let next = match queue.replay.pop_front() {
            Some(event) => Some(event),
            None => queue.live.pop_front().map(|q| q.event),
        };
        if let Some(event) = next {
            queue.taken += 1;
            return Poll::Ready(Some(event));
        }
        match std::mem::replace(&mut queue.end, End::Open) {
            End::Open => {
                if !queue
                    .waker
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
                {
                    queue.waker = Some(cx.waker().clone());
                }
                Poll::Pending
            }
            End::Ending { reason, last } => {
                queue.end = End::Ended(reason);
                Poll::Ready(last)
            }
            End::Ended(reason) => {
                queue.end = End::Ended(reason);
                Poll::Ready(None)
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.pending(), None)
    }
}

impl<M: Send + Sync + 'static> Drop for Subscription<M> {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.unsubscribe(&self.slot);
        }
    }
}
