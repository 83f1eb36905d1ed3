//! [`Text`]: a string an [`Event`](crate::Event) either borrows or (with `alloc`) owns.

use core::fmt;
use core::ops::Deref;

#[cfg(feature = "alloc")]
use alloc::{borrow::Cow, boxed::Box, string::String};

/// A string held by an [`Event`](crate::Event): borrowed for zero-copy encoding, or owned
/// (feature `alloc`) so that an `Event<'static>` can outlive its inputs.
///
/// You rarely name this type: every builder method takes `impl Into<Text<'a>>`, which
/// `&str`, `String`, `Cow<str>` and the integer types all satisfy. An integer is written in
/// decimal into the `Text` itself: numeric ids cost no allocation, even without `alloc`.
///
/// ```
/// use ssekit_core::Text;
/// let borrowed: Text<'_> = "hello".into();
/// # #[cfg(feature = "alloc")] {
/// let owned: Text<'static> = String::from("hello").into();
/// assert_eq!(borrowed, owned);
/// assert_eq!(&*owned, "hello");
/// # }
/// assert_eq!(Text::from(42u64), "42");
/// assert_eq!(Text::from(i64::MIN), "-9223372036854775808");
/// ```
#[derive(Clone)]
pub struct Text<'a>(Repr<'a>);

impl Eq for Text<'_> {}

#[derive(Clone)]
enum Repr<'a> {
    Borrowed(&'a str),
    #[cfg(feature = "alloc")]
    /// A `Box<str>`, not a `String`: 8 bytes less, in every field of every event.
    Owned(Box<str>),
    /// An integer's decimal digits (and sign), right-aligned: `digits[start..]`.
    Number {
        digits: [u8; NUMBER_LEN],
        start: u8,
    },
}

/// The longest decimal integer: `u64::MAX` has 20 digits, `i64::MIN` 19 and a sign.
const NUMBER_LEN: usize = 20;

impl<'a> Text<'a> {
    /// Borrows `s`; usable in `const` items.
    #[inline]
    pub const fn borrowed(s: &'a str) -> Self {
        Text(Repr::Borrowed(s))
    }

    /// The text as a `&str`.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Borrowed(s) => s,
            #[cfg(feature = "alloc")]
            Repr::Owned(s) => s,
            Repr::Number { digits, start } => {
                let digits = crate::part::part(digits, usize::from(*start)..);
                // ASCII digits and '-' only: always valid UTF-8.
                core::str::from_utf8(digits).unwrap_or_default()
            }
        }
    }

    /// Calls `f` with the text's bytes, without taking a reference into the `Text` itself:
    /// a number's digits are copied out first. So an [`Event`](crate::Event) built by value
    /// can be kept in registers between builder steps; a reference into it (as `as_str`
    /// takes for a number) makes the compiler keep it in memory and copy it at every step.
    #[inline(always)]
    pub(crate) fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match &self.0 {
            Repr::Borrowed(s) => f(s.as_bytes()),
            #[cfg(feature = "alloc")]
            Repr::Owned(s) => f(s.as_bytes()),
            Repr::Number { digits, start } => {
                let digits = *digits;
                f(crate::part::part(&digits, usize::from(*start)..))
            }
        }
    }

    /// `n` in decimal, with a leading `-` when negative.
    const fn number(n: u64, negative: bool) -> Self {
        let mut digits = [0u8; NUMBER_LEN];
        let mut start = NUMBER_LEN;
        let mut rest = n;
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if negative {
            start -= 1;
            digits[start] = b'-';
        }
        Text(Repr::Number {
            digits,
            start: start as u8,
        })
    }

    /// An owned copy that no longer borrows anything (one allocation if borrowed).
    #[cfg(feature = "alloc")]
    pub fn into_owned(self) -> Text<'static> {
        match self.0 {
            Repr::Borrowed(s) => Text(Repr::Owned(s.into())),
            Repr::Owned(s) => Text(Repr::Owned(s)),
            Repr::Number { digits, start } => Text(Repr::Number { digits, start }),
        }
    }
}

