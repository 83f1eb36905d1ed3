//! The names HTTP uses around an event stream: its media type and the reconnection header.

/// The media type of an event stream: a server's `Content-Type`, what a client checks.
pub const MEDIA_TYPE: &str = "text/event-stream";

/// The request header in which a reconnecting client sends its last event ID (lowercase, as
/// HTTP/2 requires; header names are case-insensitive).
pub const LAST_EVENT_ID_HEADER: &str = "last-event-id";

/// Whether a `Content-Type` value names an event stream: its media type (before any `;`
/// parameters, surrounding spaces ignored) is `text/event-stream`, in any case.
///
/// ```
/// use ssekit_core::is_event_stream;
/// assert!(is_event_stream(b"text/event-stream"));
/// assert!(is_event_stream(b"Text/Event-Stream; charset=utf-8"));
/// assert!(!is_event_stream(b"text/event-streams"));
/// assert!(!is_event_stream(b"text/html"));
/// ```
pub fn is_event_stream(content_type: &[u8]) -> bool {
    let essence = match memchr::memchr(b';', content_type) {
        Some(end) => content_type.get(..end).unwrap_or_default(),
        None => content_type,
    };
    essence
        .trim_ascii()
        .eq_ignore_ascii_case(MEDIA_TYPE.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_with_parameters_spaces_and_case() {
        for yes in [
            &b"text/event-stream"[..],
            b"TEXT/EVENT-STREAM",
            b"text/event-stream;charset=utf-8",
            b" text/event-stream ; charset=UTF-8",
            b"text/event-stream;",
        ] {
            assert!(is_event_stream(yes), "{yes:?}");
        }
        for no in [
            &b""[..],
            b"text/event-streamx",
            b"text/plain",
            b"text/ event-stream",
            b";text/event-stream",
        ] {
            assert!(!is_event_stream(no), "{no:?}");
        }
    }
}
