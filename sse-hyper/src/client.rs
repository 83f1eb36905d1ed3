//! Client side: [`EventStream`] reads any `http_body::Body` with ssekit-core's [`Decoder`].

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Buf;
use futures_core::Stream;
use http_body::Body;
use pin_project_lite::pin_project;
use ssekit_core::{DecodeError, Decoded, Decoder, Progress};

use crate::item::BoxError;

/// Why an [`EventStream`] yielded an error.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// The body failed (connection lost, server error frame…); the stream ends after it.
    Body(BoxError),
    /// The decoder refused input (a limit was exceeded); decoding goes on after it.
    Decode(DecodeError),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Body(e) => write!(f, "the response body failed: {e}"),
            ClientError::Decode(e) => write!(f, "the event stream could not be decoded: {e}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Body(e) => Some(&**e),
            ClientError::Decode(e) => Some(e),
        }
    }
}

pin_project! {
    /// The items of an event-stream body, decoded by ssekit-core's [`Decoder`]: events,
    /// reconnection times and (if the decoder keeps them) comments.
    ///
    /// Body errors and decode errors are items too. After the body's last frame the decoder
    /// is finished (an event without its closing blank line is dropped, as the standard says)
    /// and the stream ends; it also ends after a body error.
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use http_body_util::Full;
    /// use ssekit_hyper::{Decoded, Decoder, Event, EventStream};
    ///
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let body = Full::new(Event::new().with_id(7)?.with_data("hi").to_bytes()?);
    /// let mut events = EventStream::new(body).with_decoder(Decoder::new().with_comments(true));
    /// let Some(Ok(Decoded::Event(event))) = events.next().await else { panic!() };
    /// assert_eq!((event.data(), event.last_event_id()), ("hi", "7"));
    /// assert!(events.next().await.is_none());
    /// assert_eq!(events.last_event_id(), "7"); // send it as Last-Event-ID when reconnecting
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub struct EventStream<B: Body> {
        #[pin]
        body: B,
        decoder: Decoder,
        chunk: Option<B::Data>,
        done: bool,
    }
}

impl<B: Body> EventStream<B> {
    /// Decodes `body` with a default [`Decoder`] (default limits, comments skipped).
    pub fn new(body: B) -> Self {
        EventStream {
            body,
            decoder: Decoder::new(),
            chunk: None,
            done: false,
        }
    }

    /// Decodes with `decoder` instead: its limits, whether it keeps comments, and the last
    /// event id it starts from.
    #[must_use]
    pub fn with_decoder(mut self, decoder: Decoder) -> Self {
        self.decoder = decoder;
        self
    }

    /// The last event id so far: what to send as `Last-Event-ID` when reconnecting.
    pub fn last_event_id(&self) -> &str {
        self.decoder.last_event_id()
    }

    /// The reconnection time the server asked for, if it did.
    pub fn reconnection_time(&self) -> Option<Duration> {
        self.decoder.reconnection_time()
    }

    /// The decoder, as this body left it: to decode the next response after a reconnection,
    /// with the same last event ID and reconnection time. If the body did not end (it
    /// failed, or you stop reading it), call [`Decoder::finish`] first, so that an event cut
    /// off is discarded.
    pub fn into_decoder(self) -> Decoder {
        self.decoder
    }
}

impl<B> Stream for EventStream<B>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    type Item = Result<Decoded, ClientError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        loop {
            if let Some(chunk) = this.chunk.as_mut() {
                while chunk.has_remaining() {
                    let input = chunk.chunk();
                    let len = input.len();
                    let Progress { consumed, item } = this.decoder.decode(input);
                    chunk.advance(consumed.min(len));
                    if let Some(item) = item {
                        return Poll::Ready(Some(item.map_err(ClientError::Decode)));
                    }
                    if consumed == 0 {
                        break; // the decoder wants no more of this chunk
                    }
                }
                *this.chunk = None;
            }
            if *this.done {
                return Poll::Ready(None);
            }
            match ready!(this.body.as_mut().poll_frame(cx)) {
                Some(Ok(frame)) => *this.chunk = frame.into_data().ok(),
                Some(Err(e)) => {
                    *this.done = true;
                    return Poll::Ready(Some(Err(ClientError::Body(e.into()))));
                }
                None => {
                    *this.done = true;
                    this.decoder.finish();
                    return Poll::Ready(None);
                }
            }
        }
    }
}

