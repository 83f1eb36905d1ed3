//! The load generator: N raw TCP connections to the server's event stream, each reading its
//! HTTP/1.1 response, undoing the chunked coding ([`Chunked`]) and decoding the events with
//! ssekit-core's `Decoder::feed_ref` (no allocation per event). Every event's data carries its
//! sequence number and publish time: the client counts deliveries, gaps and duplicates, and
//! records publish-to-receive latency while [`Phase::Measuring`].
//!
//! With `--http2 N`, [`connection_h2`] opens HTTP/2 connections (h2c) instead, each
//! carrying N event streams, whose DATA frames go straight to the decoder.
//!
//! A stream the server ends (ssekit-hub ends a subscriber whose queue is full) is reopened with
//! the last event id as `Last-Event-ID`, as a browser does; each connection gives up after
//! [`MAX_ATTEMPTS`] connections. Every read has a timeout, and the driver aborts the tasks at
//! the end.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use ssekit_core::{DecodedRef, Decoder};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::chunked::Chunked;
use super::histogram::Histogram;
use super::{EVENTS_PATH, now_nanos, parse_event_data};

/// Connections (or reconnections) a client makes at most, each.
pub const MAX_ATTEMPTS: u32 = 1000;

/// Connections being set up at once.
pub const CONNECT_CONCURRENCY: usize = 128;

/// The read buffer of each connection.
const READ_BUFFER: usize = 8 * 1024;

/// Time allowed to connect and to get the response head.
const SETUP_TIMEOUT: Duration = Duration::from_secs(10);

/// Time allowed without any byte on a live stream (keep-alive comes every 15 s).
const IDLE_TIMEOUT: Duration = Duration::from_secs(40);

/// What the client is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    /// Connecting, idle, or warming up: deliveries are counted, latency is not recorded.
    Warming = 0,
    /// Latency is recorded.
    Measuring = 1,
    /// The run is over: connections stop reconnecting.
    Stopping = 2,
}

/// Counters shared by every connection (one runtime thread: uncontended).
#[derive(Debug, Default)]
pub struct Counters {
    phase: AtomicU8,
    /// Connections whose response head was received and that are still open.
    pub streaming: AtomicUsize,
    /// Events received (ours, with a sequence number).
    pub events: AtomicU64,
    /// Events skipped (a sequence number jumped ahead on a connection).
    pub missed: AtomicU64,
    /// Events received again (a sequence number at or below one already seen).
    pub duplicates: AtomicU64,
    /// Streams the server ended (the client then reconnects).
    pub ended: AtomicU64,
    /// Failed connections, responses other than 200, timeouts and malformed streams.
    pub errors: AtomicU64,
    latency: Mutex<Histogram>,
}

impl Counters {
    /// Shared counters, in [`Phase::Warming`].
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Moves every connection to `phase`.
    pub fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    fn phase(&self) -> u8 {
        self.phase.load(Ordering::Relaxed)
    }

    /// The latency histogram (ns), as recorded so far.
    pub fn latency(&self) -> Histogram {
        self.histogram().clone()
    }

