//! [`Message`]: an event with its topic, who gets it ([`Target`]) and its coalescing key.

use std::fmt;
use std::sync::Arc;

use ssekit_core::{Event, EventError, IntoEvent};

use crate::id::ConnectionId;

/// Who gets a published event, among the subscribers of its topic.
///
/// `All` and `AllExcept` events are kept in the topic's history and replayed to any
/// reconnecting subscriber (a reconnection is a new connection, so an exclusion does not
/// follow it). `Connection` and `Matching` events are live only: they are not replayed. To
/// reach one user durably, give the user a topic of their own (`"user:42"`).
pub enum Target<M> {
    /// Every subscriber of the topic.
    All,
    /// Every subscriber of the topic but these connections (e.g. the tab that posted).
    AllExcept(Vec<ConnectionId>),
    /// One connection.
    Connection(ConnectionId),
    /// The subscribers whose metadata matches (e.g. every connection of one user).
    Matching(Arc<dyn Fn(&M) -> bool + Send + Sync>),
}

impl<M> Target<M> {
    /// The subscribers whose metadata satisfies `predicate`.
    pub fn matching(predicate: impl Fn(&M) -> bool + Send + Sync + 'static) -> Self {
        Target::Matching(Arc::new(predicate))
    }

    /// Whether the event goes to `connection`, whose metadata is `metadata`.
    pub(crate) fn includes(&self, connection: ConnectionId, metadata: &M) -> bool {
        match self {
            Target::All => true,
            Target::AllExcept(excluded) => !excluded.contains(&connection),
            Target::Connection(only) => *only == connection,
            Target::Matching(predicate) => predicate(metadata),
        }
    }

    /// Whether the event is kept for replay.
    pub(crate) fn is_kept(&self) -> bool {
        self.kept_except().is_some()
    }

    /// For an event kept for replay, the connections it excludes.
    pub(crate) fn kept_except(&self) -> Option<&[ConnectionId]> {
        match self {
            Target::All => Some(&[]),
            Target::AllExcept(excluded) => Some(excluded),
            Target::Connection(_) | Target::Matching(_) => None,
        }
    }
}

impl<M> Clone for Target<M> {
    fn clone(&self) -> Self {
        match self {
            Target::All => Target::All,
            Target::AllExcept(ids) => Target::AllExcept(ids.clone()),
            Target::Connection(id) => Target::Connection(*id),
            Target::Matching(predicate) => Target::Matching(Arc::clone(predicate)),
        }
    }
}

impl<M> fmt::Debug for Target<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::All => f.write_str("All"),
            Target::AllExcept(ids) => f.debug_tuple("AllExcept").field(ids).finish(),
            Target::Connection(id) => f.debug_tuple("Connection").field(id).finish(),
            Target::Matching(_) => f.write_str("Matching(..)"),
        }
    }
}

/// An event to publish, with its topic, [`Target`] and coalescing key; see
/// [`Hub::send`](crate::Hub::send). [`Hub::publish`](crate::Hub::publish) is the short
/// form for an event to everyone.
///
/// ```
/// use ssekit_core::{Event, EventError, IntoEvent};
/// use ssekit_hub::{Hub, Message, Target};
///
/// #[derive(Default)]
/// struct User { name: String }
///
/// let hub: Hub<User> = Hub::default();
/// let alice = hub.subscribe_with(["chat"], None, User { name: "alice".into() })?;
/// let bob = hub.subscribe_with(["chat"], None, User { name: "bob".into() })?;
/// let event = Event::new().with_event_type("mention")?.with_data("hi alice");
/// let to_alice = Target::matching(|user: &User| user.name == "alice");
/// hub.send(Message::new("chat", event).with_target(to_alice))?;
/// assert_eq!((alice.pending(), bob.pending()), (1, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[must_use = "a message does nothing until it is sent with `Hub::send`"]
pub struct Message<'a, M> {
    pub(crate) topic: &'a str,
    /// The event, or why the item could not become one (reported when it is sent).
    pub(crate) event: Result<Event<'a>, EventError>,
    pub(crate) target: Target<M>,
    pub(crate) key: Option<Arc<str>>,
    pub(crate) idempotency_key: Option<Arc<str>>,
}

impl<'a, M> Message<'a, M> {
    /// The longest idempotency key: 128 bytes.
    pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;

    /// `event` for every subscriber of `topic`: anything [`Hub::publish`](crate::Hub::publish)
    /// takes (an [`Event`], a string, an `(event type, data)` pair from ssekit-htmx's
    /// catalogue, JSON). An item that is not a valid event fails the send
    /// ([`PublishError::Event`](crate::PublishError::Event)).
    pub fn new(topic: &'a str, event: impl IntoEvent<'a>) -> Self {
        Self::made(topic, event.into_event())
    }

    /// A message of an event already made (or of why it could not be).
    pub(crate) fn made(topic: &'a str, event: Result<Event<'a>, EventError>) -> Self {
        Message {
            topic,
            event,
            target: Target::All,
            key: None,
            idempotency_key: None,
        }
    }

    /// Sends it only to `target` among the topic's subscribers.
    pub fn with_target(mut self, target: Target<M>) -> Self {
        self.target = target;
        self
    }

    /// Coalesces it under `key`: an event of the same topic and key still waiting in a
    /// subscriber's queue is replaced by this one (it leaves the queue and this one joins
    /// at the end), and a replay sends only the newest event of each key. For progress
    /// bars and dashboards, where only the latest value matters. (A keyed event is queued
    /// for each subscriber, where events for everyone are written once per topic.)
    pub fn with_coalescing_key(mut self, key: impl Into<Arc<str>>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Publishes it at most once under `key` (e.g. the id of the request that asked for
    /// it): on a shared log (Redis), a publish answered
    /// [`PublishError::Unknown`](crate::PublishError::Unknown) can be retried with the
    /// same key; if the first attempt was stored after all, the retry stores nothing and
    /// returns the first attempt's id. Keys are remembered for `Redis::with_idempotency_ttl`
    /// (10 minutes by default), within one generation of the log (see the
    /// [crate docs](crate#redis)).
    /// At most [`MAX_IDEMPOTENCY_KEY_LEN`](Self::MAX_IDEMPOTENCY_KEY_LEN) bytes.
    ///
    /// In memory a publish is never unknown, so there is nothing to retry: the key is not
    /// needed there, and not kept.
    pub fn with_idempotency_key(mut self, key: impl Into<Arc<str>>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}
