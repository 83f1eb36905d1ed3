//! A Redis Streams backplane (feature `redis`): several servers share one order, one set
//! of ids and one history, so a client resumes exactly on whichever server it reaches.
//!
//! - Publishing appends to one stream (`XADD` with an approximate `MAXLEN` of the history
//!   length): Redis gives the id, so an id means the same thing on every server. The
//!   publish returns only once Redis has stored the event, and fails (nothing acknowledged)
//!   when Redis cannot be reached.
//! - Each hub tails the stream on a connection of its own (`XREAD BLOCK`, on a plain
//!   thread: no runtime needed) and delivers each event to its local subscribers, encoding
//!   it once with its id.
//! - A new hub first loads the recent history (`XREVRANGE`), so replay is local and fast.
//! - When Redis is down the tail retries and resumes from its last id once it is back. If
//!   Redis came back empty (restarted without persistence: a generation key set by the
//!   first hub is gone), every subscriber gets the reset event instead of a hole.
//!
//! One stream holds every topic of the hub (each entry names its topic): a subscriber of
//! several topics then resumes all of them exactly from one `Last-Event-ID`, which
//! per-topic streams (whose ids can collide) would not allow.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use bytes::Bytes;
use redis::{Client, Connection, Value};
use sse_core::EncodedEvent;

use crate::config::Config;
use crate::error::PublishError;
use crate::history::History;
use crate::hub::{Hub, Log, Shared};
use crate::id::{ConnectionId, EventId};
use crate::memory::random_epoch;
use crate::store::{Entry, ResetReason, Store, Topic};

/// Where the backplane is: a Redis URL and the stream's key.
///
/// ```no_run
/// use sse_hub::{Config, Hub, Redis};
///
/// let hub: Hub = Hub::new_with_redis(Config::default(), Redis::new("redis://127.0.0.1:6379"))?;
/// hub.publish("news", "seen by subscribers on every server")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Redis {
    url: String,
    key: String,
    timeout: Duration,
}

impl Redis {
    /// The Redis at `url` (`redis://host:port`), stream key `sse-hub`, 1 s timeouts.
    pub fn new(url: impl Into<String>) -> Self {
        Redis {
            url: url.into(),
            key: "sse-hub".into(),
            timeout: Duration::from_secs(1),
        }
    }

    /// Uses stream `key` (and `key:generation`): hubs on the same key share their events.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }

    /// How long a publish may wait for Redis before it fails.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn generation_key(&self) -> String {
        format!("{}:generation", self.key)
    }

    fn connect(&self, client: &Client) -> redis::RedisResult<Connection> {
        let connection = client.get_connection_with_timeout(self.timeout)?;
        connection.set_read_timeout(Some(self.timeout))?;
        connection.set_write_timeout(Some(self.timeout))?;
        Ok(connection)
    }
}

/// Why a hub could not start on Redis.
#[derive(Debug)]
pub struct RedisError(redis::RedisError);

impl std::fmt::Display for RedisError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redis backplane: {}", self.0)
    }
}

impl std::error::Error for RedisError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl<M: Send + Sync + 'static> Hub<M> {
    /// A hub on a Redis Streams backplane: every hub on the same Redis and key delivers
    /// every event, in one order, with the same ids, and replays from the shared history
    /// (the config's history length bounds the stream). The public API is the same as
    /// in memory; see the [module docs](crate#redis) for what happens on failures.
    ///
    /// # Errors
    ///
    /// When Redis cannot be reached now.
    pub fn new_with_redis(config: Config, redis: Redis) -> Result<Self, RedisError> {
        let client = Client::open(redis.url.as_str()).map_err(RedisError)?;
        let mut connection = redis.connect(&client).map_err(RedisError)?;
        let generation = generation(&mut connection, &redis).map_err(RedisError)?;
        let (store, last) = load(&mut connection, &redis, &config).map_err(RedisError)?;
        let connections: [Mutex<Option<Connection>>; PUBLISH_CONNECTIONS] = Default::default();
        *connections[0].lock().unwrap_or_else(|e| e.into_inner()) = Some(connection);
        let log = RedisLog {
            client: client.clone(),
            redis: redis.clone(),
            maxlen: config.history_len().max(1),
            instance: random_epoch(),
            connections,
            next: AtomicUsize::new(0),
        };
        let instance = log.instance;
        let hub = Hub::from_parts(config, Box::new(store), Some(Box::new(log)));
        let tail = Tail {
            hub: hub.downgrade(),
            client,
            redis,
            generation,
            last,
            instance,
        };
        std::thread::Builder::new()
            .name("sse-hub-redis-tail".into())
            .spawn(move || tail.run())
            .map_err(|e| RedisError(e.into()))?;
        Ok(hub)
    }
}

