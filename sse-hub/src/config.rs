//! [`Config`]: queue and history bounds, limits, and the events the hub sends on its own.

use std::time::Duration;

use ssekit_core::{EncodedEvent, Event, Text};

use crate::error::FinalEventError;

/// How a [`Hub`](crate::Hub) bounds its queues and history, and what it sends on its own.
///
/// ```
/// use std::time::Duration;
/// use ssekit_hub::{Config, Hub};
///
/// let config = Config::default()
///     .with_queue_capacity(64)                          // per subscriber
///     .with_history_len(500)                            // per topic
///     .with_history_max_age(Duration::from_secs(300))
///     .with_reset_event_type("resync")?;                // checked: no line breaks
/// let hub: Hub = Hub::new(config);
/// assert_eq!(hub.config().queue_capacity(), 64);
/// # Ok::<(), ssekit_core::EventError>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    queue_capacity: usize,
    history_len: usize,
    history_max_age: Option<Duration>,
    history_topic_bytes: usize,
    history_bytes: usize,
    topic_idle: Option<Duration>,
    max_topics: usize,
    max_live_topics: usize,
    reset_event_type: Text<'static>,
    lag_event: Option<EncodedEvent>,
    retry_event: Option<EncodedEvent>,
}

impl Default for Config {
    /// A queue of [`DEFAULT_QUEUE_CAPACITY`](Self::DEFAULT_QUEUE_CAPACITY) events per
    /// subscriber, [`DEFAULT_HISTORY_LEN`](Self::DEFAULT_HISTORY_LEN) events of history per
    /// topic (no age limit) and at most
    /// [`DEFAULT_HISTORY_TOPIC_BYTES`](Self::DEFAULT_HISTORY_TOPIC_BYTES) of them,
    /// [`DEFAULT_HISTORY_BYTES`](Self::DEFAULT_HISTORY_BYTES) of history in all, a topic's
    /// history forgotten after [`DEFAULT_TOPIC_IDLE`](Self::DEFAULT_TOPIC_IDLE) without a
    /// publish, at most [`DEFAULT_MAX_TOPICS`](Self::DEFAULT_MAX_TOPICS) topics per
    /// subscription and [`DEFAULT_MAX_LIVE_TOPICS`](Self::DEFAULT_MAX_LIVE_TOPICS) with
    /// subscribers, reset events of type `reset`, no final event on a lag disconnect.
    ///
    /// So a hub's memory is bounded without configuration, whatever clients and
    /// publishers do: history at most 64 MiB; per live topic a ring of at most
    /// `queue_capacity` events; per subscriber its own queue of at most `queue_capacity`
    /// events.
    fn default() -> Self {
        Config {
            queue_capacity: Self::DEFAULT_QUEUE_CAPACITY,
            history_len: Self::DEFAULT_HISTORY_LEN,
            history_max_age: None,
            history_topic_bytes: Self::DEFAULT_HISTORY_TOPIC_BYTES,
            history_bytes: Self::DEFAULT_HISTORY_BYTES,
            topic_idle: Some(Self::DEFAULT_TOPIC_IDLE),
            max_topics: Self::DEFAULT_MAX_TOPICS,
            max_live_topics: Self::DEFAULT_MAX_LIVE_TOPICS,
            reset_event_type: Text::borrowed(Self::DEFAULT_RESET_EVENT_TYPE),
            lag_event: None,
            retry_event: None,
        }
    }
}

impl Config {
    /// The default queue capacity: 256 events.
    pub const DEFAULT_QUEUE_CAPACITY: usize = 256;
    /// The default history per topic: 1024 events.
    pub const DEFAULT_HISTORY_LEN: usize = 1024;
    /// The default topics per subscription: 64.
    pub const DEFAULT_MAX_TOPICS: usize = 64;
    /// The default bytes of history per topic: 1 MiB.
    pub const DEFAULT_HISTORY_TOPIC_BYTES: usize = 1 << 20;
    /// The default bytes of history for the whole hub: 64 MiB.
    pub const DEFAULT_HISTORY_BYTES: usize = 64 << 20;
    /// The default time after which a topic not published to is forgotten: 30 minutes.
    pub const DEFAULT_TOPIC_IDLE: Duration = Duration::from_secs(30 * 60);
    /// The default number of topics with subscribers at once: 100,000.
    pub const DEFAULT_MAX_LIVE_TOPICS: usize = 100_000;
    /// The default type of the reset event: `reset`.
    pub const DEFAULT_RESET_EVENT_TYPE: &'static str = "reset";

    /// How far one subscriber may fall behind before it counts as too slow: events of a
    /// topic published but not yet taken by its stream, and (separately) events for it
    /// alone waiting in its own queue. Its stream then ends, with the lag event if any,
    /// and the client reconnects with its `Last-Event-ID`: the replay fills the gap. At
    /// least 1.
    ///
    /// Memory is bounded by it per topic, not per subscriber: broadcast events are kept
    /// once per topic for this many events (in blocks of up to 32), whatever the number
    /// of subscribers.
    pub fn with_queue_capacity(mut self, events: usize) -> Self {
        self.queue_capacity = events.max(1);
        self
    }

    /// Events kept per topic for replay. 0 keeps none: every resume is a reset.
    pub fn with_history_len(mut self, events: usize) -> Self {
        self.history_len = events;
        self
    }

    /// Also forgets events older than `age`.
    pub fn with_history_max_age(mut self, age: Duration) -> Self {
        self.history_max_age = Some(age);
        self
    }

