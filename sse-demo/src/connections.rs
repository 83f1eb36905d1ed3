//! Connections: the hub's registry and counters, live.

use std::fmt::Write;
use std::time::Duration;

use axum::extract::State;
use axum::response::Html;
use sse_hub::{Hub, Message};

use crate::catalogue::CONNECTIONS;
use crate::{Demo, layout};

/// `GET /connections`.
pub async fn page(State(demo): State<Demo>) -> Html<String> {
    let body = format!(
        r#"<div id="registry" {swap}>{table}</div>"#,
        swap = CONNECTIONS.sse_swap(),
        table = table(&demo.hub),
    );
    let live = layout::live(
        "/events/connections",
        &demo.hub.last_id().to_string(),
        &body,
    );
    layout::page("Connections", &live)
}

/// The counters and one row per connection.
fn table(hub: &Hub) -> String {
    let stats = hub.stats();
    let mut html = format!(
        "<p>published {} · delivered {} · replayed {} · resets {} · cut off for lag {} · live {}</p>\
         <table><tr><th>id</th><th>topics</th><th>delivered</th><th>waiting</th><th>connected for</th></tr>",
        stats.published,
        stats.delivered,
        stats.replayed,
        stats.resets,
        stats.lag_disconnects,
        stats.subscribers,
    );
    for c in hub.connections() {
        let topics: Vec<&str> = c.topics.iter().map(|t| &**t).collect();
        let age = c.connected_at.elapsed().unwrap_or_default().as_secs();
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{age} s</td></tr>",
            c.id,
            sse_htmx::escape(&topics.join(", ")),
            c.delivered,
            c.pending,
        );
    }
    html.push_str("</table>");
    html
}

/// The producer: the table every `every`, coalesced, until the hub closes.
pub fn start_producer(hub: Hub, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let Ok(event) = sse_core::IntoEvent::into_event((CONNECTIONS, table(&hub))) else {
                continue;
            };
            if hub
                .send(Message::new("connections", event).with_coalescing_key("table"))
                .is_err()
            {
                return; // closed
            }
        }
    });
}