/// The history the tail delivers into, with the ids Redis gave.
#[derive(Debug)]
struct RedisStore {
    /// The newest id delivered (or loaded).
    last: EventId,
    /// Ids up to this one may be missing here (before what was loaded at start).
    floor: EventId,
    history: History,
}

impl Store for RedisStore {
    /// Live-only events (to one connection, or by metadata) go through no log: they carry
    /// the latest id, so a client's last event ID stays right.
    fn next_id(&mut self) -> EventId {
        self.last
    }

    fn last_id(&self) -> EventId {
        self.last
    }

    fn keep(&mut self, entry: Entry) {
        self.history.keep(entry);
    }

    fn keep_id(&mut self, id: EventId) {
        self.last = self.last.max(id);
    }

    /// Redis ids start with the Redis server's clock in milliseconds: an id up to a minute
    /// ahead of this machine's clock may be one this hub's tail has yet to read.
    fn ahead(&self, id: EventId) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        u128::from(id.epoch()) <= now + 60_000
    }

    fn restart(&mut self, from: EventId) {
        self.history.clear();
        self.last = from;
        self.floor = from;
    }

    fn replay(
        &mut self,
        topics: &[Topic],
        after: EventId,
        out: &mut Vec<Entry>,
    ) -> Result<(), ResetReason> {
        if after > self.last {
            return Err(ResetReason::UnknownId);
        }
        if after < self.floor {
            return Err(ResetReason::HistoryGone);
        }
        self.history.replay(topics, after, out)
    }
}

/// Connections a hub publishes on: publishers on several threads each wait one round
/// trip, on different connections.
const PUBLISH_CONNECTIONS: usize = 4;

/// Appends published events to the stream, on connections of its own (made when needed).
struct RedisLog {
    client: Client,
    redis: Redis,
    maxlen: usize,
    /// Names this hub in its events' exclusions.
    instance: u64,
    connections: [Mutex<Option<Connection>>; PUBLISH_CONNECTIONS],
    next: AtomicUsize,
}

