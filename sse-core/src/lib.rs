//! # sse-core
//!
//! Server-Sent Events, the protocol only: no I/O, no clock, no async, `#![no_std]
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
mod text;

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
pub use encoded::EncodedEvent;
pub use error::{EncodeError, EventError, Field};
pub use event::{Event, validate_id};
pub use media_type::{LAST_EVENT_ID_HEADER, MEDIA_TYPE, is_event_stream};
pub use text::Text;
