//! What the event layer yields: [`Decoded`] items and the [`MessageEvent`]s they carry.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::time::Duration;

use arrayvec::ArrayString;

use crate::part::{part, part_str};
use crate::utf8::utf8;

/// The type of an event whose stream set none.
pub(super) const DEFAULT_TYPE: &str = "message";

/// An event type as a stream sets it, or [`DEFAULT_TYPE`] when it set none (empty).
#[inline(always)]
fn type_or_default(event_type: &[u8]) -> &[u8] {
    if event_type.is_empty() {
        DEFAULT_TYPE.as_bytes()
    } else {
        event_type
    }
}

/// A dispatched event (DOM's MessageEvent): type, data, last event ID.
///
/// The three strings are kept together, with two split offsets: inline when they are valid
/// UTF-8 of at most 56 bytes together (no allocation: ticks, counters, short JSON), else in
/// ONE heap allocation, so a decoded event costs at most one. Large data (4 KiB or more, or
/// a data line that arrived in pieces of 1 KiB or more) is not even copied: the event keeps
/// the buffer the decoder assembled it in. Events compare and hash by their strings, wherever
/// they are kept.
///
/// ```
/// use ssekit_core::MessageEvent;
///
/// let event = MessageEvent::new("tick", "{\"n\":1}", "7");
/// assert_eq!(event.event_type(), "tick");
/// assert_eq!(event.data(), "{\"n\":1}");
/// assert_eq!(event.last_event_id(), "7");
/// assert_eq!(MessageEvent::new("", "x", "").event_type(), "message");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MessageEvent {
    /// Data, type and last event ID, in that order.
    buf: EventText,
    /// End of the data in `buf`.
    data_end: usize,
    /// End of the type in `buf`.
    type_end: usize,
}

/// How many bytes of text (data, type and id together) an event holds without an
/// allocation: as many as fit in the room a `String` and the tag leave (the event is 80
/// bytes either way).
const INLINE: usize = 56;

const _: () = assert!(core::mem::size_of::<MessageEvent>() <= 80);

/// The text of a [`MessageEvent`]: inline when short (no allocation), else on the heap.
/// Compared and hashed as text, whichever it is.
#[derive(Clone)]
enum EventText {
    Inline(ArrayString<INLINE>),
    Heap(String),
}

impl EventText {
    #[inline]
    fn as_str(&self) -> &str {
        match self {
            EventText::Inline(text) => text,
            EventText::Heap(text) => text,
        }
    }
}

impl PartialEq for EventText {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for EventText {}

impl Hash for EventText {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl MessageEvent {
    /// An event with these strings (inline when short, else in one allocation). An empty
    /// `event_type` means `"message"`, as in a stream.
    pub fn new(event_type: &str, data: &str, last_event_id: &str) -> Self {
        let event_type = if event_type.is_empty() {
            DEFAULT_TYPE
        } else {
            event_type
        };
        // Text already: only the short, inline path checks it again (joined, in one pass).
        Self::inline(
            event_type.as_bytes(),
            data.as_bytes(),
            last_event_id.as_bytes(),
        )
        .unwrap_or_else(|| Self::from_parts(data, event_type, last_event_id))
    }

    /// The event from raw parts, copied inline when short, else into one new allocation:
    /// each part is checked as UTF-8 where it lies and copied as text (one pass each); when
    /// a part is not valid UTF-8, each part is decoded on its own, lossily.
    #[inline(always)]
    pub(super) fn from_raw(event_type: &[u8], data: &[u8], last_event_id: &[u8]) -> Self {
        if let Some(event) = Self::inline(event_type, data, last_event_id) {
            return event;
        }
        let event_type = type_or_default(event_type);
        // Each part checked where it is (simdutf8), then copied as text: no second check.
        let (Some(data), Some(event_type), Some(id)) =
            (utf8(data), utf8(event_type), utf8(last_event_id))
        else {
            return Self::lossy(data, event_type, last_event_id);
        };
        Self::from_parts(data, event_type, id)
    }

