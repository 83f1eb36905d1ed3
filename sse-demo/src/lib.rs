//! # sse-demo
//!
//! The workspace's live htmx demo: `cargo run -p sse-demo`. Six pages, each a few dozen
//! lines, on one in-memory [`Hub`]: notifications from a background thread, a chat with
//! rooms, a job's progress, a dashboard, a todo list shared by every tab, and the hub's
//! own registry. The vendored htmx 2 and htmx-ext-sse 2 scripts are served by the demo
//! itself. Every event name comes from one catalogue ([`catalogue`]), documented in
//! `SSE_EVENTS.md`.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use sse_axum::server::Server;
use sse_hub::{Config, EventId, Hub};

pub mod catalogue;
pub use notifications::notify;
mod chat;
mod connections;
mod dashboard;
mod events;
mod guard;
mod layout;
mod notifications;
mod progress;
mod todo;

/// How often the background producers publish, and how long a job's step takes.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Between two notifications.
    pub notification: Duration,
    /// Between two dashboard and registry updates.
    pub tick: Duration,
    /// One percent of a job.
    pub job_step: Duration,
}

impl Default for Pace {
    /// A notification every 5 s, the dashboard every second, a job in 3 s.
    fn default() -> Self {
        Pace {
            notification: Duration::from_secs(5),
            tick: Duration::from_secs(1),
            job_step: Duration::from_millis(30),
        }
    }
}

/// The demo's state: the hub and each page's own.
#[derive(Clone)]
pub struct Demo {
    /// The hub every page's stream comes from.
    pub hub: Hub,
    unread: Arc<Mutex<Versioned<u64>>>,
    todos: Arc<Mutex<Versioned<Vec<todo::Todo>>>>,
    /// Held by a change while it is published: one change at a time, in order.
    writing: Arc<Mutex<()>>,
    jobs: Arc<progress::Jobs>,
}

impl Demo {
    /// A demo with its own in-memory hub; reset events get the catalogue's name. Its
    /// producers start with [`start_producers`](Self::start_producers), at their pace.
    pub fn new(config: Config) -> Self {
        Self::on(Hub::new(Self::config(config)))
    }

    /// A demo whose hub is on the Redis at `url`: run several, behind one address or not,
    /// and every tab sees every event, resuming on whichever server it reaches.
    ///
    /// # Errors
    ///
    /// When Redis cannot be reached.
    pub fn new_with_redis(config: Config, url: &str) -> Result<Self, sse_hub::RedisError> {
        let hub = Hub::new_with_redis(Self::config(config), sse_hub::Redis::new(url))?;
        Ok(Self::on(hub))
    }

    /// `config`, with the catalogue's reset event.
    fn config(config: Config) -> Config {
        config
            .with_reset_event_type(catalogue::RESET)
            .unwrap_or_else(|_| Config::default())
    }

    fn on(hub: Hub) -> Self {
        let start = hub.last_id();
        Demo {
            unread: Arc::new(Mutex::new(Versioned::new(0, start))),
            todos: Arc::new(Mutex::new(Versioned::new(Vec::new(), start))),
            hub,
            writing: Arc::default(),
            jobs: Arc::new(progress::Jobs::new(start)),
        }
    }

    /// Starts the background producers (three threads and two tasks; needs a tokio
    /// runtime): notifications, the dashboard, the connections table, and the job workers.
    /// They stop when the hub is closed.
    pub fn start_producers(&self, pace: Pace) {
        notifications::start_producer(self.clone(), pace.notification);
        progress::start_workers(self, pace.job_step);
        dashboard::start_producer(self.hub.clone(), pace.tick);
        connections::start_producer(self.hub.clone(), pace.tick);
    }

