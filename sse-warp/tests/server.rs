//! ssekit-warp behind a real warp server, read by a real hyper client and ssekit-core's decoder.
//! What the client must see is in ssekit-hyper's `tests/support`, shared by the adapters.

mod common;
#[path = "../../sse-hyper/tests/support/mod.rs"]
mod support;

use std::net::SocketAddr;

use common::*;
use futures_util::stream;
use ssekit_warp::{KeepAlive, SseItem};
use support::*;
use tokio::sync::mpsc;
use warp::Filter;

#[tokio::test]
async fn headers_are_set_and_connection_is_not() {
    let route = warp::path::end().map(|| ssekit_warp::reply(stream::iter(["hello"])));
    let (response, _conn) = get(serve(route).await, "/", &[]).await;
    expect_hello(response).await;
}

#[tokio::test]
async fn http2_response_streams_without_connection_header() {
    let route = warp::path::end().map(|| ssekit_warp::reply(stream::iter(GREETINGS)));
    expect_greetings_over_h2(serve(route).await, "/").await;
}

#[tokio::test]
async fn many_events_arrive_in_order_with_line_breaks_normalised() {
    let route = warp::path::end().map(|| ssekit_warp::reply(numbered()));
    let (response, _conn) = get(serve(route).await, "/", &[]).await;
    expect_numbered(response).await;
}

#[tokio::test]
async fn idle_stream_sends_keep_alive_comments() {
    let route = warp::path::end().map(|| {
        ssekit_warp::reply(then_idle(vec!["first"]))
            .with_keep_alive(KeepAlive::new().with_interval(QUICK))
    });
    let (response, _conn) = get(serve(route).await, "/", &[]).await;
    expect_first_then_keep_alives(response).await;
}

/// A route streaming events with ids counting up after `Last-Event-ID`; reports what it saw.
fn resuming(
    seen: mpsc::UnboundedSender<Option<String>>,
) -> impl Filter<Extract = (impl warp::Reply,), Error = warp::Rejection> + Clone {
    ssekit_warp::last_event_id()
        .map(move |last: Option<String>| {
            let _ = seen.send(last.clone());
            ssekit_warp::reply(resumed_after(last))
        })
        .recover(ssekit_warp::recover)
}

#[tokio::test]
async fn last_event_id_round_trip() {
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    expect_resumption(serve(resuming(seen_tx)).await, &mut seen).await;
}

#[tokio::test]
async fn malformed_last_event_id_is_a_400_with_a_reason() {
    let (seen_tx, _seen) = mpsc::unbounded_channel();
    expect_malformed_id_refused(serve(resuming(seen_tx)).await).await;
}

#[tokio::test]
async fn client_disconnect_drops_the_stream() {
    let (guard, dropped) = drop_flag();
    let guard = Once::new(guard);
    let route = warp::path::end()
        .map(move || ssekit_warp::reply(owning(then_idle(vec!["only"]), guard.take())));
    expect_drop_on_disconnect(serve(route).await, dropped).await;
}

/// `/fail` streams the items sent on the returned channel, `/burst` streams [`burst`];
/// `/ok` streams `"fine"`.
async fn fed_route<T: SseItem + Send + 'static>() -> (SocketAddr, mpsc::Sender<T>) {
    let (tx, rx) = mpsc::channel::<T>(1);
    let rx = Once::new(rx);
    let route = warp::path("fail")
        .map(move || ssekit_warp::reply(fed(&rx)))
        .or(warp::path("burst").map(|| ssekit_warp::reply(stream::iter(burst()))))
        .or(warp::path("ok").map(|| ssekit_warp::reply(stream::iter(["fine"]))));
    (serve(route).await, tx)
}

#[tokio::test]
async fn stream_error_ends_the_response_and_the_server_goes_on() {
    let (addr, tx) = fed_route::<Fallible>().await;
    expect_failure_ends_the_response(addr, &tx, (Ok("before"), "before"), broken()).await;
}

#[tokio::test]
async fn events_before_a_stream_error_arrive_then_a_clean_end() {
    let (addr, _tx) = fed_route::<Fallible>().await;
    expect_events_before_an_error_then_a_clean_end(addr).await;
}

#[tokio::test]
async fn invalid_event_ends_the_response_and_the_server_goes_on() {
    let (addr, tx) = fed_route::<(&'static str, &'static str)>().await;
    expect_failure_ends_the_response(addr, &tx, (("ok", "1"), "1"), ("bad\ntype", "2")).await;
}