    /// Bytes of history kept per topic at most (the encoded events, their keys and topic
    /// name, and about 128 bytes per event besides): older events are forgotten first.
    pub fn with_history_topic_bytes(mut self, bytes: usize) -> Self {
        self.history_topic_bytes = bytes;
        self
    }

    /// Bytes of history kept for every topic together at most, counted as
    /// [`with_history_topic_bytes`](Self::with_history_topic_bytes) does: the oldest events
    /// of any topic are forgotten first.
    pub fn with_history_bytes(mut self, bytes: usize) -> Self {
        self.history_bytes = bytes;
        self
    }

    /// Forgets the whole history of a topic not published to for `idle` (a chat room
    /// nobody uses any more); `None` keeps it. A client resuming from before it gets a
    /// reset event.
    pub fn with_topic_idle(mut self, idle: Option<Duration>) -> Self {
        self.topic_idle = idle;
        self
    }

    /// Topics with subscribers at once, at most: a subscription that would open one more
    /// is refused ([`SubscribeError::TooManyLiveTopics`](crate::SubscribeError::TooManyLiveTopics)).
    /// At least 1.
    pub fn with_max_live_topics(mut self, topics: usize) -> Self {
        self.max_live_topics = topics.max(1);
        self
    }

    /// At most this many topics per subscription. At least 1.
    pub fn with_max_topics(mut self, topics: usize) -> Self {
        self.max_topics = topics.max(1);
        self
    }

    /// The event type of the reset event: sent first when a `Last-Event-ID` cannot be
    /// resumed from (older than the history, from another run, or malformed), so the page
    /// reloads its state. Its data says why (`unknown-id` or `history-gone`); its id is the
    /// hub's latest, so the next reconnect resumes from here.
    ///
    /// # Errors
    ///
    /// When the type holds a line break.
    pub fn with_reset_event_type(
        mut self,
        event_type: impl Into<Text<'static>>,
    ) -> Result<Self, ssekit_core::EventError> {
        let event_type = event_type.into();
        drop(Event::new().with_event_type(event_type.clone())?); // checked like any event type
        self.reset_event_type = event_type;
        Ok(self)
    }

    /// An event sent last to a subscriber disconnected for being too slow (e.g. a comment,
    /// or an event the page shows as "reconnecting"). It must have no id.
    ///
    /// # Errors
    ///
    /// When it has an id, or cannot be encoded.
    pub fn with_lag_event(mut self, event: Event<'_>) -> Result<Self, FinalEventError> {
        self.lag_event = Some(final_event(event)?);
        Ok(self)
    }

    /// Starts every stream with a `retry` field: the reconnection time browsers wait before
    /// reconnecting after a stream ends (theirs by default, about 3 s).
    pub fn with_retry(mut self, reconnection_time: Duration) -> Self {
        // A retry field alone is a valid event: it encodes whatever the duration.
        self.retry_event = Event::new().with_retry(reconnection_time).to_encoded().ok();
        self
    }

    /// Events waiting for one subscriber before it counts as too slow.
    pub fn queue_capacity(&self) -> usize {
        self.queue_capacity
    }

    /// Events kept per topic for replay.
    pub fn history_len(&self) -> usize {
        self.history_len
    }

    /// The age after which events are forgotten, if any.
    pub fn history_max_age(&self) -> Option<Duration> {
        self.history_max_age
    }

    /// Topics per subscription at most.
    pub fn max_topics(&self) -> usize {
        self.max_topics
    }

    /// Topics with subscribers at once, at most.
    pub fn max_live_topics(&self) -> usize {
        self.max_live_topics
    }

    /// Bytes of history per topic at most.
    pub fn history_topic_bytes(&self) -> usize {
        self.history_topic_bytes
    }

    /// Bytes of history in all at most.
    pub fn history_bytes(&self) -> usize {
        self.history_bytes
    }

    /// How long a topic may go without a publish before its history is forgotten.
    pub fn topic_idle(&self) -> Option<Duration> {
        self.topic_idle
    }

    /// The bounds of the history the stores keep.
    pub(crate) fn history_bounds(&self) -> crate::history::Bounds {
        crate::history::Bounds {
            len: self.history_len,
            max_age: self.history_max_age,
            topic_bytes: self.history_topic_bytes,
            total_bytes: self.history_bytes,
            idle: self.topic_idle,
        }
    }

    /// The event type of the reset event.
    pub fn reset_event_type(&self) -> &str {
        &self.reset_event_type
    }

    pub(crate) fn lag_event(&self) -> Option<&EncodedEvent> {
        self.lag_event.as_ref()
    }

    pub(crate) fn retry_event(&self) -> Option<&EncodedEvent> {
        self.retry_event.as_ref()
    }
}

/// An event a stream ends with, checked to carry no id.
pub(crate) fn final_event(event: Event<'_>) -> Result<EncodedEvent, FinalEventError> {
    if event.id().is_some() {
        return Err(FinalEventError::HasId);
    }
    event.to_encoded().map_err(FinalEventError::Encode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_at_least_one() {
        let config = Config::default().with_queue_capacity(0).with_max_topics(0);
        assert_eq!((config.queue_capacity(), config.max_topics()), (1, 1));
    }

    #[test]
    fn final_events_carry_no_id() -> Result<(), ssekit_core::EventError> {
        let with_id = Event::new().with_id(1)?.with_data("x");
        assert!(matches!(final_event(with_id), Err(FinalEventError::HasId)));
        assert!(
            Config::default()
                .with_lag_event(Event::new().with_comment("slow"))
                .is_ok()
        );
        assert!(Config::default().with_reset_event_type("a\nb").is_err());
        Ok(())
    }
}
