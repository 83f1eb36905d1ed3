//! The hub's errors: why a publish or a subscribe was refused.

use std::fmt;

use ssekit_core::{EncodeError, EventError};

/// Why [`Hub::publish`](crate::Hub::publish) published nothing.
#[derive(Debug)]
#[non_exhaustive]
pub enum PublishError {
    /// The hub was closed ([`Hub::close`](crate::Hub::close)).
    Closed,
    /// The item is not a valid event (e.g. an event type with a line break).
    Event(EventError),
    /// The event could not be encoded (JSON data that serialized differently).
    Encode(EncodeError),
    /// The shared log (Redis) did not store it: it was never sent (the log could not be
    /// reached in time, or its backlog was full) or the log refused it. Nothing was
    /// published: retrying cannot give a duplicate.
    Unavailable(String),
    /// Sent to the shared log, but no answer came in time (a stalled or lost connection):
    /// it may or may not be published, and if it is, subscribers get it. Retry with the
    /// same [`Message::with_idempotency_key`](crate::Message::with_idempotency_key) and the
    /// log drops the duplicate; or tell the user the outcome is unknown.
    Unknown(String),
    /// The idempotency key is longer than
    /// [`Message::MAX_IDEMPOTENCY_KEY_LEN`](crate::Message::MAX_IDEMPOTENCY_KEY_LEN) bytes.
    IdempotencyKeyTooLong,
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishError::Closed => f.write_str("the hub is closed"),
            PublishError::Event(e) => write!(f, "invalid event: {e}"),
            PublishError::Encode(e) => write!(f, "event could not be encoded: {e}"),
            PublishError::Unavailable(why) => {
                write!(f, "not published, the event log is unavailable: {why}")
            }
            PublishError::Unknown(why) => write!(f, "outcome unknown: {why}"),
            PublishError::IdempotencyKeyTooLong => write!(
                f,
                "the idempotency key is longer than {} bytes",
                crate::Message::<()>::MAX_IDEMPOTENCY_KEY_LEN
            ),
        }
    }
}

impl std::error::Error for PublishError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PublishError::Closed
            | PublishError::Unavailable(_)
            | PublishError::Unknown(_)
            | PublishError::IdempotencyKeyTooLong => None,
            PublishError::Event(e) => Some(e),
            PublishError::Encode(e) => Some(e),
        }
    }
}

impl From<EventError> for PublishError {
    fn from(e: EventError) -> Self {
        PublishError::Event(e)
    }
}

impl From<EncodeError> for PublishError {
    fn from(e: EncodeError) -> Self {
        PublishError::Encode(e)
    }
}

/// Why [`Hub::subscribe`](crate::Hub::subscribe) refused a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscribeError {
    /// The hub was closed ([`Hub::close`](crate::Hub::close)).
    Closed,
    /// More topics than [`Config::with_max_topics`](crate::Config::with_max_topics) allows.
    TooManyTopics {
        /// The limit.
        max: usize,
    },
    /// No topic at all.
    NoTopic,
    /// It would open a topic beyond
    /// [`Config::with_max_live_topics`](crate::Config::with_max_live_topics).
    TooManyLiveTopics {
        /// The limit.
        max: usize,
    },
}

impl fmt::Display for SubscribeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscribeError::Closed => f.write_str("the hub is closed"),
            SubscribeError::TooManyTopics { max } => {
                write!(f, "too many topics for one subscription (at most {max})")
            }
            SubscribeError::NoTopic => f.write_str("a subscription needs at least one topic"),
            SubscribeError::TooManyLiveTopics { max } => {
                write!(f, "too many topics with subscribers (at most {max})")
            }
        }
    }
}

impl std::error::Error for SubscribeError {}

/// Why a final event (after a lag disconnect, or on close) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FinalEventError {
    /// It has an `id`: it would move the client's last event ID past events it never got.
    HasId,
    /// It could not be encoded.
    Encode(EncodeError),
}

impl fmt::Display for FinalEventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FinalEventError::HasId => f.write_str(
                "a final event must not have an id: it would move the client's last event ID",
            ),
            FinalEventError::Encode(e) => write!(f, "final event could not be encoded: {e}"),
        }
    }
}

impl std::error::Error for FinalEventError {}
