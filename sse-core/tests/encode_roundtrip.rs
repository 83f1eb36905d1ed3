//! The encoder against the reference decoder in `tests/common/reference.rs`: for arbitrary
//! strings (CR, LF, NUL and non-ASCII included), the builder either refuses the event type or
//! id for the right reason, or the encoded bytes decode back to the same fields, with the
//! data's and comment's CR and CRLF normalised to LF.

mod common;

use std::time::Duration;

use proptest::prelude::*;
use sse_core::decode::{Decoded, MessageEvent};
use sse_core::{Event, EventError, Field};

/// Strings made mostly of the characters that matter to the wire format.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\r".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\0".to_string()),
        Just(":".to_string()),
        Just(" ".to_string()),
        Just("\u{FEFF}".to_string()),
        Just("data: x".to_string()),
        "[a-z]{1,3}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
}

fn normalise(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

#[derive(Debug, Clone)]
struct Fields {
    event_type: Option<String>,
    id: Option<String>,
    retry_ms: Option<u64>,
    data: Option<String>,
    comment: Option<String>,
}

fn fields() -> impl Strategy<Value = Fields> {
    (
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(any::<u64>()),
        prop::option::of(text()),
        prop::option::of(text()),
    )
        .prop_map(|(event_type, id, retry_ms, data, comment)| Fields {
            event_type,
            id,
            retry_ms,
            data,
            comment,
        })
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

/// What a WHATWG decoder must see, in order, for these fields.
fn expected(f: &Fields) -> Vec<Decoded> {
    let mut items: Vec<Decoded> = f
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
        f.retry_ms
            .map(|ms| Decoded::Retry(Duration::from_millis(ms))),
    );
    if let Some(data) = &f.data {
        let event_type = match f.event_type.as_deref() {
            None | Some("") => "message",
            Some(t) => t,
        };
        let id = f.id.as_deref().unwrap_or("");
        items.push(Decoded::Event(MessageEvent::new(
            event_type,
            &normalise(data),
            id,
        )));
    }
    items
}

fn refusal_is_right(f: &Fields, err: &EventError) -> bool {
    let EventError::InvalidByte {
        field,
        offset,
        byte,
    } = err
    else {
        return false;
    };
    let (value, forbidden): (&str, &[u8]) = match field {
        Field::EventType => (f.event_type.as_deref().unwrap_or(""), b"\r\n"),
        Field::Id => (f.id.as_deref().unwrap_or(""), b"\r\n\0"),
    };
    let first = value.bytes().position(|b| forbidden.contains(&b));
    first == Some(*offset) && value.as_bytes().get(*offset) == Some(byte)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn encoded_events_decode_to_the_same_fields(f in fields()) {
        match build(&f) {
            Err(err) => prop_assert!(refusal_is_right(&f, &err), "{f:?}: wrong refusal {err:?}"),
            Ok(event) => {
                // The builder refuses exactly what it must.
                prop_assert!(!f.event_type.as_deref().is_some_and(|t| t.contains(['\r', '\n'])));
                prop_assert!(!f.id.as_deref().is_some_and(|t| t.contains(['\r', '\n', '\0'])));
                let mut bytes = Vec::new();
                prop_assert_eq!(event.encode_to_vec(&mut bytes), Ok(event.encoded_len()));
                let out = common::reference::decode(&bytes, true);
                prop_assert_eq!(&out.items, &expected(&f), "{:?}", String::from_utf8_lossy(&bytes));
                prop_assert_eq!(out.last_event_id.as_str(), f.id.as_deref().unwrap_or(""));
                // And the same bytes, through the incremental decoder fed 1 byte at a time.
                let mut dec = sse_core::decode::Decoder::new().comments(true);
                let items: Vec<Decoded> = common::feed_sizes(&mut dec, &bytes, &[1])
                    .into_iter()
                    .collect::<Result<_, _>>()
                    .map_err(|e| TestCaseError::fail(format!("{e}")))?;
                prop_assert_eq!(items, out.items);
            }
        }
    }

    #[test]
    fn a_stream_of_events_keeps_every_event(events in prop::collection::vec(fields(), 1..6)) {
        let mut bytes = Vec::new();
        let mut want = Vec::new();
        let mut last_id = String::new();
        for f in &events {
            let Ok(event) = build(f) else { continue };
            prop_assert!(event.encode_to_vec(&mut bytes).is_ok());
            last_id = f.id.clone().unwrap_or(last_id);
            let mut items = expected(f);
            if let Some(Decoded::Event(e)) = items.last_mut() {
                *e = MessageEvent::new(e.event_type(), e.data(), &last_id);
            }
            want.extend(items);
        }
        prop_assert_eq!(common::reference::decode(&bytes, true).items, want);
    }
}
