//! The streams of a load. Over HTTP/1.1 each stream is a connection of its own (plain TCP
//! or TLS) read directly: the response head is checked, the chunked coding undone by
//! [`Chunked`] and the events decoded with ssekit-core's `Decoder::feed_ref` (no allocation
//! per event). Over HTTP/2 ([`connection_h2`]) a connection carries several streams
//! (hyper's client), whose DATA frames go straight to the decoder.
//!
//! A stream the server ends after an event is reopened at once with its last event id as
//! `Last-Event-ID`, as a browser does (without the browser's wait: a load measures the
//! resume); one ended with no event, and a failed attempt, after [`RETRY_DELAY`] (a server
//! that ends every stream at once is not hammered); a `204 No Content` stops the stream. Each
//! stream makes at most [`MAX_ATTEMPTS`] attempts. Every read has a timeout.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt as _, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use ssekit_core::{DecodedRef, Decoder};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::sync::Semaphore;

use super::chunked::Chunked;
use super::counters::{Batch, Counters};
use super::now_nanos;
use super::stamp::{Sequence, Step, sent_nanos};
use super::target::Target;

/// Attempts (connections or reconnections) a stream makes at most.
pub const MAX_ATTEMPTS: u32 = 1000;

/// Connections being set up at once, at most.
pub const CONNECT_CONCURRENCY: usize = 128;

/// The wait after a failed attempt.
pub const RETRY_DELAY: Duration = Duration::from_secs(1);

/// Time allowed to connect and to get the response head.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest response head read.
const READ_BUFFER: usize = 8 * 1024;

/// Everything a load's streams share.
pub(crate) struct Shared {
    pub target: Target,
    pub counters: Counters,
    pub setup: Semaphore,
    pub idle_timeout: Duration,
    /// The `Last-Event-ID` of every stream's first request.
    pub last_event_id: String,
}

/// How one attempt ended.
enum End {
    /// The server ended the stream: reopen at once if it brought an event.
    Ended { events: bool },
    /// The server said stop (204): the stream is over.
    Stop,
}

/// One stream's state across its attempts.
struct Stream {
    index: usize,
    last_id: String,
    sequence: Sequence,
}

impl Stream {
    fn new(index: usize, shared: &Shared) -> Self {
        Stream {
            index,
            last_id: shared.last_event_id.clone(),
            sequence: Sequence::default(),
        }
    }

    fn decoder(&self) -> Decoder {
        Decoder::new().with_last_event_id(&self.last_id)
    }
}

/// Stream `index` over HTTP/1.1 (a connection of its own), until the load stops.
pub(crate) async fn stream_http1(shared: Arc<Shared>, index: usize) {
    let mut stream = Stream::new(index, &shared);
    for _ in 0..MAX_ATTEMPTS {
        if shared.counters.stopping() {
            return;
        }
        let attempt = match &shared.target.tls {
            None => match shared.target.connect_setup(&shared.setup).await {
                Ok(tcp) => once_http1(tcp, &shared, &mut stream).await,
                Err(e) => Err(e),
            },
            Some(tls) => {
                let connected = {
                    let _permit = shared.setup.acquire().await;
                    tokio::time::timeout(SETUP_TIMEOUT, shared.target.connect_tls(tls, false)).await
                };
                match connected {
                    Ok(Ok(tls)) => once_http1(tls, &shared, &mut stream).await,
                    Ok(Err(e)) => Err(e),
                    Err(_) => Err(format!("no TLS connection within {SETUP_TIMEOUT:?}")),
                }
            }
        };
        if !settle(&shared.counters, attempt).await {
            return;
        }
    }
}

/// Counts how an attempt ended and waits if it failed; whether to try again.
async fn settle(counters: &Counters, attempt: Result<End, String>) -> bool {
    match attempt {
        Ok(End::Ended { events }) => {
            counters.ended();
            if !events && !counters.stopping() {
                tokio::time::sleep(RETRY_DELAY).await;
            }
            true
        }
        Ok(End::Stop) => false,
        Err(error) => {
            if !counters.stopping() {
                counters.error(error);
                tokio::time::sleep(RETRY_DELAY).await;
            }
            true
        }
    }
}

impl Target {
    /// A plain TCP connection, set up under the load's limit on concurrent setups.
    async fn connect_setup(&self, setup: &Semaphore) -> Result<tokio::net::TcpStream, String> {
        let _permit = setup.acquire().await.map_err(|e| e.to_string())?;
        tokio::time::timeout(SETUP_TIMEOUT, self.connect())
            .await
            .map_err(|_| format!("no connection to {} within {SETUP_TIMEOUT:?}", self.addr))?
    }
}

