//! [`SplitEvent`]: an event whose data is a shared buffer that goes out as it is, between
//! the event's other fields and its end: three buffers, and no copy of the data.

use bytes::Bytes;

use crate::encoded::EncodedEvent;
use crate::error::{EventError, Field};
use crate::event::Event;
use crate::lines;
use crate::sink::bytes_of;

/// What ends an event whose data went out as its own buffer: the end of the `data` line,
/// and the blank line that dispatches the event.
const END: &[u8] = b"\n\n";

/// An encoded event in three parts: its fields up to `data: `, its data (a [`Bytes`] shared
/// with the caller, not copied), and its end. For large payloads a server already holds as
/// `Bytes` (a cached page fragment, an image as base64): an HTTP body sends the three parts
/// as they are (ssekit-hyper's body does), where [`EncodedEvent`] would copy the data into one
/// buffer.
///
/// Data that holds a line break (or is empty) cannot go out as one `data:` line: it is
/// encoded with the fields, as text data is (a copy), and the data part is empty.
///
/// ```
/// use bytes::Bytes;
/// use ssekit_core::{Event, SplitEvent};
///
/// let payload = Bytes::from("a large fragment of HTML");
/// let event = SplitEvent::new(Event::new().with_event_type("page")?.with_id(3)?, payload.clone())?;
/// let [head, data, end] = event.parts();
/// assert_eq!(head, b"event: page\nid: 3\ndata: ");
/// assert_eq!(data.as_ptr(), payload.as_ptr()); // the caller's buffer, not a copy
/// assert_eq!(end, b"\n\n");
/// assert_eq!(
///     event.to_encoded().as_bytes(),
///     b"event: page\nid: 3\ndata: a large fragment of HTML\n\n"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SplitEvent {
    head: Bytes,
    data: Bytes,
    end: &'static [u8],
}

impl SplitEvent {
    /// `event`'s fields (its own data, if any, is replaced), then `data` as its data.
    /// `data` is checked to be UTF-8 (one pass over it, no copy).
    ///
    /// # Errors
    ///
    /// [`EventError::NotUtf8`] when `data` is not UTF-8.
    pub fn new(event: Event<'_>, data: Bytes) -> Result<Self, EventError> {
        let text = crate::utf8::utf8_or_offset(&data).map_err(|offset| EventError::NotUtf8 {
            field: Field::Data,
            offset,
        })?;
        if text.is_empty() || crate::find::find_break(text.as_bytes()).is_some() {
            // Several `data:` lines (or `data:` alone): encoded like text, a copy.
            let head = event.with_data(text).to_bytes().unwrap_or_default();
            return Ok(SplitEvent {
                head,
                data: Bytes::new(),
                end: b"",
            });
        }
        // Its own data, if any, is not written (and not counted by `fields_len`).
        let head = bytes_of(event.fields_len() + lines::DATA.open.len(), |head| {
            event.write_fields(head);
            head.extend_from_slice(lines::DATA.open);
        });
        Ok(SplitEvent {
            head,
            data,
            end: END,
        })
    }

    /// The three parts, in the order they go out: the fields up to `data: `, the data, the
    /// end (the last two are empty when the data was encoded with the fields).
    pub fn parts(&self) -> [&[u8]; 3] {
        [&self.head, &self.data, self.end]
    }

    /// The three parts as shared buffers (reference counts, no copy).
    pub fn into_parts(self) -> [Bytes; 3] {
        [self.head, self.data, Bytes::from_static(self.end)]
    }

    /// The number of encoded bytes, all parts together.
    pub fn len(&self) -> usize {
        self.head.len() + self.data.len() + self.end.len()
    }

    /// Always false: an encoded event has at least its closing blank line.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The event in one buffer (one allocation, a copy of every part), for what needs the
    /// bytes together.
    pub fn to_encoded(&self) -> EncodedEvent {
        EncodedEvent::from_event_bytes(bytes_of(self.len(), |out| {
            for part in self.parts() {
                out.extend_from_slice(part);
            }
        }))
    }
}

impl Event<'_> {
    /// Encodes the event with `data` as its data, to be sent as three buffers without a
    /// copy of `data`: see [`SplitEvent::new`].
    ///
    /// # Errors
    ///
    /// [`EventError::NotUtf8`] when `data` is not UTF-8.
    pub fn with_shared_data(self, data: Bytes) -> Result<SplitEvent, EventError> {
        SplitEvent::new(self, data)
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use core::time::Duration;

    /// What a client decodes from `bytes`: (type, data, id) per event.
    fn decoded(bytes: &[u8]) -> Vec<(alloc::string::String, alloc::string::String)> {
        let mut decoder = crate::Decoder::new();
        decoder
            .feed(bytes)
            .filter_map(|item| match item {
                Ok(crate::Decoded::Event(e)) => Some((e.event_type().into(), e.data().into())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_data_goes_out_as_the_callers_buffer() -> Result<(), EventError> {
        let payload = Bytes::from(alloc::vec![b'x'; 64 * 1024]);
        let event = Event::new()
            .with_comment("c")
            .with_event_type("blob")?
            .with_id(9)?
            .with_retry(Duration::from_millis(5))
            .with_data("replaced");
        let whole = event.clone().with_data("x".repeat(64 * 1024)).to_encoded();
        let split = event.with_shared_data(payload.clone())?;
        let [head, data, end] = split.clone().into_parts();
        assert_eq!(head, &b":c\nevent: blob\nid: 9\nretry: 5\ndata: "[..]);
        assert_eq!(
            (data.as_ptr(), data.len()),
            (payload.as_ptr(), payload.len())
        );
        assert_eq!(end, &b"\n\n"[..]);
        let joined: Vec<u8> = split.parts().concat();
        assert_eq!(Ok(&joined[..]), whole.as_ref().map(|w| w.as_bytes()));
        assert_eq!(split.to_encoded().as_bytes(), &joined[..]);
        assert_eq!(split.len(), joined.len());
        assert!(!split.is_empty());
        Ok(())
    }

    #[test]
    fn data_with_line_breaks_or_none_is_encoded_with_the_fields() -> Result<(), EventError> {
        for data in ["a\nb", "a\r\nb\rc", "", "\n"] {
            let split = Event::new()
                .with_event_type("t")?
                .with_shared_data(Bytes::from(data))?;
            let [_, rest, end] = split.parts();
            assert!(rest.is_empty() && end.is_empty());
            let text = Event::new()
                .with_event_type("t")?
                .with_data(data)
                .to_encoded();
            assert_eq!(Ok(split.to_encoded()), text);
            let want = data.replace("\r\n", "\n").replace('\r', "\n");
            assert_eq!(decoded(&split.parts().concat()), [("t".into(), want)]);
        }
        Ok(())
    }

    #[test]
    fn data_that_is_not_utf8_is_refused_with_its_offset() {
        let bad = Bytes::from_static(b"ok \xFF\xFE");
        match Event::new().with_shared_data(bad) {
            Err(EventError::NotUtf8 { field, offset }) => {
                assert_eq!((field, offset), (Field::Data, 3));
            }
            other => panic!("{other:?}"),
        }
    }
}