impl Deref for Text<'_> {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text<'_> {
    #[inline]
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl core::hash::Hash for Text<'_> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'a> From<&'a str> for Text<'a> {
    #[inline]
    fn from(s: &'a str) -> Self {
        Text::borrowed(s)
    }
}

#[cfg(feature = "alloc")]
impl<'a> From<&'a String> for Text<'a> {
    #[inline]
    fn from(s: &'a String) -> Self {
        Text::borrowed(s)
    }
}

#[cfg(feature = "alloc")]
impl From<String> for Text<'_> {
    #[inline]
    fn from(s: String) -> Self {
        Text(Repr::Owned(s.into_boxed_str()))
    }
}

#[cfg(feature = "alloc")]
impl<'a> From<Cow<'a, str>> for Text<'a> {
    #[inline]
    fn from(s: Cow<'a, str>) -> Self {
        match s {
            Cow::Borrowed(s) => Text::borrowed(s),
            Cow::Owned(s) => Text(Repr::Owned(s.into_boxed_str())),
        }
    }
}

/// Unsigned integers, written in decimal.
macro_rules! from_unsigned {
    ($($int:ty),*) => {$(
        impl From<$int> for Text<'_> {
            #[inline]
            fn from(n: $int) -> Self {
                Text::number(n as u64, false)
            }
        }
    )*};
}

/// Signed integers, written in decimal with a leading `-` when negative.
macro_rules! from_signed {
    ($($int:ty),*) => {$(
        impl From<$int> for Text<'_> {
            #[inline]
            fn from(n: $int) -> Self {
                Text::number((n as i64).unsigned_abs(), n < 0)
            }
        }
    )*};
}

from_unsigned!(u8, u16, u32, u64, usize);
from_signed!(i8, i16, i32, i64, isize);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_and_owned_compare_by_content() {
        let a = Text::from("abc");
        assert_eq!(a, "abc");
        assert_eq!(a.len(), 3);
        #[cfg(feature = "alloc")]
        {
            let b: Text<'static> = a.clone().into_owned();
            assert_eq!(a, b);
            assert_eq!(
                Text::from(Cow::Borrowed("x")),
                Text::from(String::from("x"))
            );
        }
    }

    #[test]
    fn integers_are_decimal() {
        assert_eq!(Text::from(0u8), "0");
        assert_eq!(Text::from(7u32), "7");
        assert_eq!(Text::from(u64::MAX), "18446744073709551615");
        assert_eq!(Text::from(-1i32), "-1");
        assert_eq!(Text::from(i64::MIN), "-9223372036854775808");
        assert_eq!(Text::from(i64::MAX), "9223372036854775807");
        assert_eq!(Text::from(1234usize).len(), 4);
        #[cfg(feature = "alloc")]
        assert_eq!(Text::from(-56i16).into_owned(), "-56");
    }

    #[test]
    fn with_bytes_sees_the_same_bytes_as_as_str() {
        let texts = [
            Text::from("abc"),
            #[cfg(feature = "alloc")]
            Text::from(String::from("abc")),
            Text::from(0u8),
            Text::from(i64::MIN),
        ];
        for text in &texts {
            assert!(text.with_bytes(|bytes| bytes == text.as_bytes()));
        }
    }

    #[test]
    fn debug_is_the_string() {
        use core::fmt::Write;
        let mut s = heapless_buf::Buf::default();
        write!(s, "{:?}", Text::from("a\"b")).ok();
        assert_eq!(s.as_str(), "\"a\\\"b\"");
    }

    /// A tiny fixed buffer so this test also runs without `alloc`.
    mod heapless_buf {
        #[derive(Default)]
        pub struct Buf {
            bytes: [u8; 32],
            len: usize,
        }
        impl Buf {
            pub fn as_str(&self) -> &str {
                core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("<invalid>")
            }
        }
        impl core::fmt::Write for Buf {
            fn write_str(&mut self, s: &str) -> core::fmt::Result {
                let end = self.len + s.len();
                let dst = self.bytes.get_mut(self.len..end).ok_or(core::fmt::Error)?;
                dst.copy_from_slice(s.as_bytes());
                self.len = end;
                Ok(())
            }
        }
    }
}
