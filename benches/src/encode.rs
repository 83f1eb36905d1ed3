//! Every encoder under test, as a function that builds the event from the borrowed input
//! strings and encodes it: building the event is part of the measured work for all of them.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use axum::response::IntoResponse as _;
use bytes::Bytes;
use http_body::Body;

use crate::inputs::EncodeInput;

/// The implementations, in the order the groups and tables list them.
pub const IMPLS: [&str; 9] = [
    "sse_core_vec",
    "sse_core_bytes",
    "sse_core_split",
    "sse_hyper_body",
    "axum",
    "warp",
    "sse_stream",
    "sse_stream_body",
    "floor_memchr",
];

/// ssekit-core: build the [`ssekit_core::Event`] from borrowed strs and append it to `out`, which
/// the caller reuses (it is cleared first). No allocation once `out` is large enough.
pub fn sse_core_vec(input: &EncodeInput, out: &mut Vec<u8>) {
    out.clear();
    let event = ssekit_core::Event::new()
        .with_event_type(input.event_type)
        .and_then(|e| e.with_id(input.id))
        .expect("valid event type and id")
        .with_data(input.data);
    event.encode_to_vec(out).expect("encodes");
}

/// ssekit-core: one [`Bytes`] per event ([`ssekit_core::Event::to_bytes`]), the way an HTTP body
/// emits them: exactly one allocation.
pub fn sse_core_bytes(input: &EncodeInput) -> Bytes {
    ssekit_core::Event::new()
        .with_event_type(input.event_type)
        .and_then(|e| e.with_id(input.id))
        .expect("valid event type and id")
        .with_data(input.data)
        .to_bytes()
        .expect("encodes")
}

/// ssekit-core: the data given as a shared `Bytes` ([`ssekit_core::SplitEvent`]), the way a
/// server sends a payload it already holds: the body frames of the event, the data among
/// them as the caller's buffer (not copied) when it has no line break (otherwise encoded
/// with the fields, a copy). The fields' frame is the one allocation.
pub fn sse_core_split(input: &EncodeInput) -> [Bytes; 3] {
    ssekit_core::Event::new()
        .with_event_type(input.event_type)
        .and_then(|e| e.with_id(input.id))
        .and_then(|e| e.with_shared_data(Bytes::from_static(input.data.as_bytes())))
        .expect("valid event type, id and UTF-8 data")
        .into_parts()
}

/// ssekit-hyper: the frames of its `SseBody` (what ssekit-axum and ssekit-warp send too), over a
/// stream that builds the event from the input on every poll; the frame is dropped before
/// the next poll, as a server drops it once written. Keep-alive off (no timer).
pub struct HyperBody {
    body: Pin<Box<ssekit_hyper::SseBody<BoxedEvents, ssekit_hyper::TokioTimer>>>,
}

type BoxedEvents = Pin<
    Box<
        dyn futures_util::Stream<
                Item = Result<ssekit_core::Event<'static>, ssekit_core::EventError>,
            > + Send,
    >,
>;

impl HyperBody {
    /// A body that yields `input`'s event forever.
    pub fn new(input: &'static EncodeInput) -> Self {
        let events = futures_util::stream::repeat_with(move || {
            ssekit_core::Event::new()
                .with_event_type(input.event_type)
                .and_then(|e| e.with_id(input.id))
                .map(|e| e.with_data(input.data))
        });
        let body = ssekit_hyper::SseBody::new(Box::pin(events) as BoxedEvents)
            .with_keep_alive(ssekit_hyper::KeepAlive::disabled());
        HyperBody {
            body: Box::pin(body),
        }
    }

    /// Builds one event and returns the bytes of the body frame it becomes.
    pub fn next_frame(&mut self) -> Bytes {
        next_data_frame(self.body.as_mut(), "ssekit-hyper's body")
    }
}

/// axum 0.8: the bytes of `axum::response::sse::Event` as its `Sse` response body emits
/// them. axum has no public way to get an event's bytes other than its body, so this builds
/// ONE response (outside the measurement) over an endless stream that builds a fresh event
/// from the input on every poll, and [`next_frame`](Self::next_frame) polls one body frame
/// with a no-op waker: per event that is exactly the event building plus the body's work
/// (`Event::finalize`, the boxed body's dispatch, the `Frame`), as in a live stream.
pub struct AxumBody {
    body: axum::body::Body,
}

impl AxumBody {
    /// A response body that yields `input`'s event forever.
    pub fn new(input: &'static EncodeInput) -> Self {
        let events = futures_util::stream::repeat_with(move || {
            Ok::<_, Infallible>(
                axum::response::sse::Event::default()
                    .event(input.event_type)
                    .id(input.id)
                    .data(input.data),
            )
        });
        let body = axum::response::Sse::new(events).into_response().into_body();
        AxumBody { body }
    }

