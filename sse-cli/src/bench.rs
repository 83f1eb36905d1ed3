//! `sse bench URL`: hold many event streams open to one server and report what arrived
//! (the library's [`ssekit_cli::load`]). One core: a current-thread runtime carries every
//! stream, and the summary gives that core's load, so the client is seen not to be the
//! bottleneck.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use http::Uri;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use ssekit_cli::load::{self, Config, process};

use crate::args::{FAILED, USAGE, parse_header, parse_seconds};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event stream's URL (http or https).
    #[arg(value_name = "URL")]
    url: Uri,
    /// Event streams to hold open.
    #[arg(short = 'c', long, value_name = "N", default_value_t = 100)]
    connections: usize,
    /// How long to run, ramp included (seconds, e.g. `30` or `2.5`).
    #[arg(short = 'd', long, value_name = "SECS", value_parser = parse_seconds, default_value = "10")]
    duration: Duration,
    /// Open N streams per second (default: all at once, 128 being set up at a time).
    #[arg(long, value_name = "N")]
    ramp: Option<f64>,
    /// HTTP/2: N streams per connection (h2c for http://, ALPN h2 for https://). Without
    /// it, HTTP/1.1 with a connection per stream.
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "100")]
    http2: Option<usize>,
    /// A request header, as `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    headers: Vec<(HeaderName, HeaderValue)>,
    /// Every stream's first request resumes after this event ID.
    #[arg(long, value_name = "ID")]
    last_event_id: Option<String>,
    /// Trust the CA certificates in this PEM file too, beside the public roots.
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// Reopen a stream on which nothing arrives for SECS seconds.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, default_value = "45")]
    idle_timeout: Duration,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> io::Result<ExitCode> {
    if let Err(message) = process::check_open_files(args.connections, "sse bench") {
        eprintln!("{message}");
        return Ok(ExitCode::from(USAGE));
    }
    let json = args.json;
    let mut config = Config::new(args.url);
    config.connections = args.connections;
    config.duration = args.duration;
    config.ramp = args.ramp;
    config.http2 = args.http2;
    config.headers = args.headers.into_iter().collect::<HeaderMap>();
    config.last_event_id = args.last_event_id.unwrap_or_default();
    config.cacert = args.cacert;
    config.idle_timeout = args.idle_timeout;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // A progress line on a terminal only, rewritten in place.
    let terminal = io::stderr().is_terminal();
    let result = runtime.block_on(load::run(config, |progress| {
        if terminal {
            eprint!("\r{progress}\x1b[K");
        }
    }));
    if terminal {
        eprint!("\r\x1b[K");
    }
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            eprintln!("sse bench: {e}");
            return Ok(ExitCode::from(USAGE));
        }
    };
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, &summary)?;
        writeln!(out)?;
    } else {
        write!(out, "{summary}")?;
    }
    out.flush()?;
    if summary.connections.established == 0 {
        let why = summary.first_errors.first().map_or("", String::as_str);
        eprintln!("sse bench: no stream could be opened: {why}");
        return Ok(ExitCode::from(FAILED));
    }
    Ok(ExitCode::SUCCESS)
}
