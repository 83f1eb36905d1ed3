//! [`SseItem`]: what a stream handed to [`SseBody`](crate::SseBody) may yield, and
//! [`BodyError`]: why such a body ended early.

use std::borrow::Cow;
use std::fmt;

use sse_core::{EncodeError, Event, EventError, IntoEvent, Text};

/// A boxed error, as `http-body` stacks carry them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An item of an event stream: something that becomes one [`Event`].
///
/// | item | event |
/// |---|---|
/// | `&'static str`, `String`, `Cow<'static, str>` | data only (type `message`) |
/// | `(event type, data)` of any of those | a named event |
/// | [`Event<'static>`](Event) | itself |
/// | [`Json<T>`](sse_core::Json), `serde_json::Value` (feature `serde`) | JSON data |
/// | `Result<T, E>` of any of these, `E: Into<BoxError>` | the event, or the body ends with `E` |
///
/// Each type has its own impl (a blanket impl over [`IntoEvent`] would overlap with the one
/// for `Result`). For anything else, map your items to an [`Event`] first.
pub trait SseItem {
    /// Builds the event, or says why the body must end.
    fn into_sse_event(self) -> Result<Event<'static>, BodyError>;
}

/// Why an [`SseBody`](crate::SseBody) ended with an error frame (boxed as its
/// [`BoxError`]; downcast to read it).
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
            fn into_sse_event(self) -> Result<Event<'static>, BodyError> {
                self.into_event().map_err(BodyError::Event)
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

impl<T, D> SseItem for (T, D)
where
    T: Into<Text<'static>>,
    D: Into<Text<'static>>,
{
    fn into_sse_event(self) -> Result<Event<'static>, BodyError> {
        self.into_event().map_err(BodyError::Event)
    }
}

#[cfg(feature = "serde")]
impl<T> SseItem for sse_core::Json<T>
where
    sse_core::Json<T>: IntoEvent<'static>,
{
    fn into_sse_event(self) -> Result<Event<'static>, BodyError> {
        self.into_event().map_err(BodyError::Event)
    }
}

impl<T: SseItem, E: Into<BoxError>> SseItem for Result<T, E> {
    fn into_sse_event(self) -> Result<Event<'static>, BodyError> {
        self.map_err(|e| BodyError::Stream(e.into()))?
            .into_sse_event()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(item: impl SseItem) -> Option<String> {
        item.into_sse_event()
            .ok()
            .and_then(|e| e.get_data().map(str::to_owned))
    }

    #[test]
    fn strings_are_data_only_events() {
        assert_eq!(data("a").as_deref(), Some("a"));
        assert_eq!(data(String::from("b")).as_deref(), Some("b"));
        assert_eq!(data(Cow::Borrowed("c")).as_deref(), Some("c"));
        assert_eq!(data(Ok::<_, std::io::Error>("d")).as_deref(), Some("d"));
    }

    #[test]
    fn pairs_are_named_and_checked() {
        let named = ("update", String::from("x")).into_sse_event();
        assert!(named.is_ok_and(|e| e.get_event_type() == Some("update")));
        let bad = ("a\nb", "x").into_sse_event();
        assert!(matches!(bad, Err(BodyError::Event(_))));
    }

    #[test]
    fn stream_errors_say_so() {
        let item: Result<&str, &str> = Err("disk on fire");
        let err = item.into_sse_event().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("the event stream failed: disk on fire")
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_items_have_data() {
        let value = serde_json::json!({"a": 1}).into_sse_event();
        assert!(value.is_ok_and(|e| e.has_data()));
        let json = sse_core::Json([1, 2]).into_sse_event();
        assert!(json.is_ok_and(|e| e.has_data()));
    }
}
