//! "Zero-allocation" proven: a counting global allocator watches 10 000 mixed events
//! encoded into a pre-sized buffer, through every output the encoder offers.

use std::alloc::System;
use std::time::Duration;

use ssekit_core::{Event, IntoEvent};
use stats_alloc::StatsAlloc;

#[global_allocator]
static GLOBAL: StatsAlloc<System> = StatsAlloc::system();

/// Allocations and reallocations so far (a realloc that grows a buffer counts too).
fn allocation_count() -> usize {
    let stats = GLOBAL.stats();
    stats.allocations + stats.reallocations
}

const EVENTS: usize = 10_000;

/// Builds event `i` of the mix from borrowed inputs (building allocates nothing either).
fn event<'a>(i: usize, ids: &'a [String], big: &'a str) -> Event<'a> {
    let id = ids[i % ids.len()].as_str();
    let built = match i % 5 {
        0 => Event::new()
            .with_event_type("tick")
            .and_then(|e| e.with_id(id))
            .map(|e| e.with_data(r#"{"n":12345,"status":"ok","v":1.5}"#)),
        1 => Ok(Event::new().with_data("<ul>\n  <li>one</li>\n  <li>two</li>\n</ul>\n")),
        2 => ("crlf", "line one\r\nline two\r\nline three").into_event(),
        3 => Ok(Event::new()
            .with_data(big)
            .with_retry(Duration::from_millis(2500))),
        _ => Ok(Event::keep_alive().with_comment("multi\nline comment")),
    };
    built.unwrap_or_else(|e| panic!("event {i} refused: {e}"))
}

// One test function, so no other test thread runs (or allocates) meanwhile: the counts are
// process-wide.
#[test]
fn allocations_while_encoding() {
    the_allocator_is_really_counting();
    encoding_ten_thousand_mixed_events_allocates_nothing();
    to_bytes_allocates_exactly_once();
    to_encoded_with_a_warm_scratch_allocates_exactly_once();
}

fn encoding_ten_thousand_mixed_events_allocates_nothing() {
    let ids: Vec<String> = (0..100).map(|i| format!("id-{i}")).collect();
    let big = "x".repeat(64 * 1024);
    let total: usize = (0..EVENTS)
        .map(|i| event(i, &ids, &big).encoded_len())
        .sum();
    let mut slice_buf = vec![0u8; total];
    let mut vec_buf: Vec<u8> = Vec::with_capacity(total);
    let mut bytes_buf = bytes::BytesMut::with_capacity(total);

    let before = allocation_count();
    let mut at = 0;
    for i in 0..EVENTS {
        let event = event(i, &ids, &big);
        at += event
            .encode_to_slice(&mut slice_buf[at..])
            .unwrap_or_else(|e| panic!("event {i}: {e}"));
        event
            .encode_to_vec(&mut vec_buf)
            .unwrap_or_else(|e| panic!("event {i}: {e}"));
        event
            .encode_to_buf(&mut bytes_buf)
            .unwrap_or_else(|e| panic!("event {i}: {e}"));
    }
    let during = allocation_count() - before;

    assert_eq!(at, total);
    assert_eq!(vec_buf, slice_buf);
    assert_eq!(&bytes_buf[..], &slice_buf[..]);
    assert_eq!(during, 0, "allocations while encoding {EVENTS} events");
    println!("{EVENTS} events, {total} bytes, {during} allocations");
}

fn the_allocator_is_really_counting() {
    // Guards the test above against a counter that never moves.
    let before = allocation_count();
    let v = std::hint::black_box(vec![1u8; 10]);
    assert!(allocation_count() > before);
    drop(v);
}

fn to_bytes_allocates_exactly_once() {
    let event = Event::new()
        .with_event_type("t")
        .map(|e| e.with_data("a\nb"));
    let event = event.unwrap_or_else(|e| panic!("{e}"));
    let before = allocation_count();
    let bytes = event.to_bytes();
    assert_eq!(allocation_count() - before, 1);
    assert_eq!(bytes.map(|b| b.len()), Ok(event.encoded_len()));
}

fn to_encoded_with_a_warm_scratch_allocates_exactly_once() {
    let event = Event::new().with_data("<li>one</li>\n<li>two</li>\r\n");
    let mut scratch = Vec::new();
    let first = event.to_encoded_with(&mut scratch);
    let before = allocation_count();
    let again = event.to_encoded_with(&mut scratch);
    assert_eq!(allocation_count() - before, 1);
    assert_eq!(again.map(|e| e.len()), Ok(event.encoded_len()));
    assert_eq!(first, event.to_encoded());
}
