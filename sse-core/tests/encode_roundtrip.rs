//! The encoder against the reference decoder in `tests/common/reference.rs`: for arbitrary
//! strings (CR, LF, NUL and non-ASCII included), the builder either refuses the event type or
//! id for the right reason, or the encoded bytes decode back to the same fields, with the
//! data's and comment's CR and CRLF normalised to LF.

mod common;

use common::fields::Fields;
use proptest::prelude::*;
use ssekit_core::{Decoded, MessageEvent};

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn encoded_events_decode_to_the_same_fields(f in fields()) {
        match f.build() {
            Err(err) => prop_assert!(f.refusal_is_right(&err), "{f:?}: wrong refusal {err:?}"),
            Ok(event) => {
                // The builder refuses exactly what it must.
                prop_assert!(f.valid(), "accepted invalid fields {f:?}");
                let mut bytes = Vec::new();
                prop_assert_eq!(event.encode_to_vec(&mut bytes), Ok(event.encoded_len()));
                let out = common::reference::decode(&bytes, true);
                prop_assert_eq!(&out.items, &f.expected(), "{:?}", String::from_utf8_lossy(&bytes));
                prop_assert_eq!(out.last_event_id.as_str(), f.id.as_deref().unwrap_or(""));
                // And the same bytes, through the incremental decoder fed 1 byte at a time.
                let mut dec = ssekit_core::Decoder::new().with_comments(true);
                let items: Vec<Decoded> = common::feed_sizes(&mut dec, &bytes, &[1])
                    .into_iter()
                    .collect::<Result<_, _>>()
                    .map_err(|e| TestCaseError::fail(format!("{e}")))?;
                prop_assert_eq!(items, out.items);
                // What the encoder writes is one event to `EncodedEvent::from_encoded`.
                #[cfg(feature = "bytes")]
                prop_assert!(ssekit_core::EncodedEvent::from_encoded(bytes.clone().into()).is_ok());
                // Encoded once through a scratch buffer (with something left in it): the same.
                #[cfg(feature = "bytes")]
                {
                    let mut scratch = b"left over".to_vec();
                    let encoded = event.to_encoded_with(&mut scratch);
                    prop_assert_eq!(encoded.map(|e| e.into_bytes()).ok(), Some(bytes.clone().into()));
                }
                // The same data as a shared buffer, in three parts: the same bytes.
                #[cfg(feature = "bytes")]
                if let Some(data) = &f.data {
                    let split = event.clone().with_shared_data(data.clone().into());
                    prop_assert_eq!(split.map(|s| s.parts().concat()).ok(), Some(bytes.clone()));
                }
            }
        }
    }

    #[test]
    fn a_stream_of_events_keeps_every_event(events in prop::collection::vec(fields(), 1..6)) {
        let mut bytes = Vec::new();
        let mut want = Vec::new();
        let mut last_id = String::new();
        for f in &events {
            let Ok(event) = f.build() else { continue };
            prop_assert!(event.encode_to_vec(&mut bytes).is_ok());
            last_id = f.id.clone().unwrap_or(last_id);
            let mut items = f.expected();
            if let Some(Decoded::Event(e)) = items.last_mut() {
                *e = MessageEvent::new(e.event_type(), e.data(), &last_id);
            }
            want.extend(items);
        }
        prop_assert_eq!(common::reference::decode(&bytes, true).items, want);
    }
}
