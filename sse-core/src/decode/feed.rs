//! [`Items`] and [`ItemsRef`]: a chunk's items, as [`Decoder::feed`] and
//! [`Decoder::feed_ref`] hand them out.

use core::iter::FusedIterator;

use super::event::{Decoder, Found};
use super::limits::DecodeError;
use super::message::{Decoded, DecodedRef};
use crate::part::part;

/// The items one chunk completes, owned: an [`Iterator`] from [`Decoder::feed`].
#[must_use = "iterate it: the chunk is decoded as the items are taken"]
#[derive(Debug)]
pub struct Items<'d, 'i> {
    decoder: &'d mut Decoder,
    input: &'i [u8],
}

impl<'d, 'i> Items<'d, 'i> {
    pub(super) fn new(decoder: &'d mut Decoder, input: &'i [u8]) -> Self {
        Items { decoder, input }
    }

    /// The bytes of the chunk not decoded yet (empty once the iterator has ended).
    pub fn remainder(&self) -> &'i [u8] {
        self.input
    }
}

impl Iterator for Items<'_, '_> {
    type Item = Result<Decoded, DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let found = next_found(self.decoder, &mut self.input)?;
        Some(self.decoder.take_found(found))
    }
}

impl FusedIterator for Items<'_, '_> {}

/// The items one chunk completes, each lent from the decoder until the next call: from
/// [`Decoder::feed_ref`]. Not an [`Iterator`] (its items borrow from it): use
/// `while let Some(item) = items.next()`.
#[must_use = "call `next` until it returns `None`: the chunk is decoded as the items are taken"]
#[derive(Debug)]
pub struct ItemsRef<'d, 'i> {
    decoder: &'d mut Decoder,
    input: &'i [u8],
}

impl<'d, 'i> ItemsRef<'d, 'i> {
    pub(super) fn new(decoder: &'d mut Decoder, input: &'i [u8]) -> Self {
        ItemsRef { decoder, input }
    }

    /// The bytes of the chunk not decoded yet (empty once `next` has returned `None`).
    pub fn remainder(&self) -> &'i [u8] {
        self.input
    }

    /// The next item, borrowed from the decoder until the next call; `None` when the chunk
    /// is used up.
    #[allow(clippy::should_implement_trait)] // a lending `next`: `Iterator` cannot lend
    #[inline]
    pub fn next(&mut self) -> Option<Result<DecodedRef<'_>, DecodeError>> {
        let found = next_found(self.decoder, &mut self.input)?;
        Some(self.decoder.borrow_found(found))
    }
}

/// Steps through `input` up to the next item, consuming what it used; `None` once the
/// input is used up. Both iterators' `next`, before they hand the item out.
#[inline]
fn next_found(decoder: &mut Decoder, input: &mut &[u8]) -> Option<Found> {
    while !input.is_empty() {
        let (consumed, found) = decoder.step(input);
        *input = part(input, consumed..);
        if found.is_some() {
            return found;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;
    use crate::decode::message::MessageEvent;

    const STREAM: &[u8] = b"data: a\n\nretry: 7\ndata: b\n\ndata: par";

    #[test]
    fn feed_yields_every_item_and_keeps_the_partial_line() {
        let mut decoder = Decoder::new();
        let got: Vec<_> = decoder.feed(STREAM).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], Ok(Decoded::Event(MessageEvent::new("", "a", ""))));
        let got: Vec<_> = decoder.feed(b"t\n\n").collect();
        assert_eq!(got, [Ok(Decoded::Event(MessageEvent::new("", "part", "")))]);
    }

    #[test]
    fn dropped_early_the_rest_is_the_remainder() {
        let mut decoder = Decoder::new();
        let mut items = decoder.feed(STREAM);
        assert!(items.next().is_some());
        assert_eq!(items.remainder(), &STREAM[9..]);
        let mut items = decoder.feed_ref(b"");
        assert!(items.next().is_none());
        assert!(items.remainder().is_empty());
    }

    #[test]
    fn feed_ref_lends_the_same_items_as_feed() {
        let mut owned = Decoder::new();
        let mut want: Vec<_> = owned.feed(STREAM).collect();
        want.extend(owned.feed(b"t\n\n"));
        let mut borrowed = Decoder::new();
        let mut got = Vec::new();
        for chunk in [STREAM, b"t\n\n"] {
            let mut items = borrowed.feed_ref(chunk);
            while let Some(item) = items.next() {
                got.push(item.map(Decoded::from));
            }
            assert!(items.remainder().is_empty());
        }
        assert_eq!(got, want);
    }
}
