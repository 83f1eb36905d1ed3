//! Subscribing: the replay after a `Last-Event-ID` (or a reset event), and the
//! registration, at one instant under the hub's lock.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use ssekit_core::{EncodedEvent, Event};

use super::Hub;
use super::state::{State, Subscribers};
use crate::config::Config;
use crate::error::SubscribeError;
use crate::id::{ConnectionId, EventId};
use crate::queue::Slot;
use crate::stats::Counters;
use crate::store::{Entry, ResetReason, Topic};
use crate::subscription::{Cursor, Cursors, Subscription};

impl<M: Send + Sync + 'static> Hub<M> {
    /// Subscribes to `topics`, resuming after `last_event_id` (the client's
    /// `Last-Event-ID`, if it sent one), with default metadata.
    ///
    /// # Errors
    ///
    /// As [`subscribe_with`](Self::subscribe_with).
    pub fn subscribe<T: AsRef<str>>(
        &self,
        topics: impl IntoIterator<Item = T>,
        last_event_id: Option<&str>,
    ) -> Result<Subscription<M>, SubscribeError>
    where
        M: Default,
    {
        self.subscribe_with(topics, last_event_id, M::default())
    }

    /// Subscribes to `topics` with `metadata`, resuming after `last_event_id`.
    ///
    /// With no `last_event_id` the stream starts with the next event published. With one,
    /// it first replays every kept event of these topics after it, oldest first, then
    /// goes live, with no gap and no duplicate however publishers race (the replay is
    /// taken and the subscriber registered at one instant). When the id cannot be resumed
    /// from (unknown, malformed, from another run, or older than the history), the stream
    /// starts with a reset event instead ([`Config::with_reset_event_type`](crate::Config::with_reset_event_type)).
    ///
    /// # Errors
    ///
    /// When the hub is closed, or there are no topics or more than
    /// [`Config::max_topics`](crate::Config::max_topics).
    pub fn subscribe_with<T: AsRef<str>>(
        &self,
        topics: impl IntoIterator<Item = T>,
        last_event_id: Option<&str>,
        metadata: M,
    ) -> Result<Subscription<M>, SubscribeError> {
        let config = &self.shared.config;
        let max = config.max_topics();
        let mut state = self.shared.state();
        if self.shared.is_closed() {
            return Err(SubscribeError::Closed);
        }
        let mut names: Vec<Topic> = Vec::new();
        for topic in topics {
            let topic = topic.as_ref();
            if names.iter().any(|t| &**t == topic) {
                continue;
            }
            if names.len() == max {
                return Err(SubscribeError::TooManyTopics { max });
            }
            names.push(match state.topics.get_key_value(topic) {
                Some((name, _)) => Arc::clone(name),
                None => Arc::from(topic),
            });
        }
        let opened = names
            .iter()
            .filter(|name| !state.topics.contains_key(*name))
            .count();
        let max_live = config.max_live_topics();
        if state.topics.len() + opened > max_live {
            return Err(SubscribeError::TooManyLiveTopics { max: max_live });
        }
        if names.is_empty() {
            return Err(SubscribeError::NoTopic);
        }
        state.next_connection += 1;
        let id = ConnectionId(state.next_connection);
        let (mut replay, reset, skip_through) = state.replay(&names, last_event_id, config);
        if let Some(retry) = config.retry_event() {
            replay.push_front(retry.clone());
        }
        let replayed = replay.len();
        // Under the hub's lock: the rings' tails are where the replay ends.
        let cursors: Cursors = names
            .iter()
            .map(|topic| {
                let subscribers = state
                    .topics
                    .entry(Arc::clone(topic))
                    .or_insert_with(|| Subscribers::new(config.queue_capacity()));
                Cursor::new(Arc::clone(&subscribers.ring))
            })
            .collect();
        let ring_start = cursors.iter().map(Cursor::pos).sum();
        let now = self.shared.now();
        let slot = Arc::new(Slot::new(
            id,
            names.into_boxed_slice(),
            metadata,
            replay,
            ring_start,
            now,
        ));
        for topic in &slot.topics {
            if let Some(subscribers) = state.topics.get_mut(topic) {
                subscribers.insert(&slot);
            }
        }
        state.connections.insert(id, Arc::clone(&slot));
        drop(state);
        let counters = &self.shared.counters;
        Counters::add(&counters.subscribed, 1);
        Counters::add(&counters.subscribers, 1);
        match reset {
            Some(reason) => {
                Counters::add(&counters.resets, 1);
                // At most a prefix of what the client sent: a hostile id is not logged whole.
                let last_event_id = last_event_id.map(|id| id.get(..64).unwrap_or(id));
                tracing::info!(connection = %id, topics = ?slot.topics, last_event_id, %reason, "SSE subscriber cannot resume: reset event sent");
            }
            None => Counters::add(&counters.replayed, replayed as u64),
        }
        tracing::debug!(connection = %id, topics = ?slot.topics, replayed, "SSE subscriber joined");
        Ok(Subscription::new(
            slot,
            Arc::downgrade(&self.shared),
            cursors,
            skip_through,
        ))
    }
}

impl<M> State<M> {
    /// What a new subscriber of `topics` gets first: the replay after `last_event_id`, or
    /// a reset event and why; and the id through which live events are skipped (the client
    /// saw them on another server, ahead of this hub's log tail).
    fn replay(
        &mut self,
        topics: &[Topic],
        last_event_id: Option<&str>,
        config: &Config,
    ) -> (VecDeque<EncodedEvent>, Option<ResetReason>, Option<EventId>) {
        let Some(text) = last_event_id else {
            return (VecDeque::new(), None, None);
        };
        let after = EventId::parse(text);
        let mut entries = Vec::new();
        let resumed = match after {
            Some(after) => self.store.replay(topics, after, &mut entries),
            None => Err(ResetReason::UnknownId),
        };
        match (resumed, after) {
            (Ok(()), _) => (coalesced(entries), None, None),
            (Err(ResetReason::UnknownId), Some(after)) if self.store.ahead(after) => {
                (VecDeque::new(), None, Some(after))
            }
            (Err(reason), _) => {
                let reset = reset_event(config, self.store.last_id(), reason);
                (reset.into_iter().collect(), Some(reason), None)
            }
        }
    }
}

/// The replayed events, each keyed one only in its newest version.
fn coalesced(entries: Vec<Entry>) -> VecDeque<EncodedEvent> {
    let mut newest: HashMap<(&str, &str), EventId> = HashMap::new();
    for entry in &entries {
        if let Some(key) = &entry.key {
            newest.insert((&entry.topic, key), entry.id);
        }
    }
    entries
        .iter()
        .filter(|entry| match &entry.key {
            Some(key) => newest.get(&(&*entry.topic, &**key)) == Some(&entry.id),
            None => true,
        })
        .map(|entry| entry.event.clone())
        .collect()
}

/// The reset event: the configured type, the reason as data, the latest id as its id.
pub(super) fn reset_event(
    config: &Config,
    latest: EventId,
    reason: ResetReason,
) -> Option<EncodedEvent> {
    let encoded = Event::new()
        .with_event_type(config.reset_event_type())
        .and_then(|event| event.with_id(latest.to_string()))
        .map(|event| event.with_data(reason.as_str()).to_encoded());
    // The type was checked when configured and an id is visible ASCII: this cannot fail,
    // but if it did, the operator must hear of it.
    match encoded {
        Ok(Ok(encoded)) => Some(encoded),
        failed => {
            tracing::error!(?failed, "SSE reset event could not be made");
            None
        }
    }
}
