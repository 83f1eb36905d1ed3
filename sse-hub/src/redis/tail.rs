//! The tail: reads the stream after the last delivered entry and delivers what it finds;
//! notices every way the stream can lose events and resets the subscribers then.
//!
//! - **A new generation** (the stream came back empty, was flushed or deleted, or replaced
//!   after a loss): every subscriber gets a reset whose id is the new generation's start,
//!   and the tail reads the new generation from its start, exactly once.
//! - **A gap** in a generation's positions (entries trimmed before this hub read them, or
//!   deleted): a reset whose id is just before the first entry after the gap.
//! - **A rollback** (after a reconnect, the stream ends before what this hub delivered:
//!   a failover to a replica that lagged, or a restart that lost its last writes): the
//!   tail replaces the generation (atomically, once for all hubs), so ids given twice
//!   can never be confused.

use std::time::Duration;

use redis::{Client, Connection, Value};

use super::Redis;
use super::entry::{
    LogEntry, decode_entry, entries_of, entry_id, parse_redis_id, redis_id, stream_entries, text,
};
use super::script::{Keys, Mode};
use crate::backplane::{Feed, Snapshot};
use crate::id::EventId;
use crate::store::Entry;

/// How long one `XREAD BLOCK` waits before the tail checks the generation and its hub.
const BLOCK: Duration = Duration::from_millis(500);

/// Entries read at most per `XREAD`.
const COUNT: usize = 512;

/// Reads the stream into a hub.
pub(crate) struct Tail {
    pub(crate) feed: Feed,
    pub(crate) client: Client,
    pub(crate) redis: Redis,
    pub(crate) keys: Keys,
    pub(crate) sha: String,
    /// The live generation and the newest position delivered in it.
    pub(crate) last: EventId,
    /// Where reading goes on: the newest entry read (an event, a marker or foreign).
    pub(crate) position: EventId,
    /// Names this hub in its events' exclusions.
    pub(crate) instance: u64,
}

