//! [`EncodedEvent`]: an event encoded once, shared by every stream that sends it.

use bytes::Bytes;

use crate::error::{EncodeError, EventError};
use crate::event::{Event, validate_id};
use crate::lines;
use crate::sink::bytes_of;

/// The wire bytes of one complete event, encoded by this crate, behind a reference count.
///
/// Made by [`Event::to_encoded`] (or [`EncodedEvent::keep_alive`]), so the bytes are always
/// one valid event: a broadcaster encodes an event once and hands clones to every
/// subscriber; a clone shares the bytes (no copy, no allocation), and a body sends them as
/// they are.
///
/// ```
/// use ssekit_core::{EncodedEvent, Event};
///
/// let event = Event::new().with_id(7)?.with_data("hello").to_encoded()?;
/// let for_another_client = event.clone(); // shares the same bytes
/// assert_eq!(for_another_client.as_bytes(), b"id: 7\ndata: hello\n\n");
/// assert_eq!(EncodedEvent::keep_alive().as_bytes(), ssekit_core::KEEP_ALIVE);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EncodedEvent(Bytes);

impl EncodedEvent {
    /// The keep-alive comment ([`KEEP_ALIVE`](crate::KEEP_ALIVE)), with no allocation.
    pub const fn keep_alive() -> Self {
        EncodedEvent(Bytes::from_static(crate::KEEP_ALIVE))
    }

    /// This event with an `id` field in front: for an event encoded once without an id
    /// ([`Event::without_id`]) whose id is known only later, e.g. from a shared log. One
    /// allocation, one copy of the bytes. The event must have no `id` of its own (a later
    /// `id` line would win).
    ///
    /// ```
    /// use ssekit_core::Event;
    ///
    /// let event = Event::new().with_data("hi").to_encoded()?;
    /// assert_eq!(event.with_id("17-0")?.as_bytes(), b"id: 17-0\ndata: hi\n\n");
    /// assert!(event.with_id("a\nb").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Event::with_id`]: an id with CR, LF or NUL.
    pub fn with_id(&self, id: &str) -> Result<EncodedEvent, EventError> {
        validate_id(id)?;
        let len = lines::ID.line_len(id.len()) + self.len();
        Ok(EncodedEvent(bytes_of(len, |out| {
            lines::ID.write_line(id.as_bytes(), out);
            out.extend_from_slice(&self.0);
        })))
    }

    /// Bytes an encoder of this crate produced and something else kept (a shared log),
    /// checked to be exactly one event as this crate writes them: UTF-8, LF line endings,
    /// and one blank line, at the end. Linear in the length; no copy.
    ///
    /// ```
    /// use ssekit_core::{EncodedEvent, Event};
    ///
    /// let kept = Event::new().with_data("a\nb").to_encoded()?.into_bytes();
    /// assert!(EncodedEvent::from_encoded(kept).is_ok());
    /// for bad in [&b"data: a\n"[..], b"data: a\n\ndata: b\n\n", b"data: a\r\n\r\n", b"\xFF\n\n", b""] {
    ///     assert!(EncodedEvent::from_encoded(bytes::Bytes::from_static(bad)).is_err());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`NotOneEvent`] for anything else.
    pub fn from_encoded(bytes: Bytes) -> Result<Self, NotOneEvent> {
        let text = crate::utf8::utf8(&bytes).ok_or(NotOneEvent)?;
        let blank = text.find("\n\n").map(|at| at + 2);
        let one_event = match text {
            "\n" => true,
            _ => !text.starts_with('\n') && blank == Some(text.len()) && !text.contains('\r'),
        };
        if one_event {
            Ok(EncodedEvent(bytes))
        } else {
            Err(NotOneEvent)
        }
    }

    /// Bytes this crate encoded as one event.
    pub(crate) fn from_event_bytes(bytes: Bytes) -> Self {
        EncodedEvent(bytes)
    }

    /// The encoded bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The encoded bytes as a shared [`Bytes`] (a reference count, no copy).
    #[inline]
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// The number of encoded bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: an encoded event has at least its closing blank line.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Bytes that are not exactly one event as this crate encodes them
/// ([`EncodedEvent::from_encoded`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotOneEvent;

impl core::fmt::Display for NotOneEvent {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("not exactly one encoded SSE event")
    }
}

impl core::error::Error for NotOneEvent {}

impl From<EncodedEvent> for Bytes {
    #[inline]
    fn from(event: EncodedEvent) -> Self {
        event.0
    }
}

