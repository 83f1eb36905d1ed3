//! Entries of the stream as the hub writes and reads them, and Redis ids.
//!
//! An event entry has the fields `t` (topic), `e` (the event, encoded without an id), and
//! optionally `k` (coalescing key) and `x` (`instance:conn,conn`: connections of one
//! instance that must not get it). A generation's marker entry has the field `g`.
//! Anything else in the stream is foreign: skipped with a warning, never a panic.

use std::sync::Arc;

use bytes::Bytes;
use redis::Value;
use ssekit_core::EncodedEvent;

use crate::backplane::LogEvent;
use crate::id::{ConnectionId, EventId};

/// One entry of the stream, read.
pub(crate) enum LogEntry {
    /// An event.
    Event(LogEvent),
    /// The marker that starts a generation.
    Start,
    /// Not written by a hub (or corrupt).
    Foreign,
}

/// An entry: its id and its fields, as Redis sent them.
pub(crate) type RawEntry = (Value, Value);

/// The fields of `event`'s entry; `except` is [`exclusions`] of it.
pub(crate) fn fields<'a>(event: &'a LogEvent, except: &'a str) -> Vec<(&'static str, &'a [u8])> {
    let mut fields = vec![("t", event.topic.as_bytes()), ("e", event.event.as_bytes())];
    if let Some(key) = &event.coalescing_key {
        fields.push(("k", key.as_bytes()));
    }
    if !except.is_empty() {
        fields.push(("x", except.as_bytes()));
    }
    fields
}

/// The `x` field of `event` for `instance` (empty if it excludes no one).
pub(crate) fn exclusions(event: &LogEvent, instance: u64) -> String {
    if event.except.is_empty() {
        return String::new();
    }
    let ids: Vec<String> = event.except.iter().map(|c| c.get().to_string()).collect();
    format!("{instance}:{}", ids.join(","))
}

/// The entries of the one stream in an `XREAD` reply (none on a timeout).
pub(crate) fn stream_entries(reply: Value) -> Vec<RawEntry> {
    let entries = match reply {
        Value::Array(streams) => streams.into_iter().find_map(|stream| match stream {
            Value::Array(mut pair) if pair.len() == 2 => pair.pop(),
            _ => None,
        }),
        Value::Map(streams) => streams.into_iter().next().map(|(_, entries)| entries),
        _ => None,
    };
    entries.map(entries_of).unwrap_or_default()
}

/// The `[id, [field, value, ...]]` entries of an `XRANGE`-shaped reply.
pub(crate) fn entries_of(reply: Value) -> Vec<RawEntry> {
    let Value::Array(items) = reply else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| match item {
            Value::Array(mut pair) if pair.len() == 2 => {
                let fields = pair.pop()?;
                let id = pair.pop()?;
                Some((id, fields))
            }
            _ => None,
        })
        .collect()
}

/// The id of an entry, if it is a stream id.
pub(crate) fn entry_id((id, _): &RawEntry) -> Option<EventId> {
    parse_redis_id(&text(id)?)
}

/// Reads one entry, for `instance`.
pub(crate) fn decode_entry((_, fields): &RawEntry, instance: u64) -> LogEntry {
    let Value::Array(fields) = fields else {
        return LogEntry::Foreign;
    };
    let mut read = LogEvent::new("", EncodedEvent::keep_alive());
    let mut has_event = false;
    for pair in fields.chunks(2) {
        let [name, value] = pair else {
            return LogEntry::Foreign;
        };
        let Some(name) = bytes(name) else {
            return LogEntry::Foreign;
        };
        let ok = match name.as_slice() {
            b"g" if fields.len() == 2 => return LogEntry::Start,
            b"t" => text(value)
                .map(|topic| read.topic = Arc::from(topic))
                .is_some(),
            b"e" => bytes(value)
                .and_then(|value| EncodedEvent::from_encoded(Bytes::from(value)).ok())
                .map(|event| {
                    read.event = event;
                    has_event = true;
                })
                .is_some(),
            b"k" => text(value)
                .map(|key| read.coalescing_key = Some(Arc::from(key)))
                .is_some(),
            b"x" => text(value)
                .map(|field| read.except = excluded(&field, instance))
                .is_some(),
            _ => true,
        };
        if !ok {
            return LogEntry::Foreign;
        }
    }
    if has_event && !read.topic.is_empty() {
        LogEntry::Event(read)
    } else {
        LogEntry::Foreign
    }
}

