//! # ssekit-warp
//!
//! Server-Sent Events for warp 0.4, as thin glue over [`ssekit_hyper`] (the body, keep-alive and
//! headers) and `ssekit-core` (every byte of the protocol).
//!
//! - [`reply`]: any [`Stream`](futures_core::Stream) of [`SseItem`]s as a reply, with
//!   [`KeepAlive`].
//! - [`last_event_id`]: a filter extracting a reconnecting client's `Last-Event-ID`, and
//!   [`recover`], which answers a malformed one with 400.
//!
//! A route that resumes after the client's last event:
//!
//! ```
//! use futures_util::stream::{self, StreamExt};
//! use ssekit_warp::Event;
//! use warp::Filter;
//!
//! let events = warp::path("events")
//!     .and(ssekit_warp::last_event_id())
//!     .map(|last: Option<String>| {
//!         let next = last.and_then(|id| id.parse::<u64>().ok()).map_or(1, |n| n + 1);
//!         let events = stream::iter(next..).map(|n| {
//!             Ok::<_, ssekit_warp::EventError>(
//!                 Event::new().with_event_type("tick")?.with_id(n)?.with_data(format!("tick {n}")),
//!             )
//!         });
//!         ssekit_warp::reply(events)
//!     })
//!     .recover(ssekit_warp::recover);
//! # drop(warp::serve(events));
//! ```
//!
//! See `examples/clock.rs` for a running server.
//!
//! ## JSON (feature `serde`)
//!
//! With the `serde` feature a stream may yield `Json(value)` of any `serde::Serialize` value,
//! or a `serde_json::Value`: each is one data-only event whose data is the value as JSON,
//! written by ssekit-core without an intermediate `String`.
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use futures_util::stream;
//! use ssekit_warp::Json;
//! use warp::Filter;
//!
//! #[derive(serde::Serialize)]
//! struct Price {
//!     symbol: &'static str,
//!     cents: u64,
//! }
//!
//! let prices = warp::path("prices").map(|| {
//!     ssekit_warp::reply(stream::iter([Json(Price { symbol: "ACME", cents: 1999 })]))
//! });
//! # drop(warp::serve(prices));
//! # }
//! ```
//!
//! ## Errors end the reply cleanly
//!
//! A stream of `Result`s sends each `Ok` item as an event; the first `Err` (any error that
//! converts into [`ssekit_hyper::BoxError`]) ends the reply there, as does an item that cannot
//! be an event (e.g. an event type with a line break). Every event before it reaches the
//! client, the response ends normally, and the reason ([`BodyError`]) is logged with
//! `tracing` at level `ERROR` for the operator. Nothing panics and the server goes on; a
//! browser's `EventSource` reconnects as after any ended stream, with its `Last-Event-ID`.
//! Here the client gets `"sent"`:
//!
//! ```
//! use futures_util::stream;
//! use warp::Filter;
//!
//! let lines = warp::path("lines").map(|| {
//!     let lines = [Ok("sent"), Err(std::io::Error::other("disk gone")), Ok("never sent")];
//!     ssekit_warp::reply(stream::iter(lines))
//! });
//! # drop(warp::serve(lines));
//! ```
//!
//! ## Compression
//!
//! `.with(warp::compression::gzip())` on an event-stream route still delivers events one by
//! one (tested): the gzip encoder is flushed whenever the stream waits for its next item.
//! Note that warp's compression filters compress whether or not the request's
//! `Accept-Encoding` allows it, so only put them in front of routes whose clients accept gzip
//! (browsers' `EventSource` does).
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `serde` | no | `Json<T>` and `serde_json::Value` stream items (ssekit-hyper's `serde`) |
//!
//! ## Re-exports
//!
//! What a route names is at this crate's root: the event types and items (`Event`,
//! `EventError`, `EncodedEvent`, `SseItem`, `Json`), `KeepAlive`, and the errors. The rest is
//! in `ssekit_hyper` (HTTP) and `ssekit_core` (the protocol).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod filter;
mod reply;

// Re-exports: what a route's code names (the event types and items, keep-alive, errors),
// so a route needs no other dependency; everything else is in `ssekit_hyper` and `ssekit_core`.
pub use filter::{InvalidLastEventId, last_event_id, recover};
pub use reply::{SseReply, reply};
#[cfg(feature = "serde")]
pub use ssekit_hyper::Json;
pub use ssekit_hyper::{
    BodyError, EncodedEvent, Event, EventError, KeepAlive, LastEventIdError, SseItem,
};

#[cfg(test)]
mod tests {
    use super::*;

    /// warp needs replies to be `Send`; the stream need not be `Sync`.
    #[test]
    fn reply_is_send_for_send_but_unsync_streams() {
        fn send<T: Send>(_: &T) {}
        let unsync = std::cell::Cell::new(0);
        use futures_util::StreamExt;
        let stream = futures_util::stream::iter([("n", String::new())]).map(move |item| {
            unsync.set(unsync.get() + 1);
            item
        });
        send(&reply(stream));
    }
}
