//! [`Summary`]: what a load measured, printed for people ([`Display`](fmt::Display)) or
//! serialised for machines (`--json`).

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::{Config, Counters, Totals};

/// What a load measured, over its whole run.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// The URL streamed from.
    pub url: String,
    /// `HTTP/1.1` or `HTTP/2`.
    pub protocol: &'static str,
    /// The run's length, ramp included.
    pub seconds: f64,
    /// Streams asked for, opened and lost.
    pub connections: Connections,
    /// Events and bytes received.
    pub events: Events,
    /// Send-to-receive latency of the events that carry a send time (see
    /// [`stamp`](super::stamp)); `None` when none did.
    pub latency_ms: Option<Latency>,
    /// This process's CPU time over the run, in % of one core (Linux only).
    pub client_cpu_percent: Option<f64>,
    /// That CPU time per event received, in microseconds (when any was counted).
    pub client_us_per_event: Option<f64>,
    /// The first few errors, as they were reported.
    pub first_errors: Vec<String>,
}

/// Streams asked for, opened and lost.
#[derive(Debug, Clone, Copy, Serialize)]
#[non_exhaustive]
pub struct Connections {
    /// Streams asked for.
    pub requested: usize,
    /// Streams that opened at least once.
    pub established: usize,
    /// Streams that never opened.
    pub failed: usize,
    /// Streams open at the end.
    pub open_at_end: usize,
    /// Reopenings after a stream's first response.
    pub reconnects: u64,
    /// Streams the server ended.
    pub ended_by_server: u64,
    /// Failed attempts (connection errors, other statuses or content types, timeouts).
    pub errors: u64,
}

/// Events and bytes received.
#[derive(Debug, Clone, Copy, Serialize)]
#[non_exhaustive]
pub struct Events {
    /// Events received.
    pub received: u64,
    /// `received` per second of the run.
    pub per_second: f64,
    /// Events per second of each stream: the slowest, the median, the fastest.
    pub per_connection: Spread,
    /// Jumps ahead in a stream's numbered ids.
    pub gaps: u64,
    /// Events those jumps skipped.
    pub missed: u64,
    /// Events at or below an id already received on their stream.
    pub duplicates: u64,
    /// Bytes of event stream (response bodies).
    pub bytes: u64,
}

/// The smallest, the median and the largest of a set of values.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Spread {
    /// The smallest.
    pub min: f64,
    /// The middle one (of an even number, the upper of the two middle ones).
    pub median: f64,
    /// The largest.
    pub max: f64,
}

/// Latency quantiles in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
#[non_exhaustive]
pub struct Latency {
    /// Events measured.
    pub events: u64,
    /// The median.
    pub p50: f64,
    /// The 99th percentile.
    pub p99: f64,
    /// The largest (exact).
    pub max: f64,
}

impl Spread {
    /// The spread of `values` (all zero when empty).
    pub fn of(mut values: Vec<f64>) -> Spread {
        values.sort_by(f64::total_cmp);
        let at = |i: usize| values.get(i).copied().unwrap_or(0.0);
        Spread {
            min: at(0),
            median: at(values.len() / 2),
            max: at(values.len().saturating_sub(1)),
        }
    }
}

