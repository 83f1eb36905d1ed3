//! # sse-core
//!
//! Server-Sent Events, the protocol only: no I/O, no clock, no async, `#![no_std]`.
//!
//! - **Encoder**: [`Event`] borrows (or owns) its text, validates every field as it is set,
//!   and encodes with no allocation into a `&mut [u8]`, a `Vec<u8>` or any `bytes::BufMut`.
//!   [`Event::encoded_len`] is exact and constant-time.
//! - **Decoder**: [`decode`] follows the WHATWG "interpreting an event stream" algorithm
//!   at any chunking, in linear time and bounded memory: a zero-copy line layer
//!   ([`decode::LineDecoder`], no allocation) and, with `alloc`, an event layer ([`Decoder`])
//!   that yields owned [`MessageEvent`]s (one allocation each) or, through
//!   [`Decoder::decode_ref`], borrowed [`MessageEventRef`]s (no allocation).
//!
//! Framework adapters (`sse-hyper`, `sse-axum`, `sse-warp`) are thin glue over this crate.
//!
//! ```
//! use sse_core::Event;
//!
//! let event = Event::new().event_type("greeting")?.id("1")?.data("hello\nworld");
//! let mut buf = [0u8; 64];
//! let n = event.encode_to_slice(&mut buf)?;
//! assert_eq!(&buf[..n], b"event: greeting\nid: 1\ndata: hello\ndata: world\n\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Decoding, as a client does:
//!
//! ```
//! # #[cfg(feature = "alloc")] {
//! use sse_core::{Decoded, Decoder};
//!
//! let mut decoder = Decoder::new();
//! let mut events = Vec::new();
//! for chunk in [&b"id: 7\ndata: hel"[..], b"lo\r", b"\n\r\n"] {
//!     let mut input = chunk;
//!     while !input.is_empty() {
//!         let (consumed, item) = decoder.decode(input);
//!         input = &input[consumed..];
//!         if let Some(Ok(Decoded::Event(event))) = item {
//!             events.push((event.data().to_owned(), event.last_event_id().to_owned()));
//!         }
//!     }
//! }
//! assert_eq!(events, [("hello".to_owned(), "7".to_owned())]);
//! # }
//! ```
//!
//! ## Features
//!
//! | feature | default | implies | what it adds |
//! |---|---|---|---|
//! | `std` | yes | `alloc` | `std` support in dependencies (nothing else: errors use `core::error::Error`) |
//! | `alloc` | via `std` | | owned events (`Event<'static>` from `String`), [`Event::encode_to_vec`], [`Event::into_owned`], the event-layer [`Decoder`] |
//! | `bytes` | no | | [`Event::encode_to_buf`] into any `bytes::BufMut`, [`Event::to_bytes`] |
//! | `serde` | no | `std` | [`Event::json_data`], [`Json`], `serde_json::Value` as an event |
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
pub mod decode;
mod encode;
mod error;
mod event;
mod find;
#[cfg(feature = "serde")]
mod json;
mod lines;
mod media_type;
mod sink;
mod text;

pub use convert::IntoEvent;
#[cfg(feature = "serde")]
pub use convert::Json;
pub use decode::{DecodeError, Limits};
#[cfg(feature = "alloc")]
pub use decode::{Decoded, DecodedRef, Decoder, MessageEvent, MessageEventRef};
pub use encode::KEEP_ALIVE;
pub use error::{EncodeError, EventError, Field};
pub use event::{Event, validate_id};
pub use media_type::{LAST_EVENT_ID_HEADER, MEDIA_TYPE, is_event_stream};
pub use text::Text;