/// One HTTP/1.1 request on `io`, then events until the body ends or an error.
async fn once_http1<IO>(mut io: IO, shared: &Shared, stream: &mut Stream) -> Result<End, String>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; READ_BUFFER];
    let head = tokio::time::timeout(SETUP_TIMEOUT, async {
        io.write_all(&shared.target.request_head(&stream.last_id))
            .await
            .map_err(|e| format!("write: {e}"))?;
        read_head(&mut io, &mut buf).await
    })
    .await
    .map_err(|_| format!("no response head within {SETUP_TIMEOUT:?}"))??;
    let (head_end, filled, chunked) = match head {
        Head::Stream {
            end,
            filled,
            chunked,
        } => (end, filled, chunked),
        Head::NoContent => return Ok(End::Stop),
    };
    let _streaming = shared.counters.opened(stream.index);
    let before = shared.counters.events_of(stream.index);
    let mut decoder = stream.decoder();
    let mut body = chunked.then(Chunked::new);
    let mut range = head_end..filled;
    loop {
        let bytes = buf.get(range.clone()).unwrap_or_default();
        let ended = receive(bytes, &mut body, &mut decoder, shared, stream);
        decoder.last_event_id().clone_into(&mut stream.last_id);
        if ended? {
            return Ok(End::Ended {
                events: shared.counters.events_of(stream.index) > before,
            });
        }
        let n = tokio::time::timeout(shared.idle_timeout, io.read(&mut buf))
            .await
            .map_err(|_| format!("nothing received for {:?}", shared.idle_timeout))?
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return if body.is_some() {
                Err("connection closed inside the chunked body".into())
            } else {
                Ok(End::Ended {
                    events: shared.counters.events_of(stream.index) > before,
                })
            };
        }
        range = 0..n;
    }
}

/// What a response head said.
enum Head {
    /// 200 with `text/event-stream`: where the head ends in the buffer, how much of it is
    /// filled, and whether the body is chunked.
    Stream {
        end: usize,
        filled: usize,
        chunked: bool,
    },
    /// 204: do not reconnect.
    NoContent,
}

/// Reads the response head into `buf` and checks it.
async fn read_head<IO: AsyncRead + Unpin>(io: &mut IO, buf: &mut [u8]) -> Result<Head, String> {
    let mut filled = 0;
    loop {
        let free = buf.get_mut(filled..).unwrap_or_default();
        if free.is_empty() {
            return Err(format!("response head larger than {READ_BUFFER} bytes"));
        }
        let n = io.read(free).await.map_err(|e| format!("read head: {e}"))?;
        if n == 0 {
            return Err("connection closed before the response head".into());
        }
        filled += n;
        let seen = buf.get(..filled).unwrap_or_default();
        let Some(at) = memchr::memmem::find(seen, b"\r\n\r\n") else {
            continue;
        };
        let original = String::from_utf8_lossy(seen.get(..at).unwrap_or_default());
        let status = original.split("\r\n").next().unwrap_or_default();
        let code = status.split(' ').nth(1).unwrap_or_default();
        if code == "204" {
            return Ok(Head::NoContent);
        }
        if code != "200" {
            return Err(format!("response: {status}"));
        }
        let head = original.to_ascii_lowercase();
        let header = |name: &str| {
            head.split("\r\n")
                .filter_map(|line| line.split_once(':'))
                .find(|(n, _)| n.trim() == name)
                .map(|(_, v)| v.trim().to_owned())
        };
        let content_type = header("content-type").unwrap_or_default();
        if !content_type.starts_with("text/event-stream") {
            return Err(format!(
                "content type {content_type:?}, not text/event-stream"
            ));
        }
        let chunked = header("transfer-encoding").is_some_and(|v| v.contains("chunked"));
        return Ok(Head::Stream {
            end: at + 4,
            filled,
            chunked,
        });
    }
}

/// Streams `indices` on HTTP/2 connections (a new one when one goes away), until the load
/// stops.
pub(crate) async fn connection_h2(shared: Arc<Shared>, indices: std::ops::Range<usize>) {
    for _ in 0..MAX_ATTEMPTS {
        if shared.counters.stopping() {
            return;
        }
        let opened = {
            let _permit = shared.setup.acquire().await;
            tokio::time::timeout(SETUP_TIMEOUT, open_h2(&shared.target)).await
        };
        let sender = match opened {
            Ok(Ok(sender)) => sender,
            Ok(Err(error)) => {
                settle(&shared.counters, Err(error)).await;
                continue;
            }
            Err(_) => {
                settle(
                    &shared.counters,
                    Err(format!("no HTTP/2 connection within {SETUP_TIMEOUT:?}")),
                )
                .await;
                continue;
            }
        };
        let mut tasks = tokio::task::JoinSet::new();
        for index in indices.clone() {
            tasks.spawn(stream_h2(Arc::clone(&shared), sender.clone(), index));
        }
        let mut all_stopped = true;
        while let Some(stopped) = tasks.join_next().await {
            all_stopped &= stopped.unwrap_or(false);
        }
        if all_stopped {
            return;
        }
    }
}

