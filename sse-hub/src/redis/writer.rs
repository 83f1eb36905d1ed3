//! [`RedisLog`]: publishes go to Redis through one writer thread that pipelines them.
//!
//! Callers pack their command (in their own thread), queue it with a deadline and wait
//! (blocking, or as a future) on its [`Appending`]. The writer sends whatever is queued in
//! one write, keeps up to [`MAX_IN_FLIGHT`] commands in flight on one connection, and
//! completes each from its own reply, in order. So concurrent publishes share round trips,
//! and a stalled Redis holds up only the publishes, never the caller's runtime.
//!
//! Outcomes are honest: a command still queued at its deadline, or queued while Redis
//! cannot be reached, was never sent (`Unavailable`); a command sent whose reply does not
//! come by its deadline, or whose connection broke, may have been applied (`Unknown`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use redis::{Client, Connection, Value};

use super::Redis;
use super::entry::{exclusions, fields, parse_redis_id, text};
use super::script::{Keys, load};
use crate::backplane::{Append, Appending};

/// Commands sent in one write, at most.
const MAX_BATCH: usize = 512;
/// Commands awaiting their reply, at most: beyond, the writer reads before it sends more.
const MAX_IN_FLIGHT: usize = 8192;
/// A connection idle this long is checked with a `PING` before a publish is sent on it:
/// one that Redis closed meanwhile (a restart) is then replaced before anything is sent,
/// so the publish is refused or goes through instead of ending unknown.
const IDLE_CHECK: Duration = Duration::from_millis(1);

/// The hub's side of the writer: queues publishes.
pub(crate) struct RedisLog {
    shared: Arc<Shared>,
    keys: Keys,
    sha: String,
    instance: u64,
    backlog: usize,
}

/// What the hub and the writer thread share.
struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    /// Commands the writer has in flight (noted each time it looks for work).
    in_flight: AtomicUsize,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// The hub is gone: finish what is queued, then stop.
    closed: bool,
}

/// One publish: its packed command, its outcome, and when its caller stops waiting.
struct Job {
    outcome: Appending,
    command: Vec<u8>,
    deadline: Instant,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl RedisLog {
    /// Starts the writer thread, on `client` with `redis`'s timeouts; `sha` is the
    /// script's, `instance` names this hub in its events' exclusions.
    pub(crate) fn start(
        client: Client,
        redis: &Redis,
        keys: Keys,
        sha: String,
        instance: u64,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            queue: Mutex::default(),
            ready: Condvar::new(),
            in_flight: AtomicUsize::new(0),
        });
        let writer = Writer {
            shared: Arc::clone(&shared),
            client,
            redis: redis.clone(),
            connection: None,
            client_id: None,
            given_up: None,
            fence_refused: false,
            in_flight: VecDeque::new(),
            retry_at: Instant::now(),
            pause: FIRST_PAUSE,
            read_timeout: Duration::ZERO,
            idle_since: None,
        };
        std::thread::Builder::new()
            .name("ssekit-hub-redis-writer".into())
            .spawn(move || writer.run())?;
        Ok(RedisLog {
            shared,
            keys,
            sha,
            instance,
            backlog: redis.backlog,
        })
    }

    fn job(&self, append: Append) -> Job {
        let except = exclusions(&append.event, self.instance);
        let command = self
            .keys
            .publish(
                &self.sha,
                append.idempotency_key.as_deref(),
                fields(&append.event, &except),
            )
            .get_packed_command();
        Job {
            outcome: append.outcome,
            command,
            deadline: append.deadline,
        }
    }

    /// Queues `appends`, in order, unless the backlog is full (then each is refused).
    pub(crate) fn append(&self, appends: Vec<Append>) {
        let jobs: Vec<Job> = appends.into_iter().map(|a| self.job(a)).collect();
        let mut queue = self.shared.lock();
        let in_flight = self.shared.in_flight.load(Ordering::Relaxed);
        if queue.jobs.len() + in_flight + jobs.len() > self.backlog {
            drop(queue);
            tracing::warn!(
                backlog = self.backlog,
                "SSE publish refused: the Redis backlog is full, nothing acknowledged"
            );
            for job in jobs {
                job.outcome
                    .failed("the backlog of publishes waiting for Redis is full");
            }
        } else {
            queue.jobs.extend(jobs);
            drop(queue);
            self.shared.ready.notify_one();
        }
    }
}