impl AsRef<[u8]> for EncodedEvent {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// The most text (data and comment) an event may have for [`Event::to_encoded_with`] to
/// write it through the caller's scratch buffer.
const SCRATCH_TEXT_MAX: usize = 64 * 1024;

impl Event<'_> {
    /// The event encoded once into shared bytes: exactly one allocation, of exactly
    /// [`encoded_len`](Self::encoded_len) bytes. Clones of the result cost no allocation.
    #[inline]
    pub fn to_encoded(&self) -> Result<EncodedEvent, EncodeError> {
        self.to_bytes().map(EncodedEvent)
    }

    /// [`to_encoded`](Self::to_encoded) for a caller that encodes event after event (a
    /// response body, a broadcaster): an event whose data or comment has line breaks is
    /// written once into `scratch` (cleared first, its allocation kept for the next call)
    /// and copied out, instead of being counted in a pass of its own and then written. The
    /// result is the same: exactly one allocation, of exactly
    /// [`encoded_len`](Self::encoded_len) bytes (and `scratch` grows the first times).
    ///
    /// An event with more than 64 KiB of text is encoded as by `to_encoded`, leaving
    /// `scratch` as it is: a scratch only grows to hold events of about that size.
    ///
    /// ```
    /// use ssekit_core::Event;
    ///
    /// let mut scratch = Vec::new();
    /// let html = Event::new().with_data("<li>one</li>\n<li>two</li>");
    /// let encoded = html.to_encoded_with(&mut scratch)?;
    /// assert_eq!(encoded, html.to_encoded()?);
    /// assert_eq!(encoded.as_bytes(), b"data: <li>one</li>\ndata: <li>two</li>\n\n");
    /// # Ok::<(), ssekit_core::EncodeError>(())
    /// ```
    #[inline]
    pub fn to_encoded_with(
        &self,
        scratch: &mut alloc::vec::Vec<u8>,
    ) -> Result<EncodedEvent, EncodeError> {
        if self.len_is_known() || self.text_len() > SCRATCH_TEXT_MAX {
            return self.to_encoded();
        }
        scratch.clear();
        self.encode_to_vec(scratch)?;
        Ok(EncodedEvent(Bytes::copy_from_slice(scratch)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_bytes() -> Result<(), EncodeError> {
        let event = Event::new().with_data("x").to_encoded()?;
        let clone = event.clone();
        assert_eq!(event.as_bytes().as_ptr(), clone.as_bytes().as_ptr());
        assert_eq!(Bytes::from(clone), &b"data: x\n\n"[..]);
        assert!(!event.is_empty());
        assert_eq!(event.len(), 9);
        Ok(())
    }

    #[test]
    fn with_scratch_is_the_same_as_without() -> Result<(), crate::EventError> {
        let mut scratch = alloc::vec::Vec::new();
        for event in [
            Event::new().with_data("one line"),
            Event::new().with_event_type("t")?.with_data("a\r\nb\rc\n"),
            Event::new().with_comment("c1\nc2").with_data("d"),
            Event::new().with_comment("c").with_id("7")?,
            Event::keep_alive(),
        ] {
            scratch.extend_from_slice(b"left over");
            assert_eq!(event.to_encoded_with(&mut scratch), event.to_encoded());
        }
        // Over the bound: encoded all the same, and the scratch is not touched.
        let large = "x\n".repeat(SCRATCH_TEXT_MAX / 2 + 1);
        let event = Event::new().with_data(large.as_str());
        let before = (scratch.as_ptr(), scratch.capacity(), scratch.len());
        assert_eq!(event.to_encoded_with(&mut scratch), event.to_encoded());
        assert_eq!(
            (scratch.as_ptr(), scratch.capacity(), scratch.len()),
            before
        );
        Ok(())
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn an_id_in_front_is_the_same_as_an_id_built_in()
    -> Result<(), alloc::boxed::Box<dyn core::error::Error>> {
        let built = Event::new()
            .with_event_type("t")?
            .with_id("7")?
            .with_data("x");
        let later = built.clone().without_id().to_encoded()?.with_id("7")?;
        let decode = |bytes: &[u8]| {
            let mut decoder = crate::Decoder::new();
            decoder.feed(bytes).collect::<alloc::vec::Vec<_>>()
        };
        assert_eq!(
            decode(later.as_bytes()),
            decode(built.to_encoded()?.as_bytes())
        );
        Ok(())
    }
}
