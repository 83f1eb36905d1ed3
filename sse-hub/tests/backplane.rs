//! The public `Backplane` seam, proven by a second implementation: an in-process log that
//! several hubs share (as servers share Redis), which can lose its data, stall or refuse on
//! command. Written only against the crate's public API, as a NATS or Postgres backplane
//! outside the crate would be. Bounded: every wait has a deadline.

mod common;

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::{Seen, data, next};
use ssekit_hub::{
    Append, Backplane, BackplaneError, Config, ConnectionId, Entry, EventId, Feed, Hub, LogEvent,
    PublishError, Snapshot,
};

/// What the fake log does with appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Stores them.
    Store,
    /// Takes them and never answers (a stalled server): their callers hear "unknown".
    Stall,
    /// Refuses them, storing nothing.
    Refuse,
}

/// One event in the log, with the hub that published it (for its exclusions).
struct Stored {
    id: EventId,
    event: LogEvent,
    from: u64,
}

struct State {
    generation: u64,
    entries: Vec<Stored>,
    mode: Mode,
    /// Appends taken while stalled (kept, never answered).
    stalled: Vec<Append>,
    next_instance: u64,
}

/// The shared log.
struct Log {
    state: Mutex<State>,
    changed: Condvar,
}

impl Log {
    fn new() -> Arc<Self> {
        Arc::new(Log {
            state: Mutex::new(State {
                generation: 1,
                entries: Vec::new(),
                mode: Mode::Store,
                stalled: Vec::new(),
                next_instance: 0,
            }),
            changed: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_mode(&self, mode: Mode) {
        self.lock().mode = mode;
    }

    /// Loses everything (a restart without persistence): a new generation.
    fn lose(&self) {
        let mut state = self.lock();
        state.generation += 1;
        state.entries.clear();
        drop(state);
        self.changed.notify_all();
    }

    /// A hub's connection to the log.
    fn backplane(self: &Arc<Self>) -> Fake {
        let mut state = self.lock();
        state.next_instance += 1;
        Fake {
            log: Arc::clone(self),
            instance: state.next_instance,
        }
    }
}

struct Fake {
    log: Arc<Log>,
    instance: u64,
}

impl Backplane for Fake {
    fn open(&mut self, recent: usize) -> Result<Snapshot, BackplaneError> {
        let state = self.log.lock();
        let mut snapshot = Snapshot::empty(state.generation);
        let skip = state.entries.len().saturating_sub(recent);
        for stored in &state.entries[skip..] {
            let event = stored
                .event
                .event
                .with_id(&stored.id.to_string())
                .map_err(BackplaneError::new)?;
            snapshot.recent.push(Entry::new(
                stored.id,
                Arc::clone(&stored.event.topic),
                event,
                stored.event.coalescing_key.clone(),
            ));
            snapshot.last = stored.id;
        }
        if let Some(first) = snapshot.recent.first() {
            snapshot.complete_after = first.id.seq() - 1;
        }
        Ok(snapshot)
    }

    fn start(&self, feed: Feed) -> Result<(), BackplaneError> {
        let log = Arc::clone(&self.log);
        let instance = self.instance;
        let (mut generation, mut delivered) = {
            let state = log.lock();
            (
                state.generation,
                state.entries.last().map_or(0, |s| s.id.seq()),
            )
        };
        std::thread::Builder::new()
            .name("fake-backplane-feed".into())
            .spawn(move || {
                while feed.is_live() {
                    let state = log.lock();
                    let (state, _) = log
                        .changed
                        .wait_timeout(state, Duration::from_millis(20))
                        .unwrap_or_else(|e| e.into_inner());
                    if state.generation != generation {
                        generation = state.generation;
                        delivered = 0;
                        feed.lost(EventId::new(generation, 0));
                    }
                    let new: Vec<(EventId, LogEvent)> = state
                        .entries
                        .iter()
                        .filter(|s| s.id.seq() > delivered)
                        .map(|s| {
                            let except = if s.from == instance {
                                s.event.except.clone()
                            } else {
                                Vec::new()
                            };
                            (s.id, s.event.clone().with_except(except))
                        })
                        .collect();
                    drop(state);
                    for (id, event) in new {
                        delivered = id.seq();
                        feed.deliver(id, &event);
                    }
                }
            })
            .map_err(BackplaneError::new)?;
        Ok(())
    }

    fn append(&self, appends: Vec<Append>) {
        let mut state = self.log.lock();
        for append in appends {
            if !append.outcome.claim() {
                continue;
            }
            match state.mode {
                Mode::Refuse => append.outcome.refused("the fake log refuses"),
                Mode::Stall => {
                    // Taken and never answered; like any backplane, it completes each
                    // append by its deadline: sent, so "unknown".
                    let (outcome, deadline) = (append.outcome.clone(), append.deadline);
                    std::thread::spawn(move || {
                        std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                        outcome.failed("no answer in time");
                    });
                    state.stalled.push(append);
                }
                Mode::Store => {
                    let seq = state.entries.last().map_or(0, |s| s.id.seq()) + 1;
                    let id = EventId::new(state.generation, seq);
                    state.entries.push(Stored {
                        id,
                        event: append.event,
                        from: self.instance,
                    });
                    append.outcome.published(id);
                }
            }
        }
        drop(state);
        self.log.changed.notify_all();
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(200)
    }
}

fn hub(log: &Arc<Log>) -> Hub {
    Hub::new_with_backplane(Config::default(), log.backplane()).expect("a hub on the fake log")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hubs_on_one_log_deliver_one_order_and_resume_across_each_other() {
    let log = Log::new();
    let (a, b) = (hub(&log), hub(&log));
    let mut on_a = a.subscribe(["news"], None).expect("open");
    let mut on_b = b.subscribe(["news"], None).expect("open");
    for n in 1..=10 {
        let publisher = if n % 2 == 0 { &a } else { &b };
        let id = publisher.publish("news", n.to_string()).expect("stored");
        assert_eq!(id, EventId::new(1, n), "the log gives the ids");
    }
    let want: Vec<String> = (1..=10).map(|n| n.to_string()).collect();
    assert_eq!(data(&mut on_a, 10).await, want);
    let seen_on_b: Vec<Seen> = {
        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(next(&mut on_b).await);
        }
        seen
    };
    drop(on_b);
    // The client reconnects to the other hub with its last id: exactly the rest.
    let last = seen_on_b.last().map(|s| s.id.clone()).expect("an id");
    let mut resumed = a.subscribe(["news"], Some(&last)).expect("open");
    let rest: Vec<String> = (5..=10).map(|n| n.to_string()).collect();
    assert_eq!(data(&mut resumed, 6).await, rest);
    // A hub started later loads the history and resumes the same ids.
    let c = hub(&log);
    let mut on_c = c.subscribe(["news"], Some(&last)).expect("open");
    assert_eq!(data(&mut on_c, 6).await, rest);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exclusions_reach_only_the_hub_they_came_from() {
    let log = Log::new();
    let (a, b) = (hub(&log), hub(&log));
    let mut me = a.subscribe(["chat"], None).expect("open");
    let mut other_on_b = b.subscribe(["chat"], None).expect("open");
    let sent = ssekit_hub::Message::new("chat", "not for me")
        .with_target(ssekit_hub::Target::AllExcept(vec![me.id()]));
    a.send(sent).expect("stored");
    a.publish("chat", "for all").expect("stored");
    assert_eq!(next(&mut me).await.data, "for all", "excluded here");
    assert_eq!(
        data(&mut other_on_b, 2).await,
        ["not for me", "for all"],
        "a connection id of hub A means nothing on hub B"
    );
    assert_eq!(me.id(), ConnectionId::new(me.id().get()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_that_loses_its_data_resets_every_subscriber_and_every_old_id() {
    let log = Log::new();
    let (a, b) = (hub(&log), hub(&log));
    let mut live = b.subscribe(["news"], None).expect("open");
    let old = a.publish("news", "before").expect("stored");
    assert_eq!(next(&mut live).await.data, "before");
    log.lose();
    let reset = next(&mut live).await;
    assert_eq!(reset.event_type, "reset", "a reset event, not silence");
    assert_eq!(reset.id, EventId::new(2, 0).to_string());
    let after = a.publish("news", "after").expect("stored");
    assert_eq!(after, EventId::new(2, 1), "the new generation's first");
    assert_eq!(next(&mut live).await.data, "after");
    // A client back with an id of the lost generation: a reset, then what is kept.
    let mut back = b.subscribe(["news"], Some(&old.to_string())).expect("open");
    assert_eq!(next(&mut back).await.event_type, "reset");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_log_says_unknown_and_a_refusing_one_says_not_published() {
    let log = Log::new();
    let a = hub(&log);
    let mut live = a.subscribe(["news"], None).expect("open");
    log.set_mode(Mode::Stall);
    assert!(
        matches!(
            a.publish_async("news", "stalled").await,
            Err(PublishError::Unknown(_))
        ),
        "sent and unanswered: it may be published"
    );
    log.set_mode(Mode::Refuse);
    assert!(matches!(
        a.publish("news", "refused"),
        Err(PublishError::Unavailable(_))
    ));
    log.set_mode(Mode::Store);
    a.publish("news", "stored").expect("stored");
    assert_eq!(
        next(&mut live).await.data,
        "stored",
        "nothing refused arrives"
    );
}
