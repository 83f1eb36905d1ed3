//! [`Guarded`]: a connection's socket with the two timeouts hyper cannot give a long-lived
//! stream: a peer that sends nothing at all (before its first byte, where hyper's own
//! header timeout has not started yet), and a peer that stops reading (writes that make no
//! progress). Either ends the connection with an error, and says why.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// Why a guard ended its connection (none yet: 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Tripped {
    /// Nothing arrived before the first-byte deadline.
    Silent = 1,
    /// Writes made no progress for the stall timeout.
    Stalled = 2,
}

/// Shared with the connection's task: what the guard tripped on, if anything.
#[derive(Debug, Default, Clone)]
pub(crate) struct Trip(Arc<AtomicU8>);

impl Trip {
    fn set(&self, why: Tripped) {
        self.0.store(why as u8, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> Option<Tripped> {
        match self.0.load(Ordering::Relaxed) {
            1 => Some(Tripped::Silent),
            2 => Some(Tripped::Stalled),
            _ => None,
        }
    }
}

/// `io`, closed with an error when its peer sends nothing before `first_byte` or stops
/// taking bytes for `stall`.
pub(crate) struct Guarded<IO> {
    io: IO,
    stall: Duration,
    /// Until the first byte: the deadline's timer.
    first_byte: Option<Pin<Box<Sleep>>>,
    /// While a write waits: its timer.
    write_wait: Option<Pin<Box<Sleep>>>,
    trip: Trip,
}

impl<IO> Guarded<IO> {
    pub(crate) fn new(io: IO, first_byte: Duration, stall: Duration, trip: Trip) -> Self {
        Guarded {
            io,
            stall,
            first_byte: Some(Box::pin(tokio::time::sleep(first_byte))),
            write_wait: None,
            trip,
        }
    }
}

fn timed_out(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, why.to_owned())
}

impl<IO: AsyncRead + Unpin> AsyncRead for Guarded<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    this.first_byte = None;
                }
                Poll::Ready(result)
            }
            Poll::Pending => {
                let expired = this
                    .first_byte
                    .as_mut()
                    .is_some_and(|deadline| deadline.as_mut().poll(cx).is_ready());
                if expired {
                    this.trip.set(Tripped::Silent);
                    return Poll::Ready(Err(timed_out("the client sent nothing in time")));
                }
                Poll::Pending
            }
        }
    }
}

impl<IO: AsyncWrite + Unpin> Guarded<IO> {
    /// A write made progress (`Ready`), or waits: then the stall timer runs.
    fn watch<T>(
        write_wait: &mut Option<Pin<Box<Sleep>>>,
        stall: Duration,
        trip: &Trip,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            *write_wait = None;
            return polled;
        }
        let timer = write_wait.get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        ready!(timer.as_mut().poll(cx));
        trip.set(Tripped::Stalled);
        Poll::Ready(Err(timed_out("the client stopped reading")))
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Guarded<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        Self::watch(&mut this.write_wait, this.stall, &this.trip, cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        Self::watch(&mut this.write_wait, this.stall, &this.trip, cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_flush(cx);
        Self::watch(&mut this.write_wait, this.stall, &this.trip, cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_shutdown(cx);
        Self::watch(&mut this.write_wait, this.stall, &this.trip, cx, polled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_sends_nothing_is_cut_at_the_deadline() {
        let (server, _client) = tokio::io::duplex(64);
        let trip = Trip::default();
        let mut guarded = Guarded::new(
            server,
            Duration::from_secs(5),
            Duration::from_secs(30),
            trip.clone(),
        );
        let started = Instant::now();
        let mut buf = [0u8; 8];
        let error = guarded.read(&mut buf).await.expect_err("cut");
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(5));
        assert_eq!(trip.get(), Some(Tripped::Silent));
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_sent_something_is_left_to_hyper() {
        let (server, mut client) = tokio::io::duplex(64);
        let mut guarded = Guarded::new(
            server,
            Duration::from_secs(5),
            Duration::from_secs(30),
            Trip::default(),
        );
        client.write_all(b"G").await.expect("write");
        let mut buf = [0u8; 8];
        assert_eq!(guarded.read(&mut buf).await.expect("a byte"), 1);
        let waiting = tokio::time::timeout(Duration::from_secs(60), guarded.read(&mut buf)).await;
        assert!(waiting.is_err(), "no deadline after the first byte");
    }

    #[tokio::test(start_paused = true)]
    async fn writes_that_make_no_progress_are_cut_after_the_stall_timeout() {
        let (server, mut client) = tokio::io::duplex(16);
        let trip = Trip::default();
        let mut guarded = Guarded::new(
            server,
            Duration::from_secs(5),
            Duration::from_secs(30),
            trip.clone(),
        );
        // A reader that drains for a while keeps the connection alive however long it takes.
        guarded.write_all(&[1; 16]).await.expect("fits");
        let drain = tokio::spawn(async move {
            let mut buf = [0u8; 16];
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_secs(20)).await;
                let _ = client.read(&mut buf).await;
            }
            client // then it stops reading, but stays connected
        });
        for _ in 0..10 {
            guarded
                .write_all(&[2; 16])
                .await
                .expect("drained within the timeout");
        }
        let started = Instant::now();
        let error = guarded.write_all(&[4; 16]).await.expect_err("cut");
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(30));
        assert_eq!(trip.get(), Some(Tripped::Stalled));
        drop(drain.await);
    }
}
