//! The line layer on arbitrary bytes, arriving in arbitrary pieces, with a small line limit:
//! no panic, `consumed` never exceeds the input, and every call makes progress or waits for
//! more input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_core::decode::{LineDecoder, Status};

fuzz_target!(|input: (u8, Vec<u8>, Vec<u8>)| {
    let (max, arrivals, stream) = input;
    let mut dec = LineDecoder::with_max_line_len(usize::from(max));
    let mut kept = 0; // stream[kept..arrived] is what the caller still holds
    let mut arrived = 0;
    let mut sizes = arrivals.iter().map(|&s| usize::from(s % 16) + 1).cycle();
    while arrived < stream.len() {
        arrived = (arrived + sizes.next().unwrap_or(1)).min(stream.len());
        // Call until the decoder wants more input (bounded: each round consumes or stops).
        for _ in 0..=stream.len() + 2 {
            let input = &stream[kept..arrived];
            match dec.decode(input) {
                Ok((n, Status::Complete(_line))) => {
                    assert!(n <= input.len());
                    assert!(n > 0, "a complete line consumes its line ending");
                    kept += n;
                }
                Ok((n, Status::Partial)) => {
                    assert!(n <= input.len());
                    kept += n;
                    break;
                }
                Err(_too_long) => {
                    // The next call discards the rest of the line.
                    let (n, _) = dec.decode(input).unwrap_or((0, Status::Partial));
                    assert!(n <= input.len());
                    kept += n;
                }
            }
        }
    }
    assert!(dec.bytes_examined() <= 2 * stream.len() as u64 + 8);
});