    /// The event of these three strings, copied into one new allocation of their size (the
    /// type already defaulted: `"message"` for none).
    #[inline(always)]
    fn from_parts(data: &str, event_type: &str, last_event_id: &str) -> Self {
        let mut text = String::with_capacity(data.len() + event_type.len() + last_event_id.len());
        text.push_str(data);
        text.push_str(event_type);
        text.push_str(last_event_id);
        Self {
            buf: EventText::Heap(text),
            data_end: data.len(),
            type_end: data.len() + event_type.len(),
        }
    }

    /// The event from raw parts, inline: `None` when they are too long for it or not valid
    /// UTF-8 (then made on the heap, lossily). The parts are joined on the stack and checked
    /// in one pass (one call is cheaper than one per part, measured).
    #[inline(always)]
    fn inline(event_type: &[u8], data: &[u8], last_event_id: &[u8]) -> Option<Self> {
        let event_type = type_or_default(event_type);
        let data_end = data.len();
        let type_end = data_end + event_type.len();
        let end = type_end + last_event_id.len();
        if end > INLINE {
            return None;
        }
        let mut raw = [0; INLINE];
        raw.get_mut(..data_end)?.copy_from_slice(data);
        raw.get_mut(data_end..type_end)?.copy_from_slice(event_type);
        raw.get_mut(type_end..end)?.copy_from_slice(last_event_id);
        let text = core::str::from_utf8(raw.get(..end)?).ok()?;
        // Valid as a whole and split at character boundaries: each part is valid.
        if !(text.is_char_boundary(data_end) && text.is_char_boundary(type_end)) {
            return None;
        }
        let mut inline = ArrayString::new();
        inline.try_push_str(text).ok()?;
        Some(Self {
            buf: EventText::Inline(inline),
            data_end,
            type_end,
        })
    }

    /// The event whose data is all of `buf`: the type and id are appended, and the whole is
    /// checked as UTF-8 once. Only invalid input takes the slower lossy path, which decodes
    /// each part on its own, as its lines were on the wire.
    #[inline(always)]
    pub(super) fn around_data(mut buf: Vec<u8>, event_type: &[u8], last_event_id: &[u8]) -> Self {
        let event_type = type_or_default(event_type);
        let data_end = buf.len();
        buf.extend_from_slice(event_type);
        let type_end = buf.len();
        buf.extend_from_slice(last_event_id);
        match String::from_utf8(buf) {
            // Valid as a whole and split at character boundaries: each part is valid.
            Ok(buf) if buf.is_char_boundary(data_end) && buf.is_char_boundary(type_end) => Self {
                buf: EventText::Heap(buf),
                data_end,
                type_end,
            },
            Ok(buf) => Self::lossy_joined(buf.as_bytes(), data_end, type_end),
            Err(e) => Self::lossy_joined(e.as_bytes(), data_end, type_end),
        }
    }

    /// The event whose data is all of `text` (decoded already): the type and id are
    /// decoded onto its end, each on its own (lossily, as their lines were on the wire).
    pub(super) fn around_text(mut text: String, event_type: &[u8], last_event_id: &[u8]) -> Self {
        let event_type = type_or_default(event_type);
        let data_end = text.len();
        push_lossy(&mut text, event_type);
        let type_end = text.len();
        push_lossy(&mut text, last_event_id);
        if text.capacity() / 2 > text.len() {
            // Sized for a larger event before (the decoder reserves what the last one
            // took): the event does not keep over twice the memory it needs.
            text.shrink_to_fit();
        }
        Self {
            buf: EventText::Heap(text),
            data_end,
            type_end,
        }
    }

    /// [`around_data`](Self::around_data) for invalid input: the parts of `raw` (data, type
    /// and id, split at `data_end` and `type_end`) decoded lossily.
    #[cold]
    fn lossy_joined(raw: &[u8], data_end: usize, type_end: usize) -> Self {
        Self::lossy(
            part(raw, ..data_end),
            part(raw, data_end..type_end),
            part(raw, type_end..),
        )
    }

    /// An event from parts not all valid UTF-8: each part decoded on its own, lossily (as
    /// its lines were on the wire).
    #[cold]
    fn lossy(data: &[u8], event_type: &[u8], last_event_id: &[u8]) -> Self {
        Self::from_parts(
            &String::from_utf8_lossy(data),
            &String::from_utf8_lossy(event_type),
            &String::from_utf8_lossy(last_event_id),
        )
    }

