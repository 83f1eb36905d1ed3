//! Two instances of the demo on one real redis-server, as behind a load balancer: after
//! mixed actions on both, each page renders the same on A and B (todos, unread count,
//! jobs); the background producers
//! run once for the deployment (one "Build #n" per n); after Redis restarts empty, both
//! pages start again from nothing and agree. Bounded: every wait has a deadline.

mod common;
#[path = "../../sse-hub/tests/common/redis.rs"]
mod redis;

use std::time::{Duration, Instant};

use common::{get, post};
use futures_util::StreamExt;
use sse_demo::{Demo, Pace};
use ssekit_core::{Decoded, Decoder};
use ssekit_hub::Config;

const PACE: Pace = Pace {
    notification: Duration::from_millis(50),
    tick: Duration::from_millis(200),
    job_step: Duration::from_millis(5),
};

/// The next build notification on `stream`: its number and the instance that sent it.
async fn next_build(stream: &mut ssekit_hub::Subscription, decoder: &mut Decoder) -> (u64, String) {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("a notification in time")
            .expect("the stream goes on");
        for item in decoder.feed(event.as_bytes()) {
            if let Ok(Decoded::Event(message)) = item
                && let Some(rest) = message.data().split("Build #").nth(1)
                && let Some((n, rest)) = rest.split_once(" passed (on ")
                && let (Ok(n), Some((from, _))) = (n.parse(), rest.split_once(')'))
            {
                return (n, from.to_owned());
            }
        }
    }
}

async fn instance(redis: &redis::RedisServer, name: &str) -> (Demo, u16) {
    let demo = Demo::new_with_redis(Config::default(), &redis.url())
        .expect("on Redis")
        .with_name(name);
    demo.start_producers(PACE);
    let port = common::serve(&demo).await;
    (demo, port)
}

/// The part of a page that the state renders: from `from` up to `to`.
fn part(page: &str, from: &str, to: &str) -> String {
    let start = page
        .find(from)
        .unwrap_or_else(|| panic!("{from} in {page}"));
    let rest = &page[start..];
    rest[..rest.find(to).map_or(rest.len(), |end| end + to.len())].to_owned()
}

async fn todos(port: u16) -> String {
    let (status, page) = get(port, "/todo").await;
    assert_eq!(status, 200);
    part(&page, r#"<ul id="todos">"#, "</ul>")
}

async fn jobs(port: u16) -> String {
    let (status, page) = get(port, "/progress").await;
    assert_eq!(status, 200);
    part(&page, r#"<ul id="jobs""#, "</ul>")
}

async fn unread(port: u16) -> String {
    let (status, page) = get(port, "/notifications").await;
    assert_eq!(status, 200);
    part(&page, r#"<span id="unread""#, "</span>")
}

/// Until `a` and `b` render the same (their writes are both in Redis at once, but a
/// check may fall between two of them), within five seconds.
async fn agree(a: u16, b: u16) -> String {
    let started = Instant::now();
    loop {
        let (on_a, on_b) = (todos(a).await, todos(b).await);
        if on_a == on_b {
            return on_a;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "A and B disagree:\n{on_a}\n{on_b}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_render_the_same_pages_and_produce_once() {
    let mut redis = redis::RedisServer::start();
    let ((a, port_a), (b, port_b)) = (instance(&redis, "A").await, instance(&redis, "B").await);
    let mut on_a = a.hub.subscribe(["notifications"], None).expect("subscribe");
    let mut decode_a = Decoder::new();

    // Mixed actions on both.
    for (port, text) in [(port_a, "milk"), (port_b, "eggs"), (port_a, "bread")] {
        assert_eq!(post(port, "/todo", &format!("text={text}")).await, 200);
    }
    assert_eq!(post(port_b, "/todo/2/toggle", "").await, 204);
    assert_eq!(post(port_a, "/notifications/read", "").await, 204);
    let list = agree(port_a, port_b).await;
    for (id, text) in [(1, "milk"), (2, "eggs"), (3, "bread")] {
        assert_eq!(
            list.matches(&format!(r#"id="todo-{id}""#)).count(),
            1,
            "one todo-{id}: {list}"
        );
        assert!(list.contains(text), "{list}");
    }
    assert!(list.contains("checked"), "the toggle on B: {list}");
    assert_eq!(unread(port_a).await, unread(port_b).await);

    // Both instances run the producers; one holds the lease: builds from it alone, each
    // number once.
    let mut seen = Vec::new();
    for _ in 0..8 {
        seen.push(next_build(&mut on_a, &mut decode_a).await);
    }
    let leader = seen[0].1.clone();
    assert!(
        seen.iter().all(|(_, from)| *from == leader),
        "one producer: {seen:?}"
    );
    let first = seen[0].0;
    let numbers: Vec<u64> = seen.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        numbers,
        (first..first + 8).collect::<Vec<_>>(),
        "one Build #n per n"
    );

    // Jobs started on either instance run on any worker; both list the same jobs.
    assert_eq!(post(port_b, "/progress/start", "").await, 202);
    assert_eq!(post(port_a, "/progress/start", "").await, 202);
    let started = Instant::now();
    loop {
        let (on_a, on_b) = (jobs(port_a).await, jobs(port_b).await);
        if on_a == on_b && on_a.matches("done").count() == 2 {
            assert!(on_a.contains("Job 1") && on_a.contains("Job 2"), "{on_a}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "both jobs done, listed alike:\n{on_a}\n{on_b}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The connections page shows each instance's own registry.
    let (_, page) = get(port_b, "/connections").await;
    assert!(page.contains("<b>B</b>"), "named: {page}");

    // Redis restarts empty: both start again from nothing, then agree again.
    redis.restart();
    let started = Instant::now();
    while todos(port_a).await.contains("todo-") || todos(port_b).await.contains("todo-") {
        assert!(started.elapsed() < Duration::from_secs(10), "pages reset");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let started = Instant::now();
    while post(port_b, "/todo", "text=after").await != 200 || !todos(port_b).await.contains("after")
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "B stores again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let list = agree(port_a, port_b).await;
    assert_eq!(list.matches("todo-").count(), 1, "{list}");
    assert!(list.contains(r#"id="todo-1""#), "ids start again: {list}");

    // The leader goes away: the other takes the lease over and the numbers go on.
    let (gone, stays) = if leader == "A" { (&a, &b) } else { (&b, &a) };
    let mut stream = stays
        .hub
        .subscribe(["notifications"], None)
        .expect("subscribe");
    let mut decoder = Decoder::new();
    let mut last = 0;
    gone.hub.close();
    loop {
        let (n, from) = next_build(&mut stream, &mut decoder).await;
        assert!(n > last || last == 0, "numbers go on: {n} after {last}");
        last = n;
        if from == stays.name() {
            break;
        }
    }
    a.hub.close();
    b.hub.close();
}
