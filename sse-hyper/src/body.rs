//! [`SseBody`]: a stream of events as an `http_body::Body`, one frame per event, with
//! keep-alive comments while the stream is idle.

use std::convert::Infallible;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use crate::item::{Frames, SseItem};
use crate::keep_alive::{KeepAlive, Timer};

pin_project! {
    /// An `http_body::Body` (`Data = Bytes`) that sends each item of a [`Stream`] of
    /// [`SseItem`]s as one frame, encoded once by ssekit-core (an [`EncodedEvent`] item goes
    /// out as it is, without a copy), buffering nothing more. While the stream is idle it
    /// sends [`ssekit_core::KEEP_ALIVE`] per [`KeepAlive`], timed by `T`.
    ///
    /// The body never fails (`Error = Infallible`). An invalid item or a stream error ends
    /// it cleanly after the frames before it, so the client gets every event already
    /// yielded and sees a normal end (a browser then reconnects with its `Last-Event-ID`);
    /// the reason ([`BodyError`](crate::BodyError)) is logged with `tracing` at level
    /// `ERROR`, where the server's operator sees it. The timer starts on the first poll, so
    /// the body can be built outside a runtime.
    ///
    /// [`EncodedEvent`]: ssekit_core::EncodedEvent
    pub struct SseBody<S, T: Timer> {
        #[pin]
        stream: S,
        #[pin]
        sleep: Option<T::Sleep>,
        timer: T,
        keep_alive: KeepAlive,
        // Ticks (every half interval) since the last frame: a frame sets 0, not the timer.
        idle_ticks: u8,
        // The frames of the last event not sent yet (a `SplitEvent`'s parts).
        rest: Frames,
        done: bool,
    }
}

#[cfg(feature = "tokio")]
impl<S> SseBody<S, crate::TokioTimer> {
    /// A body over `stream`, with keep-alive every 15 s on tokio's clock.
    pub fn new(stream: S) -> Self {
        Self::new_with_timer(stream, crate::TokioTimer)
    }
}

impl<S, T: Timer> SseBody<S, T> {
    /// A body over `stream`, with keep-alive every 15 s on `timer`'s clock.
    pub fn new_with_timer(stream: S, timer: T) -> Self {
        SseBody {
            stream,
            sleep: None,
            timer,
            keep_alive: KeepAlive::new(),
            idle_ticks: 0,
            rest: Frames::default(),
            done: false,
        }
    }

    /// Sets when keep-alive comments are sent (or that they are not).
    #[must_use]
    pub fn with_keep_alive(mut self, keep_alive: KeepAlive) -> Self {
        self.keep_alive = keep_alive;
        self
    }
}

