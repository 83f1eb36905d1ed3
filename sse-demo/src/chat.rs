//! Chat: rooms are hub topics. A message posted in one tab reaches every tab of the room
//! once, the sender's included, through the stream (the post itself returns nothing).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use serde::Deserialize;
use sse_htmx::escape;

use crate::catalogue::MESSAGE;
use crate::{Demo, layout};

/// A room's name, if it is a plain one (letters, digits, `-`; at most 32).
pub fn room(name: &str) -> Option<&str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-';
    (!name.is_empty() && name.len() <= 32 && name.chars().all(plain)).then_some(name)
}

/// `GET /chat/{room}`.
pub async fn page(
    State(demo): State<Demo>,
    Path(name): Path<String>,
) -> Result<Html<String>, StatusCode> {
    let room = room(&name).ok_or(StatusCode::NOT_FOUND)?;
    let body = format!(
        r#"<p>Rooms: <a href="/chat/lobby">lobby</a> <a href="/chat/rust">rust</a></p>
<ul id="messages" {swap} hx-swap="beforeend"></ul>
<form hx-post="/chat/{room}" hx-swap="none" hx-on::after-request="if (event.detail.successful) this.text.value = ''">
<input name="name" placeholder="your name" value="guest">
<input name="text" placeholder="message" required autocomplete="off">
<button>Send</button>
</form>"#,
        swap = MESSAGE.sse_swap(),
    );
    let channel = format!("/events/chat/{room}");
    let live = layout::live(&channel, &demo.hub.last_id().to_string(), &body);
    Ok(layout::page(&format!("Chat: {room}"), &live))
}

/// A posted message.
#[derive(Debug, Deserialize)]
pub struct Post {
    name: String,
    text: String,
}

/// `POST /chat/{room}`: publishes the message, its text escaped.
pub async fn post(
    State(demo): State<Demo>,
    Path(name): Path<String>,
    Form(post): Form<Post>,
) -> StatusCode {
    let Some(room) = room(&name) else {
        return StatusCode::NOT_FOUND;
    };
    let (who, text) = (post.name.trim(), post.text.trim());
    if text.is_empty() || text.len() > 2000 || who.len() > 64 {
        return StatusCode::UNPROCESSABLE_ENTITY;
    }
    let html = format!("<li><b>{}</b>: {}</li>", escape(who), escape(text));
    match demo
        .hub
        .publish_async(&format!("chat:{room}"), (MESSAGE, html))
        .await
    {
        Ok(_) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}
