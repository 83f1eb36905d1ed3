//! What an [`EventSource`](crate::EventSource) yields: [`Item`].

use std::time::Duration;

use ssekit_core::MessageEvent;

use crate::source_error::Disconnect;

/// An item of an [`EventSource`](crate::EventSource): what a browser's `EventSource`
/// reports as `open`, `message` and `error` events, and a little more.
#[derive(Debug)]
#[non_exhaustive]
pub enum Item {
    /// A connection opened: status 200 with `text/event-stream` (the DOM's `open`).
    Open,
    /// A dispatched event (the DOM's `message`, or the event's own type).
    Event(MessageEvent),
    /// A comment line's text, after the `:` (only when the decoder keeps comments).
    Comment(String),
    /// A `retry` field the decoder accepted, as the server sent it. The wait actually used is
    /// capped: see [`EventSource::reconnection_time`](crate::EventSource::reconnection_time).
    Retry(Duration),
    /// The connection was lost or could not be made, and the next attempt starts after
    /// `delay` (the DOM's `error` with `readyState` back to `CONNECTING`). An event cut off
    /// by the loss was discarded; the next request carries the last event ID.
    Reconnecting {
        /// The wait before the next attempt.
        delay: Duration,
        /// The attempts since the last healthy connection, this one included (1 after a
        /// healthy connection).
        retry: u32,
        /// Why.
        cause: Disconnect,
    },
}
