//! # sse-warp
//!
//! Server-Sent Events for warp 0.4, as thin glue over [`sse_hyper`] (the body, keep-alive and
//! headers) and `sse-core` (every byte of the protocol).
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
//! use sse_warp::Event;
//! use warp::Filter;
//!
//! let events = warp::path("events")
//!     .and(sse_warp::last_event_id())
//!     .map(|last: Option<String>| {
//!         let next = last.and_then(|id| id.parse::<u64>().ok()).map_or(1, |n| n + 1);
//!         let events = stream::iter(next..).map(|n| {
//!             Event::new().event_type("tick")?.id(n.to_string()).map(|e| e.data(format!("tick {n}")))
//!         });
//!         sse_warp::reply(events)
//!     })
//!     .recover(sse_warp::recover);
//! # drop(warp::serve(events));
//! ```
//!
//! See `examples/clock.rs` for a running server.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod filter;
mod reply;

pub use filter::{InvalidLastEventId, last_event_id, recover};
pub use reply::{SseReply, reply};
#[cfg(feature = "serde")]
pub use sse_hyper::Json;
pub use sse_hyper::{BodyError, Event, EventError, KeepAlive, LastEventIdError, SseItem};

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
