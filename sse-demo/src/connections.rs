//! Connections: the hub's registry and counters, live.

use std::fmt::Write;
use std::time::Duration;

use axum::extract::State;
use axum::response::Html;
use ssekit_hub::Message;

use crate::catalogue::CONNECTIONS;
use crate::{Demo, layout};

/// `GET /connections`: this instance's registry (each instance shows its own).
pub async fn page(State(demo): State<Demo>) -> Html<String> {
    let body = format!(
        r#"<div id="registry" {swap}>{table}</div>"#,
        swap = CONNECTIONS.sse_swap(),
        table = table(&demo),
    );
    let live = layout::live(
        "/events/connections",
        &demo.hub.last_id().to_string(),
        &body,
    );
    layout::page("Connections", &live)
}

/// Rows of the table at most: the event goes to every open stream once a second, so its
/// size is bounded whatever the number of connections.
const ROWS: usize = 50;

/// The deployment's count, this instance's counters, and one row per connection (the
/// first [`ROWS`]).
fn table(demo: &Demo) -> String {
    let hub = &demo.hub;
    let stats = hub.stats();
    let last = hub.last_id();
    let mut html = format!(
        "<p>Events in the log: {} (generation {:x}: it grows on every server, and starts again only \
         when the log lost its data).</p>\
         <p>This server, <b>{}</b>: published {} · delivered {} · replayed {} · resets {} · cut off for lag {} · live {}</p>\
         <table><tr><th>id</th><th>topics</th><th>delivered</th><th>waiting</th><th>connected for</th></tr>",
        last.seq(),
        last.epoch(),
        ssekit_htmx::escape(demo.name()),
        stats.published,
        stats.delivered,
        stats.replayed,
        stats.resets,
        stats.lag_disconnects,
        stats.subscribers,
    );
    let connections = hub.connections();
    for c in connections.iter().take(ROWS) {
        let topics: Vec<&str> = c.topics.iter().map(|t| &**t).collect();
        let age = c.connected_at.elapsed().unwrap_or_default().as_secs();
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{age} s</td></tr>",
            c.id,
            ssekit_htmx::escape(&topics.join(", ")),
            c.delivered,
            c.pending,
        );
    }
    html.push_str("</table>");
    if let Some(more) = connections.len().checked_sub(ROWS).filter(|&n| n > 0) {
        let _ = write!(html, "<p>… and {more} more.</p>");
    }
    html
}

/// The producer: the table every `every` on this instance's topic, coalesced, until the
/// hub closes.
pub fn start_producer(demo: Demo, every: Duration) {
    tokio::spawn(async move {
        let topic = demo.own_topic("connections");
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let Ok(event) = ssekit_core::IntoEvent::into_event((CONNECTIONS, table(&demo))) else {
                continue;
            };
            let message = Message::new(&topic, event).with_coalescing_key("table");
            if let Err(ssekit_hub::PublishError::Closed) = demo.hub.send_async(message).await {
                return;
            }
        }
    });
}
