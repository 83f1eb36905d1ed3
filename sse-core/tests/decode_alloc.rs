//! Allocation counts, measured with a counting global allocator: after warm-up a small
//! decoded event costs at most one allocation (none through `feed_ref`), and the line layer
//! allocates nothing.
#![cfg(feature = "std")]

use std::alloc::System;

use ssekit_core::line::LineDecoder;
use ssekit_core::{Decoded, DecodedRef, Decoder, Progress};
use stats_alloc::StatsAlloc;

#[global_allocator]
static GLOBAL: StatsAlloc<System> = StatsAlloc::system();

/// Allocations and reallocations so far (a realloc that grows a buffer counts too).
fn allocations() -> usize {
    let stats = GLOBAL.stats();
    stats.allocations + stats.reallocations
}

/// Allocations made while running `f`.
fn count<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = allocations();
    let out = f();
    (out, allocations() - before)
}

/// The fewest allocations over three runs of `f`. The counter is process-wide, and the test
/// harness's own thread has been seen to allocate a few times during a first run; a real
/// per-event allocation shows up in every run.
fn fewest<T>(mut f: impl FnMut() -> T) -> (T, usize) {
    let (mut out, mut least) = count(&mut f);
    for _ in 0..2 {
        let (o, n) = count(&mut f);
        if n < least {
            (out, least) = (o, n);
        }
    }
    (out, least)
}

const EVENTS: usize = 10_000;
const CHUNK: usize = 4096;

/// `events` events with ids from `first_id`, each with a JSON object holding `value`.
fn stream(first_id: usize, events: usize, value: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for n in first_id..first_id + events {
        let event = format!("event: tick\nid: {n}\ndata: {{\"seq\":{n},\"v\":\"{value}\"}}\n\n");
        out.extend_from_slice(event.as_bytes());
    }
    out
}

/// Feeds `input` in 4 KiB chunks; returns the number of events (each dropped at once).
fn decode_events(dec: &mut Decoder, input: &[u8]) -> usize {
    let mut events = 0;
    for chunk in input.chunks(CHUNK) {
        for item in dec.feed(chunk) {
            if let Ok(Decoded::Event(event)) = item {
                assert_eq!(event.event_type(), "tick");
                events += 1;
            }
        }
    }
    events
}

/// Like [`decode_events`], through `feed_ref`.
fn decode_events_ref(dec: &mut Decoder, input: &[u8]) -> usize {
    let mut events = 0;
    for chunk in input.chunks(CHUNK) {
        let mut items = dec.feed_ref(chunk);
        while let Some(item) = items.next() {
            if let Ok(DecodedRef::Event(event)) = item {
                assert_eq!(event.event_type(), "tick");
                events += 1;
            }
        }
    }
    events
}

/// Counts the lines of `input` with the line layer, the caller's buffer being a window over
/// `input` that grows 4 KiB at a time.
fn count_lines(input: &[u8]) -> usize {
    let mut dec = LineDecoder::new();
    let (mut pos, mut arrived, mut lines) = (0, 0, 0);
    while arrived < input.len() {
        arrived = (arrived + CHUNK).min(input.len());
        loop {
            let Progress { consumed, item } = dec.decode(&input[pos..arrived]);
            pos += consumed;
            match item {
                Some(line) => lines += usize::from(line.is_ok()),
                None => break,
            }
        }
    }
    lines
}

// One test function, so no other test thread runs (or allocates) meanwhile: the counts are
// process-wide.
#[test]
fn allocations_per_event() {
    // Warm-up: longer ids and data size the buffers, and feeding it one byte at a time leaves
    // every line partial once, sizing the partial-line buffer.
    let warm_up = stream(100_000, 20, &"w".repeat(60));
    // Short events (at most 56 bytes of text each) fit inline in their `MessageEvent`.
    let input = stream(1, EVENTS, "abcdefghijk");
    // Longer ones take one allocation each.
    let long_input = stream(1, EVENTS, &"abcdefghijk".repeat(4));
    let mut dec = Decoder::new();
    let mut events = 0;
    for byte in warm_up.chunks(1) {
        events += decode_events(&mut dec, byte);
    }
    assert_eq!(events, 20);

    let (events, allocs) = fewest(|| decode_events(&mut dec, &input));
    assert_eq!(events, EVENTS);
    println!(
        "event layer, short events: {allocs} allocations for {EVENTS} events ({} bytes in {CHUNK}-byte chunks)",
        input.len()
    );
    assert_eq!(allocs, 0, "short events are kept inline");
    let (events, allocs) = fewest(|| decode_events(&mut dec, &long_input));
    assert_eq!(events, EVENTS);
    println!("event layer, longer events: {allocs} allocations for {EVENTS} events");
    assert_eq!(allocs, EVENTS, "one allocation per longer event");

    // The borrowing API: no allocation at all once the buffers have grown.
    let (events, allocs) = fewest(|| decode_events_ref(&mut dec, &input));
    assert_eq!(events, EVENTS);
    println!("event layer, feed_ref: {allocs} allocations for {EVENTS} events");
    assert_eq!(allocs, 0, "feed_ref allocated");

    let (lines, allocs) = count(|| count_lines(&input));
    assert_eq!(lines, 4 * EVENTS);
    println!("line layer: {allocs} allocations for {lines} lines");
    assert_eq!(allocs, 0);

    // Large events (40 KiB of data, 16 KiB chunks): the data is decoded into a `String` as
    // it arrives, the event takes that `String` instead of a copy, and the decoder gets a
    // new one: still one allocation per event. (The warm-up starts with a 2 KiB event: the
    // start of a long data line that a chunk cuts short is kept raw, in a buffer that grows
    // up to 1 KiB.)
    const LARGE: usize = 50;
    let payload = "x".repeat(40 * 1024);
    let mut large = format!("event: tick\ndata: {}\n\n", "w".repeat(2048)).into_bytes();
    let first = large.len();
    for n in 0..LARGE + 2 {
        large.extend_from_slice(format!("event: tick\nid: {n}\ndata: {payload}\n\n").as_bytes());
    }
    let split = first + (large.len() - first) / (LARGE + 2) * 2; // the first three warm up
    let mut dec = Decoder::new();
    let mut events = 0;
    let (_, warm) = count(|| {
        for chunk in large[..split].chunks(16 * 1024) {
            events += decode_events(&mut dec, chunk);
        }
    });
    let (_, allocs) = count(|| {
        for chunk in large[split..].chunks(16 * 1024) {
            events += decode_events(&mut dec, chunk);
        }
    });
    assert_eq!(events, LARGE + 3);
    println!(
        "event layer, 40 KiB events: {allocs} allocations for {LARGE} events (warm-up {warm})"
    );
    assert!(
        allocs <= LARGE,
        "{allocs} allocations for {LARGE} large events"
    );
}
