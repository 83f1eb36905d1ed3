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
#![cfg_attr(docsrs, feature(doc_cfg))]

mod last_event_id;
mod sse;

pub use last_event_id::{LastEventId, LastEventIdRejection};
pub use sse::Sse;
#[cfg(feature = "serde")]
pub use sse_hyper::Json;
pub use sse_hyper::{BodyError, Event, EventError, KeepAlive, LastEventIdError, SseItem};

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