/// The connections of `instance` an event excludes (`instance:id,id`).
fn excluded(field: &str, instance: u64) -> Vec<ConnectionId> {
    match field.split_once(':') {
        Some((owner, ids)) if owner.parse() == Ok(instance) => ids
            .split(',')
            .filter_map(|id| id.parse().ok().map(ConnectionId))
            .collect(),
        _ => Vec::new(),
    }
}

fn bytes(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::BulkString(bytes) => Some(bytes.clone()),
        Value::SimpleString(text) => Some(text.clone().into_bytes()),
        _ => None,
    }
}

/// A reply as text, if it is a string.
pub(crate) fn text(value: &Value) -> Option<String> {
    String::from_utf8(bytes(value)?).ok()
}

/// A Redis stream id (`ms-seq`) as an [`EventId`]: the generation and the position in it.
pub(crate) fn parse_redis_id(id: &str) -> Option<EventId> {
    let (ms, seq) = id.split_once('-')?;
    if ms.is_empty()
        || seq.is_empty()
        || !(ms.bytes().chain(seq.bytes())).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some(EventId::new(ms.parse().ok()?, seq.parse().ok()?))
}

/// An [`EventId`] as a Redis stream id.
pub(crate) fn redis_id(id: EventId) -> String {
    format!("{}-{}", id.epoch(), id.seq())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    fn entry(id: &str, fields: &[&str]) -> RawEntry {
        (
            field(id),
            Value::Array(fields.iter().map(|f| field(f)).collect()),
        )
    }

    #[test]
    fn ids_convert_both_ways() {
        let id = parse_redis_id("1700000000000-7");
        assert_eq!(id, Some(EventId::new(1_700_000_000_000, 7)));
        assert_eq!(id.map(redis_id).as_deref(), Some("1700000000000-7"));
        for bad in ["", "1", "a-1", "1-", "-1", "1-2-3", "+1-2", "1-+2"] {
            assert_eq!(parse_redis_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn exclusions_apply_to_their_own_instance_only() {
        assert_eq!(excluded("7:1,3", 7), [ConnectionId(1), ConnectionId(3)]);
        assert!(excluded("7:1,3", 8).is_empty());
        assert!(excluded("garbage", 7).is_empty());
    }

    #[test]
    fn events_markers_and_foreign_entries() {
        let ours = entry("5-1", &["t", "news", "e", "data: x\n\n", "k", "job"]);
        let LogEntry::Event(read) = decode_entry(&ours, 0) else {
            panic!("an event");
        };
        assert_eq!(
            (&*read.topic, read.coalescing_key.as_deref()),
            ("news", Some("job"))
        );
        assert_eq!(entry_id(&ours), Some(EventId::new(5, 1)));
        assert!(matches!(
            decode_entry(&entry("5-0", &["g", "5"]), 0),
            LogEntry::Start
        ));
        for foreign in [
            entry("6-0", &["t", "news", "e", "data: x\n\ndata: y\n\n"]), // two events
            entry("7-0", &["t"]),
            entry("8-0", &["e", "data: x\n\n"]), // no topic
            entry("9-0", &["temperature", "21"]),
            entry("9-1", &["g", "5", "t", "news"]),
            (field("9-2"), field("not fields")),
        ] {
            assert!(matches!(decode_entry(&foreign, 0), LogEntry::Foreign));
        }
        assert_eq!(entry_id(&(field("x-y"), Value::Nil)), None);
    }

    #[test]
    fn an_append_becomes_fields_a_reader_reads_back() {
        let append = LogEvent::new(
            "chat",
            EncodedEvent::from_encoded(Bytes::from_static(b"data: hi\n\n")).expect("one event"),
        )
        .with_except(vec![ConnectionId(4)]);
        let except = exclusions(&append, 9);
        let fields = fields(&append, &except);
        let flat: Vec<String> = fields
            .iter()
            .flat_map(|(n, v)| [n.to_string(), String::from_utf8_lossy(v).into_owned()])
            .collect();
        let flat: Vec<&str> = flat.iter().map(String::as_str).collect();
        let LogEntry::Event(read) = decode_entry(&entry("1-1", &flat), 9) else {
            panic!("an event");
        };
        assert_eq!(read.except, [ConnectionId(4)]);
        assert_eq!(read.event.as_bytes(), b"data: hi\n\n");
    }
}
