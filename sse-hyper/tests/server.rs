//! ssekit-hyper behind a real hyper server, read by a real hyper client and ssekit-core's decoder.
//! What the client must see is in `support`, shared with the other adapters' tests.

mod common;
mod support;

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use common::*;
use futures_util::stream;
use http::{Request, Response};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use ssekit_hyper::{
    Event, EventError, KeepAlive, Sse, SseBody, SseItem, TokioTimer, last_event_id,
};
use support::*;
use tokio::sync::mpsc;

#[tokio::test]
async fn headers_are_set_and_connection_is_not() {
    let addr = serve(service_fn(|_req| async {
        Ok::<_, Infallible>(Sse::new(stream::iter(["hello"])).into_response())
    }))
    .await;
    let (response, _conn) = get(addr, "/", &[]).await;
    expect_hello(response).await;
}

#[tokio::test]
async fn http2_response_streams_without_connection_header() {
    let addr = serve(service_fn(|_req| async {
        Ok::<_, Infallible>(Sse::new(stream::iter(GREETINGS)).into_response())
    }))
    .await;
    expect_greetings_over_h2(addr, "/").await;
}

#[tokio::test]
async fn many_events_arrive_in_order_with_line_breaks_normalised() {
    let addr = serve(service_fn(|_req| async {
        Ok::<_, Infallible>(Sse::new(numbered()).into_response())
    }))
    .await;
    let (response, _conn) = get(addr, "/", &[]).await;
    expect_numbered(response).await;
}

#[tokio::test]
async fn idle_stream_sends_keep_alive_comments() {
    let addr = serve(service_fn(|_req| async {
        let keep_alive = KeepAlive::new().with_interval(QUICK);
        let events = then_idle(vec!["first"]);
        Ok::<_, Infallible>(Sse::new(events).with_keep_alive(keep_alive).into_response())
    }))
    .await;
    let (response, _conn) = get(addr, "/", &[]).await;
    expect_first_then_keep_alives(response).await;
}

type Reply<S> = Response<Either<SseBody<S, TokioTimer>, Full<Bytes>>>;

/// Events with ids counting up after the request's `Last-Event-ID`; reports what it saw.
/// A malformed header is answered with `LastEventIdError::to_response`.
async fn resuming(
    request: Request<Incoming>,
    seen: mpsc::UnboundedSender<Option<String>>,
) -> Result<Reply<impl futures_util::Stream<Item = Result<Event<'static>, EventError>>>, Infallible>
{
    let last = match last_event_id(request.headers()) {
        Ok(last) => last.map(str::to_owned),
        Err(e) => {
            return Ok(e
                .to_response()
                .map(|reason| Either::Right(Full::from(reason))));
        }
    };
    let _ = seen.send(last.clone());
    Ok(Sse::new(resumed_after(last))
        .into_response()
        .map(Either::Left))
}

#[tokio::test]
async fn last_event_id_round_trip() {
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let addr = serve(service_fn(move |req| resuming(req, seen_tx.clone()))).await;
    expect_resumption(addr, &mut seen).await;
}

#[tokio::test]
async fn malformed_last_event_id_is_refused_with_a_reason() {
    let (seen_tx, _seen) = mpsc::unbounded_channel();
    let addr = serve(service_fn(move |req| resuming(req, seen_tx.clone()))).await;
    expect_malformed_id_refused(addr).await;
}

#[tokio::test]
async fn client_disconnect_drops_the_stream() {
    let (guard, dropped) = drop_flag();
    let guard = Once::new(guard);
    let addr = serve(service_fn(move |_req| {
        let events = owning(then_idle(vec!["only"]), guard.take());
        async move { Ok::<_, Infallible>(Sse::new(events).into_response()) }
    }))
    .await;
    expect_drop_on_disconnect(addr, dropped).await;
}

/// `/fail` streams the items sent on the returned channel, `/burst` streams [`burst`]; any
/// other path `"fine"`.
async fn fed_server<T>() -> (SocketAddr, mpsc::Sender<T>)
where
    T: SseItem + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<T>(1);
    let rx = Once::new(rx);
    let addr = serve(service_fn(move |req: Request<Incoming>| {
        let response = match req.uri().path() {
            "/fail" => Sse::new(fed(&rx)).into_response().map(Either::Left),
            "/burst" => Sse::new(stream::iter(burst()))
                .into_response()
                .map(|body| Either::Right(Either::Left(body))),
            _ => Sse::new(stream::iter(["fine"]))
                .into_response()
                .map(|body| Either::Right(Either::Right(body))),
        };
        async move { Ok::<_, Infallible>(response) }
    }))
    .await;
    (addr, tx)
}

#[tokio::test]
async fn stream_error_ends_the_response_and_the_server_goes_on() {
    let (addr, tx) = fed_server::<Fallible>().await;
    expect_failure_ends_the_response(addr, &tx, (Ok("before"), "before"), broken()).await;
}

#[tokio::test]
async fn events_before_a_stream_error_arrive_then_a_clean_end() {
    let (addr, _tx) = fed_server::<Fallible>().await;
    expect_events_before_an_error_then_a_clean_end(addr).await;
}

#[tokio::test]
async fn invalid_event_ends_the_response_and_the_server_goes_on() {
    let (addr, tx) = fed_server::<(&'static str, &'static str)>().await;
    expect_failure_ends_the_response(addr, &tx, (("ok", "1"), "1"), ("bad\ntype", "2")).await;
}

#[tokio::test]
async fn split_events_arrive_whole() {
    let payload = |n: u8| Bytes::from(vec![b'a' + n; 64 * 1024]);
    let addr = serve(service_fn(move |_req| async move {
        let events = (0..3u8).map(move |n| {
            Event::new()
                .with_event_type("blob")?
                .with_id(n)?
                .with_shared_data(payload(n))
        });
        Ok::<_, Infallible>(Sse::new(stream::iter(events)).into_response())
    }))
    .await;
    let (response, _conn) = get(addr, "/", &[]).await;
    let mut events = decode(response, false);
    for n in 0..3u8 {
        let event = next_event(&mut events).await;
        assert_eq!(event.event_type(), "blob");
        assert_eq!(event.last_event_id(), n.to_string());
        assert_eq!(event.data().as_bytes(), &payload(n)[..]);
    }
    assert!(next(&mut events).await.is_none());
}
