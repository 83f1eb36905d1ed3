//! [`Event`]: one server-sent event, built field by field and validated as it is built.

use core::fmt;
use core::time::Duration;

use crate::error::{EventError, Field};
use crate::find;
use crate::lines::{self, LineKind};
use crate::sink::Counter;
use crate::text::Text;

/// One server-sent event: optional comment, event type, id, retry and data.
///
/// It borrows its text (`Event<'a>`) or, with feature `alloc`, owns it (`Event<'static>`).
/// Every field is checked when it is set, so a built event always encodes: the event type
/// and id refuse CR and LF, the id also NUL ([`EventError`] names the field and offset).
/// Data and comments may hold any text; line breaks (LF, CR, CRLF) become one line each.
///
/// Fields are written in the order comment, `event`, `id`, `retry`, `data`, then the
/// blank line that dispatches the event. An event without data (only a comment, id or
/// retry) is written too, but a browser dispatches nothing for it.
///
/// ```
/// use ssekit_core::Event;
/// use std::time::Duration;
///
/// let event = Event::new()
///     .with_event_type("update")?
///     .with_id("42")?
///     .with_retry(Duration::from_secs(3))
///     .with_data("line one\nline two");
///
/// let mut buf = [0u8; 128];
/// let n = event.encode_to_slice(&mut buf)?;
/// assert_eq!(
///     &buf[..n],
///     b"event: update\nid: 42\nretry: 3000\ndata: line one\ndata: line two\n\n"
/// );
/// assert!(Event::new().with_id("a\nb").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
#[must_use = "an event does nothing until it is encoded or sent"]
pub struct Event<'a> {
    pub(crate) comment: Option<Lines<'a>>,
    pub(crate) event_type: Option<Text<'a>>,
    pub(crate) id: Option<Text<'a>>,
    pub(crate) retry_ms: Option<u64>,
    pub(crate) data: Option<Lines<'a>>,
}

/// A value written as lines of one kind (data, comment). A value without line breaks is
/// measured when it is set: the search for a break that tells it is the one pass over it. A
/// value with breaks is measured only when its length is asked for, so that writing it into
/// a `Vec`, which needs no length, reads it once.
#[derive(Clone)]
pub(crate) struct Lines<'a> {
    pub(crate) text: Text<'a>,
    /// The encoded length, or [`MULTI_LINE`] when the value has line breaks (one word: an
    /// event is moved by value as it is built).
    len: usize,
}

/// [`Lines::len`] of a value with line breaks: measured on demand.
const MULTI_LINE: usize = usize::MAX;

impl<'a> Lines<'a> {
    #[inline(always)]
    pub(crate) fn new(kind: LineKind, text: Text<'a>) -> Self {
        let len = text.with_bytes(|bytes| {
            if crate::find::find_break(bytes).is_some() {
                MULTI_LINE
            } else {
                kind.line_len(bytes.len())
            }
        });
        Lines { text, len }
    }

    /// A value known to have no line break, with its encoded length.
    pub(crate) const fn single(text: Text<'a>, encoded_len: usize) -> Self {
        Lines {
            text,
            len: encoded_len,
        }
    }

    /// The encoded length as lines of `kind`, which must be the kind it was set with (the
    /// stored length of a value without breaks is that kind's): stored, or for a value
    /// with line breaks, counted by the writer's own code.
    #[inline(always)]
    pub(crate) fn encoded_len(&self, kind: LineKind) -> usize {
        if self.multi_line() {
            self.measure(kind)
        } else {
            self.len
        }
    }

    /// At most [`encoded_len`](Self::encoded_len), with no pass over the value. A value with
    /// breaks has two lines or more; each line takes at least `kind.empty` (prefix and LF),
    /// and each break but the last line's takes at most 2 bytes of the value (CRLF).
    #[cfg(any(feature = "alloc", test))]
    #[inline(always)]
    pub(crate) fn encoded_len_at_least(&self, kind: LineKind) -> usize {
        if self.multi_line() {
            self.text_len() + 2 * kind.empty.len() - 2
        } else {
            self.len
        }
    }

    /// The bytes of the value's text, before encoding (read without a reference into the
    /// [`Text`], as everything else here: see [`Text::with_bytes`]).
    #[cfg(any(feature = "alloc", test))]
    #[inline(always)]
    pub(crate) fn text_len(&self) -> usize {
        self.text.with_bytes(<[u8]>::len)
    }

    #[inline(never)]
    fn measure(&self, kind: LineKind) -> usize {
        let mut counter = Counter::default();
        self.text
            .with_bytes(|bytes| lines::write_lines(kind, bytes, &mut counter));
        counter.0
    }

    /// Whether the value has line breaks.
    #[inline(always)]
    pub(crate) fn multi_line(&self) -> bool {
        self.len == MULTI_LINE
    }
}

impl<'a> Event<'a> {
    /// An event with no fields yet.
    pub const fn new() -> Self {
        Event {
            comment: None,
            event_type: None,
            id: None,
            retry_ms: None,
            data: None,
        }
    }

