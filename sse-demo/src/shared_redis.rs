//! [`RedisState`]: the demo's [`SharedState`] in Redis (`--redis`), next to the hub's
//! stream, so every instance renders the same pages. Keys under `sse-demo:`; values are
//! `{event id} {json}`. A change waits for Redis at most a second.
//!
//! A page waits at most [`READ_TIMEOUT`]: when Redis does not answer by then (stopped, or
//! busy), the page renders the value this instance read or wrote last, with the id of the
//! event that made it, and its stream replays what came after: stale for a moment, never
//! wrong. So pages are served while Redis is stopped.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::{Client, Connection};
use ssekit_hub::EventId;

use crate::progress::Board;
use crate::shared::{SharedState, Unavailable, Versioned, WriteLock};
use crate::todo::Todo;

/// How long a change waits for Redis, and for the write lock.
const TIMEOUT: Duration = Duration::from_secs(1);
/// How long a page waits for Redis before it renders the last value known here.
pub const READ_TIMEOUT: Duration = Duration::from_millis(40);
/// Idle connections kept for changes, at most.
const IDLE: usize = 8;
/// After a page's read failed, pages render what is known here without asking Redis for
/// this long.
const READ_PAUSE: Duration = Duration::from_millis(500);
/// The write lock expires after this if its holder dies (longer than a publish may take).
const LOCK_TTL: Duration = Duration::from_secs(5);

const LOCK: &str = "sse-demo:lock";
const UNREAD: &str = "sse-demo:unread";
const TODOS: &str = "sse-demo:todos";
const JOBS: &str = "sse-demo:jobs";
const BUILDS: &str = "sse-demo:builds";
const LEASE: &str = "sse-demo:producers";

/// Deletes a key if it still holds this value (a lock or lease released by its holder).
const RELEASE: &str =
    r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
/// Takes a lease that is free, or renews one this holder has: 1 if held now.
const LEAD: &str = r"local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0";

/// The demo's state in Redis.
pub struct RedisState {
    client: Client,
    /// Idle connections for changes: each call takes one (or makes one), so a call that
    /// waits for a stalled Redis holds up no other.
    idle: Mutex<Vec<Connection>>,
    /// Pages' reads, on a connection of their own with a short timeout; and until when
    /// they do not ask Redis (it just failed them).
    reader: Mutex<(Option<Connection>, Option<Instant>)>,
    /// The last value read or written here, by key.
    known: Mutex<HashMap<&'static str, Option<String>>>,
    /// This instance, as a lock and lease holder.
    me: String,
}

fn unavailable(error: impl std::fmt::Display) -> Unavailable {
    Unavailable(error.to_string())
}

impl RedisState {
    /// The state on the Redis at `url`, held as `me`.
    ///
    /// # Errors
    ///
    /// When the URL is not one.
    pub fn new(url: &str, me: &str) -> Result<Self, Unavailable> {
        let state = RedisState {
            client: Client::open(url).map_err(unavailable)?,
            idle: Mutex::default(),
            reader: Mutex::new((None, None)),
            known: Mutex::default(),
            me: me.to_owned(),
        };
        // Known from the start, for pages served while Redis does not answer.
        for key in [UNREAD, TODOS, JOBS] {
            if let Err(error) = state.read(key) {
                tracing::warn!(%error, key, "not read at start");
            }
        }
        Ok(state)
    }

    /// Runs `f` on an idle connection, or a new one; keeps it for the next call unless it
    /// failed (at most [`IDLE`] are kept).
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> redis::RedisResult<T>,
    ) -> Result<T, Unavailable> {
        let idle = || self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let mut slot = idle().pop();
        let result = on(&self.client, &mut slot, TIMEOUT, f);
        if let Some(connection) = slot {
            let mut idle = idle();
            if idle.len() < IDLE {
                idle.push(connection);
            }
        }
        result
    }

    /// A page's read of `key`: from Redis within [`READ_TIMEOUT`], else the last value
    /// known here.
    fn read(&self, key: &'static str) -> Result<Option<String>, Unavailable> {
        let read = match self.reader.try_lock() {
            Ok(reader) if reader.1.is_some_and(|until| Instant::now() < until) => {
                Err(Unavailable("Redis failed a read a moment ago".into()))
            }
            Ok(mut reader) => {
                let (slot, pause) = &mut *reader;
                let read = on(&self.client, slot, READ_TIMEOUT, |c| {
                    redis::cmd("GET").arg(key).query::<Option<String>>(c)
                });
                *pause = read.is_err().then(|| Instant::now() + READ_PAUSE);
                read
            }
            Err(_) => Err(Unavailable("another page is reading".into())),
        };
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        match read {
            Ok(value) => {
                known.insert(key, value.clone());
                Ok(value)
            }
            Err(error) => known.get(key).cloned().ok_or(error),
        }
    }

    fn get<T: serde::de::DeserializeOwned + Default>(
        &self,
        key: &'static str,
    ) -> Result<Versioned<T>, Unavailable> {
        Ok(self
            .read(key)?
            .as_deref()
            .and_then(parse)
            .unwrap_or_default())
    }

    fn set<T: serde::Serialize>(
        &self,
        key: &'static str,
        value: &Versioned<T>,
    ) -> Result<(), Unavailable> {
        let json = serde_json::to_string(&value.value).map_err(unavailable)?;
        let stored = format!("{} {json}", value.changed);
        self.with(|c| redis::cmd("SET").arg(key).arg(&stored).query::<()>(c))?;
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, Some(stored));
        Ok(())
    }
}

