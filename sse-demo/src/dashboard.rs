//! Dashboard: three named events on one connection, once a second: `metric` and `alert`
//! swapped into their own elements, `status` making an element fetch its fragment.

use std::time::Duration;

use axum::extract::State;
use axum::response::Html;
use sse_hub::{Hub, Message};

use crate::catalogue::{ALERT, METRIC, STATUS};
use crate::{Demo, layout};

/// `GET /dashboard`.
pub async fn page(State(demo): State<Demo>) -> Html<String> {
    let body = format!(
        r#"<p>Requests/s: <b id="metric" {metric}>…</b></p>
<p>Alert: <b id="alert" {alert}>none yet</b></p>
<p>Status: <b id="status" hx-get="/dashboard/status" {status}>…</b></p>"#,
        metric = METRIC.sse_swap(),
        alert = ALERT.sse_swap(),
        status = STATUS.hx_trigger(),
    );
    let live = layout::live("/events/dashboard", &demo.hub.last_id().to_string(), &body);
    layout::page("Dashboard", &live)
}

/// `GET /dashboard/status`: the fragment the `status` event makes the page fetch.
pub async fn status(State(demo): State<Demo>) -> Html<String> {
    let subscribers = demo.hub.stats().subscribers;
    Html(format!(
        "all systems normal ({subscribers} live connections)"
    ))
}

/// The producer: a task publishing the three events every `every`, until the hub closes.
/// Each has its own key: a slow tab gets the latest values, not a backlog.
pub fn start_producer(hub: Hub, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        for n in 1u64.. {
            tick.tick().await;
            let rate = 100 + (n * 37) % 50;
            let alert = if n % 5 == 0 {
                format!("disk 9{}% full", n % 10)
            } else {
                "none".into()
            };
            let events = [
                (METRIC, rate.to_string()),
                (ALERT, alert),
                (STATUS, String::new()),
            ];
            for (event, data) in events {
                let Ok(item) = sse_core::IntoEvent::into_event((event, data)) else {
                    continue;
                };
                if hub
                    .send(Message::new("dashboard", item).with_coalescing_key(event.name()))
                    .is_err()
                {
                    return; // closed
                }
            }
        }
    });
}
