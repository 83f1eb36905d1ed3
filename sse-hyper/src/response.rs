//! The response around an event stream: [`Sse`] builds it, [`set_headers`] writes its headers
//! (shared with the other adapters).

use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use http::{Response, StatusCode};

use crate::body::SseBody;
use crate::keep_alive::{KeepAlive, Timer};

/// `X-Accel-Buffering`: tells nginx-style proxies not to buffer the response.
pub const X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

/// Sets the headers of an event-stream response: `Content-Type: text/event-stream`,
/// `Cache-Control: no-cache` and, if `proxy_buffering_header`, `X-Accel-Buffering: no`.
/// Existing values of these headers are replaced; nothing else is touched. Never a
/// `Connection` header: HTTP/2 forbids it.
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// ssekit_hyper::set_headers(&mut headers, true);
/// assert_eq!(headers["content-type"], "text/event-stream");
/// assert_eq!(headers["cache-control"], "no-cache");
/// assert_eq!(headers["x-accel-buffering"], "no");
/// ```
pub fn set_headers(headers: &mut HeaderMap, proxy_buffering_header: bool) {
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(ssekit_core::MEDIA_TYPE),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if proxy_buffering_header {
        headers.insert(X_ACCEL_BUFFERING, HeaderValue::from_static("no"));
    }
}

/// Builds an event-stream response: status 200, the headers of [`set_headers`], and an
/// [`SseBody`] over the stream.
///
/// ```
/// # #[cfg(feature = "tokio")] {
/// use futures_util::stream;
/// use ssekit_hyper::{KeepAlive, Sse};
/// use std::time::Duration;
///
/// let events = stream::iter(["one", "two"]);
/// let response = Sse::new(events) // keep-alive on tokio; `Sse::new_with_timer` for others
///     .with_keep_alive(KeepAlive::new().with_interval(Duration::from_secs(20)))
///     .into_response();
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["content-type"], "text/event-stream");
/// # }
/// ```
#[derive(Debug)]
pub struct Sse<S, T: Timer> {
    body: SseBody<S, T>,
    proxy_buffering_header: bool,
}

#[cfg(feature = "tokio")]
impl<S> Sse<S, crate::TokioTimer> {
    /// A response streaming `stream`, with keep-alive every 15 s on tokio's clock.
    pub fn new(stream: S) -> Self {
        Self::new_with_timer(stream, crate::TokioTimer)
    }
}

impl<S, T: Timer> Sse<S, T> {
    /// A response streaming `stream`, with keep-alive every 15 s on `timer`'s clock.
    pub fn new_with_timer(stream: S, timer: T) -> Self {
        Sse {
            body: SseBody::new_with_timer(stream, timer),
            proxy_buffering_header: true,
        }
    }

    /// Sets when keep-alive comments are sent (or that they are not).
    #[must_use]
    pub fn with_keep_alive(mut self, keep_alive: KeepAlive) -> Self {
        self.body = self.body.with_keep_alive(keep_alive);
        self
    }

    /// Whether to send `X-Accel-Buffering: no` (default: yes).
    #[must_use]
    pub fn with_proxy_buffering_header(mut self, send: bool) -> Self {
        self.proxy_buffering_header = send;
        self
    }

    /// Only the body.
    pub fn into_body(self) -> SseBody<S, T> {
        self.body
    }

    /// The response: status 200, event-stream headers, the streaming body.
    pub fn into_response(self) -> Response<SseBody<S, T>> {
        let mut response = Response::new(self.body);
        *response.status_mut() = StatusCode::OK;
        set_headers(response.headers_mut(), self.proxy_buffering_header);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keep_alive::Never;

    #[test]
    fn proxy_header_can_be_left_out() {
        let response = Sse::new_with_timer((), Never)
            .with_proxy_buffering_header(false)
            .into_response();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers().len(), 2);
        assert!(!response.headers().contains_key(X_ACCEL_BUFFERING));
    }

    #[test]
    fn headers_replace_and_never_add_connection() {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        set_headers(&mut headers, true);
        assert_eq!(headers.get_all(CONTENT_TYPE).iter().count(), 1);
        assert_eq!(headers[CONTENT_TYPE], "text/event-stream");
        assert!(!headers.contains_key(http::header::CONNECTION));
    }
}
