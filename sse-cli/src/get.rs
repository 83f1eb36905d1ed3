//! `sse get URL`: follow an event stream as a browser's `EventSource` does (ssekit-hyper's
//! client), printing what `sse decode` prints, flushed as each item arrives. Reconnections
//! and errors go to stderr, never to stdout.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use futures_util::StreamExt;
use http::Uri;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use ssekit_hyper::{EventSource, Item, Reconnect, SourceError};

use crate::args::{FAILED, USAGE, parse_header, parse_seconds};
use crate::decoding::DecoderArgs;
use crate::output::Output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event stream's URL (http or https).
    #[arg(value_name = "URL")]
    url: Uri,
    /// A request header, as `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    headers: Vec<(HeaderName, HeaderValue)>,
    /// Start from this last event ID (resume a stream followed before).
    #[arg(long, value_name = "ID")]
    last_event_id: Option<String>,
    #[command(flatten)]
    decoding: DecoderArgs,
    /// Give up after N reconnection attempts in a row without an event (default: never).
    #[arg(long, value_name = "N")]
    max_retries: Option<u32>,
    /// Reconnect when nothing at all arrives for SECS seconds (e.g. `45` or `0.5`).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    idle_timeout: Option<Duration>,
    /// Never wait more than SECS seconds before an attempt, whatever the server's `retry`
    /// (default: 300).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    max_delay: Option<Duration>,
    /// Trust the CA certificates in this PEM file too, beside the public roots (a private
    /// CA, or a development server's self-signed certificate).
    #[arg(long, value_name = "FILE")]
    cacert: Option<std::path::PathBuf>,
}

pub fn run(args: Args) -> io::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(follow(args))
}

/// The client the arguments describe.
fn source(args: Args) -> Result<EventSource, ssekit_hyper::SetupError> {
    let mut decoder = args.decoding.decoder();
    if let Some(id) = &args.last_event_id {
        decoder = decoder.with_last_event_id(id);
    }
    let mut policy = Reconnect::new();
    if let Some(max) = args.max_retries {
        policy = policy.with_max_retries(max);
    }
    if let Some(max) = args.max_delay {
        policy = policy.with_max_delay(max);
    }
    let headers: HeaderMap = args.headers.into_iter().collect();
    let source = match &args.cacert {
        Some(ca) => EventSource::new_trusting(args.url, ca)?,
        None => EventSource::new(args.url)?,
    };
    let source = source
        .with_decoder(decoder)
        .with_reconnect(policy)
        .with_idle_timeout(args.idle_timeout.unwrap_or_default());
    Ok(if headers.is_empty() {
        source
    } else {
        source.with_headers(move || headers.clone())
    })
}

async fn follow(args: Args) -> io::Result<ExitCode> {
    let mut source = match source(args) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("sse get: {e}");
            return Ok(ExitCode::from(USAGE));
        }
    };
    let mut out = io::stdout().lock();
    let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
    let mut reconnected = false;
    loop {
        let item = tokio::select! {
            _ = &mut interrupted => return Ok(ExitCode::SUCCESS),
            item = source.next() => item,
        };
        let output = match &item {
            None => return Ok(ExitCode::SUCCESS), // 204: the server said stop
            Some(Ok(Item::Event(event))) => Output::Event {
                event: event.event_type(),
                data: event.data(),
                id: event.last_event_id(),
            },
            Some(Ok(Item::Retry(time))) => Output::Retry {
                retry: time.as_millis(),
            },
            Some(Ok(Item::Comment(comment))) => Output::Comment { comment },
            Some(Ok(Item::Open)) => {
                if std::mem::take(&mut reconnected) {
                    eprintln!("sse get: reconnected to {}", source.url());
                }
                continue;
            }
            Some(Ok(Item::Reconnecting {
                delay,
                retry,
                cause,
            })) => {
                eprintln!("sse get: {cause}; reconnecting in {delay:?} (attempt {retry})");
                reconnected = true;
                continue;
            }
            Some(Ok(_)) => continue,
            Some(Err(e @ SourceError::Decode(_))) => {
                eprintln!("sse get: {e}");
                continue;
            }
            Some(Err(e)) => {
                eprintln!("sse get: {e}");
                return Ok(ExitCode::from(FAILED));
            }
        };
        output.write_line(&mut out)?;
        out.flush()?;
    }
}
