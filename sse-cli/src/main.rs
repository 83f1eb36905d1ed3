//! `sse`: decode an event stream into JSON lines, encode JSON lines into an event stream,
//! follow a stream over HTTP, reconnecting as a browser does, or load-test an SSE server.
//!
//! ```text
//! curl -N https://example.com/events | sse decode
//! printf '{"event":"greeting","data":"hi"}\n' | sse encode
//! sse get https://example.com/events -H 'Authorization: Bearer t' --idle-timeout 45
//! sse bench http://127.0.0.1:3000/events --connections 10000 --duration 30 --json
//! ```

mod args;
mod bench;
mod chunks;
mod decode;
mod decoding;
mod encode;
mod get;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Decode, encode and follow Server-Sent Event streams as JSON lines.
#[derive(Debug, Parser)]
#[command(name = "sse", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read an event stream on stdin; write one JSON object per event, retry or comment.
    Decode(decode::Args),
    /// Read JSON lines on stdin (`event`, `data`, `id`, `retry`, `comment`); write the event stream.
    Encode(encode::Args),
    /// Follow an event stream over HTTP, reconnecting as a browser does; print what `decode` prints.
    ///
    /// Each event, retry and comment is printed as `sse decode` prints it, flushed as it
    /// arrives. A lost connection is resumed with `Last-Event-ID` after the server's `retry`
    /// (3 s by default, backing off while attempts fail); reconnections and decoding errors are
    /// reported on stderr, never on stdout. Exit 0 when the server answers 204 (or on
    /// Ctrl-C); 1 with a one-line message when the stream fails for good (another status or
    /// content type, retries exhausted); 2 for arguments that cannot make a client.
    Get(get::Args),
    /// Hold many event streams open to one server; report what arrived.
    ///
    /// Prints a summary: streams established and failed, reconnections, events per second
    /// (in all and per stream), gaps and duplicates in numbered ids, bytes, latency when
    /// events carry a send time, and this command's own CPU. An id that ends in digits is a
    /// sequence number (`41`, `e7-41`); data that starts with a UNIX time in ms, µs or ns
    /// (13, 16 or 19 digits, then a space or the end) is a send time. A stream the server
    /// ends after an event is reopened at once with `Last-Event-ID`; one ended without an
    /// event, or a failed attempt, after 1 s. A progress line is shown on a terminal only. Exit 0; 1 when no stream could be
    /// opened; 2 for arguments that cannot make a load.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => decode::run(&args),
        Command::Encode(args) => encode::run(&args),
        Command::Get(args) => get::run(args),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sse: {e}");
            ExitCode::FAILURE
        }
    }
}
