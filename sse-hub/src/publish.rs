//! [`Publish`]: a publish under way, as a future ([`Hub::send_async`](crate::Hub::send_async)).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use crate::error::PublishError;
use crate::id::EventId;
use crate::pending::Pending;
use crate::stats::Counters;

/// A publish under way: resolves to the event's id, or why it was not published.
///
/// The publish starts when [`Hub::publish_async`](crate::Hub::publish_async) or
/// [`Hub::send_async`](crate::Hub::send_async) is called, not when the future is first
/// polled, so several publishes made one after another travel to a shared log together
/// (one pipeline). In memory it is ready at once. On a shared log it waits for the log's
/// answer without blocking the runtime's thread, and at most the log's timeout: it then
/// resolves to [`PublishError::Unavailable`] (never sent: not published) or
/// [`PublishError::Unknown`] (sent, no answer).
///
/// Dropping it before it resolves withdraws the publish if it was not sent yet; one
/// already sent may still be published.
#[must_use = "a publish under way: await it to learn whether it was published"]
pub struct Publish {
    state: State,
}

enum State {
    Ready(Option<Result<EventId, PublishError>>),
    Waiting {
        pending: Arc<Pending>,
        counters: Arc<Counters>,
    },
}

impl Publish {
    /// A publish whose outcome is known.
    pub(crate) fn ready(outcome: Result<EventId, PublishError>) -> Self {
        Publish {
            state: State::Ready(Some(outcome)),
        }
    }

    /// A publish a log's writer will complete; counted as published once it is.
    pub(crate) fn waiting(pending: Arc<Pending>, counters: Arc<Counters>) -> Self {
        Publish {
            state: State::Waiting { pending, counters },
        }
    }

    /// Blocks the thread until the outcome, or until `deadline` (then: unavailable if it
    /// was never sent, unknown if it was).
    pub(crate) fn wait(mut self, deadline: Instant) -> Result<EventId, PublishError> {
        match std::mem::replace(&mut self.state, State::Ready(None)) {
            State::Ready(outcome) => outcome.unwrap_or(Err(PublishError::Closed)),
            State::Waiting { pending, counters } => counted(pending.wait(deadline), &counters),
        }
    }
}

/// `outcome`, counted if it is a success.
fn counted(
    outcome: Result<EventId, PublishError>,
    counters: &Counters,
) -> Result<EventId, PublishError> {
    if outcome.is_ok() {
        Counters::add(&counters.published, 1);
    }
    outcome
}

impl Future for Publish {
    type Output = Result<EventId, PublishError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let outcome = match &mut this.state {
            State::Ready(outcome) => outcome.take().unwrap_or(Err(PublishError::Closed)),
            State::Waiting { pending, counters } => match pending.poll(cx) {
                Poll::Ready(outcome) => counted(outcome, counters),
                Poll::Pending => return Poll::Pending,
            },
        };
        this.state = State::Ready(None);
        Poll::Ready(outcome)
    }
}

impl Drop for Publish {
    fn drop(&mut self) {
        if let State::Waiting { pending, .. } = &self.state {
            pending.abandon();
        }
    }
}

impl fmt::Debug for Publish {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match &self.state {
            State::Ready(Some(_)) => "ready",
            State::Ready(None) => "done",
            State::Waiting { .. } => "waiting",
        };
        f.debug_struct("Publish").field("stage", &stage).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[test]
    fn a_ready_publish_resolves_at_once() {
        let publish = Publish::ready(Ok(EventId::new(1, 2)));
        assert_eq!(
            publish.now_or_never().and_then(Result::ok),
            Some(EventId::new(1, 2))
        );
    }

    #[test]
    fn a_waiting_publish_resolves_when_completed_and_counts_once() {
        let pending = Arc::new(Pending::default());
        let counters = Arc::new(Counters::default());
        let mut publish = Publish::waiting(Arc::clone(&pending), Arc::clone(&counters));
        assert!((&mut publish).now_or_never().is_none());
        assert!(pending.claim());
        pending.complete(Ok(EventId::new(5, 6)));
        assert_eq!(
            (&mut publish).now_or_never().and_then(Result::ok),
            Some(EventId::new(5, 6))
        );
        assert_eq!(counters.snapshot().published, 1);
    }

    #[test]
    fn dropping_a_publish_not_yet_sent_withdraws_it() {
        let pending = Arc::new(Pending::default());
        drop(Publish::waiting(
            Arc::clone(&pending),
            Arc::new(Counters::default()),
        ));
        assert!(!pending.claim(), "the writer will not send it");
    }
}
