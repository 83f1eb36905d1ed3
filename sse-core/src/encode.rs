//! Encoding an [`Event`]: its exact length, then its bytes into a slice, a `Vec` or a `BufMut`.

use crate::error::EncodeError;
use crate::event::{Event, Lines};
use crate::lines::{self, LineKind};
use crate::sink::{Sink, SliceSink};

/// The keep-alive comment as bytes: what [`Event::keep_alive`] encodes to.
pub const KEEP_ALIVE: &[u8] = b":\n\n";

impl Event<'_> {
    /// The exact number of bytes this event encodes to. Constant time for an event whose
    /// data and comment have no line breaks (every field was measured when it was set); a
    /// multi-line data or comment value is counted here, in one pass over it.
    #[inline]
    pub fn encoded_len(&self) -> usize {
        self.len_with(|value, kind| value.encoded_len(kind))
    }

    /// Whether [`encoded_len`](Self::encoded_len) is known without a pass over a value: no
    /// data or comment with line breaks.
    #[cfg(feature = "bytes")]
    #[inline]
    pub(crate) fn len_is_known(&self) -> bool {
        let multi_line = |value: &Option<Lines<'_>>| value.as_ref().is_some_and(Lines::multi_line);
        !multi_line(&self.data) && !multi_line(&self.comment)
    }

    /// The bytes of text in the data and comment values, before encoding.
    #[cfg(feature = "bytes")]
    pub(crate) fn text_len(&self) -> usize {
        let len = |value: &Option<Lines<'_>>| value.as_ref().map_or(0, Lines::text_len);
        len(&self.data) + len(&self.comment)
    }

    /// The encoded length, with `lines_len` for the data and comment values.
    #[inline(always)]
    fn len_with(&self, lines_len: impl Fn(&Lines<'_>, LineKind) -> usize) -> usize {
        let data = self
            .data
            .as_ref()
            .map_or(0, |data| lines_len(data, lines::DATA));
        self.fields_len_with(lines_len) + data + 1
    }

    /// The length of the fields before the data ([`write_fields`](Self::write_fields)).
    #[inline(always)]
    fn fields_len_with(&self, lines_len: impl Fn(&Lines<'_>, LineKind) -> usize) -> usize {
        let comment = self
            .comment
            .as_ref()
            .map_or(0, |c| lines_len(c, lines::COMMENT));
        let event_type = self
            .event_type
            .as_ref()
            .map_or(0, |t| lines::EVENT.line_len(t.len()));
        let id = self
            .id
            .as_ref()
            .map_or(0, |id| lines::ID.line_len(id.len()));
        let retry = self
            .retry_ms
            .map_or(0, |ms| lines::RETRY.line_len(digits(ms)));
        comment + event_type + id + retry
    }

    /// Encodes into `buf` and returns the number of bytes written, or, when `buf` is shorter
    /// than [`encoded_len`](Self::encoded_len), [`EncodeError::BufferTooSmall`] with `buf`
    /// left untouched. Never allocates.
    ///
    /// ```
    /// use ssekit_core::{EncodeError, Event};
    /// let event = Event::new().with_data("hi");
    /// let mut small = [0u8; 4];
    /// assert_eq!(
    ///     event.encode_to_slice(&mut small),
    ///     Err(EncodeError::BufferTooSmall { required: 10, available: 4 })
    /// );
    /// let mut buf = [0u8; 16];
    /// let n = event.encode_to_slice(&mut buf).unwrap();
    /// assert_eq!(&buf[..n], b"data: hi\n\n");
    /// ```
    #[inline]
    pub fn encode_to_slice(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let required = self.encoded_len();
        if buf.len() < required {
            return Err(EncodeError::BufferTooSmall {
                required,
                available: buf.len(),
            });
        }
        self.write_to(&mut SliceSink::new(buf));
        Ok(required)
    }

    /// Appends the encoded event to `out` and returns the number of bytes appended. Allocates
    /// only if `out` must grow, and reads a multi-line value once: it reserves
    /// [`encoded_len`](Self::encoded_len) when that is known without a pass, and otherwise
    /// as much as the event needs at least, growing `out` as it writes if it must.
    ///
    /// ```
    /// let mut out = Vec::with_capacity(64);
    /// ssekit_core::Event::new().with_data("a\r\nb").encode_to_vec(&mut out).unwrap();
    /// assert_eq!(out, b"data: a\ndata: b\n\n");
    /// ```
    ///
    /// # Errors
    ///
    /// None: a `Vec` grows. The `Result` keeps the shape of the other encoders, whose
    /// output can be too small.
    #[cfg(feature = "alloc")]
    #[inline]
    pub fn encode_to_vec(&self, out: &mut alloc::vec::Vec<u8>) -> Result<usize, EncodeError> {
        let start = out.len();
        out.reserve(self.len_with(|value, kind| value.encoded_len_at_least(kind)));
        self.write_to(out);
        Ok(out.len() - start)
    }

    /// Writes the encoded event into any [`bytes::BufMut`] (a `BytesMut`, a `Vec<u8>`, a
    /// `&mut [u8]`, ...). When [`remaining_mut`](bytes::BufMut::remaining_mut) is less than
    /// [`encoded_len`](Self::encoded_len), returns [`EncodeError::BufferTooSmall`] and writes nothing.
    ///
    /// ```
    /// let mut out = bytes::BytesMut::with_capacity(64);
    /// ssekit_core::Event::new().with_data("hi").encode_to_buf(&mut out).unwrap();
    /// assert_eq!(&out[..], b"data: hi\n\n");
    /// ```
    #[cfg(feature = "bytes")]
    pub fn encode_to_buf<B: bytes::BufMut + ?Sized>(
        &self,
        buf: &mut B,
    ) -> Result<usize, EncodeError> {
        let required = self.encoded_len();
        let available = buf.remaining_mut();
        if available < required {
            return Err(EncodeError::BufferTooSmall {
                required,
                available,
            });
        }
        self.write_to(&mut crate::sink::BufMutSink(buf));
        Ok(required)
    }

    /// The encoded event as one [`bytes::Bytes`]: exactly one allocation of exactly
    /// [`encoded_len`](Self::encoded_len) bytes. This is what a streaming body sends per event.
    ///
    /// ```
    /// let bytes = ssekit_core::Event::new().with_data("hi").to_bytes().unwrap();
    /// assert_eq!(&bytes[..], b"data: hi\n\n");
    /// ```
    #[cfg(feature = "bytes")]
    #[inline]
    pub fn to_bytes(&self) -> Result<bytes::Bytes, EncodeError> {
        Ok(crate::sink::bytes_of(self.encoded_len(), |buf| {
            self.write_to(buf)
        }))
    }

    /// Writes every field, then the blank line. One pass over each value.
    pub(crate) fn write_to<S: Sink>(&self, sink: &mut S) {
        self.write_fields(sink);
        if let Some(data) = &self.data {
            write_value(lines::DATA, data, sink);
        }
        sink.put(b"\n");
    }

    /// The length of the fields before the data ([`write_fields`](Self::write_fields)).
    #[cfg(feature = "bytes")]
    pub(crate) fn fields_len(&self) -> usize {
        self.fields_len_with(|value, kind| value.encoded_len(kind))
    }

    /// Writes the fields before the data: comment, event type, id, retry.
    pub(crate) fn write_fields<S: Sink>(&self, sink: &mut S) {
        if let Some(comment) = &self.comment {
            write_value(lines::COMMENT, comment, sink);
        }
        if let Some(event_type) = &self.event_type {
            event_type.with_bytes(|value| lines::EVENT.write_line(value, sink));
        }
        if let Some(id) = &self.id {
            id.with_bytes(|value| lines::ID.write_line(value, sink));
        }
        if let Some(ms) = self.retry_ms {
            lines::RETRY.write_line(crate::Text::from(ms).as_bytes(), sink);
        }
    }
}

fn write_value<S: Sink>(kind: lines::LineKind, value: &crate::event::Lines<'_>, sink: &mut S) {
    value.text.with_bytes(|text| {
        if value.multi_line() {
            lines::write_lines(kind, text, sink);
        } else {
            kind.write_line(text, sink);
        }
    });
}

/// How many decimal digits `n` has.
#[inline]
const fn digits(n: u64) -> usize {
    match n.checked_ilog10() {
        Some(d) => d as usize + 1,
        None => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    fn encode(event: &Event<'_>) -> ([u8; 256], usize) {
        let mut buf = [0u8; 256];
        let n = event.encode_to_slice(&mut buf).unwrap_or(usize::MAX);
        assert_eq!(n, event.encoded_len(), "{event:?}");
        (buf, n)
    }

    fn check(event: Event<'_>, want: &[u8]) {
        let (buf, n) = encode(&event);
        assert_eq!(
            core::str::from_utf8(&buf[..n]),
            core::str::from_utf8(want),
            "{event:?}"
        );
    }

    #[test]
    fn data_lines() {
        check(Event::new().with_data("x"), b"data: x\n\n");
        check(Event::new().with_data(""), b"data:\n\n");
        check(Event::new().with_data("a\nb"), b"data: a\ndata: b\n\n");
        check(Event::new().with_data("a\rb"), b"data: a\ndata: b\n\n");
        check(Event::new().with_data("a\r\nb"), b"data: a\ndata: b\n\n");
        check(Event::new().with_data("a\n"), b"data: a\ndata:\n\n");
        check(Event::new().with_data("\n"), b"data:\ndata:\n\n");
        check(Event::new().with_data(" lead"), b"data:  lead\n\n");
    }

    #[test]
    fn all_fields_in_order() -> Result<(), crate::EventError> {
        let event = Event::new()
            .with_data("d")
            .with_retry(Duration::from_millis(0))
            .with_id("")?
            .with_event_type("e")?
            .with_comment("c1\nc2");
        check(event, b":c1\n:c2\nevent: e\nid:\nretry: 0\ndata: d\n\n");
        Ok(())
    }

    #[test]
    fn comments_and_keep_alive() {
        check(Event::new().with_comment(""), b":\n\n");
        check(Event::new().with_comment(" ping"), b": ping\n\n");
        check(Event::keep_alive(), KEEP_ALIVE);
        check(Event::new(), b"\n");
    }

    #[test]
    fn retry_digits() {
        for (ms, want) in [
            (0u64, "0"),
            (9, "9"),
            (10, "10"),
            (3000, "3000"),
            (u64::MAX, "18446744073709551615"),
        ] {
            assert_eq!(crate::Text::from(ms), want);
            assert_eq!(digits(ms), want.len());
        }
    }

    #[test]
    fn too_small_buffer_is_untouched_and_says_what_it_needs() {
        let event = Event::new().with_data("hello\nworld");
        let need = event.encoded_len();
        for len in 0..need {
            let mut buf = [0xAAu8; 64];
            assert_eq!(
                event.encode_to_slice(&mut buf[..len]),
                Err(EncodeError::BufferTooSmall {
                    required: need,
                    available: len
                })
            );
            assert!(buf.iter().all(|&b| b == 0xAA));
        }
        let mut exact = [0u8; 64];
        assert_eq!(event.encode_to_slice(&mut exact[..need]), Ok(need));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn vec_appends() {
        let mut out = alloc::vec::Vec::from(&b"prefix"[..]);
        assert_eq!(Event::new().with_data("x").encode_to_vec(&mut out), Ok(9));
        assert_eq!(out, b"prefixdata: x\n\n");
    }

    #[cfg(feature = "bytes")]
    #[test]
    fn bufmut_refuses_when_short_and_writes_nothing() {
        let mut backing = [0u8; 4];
        let mut buf: &mut [u8] = &mut backing;
        assert_eq!(
            Event::new().with_data("x").encode_to_buf(&mut buf),
            Err(EncodeError::BufferTooSmall {
                required: 9,
                available: 4
            })
        );
        assert_eq!(backing, [0; 4]);
        let bytes = Event::new().with_data("x").to_bytes();
        assert_eq!(bytes.as_deref(), Ok(&b"data: x\n\n"[..]));
    }
}
