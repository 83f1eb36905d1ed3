//! [`Counters`]: what every stream of a load adds up, read while it runs ([`Totals`]) and at
//! its end. One runtime thread updates them: the atomics are uncontended.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::histogram::Histogram;

/// Distinct error messages kept (the first ones; later ones are only counted).
const KEPT_ERRORS: usize = 5;

/// Counters shared by every stream of a load.
#[derive(Debug)]
pub struct Counters {
    latency_on: AtomicBool,
    stopping: AtomicBool,
    streaming: AtomicUsize,
    opened: AtomicU64,
    events: AtomicU64,
    gaps: AtomicU64,
    missed: AtomicU64,
    duplicates: AtomicU64,
    ended: AtomicU64,
    errors: AtomicU64,
    bytes: AtomicU64,
    /// Events received by each stream.
    per_stream: Box<[AtomicU64]>,
    /// Responses each stream opened (its first, then reconnections).
    opens: Box<[AtomicU32]>,
    latency: Mutex<Histogram>,
    first_errors: Mutex<Vec<String>>,
}

/// The counters at one moment: subtract two to measure a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Streams open now (response head received, body not ended).
    pub streaming: usize,
    /// Responses opened, reconnections included.
    pub opened: u64,
    /// Events received.
    pub events: u64,
    /// Jumps ahead in a stream's ids.
    pub gaps: u64,
    /// Events those jumps skipped.
    pub missed: u64,
    /// Events at or below an id already received on their stream.
    pub duplicates: u64,
    /// Streams the server ended (each is then reopened with its `Last-Event-ID`).
    pub ended: u64,
    /// Failed attempts: connection errors, statuses other than 200, a content type other
    /// than `text/event-stream`, timeouts, malformed bodies.
    pub errors: u64,
    /// Bytes of event stream received (response bodies, after HTTP framing).
    pub bytes: u64,
}

impl Totals {
    /// What happened between `earlier` and `self` (`streaming` is `self`'s).
    pub fn since(&self, earlier: &Totals) -> Totals {
        Totals {
            streaming: self.streaming,
            opened: self.opened - earlier.opened,
            events: self.events - earlier.events,
            gaps: self.gaps - earlier.gaps,
            missed: self.missed - earlier.missed,
            duplicates: self.duplicates - earlier.duplicates,
            ended: self.ended - earlier.ended,
            errors: self.errors - earlier.errors,
            bytes: self.bytes - earlier.bytes,
        }
    }
}

/// What one read added, counted on the stack and added to the counters once.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub events: u64,
    pub gaps: u64,
    pub missed: u64,
    pub duplicates: u64,
    pub bytes: u64,
}

impl Counters {
    /// Counters for `streams` streams, recording latency.
    pub fn new(streams: usize) -> Self {
        Counters {
            latency_on: AtomicBool::new(true),
            stopping: AtomicBool::new(false),
            streaming: AtomicUsize::new(0),
            opened: AtomicU64::new(0),
            events: AtomicU64::new(0),
            gaps: AtomicU64::new(0),
            missed: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            ended: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            per_stream: (0..streams).map(|_| AtomicU64::new(0)).collect(),
            opens: (0..streams).map(|_| AtomicU32::new(0)).collect(),
            latency: Mutex::new(Histogram::new()),
            first_errors: Mutex::new(Vec::new()),
        }
    }

    /// The totals so far.
    pub fn totals(&self) -> Totals {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Totals {
            streaming: self.streaming.load(Ordering::Relaxed),
            opened: get(&self.opened),
            events: get(&self.events),
            gaps: get(&self.gaps),
            missed: get(&self.missed),
            duplicates: get(&self.duplicates),
            ended: get(&self.ended),
            errors: get(&self.errors),
            bytes: get(&self.bytes),
        }
    }

