//! What the hub counts ([`Stats`]) and knows of each connection ([`ConnectionInfo`]).

use std::time::{Instant, SystemTime};

use crate::id::ConnectionId;
use crate::store::Topic;
use crate::sync::{AtomicU64, Ordering};

/// The hub's counters, shared with its subscriptions.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) published: AtomicU64,
    pub(crate) delivered: AtomicU64,
    pub(crate) replayed: AtomicU64,
    pub(crate) resets: AtomicU64,
    pub(crate) lag_disconnects: AtomicU64,
    pub(crate) subscribed: AtomicU64,
    pub(crate) subscribers: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            published: get(&self.published),
            delivered: get(&self.delivered),
            replayed: get(&self.replayed),
            resets: get(&self.resets),
            lag_disconnects: get(&self.lag_disconnects),
            subscribed: get(&self.subscribed),
            subscribers: get(&self.subscribers),
        }
    }
}

/// The hub's counters since it was made; reading them takes no lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Events published.
    pub published: u64,
    /// Live events sent to subscribers: one per subscriber an event was for when it was
    /// published (replays are counted in `replayed`).
    pub delivered: u64,
    /// Events queued for replay after a `Last-Event-ID`.
    pub replayed: u64,
    /// Reset events sent (a `Last-Event-ID` that could not be resumed from).
    pub resets: u64,
    /// Subscribers disconnected for being too slow (counted when their stream finds out,
    /// at its next poll).
    pub lag_disconnects: u64,
    /// Subscriptions made.
    pub subscribed: u64,
    /// Subscriptions alive now.
    pub subscribers: u64,
}

/// One connection, as [`Hub::connections`](crate::Hub::connections) lists it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectionInfo<M> {
    /// Its id.
    pub id: ConnectionId,
    /// The topics it listens to.
    pub topics: Vec<Topic>,
    /// Its metadata.
    pub metadata: M,
    /// When it subscribed.
    pub connected_at: SystemTime,
    /// Events its stream has taken. Noted by the stream when it waits, and at least every
    /// 64 events: exact for an idle connection, up to 63 short for a busy one.
    pub delivered: u64,
    /// Events published for it (or to its topics) that its stream has not taken yet;
    /// noted like `delivered`.
    pub pending: usize,
    /// When the last event its stream took was published (or when it subscribed); noted
    /// like `delivered`.
    pub last_activity: Instant,
}
