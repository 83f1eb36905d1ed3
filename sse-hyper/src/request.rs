//! Client side: the headers of a request for an event stream, [`set_request_headers`].

use std::fmt;

use http::header::{ACCEPT, CACHE_CONTROL, HeaderMap, HeaderValue};

use crate::last_event_id::LAST_EVENT_ID;

/// Why a last event ID cannot be sent: it holds a character that an HTTP header value cannot
/// carry (a control character other than tab). The decoder never lets CR, LF or NUL into an
/// id; other control characters can arrive in an `id` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidLastEventId {
    id: String,
}

impl InvalidLastEventId {
    /// The id that could not be sent.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for InvalidLastEventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the last event ID {:?} cannot be sent as a Last-Event-ID header (it holds a control character)",
            self.id
        )
    }
}

impl std::error::Error for InvalidLastEventId {}

/// Sets the headers of a request for an event stream, as a browser's `EventSource` sends
/// them: `Accept: text/event-stream`, `Cache-Control: no-cache`, and `Last-Event-ID` with
/// `last_event_id` unless it is empty (an empty id removes the header: it is never sent
/// empty). Existing values of these headers are replaced; nothing else is touched.
///
/// For any HTTP client: pass the decoder's [`last_event_id`](crate::Decoder::last_event_id)
/// when reconnecting. On error the headers are left as they were.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// ssekit_hyper::set_request_headers(&mut headers, "41")?;
/// assert_eq!(headers["accept"], "text/event-stream");
/// assert_eq!(headers["cache-control"], "no-cache");
/// assert_eq!(headers["last-event-id"], "41");
///
/// ssekit_hyper::set_request_headers(&mut headers, "")?; // the id was reset by an empty `id`
/// assert!(!headers.contains_key("last-event-id"));
/// # Ok::<(), ssekit_hyper::InvalidLastEventId>(())
/// ```
pub fn set_request_headers(
    headers: &mut HeaderMap,
    last_event_id: &str,
) -> Result<(), InvalidLastEventId> {
    let id = if last_event_id.is_empty() {
        None
    } else {
        let value = HeaderValue::from_str(last_event_id).map_err(|_| InvalidLastEventId {
            id: last_event_id.to_owned(),
        })?;
        Some(value)
    };
    headers.insert(ACCEPT, HeaderValue::from_static(ssekit_core::MEDIA_TYPE));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    match id {
        Some(value) => {
            headers.insert(LAST_EVENT_ID, value);
        }
        None => {
            headers.remove(LAST_EVENT_ID);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_what_was_there_and_keeps_the_rest() {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("text/html"));
        headers.append(ACCEPT, HeaderValue::from_static("*/*"));
        headers.insert("authorization", HeaderValue::from_static("Bearer t"));
        assert_eq!(set_request_headers(&mut headers, "évènement 7"), Ok(()));
        assert_eq!(headers.get_all(ACCEPT).iter().count(), 1);
        assert_eq!(headers[ACCEPT], "text/event-stream");
        assert_eq!(headers["authorization"], "Bearer t");
        assert_eq!(headers[LAST_EVENT_ID].as_bytes(), "évènement 7".as_bytes());
        assert_eq!(headers.len(), 4);
    }

    #[test]
    fn an_empty_id_is_never_sent() {
        let mut headers = HeaderMap::new();
        headers.insert(LAST_EVENT_ID, HeaderValue::from_static("stale"));
        assert_eq!(set_request_headers(&mut headers, ""), Ok(()));
        assert!(!headers.contains_key(LAST_EVENT_ID));
    }

    #[test]
    fn a_control_character_is_refused_and_nothing_changes() {
        let mut headers = HeaderMap::new();
        let err = set_request_headers(&mut headers, "a\u{1}b");
        assert_eq!(err.as_ref().map_err(|e| e.id()), Err("a\u{1}b"));
        assert!(headers.is_empty());
        let message = err.map_err(|e| e.to_string());
        assert!(message.is_err_and(|m| m.contains("\"a\\u{1}b\"")));
    }
}