    fn histogram(&self) -> MutexGuard<'_, Histogram> {
        self.latency.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(counter: &AtomicU64, n: u64) {
        if n > 0 {
            counter.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// One connection's view of the event sequence.
#[derive(Debug, Default)]
struct Sequence {
    /// The next sequence number expected, once one was seen.
    next: Option<u64>,
}

/// Opens one connection to `addr` and keeps it streaming (reconnecting with its last event
/// id when the server ends the stream) until [`Phase::Stopping`] or [`MAX_ATTEMPTS`].
pub async fn connection(addr: SocketAddr, counters: Arc<Counters>, setup: Arc<Semaphore>) {
    let mut last_id: Option<String> = None;
    let mut sequence = Sequence::default();
    for _ in 0..MAX_ATTEMPTS {
        if counters.phase() == Phase::Stopping as u8 {
            return;
        }
        match stream_once(addr, &counters, &setup, last_id.as_deref(), &mut sequence).await {
            Ok(id) => {
                Counters::add(&counters.ended, 1);
                if !id.is_empty() {
                    last_id = Some(id);
                }
            }
            Err(error) => {
                Counters::add(&counters.errors, 1);
                if counters.errors.load(Ordering::Relaxed) <= 5 {
                    eprintln!("hub_load client: {error}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Opens one HTTP/2 connection (h2c, prior knowledge) to `addr` with `streams` event
/// streams on it, each reconnecting with its last event id when the server ends it; a new
/// connection when the connection goes away; until [`Phase::Stopping`] or [`MAX_ATTEMPTS`].
pub async fn connection_h2(
    addr: SocketAddr,
    counters: Arc<Counters>,
    setup: Arc<Semaphore>,
    streams: usize,
) {
    for _ in 0..MAX_ATTEMPTS {
        if counters.phase() == Phase::Stopping as u8 {
            return;
        }
        let opened = {
            let _permit = setup.acquire().await;
            tokio::time::timeout(SETUP_TIMEOUT, open_h2(addr)).await
        };
        match opened {
            Ok(Ok(sender)) => {
                let mut tasks = tokio::task::JoinSet::new();
                for _ in 0..streams {
                    tasks.spawn(stream_h2(addr, sender.clone(), Arc::clone(&counters)));
                }
                while tasks.join_next().await.is_some() {}
            }
            Ok(Err(error)) => {
                Counters::add(&counters.errors, 1);
                eprintln!("hub_load client: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(_) => Counters::add(&counters.errors, 1),
        }
    }
}

/// A request sender on a new HTTP/2 connection (its driver on a task of its own).
async fn open_h2(
    addr: SocketAddr,
) -> Result<hyper::client::conn::http2::SendRequest<Empty<Bytes>>, String> {
    let tcp = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let (sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .initial_stream_window_size(1 << 20)
        .initial_connection_window_size(16 << 20)
        .handshake(TokioIo::new(tcp))
        .await
        .map_err(|e| format!("h2 handshake: {e}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// One event stream on an HTTP/2 connection, reconnected (on the same connection) with
/// its last event id when the server ends it, until the connection goes away.
async fn stream_h2(
    addr: SocketAddr,
    mut sender: hyper::client::conn::http2::SendRequest<Empty<Bytes>>,
    counters: Arc<Counters>,
) {
    let mut last_id: Option<String> = None;
    let mut sequence = Sequence::default();
    for _ in 0..MAX_ATTEMPTS {
        if counters.phase() == Phase::Stopping as u8 || sender.is_closed() {
            return;
        }
        match stream_once_h2(
            addr,
            &mut sender,
            &counters,
            last_id.as_deref(),
            &mut sequence,
        )
        .await
        {
            Ok(id) => {
                Counters::add(&counters.ended, 1);
                if !id.is_empty() {
                    last_id = Some(id);
                }
            }
            Err(error) => {
                Counters::add(&counters.errors, 1);
                if counters.errors.load(Ordering::Relaxed) <= 5 {
                    eprintln!("hub_load client: {error}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One request on an HTTP/2 connection, then events until its body ends (returns the last
/// event id) or an error.
async fn stream_once_h2(
    addr: SocketAddr,
    sender: &mut hyper::client::conn::http2::SendRequest<Empty<Bytes>>,
    counters: &Counters,
    last_id: Option<&str>,
    sequence: &mut Sequence,
) -> Result<String, String> {
    let mut request = http::Request::get(format!("http://{addr}{EVENTS_PATH}"))
        .body(Empty::new())
        .map_err(|e| e.to_string())?;
    // The event-stream request headers, as ssekit-hyper's client sends them.
    ssekit_hyper::set_request_headers(request.headers_mut(), last_id.unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let response = tokio::time::timeout(SETUP_TIMEOUT, sender.send_request(request))
        .await
        .map_err(|_| format!("no response head within {SETUP_TIMEOUT:?}"))?
        .map_err(|e| format!("request: {e}"))?;
    if response.status() != http::StatusCode::OK {
        return Err(format!("response: {}", response.status()));
    }
    counters.streaming.fetch_add(1, Ordering::Relaxed);
    let _streaming = Streaming(&counters.streaming);
    let mut decoder = Decoder::new();
    if let Some(id) = last_id {
        decoder = decoder.with_last_event_id(id);
    }
    let mut body = response.into_body();
    loop {
        let frame = tokio::time::timeout(IDLE_TIMEOUT, body.frame())
            .await
            .map_err(|_| format!("nothing received for {IDLE_TIMEOUT:?}"))?;
        match frame {
            None => return Ok(decoder.last_event_id().to_owned()),
            Some(Err(error)) => return Err(format!("body: {error}")),
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    receive(data, &mut None, &mut decoder, counters, sequence)?;
                }
            }
        }
    }
}

/// Decrements `streaming` when a stream closes, however it does.
struct Streaming<'a>(&'a AtomicUsize);

impl Drop for Streaming<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One connection: the request, the response head, then events until the body ends (returns
/// the last event id) or an error.
async fn stream_once(
    addr: SocketAddr,
    counters: &Counters,
    setup: &Semaphore,
    last_id: Option<&str>,
    sequence: &mut Sequence,
) -> Result<String, String> {
    let mut buf = vec![0u8; READ_BUFFER];
    let (mut stream, head_end, filled, chunked) = {
        let _permit = setup.acquire().await.map_err(|e| e.to_string())?;
        tokio::time::timeout(SETUP_TIMEOUT, open(addr, last_id, &mut buf))
            .await
            .map_err(|_| format!("no response head from {addr} within {SETUP_TIMEOUT:?}"))??
    };
    counters.streaming.fetch_add(1, Ordering::Relaxed);
    let _streaming = Streaming(&counters.streaming);
    let mut decoder = Decoder::new();
    if let Some(id) = last_id {
        decoder = decoder.with_last_event_id(id);
    }
    let mut body = chunked.then(Chunked::new);
    let mut range = head_end..filled;
    loop {
        let bytes = buf.get(range.clone()).unwrap_or_default();
        if receive(bytes, &mut body, &mut decoder, counters, sequence)? {
            return Ok(decoder.last_event_id().to_owned());
        }
        let n = tokio::time::timeout(IDLE_TIMEOUT, stream.read(&mut buf))
            .await
            .map_err(|_| format!("nothing received for {IDLE_TIMEOUT:?}"))?
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Ok(decoder.last_event_id().to_owned());
        }
        range = 0..n;
    }
}

/// Connects, sends the request and reads the response head into `buf`; returns the stream,
/// where the head ends and how much of `buf` is filled, and whether the body is chunked.
async fn open(
    addr: SocketAddr,
    last_id: Option<&str>,
    buf: &mut [u8],
) -> Result<(TcpStream, usize, usize, bool), String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut request =
        format!("GET {EVENTS_PATH} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n");
    if let Some(id) = last_id {
        request.push_str(&format!("Last-Event-ID: {id}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("write: {e}"))?;
    let mut filled = 0;
    loop {
        let free = buf.get_mut(filled..).unwrap_or_default();
        if free.is_empty() {
            return Err("response head larger than the read buffer".into());
        }
        let n = stream
            .read(free)
            .await
            .map_err(|e| format!("read head: {e}"))?;
        if n == 0 {
            return Err("connection closed before the response head".into());
        }
        filled += n;
        let seen = buf.get(..filled).unwrap_or_default();
        if let Some(at) = memchr::memmem::find(seen, b"\r\n\r\n") {
            let head =
                String::from_utf8_lossy(seen.get(..at).unwrap_or_default()).to_ascii_lowercase();
            if !head.starts_with("http/1.1 200") {
                let status = head.lines().next().unwrap_or_default().to_owned();
                return Err(format!("response: {status}"));
            }
            let chunked = head
                .lines()
                .any(|line| line.starts_with("transfer-encoding:") && line.contains("chunked"));
            return Ok((stream, at + 4, filled, chunked));
        }
    }
}

/// Decodes `bytes` of the body; returns whether the body ended.
fn receive(
    bytes: &[u8],
    body: &mut Option<Chunked>,
    decoder: &mut Decoder,
    counters: &Counters,
    sequence: &mut Sequence,
) -> Result<bool, String> {
    if bytes.is_empty() {
        return Ok(false);
    }
    let received = now_nanos();
    let mut latency = (counters.phase() == Phase::Measuring as u8).then(|| counters.histogram());
    let (mut events, mut missed, mut duplicates) = (0u64, 0u64, 0u64);
    let mut events_in = |data: &[u8]| {
        let mut items = decoder.feed_ref(data);
        while let Some(item) = items.next() {
            let Ok(DecodedRef::Event(event)) = item else {
                continue;
            };
            let Some((seq, published)) = parse_event_data(event.data()) else {
                continue;
            };
            events += 1;
            match sequence.next {
                Some(next) if seq < next => duplicates += 1,
                Some(next) => missed += seq - next,
                None => {}
            }
            sequence.next = Some(sequence.next.map_or(seq + 1, |next| next.max(seq + 1)));
            if let Some(histogram) = latency.as_mut() {
                histogram.record(received.saturating_sub(published));
            }
        }
    };
    let ended = match body {
        Some(chunked) => chunked
            .feed(bytes, &mut events_in)
            .map_err(|e| e.to_string())?,
        None => {
            events_in(bytes);
            false
        }
    };
    drop(latency);
    Counters::add(&counters.events, events);
    Counters::add(&counters.missed, missed);
    Counters::add(&counters.duplicates, duplicates);
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::event_data;

    fn chunk(text: &str) -> Vec<u8> {
        format!("{:x}\r\n{text}\r\n", text.len()).into_bytes()
    }

    #[test]
    fn counts_events_gaps_and_duplicates_across_chunks() -> Result<(), String> {
        let counters = Counters::new();
        counters.set_phase(Phase::Measuring);
        let mut body = Some(Chunked::new());
        let mut decoder = Decoder::new();
        let mut sequence = Sequence::default();
        let now = now_nanos();
        let mut wire = Vec::new();
        for seq in [1, 2, 5, 5, 6] {
            wire.extend(chunk(&format!(
                "event: tick\nid: {seq}\ndata: {}\n\n",
                event_data(seq, now)
            )));
        }
        wire.extend(chunk(": keep-alive\n\n"));
        for piece in wire.chunks(7) {
            assert!(!receive(
                piece,
                &mut body,
                &mut decoder,
                &counters,
                &mut sequence
            )?);
        }
        assert!(receive(
            b"0\r\n\r\n",
            &mut body,
            &mut decoder,
            &counters,
            &mut sequence
        )?);
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        assert_eq!(
            (
                get(&counters.events),
                get(&counters.missed),
                get(&counters.duplicates)
            ),
            (5, 2, 1)
        );
        assert_eq!(counters.latency().len(), 5);
        assert_eq!(decoder.last_event_id(), "6");
        Ok(())
    }
}