type H2Sender = hyper::client::conn::http2::SendRequest<Empty<bytes::Bytes>>;

/// A request sender on a new HTTP/2 connection (h2c, or h2 by ALPN), its driver on a task.
async fn open_h2(target: &Target) -> Result<H2Sender, String> {
    let builder = {
        let mut builder = hyper::client::conn::http2::Builder::new(TokioExecutor::new());
        builder
            .initial_stream_window_size(1 << 20)
            .initial_connection_window_size(16 << 20);
        builder
    };
    let sender = match &target.tls {
        None => {
            let (sender, connection) = builder
                .handshake(TokioIo::new(target.connect().await?))
                .await
                .map_err(|e| format!("HTTP/2 handshake: {e}"))?;
            tokio::spawn(connection);
            sender
        }
        Some(tls) => {
            let (sender, connection) = builder
                .handshake(TokioIo::new(target.connect_tls(tls, true).await?))
                .await
                .map_err(|e| format!("HTTP/2 handshake: {e}"))?;
            tokio::spawn(connection);
            sender
        }
    };
    Ok(sender)
}

/// Stream `index` on an HTTP/2 connection, reopened on it when the server ends it. Returns
/// whether the stream is over (stopped, or told to stop), not just its connection.
async fn stream_h2(shared: Arc<Shared>, mut sender: H2Sender, index: usize) -> bool {
    let mut stream = Stream::new(index, &shared);
    for _ in 0..MAX_ATTEMPTS {
        if shared.counters.stopping() {
            return true;
        }
        if sender.is_closed() {
            return false;
        }
        let attempt = once_h2(&mut sender, &shared, &mut stream).await;
        if matches!(attempt, Ok(End::Stop)) {
            return true;
        }
        settle(&shared.counters, attempt).await;
    }
    true
}

/// One request on an HTTP/2 connection, then events until its body ends or an error.
async fn once_h2(
    sender: &mut H2Sender,
    shared: &Shared,
    stream: &mut Stream,
) -> Result<End, String> {
    let request = shared.target.request(&stream.last_id)?;
    let response = tokio::time::timeout(SETUP_TIMEOUT, sender.send_request(request))
        .await
        .map_err(|_| format!("no response head within {SETUP_TIMEOUT:?}"))?
        .map_err(|e| format!("request: {e}"))?;
    match response.status() {
        http::StatusCode::OK => {}
        http::StatusCode::NO_CONTENT => return Ok(End::Stop),
        status => return Err(format!("response: {status}")),
    }
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("text/event-stream") {
        return Err(format!(
            "content type {content_type:?}, not text/event-stream"
        ));
    }
    let _streaming = shared.counters.opened(stream.index);
    let before = shared.counters.events_of(stream.index);
    let mut decoder = stream.decoder();
    let mut body = response.into_body();
    loop {
        let frame = tokio::time::timeout(shared.idle_timeout, body.frame())
            .await
            .map_err(|_| format!("nothing received for {:?}", shared.idle_timeout))?;
        match frame {
            None => {
                return Ok(End::Ended {
                    events: shared.counters.events_of(stream.index) > before,
                });
            }
            Some(Err(error)) => return Err(format!("body: {error}")),
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    let received = receive(data, &mut None, &mut decoder, shared, stream);
                    decoder.last_event_id().clone_into(&mut stream.last_id);
                    received?;
                }
            }
        }
    }
}

/// Decodes `bytes` of a stream's body and counts what they hold; returns whether the
/// (chunked) body ended.
fn receive(
    bytes: &[u8],
    body: &mut Option<Chunked>,
    decoder: &mut Decoder,
    shared: &Shared,
    stream: &mut Stream,
) -> Result<bool, String> {
    if bytes.is_empty() {
        return Ok(false);
    }
    let counters = &shared.counters;
    let received = now_nanos();
    let mut latency = counters.latency_on().then(|| counters.histogram());
    let mut batch = Batch::default();
    let mut events_in = |data: &[u8]| {
        batch.bytes += data.len() as u64;
        let mut items = decoder.feed_ref(data);
        while let Some(item) = items.next() {
            let Ok(DecodedRef::Event(event)) = item else {
                continue;
            };
            batch.events += 1;
            match stream.sequence.step(event.last_event_id()) {
                Step::InOrder => {}
                Step::Gap(missed) => {
                    batch.gaps += 1;
                    batch.missed += missed;
                }
                Step::Duplicate => batch.duplicates += 1,
            }
            if let (Some(histogram), Some(sent)) = (latency.as_mut(), sent_nanos(event.data())) {
                histogram.record(received.saturating_sub(sent));
            }
        }
    };
    let ended = match body {
        Some(chunked) => chunked
            .feed(bytes, &mut events_in)
            .map_err(|e| e.to_string()),
        None => {
            events_in(bytes);
            Ok(false)
        }
    };
    drop(latency);
    counters.add(stream.index, &batch);
    ended
}
