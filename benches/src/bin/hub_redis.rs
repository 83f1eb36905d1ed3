//! ssekit-hub on its Redis Streams backplane (feature `redis`) against the in-memory hub: how
//! many publishes per second Redis acknowledges, and how long an event takes from a
//! publish on one server (hub A) to a subscriber of another (hub B).
//!
//! ```sh
//! cargo build --release -p sse-benches --bin hub_redis
//! target/release/hub_redis                      # 3 s throughput rows, 5 s latency windows
//! target/release/hub_redis --seconds 10 --subscribers 1000 --rate 1000
//! ```
//!
//! It starts its own `redis-server` (`/usr/bin/redis-server`, or `--redis-server PATH`) on
//! a free port of 127.0.0.1 with `--save "" --appendonly no` (nothing written to disk),
//! waits until it answers `PING`, and kills it at the end: on return, on error and on panic
//! (a guard's `Drop`), and when this process dies (`setpriv --pdeathsig KILL`, when
//! `setpriv` is there). Two hubs on the same Redis URL and stream key are two servers.
//!
//! - **Throughput**: publish as fast as possible for `--throughput-seconds` (default 3) from
//!   1 thread, then from 4 threads, then (Redis only) from 1 thread in batches of 64
//!   (`Hub::send_all`, one pipeline), counting acknowledged publishes (for Redis: the
//!   publish script answered). Rows: hub A on Redis (no subscriber; its own tail still
//!   reads every event back), the in-memory hub with no subscriber, and with 1 subscriber
//!   (a tokio task that takes every event). Each row has a hub and a stream key of its
//!   own. Then the ceiling: `redis-benchmark -P 16` of a plain `XADD` of the same size on
//!   the same redis-server.
//! - **Latency**: `--subscribers` (default 1,000) tokio tasks on a multi-thread runtime read
//!   their `Subscription` of hub B and decode each event with ssekit-core; hub A publishes at
//!   `--rate` (default 1,000/s) from a plain thread, each event's data carrying its
//!   sequence number and the time (ns since the UNIX epoch) read just before `publish`.
//!   After a 1 s warm-up, `--seconds` (default 5) are measured: an event counts when its
//!   publish time is in the window. Reported: deliveries/s, publish-to-receive latency, the
//!   publish call's own duration, gaps and duplicates (each subscriber checks that its
//!   sequence numbers are consecutive from 1) and lag disconnects. Then the same with the
//!   in-memory hub (publisher and subscribers on one hub).
//!
//! Everything runs on this machine's cores together (redis-server, both hubs' tails, the
//! publisher, the tokio workers): the CPU table says who used what. Every loop is bounded
//! in count and time; the whole run stops itself after 15 minutes.

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use sse_benches::load::{EVENT_TYPE, TOPIC, event_data, now_nanos, parse_event_data, procfs};
use ssekit_cli::load::Histogram;
use ssekit_core::{Decoded, Decoder};
use ssekit_hub::{Config, EndReason, EventId, Hub, Redis, Subscription};

const USAGE: &str = "usage: hub_redis [--seconds S] [--throughput-seconds S] \
[--subscribers N] [--rate EVENTS_PER_SEC] [--queue-capacity N] [--only throughput|latency] \
[--redis-server PATH]
  --seconds S             the latency window (default 5); also the throughput rows' unless
                          --throughput-seconds is given (default 3); at most 60
  --subscribers N         subscribers of hub B (default 1000)
  --rate R                events per second published on hub A (default 1000)
  --queue-capacity N      events queued per subscriber (default: the hub's, 256)
  --only PHASE            run one phase only
  --redis-server PATH     the redis-server to start (default /usr/bin/redis-server)";

/// The longest window accepted, in seconds.
const MAX_SECONDS: u64 = 60;
/// The most subscribers accepted.
const MAX_SUBSCRIBERS: usize = 50_000;
/// The highest publish rate accepted (events per second).
const MAX_RATE: f64 = 1_000_000.0;
/// Publishing threads and messages per call of the throughput rows, in order: single
/// publishes from 1 and 4 threads, then batches (`Hub::send_all`) from 1 thread.
const SHAPES: [(usize, usize); 3] = [(1, 1), (4, 1), (1, BATCH)];
/// Messages per `send_all` call in a batch row.
const BATCH: usize = 64;
/// Commands per pipeline of the `redis-benchmark` ceiling.
const CEILING_PIPELINE: usize = 16;
/// Warm-up between the start of publishing and the latency window.
const WARM_UP: Duration = Duration::from_secs(1);
/// Time allowed for every subscriber to get the last event once publishing stopped.
const DRAIN_DEADLINE: Duration = Duration::from_secs(10);
/// Time allowed for the subscriber tasks to end once their hub is closed.
const JOIN_DEADLINE: Duration = Duration::from_secs(10);
/// Time allowed for redis-server to answer `PING` after it started.
const REDIS_START_DEADLINE: Duration = Duration::from_secs(10);
/// The whole run stops itself (redis-server killed) after this long, whatever happens.
const MAX_RUNTIME: Duration = Duration::from_secs(15 * 60);
/// A publishing thread gives up after this many failed publishes.
const MAX_ERRORS: u64 = 1_000;
/// A throughput thread stops after this many publishes whatever the time.
const MAX_PUBLISHES_PER_THREAD: u64 = 500_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Only {
    All,
    Throughput,
    Latency,
}

#[derive(Debug)]
struct Args {
    throughput_seconds: u64,
    latency_seconds: u64,
    subscribers: usize,
    rate: f64,
    queue_capacity: usize,
    only: Only,
    redis_server: PathBuf,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        throughput_seconds: 3,
        latency_seconds: 5,
        subscribers: 1000,
        rate: 1000.0,
        queue_capacity: Config::DEFAULT_QUEUE_CAPACITY,
        only: Only::All,
        redis_server: PathBuf::from("/usr/bin/redis-server"),
    };
    let mut throughput_given = false;
    let mut seconds = None;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| text.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--seconds" => seconds = Some(number(value()?)?),
            "--throughput-seconds" => {
                parsed.throughput_seconds = number(value()?)?;
                throughput_given = true;
            }
            "--subscribers" => parsed.subscribers = number(value()?)? as usize,
            "--rate" => parsed.rate = value()?.parse().map_err(|e| format!("{flag}: {e}"))?,
            "--queue-capacity" => parsed.queue_capacity = number(value()?)? as usize,
            "--only" => {
                parsed.only = match value()?.as_str() {
                    "throughput" => Only::Throughput,
                    "latency" => Only::Latency,
                    other => return Err(format!("--only {other:?}: throughput or latency")),
                }
            }
            "--redis-server" => parsed.redis_server = PathBuf::from(value()?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if let Some(seconds) = seconds {
        parsed.latency_seconds = seconds;
        if !throughput_given {
            parsed.throughput_seconds = seconds;
        }
    }
    for (name, value) in [
        ("--seconds", parsed.latency_seconds),
        ("--throughput-seconds", parsed.throughput_seconds),
    ] {
        if value == 0 || value > MAX_SECONDS {
            return Err(format!("{name} must be 1..={MAX_SECONDS}"));
        }
    }
    if parsed.subscribers == 0 || parsed.subscribers > MAX_SUBSCRIBERS {
        return Err(format!("--subscribers must be 1..={MAX_SUBSCRIBERS}"));
    }
    if !(parsed.rate > 0.0 && parsed.rate <= MAX_RATE) {
        return Err(format!("--rate must be in (0, {MAX_RATE}]"));
    }
    if parsed.queue_capacity == 0 {
        return Err("--queue-capacity must be at least 1".into());
    }
    Ok(parsed)
}

fn main() {
    let code = match parse_args(std::env::args().skip(1)).and_then(|args| run(&args)) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("hub_redis: {error}");
            2
        }
    };
    std::process::exit(code);
}