    /// The keep-alive event: an empty comment, encoded as [`KEEP_ALIVE`](crate::KEEP_ALIVE)
    /// (`":\n\n"`). Clients ignore it; proxies see traffic. Building and encoding it allocate nothing.
    ///
    /// ```
    /// let mut buf = [0u8; 8];
    /// let n = ssekit_core::Event::keep_alive().encode_to_slice(&mut buf).unwrap();
    /// assert_eq!(&buf[..n], ssekit_core::KEEP_ALIVE);
    /// ```
    pub const fn keep_alive() -> Event<'static> {
        Event {
            comment: Some(Lines::single(
                Text::borrowed(""),
                lines::COMMENT.empty.len(),
            )),
            event_type: None,
            id: None,
            retry_ms: None,
            data: None,
        }
    }

    /// Sets the data. Any text is accepted: each line (split on LF, CR or CRLF) becomes one
    /// `data:` line, and a client joins them back with LF. Empty data is one `data:` line,
    /// so the event is still dispatched.
    #[inline(always)]
    pub fn with_data(self, data: impl Into<Text<'a>>) -> Self {
        Event {
            data: Some(Lines::new(lines::DATA, data.into())),
            ..self
        }
    }

    /// Sets the event type (the `event` field; clients default it to `message`).
    ///
    /// Refused when it contains CR or LF.
    #[inline(always)]
    pub fn with_event_type(self, event_type: impl Into<Text<'a>>) -> Result<Self, EventError> {
        let event_type = event_type.into();
        event_type.with_bytes(|value| check(Field::EventType, value))?;
        Ok(Event {
            event_type: Some(event_type),
            ..self
        })
    }

    /// Sets the id: clients remember it as the last event ID and send it back in
    /// `Last-Event-ID` when they reconnect. An empty id resets it.
    ///
    /// Refused when it contains CR, LF or NUL (see [`validate_id`]).
    #[inline(always)]
    pub fn with_id(self, id: impl Into<Text<'a>>) -> Result<Self, EventError> {
        let id = id.into();
        id.with_bytes(|value| check(Field::Id, value))?;
        Ok(Event {
            id: Some(id),
            ..self
        })
    }

    /// Removes the id, if any: for an event whose id is given later, on its encoded form
    /// (`EncodedEvent::with_id`, feature `bytes`).
    #[inline(always)]
    pub fn without_id(self) -> Self {
        Event { id: None, ..self }
    }

    /// Sets the reconnection time clients wait before reconnecting, written in whole
    /// milliseconds (more than `u64::MAX` ms is written as `u64::MAX`).
    #[inline(always)]
    pub fn with_retry(self, reconnection_time: Duration) -> Self {
        let ms = u64::try_from(reconnection_time.as_millis()).unwrap_or(u64::MAX);
        Event {
            retry_ms: Some(ms),
            ..self
        }
    }

    /// Sets a comment: one `:` line per line of text. Clients ignore comments.
    #[inline(always)]
    pub fn with_comment(self, comment: impl Into<Text<'a>>) -> Self {
        Event {
            comment: Some(Lines::new(lines::COMMENT, comment.into())),
            ..self
        }
    }

    /// The event type, if set.
    pub fn event_type(&self) -> Option<&str> {
        self.event_type.as_deref()
    }

    /// The id, if set.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The reconnection time, if set, in whole milliseconds.
    pub fn retry(&self) -> Option<Duration> {
        self.retry_ms.map(Duration::from_millis)
    }

    /// The comment, if set.
    pub fn comment(&self) -> Option<&str> {
        self.comment.as_ref().map(|c| c.text.as_str())
    }

    /// The data, if set (JSON data as its serialized text).
    pub fn data(&self) -> Option<&str> {
        self.data.as_ref().map(|lines| lines.text.as_str())
    }

    /// Whether the event has data (only then does a client dispatch it).
    pub fn has_data(&self) -> bool {
        self.data.is_some()
    }

    /// The same event, owning all its text (an allocation per borrowed field).
    #[cfg(feature = "alloc")]
    pub fn into_owned(self) -> Event<'static> {
        let owned = |lines: Lines<'a>| Lines {
            text: lines.text.into_owned(),
            len: lines.len,
        };
        Event {
            comment: self.comment.map(owned),
            event_type: self.event_type.map(Text::into_owned),
            id: self.id.map(Text::into_owned),
            retry_ms: self.retry_ms,
            data: self.data.map(owned),
        }
    }
}

/// Checks that `id` can be sent as an event's id, or received as a `Last-Event-ID`
/// header: no CR, LF or NUL.
///
/// ```
/// assert!(ssekit_core::validate_id("order-17").is_ok());
/// assert!(ssekit_core::validate_id("a\0b").is_err());
/// ```
#[inline(always)]
pub fn validate_id(id: &str) -> Result<(), EventError> {
    check(Field::Id, id.as_bytes())
}

