//! Client side: a body that fails when no byte arrives for a while, [`IdleBody`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::item::BoxError;

/// The error of an [`IdleBody`] whose time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IdleTimedOut(pub(crate) Duration);

impl fmt::Display for IdleTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no data for {:?}", self.0)
    }
}

impl std::error::Error for IdleTimedOut {}

/// A deadline that moves: `None` when there is no timeout.
pub(crate) struct Deadline {
    timeout: Duration,
    sleep: Pin<Box<Sleep>>,
}

impl Deadline {
    /// A deadline `timeout` from now, or none for a zero timeout.
    pub(crate) fn after(timeout: Duration) -> Option<Self> {
        if timeout.is_zero() {
            return None;
        }
        Some(Deadline {
            timeout,
            sleep: Box::pin(tokio::time::sleep(timeout)),
        })
    }

    /// Moves it to `timeout` from now.
    fn restart(&mut self) {
        if let Some(at) = Instant::now().checked_add(self.timeout) {
            self.sleep.as_mut().reset(at);
        }
    }

    /// Ready with the error once the time is up.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<IdleTimedOut> {
        self.sleep
            .as_mut()
            .poll(cx)
            .map(|()| IdleTimedOut(self.timeout))
    }
}

/// A body that fails with [`IdleTimedOut`] when no data arrives for its timeout (every data
/// frame with at least one byte restarts it), then ends.
pub(crate) struct IdleBody<B> {
    body: B,
    deadline: Option<Deadline>,
    expired: bool,
}

impl<B> IdleBody<B> {
    /// `body`, with the deadline (none: never times out).
    pub(crate) fn new(body: B, deadline: Option<Deadline>) -> Self {
        IdleBody {
            body,
            deadline,
            expired: false,
        }
    }
}

impl<B> Body for IdleBody<B>
where
    B: Body<Data = Bytes, Error = BoxError> + Unpin,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if this.expired {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.body).poll_frame(cx) {
            Poll::Ready(frame) => {
                let bytes =
                    matches!(&frame, Some(Ok(f)) if f.data_ref().is_some_and(Buf::has_remaining));
                if let (true, Some(deadline)) = (bytes, &mut this.deadline) {
                    deadline.restart();
                }
                Poll::Ready(frame)
            }
            Poll::Pending => match this.deadline.as_mut().map(|d| d.poll_expired(cx)) {
                Some(Poll::Ready(timed_out)) => {
                    this.expired = true;
                    Poll::Ready(Some(Err(Box::new(timed_out))))
                }
                _ => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.expired || self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;
    use http_body_util::{BodyExt, StreamBody};

    type Frames = Vec<Result<Frame<Bytes>, BoxError>>;

    fn then_silent(frames: Frames) -> impl Body<Data = Bytes, Error = BoxError> + Unpin {
        use futures_util::StreamExt;
        StreamBody::new(stream::iter(frames).chain(stream::pending()))
    }

    #[tokio::test(start_paused = true)]
    async fn data_restarts_the_clock_and_silence_fails_the_body() {
        let frames = vec![Ok(Frame::data(Bytes::from_static(b"a")))];
        let timeout = Duration::from_secs(10);
        let mut body = IdleBody::new(then_silent(frames), Deadline::after(timeout));
        let first = body.frame().await.map(|f| f.map(|f| f.into_data().is_ok()));
        assert!(matches!(first, Some(Ok(true))));
        let start = Instant::now();
        let second = body.frame().await;
        let error = match second {
            Some(Err(e)) => e.downcast::<IdleTimedOut>().ok().map(|e| *e),
            _ => None,
        };
        assert_eq!(error, Some(IdleTimedOut(timeout)));
        assert_eq!(start.elapsed(), timeout);
        assert!(body.is_end_stream());
        assert!(body.frame().await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn empty_frames_are_no_sign_of_life() {
        let frames = vec![
            Ok(Frame::data(Bytes::new())),
            Ok(Frame::trailers(http::HeaderMap::new())),
        ];
        let timeout = Duration::from_secs(10);
        let mut body = IdleBody::new(then_silent(frames), Deadline::after(timeout));
        let start = Instant::now();
        while let Some(Ok(_)) = body.frame().await {}
        assert_eq!(start.elapsed(), timeout);
    }

    #[tokio::test(start_paused = true)]
    async fn no_deadline_no_timeout() {
        assert!(Deadline::after(Duration::ZERO).is_none());
        let mut body = IdleBody::new(then_silent(Vec::new()), None);
        let waited = tokio::time::timeout(Duration::from_secs(3600), body.frame()).await;
        assert!(waited.is_err());
    }
}
