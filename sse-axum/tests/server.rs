//! ssekit-axum behind a real axum server, read by a real hyper client and ssekit-core's decoder.
//! What the client must see is in ssekit-hyper's `tests/support`, shared by the adapters.

mod common;
#[path = "../../sse-hyper/tests/support/mod.rs"]
mod support;

use axum::Router;
use axum::extract::State;
use axum::routing::get as route;
use common::*;
use futures_util::stream::{self, Stream};
use ssekit_axum::{Event, EventError, KeepAlive, LastEventId, Sse, SseItem};
use support::*;
use tokio::sync::{mpsc, oneshot};

#[tokio::test]
async fn headers_are_set_and_connection_is_not() {
    let app = Router::new().route("/", route(|| async { Sse::new(stream::iter(["hello"])) }));
    let (response, _conn) = get(serve(app).await, "/", &[]).await;
    expect_hello(response).await;
}

#[tokio::test]
async fn http2_response_streams_without_connection_header() {
    let app = Router::new().route("/", route(|| async { Sse::new(stream::iter(GREETINGS)) }));
    expect_greetings_over_h2(serve(app).await, "/").await;
}

#[tokio::test]
async fn many_events_arrive_in_order_with_line_breaks_normalised() {
    let app = Router::new().route("/", route(|| async { Sse::new(numbered()) }));
    let (response, _conn) = get(serve(app).await, "/", &[]).await;
    expect_numbered(response).await;
}

#[tokio::test]
async fn idle_stream_sends_keep_alive_comments() {
    let app = Router::new().route(
        "/",
        route(|| async {
            Sse::new(then_idle(vec!["first"]))
                .with_keep_alive(KeepAlive::new().with_interval(QUICK))
        }),
    );
    let (response, _conn) = get(serve(app).await, "/", &[]).await;
    expect_first_then_keep_alives(response).await;
}

/// Events with ids counting up after `Last-Event-ID`; reports the id it saw.
async fn resuming(
    State(seen): State<mpsc::UnboundedSender<Option<String>>>,
    LastEventId(last): LastEventId,
) -> Sse<impl Stream<Item = Result<Event<'static>, EventError>>> {
    let _ = seen.send(last.clone());
    Sse::new(resumed_after(last))
}

#[tokio::test]
async fn last_event_id_round_trip() {
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/", route(resuming))
        .with_state(seen_tx);
    expect_resumption(serve(app).await, &mut seen).await;
}

#[tokio::test]
async fn malformed_last_event_id_is_a_400_with_a_reason() {
    let (seen_tx, _seen) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/", route(resuming))
        .with_state(seen_tx);
    expect_malformed_id_refused(serve(app).await).await;
}

#[tokio::test]
async fn client_disconnect_drops_the_stream() {
    let (guard, dropped) = drop_flag();
    let handler = |State(guard): State<Once<oneshot::Sender<()>>>| async move {
        Sse::new(owning(then_idle(vec!["only"]), guard.take()))
    };
    let app = Router::new()
        .route("/", route(handler))
        .with_state(Once::new(guard));
    expect_drop_on_disconnect(serve(app).await, dropped).await;
}

/// `/fail` streams the items sent on the returned channel, `/burst` streams [`burst`];
/// `/ok` streams `"fine"`.
async fn fed_app<T: SseItem + Send + 'static>() -> (std::net::SocketAddr, mpsc::Sender<T>) {
    let (tx, rx) = mpsc::channel::<T>(1);
    let app = Router::new()
        .route(
            "/fail",
            route(|State(rx): State<Once<mpsc::Receiver<T>>>| async move { Sse::new(fed(&rx)) }),
        )
        .route(
            "/burst",
            route(|| async { Sse::new(stream::iter(burst())) }),
        )
        .route("/ok", route(|| async { Sse::new(stream::iter(["fine"])) }))
        .with_state(Once::new(rx));
    (serve(app).await, tx)
}

#[tokio::test]
async fn stream_error_ends_the_response_and_the_server_goes_on() {
    let (addr, tx) = fed_app::<Fallible>().await;
    expect_failure_ends_the_response(addr, &tx, (Ok("before"), "before"), broken()).await;
}

#[tokio::test]
async fn events_before_a_stream_error_arrive_then_a_clean_end() {
    let (addr, _tx) = fed_app::<Fallible>().await;
    expect_events_before_an_error_then_a_clean_end(addr).await;
}

#[tokio::test]
async fn invalid_event_ends_the_response_and_the_server_goes_on() {
    let (addr, tx) = fed_app::<(&'static str, &'static str)>().await;
    expect_failure_ends_the_response(addr, &tx, (("ok", "1"), "1"), ("bad\ntype", "2")).await;
}
