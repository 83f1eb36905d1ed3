//! Load test of an SSE server over loopback: ssekit-hub behind ssekit-axum against axum's own SSE
//! over `tokio::sync::broadcast`, the server in a child process (this binary re-executed with
//! the `server` subcommand) so that it is measured alone.
//!
//! ```sh
//! cargo build --release -p sse-benches --bin hub_load
//! target/release/hub_load --flavour hub --connections 1000 --rate 1000 --seconds 10 \
//!     --server-cpu 0 --client-cpu 1
//! ```
//!
//! The run: start the server (pinned with `taskset` when `--server-cpu` is given), read its
//! RSS; open the connections, wait until every one has its response head, let it settle
//! 1 s, read the RSS again (the idle cost per connection); tell the server to publish at
//! `--rate` events per second, warm up 1 s, then measure `--seconds`: deliveries per second,
//! publish-to-receive latency, the server's CPU time (`utime + stime`, all threads) and its
//! peak RSS. The server is stopped at the end (and when this process goes away: it exits at
//! the end of its standard input).
//!
//! 10,000 connections need about as many descriptors in each process: run `ulimit -n 65536`
//! first if the limit is lower (the program says so).

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sse_benches::load::{EVENTS_PATH, Flavour, procfs, server};
use ssekit_cli::load;

const USAGE: &str = "usage: hub_load [--flavour hub|broadcast|floor|bare|ready] [--connections N] \
[--http2 STREAMS_PER_CONNECTION] [--rate EVENTS_PER_SEC] [--seconds S (default 10, at most 60)] \
[--server-cpu CORE] [--client-cpu CORE]
       hub_load server --flavour hub|broadcast|floor|bare|ready
  --connections N   event streams (with --http2: over N / STREAMS_PER_CONNECTION HTTP/2 connections)
  --http2 S         HTTP/2 without TLS (h2c), S streams per connection: --flavour ready only";

/// The measured window at most.
const MAX_SECONDS: u64 = 60;
/// The most connections accepted.
const MAX_CONNECTIONS: usize = 50_000;
/// Warm-up between the start of publishing and the measured window.
const WARM_UP: Duration = Duration::from_secs(1);
/// Time allowed to open every connection.
const CONNECT_DEADLINE: Duration = Duration::from_secs(120);
/// A stream on which nothing arrives for this long is reopened (keep-alive comes every 15 s).
const IDLE_TIMEOUT: Duration = Duration::from_secs(40);

#[derive(Debug)]
struct Args {
    flavour: Flavour,
    connections: usize,
    /// Streams per HTTP/2 connection; 0: HTTP/1.1.
    http2: usize,
    rate: f64,
    seconds: u64,
    server_cpu: Option<usize>,
    client_cpu: Option<usize>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        flavour: Flavour::Hub,
        connections: 1000,
        http2: 0,
        rate: 100.0,
        seconds: 10,
        server_cpu: None,
        client_cpu: None,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| text.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--flavour" => parsed.flavour = value()?.parse()?,
            "--connections" => parsed.connections = number(value()?)? as usize,
            "--http2" => parsed.http2 = number(value()?)? as usize,
            "--rate" => parsed.rate = value()?.parse().map_err(|e| format!("{flag}: {e}"))?,
            "--seconds" => parsed.seconds = number(value()?)?,
            "--server-cpu" => parsed.server_cpu = Some(number(value()?)? as usize),
            "--client-cpu" => parsed.client_cpu = Some(number(value()?)? as usize),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if parsed.connections == 0 || parsed.connections > MAX_CONNECTIONS {
        return Err(format!("--connections must be 1..={MAX_CONNECTIONS}"));
    }
    if !(parsed.rate > 0.0 && parsed.rate <= server::MAX_RATE) {
        return Err(format!("--rate must be in (0, {}]", server::MAX_RATE));
    }
    if parsed.http2 > 0 && parsed.flavour != Flavour::Ready {
        return Err("--http2 needs --flavour ready (axum::serve speaks HTTP/1.1 only here)".into());
    }
    if parsed.seconds == 0 || parsed.seconds > MAX_SECONDS {
        return Err(format!("--seconds must be 1..={MAX_SECONDS}"));
    }
    Ok(parsed)
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("server") {
        args.next();
        let flavour = match (args.next().as_deref(), args.next()) {
            (Some("--flavour"), Some(flavour)) => flavour.parse::<Flavour>(),
            _ => Err(USAGE.to_owned()),
        };
        let result = flavour
            .map_err(|e| e.to_string())
            .and_then(|flavour| server::run(flavour).map_err(|e| format!("hub_load server: {e}")));
        if let Err(error) = result {
            eprintln!("{error}");
            std::process::exit(2);
        }
        return;
    }
    let code = match parse_args(args).and_then(drive) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("{error}");
            2
        }
    };
    std::process::exit(code);
}

