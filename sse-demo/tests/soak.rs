//! The demo under abuse for 90 s, as anyone on the internet could treat it: 100,000 chat
//! rooms posted to once each, 20,000 todo posts, 3,000 job starts, and 5,000 idle event
//! streams held open for 90 s while the background producers run. The process's memory
//! and threads stay within the bounds the demo's README gives, and the demo still answers.
//! Bounded: about two minutes, every wait with a deadline.

mod common;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use sse_demo::{Demo, Pace};
use ssekit_hub::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The bounds the README documents for this load.
const MAX_RSS_MIB: u64 = 512;
const MAX_THREADS: u64 = 64;
const HOLD: Duration = Duration::from_secs(90);

const PACE: Pace = Pace {
    notification: Duration::from_millis(500),
    tick: Duration::from_secs(1),
    job_step: Duration::from_millis(1),
};

/// `VmRSS` (MiB) and `Threads` of this process, from `/proc/self/status`.
fn rss_and_threads() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:") / 1024, field("Threads:"))
}

/// Sends `requests` (whole HTTP/1.1 requests, the last with `Connection: close`) on one
/// connection; the status codes of the responses.
async fn pipeline(port: u16, requests: &[String]) -> Vec<u16> {
    let mut tcp = tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
        .await
        .expect("connect");
    tcp.write_all(requests.concat().as_bytes())
        .await
        .expect("send");
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), tcp.read_to_end(&mut response))
        .await
        .expect("the responses in time")
        .expect("read");
    String::from_utf8_lossy(&response)
        .match_indices("HTTP/1.1 ")
        .filter_map(|(at, _)| response.get(at + 9..at + 12))
        .filter_map(|code| std::str::from_utf8(code).ok()?.parse().ok())
        .collect()
}

fn post(path: &str, body: &str, last: bool) -> String {
    let connection = if last { "close" } else { "keep-alive" };
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: {connection}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// `count` posts made by `make(i)`, 200 to a connection, 8 connections at a time; the
/// number of each status code.
async fn posts(
    port: u16,
    count: usize,
    make: impl Fn(usize) -> (String, String),
) -> Vec<(u16, usize)> {
    let mut statuses = std::collections::BTreeMap::new();
    let batches: Vec<Vec<String>> = (0..count)
        .collect::<Vec<_>>()
        .chunks(200)
        .map(|chunk| {
            chunk
                .iter()
                .enumerate()
                .map(|(j, &i)| {
                    let (path, body) = make(i);
                    post(&path, &body, j + 1 == chunk.len())
                })
                .collect()
        })
        .collect();
    for group in batches.chunks(8) {
        let mut running = Vec::new();
        for batch in group {
            let batch = batch.clone();
            running.push(tokio::spawn(async move { pipeline(port, &batch).await }));
        }
        for task in running {
            for status in task.await.expect("a batch") {
                *statuses.entry(status).or_insert(0) += 1;
            }
        }
    }
    statuses.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ninety_seconds_of_abuse_stay_within_the_documented_bounds() {
    let started = Instant::now();
    let demo = Demo::new(Config::default());
    demo.start_producers(PACE);
    let port = common::serve(&demo).await;

    let rooms = posts(port, 100_000, |i| {
        (format!("/chat/room-{i}"), "name=bot&text=hello".to_owned())
    })
    .await;
    println!("100,000 rooms: {rooms:?} after {:?}", started.elapsed());
    let todos = posts(port, 20_000, |i| {
        ("/todo".to_owned(), format!("text=todo+{i}"))
    })
    .await;
    println!("20,000 todo posts: {todos:?}");
    let jobs = posts(port, 3_000, |_| {
        ("/progress/start".to_owned(), String::new())
    })
    .await;
    println!("3,000 job starts: {jobs:?}");
    assert!(
        jobs.iter().any(|&(status, _)| status == 429),
        "a full line refuses: {jobs:?}"
    );
    let (_, page) = common::get(port, "/todo").await;
    assert_eq!(
        page.matches("<li id=\"todo-").count(),
        100,
        "at most 100 todos"
    );

    // 5,000 idle streams, held while the producers run.
    let mut streams = Vec::new();
    for _ in 0..5_000 {
        let mut tcp = tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .expect("connect");
        tcp.write_all(b"GET /events/connections HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .expect("send");
        streams.push(tcp);
    }
    let held = Instant::now();
    let (mut max_rss, mut max_threads) = (0, 0);
    let mut drained = vec![0u8; 64 * 1024];
    while held.elapsed() < HOLD {
        tokio::time::sleep(Duration::from_secs(5)).await;
        // Read what a few of them got, as a slow client would; the rest never read.
        for tcp in streams.iter_mut().take(10) {
            let _ = tokio::time::timeout(Duration::from_millis(10), tcp.read(&mut drained)).await;
        }
        let (rss, threads) = rss_and_threads();
        max_rss = max_rss.max(rss);
        max_threads = max_threads.max(threads);
        println!(
            "{:>3} s: RSS {rss} MiB, {threads} threads, {} live streams",
            held.elapsed().as_secs(),
            demo.hub.stats().subscribers
        );
    }
    let usage = demo.hub.history_usage();
    println!("history: {usage:?}; max RSS {max_rss} MiB, max threads {max_threads}");
    assert!(max_rss <= MAX_RSS_MIB, "RSS {max_rss} MiB");
    assert!(max_threads <= MAX_THREADS, "{max_threads} threads");
    // Still answering, in time.
    let asked = Instant::now();
    let (status, _) = common::get(port, "/connections").await;
    assert_eq!(status, 200);
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );
    drop(streams);
    demo.hub.close();
}
