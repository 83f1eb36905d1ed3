//! Todo: adding or completing a todo in one tab updates every tab, out of band.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use serde::{Deserialize, Serialize};
use ssekit_htmx::{Oob, Swap, escape};

use crate::catalogue::TODO;
use crate::{Demo, Versioned, layout};

/// One todo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    id: u64,
    text: String,
    done: bool,
}

impl Todo {
    /// Its `<li>`, with `extra` attributes.
    fn html(&self, extra: &str) -> String {
        let checked = if self.done { " checked" } else { "" };
        format!(
            r#"<li id="todo-{id}" {extra}><label><input type="checkbox" hx-post="/todo/{id}/toggle" hx-swap="none"{checked}> {text}</label></li>"#,
            id = self.id,
            text = escape(&self.text),
        )
    }
}

/// `GET /todo`: the list as it is, and the stream from exactly then.
pub async fn page(State(demo): State<Demo>) -> Result<Html<String>, StatusCode> {
    let todos = demo.read(|state| state.todos()).await?;
    let items: String = todos.value.iter().map(|t| t.html("")).collect();
    let resume = demo.resume_after(todos.changed);
    let body = format!(
        r#"{form}
<div {swap} hx-swap="none"></div>
<ul id="todos">{items}</ul>"#,
        form = form("", None),
        swap = TODO.sse_swap(),
    );
    let live = layout::live("/events/todo", &resume, &body);
    Ok(layout::page("Todo", &live))
}

/// A new todo.
#[derive(Debug, Deserialize)]
pub struct New {
    text: String,
}

/// Todos on the list at most: one more is refused.
pub const MAX_TODOS: usize = 100;
/// The longest todo, in bytes.
const MAX_TEXT: usize = 500;

/// The form: empty, or with the text kept and why it was not added. A post answers with
/// it (htmx swaps it in place).
fn form(text: &str, error: Option<&str>) -> String {
    let error = error.map_or(String::new(), |why| {
        format!(r#"<p class="error" role="alert">{}</p>"#, escape(why))
    });
    format!(
        r#"<form hx-post="/todo" hx-swap="outerHTML">
<input name="text" placeholder="something to do" required autocomplete="off" value="{text}"> <button>Add</button>{error}
</form>"#,
        text = escape(text),
    )
}

/// `POST /todo`: adds it, and every tab appends it; answers with the form.
pub async fn add(
    State(demo): State<Demo>,
    Form(new): Form<New>,
) -> Result<Html<String>, StatusCode> {
    let text = new.text.clone();
    let added = Demo::blocking(move || add_now(&demo, &new)).await?;
    Ok(Html(match added {
        Ok(()) => form("", None),
        Err(why) => form(&text, Some(why)),
    }))
}

/// Adds a todo, or says why not.
fn add_now(demo: &Demo, new: &New) -> Result<(), &'static str> {
    let text = new.text.trim();
    if text.is_empty() {
        return Err("Write something first.");
    }
    if text.len() > MAX_TEXT {
        return Err("At most 500 characters, please.");
    }
    const NOT_ADDED: &str = "Not added: the server could not store it. Try again.";
    let _writing = demo.state.lock().map_err(|_| NOT_ADDED)?;
    let mut list = demo.state.todos().map_err(|_| NOT_ADDED)?.value;
    if list.len() >= MAX_TODOS {
        return Err("The list is full: 100 todos at most.");
    }
    let todo = Todo {
        // One more than the highest: ids are never reused while the list lives.
        id: list.iter().map(|t| t.id).max().unwrap_or(0) + 1,
        text: text.to_owned(),
        done: false,
    };
    let append = Oob::new(Swap::BeforeEnd).with_selector("#todos");
    let fragment = format!("<div {append}>{}</div>", todo.html(""));
    list.push(todo);
    match publish(demo, list, fragment) {
        StatusCode::NO_CONTENT => Ok(()),
        _ => Err(NOT_ADDED),
    }
}

/// `POST /todo/{id}/toggle`: done or not; every tab replaces its `<li>`.
pub async fn toggle(State(demo): State<Demo>, Path(id): Path<u64>) -> StatusCode {
    Demo::blocking(move || toggle_now(&demo, id))
        .await
        .unwrap_or_else(|status| status)
}

fn toggle_now(demo: &Demo, id: u64) -> StatusCode {
    let Ok(_writing) = demo.state.lock() else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let Ok(Versioned {
        value: mut list, ..
    }) = demo.state.todos()
    else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let Some(todo) = list.iter_mut().find(|t| t.id == id) else {
        return StatusCode::NOT_FOUND;
    };
    todo.done = !todo.done;
    let fragment = todo.html(&Oob::by_id().to_string());
    publish(demo, list, fragment)
}

/// Publishes a change (the caller holds the write lock) and keeps the new list only once
/// it is published: every tab and the list stay in step.
fn publish(demo: &Demo, list: Vec<Todo>, fragment: String) -> StatusCode {
    let Ok(id) = demo.hub.publish("todo", (TODO, fragment)) else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    match demo.state.set_todos(&Versioned::new(list, id)) {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(error) => {
            // Published, not kept: tabs have it; a page rendered later will not.
            tracing::warn!(%error, "todo published but not stored");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}
