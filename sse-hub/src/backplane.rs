//! [`Backplane`]: the seam between a hub and a shared log several hubs publish to and
//! deliver from; what goes through it ([`Append`], [`LogEvent`], [`Feed`]).

use std::fmt;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use ssekit_core::EncodedEvent;

use crate::error::PublishError;
use crate::id::{ConnectionId, EventId};
use crate::pending::Pending;
use crate::store::{Entry, Topic};

/// A shared, ordered log of events that several hubs (servers) publish to and deliver
/// from: what lets a hub run on several servers
/// ([`Hub::new_with_backplane`](crate::Hub::new_with_backplane)). Redis Streams
/// (`Redis`, feature `redis`) is one; NATS JetStream, Kafka or a Postgres table could be
/// others.
///
/// A hub on a backplane gives no ids of its own: a publish is an [`Append`] to the log,
/// which answers with the event's id; every hub on the log (this one too) delivers the
/// event when its [`Feed`] gets it from the log, in the log's order, with that id.
///
/// # What an id means
///
/// The log's ids are [`EventId`]s: the epoch is the log's *generation*, the sequence the
/// event's place in it. Within a generation sequences increase, and every id the log gives
/// is delivered, in order, unless the backplane says it lost events ([`Feed::lost`]). A log
/// that loses events it acknowledged (a restart without persistence, an operator's flush,
/// a failover to a replica that had not seen them) starts a new generation, a number it
/// never used before, so no id of the old one can match the new one: a client that comes
/// back with an old id gets a reset event, never a silent hole.
///
/// # The calls, in order
///
/// A hub calls [`open`](Backplane::open) once (what the log holds now: the newest id and
/// the recent events, for replay), then [`start`](Backplane::start) once (deliver the log
/// after that, until the feed says the hub is gone), then [`append`](Backplane::append)
/// from any thread, any number of times.
pub trait Backplane: Send + Sync + 'static {
    /// What the log holds now: its live generation's newest id and its newest events (at
    /// most `recent`; fewer if it keeps fewer), for replay. Called once, first.
    ///
    /// # Errors
    ///
    /// When the log cannot be reached now: the hub is not made.
    fn open(&mut self, recent: usize) -> Result<Snapshot, BackplaneError>;

    /// Starts delivering what the log holds after the snapshot to `feed` (on a thread or
    /// a task of the backplane's own), in the log's order, until the feed says the hub is
    /// gone. Called once, after [`open`](Self::open).
    ///
    /// # Errors
    ///
    /// When delivery cannot start (say, no thread could be spawned): the hub is not made.
    fn start(&self, feed: Feed) -> Result<(), BackplaneError>;

    /// Appends `appends` to the log, in this order, and completes each one's
    /// [`Appending`] (by its deadline if the log is slow: see [`Appending`]). Must not
    /// block for long: it is called from the caller's thread, possibly an async runtime's.
    fn append(&self, appends: Vec<Append>);

    /// How long a publish waits for the log's answer.
    fn timeout(&self) -> Duration;
}

/// What a log holds when a hub opens it ([`Backplane::open`]).
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The newest id of the live generation (sequence 0 if it holds no event yet).
    pub last: EventId,
    /// The history is complete after this sequence of `last`'s generation: `recent` holds
    /// every event of the generation after it (older ones were trimmed).
    pub complete_after: u64,
    /// The newest events of the live generation, oldest first, with their ids.
    pub recent: Vec<Entry>,
}

impl Snapshot {
    /// An empty log in `generation`.
    pub fn empty(generation: u64) -> Self {
        Snapshot {
            last: EventId::new(generation, 0),
            complete_after: 0,
            recent: Vec::new(),
        }
    }
}

/// An event in the log, without its id (the log gives it).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LogEvent {
    /// Its topic.
    pub topic: Topic,
    /// The event, encoded without an `id` field: each hub adds the log's id.
    pub event: EncodedEvent,
    /// Its coalescing key ([`Message::with_coalescing_key`](crate::Message::with_coalescing_key)).
    pub coalescing_key: Option<Arc<str>>,
    /// Connections of the publishing hub that must not get it
    /// ([`Target::AllExcept`](crate::Target::AllExcept)). They mean something to that hub
    /// only: a backplane tags them with the hub they came from, and delivers them to that
    /// hub alone (to the others: none).
    pub except: Vec<ConnectionId>,
}

impl LogEvent {
    /// `event` (encoded without an id) on `topic`, for everyone, with no coalescing key.
    pub fn new(topic: impl Into<Topic>, event: EncodedEvent) -> Self {
        LogEvent {
            topic: topic.into(),
            event,
            coalescing_key: None,
            except: Vec::new(),
        }
    }

    /// With a coalescing key.
    pub fn with_coalescing_key(mut self, key: Option<Arc<str>>) -> Self {
        self.coalescing_key = key;
        self
    }

