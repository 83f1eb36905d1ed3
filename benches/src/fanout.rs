//! The `hub_fanout` fixtures: one event to many subscribers, through ssekit-hub and through a
//! bare `tokio::sync::broadcast` channel, doing the same work per iteration.
//!
//! One iteration, either way:
//!
//! 1. one event of about 100 bytes is encoded by ssekit-core into one `Bytes`, with an id of the
//!    same shape as the hub's (`{epoch:016x}-{seq}`): the hub does it inside
//!    [`Hub::publish`](ssekit_hub::Hub::publish), the broadcast side with
//!    [`Event::to_bytes`](ssekit_core::Event::to_bytes) before `send`;
//! 2. it is handed to every subscriber: each delivery clones the refcounted `Bytes` once (the
//!    hub when it queues it, the channel in `try_recv`);
//! 3. every subscriber takes it (the hub's `Subscription` polled once with
//!    `now_or_never(next())`, the receiver's `try_recv`), checks it is there, and drops it.
//!
//! The hub also does what only it does (its lock, the per-subscriber queue, its counters, the
//! history entry); that is what is measured.

use std::hint::black_box;

use bytes::Bytes;
use futures_util::{FutureExt as _, StreamExt as _};
use ssekit_hub::{Config, Hub, Subscription};
use tokio::sync::broadcast;

/// Subscribers in the `hub_fanout` group.
pub const SUBSCRIBERS: usize = 10_000;

/// The topic everyone is on.
pub const TOPIC: &str = "t";

/// The event type of the event.
pub const EVENT_TYPE: &str = "tick";

/// The data of the event: 72 bytes of pre-serialized JSON. With `event: tick` and an id of
/// the hub's shape, the encoded event is about 110 bytes.
pub const DATA: &str = r#"{"symbol":"ACME","bid":1999,"ask":2001,"volume":123456,"ts":1700000000}"#;

/// Per-subscriber queue (hub) and channel capacity (broadcast). Every iteration drains
/// everything, so any capacity of at least 1 would do.
pub const CAPACITY: usize = 1024;

/// ssekit-hub: `subscribers` subscriptions on [`TOPIC`].
pub struct HubFanout {
    hub: Hub,
    subscriptions: Vec<Subscription>,
}

impl HubFanout {
    /// A hub with `subscribers` subscriptions on [`TOPIC`].
    pub fn new(subscribers: usize) -> Self {
        let hub = Hub::new(Config::default().with_queue_capacity(CAPACITY));
        let subscriptions = (0..subscribers)
            .map(|_| hub.subscribe([TOPIC], None).expect("the hub is open"))
            .collect();
        HubFanout { hub, subscriptions }
    }

    /// Publishes one event and takes it from every subscription; returns the bytes
    /// delivered (for `black_box` and the checks).
    pub fn round(&mut self) -> usize {
        self.hub
            .publish(TOPIC, (EVENT_TYPE, DATA))
            .expect("the hub is open and the event valid");
        let mut bytes = 0;
        for subscription in &mut self.subscriptions {
            let event = subscription
                .next()
                .now_or_never()
                .flatten()
                .expect("every subscription has the event at once");
            bytes += black_box(event.as_bytes()).len();
        }
        bytes
    }

    /// The hub (for the checks).
    pub fn hub(&self) -> &Hub {
        &self.hub
    }
}

/// A bare `tokio::sync::broadcast` channel of `Bytes` with `subscribers` receivers.
pub struct BroadcastFanout {
    sender: broadcast::Sender<Bytes>,
    receivers: Vec<broadcast::Receiver<Bytes>>,
    epoch: u64,
    seq: u64,
}

impl BroadcastFanout {
    /// A channel of [`CAPACITY`] with `subscribers` receivers.
    pub fn new(subscribers: usize) -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        let receivers = (0..subscribers).map(|_| sender.subscribe()).collect();
        BroadcastFanout {
            sender,
            receivers,
            epoch: 0x0123_4567_89ab_cdef,
            seq: 0,
        }
    }

    /// The event the next round sends: encoded by ssekit-core, as the hub encodes its own.
    pub fn encode_next(&mut self) -> Bytes {
        self.seq += 1;
        let id = format!("{:016x}-{}", self.epoch, self.seq);
        ssekit_core::Event::new()
            .with_event_type(EVENT_TYPE)
            .and_then(|event| event.with_id(id))
            .expect("valid event type and id")
            .with_data(DATA)
            .to_bytes()
            .expect("encodes")
    }

    /// Encodes and sends one event and takes it from every receiver; returns the bytes
    /// delivered.
    pub fn round(&mut self) -> usize {
        let event = self.encode_next();
        self.sender.send(event).expect("there are receivers");
        let mut bytes = 0;
        for receiver in &mut self.receivers {
            let event = receiver
                .try_recv()
                .expect("every receiver has the event at once");
            bytes += black_box(&event).len();
        }
        bytes
    }
}

/// Checks that both fixtures deliver one event of the expected shape to every subscriber,
/// sharing one buffer (a refcount, not a copy, per delivery). Panics otherwise.
pub fn check(subscribers: usize) {
    let mut hub = HubFanout::new(subscribers);
    let mut broadcast = BroadcastFanout::new(subscribers);
    for _ in 0..3 {
        let hub_bytes = hub.round();
        let broadcast_bytes = broadcast.round();
        // The ids differ in their digits only ("{epoch:016x}-{seq}" both ways).
        assert_eq!(
            hub_bytes, broadcast_bytes,
            "same event size for every subscriber"
        );
        assert_eq!(hub_bytes % subscribers, 0);
    }
    let stats = hub.hub().stats();
    assert_eq!(stats.delivered, 3 * subscribers as u64);
    assert_eq!(stats.lag_disconnects, 0);

    // One encoding, shared: every subscriber's bytes point at the same buffer.
    let hub_fixture = HubFanout::new(2);
    let mut subscriptions = hub_fixture.subscriptions;
    hub_fixture
        .hub
        .publish(TOPIC, (EVENT_TYPE, DATA))
        .expect("the hub is open");
    let pointers: Vec<*const u8> = subscriptions
        .iter_mut()
        .map(|s| {
            let event = s.next().now_or_never().flatten().expect("delivered");
            event.as_bytes().as_ptr()
        })
        .collect();
    assert_eq!(pointers[0], pointers[1], "the hub shares one encoding");
    let mut fixture = BroadcastFanout::new(2);
    let event = fixture.encode_next();
    fixture.sender.send(event).expect("there are receivers");
    let pointers: Vec<*const u8> = fixture
        .receivers
        .iter_mut()
        .map(|r| r.try_recv().expect("delivered").as_ptr())
        .collect();
    assert_eq!(pointers[0], pointers[1], "the channel shares one buffer");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_fixtures_deliver_the_same_work() {
        check(100);
    }

    #[test]
    fn the_event_is_about_110_bytes() {
        let mut fixture = BroadcastFanout::new(1);
        let len = fixture.encode_next().len();
        assert!((100..=120).contains(&len), "{len}");
    }
}
