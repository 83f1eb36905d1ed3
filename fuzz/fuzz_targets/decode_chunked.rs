//! Arbitrary bytes and split points: the events decoded from the input fed whole equal the
//! events decoded from the same input fed in chunks, through the step API (`decode`, with
//! its progress checked), the owning `feed` and the lending `feed_ref`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssekit_core::{DecodeError, Decoded, Decoder, Progress};

fn decode<'a>(pieces: impl Iterator<Item = &'a [u8]>) -> Vec<Result<Decoded, DecodeError>> {
    let mut dec = Decoder::new().with_comments(true);
    let mut out = Vec::new();
    for piece in pieces {
        let mut rest = piece;
        while !rest.is_empty() {
            let Progress { consumed, item } = dec.decode(rest);
            assert!(consumed <= rest.len());
            assert!(consumed > 0 || item.is_some(), "no progress");
            rest = &rest[consumed..];
            out.extend(item);
        }
    }
    dec.finish();
    out
}

fn feed<'a>(pieces: impl Iterator<Item = &'a [u8]>) -> Vec<Result<Decoded, DecodeError>> {
    let mut dec = Decoder::new().with_comments(true);
    let mut out = Vec::new();
    for piece in pieces {
        out.extend(dec.feed(piece));
    }
    dec.finish();
    out
}

fn feed_ref<'a>(pieces: impl Iterator<Item = &'a [u8]>) -> Vec<Result<Decoded, DecodeError>> {
    let mut dec = Decoder::new().with_comments(true);
    let mut out = Vec::new();
    for piece in pieces {
        let mut items = dec.feed_ref(piece);
        while let Some(item) = items.next() {
            out.push(item.map(Decoded::from));
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
    assert_eq!(feed(pieces.iter().copied()), whole);
    assert_eq!(feed_ref(pieces.into_iter()), whole);
});