impl<S, T> Body for SseBody<S, T>
where
    S: Stream,
    S::Item: SseItem,
    T: Timer,
{
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let mut this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        if !this.rest.is_done()
            && let Some(frame) = this.rest.next()
        {
            return Poll::Ready(Some(Ok(Frame::data(frame))));
        }
        if let Poll::Ready(item) = this.stream.poll_next(cx) {
            let frames = match item.map(SseItem::into_frames) {
                Some(Ok(frames)) => frames,
                Some(Err(error)) => {
                    // An error frame would make hyper drop the connection, losing frames
                    // already queued: end the body cleanly and tell the operator instead.
                    tracing::error!(%error, "SSE stream ended early");
                    *this.done = true;
                    return Poll::Ready(None);
                }
                None => {
                    *this.done = true;
                    return Poll::Ready(None);
                }
            };
            // No timer work per event: the next tick sees that the stream was not idle.
            *this.idle_ticks = 0;
            let (first, rest) = frames.split_first();
            if let Some(rest) = rest {
                *this.rest = rest;
            }
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        if !this.keep_alive.is_enabled() {
            return Poll::Pending;
        }
        let tick = this.keep_alive.tick();
        if this.sleep.is_none() {
            this.sleep.set(Some(this.timer.sleep(tick)));
        }
        let Some(mut sleep) = this.sleep.as_pin_mut() else {
            return Poll::Pending;
        };
        loop {
            ready!(sleep.as_mut().poll(cx));
            this.timer.reset(sleep.as_mut(), tick);
            // Three ticks with no frame: idle for at least the interval (the first tick
            // after a frame may come at once), at most one and a half.
            *this.idle_ticks = this.idle_ticks.saturating_add(1);
            if *this.idle_ticks >= 3 {
                // The comment is a frame sent on a tick: the next one after two more.
                *this.idle_ticks = 1;
                let keep_alive = Bytes::from_static(ssekit_core::KEEP_ALIVE);
                return Poll::Ready(Some(Ok(Frame::data(keep_alive))));
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }

    fn size_hint(&self) -> SizeHint {
        // Unknown until the stream ends: nothing, or no more, once it has.
        if self.done {
            SizeHint::with_exact(0)
        } else {
            SizeHint::default()
        }
    }
}

impl<S, T: Timer> fmt::Debug for SseBody<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SseBody")
            .field("keep_alive", &self.keep_alive)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keep_alive::Never;
    use std::time::Duration;

    type Polled<B> = Poll<Option<Result<Frame<<B as Body>::Data>, <B as Body>::Error>>>;

    fn poll<B: Body + Unpin>(body: &mut B) -> Polled<B> {
        let waker = std::task::Waker::noop();
        Pin::new(body).poll_frame(&mut Context::from_waker(waker))
    }

    struct Items<I>(I);
    impl<I: Iterator + Unpin> Stream for Items<I> {
        type Item = I::Item;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I::Item>> {
            Poll::Ready(self.0.next())
        }
    }

    #[test]
    fn one_frame_per_event_then_end() {
        let mut body = SseBody::new_with_timer(Items(["a", "b"].into_iter()), Never);
        assert!(!body.is_end_stream());
        for _ in 0..2 {
            let frame = poll(&mut body);
            assert!(matches!(frame, Poll::Ready(Some(Ok(ref f))) if f.is_data()));
        }
        assert!(matches!(poll(&mut body), Poll::Ready(None)));
        assert!(body.is_end_stream());
        assert_eq!(body.size_hint().exact(), Some(0));
        assert!(matches!(poll(&mut body), Poll::Ready(None)));
    }

    #[test]
    fn invalid_item_ends_the_body_cleanly_after_the_frames_before_it() {
        let items = [("ok", "1"), ("bad\ntype", "2"), ("ok", "3")];
        let mut body = SseBody::new_with_timer(Items(items.into_iter()), Never);
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
        assert!(matches!(poll(&mut body), Poll::Ready(None)));
        assert!(body.is_end_stream());
        assert!(matches!(poll(&mut body), Poll::Ready(None)));
    }

    #[test]
    fn stream_error_ends_the_body_cleanly_after_the_frames_before_it() {
        let items: [Result<&str, &str>; 3] = [Ok("sent"), Err("disk on fire"), Ok("never")];
        let mut body = SseBody::new_with_timer(Items(items.into_iter()), Never);
        let Poll::Ready(Some(Ok(frame))) = poll(&mut body) else {
            panic!("the first event");
        };
        assert_eq!(frame.into_data().unwrap_or_default(), "data: sent\n\n");
        assert!(matches!(poll(&mut body), Poll::Ready(None)));
    }

    #[test]
    fn a_split_event_goes_out_in_three_frames_without_copying_its_data() {
        let payload = Bytes::from(vec![b'x'; 64 * 1024]);
        let split = ssekit_core::Event::new()
            .with_id(1)
            .and_then(|event| event.with_shared_data(payload.clone()));
        let small = ssekit_core::Event::new()
            .with_id(2)
            .and_then(|event| event.with_shared_data(Bytes::from_static(b"y")));
        let items = [split, small];
        let mut body = SseBody::new_with_timer(Items(items.into_iter()), Never);
        let mut frames = Vec::new();
        while let Poll::Ready(Some(Ok(frame))) = poll(&mut body) {
            frames.push(frame.into_data().unwrap_or_default());
        }
        assert_eq!(frames.len(), 6);
        assert_eq!(frames[0], "id: 1\ndata: ");
        assert_eq!(
            (frames[1].as_ptr(), frames[1].len()),
            (payload.as_ptr(), payload.len())
        );
        assert_eq!(frames[2], "\n\n");
        assert_eq!(frames[3..].concat(), b"id: 2\ndata: y\n\n");
        assert!(body.is_end_stream());
    }

    /// A stream that never yields.
    struct Forever;
    impl Stream for Forever {
        type Item = &'static str;
        fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<&'static str>> {
            Poll::Pending
        }
    }

    /// A timer whose sleeps are always over: every idle poll is a keep-alive.
    struct Always;
    impl Timer for Always {
        type Sleep = std::future::Ready<()>;
        fn sleep(&self, _after: Duration) -> Self::Sleep {
            std::future::ready(())
        }
    }

    #[test]
    fn idle_stream_sends_static_keep_alive() {
        let mut body = SseBody::new_with_timer(Forever, Always);
        for _ in 0..2 {
            let Poll::Ready(Some(Ok(frame))) = poll(&mut body) else {
                panic!("expected a keep-alive frame");
            };
            let bytes = frame.into_data().unwrap_or_default();
            assert_eq!(bytes, ssekit_core::KEEP_ALIVE);
        }
    }

    #[test]
    fn idle_stream_without_keep_alive_is_pending() {
        let mut silent = SseBody::new_with_timer(Forever, Never);
        assert!(poll(&mut silent).is_pending());
        let mut disabled =
            SseBody::new_with_timer(Forever, Always).with_keep_alive(KeepAlive::disabled());
        assert!(poll(&mut disabled).is_pending());
        let zero = KeepAlive::new().with_interval(Duration::ZERO);
        let mut zero = SseBody::new_with_timer(Forever, Always).with_keep_alive(zero);
        assert!(poll(&mut zero).is_pending());
    }

    /// A timer that fires when the test says (`fire`), counting its restarts.
    #[derive(Default)]
    struct Ticks {
        due: std::rc::Rc<std::cell::Cell<usize>>,
        resets: std::cell::Cell<usize>,
    }
    struct Tick(std::rc::Rc<std::cell::Cell<usize>>);
    impl std::future::Future for Tick {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            match self.0.get() {
                0 => Poll::Pending,
                n => {
                    self.0.set(n - 1);
                    Poll::Ready(())
                }
            }
        }
    }
    impl Timer for Ticks {
        type Sleep = Tick;
        fn sleep(&self, _after: Duration) -> Tick {
            Tick(std::rc::Rc::clone(&self.due))
        }
        fn reset(&self, _sleep: Pin<&mut Tick>, _after: Duration) {
            self.resets.set(self.resets.get() + 1);
        }
    }

    /// A stream that plays a script of polls.
    struct Script(std::collections::VecDeque<Poll<Option<&'static str>>>);
    impl Stream for Script {
        type Item = &'static str;
        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<&'static str>> {
            self.0.pop_front().unwrap_or(Poll::Pending)
        }
    }

    fn is_keep_alive<B: Body<Data = Bytes> + Unpin>(body: &mut B) -> bool {
        match poll(body) {
            Poll::Ready(Some(Ok(frame))) => {
                frame.into_data().unwrap_or_default() == ssekit_core::KEEP_ALIVE
            }
            _ => false,
        }
    }

    #[test]
    fn keep_alive_after_three_idle_half_intervals_and_frames_touch_no_timer() {
        let script = [
            Poll::Pending,
            Poll::Ready(Some("a")),
            Poll::Ready(Some("b")),
        ];
        let mut body = SseBody::new_with_timer(Script(script.into()), Ticks::default());
        let due = std::rc::Rc::clone(&body.timer.due);
        assert!(poll(&mut body).is_pending(), "idle: the timer starts");
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))));
        assert_eq!(body.timer.resets.get(), 0, "no timer work per event");
        // Idle from here: two ticks (at most one interval) are not enough, the third is.
        due.set(2);
        assert!(poll(&mut body).is_pending());
        due.set(1);
        assert!(is_keep_alive(&mut body));
        // Still idle: the next one after two more ticks (one interval).
        due.set(1);
        assert!(poll(&mut body).is_pending());
        due.set(1);
        assert!(is_keep_alive(&mut body));
        assert_eq!(body.timer.resets.get(), 5, "one restart per tick");
    }

    #[test]
    fn a_frame_puts_the_next_keep_alive_off() {
        let script = [Poll::Pending, Poll::Pending, Poll::Ready(Some("a"))];
        let mut body = SseBody::new_with_timer(Script(script.into()), Ticks::default());
        let due = std::rc::Rc::clone(&body.timer.due);
        assert!(poll(&mut body).is_pending());
        due.set(2);
        assert!(poll(&mut body).is_pending(), "two idle ticks");
        assert!(
            matches!(poll(&mut body), Poll::Ready(Some(Ok(_)))),
            "then a frame"
        );
        due.set(2);
        assert!(poll(&mut body).is_pending(), "the count starts again");
        due.set(1);
        assert!(is_keep_alive(&mut body));
    }
}
