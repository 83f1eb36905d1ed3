//! Publishing: here (ids from the store, delivered at once) or through a shared log
//! (ids from the log, delivered by its tail on every instance).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ssekit_core::{Event, IntoEvent};

use super::state::wake_all;
use super::subscribe::reset_event;
use super::{Hub, Shared};
use crate::backplane::{Append, Appending, Deliver, LogEvent};
use crate::error::PublishError;
use crate::id::EventId;
use crate::message::{Message, Target};
use crate::publish::Publish;
use crate::queue::Pushed;
use crate::ring::Item;
use crate::stats::Counters;
use crate::store::ResetReason;

/// An event for the shared log, encoded without an id, and its idempotency key.
struct ForLog {
    event: LogEvent,
    idempotency_key: Option<Arc<str>>,
}

/// A message published here, or ready for the shared log.
enum Prepared {
    Done(Result<EventId, PublishError>),
    Append(ForLog),
}

impl<M: Send + Sync + 'static> Hub<M> {
    /// Publishes `event` to every subscriber of `topic`; returns the id it was given.
    /// `event` is anything ssekit-core turns into an event: a string (data), an `(event type,
    /// data)` pair, an [`Event`], JSON. Any `id` it has is replaced by the hub's.
    ///
    /// The event is encoded once and written once, into the topic's ring; every subscriber
    /// reads the same shared bytes from there. A subscriber that falls more than
    /// [`Config::queue_capacity`](crate::Config::queue_capacity) events behind is disconnected (it resumes with its
    /// `Last-Event-ID`): the publisher never waits for a subscriber.
    ///
    /// In memory it returns at once. On a shared log (Redis) it blocks the calling thread
    /// until the log stored the event, at most the log's timeout: from async code, use
    /// [`publish_async`](Self::publish_async), which waits without blocking the runtime.
    ///
    /// # Errors
    ///
    /// When the hub is closed, or the event is invalid; then nothing was published. On a
    /// shared log: [`PublishError::Unavailable`] (not published) or
    /// [`PublishError::Unknown`] (sent, no answer: it may be published).
    pub fn publish<'e>(
        &self,
        topic: &str,
        event: impl IntoEvent<'e>,
    ) -> Result<EventId, PublishError> {
        self.send(Message::made(topic, event.into_event()))
    }

    /// [`publish`](Self::publish) for async code: the returned [`Publish`] resolves once
    /// the event is published (at once in memory), without blocking the thread.
    pub fn publish_async<'e>(&self, topic: &str, event: impl IntoEvent<'e>) -> Publish {
        self.send_async(Message::made(topic, event.into_event()))
    }

    /// Publishes a [`Message`]: an event with a [`Target`](crate::Target) and an optional
    /// coalescing key. Blocks like [`publish`](Self::publish) on a shared log.
    ///
    /// # Errors
    ///
    /// As [`publish`](Self::publish).
    pub fn send(&self, message: Message<'_, M>) -> Result<EventId, PublishError> {
        let deadline = self.deadline();
        self.start(message).wait(deadline)
    }

    /// [`send`](Self::send) for async code; see [`Publish`].
    pub fn send_async(&self, message: Message<'_, M>) -> Publish {
        self.start(message)
    }

    /// Sends `messages` in order, as one batch: on a shared log they travel in one
    /// pipeline, each with its own id and its own outcome (in the same order). Blocks like
    /// [`send`](Self::send); `send_async` called for each message, then awaited, batches
    /// the same way.
    pub fn send_all<'m>(
        &self,
        messages: impl IntoIterator<Item = Message<'m, M>>,
    ) -> Vec<Result<EventId, PublishError>> {
        let deadline = self.deadline();
        let mut publishes = Vec::new();
        let mut appends = Vec::new();
        for message in messages {
            match self.prepare(message) {
                Prepared::Done(outcome) => publishes.push(Some(Publish::ready(outcome))),
                Prepared::Append(append) => {
                    publishes.push(None);
                    appends.push(append);
                }
            }
        }
        let mut waiting = self.append(appends).into_iter();
        publishes
            .into_iter()
            .map(|publish| match publish.or_else(|| waiting.next()) {
                Some(publish) => publish.wait(deadline),
                None => Err(PublishError::Closed),
            })
            .collect()
    }

    /// Until when a blocking publish waits for a shared log.
    fn deadline(&self) -> Instant {
        let timeout = self
            .shared
            .backplane
            .as_ref()
            .map_or(Duration::ZERO, |backplane| backplane.timeout());
        Instant::now() + timeout
    }

    /// Starts publishing `message`.
    fn start(&self, message: Message<'_, M>) -> Publish {
        match self.prepare(message) {
            Prepared::Done(outcome) => Publish::ready(outcome),
            Prepared::Append(append) => self
                .append(vec![append])
                .pop()
                .unwrap_or_else(|| Publish::ready(Err(PublishError::Closed))),
        }
    }

    /// Hands `events` to the shared log, in order.
    fn append(&self, events: Vec<ForLog>) -> Vec<Publish> {
        let Some(backplane) = &self.shared.backplane else {
            return Vec::new();
        };
        if events.is_empty() {
            return Vec::new();
        }
        let deadline = Instant::now() + backplane.timeout();
        let mut publishes = Vec::with_capacity(events.len());
        let appends = events
            .into_iter()
            .map(
                |ForLog {
                     event,
                     idempotency_key,
                 }| {
                    let (outcome, pending) = Appending::new();
                    publishes.push(Publish::waiting(pending, Arc::clone(&self.shared.counters)));
                    Append {
                        event,
                        idempotency_key,
                        deadline,
                        outcome,
                    }
                },
            )
            .collect();
        backplane.append(appends);
        publishes
    }

    /// Publishes `message` here, or makes it ready for the shared log (which gives the id
    /// and feeds every instance's tail, this one's too: nothing is delivered here, and
    /// nothing is acknowledged that was not stored).
    fn prepare(&self, message: Message<'_, M>) -> Prepared {
        let Message {
            topic,
            event,
            target,
            key,
            idempotency_key,
        } = message;
        let event = match event {
            Ok(event) => event,
            Err(error) => return Prepared::Done(Err(error.into())),
        };
        if let (Some(_), Some(except)) = (&self.shared.backplane, target.kept_except()) {
            if self.is_closed() {
                return Prepared::Done(Err(PublishError::Closed));
            }
            if idempotency_key
                .as_ref()
                .is_some_and(|k| k.len() > Message::<M>::MAX_IDEMPOTENCY_KEY_LEN)
            {
                return Prepared::Done(Err(PublishError::IdempotencyKeyTooLong));
            }
            return match event.without_id().to_encoded() {
                Ok(event) => Prepared::Append(ForLog {
                    event: LogEvent::new(topic, event)
                        .with_coalescing_key(key)
                        .with_except(except.to_vec()),
                    idempotency_key,
                }),
                Err(error) => Prepared::Done(Err(error.into())),
            };
        }
        Prepared::Done(self.publish_here(topic, event, &target, key))
    }

    /// Publishes with an id of this hub's store, to this hub's subscribers.
    fn publish_here(
        &self,
        topic: &str,
        event: Event<'_>,
        target: &Target<M>,
        key: Option<Arc<str>>,
    ) -> Result<EventId, PublishError> {
        let mut state = self.shared.state();
        if self.shared.is_closed() {
            return Err(PublishError::Closed);
        }
        let id = state.store.next_id();
        let encoded =
            id.with_text(|id| -> Result<_, PublishError> { Ok(event.with_id(id)?.to_encoded()?) })?;
        let keep = target.is_kept() && self.shared.backplane.is_none();
        let wake = self
            .shared
            .deliver(&mut state, id, topic, encoded, target, key, keep);
        drop(state);
        wake_all(wake);
        Counters::add(&self.shared.counters.published, 1);
        Ok(id)
    }
}