impl Drop for RedisLog {
    /// The hub is gone: the writer finishes what is queued and stops.
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.ready.notify_one();
    }
}

/// The first pause before connecting again; it doubles up to a second.
const FIRST_PAUSE: Duration = Duration::from_millis(50);

/// The writer thread's state.
struct Writer {
    shared: Arc<Shared>,
    client: Client,
    redis: Redis,
    connection: Option<Connection>,
    /// Sent, in order, awaiting their reply (`None`: a reply to skip).
    in_flight: VecDeque<Option<Job>>,
    /// No connection: when to try again.
    retry_at: Instant,
    pause: Duration,
    /// The connection's read timeout now.
    read_timeout: Duration,
    /// Since when nothing has been in flight on the connection.
    idle_since: Option<Instant>,
    /// Redis's id of the connection ([`CLIENT ID`]).
    client_id: Option<i64>,
    /// The id of a connection given up with commands perhaps still on their way (a stalled
    /// network): Redis closes it before anything is sent on the next one, so none of them
    /// can be applied after what is sent next. Per-publisher order holds across faults.
    given_up: Option<i64>,
    /// Whether Redis refused `CLIENT ID` or `CLIENT KILL` (said once in the log).
    fence_refused: bool,
}

/// What the writer does next.
enum Work {
    Stop,
    Connect,
    Check,
    Send(Vec<Job>, Vec<u8>),
    Read,
}

impl Writer {
    fn run(mut self) {
        loop {
            match self.next_work() {
                Work::Stop => return,
                Work::Connect => self.connect(),
                Work::Check => self.check(),
                Work::Send(jobs, bytes) => self.send(jobs, &bytes),
                Work::Read => self.read(),
            }
        }
    }

    /// Waits for something to do; fails queued jobs whose deadline passed (never sent).
    fn next_work(&mut self) -> Work {
        self.shared
            .in_flight
            .store(self.in_flight.len(), Ordering::Relaxed);
        let mut queue = self.shared.lock();
        loop {
            let now = Instant::now();
            while let Some(job) = queue.jobs.front() {
                if job.outcome.is_abandoned() {
                    queue.jobs.pop_front();
                } else if job.deadline <= now {
                    if let Some(job) = queue.jobs.pop_front() {
                        job.outcome.failed("Redis did not take it in time");
                    }
                } else {
                    break;
                }
            }
            let queued = !queue.jobs.is_empty();
            if queue.closed && !queued && self.in_flight.is_empty() {
                return Work::Stop;
            }
            let idle = self
                .idle_since
                .is_some_and(|since| now.duration_since(since) >= IDLE_CHECK);
            match &self.connection {
                Some(_) if queued && idle && self.in_flight.is_empty() => return Work::Check,
                Some(_) if queued && self.in_flight.len() < MAX_IN_FLIGHT => {
                    return take_batch(&mut queue.jobs);
                }
                None if queued && now >= self.retry_at => return Work::Connect,
                None if queued => {
                    // Redis was unreachable a moment ago: refuse at once, not at the deadline.
                    for job in queue.jobs.drain(..) {
                        job.outcome.failed("Redis is unreachable");
                    }
                    continue;
                }
                _ if !self.in_flight.is_empty() => return Work::Read,
                _ => {}
            }
            let mut until = now + Duration::from_secs(1);
            if let Some(job) = queue.jobs.front() {
                until = until.min(job.deadline).min(self.retry_at.max(now));
            }
            queue = self
                .shared
                .ready
                .wait_timeout(queue, until.saturating_duration_since(now))
                .map_or_else(|e| e.into_inner().0, |(guard, _)| guard);
        }
    }

