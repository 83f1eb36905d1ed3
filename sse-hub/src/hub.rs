//! [`Hub`]: publish from anywhere, subscribe with replay, close.

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};

use sse_core::{EncodedEvent, Event, IntoEvent};

use crate::config::{Config, final_event};
use crate::error::{FinalEventError, PublishError, SubscribeError};
use crate::history::HistoryUsage;
use crate::id::{ConnectionId, EventId};
use crate::memory::MemoryStore;
use crate::message::{Message, Target};
use crate::pending::Pending;
use crate::publish::Publish;
use crate::queue::{EndReason, Pushed, Slot};
use crate::ring::{Item, Ring};
use crate::stats::{ConnectionInfo, Counters, Stats};
use crate::store::{Entry, ResetReason, Store, Topic};
use crate::subscription::{Cursor, Cursors, Subscription};

/// Broadcasts events to many subscribers by topic, with bounded queues and replay.
///
/// A `Hub` is a cheap handle (`Clone + Send + Sync`): clone it into handlers, tasks and
/// threads. [`publish`](Self::publish) is a plain call, not `async`: it works from a
/// `std::thread`, `spawn_blocking` or any runtime, and never waits for a subscriber. `M` is
/// what each subscriber carries ([`subscribe_with`](Self::subscribe_with)), for
/// [`Target::Matching`](crate::Target::Matching) and [`connections`](Self::connections).
///
/// See the [crate docs](crate) for an axum handler.
pub struct Hub<M: Send + Sync + 'static = ()> {
    shared: Arc<Shared<M>>,
}

impl<M: Send + Sync + 'static> Clone for Hub<M> {
    fn clone(&self) -> Self {
        Hub {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<M: Send + Sync + 'static> Default for Hub<M> {
    /// A hub with [`Config::default`], in memory.
    fn default() -> Self {
        Self::new(Config::default())
    }
}

impl<M: Send + Sync + 'static> fmt::Debug for Hub<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("config", &self.shared.config)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// What the handles share.
pub(crate) struct Shared<M> {
    config: Config,
    counters: Arc<Counters>,
    state: Mutex<State<M>>,
    /// A shared log that assigns ids and feeds this hub through a tail (several servers).
    log: Option<Box<dyn Log>>,
    /// Closed: set under the state's lock, read without it by publishers on a log.
    closed: AtomicBool,
    /// The hub's clock starts here ([`now`](Self::now)).
    started: Instant,
}

/// A shared, ordered log of published events (Redis Streams): it assigns their ids, and
/// a tail of its own delivers them to every hub on it ([`Shared::deliver_from_log`]).
pub(crate) trait Log: Send + Sync + 'static {
    /// Starts appending `appends`, in order; each gets its own outcome, completed by the
    /// log within [`timeout`](Self::timeout).
    fn append(&self, appends: Vec<Append>) -> Vec<Arc<Pending>>;

    /// How long a publish waits for the log.
    fn timeout(&self) -> Duration;
}

/// An event for the shared log, encoded without an id.
pub(crate) struct Append {
    pub(crate) topic: Topic,
    pub(crate) event: EncodedEvent,
    /// Its coalescing key.
    pub(crate) key: Option<Arc<str>>,
    /// Connections of this hub that must not get it.
    pub(crate) except: Vec<ConnectionId>,
    /// Stored at most once under this key.
    pub(crate) idempotency_key: Option<Arc<str>>,
}

/// A message published here, or ready for the shared log.
enum Prepared {
    Done(Result<EventId, PublishError>),
    Append(Append),
}

/// Everything behind the hub's lock.
pub(crate) struct State<M> {
    store: Box<dyn Store>,
    topics: HashMap<Topic, Subscribers<M>>,
    connections: HashMap<ConnectionId, Arc<Slot<M>>>,
    next_connection: u64,
    /// The order of the latest event delivered (to a ring or a queue), or end decided.
    order: u64,
}

/// A topic's subscribers, in a vector for targeted events and wake-ups, indexed for
/// removal; and its ring of broadcast events.
struct Subscribers<M> {
    ring: Arc<Ring>,
    slots: Vec<Arc<Slot<M>>>,
    index: HashMap<ConnectionId, usize>,
}

impl<M> Subscribers<M> {
    fn new(capacity: usize) -> Self {
        Subscribers {
            ring: Arc::new(Ring::new(capacity)),
            slots: Vec::new(),
            index: HashMap::new(),
        }
    }

    fn insert(&mut self, slot: &Arc<Slot<M>>) {
        self.index.insert(slot.id, self.slots.len());
        self.slots.push(Arc::clone(slot));
    }

