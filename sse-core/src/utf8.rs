//! The UTF-8 check of everything the decoder lends and of data given as bytes: `simdutf8`
//! (safe API; with `std` it picks AVX2 or SSE4.2 at run time), one pass.

/// `bytes` as text, if they are valid UTF-8.
#[inline]
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    simdutf8::basic::from_utf8(bytes).ok()
}

/// `bytes` as text, or the offset of the first byte that is not part of valid UTF-8 (found
/// by a second, slower pass, on that path only).
#[cfg(feature = "bytes")]
pub(crate) fn utf8_or_offset(bytes: &[u8]) -> Result<&str, usize> {
    utf8(bytes).ok_or_else(|| core::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), |_| 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_text_and_where_it_stops() {
        assert_eq!(utf8("a € b".as_bytes()), Some("a € b"));
        assert_eq!(utf8(b"a\xE2\x82"), None);
        #[cfg(feature = "bytes")]
        {
            assert_eq!(utf8_or_offset(b"ok"), Ok("ok"));
            assert_eq!(utf8_or_offset(b"ok \xFF"), Err(3));
            assert_eq!(utf8_or_offset(b"\xE2\x82\xAC\xE2\x82"), Err(3));
        }
    }
}