    /// Whether send-to-receive latency is recorded (it is unless turned off, e.g. while a
    /// load warms up).
    pub fn set_latency_on(&self, on: bool) {
        self.latency_on.store(on, Ordering::Relaxed);
    }

    /// The latency histogram (ns) recorded so far.
    pub fn latency(&self) -> Histogram {
        self.histogram().clone()
    }

    /// Clears the latency histogram (to measure a window).
    pub fn clear_latency(&self) {
        *self.histogram() = Histogram::new();
    }

    /// Events received by each stream so far.
    pub fn per_stream(&self) -> Vec<u64> {
        self.per_stream
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect()
    }

    /// Events received by stream `stream` so far.
    pub(crate) fn events_of(&self, stream: usize) -> u64 {
        self.per_stream
            .get(stream)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Streams that opened at least once, and reconnections (opens after each one's first).
    pub fn established_and_reconnects(&self) -> (usize, u64) {
        let mut established = 0;
        let mut reconnects = 0;
        for opens in &self.opens {
            let opens = opens.load(Ordering::Relaxed);
            if opens > 0 {
                established += 1;
                reconnects += u64::from(opens - 1);
            }
        }
        (established, reconnects)
    }

    /// The first few distinct error messages.
    pub fn first_errors(&self) -> Vec<String> {
        self.first_errors
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default()
    }

    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    pub(crate) fn latency_on(&self) -> bool {
        self.latency_on.load(Ordering::Relaxed)
    }

    pub(crate) fn histogram(&self) -> MutexGuard<'_, Histogram> {
        self.latency.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A stream's response was accepted; the guard counts it as streaming until dropped.
    pub(crate) fn opened(&self, stream: usize) -> StreamingGuard<'_> {
        self.opened.fetch_add(1, Ordering::Relaxed);
        if let Some(opens) = self.opens.get(stream) {
            opens.fetch_add(1, Ordering::Relaxed);
        }
        self.streaming.fetch_add(1, Ordering::Relaxed);
        StreamingGuard(&self.streaming)
    }

    pub(crate) fn ended(&self) {
        self.ended.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn error(&self, message: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut kept) = self.first_errors.lock()
            && kept.len() < KEPT_ERRORS
            && !kept.contains(&message)
        {
            kept.push(message);
        }
    }

    pub(crate) fn add(&self, stream: usize, batch: &Batch) {
        let add = |counter: &AtomicU64, n: u64| {
            if n > 0 {
                counter.fetch_add(n, Ordering::Relaxed);
            }
        };
        add(&self.events, batch.events);
        add(&self.gaps, batch.gaps);
        add(&self.missed, batch.missed);
        add(&self.duplicates, batch.duplicates);
        add(&self.bytes, batch.bytes);
        if let Some(count) = self.per_stream.get(stream) {
            add(count, batch.events);
        }
    }
}

/// Counts a stream as streaming while it lives.
pub(crate) struct StreamingGuard<'a>(&'a AtomicUsize);

impl Drop for StreamingGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_opens_and_errors_add_up() {
        let counters = Counters::new(3);
        {
            let _a = counters.opened(0);
            let _b = counters.opened(2);
            assert_eq!(counters.totals().streaming, 2);
        }
        drop(counters.opened(2));
        assert_eq!(counters.totals().streaming, 0);
        assert_eq!(counters.established_and_reconnects(), (2, 1));
        for n in 0..7 {
            counters.error(format!("error {n}"));
        }
        assert_eq!(counters.totals().errors, 7);
        assert_eq!(counters.first_errors().len(), KEPT_ERRORS);
        let before = counters.totals();
        counters.add(
            1,
            &Batch {
                events: 4,
                gaps: 1,
                missed: 2,
                duplicates: 0,
                bytes: 100,
            },
        );
        let window = counters.totals().since(&before);
        assert_eq!((window.events, window.missed, window.bytes), (4, 2, 100));
        assert_eq!(counters.per_stream(), [0, 4, 0]);
    }
}
