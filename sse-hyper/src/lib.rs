//! # ssekit-hyper
//!
//! Server-Sent Events for anything built on `http-body` 1 (hyper, tower, axum, warp…): thin
//! glue over [`ssekit_core`], which writes and reads every byte of the protocol.
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
//! - `EventSource` (feature `client`) connects, reconnects and resumes as a browser's
//!   `EventSource` does (the WHATWG processing model), over hyper-util's client or any tower
//!   `Service`; see [below](#a-reconnecting-client).
//! - For your own HTTP client, its pieces work alone: [`set_request_headers`] (`Accept`,
//!   `Cache-Control`, `Last-Event-ID`), [`check_response`] (an event stream, a 204 "stop",
//!   or what came instead), [`EventStream`] (any response body decoded with ssekit-core's
//!   [`Decoder`]), and [`Backoff`] with a [`Reconnect`] policy and [`retry_after`] (how long
//!   to wait before the next attempt).
//!
//! A handler for any `http-body` stack, resuming after the client's `Last-Event-ID`:
//!
//! ```
//! # #[cfg(feature = "tokio")] {
//! use futures_util::stream::{self, Stream, StreamExt};
//! use http::{Request, Response, StatusCode};
//! use ssekit_hyper::{Event, EventError, Sse, SseBody, TokioTimer, last_event_id};
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
//! ## A reconnecting client
//!
//! `EventSource` (feature `client`) is a `Stream` of `Item`s: `Open`, `Event`, `Comment`
//! (when the decoder keeps them), `Retry` and `Reconnecting`, with `SourceError`s for what
//! fails for good (and for decoder limits, after which it goes on). It follows the WHATWG
//! model: 204 stops it cleanly, any other status or content type fails it with an error
//! that says what came, and a lost connection is resumed after the reconnection time with
//! `Last-Event-ID`. On top, for services: backoff with jitter, a maximum number of attempts
//! and a maximum delay, an opt-in retry of 5xx and 429 honouring `Retry-After`, an idle
//! timeout, and headers from a callback before each request.
//!
//! ```no_run
//! # #[cfg(feature = "client")]
//! # async fn follow() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use ssekit_hyper::{EventSource, Item};
//!
//! let mut source = EventSource::new("http://127.0.0.1:3000/events".parse()?)?;
//! while let Some(item) = source.next().await {
//!     if let Item::Event(event) = item? {
//!         println!("{} {}", event.last_event_id(), event.data());
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Side by side with the other Rust clients, as their documentation and the issue that
//! asked for this one describe them (reqwest-eventsource 0.6; LaunchDarkly's
//! eventsource-client 0.16):
//!
//! | | ssekit-hyper `EventSource` | reqwest-eventsource 0.6 | eventsource-client 0.16 |
//! |---|---|---|---|
//! | HTTP stack | hyper 1 + hyper-util, or any tower `Service` | reqwest 0.12 | hyper 0.14 (+ hyper-rustls) |
//! | a `Stream` with an "open" item and events | yes (`Item::Open`, `Item::Event`) | yes (`Event::Open`, `Event::Message`) | |
//! | `Last-Event-ID` on reconnect | yes | yes | |
//! | initial last event ID | yes (`Decoder::with_last_event_id`) | | yes (`ClientBuilder::last_event_id`) |
//! | 204 No Content | stops cleanly, never reconnects | | taken as a successful connection: reconnects for ever |
//! | another status or content type | fails for good with what came; opt-in retry of 5xx and 429 honouring `Retry-After` | errors `InvalidStatusCode`, `InvalidContentType` | content type not checked |
//! | retries | exponential backoff with jitter, reset after a healthy connection; max attempts (unlimited by default) and max delay | a `RetryPolicy` (`ExponentialBackoff`, `Constant`, `Never`); with `max_retries` of 2 or more it never stops retrying | `ReconnectOptions`: by default 1 s, backing off exponentially up to 1 min; the first connection is not retried |
//! | the server's `retry` | followed, capped by the max delay | handed to the retry policy | |
//! | dead connection | idle timeout on any byte | | `read_timeout` (none by default) |
//! | headers | from a callback before each request (a token can be refreshed) | those of the `RequestBuilder` | `header(name, value)` on the builder |
//! | decoding | ssekit-core: the WHATWG rules exactly, bounded lines and events | eventsource-stream | |
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `tokio` | yes | `TokioTimer`, `Sse::new`, `SseBody::new` (keep-alive on tokio's clock) |
//! | `serde` | no | `Json` and `serde_json::Value` stream items |
//! | `client` | no | `EventSource` and its `Item`, `SourceError`, `Disconnect`, `SetupError`: the reconnecting client over hyper-util's client (http) or any tower `Service`; implies `tokio` |
//! | `rustls` | no | https (and HTTP/2 by ALPN) for `EventSource::new`: rustls with the ring provider and the webpki roots; implies `client` |
//! | `server` | no | `server::Server`: a ready server for event-stream apps on hyper-util (HTTP/1.1 and HTTP/2, write-stall and header timeouts, limits, graceful shutdown with a deadline on SIGTERM/SIGINT); implies `tokio` |
//! | `server-tls` | no | `server::Tls`: HTTPS with HTTP/2 by ALPN, from PEM files or a self-signed certificate for development (rustls with ring, rcgen); implies `server` |
//!
//! The client's pieces for your own HTTP stack ([`set_request_headers`], [`check_response`],
//! [`EventStream`], [`Backoff`], [`Reconnect`], [`retry_after`]) need no feature.
//!
//! ## Re-exports
//!
//! The ssekit-core types that this crate's own signatures name (`Event`, `EventError`,
//! `EncodeError`, `EncodedEvent`, `Json`, `Decoder`, `Decoded`, `DecodeError`,
//! `MessageEvent`) are at its root, so a user of this crate alone can name them; everything
//! else of the protocol is at [`ssekit_core`] (`ssekit_hyper::ssekit_core::Limits`), the same crate
//! at the same version.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backoff;
mod body;
mod check;
mod client;
#[cfg(feature = "client")]
mod connect;
#[cfg(feature = "client")]
mod idle;
mod item;
mod keep_alive;
mod last_event_id;
mod reconnect;
#[cfg(feature = "client")]
mod redirect;
mod request;
mod response;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "client")]
mod source;
#[cfg(feature = "client")]
mod source_error;
#[cfg(feature = "client")]
mod source_item;
#[cfg(feature = "client")]
mod verdict;