impl<M: Send + Sync + 'static> Deliver for Shared<M> {
    /// Delivers an event the log's feed read: it gets its id here, once for every local
    /// subscriber, and is kept for replay.
    fn deliver(&self, id: EventId, event: &LogEvent) {
        let encoded = match id.with_text(|text| event.event.with_id(text)) {
            Ok(encoded) => encoded,
            Err(error) => {
                tracing::error!(%error, %id, "SSE event from the log could not take its id");
                return;
            }
        };
        let mut state = self.state();
        state.store.keep_id(id);
        let target = if event.except.is_empty() {
            Target::All
        } else {
            Target::AllExcept(event.except.clone())
        };
        let key = event.coalescing_key.clone();
        let wake = self.deliver(&mut state, id, &event.topic, encoded, &target, key, true);
        drop(state);
        wake_all(wake);
    }

    /// The log lost events this hub had not all delivered (it came back empty): every
    /// subscriber gets a reset event, and the history starts again from `from`.
    fn lost(&self, from: EventId) {
        let mut state = self.state();
        state.store.restart(from);
        let Some(reset) = reset_event(&self.config, from, ResetReason::HistoryGone) else {
            return;
        };
        let order = state.next_order();
        let item = Item {
            order,
            id: None,
            at: self.now(),
            event: reset,
        };
        let mut reached = 0;
        for slot in state.connections.values() {
            if slot.push(item.clone(), None, usize::MAX, None) == Pushed::Queued {
                reached += 1;
            }
        }
        state.notice_all();
        Counters::add(&self.counters.resets, reached);
        tracing::warn!(
            subscribers = reached,
            "SSE log lost events: reset event sent to every subscriber"
        );
    }

    fn is_closed(&self) -> bool {
        Shared::is_closed(self)
    }
}
