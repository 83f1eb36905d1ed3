//! One catalogue of SSE events: [`SseEvent`] (declared with [`sse_event!`](crate::sse_event)) gives the
//! server its event type and the page its attributes, and [`markdown`] documents them all.

use std::fmt;

use ssekit_core::Text;

use crate::fragment::escape;

/// What an event's data holds, with a word on its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Payload {
    /// An HTML fragment the page swaps in (`sse-swap`).
    Html(&'static str),
    /// JSON, for script on the page.
    Json(&'static str),
    /// Plain text.
    Text(&'static str),
    /// Nothing the page uses: the event only triggers a request (`hx-trigger="sse:…"`).
    Signal,
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::Html(shape) => write!(f, "HTML: {shape}"),
            Payload::Json(shape) => write!(f, "JSON: {shape}"),
            Payload::Text(shape) => write!(f, "text: {shape}"),
            Payload::Signal => f.write_str("none (a trigger)"),
        }
    }
}

/// Why a name cannot be an event type in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameError;

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an SSE event name in the catalogue must be 1 to 64 of A-Z a-z 0-9 _ - .")
    }
}

impl std::error::Error for NameError {}

/// One server-sent event of the app, declared once: its name (the SSE event type), the
/// channel it is sent on, its payload and what it means.
///
/// Declare each with [`sse_event!`](crate::sse_event): a bad name is a compile error, and so is a misspelt
/// constant anywhere it is used, on the server (`(NOTIFICATION, html)` as a stream item or
/// hub event) and in page templates written in Rust ([`sse_swap`](Self::sse_swap),
/// [`hx_trigger`](Self::hx_trigger)).
///
/// ```
/// use ssekit_htmx::{Payload, SseEvent, sse_event};
///
/// sse_event! {
///     /// A new notification.
///     pub const NOTIFICATION = {
///         name: "notification",
///         channel: "/events/notifications",
///         payload: Payload::Html("one `<li>`"),
///         description: "A notification, appended to the list.",
///     };
/// }
///
/// // The page:
/// let list = format!(r#"<ul {}></ul>"#, NOTIFICATION.sse_swap());
/// assert_eq!(list, r#"<ul sse-swap="notification"></ul>"#);
/// // The server: the same name as the event type.
/// let item: (SseEvent, String) = (NOTIFICATION, "<li>Saved</li>".into());
/// let event = ssekit_core::IntoEvent::into_event(item)?;
/// assert_eq!(event.event_type(), Some("notification"));
/// # Ok::<(), ssekit_core::EventError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SseEvent {
    name: &'static str,
    channel: &'static str,
    payload: Payload,
    description: &'static str,
}

impl SseEvent {
    /// The event, if `name` is 1 to 64 ASCII letters, digits, `_`, `-` or `.` (safe in an
    /// `event:` field, in `sse-swap`'s comma-separated list and in an `hx-trigger`).
    /// [`sse_event!`](crate::sse_event) calls it at compile time.
    ///
    /// # Errors
    ///
    /// [`NameError`] for any other name.
    pub const fn checked(
        name: &'static str,
        channel: &'static str,
        payload: Payload,
        description: &'static str,
    ) -> Result<Self, NameError> {
        let bytes = name.as_bytes();
        if bytes.is_empty() || bytes.len() > 64 {
            return Err(NameError);
        }
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.') {
                return Err(NameError);
            }
            i += 1;
        }
        Ok(SseEvent {
            name,
            channel,
            payload,
            description,
        })
    }

    /// The event type on the wire.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The channel (route or topic) it is sent on.
    pub const fn channel(&self) -> &'static str {
        self.channel
    }

    /// What its data holds.
    pub const fn payload(&self) -> Payload {
        self.payload
    }

    /// What it means.
    pub const fn description(&self) -> &'static str {
        self.description
    }

    /// The attribute that swaps this event's data into an element: `sse-swap="name"`.
    pub fn sse_swap(&self) -> Attribute {
        Attribute {
            name: "sse-swap",
            prefix: "",
            value: self.name,
        }
    }

    /// The attribute that makes an element issue its request on this event:
    /// `hx-trigger="sse:name"`.
    pub fn hx_trigger(&self) -> Attribute {
        Attribute {
            name: "hx-trigger",
            prefix: "sse:",
            value: self.name,
        }
    }
}

