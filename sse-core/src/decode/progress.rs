//! [`Progress`]: what one call of a decoder did, the one result shape of both layers.

/// What one decoding call did: how many input bytes it consumed, and the item it found.
///
/// Both layers return it: [`LineDecoder::decode`](crate::line::LineDecoder::decode) with a
/// [`Line`](crate::line::Line) and `Decoder::decode` (feature `alloc`) with a `Decoded`
/// item. Drop the first `consumed` bytes of the input and call again with the rest; `item`
/// is `None` when more input is needed (partial input is not an error). Most callers use
/// `Decoder::feed` instead, which loops for them.
///
/// ```
/// # #[cfg(feature = "alloc")] {
/// use ssekit_core::{Decoded, Decoder, Progress};
///
/// let mut decoder = Decoder::new();
/// let Progress { consumed, item } = decoder.decode(b"data: hi\n\ndata: next");
/// assert_eq!(consumed, 10);
/// let Some(Ok(Decoded::Event(event))) = item else { panic!("an event") };
/// assert_eq!(event.data(), "hi");
/// # }
/// ```
#[must_use = "drop `consumed` bytes of the input and look at `item`"]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Progress<T> {
    /// How many bytes of the input were consumed (processed, or kept by the decoder).
    pub consumed: usize,
    /// The item found, if any: `None` means the consumed bytes completed nothing yet.
    pub item: Option<T>,
}

impl<T> Progress<T> {
    /// `consumed` bytes and no item.
    pub(crate) const fn partial(consumed: usize) -> Self {
        Progress {
            consumed,
            item: None,
        }
    }

    /// `consumed` bytes and `item`.
    pub(crate) const fn found(consumed: usize, item: T) -> Self {
        Progress {
            consumed,
            item: Some(item),
        }
    }
}
