//! # sse-hyper
//!
//! Server-Sent Events for anything built on `http-body` 1 (hyper, tower, axum, warp…): thin
//! glue over [`sse_core`], which writes and reads every byte of the protocol.
//!
//! Server side:
//! - [`Sse`] turns a [`Stream`](futures_core::Stream) of [`SseItem`]s (strings,
//!   `(event type, data)` pairs, [`Event`]s, JSON, or `Result`s of them) into an
//!   `http::Response` with an [`SseBody`]: status 200, the event-stream headers
//!   ([`set_headers`]), one frame per event, and a keep-alive comment while idle
//!   ([`KeepAlive`], timed by a [`Timer`]; `TokioTimer` with feature `tokio`).
//! - [`last_event_id`] reads and checks a reconnecting client's `Last-Event-ID`.
//!
//! Client side:
//! - [`check_response`] tells an event stream from a 204 "stop" or anything else.
//! - [`EventStream`] decodes any response body with sse-core's [`Decoder`].
//!
//! A handler for any `http-body` stack, resuming after the client's `Last-Event-ID`:
//!
//! ```
//! # #[cfg(feature = "tokio")] {
//! use futures_util::stream::{self, Stream, StreamExt};
//! use http::{Request, Response, StatusCode};
//! use sse_hyper::{Event, EventError, Sse, SseBody, TokioTimer, last_event_id};
//!
//! type Item = Result<Event<'static>, EventError>;
//!
//! async fn ticks<B>(
//!     request: Request<B>,
//! ) -> Result<Response<SseBody<impl Stream<Item = Item>, TokioTimer>>, StatusCode> {
//!     let last = last_event_id(request.headers()).map_err(|_| StatusCode::BAD_REQUEST)?;
//!     let first = last.and_then(|id| id.parse::<u64>().ok()).map_or(1, |n| n + 1);
//!     let events = stream::iter(first..first + 3)
//!         .map(|n| Ok(Event::new().with_id(n.to_string())?.with_data(format!("tick {n}"))));
//!     Ok(Sse::new(events).into_response())
//! }
//! # let request = Request::builder().header("last-event-id", "41").body(()).unwrap();
//! # let response = tokio::runtime::Runtime::new().unwrap().block_on(ticks(request)).unwrap();
//! # assert_eq!(response.headers()["content-type"], "text/event-stream");
//! # }
//! ```
//!
//! To serve it with hyper, see `examples/clock.rs`.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `tokio` | yes | `TokioTimer`, `Sse::new`, `SseBody::new` (keep-alive on tokio's clock) |
//! | `serde` | no | `Json` and `serde_json::Value` stream items |
//!
//! ## Re-exports
//!
//! The sse-core types that this crate's own signatures name (`Event`, `EventError`,
//! `EncodeError`, `EncodedEvent`, `Json`, `Decoder`, `Decoded`, `DecodeError`) are at its
//! root, so a user of this crate alone can name them; everything else of the protocol is at
//! [`sse_core`] (`sse_hyper::sse_core::Limits`), the same crate at the same version.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod check;
mod client;
mod item;
mod keep_alive;
mod last_event_id;
mod response;

pub use body::SseBody;
pub use check::{ResponseError, check_response};
pub use client::{ClientError, EventStream};
pub use item::{BodyError, BoxError, SseItem};
#[cfg(feature = "tokio")]
pub use keep_alive::TokioTimer;
pub use keep_alive::{KeepAlive, Timer};
pub use last_event_id::{LAST_EVENT_ID, LastEventIdError, last_event_id};
pub use response::{Sse, X_ACCEL_BUFFERING, set_headers};
// The protocol crate, for everything not re-exported below (`sse_hyper::sse_core::Limits`).
pub use sse_core;
#[cfg(feature = "serde")]
pub use sse_core::Json;
pub use sse_core::{DecodeError, Decoded, Decoder, EncodeError, EncodedEvent, Event, EventError};

#[cfg(all(test, feature = "tokio"))]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>() {}

    /// Stacks that box bodies as `Send + Sync` (warp, tower's `BoxBody`) can take ours.
    #[test]
    fn body_is_send_and_sync_when_its_stream_is() {
        send_sync::<SseBody<futures_util::stream::Iter<std::vec::IntoIter<String>>, TokioTimer>>();
        send_sync::<KeepAlive>();
        send_sync::<BodyError>();
        send_sync::<ClientError>();
    }
}
