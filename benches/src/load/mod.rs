//! The pieces of `hub_load` (`src/bin/hub_load.rs`): a load test of an SSE server over
//! loopback, the server measured alone in its own process.
//!
//! - [`server`]: the server (the `server` subcommand): axum over ssekit-hub (`hub`), or axum's
//!   own SSE over `tokio::sync::broadcast` (`broadcast`), with a publisher on a plain thread
//!   driven by commands on its standard input.
//! - the load generator is `sse bench`'s, from ssekit-cli's library (`ssekit_cli::load`):
//!   N streams, deliveries, gaps in the ids and latency counted.
//! - [`procfs`]: RSS, CPU time, CPU affinity and the descriptor limit, read from `/proc`.
//!
//! Events follow `sse bench`'s conventions: numbered ids, and data that starts with the
//! publish time in nanoseconds ([`event_data`]).

pub mod bare;
pub mod procfs;
pub mod server;

use std::fmt;
use std::str::FromStr;

pub use ssekit_cli::load::now_nanos;

/// The path the server streams events on.
pub const EVENTS_PATH: &str = "/events";

/// The topic (hub) every client subscribes to.
pub const TOPIC: &str = "t";

/// The event type of every event.
pub const EVENT_TYPE: &str = "tick";

/// Padding that brings an event's data to about 100 bytes.
const PAD: &str = "pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad-pad";

/// Which server: ssekit-hub behind ssekit-axum, or what axum users write today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// axum + `ssekit_axum::Sse` over `ssekit_hub::Subscription`s.
    Hub,
    /// axum 0.8's own `axum::response::sse::{Sse, Event}` over
    /// `tokio_stream::wrappers::BroadcastStream` on a `tokio::sync::broadcast` channel,
    /// skipping `Lagged` errors.
    Broadcast,
    /// The floor for memory: axum's own `Sse` over a stream that never yields. No events;
    /// what an idle connection costs in axum + hyper + tokio alone.
    Floor,
    /// The floor for CPU: plain tokio, no HTTP framework; each event framed once into a
    /// shared chunk, one write per wake-up, one shared keep-alive tick ([`bare`]).
    Bare,
    /// `Hub`'s app served by ssekit-hyper's ready server (`ssekit_axum::server::Server`):
    /// HTTP/1.1, and HTTP/2 without TLS (h2c) for `--http2`.
    Ready,
}

impl FromStr for Flavour {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "hub" => Ok(Flavour::Hub),
            "broadcast" => Ok(Flavour::Broadcast),
            "floor" => Ok(Flavour::Floor),
            "bare" => Ok(Flavour::Bare),
            "ready" => Ok(Flavour::Ready),
            other => Err(format!(
                "unknown flavour {other:?}: expected hub, broadcast, floor, bare or ready"
            )),
        }
    }
}

impl fmt::Display for Flavour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flavour::Hub => "hub",
            Flavour::Broadcast => "broadcast",
            Flavour::Floor => "floor",
            Flavour::Bare => "bare",
            Flavour::Ready => "ready",
        })
    }
}

/// An event's data: its publish time (ns since the UNIX epoch: `sse bench` reads it), its
/// sequence number and padding, about 100 bytes.
pub fn event_data(seq: u64, published_nanos: u64) -> String {
    format!("{published_nanos} {seq} {PAD}")
}

/// The sequence number and publish time of an event's data, if it is one of ours.
pub fn parse_event_data(data: &str) -> Option<(u64, u64)> {
    let mut fields = data.split(' ');
    let published = fields.next()?.parse().ok()?;
    let seq = fields.next()?.parse().ok()?;
    Some((seq, published))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_data_round_trips_and_is_about_100_bytes() {
        let data = event_data(12345, 1_700_000_000_123_456_789);
        assert_eq!(
            parse_event_data(&data),
            Some((12345, 1_700_000_000_123_456_789))
        );
        assert!((90..=110).contains(&data.len()), "{}", data.len());
        assert_eq!(parse_event_data("hello"), None);
        // What `sse bench` reads as the send time.
        assert_eq!(
            ssekit_cli::load::stamp::sent_nanos(&data),
            Some(1_700_000_000_123_456_789)
        );
    }

    #[test]
    fn flavours_parse() {
        assert_eq!("hub".parse(), Ok(Flavour::Hub));
        assert_eq!(
            "broadcast".parse::<Flavour>().map(|f| f.to_string()),
            Ok("broadcast".into())
        );
        assert_eq!("floor".parse(), Ok(Flavour::Floor));
        assert_eq!("ready".parse(), Ok(Flavour::Ready));
        assert_eq!("bare".parse(), Ok(Flavour::Bare));
        assert!("other".parse::<Flavour>().is_err());
    }
}
