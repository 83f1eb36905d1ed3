//! A Redis Streams backplane (feature `redis`): several servers share one order, one set
//! of ids and one history, so a client resumes exactly on whichever server it reaches.
//!
//! - Publishing runs one Lua script ([`script`]) that appends to one stream: Redis gives
//!   the id, so an id means the same thing on every server. Publishes go through one
//!   writer thread per hub that pipelines them ([`writer`]); a publish is acknowledged
//!   only once Redis stored it.
//! - Each hub tails the stream on a connection of its own (`XREAD BLOCK`, on a plain
//!   thread: no runtime needed) and delivers each event to its local subscribers, encoding
//!   it once with its id ([`tail`]).
//! - A new hub first loads the recent history, so replay is local and fast.
//! - Every id carries the stream's generation: what happens when Redis loses data is in
//!   the [crate docs](crate#redis).
//!
//! One stream holds every topic of the hub (each entry names its topic): a subscriber of
//! several topics then resumes all of them exactly from one `Last-Event-ID`, which
//! per-topic streams (whose ids can collide) would not allow.

mod entry;
mod script;
mod tail;
mod writer;

use std::sync::Mutex;
use std::time::Duration;

use redis::{Client, Connection};

use crate::backplane::{Append, Backplane, BackplaneError, Feed, Snapshot};
use crate::config::Config;
use crate::hub::Hub;
use crate::memory::random_epoch;
use script::Keys;
use tail::Tail;
use writer::RedisLog;

/// Where the backplane is, and how long publishes wait for it.
///
/// ```no_run
/// use std::time::Duration;
/// use ssekit_hub::{Config, Hub, Redis};
///
/// let redis = Redis::new("redis://127.0.0.1:6379").with_timeout(Duration::from_millis(500));
/// let hub: Hub = Hub::new_with_redis(Config::default(), redis)?;
/// hub.publish("news", "seen by subscribers on every server")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Redis {
    url: String,
    key: String,
    timeout: Duration,
    backlog: usize,
    once_ttl: Duration,
}

impl Redis {
    /// The default timeout: 1 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
    /// The default backlog: 65,536 publishes.
    pub const DEFAULT_BACKLOG: usize = 65_536;
    /// How long idempotency keys are kept by default: 10 minutes.
    pub const DEFAULT_IDEMPOTENCY_TTL: Duration = Duration::from_secs(600);

    /// The Redis at `url` (`redis://host:port`, `redis://user:password@host:port/db`),
    /// stream key `ssekit-hub`, [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT),
    /// [`DEFAULT_BACKLOG`](Self::DEFAULT_BACKLOG),
    /// [`DEFAULT_IDEMPOTENCY_TTL`](Self::DEFAULT_IDEMPOTENCY_TTL).
    pub fn new(url: impl Into<String>) -> Self {
        Redis {
            url: url.into(),
            key: "ssekit-hub".into(),
            timeout: Self::DEFAULT_TIMEOUT,
            backlog: Self::DEFAULT_BACKLOG,
            once_ttl: Self::DEFAULT_IDEMPOTENCY_TTL,
        }
    }

    /// Uses stream `key` (and `key:generation`, `key:once:*`): hubs on the same key share
    /// their events.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }

    /// How long a publish waits for Redis (to connect, to send, for the answer) before it
    /// fails: [`PublishError::Unavailable`](crate::PublishError::Unavailable) if it was
    /// not sent by then, [`PublishError::Unknown`](crate::PublishError::Unknown) if it was.
    /// Also the timeout of the tail's connection. At least 1 ms.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How many publishes may wait for Redis at once (queued or in flight); beyond, a
    /// publish fails at once with
    /// [`PublishError::Unavailable`](crate::PublishError::Unavailable). Bounds the memory
    /// a stalled Redis costs: this many encoded events. At least 1.
    pub fn with_backlog(mut self, publishes: usize) -> Self {
        self.backlog = publishes.max(1);
        self
    }

