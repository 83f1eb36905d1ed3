//! `/events/...`: every page's event stream, from the hub, resuming after the browser's
//! `Last-Event-ID` (or, on the first connection, the page's `?last_event_id=`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use ssekit_axum::{LastEventId, Sse};
use ssekit_hub::Subscription;

use crate::Demo;

/// The first connection's starting point, from the page.
#[derive(Debug, Deserialize)]
pub struct Resume {
    last_event_id: Option<String>,
}

/// `GET /events/{channel}`: the hub topic of that channel, as an event stream.
pub async fn stream(
    State(demo): State<Demo>,
    Path(channel): Path<String>,
    LastEventId(header): LastEventId,
    Query(resume): Query<Resume>,
) -> Result<Sse<Subscription>, StatusCode> {
    let topic = match channel.as_str() {
        // What this instance alone shows: its own topic.
        "connections" | "dashboard" => demo.own_topic(&channel),
        _ => topic(&channel).ok_or(StatusCode::NOT_FOUND)?,
    };
    // A reconnecting browser sends its Last-Event-ID, which wins over the page's.
    let last = header.or(resume.last_event_id);
    let subscription = demo
        .hub
        .subscribe([topic], last.as_deref())
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
    Ok(Sse::new(subscription))
}

/// The hub topic behind a channel: `notifications`, `chat/{room}`, ...
pub fn topic(channel: &str) -> Option<String> {
    match channel.split_once('/') {
        None => [
            "notifications",
            "progress",
            "dashboard",
            "todo",
            "connections",
        ]
        .contains(&channel)
        .then(|| channel.to_owned()),
        Some(("chat", room)) => crate::chat::room(room).map(|room| format!("chat:{room}")),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_map_to_topics() {
        assert_eq!(topic("todo").as_deref(), Some("todo"));
        assert_eq!(topic("chat/rust").as_deref(), Some("chat:rust"));
        assert_eq!(topic("chat/a b"), None);
        assert_eq!(topic("nope"), None);
        assert_eq!(topic("todo/x"), None);
    }
}
