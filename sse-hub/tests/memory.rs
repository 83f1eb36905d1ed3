//! Memory, measured with a counting global allocator: idle subscriptions cost a bounded,
//! small amount that does not grow while they wait, and a dropped subscription gives its
//! memory back.

use std::alloc::System;

use futures_util::{FutureExt, StreamExt};
use ssekit_hub::{Config, Hub, Subscription};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const IDLE: usize = 10_000;

/// Bytes allocated and not yet freed since `region` began.
fn in_use(region: &Region<'_, System>) -> isize {
    let stats = region.change();
    stats.bytes_allocated as isize - stats.bytes_deallocated as isize + stats.bytes_reallocated
}

// One test function: the counts are process-wide.
#[test]
fn memory() {
    idle_subscriptions_stay_small_and_are_freed();
    publishing_allocates_one_shared_buffer_per_event();
    abandoned_topics_give_their_memory_back();
    history_stays_within_its_bytes();
}

/// 100,000 chat rooms, each joined, posted to once (2,000 characters) and left: their
/// history holds memory until the rooms go idle, then every byte comes back but the
/// tombstones' (bounded).
fn abandoned_topics_give_their_memory_back() {
    let idle = std::time::Duration::from_millis(300);
    let hub: Hub = Hub::new(Config::default().with_topic_idle(Some(idle)));
    hub.publish("warm-up", "x").expect("open hub");
    let region = Region::new(GLOBAL);
    let message = "m".repeat(2000);
    for n in 0..100_000 {
        let room = format!("room:{n}");
        let sub = hub.subscribe([room.as_str()], None).expect("open hub");
        hub.publish(&room, message.as_str()).expect("open hub");
        drop(sub);
    }
    let used = in_use(&region);
    let usage = hub.history_usage();
    println!("100,000 rooms posted to: {used} bytes, {usage:?}");
    assert!(hub.topics().is_empty(), "nobody listens");
    assert!(
        usage.bytes <= Config::DEFAULT_HISTORY_BYTES,
        "within the hub-wide bound: {usage:?}"
    );
    std::thread::sleep(idle + std::time::Duration::from_millis(100));
    hub.publish("busy", "x").expect("open hub"); // the next publish forgets idle rooms
    let after = in_use(&region);
    let usage = hub.history_usage();
    println!("after they went idle: {after} bytes, {usage:?}");
    assert_eq!((usage.topics, usage.events), (1, 1), "only the busy topic");
    assert!(
        after < 4 * 1024 * 1024,
        "{after} bytes still held after 100,000 rooms went idle"
    );
}

/// One topic with large events, and many topics: the history keeps within its bytes.
fn history_stays_within_its_bytes() {
    let hub: Hub = Hub::new(
        Config::default()
            .with_history_topic_bytes(256 * 1024)
            .with_history_bytes(1024 * 1024),
    );
    let region = Region::new(GLOBAL);
    let big = "b".repeat(100_000);
    for n in 0..200 {
        hub.publish("big", big.as_str()).expect("open hub");
        hub.publish(&format!("t{}", n % 50), big.as_str())
            .expect("open hub");
    }
    let usage = hub.history_usage();
    let used = in_use(&region);
    println!("large events: {used} bytes, {usage:?}");
    assert!(usage.bytes <= 1024 * 1024, "{usage:?}");
    assert!(used < 2 * 1024 * 1024, "{used} bytes for a 1 MiB history");
}

fn idle_subscriptions_stay_small_and_are_freed() {
    let hub: Hub = Hub::default();
    hub.publish("busy", "warm-up").expect("open hub"); // the other topic's first event
    let region = Region::new(GLOBAL);
    let mut idle: Vec<Subscription> = (0..IDLE)
        .map(|n| {
            hub.subscribe([format!("user:{n}"), "all".to_owned()], None)
                .expect("open hub")
        })
        .collect();
    let subscribed = in_use(&region);
    // Time passes: each stream is polled (and registers its waker) again and again, and
    // events flow on a topic they do not listen to.
    for round in 0..20 {
        for sub in &mut idle {
            assert!(sub.next().now_or_never().is_none(), "idle");
        }
        hub.publish("busy", format!("round {round}"))
            .expect("open hub");
    }
    let waited = in_use(&region);
    let per_subscription = subscribed / IDLE as isize;
    println!(
        "{IDLE} idle subscriptions: {subscribed} bytes ({per_subscription} each); after waiting: {waited}"
    );
    assert!(
        per_subscription < 1024,
        "{per_subscription} bytes per idle subscription"
    );
    // The history of "busy" keeps its 20 events (a few hundred bytes); nothing per subscriber.
    assert!(
        waited - subscribed < 16 * 1024,
        "grew by {} bytes while idle",
        waited - subscribed
    );
    drop(idle);
    let left = in_use(&region);
    println!("after dropping them: {left} bytes");
    assert!(left < 16 * 1024, "{left} bytes not freed");
    assert_eq!(hub.stats().subscribers, 0);
}

/// Issue 13: the hub encodes an event once, into one shared buffer, and hands it to every
/// subscriber, whatever their number. Per event: the buffer, and the reference count that
/// `bytes` allocates when a `Bytes` is first cloned; the id is written on the stack, and
/// the list of subscribers to wake is kept from one publish to the next. Besides: the
/// topic's ring takes a new block of 32 events (two allocations) as it moves on.
fn publishing_allocates_one_shared_buffer_per_event() {
    const SUBSCRIBERS: usize = 100;
    const EVENTS: usize = 1000;
    let hub: Hub = Hub::default();
    let mut subs: Vec<Subscription> = (0..SUBSCRIBERS)
        .map(|_| hub.subscribe(["feed"], None).expect("open hub"))
        .collect();
    let mut publish_and_read = |hub: &Hub, n: usize| {
        for i in 0..n {
            hub.publish("feed", ("update", "<li>item</li>\n<li>more</li>"))
                .expect("open hub");
            for sub in &mut subs {
                let event = sub.next().now_or_never().flatten();
                assert!(event.is_some(), "event {i} delivered");
            }
            for sub in &mut subs {
                assert!(sub.next().now_or_never().is_none(), "waiting again");
            }
        }
    };
    // Warm-up: the history fills up to its bound.
    publish_and_read(&hub, 2 * EVENTS);
    let region = Region::new(GLOBAL);
    publish_and_read(&hub, EVENTS);
    let allocations = region.change().allocations + region.change().reallocations;
    println!("{EVENTS} events to {SUBSCRIBERS} subscribers: {allocations} allocations");
    let ring_blocks = EVENTS.div_ceil(32) + 1;
    assert!(
        allocations <= 2 * EVENTS + 2 * ring_blocks,
        "{allocations} allocations for {EVENTS} events"
    );
}