#[inline(always)]
fn check(field: Field, bytes: &[u8]) -> Result<(), EventError> {
    let found = match field {
        Field::EventType | Field::Data => find::find_break(bytes),
        Field::Id => find::find_break_or_nul(bytes),
    };
    match found {
        None => Ok(()),
        Some(offset) => Err(EventError::InvalidByte {
            field,
            offset,
            byte: bytes.get(offset).copied().unwrap_or_default(),
        }),
    }
}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Event");
        if let Some(c) = self.comment() {
            s.field("comment", &c);
        }
        if let Some(t) = self.event_type() {
            s.field("event_type", &t);
        }
        if let Some(id) = self.id() {
            s.field("id", &id);
        }
        if let Some(ms) = self.retry_ms {
            s.field("retry_ms", &ms);
        }
        if let Some(data) = self.data() {
            s.field("data", &data);
        }
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_type_refuses_cr_and_lf_but_not_nul() {
        for (value, offset, byte) in [("a\rb", 1, b'\r'), ("ab\n", 2, b'\n'), ("\r\n", 0, b'\r')] {
            match Event::new().with_event_type(value) {
                Err(EventError::InvalidByte {
                    field: Field::EventType,
                    offset: o,
                    byte: b,
                }) => assert_eq!((o, b), (offset, byte), "{value:?}"),
                other => panic!("{value:?}: {other:?}"),
            }
        }
        assert!(Event::new().with_event_type("a\0b").is_ok());
    }

    #[test]
    fn id_refuses_cr_lf_and_nul() {
        for (value, offset, byte) in [("x\0", 1, 0), ("\n", 0, b'\n'), ("ab\rc", 2, b'\r')] {
            match Event::new().with_id(value) {
                Err(EventError::InvalidByte {
                    field: Field::Id,
                    offset: o,
                    byte: b,
                }) => assert_eq!((o, b), (offset, byte), "{value:?}"),
                other => panic!("{value:?}: {other:?}"),
            }
        }
        assert!(Event::new().with_id("").is_ok());
        assert!(validate_id("ünïcode").is_ok());
    }

    #[test]
    fn getters_return_what_was_set() {
        let e = Event::new()
            .with_event_type("t")
            .and_then(|e| e.with_id("7"))
            .map(|e| {
                e.with_comment("c")
                    .with_data("d")
                    .with_retry(Duration::from_millis(1500))
            });
        let e = e.ok();
        let e = e.as_ref();
        assert_eq!(e.and_then(Event::event_type), Some("t"));
        assert_eq!(e.and_then(Event::id), Some("7"));
        assert_eq!(e.and_then(Event::comment), Some("c"));
        assert_eq!(e.and_then(Event::data), Some("d"));
        assert_eq!(e.and_then(Event::retry), Some(Duration::from_millis(1500)));
        assert!(e.is_some_and(Event::has_data));
        assert!(!Event::new().has_data());
    }

    #[test]
    fn retry_saturates_and_truncates_to_milliseconds() {
        assert_eq!(
            Event::new().with_retry(Duration::MAX).retry_ms,
            Some(u64::MAX)
        );
        assert_eq!(
            Event::new()
                .with_retry(Duration::from_micros(2999))
                .retry_ms,
            Some(2)
        );
    }

    #[test]
    fn every_short_value_is_measured_exactly_and_bounded_below() {
        let alphabet = [b'a', b'\r', b'\n'];
        let mut bytes = [0u8; 7];
        let mut reached = [false; 2];
        for len in 0..=bytes.len() {
            for code in 0..3usize.pow(len as u32) {
                let mut c = code;
                for b in &mut bytes[..len] {
                    *b = alphabet[c % 3];
                    c /= 3;
                }
                let text = core::str::from_utf8(&bytes[..len]).unwrap_or_default();
                for (k, kind) in [lines::DATA, lines::COMMENT].into_iter().enumerate() {
                    let value = Lines::new(kind, Text::from(text));
                    let mut written = Counter::default();
                    lines::write_lines(kind, text.as_bytes(), &mut written);
                    assert_eq!(value.encoded_len(kind), written.0, "{text:?}");
                    let at_least = value.encoded_len_at_least(kind);
                    assert!(at_least <= written.0, "{text:?}");
                    reached[k] |= value.multi_line() && at_least == written.0;
                }
            }
        }
        // The bound is as high as it can be: some multi-line value meets it.
        assert_eq!(reached, [true, true]);
    }

    #[test]
    fn lines_are_measured_when_set_or_when_asked() {
        let l = Lines::new(lines::DATA, Text::from("a\r\nb"));
        assert!(l.multi_line());
        assert_eq!(l.encoded_len(lines::DATA), "data: a\ndata: b\n".len());
        assert_eq!(l.encoded_len(lines::COMMENT), ":a\n:b\n".len());
        assert_eq!(l.encoded_len_at_least(lines::DATA), "a\r\nb".len() + 10);
        let l = Lines::new(lines::DATA, Text::from(""));
        assert!(!l.multi_line());
        assert_eq!(l.encoded_len(lines::DATA), "data:\n".len());
        assert_eq!(l.encoded_len_at_least(lines::DATA), "data:\n".len());
    }
}
