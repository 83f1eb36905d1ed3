//! The server under test (`hub_load server --flavour hub|broadcast|floor|bare|ready`): an axum app on
//! `127.0.0.1:0` streaming [`EVENTS_PATH`], and a publisher on a plain thread.
//!
//! - `hub`: `ssekit_axum::Sse` over `ssekit_hub::Subscription`s of one [`Hub`] (default config:
//!   256 events per subscriber's queue, 1024 kept for replay); a reconnecting client's
//!   `Last-Event-ID` is honoured.
//! - `broadcast`: what axum users write today: `axum::response::sse::{Sse, Event}` with
//!   `KeepAlive::default()` over `tokio_stream::wrappers::BroadcastStream` on a
//!   `tokio::sync::broadcast` channel of [`BROADCAST_CAPACITY`] `Tick`s (an id and a `String`
//!   of data), skipping `Lagged` errors; each connection builds its own `Event` from every
//!   tick.
//!
//! - `bare`: the CPU floor, plain tokio with no HTTP framework ([`super::bare`]).
//! - `ready`: the `hub` app served by ssekit-hyper's ready server (`ssekit_axum::server::Server`)
//!   instead of `axum::serve`: HTTP/1.1, and HTTP/2 without TLS (h2c prior knowledge).
//!
//! Both send the same event type and data, with an id; keep-alive is on (every 15 s) in both.
//!
//! It prints `listening <addr> workers <n>` on its standard output, then takes commands, one
//! per line, on its standard input:
//!
//! - `start <events per second>`: publishes at that rate, each event's data carrying its
//!   sequence number and publish time ([`event_data`]), until `stop` (or [`MAX_PUBLISH`]);
//! - `stop`: stops publishing and prints `published <events> <seconds>`;
//! - `quit`, or the end of its input (the driver went away): exits.
//!
//! It exits by itself after [`MAX_LIFETIME`] whatever happens.

use std::convert::Infallible;
use std::io::{BufRead as _, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive};
use axum::routing::get;
use ssekit_hub::{Hub, Subscription};
use tokio::sync::broadcast;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::{EVENT_TYPE, EVENTS_PATH, Flavour, TOPIC, event_data, now_nanos};

/// The broadcast channel's capacity: as many events as the hub queues per subscriber.
pub const BROADCAST_CAPACITY: usize = ssekit_hub::Config::DEFAULT_QUEUE_CAPACITY;

/// Publishing stops by itself after this long.
pub const MAX_PUBLISH: Duration = Duration::from_secs(75);

/// The server exits by itself after this long.
pub const MAX_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The highest publish rate accepted.
pub const MAX_RATE: f64 = 1_000_000.0;

/// What the `broadcast` app sends through its channel.
#[derive(Debug, Clone)]
struct Tick {
    id: u64,
    data: String,
}

/// Where the publisher thread publishes.
#[derive(Clone)]
enum Publisher {
    Hub(Hub),
    Broadcast(broadcast::Sender<Tick>),
    /// Chunks framed once ([`super::bare`]).
    Bare(broadcast::Sender<bytes::Bytes>),
    Nothing,
}

impl Publisher {
    fn publish(&self, seq: u64) {
        let data = event_data(seq, now_nanos());
        match self {
            Publisher::Hub(hub) => {
                // Closed hub or invalid event: neither happens here; a miss shows in the
                // client's gap count.
                let _ = hub.publish(TOPIC, (EVENT_TYPE, data.as_str()));
            }
            Publisher::Broadcast(sender) => {
                // An error only means no client is connected.
                let _ = sender.send(Tick { id: seq, data });
            }
            Publisher::Bare(sender) => {
                let id = seq.to_string();
                let event = ssekit_core::Event::new()
                    .with_event_type(EVENT_TYPE)
                    .and_then(|event| event.with_id(id.as_str()))
                    .ok()
                    .and_then(|event| event.with_data(data.as_str()).to_encoded().ok());
                if let Some(event) = event {
                    // An error only means no client is connected.
                    let _ = sender.send(super::bare::chunk(event.as_bytes()));
                }
            }
            Publisher::Nothing => {}
        }
    }
}

async fn hub_events(
    State(hub): State<Hub>,
    ssekit_axum::LastEventId(last): ssekit_axum::LastEventId,
) -> Result<ssekit_axum::Sse<Subscription>, StatusCode> {
    hub.subscribe([TOPIC], last.as_deref())
        .map(ssekit_axum::Sse::new)
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)
}