    /// The routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(home))
            .route("/assets/{file}", get(asset))
            .route("/events/{*channel}", get(events::stream))
            .route("/notifications", get(notifications::page))
            .route("/notifications/new", post(notifications::new))
            .route("/notifications/read", post(notifications::read))
            .route("/chat/{room}", get(chat::page).post(chat::post))
            .route("/progress", get(progress::page))
            .route("/progress/start", post(progress::start))
            .route("/dashboard", get(dashboard::page))
            .route("/dashboard/status", get(dashboard::status))
            .route("/todo", get(todo::page).post(todo::add))
            .route("/todo/{id}/toggle", post(todo::toggle))
            .route("/connections", get(connections::page))
            .route("/favicon.ico", get(favicon))
            .layer(axum::middleware::from_fn(guard::same_origin))
            .layer(axum::middleware::from_fn(guard::headers))
            .with_state(self.clone())
    }

    /// A server for the demo on `listener` (sse-hyper's, through sse-axum): its shutdown
    /// (SIGTERM or SIGINT unless told otherwise) closes the hub, so open event streams end
    /// at once; a client that stops reading is closed after 30 s.
    pub fn server(&self, listener: tokio::net::TcpListener) -> Server {
        let hub = self.hub.clone();
        Server::from_listener(listener).on_shutdown(move || hub.close())
    }

    /// Serves on `listener` until `shutdown` completes; then closes the hub, so open event
    /// streams end at once and the server stops within a second.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.server(listener)
            .with_shutdown_signal(shutdown)
            .serve(self.router())
            .await
    }

    pub(crate) fn unread(&self) -> MutexGuard<'_, Versioned<u64>> {
        self.unread.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn todos(&self) -> MutexGuard<'_, Versioned<Vec<todo::Todo>>> {
        self.todos.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The right to change a page's state: held while the change is published (on Redis,
    /// up to the publish timeout), never by a page that only reads.
    pub(crate) fn writing(&self) -> MutexGuard<'_, ()> {
        self.writing.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where the stream of a page rendered from state last `changed` by that event starts:
    /// right after it. A change published but not yet kept in the state (its writer holds
    /// [`writing`](Self::writing)) is then replayed to the page; one ahead of this hub's
    /// Redis tail is skipped up to. A change of an older generation of the log (Redis lost
    /// its data since) counts for nothing: the stream starts at the latest event.
    pub(crate) fn resume_after(&self, changed: EventId) -> String {
        let delivered = self.hub.last_id();
        if changed.epoch() == delivered.epoch() {
            changed.to_string()
        } else {
            delivered.to_string()
        }
    }

    /// Runs `work` on tokio's blocking threads: work that waits for a publish (on Redis, at
    /// most its timeout) while it holds [`writing`](Self::writing) never holds up the
    /// runtime.
    pub(crate) async fn blocking<T: Send + 'static>(
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, StatusCode> {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// A page's state and the id of the event that last changed it (at first, the hub's
/// latest). A change is published under [`Demo::writing`] and kept once published.
#[derive(Debug)]
pub(crate) struct Versioned<T> {
    value: T,
    changed: EventId,
}

impl<T> Versioned<T> {
    fn new(value: T, changed: EventId) -> Self {
        Versioned { value, changed }
    }

    /// The new value, changed by event `id`.
    fn set(&mut self, value: T, id: EventId) {
        self.value = value;
        self.changed = id;
    }
}

/// `GET /`: the pages.
async fn home(State(_): State<Demo>) -> Html<String> {
    layout::page(
        "Server-Sent Events with htmx",
        "<p>Open a page in two tabs and watch them stay in step. Every event comes from one \
         <code>sse_hub::Hub</code>; reconnecting tabs resume from their <code>Last-Event-ID</code>.</p>",
    )
}

/// `GET /favicon.ico`: a small SVG (browsers ask for it on every first visit).
async fn favicon() -> axum::response::Response {
    const ICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#2a6"/><path d="M4 8h8M8 4v8" stroke="#fff" stroke-width="2"/></svg>"##;
    (
        [
            (CONTENT_TYPE, "image/svg+xml"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}

/// `GET /assets/{file}`: the vendored scripts (see `assets/vendor/README.md`), and
/// sse-htmx's script for live regions.
async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> axum::response::Response {
    const JS: &str = "text/javascript; charset=utf-8";
    let body = match file.as_str() {
        "htmx.min.js" => include_str!("../assets/vendor/htmx.org-2.0.11/htmx.min.js"),
        "sse.js" => include_str!("../assets/vendor/htmx-ext-sse-2.2.4/sse.js"),
        "sse-live.js" => return sse_htmx::live_script_response().into_response(),
        "demo.js" => include_str!("../assets/demo.js"),
        _ => return axum::http::StatusCode::NOT_FOUND.into_response(),
    };
    ([(CONTENT_TYPE, JS)], body).into_response()
}
