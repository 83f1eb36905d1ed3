//! `sse`: decode an event stream into JSON lines, or encode JSON lines into an event stream.
//!
//! ```text
//! curl -N https://example.com/events | sse decode
//! printf '{"event":"greeting","data":"hi"}\n' | sse encode
//! ```

mod chunks;
mod decode;
mod encode;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Decode and encode Server-Sent Event streams as JSON lines.
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => decode::run(&args),
        Command::Encode(args) => encode::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sse: {e}");
            ExitCode::FAILURE
        }
    }
}
