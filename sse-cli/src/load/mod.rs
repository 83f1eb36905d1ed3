//! The load client behind `sse bench`: many long-lived event streams to one server, each
//! counted (events, gaps and duplicates in their ids, reconnections, bytes, latency).
//!
//! [`run`] is the whole command: open the streams (at a ramp rate if asked), hold them for a
//! duration, and return a [`Summary`]. [`Load`] is the same in pieces, for a driver that
//! does more between the start and the end (the project's own load benchmarks warm up,
//! then measure a window of [`Totals`]).
//!
//! What is read in each event (the sequence number at the end of its id, a send time at
//! the start of its data) is described in [`stamp`]. One runtime thread carries every
//! stream: run it on a current-thread tokio runtime, and the load's CPU time is one core's.
//!
//! ```no_run
//! # async fn example() -> Result<(), ssekit_cli::load::LoadError> {
//! use std::time::Duration;
//! use ssekit_cli::load::{Config, run};
//!
//! let mut config = Config::new("http://127.0.0.1:3000/events".parse()?);
//! config.connections = 1_000;
//! config.duration = Duration::from_secs(10);
//! let summary = run(config, |progress| eprintln!("{progress}")).await?;
//! println!("{summary}");
//! # Ok(()) }
//! ```

pub mod chunked;
mod client;
mod counters;
pub mod histogram;
pub mod process;
pub mod stamp;
mod summary;
mod target;

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Uri};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

pub use client::{CONNECT_CONCURRENCY, MAX_ATTEMPTS, RETRY_DELAY, SETUP_TIMEOUT};
pub use counters::{Counters, Totals};
pub use histogram::Histogram;
pub use summary::{Connections, Events, Latency, Spread, Summary};

use client::Shared;
use target::Target;

/// The most streams one load opens.
pub const MAX_STREAMS: usize = 1_000_000;

/// What a load does.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The event stream's URL (http or https).
    pub url: Uri,
    /// Event streams to hold open (1 to [`MAX_STREAMS`]).
    pub connections: usize,
    /// How long [`run`] lasts, ramp included.
    pub duration: Duration,
    /// Streams opened per second; `None`: all at once (at most [`CONNECT_CONCURRENCY`]
    /// being set up at a time).
    pub ramp: Option<f64>,
    /// `Some(n)`: HTTP/2, `n` streams per connection (h2c for http URLs, ALPN h2 for
    /// https); `None`: HTTP/1.1, a connection per stream.
    pub http2: Option<usize>,
    /// Request headers sent on every request (beside the event-stream ones).
    pub headers: HeaderMap,
    /// The `Last-Event-ID` of every stream's first request (empty: none).
    pub last_event_id: String,
    /// A PEM file of CA certificates trusted beside the public roots.
    pub cacert: Option<PathBuf>,
    /// A stream on which nothing arrives for this long is reopened.
    pub idle_timeout: Duration,
}

impl Config {
    /// 100 streams over HTTP/1.1 for 10 s, all at once, no extra headers, an idle timeout of
    /// 45 s.
    pub fn new(url: Uri) -> Self {
        Config {
            url,
            connections: 100,
            duration: Duration::from_secs(10),
            ramp: None,
            http2: None,
            headers: HeaderMap::new(),
            last_event_id: String::new(),
            cacert: None,
            idle_timeout: Duration::from_secs(45),
        }
    }
}

/// Why a load could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadError {
    /// The URL is not one a load can stream from.
    Url(&'static str),
    /// Its host did not resolve.
    Resolve(String),
    /// The TLS client could not be made (e.g. an unreadable `cacert`).
    Tls(String),
    /// A setting out of range.
    Config(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Url(why) => f.write_str(why),
            LoadError::Resolve(why) => write!(f, "cannot resolve {why}"),
            LoadError::Tls(why) => write!(f, "TLS: {why}"),
            LoadError::Config(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for LoadError {}

impl From<http::uri::InvalidUri> for LoadError {
    fn from(_: http::uri::InvalidUri) -> Self {
        LoadError::Url("not a URL")
    }
}

/// A progress report, once a second while [`run`] runs.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Since the start.
    pub elapsed: Duration,
    /// Streams open now.
    pub streaming: usize,
    /// Streams asked for.
    pub connections: usize,
    /// Events received in the last second.
    pub events_per_second: u64,
    /// Events received in all.
    pub events: u64,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:>4} s: {}/{} streams open, {} events/s, {} events",
            self.elapsed.as_secs(),
            self.streaming,
            self.connections,
            self.events_per_second,
            self.events
        )
    }
}

