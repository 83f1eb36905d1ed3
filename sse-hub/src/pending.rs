//! [`Pending`]: the outcome of one append to a shared log, shared by the caller (who waits,
//! blocking or as a future) and the log's writer (who sends it and completes it).
//!
//! Its stage decides what a caller that gives up may say: an append still `Queued` was
//! never sent, so it is abandoned (the writer skips it) and reported as not published; one
//! `Sent` may have been applied, so it is reported as unknown. The writer and the caller
//! move the stage under one lock, so the two never disagree.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use crate::error::PublishError;
use crate::id::EventId;

/// One append's outcome, in the making (a backplane completes it through
/// [`Appending`](crate::Appending)).
#[derive(Debug, Default)]
pub(crate) struct Pending {
    inner: Mutex<Inner>,
    done: Condvar,
}

#[derive(Debug, Default)]
struct Inner {
    stage: Stage,
    waker: Option<Waker>,
}

#[derive(Debug, Default)]
enum Stage {
    /// Waiting for the writer: not sent.
    #[default]
    Queued,
    /// The caller gave up before it was sent: it never will be.
    Abandoned,
    /// Written to the log's connection: it may be applied, whatever happens next.
    Sent,
    /// The outcome, not yet taken.
    Done(Result<EventId, PublishError>),
    /// The outcome was taken.
    Taken,
}

impl Pending {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The writer is about to send it: `false` if the caller abandoned it (skip it).
    pub(crate) fn claim(&self) -> bool {
        let mut inner = self.lock();
        match inner.stage {
            Stage::Queued => {
                inner.stage = Stage::Sent;
                true
            }
            _ => false,
        }
    }

    /// Whether the caller abandoned it.
    pub(crate) fn is_abandoned(&self) -> bool {
        matches!(self.lock().stage, Stage::Abandoned)
    }

    /// Sets the outcome (the first one counts) and wakes the caller.
    pub(crate) fn complete(&self, outcome: Result<EventId, PublishError>) {
        let mut inner = self.lock();
        if matches!(inner.stage, Stage::Queued | Stage::Sent) {
            inner.stage = Stage::Done(outcome);
            let waker = inner.waker.take();
            drop(inner);
            self.done.notify_all();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// The writer failed before sending it (`why`), or after (`unknown`): completes it
    /// with the error its stage allows.
    pub(crate) fn fail(&self, why: &str) {
        let sent = matches!(self.lock().stage, Stage::Sent);
        self.complete(Err(if sent {
            PublishError::Unknown(why.into())
        } else {
            PublishError::Unavailable(why.into())
        }));
    }

    /// Waits for the outcome until `deadline`; then gives up as its stage allows.
    pub(crate) fn wait(&self, deadline: Instant) -> Result<EventId, PublishError> {
        let mut inner = self.lock();
        loop {
            if let Some(outcome) = take(&mut inner) {
                return outcome;
            }
            let now = Instant::now();
            if now >= deadline {
                return give_up(&mut inner);
            }
            inner = self
                .done
                .wait_timeout(inner, deadline - now)
                .map_or_else(|e| e.into_inner().0, |(guard, _)| guard);
        }
    }

    /// The outcome if there is one; otherwise `cx` is woken when there is.
    pub(crate) fn poll(&self, cx: &mut Context<'_>) -> Poll<Result<EventId, PublishError>> {
        let mut inner = self.lock();
        match take(&mut inner) {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                if !inner
                    .waker
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
                {
                    inner.waker = Some(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }

    /// The caller no longer waits (its future was dropped): if not sent yet, it never is.
    pub(crate) fn abandon(&self) {
        let mut inner = self.lock();
        if matches!(inner.stage, Stage::Queued) {
            inner.stage = Stage::Abandoned;
        }
        inner.waker = None;
    }
}

fn take(inner: &mut Inner) -> Option<Result<EventId, PublishError>> {
    match std::mem::replace(&mut inner.stage, Stage::Taken) {
        Stage::Done(outcome) => Some(outcome),
        other => {
            inner.stage = other;
            None
        }
    }
}

/// The caller's deadline passed with no outcome.
fn give_up(inner: &mut Inner) -> Result<EventId, PublishError> {
    match inner.stage {
        Stage::Queued | Stage::Abandoned => {
            inner.stage = Stage::Abandoned;
            Err(PublishError::Unavailable(
                "timed out before it could be sent: not published".into(),
            ))
        }
        _ => {
            inner.stage = Stage::Taken;
            Err(PublishError::Unknown(
                "sent, but no answer in time: it may be published".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn past() -> Instant {
        Instant::now() - Duration::from_millis(1)
    }

    #[test]
    fn a_caller_that_gives_up_before_sending_abandons_it() {
        let pending = Pending::default();
        assert!(matches!(
            pending.wait(past()),
            Err(PublishError::Unavailable(_))
        ));
        assert!(!pending.claim(), "the writer skips it");
        assert!(pending.is_abandoned());
    }

    #[test]
    fn a_caller_that_gives_up_after_sending_hears_unknown() {
        let pending = Pending::default();
        assert!(pending.claim());
        assert!(matches!(
            pending.wait(past()),
            Err(PublishError::Unknown(_))
        ));
        pending.complete(Ok(EventId::new(1, 1))); // too late: nobody takes it
    }

    #[test]
    fn failures_say_what_the_stage_allows() {
        let queued = Pending::default();
        queued.fail("down");
        assert!(matches!(
            queued.wait(past()),
            Err(PublishError::Unavailable(_))
        ));
        let sent = Pending::default();
        assert!(sent.claim());
        sent.fail("connection lost");
        assert!(matches!(sent.wait(past()), Err(PublishError::Unknown(_))));
    }

    #[test]
    fn the_first_outcome_counts_and_wakes_a_waiting_thread() {
        let pending = std::sync::Arc::new(Pending::default());
        assert!(pending.claim());
        let writer = std::sync::Arc::clone(&pending);
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            writer.complete(Ok(EventId::new(3, 4)));
            writer.fail("late");
        });
        let outcome = pending.wait(Instant::now() + Duration::from_secs(10));
        assert_eq!(outcome.ok(), Some(EventId::new(3, 4)));
        let _ = thread.join();
    }

    #[test]
    fn a_dropped_future_abandons_only_what_was_not_sent() {
        let queued = Pending::default();
        queued.abandon();
        assert!(!queued.claim());
        let sent = Pending::default();
        assert!(sent.claim());
        sent.abandon();
        assert!(!sent.is_abandoned(), "sent is sent");
    }
}