    fn remove(&mut self, id: ConnectionId) {
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
fn sparse(len: usize, capacity: usize) -> bool {
    capacity > 64 && len < capacity / 4
}

impl<M: Send + Sync + 'static> Hub<M> {
    /// A hub keeping its history in memory ([`MemoryStore`]).
    pub fn new(config: Config) -> Self {
        let store = MemoryStore::from_config(&config);
        Self::new_with_store(config, store)
    }

    /// A hub keeping its ids and history in `store`. The store's own bounds apply; the
    /// config's history settings are for the default store.
    pub fn new_with_store(config: Config, store: impl Store) -> Self {
        Self::from_parts(config, Box::new(store), None)
    }

    /// A hub on `store`, fed by `log` if there is one.
    pub(crate) fn from_parts(
        config: Config,
        store: Box<dyn Store>,
        log: Option<Box<dyn Log>>,
    ) -> Self {
        let state = State {
            store,
            topics: HashMap::new(),
            connections: HashMap::new(),
            next_connection: 0,
            order: 0,
        };
        Hub {
            shared: Arc::new(Shared {
                config,
                counters: Arc::default(),
                state: Mutex::new(state),
                log,
                closed: AtomicBool::new(false),
                started: Instant::now(),
            }),
        }
    }

    /// A handle that does not keep the hub alive (the log's tail holds one).
    #[cfg(feature = "redis")]
    pub(crate) fn downgrade(&self) -> std::sync::Weak<Shared<M>> {
        Arc::downgrade(&self.shared)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Publishes `event` to every subscriber of `topic`; returns the id it was given.
    /// `event` is anything sse-core turns into an event: a string (data), an `(event type,
    /// data)` pair, an [`Event`], JSON. Any `id` it has is replaced by the hub's.
    ///
    /// The event is encoded once and written once, into the topic's ring; every subscriber
    /// reads the same shared bytes from there. A subscriber that falls more than
    /// [`Config::queue_capacity`] events behind is disconnected (it resumes with its
    /// `Last-Event-ID`): the publisher never waits for a subscriber.
    ///
    /// In memory it returns at once. On a shared log (Redis) it blocks the calling thread
    /// until the log stored the event, at most the log's timeout: from async code, use
    /// [`publish_async`](Self::publish_async), which waits without blocking the runtime.
    ///
    /// # Errors
    ///
    /// When the hub is closed, or the event is invalid; then nothing was published. On a
    /// shared log: [`PublishError::Unavailable`] (not published) or
    /// [`PublishError::Unknown`] (sent, no answer: it may be published).
    pub fn publish<'e>(
        &self,
        topic: &str,
        event: impl IntoEvent<'e>,
    ) -> Result<EventId, PublishError> {
        self.send(Message::made(topic, event.into_event()))
    }

    /// [`publish`](Self::publish) for async code: the returned [`Publish`] resolves once
    /// the event is published (at once in memory), without blocking the thread.
    pub fn publish_async<'e>(&self, topic: &str, event: impl IntoEvent<'e>) -> Publish {
        self.send_async(Message::made(topic, event.into_event()))
    }

    /// Publishes a [`Message`]: an event with a [`Target`](crate::Target) and an optional
    /// coalescing key. Blocks like [`publish`](Self::publish) on a shared log.
    ///
    /// # Errors
    ///
    /// As [`publish`](Self::publish).
    pub fn send(&self, message: Message<'_, M>) -> Result<EventId, PublishError> {
        let deadline = self.deadline();
        self.start(message).wait(deadline)
    }

    /// [`send`](Self::send) for async code; see [`Publish`].
    pub fn send_async(&self, message: Message<'_, M>) -> Publish {
        self.start(message)
    }

