//! Publishers on several OS threads while subscribers join, read, leave and resume with
//! their `Last-Event-ID` on a tokio runtime: nothing deadlocks, and every subscriber sees
//! exactly its topics' events, in publish order. Bounded in count and time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

use common::decode;
use futures_util::{FutureExt, StreamExt};
use ssekit_hub::{Config, Hub, Message, Subscription, Target};

const TOPICS: [&str; 3] = ["a", "b", "c"];
const PUBLISHERS: usize = 4;
const EVENTS_PER_PUBLISHER: usize = 2_000;
const SUBSCRIBERS: usize = 6;

/// What a subscriber saw: each event's sequence number and topic, in order.
type Seen = Vec<(u64, String)>;

/// Reads, leaving and resuming every `stride` events, until it has seen the `end` event
/// of each of its topics (published after everything else).
async fn subscriber(
    hub: Hub,
    topics: Vec<&'static str>,
    stride: usize,
    (first, start): (Subscription, String),
) -> Seen {
    let mut seen = Seen::new();
    // Cut off before its first event, it resumes from where it subscribed, as a page
    // resumes from the id it was rendered with.
    let mut last_id = Some(start);
    let mut ends = 0;
    let mut sub = first;
    loop {
        for _ in 0..stride {
            let Some(event) = sub.next().await else { break }; // lagged: resume
            let common::Seen {
                id,
                seq,
                data,
                event_type,
            } = decode(&event);
            assert_ne!(event_type, "reset", "the history holds everything");
            let topic = data.strip_prefix("end:").unwrap_or(&data).to_owned();
            ends += usize::from(data.starts_with("end:"));
            seen.push((seq, topic));
            last_id = Some(id);
            if ends == topics.len() {
                return seen;
            }
        }
        drop(sub); // leave, then come back
        sub = hub
            .subscribe(topics.iter().copied(), last_id.as_deref())
            .expect("open hub");
    }
}

#[test]
fn publishers_on_threads_and_resuming_subscribers() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let total = (PUBLISHERS * EVENTS_PER_PUBLISHER) as u64;
    let hub: Hub = Hub::new(
        Config::default()
            .with_history_len(2 * total as usize)
            .with_queue_capacity(64),
    );
    let log: Arc<Mutex<HashMap<u64, String>>> = Arc::default();
    runtime.block_on(async {
        // Each subscribes before the first publish, so it must see every event.
        let readers: Vec<_> = (0..SUBSCRIBERS)
            .map(|i| {
                let topics = vec![TOPICS[i % 3], TOPICS[(i + 1) % 3]];
                let stride = 50 + 37 * i;
                let start = hub.last_id().to_string();
                let first = hub
                    .subscribe(topics.iter().copied(), None)
                    .expect("open hub");
                let reader = subscriber(hub.clone(), topics.clone(), stride, (first, start));
                (topics, tokio::spawn(reader))
            })
            .collect();
        let publishers: Vec<_> = (0..PUBLISHERS)
            .map(|p| {
                let (hub, log) = (hub.clone(), Arc::clone(&log));
                std::thread::spawn(move || {
                    for n in 0..EVENTS_PER_PUBLISHER {
                        let topic = TOPICS[(p + n) % 3];
                        let id = hub.publish(topic, topic).expect("open hub");
                        log.lock().expect("log").insert(id.seq(), topic.to_owned());
                        if n % 200 == 0 {
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    }
                })
            })
            .collect();
        for publisher in publishers {
            publisher.join().expect("publisher thread");
        }
        for topic in TOPICS {
            let id = hub
                .publish(topic, format!("end:{topic}"))
                .expect("open hub");
            log.lock().expect("log").insert(id.seq(), topic.to_owned());
        }
        let log = log.lock().expect("log").clone();
        assert_eq!(log.len() as u64, total + 3, "every publish got its own id");
        for (topics, reader) in readers {
            let seen = tokio::time::timeout(Duration::from_secs(60), reader)
                .await
                .expect("subscribers finish in time")
                .expect("subscriber task");
            let want: Vec<u64> = (1..=total + 3)
                .filter(|seq| topics.contains(&log[seq].as_str()))
                .collect();
            let got: Vec<u64> = seen.iter().map(|(seq, _)| *seq).collect();
            assert_eq!(got, want, "in order, no gap, no duplicate");
            for (seq, topic) in &seen {
                assert_eq!(&log[seq], topic);
            }
        }
    });
    assert_eq!(hub.stats().subscribers, 0, "every subscriber left");
}

/// A reader of two topics polls without pause while a publisher thread publishes back to
/// back: to one topic then the other, and every third event to the reader's connection
/// alone (through its own queue, not a ring). Whatever the interleaving, it sees one order:
/// an event found in one place was published after every earlier event of the others.
/// Bounded: 60,000 events and 30 seconds.
#[test]
fn a_reader_of_two_topics_sees_one_order_while_a_publisher_races_it() {
    const EVENTS: u64 = 60_000;
    let hub: Hub = Hub::new(
        Config::default()
            .with_history_len(0)
            .with_queue_capacity(EVENTS as usize),
    );
    let mut sub = hub.subscribe(["a", "b"], None).expect("open hub");
    let me = sub.id();
    let publisher = {
        let hub = hub.clone();
        std::thread::spawn(move || {
            for n in 0..EVENTS {
                let topic = if n % 2 == 0 { "a" } else { "b" };
                let event = ssekit_core::Event::new().with_data(topic);
                let message = match n % 3 {
                    2 => Message::new(topic, event).with_target(Target::Connection(me)),
                    _ => Message::new(topic, event),
                };
                hub.send(message).expect("open hub");
            }
        })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut last = 0;
    while last < EVENTS {
        assert!(std::time::Instant::now() < deadline, "read {last} in time");
        let Some(item) = sub.next().now_or_never() else {
            continue;
        };
        let seq = decode(&item.expect("live stream")).seq;
        assert_eq!(
            seq,
            last + 1,
            "one order across both topics and the own queue"
        );
        last = seq;
    }
    publisher.join().expect("publisher thread");
}
