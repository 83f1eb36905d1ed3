//! A scripted HTTP/1.1 server for client tests, on std threads only, so that async tests
//! (ssekit-hyper's `EventSource`) and plain ones (ssekit-cli's `sse get` binary) share it; the
//! scenarios played on it are in `scenarios.rs`.
//!
//! Test files include it by path, at their root, as `mod script` (ssekit-hyper's:
//! `#[path = "support/script.rs"] mod script;`, ssekit-cli's:
//! `#[path = "../../sse-hyper/tests/support/script.rs"] mod script;`). It needs nothing but
//! std, not the rest of `support`.
//!
//! Each connection gets a script (bytes to write, pauses, a byte-at-a-time drip, a hang),
//! chosen from its number and its request head, which the server records. Every server is
//! bounded: at most [`MAX_CONNECTIONS`] connections (then 204), a hang ends when the client
//! hangs up or after [`HANG_LIMIT`], and everything stops when the server is dropped.
#![allow(dead_code)] // each test file uses its own part

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Connections a server accepts with their script; later ones are answered 204.
pub const MAX_CONNECTIONS: usize = 64;

/// The longest a [`Step::Hang`] lasts.
pub const HANG_LIMIT: Duration = Duration::from_secs(10);

/// What the server does on a connection, in order; then it closes the connection.
#[derive(Debug, Clone)]
pub enum Step {
    /// Writes these bytes at once.
    Write(Vec<u8>),
    /// Writes these bytes one at a time, pausing between them.
    Drip(Vec<u8>, Duration),
    /// Sends nothing for a while.
    Pause(Duration),
    /// Sends nothing more until the client hangs up (counted in
    /// [`ScriptServer::hung_up`]), the server is dropped or [`HANG_LIMIT`] passes.
    Hang,
}

/// The steps for one connection.
pub type Script = Vec<Step>;

/// A request head as the server read it.
#[derive(Debug, Clone)]
pub struct RequestHead {
    /// The request line, e.g. `GET /events HTTP/1.1`.
    pub line: String,
    /// Header names (lowercase) and values, in order.
    pub headers: Vec<(String, String)>,
}

impl RequestHead {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The request target (`/events?x=1`).
    pub fn target(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or_default()
    }
}

/// What the server saw.
#[derive(Default)]
struct Record {
    requests: Mutex<Vec<RequestHead>>,
    connections: AtomicUsize,
    hung_up: AtomicUsize,
    stop: AtomicBool,
}

type Respond = dyn Fn(usize, &RequestHead) -> Script + Send + Sync;

/// A server on 127.0.0.1 with an ephemeral port, answering each connection with the script
/// `respond` picks for it (from its number, from 0, and its request). Dropping it stops it.
pub struct ScriptServer {
    addr: SocketAddr,
    record: Arc<Record>,
    accept: Option<JoinHandle<()>>,
}

impl ScriptServer {
    /// Starts a server.
    pub fn start<F>(respond: F) -> Self
    where
        F: Fn(usize, &RequestHead) -> Script + Send + Sync + 'static,
    {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let record = Arc::new(Record::default());
        let respond: Arc<Respond> = Arc::new(respond);
        let accept = {
            let record = Arc::clone(&record);
            thread::spawn(move || accept_loop(&listener, &record, &respond))
        };
        ScriptServer {
            addr,
            record,
            accept: Some(accept),
        }
    }

    /// Starts a server that plays `scripts` in turn, one per connection, then answers 204.
    pub fn scripts(scripts: Vec<Script>) -> Self {
        Self::start(move |n, _| scripts.get(n).cloned().unwrap_or_else(no_content))
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The request heads read so far, in the order their connections were accepted.
    pub fn requests(&self) -> Vec<RequestHead> {
        self.record
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// The `Last-Event-ID` of each request so far.
    pub fn last_event_ids(&self) -> Vec<Option<String>> {
        self.requests()
            .iter()
            .map(|r| r.header("last-event-id").map(str::to_owned))
            .collect()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.record.connections.load(Ordering::SeqCst)
    }

    /// Connections in a [`Step::Hang`] that the client closed.
    pub fn hung_up(&self) -> usize {
        self.record.hung_up.load(Ordering::SeqCst)
    }

    /// Waits (up to 5 s, blocking the thread) until `n` hung connections were closed by
    /// the client. Not in an async test whose client runs on the same thread.
    pub fn wait_hung_up(&self, n: usize) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if self.hung_up() >= n {
                return true;
            }
            thread::sleep(Duration::from_millis(5));
        }
        false
    }
}