    fn connect(&mut self) {
        let given_up = self.given_up;
        let connected = self.redis.connect(&self.client).and_then(|mut connection| {
            load().query::<String>(&mut connection)?;
            let id = redis::cmd("CLIENT").arg("ID").query::<i64>(&mut connection);
            // A connection already gone is fine (0 closed); an error is not (an ACL).
            let killed = given_up.map(|old| {
                redis::cmd("CLIENT")
                    .arg("KILL")
                    .arg("ID")
                    .arg(old)
                    .query::<i64>(&mut connection)
            });
            Ok((connection, id, killed))
        });
        let connected = connected.map(|(connection, id, killed)| {
            if let Some(error) = id.as_ref().err().or(killed.and_then(Result::err).as_ref()) {
                self.fence_refused(error);
            }
            (connection, id.ok())
        });
        match connected {
            Ok((connection, id)) => {
                self.client_id = id;
                self.given_up = None;
                if self.pause > FIRST_PAUSE {
                    tracing::info!("Redis back: SSE publishes go through again");
                }
                self.connection = Some(connection);
                self.read_timeout = self.redis.timeout;
                self.idle_since = None;
                self.pause = FIRST_PAUSE;
            }
            Err(error) => {
                if self.pause == FIRST_PAUSE {
                    tracing::warn!(%error, "Redis unreachable: SSE publishes are refused (not published) until it is back");
                }
                self.retry_at = Instant::now() + self.pause;
                self.pause = (self.pause * 2).min(Duration::from_secs(1));
                for job in self.shared.lock().jobs.drain(..) {
                    job.outcome.failed("Redis is unreachable");
                }
            }
        }
    }

    /// Redis refused the fence of [`given_up`](Self::given_up) (`CLIENT ID` or `CLIENT
    /// KILL`): said once, with what it costs and how to allow it.
    fn fence_refused(&mut self, error: &redis::RedisError) {
        if !std::mem::replace(&mut self.fence_refused, true) {
            tracing::warn!(
                %error,
                "Redis refused CLIENT ID or CLIENT KILL (an ACL?): after a network stall, a \
                 publish whose outcome was unknown may be applied after later publishes of \
                 this server. Allow +client|id and +client|kill to keep each server's order"
            );
        }
    }

    /// Checks an idle connection before anything is sent on it; replaces a dead one.
    fn check(&mut self) {
        self.idle_since = None;
        let timeout = self.redis.timeout;
        self.read_timeout = timeout;
        let alive = self.connection.as_mut().is_some_and(|connection| {
            connection.set_read_timeout(Some(timeout)).is_ok()
                && redis::cmd("PING").query::<String>(connection).is_ok()
        });
        if !alive {
            self.connection = None;
            self.given_up = self.client_id.take().or(self.given_up);
            self.retry_at = Instant::now();
        }
    }

    fn send(&mut self, jobs: Vec<Job>, bytes: &[u8]) {
        let Some(connection) = self.connection.as_mut() else {
            for job in jobs {
                job.outcome.failed("no connection to Redis");
            }
            return;
        };
        match connection.send_packed_command(bytes) {
            Ok(()) => {
                self.idle_since = None;
                self.in_flight.extend(jobs.into_iter().map(Some));
            }
            Err(error) => {
                self.in_flight.extend(jobs.into_iter().map(Some));
                self.lost(&format!(
                    "the connection to Redis failed while sending: {error}"
                ));
            }
        }
    }

    /// Reads the reply of the oldest command in flight, by its deadline.
    fn read(&mut self) {
        let Some(connection) = self.connection.as_mut() else {
            self.lost("no connection to Redis");
            return;
        };
        let deadline = self
            .in_flight
            .iter()
            .flatten()
            .next()
            .map_or_else(|| Instant::now() + self.redis.timeout, |job| job.deadline);
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        // A read times out within 10 ms of the oldest deadline (a syscall only when it
        // moves further than that).
        if left.abs_diff(self.read_timeout) > Duration::from_millis(10) {
            if connection.set_read_timeout(Some(left)).is_err() {
                self.lost("the connection to Redis failed");
                return;
            }
            self.read_timeout = left;
        }
        match connection.recv_response() {
            Ok(reply) => {
                let Some(front) = self.in_flight.pop_front() else {
                    return;
                };
                let Some(job) = front else {
                    return; // the reply to a command of the writer's own
                };
                if is_noscript(&reply) {
                    // Redis forgot the script (SCRIPT FLUSH, or a restart behind a proxy):
                    // this command was not run. Load it again before what comes next.
                    self.reload();
                }
                settle(&job.outcome, reply);
                if self.in_flight.is_empty() {
                    self.idle_since = Some(Instant::now());
                }
            }
            Err(error) => {
                let why = if error.is_timeout() {
                    "no answer from Redis in time".to_owned()
                } else {
                    format!("the connection to Redis broke: {error}")
                };
                self.lost(&why);
            }
        }
    }

