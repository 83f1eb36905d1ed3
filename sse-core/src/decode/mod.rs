// Incremental decoding (the client side), following the WHATWG rules for interpreting an
// event stream at any chunking of the input. Two layers: the line layer (`line.rs`, no
// allocation, no copying, public as `crate::line`) and the event layer (`event.rs`, feature
// `alloc`, public at the crate root). Each type has one public path: this module is private.

#[cfg(feature = "alloc")]
pub(crate) mod event;
#[cfg(feature = "alloc")]
pub(crate) mod feed;
pub(crate) mod limits;
pub(crate) mod line;
#[cfg(all(test, feature = "std"))]
mod linear_tests;
#[cfg(feature = "alloc")]
pub(crate) mod message;
pub(crate) mod progress;
#[cfg(feature = "alloc")]
mod utf8_pieces;

#[cfg(feature = "alloc")]
pub use event::Decoder;
#[cfg(feature = "alloc")]
pub use feed::{Items, ItemsRef};
pub use limits::{DecodeError, Limit, Limits, LineTooLong};
pub use line::{Line, LineDecoder, parse_line};
#[cfg(feature = "alloc")]
pub use message::{Decoded, DecodedRef, MessageEvent, MessageEventRef};
pub use progress::Progress;
