//! [`part`] and [`part_str`]: sub-slices at offsets the code computed itself.
//!
//! Such an offset is in bounds by an invariant of the code, never by trust in the input. A
//! broken invariant must not go unnoticed as wrong output: debug builds (tests, fuzzing)
//! panic on it; release builds get an empty slice instead of a panic.

use core::fmt::Debug;
use core::slice::SliceIndex;

/// `bytes[range]`, for a `range` in bounds by construction.
#[inline(always)]
#[track_caller]
pub(crate) fn part<R>(bytes: &[u8], range: R) -> &[u8]
where
    R: SliceIndex<[u8], Output = [u8]> + Clone + Debug,
{
    let got = bytes.get(range.clone());
    debug_assert!(
        got.is_some(),
        "{range:?} out of bounds of {} bytes",
        bytes.len()
    );
    got.unwrap_or_default()
}

/// `text[range]`, for a `range` in bounds and on character boundaries by construction.
#[cfg(feature = "alloc")]
#[inline(always)]
#[track_caller]
pub(crate) fn part_str<R>(text: &str, range: R) -> &str
where
    R: SliceIndex<str, Output = str> + Clone + Debug,
{
    let got = text.get(range.clone());
    debug_assert!(got.is_some(), "{range:?} not a part of {text:?}");
    got.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_bounds_is_the_slice() {
        assert_eq!(part(b"abc", 1..), b"bc");
        assert_eq!(part(b"abc", ..0), b"");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "out of bounds")]
    fn out_of_bounds_panics_in_debug_builds() {
        let _ = part(b"abc", 2..5);
    }
}