/// A load that is running: its streams are tasks on the current tokio runtime.
pub struct Load {
    shared: Arc<Shared>,
    config: Config,
    started: Instant,
    cpu_at_start: Option<u64>,
    spawner: JoinHandle<()>,
    streams: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Load {
    /// Resolves the URL, then starts opening the streams (at the ramp rate, if any).
    ///
    /// # Errors
    ///
    /// A URL that is not http(s) or does not resolve, an unreadable `cacert`, zero or more
    /// than [`MAX_STREAMS`] connections, or HTTP/2 with zero streams per connection.
    pub async fn start(config: Config) -> Result<Load, LoadError> {
        if !(1..=MAX_STREAMS).contains(&config.connections) {
            return Err(LoadError::Config(format!(
                "connections must be 1 to {MAX_STREAMS}"
            )));
        }
        if config.http2 == Some(0) {
            return Err(LoadError::Config(
                "HTTP/2 needs at least one stream per connection".into(),
            ));
        }
        if config.ramp.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
            return Err(LoadError::Config("the ramp rate must be above 0".into()));
        }
        let target = Target::new(
            config.url.clone(),
            config.headers.clone(),
            config.cacert.as_deref(),
            config.http2.is_some(),
        )
        .await?;
        let shared = Arc::new(Shared {
            target,
            counters: Counters::new(config.connections),
            setup: Semaphore::new(CONNECT_CONCURRENCY),
            idle_timeout: config.idle_timeout,
            last_event_id: config.last_event_id.clone(),
        });
        let cpu_at_start = process::cpu_ticks(std::process::id());
        let streams = Arc::new(Mutex::new(Vec::new()));
        let spawner = tokio::spawn(spawn_streams(
            Arc::clone(&shared),
            Arc::clone(&streams),
            (config.connections, config.http2, config.ramp),
        ));
        Ok(Load {
            shared,
            config,
            started: Instant::now(),
            cpu_at_start,
            spawner,
            streams,
        })
    }

    /// The counters, as they are now.
    pub fn counters(&self) -> &Counters {
        &self.shared.counters
    }

    /// Stops every stream and sums the run up.
    pub async fn finish(self) -> Summary {
        let elapsed = self.started.elapsed();
        let counters = &self.shared.counters;
        let totals = counters.totals();
        counters.stop();
        let cpu = self
            .cpu_at_start
            .zip(process::cpu_ticks(std::process::id()))
            .map(|(start, end)| {
                (end - start) as f64
                    / process::clock_ticks_per_second() as f64
                    / elapsed.as_secs_f64().max(1e-9)
            });
        self.spawner.abort();
        let _ = self.spawner.await;
        let streams = std::mem::take(&mut *self.streams.lock().unwrap_or_else(|e| e.into_inner()));
        for stream in &streams {
            stream.abort();
        }
        for stream in streams {
            let _ = stream.await;
        }
        Summary::new(&self.config, counters, &totals, elapsed, cpu)
    }
}

/// Spawns the streams' tasks into `tasks`, at `ramp` streams per second if given.
async fn spawn_streams(
    shared: Arc<Shared>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    (streams, http2, ramp): (usize, Option<usize>, Option<f64>),
) {
    let per_task = http2.unwrap_or(1);
    let started = Instant::now();
    let mut next = 0;
    while next < streams {
        if let Some(rate) = ramp {
            // Streams due by now; wait for the next one when none is.
            let due = ((started.elapsed().as_secs_f64() * rate) as usize + 1).min(streams);
            if due <= next {
                tokio::time::sleep(
                    Duration::from_secs_f64(1.0 / rate).min(Duration::from_millis(100)),
                )
                .await;
                continue;
            }
        }
        let end = (next + per_task).min(streams);
        let shared = Arc::clone(&shared);
        let task = match http2 {
            Some(_) => tokio::spawn(client::connection_h2(shared, next..end)),
            None => tokio::spawn(client::stream_http1(shared, next)),
        };
        tasks.lock().unwrap_or_else(|e| e.into_inner()).push(task);
        next = end;
    }
}

/// Runs a load for its duration, calling `progress` once a second; stops every stream at
/// the end and returns the summary.
///
/// # Errors
///
/// As [`Load::start`].
pub async fn run(
    config: Config,
    mut progress: impl FnMut(&Progress),
) -> Result<Summary, LoadError> {
    let duration = config.duration;
    let connections = config.connections;
    let load = Load::start(config).await?;
    let mut last = 0;
    let mut tick = 1;
    loop {
        let next = Duration::from_secs(tick);
        if next >= duration {
            tokio::time::sleep_until((load.started + duration).into()).await;
            break;
        }
        tokio::time::sleep_until((load.started + next).into()).await;
        let totals = load.counters().totals();
        progress(&Progress {
            elapsed: next,
            streaming: totals.streaming,
            connections,
            events_per_second: totals.events - last,
            events: totals.events,
        });
        last = totals.events;
        tick += 1;
    }
    Ok(load.finish().await)
}

/// Nanoseconds since the UNIX epoch, now (0 if the clock is before it).
pub fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}
