//! sse-axum behind a real axum server, read by a real hyper client and sse-core's decoder.

mod common;

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get as route;
use common::*;
use futures_util::stream::{self, Stream, StreamExt};
use http::{HeaderValue, StatusCode};
use sse_axum::{Event, EventError, KeepAlive, LastEventId, Sse};
use sse_hyper::{ClientError, Decoded, check_response};
use tokio::sync::{mpsc, oneshot};

#[tokio::test]
async fn headers_are_set_and_connection_is_not() {
    let app = Router::new().route("/", route(|| async { Sse::new(stream::iter(["hello"])) }));
    let (response, _conn) = get(serve(app).await, "/", &[]).await;
    assert_eq!(check_response(&response), Ok(()));
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["x-accel-buffering"], "no");
    assert!(!headers.contains_key("connection"));
    let mut events = decode(response, false);
    assert_eq!(next_event(&mut events).await.data(), "hello");
    assert!(next(&mut events).await.is_none());
}

#[tokio::test]
async fn many_events_arrive_in_order_with_line_breaks_normalised() {
    const COUNT: usize = 500;
    let app = Router::new().route(
        "/",
        route(|| async {
            Sse::new(stream::iter(0..COUNT).map(|n| {
                let event = Event::new().event_type("item")?.id(n.to_string())?;
                Ok::<_, EventError>(event.data(html(n)))
            }))
        }),
    );
    let (response, _conn) = get(serve(app).await, "/", &[]).await;
    let mut events = decode(response, false);
    for n in 0..COUNT {
        let event = next_event(&mut events).await;
        assert_eq!(event.event_type(), "item");
        assert_eq!(event.last_event_id(), n.to_string());
        assert_eq!(event.data(), html_decoded(n));
    }
    assert!(next(&mut events).await.is_none());
}

#[tokio::test]
async fn idle_stream_sends_keep_alive_comments() {
    let app = Router::new().route(
        "/",
        route(|| async {
            let keep_alive = KeepAlive::new().interval(Duration::from_millis(50));
            Sse::new(then_idle(vec!["first"])).keep_alive(keep_alive)
        }),
    );
    let (response, _conn) = get(serve(app).await, "/", &[]).await;
    let mut events = decode(response, true);
    assert_eq!(next_event(&mut events).await.data(), "first");
    for _ in 0..3 {
        match next(&mut events).await {
            Some(Ok(Decoded::Comment(comment))) => assert_eq!(comment, ""),
            other => panic!("expected a keep-alive comment, got {other:?}"),
        }
    }
}

/// Events with ids counting up after `Last-Event-ID`; reports the id it saw.
async fn resuming(
    State(seen): State<mpsc::UnboundedSender<Option<String>>>,
    LastEventId(last): LastEventId,
) -> Sse<impl Stream<Item = Result<Event<'static>, EventError>>> {
    let _ = seen.send(last.clone());
    let first = last
        .and_then(|id| id.parse::<u64>().ok())
        .map_or(1, |n| n + 1);
    Sse::new(
        then_idle((first..first + 3).collect())
            .map(|n| Ok(Event::new().id(n.to_string())?.data(format!("event {n}")))),
    )
}

#[tokio::test]
async fn last_event_id_round_trip() {
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/", route(resuming))
        .with_state(seen_tx);
    let addr = serve(app).await;

    let (response, conn) = get(addr, "/", &[]).await;
    let mut events = decode(response, false);
    for n in 1..=3 {
        assert_eq!(next_event(&mut events).await.data(), format!("event {n}"));
    }
    assert_eq!(within("handler saw", seen.recv()).await, Some(None));
    let last = HeaderValue::from_str(events.last_event_id()).expect("header value");
    drop((events, conn));

    let (response, _conn) = get(addr, "/", &[("last-event-id", last)]).await;
    let saw = within("handler saw", seen.recv()).await;
    assert_eq!(saw, Some(Some("3".to_owned())));
    let mut events = decode(response, false);
    let event = next_event(&mut events).await;
    assert_eq!((event.last_event_id(), event.data()), ("4", "event 4"));
}

#[tokio::test]
async fn malformed_last_event_id_is_a_400_with_a_reason() {
    let (seen_tx, _seen) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/", route(resuming))
        .with_state(seen_tx);
    let not_utf8 = HeaderValue::from_bytes(b"\xc3\x28").expect("header value");
    let (response, _conn) = get(serve(app).await, "/", &[("last-event-id", not_utf8)]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let body = http_body_util::BodyExt::collect(response.into_body());
    let body = within("400 body", body).await.expect("body").to_bytes();
    let reason = String::from_utf8_lossy(&body);
    assert!(reason.contains("not valid UTF-8"), "{reason}");
}

#[tokio::test]
async fn client_disconnect_drops_the_stream() {
    let (guard, dropped) = drop_flag();
    let handler = |State(guard): State<Once<oneshot::Sender<()>>>| async move {
        let guard = guard.take();
        // The stream owns the guard: dropping the stream completes `dropped`.
        Sse::new(then_idle(vec!["only"]).map(move |item| {
            let _owned = &guard;
            item
        }))
    };
    let app = Router::new()
        .route("/", route(handler))
        .with_state(Once::new(guard));
    let (response, conn) = get(serve(app).await, "/", &[]).await;
    let mut events = decode(response, false);
    assert_eq!(next_event(&mut events).await.data(), "only");
    drop((events, conn));
    let dropped = within("server drops the stream", dropped).await;
    assert!(dropped.is_err(), "the guard was sent, not dropped");
}

type Fed = Once<mpsc::Receiver<Result<&'static str, std::io::Error>>>;

#[tokio::test]
async fn stream_error_ends_the_response_and_the_server_goes_on() {
    let (tx, rx) = mpsc::channel(1);
    let app = Router::new()
        .route(
            "/fail",
            route(|State(rx): State<Fed>| async move {
                Sse::new(stream::iter(rx.take()).flat_map(channel_stream))
            }),
        )
        .route("/ok", route(|| async { Sse::new(stream::iter(["fine"])) }))
        .with_state(Once::new(rx));
    let addr = serve(app).await;
    let (response, _conn) = get(addr, "/fail", &[]).await;
    let mut events = decode(response, false);
    feed(&tx, Ok("before")).await;
    assert_eq!(next_event(&mut events).await.data(), "before");
    feed(&tx, Err(std::io::Error::other("broken"))).await;
    match next(&mut events).await {
        None | Some(Err(ClientError::Body(_))) => {}
        other => panic!("expected the body to end, got {other:?}"),
    }
    let (response, _conn) = get(addr, "/ok", &[]).await;
    let mut events = decode(response, false);
    assert_eq!(next_event(&mut events).await.data(), "fine");
    assert!(next(&mut events).await.is_none());
}
