//! [`SseItem`]: what a stream handed to [`SseBody`](crate::SseBody) may yield, and
//! [`BodyError`]: why such a body ended early.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use bytes::Bytes;
use ssekit_core::{EncodeError, EncodedEvent, Event, EventError, IntoEvent, SplitEvent, Text};

/// A boxed error, as `http-body` stacks carry them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An item of an event stream: something that becomes one encoded event.
///
/// | item | event |
/// |---|---|
/// | `&'static str`, `String`, `Cow<'static, str>` | data only (type `message`) |
/// | `(event type, data)` of any of those | a named event |
/// | [`Event<'static>`](Event) | itself |
/// | [`EncodedEvent`] | itself, sent as it is (encoded once, shared by many streams) |
/// | [`SplitEvent`] | itself, in three frames: its data is the caller's `Bytes`, not copied |
/// | `Json<T>`, `serde_json::Value` (feature `serde`) | JSON data |
/// | `Result<T, E>` of any of these, `E: Into<BoxError>` | the event, or the body ends after the events before it |
///
/// Each type has its own impl (a blanket impl over [`IntoEvent`] would overlap with the one
/// for `Result`). For anything else, map your items to an [`Event`] first.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an item of an SSE stream",
    label = "not an SSE stream item",
    note = "a stream of events may yield `&'static str`, `String`, `Cow<'static, str>`, `(event_type, data)`, `Event<'static>`, `EncodedEvent`, `SplitEvent`, `Json<T>` or `serde_json::Value` (feature `serde`), or a `Result` of one of these",
    note = "map other items to an `Event` first; in an axum handler, `#[axum::debug_handler]` shows this message instead of a generic `Handler` error"
)]
pub trait SseItem {
    /// Encodes the event, or says why the body must end.
    fn into_encoded(self) -> Result<EncodedEvent, BodyError>;

    /// The body frames of the event: by default its encoding, in one frame; a
    /// [`SplitEvent`] gives its three parts, so that its data is not copied.
    fn into_frames(self) -> Result<Frames, BodyError>
    where
        Self: Sized,
    {
        self.into_encoded()
            .map(|event| Frames::one(event.into_bytes()))
    }
}

/// Why an [`SseBody`](crate::SseBody) ended early (logged with `tracing`; the client sees
/// the response end cleanly after the events before it).
#[derive(Debug)]
#[non_exhaustive]
pub enum BodyError {
    /// An item had a field an event cannot carry (e.g. an event type with a line break).
    Event(EventError),
    /// An event could not be encoded.
    Encode(EncodeError),
    /// The stream yielded an error.
    Stream(BoxError),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::Event(e) => write!(f, "invalid event in the stream: {e}"),
            BodyError::Encode(e) => write!(f, "event could not be encoded: {e}"),
            BodyError::Stream(e) => write!(f, "the event stream failed: {e}"),
        }
    }
}

impl std::error::Error for BodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BodyError::Event(e) => Some(e),
            BodyError::Encode(e) => Some(e),
            BodyError::Stream(e) => Some(&**e),
        }
    }
}