// ---------------------------------------------------------------------------------------
// redis-server

/// A `redis-server` of our own on 127.0.0.1, killed (and reaped) on drop.
struct RedisServer {
    child: Arc<Mutex<Child>>,
    port: u16,
    pid: u32,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts `program` on a free port and waits until it answers `PING`; a few ports are
    /// tried if another process takes the one picked meanwhile.
    fn start(program: &Path) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("hub_redis-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut last_error = String::new();
        for _attempt in 0..5 {
            let port = free_port()?;
            match Self::start_on(program, port, &dir) {
                Ok(server) => return Ok(server),
                Err(error) => last_error = error,
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        Err(last_error)
    }

    fn start_on(program: &Path, port: u16, dir: &Path) -> Result<Self, String> {
        let log = dir.join("redis.log");
        let settings = [
            "--port".to_owned(),
            port.to_string(),
            "--bind".to_owned(),
            "127.0.0.1".to_owned(),
            "--protected-mode".to_owned(),
            "yes".to_owned(),
            "--save".to_owned(),
            String::new(),
            "--appendonly".to_owned(),
            "no".to_owned(),
            "--daemonize".to_owned(),
            "no".to_owned(),
            "--dir".to_owned(),
            dir.display().to_string(),
            "--logfile".to_owned(),
            log.display().to_string(),
            "--loglevel".to_owned(),
            "warning".to_owned(),
        ];
        // With setpriv, redis-server gets SIGKILL when this process dies, however it dies.
        let mut command = if Path::new("/usr/bin/setpriv").exists() {
            let mut command = Command::new("/usr/bin/setpriv");
            command.args(["--pdeathsig", "KILL", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command
            .args(&settings)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let child = command
            .spawn()
            .map_err(|e| format!("starting {}: {e}", program.display()))?;
        let pid = child.id();
        let server = RedisServer {
            child: Arc::new(Mutex::new(child)),
            port,
            pid,
            dir: dir.to_owned(),
        };
        let started = Instant::now();
        while started.elapsed() < REDIS_START_DEADLINE {
            if let Ok(Some(status)) = server.lock().try_wait() {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(format!(
                    "redis-server on port {port} exited at start ({status}): {}",
                    log.trim()
                ));
            }
            if ping(port).is_ok() {
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err(format!(
            "redis-server on port {port} did not answer PING within {REDIS_START_DEADLINE:?}"
        ))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Child> {
        self.child.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills redis-server and exits if this run is still going after [`MAX_RUNTIME`].
    fn watchdog(&self) {
        let child = Arc::clone(&self.child);
        std::thread::spawn(move || {
            std::thread::sleep(MAX_RUNTIME);
            eprintln!("hub_redis: {MAX_RUNTIME:?} reached: killing redis-server and exiting");
            let mut child = child.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = child.kill();
            let _ = child.wait();
            std::process::exit(3);
        });
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let mut child = self.lock();
        let _ = child.kill();
        let _ = child.wait();
        drop(child);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port of 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("finding a free port: {e}"))
}

/// Sends `PING` in Redis's inline protocol and expects `+PONG`.
fn ping(port: u16) -> std::io::Result<()> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(200))?;
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    stream.set_write_timeout(Some(Duration::from_millis(500)))?;
    stream.write_all(b"PING\r\n")?;
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply)?;
    if &reply == b"+PONG\r\n" {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "unexpected reply {:?}",
            String::from_utf8_lossy(&reply)
        )))
    }
}

/// `redis-server --version`, shortened to `v=...`.
/// `redis-benchmark -P 16 XADD` against the server on `port` (the `redis-benchmark` next to
/// `redis-server`): requests per second, or `None` if it could not run.
fn redis_benchmark(redis_server: &Path, port: u16) -> Option<f64> {
    let program = redis_server.with_file_name("redis-benchmark");
    eprintln!(
        "hub_redis: ceiling, {} -P {CEILING_PIPELINE} XADD",
        program.display()
    );
    let output = Command::new(&program)
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-q",
            "-n",
            "1000000",
        ])
        .args(["-P", &CEILING_PIPELINE.to_string()])
        .args([
            "XADD",
            "ceiling",
            "MAXLEN",
            "~",
            "1024",
            "*",
            "e",
            &"x".repeat(100),
        ])
        .stdin(Stdio::null())
        .output()
        .ok()?;
    // "XADD ceiling ...: 412345.67 requests per second, p50=..." (the last line, after \r)
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .rsplit(['\r', '\n'])
        .find(|l| l.contains("requests per second"))?;
    line.split(": ")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn redis_version(program: &Path) -> String {
    Command::new(program)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| {
            text.split_whitespace()
                .find(|w| w.starts_with("v="))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "v=?".into())
}

// ---------------------------------------------------------------------------------------
// CPU accounting

/// CPU ticks of one moment: redis-server, this process, each thread of it, the machine.
struct CpuSample {
    at: Instant,
    redis: u64,
    process: u64,
    threads: Vec<(u32, String, u64)>,
    /// Idle ticks of all CPUs (`idle` + `iowait`).
    idle: u64,
}

impl CpuSample {
    fn take(redis_pid: Option<u32>) -> Self {
        CpuSample {
            at: Instant::now(),
            redis: redis_pid.and_then(procfs::cpu_ticks).unwrap_or(0),
            process: procfs::cpu_ticks(std::process::id()).unwrap_or(0),
            threads: thread_ticks(),
            idle: procfs::cpu_busy_ticks(None).map_or(0, |(busy, total)| total - busy),
        }
    }

    /// % of one core from `self` to `later`: redis-server, this process, the machine, and
    /// this process's threads grouped by name.
    fn usage(&self, later: &CpuSample) -> CpuUsage {
        let seconds = later.at.duration_since(self.at).as_secs_f64().max(1e-9);
        let ticks = procfs::clock_ticks_per_second() as f64;
        let percent = |a: u64, b: u64| 100.0 * b.saturating_sub(a) as f64 / ticks / seconds;
        let mut groups: Vec<(String, f64)> = Vec::new();
        for (tid, name, after) in &later.threads {
            let before = self
                .threads
                .iter()
                .find(|(t, _, _)| t == tid)
                .map_or(0, |(_, _, ticks)| *ticks);
            let share = percent(before, *after);
            match groups.iter_mut().find(|(group, _)| group == name) {
                Some((_, total)) => *total += share,
                None => groups.push((name.clone(), share)),
            }
        }
        // The machine's busy time is what its CPUs were not idle (idle time is measured
        // exactly on a tickless kernel; busy ticks are sampled).
        let cpus = std::thread::available_parallelism().map_or(1, usize::from) as f64;
        CpuUsage {
            redis: percent(self.redis, later.redis),
            process: percent(self.process, later.process),
            machine: (100.0 * cpus - percent(self.idle, later.idle)).max(0.0),
            groups,
        }
    }
}

/// CPU use over a window, in % of one core.
#[derive(Debug, Default)]
struct CpuUsage {
    redis: f64,
    process: f64,
    machine: f64,
    /// This process's threads by name (`ssekit-hub-redis-t` is a hub's tail).
    groups: Vec<(String, f64)>,
}

impl CpuUsage {
    fn group(&self, name: &str) -> f64 {
        self.groups
            .iter()
            .filter(|(group, _)| group.starts_with(name))
            .fold(0.0, |total, (_, share)| total + share)
    }
}

/// Every thread of this process: its id, its name without a trailing `-N`, its CPU ticks.
fn thread_ticks() -> Vec<(u32, String, u64)> {
    let Ok(entries) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .take(10_000)
        .filter_map(|entry| {
            let tid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            let comm = comm.trim();
            let name = match comm.rsplit_once('-') {
                Some((base, n)) if n.bytes().all(|b| b.is_ascii_digit()) => base,
                _ => comm,
            };
            Some((tid, name.to_owned(), procfs::thread_cpu_ticks(tid)?))
        })
        .collect()
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "?".into())
}

// ---------------------------------------------------------------------------------------
// Hubs

/// Which hub a row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Redis,
    Memory,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Redis => "Redis",
            Backend::Memory => "in memory",
        }
    }
}