    /// Not for `except` (connections of the hub it is delivered to).
    pub fn with_except(mut self, except: Vec<ConnectionId>) -> Self {
        self.except = except;
        self
    }
}

/// One publish for the log ([`Backplane::append`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct Append {
    /// What to append.
    pub event: LogEvent,
    /// Store it at most once under this key
    /// ([`Message::with_idempotency_key`](crate::Message::with_idempotency_key)): a
    /// second append with the same key in the same generation stores nothing and is
    /// answered with the first one's id.
    pub idempotency_key: Option<Arc<str>>,
    /// When the caller stops waiting.
    pub deadline: Instant,
    /// Its outcome, to complete.
    pub outcome: Appending,
}

/// The outcome of one [`Append`], shared by the backplane (which completes it) and the
/// caller (who waits for it, blocking or as a [`Publish`](crate::Publish) future).
///
/// What a caller that gives up is told depends on whether the append was sent: so a
/// backplane [`claim`](Self::claim)s each append just before it hands it to the log (and
/// skips those it cannot claim: their caller gave up). Then it says how it went: the id
/// ([`published`](Self::published)), a refusal that stored nothing
/// ([`refused`](Self::refused)), or a failure ([`failed`](Self::failed): not published if
/// it was not claimed yet, unknown if it was). The first outcome counts.
#[derive(Debug, Clone)]
pub struct Appending(Arc<Pending>);

impl Appending {
    pub(crate) fn new() -> (Self, Arc<Pending>) {
        let pending = Arc::new(Pending::default());
        (Appending(Arc::clone(&pending)), pending)
    }

    /// The backplane is about to hand it to the log: `false` if its caller gave up (skip
    /// it: it is reported as not published).
    pub fn claim(&self) -> bool {
        self.0.claim()
    }

    /// Whether its caller gave up before it was claimed (it never will be).
    pub fn is_abandoned(&self) -> bool {
        self.0.is_abandoned()
    }

    /// The log stored it with `id`.
    pub fn published(&self, id: EventId) {
        self.0.complete(Ok(id));
    }

    /// The log refused it and stored nothing (say, out of memory): not published.
    pub fn refused(&self, why: &str) {
        self.0.complete(Err(PublishError::Unavailable(why.into())));
    }

    /// It failed for `why`: not published if it was never claimed; unknown (it may be
    /// stored) if it was.
    pub fn failed(&self, why: &str) {
        self.0.fail(why);
    }
}

/// Where a backplane delivers the log to one hub ([`Backplane::start`]).
#[derive(Clone)]
pub struct Feed {
    hub: Weak<dyn Deliver>,
}

/// The hub's side of a [`Feed`].
pub(crate) trait Deliver: Send + Sync {
    fn deliver(&self, id: EventId, event: &LogEvent);
    fn lost(&self, from: EventId);
    fn is_closed(&self) -> bool;
}

impl Feed {
    pub(crate) fn new(hub: Weak<dyn Deliver>) -> Self {
        Feed { hub }
    }

    /// A feed to no hub (a backplane's placeholder until it starts).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn none() -> Self {
        Feed::new(Weak::<crate::hub::Shared<()>>::new())
    }

    /// Delivers the log's event `id` to the hub's subscribers (once each, in the order of
    /// the calls) and keeps it for replay. `false`: the hub is gone or closed; stop.
    pub fn deliver(&self, id: EventId, event: &LogEvent) -> bool {
        self.with_hub(|hub| hub.deliver(id, event))
    }

    /// The log lost events the hub may not have delivered (a new generation, or a gap in
    /// the sequence): every subscriber gets a reset event, the history is forgotten, and
    /// what follows continues after `from` (a new generation: `EventId::new(generation,
    /// 0)`). `false`: the hub is gone or closed; stop.
    pub fn lost(&self, from: EventId) -> bool {
        self.with_hub(|hub| hub.lost(from))
    }

    /// Whether the hub still wants the log: `false` once it is closed or dropped.
    pub fn is_live(&self) -> bool {
        self.hub.upgrade().is_some_and(|hub| !hub.is_closed())
    }

    fn with_hub(&self, f: impl FnOnce(&dyn Deliver)) -> bool {
        match self.hub.upgrade() {
            Some(hub) if !hub.is_closed() => {
                f(&*hub);
                true
            }
            _ => false,
        }
    }
}

impl fmt::Debug for Feed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Feed")
            .field("live", &self.is_live())
            .finish()
    }
}

/// Why a hub could not start on its backplane.
#[derive(Debug)]
pub struct BackplaneError(Box<dyn std::error::Error + Send + Sync>);

impl BackplaneError {
    /// Wraps the backplane's own error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        BackplaneError(error.into())
    }
}

impl fmt::Display for BackplaneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SSE backplane: {}", self.0)
    }
}

impl std::error::Error for BackplaneError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}
