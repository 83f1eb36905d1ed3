//! Every decoder under test, as a function that decodes a whole chunk list from scratch and
//! hands each dispatched event to `on_event(event_type, data, last_event_id)`.
//!
//! The stream-based peers are polled with a no-op waker: their input stream is always ready,
//! so `Pending` never happens (it would panic).

use std::convert::Infallible;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use eventsource_stream::Eventsource as _;
use futures_util::Stream;

/// The implementations, in the order the groups and tables list them.
pub const IMPLS: [&str; 11] = [
    "ssekit_core",
    "sse_core_ref",
    "hand_written",
    "sse_stream",
    "eventsource_stream",
    "sse_core_pizzasbear",
    "sse_parse",
    "sseer",
    "async_sse",
    "floor_memchr",
    "floor_utf8",
];

/// ssekit-core's sans-IO `Decoder`, fed each chunk until it is consumed.
pub fn ssekit_core(chunks: &[Bytes], mut on_event: impl FnMut(&str, &str, &str)) {
    use ssekit_core::{Decoded, Decoder};
    let mut decoder = Decoder::new();
    for chunk in chunks {
        for item in decoder.feed(chunk) {
            match item {
                Ok(Decoded::Event(event)) => {
                    on_event(event.event_type(), event.data(), event.last_event_id());
                }
                Ok(_) => {}
                Err(e) => panic!("ssekit-core decode error: {e:?}"),
            }
        }
    }
    // Everything was dispatched: what `finish` returns (an incomplete event) is discarded.
    let _ = decoder.finish();
}

/// ssekit-core's `Decoder::feed_ref`: the same decoder, each event borrowed from its buffers
/// (no allocation, no copy of the data) instead of owned.
pub fn sse_core_ref(chunks: &[Bytes], mut on_event: impl FnMut(&str, &str, &str)) {
    use ssekit_core::{DecodedRef, Decoder};
    let mut decoder = Decoder::new();
    for chunk in chunks {
        let mut items = decoder.feed_ref(chunk);
        while let Some(item) = items.next() {
            match item {
                Ok(DecodedRef::Event(event)) => {
                    on_event(event.event_type(), event.data(), event.last_event_id());
                }
                Ok(_) => {}
                Err(e) => panic!("ssekit-core decode error: {e:?}"),
            }
        }
    }
    let _ = decoder.finish();
}

/// sse-stream 0.3's `SseByteStream` over a `futures_util::stream::iter` of the chunks.
pub fn sse_stream(chunks: &[Bytes], mut on_event: impl FnMut(&str, &str, &str)) {
    let input = futures_util::stream::iter(chunks.iter().cloned().map(Ok::<_, Infallible>));
    let mut events = pin!(sse_stream::SseByteStream::new(input));
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        match events.as_mut().poll_next(&mut cx) {
            Poll::Ready(Some(Ok(sse))) => {
                // sse-stream also returns blocks without data, which a browser never
                // dispatches; it does not carry the id over from earlier blocks either
                // (every event in our streams has its own id).
                if let Some(data) = &sse.data {
                    on_event(
                        sse.event.as_deref().unwrap_or("message"),
                        data,
                        sse.id.as_deref().unwrap_or(""),
                    );
                }
            }
            Poll::Ready(Some(Err(e))) => panic!("sse-stream decode error: {e}"),
            Poll::Ready(None) => break,
            Poll::Pending => panic!("sse-stream pending on a ready input"),
        }
    }
}

/// eventsource-stream 0.2's `EventStream` over a `futures_util::stream::iter` of the chunks.
pub fn eventsource_stream(chunks: &[Bytes], mut on_event: impl FnMut(&str, &str, &str)) {
    let input = futures_util::stream::iter(chunks.iter().cloned().map(Ok::<_, Infallible>));
    let mut events = pin!(input.eventsource());
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        match events.as_mut().poll_next(&mut cx) {
            Poll::Ready(Some(Ok(event))) => on_event(&event.event, &event.data, &event.id),
            Poll::Ready(Some(Err(e))) => panic!("eventsource-stream decode error: {e}"),
            Poll::Ready(None) => break,
            Poll::Pending => panic!("eventsource-stream pending on a ready input"),
        }
    }
}

/// PizzasBear's sse-core 0.2 (crates.io `sse-core`, renamed here): its sans-IO `SseDecoder`,
/// `next` called on each chunk (a `Bytes`, consumed through `Buf`) until it needs more input.
pub fn sse_core_pizzasbear(chunks: &[Bytes], mut on_event: impl FnMut(&str, &str, &str)) {
    use sse_core_pizzasbear::{SseDecoder, SseEvent};
    let mut decoder = SseDecoder::new();
    for chunk in chunks {
        let mut buf = chunk.clone();
        while let Some(item) = decoder.next(&mut buf) {
            match item {
                Ok(SseEvent::Message(event)) => on_event(
                    &event.event,
                    &event.data,
                    event.last_event_id.as_deref().unwrap_or(""),
                ),
                Ok(SseEvent::Retry(_)) => {}
                Err(e) => panic!("ssekit-core 0.2 decode error: {e}"),
            }
        }
        // `None` means the chunk is used up: the decoder keeps no unparsed bytes of its own
        // but has consumed all of them into its state.
        assert!(
            buf.is_empty(),
            "ssekit-core 0.2 left part of a chunk unread"
        );
    }
}

