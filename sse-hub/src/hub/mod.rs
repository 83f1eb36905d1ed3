//! [`Hub`]: publish from anywhere, subscribe with replay, close. Its parts: [`send`]
//! (publishing, here or through a shared log), [`subscribe`] (replay and registration),
//! [`state`] (what is behind the lock, and delivery).

mod send;
mod state;
mod subscribe;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use ssekit_core::Event;

use crate::backplane::{Backplane, BackplaneError, Deliver, Feed};
use crate::config::{Config, final_event};
use crate::error::FinalEventError;
use crate::history::HistoryUsage;
use crate::id::{ConnectionId, EventId};
use crate::log_store::{Kept, LogStore};
use crate::memory::MemoryStore;
use crate::queue::EndReason;
use crate::stats::{ConnectionInfo, Counters, Stats};
use crate::store::{Store, Topic};
use crate::sync::{AtomicBool, Mutex};

use state::State;

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

/// A topic's newest kept events and where a stream goes on from them ([`Hub::recent`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Recent {
    /// The events, oldest first, as subscribers got them (each with its id).
    pub events: Vec<ssekit_core::EncodedEvent>,
    /// The id to resume after: events after these arrive on the stream.
    pub last_event_id: EventId,
}

/// What the handles share.
pub(crate) struct Shared<M> {
    config: Config,
    counters: Arc<Counters>,
    state: Mutex<State<M>>,
    /// A shared log that assigns ids and feeds this hub (several servers).
    backplane: Option<Box<dyn Backplane>>,
    /// Closed: set under the state's lock, read without it by publishers on a log.
    closed: AtomicBool,
    /// The hub's clock starts here ([`now`](Self::now)).
    started: Instant,
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
        Self::from_parts(config, Kept::Store(Box::new(store)), None)
    }

    /// A hub on a shared log that several hubs (servers) publish to and deliver from: every
    /// hub on it delivers every event, in the log's order, with the log's ids, and replays
    /// from its history (which the config's history settings bound here). The public API
    /// is the same as in memory. See [`Backplane`] for what a backplane does, and
    /// `new_with_redis` (feature `redis`) for Redis Streams.
    ///
    /// # Errors
    ///
    /// When the backplane cannot open its log, or start delivering it.
    pub fn new_with_backplane(
        config: Config,
        mut backplane: impl Backplane,
    ) -> Result<Self, BackplaneError> {
        let snapshot = backplane.open(config.history_len())?;
        let kept = Kept::Log(Box::new(LogStore::open(snapshot, config.history_bounds())));
        let hub = Self::from_parts(config, kept, Some(Box::new(backplane)));
        let shared: Arc<dyn Deliver> = hub.shared.clone();
        let feed = Feed::new(Arc::downgrade(&shared));
        drop(shared);
        if let Some(backplane) = &hub.shared.backplane {
            backplane.start(feed)?;
        }
        Ok(hub)
    }

    /// A hub on `kept`, fed by `backplane` if there is one.
    fn from_parts(config: Config, kept: Kept, backplane: Option<Box<dyn Backplane>>) -> Self {
        let state = State {
            store: kept,
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
                backplane,
                closed: AtomicBool::new(false),
                started: Instant::now(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }
}

impl<M: Send + Sync + 'static> Hub<M> {
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

    /// The newest `max` events kept for `topic` (oldest first), and the id after which
    /// a stream goes on from them, read at one instant: render them into a page (a chat
    /// room's last messages), then connect with that id as the last event ID, and
    /// nothing falls between the page and its stream, nor comes twice. Only events to
    /// everyone are kept; with coalescing keys, each key's versions are all here.
    pub fn recent(&self, topic: &str, max: usize) -> Recent {
        let state = self.shared.state();
        let mut entries = Vec::new();
        state.store.recent(topic, max, &mut entries);
        Recent {
            events: entries.into_iter().map(|entry| entry.event).collect(),
            last_event_id: state.store.last_id(),
        }
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

#[cfg(test)]
mod tests {
    use futures_util::{FutureExt, StreamExt};

    use super::*;
    use crate::error::{PublishError, SubscribeError};
    use crate::message::{Message, Target};
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
    fn recent_events_and_where_the_stream_goes_on() -> Result<(), Box<dyn std::error::Error>> {
        let hub: Hub = Hub::default();
        for n in 1..=5 {
            hub.publish("room", format!("m{n}"))?;
            hub.publish("other", "x")?;
        }
        let recent = hub.recent("room", 3);
        let texts: Vec<String> = recent
            .events
            .iter()
            .map(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
            .collect();
        assert_eq!(data(&texts), ["m3", "m4", "m5"]);
        let mut sub = hub.subscribe(["room"], Some(&recent.last_event_id.to_string()))?;
        assert!(drain(&mut sub).is_empty(), "nothing twice");
        hub.publish("room", "m6")?;
        assert_eq!(data(&drain(&mut sub)), ["m6"], "nothing missed");
        assert!(hub.recent("nobody", 10).events.is_empty());
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
