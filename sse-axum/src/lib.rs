//! # ssekit-axum
//!
//! Server-Sent Events for axum 0.8, as thin glue over [`ssekit_hyper`] (the body, keep-alive
//! and headers) and `ssekit-core` (every byte of the protocol).
//!
//! - [`Sse`]: any [`Stream`](futures_core::Stream) of [`SseItem`]s as a response, with
//!   [`KeepAlive`].
//! - [`LastEventId`]: the extractor for a reconnecting client's `Last-Event-ID`.
//!
//! A handler that resumes after the client's last event:
//!
//! ```
//! use axum::{Router, routing::get};
//! use futures_util::stream::{self, Stream, StreamExt};
//! use ssekit_axum::{Event, EventError, LastEventId, Sse};
//!
//! async fn events(LastEventId(last): LastEventId) -> Sse<impl Stream<Item = Result<Event<'static>, EventError>>> {
//!     let next = last.and_then(|id| id.parse::<u64>().ok()).map_or(1, |n| n + 1);
//!     let events = stream::iter(next..).map(|n| {
//!         Ok(Event::new().with_event_type("tick")?.with_id(n)?.with_data(format!("tick {n}")))
//!     });
//!     Sse::new(events) // keep-alive is on: a comment every 15 s of silence
//! }
//!
//! let app: Router = Router::new().route("/events", get(events));
//! ```
//!
//! See `examples/notifications.rs` for a live feed in the browser.
//!
//! ## JSON (feature `serde`)
//!
//! With the `serde` feature a stream may yield `Json(value)` of any `serde::Serialize` value,
//! or a `serde_json::Value`: each is one data-only event whose data is the value as JSON,
//! written by ssekit-core without an intermediate `String`.
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use axum::{Router, routing::get};
//! use futures_util::stream::{self, Stream};
//! use ssekit_axum::{Json, Sse};
//!
//! #[derive(serde::Serialize)]
//! struct Price {
//!     symbol: &'static str,
//!     cents: u64,
//! }
//!
//! async fn prices() -> Sse<impl Stream<Item = Json<Price>>> {
//!     Sse::new(stream::iter([Json(Price { symbol: "ACME", cents: 1999 })]))
//! }
//!
//! let app: Router = Router::new().route("/prices", get(prices));
//! # }
//! ```
//!
//! ## Errors end the response cleanly
//!
//! A stream of `Result`s sends each `Ok` item as an event; the first `Err` (any error that
//! converts into [`ssekit_hyper::BoxError`]) ends the response there, as does an item that
//! cannot be an event (e.g. an event type with a line break). Every event before it reaches
//! the client, the response ends normally, and the reason ([`BodyError`]) is logged with
//! `tracing` at level `ERROR` for the operator. Nothing panics and the server goes on; a
//! browser's `EventSource` reconnects as after any ended stream, with its `Last-Event-ID`.
//! Here the client gets `"sent"`:
//!
//! ```
//! use axum::{Router, routing::get};
//! use futures_util::stream::{self, Stream};
//! use ssekit_axum::Sse;
//!
//! async fn lines() -> Sse<impl Stream<Item = Result<&'static str, std::io::Error>>> {
//!     let lines = [Ok("sent"), Err(std::io::Error::other("disk gone")), Ok("never sent")];
//!     Sse::new(stream::iter(lines))
//! }
//!
//! let app: Router = Router::new().route("/lines", get(lines));
//! ```
//!
//! ## When a handler does not compile
//!
//! `Sse::new` checks its stream's items, so a wrong item type is reported where the
//! response is made, by name: "`u64` cannot be an item of an SSE stream", with the list of
//! item types that work. Other mistakes in a handler (an extractor that is not one, a
//! future that is not `Send`) give axum's generic "the trait `Handler<_, _>` is not
//! implemented": put `#[axum::debug_handler]` (axum's `macros` feature) on the handler to
//! see the real cause.
//!
//! ## Coming from `axum::response::sse`
//!
//! | | `axum::response::sse` | `ssekit_axum` |
//! |---|---|---|
//! | keep-alive | off unless `.keep_alive(KeepAlive::new())` | on by default (every 15 s); `.with_keep_alive(KeepAlive::disabled())` turns it off |
//! | event type | `Event::default().event("x")` (panics on a line break, or when set twice) | `Event::new().with_event_type("x")?` (a line break is an `Err`; set twice, the last wins) |
//! | id | `.id("7")` (panics on a line break or NUL) | `.with_id(7)?` (any integer, no allocation; a line break or NUL is an `Err`) |
//! | data | `.data(..)`, `.json_data(..)?` | `.with_data(..)`, `.with_json_data(..)?` (feature `serde`) |
//! | comment | `.comment(..)` (panics on a line break) | `.with_comment(..)`: each line becomes its own comment line |
//! | stream items | `Result<Event, E>` | strings, `(type, data)` pairs, `Event`, `EncodedEvent`, JSON, or `Result`s of them |
//! | a stream error | the connection is cut (events already yielded may be lost) | the response ends cleanly after them; the error is logged |
//! | headers | `Content-Type`, `Cache-Control` | the same, plus `X-Accel-Buffering: no` (`.with_proxy_buffering_header(false)` leaves it out) |
//! | CRLF in data | split into extra empty lines | one line break, as the standard says |
//! | `Last-Event-ID` | read the header yourself | the [`LastEventId`] extractor (a malformed one is a 400) |
//!
//! ## Compression
//!
//! Behind tower-http's `CompressionLayer` events still go out one by one. Its default
//! predicate leaves `text/event-stream` uncompressed; forced on (`compress_when`), gzip is
//! flushed after every event. Both are tested.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `serde` | no | `Json<T>` and `serde_json::Value` stream items (ssekit-hyper's `serde`) |
//! | `server` | no | `server`: ssekit-hyper's ready server, for a `Router` |
//! | `server-tls` | no | `server::Tls`: HTTPS with HTTP/2 (ssekit-hyper's `server-tls`) |
//!
//! ## Serving (feature `server`)
//!
//! `axum::serve` has no timeout for a client that stops reading, nor a shutdown that
//! ends while such a client holds a stream. ssekit-hyper's `server::Server` serves a
//! `Router` as it is, one line instead of `axum::serve`, with defaults for event
//! streams (see `server::ServerConfig`):
//!
//! ```no_run
//! # #[cfg(feature = "server")]
//! # async fn run(app: axum::Router, hub: ssekit_hub::Hub) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! // axum::serve(listener, app).await?;
//! ssekit_axum::server::Server::from_listener(listener)
//!     .on_shutdown(move || hub.close()) // SIGTERM or SIGINT: every event stream ends
//!     .serve(app)
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Re-exports
//!
//! What a handler names is at this crate's root: the event types and items (`Event`,
//! `EventError`, `EncodedEvent`, `SseItem`, `Json`), `KeepAlive`, and the errors. The rest is
//! in `ssekit_hyper` (HTTP) and `ssekit_core` (the protocol).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod last_event_id;
mod sse;

// Re-exports: what a handler's code names (the event types and items, keep-alive, errors),
// so a handler needs no other dependency; everything else is in `ssekit_hyper` and `ssekit_core`.
pub use last_event_id::{LastEventId, LastEventIdRejection};
pub use sse::Sse;
#[cfg(feature = "serde")]
pub use ssekit_hyper::Json;
/// ssekit-hyper's ready server for event-stream apps (a `Router` is a tower `Service`).
#[cfg(feature = "server")]
pub use ssekit_hyper::server;
pub use ssekit_hyper::{
    BodyError, EncodedEvent, Event, EventError, KeepAlive, LastEventIdError, SseItem,
};

/// The workspace README's examples (axum, encoding, decoding), compiled and run as doc tests
/// here, where axum and ssekit-core are both at hand.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    /// axum needs handlers' futures, so their `Sse` responses, to be `Send`.
    #[test]
    fn sse_is_send_for_send_streams() {
        fn send<T: Send>(_: &T) {}
        send(&Sse::new(futures_util::stream::empty::<Event<'static>>()));
    }
}
