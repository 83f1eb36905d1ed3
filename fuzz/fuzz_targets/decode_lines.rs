//! The line layer on arbitrary bytes, arriving in arbitrary pieces, with a small line limit:
//! no panic, `consumed` never exceeds the input, and every call makes progress or waits for
//! more input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssekit_core::Progress;
use ssekit_core::line::LineDecoder;

fuzz_target!(|input: (u8, Vec<u8>, Vec<u8>)| {
    let (max, arrivals, stream) = input;
    let mut dec = LineDecoder::new().with_max_line_len(usize::from(max));
    let mut kept = 0; // stream[kept..arrived] is what the caller still holds
    let mut arrived = 0;
    let mut sizes = arrivals.iter().map(|&s| usize::from(s % 16) + 1).cycle();
    while arrived < stream.len() {
        arrived = (arrived + sizes.next().unwrap_or(1)).min(stream.len());
        // Call until the decoder wants more input (bounded: each round consumes or stops).
        for _ in 0..=stream.len() + 2 {
            let input = &stream[kept..arrived];
            let Progress { consumed, item } = dec.decode(input);
            assert!(consumed <= input.len());
            kept += consumed;
            match item {
                Some(Ok(_line)) => assert!(consumed > 0, "a complete line consumes its line ending"),
                // The next call discards the rest of the line.
                Some(Err(_too_long)) => assert_eq!(consumed, 0, "an error consumes nothing"),
                None => break,
            }
        }
    }
    assert!(dec.bytes_examined() <= 2 * stream.len() as u64 + 8);
});