    /// The event type: the stream's `event` field, or `"message"` when it set none.
    #[inline]
    pub fn event_type(&self) -> &str {
        part_str(self.buf.as_str(), self.data_end..self.type_end)
    }

    /// The lengths of the data and of the event type, in bytes (what the event-size limit
    /// counts), without slicing the text.
    #[inline]
    pub(super) fn data_and_type_len(&self) -> (usize, usize) {
        (self.data_end, self.type_end - self.data_end)
    }

    /// The data: the `data` values joined with LF.
    #[inline]
    pub fn data(&self) -> &str {
        part_str(self.buf.as_str(), ..self.data_end)
    }

    /// The last event ID at the time of dispatch (`""` when none).
    #[inline]
    pub fn last_event_id(&self) -> &str {
        part_str(self.buf.as_str(), self.type_end..)
    }
}

impl fmt::Debug for MessageEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageEvent")
            .field("event_type", &self.event_type())
            .field("data", &self.data())
            .field("last_event_id", &self.last_event_id())
            .finish()
    }
}

/// What the decoder yields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decoded {
    /// A dispatched event.
    Event(MessageEvent),
    /// An accepted `retry` field, in the order its line was processed (before the event of
    /// the same block).
    Retry(Duration),
    /// A comment line's text (after the ':'), only when comments are enabled.
    Comment(String),
}

/// A dispatched event borrowed from the [`Decoder`](crate::Decoder), as
/// [`Decoder::feed_ref`](crate::Decoder::feed_ref) lends it: no allocation, valid until
/// the next call. [`MessageEvent::from`] makes an owned copy.
///
/// ```
/// use ssekit_core::{MessageEvent, MessageEventRef};
///
/// let event = MessageEventRef::new("tick", "1", "7");
/// assert_eq!((event.event_type(), event.data(), event.last_event_id()), ("tick", "1", "7"));
/// assert_eq!(MessageEvent::from(event), MessageEvent::new("tick", "1", "7"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageEventRef<'a> {
    event_type: &'a str,
    data: &'a str,
    last_event_id: &'a str,
}

impl<'a> MessageEventRef<'a> {
    /// An event made of these strings. An empty `event_type` means `"message"`.
    pub fn new(event_type: &'a str, data: &'a str, last_event_id: &'a str) -> Self {
        let event_type = if event_type.is_empty() {
            DEFAULT_TYPE
        } else {
            event_type
        };
        MessageEventRef {
            event_type,
            data,
            last_event_id,
        }
    }

    /// The event type: the stream's `event` field, or `"message"` when it set none.
    #[inline]
    pub fn event_type(&self) -> &'a str {
        self.event_type
    }

    /// The data: the `data` values joined with LF.
    #[inline]
    pub fn data(&self) -> &'a str {
        self.data
    }

    /// The last event ID at the time of dispatch (`""` when none).
    #[inline]
    pub fn last_event_id(&self) -> &'a str {
        self.last_event_id
    }
}

impl From<MessageEventRef<'_>> for MessageEvent {
    fn from(event: MessageEventRef<'_>) -> Self {
        MessageEvent::new(event.event_type, event.data, event.last_event_id)
    }
}

/// What [`Decoder::feed_ref`](crate::Decoder::feed_ref) lends: a [`Decoded`] item
/// that borrows its text from the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodedRef<'a> {
    /// A dispatched event.
    Event(MessageEventRef<'a>),
    /// An accepted `retry` field.
    Retry(Duration),
    /// A comment line's text (after the ':'), only when comments are enabled.
    Comment(&'a str),
}

impl From<DecodedRef<'_>> for Decoded {
    fn from(item: DecodedRef<'_>) -> Self {
        match item {
            DecodedRef::Event(event) => Decoded::Event(event.into()),
            DecodedRef::Retry(time) => Decoded::Retry(time),
            DecodedRef::Comment(text) => Decoded::Comment(text.into()),
        }
    }
}