impl RedisLog {
    /// A free connection slot, or the next one in turn if all are busy.
    fn connection(&self) -> MutexGuard<'_, Option<Connection>> {
        for slot in &self.connections {
            if let Ok(free) = slot.try_lock() {
                return free;
            }
        }
        let turn = self.next.fetch_add(1, Ordering::Relaxed) % PUBLISH_CONNECTIONS;
        self.connections[turn]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

impl Log for RedisLog {
    fn append(
        &self,
        topic: &str,
        event: &EncodedEvent,
        key: Option<&str>,
        except: &[ConnectionId],
    ) -> Result<EventId, PublishError> {
        let mut command = redis::cmd("XADD");
        command
            .arg(&self.redis.key)
            .arg("MAXLEN")
            .arg("~")
            .arg(self.maxlen)
            .arg("*")
            .arg("t")
            .arg(topic)
            .arg("e")
            .arg(event.as_bytes());
        if let Some(key) = key {
            command.arg("k").arg(key);
        }
        if !except.is_empty() {
            let ids: Vec<String> = except.iter().map(|c| c.get().to_string()).collect();
            command
                .arg("x")
                .arg(format!("{}:{}", self.instance, ids.join(",")));
        }
        let mut slot = self.connection();
        let result = match slot.as_mut() {
            Some(connection) => command.query::<String>(connection),
            None => self.redis.connect(&self.client).and_then(|mut connection| {
                let id = command.query::<String>(&mut connection);
                *slot = Some(connection);
                id
            }),
        };
        match result {
            Ok(id) => parse_redis_id(&id).ok_or_else(|| {
                PublishError::Unavailable(format!("Redis gave an id we cannot read: {id:?}"))
            }),
            Err(error) => {
                *slot = None; // reconnect next time
                tracing::warn!(%error, "SSE publish failed: Redis unreachable, nothing acknowledged");
                Err(PublishError::Unavailable(error.to_string()))
            }
        }
    }
}

/// Reads the stream after the last delivered id and delivers what it finds.
struct Tail<M> {
    hub: Weak<Shared<M>>,
    client: Client,
    redis: Redis,
    generation: String,
    last: EventId,
    instance: u64,
}

/// How long one `XREAD BLOCK` waits before the tail checks that its hub is still there.
const BLOCK: Duration = Duration::from_millis(500);

impl<M: Send + Sync + 'static> Tail<M> {
    fn run(mut self) {
        let mut connection: Option<Connection> = None;
        let mut down = false;
        let mut pause = Duration::from_millis(50);
        while let Some(hub) = self.hub.upgrade() {
            if hub.is_closed() {
                return;
            }
            let result = match connection.as_mut() {
                Some(connection) => self.read(connection, &hub),
                None => self.reconnect(&hub).map(|c| connection = Some(c)),
            };
            drop(hub);
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

    /// A new connection for blocking reads; if Redis lost its data meanwhile, everyone
    /// gets a reset and the tail starts the new stream from its beginning.
    fn reconnect(&mut self, hub: &Shared<M>) -> redis::RedisResult<Connection> {
        let mut connection = self.redis.connect(&self.client)?;
        connection.set_read_timeout(Some(BLOCK + self.redis.timeout))?;
        let generation = generation(&mut connection, &self.redis)?;
        if generation != self.generation {
            self.generation = generation;
            self.last = EventId::new(0, 0);
            hub.log_lost(self.last);
        }
        Ok(connection)
    }

    fn read(&mut self, connection: &mut Connection, hub: &Shared<M>) -> redis::RedisResult<()> {
        let reply: Value = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(512)
            .arg("BLOCK")
            .arg(BLOCK.as_millis() as u64)
            .arg("STREAMS")
            .arg(&self.redis.key)
            .arg(redis_id(self.last))
            .query(connection)?;
        for entry in stream_entries(reply).into_iter().flat_map(entries) {
            let Some(read) = decode_entry(&entry, self.instance) else {
                tracing::warn!(id = ?entry.0, "SSE: an entry of the stream is not one of ours, skipped");
                continue;
            };
            self.last = read.id;
            hub.deliver_from_log(read.id, &read.topic, &read.event, read.key, read.except);
        }
        Ok(())
    }
}

/// The generation of the stream's data: set once by the first hub; gone if Redis lost it.
fn generation(connection: &mut Connection, redis: &Redis) -> redis::RedisResult<String> {
    let key = redis.generation_key();
    let fresh = format!("{:016x}", random_epoch());
    let _: Value = redis::cmd("SET")
        .arg(&key)
        .arg(&fresh)
        .arg("NX")
        .query(connection)?;
    redis::cmd("GET").arg(&key).query(connection)
}

/// The recent history, oldest first, and the newest id.
fn load(
    connection: &mut Connection,
    redis: &Redis,
    config: &Config,
) -> redis::RedisResult<(RedisStore, EventId)> {
    let count = config.history_len().max(1);
    let reply: Value = redis::cmd("XREVRANGE")
        .arg(&redis.key)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(count)
        .query(connection)?;
    let mut read: Vec<Read> = entries(reply)
        .iter()
        .filter_map(|e| decode_entry(e, 0))
        .collect();
    read.reverse();
    let last = read.last().map_or(EventId::new(0, 0), |r| r.id);
    // A full window may have had older events before it: those cannot be replayed here.
    let floor = match read.first() {
        Some(first) if read.len() >= count => first.id,
        _ => EventId::new(0, 0),
    };
    let mut history = History::new(config.history_len(), config.history_max_age());
    for read in read {
        if let Ok(event) = read.event.with_id(&read.id.to_string()) {
            history.keep(Entry::new(read.id, Arc::from(read.topic), event, read.key));
        }
    }
    let store = RedisStore {
        last,
        floor,
        history,
    };
    Ok((store, last))
}

/// One entry of the stream, as this hub reads it.
struct Read {
    id: EventId,
    topic: String,
    event: EncodedEvent,
    key: Option<Arc<str>>,
    except: Vec<ConnectionId>,
}

/// An entry: its id and its fields.
type RawEntry = (Value, Value);

/// The entries of the one stream in an `XREAD` reply (none on a timeout).
fn stream_entries(reply: Value) -> Option<Value> {
    match reply {
        Value::Array(streams) => streams.into_iter().find_map(|stream| match stream {
            Value::Array(mut pair) if pair.len() == 2 => pair.pop(),
            _ => None,
        }),
        Value::Map(streams) => streams.into_iter().next().map(|(_, entries)| entries),
        _ => None,
    }
}

/// The `[id, [field, value, ...]]` entries of an `XRANGE`-shaped reply.
fn entries(reply: Value) -> Vec<RawEntry> {
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

/// Reads one entry; `None` if it is not an event a hub wrote.
fn decode_entry((id, fields): &RawEntry, instance: u64) -> Option<Read> {
    let id = parse_redis_id(&text(id)?)?;
    let Value::Array(fields) = fields else {
        return None;
    };
    let mut read = Read {
        id,
        topic: String::new(),
        event: EncodedEvent::keep_alive(),
        key: None,
        except: Vec::new(),
    };
    let mut has_event = false;
    for pair in fields.chunks(2) {
        let [name, value] = pair else { return None };
        match bytes(name)?.as_slice() {
            b"t" => read.topic = text(value)?,
            b"e" => {
                read.event = EncodedEvent::from_encoded(Bytes::from(bytes(value)?)).ok()?;
                has_event = true;
            }
            b"k" => read.key = Some(Arc::from(text(value)?)),
            b"x" => read.except = excluded(&text(value)?, instance),
            _ => {}
        }
    }
    (has_event && !read.topic.is_empty()).then_some(read)
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

fn text(value: &Value) -> Option<String> {
    String::from_utf8(bytes(value)?).ok()
}

/// A Redis stream id (`ms-seq`) as an [`EventId`].
fn parse_redis_id(id: &str) -> Option<EventId> {
    let (ms, seq) = id.split_once('-')?;
    Some(EventId::new(ms.parse().ok()?, seq.parse().ok()?))
}

/// An [`EventId`] as a Redis stream id.
fn redis_id(id: EventId) -> String {
    format!("{}-{}", id.epoch(), id.seq())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_convert_both_ways() {
        let id = parse_redis_id("1700000000000-7");
        assert_eq!(id, Some(EventId::new(1_700_000_000_000, 7)));
        assert_eq!(id.map(redis_id).as_deref(), Some("1700000000000-7"));
        for bad in ["", "1", "a-1", "1-", "-1", "1-2-3"] {
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
    fn entries_that_are_not_ours_are_refused() {
        let field = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let ours = (
            field("5-0"),
            Value::Array(vec![
                field("t"),
                field("news"),
                field("e"),
                field("data: x\n\n"),
            ]),
        );
        let read = decode_entry(&ours, 0);
        assert_eq!(
            read.map(|r| (r.id, r.topic)),
            Some((EventId::new(5, 0), "news".into()))
        );
        let injected = (
            field("6-0"),
            Value::Array(vec![
                field("t"),
                field("news"),
                field("e"),
                field("data: x\n\ndata: y\n\n"),
            ]),
        );
        assert!(
            decode_entry(&injected, 0).is_none(),
            "two events in one entry"
        );
        let odd = (field("7-0"), Value::Array(vec![field("t")]));
        assert!(decode_entry(&odd, 0).is_none());
    }
}
