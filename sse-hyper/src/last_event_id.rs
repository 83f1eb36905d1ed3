//! The `Last-Event-ID` request header a reconnecting client sends: [`last_event_id`].

use std::fmt;

use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Response, StatusCode};
use ssekit_core::EventError;

/// `Last-Event-ID`: the id of the last event a reconnecting client received.
pub const LAST_EVENT_ID: HeaderName = HeaderName::from_static(ssekit_core::LAST_EVENT_ID_HEADER);

/// Why a `Last-Event-ID` header was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum LastEventIdError {
    /// The value is not UTF-8; the first invalid byte is at `offset`.
    NotUtf8 {
        /// Offset of the first byte that is not UTF-8.
        offset: usize,
    },
    /// The value cannot be an event id (see [`ssekit_core::validate_id`]).
    Invalid(EventError),
}

impl fmt::Display for LastEventIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LastEventIdError::NotUtf8 { offset } => write!(
                f,
                "the Last-Event-ID header is not valid UTF-8 (invalid byte at offset {offset})"
            ),
            LastEventIdError::Invalid(e) => {
                write!(f, "the Last-Event-ID header is not a valid event id: {e}")
            }
        }
    }
}

impl LastEventIdError {
    /// The answer to a request with this header: 400 Bad Request, `Content-Type: text/plain;
    /// charset=utf-8`, and the reason as the body. Map the body into your stack's body type.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use ssekit_hyper::last_event_id;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("last-event-id", http::HeaderValue::from_bytes(b"\xff")?);
    /// let Err(error) = last_event_id(&headers) else { panic!("accepted") };
    /// let response = error.to_response();
    /// assert_eq!(response.status(), 400);
    /// assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    /// assert!(response.body().contains("not valid UTF-8"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_response(&self) -> Response<String> {
        let mut response = Response::new(self.to_string());
        *response.status_mut() = StatusCode::BAD_REQUEST;
        let content_type = HeaderValue::from_static("text/plain; charset=utf-8");
        response.headers_mut().insert(CONTENT_TYPE, content_type);
        response
    }
}

impl std::error::Error for LastEventIdError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LastEventIdError::NotUtf8 { .. } => None,
            LastEventIdError::Invalid(e) => Some(e),
        }
    }
}

/// The request's `Last-Event-ID`: `None` when absent, the raw id when present (the first
/// one, if repeated; possibly empty), or an error when it is not UTF-8 or not a valid id.
///
/// ```
/// use http::HeaderMap;
/// use ssekit_hyper::last_event_id;
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(last_event_id(&headers)?, None);
/// headers.insert("last-event-id", "order-17".parse()?);
/// assert_eq!(last_event_id(&headers)?, Some("order-17"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn last_event_id(headers: &HeaderMap) -> Result<Option<&str>, LastEventIdError> {
    let Some(value) = headers.get(LAST_EVENT_ID) else {
        return Ok(None);
    };
    let id = std::str::from_utf8(value.as_bytes()).map_err(|e| LastEventIdError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    ssekit_core::validate_id(id).map_err(LastEventIdError::Invalid)?;
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(LAST_EVENT_ID, value);
        }
        headers
    }

    #[test]
    fn utf8_ids_are_accepted() {
        let headers = with("évènement-7".as_bytes());
        assert_eq!(last_event_id(&headers).ok().flatten(), Some("évènement-7"));
        let empty = with(b"");
        assert_eq!(last_event_id(&empty).ok().flatten(), Some(""));
    }

    #[test]
    fn non_utf8_says_where() {
        let headers = with(b"ab\xffc");
        assert_eq!(headers.len(), 1);
        let err = last_event_id(&headers).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("the Last-Event-ID header is not valid UTF-8 (invalid byte at offset 2)")
        );
    }

    #[test]
    fn first_of_repeated_headers() {
        let mut headers = with(b"1");
        headers.append(LAST_EVENT_ID, HeaderValue::from_static("2"));
        assert_eq!(last_event_id(&headers).ok().flatten(), Some("1"));
    }

    #[test]
    fn refusal_is_a_plain_text_400_with_the_reason() {
        let error = LastEventIdError::NotUtf8 { offset: 3 };
        let response = error.to_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers().len(), 1);
        assert_eq!(
            response.headers()[CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
        assert_eq!(response.body(), &error.to_string());
    }
}
