//! Every SSE event of the demo, declared once. The server sends these names and the pages
//! use these attributes; `SSE_EVENTS.md` is generated from this list (see the test
//! `events_doc`).

use ssekit_htmx::{Payload, SseEvent, sse_event};

sse_event! {
    /// A notification: an out-of-band `<li>` appended to the list, and the unread count.
    pub const NOTIFICATION = {
        name: "notification",
        channel: "/events/notifications",
        payload: Payload::Html("out-of-band `<li>` for `#notifications` and `#unread`"),
        description: "A new notification, from a background thread.",
    };
    /// The unread count changed (all marked read).
    pub const UNREAD = {
        name: "unread",
        channel: "/events/notifications",
        payload: Payload::Html("the count, swapped into `#unread`"),
        description: "Notifications were marked read.",
    };
    /// A chat message in a room.
    pub const MESSAGE = {
        name: "message",
        channel: "/events/chat/{room}",
        payload: Payload::Html("one `<li>`, appended to `#messages`"),
        description: "A message posted in the room (text escaped).",
    };
    /// A job's progress (coalesced: only the latest waits in a slow client's queue).
    pub const PROGRESS = {
        name: "progress",
        channel: "/events/progress",
        payload: Payload::Html("the job list, out of band: each job's bar, its place in the line, or its result"),
        description: "A job started, moved on or finished.",
    };
    /// The dashboard's request rate.
    pub const METRIC = {
        name: "metric",
        channel: "/events/dashboard",
        payload: Payload::Html("the rate, as text"),
        description: "Requests per second, once a second.",
    };
    /// The dashboard's latest alert.
    pub const ALERT = {
        name: "alert",
        channel: "/events/dashboard",
        payload: Payload::Html("the alert, as text"),
        description: "The latest alert, once a second.",
    };
    /// The system status changed: the page fetches `/dashboard/status`.
    pub const STATUS = {
        name: "status",
        channel: "/events/dashboard",
        payload: Payload::Signal,
        description: "Refetch the status fragment, once a second.",
    };
    /// A todo was added or changed.
    pub const TODO = {
        name: "todo",
        channel: "/events/todo",
        payload: Payload::Html("an out-of-band `<li>`: appended, or replacing its old self"),
        description: "A todo was added or completed in some tab.",
    };
    /// The hub's connections and counters.
    pub const CONNECTIONS = {
        name: "connections",
        channel: "/events/connections",
        payload: Payload::Html("a `<table>` of connections and counters"),
        description: "The hub's registry, once a second.",
    };
    /// The hub cannot resume from the page's last event ID: reload the page.
    pub const RESET = {
        name: "reset",
        channel: "every channel",
        payload: Payload::Text("why: `unknown-id` or `history-gone`"),
        description: "Missed events are gone: the page reloads itself.",
    };
}

/// The whole catalogue, in the order of `SSE_EVENTS.md`.
pub const ALL: [SseEvent; 10] = [
    NOTIFICATION,
    UNREAD,
    MESSAGE,
    PROGRESS,
    METRIC,
    ALERT,
    STATUS,
    TODO,
    CONNECTIONS,
    RESET,
];

/// The events document (`SSE_EVENTS.md`).
pub fn document() -> String {
    ssekit_htmx::markdown("SSE events of sse-demo", &ALL)
}