async fn broadcast_events(State(sender): State<broadcast::Sender<Tick>>) -> impl IntoResponse {
    let events = BroadcastStream::new(sender.subscribe()).filter_map(|tick| match tick {
        Ok(tick) => Some(Ok::<_, Infallible>(
            Event::default()
                .event(EVENT_TYPE)
                .id(tick.id.to_string())
                .data(tick.data),
        )),
        Err(BroadcastStreamRecvError::Lagged(_)) => None,
    });
    axum::response::Sse::new(events).keep_alive(KeepAlive::default())
}

async fn floor_events() -> impl IntoResponse {
    axum::response::Sse::new(futures_util::stream::pending::<Result<Event, Infallible>>())
}

/// Runs the server until `quit`, the end of standard input, or [`MAX_LIFETIME`].
///
/// # Errors
///
/// When the runtime cannot start or the socket cannot be bound.
pub fn run(flavour: Flavour) -> std::io::Result<()> {
    std::thread::spawn(|| {
        std::thread::sleep(MAX_LIFETIME);
        eprintln!("hub_load server: {MAX_LIFETIME:?} reached, exiting");
        std::process::exit(3);
    });
    // One worker per CPU this process may use: 1 when pinned to one core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let workers = runtime.metrics().num_workers();
    runtime.block_on(async move {
        let (router, publisher) = match flavour {
            Flavour::Hub | Flavour::Ready => {
                let hub: Hub = Hub::default();
                let router = Router::new()
                    .route(EVENTS_PATH, get(hub_events))
                    .with_state(hub.clone());
                (router, Publisher::Hub(hub))
            }
            Flavour::Broadcast => {
                let (sender, _) = broadcast::channel(BROADCAST_CAPACITY);
                let router = Router::new()
                    .route(EVENTS_PATH, get(broadcast_events))
                    .with_state(sender.clone());
                (router, Publisher::Broadcast(sender))
            }
            Flavour::Floor => {
                let router = Router::new().route(EVENTS_PATH, get(floor_events));
                (router, Publisher::Nothing)
            }
            Flavour::Bare => (Router::new(), Publisher::Bare(super::bare::channel())),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "listening {addr} workers {workers}")?;
            out.flush()?;
        }
        if let Publisher::Bare(sender) = &publisher {
            let sender = sender.clone();
            std::thread::spawn(move || control(&publisher));
            return super::bare::serve(listener, sender).await;
        }
        std::thread::spawn(move || control(&publisher));
        if flavour == Flavour::Ready {
            return ssekit_axum::server::Server::from_listener(listener)
                .with_shutdown_signal(std::future::pending())
                .serve(router)
                .await;
        }
        axum::serve(listener, router).await
    })
}

/// A publishing thread: its stop flag, and its handle (events published, time taken).
type Running = (Arc<AtomicBool>, JoinHandle<(u64, Duration)>);

/// Reads the commands on standard input and runs the publisher.
fn control(publisher: &Publisher) {
    let mut running: Option<Running> = None;
    let stop = |running: &mut Option<Running>| {
        if let Some((flag, thread)) = running.take() {
            flag.store(true, Ordering::Relaxed);
            let (published, took) = thread.join().unwrap_or_default();
            println!("published {published} {:.3}", took.as_secs_f64());
        }
    };
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let mut words = line.split_whitespace();
        match (words.next(), words.next().map(str::parse::<f64>)) {
            (Some("start"), Some(Ok(rate))) if rate > 0.0 && rate <= MAX_RATE => {
                stop(&mut running);
                let flag = Arc::new(AtomicBool::new(false));
                let publisher = publisher.clone();
                let stop_flag = Arc::clone(&flag);
                let thread = std::thread::spawn(move || publish_at(&publisher, rate, &stop_flag));
                running = Some((flag, thread));
            }
            (Some("stop"), _) => stop(&mut running),
            (Some("quit"), _) => break,
            _ => eprintln!("hub_load server: unknown command {line:?}"),
        }
    }
    stop(&mut running);
    std::process::exit(0);
}

/// Publishes `rate` events per second on a fixed schedule (behind it, it catches up at
/// once) until `stop` is set or [`MAX_PUBLISH`] has passed; returns the events published and
/// the time taken.
fn publish_at(publisher: &Publisher, rate: f64, stop: &AtomicBool) -> (u64, Duration) {
    let start = Instant::now();
    let mut published = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        let elapsed = now - start;
        if elapsed >= MAX_PUBLISH {
            break;
        }
        let due = Duration::from_secs_f64(published as f64 / rate);
        if due > elapsed {
            // At most 50 ms at a time, so that `stop` is seen promptly at low rates.
            std::thread::sleep((due - elapsed).min(Duration::from_millis(50)));
            continue;
        }
        published += 1;
        publisher.publish(published);
    }
    (published, start.elapsed())
}
