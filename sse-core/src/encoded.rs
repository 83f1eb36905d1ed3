//! [`EncodedEvent`]: an event encoded once, shared by every stream that sends it.

use bytes::Bytes;

use crate::error::EncodeError;
use crate::event::Event;

/// The wire bytes of one complete event, encoded by this crate, behind a reference count.
///
/// Made by [`Event::to_encoded`] (or [`EncodedEvent::keep_alive`]), so the bytes are always
/// one valid event: a broadcaster encodes an event once and hands clones to every
/// subscriber; a clone shares the bytes (no copy, no allocation), and a body sends them as
/// they are.
///
/// ```
/// use sse_core::{EncodedEvent, Event};
///
/// let event = Event::new().with_id(7)?.with_data("hello").to_encoded()?;
/// let for_another_client = event.clone(); // shares the same bytes
/// assert_eq!(for_another_client.as_bytes(), b"id: 7\ndata: hello\n\n");
/// assert_eq!(EncodedEvent::keep_alive().as_bytes(), sse_core::KEEP_ALIVE);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EncodedEvent(Bytes);

impl EncodedEvent {
    /// The keep-alive comment ([`KEEP_ALIVE`](crate::KEEP_ALIVE)), with no allocation.
    pub const fn keep_alive() -> Self {
        EncodedEvent(Bytes::from_static(crate::KEEP_ALIVE))
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The encoded bytes as a shared [`Bytes`] (a reference count, no copy).
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// The number of encoded bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: an encoded event has at least its closing blank line.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<EncodedEvent> for Bytes {
    fn from(event: EncodedEvent) -> Self {
        event.0
    }
}

impl AsRef<[u8]> for EncodedEvent {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Event<'_> {
    /// The event encoded once into shared bytes: exactly one allocation, of exactly
    /// [`encoded_len`](Self::encoded_len) bytes. Clones of the result cost no allocation.
    pub fn to_encoded(&self) -> Result<EncodedEvent, EncodeError> {
        self.to_bytes().map(EncodedEvent)
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
}
