//! A Redis user whose ACL forbids `CLIENT` (a managed Redis often does): the hub still
//! publishes and delivers, and says once, in its log, what it cannot guarantee then (the
//! order of one server's publishes across a network stall, which `CLIENT KILL` fences) and
//! how to allow it. Its own test binary: it installs the global log subscriber.
#![cfg(feature = "redis")]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::data;
use common::redis::RedisServer;
use ssekit_hub::{Config, Hub, Redis};

/// The log, captured.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log")).into_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_client_commands_publishes_and_is_warned_once() {
    let log = Log::default();
    let writer = log.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .try_init()
        .expect("the only log subscriber of this test binary");
    let redis = RedisServer::start();
    let reply = redis.command(&[
        "ACL", "SETUSER", "hub", "on", ">secret", "~*", "&*", "+@all", "-client",
    ]);
    assert!(reply.contains("OK"), "{reply}");
    let url = format!("redis://hub:secret@127.0.0.1:{}", redis.port());
    let a: Hub = Hub::new_with_redis(Config::default(), Redis::new(url.as_str())).expect("hub a");
    let b: Hub = Hub::new_with_redis(Config::default(), Redis::new(url.as_str())).expect("hub b");
    let mut on_b = b.subscribe(["news"], None).expect("open");
    for n in 1..=3 {
        a.publish("news", n.to_string()).expect("stored");
    }
    assert_eq!(data(&mut on_b, 3).await, ["1", "2", "3"]);

    let deadline = Instant::now() + Duration::from_secs(5);
    let warning = "Redis refused CLIENT ID or CLIENT KILL";
    while !log.text().contains(warning) {
        assert!(Instant::now() < deadline, "no warning in:\n{}", log.text());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Every connection closed: the writer connects again, refused again, and says nothing
    // more.
    redis.command(&["CLIENT", "KILL", "TYPE", "normal"]);
    // Redis closes killed connections after it answers the kill: a publish sent in that
    // moment would be reported unknown (honestly), which is not what this test is about.
    std::thread::sleep(Duration::from_millis(200));
    for n in 4..=6 {
        a.publish("news", n.to_string()).expect("stored");
    }
    assert_eq!(data(&mut on_b, 3).await, ["4", "5", "6"]);
    let text = log.text();
    assert!(text.contains("+client|id"), "{text}");
    assert_eq!(text.matches(warning).count(), 1, "said once: {text}");
}
