//! ssekit-hub behind a real axum server on 127.0.0.1, read by real hyper clients decoding with
//! ssekit-core: resume with `Last-Event-ID`, reset for an unknown id, a slow client cut off
//! and resumed, a client that goes away, and a graceful shutdown with open streams.

#[path = "../../sse-hyper/tests/support/mod.rs"]
mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use http::HeaderValue;
use ssekit_axum::{LastEventId, Sse};
use ssekit_hub::{Config, Hub, Subscription};
use support::*;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The handler the crate docs show: subscribe, resuming after the client's last event.
async fn events(
    State(hub): State<Hub>,
    LastEventId(last): LastEventId,
) -> Result<Sse<Subscription>, StatusCode> {
    let subscription = hub
        .subscribe(["news"], last.as_deref())
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    Ok(Sse::new(subscription))
}

/// A running server: its hub, address, and how to shut it down gracefully.
struct Server {
    hub: Hub,
    addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Serves `/events` on 127.0.0.1; on shutdown the hub is closed, as an app should do.
async fn start(config: Config) -> Server {
    let hub = Hub::new(config);
    let app = Router::new()
        .route("/events", axum::routing::get(events))
        .with_state(hub.clone());
    let (listener, addr) = listener().await;
    let (shutdown, signal) = oneshot::channel::<()>();
    let closer = hub.clone();
    let task = tokio::spawn(async move {
        let signal = async move {
            let _ = signal.await;
            closer.close(); // ends every open stream, so the shutdown is not held up
        };
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .await;
        served.expect("server");
    });
    Server {
        hub,
        addr,
        shutdown,
        task,
    }
}

fn last_event_id(id: &str) -> [(&'static str, HeaderValue); 1] {
    [(
        "last-event-id",
        HeaderValue::from_str(id).expect("a header value"),
    )]
}

/// Waits until `condition` holds (checked every millisecond, for at most [`LIMIT`]).
async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    within(what, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_client_gets_exactly_what_it_missed() {
    let server = start(Config::default()).await;
    let hub = &server.hub;
    hub.publish("news", "before anyone listened")
        .expect("open hub");
    let (response, conn) = get(server.addr, "/events", &[]).await;
    assert_event_stream_head(&response);
    let mut events = decode(response, false);
    until("subscribed", || hub.stats().subscribers == 1).await;
    for n in 1..=10 {
        hub.publish("news", n.to_string()).expect("open hub");
    }
    let mut last = String::new();
    for n in 1..=4 {
        let event = next_event(&mut events).await;
        assert_eq!(event.data(), n.to_string());
        last = event.last_event_id().to_owned();
    }
    drop((events, conn)); // the connection drops mid-stream
    until("unregistered", || hub.stats().subscribers == 0).await;
    for n in 11..=15 {
        hub.publish("news", n.to_string()).expect("open hub");
    }
    let (response, _conn) = get(server.addr, "/events", &last_event_id(&last)).await;
    let mut events = decode(response, false);
    for n in 5..=15 {
        assert_eq!(
            next_event(&mut events).await.data(),
            n.to_string(),
            "replayed"
        );
    }
    hub.publish("news", "live").expect("open hub");
    assert_eq!(next_event(&mut events).await.data(), "live");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_last_event_id_gets_a_reset_event_first() {
    let server = start(Config::default()).await;
    let latest = server.hub.publish("news", "old").expect("open hub");
    let (response, _conn) = get(
        server.addr,
        "/events",
        &last_event_id("from-another-server"),
    )
    .await;
    let mut events = decode(response, false);
    let reset = next_event(&mut events).await;
    assert_eq!((reset.event_type(), reset.data()), ("reset", "unknown-id"));
    assert_eq!(
        reset.last_event_id(),
        latest.to_string(),
        "resume from here next time"
    );
    server.hub.publish("news", "new").expect("open hub");
    assert_eq!(next_event(&mut events).await.data(), "new");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_cut_off_then_resumes_with_nothing_lost() {
    let config = Config::default()
        .with_queue_capacity(8)
        .with_history_len(100_000);
    let server = start(config).await;
    let hub = &server.hub;
    let (response, _conn) = get(server.addr, "/events", &[]).await;
    let mut events = decode(response, false);
    until("subscribed", || hub.stats().subscribers == 1).await;
    // The client reads nothing: socket buffers fill, then the server stops taking events
    // and the subscriber falls behind the topic's ring (8 events): it is cut off. Bounded:
    // at most 50,000 events of 8 KiB and a few seconds.
    let payload = "x".repeat(8 * 1024);
    let mut published = 0u32;
    let started = Instant::now();
    // Behind for sure (`pending` is what the stream last noted: exact within 64 events),
    // or already cut off (its stream was polled again and found out).
    let behind = || {
        hub.connections()
            .first()
            .is_some_and(|c| c.pending > 8 + 64)
    };
    while !behind() && hub.stats().lag_disconnects == 0 {
        assert!(
            published < 50_000 && started.elapsed() < LIMIT,
            "never cut off"
        );
        published += 1;
        hub.publish("news", format!("{published} {payload}"))
            .expect("open hub");
        if published.is_multiple_of(4) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    // It gets what the server had taken, in order, then a clean end (counted then).
    let mut seen = 0u32;
    let mut last = String::new();
    while let Some(item) = next(&mut events).await {
        let event = match item {
            Ok(ssekit_hyper::Decoded::Event(event)) => event,
            other => panic!("expected an event, got {other:?}"),
        };
        seen += 1;
        assert!(event.data().starts_with(&format!("{seen} ")), "in order");
        last = event.last_event_id().to_owned();
    }
    println!("cut off after {seen} of {published} events");
    assert_eq!(hub.stats().lag_disconnects, 1);
    assert!(
        seen > 0 && seen < published,
        "cut off after {seen} of {published}"
    );
    // Like a browser, it reconnects with its Last-Event-ID: the replay fills the gap.
    let (response, _conn) = get(server.addr, "/events", &last_event_id(&last)).await;
    let mut events = decode(response, false);
    for n in seen + 1..=published {
        let event = next_event(&mut events).await;
        assert!(
            event.data().starts_with(&format!("{n} ")),
            "event {n} replayed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_with_open_streams_finishes_within_a_second() {
    let server = start(Config::default()).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let (response, conn) = get(server.addr, "/events", &[]).await;
        clients.push((decode(response, false), conn));
    }
    until("subscribed", || server.hub.stats().subscribers == 3).await;
    server.hub.publish("news", "last news").expect("open hub");
    let started = Instant::now();
    server.shutdown.send(()).expect("server running");
    tokio::time::timeout(Duration::from_secs(1), server.task)
        .await
        .expect("the server stopped within a second")
        .expect("server task");
    println!("graceful shutdown took {:?}", started.elapsed());
    for (events, _conn) in &mut clients {
        assert_eq!(next_event(events).await.data(), "last news");
        assert!(next(events).await.is_none(), "the stream ended cleanly");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_plugs_into_every_adapter() {
    let hub: Hub = Hub::default();
    let subscription = || hub.subscribe(["news"], None).expect("open hub");
    let hyper = ssekit_hyper::Sse::new(subscription()).into_response();
    let warp = warp::Reply::into_response(ssekit_warp::reply(subscription()));
    let axum = axum::response::IntoResponse::into_response(Sse::new(subscription()));
    for headers in [hyper.headers(), warp.headers(), axum.headers()] {
        assert_eq!(headers["content-type"], "text/event-stream");
    }
    assert_eq!(hub.stats().subscribers, 3);
}
