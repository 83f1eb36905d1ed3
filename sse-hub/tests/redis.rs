//! The Redis Streams backplane with a real `redis-server` (started per test on a free
//! loopback port, persistence off): two hubs with their own connections act as two
//! servers. Bounded: every wait has a deadline.
#![cfg(feature = "redis")]

mod common;

use std::time::Duration;

use common::redis::RedisServer;
use common::{data, next};
use ssekit_hub::{Config, Hub, PublishError, Redis};

const LIMIT: Duration = Duration::from_secs(10);

fn hub(server: &RedisServer, config: Config) -> Hub {
    Hub::new_with_redis(config, Redis::new(server.url())).expect("a hub on Redis")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_published_on_one_server_reach_the_other_in_order() {
    let redis = RedisServer::start();
    let (a, b) = (
        hub(&redis, Config::default()),
        hub(&redis, Config::default()),
    );
    let mut on_b = b.subscribe(["news"], None).expect("open");
    let mut on_a = a.subscribe(["news"], None).expect("open");
    let ids: Vec<_> = (1..=20)
        .map(|n| a.publish("news", n.to_string()).expect("stored"))
        .collect();
    let want: Vec<String> = (1..=20).map(|n| n.to_string()).collect();
    assert_eq!(data(&mut on_b, 20).await, want);
    assert_eq!(
        data(&mut on_a, 20).await,
        want,
        "the publishing server's own subscribers too"
    );
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_resumes_on_the_other_server_with_exactly_the_rest() {
    let redis = RedisServer::start();
    let (a, b) = (
        hub(&redis, Config::default()),
        hub(&redis, Config::default()),
    );
    let mut on_a = a.subscribe(["news"], None).expect("open");
    for n in 1..=10 {
        a.publish("news", n.to_string()).expect("stored");
    }
    let mut last = String::new();
    for n in 1..=4 {
        let seen = next(&mut on_a).await;
        assert_eq!(seen.data, n.to_string());
        last = seen.id;
    }
    drop(on_a); // the connection drops; the browser reconnects to the other server
    for n in 11..=15 {
        b.publish("news", n.to_string()).expect("stored");
    }
    let mut on_b = b.subscribe(["news"], Some(&last)).expect("open");
    let want: Vec<String> = (5..=15).map(|n| n.to_string()).collect();
    assert_eq!(data(&mut on_b, 11).await, want);
    b.publish("news", "live").expect("stored");
    assert_eq!(next(&mut on_b).await.data, "live");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishers_on_both_servers_give_one_order_everywhere() {
    let redis = RedisServer::start();
    let config = Config::default().with_queue_capacity(1000); // nobody reads until the end
    let (a, b) = (hub(&redis, config.clone()), hub(&redis, config));
    let mut subs = vec![
        a.subscribe(["t"], None).expect("open"),
        b.subscribe(["t"], None).expect("open"),
        a.subscribe(["t"], None).expect("open"),
    ];
    let publishers: Vec<_> = [(a.clone(), "a"), (b.clone(), "b")]
        .into_iter()
        .map(|(hub, name)| {
            std::thread::spawn(move || {
                for n in 0..200 {
                    hub.publish("t", format!("{name}{n}")).expect("stored");
                }
            })
        })
        .collect();
    for publisher in publishers {
        publisher.join().expect("publisher");
    }
    let mut orders = Vec::new();
    for sub in &mut subs {
        let mut seen = Vec::new();
        for _ in 0..400 {
            let event = next(sub).await;
            seen.push((event.id, event.data));
        }
        orders.push(seen);
    }
    assert!(
        orders.iter().all(|o| o == &orders[0]),
        "one total order on every subscriber"
    );
    let mut ids: Vec<&String> = orders[0].iter().map(|(id, _)| id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 400, "no duplicate");
    for name in ["a", "b"] {
        let mine: Vec<&str> = orders[0]
            .iter()
            .map(|(_, d)| d.as_str())
            .filter(|d| d.starts_with(name))
            .collect();
        let want: Vec<String> = (0..200).map(|n| format!("{name}{n}")).collect();
        assert_eq!(mine, want, "each publisher's events in its order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_refuses_publishes_and_an_empty_restart_gives_a_reset() {
    let mut redis = RedisServer::start();
    let config = Config::default();
    let (a, b) = (hub(&redis, config.clone()), hub(&redis, config));
    let mut on_b = b.subscribe(["news"], None).expect("open");
    for n in 1..=3 {
        a.publish("news", n.to_string()).expect("stored");
    }
    assert_eq!(
        data(&mut on_b, 3).await,
        ["1", "2", "3"],
        "everything acknowledged arrives"
    );
    redis.kill();
    let refused = a.publish("news", "while down");
    assert!(
        matches!(refused, Err(PublishError::Unavailable(_))),
        "{refused:?}"
    );
    redis.restart(); // empty: persistence is off
    // Publishes go through again; the subscriber, still connected, is told its history is
    // gone before it sees them.
    let mut published = None;
    for _ in 0..200 {
        if let Ok(id) = a.publish("news", "after restart") {
            published = Some(id);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(published.is_some(), "publishing works again");
    let reset = next(&mut on_b).await;
    assert_eq!(
        (reset.event_type.as_str(), reset.data.as_str()),
        ("reset", "history-gone")
    );
    assert_eq!(next(&mut on_b).await.data, "after restart");
    assert!(b.stats().resets >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_older_than_the_history_gets_a_reset() {
    let redis = RedisServer::start();
    let config = Config::default().with_history_len(5);
    let a = hub(&redis, config.clone());
    let first = a.publish("news", "1").expect("stored");
    for n in 2..=20 {
        a.publish("news", n.to_string()).expect("stored");
    }
    let latest = a.publish("news", "21").expect("stored");
    let b = hub(&redis, config); // loads the last 5
    for hub in [&a, &b] {
        let deadline = std::time::Instant::now() + LIMIT;
        while hub.last_id() < latest {
            assert!(std::time::Instant::now() < deadline, "the tail caught up");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut sub = hub
            .subscribe(["news"], Some(&first.to_string()))
            .expect("open");
        let reset = next(&mut sub).await;
        assert_eq!(
            (reset.event_type.as_str(), reset.data.as_str()),
            ("reset", "history-gone")
        );
        assert_eq!(
            reset.id,
            latest.to_string(),
            "resume from the latest next time"
        );
    }
    // Within the history, it resumes.
    let mut sub = b
        .subscribe(["news"], Some(&EventIdText::before(&b)))
        .expect("open");
    assert_eq!(next(&mut sub).await.data, "21");
}

/// The id of the event before the latest, as text.
struct EventIdText;

impl EventIdText {
    fn before(hub: &Hub) -> String {
        let latest = hub.last_id();
        // Redis ids in one millisecond count up from 0; otherwise ask the history.
        if latest.seq() > 0 {
            ssekit_hub::EventId::new(latest.epoch(), latest.seq() - 1).to_string()
        } else {
            ssekit_hub::EventId::new(latest.epoch() - 1, u64::MAX).to_string()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_and_corrupt_entries_are_skipped() {
    let redis = RedisServer::start();
    let a = hub(&redis, Config::default());
    let mut sub = a.subscribe(["news"], None).expect("open");
    a.publish("news", "1").expect("stored");
    // Someone else writes to the stream: an entry of other fields, one whose event is two
    // events, one with an odd number of values is refused by Redis itself.
    for fields in [
        &["temperature", "21"][..],
        &["t", "news", "e", "data: x\n\ndata: y\n\n"],
        &[
            "t",
            "news",
            "e",
            "data: \u{fffd}\n\n",
            "x",
            "not:an:exclusion",
        ],
    ] {
        let mut words = vec!["XADD", "ssekit-hub", "*"];
        words.extend_from_slice(fields);
        assert!(redis.command(&words).starts_with('$'), "{fields:?}");
    }
    a.publish("news", "2").expect("stored");
    assert_eq!(data(&mut sub, 3).await, ["1", "\u{fffd}", "2"]);
    assert_eq!(a.stats().resets, 0, "nothing was lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_with_the_same_idempotency_key_publishes_once() {
    let redis = RedisServer::start();
    let (a, b) = (
        hub(&redis, Config::default()),
        hub(&redis, Config::default()),
    );
    let mut sub = b.subscribe(["orders"], None).expect("open");
    let message = |text| {
        ssekit_hub::Message::new("orders", ssekit_core::Event::new().with_data(text))
            .with_idempotency_key("request-7")
    };
    let first = a.send(message("placed")).expect("stored");
    let again = b
        .send(message("placed (retry)"))
        .expect("a duplicate is no error");
    assert_eq!(first, again, "the retry gets the first attempt's id");
    let other = a
        .send(message("x").with_idempotency_key("request-8"))
        .expect("stored");
    assert!(other > first);
    assert_eq!(data(&mut sub, 2).await, ["placed", "x"]);
    assert!(matches!(
        a.send(message("y").with_idempotency_key("k".repeat(129))),
        Err(PublishError::IdempotencyKeyTooLong)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_travels_in_one_pipeline_with_an_id_each() {
    let redis = RedisServer::start();
    let a = hub(&redis, Config::default().with_queue_capacity(2000));
    let mut sub = a.subscribe(["t"], None).expect("open");
    let texts: Vec<String> = (0..1000).map(|n| n.to_string()).collect();
    let ids: Vec<_> = a
        .send_all(texts.iter().map(|t| {
            ssekit_hub::Message::new("t", ssekit_core::Event::new().with_data(t.as_str()))
        }))
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("all stored");
    assert!(
        ids.windows(2).all(|w| w[0].seq() + 1 == w[1].seq()),
        "consecutive ids"
    );
    assert_eq!(data(&mut sub, 1000).await, texts);
    // The async form: publishes made together, awaited later.
    let publishes: Vec<_> = (0..100)
        .map(|n| a.publish_async("t", n.to_string()))
        .collect();
    for publish in publishes {
        publish.await.expect("stored");
    }
    assert_eq!(a.stats().published, 1100);
}

/// On a runtime with one thread, publishes to a paused Redis wait without blocking it:
/// a timer task keeps ticking, and each publish ends within the timeout, honestly.
#[tokio::test(flavor = "current_thread")]
async fn a_paused_redis_never_blocks_the_runtime() {
    let redis = RedisServer::start();
    let timeout = Duration::from_millis(300);
    let a = Hub::<()>::new_with_redis(
        Config::default(),
        Redis::new(redis.url()).with_timeout(timeout),
    )
    .expect("a hub on Redis");
    a.publish_async("t", "before").await.expect("stored");
    redis.pause();
    let started = std::time::Instant::now();
    let ticker = tokio::spawn(async move {
        let mut ticks = 0;
        while started.elapsed() < Duration::from_millis(500) {
            tokio::time::sleep(Duration::from_millis(10)).await;
            ticks += 1;
        }
        ticks
    });
    let publishes: Vec<_> = (0..20)
        .map(|n| a.publish_async("t", n.to_string()))
        .collect();
    for publish in publishes {
        let outcome = publish.await;
        assert!(
            matches!(
                outcome,
                Err(PublishError::Unknown(_) | PublishError::Unavailable(_))
            ),
            "{outcome:?}"
        );
    }
    let waited = started.elapsed();
    assert!(waited < timeout + Duration::from_millis(200), "{waited:?}");
    let ticks = ticker.await.expect("ticker");
    assert!(
        ticks >= 30,
        "the runtime went on: {ticks} ticks of 10 ms in 500 ms"
    );
    redis.resume();
}

/// A server started after Redis lost its data (here `FLUSHALL`) loads the new generation:
/// an id from before the loss is never taken as resumable there, nor on the old server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_started_after_a_flush_resets_old_ids() {
    let redis = RedisServer::start();
    let a = hub(&redis, Config::default());
    let old: Vec<_> = (1..=3)
        .map(|n| a.publish("news", n.to_string()).expect("stored"))
        .collect();
    assert_eq!(redis.command(&["FLUSHALL"]), "+OK");
    let c = hub(&redis, Config::default());
    let after = c.publish("news", "after").expect("stored");
    assert_ne!(after.epoch(), old[0].epoch(), "a new generation");
    let deadline = std::time::Instant::now() + LIMIT;
    while a.last_id() != after || c.last_id() != after {
        assert!(std::time::Instant::now() < deadline, "both tails read it");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for hub in [&a, &c] {
        for id in &old {
            let mut sub = hub
                .subscribe(["news"], Some(&id.to_string()))
                .expect("open");
            let first = next(&mut sub).await;
            assert_eq!(
                (first.event_type.as_str(), first.data.as_str()),
                ("reset", "unknown-id")
            );
            assert_eq!(
                first.id,
                after.to_string(),
                "resume from the latest next time"
            );
        }
    }
}

/// A stalled Redis holds at most the backlog of publishes (queued or in flight): the rest
/// are refused at once, not queued without end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_backlog_refuses_at_once() {
    let redis = RedisServer::start();
    let config = Redis::new(redis.url())
        .with_timeout(Duration::from_millis(500))
        .with_backlog(4);
    let a = Hub::<()>::new_with_redis(Config::default(), config).expect("a hub on Redis");
    a.publish_async("t", "warm-up").await.expect("stored");
    redis.pause();
    let first = a.publish_async("t", "in flight");
    tokio::time::sleep(Duration::from_millis(50)).await; // the writer holds it: it waits
    let started = std::time::Instant::now();
    let rest: Vec<_> = (0..10)
        .map(|n| a.publish_async("t", n.to_string()))
        .collect();
    let mut refused = 0;
    for publish in rest {
        if let Err(PublishError::Unavailable(why)) = publish.await
            && why.contains("backlog")
        {
            refused += 1;
        }
    }
    assert!(refused >= 7, "{refused} of 10 refused for the backlog");
    // Checked first (the connection was idle) or sent: not published, or unknown.
    assert!(matches!(
        first.await,
        Err(PublishError::Unavailable(_) | PublishError::Unknown(_))
    ));
    assert!(started.elapsed() < Duration::from_secs(2));
    redis.resume();
}
