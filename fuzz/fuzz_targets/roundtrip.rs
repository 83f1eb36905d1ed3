//! An arbitrary event, encoded then decoded, is the same event (data normalised: CR and
//! CRLF become LF); a refused field is refused for the right reason.
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sse_core::decode::{Decoded, Decoder};
use sse_core::{Event, EventError};

#[derive(Debug, Arbitrary)]
struct Fields {
    event_type: Option<String>,
    id: Option<String>,
    retry_ms: Option<u64>,
    data: Option<String>,
    comment: Option<String>,
}

fn build(f: &Fields) -> Result<Event<'_>, EventError> {
    let mut event = Event::new();
    if let Some(t) = &f.event_type {
        event = event.event_type(t.as_str())?;
    }
    if let Some(id) = &f.id {
        event = event.id(id.as_str())?;
    }
    if let Some(ms) = f.retry_ms {
        event = event.retry(Duration::from_millis(ms));
    }
    if let Some(d) = &f.data {
        event = event.data(d.as_str());
    }
    if let Some(c) = &f.comment {
        event = event.comment(c.as_str());
    }
    Ok(event)
}

fn normalise(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

fuzz_target!(|f: Fields| {
    let event = match build(&f) {
        Ok(event) => event,
        Err(EventError::InvalidByte { offset, byte, .. }) => {
            assert!(matches!(byte, b'\r' | b'\n' | 0), "refused {byte} at {offset}");
            return;
        }
        Err(e) => panic!("unexpected error {e}"),
    };
    let mut bytes = Vec::new();
    assert_eq!(event.encode_to_vec(&mut bytes), Ok(event.encoded_len()));
    assert_eq!(bytes.len(), event.encoded_len());

    let mut dec = Decoder::new().comments(true);
    let mut items = Vec::new();
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        let (n, item) = dec.decode(rest);
        rest = &rest[n..];
        items.extend(item.map(|r| r.expect("no limit is near")));
    }
    assert_eq!(dec.last_event_id(), f.id.as_deref().unwrap_or(""));
    assert_eq!(dec.reconnection_time(), f.retry_ms.map(Duration::from_millis));

    let events: Vec<_> = items
        .iter()
        .filter_map(|i| match i {
            Decoded::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    let comments: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            Decoded::Comment(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let want_comments: Vec<String> = f
        .comment
        .iter()
        .flat_map(|c| normalise(c).split('\n').map(String::from).collect::<Vec<_>>())
        .collect();
    assert_eq!(comments, want_comments);
    match &f.data {
        None => assert!(events.is_empty()),
        Some(data) => {
            assert_eq!(events.len(), 1);
            assert_eq!(events[0].data(), normalise(data));
            let want_type = match f.event_type.as_deref() {
                None | Some("") => "message",
                Some(t) => t,
            };
            assert_eq!(events[0].event_type(), want_type);
            assert_eq!(events[0].last_event_id(), f.id.as_deref().unwrap_or(""));
        }
    }
});