/// Appends `bytes` decoded as UTF-8, each invalid sequence replaced with U+FFFD (as
/// `String::from_utf8_lossy` does), without allocating beyond `dst`'s growth.
pub(super) fn push_lossy(dst: &mut String, bytes: &[u8]) {
    match utf8(bytes) {
        Some(text) => dst.push_str(text),
        None => {
            for chunk in bytes.utf8_chunks() {
                dst.push_str(chunk.valid());
                if !chunk.invalid().is_empty() {
                    dst.push(char::REPLACEMENT_CHARACTER);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    #[test]
    fn short_events_are_inline_and_compare_as_text_wherever_kept() {
        use core::hash::BuildHasher;
        let fits = "d".repeat(INLINE - 4 - 1);
        let event = MessageEvent::new("tick", &fits, "7");
        assert!(matches!(event.buf, EventText::Inline(_)));
        assert_eq!(
            (event.event_type(), event.data(), event.last_event_id()),
            ("tick", &*fits, "7")
        );
        let over = MessageEvent::new("tick", &fits, "78");
        assert!(matches!(over.buf, EventText::Heap(_)));
        // Invalid input is decoded lossily on the heap, even when short: equal (and hashed
        // alike) to the same text kept inline.
        let lossy = MessageEvent::from_raw(b"t", b"a\xFF", b"");
        let inline = MessageEvent::new("t", "a\u{FFFD}", "");
        assert!(
            matches!(lossy.buf, EventText::Heap(_)) && matches!(inline.buf, EventText::Inline(_))
        );
        assert_eq!(lossy, inline);
        let hasher = std::hash::RandomState::new();
        assert_eq!(hasher.hash_one(&lossy), hasher.hash_one(&inline));
        // A character split between the parts' raw bytes is not kept inline as it is.
        let split = MessageEvent::from_raw(b"\xA9", b"\xC3", b"");
        assert_eq!((split.data(), split.event_type()), ("\u{FFFD}", "\u{FFFD}"));
    }

    #[test]
    fn longer_events_are_checked_part_by_part_and_copied_once() {
        let data = "€".repeat(INLINE);
        let event = MessageEvent::from_raw(b"tick", data.as_bytes(), b"7");
        assert!(matches!(event.buf, EventText::Heap(_)));
        assert_eq!(
            (event.event_type(), event.data(), event.last_event_id()),
            ("tick", &*data, "7")
        );
        assert!(matches!(&event.buf, EventText::Heap(text) if text.capacity() == text.len()));
        // A character cut between the raw parts (the whole is valid UTF-8) is not joined
        // up: each part is decoded on its own, lossily.
        let mut raw = data.clone().into_bytes();
        raw.push(0xE2);
        let event = MessageEvent::from_raw(b"\x82\xACt", &raw, b"7");
        assert_eq!(
            (event.data(), event.event_type(), event.last_event_id()),
            (&*alloc::format!("{data}\u{FFFD}"), "\u{FFFD}\u{FFFD}t", "7")
        );
        // Only the id invalid.
        let event = MessageEvent::from_raw(b"", data.as_bytes(), b"\xFF");
        assert_eq!(
            (event.data(), event.event_type(), event.last_event_id()),
            (&*data, "message", "\u{FFFD}")
        );
    }

    #[test]
    fn an_event_around_text_keeps_at_most_twice_its_size() {
        let mut text = String::with_capacity(64 * 1024);
        text.push_str("€ data");
        let event = MessageEvent::around_text(text, b"t\xFF", b"7");
        assert_eq!(
            (event.data(), event.event_type(), event.last_event_id()),
            ("€ data", "t\u{FFFD}", "7")
        );
        let EventText::Heap(text) = &event.buf else {
            panic!("a text-mode event is on the heap")
        };
        assert!(text.capacity() <= 2 * text.len());
        // Text that fills most of its room keeps it (no reallocation).
        let mut text = String::with_capacity(100);
        text.push_str(&"a".repeat(60));
        let room = text.as_ptr();
        let event = MessageEvent::around_text(text, b"", b"");
        assert_eq!(
            (event.buf.as_str().as_ptr(), event.event_type()),
            (room, "message")
        );
    }
}
