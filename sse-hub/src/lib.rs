//! # ssekit-hub
//!
//! One publisher, many Server-Sent Events clients: topics, bounded per-client backlogs,
//! gap-free replay from `Last-Event-ID`, and a shutdown that does not hang.
//!
//! - **Publish from anywhere.** [`Hub`] is `Clone + Send + Sync`; [`Hub::publish`] is a
//!   plain call (no `async`, no runtime handle) that never waits for a client;
//!   [`Hub::publish_async`] is its async form, for a shared log.
//! - **Encode once.** Each event is encoded once by ssekit-core into an
//!   [`EncodedEvent`](ssekit_core::EncodedEvent); every subscriber gets the same shared bytes.
//! - **Ids and replay.** The hub gives each event its SSE `id` ([`EventId`]: a random epoch
//!   per hub, then a sequence number), keeps a bounded history per topic, and
//!   [`Hub::subscribe`] replays what a reconnecting client missed, then goes live, with no
//!   gap and no duplicate. An id it cannot resume from gets a **reset** event first, never
//!   a silent hole.
//! - **Slow clients.** A client that falls too far behind is disconnected (after the
//!   events it was sent); its browser reconnects and the replay fills the gap. Nothing is
//!   dropped silently. [`Message::with_coalescing_key`] coalesces progress-style events instead.
//! - **Targets.** Everyone on a topic, everyone but some connections, one connection, or
//!   the connections whose metadata matches ([`Target`]).
//! - **Shutdown.** [`Hub::close`] ends every stream at once.
//! - **Runtime-agnostic.** [`Subscription`] is a `futures_core::Stream` that needs no
//!   particular runtime; the history sits behind [`Store`] ([`MemoryStore`] by default).
//! - **Several servers.** [`Hub::new_with_backplane`] puts the hub on a shared log that
//!   gives the ids and feeds every hub on it, through one public trait, [`Backplane`]:
//!   Redis Streams is built in (below); `tests/backplane.rs` writes another against the
//!   public API only.
//! - **Checked.** The delivery protocol (wake-ups, the merge of a ring and a queue, lag,
//!   close) is model-checked with loom: `RUSTFLAGS="--cfg loom" cargo test -p ssekit-hub
//!   --release --test loom`.
//!
//! ## With axum
//!
//! A handler that resumes from the browser's `Last-Event-ID`, and a publisher on a plain
//! thread:
//!
//! ```
//! use axum::{Router, extract::State, http::StatusCode, routing::get};
//! use ssekit_axum::{LastEventId, Sse};
//! use ssekit_hub::{Hub, Subscription};
//!
//! async fn events(
//!     State(hub): State<Hub>,
//!     LastEventId(last): LastEventId,
//! ) -> Result<Sse<Subscription>, StatusCode> {
//!     let subscription = hub
//!         .subscribe(["news"], last.as_deref())
//!         .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?;
//!     Ok(Sse::new(subscription))
//! }
//!
//! let hub = Hub::default();
//! let publisher = hub.clone();
//! std::thread::spawn(move || {
//!     for n in 0..3 {
//!         let _ = publisher.publish("news", ("headline", format!("<li>story {n}</li>")));
//!     }
//! });
//! let app: Router = Router::new().route("/events", get(events)).with_state(hub.clone());
//! // On shutdown: `hub.close()` ends every open stream, so
//! // `axum::serve(..).with_graceful_shutdown(..)` returns at once.
//! # hub.close();
//! ```
//!
//! ## Without a server
//!
//! ```
//! use futures_util::StreamExt;
//! use ssekit_hub::Hub;
//!
//! # futures_util::FutureExt::now_or_never(async {
//! let hub: Hub = Hub::default();
//! let mut early = hub.subscribe(["news"], None)?;
//! let first = hub.publish("news", "one")?;
//! hub.publish("news", "two")?;
//! assert_eq!(early.next().await.map(|e| e.into_bytes()),
//!     Some(format!("id: {first}\ndata: one\n\n").into()));
//! // A client that saw "one" resumes after it: it gets "two" and then live events.
//! let mut resumed = hub.subscribe(["news"], Some(&first.to_string()))?;
//! let two = resumed.next().await.map(|e| e.into_bytes()).unwrap_or_default();
//! assert!(two.ends_with(b"data: two\n\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap_or(Ok(()))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## After a reset: what a client does
//!
//! A reset event (type `reset` by default, data `history-gone` or `unknown-id`, id the
//! hub's latest) says: the events between the client's last id and now are gone. A page
//! reloads (the demo does; see ssekit-htmx). A service reading the stream
//! (ssekit-hyper's `EventSource`):
//!
//! 1. keeps reading: the reset's id is its last event ID now, so a reconnect resumes
//!    after it, and the events after it arrive live;
//! 2. fetches the current state from the app's own source (what the stream keeps up to
//!    date) once the reset arrived, so that nothing between the two is lost;
//! 3. applies the events after it idempotently (by id, or by a version in the data): one
//!    may already be in the state it fetched.
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `redis` | no | `Hub::new_with_redis` and `Redis`: a Redis Streams backplane, so several servers share one order, one set of ids and one history; see below |
//!
//! ## Redis
//!
//! With feature `redis`, `Hub::new_with_redis` puts the hub on a Redis Streams
//! backplane (Redis 7 or later), with the same public API:
//!
//! - **Publishing** runs one Lua script that appends to one stream; Redis gives the id, so
//!   an id means the same thing on every server. Publishes go through one writer thread
//!   per hub that pipelines them: concurrent publishes, and the messages of
//!   [`Hub::send_all`], share round trips.
//! - **Outcomes are honest.** A publish returns once Redis stored the event. It fails with
//!   [`PublishError::Unavailable`] when it was never sent (Redis unreachable, no answer
//!   before it could be sent, the backlog full) or Redis refused it: it is not published,
//!   and no subscriber ever gets it. It fails with [`PublishError::Unknown`] when it was
//!   sent but no answer came within the timeout (a stalled Redis, a broken connection): it
//!   may be published. To retry without a duplicate, publish with
//!   [`Message::with_idempotency_key`]: a retry under the same key whose first attempt was
//!   stored returns the first attempt's id and stores nothing.
//! - **Never blocking the runtime.** [`Hub::publish`] blocks its thread for at most the
//!   timeout (`Redis::with_timeout`, 1 s by default); in async handlers use
//!   [`Hub::publish_async`] or [`Hub::send_async`]. A stalled Redis stalls only publishes;
//!   subscribing, replay and everything else stays local.
//! - **Delivery.** Each hub tails the stream on a connection of its own (`XREAD BLOCK`, on
//!   a plain thread) and delivers each event to its subscribers, encoding it once with its
//!   id. Subscribers stay connected while Redis is down; the tail resumes from its last id
//!   once it is back. A new hub loads the recent history first, so a client resumes on
//!   any server. One stream holds every topic, so one `Last-Event-ID` resumes several
//!   topics exactly. Events to one connection or by metadata stay on their server (they
//!   are not replayed), and carry the latest id.
//! - **Order.** One server's publishes are stored in the order they were made, across
//!   faults too: when the writer gives up a connection (a stalled network may still carry
//!   its commands), Redis closes it (`CLIENT KILL ID`) before anything is sent on the next.
//!   The Redis user needs the commands the hub runs: `EVALSHA` and `SCRIPT LOAD` (the
//!   script calls `EXISTS`, `GET`, `SET`, `XADD`, `XINFO`), `XREAD`, `XREVRANGE`, `XINFO`,
//!   `PING`, `CLIENT ID` and `CLIENT KILL` (`+@all` does; a managed Redis may forbid
//!   `CLIENT`). Without the last two the hub still works and says so once in its log,
//!   but after a network stall a publish reported unknown may be stored after later ones
//!   of the same server (`tests/redis_acl.rs`).
//!
//! ### Which ids resume
//!
//! Every id is `{generation}-{n}` ([`EventId::epoch`] is the generation, [`EventId::seq`]
//! the position): the stream's entries are numbered 1, 2, 3... within a generation, and
//! the generation is part of every id. A generation ends when the stream loses events:
//! Redis restarted without persistence, `FLUSHALL`, a failover to an empty replica, the
//! key deleted, the generation key deleted, or (seen by a hub's tail after a reconnect) a
//! stream that ends before events already delivered (a failover to a lagging replica, a
//! restart that lost its last writes). The next publish, or the first tail to notice,
//! starts a new generation with a fresh random number, atomically in Redis, once.
//!
//! So, on any server, a `Last-Event-ID`:
//! - of the live generation, within the history: **resumes** exactly (the rest of the
//!   history, then live);
//! - of the live generation but older than the history (trimmed by the history length or
//!   age, or lost in a gap): a **reset** event `history-gone`;
//! - of an older generation (its events may be lost), malformed, or from another hub: a
//!   **reset** event `unknown-id`;
//! - of the live generation but newer than this server has read (the client saw it on a
//!   faster server): nothing is replayed, and this server skips what its tail reads up
//!   to it.
//!
//! When a hub's tail sees a new generation, every subscriber of that hub gets a reset
//! event (`history-gone`) whose id is the new generation's start (so a client resumes
//! the new generation from its beginning), and the tail reads the new generation from
//! its start, exactly once. A restart that kept its data (an append-only file, a
//! failover to an up-to-date replica) keeps the generation: clients resume with nothing
//! lost and nothing reset. The tests in `tests/redis_faults.rs` drive each of these
//! faults against a real `redis-server`. [`Backplane`] says what any backplane must do
//! for the same promises.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backplane;
mod config;
mod error;
mod history;
mod hub;
mod id;
mod log_store;
mod memory;
mod message;
mod pending;
mod publish;
mod queue;
#[cfg(feature = "redis")]
mod redis;
mod ring;
mod stats;
mod store;
mod subscription;
mod sync;
#[cfg(test)]
mod testing;

pub use backplane::{Append, Appending, Backplane, BackplaneError, Feed, LogEvent, Snapshot};
pub use config::Config;
pub use error::{FinalEventError, PublishError, SubscribeError};
pub use history::HistoryUsage;
pub use hub::{Hub, Recent};
pub use id::{ConnectionId, EventId};
pub use memory::MemoryStore;
pub use message::{Message, Target};
pub use publish::Publish;
pub use queue::EndReason;
#[cfg(feature = "redis")]
pub use redis::{Redis, RedisError};
pub use stats::{ConnectionInfo, Stats};
pub use store::{Entry, ResetReason, Store, Topic};
pub use subscription::Subscription;

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>() {}

    /// Handles go to threads and handlers; subscriptions into response bodies.
    #[test]
    fn handles_and_subscriptions_are_send_and_sync() {
        send_sync::<Hub>();
        send_sync::<Hub<String>>();
        send_sync::<Subscription>();
        send_sync::<PublishError>();
    }
}
