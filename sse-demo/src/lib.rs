//! # sse-demo
//!
//! The workspace's live htmx demo: `cargo run -p sse-demo`. Six pages, each a few dozen
//! lines, on one [`Hub`]: notifications from a background thread, a chat with rooms, a
//! job's progress, a dashboard of the server's own traffic, a todo list shared by every
//! tab, and the hub's own registry.
//!
//! In memory by default; with `--redis URL`, the hub and what pages render
//! ([`SharedState`]) live in Redis, so any number of instances behind one address render
//! the same pages: the background producers run on one instance at a time (a lease in
//! Redis, taken over within three periods when its holder dies), and the dashboard and
//! connections pages show the instance that served them. The vendored htmx 2 and htmx-ext-sse 2 scripts are served by the demo
//! itself. Every event name comes from one catalogue ([`catalogue`]), documented in
//! `SSE_EVENTS.md`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use ssekit_axum::server::Server;
use ssekit_hub::{Config, EventId, Hub};

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
pub mod shared;
mod shared_redis;
mod todo;

pub use shared::{SharedState, Unavailable, Versioned};

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

/// The demo's state: the hub, what pages render ([`SharedState`]), and this server's jobs.
#[derive(Clone)]
pub struct Demo {
    /// The hub every page's stream comes from.
    pub hub: Hub,
    /// What pages render: in memory, or in Redis with the hub (`--redis`).
    pub state: Arc<dyn SharedState>,
    /// This instance's name, on the connections page.
    name: Arc<str>,
    jobs: Arc<progress::Jobs>,
}

impl Demo {
    /// A demo with its own in-memory hub and state; reset events get the catalogue's name.
    /// Its producers start with [`start_producers`](Self::start_producers), at their pace.
    pub fn new(config: Config) -> Self {
        Self::on(
            Hub::new(Self::config(config)),
            Arc::new(shared::Memory::default()),
        )
    }

    /// A demo whose hub and state are on the Redis at `url`: run several, behind one
    /// address or not, and every tab sees the same pages and every event, resuming on
    /// whichever server it reaches; the background producers run on one of them at a time.
    ///
    /// # Errors
    ///
    /// When Redis cannot be reached.
    pub fn new_with_redis(config: Config, url: &str) -> Result<Self, ssekit_hub::RedisError> {
        let hub = Hub::new_with_redis(Self::config(config), ssekit_hub::Redis::new(url))?;
        // Unique to this demo (two in one process too): the holder of locks and leases.
        static DEMOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nth = DEMOS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let me = format!("{}-{nth}-{started}", std::process::id());
        let state = shared_redis::RedisState::new(url, &me).map_err(ssekit_hub::RedisError::new)?;
        Ok(Self::on(hub, Arc::new(state)))
    }

    /// Names this instance (on the connections page; by default its process id).
    #[must_use]
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = Arc::from(name);
        self
    }

    /// This instance's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The topic of a page that shows this instance only (its registry, its traffic).
    pub(crate) fn own_topic(&self, page: &str) -> String {
        format!("{page}@{}", self.name)
    }

    /// `config`, with the catalogue's reset event.
    fn config(config: Config) -> Config {
        config
            .with_reset_event_type(catalogue::RESET)
            .unwrap_or_else(|_| Config::default())
    }

    fn on(hub: Hub, state: Arc<dyn SharedState>) -> Self {
        Demo {
            jobs: Arc::default(),
            hub,
            state,
            name: Arc::from(format!("pid {}", std::process::id())),
        }
    }

    /// Starts the background producers (three threads and two tasks; needs a tokio
    /// runtime): notifications, the dashboard, the connections table, and the job workers.
    /// They stop when the hub is closed.
    pub fn start_producers(&self, pace: Pace) {
        notifications::start_producer(self.clone(), pace.notification);
        progress::start_workers(self, pace.job_step);
        dashboard::start_producer(self.clone(), pace.tick);
        connections::start_producer(self.clone(), pace.tick);
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

    /// A server for the demo on `listener` (ssekit-hyper's, through ssekit-axum): its shutdown
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

    /// Where the stream of a page rendered from state last `changed` by that event starts:
    /// right after it. A change published but not yet kept in the state (its writer holds
    /// the write lock) is then replayed to the page; one ahead of this hub's
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

    /// Reads the shared state with `read` off the runtime's threads (on Redis it may wait);
    /// 503 when it cannot be read.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&dyn SharedState) -> Result<T, Unavailable> + Send + 'static,
    ) -> Result<T, StatusCode> {
        let state = Arc::clone(&self.state);
        Self::blocking(move || read(&*state))
            .await?
            .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)
    }

    /// Runs `work` on tokio's blocking threads: work that waits for Redis (the state, or a
    /// publish: at most a second each) never holds up the runtime.
    pub(crate) async fn blocking<T: Send + 'static>(
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, StatusCode> {
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// `GET /`: what each page shows, and what to try.
async fn home(State(_): State<Demo>) -> Html<String> {
    layout::page(
        "Server-Sent Events with htmx",
        r#"<div class="card">
<p>Every page is live: the server pushes events and htmx swaps them in, with no script of
your own. Open a page in two tabs and watch them stay in step; stop the server and start it
again, and each tab picks up where it left off, nothing lost and nothing twice.</p>
<dl class="pages">
<dt><a href="/notifications">Notifications</a></dt><dd>A build notification every few seconds and an unread count. Try: mark all read in one tab.</dd>
<dt><a href="/chat/lobby">Chat</a></dt><dd>Rooms with their recent history. Try: post in one tab, read in another, reload.</dd>
<dt><a href="/progress">Progress</a></dt><dd>Jobs on a small pool, each with its own bar. Try: start five at once.</dd>
<dt><a href="/dashboard">Dashboard</a></dt><dd>This server's own traffic, charted live. Try: open more tabs and watch deliveries climb.</dd>
<dt><a href="/todo">Todo</a></dt><dd>One list shared by every tab. Try: add and tick items in two windows.</dd>
<dt><a href="/connections">Connections</a></dt><dd>The hub's registry of open streams. Try: open and close tabs.</dd>
</dl>
</div>"#,
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
/// ssekit-htmx's script for live regions.
async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> axum::response::Response {
    const JS: &str = "text/javascript; charset=utf-8";
    if file == "demo.css" {
        let css = include_str!("../assets/demo.css");
        return ([(CONTENT_TYPE, "text/css; charset=utf-8")], css).into_response();
    }
    let body = match file.as_str() {
        "htmx.min.js" => include_str!("../assets/vendor/htmx.org-2.0.11/htmx.min.js"),
        "sse.js" => include_str!("../assets/vendor/htmx-ext-sse-2.2.4/sse.js"),
        "sse-live.js" => return ssekit_htmx::live_script_response().into_response(),
        "demo.js" => include_str!("../assets/demo.js"),
        _ => return axum::http::StatusCode::NOT_FOUND.into_response(),
    };
    ([(CONTENT_TYPE, JS)], body).into_response()
}
