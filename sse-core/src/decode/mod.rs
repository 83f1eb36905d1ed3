//! Incremental Server-Sent Events decoding (the client side), following the WHATWG rules for
//! interpreting an event stream at any chunking of the input.
//!
//! Two layers:
//!
//! - [`line`](mod@line) (no allocation, no copying): [`LineDecoder`] splits the stream into lines
//!   borrowed from the caller's buffer and [`parse_line`] splits a line into a comment or a
//!   field.
//! - [`event`] (feature `alloc`): [`Decoder`] owns its buffers, takes any chunks and yields
//!   [`Decoded`] items: events ([`MessageEvent`]), accepted `retry` values and, if asked for,
//!   comments.
//!
//! [`limits`] bounds the memory a peer can make the decoder use.
//!
//! ```
//! # #[cfg(feature = "alloc")] {
//! use sse_core::decode::{Decoded, Decoder};
//!
//! let mut dec = Decoder::new();
//! let mut input: &[u8] = b"id: 1\ndata: hello\n\n";
//! while !input.is_empty() {
//!     let (n, item) = dec.decode(input);
//!     input = &input[n..];
//!     if let Some(Ok(Decoded::Event(event))) = item {
//!         assert_eq!((event.data(), event.last_event_id()), ("hello", "1"));
//!     }
//! }
//! # }
//! ```

// Without `alloc` the event layer the docs above link to does not exist.
#![cfg_attr(not(feature = "alloc"), allow(rustdoc::broken_intra_doc_links))]

#[cfg(feature = "alloc")]
pub mod event;
pub mod limits;
pub mod line;
#[cfg(feature = "alloc")]
pub mod message;

#[cfg(feature = "alloc")]
pub use event::Decoder;
pub use limits::{
    DEFAULT_MAX_EVENT_SIZE, DEFAULT_MAX_LINE_LEN, DecodeError, Limit, Limits, LineTooLong,
};
pub use line::{Line, LineDecoder, Status, parse_line};
#[cfg(feature = "alloc")]
pub use message::{Decoded, DecodedRef, MessageEvent, MessageEventRef};
