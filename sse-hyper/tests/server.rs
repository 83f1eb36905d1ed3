//! sse-hyper behind a real hyper server, read by a real hyper client and sse-core's decoder.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use futures_util::stream::{self, StreamExt};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use sse_hyper::{
    ClientError, Decoded, Event, EventError, KeepAlive, Sse, check_response, last_event_id,
};
use tokio::sync::mpsc;

#[tokio::test]
async fn headers_are_set_and_connection_is_not() {
    let addr = serve(service_fn(|_req| async {
        Ok::<_, Infallible>(Sse::new(stream::iter(["hello"])).into_response())
    }))
    .await;
    let (response, _conn) = get(addr, "/", &[]).await;
    assert_eq!(check_response(&response), Ok(()));
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["x-accel-buffering"], "no");
    assert!(!headers.contains_key("connection"));
    assert!(!headers.contains_key("content-length"));
    let mut events = decode(response, false);
    assert_eq!(next_event(&mut events).await.data(), "hello");
    assert!(next(&mut events).await.is_none());
}

#[tokio::test]
async fn http2_response_streams_without_connection_header() {
    let addr = serve(service_fn(|_req| async {
        let events = stream::iter([("greeting", "one"), ("greeting", "two")]);
        Ok::<_, Infallible>(Sse::new(events).into_response())
    }))
    .await;
    let (response, _conn) = get_h2(addr, "/").await;
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(check_response(&response), Ok(()));
    assert!(!response.headers().contains_key("connection"));
    let mut events = decode(response, false);
    for data in ["one", "two"] {
        let event = next_event(&mut events).await;
        assert_eq!((event.event_type(), event.data()), ("greeting", data));
    }
    assert!(next(&mut events).await.is_none());
}

#[tokio::test]
async fn many_events_arrive_in_order_with_line_breaks_normalised() {
    const COUNT: usize = 500;
    let addr = serve(service_fn(|_req| async {
        let events = stream::iter(0..COUNT).map(|n| {
            let event = Event::new().event_type("item")?.id(n.to_string())?;
            Ok::<_, EventError>(event.data(html(n)))
        });
        Ok::<_, Infallible>(Sse::new(events).into_response())
    }))
    .await;
    let (response, _conn) = get(addr, "/", &[]).await;
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
    let addr = serve(service_fn(|_req| async {
        let keep_alive = KeepAlive::new().interval(Duration::from_millis(50));
        let events = then_idle(vec!["first"]);
        Ok::<_, Infallible>(Sse::new(events).keep_alive(keep_alive).into_response())
    }))
    .await;
    let (response, _conn) = get(addr, "/", &[]).await;
    let mut events = decode(response, true);
    assert_eq!(next_event(&mut events).await.data(), "first");
    for _ in 0..3 {
        match next(&mut events).await {
            Some(Ok(Decoded::Comment(comment))) => assert_eq!(comment, ""),
            other => panic!("expected a keep-alive comment, got {other:?}"),
        }
    }
}

type Reply<S> = Response<Either<sse_hyper::SseBody<S, sse_hyper::TokioTimer>, Full<Bytes>>>;

/// Events with ids counting up after the request's `Last-Event-ID`; reports what it saw.
async fn resuming(
    request: Request<Incoming>,
    seen: mpsc::UnboundedSender<Option<String>>,
) -> Result<Reply<impl futures_util::Stream<Item = Result<Event<'static>, EventError>>>, Infallible>
{
    let last = match last_event_id(request.headers()) {
        Ok(last) => last.map(str::to_owned),
        Err(e) => {
            let mut response = Response::new(Either::Right(Full::from(e.to_string())));
            *response.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(response);
        }
    };
    let _ = seen.send(last.clone());
    let first = last
        .and_then(|id| id.parse::<u64>().ok())
        .map_or(1, |n| n + 1);
    let events = then_idle((first..first + 3).collect())
        .map(|n| Ok(Event::new().id(n.to_string())?.data(format!("event {n}"))));
    Ok(Sse::new(events).into_response().map(Either::Left))
}