/// The server child: killed (and reaped) on drop.
struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    addr: SocketAddr,
    workers: String,
}

impl ServerProcess {
    fn start(flavour: Flavour, cpu: Option<usize>) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
        let mut command = match cpu {
            Some(cpu) => {
                let mut command = Command::new("taskset");
                command.arg("-c").arg(cpu.to_string()).arg(&exe);
                command
            }
            None => Command::new(&exe),
        };
        command
            .args(["server", "--flavour", &flavour.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command
            .spawn()
            .map_err(|e| format!("starting the server: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("no server stdout")?;
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = ServerProcess {
            child,
            stdin,
            lines,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            workers: String::new(),
        };
        let line = server
            .lines
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "the server did not start within 10 s".to_owned())?;
        let mut words = line.split_whitespace();
        match (
            words.next(),
            words.next().map(str::parse),
            words.next(),
            words.next(),
        ) {
            (Some("listening"), Some(Ok(addr)), Some("workers"), Some(workers)) => {
                server.addr = addr;
                server.workers = workers.to_owned();
                Ok(server)
            }
            _ => Err(format!("unexpected server output {line:?}")),
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn command(&mut self, command: &str) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or("server stdin closed")?;
        writeln!(stdin, "{command}")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("server command {command:?}: {e}"))
    }

    fn rss(&self) -> u64 {
        procfs::rss_kib(self.pid()).unwrap_or(0)
    }

    fn cpu_ticks(&self) -> u64 {
        procfs::cpu_ticks(self.pid()).unwrap_or(0)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.command("quit");
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The measured figures of one run.
struct Report {
    window: Duration,
    events: u64,
    missed: u64,
    duplicates: u64,
    ended: u64,
    errors: u64,
    server_cpu: f64,
    client_cpu: f64,
    /// Busy share of the server's core (all processes, softirq included), if pinned.
    server_core_busy: Option<f64>,
    /// Busy time of the whole machine, in % of one core.
    machine_busy: f64,
    rss_before: u64,
    rss_idle: u64,
    rss_load: u64,
    connected: usize,
    published: String,
    latency: load::Histogram,
}

fn drive(args: Args) -> Result<(), String> {
    procfs::check_open_files(args.connections, "hub_load")?;
    let taskset = procfs::has_taskset();
    if !taskset && (args.server_cpu.is_some() || args.client_cpu.is_some()) {
        eprintln!("hub_load: `taskset` not found: running unpinned");
    }
    if let Some(cpu) = args.client_cpu.filter(|_| taskset) {
        procfs::pin_self(cpu)?;
    }
    let mut server = ServerProcess::start(args.flavour, args.server_cpu.filter(|_| taskset))?;
    let me = std::process::id();
    eprintln!(
        "hub_load: {} server pid {} at {} ({} worker(s), CPUs {}); client CPUs {}",
        args.flavour,
        server.pid(),
        server.addr,
        server.workers,
        procfs::cpus_allowed(server.pid()).unwrap_or_else(|| "?".into()),
        procfs::cpus_allowed(me).unwrap_or_else(|| "?".into()),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let report = runtime.block_on(run(&args, &mut server))?;
    drop(server);
    print_report(&args, &report);
    Ok(())
}

async fn run(args: &Args, server: &mut ServerProcess) -> Result<Report, String> {
    let ticks_per_second = procfs::clock_ticks_per_second() as f64;
    let me = std::process::id();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = server.rss();

    // Connect everyone (ssekit-cli's load client, as `sse bench` does), at most
    // CONNECT_CONCURRENCY being set up at a time; no latency recorded until the window.
    let mut config = load::Config::new(
        format!("http://{}{EVENTS_PATH}", server.addr)
            .parse()
            .map_err(|e| format!("URL: {e}"))?,
    );
    config.connections = args.connections;
    config.http2 = (args.http2 > 0).then_some(args.http2);
    config.idle_timeout = IDLE_TIMEOUT;
    let load = load::Load::start(config)
        .await
        .map_err(|e| format!("load: {e}"))?;
    let counters = load.counters();
    counters.set_latency_on(false);
    let started = Instant::now();
    let mut last_note = Instant::now();
    loop {
        let streaming = counters.totals().streaming;
        if streaming >= args.connections {
            break;
        }
        if started.elapsed() > CONNECT_DEADLINE {
            eprintln!(
                "hub_load: only {streaming} of {} connections open after {CONNECT_DEADLINE:?}; going on",
                args.connections
            );
            break;
        }
        if last_note.elapsed() > Duration::from_secs(5) {
            eprintln!("hub_load: {streaming} connections open");
            last_note = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "hub_load: {} connections open in {:.1} s",
        counters.totals().streaming,
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_idle = server.rss();
    let connected = counters.totals().streaming;

    // Publish: warm up, then measure.
    server.command(&format!("start {}", args.rate))?;
    tokio::time::sleep(WARM_UP).await;
    let at_start = counters.totals();
    let server_ticks = server.cpu_ticks();
    let client_ticks = procfs::cpu_ticks(me).unwrap_or(0);
    let server_core = args
        .server_cpu
        .and_then(|cpu| procfs::cpu_busy_ticks(Some(cpu)));
    let machine = procfs::cpu_busy_ticks(None).unwrap_or_default();
    let window_start = Instant::now();
    counters.clear_latency();
    counters.set_latency_on(true);
    let mut rss_load = 0;
    let mut last_events = at_start.events;
    for second in 1..=args.seconds {
        let due = window_start + Duration::from_secs(second);
        tokio::time::sleep_until(due.into()).await;
        rss_load = rss_load.max(server.rss());
        let now = counters.totals();
        eprintln!(
            "hub_load: {second:>2} s: {} deliveries/s, {} streaming",
            now.events - last_events,
            now.streaming
        );
        last_events = now.events;
    }
    let window_totals = counters.totals().since(&at_start);
    counters.set_latency_on(false);
    let latency = counters.latency();
    let window = window_start.elapsed();
    let server_cpu =
        (server.cpu_ticks() - server_ticks) as f64 / ticks_per_second / window.as_secs_f64();
    let server_core_busy = server_core
        .zip(
            args.server_cpu
                .and_then(|cpu| procfs::cpu_busy_ticks(Some(cpu))),
        )
        .map(|((busy0, total0), (busy1, total1))| {
            100.0 * (busy1 - busy0) as f64 / (total1 - total0).max(1) as f64
        });
    let machine_busy = (procfs::cpu_busy_ticks(None).unwrap_or_default().0 - machine.0) as f64
        / ticks_per_second
        / window.as_secs_f64();
    let client_cpu = (procfs::cpu_ticks(me).unwrap_or(0) - client_ticks) as f64
        / ticks_per_second
        / window.as_secs_f64();
    let report = Report {
        window,
        events: window_totals.events,
        missed: window_totals.missed,
        duplicates: window_totals.duplicates,
        ended: window_totals.ended,
        errors: window_totals.errors,
        server_cpu: 100.0 * server_cpu,
        client_cpu: 100.0 * client_cpu,
        server_core_busy,
        machine_busy: 100.0 * machine_busy,
        rss_before,
        rss_idle,
        rss_load,
        connected,
        published: String::new(),
        latency,
    };
    server.command("stop")?;
    let mut published = String::from("?");
    for _ in 0..100 {
        match server.lines.try_recv() {
            Ok(line) => {
                published = line.strip_prefix("published ").unwrap_or(&line).to_owned();
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    for error in load.finish().await.first_errors {
        eprintln!("hub_load client: {error}");
    }
    Ok(Report {
        published,
        ..report
    })
}

fn print_report(args: &Args, r: &Report) {
    let secs = r.window.as_secs_f64();
    let offered = args.rate * r.connected as f64;
    let per_conn = |rss: u64| (rss.saturating_sub(r.rss_before)) as f64 / r.connected.max(1) as f64;
    let ms = |ns: u64| ns as f64 / 1e6;
    let (published, publish_secs) = r.published.split_once(' ').unwrap_or((&r.published, "?"));
    println!("flavour              {}", args.flavour);
    if args.http2 > 0 {
        println!(
            "protocol             HTTP/2 (h2c), {} streams per connection, {} connections",
            args.http2,
            args.connections.div_ceil(args.http2)
        );
    } else {
        println!("protocol             HTTP/1.1, one stream per connection");
    }
    println!(
        "connections          {} open of {}",
        r.connected, args.connections
    );
    println!(
        "rate                 {} events/s (published {published} in {publish_secs} s incl. warm-up)",
        args.rate
    );
    println!("window               {secs:.2} s");
    println!(
        "deliveries/s         {:.0} (offered {offered:.0})",
        r.events as f64 / secs
    );
    println!(
        "server CPU           {:.1} % of one core (process utime + stime)",
        r.server_cpu
    );
    if let Some(busy) = r.server_core_busy {
        println!("server core busy     {busy:.1} % (every process and softirq on that core)");
    }
    println!("client CPU           {:.1} % of one core", r.client_cpu);
    println!(
        "machine busy         {:.1} % of one core (all CPUs; others and softirq: {:.1} %)",
        r.machine_busy,
        r.machine_busy - r.server_cpu - r.client_cpu
    );
    println!(
        "latency              p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        ms(r.latency.quantile(0.5)),
        ms(r.latency.quantile(0.99)),
        ms(r.latency.max()),
        r.latency.len()
    );
    println!(
        "server RSS           {} KiB before, {} KiB idle ({:.2} KiB per connection), {} KiB peak under load ({:.2} KiB per connection)",
        r.rss_before,
        r.rss_idle,
        per_conn(r.rss_idle),
        r.rss_load,
        per_conn(r.rss_load)
    );
    println!(
        "missed / duplicates  {} / {}; streams ended by the server {}; errors {}",
        r.missed, r.duplicates, r.ended, r.errors
    );
    println!(
        "| {}{} | {} | {} | {:.0} | {:.1} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} | {:.1} | {:.1} |",
        args.flavour,
        if args.http2 > 0 {
            format!(" (HTTP/2, {} per connection)", args.http2)
        } else {
            String::new()
        },
        r.connected,
        args.rate,
        r.events as f64 / secs,
        r.server_cpu,
        r.server_core_busy
            .map_or_else(|| "-".to_owned(), |b| format!("{b:.1}")),
        ms(r.latency.quantile(0.5)),
        ms(r.latency.quantile(0.99)),
        per_conn(r.rss_idle),
        per_conn(r.rss_load),
        r.missed,
        r.ended,
        r.client_cpu,
        r.machine_busy,
    );
}
