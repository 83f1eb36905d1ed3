//! The event layer on arbitrary bytes with small limits: no panic, bounded consumption,
//! progress on every call, and the limits hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssekit_core::{Decoded, Decoder, Limits, Progress};

fuzz_target!(|input: (u8, u8, u8, Vec<u8>)| {
    let (line, event, chunk, stream) = input;
    let limits = Limits::default()
        .with_max_line_len(usize::from(line))
        .with_max_event_size(usize::from(event));
    let mut dec = Decoder::new().with_limits(limits).with_comments(chunk & 1 == 1);
    for piece in stream.chunks(usize::from(chunk) + 1) {
        let mut rest = piece;
        while !rest.is_empty() {
            let Progress { consumed, item } = dec.decode(rest);
            assert!(consumed <= rest.len());
            assert!(consumed > 0 || item.is_some(), "no progress");
            rest = &rest[consumed..];
            if let Some(Ok(Decoded::Event(e))) = item {
                assert!(e.data().len() + e.event_type().len() <= limits.max_event_size().max(7) + 7);
            }
        }
    }
    dec.finish();
});
