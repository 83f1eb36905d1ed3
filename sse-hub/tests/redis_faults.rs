//! The Redis backplane under the faults production Redis has, each driven for real: a
//! `redis-server` killed and restarted empty, restarted with its append-only file,
//! flushed, paused (SIGSTOP), its clients killed; and a TCP proxy in front of it that
//! stalls or cuts. In every scenario two hubs (two servers) publish while subscribers on
//! both read, and a client away during the fault resumes afterwards on the other server.
//!
//! For every (subscriber, message) pair: delivered at most once; delivered, or covered by
//! a reset event, if the publish was acknowledged; never delivered if the publish was
//! refused (`Unavailable`); and each publisher's messages in order. Bounded: every wait
//! has a deadline, and every scenario lasts a few seconds.
#![cfg(feature = "redis")]

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::proxy::Proxy;
use common::redis::RedisServer;
use common::{Seen, decode};
use futures_util::StreamExt;
use ssekit_hub::{Config, Hub, PublishError, Redis, Subscription};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// `kill -9`, then started again without persistence: the data is gone.
    KillEmpty,
    /// `kill -9`, then started again from its append-only file: the data is kept.
    RestartPersistent,
    /// `FLUSHALL`, then later a blip (`CLIENT KILL`): the data is gone once.
    FlushAll,
    /// SIGSTOP for a second, then SIGCONT.
    Pause,
    /// `CLIENT KILL TYPE normal`: every connection of both hubs drops.
    ClientKill,
    /// The proxy in front of hub A stops moving bytes for a second.
    ProxyStall,
    /// The proxy in front of hub A closes its connections.
    ProxyCut,
}

impl Fault {
    /// Whether the fault loses acknowledged events (then resets are expected).
    fn loses_data(self) -> bool {
        matches!(self, Fault::KillEmpty | Fault::FlushAll)
    }
}

/// What a publish answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Published,
    Refused,
    Unknown,
}

type Outcomes = Arc<Mutex<HashMap<String, Outcome>>>;

/// The longest any scenario waits for anything.
const LIMIT: Duration = Duration::from_secs(15);

fn hub(url: String) -> Hub {
    let config = Config::default()
        .with_queue_capacity(10_000)
        .with_history_len(10_000);
    let redis = Redis::new(url).with_timeout(Duration::from_millis(300));
    Hub::new_with_redis(config, redis).expect("a hub on Redis")
}

/// Publishes `{name}-{n}` every 2 ms until `stop`, recording each outcome.
fn publisher(
    hub: Hub,
    name: &'static str,
    stop: Arc<AtomicBool>,
    outcomes: Outcomes,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            let data = format!("{name}-{n}");
            let outcome = match hub.publish("t", data.as_str()) {
                Ok(_) => Outcome::Published,
                Err(PublishError::Unavailable(_)) => Outcome::Refused,
                Err(PublishError::Unknown(_)) => Outcome::Unknown,
                Err(other) => panic!("unexpected publish error: {other}"),
            };
            outcomes.lock().expect("outcomes").insert(data, outcome);
            n += 1;
            std::thread::sleep(Duration::from_millis(2));
        }
    })
}