    /// Sends `messages` in order, as one batch: on a shared log they travel in one
    /// pipeline, each with its own id and its own outcome (in the same order). Blocks like
    /// [`send`](Self::send); `send_async` called for each message, then awaited, batches
    /// the same way.
    pub fn send_all<'m>(
        &self,
        messages: impl IntoIterator<Item = Message<'m, M>>,
    ) -> Vec<Result<EventId, PublishError>> {
        let deadline = self.deadline();
        let mut publishes = Vec::new();
        let mut appends = Vec::new();
        for message in messages {
            match self.prepare(message) {
                Prepared::Done(outcome) => publishes.push(Some(Publish::ready(outcome))),
                Prepared::Append(append) => {
                    publishes.push(None);
                    appends.push(append);
                }
            }
        }
        let mut waiting = self.append(appends).into_iter();
        publishes
            .into_iter()
            .map(|publish| match publish.or_else(|| waiting.next()) {
                Some(publish) => publish.wait(deadline),
                None => Err(PublishError::Closed),
            })
            .collect()
    }

    /// Until when a blocking publish waits for a shared log.
    fn deadline(&self) -> Instant {
        let timeout = self
            .shared
            .log
            .as_ref()
            .map_or(Duration::ZERO, |log| log.timeout());
        Instant::now() + timeout
    }

    /// Starts publishing `message`.
    fn start(&self, message: Message<'_, M>) -> Publish {
        match self.prepare(message) {
            Prepared::Done(outcome) => Publish::ready(outcome),
            Prepared::Append(append) => self
                .append(vec![append])
                .pop()
                .unwrap_or_else(|| Publish::ready(Err(PublishError::Closed))),
        }
    }

    /// Hands `appends` to the shared log, in order.
    fn append(&self, appends: Vec<Append>) -> Vec<Publish> {
        let Some(log) = &self.shared.log else {
            return Vec::new();
        };
        if appends.is_empty() {
            return Vec::new();
        }
        log.append(appends)
            .into_iter()
            .map(|pending| Publish::waiting(pending, Arc::clone(&self.shared.counters)))
            .collect()
    }

    /// Publishes `message` here, or makes it ready for the shared log (which gives the id
    /// and feeds every instance's tail, this one's too: nothing is delivered here, and
    /// nothing is acknowledged that was not stored).
    fn prepare(&self, message: Message<'_, M>) -> Prepared {
        let Message {
            topic,
            event,
            target,
            key,
            idempotency_key,
        } = message;
        let event = match event {
            Ok(event) => event,
            Err(error) => return Prepared::Done(Err(error.into())),
        };
        if let (Some(_), Some(except)) = (&self.shared.log, target.kept_except()) {
            if self.is_closed() {
                return Prepared::Done(Err(PublishError::Closed));
            }
            if idempotency_key
                .as_ref()
                .is_some_and(|k| k.len() > Message::<M>::MAX_IDEMPOTENCY_KEY_LEN)
            {
                return Prepared::Done(Err(PublishError::IdempotencyKeyTooLong));
            }
            return match event.without_id().to_encoded() {
                Ok(event) => Prepared::Append(Append {
                    topic: Arc::from(topic),
                    event,
                    key,
                    except: except.to_vec(),
                    idempotency_key,
                }),
                Err(error) => Prepared::Done(Err(error.into())),
            };
        }
        Prepared::Done(self.publish_here(topic, event, &target, key))
    }

    /// Publishes with an id of this hub's store, to this hub's subscribers.
    fn publish_here(
        &self,
        topic: &str,
        event: Event<'_>,
        target: &Target<M>,
        key: Option<Arc<str>>,
    ) -> Result<EventId, PublishError> {
        let mut state = self.shared.state();
        if self.shared.is_closed() {
            return Err(PublishError::Closed);
        }
        let id = state.store.next_id();
        let encoded =
            id.with_text(|id| -> Result<_, PublishError> { Ok(event.with_id(id)?.to_encoded()?) })?;
        let keep = target.is_kept() && self.shared.log.is_none();
        let wake = self
            .shared
            .deliver(&mut state, id, topic, encoded, target, key, keep);
        drop(state);
        wake_all(wake);
        Counters::add(&self.shared.counters.published, 1);
        Ok(id)
    }

    /// Subscribes to `topics`, resuming after `last_event_id` (the client's
    /// `Last-Event-ID`, if it sent one), with default metadata.
    ///
    /// # Errors
    ///
    /// As [`subscribe_with`](Self::subscribe_with).
    pub fn subscribe<T: AsRef<str>>(
        &self,
        topics: impl IntoIterator<Item = T>,
        last_event_id: Option<&str>,
    ) -> Result<Subscription<M>, SubscribeError>
    where
        M: Default,
    {
        self.subscribe_with(topics, last_event_id, M::default())
    }

    /// Subscribes to `topics` with `metadata`, resuming after `last_event_id`.
    ///
    /// With no `last_event_id` the stream starts with the next event published. With one,
    /// it first replays every kept event of these topics after it, oldest first, then
    /// goes live, with no gap and no duplicate however publishers race (the replay is
    /// taken and the subscriber registered at one instant). When the id cannot be resumed
    /// from (unknown, malformed, from another run, or older than the history), the stream
    /// starts with a reset event instead ([`Config::with_reset_event_type`]).
    ///
    /// # Errors
    ///
    /// When the hub is closed, or there are no topics or more than
    /// [`Config::max_topics`].
    pub fn subscribe_with<T: AsRef<str>>(
        &self,
        topics: impl IntoIterator<Item = T>,
        last_event_id: Option<&str>,
        metadata: M,
    ) -> Result<Subscription<M>, SubscribeError> {
        let config = &self.shared.config;
        let max = config.max_topics();
        let mut state = self.shared.state();
        if self.shared.is_closed() {
            return Err(SubscribeError::Closed);
        }
        let mut names: Vec<Topic> = Vec::new();
        for topic in topics {
            let topic = topic.as_ref();
            if names.iter().any(|t| &**t == topic) {
                continue;
            }
            if names.len() == max {
                return Err(SubscribeError::TooManyTopics { max });
            }
            names.push(match state.topics.get_key_value(topic) {
                Some((name, _)) => Arc::clone(name),
                None => Arc::from(topic),
            });
        }
        let opened = names
            .iter()
            .filter(|name| !state.topics.contains_key(*name))
            .count();
        let max_live = config.max_live_topics();
        if state.topics.len() + opened > max_live {
            return Err(SubscribeError::TooManyLiveTopics { max: max_live });
        }
        if names.is_empty() {
            return Err(SubscribeError::NoTopic);
        }
        state.next_connection += 1;
        let id = ConnectionId(state.next_connection);
        let (mut replay, reset, skip_through) = state.replay(&names, last_event_id, config);
        if let Some(retry) = config.retry_event() {
            replay.push_front(retry.clone());
        }
        let replayed = replay.len();
        // Under the hub's lock: the rings' tails are where the replay ends.
        let cursors: Cursors = names
            .iter()
            .map(|topic| {
                let subscribers = state
                    .topics
                    .entry(Arc::clone(topic))
                    .or_insert_with(|| Subscribers::new(config.queue_capacity()));
                Cursor::new(Arc::clone(&subscribers.ring))
            })
            .collect();
        let ring_start = cursors.iter().map(Cursor::pos).sum();
        let now = self.shared.now();
        let slot = Arc::new(Slot::new(
            id,
            names.into_boxed_slice(),
            metadata,
            replay,
            ring_start,
            now,
        ));
        for topic in &slot.topics {
            if let Some(subscribers) = state.topics.get_mut(topic) {
                subscribers.insert(&slot);
            }
        }
        state.connections.insert(id, Arc::clone(&slot));
        drop(state);
        let counters = &self.shared.counters;
        Counters::add(&counters.subscribed, 1);
        Counters::add(&counters.subscribers, 1);
        match reset {
            Some(reason) => {
                Counters::add(&counters.resets, 1);
                // At most a prefix of what the client sent: a hostile id is not logged whole.
                let last_event_id = last_event_id.map(|id| id.get(..64).unwrap_or(id));
                tracing::info!(connection = %id, topics = ?slot.topics, last_event_id, %reason, "SSE subscriber cannot resume: reset event sent");
            }
            None => Counters::add(&counters.replayed, replayed as u64),
        }
        tracing::debug!(connection = %id, topics = ?slot.topics, replayed, "SSE subscriber joined");
        Ok(Subscription::new(
            slot,
            Arc::downgrade(&self.shared),
            cursors,
            skip_through,
        ))
    }

    /// Ends every subscription, after the events already queued for it, and refuses new
    /// publishes and subscriptions. Streams end at once, so a server's graceful shutdown
    /// is not held up by open event streams. Browsers reconnect, and resume from their
    /// `Last-Event-ID` once a server is back.
    pub fn close(&self) {
        self.shared.close(None, EndReason::Closed);
    }

    /// Like [`close`](Self::close), with `event` sent last on every stream (e.g. a
    /// comment, or an event the page shows as "server restarting").
    ///
    /// # Errors
    ///
    /// When `event` has an id (it would move the clients' last event ID) or cannot be
    /// encoded; then nothing is closed.
    pub fn close_with(&self, event: Event<'_>) -> Result<(), FinalEventError> {
        let last = final_event(event)?;
        self.shared.close(Some(last), EndReason::Closed);
        Ok(())
    }

    /// Ends every current stream, after the events already queued for it, but keeps the
    /// hub open: browsers reconnect after their reconnection time and resume from their
    /// `Last-Event-ID`, with nothing lost. For moving connections to other servers, or to
    /// see reconnection work.
    pub fn disconnect_all(&self) {
        let mut state = self.shared.state();
        let before = state.next_order();
        for slot in state.connections.values() {
            slot.end(EndReason::Disconnected, None, before);
        }
        state.notice_all();
    }

    /// Ends one connection's stream, after the events already queued for it (like
    /// [`disconnect_all`](Self::disconnect_all) for one): its browser reconnects and
    /// resumes from its `Last-Event-ID`, nothing lost. A connection's metadata is fixed
    /// when it subscribes; when it changes (the user logged in), disconnect it, and the
    /// new subscription carries the new metadata. Returns whether it was live.
    pub fn disconnect(&self, connection: ConnectionId) -> bool {
        let mut state = self.shared.state();
        let before = state.next_order();
        let Some(slot) = state.connections.get(&connection) else {
            return false;
        };
        slot.end(EndReason::Disconnected, None, before);
        state.notice_all();
        true
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// The counters, read without a lock.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// How much history the hub keeps now (its store's count).
    pub fn history_usage(&self) -> HistoryUsage {
        self.shared.state().store.usage()
    }

    /// The latest id given to an event (sequence 0 before any).
    pub fn last_id(&self) -> EventId {
        self.shared.state().store.last_id()
    }

    /// Each topic with subscribers, and how many.
    pub fn topics(&self) -> Vec<(Topic, usize)> {
        let state = self.shared.state();
        let mut topics: Vec<_> = state
            .topics
            .iter()
            .map(|(topic, subscribers)| (Arc::clone(topic), subscribers.slots.len()))
            .collect();
        topics.sort();
        topics
    }

    /// How many connections are live (no metadata copied).
    pub fn connection_count(&self) -> usize {
        self.shared.state().connections.len()
    }

    /// Every live connection, oldest first.
    pub fn connections(&self) -> Vec<ConnectionInfo<M>>
    where
        M: Clone,
    {
        let state = self.shared.state();
        let mut connections: Vec<_> = state
            .connections
            .values()
            .map(|slot| {
                let tails: u64 = slot
                    .topics
                    .iter()
                    .filter_map(|topic| state.topics.get(topic))
                    .map(|subscribers| subscribers.ring.tail())
                    .sum();
                let ring_pending = tails.saturating_sub(slot.ring_start + slot.ring_read());
                ConnectionInfo {
                    id: slot.id,
                    topics: slot.topics.to_vec(),
                    metadata: slot.metadata.clone(),
                    connected_at: slot.connected_at,
                    delivered: slot.taken(),
                    pending: slot
                        .queue()
                        .len()
                        .saturating_add(usize::try_from(ring_pending).unwrap_or(usize::MAX)),
                    last_activity: self.shared.instant(slot.last_activity()),
                }
            })
            .collect();
        drop(state);
        connections.sort_by_key(|c| c.id);
        connections
    }
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
    fn instant(&self, at: u64) -> Instant {
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

    /// Delivers an event the log's tail read: it gets its id here, once for every local
    /// subscriber, and is kept for replay.
    #[cfg(feature = "redis")]
    pub(crate) fn deliver_from_log(
        &self,
        id: EventId,
        topic: &str,
        event: &EncodedEvent,
        key: Option<Arc<str>>,
        except: Vec<ConnectionId>,
    ) {
        let event = match id.with_text(|text| event.with_id(text)) {
            Ok(event) => event,
            Err(error) => {
                tracing::error!(%error, %id, "SSE event from the log could not take its id");
                return;
            }
        };
        let mut state = self.state();
        state.store.keep_id(id);
        let target = if except.is_empty() {
            Target::All
        } else {
            Target::AllExcept(except)
        };
        let wake = self.deliver(&mut state, id, topic, event, &target, key, true);
        drop(state);
        wake_all(wake);
    }

    /// The log lost events this hub had not all delivered (it came back empty): every
    /// subscriber gets a reset event, and the history starts again from `from`.
    #[cfg(feature = "redis")]
    pub(crate) fn log_lost(&self, from: EventId) {
        let mut state = self.state();
        state.store.restart(from);
        let Some(reset) = reset_event(&self.config, from, ResetReason::HistoryGone) else {
            return;
        };
        let order = state.next_order();
        let item = Item {
            order,
            id: None,
            at: self.now(),
            event: reset,
        };
        let mut reached = 0;
        for slot in state.connections.values() {
            if slot.push(item.clone(), None, usize::MAX, None) == Pushed::Queued {
                reached += 1;
            }
        }
        state.notice_all();
        Counters::add(&self.counters.resets, reached);
        tracing::warn!(
            subscribers = reached,
            "SSE log lost events: reset event sent to every subscriber"
        );
    }

    /// Ends every subscription with `reason`, `last` sent last.
    fn close(&self, last: Option<EncodedEvent>, reason: EndReason) {
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
    fn notice_all(&self) {
        for subscribers in self.topics.values() {
            subscribers.ring.notice();
        }
    }

    /// The order for the next event delivered, or for an end after everything so far.
    fn next_order(&mut self) -> u64 {
        self.order += 1;
        self.order
    }

    /// What a new subscriber of `topics` gets first: the replay after `last_event_id`, or
    /// a reset event and why; and the id through which live events are skipped (the client
    /// saw them on another server, ahead of this hub's log tail).
    fn replay(
        &mut self,
        topics: &[Topic],
        last_event_id: Option<&str>,
        config: &Config,
    ) -> (VecDeque<EncodedEvent>, Option<ResetReason>, Option<EventId>) {
        let Some(text) = last_event_id else {
            return (VecDeque::new(), None, None);
        };
        let after = EventId::parse(text);
        let mut entries = Vec::new();
        let resumed = match after {
            Some(after) => self.store.replay(topics, after, &mut entries),
            None => Err(ResetReason::UnknownId),
        };
        match (resumed, after) {
            (Ok(()), _) => (coalesced(entries), None, None),
            (Err(ResetReason::UnknownId), Some(after)) if self.store.ahead(after) => {
                (VecDeque::new(), None, Some(after))
            }
            (Err(reason), _) => {
                let reset = reset_event(config, self.store.last_id(), reason);
                (reset.into_iter().collect(), Some(reason), None)
            }
        }
    }
}

/// Wakes the streams a delivery found waiting (outside the hub's lock), and keeps the
/// emptied list for the thread's next publish: a publish allocates no list once one is
/// large enough.
fn wake_all(mut wakers: Vec<Waker>) {
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

/// The replayed events, each keyed one only in its newest version.
fn coalesced(entries: Vec<Entry>) -> VecDeque<EncodedEvent> {
    let mut newest: HashMap<(&str, &str), EventId> = HashMap::new();
    for entry in &entries {
        if let Some(key) = &entry.key {
            newest.insert((&entry.topic, key), entry.id);
        }
    }
    entries
        .iter()
        .filter(|entry| match &entry.key {
            Some(key) => newest.get(&(&*entry.topic, &**key)) == Some(&entry.id),
            None => true,
        })
        .map(|entry| entry.event.clone())
        .collect()
}

/// The reset event: the configured type, the reason as data, the latest id as its id.
fn reset_event(config: &Config, latest: EventId, reason: ResetReason) -> Option<EncodedEvent> {
    let encoded = Event::new()
        .with_event_type(config.reset_event_type())
        .and_then(|event| event.with_id(latest.to_string()))
        .map(|event| event.with_data(reason.as_str()).to_encoded());
    // The type was checked when configured and an id is visible ASCII: this cannot fail,
    // but if it did, the operator must hear of it.
    match encoded {
        Ok(Ok(encoded)) => Some(encoded),
        failed => {
            tracing::error!(?failed, "SSE reset event could not be made");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::{FutureExt, StreamExt};

    use super::*;
    use crate::testing::{data, drain};

    #[test]
    fn every_subscriber_gets_the_same_shared_bytes_in_order() -> Result<(), PublishError> {
        let hub: Hub = Hub::default();
        let mut a = hub
            .subscribe(["t"], None)
            .map_err(|_| PublishError::Closed)?;
        let mut b = hub
            .subscribe(["t", "u"], None)
            .map_err(|_| PublishError::Closed)?;
        let one = hub.publish("t", "one")?;
        let two = hub.publish("u", ("kind", "two"))?;
        assert_eq!(two.seq(), one.seq() + 1);
        assert_eq!(two.epoch(), one.epoch());
        let (Some(Some(x)), Some(Some(y))) = (a.next().now_or_never(), b.next().now_or_never())
        else {
            panic!("both got the first event");
        };
        assert_eq!(
            x.as_bytes().as_ptr(),
            y.as_bytes().as_ptr(),
            "one encoding, shared"
        );
        assert_eq!(x.as_bytes(), format!("id: {one}\ndata: one\n\n").as_bytes());
        assert_eq!(drain(&mut a), Vec::<String>::new());
        assert_eq!(
            drain(&mut b),
            [format!("event: kind\nid: {two}\ndata: two\n\n")]
        );
        Ok(())
    }

    #[test]
    fn resume_replays_what_was_missed_then_goes_live() -> Result<(), Box<dyn std::error::Error>> {
        let hub: Hub = Hub::default();
        let ids: Vec<EventId> = (0..4)
            .map(|n| hub.publish(if n % 2 == 0 { "a" } else { "b" }, n.to_string()))
            .collect::<Result<_, _>>()?;
        let mut sub = hub.subscribe(["a", "b"], Some(&ids[0].to_string()))?;
        hub.publish("a", "live")?;
        hub.publish("other", "not mine")?;
        assert_eq!(data(&drain(&mut sub)), ["1", "2", "3", "live"]);
        assert_eq!(hub.stats().replayed, 3);
        // From the latest id: nothing to replay.
        let mut sub = hub.subscribe(["a"], Some(&hub.last_id().to_string()))?;
        assert!(drain(&mut sub).is_empty());
        Ok(())
    }

    #[test]
    fn an_id_that_cannot_be_resumed_from_gets_a_reset_event()
    -> Result<(), Box<dyn std::error::Error>> {
        let config = Config::default()
            .with_history_len(2)
            .with_reset_event_type("resync")?;
        let hub: Hub = Hub::new(config);
        let first = hub.publish("a", "1")?;
        for n in 2..=4 {
            hub.publish("a", n.to_string())?;
        }
        let latest = hub.last_id();
        let foreign = Hub::<()>::default().publish("a", "x")?.to_string();
        let huge = "9".repeat(100_000);
        for (last, reason) in [
            (first.to_string(), "history-gone"),
            (foreign, "unknown-id"),
            ("not an id".into(), "unknown-id"),
            (huge, "unknown-id"),
            (String::new(), "unknown-id"),
        ] {
            let mut sub = hub.subscribe(["a"], Some(&last))?;
            let got = drain(&mut sub);
            assert_eq!(
                got,
                [format!("event: resync\nid: {latest}\ndata: {reason}\n\n")]
            );
        }
        assert_eq!(hub.stats().resets, 5);
        Ok(())
    }

    #[test]
    fn a_subscriber_too_far_behind_ends_with_the_lag_event()
    -> Result<(), Box<dyn std::error::Error>> {
        let config = Config::default()
            .with_queue_capacity(2)
            .with_lag_event(Event::new().with_comment("too slow"))?;
        let hub: Hub = Hub::new(config);
        let mut slow = hub.subscribe(["t"], None)?;
        let mut fast = hub.subscribe(["t"], None)?;
        hub.publish("t", "1")?;
        hub.publish("t", "2")?;
        assert_eq!(data(&drain(&mut fast)), ["1", "2"]);
        hub.publish("t", "3")?; // the publisher does not wait: `slow` is cut off
        assert_eq!(slow.end_reason(), Some(EndReason::Lagged));
        hub.publish("t", "4")?;
        // It missed "1": nothing more, so that its Last-Event-ID resumes without a gap.
        assert_eq!(data(&drain(&mut slow)), [":too slow", "<end>"]);
        assert_eq!(data(&drain(&mut fast)), ["3", "4"]);
        assert_eq!(hub.stats().lag_disconnects, 1);
        assert!(drain(&mut slow).ends_with(&["<end>".to_owned()]));
        Ok(())
    }

    #[test]
    fn a_newer_event_with_the_same_key_replaces_the_queued_one()
    -> Result<(), Box<dyn std::error::Error>> {
        let hub: Hub = Hub::new(Config::default().with_queue_capacity(2));
        let start = hub.last_id().to_string();
        let mut sub = hub.subscribe(["jobs"], None)?;
        for n in 0..100 {
            let progress = Event::new()
                .with_event_type("progress")?
                .with_data(n.to_string());
            hub.send(Message::new("jobs", progress).with_coalescing_key("job-1"))?;
        }
        hub.publish("jobs", "done")?;
        assert_eq!(data(&drain(&mut sub)), ["99", "done"]);
        assert_eq!(sub.end_reason(), None, "coalescing kept the queue short");
        let mut resumed = hub.subscribe(["jobs"], Some(&start))?;
        assert_eq!(
            data(&drain(&mut resumed)),
            ["99", "done"],
            "replay is coalesced too"
        );
        Ok(())
    }

    #[test]
    fn targets_pick_subscribers_and_only_broadcasts_are_replayed()
    -> Result<(), Box<dyn std::error::Error>> {
        let hub: Hub<&'static str> = Hub::default();
        let start = hub.last_id().to_string();
        let mut alice = hub.subscribe_with(["chat"], None, "alice")?;
        let mut bob = hub.subscribe_with(["chat"], None, "bob")?;
        let send = |target: Target<&'static str>, text: &'static str| {
            hub.send(Message::new("chat", Event::new().with_data(text)).with_target(target))
        };
        send(Target::AllExcept(vec![alice.id()]), "from alice")?;
        send(Target::Connection(alice.id()), "to alice")?;
        send(Target::matching(|user: &&str| *user == "bob"), "for bob")?;
        send(Target::All, "all")?;
        assert_eq!(data(&drain(&mut alice)), ["to alice", "all"]);
        assert_eq!(data(&drain(&mut bob)), ["from alice", "for bob", "all"]);
        let mut later = hub.subscribe_with(["chat"], Some(&start), "carol")?;
        assert_eq!(data(&drain(&mut later)), ["from alice", "all"]);
        Ok(())
    }

    #[test]
    fn close_ends_every_stream_and_refuses_new_work() -> Result<(), Box<dyn std::error::Error>> {
        let hub: Hub = Hub::default();
        let mut sub = hub.subscribe(["t"], None)?;
        hub.publish("t", "queued")?;
        assert!(
            hub.close_with(Event::new().with_id(1)?.with_data("x"))
                .is_err()
        );
        hub.close_with(Event::new().with_event_type("bye")?.with_data("restarting"))?;
        assert!(hub.is_closed());
        assert_eq!(data(&drain(&mut sub)), ["queued", "restarting", "<end>"]);
        assert_eq!(sub.end_reason(), Some(EndReason::Closed));
        assert!(matches!(
            hub.publish("t", "late"),
            Err(PublishError::Closed)
        ));
        assert!(matches!(
            hub.subscribe(["t"], None),
            Err(SubscribeError::Closed)
        ));
        Ok(())
    }

    #[test]
    fn a_dropped_subscription_is_unregistered_at_once() -> Result<(), Box<dyn std::error::Error>> {
        let hub: Hub<u32> = Hub::default();
        let a = hub.subscribe_with(["x", "y"], None, 1)?;
        let b = hub.subscribe_with(["y"], None, 2)?;
        assert_eq!(hub.topics(), [(Arc::from("x"), 1), (Arc::from("y"), 2)]);
        let ids: Vec<_> = hub
            .connections()
            .iter()
            .map(|c| (c.id, c.metadata))
            .collect();
        assert_eq!(ids, [(a.id(), 1), (b.id(), 2)]);
        drop(a);
        assert_eq!(hub.topics(), [(Arc::from("y"), 1)]);
        assert_eq!(hub.stats().subscribers, 1);
        drop(b);
        assert!(hub.topics().is_empty() && hub.connections().is_empty());
        assert_eq!(hub.stats().subscribers, 0);
        Ok(())
    }

    #[test]
    fn disconnect_all_ends_streams_and_they_resume() -> Result<(), Box<dyn std::error::Error>> {
        let hub: Hub =
            Hub::new(Config::default().with_retry(std::time::Duration::from_millis(250)));
        let mut sub = hub.subscribe(["t"], None)?;
        let first = hub.publish("t", "before")?;
        hub.disconnect_all();
        hub.publish("t", "while away")?;
        assert_eq!(
            data(&drain(&mut sub)),
            ["reconnect after 250 ms", "before", "<end>"]
        );
        assert_eq!(sub.end_reason(), Some(EndReason::Disconnected));
        let mut resumed = hub.subscribe(["t"], Some(&first.to_string()))?;
        assert_eq!(
            data(&drain(&mut resumed)),
            ["reconnect after 250 ms", "while away"]
        );
        assert!(!hub.is_closed());
        Ok(())
    }

    #[test]
    fn one_connection_is_disconnected_and_counted_without_its_metadata()
    -> Result<(), Box<dyn std::error::Error>> {
        struct NotClone;
        let hub: Hub<NotClone> = Hub::default();
        let mut a = hub.subscribe_with(["t"], None, NotClone)?;
        let mut b = hub.subscribe_with(["t"], None, NotClone)?;
        assert_eq!(hub.connection_count(), 2);
        assert!(hub.disconnect(a.id()));
        hub.publish("t", "after")?;
        assert_eq!(data(&drain(&mut a)), ["<end>"]);
        assert_eq!(a.end_reason(), Some(EndReason::Disconnected));
        assert_eq!(data(&drain(&mut b)), ["after"]);
        drop(a);
        assert!(!hub.disconnect(ConnectionId(999)));
        assert_eq!(hub.connection_count(), 1);
        Ok(())
    }

    #[test]
    fn dropping_every_hub_handle_ends_the_streams() -> Result<(), Box<dyn std::error::Error>> {
        let hub: Hub = Hub::default();
        let mut sub = hub.subscribe(["t"], None)?;
        hub.publish("t", "last")?;
        drop(hub);
        assert_eq!(data(&drain(&mut sub)), ["last", "<end>"]);
        assert_eq!(sub.end_reason(), Some(EndReason::HubDropped));
        Ok(())
    }

    #[test]
    fn topic_limits_are_enforced() {
        let hub: Hub = Hub::new(Config::default().with_max_topics(2));
        let none: [&str; 0] = [];
        assert!(matches!(
            hub.subscribe(none, None),
            Err(SubscribeError::NoTopic)
        ));
        assert!(matches!(
            hub.subscribe(["a", "b", "c"], None),
            Err(SubscribeError::TooManyTopics { max: 2 })
        ));
        let dup = hub.subscribe(["a", "a", "b", "a"], None);
        assert_eq!(dup.map(|s| s.topics().len()).ok(), Some(2));
        // Topics with subscribers: two at most here; joining one already live is fine.
        let hub: Hub = Hub::new(Config::default().with_max_live_topics(2));
        let a = hub.subscribe(["a"], None);
        let b = hub.subscribe(["b"], None);
        assert!(matches!(
            hub.subscribe(["c"], None),
            Err(SubscribeError::TooManyLiveTopics { max: 2 })
        ));
        assert!(hub.subscribe(["a", "b"], None).is_ok());
        drop((a, b));
        assert!(
            hub.subscribe(["c"], None).is_ok(),
            "room again once they left"
        );
    }

    #[test]
    fn invalid_events_publish_nothing() {
        let hub: Hub = Hub::default();
        assert!(matches!(
            hub.publish("t", ("bad\ntype", "x")),
            Err(PublishError::Event(_))
        ));
        assert_eq!((hub.stats().published, hub.last_id().seq()), (0, 0));
    }
}