impl Tail {
    pub(crate) fn run(mut self) {
        let mut connection: Option<Connection> = None;
        let mut down = false;
        let mut pause = Duration::from_millis(50);
        while self.feed.is_live() {
            let result = match connection.as_mut() {
                Some(connection) => self.read(connection),
                None => self.reconnect().map(|c| connection = Some(c)),
            };
            match result {
                Ok(()) => {
                    if std::mem::take(&mut down) {
                        tracing::info!(last = %self.last, "Redis back: the SSE tail resumes");
                    }
                    pause = Duration::from_millis(50);
                }
                Err(error) => {
                    if !std::mem::replace(&mut down, true) {
                        tracing::warn!(%error, last = %self.last, "Redis unreachable: subscribers stay connected, the SSE tail resumes once it is back");
                    }
                    connection = None;
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
            }
        }
    }

    /// A new connection for blocking reads; checks that the stream still holds what this
    /// hub delivered.
    fn reconnect(&mut self) -> redis::RedisResult<Connection> {
        let mut connection = self.redis.connect(&self.client)?;
        connection.set_read_timeout(Some(BLOCK + self.redis.timeout))?;
        super::script::load().query::<String>(&mut connection)?;
        let generation = self.generation(&mut connection, Mode::Ensure)?;
        if generation != self.last.epoch() {
            self.new_generation(generation);
            return Ok(connection);
        }
        let top = last_generated_id(&mut connection, &self.keys)?;
        if top.is_some_and(|top| top.epoch() == generation && top.seq() < self.last.seq()) {
            tracing::warn!(last = %self.last, top = ?top, "SSE: the Redis stream lost events this hub delivered (a failover or a restart that lost writes): a new generation");
            let generation = self.generation(&mut connection, Mode::Renew(generation))?;
            self.new_generation(generation);
        }
        Ok(connection)
    }

    fn generation(&self, connection: &mut Connection, mode: Mode) -> redis::RedisResult<u64> {
        let reply: Value = self.keys.generation(&self.sha, mode).query(connection)?;
        generation_of(&reply)
    }

    /// One blocking read, with the generation checked in the same round trip.
    fn read(&mut self, connection: &mut Connection) -> redis::RedisResult<()> {
        let mut pipe = redis::pipe();
        pipe.add_command(self.keys.generation(&self.sha, Mode::Ensure));
        pipe.cmd("XREAD")
            .arg("COUNT")
            .arg(COUNT)
            .arg("BLOCK")
            .arg(BLOCK.as_millis() as u64)
            .arg("STREAMS")
            .arg(&self.keys.stream)
            .arg(redis_id(self.position));
        let (generation, reply): (Value, Value) = pipe.query(connection)?;
        let generation = generation_of(&generation)?;
        if generation != self.last.epoch() {
            // What was read is of the old position; read the new generation from its start.
            self.new_generation(generation);
            return Ok(());
        }
        for raw in stream_entries(reply) {
            let Some(id) = entry_id(&raw) else {
                tracing::warn!(id = ?raw.0, "SSE: an entry of the Redis stream has no id we can read, skipped");
                continue;
            };
            self.position = id;
            match decode_entry(&raw, self.instance) {
                LogEntry::Foreign => {
                    tracing::warn!(%id, "SSE: an entry of the Redis stream is not one of ours, skipped");
                    if id.epoch() == self.last.epoch() && id.seq() == self.last.seq() + 1 {
                        self.last = id; // it took a position, but nothing is lost
                    }
                }
                LogEntry::Start => {
                    if id.epoch() != self.last.epoch() {
                        self.new_generation(id.epoch());
                    }
                }
                LogEntry::Event(read) => {
                    if id.epoch() != self.last.epoch() {
                        self.new_generation(id.epoch());
                    }
                    if id.seq() != self.last.seq() + 1 {
                        let from = EventId::new(id.epoch(), id.seq().saturating_sub(1));
                        tracing::warn!(last = %self.last, next = %id, "SSE: events of the Redis stream were gone before this hub read them");
                        self.feed.lost(from);
                    }
                    self.last = id;
                    self.feed.deliver(id, &read);
                }
            }
        }
        Ok(())
    }

    /// The stream is in `generation` now: everything before is lost to the subscribers.
    fn new_generation(&mut self, generation: u64) {
        tracing::warn!(
            old = self.last.epoch(),
            new = generation,
            "SSE: the Redis stream has a new generation (its events were lost): reset event sent to every subscriber"
        );
        self.last = EventId::new(generation, 0);
        self.position = self.last;
        self.feed.lost(self.last);
    }
}

/// A hub's start on the stream: the history, and where its tail begins.
pub(crate) struct Loaded {
    pub(crate) snapshot: Snapshot,
    pub(crate) position: EventId,
}

/// Loads the live generation's newest `recent` events.
pub(crate) fn load(
    connection: &mut Connection,
    keys: &Keys,
    sha: &str,
    recent: usize,
) -> redis::RedisResult<Loaded> {
    let reply: Value = keys.generation(sha, Mode::Ensure).query(connection)?;
    let generation = generation_of(&reply)?;
    // One transaction: the newest id and the entries up to it.
    let (info, entries): (Value, Value) = redis::pipe()
        .atomic()
        .cmd("XINFO")
        .arg("STREAM")
        .arg(&keys.stream)
        .cmd("XREVRANGE")
        .arg(&keys.stream)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(recent.max(1))
        .query(connection)?;
    let top = top_of(&info);
    let mut entries = entries_of(entries);
    entries.reverse();
    let mut kept = Vec::new();
    let mut first = None;
    let mut last = EventId::new(generation, 0);
    for raw in &entries {
        let Some(id) = entry_id(raw).filter(|id| id.epoch() == generation) else {
            continue;
        };
        match decode_entry(raw, 0) {
            LogEntry::Start => first = first.or(Some(0)),
            LogEntry::Event(read) => {
                first = first.or(Some(id.seq().saturating_sub(1)));
                last = last.max(id);
                if let Ok(event) = id.with_text(|text| read.event.with_id(text)) {
                    kept.push(Entry::new(id, read.topic, event, read.coalescing_key));
                }
            }
            LogEntry::Foreign => {}
        }
    }
    if let Some(top) = top.filter(|top| top.epoch() == generation) {
        last = last.max(top);
    }
    let position = top.map_or(last, |top| top.max(last));
    Ok(Loaded {
        snapshot: Snapshot {
            last,
            complete_after: first.unwrap_or(last.seq()),
            recent: kept,
        },
        position,
    })
}

/// The generation in a reply of the script.
fn generation_of(reply: &Value) -> redis::RedisResult<u64> {
    let generation = match reply {
        Value::Int(n) => u64::try_from(*n).ok(),
        other => text(other).and_then(|t| t.parse().ok()),
    };
    generation.ok_or_else(|| {
        redis::RedisError::from((
            redis::ErrorKind::Parse,
            "the generation of the SSE stream is not a number",
        ))
    })
}

/// The stream's `last-generated-id`, if it exists.
fn last_generated_id(
    connection: &mut Connection,
    keys: &Keys,
) -> redis::RedisResult<Option<EventId>> {
    let info: Value = redis::cmd("XINFO")
        .arg("STREAM")
        .arg(&keys.stream)
        .query(connection)
        .or_else(|error| match error.code() {
            Some("ERR") => Ok(Value::Nil), // no such key
            _ => Err(error),
        })?;
    Ok(top_of(&info))
}

/// `last-generated-id` in an `XINFO STREAM` reply (RESP2 pairs or a RESP3 map).
fn top_of(info: &Value) -> Option<EventId> {
    let pairs: Vec<(&Value, &Value)> = match info {
        Value::Array(items) => items
            .chunks(2)
            .filter_map(|p| Some((p.first()?, p.get(1)?)))
            .collect(),
        Value::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
        _ => return None,
    };
    pairs
        .into_iter()
        .find(|(name, _)| text(name).as_deref() == Some("last-generated-id"))
        .and_then(|(_, id)| parse_redis_id(&text(id)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_id_is_read_from_either_protocol() {
        let s = |t: &str| Value::BulkString(t.as_bytes().to_vec());
        let resp2 = Value::Array(vec![
            s("length"),
            Value::Int(3),
            s("last-generated-id"),
            s("9-3"),
        ]);
        assert_eq!(top_of(&resp2), Some(EventId::new(9, 3)));
        let resp3 = Value::Map(vec![(s("last-generated-id"), s("9-4"))]);
        assert_eq!(top_of(&resp3), Some(EventId::new(9, 4)));
        assert_eq!(top_of(&Value::Nil), None);
        assert_eq!(
            generation_of(&s("4503599627370497")).ok(),
            Some(4_503_599_627_370_497)
        );
        assert!(generation_of(&s("x")).is_err());
    }
}
