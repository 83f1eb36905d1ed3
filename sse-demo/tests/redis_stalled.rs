//! The demo on a Redis that stops answering (SIGSTOP): posts wait for Redis (at most its
//! timeout) off the runtime's threads, and every page is served meanwhile in under 100 ms.
//! Bounded: a few seconds, every wait with a deadline.

mod common;
#[path = "../../sse-hub/tests/common/redis.rs"]
mod redis;

use std::time::{Duration, Instant};

use sse_demo::{Demo, Pace};
use ssekit_hub::Config;

const PACE: Pace = Pace {
    notification: Duration::from_secs(3600),
    tick: Duration::from_millis(200),
    job_step: Duration::from_millis(5),
};

/// One HTTP/1.1 request; the status code, and how long the whole response took.
async fn request(port: u16, method: &str, path: &str, body: &str) -> (u16, Duration) {
    let started = Instant::now();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let response = common::request(port, &head).await;
    (common::status(&response), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_served_while_redis_is_stopped() {
    let redis = redis::RedisServer::start();
    let demo = Demo::new_with_redis(Config::default(), &redis.url()).expect("on Redis");
    demo.start_producers(PACE);
    let port = common::serve(&demo).await;
    assert_eq!(
        request(port, "POST", "/chat/lobby", "name=a&text=before")
            .await
            .0,
        200
    );

    redis.pause();
    // Posts that need Redis: each waits for it, at most the publish timeout.
    let mut posts = Vec::new();
    for n in 0..8 {
        let body = format!("name=a&text=during+{n}");
        posts.push(tokio::spawn(async move {
            request(port, "POST", "/chat/lobby", &body).await
        }));
    }
    let notification =
        tokio::spawn(async move { request(port, "POST", "/notifications/new", "").await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let pages = [
        "/",
        "/chat/lobby",
        "/todo",
        "/notifications",
        "/progress",
        "/dashboard",
        "/connections",
        "/assets/htmx.min.js",
    ];
    let mut slowest = Duration::ZERO;
    for _ in 0..3 {
        for page in pages {
            let (status, took) = request(port, "GET", page, "").await;
            assert_eq!(status, 200, "{page}");
            assert!(took < Duration::from_millis(100), "{page} took {took:?}");
            slowest = slowest.max(took);
        }
    }
    let (status, took) = notification.await.expect("post");
    assert!(matches!(status, 204 | 503), "{status}");
    assert!(
        took < Duration::from_secs(3),
        "at most the timeout: {took:?}"
    );
    for post in posts {
        let (status, took) = post.await.expect("post");
        assert_eq!(status, 200, "the form again, saying what happened");
        assert!(
            took < Duration::from_secs(3),
            "a post waits at most the timeout: {took:?}"
        );
    }
    redis.resume();
    println!("slowest page while Redis was stopped: {slowest:?}");
    demo.hub.close();
}
