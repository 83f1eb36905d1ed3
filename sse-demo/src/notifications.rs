//! Notifications: a background thread publishes; each event appends an `<li>` out of band
//! and updates the unread count.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Html;
use ssekit_htmx::{Oob, Swap, escape};

use crate::catalogue::{NOTIFICATION, UNREAD};
use crate::{Demo, Versioned, layout};

/// `GET /notifications`.
pub async fn page(State(demo): State<Demo>) -> Result<Html<String>, StatusCode> {
    // The count and the event that set it, read together: the stream starts right after.
    let unread = demo.read(|state| state.unread()).await?;
    let resume = demo.resume_after(unread.changed);
    let unread = unread.value;
    let body = format!(
        r#"<p>Unread: <span id="unread" {unread_swap}>{unread}</span>
<button hx-post="/notifications/read" hx-swap="none">Mark all read</button>
<button hx-post="/notifications/new" hx-swap="none">Notify me now</button></p>
<div {swap} hx-swap="none"></div>
<ul id="notifications"></ul>"#,
        unread_swap = UNREAD.sse_swap(),
        swap = NOTIFICATION.sse_swap(),
    );
    let live = layout::live("/events/notifications", &resume, &body);
    Ok(layout::page("Notifications", &live))
}

/// Publishes one notification: the new `<li>` (on top) and the unread count, both out of
/// band. The
/// count is published while the demo's write lock is held, so tabs see the counts in order.
pub fn notify(demo: &Demo, text: &str) {
    let Ok(_writing) = demo.state.lock() else {
        tracing::debug!("notification not published: the state is unavailable");
        return;
    };
    let Ok(unread) = demo.state.unread() else {
        return;
    };
    let count = unread.value + 1;
    let fragment = format!(
        r#"<div {append}><li>{text}</li></div><span id="unread" {replace}>{unread}</span>"#,
        append = Oob::new(Swap::AfterBegin).with_selector("#notifications"), // newest on top
        text = escape(text),
        replace = Oob::new(Swap::InnerHtml), // keeps the span and its own sse-swap
        unread = count,
    );
    match demo.hub.publish("notifications", (NOTIFICATION, fragment)) {
        Ok(id) => {
            if let Err(error) = demo.state.set_unread(&Versioned::new(count, id)) {
                tracing::warn!(%error, "unread count published but not stored");
            }
        }
        Err(error) => tracing::debug!(%error, "notification not published"),
    }
}

/// `POST /notifications/new`: one notification now.
pub async fn new(State(demo): State<Demo>) -> StatusCode {
    Demo::blocking(move || {
        notify(&demo, "You asked for this one");
        StatusCode::NO_CONTENT
    })
    .await
    .unwrap_or_else(|status| status)
}

/// `POST /notifications/read`: the count goes back to 0, in every tab.
pub async fn read(State(demo): State<Demo>) -> StatusCode {
    Demo::blocking(move || read_now(&demo))
        .await
        .unwrap_or_else(|status| status)
}

fn read_now(demo: &Demo) -> StatusCode {
    let Ok(_writing) = demo.state.lock() else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    match demo.hub.publish("notifications", (UNREAD, "0")) {
        Ok(id) => match demo.state.set_unread(&Versioned::new(0, id)) {
            Ok(()) => StatusCode::NO_CONTENT,
            Err(_) => StatusCode::SERVICE_UNAVAILABLE,
        },
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The background producer: a plain OS thread (no runtime handle needed to publish), one
/// notification every `every`, until the hub is closed. On several instances only the one
/// that holds the producers' lease publishes (another takes over within three periods if
/// it dies), and build numbers are counted once for all.
pub fn start_producer(demo: Demo, every: Duration) {
    std::thread::spawn(move || {
        while !demo.hub.is_closed() {
            std::thread::sleep(every);
            if !demo.state.lead(every * 3) {
                continue;
            }
            if let Ok(n) = demo.state.next_build() {
                notify(&demo, &format!("Build #{n} passed (on {})", demo.name()));
            }
        }
    });
}