    /// Sends `SCRIPT LOAD` in the pipeline, if it was not already the last thing sent.
    fn reload(&mut self) {
        if matches!(self.in_flight.back(), Some(None)) {
            return;
        }
        let Some(connection) = self.connection.as_mut() else {
            return;
        };
        match connection.send_packed_command(&load().get_packed_command()) {
            Ok(()) => self.in_flight.push_back(None),
            Err(error) => self.lost(&format!("the connection to Redis failed: {error}")),
        }
    }

    /// The connection is gone: every command in flight may or may not have been applied.
    fn lost(&mut self, why: &str) {
        tracing::warn!(
            in_flight = self.in_flight.len(),
            why,
            "SSE publishes in flight to Redis have an unknown outcome"
        );
        for job in self.in_flight.drain(..).flatten() {
            job.outcome.failed(why);
        }
        // Whatever it still carries must not be applied after what the next one sends.
        self.given_up = self.client_id.take().or(self.given_up);
        self.connection = None;
        self.retry_at = Instant::now();
    }
}

/// Up to [`MAX_BATCH`] queued jobs, claimed (abandoned ones dropped), and their commands
/// in one buffer.
fn take_batch(jobs: &mut VecDeque<Job>) -> Work {
    let mut batch = Vec::new();
    let mut bytes = Vec::new();
    while batch.len() < MAX_BATCH {
        let Some(job) = jobs.pop_front() else { break };
        if job.outcome.claim() {
            bytes.extend_from_slice(&job.command);
            batch.push(job);
        }
    }
    Work::Send(batch, bytes)
}

fn is_noscript(reply: &Value) -> bool {
    matches!(reply, Value::ServerError(error) if error.code() == "NOSCRIPT")
}

/// Completes a sent publish from the script's reply: `{id, duplicate}`, or Redis's
/// refusal (nothing was stored: the script stores nothing before the event).
fn settle(outcome: &Appending, reply: Value) {
    match reply {
        Value::Array(items) => match items
            .first()
            .and_then(text)
            .and_then(|id| parse_redis_id(&id))
        {
            Some(id) => outcome.published(id),
            None => outcome.failed("Redis stored it but answered with no id we can read"),
        },
        Value::ServerError(error) => outcome.refused(&format!("Redis refused it: {error}")),
        other => outcome.failed(&format!("Redis answered {other:?} instead of an id")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::PublishError;
    use crate::id::EventId;

    /// What a sent publish that got `reply` resolves to.
    fn outcome(reply: Value) -> Result<EventId, PublishError> {
        let (appending, pending) = Appending::new();
        assert!(appending.claim());
        settle(&appending, reply);
        pending.wait(Instant::now())
    }

    #[test]
    fn replies_say_published_refused_or_unknown() {
        let id = Value::Array(vec![
            Value::BulkString(b"4503599627370497-3".to_vec()),
            Value::Int(0),
        ]);
        assert_eq!(
            outcome(id).ok(),
            Some(EventId::new(4_503_599_627_370_497, 3))
        );
        let refused =
            redis::parse_redis_value(b"-OOM command not allowed\r\n").expect("an error reply");
        assert!(matches!(
            outcome(refused),
            Err(PublishError::Unavailable(_))
        ));
        let noscript =
            redis::parse_redis_value(b"-NOSCRIPT No matching script\r\n").expect("an error reply");
        assert!(is_noscript(&noscript));
        assert!(matches!(outcome(Value::Nil), Err(PublishError::Unknown(_))));
    }

    #[test]
    fn a_batch_skips_abandoned_jobs_and_claims_the_rest() {
        let deadline = Instant::now() + Duration::from_secs(1);
        let mut callers = Vec::new();
        let mut job = |command: &[u8]| {
            let (outcome, pending) = Appending::new();
            callers.push(pending);
            Job {
                outcome,
                command: command.to_vec(),
                deadline,
            }
        };
        let mut jobs: VecDeque<Job> = [job(b"a"), job(b"b"), job(b"c")].into();
        callers[1].abandon();
        let Work::Send(batch, bytes) = take_batch(&mut jobs) else {
            panic!("a batch");
        };
        assert_eq!((batch.len(), bytes.as_slice()), (2, &b"ac"[..]));
        assert!(batch.iter().all(|j| !j.outcome.claim()), "claimed: sent");
    }
}