/// sse-parse 0.1's sans-IO `SseParser`: each chunk fed, then the completed events drained.
pub fn sse_parse(chunks: &[Bytes], mut on_event: impl FnMut(&str, &str, &str)) {
    let mut parser = sse_parse::SseParser::new();
    for chunk in chunks {
        parser.feed(chunk);
        while let Some(event) = parser.next_event() {
            on_event(&event.event, &event.data, &event.id);
        }
    }
    parser.finish();
    while let Some(event) = parser.next_event() {
        on_event(&event.event, &event.data, &event.id);
    }
}

/// sseer 0.3's `EventStream` (stream only, no sans-IO API) over a `futures_util::stream::iter`
/// of the chunks.
pub fn sseer(chunks: &[Bytes], mut on_event: impl FnMut(&str, &str, &str)) {
    let input = futures_util::stream::iter(chunks.iter().cloned().map(Ok::<_, Infallible>));
    let mut events = pin!(sseer::EventStream::new(input));
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        match events.as_mut().poll_next(&mut cx) {
            Poll::Ready(Some(Ok(event))) => on_event(&event.event, &event.data, &event.id),
            Poll::Ready(Some(Err(e))) => panic!("sseer decode error: {e}"),
            Poll::Ready(None) => break,
            Poll::Pending => panic!("sseer pending on a ready input"),
        }
    }
}

/// async-sse 5's `decode`, which reads an `AsyncBufRead`: the chunk stream is turned into one
/// with `futures_util`'s `TryStreamExt::into_async_read` (it lends each chunk as the reader's
/// buffer, no copy).
pub fn async_sse(chunks: &[Bytes], mut on_event: impl FnMut(&str, &str, &str)) {
    use futures_util::TryStreamExt as _;
    let input = futures_util::stream::iter(chunks.iter().cloned().map(Ok::<_, std::io::Error>));
    let mut events = pin!(async_sse::decode(input.into_async_read()));
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        match events.as_mut().poll_next(&mut cx) {
            Poll::Ready(Some(Ok(async_sse::Event::Message(message)))) => {
                // async-sse hands the data out as bytes: checked as UTF-8 here, as a client
                // that wants a string has to.
                let data = std::str::from_utf8(message.data()).expect("async-sse data is UTF-8");
                on_event(message.name(), data, message.id().as_deref().unwrap_or(""));
            }
            Poll::Ready(Some(Ok(async_sse::Event::Retry(_)))) => {}
            Poll::Ready(Some(Err(e))) => panic!("async-sse decode error: {e}"),
            Poll::Ready(None) => break,
            Poll::Pending => panic!("async-sse pending on a ready input"),
        }
    }
}

/// The memchr floor: finds every line end (CR or LF) with `memchr2` and copies each line that
/// spans chunks into one reused buffer, as any decoder that hands out a line as one slice
/// must; a line whole in its chunk is not copied. It parses nothing and builds no event: no
/// decoder can be faster. Returns the number of line ends.
pub fn floor_memchr(chunks: &[Bytes]) -> usize {
    let mut lines = FloorLines::default();
    for chunk in chunks {
        lines.push(chunk);
    }
    lines.line_ends
}

/// The floors' line search over a stream's chunks.
#[derive(Default)]
struct FloorLines {
    /// The start of a line that spans chunks (reused).
    partial: Vec<u8>,
    /// The line ends found so far.
    line_ends: usize,
}

impl FloorLines {
    /// Finds the line ends of the next chunk, copying the lines that span chunks.
    fn push(&mut self, chunk: &[u8]) {
        let mut start = 0;
        for at in memchr::memchr2_iter(b'\n', b'\r', chunk) {
            self.line_ends += 1;
            if !self.partial.is_empty() {
                self.partial.extend_from_slice(&chunk[start..at]);
                std::hint::black_box(self.partial.as_slice());
                self.partial.clear();
            }
            start = at + 1;
        }
        self.partial.extend_from_slice(&chunk[start..]);
    }
}

/// The floor of a decoder that hands out text: [`floor_memchr`], plus a UTF-8 check
/// (simdutf8, as ssekit-core and sse-stream use) of every byte, one call per chunk (a character
/// cut between chunks is carried over): the least checking a decoder can do that lends or
/// owns its events' text as `str`. Returns the number of line ends; panics on invalid UTF-8.
///
/// A floor for chunks of some size only: on chunks of a few bytes, a call per chunk costs
/// more than a decoder that checks each of its values once.
pub fn floor_utf8(chunks: &[Bytes]) -> usize {
    let mut lines = FloorLines::default();
    let mut held = Vec::new();
    for chunk in chunks {
        check_utf8(&mut held, chunk);
        lines.push(chunk);
    }
    assert!(held.is_empty(), "the floor's inputs are UTF-8");
    lines.line_ends
}