    /// How long Redis remembers an idempotency key
    /// ([`Message::with_idempotency_key`](crate::Message::with_idempotency_key)): a retry
    /// within it is recognised. Each key costs Redis about a hundred bytes for that time.
    pub fn with_idempotency_ttl(mut self, ttl: Duration) -> Self {
        self.once_ttl = ttl;
        self
    }

    fn connect(&self, client: &Client) -> redis::RedisResult<Connection> {
        let connection = client.get_connection_with_timeout(self.timeout)?;
        connection.set_read_timeout(Some(self.timeout))?;
        connection.set_write_timeout(Some(self.timeout))?;
        Ok(connection)
    }
}

/// Why a hub could not start on Redis.
pub type RedisError = BackplaneError;

impl<M: Send + Sync + 'static> Hub<M> {
    /// A hub on a Redis Streams backplane: every hub on the same Redis and key delivers
    /// every event, in one order, with the same ids, and replays from the shared history
    /// (the config's history length bounds the stream). The public API is the same as
    /// in memory; see the [crate docs](crate#redis) for what happens on failures. Needs
    /// Redis 7 or later. [`Hub::new_with_backplane`] on Redis.
    ///
    /// # Errors
    ///
    /// When Redis cannot be reached now.
    pub fn new_with_redis(config: Config, redis: Redis) -> Result<Self, RedisError> {
        Hub::new_with_backplane(
            config,
            RedisBackplane {
                redis,
                opened: None,
            },
        )
    }
}

/// The Redis Streams backplane: where Redis is, and once opened, the writer and where the
/// tail starts.
struct RedisBackplane {
    redis: Redis,
    opened: Option<Opened>,
}

struct Opened {
    writer: RedisLog,
    /// Taken when the backplane starts.
    tail: Mutex<Option<Tail>>,
}

impl Backplane for RedisBackplane {
    fn open(&mut self, recent: usize) -> Result<Snapshot, BackplaneError> {
        let redis = &self.redis;
        let client = Client::open(redis.url.as_str()).map_err(BackplaneError::new)?;
        let mut connection = redis.connect(&client).map_err(BackplaneError::new)?;
        let sha: String = script::load()
            .query(&mut connection)
            .map_err(BackplaneError::new)?;
        let keys = Keys::new(&redis.key, recent, redis.once_ttl);
        let loaded =
            tail::load(&mut connection, &keys, &sha, recent).map_err(BackplaneError::new)?;
        let instance = random_epoch();
        let writer = RedisLog::start(client.clone(), redis, keys.clone(), sha.clone(), instance)
            .map_err(BackplaneError::new)?;
        let tail = Tail {
            feed: Feed::none(),
            client,
            redis: redis.clone(),
            keys,
            sha,
            last: loaded.snapshot.last,
            position: loaded.position,
            instance,
        };
        self.opened = Some(Opened {
            writer,
            tail: Mutex::new(Some(tail)),
        });
        Ok(loaded.snapshot)
    }

    fn start(&self, feed: Feed) -> Result<(), BackplaneError> {
        let tail = self
            .opened
            .as_ref()
            .and_then(|opened| opened.tail.lock().unwrap_or_else(|e| e.into_inner()).take());
        let Some(mut tail) = tail else {
            return Err(BackplaneError::new(
                "started before it was opened, or twice",
            ));
        };
        tail.feed = feed;
        std::thread::Builder::new()
            .name("ssekit-hub-redis-tail".into())
            .spawn(move || tail.run())
            .map_err(BackplaneError::new)?;
        Ok(())
    }

    fn append(&self, appends: Vec<Append>) {
        match &self.opened {
            Some(opened) => opened.writer.append(appends),
            None => {
                for append in appends {
                    append.outcome.failed("the Redis backplane was not opened");
                }
            }
        }
    }

    fn timeout(&self) -> Duration {
        self.redis.timeout
    }
}