fn config(args: &Args) -> Config {
    Config::default().with_queue_capacity(args.queue_capacity)
}

fn redis_hub(args: &Args, redis: &RedisServer, key: &str) -> Result<Hub, String> {
    Hub::new_with_redis(config(args), Redis::new(redis.url()).with_key(key))
        .map_err(|e| format!("hub on {} key {key}: {e}", redis.url()))
}

// ---------------------------------------------------------------------------------------
// Phase 1: throughput

/// One throughput row.
struct Throughput {
    backend: Backend,
    subscribers: usize,
    threads: usize,
    /// Messages per call (1: `publish`; more: `send_all`).
    batch: usize,
    elapsed: Duration,
    acknowledged: u64,
    errors: u64,
    cpu: CpuUsage,
    /// Events the subscriber took, and how many times it was cut off for lagging.
    taken: Option<(u64, u64)>,
    /// How long after the last acknowledged publish the hub's own tail had read it back.
    tail_behind: Option<Duration>,
}

impl Throughput {
    fn per_second(&self) -> f64 {
        self.acknowledged as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The throughput rows' subscriber: takes every event. Cut off for lagging, it subscribes
/// again at once (live, as a client reconnecting without `Last-Event-ID` would), so that
/// the hub has a subscriber throughout. Ends when the hub is closed. Returns the events
/// taken and the times it was cut off.
async fn take_all(hub: Hub, mut subscription: Subscription) -> (u64, u64) {
    let (mut taken, mut cut_off) = (0u64, 0u64);
    while cut_off < MAX_ERRORS * 1_000 {
        while let Some(event) = subscription.next().await {
            taken += u64::from(!event.as_bytes().is_empty());
        }
        if subscription.end_reason() != Some(EndReason::Lagged) {
            break;
        }
        cut_off += 1;
        match hub.subscribe([TOPIC], None) {
            Ok(again) => subscription = again,
            Err(_) => break, // closed
        }
    }
    (taken, cut_off)
}

/// Publishes a fixed ~100-byte event as fast as `threads` threads can for `seconds`.
fn hammer(
    hub: &Hub,
    (threads, batch): (usize, usize),
    seconds: Duration,
    redis_pid: Option<u32>,
) -> Result<(Duration, u64, u64, Option<EventId>, CpuUsage), String> {
    let barrier = Arc::new(Barrier::new(threads + 1));
    let mut handles = Vec::with_capacity(threads);
    for n in 0..threads {
        let hub = hub.clone();
        let barrier = Arc::clone(&barrier);
        let handle = std::thread::Builder::new()
            .name(format!("publisher-{n}"))
            .spawn(move || {
                let data = event_data(0, now_nanos());
                barrier.wait();
                let start = Instant::now();
                let (mut acknowledged, mut errors, mut last) = (0u64, 0u64, None);
                while start.elapsed() < seconds
                    && acknowledged < MAX_PUBLISHES_PER_THREAD
                    && errors < MAX_ERRORS
                {
                    if batch > 1 {
                        let messages = (0..batch).map(|_| {
                            let event = ssekit_core::Event::new().with_data(data.as_str());
                            let event = event.with_event_type(EVENT_TYPE).unwrap_or_default();
                            ssekit_hub::Message::new(TOPIC, event)
                        });
                        for outcome in hub.send_all(messages) {
                            match outcome {
                                Ok(id) => {
                                    acknowledged += 1;
                                    last = Some(id);
                                }
                                Err(_) => errors += 1,
                            }
                        }
                        continue;
                    }
                    match hub.publish(TOPIC, (EVENT_TYPE, data.as_str())) {
                        Ok(id) => {
                            acknowledged += 1;
                            last = Some(id);
                        }
                        Err(_) => errors += 1,
                    }
                }
                (start.elapsed(), acknowledged, errors, last)
            })
            .map_err(|e| format!("spawning a publisher: {e}"))?;
        handles.push(handle);
    }
    let before = CpuSample::take(redis_pid);
    barrier.wait();
    // CPU: the window but its last 50 ms, so that the publisher threads are still there.
    std::thread::sleep(seconds.saturating_sub(Duration::from_millis(50)));
    let cpu = before.usage(&CpuSample::take(redis_pid));
    let (mut elapsed, mut acknowledged, mut errors, mut last) = (Duration::ZERO, 0, 0, None);
    for handle in handles {
        let (took, n, failed, id) = handle
            .join()
            .map_err(|_| "a publisher thread panicked".to_owned())?;
        elapsed = elapsed.max(took);
        acknowledged += n;
        errors += failed;
        last = last.max(id);
    }
    Ok((elapsed, acknowledged, errors, last, cpu))
}

fn throughput_row(
    runtime: &tokio::runtime::Runtime,
    hub: &Hub,
    backend: Backend,
    subscribers: usize,
    (threads, batch): (usize, usize),
    seconds: Duration,
    redis_pid: Option<u32>,
) -> Result<Throughput, String> {
    let taker = if subscribers > 0 {
        let subscription = hub
            .subscribe([TOPIC], None)
            .map_err(|e| format!("subscribe: {e}"))?;
        Some(runtime.spawn(take_all(hub.clone(), subscription)))
    } else {
        None
    };
    let (elapsed, acknowledged, errors, last, cpu) =
        hammer(hub, (threads, batch), seconds, redis_pid)?;
    let tail_behind = match (backend, last) {
        (Backend::Redis, Some(last)) => {
            let done = Instant::now();
            let behind = |hub: &Hub| {
                hub.last_id().epoch() == last.epoch() && hub.last_id().seq() < last.seq()
            };
            while behind(hub) && done.elapsed() < DRAIN_DEADLINE {
                std::thread::sleep(Duration::from_micros(100));
            }
            (!behind(hub)).then(|| done.elapsed())
        }
        _ => None,
    };
    hub.close();
    let taken = match taker {
        Some(task) => runtime
            .block_on(async { tokio::time::timeout(JOIN_DEADLINE, task).await })
            .ok()
            .and_then(Result::ok),
        None => None,
    };
    Ok(Throughput {
        backend,
        subscribers,
        threads,
        batch,
        elapsed,
        acknowledged,
        errors,
        cpu,
        taken,
        tail_behind,
    })
}

fn throughput_phase(
    args: &Args,
    runtime: &tokio::runtime::Runtime,
    redis: &RedisServer,
) -> Result<Vec<Throughput>, String> {
    let seconds = Duration::from_secs(args.throughput_seconds);
    let mut rows = Vec::new();
    for (backend, subscribers) in [
        (Backend::Redis, 0),
        (Backend::Memory, 0),
        (Backend::Memory, 1),
    ] {
        for (threads, batch) in SHAPES {
            if batch > 1 && backend == Backend::Memory {
                continue; // a batch is one pipeline on Redis; in memory it is a loop
            }
            eprintln!(
                "hub_redis: throughput, {}, {subscribers} subscriber(s), {threads} thread(s), batches of {batch}, {} s",
                backend.name(),
                seconds.as_secs()
            );
            let hub = match backend {
                Backend::Redis => redis_hub(args, redis, &format!("throughput-{threads}-{batch}"))?,
                Backend::Memory => Hub::new(config(args)),
            };
            let redis_pid = Some(redis.pid);
            let row = throughput_row(
                runtime,
                &hub,
                backend,
                subscribers,
                (threads, batch),
                seconds,
                redis_pid,
            )?;
            eprintln!(
                "hub_redis:   {:.0} events/s ({} acknowledged, {} errors)",
                row.per_second(),
                row.acknowledged,
                row.errors
            );
            rows.push(row);
            drop(hub);
            // Let the dropped Redis hub's tail notice (its XREAD BLOCK is 500 ms).
            std::thread::sleep(Duration::from_millis(600));
        }
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------
// Phase 2: latency

/// The publish times (ns since the UNIX epoch) whose events are measured: `[start, end)`.
struct Window {
    start: AtomicU64,
    end: AtomicU64,
}

impl Window {
    fn new() -> Self {
        Window {
            start: AtomicU64::new(u64::MAX),
            end: AtomicU64::new(0),
        }
    }

    fn set(&self, start: u64, end: u64) {
        self.start.store(start, Ordering::Relaxed);
        self.end.store(end, Ordering::Relaxed);
    }

    fn contains(&self, published: u64) -> bool {
        (self.start.load(Ordering::Relaxed)..self.end.load(Ordering::Relaxed)).contains(&published)
    }
}

/// What one subscriber saw.
#[derive(Debug, Default)]
struct Tracker {
    /// The sequence number expected next (they start at 1).
    expected: u64,
    /// Events seen in order.
    received: u64,
    /// Events published in the window and received: their latency is in `latency`.
    measured: u64,
    /// Sequence numbers skipped (events never seen).
    missed: u64,
    /// Events seen again or out of order.
    duplicates: u64,
    /// Events whose data was not ours.
    foreign: u64,
    latency: Histogram,
    end: Option<EndReason>,
}

impl Tracker {
    fn new() -> Self {
        Tracker {
            expected: 1,
            ..Tracker::default()
        }
    }

    /// One event's data, received at `now` (ns since the UNIX epoch).
    fn see(&mut self, data: &str, now: u64, window: &Window) {
        let Some((seq, published)) = parse_event_data(data) else {
            self.foreign += 1;
            return;
        };
        if seq < self.expected {
            self.duplicates += 1;
            return;
        }
        self.missed += seq - self.expected;
        self.expected = seq + 1;
        self.received += 1;
        if window.contains(published) {
            self.measured += 1;
            self.latency.record(now.saturating_sub(published));
        }
    }

    /// The last sequence number seen (0 before any).
    fn last(&self) -> u64 {
        self.expected - 1
    }
}

/// A subscriber: takes every event of `subscription`, decodes it with ssekit-core and tracks
/// it; writes the last sequence number seen to `progress`. Ends with the stream.
async fn subscriber(
    mut subscription: Subscription,
    window: Arc<Window>,
    progress: Arc<[AtomicU64]>,
    index: usize,
) -> Tracker {
    let mut tracker = Tracker::new();
    let mut decoder = Decoder::new();
    while let Some(event) = subscription.next().await {
        let now = now_nanos();
        for item in decoder.feed(event.as_bytes()) {
            match item {
                Ok(Decoded::Event(message)) => tracker.see(message.data(), now, &window),
                _ => tracker.foreign += 1,
            }
        }
        if let Some(slot) = progress.get(index) {
            slot.store(tracker.last(), Ordering::Relaxed);
        }
    }
    tracker.end = subscription.end_reason();
    tracker
}

/// What the publisher thread did.
struct Published {
    acknowledged: u64,
    errors: u64,
    /// How long each `publish` call took.
    call: Histogram,
}

/// Publishes at `rate` on a fixed schedule from `start` until `start + total`; behind
/// schedule, it catches up at once. Event `n` (from 1) carries `n` and its publish time.
fn publish_at(hub: &Hub, rate: f64, start: Instant, total: Duration) -> Published {
    let mut out = Published {
        acknowledged: 0,
        errors: 0,
        call: Histogram::new(),
    };
    let max_events = (rate * total.as_secs_f64()).ceil() as u64 + 1;
    let mut attempts = 0u64;
    while attempts < max_events + MAX_ERRORS && out.errors < MAX_ERRORS {
        let elapsed = start.elapsed();
        if elapsed >= total {
            break;
        }
        let due = Duration::from_secs_f64(out.acknowledged as f64 / rate);
        if due > elapsed {
            std::thread::sleep((due - elapsed).min(Duration::from_millis(50)));
            continue;
        }
        attempts += 1;
        let stamp = now_nanos();
        let data = event_data(out.acknowledged + 1, stamp);
        let called = Instant::now();
        let result = hub.publish(TOPIC, (EVENT_TYPE, data.as_str()));
        out.call
            .record(u64::try_from(called.elapsed().as_nanos()).unwrap_or(u64::MAX));
        match result {
            // The next event takes the next number only once this one is stored.
            Ok(_) => out.acknowledged += 1,
            Err(_) => out.errors += 1,
        }
    }
    out
}

/// One latency run.
struct Latency {
    backend: Backend,
    subscribers: usize,
    window: Duration,
    published: Published,
    measured: u64,
    latency: Histogram,
    missed: u64,
    duplicates: u64,
    foreign: u64,
    /// Subscribers whose stream ended for lagging, or otherwise before the end.
    lagged: u64,
    ended_early: u64,
    /// The hub's own count of lag disconnects.
    lag_disconnects: u64,
    /// Subscriber tasks that did not end in time, or panicked.
    lost_tasks: u64,
    /// How long after the last publish every subscriber had its event.
    drained: Option<Duration>,
    cpu: CpuUsage,
}

fn latency_run(
    args: &Args,
    runtime: &tokio::runtime::Runtime,
    backend: Backend,
    redis: &RedisServer,
) -> Result<Latency, String> {
    let (publisher_hub, subscriber_hub) = match backend {
        Backend::Redis => (
            redis_hub(args, redis, "latency")?,
            redis_hub(args, redis, "latency")?,
        ),
        Backend::Memory => {
            let hub = Hub::new(config(args));
            (hub.clone(), hub)
        }
    };
    let window = Arc::new(Window::new());
    let progress: Arc<[AtomicU64]> = (0..args.subscribers).map(|_| AtomicU64::new(0)).collect();
    let mut tasks = Vec::with_capacity(args.subscribers);
    for index in 0..args.subscribers {
        let subscription = subscriber_hub
            .subscribe([TOPIC], None)
            .map_err(|e| format!("subscribe: {e}"))?;
        tasks.push(runtime.spawn(subscriber(
            subscription,
            Arc::clone(&window),
            Arc::clone(&progress),
            index,
        )));
    }
    // Every task polls its stream once before anything is published.
    std::thread::sleep(Duration::from_millis(200));

    let seconds = Duration::from_secs(args.latency_seconds);
    let start = Instant::now();
    let start_nanos = now_nanos();
    let window_start = start_nanos + u64::try_from(WARM_UP.as_nanos()).unwrap_or(u64::MAX);
    window.set(
        window_start,
        window_start + u64::try_from(seconds.as_nanos()).unwrap_or(u64::MAX),
    );
    let rate = args.rate;
    let hub = publisher_hub.clone();
    let publisher = std::thread::Builder::new()
        .name("publisher".into())
        .spawn(move || publish_at(&hub, rate, start, WARM_UP + seconds))
        .map_err(|e| format!("spawning the publisher: {e}"))?;
    eprintln!(
        "hub_redis: latency, {}, {} subscribers, {rate} events/s, 1 s warm-up + {} s",
        backend.name(),
        args.subscribers,
        seconds.as_secs()
    );
    std::thread::sleep((start + WARM_UP).saturating_duration_since(Instant::now()));
    // CPU: the window but its last 50 ms, so that the publisher thread is still there.
    let before = CpuSample::take(Some(redis.pid));
    let cpu_end = start + WARM_UP + seconds.saturating_sub(Duration::from_millis(50));
    std::thread::sleep(cpu_end.saturating_duration_since(Instant::now()));
    let cpu = before.usage(&CpuSample::take(Some(redis.pid)));
    let published = publisher
        .join()
        .map_err(|_| "the publisher thread panicked".to_owned())?;
    let stopped = Instant::now();

    // Wait (bounded) until every subscriber has the last event or its stream ended.
    let last = published.acknowledged;
    let drained = loop {
        let behind = progress
            .iter()
            .zip(&tasks)
            .filter(|(seen, task)| seen.load(Ordering::Relaxed) < last && !task.is_finished())
            .count();
        if behind == 0 {
            break Some(stopped.elapsed());
        }
        if stopped.elapsed() > DRAIN_DEADLINE {
            eprintln!("hub_redis: {behind} subscribers still behind after {DRAIN_DEADLINE:?}");
            break None;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let lag_disconnects = subscriber_hub.stats().lag_disconnects;
    publisher_hub.close();
    subscriber_hub.close();
    let (trackers, lost_tasks) = runtime.block_on(async {
        let deadline = tokio::time::Instant::now() + JOIN_DEADLINE;
        let mut trackers = Vec::with_capacity(tasks.len());
        let mut lost = 0u64;
        for mut task in tasks {
            match tokio::time::timeout_at(deadline, &mut task).await {
                Ok(Ok(tracker)) => trackers.push(tracker),
                Ok(Err(_)) => lost += 1,
                Err(_) => {
                    task.abort();
                    lost += 1;
                }
            }
        }
        (trackers, lost)
    });

    let mut run = Latency {
        backend,
        subscribers: args.subscribers,
        window: seconds,
        published,
        measured: 0,
        latency: Histogram::new(),
        missed: 0,
        duplicates: 0,
        foreign: 0,
        lagged: 0,
        ended_early: 0,
        lag_disconnects,
        lost_tasks,
        drained,
        cpu,
    };
    for tracker in &trackers {
        run.measured += tracker.measured;
        run.latency.merge(&tracker.latency);
        // What it never got at the end counts as missed too.
        run.missed += tracker.missed + last.saturating_sub(tracker.last());
        run.duplicates += tracker.duplicates;
        run.foreign += tracker.foreign;
        match tracker.end {
            Some(EndReason::Lagged) => run.lagged += 1,
            Some(EndReason::Closed) | None => {}
            Some(_) => run.ended_early += 1,
        }
    }
    Ok(run)
}

// ---------------------------------------------------------------------------------------
// The run and its report

fn run(args: &Args) -> Result<(), String> {
    let load_at_start = load_average();
    let redis = RedisServer::start(&args.redis_server)?;
    redis.watchdog();
    eprintln!(
        "hub_redis: redis-server pid {} on 127.0.0.1:{}",
        redis.pid, redis.port
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("subscribers")
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let workers = runtime.metrics().num_workers();
    let (throughput, ceiling) = if args.only == Only::Latency {
        (Vec::new(), None)
    } else {
        let rows = throughput_phase(args, &runtime, &redis)?;
        (rows, redis_benchmark(&args.redis_server, redis.port))
    };
    let mut latency = Vec::new();
    if args.only != Only::Throughput {
        for backend in [Backend::Redis, Backend::Memory] {
            latency.push(latency_run(args, &runtime, backend, &redis)?);
        }
    }
    let report = Report {
        args,
        version: redis_version(&args.redis_server),
        port: redis.port,
        workers,
        load: (load_at_start, load_average()),
        throughput,
        latency,
        ceiling,
    };
    drop(runtime);
    drop(redis);
    print!("{}", report.markdown());
    Ok(())
}

struct Report<'a> {
    args: &'a Args,
    version: String,
    port: u16,
    workers: usize,
    load: (String, String),
    throughput: Vec<Throughput>,
    latency: Vec<Latency>,
    /// `redis-benchmark -P 16 XADD`'s requests per second, if it ran.
    ceiling: Option<f64>,
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn ms(nanos: u64) -> String {
    format!("{:.2}", nanos as f64 / 1e6)
}

impl Report<'_> {
    fn markdown(&self) -> String {
        let mut out = String::new();
        let nproc = std::thread::available_parallelism().map_or(0, usize::from);
        let _ = writeln!(
            out,
            "redis-server {} on 127.0.0.1:{} (`--save \"\" --appendonly no`); {nproc} CPUs; \
             tokio workers {}; queue capacity {}; load average {} at the start, {} at the end.\n",
            self.version,
            self.port,
            self.workers,
            self.args.queue_capacity,
            self.load.0,
            self.load.1
        );
        if !self.throughput.is_empty() {
            self.throughput_table(&mut out);
        }
        if !self.latency.is_empty() {
            self.latency_tables(&mut out);
        }
        self.targets(&mut out);
        out
    }

    fn throughput_table(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "**Throughput**: publish as fast as possible, {} s per row (acknowledged publishes; \
             Redis: the publish script answered).\n",
            self.args.throughput_seconds
        );
        let _ = writeln!(
            out,
            "| hub | subscribers | publisher threads | per call | acknowledged | errors | published events/s | CPU %: redis-server | publishers | tail | subscriber | whole machine | notes |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        );
        for row in &self.throughput {
            let mut notes = Vec::new();
            if let Some((taken, cut_off)) = row.taken {
                notes.push(format!(
                    "subscriber took {} ({:.0}%), cut off for lag {} times (re-subscribed each time)",
                    thousands(taken),
                    100.0 * taken as f64 / row.acknowledged.max(1) as f64,
                    thousands(cut_off)
                ));
            }
            if row.backend == Backend::Redis {
                notes.push(match row.tail_behind {
                    Some(behind) => format!(
                        "hub A's own tail had read the last one back {:.2} ms after it returned",
                        behind.as_secs_f64() * 1e3
                    ),
                    None => "own tail did not catch up".into(),
                });
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | **{}** | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {} |",
                if row.backend == Backend::Redis {
                    "Redis (hub A)"
                } else {
                    "in memory"
                },
                row.subscribers,
                row.threads,
                if row.batch > 1 {
                    format!("`send_all` of {}", row.batch)
                } else {
                    "`publish`".into()
                },
                thousands(row.acknowledged),
                row.errors,
                thousands(row.per_second().round() as u64),
                row.cpu.redis,
                row.cpu.group("publisher"),
                row.cpu.group("ssekit-hub-redis"),
                row.cpu.group("subscribers"),
                row.cpu.machine,
                notes.join("; ")
            );
        }
        if let Some(ceiling) = self.ceiling {
            let _ = writeln!(
                out,
                "\nCeiling, on the same redis-server in the same run: `redis-benchmark -P {CEILING_PIPELINE} XADD` \
                 (no script, no reply to wait for per call): **{}** XADD/s.",
                thousands(ceiling.round() as u64)
            );
        }
        out.push('\n');
    }

    fn latency_tables(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "**Latency**: {} subscribers (tokio tasks, {} workers) decode every event; \
             {} events/s published from one thread; {} s measured after a 1 s warm-up. \
             Redis: publish on hub A, subscribers on hub B.\n",
            thousands(self.args.subscribers as u64),
            self.workers,
            self.args.rate,
            self.args.latency_seconds
        );
        let _ = writeln!(
            out,
            "| hub | published | deliveries/s (offered) | p50 ms | p99 ms | max ms | publish call p50 / p99 ms | gaps | duplicates | lag disconnects | all received |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        );
        for run in &self.latency {
            let secs = run.window.as_secs_f64();
            let offered = self.args.rate * run.subscribers as f64;
            let drained = match run.drained {
                Some(after) => format!(
                    "yes, {:.1} ms after the last publish",
                    after.as_secs_f64() * 1e3
                ),
                None => format!("**no** (after {DRAIN_DEADLINE:?})"),
            };
            let mut extra = String::new();
            if run.published.errors > 0 {
                let _ = write!(extra, "; {} publish errors", run.published.errors);
            }
            if run.ended_early + run.lost_tasks + run.foreign > 0 {
                let _ = write!(
                    extra,
                    "; {} streams ended early, {} tasks lost, {} foreign events",
                    run.ended_early, run.lost_tasks, run.foreign
                );
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} ({}) | {} | **{}** | {} | {} / {} | {} | {} | {} ({} streams) | {drained}{extra} |",
                match run.backend {
                    Backend::Redis => "Redis (A → B)",
                    Backend::Memory => "in memory",
                },
                thousands(run.published.acknowledged),
                thousands((run.measured as f64 / secs).round() as u64),
                thousands(offered.round() as u64),
                ms(run.latency.quantile(0.5)),
                ms(run.latency.quantile(0.99)),
                ms(run.latency.max()),
                ms(run.published.call.quantile(0.5)),
                ms(run.published.call.quantile(0.99)),
                run.missed,
                run.duplicates,
                run.lag_disconnects,
                run.lagged,
            );
        }
        let _ = writeln!(
            out,
            "\nCPU during each latency window, % of one core:\n\n\
             | hub | redis-server | subscriber tasks (tokio workers) | tails (`XREAD` threads) | publisher thread | hub_redis total | whole machine |\n\
             |---|---:|---:|---:|---:|---:|---:|"
        );
        for run in &self.latency {
            let cpu = &run.cpu;
            let _ = writeln!(
                out,
                "| {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
                match run.backend {
                    Backend::Redis => "Redis (A → B)",
                    Backend::Memory => "in memory",
                },
                cpu.redis,
                cpu.group("subscribers"),
                cpu.group("ssekit-hub-redis"),
                cpu.group("publisher"),
                cpu.process,
                cpu.machine
            );
        }
        out.push('\n');
    }

    fn targets(&self, out: &mut String) {
        let redis_latency = self.latency.iter().find(|r| r.backend == Backend::Redis);
        let redis_rates: Vec<(usize, usize, f64)> = self
            .throughput
            .iter()
            .filter(|r| r.backend == Backend::Redis)
            .map(|r| (r.threads, r.batch, r.per_second()))
            .collect();
        let _ = writeln!(out, "Targets:\n");
        if let Some(run) = redis_latency {
            let p99 = run.latency.quantile(0.99);
            let clean = run.missed == 0 && run.lag_disconnects == 0 && run.drained.is_some();
            let _ = writeln!(
                out,
                "- p99 publish (A) to receive (B) under 10 ms at {} events/s to {} subscribers: \
                 {} ms: **{}**",
                self.args.rate,
                thousands(run.subscribers as u64),
                ms(p99),
                if p99 < 10_000_000 && clean {
                    "met"
                } else {
                    "not met"
                }
            );
        }
        if !redis_rates.is_empty() {
            for (threads, batch, rate) in &redis_rates {
                let (target, shape) = match (threads, batch) {
                    (1, 1) => continue,
                    (1, _) => (50_000.0, format!("1 thread, batches of {batch}")),
                    _ => (100_000.0, format!("{threads} threads of single publishes")),
                };
                let ceiling = self.ceiling.map_or(String::new(), |c| {
                    format!(" ({:.2}x the redis-benchmark ceiling)", rate / c)
                });
                let _ = writeln!(
                    out,
                    "- at least {} published events/s on Redis from {shape}: {}/s{ceiling}, **{}**",
                    thousands(target as u64),
                    thousands(rate.round() as u64),
                    if *rate >= target { "met" } else { "not met" }
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Result<Args, String> {
        parse_args(text.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn arguments_parse_with_defaults_and_bounds() -> Result<(), String> {
        let a = args("")?;
        assert_eq!((a.throughput_seconds, a.latency_seconds), (3, 5));
        assert_eq!((a.subscribers, a.rate, a.only), (1000, 1000.0, Only::All));
        let a = args("--seconds 10 --subscribers 20 --rate 50.5 --only latency")?;
        assert_eq!((a.throughput_seconds, a.latency_seconds), (10, 10));
        assert_eq!((a.subscribers, a.rate, a.only), (20, 50.5, Only::Latency));
        let a = args("--throughput-seconds 2 --seconds 7")?;
        assert_eq!((a.throughput_seconds, a.latency_seconds), (2, 7));
        for bad in [
            "--seconds 0",
            "--seconds 61",
            "--subscribers 0",
            "--rate 0",
            "--rate -3",
            "--queue-capacity 0",
            "--only both",
            "--seconds",
            "--what",
        ] {
            assert!(args(bad).is_err(), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn the_tracker_counts_gaps_duplicates_and_the_window() {
        let window = Window::new();
        window.set(1_000, 2_000);
        let mut t = Tracker::new();
        for (seq, published) in [
            (1, 500),
            (2, 1_000),
            (3, 1_500),
            (3, 1_500),
            (6, 1_999),
            (7, 2_000),
        ] {
            t.see(&event_data(seq, published), published + 10, &window);
        }
        t.see("not ours", 0, &window);
        assert_eq!(
            (t.received, t.missed, t.duplicates, t.foreign),
            (5, 2, 1, 1)
        );
        assert_eq!((t.measured, t.latency.len(), t.latency.max()), (3, 3, 10));
        assert_eq!(t.last(), 7);
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    /// A subscriber task over the in-memory hub sees every event in order, decoded.
    #[test]
    fn a_subscriber_decodes_and_tracks_hub_events() -> Result<(), String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let hub: Hub = Hub::default();
        let window = Arc::new(Window::new());
        window.set(0, u64::MAX);
        let progress: Arc<[AtomicU64]> = (0..1).map(|_| AtomicU64::new(0)).collect();
        let subscription = hub.subscribe([TOPIC], None).map_err(|e| e.to_string())?;
        let task = runtime.spawn(subscriber(subscription, window, Arc::clone(&progress), 0));
        for seq in 1..=5 {
            hub.publish(TOPIC, (EVENT_TYPE, event_data(seq, now_nanos()).as_str()))
                .map_err(|e| e.to_string())?;
        }
        hub.close();
        let tracker = runtime
            .block_on(task)
            .map_err(|e| format!("subscriber task: {e}"))?;
        assert_eq!(
            (tracker.received, tracker.measured, tracker.missed),
            (5, 5, 0)
        );
        assert_eq!(tracker.end, Some(EndReason::Closed));
        assert_eq!(progress[0].load(Ordering::Relaxed), 5);
        Ok(())
    }
}