/// Checks `chunk` as UTF-8, after the first bytes of a character cut at the end of the chunk
/// before (`held`); leaves in `held` those of a character cut at its end.
fn check_utf8(held: &mut Vec<u8>, chunk: &[u8]) {
    let mut rest = chunk;
    if !held.is_empty() {
        let more = rest
            .iter()
            .take(3)
            .take_while(|&&b| b & 0xC0 == 0x80)
            .count();
        held.extend_from_slice(&rest[..more]);
        rest = &rest[more..];
        match simdutf8::compat::from_utf8(held) {
            Ok(_) => held.clear(),
            Err(e) if e.error_len().is_none() && rest.is_empty() => return,
            Err(_) => panic!("the floor's inputs are UTF-8"),
        }
    }
    if simdutf8::basic::from_utf8(rest).is_err() {
        match simdutf8::compat::from_utf8(rest) {
            Err(e) if e.error_len().is_none() => held.extend_from_slice(&rest[e.valid_up_to()..]),
            _ => panic!("the floor's inputs are UTF-8"),
        }
    }
}

/// The floors among [`IMPLS`]: they find the lines and decode nothing.
pub const FLOORS: [&str; 2] = ["floor_memchr", "floor_utf8"];

/// Runs floor `name` (one of [`FLOORS`]) over `chunks`; returns the number of line ends.
pub fn floor(name: &str, chunks: &[Bytes]) -> usize {
    match name {
        "floor_memchr" => floor_memchr(chunks),
        "floor_utf8" => floor_utf8(chunks),
        other => panic!("unknown floor {other}"),
    }
}

/// The decoders among [`IMPLS`] (all but the [`FLOORS`]).
pub const DECODERS: [&str; 9] = [
    "ssekit_core",
    "sse_core_ref",
    "hand_written",
    "sse_stream",
    "eventsource_stream",
    "sse_core_pizzasbear",
    "sse_parse",
    "sseer",
    "async_sse",
];

/// Runs decoder `name` (one of [`DECODERS`]) over `chunks`, handing every dispatched event to
/// `on_event(event_type, data, last_event_id)`: the one place that maps a name to a decoder.
pub fn decode_with(name: &str, chunks: &[Bytes], on_event: impl FnMut(&str, &str, &str)) {
    match name {
        "ssekit_core" => ssekit_core(chunks, on_event),
        "sse_core_ref" => sse_core_ref(chunks, on_event),
        "hand_written" => crate::hand_written::hand_written(chunks, on_event),
        "sse_stream" => sse_stream(chunks, on_event),
        "eventsource_stream" => eventsource_stream(chunks, on_event),
        "sse_core_pizzasbear" => sse_core_pizzasbear(chunks, on_event),
        "sse_parse" => sse_parse(chunks, on_event),
        "sseer" => sseer(chunks, on_event),
        "async_sse" => async_sse(chunks, on_event),
        other => panic!("unknown decoder {other}"),
    }
}

/// Runs implementation `name` over `chunks` and returns how many events it dispatched and the
/// sum of their data lengths. For a floor: the number of line ends, and 0.
pub fn run(name: &str, chunks: &[Bytes]) -> (usize, usize) {
    if FLOORS.contains(&name) {
        return (floor(name, chunks), 0);
    }
    let (mut events, mut data_len) = (0, 0);
    decode_with(name, chunks, |_, data, _| {
        events += 1;
        data_len += data.len();
    });
    (events, data_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_utf8_floor_checks_characters_cut_between_chunks() {
        let stream = "data: é€😀\n\ndata: x€\r\n".as_bytes();
        let line_ends = 4; // CR and LF bytes, as the floors count them
        for cut in 0..=stream.len() {
            for second in cut..=stream.len() {
                let chunks = [&stream[..cut], &stream[cut..second], &stream[second..]]
                    .map(Bytes::copy_from_slice);
                assert_eq!(floor_utf8(&chunks), line_ends, "cut at {cut} and {second}");
                assert_eq!(floor_memchr(&chunks), line_ends);
            }
        }
    }

    #[test]
    #[should_panic(expected = "UTF-8")]
    fn the_utf8_floor_refuses_an_invalid_byte() {
        floor_utf8(&[Bytes::from_static(b"data: a\xFFb\n")]);
    }

    #[test]
    #[should_panic(expected = "UTF-8")]
    fn the_utf8_floor_refuses_a_character_cut_at_the_end() {
        floor_utf8(&[Bytes::from_static(b"data: \xE2\x82")]);
    }

    #[test]
    #[should_panic(expected = "UTF-8")]
    fn the_utf8_floor_refuses_invalid_text() {
        floor_utf8(&[
            Bytes::from_static(b"data: \xC3"),
            Bytes::from_static(b"(\n"),
        ]);
    }
}
