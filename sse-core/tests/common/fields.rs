//! An event as plain optional fields: building it with the encoder's builder, and what a
//! WHATWG decoder must report for it. Shared by the encoder round-trip proptest and the
//! `roundtrip` fuzz target (`fuzz/fuzz_targets/roundtrip.rs` includes this file).

use std::time::Duration;

use ssekit_core::{Decoded, MessageEvent};
use ssekit_core::{Event, EventError, Field};

/// Every field an event can have, as plain values.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pub event_type: Option<String>,
    pub id: Option<String>,
    pub retry_ms: Option<u64>,
    pub data: Option<String>,
    pub comment: Option<String>,
}

/// CR and CRLF as LF: what a decoder makes of every line break.
pub fn normalise(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

impl Fields {
    /// The event, through the builder (which may refuse the event type or id).
    pub fn build(&self) -> Result<Event<'_>, EventError> {
        let mut event = Event::new();
        if let Some(t) = &self.event_type {
            event = event.with_event_type(t.as_str())?;
        }
        if let Some(id) = &self.id {
            event = event.with_id(id.as_str())?;
        }
        if let Some(ms) = self.retry_ms {
            event = event.with_retry(Duration::from_millis(ms));
        }
        if let Some(d) = &self.data {
            event = event.with_data(d.as_str());
        }
        if let Some(c) = &self.comment {
            event = event.with_comment(c.as_str());
        }
        Ok(event)
    }

    /// What a WHATWG decoder must report for this event alone, in order (comments on).
    pub fn expected(&self) -> Vec<Decoded> {
        let mut items: Vec<Decoded> = self
            .comment
            .iter()
            .flat_map(|c| {
                normalise(c)
                    .split('\n')
                    .map(|line| Decoded::Comment(line.into()))
                    .collect::<Vec<_>>()
            })
            .collect();
        items.extend(
            self.retry_ms
                .map(|ms| Decoded::Retry(Duration::from_millis(ms))),
        );
        if let Some(data) = &self.data {
            let event_type = self.event_type.as_deref().unwrap_or("");
            let id = self.id.as_deref().unwrap_or("");
            items.push(Decoded::Event(MessageEvent::new(
                event_type,
                &normalise(data),
                id,
            )));
        }
        items
    }

    /// Whether `err` is exactly the refusal these fields deserve: the first CR or LF of the
    /// event type, or the first CR, LF or NUL of the id, with its offset and byte.
    pub fn refusal_is_right(&self, err: &EventError) -> bool {
        let EventError::InvalidByte {
            field,
            offset,
            byte,
        } = err
        else {
            return false;
        };
        let (value, forbidden): (&str, &[u8]) = match field {
            Field::EventType => (self.event_type.as_deref().unwrap_or(""), b"\r\n"),
            Field::Id => (self.id.as_deref().unwrap_or(""), b"\r\n\0"),
            _ => return false, // no other field is checked
        };
        let first = value.bytes().position(|b| forbidden.contains(&b));
        first == Some(*offset) && value.as_bytes().get(*offset) == Some(byte)
    }

    /// Whether the builder must accept these fields.
    pub fn valid(&self) -> bool {
        !self
            .event_type
            .as_deref()
            .is_some_and(|t| t.contains(['\r', '\n']))
            && !self
                .id
                .as_deref()
                .is_some_and(|t| t.contains(['\r', '\n', '\0']))
    }
}
