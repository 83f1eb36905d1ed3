//! # ssekit-htmx
//!
//! The Rust side of an htmx page, easy and hard to get wrong:
//!
//! - **One event catalogue** ([`sse_event!`], [`SseEvent`], [`markdown`]): declare each
//!   SSE event once; the server's event type and the page's `sse-swap="…"` /
//!   `hx-trigger="sse:…"` come from the same constant, so a misspelt name is a compile
//!   error instead of a page where nothing happens, and `SSE_EVENTS.md` is generated.
//! - **Fragments**: [`escape`] for user text in HTML and attributes; [`Oob`] for
//!   `hx-swap-oob` with each [`Swap`] strategy.
//! - **Requests**: [`HxRequest`] reads the `HX-*` headers (an axum extractor with feature
//!   `axum`); [`vary_on_hx_request`] for responses that differ for htmx.
//! - **Responses**: [`HxResponse`] sets `HX-Trigger` ([`Trigger`]), `HX-Redirect`,
//!   `HX-Location`, `HX-Refresh`, `HX-Retarget`, `HX-Reswap`, `HX-Push-Url`,
//!   `HX-Replace-Url` and `HX-Reselect`, each value checked (an error, never a panic).
//! - **Streamed HTML**: [`HtmlStream`] for a page rendered as it is computed.
//! - **Live regions**: [`LiveRegion`] writes the element htmx's SSE extension keeps live,
//!   resuming where the page was rendered; [`LIVE_SCRIPT`] (served with
//!   [`live_script_response`]) keeps it right when the extension reconnects after an HTTP
//!   error, when the page goes into the back/forward cache and comes back, and shows the
//!   stream's state.
//!
//! Nothing here needs a template engine: `format!`, a `String`, maud or askama all work,
//! since the helpers are `Display` values and plain strings.
//!
//! ## A live list with htmx's SSE extension
//!
//! ```
//! use ssekit_htmx::{Oob, Payload, Swap, escape, sse_event};
//!
//! sse_event! {
//!     /// A new notification, appended to the list.
//!     pub const NOTIFICATION = {
//!         name: "notification",
//!         channel: "/events/notifications",
//!         payload: Payload::Html("an out-of-band `<li>`"),
//!         description: "A new notification.",
//!     };
//! }
//!
//! // The page: the extension connects, and swaps each `notification` event's data.
//! let page = format!(
//!     r#"<div hx-ext="sse" sse-connect="{}"><div {}></div><ul id="notifications"></ul></div>"#,
//!     NOTIFICATION.channel(),
//!     NOTIFICATION.sse_swap(),
//! );
//! assert!(page.contains(r#"sse-swap="notification""#));
//!
//! // The server: the fragment, appended out of band; user text escaped.
//! let text = "<b>Saved</b> & sent";
//! let fragment = format!(
//!     "<li {}>{}</li>",
//!     Oob::new(Swap::BeforeEnd).with_selector("#notifications"),
//!     escape(text)
//! );
//! let item = (NOTIFICATION, fragment); // a stream item for ssekit-axum, or a hub event
//! assert_eq!(item.1, r##"<li hx-swap-oob="beforeend:#notifications">&lt;b&gt;Saved&lt;/b&gt; &amp; sent</li>"##);
//! ```
//!
//! ## When to use WebSocket instead
//!
//! SSE carries server-to-client events over plain HTTP: it passes proxies, reconnects and
//! resumes by itself (`Last-Event-ID`), and the client talks back with ordinary requests
//! (`hx-post`). That fits notifications, feeds, dashboards, progress and most chats. Use a
//! WebSocket when the client sends a steady stream too (a game, collaborative editing with
//! keystrokes, audio), or needs binary frames both ways. axum has it built in (feature
//! `ws`); no framework is needed:
//!
//! ```
//! use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
//! use axum::{Router, response::Response, routing::get};
//!
//! async fn echo(upgrade: WebSocketUpgrade) -> Response {
//!     upgrade.on_upgrade(|mut socket: WebSocket| async move {
//!         while let Some(Ok(message)) = socket.recv().await {
//!             if let Message::Text(text) = message {
//!                 if socket.send(Message::Text(text)).await.is_err() {
//!                     break; // the client went away
//!                 }
//!             }
//!         }
//!     })
//! }
//!
//! let app: Router = Router::new().route("/ws", get(echo));
//! ```
//!
//! htmx's `ws` extension (`hx-ext="ws" ws-connect="/ws"`) then swaps the HTML messages the
//! server sends, as `sse-swap` does for events.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `axum` | no | [`HxRequest`] as an axum extractor; [`HxResponse`] and `VaryHxRequest` as response parts; [`HtmlStream`] as a response |
#![cfg_attr(docsrs, feature(doc_cfg))]

mod catalogue;
mod fragment;
mod html_stream;
mod live;
mod request;
mod response;
mod swap;

pub use catalogue::{Attribute, NameError, Payload, SseEvent, markdown};
pub use fragment::{Escaped, Oob, escape};
pub use html_stream::HtmlStream;
pub use live::{LAST_EVENT_ID_PARAM, LIVE_SCRIPT, LiveRegion, live_script_response};
#[cfg(feature = "axum")]
pub use request::VaryHxRequest;
pub use request::{
    HX_BOOSTED, HX_CURRENT_URL, HX_HISTORY_RESTORE_REQUEST, HX_PROMPT, HX_REQUEST, HX_TARGET,
    HX_TRIGGER, HX_TRIGGER_NAME, HxRequest, vary_on_hx_request,
};
pub use response::{HeaderError, HxResponse, Trigger};
pub use swap::Swap;
