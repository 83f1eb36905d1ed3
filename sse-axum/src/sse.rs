//! [`Sse`]: an event stream as an axum response.

use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};
use futures_core::Stream;
use ssekit_hyper::{KeepAlive, SseItem, TokioTimer};

/// An event-stream response: status 200, `Content-Type: text/event-stream`,
/// `Cache-Control: no-cache`, `X-Accel-Buffering: no`, then one frame per item of the stream
/// and a keep-alive comment every 15 s of silence.
///
/// Items are any [`SseItem`]: strings, `(event type, data)` pairs, [`Event`](crate::Event)s,
/// [`EncodedEvent`](crate::EncodedEvent)s, JSON (feature `serde`), or `Result`s of those. An
/// invalid item or an `Err` ends the response cleanly after the events before it, and is
/// logged with `tracing`; nothing panics.
///
/// ```
/// use axum::{Router, routing::get};
/// use futures_util::stream;
/// use ssekit_axum::{KeepAlive, Sse};
/// use std::time::Duration;
///
/// async fn greetings() -> Sse<impl futures_util::Stream<Item = (&'static str, &'static str)>> {
///     Sse::new(stream::iter([("greeting", "hello"), ("greeting", "world")]))
///         .with_keep_alive(KeepAlive::new().with_interval(Duration::from_secs(20)))
/// }
///
/// let app: Router = Router::new().route("/events", get(greetings));
/// ```
#[derive(Debug)]
#[must_use]
pub struct Sse<S> {
    inner: ssekit_hyper::Sse<S, TokioTimer>,
}

impl<S> Sse<S> {
    /// A response streaming `stream`. Its items must be [`SseItem`]s: checked here, so a
    /// wrong item type is reported at this call, by name, rather than as axum's generic
    /// "`Handler` is not implemented".
    pub fn new(stream: S) -> Self
    where
        S: Stream,
        S::Item: SseItem,
    {
        Sse {
            inner: ssekit_hyper::Sse::new(stream),
        }
    }

    /// Sets when keep-alive comments are sent (or that they are not). They are on by
    /// default, every 15 s of silence.
    pub fn with_keep_alive(mut self, keep_alive: KeepAlive) -> Self {
        self.inner = self.inner.with_keep_alive(keep_alive);
        self
    }

    /// Whether to send `X-Accel-Buffering: no` (default: yes).
    pub fn with_proxy_buffering_header(mut self, send: bool) -> Self {
        self.inner = self.inner.with_proxy_buffering_header(send);
        self
    }
}

impl<S> IntoResponse for Sse<S>
where
    S: Stream + Send + 'static,
    S::Item: SseItem,
{
    fn into_response(self) -> Response {
        self.inner.into_response().map(Body::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_has_event_stream_headers_only() {
        let response = Sse::new(futures_util::stream::empty::<&'static str>())
            .with_proxy_buffering_header(false)
            .into_response();
        assert_eq!(response.status(), 200);
        let names: Vec<_> = response.headers().keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["content-type", "cache-control"]);
    }
}
