//! Helpers shared by the decoder's integration tests.
#![allow(dead_code)]

pub mod fields;
pub mod reference;

use ssekit_core::{DecodeError, Decoded, Decoder};

/// One decoder output item.
pub type Item = Result<Decoded, DecodeError>;

/// Feeds `chunks` to `dec` in order through [`Decoder::feed`], collecting every item.
pub fn feed_chunks<'a>(dec: &mut Decoder, chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<Item> {
    let mut out = Vec::new();
    for chunk in chunks {
        let mut items = dec.feed(chunk);
        out.extend(&mut items);
        assert!(
            items.remainder().is_empty(),
            "an ended iterator used the chunk up"
        );
    }
    out
}

/// The same, through [`Decoder::feed_ref`]: each borrowed item is turned into an owned one
/// as soon as it arrives (it only lives until the next call).
pub fn feed_chunks_ref<'a>(
    dec: &mut Decoder,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Vec<Item> {
    let mut out = Vec::new();
    for chunk in chunks {
        let mut items = dec.feed_ref(chunk);
        while let Some(item) = items.next() {
            out.push(item.map(Decoded::from));
        }
        assert!(
            items.remainder().is_empty(),
            "an ended iterator used the chunk up"
        );
    }
    out
}

/// `input` cut at the given sizes (cycled; a size of 0 counts as 1).
pub fn chunks<'a>(input: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut rest = input;
    let mut i = 0;
    while !rest.is_empty() {
        let size = sizes
            .get(i % sizes.len().max(1))
            .copied()
            .unwrap_or(1)
            .clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(size);
        chunks.push(chunk);
        rest = tail;
        i += 1;
    }
    chunks
}

/// Feeds `input` cut at the given sizes (cycled; a size of 0 counts as 1).
pub fn feed_sizes(dec: &mut Decoder, input: &[u8], sizes: &[usize]) -> Vec<Item> {
    feed_chunks(dec, chunks(input, sizes))
}
