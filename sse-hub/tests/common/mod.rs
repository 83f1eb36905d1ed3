//! What ssekit-hub's integration tests share: reading an event the way a client does, with
//! ssekit-core's decoder; and a real `redis-server`.
#![allow(dead_code)] // each test file uses its own part

pub mod proxy;
pub mod redis;

use ssekit_core::{Decoded, Decoder, EncodedEvent};
use ssekit_hub::EventId;

/// An event as a client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Its id (the client's last event ID after it).
    pub id: String,
    /// The sequence number in the id (`u64::MAX` if it has none).
    pub seq: u64,
    /// Its type (`message` if it has none).
    pub event_type: String,
    /// Its data.
    pub data: String,
}

/// Decodes one encoded event with ssekit-core's decoder.
pub fn decode(event: &EncodedEvent) -> Seen {
    let mut decoder = Decoder::new();
    let message = decoder
        .feed(event.as_bytes())
        .find_map(|item| match item {
            Ok(Decoded::Event(message)) => Some(message),
            _ => None,
        })
        .unwrap_or_else(|| panic!("not an event: {event:?}"));
    let id = message.last_event_id().to_owned();
    Seen {
        seq: EventId::parse(&id).map_or(u64::MAX, |id| id.seq()),
        event_type: message.event_type().to_owned(),
        data: message.data().to_owned(),
        id,
    }
}

/// The next event of `sub`, decoded, within ten seconds.
#[cfg(not(loom))]
pub async fn next(sub: &mut ssekit_hub::Subscription) -> Seen {
    use futures_util::StreamExt;
    let event = tokio::time::timeout(std::time::Duration::from_secs(10), sub.next())
        .await
        .expect("an event in time")
        .expect("the stream goes on");
    decode(&event)
}

/// The data of the next `n` events of `sub`.
#[cfg(not(loom))]
pub async fn data(sub: &mut ssekit_hub::Subscription, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(next(sub).await.data);
    }
    out
}