/// Runs `f` on the connection in `slot` (made first if there is none, with `timeout` for
/// connecting, reading and writing; dropped after an error).
fn on<T>(
    client: &Client,
    slot: &mut Option<Connection>,
    timeout: Duration,
    f: impl FnOnce(&mut Connection) -> redis::RedisResult<T>,
) -> Result<T, Unavailable> {
    if slot.is_none() {
        let connection = client
            .get_connection_with_timeout(timeout)
            .map_err(unavailable)?;
        connection
            .set_read_timeout(Some(timeout))
            .and_then(|()| connection.set_write_timeout(Some(timeout)))
            .map_err(unavailable)?;
        *slot = Some(connection);
    }
    let Some(connection) = slot.as_mut() else {
        return Err(Unavailable("no connection".into()));
    };
    let result = f(connection);
    if result.is_err() {
        *slot = None;
    }
    result.map_err(unavailable)
}

/// `{event id} {json}`, read back.
fn parse<T: serde::de::DeserializeOwned>(stored: &str) -> Option<Versioned<T>> {
    let (changed, json) = stored.split_once(' ')?;
    Some(Versioned {
        changed: EventId::parse(changed)?,
        value: serde_json::from_str(json).ok()?,
    })
}

impl SharedState for RedisState {
    fn lock(&self) -> Result<WriteLock, Unavailable> {
        let token = format!("{} {:?}", self.me, Instant::now());
        let until = Instant::now() + TIMEOUT;
        loop {
            let taken: Option<String> = self.with(|c| {
                redis::cmd("SET")
                    .arg(LOCK)
                    .arg(&token)
                    .arg("NX")
                    .arg("PX")
                    .arg(LOCK_TTL.as_millis() as u64)
                    .query(c)
            })?;
            if taken.is_some() {
                break;
            }
            if Instant::now() >= until {
                return Err(Unavailable("the write lock is busy".into()));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        // Released on a connection of its own: the drop may come from any thread.
        let client = self.client.clone();
        Ok(WriteLock::new(move || {
            let released = client
                .get_connection_with_timeout(TIMEOUT)
                .and_then(|mut c| {
                    redis::cmd("EVAL")
                        .arg(RELEASE)
                        .arg(1)
                        .arg(LOCK)
                        .arg(&token)
                        .query::<i64>(&mut c)
                });
            if let Err(error) = released {
                tracing::warn!(%error, "write lock not released: it expires in 5 s");
            }
        }))
    }

    fn unread(&self) -> Result<Versioned<u64>, Unavailable> {
        self.get(UNREAD)
    }

    fn set_unread(&self, unread: &Versioned<u64>) -> Result<(), Unavailable> {
        self.set(UNREAD, unread)
    }

    fn todos(&self) -> Result<Versioned<Vec<Todo>>, Unavailable> {
        self.get(TODOS)
    }

    fn set_todos(&self, todos: &Versioned<Vec<Todo>>) -> Result<(), Unavailable> {
        self.set(TODOS, todos)
    }

    fn jobs(&self) -> Result<Versioned<Board>, Unavailable> {
        self.get(JOBS)
    }

    fn set_jobs(&self, jobs: &Versioned<Board>) -> Result<(), Unavailable> {
        self.set(JOBS, jobs)
    }

    fn next_build(&self) -> Result<u64, Unavailable> {
        self.with(|c| redis::cmd("INCR").arg(BUILDS).query(c))
    }

    fn lead(&self, ttl: Duration) -> bool {
        self.with(|c| {
            redis::cmd("EVAL")
                .arg(LEAD)
                .arg(1)
                .arg(LEASE)
                .arg(&self.me)
                .arg(ttl.as_millis() as u64)
                .query::<i64>(c)
        })
        .is_ok_and(|held| held == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_and_anything_else_is_none() {
        let id = EventId::new(7, 3);
        let parsed: Option<Versioned<u64>> = parse(&format!("{id} 42"));
        assert_eq!(
            parsed,
            Some(Versioned {
                value: 42,
                changed: id
            })
        );
        assert_eq!(parse::<u64>("42"), None);
        assert_eq!(parse::<u64>(&format!("{id} x")), None);
    }
}