impl From<SseEvent> for Text<'_> {
    /// The event type, so `(EVENT, data)` is a stream item or a hub event.
    fn from(event: SseEvent) -> Self {
        Text::borrowed(event.name)
    }
}

/// An HTML attribute naming a catalogue event; displays as `name="value"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute {
    name: &'static str,
    prefix: &'static str,
    value: &'static str,
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Catalogue names need no escaping (checked), but the prefix is ours: keep it plain.
        write!(f, "{}=\"{}{}\"", self.name, self.prefix, escape(self.value))
    }
}

/// Declares [`SseEvent`] constants; a name that is not a valid event name stops the
/// build (the check runs at compile time).
///
/// ```compile_fail
/// ssekit_htmx::sse_event! {
///     pub const BAD = {
///         name: "two words",
///         channel: "/events",
///         payload: ssekit_htmx::Payload::Signal,
///         description: "never compiles",
///     };
/// }
/// ```
#[macro_export]
macro_rules! sse_event {
    ($(
        $(#[$meta:meta])*
        $vis:vis const $constant:ident = {
            name: $name:literal,
            channel: $channel:expr,
            payload: $payload:expr,
            description: $description:expr $(,)?
        };
    )+) => {$(
        $(#[$meta])*
        $vis const $constant: $crate::SseEvent =
            match $crate::SseEvent::checked($name, $channel, $payload, $description) {
                ::core::result::Result::Ok(event) => event,
                ::core::result::Result::Err(_) => {
                    ::core::panic!(::core::concat!("invalid SSE event name: ", $name))
                }
            };
    )+};
}

/// The catalogue as a Markdown document: one table row per event (channel, event type,
/// payload, what it means, and the attribute the page uses), in the order given.
///
/// Keep the generated file (`SSE_EVENTS.md`) in the repository and compare it in a test, so
/// a stale document fails the build.
pub fn markdown(title: &str, events: &[SseEvent]) -> String {
    let mut out = format!(
        "# {title}\n\nGenerated from the event catalogue in the source; do not edit by hand.\n\n\
         | channel | event type | payload | meaning | in the page |\n|---|---|---|---|---|\n"
    );
    for event in events {
        let page = match event.payload {
            Payload::Signal => event.hx_trigger(),
            _ => event.sse_swap(),
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | `{page}` |\n",
            event.channel, event.name, event.payload, event.description
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    sse_event! {
        const PING = {
            name: "ping",
            channel: "/events",
            payload: Payload::Signal,
            description: "Refetch.",
        };
        const ITEM = {
            name: "item-added",
            channel: "/events",
            payload: Payload::Html("one `<li>`"),
            description: "A new item.",
        };
    }

    #[test]
    fn names_are_checked() {
        for bad in ["", "a b", "a,b", "a\nb", "é", "sse:x", "\"q\""] {
            assert_eq!(
                SseEvent::checked(bad, "", Payload::Signal, ""),
                Err(NameError),
                "{bad:?}"
            );
        }
        assert!(SseEvent::checked("a.b-c_D9", "", Payload::Signal, "").is_ok());
        let long: &'static str = "x".repeat(65).leak();
        assert!(SseEvent::checked(long, "", Payload::Signal, "").is_err());
    }

    #[test]
    fn attributes_name_the_event() {
        assert_eq!(PING.hx_trigger().to_string(), "hx-trigger=\"sse:ping\"");
        assert_eq!(ITEM.sse_swap().to_string(), "sse-swap=\"item-added\"");
    }

    #[test]
    fn markdown_has_a_row_per_event() {
        let doc = markdown("Events", &[PING, ITEM]);
        assert!(doc.starts_with("# Events\n"));
        assert!(doc.contains(
            "| `/events` | `ping` | none (a trigger) | Refetch. | `hx-trigger=\"sse:ping\"` |\n"
        ));
        assert!(doc.contains("| `/events` | `item-added` | HTML: one `<li>` | A new item. | `sse-swap=\"item-added\"` |\n"));
    }
}