pub use backoff::Backoff;
pub use body::SseBody;
pub use check::{ResponseError, check_response};
pub use client::{ClientError, EventStream};
pub use item::{BodyError, BoxError, Frames, SseItem};
#[cfg(feature = "tokio")]
pub use keep_alive::TokioTimer;
pub use keep_alive::{KeepAlive, Timer};
pub use last_event_id::{LAST_EVENT_ID, LastEventIdError, last_event_id};
pub use reconnect::{Reconnect, retry_after};
pub use request::{InvalidLastEventId, set_request_headers};
pub use response::{Sse, X_ACCEL_BUFFERING, set_headers};
#[cfg(feature = "client")]
pub use source::EventSource;
#[cfg(feature = "client")]
pub use source_error::{Disconnect, SetupError, SourceError};
#[cfg(feature = "client")]
pub use source_item::Item;
// The protocol crate, for everything not re-exported below (`ssekit_hyper::ssekit_core::Limits`).
pub use ssekit_core;
#[cfg(feature = "serde")]
pub use ssekit_core::Json;
pub use ssekit_core::{
    DecodeError, Decoded, Decoder, EncodeError, EncodedEvent, Event, EventError, MessageEvent,
    SplitEvent,
};

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

    /// A source can move to another task (it is polled by one at a time, so not `Sync`).
    #[cfg(feature = "client")]
    #[test]
    fn source_is_send() {
        fn send<T: Send>() {}
        send::<EventSource>();
        send_sync::<SourceError>();
        send_sync::<Item>();
    }
}
