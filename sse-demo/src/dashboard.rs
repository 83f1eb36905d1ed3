//! Dashboard: this server's own traffic, live. Three named events on one connection, once
//! a second: `metric` (a chart of deliveries per second, drawn as SVG on the server),
//! `alert` swapped into its own element, and `status` making an element fetch its fragment.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::Html;
use ssekit_hub::Message;

use crate::catalogue::{ALERT, METRIC, STATUS};
use crate::{Demo, layout};

/// Points on the chart: the last minute at one a second.
const POINTS: usize = 60;

/// `GET /dashboard`.
pub async fn page(State(demo): State<Demo>) -> Html<String> {
    let body = format!(
        r#"<p>This server's traffic, measured once a second. Open a few tabs of any page and
watch the deliveries climb.</p>
<div id="metric" {metric}>{chart}</div>
<p>Alert: <b id="alert" {alert}>none yet</b></p>
<p>Status: <b id="status" hx-get="/dashboard/status" {status}>…</b></p>"#,
        metric = METRIC.sse_swap(),
        chart = chart(&Sample::default(), &VecDeque::new()),
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

/// One second of this server's figures.
#[derive(Debug, Default, Clone, Copy)]
struct Sample {
    deliveries_per_second: u64,
    connections: u64,
    /// How long the previous chart took to publish.
    publish_ms: f64,
}

/// The figures and the chart of deliveries per second (newest on the right).
fn chart(now: &Sample, history: &VecDeque<u64>) -> String {
    const W: usize = 300;
    const H: u64 = 80;
    let top = history.iter().copied().max().unwrap_or(0).max(10);
    let mut points = String::new();
    let step = W as f64 / (POINTS - 1) as f64;
    let start = POINTS - history.len();
    for (i, value) in history.iter().enumerate() {
        let x = (start + i) as f64 * step;
        let y = H as f64 - (*value as f64 / top as f64) * (H as f64 - 4.0);
        let _ = write!(points, "{x:.1},{y:.1} ");
    }
    format!(
        r#"<p class="figures"><b>{deliveries}</b> deliveries/s · <b>{connections}</b> connections · publish <b>{publish:.2} ms</b></p>
<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="deliveries per second, last minute"><polyline fill="none" stroke="currentColor" stroke-width="2" points="{points}"/><text x="3" y="9" font-size="7" fill="currentColor">{top}/s</text></svg>"#,
        deliveries = now.deliveries_per_second,
        connections = now.connections,
        publish = now.publish_ms,
    )
}

/// The producer: a task measuring this server once every `every` and publishing the three
/// events to this instance's topic, until the hub closes. Each event has its own key: a
/// slow tab gets the latest values, not a backlog.
pub fn start_producer(demo: Demo, every: Duration) {
    tokio::spawn(async move {
        let topic = demo.own_topic("dashboard");
        let mut tick = tokio::time::interval(every);
        let mut history = VecDeque::with_capacity(POINTS);
        let mut last = (Instant::now(), demo.hub.stats());
        let mut publish_ms = 0.0;
        loop {
            tick.tick().await;
            let stats = demo.hub.stats();
            let seconds = last.0.elapsed().as_secs_f64().max(0.001);
            let delivered = stats.delivered.saturating_sub(last.1.delivered);
            let lagged = stats.lag_disconnects.saturating_sub(last.1.lag_disconnects);
            last = (Instant::now(), stats);
            let sample = Sample {
                deliveries_per_second: (delivered as f64 / seconds).round() as u64,
                connections: stats.subscribers,
                publish_ms,
            };
            if history.len() == POINTS {
                history.pop_front();
            }
            history.push_back(sample.deliveries_per_second);
            let alert = match lagged {
                0 => "none".to_owned(),
                n => format!("{n} slow client(s) cut off in the last second"),
            };
            let events = [
                (METRIC, chart(&sample, &history)),
                (ALERT, alert),
                (STATUS, String::new()),
            ];
            let started = Instant::now();
            for (event, data) in events {
                let Ok(item) = ssekit_core::IntoEvent::into_event((event, data)) else {
                    continue;
                };
                let message = Message::new(&topic, item).with_coalescing_key(event.name());
                if let Err(ssekit_hub::PublishError::Closed) = demo.hub.send_async(message).await {
                    return;
                }
            }
            publish_ms = started.elapsed().as_secs_f64() * 1000.0 / 3.0;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_draws_one_point_per_second_scaled_to_the_highest() {
        let history: VecDeque<u64> = [0, 50, 100].into();
        let sample = Sample {
            deliveries_per_second: 100,
            connections: 3,
            publish_ms: 0.25,
        };
        let html = chart(&sample, &history);
        assert!(html.contains("<b>100</b> deliveries/s"));
        assert!(html.contains("<b>3</b> connections"));
        assert!(html.contains("0.25 ms"));
        // The newest point is on the right edge, at the top.
        assert!(html.contains("300.0,4.0"), "{html}");
        assert!(html.contains(">100/s<"));
    }
}
