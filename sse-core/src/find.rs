//! Finding line breaks (and the other bytes the protocol cares about) in short and long
//! values alike: the one search both the encoder and the decoder use.
//!
//! Most SSE lines and field values are short (`event: tick`, `id: 42`, a small JSON object),
//! where the set-up of a vectorised `memchr` call costs more than the search. So the first
//! [`SHORT`] bytes are searched eight at a time in a `u64` (SWAR), and only longer values are
//! handed to `memchr`; a search whose match is likely far ([`find_break_far`], for the line
//! after a long line) goes to `memchr` at once.

use memchr::{memchr, memchr2, memchr3};

/// How many leading bytes are searched with SWAR before handing over to `memchr`.
pub(crate) const SHORT: usize = 64;

const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

/// A `u64` with `byte` in each of its eight bytes.
const fn splat(byte: u8) -> u64 {
    ONES * byte as u64
}

/// High bit set in each byte of `word` that equals `byte`. Bits above the first match may
/// be spurious (a borrow), so only the lowest set bit is meaningful: that is all we use.
#[inline(always)]
fn matches(word: u64, byte: u8) -> u64 {
    let x = word ^ splat(byte);
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The offset of the first byte of `hay` for which `mask` (on words) or `is` (on single
/// bytes) says yes, searching the first [`SHORT`] bytes here and the rest with `long`.
#[inline(always)]
fn find(
    hay: &[u8],
    mask: impl Fn(u64) -> u64,
    is: impl Fn(u8) -> bool,
    long: impl FnOnce(&[u8]) -> Option<usize>,
) -> Option<usize> {
    let (head, rest) = hay.split_at(hay.len().min(SHORT));
    let mut words = head.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let word = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        let found = mask(word);
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    if let Some(i) = words.remainder().iter().position(|&b| is(b)) {
        return Some(offset + i);
    }
    if rest.is_empty() {
        return None;
    }
    long(rest).map(|i| i + head.len())
}

/// The first CR or LF in `hay`.
#[inline]
pub(crate) fn find_break(hay: &[u8]) -> Option<usize> {
    if hay.len() < 8 {
        // A tiny input (a few bytes of a line arriving at a time): one word assembled in a
        // register, padded with copies of the first byte (a match only if it is one itself).
        let first = hay.first().copied()?;
        let word = hay
            .iter()
            .rev()
            .fold(splat(first), |w, &b| w << 8 | u64::from(b));
        let found = matches(word, b'\n') | matches(word, b'\r');
        return (found != 0).then(|| (found.trailing_zeros() / 8) as usize);
    }
    find(
        hay,
        |w| matches(w, b'\n') | matches(w, b'\r'),
        |b| b == b'\n' || b == b'\r',
        find_break_far,
    )
}

/// The first CR or LF in `hay`, when it is likely to be past the first [`SHORT`] bytes (the
/// line before was that long, or the rest of an over-long line): straight to `memchr2`,
/// without the word-at-a-time head. Also [`find_break`]'s search past its head.
#[inline]
pub(crate) fn find_break_far(hay: &[u8]) -> Option<usize> {
    memchr2(b'\n', b'\r', hay)
}

/// The first CR, LF or NUL in `hay`.
#[inline]
pub(crate) fn find_break_or_nul(hay: &[u8]) -> Option<usize> {
    find(
        hay,
        |w| matches(w, b'\n') | matches(w, b'\r') | matches(w, 0),
        |b| b == b'\n' || b == b'\r' || b == 0,
        |rest| memchr3(b'\n', b'\r', 0, rest),
    )
}

/// The first `byte` in `hay`.
#[inline]
pub(crate) fn find_byte(byte: u8, hay: &[u8]) -> Option<usize> {
    find(
        hay,
        |w| matches(w, byte),
        |b| b == byte,
        |rest| memchr(byte, rest),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The obvious search, for comparison.
    fn naive(hay: &[u8], set: &[u8]) -> Option<usize> {
        hay.iter().position(|b| set.contains(b))
    }

    #[test]
    fn agrees_with_the_obvious_search_at_every_length_and_position() {
        let mut hay = [b'x'; 200];
        for len in 0..hay.len() {
            for pos in 0..=len {
                for (i, &byte) in [b'\n', b'\r', 0, b':'].iter().enumerate() {
                    hay = [b'x'; 200];
                    if pos < len {
                        hay[pos] = byte;
                        // A second match later, and bytes that defeat naive SWAR tricks.
                        hay[(pos + 9).min(len - 1)] = b'\n';
                        if pos > 0 {
                            hay[pos - 1] = [0x0B, 0x0E, 0x01, 0x3B][i];
                        }
                    }
                    let h = &hay[..len];
                    assert_eq!(find_break(h), naive(h, b"\r\n"), "{len} {pos} {byte}");
                    assert_eq!(find_break_far(h), naive(h, b"\r\n"), "{len} {pos} {byte}");
                    assert_eq!(
                        find_break_or_nul(h),
                        naive(h, b"\r\n\0"),
                        "{len} {pos} {byte}"
                    );
                    assert_eq!(find_byte(b':', h), naive(h, b":"), "{len} {pos} {byte}");
                }
            }
        }
    }

    #[test]
    fn breaks_are_cr_and_lf() {
        assert!(find_break(b"a\rb").is_some());
        assert!(find_break(b"\n").is_some());
        assert!(find_break(b"plain").is_none());
    }

    #[test]
    fn high_bytes_are_not_matches() {
        let hay = [0x8A, 0x8D, 0xFF, 0x80, 0xBA, 0x0A];
        assert_eq!(find_break(&hay), Some(5));
        assert_eq!(find_byte(b':', &[0xBA; 70]), None);
    }
}
