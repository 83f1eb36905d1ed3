//! Chat: rooms are hub topics. A message posted in one tab reaches every tab of the room
//! once, the sender's included, through the stream (the post itself returns nothing).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use serde::Deserialize;
use ssekit_core::{Decoded, Decoder, EncodedEvent};
use ssekit_htmx::escape;
use ssekit_hub::PublishError;

use crate::catalogue::MESSAGE;
use crate::{Demo, layout};

/// A room's name, if it is a plain one (letters, digits, `-`; at most 32).
pub fn room(name: &str) -> Option<&str> {
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-';
    (!name.is_empty() && name.len() <= 32 && name.chars().all(plain)).then_some(name)
}

/// Messages a page shows when it opens: the room's last ones.
const HISTORY: usize = 50;

/// A message event's HTML (its data, escaped when it was posted), read back with
/// ssekit-core's decoder.
fn message_html(event: &EncodedEvent) -> Option<String> {
    Decoder::new()
        .feed(event.as_bytes())
        .find_map(|item| match item {
            Ok(Decoded::Event(event)) if event.event_type() == MESSAGE.name() => {
                Some(event.data().to_owned())
            }
            _ => None,
        })
}

/// `GET /chat/{room}`: the room's last messages, then live.
pub async fn page(
    State(demo): State<Demo>,
    Path(name): Path<String>,
) -> Result<Html<String>, StatusCode> {
    let room = room(&name).ok_or(StatusCode::NOT_FOUND)?;
    // The room's last messages, and where its stream goes on from them: read at one
    // instant, so nothing falls between the page and the stream, nor comes twice.
    let recent = demo.hub.recent(&format!("chat:{room}"), HISTORY);
    let messages: String = recent.events.iter().filter_map(message_html).collect();
    let body = format!(
        r#"<p>Rooms: <a href="/chat/lobby">lobby</a> <a href="/chat/rust">rust</a></p>
<ul id="messages" {swap} hx-swap="beforeend">{messages}</ul>
{form}"#,
        swap = MESSAGE.sse_swap(),
        form = form(room, "guest", "", None),
    );
    let channel = format!("/events/chat/{room}");
    let live = layout::live(&channel, &recent.last_event_id.to_string(), &body);
    Ok(layout::page(&format!("Chat: {room}"), &live))
}

/// A posted message.
#[derive(Debug, Deserialize)]
pub struct Post {
    name: String,
    text: String,
}

/// The message form: the name kept, the text as given (kept when it was refused), and
/// why it was refused. A post answers with the form again (htmx swaps it in place): the
/// page says what happened without any script, and nothing goes to the console.
fn form(room: &str, name: &str, text: &str, error: Option<&str>) -> String {
    let error = error.map_or(String::new(), |why| {
        format!(r#"<p class="error" role="alert">{}</p>"#, escape(why))
    });
    format!(
        r#"<form hx-post="/chat/{room}" hx-swap="outerHTML">
<input name="name" placeholder="your name" value="{name}">
<input name="text" placeholder="message" required autocomplete="off" value="{text}">
<button>Send</button>{error}
</form>"#,
        name = escape(name),
        text = escape(text),
    )
}

/// The longest message, in bytes.
const MAX_TEXT: usize = 2000;
/// The longest name, in bytes.
const MAX_NAME: usize = 64;

/// `POST /chat/{room}`: publishes the message, its text escaped; answers with the form,
/// empty, or with the text kept and why it was not sent.
pub async fn post(
    State(demo): State<Demo>,
    Path(name): Path<String>,
    Form(post): Form<Post>,
) -> Result<Html<String>, StatusCode> {
    let room = room(&name).ok_or(StatusCode::NOT_FOUND)?;
    let (who, text) = (post.name.trim(), post.text.trim());
    let refused = |why: &str| Ok(Html(form(room, who, &post.text, Some(why))));
    if text.is_empty() {
        return refused("Write something first.");
    }
    if text.len() > MAX_TEXT {
        return refused("At most 2,000 characters, please.");
    }
    if who.len() > MAX_NAME {
        return refused("A name of at most 64 characters, please.");
    }
    let html = format!("<li><b>{}</b>: {}</li>", escape(who), escape(text));
    match demo
        .hub
        .publish_async(&format!("chat:{room}"), (MESSAGE, html))
        .await
    {
        Ok(_) => Ok(Html(form(room, who, "", None))),
        Err(PublishError::Unknown(_)) => {
            refused("Not confirmed: it may still appear. Send it again only if it does not.")
        }
        Err(_) => refused("Not sent: the server could not store it. Try again."),
    }
}
