//! # sse-axum
//!
//! Server-Sent Events for axum 0.8, as thin glue over [`sse_hyper`] (the body, keep-alive
//! and headers) and `sse-core` (every byte of the protocol).
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
//! use sse_axum::{Event, EventError, LastEventId, Sse};
//!
//! async fn events(LastEventId(last): LastEventId) -> Sse<impl Stream<Item = Result<Event<'static>, EventError>>> {
//!     let next = last.and_then(|id| id.parse::<u64>().ok()).map_or(1, |n| n + 1);
//!     let events = stream::iter(next..).map(|n| {
//!         Event::new().event_type("tick")?.id(n.to_string()).map(|e| e.data(format!("tick {n}")))
//!     });
//!     Sse::new(events)
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
//! written by sse-core without an intermediate `String`.
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use axum::{Router, routing::get};
//! use futures_util::stream::{self, Stream};
//! use sse_axum::{Json, Sse};
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
//! ## Errors end the response
//!
//! A stream of `Result`s sends each `Ok` item as an event; the first `Err` (any error that
//! converts into [`sse_hyper::BoxError`]) ends the response there: the body fails with
//! [`BodyError::Stream`] and the client sees the connection end, as it does after an item
//! that cannot be an event ([`BodyError::Event`], e.g. an event type with a line break).
//! Nothing panics and the server goes on; a browser's `EventSource` reconnects as after any
//! dropped connection, with its `Last-Event-ID`. To end cleanly, end the stream.
//!
//! ```
//! use axum::{Router, routing::get};
//! use futures_util::stream::{self, Stream};
//! use sse_axum::Sse;
//!
//! async fn lines() -> Sse<impl Stream<Item = Result<&'static str, std::io::Error>>> {
//!     let lines = [Ok("sent"), Err(std::io::Error::other("disk gone")), Ok("never sent")];
//!     Sse::new(stream::iter(lines))
//! }
//!
//! let app: Router = Router::new().route("/lines", get(lines));
//! ```
//!
//! ## Compression
//!
//! Behind tower-http's `CompressionLayer` events still go out one by one. Its default
//! predicate leaves `text/event-stream` uncompressed; forced on (`compress_when`), gzip is
//! flushed after every event. Both are tested.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod last_event_id;
mod sse;

pub use last_event_id::{LastEventId, LastEventIdRejection};
pub use sse::Sse;
#[cfg(feature = "serde")]
pub use sse_hyper::Json;
pub use sse_hyper::{BodyError, Event, EventError, KeepAlive, LastEventIdError, SseItem};

/// The workspace README's examples (axum, encoding, decoding), compiled and run as doc tests
/// here, where axum and sse-core are both at hand.
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