/// Publishes the end marker `end-{name}`, retrying until Redis takes it.
fn publish_end(hub: &Hub, name: &str, outcomes: &Outcomes) {
    let data = format!("end-{name}");
    let deadline = Instant::now() + LIMIT;
    loop {
        match hub.publish("t", data.as_str()) {
            Ok(_) => break,
            Err(PublishError::Unknown(_)) => {
                panic!("the end marker's outcome is unknown: Redis should be back")
            }
            Err(_) => {
                assert!(Instant::now() < deadline, "Redis takes publishes again");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    outcomes
        .lock()
        .expect("outcomes")
        .insert(data, Outcome::Published);
}

/// Reads until both end markers, or `count` events if given.
async fn read(sub: &mut Subscription, count: Option<usize>) -> Vec<Seen> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + LIMIT;
    let mut ends = 0;
    while ends < 2 && count.is_none_or(|c| seen.len() < c) {
        let event = tokio::time::timeout_at(deadline, sub.next())
            .await
            .expect("the events in time")
            .expect("the stream goes on");
        let event = decode(&event);
        ends += usize::from(event.data.starts_with("end-"));
        seen.push(event);
    }
    seen
}

/// Checks one subscriber's stream against the publishers' outcomes.
fn check(fault: Fault, who: &str, seen: &[Seen], outcomes: &HashMap<String, Outcome>) {
    let resets = seen.iter().filter(|s| s.event_type == "reset").count();
    let data: Vec<&str> = seen
        .iter()
        .filter(|s| s.event_type == "message")
        .map(|s| s.data.as_str())
        .collect();
    let unique: HashSet<&str> = data.iter().copied().collect();
    assert_eq!(unique.len(), data.len(), "{fault:?}, {who}: a duplicate");
    for d in &data {
        assert_ne!(
            outcomes.get(*d),
            Some(&Outcome::Refused),
            "{fault:?}, {who}: {d} was refused, yet delivered"
        );
    }
    for name in ["a", "b"] {
        let numbers: Vec<u64> = data
            .iter()
            .filter_map(|d| d.strip_prefix(name)?.strip_prefix('-')?.parse().ok())
            .collect();
        assert!(
            numbers.windows(2).all(|w| w[0] < w[1]),
            "{fault:?}, {who}: {name}'s messages out of order: {numbers:?}"
        );
    }
    let mut missing: Vec<&String> = outcomes
        .iter()
        .filter(|(d, o)| **o == Outcome::Published && !unique.contains(d.as_str()))
        .map(|(d, _)| d)
        .collect();
    missing.sort();
    let some = &missing[..missing.len().min(10)];
    if fault.loses_data() {
        assert!(
            missing.is_empty() || resets > 0,
            "{fault:?}, {who}: {} acknowledged yet missing, with no reset: {some:?}...",
            missing.len()
        );
    } else {
        assert_eq!(resets, 0, "{fault:?}, {who}: a reset, with no data lost");
        assert!(
            missing.is_empty(),
            "{fault:?}, {who}: {} acknowledged yet missing: {some:?}...",
            missing.len()
        );
    }
}

/// Runs one scenario: publishers and subscribers on two hubs through `fault`.
async fn scenario(fault: Fault) {
    let mut redis = if fault == Fault::RestartPersistent {
        RedisServer::start_persistent()
    } else {
        RedisServer::start()
    };
    let proxy = Proxy::start(redis.port());
    let (a, b) = (hub(proxy.url()), hub(redis.url()));
    let mut live_a = a.subscribe(["t"], None).expect("subscribe");
    let mut live_b = b.subscribe(["t"], None).expect("subscribe");
    let mut away = b.subscribe(["t"], None).expect("subscribe");
    let outcomes = Outcomes::default();
    let stop = Arc::new(AtomicBool::new(false));
    let publishers = [
        publisher(a.clone(), "a", Arc::clone(&stop), Arc::clone(&outcomes)),
        publisher(b.clone(), "b", Arc::clone(&stop), Arc::clone(&outcomes)),
    ];
    let readers = [
        tokio::spawn(async move { read(&mut live_a, None).await }),
        tokio::spawn(async move { read(&mut live_b, None).await }),
    ];
    // The away client reads a few events, then its connection drops.
    let before = read(&mut away, Some(5)).await;
    drop(away);
    let last = before.last().map(|s| s.id.clone()).expect("an id");

    tokio::time::sleep(Duration::from_millis(150)).await;
    let epoch = a.last_id().epoch();
    match fault {
        Fault::KillEmpty | Fault::RestartPersistent => {
            redis.kill();
            tokio::time::sleep(Duration::from_millis(300)).await;
            redis.restart();
        }
        Fault::FlushAll => {
            assert_eq!(redis.command(&["FLUSHALL"]), "+OK");
            tokio::time::sleep(Duration::from_millis(400)).await;
            assert!(
                redis
                    .command(&["CLIENT", "KILL", "TYPE", "normal"])
                    .starts_with(':')
            );
        }
        Fault::Pause => {
            redis.pause();
            tokio::time::sleep(Duration::from_secs(1)).await;
            redis.resume();
        }
        Fault::ClientKill => {
            assert!(
                redis
                    .command(&["CLIENT", "KILL", "TYPE", "normal"])
                    .starts_with(':')
            );
        }
        Fault::ProxyStall => {
            proxy.stall();
            tokio::time::sleep(Duration::from_secs(1)).await;
            proxy.resume();
        }
        Fault::ProxyCut => proxy.cut(),
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    if fault.loses_data() {
        // Both servers' tails have seen the new generation.
        let deadline = Instant::now() + LIMIT;
        while [&a, &b].iter().any(|hub| hub.last_id().epoch() == epoch) {
            assert!(
                Instant::now() < deadline,
                "{fault:?}: the tails saw the loss"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // Back from the fault: the away client resumes on the other server.
    let mut resumed = a.subscribe(["t"], Some(&last)).expect("subscribe");
    let resumer = tokio::spawn(async move { read(&mut resumed, None).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for publisher in publishers {
        publisher.join().expect("publisher");
    }
    publish_end(&a, "a", &outcomes);
    publish_end(&b, "b", &outcomes);

    let outcomes = outcomes.lock().expect("outcomes").clone();
    let mut streams = Vec::new();
    for (who, reader) in ["live on A", "live on B"].into_iter().zip(readers) {
        streams.push((who, reader.await.expect("reader")));
    }
    let after = resumer.await.expect("resumer");
    if fault == Fault::KillEmpty {
        assert_eq!(
            after
                .first()
                .map(|s| (s.event_type.as_str(), s.data.as_str())),
            Some(("reset", "unknown-id")),
            "an id from before the loss resumes nothing: the reset comes first"
        );
    }
    let mut away = before;
    away.extend(after);
    streams.push(("away, resumed on A", away));
    for (who, seen) in &streams {
        check(fault, who, seen, &outcomes);
    }
    let resets: usize = streams
        .iter()
        .map(|(_, seen)| seen.iter().filter(|s| s.event_type == "reset").count())
        .sum();
    if fault.loses_data() {
        assert!(resets >= 3, "{fault:?}: every subscriber was told");
    }
    if matches!(fault, Fault::Pause | Fault::ProxyStall | Fault::KillEmpty) {
        let bitten = outcomes
            .values()
            .filter(|o| **o != Outcome::Published)
            .count();
        assert!(bitten > 0, "{fault:?}: some publish met the fault");
    }
    // The same promise holds after the fault: nothing is left in a bad state.
    a.close();
    b.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_and_restarted_empty() {
    scenario(Fault::KillEmpty).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_and_restarted_with_its_append_only_file() {
    scenario(Fault::RestartPersistent).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flushed_then_a_blip() {
    scenario(Fault::FlushAll).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_for_a_second() {
    scenario(Fault::Pause).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_connection_killed() {
    scenario(Fault::ClientKill).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_that_stalls() {
    scenario(Fault::ProxyStall).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_that_drops_connections() {
    scenario(Fault::ProxyCut).await;
}
