//! A live notifications feed: `/` is a page that listens with `EventSource`, `/events` streams
//! named `notification` events (multi-line HTML fragments) with ids, resuming after the
//! browser's `Last-Event-ID` when it reconnects.
//!
//! ```sh
//! cargo run -p ssekit-axum --example notifications     # PORT=8080 to change the port
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use futures_util::stream::{self, Stream};
use ssekit_axum::{Event, EventError, KeepAlive, LastEventId, Sse};

const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>Notifications</title>
<style>
  body { font: 16px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
  li { list-style: none; border: 1px solid #ccc; border-radius: .5rem; padding: .5rem 1rem; margin: .5rem 0; }
  #status { color: #777; }
</style>
<h1>Notifications</h1>
<p id="status">connecting…</p>
<ul id="feed"></ul>
<script>
  const feed = document.getElementById("feed");
  const status = document.getElementById("status");
  const source = new EventSource("/events");
  source.onopen = () => { status.textContent = "live"; };
  source.onerror = () => { status.textContent = "reconnecting…"; };
  source.addEventListener("notification", (e) => {
    feed.insertAdjacentHTML("afterbegin", e.data);
    status.textContent = "live (last id " + e.lastEventId + ")";
  });
</script>
"#;

const MESSAGES: [&str; 4] = [
    "Build <b>passed</b> on main",
    "Ada commented on your pull request",
    "Deploy to staging finished",
    "Disk usage back under 80%",
];

/// The notification with id `n`, as a multi-line HTML fragment.
fn notification(n: u64) -> Result<Event<'static>, EventError> {
    let message = MESSAGES[(n % MESSAGES.len() as u64) as usize];
    let html = format!("<li>\n  <strong>#{n}</strong>\n  {message}\n</li>");
    Ok(Event::new()
        .with_event_type("notification")?
        .with_id(n.to_string())?
        .with_data(html))
}

/// Notifications from `first` on, one every two seconds.
fn notifications(first: u64) -> impl Stream<Item = Result<Event<'static>, EventError>> {
    let ticks = tokio::time::interval(Duration::from_secs(2));
    stream::unfold((first, ticks), |(n, mut ticks)| async move {
        ticks.tick().await;
        Some((notification(n), (n + 1, ticks)))
    })
}

async fn events(
    LastEventId(last): LastEventId,
) -> Sse<impl Stream<Item = Result<Event<'static>, EventError>>> {
    let first = last
        .and_then(|id| id.parse::<u64>().ok())
        .map_or(1, |n| n + 1);
    Sse::new(notifications(first)).with_keep_alive(KeepAlive::new())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = match std::env::var("PORT") {
        Ok(port) => port.parse()?,
        Err(_) => 3000,
    };
    let app = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/events", get(events));
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    let addr = listener.local_addr()?;
    println!("open http://{addr}/ in a browser");
    println!("or: curl -N http://{addr}/events");
    axum::serve(listener, app).await?;
    Ok(())
}