#[tokio::test]
async fn last_event_id_round_trip() {
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let addr = serve(service_fn(move |req| resuming(req, seen_tx.clone()))).await;

    let (response, conn) = get(addr, "/", &[]).await;
    let mut events = decode(response, false);
    for n in 1..=3 {
        assert_eq!(next_event(&mut events).await.data(), format!("event {n}"));
    }
    assert_eq!(within("handler saw", seen.recv()).await, Some(None));
    let last = HeaderValue::from_str(events.last_event_id()).expect("header value");
    drop((events, conn));

    let (response, _conn) = get(addr, "/", &[("last-event-id", last)]).await;
    assert_eq!(
        within("handler saw", seen.recv()).await,
        Some(Some("3".to_owned()))
    );
    let mut events = decode(response, false);
    let event = next_event(&mut events).await;
    assert_eq!((event.last_event_id(), event.data()), ("4", "event 4"));
}

#[tokio::test]
async fn malformed_last_event_id_is_refused_with_a_reason() {
    let (seen_tx, _seen) = mpsc::unbounded_channel();
    let addr = serve(service_fn(move |req| resuming(req, seen_tx.clone()))).await;
    let not_utf8 = HeaderValue::from_bytes(b"\xc3\x28").expect("header value");
    let (response, _conn) = get(addr, "/", &[("last-event-id", not_utf8)]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = http_body_util::BodyExt::collect(response.into_body());
    let body = within("400 body", body).await.expect("body").to_bytes();
    let reason = String::from_utf8_lossy(&body);
    assert!(reason.contains("not valid UTF-8"), "{reason}");
}

#[tokio::test]
async fn client_disconnect_drops_the_stream() {
    let (guard, dropped) = drop_flag();
    let guard = Once::new(guard);
    let addr = serve(service_fn(move |_req| {
        let guard = guard.take();
        async move {
            // The stream owns the guard: dropping the stream completes `dropped`.
            let events = then_idle(vec!["only"]).map(move |item| {
                let _owned = &guard;
                item
            });
            Ok::<_, Infallible>(Sse::new(events).into_response())
        }
    }))
    .await;
    let (response, conn) = get(addr, "/", &[]).await;
    let mut events = decode(response, false);
    assert_eq!(next_event(&mut events).await.data(), "only");
    drop((events, conn));
    let dropped = within("server drops the stream", dropped).await;
    assert!(dropped.is_err(), "the guard was sent, not dropped");
}

/// The first request streams the items sent on `tx`; later ones stream `"fine"` and end.
async fn fed_server<T>() -> (std::net::SocketAddr, mpsc::Sender<T>)
where
    T: sse_hyper::SseItem + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<T>(1);
    let rx = Once::new(rx);
    let addr = serve(service_fn(move |_req| {
        let rx = rx.take();
        async move {
            let response = match rx {
                Some(rx) => Sse::new(channel_stream(rx))
                    .into_response()
                    .map(Either::Left),
                None => Sse::new(stream::iter(["fine"]))
                    .into_response()
                    .map(Either::Right),
            };
            Ok::<_, Infallible>(response)
        }
    }))
    .await;
    (addr, tx)
}

/// After a failure the response ends (early, or with an error) and the server goes on.
async fn ends_then_serves_on(
    addr: std::net::SocketAddr,
    events: &mut sse_hyper::EventStream<Incoming>,
) {
    match next(events).await {
        None | Some(Err(ClientError::Body(_))) => {}
        other => panic!("expected the body to end, got {other:?}"),
    }
    let (response, _conn) = get(addr, "/", &[]).await;
    let mut events = decode(response, false);
    assert_eq!(next_event(&mut events).await.data(), "fine");
    assert!(next(&mut events).await.is_none());
}

#[tokio::test]
async fn stream_error_ends_the_response_and_the_server_goes_on() {
    let (addr, tx) = fed_server::<Result<&'static str, std::io::Error>>().await;
    let (response, _conn) = get(addr, "/", &[]).await;
    let mut events = decode(response, false);
    feed(&tx, Ok("before")).await;
    assert_eq!(next_event(&mut events).await.data(), "before");
    feed(&tx, Err(std::io::Error::other("broken"))).await;
    ends_then_serves_on(addr, &mut events).await;
}

#[tokio::test]
async fn invalid_event_ends_the_response_and_the_server_goes_on() {
    let (addr, tx) = fed_server::<(&'static str, &'static str)>().await;
    let (response, _conn) = get(addr, "/", &[]).await;
    let mut events = decode(response, false);
    feed(&tx, ("ok", "1")).await;
    assert_eq!(next_event(&mut events).await.data(), "1");
    feed(&tx, ("bad\ntype", "2")).await;
    ends_then_serves_on(addr, &mut events).await;
}
