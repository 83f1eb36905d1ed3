//! # ssekit-core
//!
//! Server-Sent Events, the protocol only: no I/O, no clock, no async, `#![no_std]`.
//!
//! - **Encoder**: [`Event`] borrows (or owns) its text, validates every field as it is set,
//!   and encodes with no allocation into a `&mut [u8]`, a `Vec<u8>` or any `bytes::BufMut`.
//!   [`Event::encoded_len`] is exact (constant-time unless a value has line breaks).
//!   `EncodedEvent` (feature `bytes`) is an event encoded once and shared by reference count.
//! - **Decoder**: follows the WHATWG "interpreting an event stream" algorithm at any
//!   chunking, in linear time and bounded memory: with `alloc`, `Decoder` yields owned
//!   `MessageEvent`s (at most one allocation each, none for short events; `Decoder::feed`)
//!   or lends `MessageEventRef`s (no allocation, `Decoder::feed_ref`); the zero-copy line
//!   layer ([`line::LineDecoder`]) needs no allocator at all.
//!
//! Framework adapters (`ssekit-hyper`, `ssekit-axum`, `ssekit-warp`) are thin glue over this crate.
//!
//! ```
//! use ssekit_core::Event;
//!
//! let event = Event::new().with_event_type("greeting")?.with_id(1)?.with_data("hello\nworld");
//! let mut buf = [0u8; 64];
//! let n = event.encode_to_slice(&mut buf)?;
//! assert_eq!(&buf[..n], b"event: greeting\nid: 1\ndata: hello\ndata: world\n\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Decoding, as a client does, chunk by chunk as the bytes arrive:
//!
//! ```
//! # #[cfg(feature = "alloc")] {
//! use ssekit_core::{Decoded, Decoder};
//!
//! let mut decoder = Decoder::new();
//! let mut events = Vec::new();
//! for chunk in [&b"id: 7\ndata: hel"[..], b"lo\r", b"\n\r\n"] {
//!     for item in decoder.feed(chunk) {
//!         if let Ok(Decoded::Event(event)) = item {
//!             events.push((event.data().to_owned(), event.last_event_id().to_owned()));
//!         }
//!     }
//! }
//! assert_eq!(events, [("hello".to_owned(), "7".to_owned())]);
//! # }
//! ```
//!
//! ## API conventions
//!
//! - **One path per type.** Everything is at the crate root, except the line layer, which
//!   is in [`line`](mod@line) (few need it, and its `Line` would read ambiguously at the root).
//! - **Names.** `new()` makes a value; `with_*(self, ..)` sets one thing on a value being
//!   built and returns it (a `Result` when the value is checked); a getter has the plain
//!   name, never `get_`. Names come from the standard: `event_type`, `last_event_id`,
//!   `reconnection_time`.
//! - **One result shape.** Each step of either decoder returns a [`Progress`]: bytes
//!   consumed, and the item found if any.
//! - **Room to grow.** Enums and [`Limits`] are `#[non_exhaustive]`.
//!
//! ## Features
//!
//! | feature | default | implies | what it adds |
//! |---|---|---|---|
//! | `std` | yes | `alloc` | `std` support in dependencies (nothing else: errors use `core::error::Error`) |
//! | `alloc` | via `std` | | owned events (`Event<'static>` from `String`), `Event::encode_to_vec`, `Event::into_owned`, the event-layer `Decoder` |
//! | `bytes` | no | `alloc` | `Event::encode_to_buf` into any `bytes::BufMut`, `Event::to_bytes`, `EncodedEvent`, `SplitEvent` (data sent as the caller's `Bytes`, not copied) |
//! | `serde` | no | `std` | `Event::with_json_data`, `Json`, `serde_json::Value` as an event |
//!
//! With no features, the encoder (into slices) and the line-layer decoder remain: enough for
//! a microcontroller. Features only add API; none changes behaviour.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod convert;
mod decode;
mod encode;
#[cfg(feature = "bytes")]
mod encoded;
mod error;
mod event;
mod find;
#[cfg(feature = "serde")]
mod json;
mod lines;
mod media_type;
mod part;
mod sink;
#[cfg(feature = "bytes")]
mod split;
mod text;
#[cfg(any(feature = "alloc", feature = "bytes"))]
mod utf8;

pub mod line {
    //! The line layer of the decoder: no allocation, no copying, no features needed.
    //!
    //! [`LineDecoder`] splits an event stream into lines borrowed from the caller's buffer
    //! (BOM, CR, LF and CRLF at any chunking, bounded line length) and [`parse_line`] splits
    //! a line into a comment or a field. The event layer (`Decoder`,
    //! feature `alloc`) is built on it.
    pub use crate::decode::{Line, LineDecoder, LineTooLong, parse_line};
}

pub use convert::IntoEvent;
#[cfg(feature = "serde")]
pub use convert::Json;
pub use decode::{DecodeError, Limit, Limits, Progress};
#[cfg(feature = "alloc")]
pub use decode::{Decoded, DecodedRef, Decoder, Items, ItemsRef, MessageEvent, MessageEventRef};
pub use encode::KEEP_ALIVE;
#[cfg(feature = "bytes")]
pub use encoded::{EncodedEvent, NotOneEvent};
pub use error::{EncodeError, EventError, Field};
pub use event::{Event, validate_id};
pub use media_type::{LAST_EVENT_ID_HEADER, MEDIA_TYPE, is_event_stream};
#[cfg(feature = "bytes")]
pub use split::SplitEvent;
pub use text::Text;
