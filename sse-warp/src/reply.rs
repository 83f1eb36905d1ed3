//! [`reply`]: an event stream as a warp reply.

use futures_core::Stream;
use http_body_util::BodyDataStream;
use ssekit_hyper::{KeepAlive, SseItem, TokioTimer};
use sync_wrapper::SyncStream;
use warp::reply::{Reply, Response};

/// An event-stream reply over `stream`: status 200, `Content-Type: text/event-stream`,
/// `Cache-Control: no-cache`, `X-Accel-Buffering: no`, one frame per item, and a keep-alive
/// comment every 15 s of silence.
///
/// Items are any [`SseItem`]: strings, `(event type, data)` pairs, [`Event`](crate::Event)s,
/// [`EncodedEvent`](crate::EncodedEvent)s, JSON (feature `serde`), or `Result`s of those. An
/// invalid item or an `Err` ends the reply cleanly after the events before it, and is logged
/// with `tracing`; nothing panics. The stream need not be `Sync`.
///
/// ```
/// use futures_util::stream;
/// use ssekit_warp::KeepAlive;
/// use std::time::Duration;
/// use warp::Filter;
///
/// let route = warp::path("events").map(|| {
///     ssekit_warp::reply(stream::iter(["one", "two"]))
///         .with_keep_alive(KeepAlive::new().with_interval(Duration::from_secs(20)))
/// });
/// ```
pub fn reply<S>(stream: S) -> SseReply<S>
where
    S: Stream,
    S::Item: SseItem,
{
    SseReply {
        inner: ssekit_hyper::Sse::new(stream),
    }
}

/// The reply made by [`reply`].
#[derive(Debug)]
#[must_use]
pub struct SseReply<S> {
    inner: ssekit_hyper::Sse<S, TokioTimer>,
}

impl<S> SseReply<S> {
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

impl<S> Reply for SseReply<S>
where
    S: Stream + Send + 'static,
    S::Item: SseItem,
{
    fn into_response(self) -> Response {
        let (parts, body) = self.inner.into_response().into_parts();
        // warp streams bodies from `Sync` streams of chunks; the wrapper makes ours `Sync`.
        let chunks = SyncStream::new(BodyDataStream::new(body));
        let mut response = warp::reply::stream(chunks).into_response();
        *response.status_mut() = parts.status;
        *response.headers_mut() = parts.headers;
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_has_event_stream_headers_only() {
        let stream = futures_util::stream::empty::<&'static str>();
        let response = reply(stream)
            .with_proxy_buffering_header(false)
            .into_response();
        assert_eq!(response.status(), 200);
        let names: Vec<_> = response.headers().keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["content-type", "cache-control"]);
    }
}