impl Drop for ScriptServer {
    fn drop(&mut self) {
        self.record.stop.store(true, Ordering::SeqCst);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, record: &Arc<Record>, respond: &Arc<Respond>) {
    while !record.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((tcp, _)) => {
                let n = record.connections.fetch_add(1, Ordering::SeqCst);
                let record = Arc::clone(record);
                let respond = Arc::clone(respond);
                thread::spawn(move || serve(tcp, n, &record, &*respond));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(2)),
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

fn serve(mut tcp: TcpStream, n: usize, record: &Record, respond: &Respond) {
    let _ = tcp.set_nonblocking(false);
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_read_timeout(Some(Duration::from_millis(20)));
    let Some(head) = read_head(&mut tcp, record) else {
        return;
    };
    let script = if n < MAX_CONNECTIONS {
        respond(n, &head)
    } else {
        no_content()
    };
    if let Ok(mut requests) = record.requests.lock() {
        requests.push(head);
    }
    for step in script {
        if record.stop.load(Ordering::SeqCst) || !play(&mut tcp, step, record) {
            break;
        }
    }
    let _ = tcp.shutdown(Shutdown::Write);
}

/// Plays one step; false when the connection is gone.
fn play(tcp: &mut TcpStream, step: Step, record: &Record) -> bool {
    match step {
        Step::Write(bytes) => tcp.write_all(&bytes).and_then(|()| tcp.flush()).is_ok(),
        Step::Drip(bytes, pause) => {
            for byte in bytes {
                if record.stop.load(Ordering::SeqCst) || tcp.write_all(&[byte]).is_err() {
                    return false;
                }
                thread::sleep(pause);
            }
            true
        }
        Step::Pause(pause) => {
            thread::sleep(pause);
            true
        }
        Step::Hang => {
            let start = Instant::now();
            let mut buf = [0u8; 1024];
            while start.elapsed() < HANG_LIMIT && !record.stop.load(Ordering::SeqCst) {
                match tcp.read(&mut buf) {
                    Ok(0) => {
                        record.hung_up.fetch_add(1, Ordering::SeqCst);
                        return false;
                    }
                    Ok(_) => {}
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => {
                        record.hung_up.fetch_add(1, Ordering::SeqCst);
                        return false;
                    }
                }
            }
            true
        }
    }
}

/// Reads a request head (up to 64 KiB, 5 s).
fn read_head(tcp: &mut TcpStream, record: &Record) -> Option<RequestHead> {
    let start = Instant::now();
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    while !bytes.windows(4).any(|w| w == b"\r\n\r\n") {
        if bytes.len() > 64 * 1024
            || start.elapsed() > Duration::from_secs(5)
            || record.stop.load(Ordering::SeqCst)
        {
            return None;
        }
        match tcp.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => bytes.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return None,
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.split("\r\n");
    let line = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some(RequestHead { line, headers })
}

// ---- responses ----

/// A response head: the status line (`200 OK`), then `headers`, then `Connection: close`
/// (so that no client pools a scripted connection).
pub fn head(status: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("Connection: close\r\n\r\n");
    out.into_bytes()
}

/// The head of an event stream whose body ends when the connection closes.
pub fn stream_head() -> Vec<u8> {
    head(
        "200 OK",
        &[
            ("Content-Type", "text/event-stream"),
            ("Cache-Control", "no-cache"),
        ],
    )
}

/// The head of a chunked event stream.
pub fn chunked_head() -> Vec<u8> {
    head(
        "200 OK",
        &[
            ("Content-Type", "text/event-stream; charset=utf-8"),
            ("Transfer-Encoding", "chunked"),
        ],
    )
}

/// One chunk of a chunked body.
pub fn chunk(bytes: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", bytes.len()).into_bytes();
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
    out
}

/// The last chunk of a chunked body.
pub fn last_chunk() -> Vec<u8> {
    b"0\r\n\r\n".to_vec()
}

/// An event stream with this body, then the connection closes.
pub fn stream(body: &str) -> Script {
    let mut bytes = stream_head();
    bytes.extend_from_slice(body.as_bytes());
    vec![Step::Write(bytes)]
}

/// 204 No Content: stop.
pub fn no_content() -> Script {
    vec![Step::Write(head("204 No Content", &[]))]
}

/// A response with a status, a content type and a short body.
pub fn plain(status: &str, content_type: &str, body: &str) -> Script {
    let length = body.len().to_string();
    let mut bytes = head(
        status,
        &[("Content-Type", content_type), ("Content-Length", &length)],
    );
    bytes.extend_from_slice(body.as_bytes());
    vec![Step::Write(bytes)]
}
