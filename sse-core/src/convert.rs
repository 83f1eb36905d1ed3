//! [`IntoEvent`]: what a server's event stream naturally yields, turned into an [`Event`].
//!
//! | item | event |
//! |---|---|
//! | `&str`, `String`, `Cow<str>` | data only (type `message`) |
//! | `(event_type, data)` of any of those | a named event |
//! | [`Event`] | itself |
//! | [`Json<T>`] and `serde_json::Value` (feature `serde`) | data serialized as JSON |

use crate::error::EventError;
use crate::event::Event;
use crate::text::Text;

#[cfg(feature = "alloc")]
use alloc::{borrow::Cow, string::String};

/// Conversion into an [`Event`], refused (never panicked) when a field is invalid.
///
/// Framework adapters accept a stream of any `IntoEvent` items.
pub trait IntoEvent<'a> {
    /// Builds the event.
    fn into_event(self) -> Result<Event<'a>, EventError>;
}

/// A full event passes through.
///
/// ```
/// use ssekit_core::{Event, IntoEvent};
/// let event = Event::new().with_data("x").into_event()?;
/// assert_eq!(event.data(), Some("x"));
/// # Ok::<(), ssekit_core::EventError>(())
/// ```
impl<'a> IntoEvent<'a> for Event<'a> {
    fn into_event(self) -> Result<Event<'a>, EventError> {
        Ok(self)
    }
}

/// A string is a data-only event.
///
/// ```
/// use ssekit_core::IntoEvent;
/// let event = "<li>new item</li>".into_event()?;
/// assert_eq!(event.data(), Some("<li>new item</li>"));
/// assert_eq!(event.event_type(), None); // clients see `message`
/// # Ok::<(), ssekit_core::EventError>(())
/// ```
impl<'a> IntoEvent<'a> for &'a str {
    fn into_event(self) -> Result<Event<'a>, EventError> {
        Ok(Event::new().with_data(self))
    }
}

/// An owned string is a data-only event that borrows nothing.
///
/// ```
/// use ssekit_core::{Event, IntoEvent};
/// let event: Event<'static> = format!("count: {}", 3).into_event()?;
/// assert_eq!(event.data(), Some("count: 3"));
/// # Ok::<(), ssekit_core::EventError>(())
/// ```
#[cfg(feature = "alloc")]
impl<'a> IntoEvent<'a> for String {
    fn into_event(self) -> Result<Event<'a>, EventError> {
        Ok(Event::new().with_data(self))
    }
}

/// A `Cow<str>` is a data-only event.
///
/// ```
/// use ssekit_core::IntoEvent;
/// use std::borrow::Cow;
/// let event = Cow::Borrowed("hi").into_event()?;
/// assert_eq!(event.data(), Some("hi"));
/// # Ok::<(), ssekit_core::EventError>(())
/// ```
#[cfg(feature = "alloc")]
impl<'a> IntoEvent<'a> for Cow<'a, str> {
    fn into_event(self) -> Result<Event<'a>, EventError> {
        Ok(Event::new().with_data(self))
    }
}

/// An `(event type, data)` pair is a named event; an invalid event type is refused.
///
/// ```
/// use ssekit_core::IntoEvent;
/// let event = ("notification", "<div>Saved</div>").into_event()?;
/// assert_eq!(event.event_type(), Some("notification"));
/// assert_eq!(event.data(), Some("<div>Saved</div>"));
/// assert!(("bad\ntype", "x").into_event().is_err());
/// # Ok::<(), ssekit_core::EventError>(())
/// ```
impl<'a, T, D> IntoEvent<'a> for (T, D)
where
    T: Into<Text<'a>>,
    D: Into<Text<'a>>,
{
    fn into_event(self) -> Result<Event<'a>, EventError> {
        Ok(Event::new().with_event_type(self.0)?.with_data(self.1))
    }
}

/// Data from any [`serde::Serialize`] value, as JSON (see [`Event::with_json_data`]).
///
/// ```
/// use ssekit_core::{IntoEvent, Json};
/// #[derive(serde::Serialize)]
/// struct Progress { percent: u8 }
///
/// let event = Json(Progress { percent: 40 }).into_event()?;
/// let mut out = Vec::new();
/// event.encode_to_vec(&mut out)?;
/// assert_eq!(out, b"data: {\"percent\":40}\n\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "serde")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

#[cfg(feature = "serde")]
impl<'a, T: serde::Serialize> IntoEvent<'a> for Json<T> {
    fn into_event(self) -> Result<Event<'a>, EventError> {
        Event::new().with_json_data(self.0)
    }
}

/// A JSON value is a data-only event with the value as JSON.
///
/// ```
/// use ssekit_core::IntoEvent;
/// let event = serde_json::json!({"ok": true}).into_event()?;
/// let mut out = Vec::new();
/// event.encode_to_vec(&mut out)?;
/// assert_eq!(out, b"data: {\"ok\":true}\n\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "serde")]
impl<'a> IntoEvent<'a> for serde_json::Value {
    fn into_event(self) -> Result<Event<'a>, EventError> {
        Event::new().with_json_data(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_with_owned_and_borrowed_parts() {
        let e = ("t", "d").into_event();
        assert!(matches!(e, Ok(ref e) if e.event_type() == Some("t") && e.data() == Some("d")));
        #[cfg(feature = "alloc")]
        {
            let e: Result<Event<'static>, _> = (String::from("t"), String::from("d")).into_event();
            assert!(e.is_ok_and(|e| e.data() == Some("d")));
        }
    }

    #[test]
    fn pair_with_invalid_type_is_refused() {
        assert!(matches!(
            ("a\rb", "d").into_event(),
            Err(EventError::InvalidByte { offset: 1, .. })
        ));
    }
}
