//! The `bare` flavour: the CPU floor for streaming one event to many connections, in
//! plain tokio with no HTTP framework and no per-connection work beyond the write.
//!
//! The publisher encodes each event once (ssekit-core) and frames it once as an HTTP/1.1
//! chunk, into one shared `Bytes`, sent through a `tokio::sync::broadcast` channel. Each
//! connection reads the request head, answers with a fixed chunked response head, then on
//! every wake-up takes every chunk waiting for it and writes them in one `write`. Keep-alive
//! is one shared tick (a comment chunk through the same channel every 15 s), not a timer
//! per connection. Nothing else: no routing, no header parsing beyond the blank line, no
//! `Last-Event-ID`, no replay. A server that does less would not be an SSE server.

use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

use super::server::BROADCAST_CAPACITY;

/// The response head: a chunked event stream.
const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n";

/// The most a request head may take.
const MAX_REQUEST: usize = 8 * 1024;

/// How long a client has to send its request head.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Chunks taken per wake-up at most (then written at once).
const MAX_BATCH: usize = 64;

/// A channel of framed chunks, and the keep-alive tick feeding it.
pub fn channel() -> broadcast::Sender<Bytes> {
    broadcast::channel(BROADCAST_CAPACITY).0
}

/// `encoded` (one whole SSE event, or a comment) framed as one HTTP/1.1 chunk.
pub fn chunk(encoded: &[u8]) -> Bytes {
    let mut framed = format!("{:x}\r\n", encoded.len()).into_bytes();
    framed.extend_from_slice(encoded);
    framed.extend_from_slice(b"\r\n");
    Bytes::from(framed)
}

/// Serves every connection of `listener` from `sender`, with the shared keep-alive tick.
///
/// # Errors
///
/// When accepting fails for good.
pub async fn serve(listener: TcpListener, sender: broadcast::Sender<Bytes>) -> std::io::Result<()> {
    let ticks = sender.clone();
    tokio::spawn(async move {
        let keep_alive = chunk(ssekit_core::KEEP_ALIVE);
        let mut every = tokio::time::interval(Duration::from_secs(15));
        every.tick().await;
        loop {
            every.tick().await;
            // An error only means no client is connected.
            let _ = ticks.send(keep_alive.clone());
        }
    });
    loop {
        let (stream, _) = listener.accept().await?;
        let receiver = sender.subscribe();
        tokio::spawn(async move {
            // A client that goes away ends its task; nothing to report.
            let _ = connection(stream, receiver).await;
        });
    }
}

async fn connection(
    mut stream: TcpStream,
    mut receiver: broadcast::Receiver<Bytes>,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut head = Vec::with_capacity(1024);
    tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut stream, &mut head))
        .await
        .map_err(|_| std::io::ErrorKind::TimedOut)??;
    stream.write_all(HEAD).await?;
    let mut out = Vec::new();
    loop {
        let first = match receiver.recv().await {
            Ok(first) => first,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return Ok(()),
        };
        out.clear();
        out.extend_from_slice(&first);
        for _ in 1..MAX_BATCH {
            match receiver.try_recv() {
                Ok(chunk) => out.extend_from_slice(&chunk),
                Err(broadcast::error::TryRecvError::Lagged(_)) => {}
                Err(_) => break,
            }
        }
        stream.write_all(&out).await?;
    }
}

/// Reads until the blank line that ends a request head (the request itself is not looked
/// at: every path streams).
async fn read_head(stream: &mut TcpStream, head: &mut Vec<u8>) -> std::io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buf[..n]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            return Ok(());
        }
        if head.len() > MAX_REQUEST {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_is_its_length_in_hex_the_bytes_and_a_line_break() {
        assert_eq!(&chunk(b"data: x\n\n")[..], b"9\r\ndata: x\n\n\r\n");
        assert_eq!(&chunk(&[b'a'; 26])[..3], b"1a\r");
    }
}
