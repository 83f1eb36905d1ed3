//! `sse bench`'s load client (ssekit-cli's library, the code behind the command) against the
//! demo: 200 streams of one chat room over HTTP/1.1 and 200 over HTTP/2 (h2c, 50 per
//! connection); every message posted reaches every stream exactly once. The room's ids are
//! the hub's, numbered across all topics, so the demo's other producers make gaps in them
//! that are not losses: the count of events is what says nothing was lost. Bounded: every
//! wait has a deadline.

mod common;

use std::time::{Duration, Instant};

use common::{post, serve};
use sse_demo::Demo;
use ssekit_cli::load::{Config, Load};

const STREAMS: usize = 200;
const MESSAGES: u64 = 20;

/// Waits (at most 15 s) until `done` holds for the load's totals.
async fn wait_for(load: &Load, what: &str, done: impl Fn(&ssekit_cli::load::Totals) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let totals = load.counters().totals();
        if done(&totals) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {totals:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_chat_message_reaches_every_stream_once() {
    let demo = Demo::new(ssekit_hub::Config::default());
    let port = serve(&demo).await;
    for (room, http2) in [("bench1", None), ("bench2", Some(50))] {
        let url = format!("http://127.0.0.1:{port}/events/chat/{room}");
        let mut config = Config::new(url.parse().expect("a URL"));
        config.connections = STREAMS;
        config.http2 = http2;
        let load = Load::start(config).await.expect("a load");
        wait_for(&load, "every stream open", |t| t.streaming == STREAMS).await;
        for n in 0..MESSAGES {
            let status = post(port, &format!("/chat/{room}"), &format!("name=b&text=m{n}")).await;
            assert_eq!(status, 200);
        }
        let expected = STREAMS as u64 * MESSAGES;
        wait_for(&load, "every message on every stream", |t| {
            t.events >= expected
        })
        .await;
        tokio::time::sleep(Duration::from_millis(200)).await; // nothing more comes
        let summary = load.finish().await;
        assert_eq!(summary.connections.established, STREAMS, "{summary}");
        assert_eq!(summary.connections.reconnects, 0, "{summary}");
        assert_eq!(summary.connections.errors, 0, "{summary}");
        assert_eq!(summary.events.received, expected, "{summary}");
        assert_eq!(summary.events.duplicates, 0, "{summary}");
        let per_stream = summary.events.per_connection;
        assert!(
            per_stream.min > 0.0 && per_stream.min == per_stream.max,
            "{summary}"
        );
    }
}
