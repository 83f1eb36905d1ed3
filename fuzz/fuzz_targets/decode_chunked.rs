//! Arbitrary bytes and split points: the events decoded from the input fed whole equal the
//! events decoded from the same input fed in chunks, and the borrowing `decode_ref` yields
//! the same items as the owning `decode`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_core::decode::{Decoder, Decoded, DecodeError};

fn decode<'a>(pieces: impl Iterator<Item = &'a [u8]>) -> Vec<Result<Decoded, DecodeError>> {
    let mut dec = Decoder::new().comments(true);
    let mut out = Vec::new();
    for piece in pieces {
        let mut rest = piece;
        while !rest.is_empty() {
            let (n, item) = dec.decode(rest);
            rest = &rest[n..];
            out.extend(item);
        }
    }
    dec.finish();
    out
}

fn decode_ref<'a>(pieces: impl Iterator<Item = &'a [u8]>) -> Vec<Result<Decoded, DecodeError>> {
    let mut dec = Decoder::new().comments(true);
    let mut out = Vec::new();
    for piece in pieces {
        let mut rest = piece;
        while !rest.is_empty() {
            let (n, item) = dec.decode_ref(rest);
            rest = &rest[n..];
            out.extend(item.map(|item| item.map(Decoded::from)));
        }
    }
    dec.finish();
    out
}

fuzz_target!(|input: (Vec<u16>, Vec<u8>)| {
    let (mut splits, stream) = input;
    let whole = decode(std::iter::once(&stream[..]));
    splits.iter_mut().for_each(|s| *s = (*s as usize % (stream.len() + 1)) as u16);
    splits.sort_unstable();
    let mut pieces = Vec::new();
    let mut start = 0;
    for &s in &splits {
        pieces.push(&stream[start..usize::from(s)]);
        start = usize::from(s);
    }
    pieces.push(&stream[start..]);
    assert_eq!(decode(pieces.iter().copied()), whole);
    assert_eq!(decode_ref(pieces.into_iter()), whole);
});
