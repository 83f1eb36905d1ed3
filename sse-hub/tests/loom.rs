//! Model checks of delivery with [loom]: every interleaving (up to a preemption bound) of
//! publishers, subscribers and the wake-up protocol, on the hub's real code with its locks
//! and atomics swapped for loom's (`sse-hub/src/sync.rs`).
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p ssekit-hub --release --test loom
//! ```
//!
//! Each model checks what the hub promises a subscriber: every event for it, once, in
//! publish order (ids increase by one), or the end of its stream with nothing skipped before
//! it; and a subscriber that waits is woken by whatever it waits for.
//!
//! [loom]: https://docs.rs/loom
#![cfg(loom)]

mod common;

use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use futures_core::Stream;
use loom::sync::atomic::{AtomicUsize, Ordering};
use ssekit_core::Event;
use ssekit_hub::{Config, EndReason, Hub, Message, Subscription, Target};

/// Interleavings with at most this many preemptions: enough for every race below (each
/// needs one or two), small enough to run in seconds.
const PREEMPTIONS: usize = 3;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(PREEMPTIONS);
    builder.check(f);
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Count {
    fn woken(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A subscriber polled by hand, recording what it got.
struct Reader {
    subscription: Subscription,
    count: Arc<Count>,
    waker: Waker,
    /// The sequence numbers of the ids it got, in order.
    got: Vec<u64>,
    ended: bool,
}

impl Reader {
    fn new(subscription: Subscription) -> Self {
        let count = Arc::new(Count::default());
        let waker = Waker::from(Arc::clone(&count));
        Reader {
            subscription,
            count,
            waker,
            got: Vec::new(),
            ended: false,
        }
    }

    /// Polls until it would wait; whether it waits (`false`: the stream ended).
    fn poll(&mut self) -> bool {
        let mut cx = Context::from_waker(&self.waker);
        loop {
            match std::pin::Pin::new(&mut self.subscription).poll_next(&mut cx) {
                Poll::Ready(Some(event)) => {
                    let seen = common::decode(&event);
                    if seen.seq != u64::MAX {
                        self.got.push(seen.seq);
                    }
                }
                Poll::Ready(None) => {
                    self.ended = true;
                    return false;
                }
                Poll::Pending => return true,
            }
        }
    }

    /// After every other thread is done: a reader that waited was woken if there is
    /// anything new for it, and then takes it.
    fn finish(&mut self) {
        let woken = self.count.woken();
        if self.ended {
            return;
        }
        let before = self.got.len();
        self.poll();
        if self.got.len() > before || self.ended {
            assert!(
                woken > 0,
                "lost wake-up: the reader waited, then found {:?} (ended: {}) without being woken",
                &self.got[before..],
                self.ended
            );
        }
    }

    /// Its ids increase by one from the first (no gap, no duplicate, in order).
    fn assert_in_order(&self) {
        for pair in self.got.windows(2) {
            assert_eq!(
                pair[1],
                pair[0] + 1,
                "out of order or a gap: {:?}",
                self.got
            );
        }
    }
}

fn event(data: &str) -> Event<'_> {
    Event::new().with_data(data)
}

/// A thread publishing `data`, one event each, to `topic`.
fn publisher(
    hub: &Hub,
    topic: &'static str,
    data: &'static [&'static str],
) -> loom::thread::JoinHandle<()> {
    let hub = hub.clone();
    loom::thread::spawn(move || {
        for data in data {
            hub.publish(topic, event(data)).expect("publish");
        }
    })
}

/// A subscriber waits while a publisher pushes: it is woken, and gets the event.
#[test]
fn no_lost_wake_up() {
    model(|| {
        let hub: Hub = Hub::new(Config::default());
        let mut reader = Reader::new(hub.subscribe(["t"], None).expect("subscribe"));
        let publisher = publisher(&hub, "t", &["1"]);
        reader.poll();
        publisher.join().expect("publisher");
        reader.finish();
        assert_eq!(reader.got.len(), 1, "the event, once");
    });
}

/// A broadcast (through the topic's ring) and an event targeted at the subscriber
/// (through its own queue), from two threads, while it reads: both, in publish order.
#[test]
fn targeted_event_racing_a_ring_push_keeps_order() {
    model(|| {
        let hub: Hub = Hub::new(Config::default());
        let subscription = hub.subscribe(["t"], None).expect("subscribe");
        let me = subscription.id();
        let mut reader = Reader::new(subscription);
        let broadcast = publisher(&hub, "t", &["all"]);
        let targeted = {
            let hub = hub.clone();
            loom::thread::spawn(move || {
                let message = Message::new("t", event("me")).with_target(Target::Connection(me));
                hub.send(message).expect("send");
            })
        };
        reader.poll();
        broadcast.join().expect("broadcast");
        targeted.join().expect("targeted");
        reader.finish();
        reader.assert_in_order();
        assert_eq!(
            reader.got.len(),
            2,
            "both events, once each: {:?}",
            reader.got
        );
    });
}

/// A subscriber of two topics, publishes to both from two threads: the merge of the two
/// rings never yields out of publish order.
#[test]
fn two_topics_merge_in_order() {
    model(|| {
        let hub: Hub = Hub::new(Config::default());
        let mut reader = Reader::new(hub.subscribe(["a", "b"], None).expect("subscribe"));
        let a = publisher(&hub, "a", &["a"]);
        let b = publisher(&hub, "b", &["b"]);
        reader.poll();
        a.join().expect("a");
        b.join().expect("b");
        reader.finish();
        reader.assert_in_order();
        assert_eq!(
            reader.got.len(),
            2,
            "both events, once each: {:?}",
            reader.got
        );
    });
}

/// A ring of one event and a publisher of three while the subscriber reads: it gets a run
/// of events in order with no gap, and if not all of them, its stream ends as lagged.
#[test]
fn lag_while_reading_ends_the_stream_with_nothing_skipped() {
    model(|| {
        let hub: Hub = Hub::new(Config::default().with_queue_capacity(1));
        let subscription = hub.subscribe(["t"], None).expect("subscribe");
        let mut reader = Reader::new(subscription);
        let publisher = publisher(&hub, "t", &["1", "2", "3"]);
        reader.poll();
        publisher.join().expect("publisher");
        reader.finish();
        reader.assert_in_order();
        if reader.got.len() < 3 {
            assert!(
                reader.ended,
                "missed events without ending: {:?}",
                reader.got
            );
            assert_eq!(
                reader.subscription.end_reason(),
                Some(EndReason::Lagged),
                "got {:?}",
                reader.got
            );
        }
        if let Some(&first) = reader.got.first() {
            assert!(
                reader.got.len() == 3 || first == 1,
                "a run that starts late must be the whole run: {:?}",
                reader.got
            );
        }
    });
}

/// The hub closes while a subscriber waits: it is woken, and its stream ends.
#[test]
fn close_while_waiting_ends_the_stream() {
    model(|| {
        let hub: Hub = Hub::new(Config::default());
        let mut reader = Reader::new(hub.subscribe(["t"], None).expect("subscribe"));
        let closer = {
            let hub = hub.clone();
            loom::thread::spawn(move || hub.close())
        };
        reader.poll();
        closer.join().expect("closer");
        reader.finish();
        assert!(reader.ended, "the stream ended");
        assert_eq!(reader.subscription.end_reason(), Some(EndReason::Closed));
    });
}