/// Items that are events through their [`IntoEvent`] impl.
macro_rules! through_into_event {
    ($($(#[$attr:meta])* $item:ty),* $(,)?) => {$(
        $(#[$attr])*
        impl SseItem for $item {
            fn into_encoded(self) -> Result<EncodedEvent, BodyError> {
                encode(self.into_event())
            }
        }
    )*};
}

through_into_event!(
    Event<'static>,
    &'static str,
    String,
    Cow<'static, str>,
    #[cfg(feature = "serde")]
    serde_json::Value,
);

/// An event built from an item, encoded; or why not.
fn encode(event: Result<Event<'static>, EventError>) -> Result<EncodedEvent, BodyError> {
    let event = event.map_err(BodyError::Event)?;
    // `with`, not `try_with`: 5% faster here, and a body is not polled by a thread-local's
    // destructor, the one place it would panic.
    let mut scratch = SCRATCH.with(Cell::take);
    let encoded = event.to_encoded_with(&mut scratch);
    if scratch.capacity() <= SCRATCH_KEPT {
        let _ = SCRATCH.try_with(|kept| kept.set(scratch));
    }
    encoded.map_err(BodyError::Encode)
}

/// The most a thread's [`SCRATCH`] keeps between events: a larger one is freed after use.
const SCRATCH_KEPT: usize = 64 * 1024;

thread_local! {
    /// Where an event with multi-line data is written once before it is copied into its
    /// frame ([`Event::to_encoded_with`]); one per thread, reused by every body on it.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

impl<T, D> SseItem for (T, D)
where
    T: Into<Text<'static>>,
    D: Into<Text<'static>>,
{
    fn into_encoded(self) -> Result<EncodedEvent, BodyError> {
        encode(self.into_event())
    }
}

#[cfg(feature = "serde")]
impl<T> SseItem for ssekit_core::Json<T>
where
    ssekit_core::Json<T>: IntoEvent<'static>,
{
    fn into_encoded(self) -> Result<EncodedEvent, BodyError> {
        encode(self.into_event())
    }
}

/// Already encoded: sent as it is.
impl SseItem for SplitEvent {
    /// One buffer: a copy of the three parts (the body uses [`into_frames`](Self::into_frames)).
    fn into_encoded(self) -> Result<EncodedEvent, BodyError> {
        Ok(self.to_encoded())
    }

    fn into_frames(self) -> Result<Frames, BodyError> {
        Ok(Frames(Parts::Three(self.into_parts(), 0)))
    }
}

/// The body frames of one event ([`SseItem::into_frames`]): one buffer, or the parts of a
/// [`SplitEvent`]. An iterator of the non-empty ones.
#[derive(Debug, Default)]
pub struct Frames(Parts);

/// What is left of [`Frames`]. The common case, one buffer, holds no other `Bytes` (nothing
/// to make or drop but that one).
#[derive(Debug, Default)]
enum Parts {
    #[default]
    Done,
    One(Bytes),
    /// The parts, and the index of the next one.
    Three([Bytes; 3], usize),
}

impl Frames {
    /// One frame.
    #[inline]
    pub fn one(frame: Bytes) -> Self {
        Frames(Parts::One(frame))
    }

    /// Whether every frame was taken (known for one buffer as soon as it is; for parts,
    /// once `next` has found no more).
    #[inline]
    pub fn is_done(&self) -> bool {
        matches!(self.0, Parts::Done)
    }

    /// The first frame (empty if there is none), and the frames after it (`None` when
    /// [`is_done`](Self::is_done)): what a body sends now and what it keeps. One buffer is
    /// handed over as it is, with nothing to keep.
    #[inline(always)]
    pub(crate) fn split_first(self) -> (Bytes, Option<Frames>) {
        match self.0 {
            Parts::One(frame) => (frame, None),
            parts => {
                let mut rest = Frames(parts);
                let first = rest.next().unwrap_or_default();
                (first, (!rest.is_done()).then_some(rest))
            }
        }
    }
}

impl Iterator for Frames {
    type Item = Bytes;

    #[inline]
    fn next(&mut self) -> Option<Bytes> {
        match &mut self.0 {
            Parts::Done => None,
            Parts::One(_) => {
                let Parts::One(frame) = std::mem::take(&mut self.0) else {
                    return None;
                };
                (!frame.is_empty()).then_some(frame)
            }
            Parts::Three(parts, next) => {
                while let Some(part) = parts.get_mut(*next) {
                    *next += 1;
                    if !part.is_empty() {
                        return Some(std::mem::take(part));
                    }
                }
                self.0 = Parts::Done;
                None
            }
        }
    }
}

impl SseItem for EncodedEvent {
    fn into_encoded(self) -> Result<EncodedEvent, BodyError> {
        Ok(self)
    }
}

impl<T: SseItem, E: Into<BoxError>> SseItem for Result<T, E> {
    fn into_encoded(self) -> Result<EncodedEvent, BodyError> {
        self.map_err(|e| BodyError::Stream(e.into()))?
            .into_encoded()
    }

    fn into_frames(self) -> Result<Frames, BodyError> {
        self.map_err(|e| BodyError::Stream(e.into()))?.into_frames()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(item: impl SseItem) -> Option<String> {
        let event = item.into_encoded().ok()?;
        String::from_utf8(event.as_bytes().to_vec()).ok()
    }

    #[test]
    fn the_scratch_is_kept_for_the_next_event_unless_it_grew_large() {
        let capacity = || {
            let scratch = SCRATCH.with(Cell::take);
            let capacity = scratch.capacity();
            SCRATCH.with(|kept| kept.set(scratch));
            capacity
        };
        let html = "<li>one</li>\n<li>two</li>";
        let sent = wire(html).unwrap_or_default();
        assert_eq!(sent, "data: <li>one</li>\ndata: <li>two</li>\n\n");
        let kept = capacity();
        assert!(kept >= sent.len(), "kept");
        // Text over ssekit-core's bound is encoded without the scratch, which stays as it was.
        let large = "x\n".repeat(SCRATCH_KEPT);
        let sent = wire(large).unwrap_or_default();
        assert_eq!(
            sent.len(),
            "data: x\n".len() * SCRATCH_KEPT + "data:\n\n".len()
        );
        assert_eq!(capacity(), kept, "untouched");
        // Short text whose encoding outgrows the bound: the grown scratch is freed.
        let breaks = "\n".repeat(SCRATCH_KEPT / 4);
        let sent = wire(breaks).unwrap_or_default();
        assert_eq!(sent.len(), "data:\n".len() * (SCRATCH_KEPT / 4 + 1) + 1);
        assert_eq!(capacity(), 0, "freed");
    }

    #[test]
    fn strings_are_data_only_events() {
        assert_eq!(wire("a").as_deref(), Some("data: a\n\n"));
        assert_eq!(wire(String::from("b")).as_deref(), Some("data: b\n\n"));
        assert_eq!(wire(Cow::Borrowed("c")).as_deref(), Some("data: c\n\n"));
        let ok = Ok::<_, std::io::Error>("d");
        assert_eq!(wire(ok).as_deref(), Some("data: d\n\n"));
    }

    #[test]
    fn pairs_are_named_and_checked() {
        let named = wire(("update", String::from("x")));
        assert_eq!(named.as_deref(), Some("event: update\ndata: x\n\n"));
        let bad = ("a\nb", "x").into_encoded();
        assert!(matches!(bad, Err(BodyError::Event(_))));
    }

    #[test]
    fn stream_errors_say_so() {
        let item: Result<&str, &str> = Err("disk on fire");
        let err = item.into_encoded().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("the event stream failed: disk on fire")
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_items_have_data() {
        let value = wire(serde_json::json!({"a": 1}));
        assert_eq!(value.as_deref(), Some("data: {\"a\":1}\n\n"));
        let json = wire(ssekit_core::Json([1, 2]));
        assert_eq!(json.as_deref(), Some("data: [1,2]\n\n"));
    }

    #[test]
    fn encoded_events_pass_through_without_a_copy() -> Result<(), Box<dyn std::error::Error>> {
        let event = Event::new().with_id(3)?.with_data("x").to_encoded()?;
        let sent = event.clone().into_encoded()?;
        assert_eq!(sent.as_bytes().as_ptr(), event.as_bytes().as_ptr());
        Ok(())
    }

    #[test]
    fn frames_yield_the_non_empty_parts_then_are_done() -> Result<(), Box<dyn std::error::Error>> {
        let mut one = Frames::one(Bytes::from_static(b"data: x\n\n"));
        assert!(!one.is_done());
        assert_eq!(one.next().as_deref(), Some(&b"data: x\n\n"[..]));
        assert!(one.is_done() && one.next().is_none());
        assert!(Frames::one(Bytes::new()).next().is_none());

        let payload = Bytes::from_static(b"one line");
        let mut three = Event::new()
            .with_shared_data(payload.clone())?
            .into_frames()?;
        assert_eq!(three.next().as_deref(), Some(&b"data: "[..]));
        assert!(!three.is_done());
        let data = three.next().ok_or("the payload")?;
        assert_eq!(data.as_ptr(), payload.as_ptr());
        assert_eq!(three.next().as_deref(), Some(&b"\n\n"[..]));
        assert!(three.next().is_none() && three.is_done());
        Ok(())
    }

    #[test]
    fn split_first_keeps_only_frames_that_are_left() -> Result<(), Box<dyn std::error::Error>> {
        let (first, rest) = Frames::one(Bytes::from_static(b"data: x\n\n")).split_first();
        assert_eq!(&first[..], b"data: x\n\n");
        assert!(rest.is_none());

        let payload = Bytes::from_static(b"one line");
        let event = Event::new().with_shared_data(payload.clone())?;
        let (first, rest) = event.into_frames()?.split_first();
        assert_eq!(&first[..], b"data: ");
        let rest: Vec<Bytes> = rest.ok_or("two frames left")?.collect();
        assert_eq!(rest.len(), 2);
        assert_eq!(rest[0].as_ptr(), payload.as_ptr());

        // Parts of which only the first is non-empty: what is kept yields nothing more.
        let (first, rest) = Frames(Parts::Three(
            [Bytes::from_static(b"x"), Bytes::new(), Bytes::new()],
            0,
        ))
        .split_first();
        assert_eq!(&first[..], b"x");
        assert!(rest.is_some_and(|mut rest| rest.next().is_none()));
        assert!(Frames::default().split_first().0.is_empty());
        Ok(())
    }
}