    /// Builds one event and returns the bytes of the body frame it becomes.
    pub fn next_frame(&mut self) -> Bytes {
        next_data_frame(Pin::new(&mut self.body), "axum's SSE body")
    }
}

/// warp 0.4: `warp::sse::Event` written through its `Display` into a reused `String` (warp's
/// own body calls `to_string()`, one more allocation per event; this is the cheaper way).
pub fn warp(input: &EncodeInput, out: &mut String) {
    out.clear();
    let event = warp::sse::Event::default()
        .event(input.event_type)
        .id(input.id)
        .data(input.data);
    write!(out, "{event}").expect("formats");
}

/// sse-stream 0.3: `Sse` (owned `String` fields) encoded into one `Bytes`.
pub fn sse_stream(input: &EncodeInput) -> Bytes {
    sse_stream::Sse::default()
        .event(input.event_type)
        .id(input.id)
        .data(input.data)
        .encode()
        .expect("encodes")
}

/// sse-stream 0.3's own server body, `sse_stream::SseBody`, over a boxed stream that builds
/// the event from the input on every poll: the same set-up as [`HyperBody`] (one frame per
/// poll, no keep-alive), so the two bodies compare directly.
pub struct SseStreamBody {
    body: Pin<Box<sse_stream::SseBody<BoxedSse>>>,
}

type BoxedSse =
    Pin<Box<dyn futures_util::Stream<Item = Result<sse_stream::Sse, Infallible>> + Send>>;

impl SseStreamBody {
    /// A body that yields `input`'s event forever.
    pub fn new(input: &'static EncodeInput) -> Self {
        let events = futures_util::stream::repeat_with(move || {
            Ok(sse_stream::Sse::default()
                .event(input.event_type)
                .id(input.id)
                .data(input.data))
        });
        let body = sse_stream::SseBody::new(Box::pin(events) as BoxedSse);
        SseStreamBody {
            body: Box::pin(body),
        }
    }

    /// Builds one event and returns the bytes of the body frame it becomes.
    pub fn next_frame(&mut self) -> Bytes {
        next_data_frame(self.body.as_mut(), "sse-stream's body")
    }
}

/// Polls `body` once with a no-op waker for its next frame, which must be data: the bodies
/// measured here are always ready (`who` names the body in the panic otherwise).
fn next_data_frame<B>(body: Pin<&mut B>, who: &str) -> Bytes
where
    B: Body<Data = Bytes> + ?Sized,
    B::Error: std::fmt::Debug,
{
    let mut cx = Context::from_waker(Waker::noop());
    match body.poll_frame(&mut cx) {
        Poll::Ready(Some(Ok(frame))) => frame.into_data().expect("a data frame"),
        _ => panic!("{who} ended or was pending"),
    }
}

/// The floor: a plain writer that does the same job by hand. It refuses CR/LF in the event
/// type and CR/LF/NUL in the id, splits the data on CR, LF and CRLF with `memchr2`, and copies
/// the pieces with their prefixes into `out` (cleared first, reused by the caller).
pub fn floor_memchr(input: &EncodeInput, out: &mut Vec<u8>) {
    out.clear();
    assert!(memchr::memchr2(b'\r', b'\n', input.event_type.as_bytes()).is_none());
    assert!(memchr::memchr3(b'\r', b'\n', 0, input.id.as_bytes()).is_none());
    field_line(out, b"event", input.event_type.as_bytes());
    field_line(out, b"id", input.id.as_bytes());
    let mut rest = input.data.as_bytes();
    while let Some(i) = memchr::memchr2(b'\r', b'\n', rest) {
        field_line(out, b"data", &rest[..i]);
        let skip = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
            2
        } else {
            1
        };
        rest = &rest[i + skip..];
    }
    field_line(out, b"data", rest);
    out.push(b'\n');
}

fn field_line(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    if value.is_empty() {
        out.extend_from_slice(b":\n");
    } else {
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.push(b'\n');
    }
}

/// Runs implementation `name` once on `input` and returns its bytes (for the checks and the
/// allocation report; the benchmarks call the functions directly).
pub fn run(name: &str, input: &'static EncodeInput) -> Vec<u8> {
    match name {
        "sse_core_vec" => {
            let mut out = Vec::new();
            sse_core_vec(input, &mut out);
            out
        }
        "sse_core_bytes" => sse_core_bytes(input).to_vec(),
        "sse_core_split" => sse_core_split(input).concat(),
        "sse_hyper_body" => HyperBody::new(input).next_frame().to_vec(),
        "axum" => AxumBody::new(input).next_frame().to_vec(),
        "warp" => {
            let mut out = String::new();
            warp(input, &mut out);
            out.into_bytes()
        }
        "sse_stream" => sse_stream(input).to_vec(),
        "sse_stream_body" => SseStreamBody::new(input).next_frame().to_vec(),
        "floor_memchr" => {
            let mut out = Vec::new();
            floor_memchr(input, &mut out);
            out
        }
        other => panic!("unknown encoder {other}"),
    }
}
