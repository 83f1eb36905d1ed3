//! Linear time, proven without timers: the decoders count the bytes they examine
//! (`bytes_examined`, internal), and feeding a 1 MiB line plus events one byte at a time
//! must examine about as many bytes as the input has, never the quadratic amount a rescan
//! would cost.

extern crate std;

use std::format;
use std::println;
use std::vec::Vec;

use super::{DecodeError, Decoded, Decoder, Limit, Limits, LineDecoder, LineTooLong, Progress};

const MIB: usize = 1024 * 1024;

/// A 1 MiB `data` line in one event, then `events` small events.
fn input(line_len: usize, events: usize) -> Vec<u8> {
    let mut out = b"data: ".to_vec();
    out.resize(line_len, b'x');
    out.extend_from_slice(b"\r\n\r\n");
    for n in 0..events {
        out.extend_from_slice(format!("id: {n}\r\ndata: {n}\r\n\r\n").as_bytes());
    }
    out
}

fn budget(input: &[u8]) -> u64 {
    2 * input.len() as u64
}

/// Feeds the line layer through a window over `input` that grows `step` bytes at a time.
/// Returns (lines, errors, bytes examined).
fn line_layer(dec: &mut LineDecoder, input: &[u8], step: usize) -> (usize, usize, u64) {
    let (mut pos, mut arrived, mut lines, mut errors) = (0, 0, 0, 0);
    while arrived < input.len() {
        arrived = (arrived + step).min(input.len());
        loop {
            let Progress { consumed, item } = dec.decode(&input[pos..arrived]);
            pos += consumed;
            match item {
                Some(Ok(_)) => lines += 1,
                Some(Err(LineTooLong { .. })) => errors += 1,
                None => break,
            }
        }
        // Checked as the input grows, so a quadratic decoder fails fast instead of hanging.
        assert!(
            dec.bytes_examined() <= 2 * arrived as u64 + 16,
            "rescanning at {arrived}"
        );
    }
    (lines, errors, dec.bytes_examined())
}

/// Feeds the event layer `step` bytes at a time. Returns (events, errors, bytes examined).
fn event_layer(dec: &mut Decoder, input: &[u8], step: usize) -> (usize, usize, u64) {
    let (mut events, mut errors, mut fed) = (0, 0, 0);
    for chunk in input.chunks(step) {
        fed += chunk.len() as u64;
        for item in dec.feed(chunk) {
            match item {
                Ok(Decoded::Event(_)) => events += 1,
                Err(DecodeError::LimitExceeded {
                    limit: Limit::LineLength,
                    ..
                }) => errors += 1,
                _ => {}
            }
        }
        assert!(dec.bytes_examined() <= 2 * fed + 16, "rescanning at {fed}");
    }
    (events, errors, dec.bytes_examined())
}

#[test]
fn line_layer_is_linear() {
    let input = input(MIB, 1000);
    for step in [1, 4096] {
        let mut dec = LineDecoder::new().with_max_line_len(2 * MIB);
        let (lines, errors, examined) = line_layer(&mut dec, &input, step);
        assert_eq!((lines, errors), (2 + 3 * 1000, 0));
        println!(
            "line layer, {step}-byte steps: {examined} bytes examined for {}",
            input.len()
        );
        assert!(
            examined <= budget(&input),
            "{examined} examined for {}",
            input.len()
        );
        assert!(examined >= input.len() as u64 / 2, "the counter counts");
    }
}

#[test]
fn line_layer_discarding_is_linear() {
    let input = input(MIB, 1000);
    for step in [1, 4096] {
        let mut dec = LineDecoder::new().with_max_line_len(64 * 1024);
        let (lines, errors, examined) = line_layer(&mut dec, &input, step);
        assert_eq!((lines, errors), (1 + 3 * 1000, 1));
        assert!(
            examined <= budget(&input),
            "{examined} examined for {}",
            input.len()
        );
    }
}

#[test]
fn event_layer_is_linear() {
    let input = input(MIB, 1000);
    for step in [1, 4096] {
        let limits = Limits::default()
            .with_max_line_len(2 * MIB)
            .with_max_event_size(2 * MIB);
        let mut dec = Decoder::new().with_limits(limits);
        let (events, errors, examined) = event_layer(&mut dec, &input, step);
        assert_eq!((events, errors), (1001, 0));
        println!(
            "event layer, {step}-byte chunks: {examined} bytes examined for {}",
            input.len()
        );
        assert!(
            examined <= budget(&input),
            "{examined} examined for {}",
            input.len()
        );
        assert!(examined >= input.len() as u64 / 2, "the counter counts");
    }
}

#[test]
fn event_layer_over_long_line_is_linear() {
    let input = input(3 * MIB, 1000);
    for step in [1, 4096] {
        let mut dec = Decoder::new();
        let (events, errors, examined) = event_layer(&mut dec, &input, step);
        assert_eq!((events, errors), (1000, 1));
        assert!(
            examined <= budget(&input),
            "{examined} examined for {}",
            input.len()
        );
    }
}
