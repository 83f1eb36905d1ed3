//! [`Utf8Pieces`]: UTF-8 decoded piece by piece as it arrives, with the same result as
//! decoding the whole at once.

use alloc::string::String;

use super::message::push_lossy;
use crate::part::part;

/// Decodes bytes that arrive in pieces into a `String`: each piece is checked (one
/// `simdutf8` pass) and appended as it comes; a character cut between two pieces waits for
/// its rest (at most 3 bytes are held); an invalid sequence becomes U+FFFD. Pushing any
/// split of some bytes and then calling [`finish`](Self::finish) gives exactly
/// `String::from_utf8_lossy` of the whole.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Utf8Pieces {
    /// The first bytes of a character whose rest has not arrived: a valid prefix.
    held: [u8; 3],
    /// How many bytes of `held` are in use.
    len: u8,
}

impl Utf8Pieces {
    /// Appends `bytes` to `text`, holding back a character cut at their end.
    pub(super) fn push(&mut self, text: &mut String, bytes: &[u8]) {
        let bytes = if self.len == 0 {
            bytes
        } else {
            match self.complete(text, bytes) {
                Some(rest) => rest,
                None => return,
            }
        };
        let cut = cut_at(bytes);
        push_lossy(text, part(bytes, ..cut));
        self.hold(part(bytes, cut..));
    }

    /// Holds `bytes`, the first bytes of a character (at most 3, by construction).
    fn hold(&mut self, bytes: &[u8]) {
        debug_assert!(
            bytes.len() <= self.held.len(),
            "a character has at most 4 bytes"
        );
        let len = bytes.len().min(self.held.len());
        self.held[..len].copy_from_slice(part(bytes, ..len));
        self.len = len as u8;
    }

    /// The text is complete: a character still waiting for its rest becomes U+FFFD.
    pub(super) fn finish(&mut self, text: &mut String) {
        if self.len != 0 {
            self.len = 0;
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }

    /// Forgets a held character (the text is discarded).
    pub(super) fn clear(&mut self) {
        self.len = 0;
    }

    /// Completes the held character with the first bytes of `bytes`: appends it (or U+FFFD
    /// if those bytes do not continue it) and returns the bytes still to decode (from the
    /// first byte that did not continue it), or `None` if it is still cut (all of `bytes`
    /// taken).
    #[cold]
    fn complete<'b>(&mut self, text: &mut String, bytes: &'b [u8]) -> Option<&'b [u8]> {
        let held = usize::from(self.len);
        let need = char_width(self.held[0]).saturating_sub(held);
        let take = need.min(bytes.len());
        // `held + take` is at most 4: the width of the held character.
        let mut char_bytes = [0; 4];
        char_bytes[..held].copy_from_slice(part(&self.held, ..held));
        char_bytes[held..held + take].copy_from_slice(part(bytes, ..take));
        let candidate = part(&char_bytes, ..held + take);
        match core::str::from_utf8(candidate) {
            Ok(valid) => {
                text.push_str(valid);
                self.len = 0;
                Some(part(bytes, take..))
            }
            Err(e) => match e.error_len() {
                // Still a valid prefix: the character is cut again.
                None => {
                    self.hold(candidate);
                    None
                }
                // Invalid: the held bytes and those that continued them validly are one
                // invalid sequence (it starts with all the held bytes, a valid prefix).
                Some(invalid) => {
                    text.push(char::REPLACEMENT_CHARACTER);
                    self.len = 0;
                    Some(part(bytes, invalid.saturating_sub(held)..))
                }
            },
        }
    }
}

/// Where to cut `bytes` so that what follows is the start of a valid character whose rest
/// has not arrived (`bytes.len()` when they do not end in one). Only the last 3 bytes are
/// looked at.
#[inline]
fn cut_at(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=3.min(len) {
        let at = len - back;
        let byte = bytes[at];
        if byte & 0xC0 != 0x80 {
            // The last byte that is not a continuation byte: does a character start here
            // and need more bytes than there are?
            let cut = back < char_width(byte)
                && core::str::from_utf8(part(bytes, at..)).is_err_and(|e| e.error_len().is_none());
            return if cut { at } else { len };
        }
    }
    len
}

/// How many bytes a character starting with `lead` has (1 for ASCII and for a byte that
/// starts none: such a byte is never held).
fn char_width(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use alloc::string::String;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::*;

    /// `bytes` pushed in pieces cut at `cuts`, then finished.
    fn pieces(bytes: &[u8], cuts: &[usize]) -> String {
        let mut pieces = Utf8Pieces::default();
        let mut text = String::new();
        let mut start = 0;
        for &cut in cuts {
            let cut = cut.clamp(start, bytes.len());
            pieces.push(&mut text, &bytes[start..cut]);
            start = cut;
        }
        pieces.push(&mut text, &bytes[start..]);
        pieces.finish(&mut text);
        text
    }

    #[test]
    fn a_character_cut_anywhere_is_joined() {
        let bytes = "a€😀é".as_bytes();
        for cut in 0..=bytes.len() {
            assert_eq!(pieces(bytes, &[cut]), "a€😀é", "cut at {cut}");
        }
        // One byte at a time.
        let cuts: Vec<usize> = (0..bytes.len()).collect();
        assert_eq!(pieces(bytes, &cuts), "a€😀é");
    }

    #[test]
    fn invalid_sequences_become_one_replacement_each() {
        for (bytes, want) in [
            (&b"\xE2\x82"[..], "\u{FFFD}"),    // cut, never completed
            (b"\xE2\x82A", "\u{FFFD}A"),       // completed by a non-continuation
            (b"\xE0\x80", "\u{FFFD}\u{FFFD}"), // overlong: never held
            (b"\xF0\x9F\x98", "\u{FFFD}"),     // 3 of 4 bytes
            (b"\xF0\x9F\x98\xFF\x80", "\u{FFFD}\u{FFFD}\u{FFFD}"),
            (b"\xFF", "\u{FFFD}"),
        ] {
            assert_eq!(String::from_utf8_lossy(bytes), want);
            for cut in 0..=bytes.len() {
                assert_eq!(pieces(bytes, &[cut]), want, "{bytes:?} cut at {cut}");
            }
        }
    }

    #[test]
    fn clear_forgets_a_held_character() {
        let mut pieces = Utf8Pieces::default();
        let mut text = String::new();
        pieces.push(&mut text, b"a\xE2\x82");
        pieces.clear();
        pieces.push(&mut text, b"b");
        pieces.finish(&mut text);
        assert_eq!(text, "ab");
    }

    /// Bytes that are mostly UTF-8 text, with some invalid bytes and cut characters.
    fn text_like() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            4 => any::<char>().prop_map(|c| String::from(c).into_bytes()),
            1 => proptest::collection::vec(any::<u8>(), 1..4),
            1 => any::<char>().prop_map(|c| {
                let mut bytes = String::from(c).into_bytes();
                bytes.truncate(bytes.len().saturating_sub(1).max(1));
                bytes
            }),
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    proptest! {
        #[test]
        fn any_split_decodes_as_the_whole(
            bytes in text_like(),
            cuts in proptest::collection::vec(0usize..64, 0..8),
        ) {
            let mut cuts = cuts;
            cuts.sort_unstable();
            prop_assert_eq!(pieces(&bytes, &cuts), String::from_utf8_lossy(&bytes));
        }
    }
}