impl Summary {
    /// The summary of a run that lasted `elapsed`, with `totals` as they were at its end
    /// and `cpu` the share of a core it used.
    pub(crate) fn new(
        config: &Config,
        counters: &Counters,
        totals: &Totals,
        elapsed: Duration,
        cpu: Option<f64>,
    ) -> Summary {
        let (established, reconnects) = counters.established_and_reconnects();
        let seconds = elapsed.as_secs_f64().max(1e-9);
        let latency = counters.latency();
        let ms = |ns: u64| ns as f64 / 1e6;
        Summary {
            url: config.url.to_string(),
            protocol: if config.http2.is_some() {
                "HTTP/2"
            } else {
                "HTTP/1.1"
            },
            seconds: elapsed.as_secs_f64(),
            connections: Connections {
                requested: config.connections,
                established,
                failed: config.connections - established,
                open_at_end: totals.streaming,
                reconnects,
                ended_by_server: totals.ended,
                errors: totals.errors,
            },
            events: Events {
                received: totals.events,
                per_second: totals.events as f64 / seconds,
                per_connection: Spread::of(
                    counters
                        .per_stream()
                        .into_iter()
                        .map(|n| n as f64 / seconds)
                        .collect(),
                ),
                gaps: totals.gaps,
                missed: totals.missed,
                duplicates: totals.duplicates,
                bytes: totals.bytes,
            },
            latency_ms: (!latency.is_empty()).then(|| Latency {
                events: latency.len(),
                p50: ms(latency.quantile(0.5)),
                p99: ms(latency.quantile(0.99)),
                max: ms(latency.max()),
            }),
            client_cpu_percent: cpu.map(|share| 100.0 * share),
            // None when no clock tick was counted (under 10 ms of CPU): not "0 µs".
            client_us_per_event: cpu
                .filter(|&share| totals.events > 0 && share > 0.0)
                .map(|share| share * seconds * 1e6 / totals.events as f64),
            first_errors: counters.first_errors(),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.connections;
        let e = &self.events;
        writeln!(
            f,
            "{} over {}, {} streams, {:.1} s",
            self.url, self.protocol, c.requested, self.seconds
        )?;
        writeln!(
            f,
            "streams   {} established, {} failed, {} open at the end; {} reconnects ({} ended by the server), {} errors",
            c.established, c.failed, c.open_at_end, c.reconnects, c.ended_by_server, c.errors
        )?;
        writeln!(
            f,
            "events    {} received, {:.1}/s; per stream {:.2}/s min, {:.2}/s median, {:.2}/s max",
            e.received,
            e.per_second,
            e.per_connection.min,
            e.per_connection.median,
            e.per_connection.max
        )?;
        writeln!(
            f,
            "ids       {} gaps ({} events missed), {} duplicates",
            e.gaps, e.missed, e.duplicates
        )?;
        writeln!(
            f,
            "bytes     {} ({:.1} KiB/s)",
            e.bytes,
            e.bytes as f64 / 1024.0 / self.seconds.max(1e-9)
        )?;
        match &self.latency_ms {
            Some(l) => writeln!(
                f,
                "latency   p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} events with a send time)",
                l.p50, l.p99, l.max, l.events
            )?,
            None => writeln!(f, "latency   none measured (no event carried a send time)")?,
        }
        if let Some(cpu) = self.client_cpu_percent {
            write!(f, "client    {cpu:.1}% of one core")?;
            if let Some(us) = self.client_us_per_event {
                write!(f, ", {us:.2} µs per event")?;
            }
            writeln!(f)?;
        }
        for error in &self.first_errors {
            writeln!(f, "error     {error}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_of_odd_even_and_empty_sets() {
        let s = Spread::of(vec![3.0, 1.0, 2.0]);
        assert_eq!((s.min, s.median, s.max), (1.0, 2.0, 3.0));
        let s = Spread::of(vec![4.0, 1.0]);
        assert_eq!((s.min, s.median, s.max), (1.0, 4.0, 4.0));
        let s = Spread::of(Vec::new());
        assert_eq!((s.min, s.median, s.max), (0.0, 0.0, 0.0));
    }

    #[test]
    fn a_summary_reads_its_counters() {
        let mut config = Config::new(http::Uri::from_static("http://127.0.0.1:1/events"));
        config.connections = 2;
        let counters = Counters::new(2);
        drop(counters.opened(0));
        counters.error("refused".into());
        let summary = Summary::new(
            &config,
            &counters,
            &counters.totals(),
            Duration::from_secs(2),
            Some(0.25),
        );
        assert_eq!(
            (summary.connections.established, summary.connections.failed),
            (1, 1)
        );
        assert_eq!(summary.client_cpu_percent, Some(25.0));
        assert!(summary.latency_ms.is_none());
        let text = summary.to_string();
        assert!(text.contains("1 established, 1 failed"), "{text}");
        assert!(text.contains("error     refused"), "{text}");
        let json = serde_json::to_value(&summary).unwrap_or_default();
        assert_eq!(json["connections"]["established"], 1);
        assert_eq!(json["protocol"], "HTTP/1.1");
    }
}
