//! An arbitrary event, encoded then decoded (fed one byte at a time, then whole), gives back
//! the same fields (data and comments normalised: CR and CRLF become LF); a refused field is
//! refused for the right reason. The model of "the same fields" is shared with ssekit-core's
//! round-trip proptest.
#![no_main]

#[path = "../../sse-core/tests/common/fields.rs"]
#[allow(dead_code)]
mod fields;

use fields::Fields;
use libfuzzer_sys::fuzz_target;
use ssekit_core::{Decoded, Decoder};

type Input = (Option<String>, Option<String>, Option<u64>, Option<String>, Option<String>);

fn decode(bytes: &[u8], chunk: usize) -> Vec<Decoded> {
    let mut dec = Decoder::new().with_comments(true);
    let mut items = Vec::new();
    for piece in bytes.chunks(chunk) {
        items.extend(dec.feed(piece).map(|r| r.expect("no limit is near")));
    }
    items
}

fuzz_target!(|input: Input| {
    let (event_type, id, retry_ms, data, comment) = input;
    let f = Fields { event_type, id, retry_ms, data, comment };
    let event = match f.build() {
        Ok(event) => event,
        Err(err) => {
            assert!(f.refusal_is_right(&err), "{f:?}: wrong refusal {err}");
            return;
        }
    };
    assert!(f.valid(), "accepted invalid fields {f:?}");
    let mut bytes = Vec::new();
    assert_eq!(event.encode_to_vec(&mut bytes), Ok(event.encoded_len()));
    let want = f.expected();
    assert_eq!(decode(&bytes, bytes.len().max(1)), want);
    assert_eq!(decode(&bytes, 1), want);
});