impl<B: Body> fmt::Debug for EventStream<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("last_event_id", &self.decoder.last_event_id())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use futures_util::{StreamExt, stream};
    use http_body::Frame;
    use http_body_util::StreamBody;
    use ssekit_core::Event;

    type Frames<D> = Vec<Result<Frame<D>, std::io::Error>>;
    type TestBody<D> =
        StreamBody<stream::Iter<std::vec::IntoIter<Result<Frame<D>, std::io::Error>>>>;

    fn body<D: Buf>(frames: Frames<D>) -> TestBody<D> {
        StreamBody::new(stream::iter(frames))
    }

    fn encoded(events: &[Event<'static>]) -> Vec<u8> {
        let mut out = Vec::new();
        for event in events {
            let _ = event.encode_to_vec(&mut out);
        }
        out
    }

    async fn collect<B>(stream: EventStream<B>) -> Vec<Result<Decoded, ClientError>>
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        stream.collect().await
    }

    fn data(items: &[Result<Decoded, ClientError>]) -> Vec<&str> {
        items
            .iter()
            .filter_map(|item| match item {
                Ok(Decoded::Event(e)) => Some(e.data()),
                _ => None,
            })
            .collect()
    }

    fn two_events() -> Vec<Event<'static>> {
        let first = Event::new().with_id("1").map(|e| e.with_data("one\r\ntwo"));
        let second = Event::new()
            .with_event_type("x")
            .map(|e| e.with_data("three"));
        first.into_iter().chain(second).collect()
    }

    #[tokio::test]
    async fn events_split_anywhere_across_frames() {
        let bytes = encoded(&two_events());
        for at in 0..=bytes.len() {
            let (a, b) = bytes.split_at(at);
            let frames = vec![
                Ok(Frame::data(Bytes::copy_from_slice(a))),
                Ok(Frame::data(Bytes::copy_from_slice(b))),
            ];
            let items = collect(EventStream::new(body(frames))).await;
            assert_eq!(data(&items), ["one\ntwo", "three"], "split at {at}");
        }
    }

    #[tokio::test]
    async fn non_contiguous_buffers_are_read_whole() {
        let bytes = Bytes::from(encoded(&two_events()));
        let (a, b) = (bytes.slice(..5), bytes.slice(5..));
        let frames = vec![Ok(Frame::data(a.chain(b)))];
        let items = collect(EventStream::new(body(frames))).await;
        assert_eq!(data(&items), ["one\ntwo", "three"]);
    }

    #[tokio::test]
    async fn body_error_is_an_item_then_the_end() {
        let bytes = Bytes::from(encoded(&two_events()[..1]));
        let frames = vec![Ok(Frame::data(bytes)), Err(std::io::Error::other("reset"))];
        let items = collect(EventStream::new(body(frames))).await;
        assert_eq!(items.len(), 2);
        assert_eq!(data(&items), ["one\ntwo"]);
        assert!(matches!(items.last(), Some(Err(ClientError::Body(_)))));
    }

    #[tokio::test]
    async fn unfinished_event_is_dropped_at_the_end() {
        let mut bytes = encoded(&two_events());
        bytes.pop(); // the blank line that dispatches the second event
        let frames = vec![Ok(Frame::data(Bytes::from(bytes)))];
        let items = collect(EventStream::new(body(frames))).await;
        assert_eq!(data(&items), ["one\ntwo"]);
    }

    #[tokio::test]
    async fn seeded_last_event_id_and_trailers() {
        let event = Event::new().with_data("no id");
        let frames = vec![
            Ok(Frame::data(Bytes::from(encoded(&[event])))),
            Ok(Frame::trailers(http::HeaderMap::new())),
        ];
        let decoder = Decoder::new().with_last_event_id("41");
        let mut stream = EventStream::new(body(frames)).with_decoder(decoder);
        let Some(Ok(Decoded::Event(event))) = stream.next().await else {
            panic!("expected an event");
        };
        assert_eq!(event.last_event_id(), "41");
        assert!(stream.next().await.is_none());
        assert_eq!(stream.last_event_id(), "41");
    }

    #[tokio::test]
    async fn limit_errors_are_items_and_decoding_goes_on() {
        let long = Event::new().with_data("x".repeat(64));
        let bytes = encoded(&[long, Event::new().with_data("short")]);
        let limits = ssekit_core::Limits::default()
            .with_max_line_len(32)
            .with_max_event_size(32);
        let frames = vec![Ok(Frame::data(Bytes::from(bytes)))];
        let stream =
            EventStream::new(body(frames)).with_decoder(Decoder::new().with_limits(limits));
        let items = collect(stream).await;
        assert!(matches!(items.first(), Some(Err(ClientError::Decode(_)))));
        assert_eq!(data(&items), ["short"]);
    }
}
