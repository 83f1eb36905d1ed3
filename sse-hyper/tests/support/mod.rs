//! Test helpers shared by the adapters (ssekit-hyper, ssekit-axum, ssekit-warp) and tied to none of
//! their frameworks: a real hyper client over fresh connections, decoding with ssekit-core
//! through `EventStream`, the streams the tests' handlers serve, and what clients check.
//!
//! ssekit-hyper's tests include it as `mod support;`, the other adapters' as
//! `#[path = "../../sse-hyper/tests/support/mod.rs"] mod support;`. Each crate keeps only its
//! `serve` in its own `tests/common/mod.rs`.
#![allow(dead_code)] // each test file uses its own part

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::{self, Stream};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use ssekit_hyper::ssekit_core::MessageEvent;
use ssekit_hyper::{
    BoxError, ClientError, Decoded, Decoder, Event, EventError, EventStream, check_response,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

// ---- time limits ----

/// How long any single step may take before the test fails.
pub const LIMIT: Duration = Duration::from_secs(5);

/// Awaits `future`, failing the test if it takes longer than [`LIMIT`].
pub async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(LIMIT, future).await {
        Ok(output) => output,
        Err(_) => panic!("timed out: {what}"),
    }
}

// ---- the client ----

/// A listener on 127.0.0.1 with an ephemeral port, for a framework's `serve`.
pub async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    (listener, addr)
}

/// A client connection; dropping it closes the TCP connection.
pub struct Connection(JoinHandle<()>);

impl Connection {
    fn spawn<F: Future + Send + 'static>(conn: F) -> Self {
        Connection(tokio::spawn(async move {
            let _ = conn.await;
        }))
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A fresh HTTP/1.1 connection to `addr`.
async fn http1(addr: SocketAddr) -> (SendRequest<Empty<Bytes>>, Connection) {
    let tcp = within("connect", TcpStream::connect(addr))
        .await
        .expect("connect");
    let handshake = hyper::client::conn::http1::handshake(TokioIo::new(tcp));
    let (sender, conn) = within("HTTP/1 handshake", handshake)
        .await
        .expect("HTTP/1 handshake");
    (sender, Connection::spawn(conn))
}

/// `GET path` over a fresh HTTP/1.1 connection, with `headers`.
pub async fn get(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, HeaderValue)],
) -> (Response<Incoming>, Connection) {
    let (mut sender, conn) = http1(addr).await;
    let mut request = Request::get(path).header("host", addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, value.clone());
    }
    let request = request.body(Empty::new()).expect("request");
    let response = within("response head", sender.send_request(request))
        .await
        .expect("response");
    (response, conn)
}

/// `GET path` over a fresh HTTP/2 (prior knowledge) connection.
pub async fn get_h2(addr: SocketAddr, path: &str) -> (Response<Incoming>, Connection) {
    let tcp = within("connect", TcpStream::connect(addr))
        .await
        .expect("connect");
    let handshake = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp));
    let (mut sender, conn) = within("HTTP/2 handshake", handshake)
        .await
        .expect("HTTP/2 handshake");
    let conn = Connection::spawn(conn);
    let request = Request::get(format!("http://{addr}{path}"))
        .body(Empty::<Bytes>::new())
        .expect("request");
    let response = within("response head", sender.send_request(request))
        .await
        .expect("response");
    (response, conn)
}

/// The `Content-Encoding` a response had on the wire, before `Decompression` removed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireEncoding(pub Option<HeaderValue>);

/// `GET path` over HTTP/1.1 through tower-http's `Decompression` (it asks for gzip and
/// gunzips the body as it arrives); the response carries its [`WireEncoding`].
pub async fn get_gunzipped(
    addr: SocketAddr,
    path: &str,
) -> (
    Response<tower_http::decompression::DecompressionBody<Incoming>>,
    Connection,
) {
    use tower::ServiceExt;
    let (mut sender, conn) = http1(addr).await;
    let client = tower::service_fn(move |request| sender.send_request(request)).map_response(
        |mut response: Response<Incoming>| {
            let encoding = response.headers().get("content-encoding").cloned();
            response.extensions_mut().insert(WireEncoding(encoding));
            response
        },
    );
    let client = tower_http::decompression::Decompression::new(client);
    let request = Request::get(path)
        .header("host", addr.to_string())
        .body(Empty::new())
        .expect("request");
    let response = within("response head", client.oneshot(request))
        .await
        .expect("response");
    (response, conn)
}

/// For tower-http's `CompressionLayer::compress_when`: compress every response, event
/// streams included.
pub fn always(
    _: http::StatusCode,
    _: http::Version,
    _: &http::HeaderMap,
    _: &http::Extensions,
) -> bool {
    true
}

// ---- decoding ----

/// The response's items, decoded by ssekit-core (comments kept if `comments`).
pub fn decode(response: Response<Incoming>, comments: bool) -> EventStream<Incoming> {
    EventStream::new(response.into_body()).with_decoder(Decoder::new().with_comments(comments))
}

/// The next item, or `None` at the end.
pub async fn next<B>(events: &mut EventStream<B>) -> Option<Result<Decoded, ClientError>>
where
    B: Body + Unpin,
    B::Error: Into<BoxError>,
{
    within("next item", events.next()).await
}

/// The next item, which must be an event.
pub async fn next_event<B>(events: &mut EventStream<B>) -> MessageEvent
where
    B: Body + Unpin,
    B::Error: Into<BoxError>,
{
    match next(events).await {
        Some(Ok(Decoded::Event(event))) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}

// ---- streams for the handlers ----

/// A guard to move into a stream, and a receiver that completes when the guard (so the
/// stream) is dropped.
pub fn drop_flag() -> (oneshot::Sender<()>, oneshot::Receiver<()>) {
    oneshot::channel()
}

/// `stream`, owning `guard`: dropping the stream drops the guard.
pub fn owning<S, G>(stream: S, guard: G) -> impl Stream<Item = S::Item> + Send + 'static
where
    S: Stream + Send + 'static,
    G: Send + 'static,
{
    stream.map(move |item| {
        let _owned = &guard;
        item
    })
}

/// Items arriving through a channel, one by one.
pub fn channel_stream<T: Send + 'static>(
    rx: mpsc::Receiver<T>,
) -> impl Stream<Item = T> + Send + 'static {
    stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

/// The items sent on the channel in `rx` (empty once another request took it).
pub fn fed<T: Send + 'static>(
    rx: &Once<mpsc::Receiver<T>>,
) -> impl Stream<Item = T> + Send + use<T> {
    stream::iter(rx.take()).flat_map(channel_stream)
}

/// A stream that yields `items`, then nothing ever again (the connection stays open).
pub fn then_idle<T: Send + 'static>(items: Vec<T>) -> impl Stream<Item = T> + Send + 'static {
    stream::iter(items).chain(stream::pending())
}

/// Data of the `n`th test event: multi-line HTML with CRLF, LF and lone-CR breaks.
pub fn html(n: usize) -> String {
    format!("<li class=\"item\">\r\n  <b>#{n}</b>\n  line\rend\r\n</li>")
}

/// What a client decodes from [`html`]: every line break becomes LF.
pub fn html_decoded(n: usize) -> String {
    format!("<li class=\"item\">\n  <b>#{n}</b>\n  line\nend\n</li>")
}

/// A value the first request takes (a channel's receiver, a drop guard…); later ones get `None`.
pub struct Once<T>(std::sync::Arc<std::sync::Mutex<Option<T>>>);

impl<T> Once<T> {
    pub fn new(value: T) -> Self {
        Once(std::sync::Arc::new(std::sync::Mutex::new(Some(value))))
    }

    pub fn take(&self) -> Option<T> {
        self.0.lock().ok().and_then(|mut value| value.take())
    }
}

impl<T> Clone for Once<T> {
    fn clone(&self) -> Self {
        Once(self.0.clone())
    }
}

/// Sends `item` to the producer, failing the test if it is gone or slow.
pub async fn feed<T>(tx: &mpsc::Sender<T>, item: T) {
    if within("producer accepts", tx.send(item)).await.is_err() {
        panic!("the producer is gone");
    }
}

// ---- scenarios: what the handler streams, and what the client must see ----

/// The head of an event stream: 200, the event-stream headers, never `Connection` (HTTP/2
/// forbids it) nor `Content-Length` (the body streams).
pub fn assert_event_stream_head<B>(response: &Response<B>) {
    assert_eq!(check_response(response), Ok(()));
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["x-accel-buffering"], "no");
    assert!(!headers.contains_key("connection"));
    assert!(!headers.contains_key("content-length"));
}

/// A response streaming `["hello"]`: the event-stream head, the event, the end.
pub async fn expect_hello(response: Response<Incoming>) {
    assert_event_stream_head(&response);
    let mut events = decode(response, false);
    assert_eq!(next_event(&mut events).await.data(), "hello");
    assert!(next(&mut events).await.is_none());
}

/// What the HTTP/2 handlers stream.
pub const GREETINGS: [(&str, &str); 2] = [("greeting", "one"), ("greeting", "two")];

/// `GET path` over HTTP/2 of a handler streaming [`GREETINGS`].
pub async fn expect_greetings_over_h2(addr: SocketAddr, path: &str) {
    let (response, _conn) = get_h2(addr, path).await;
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(check_response(&response), Ok(()));
    assert!(!response.headers().contains_key("connection"));
    let mut events = decode(response, false);
    for data in ["one", "two"] {
        let event = next_event(&mut events).await;
        assert_eq!((event.event_type(), event.data()), ("greeting", data));
    }
    assert!(next(&mut events).await.is_none());
}

/// How many events [`numbered`] streams.
pub const COUNT: usize = 500;

/// [`COUNT`] events of type `item`, with ids `0..COUNT` and [`html`] data.
pub fn numbered() -> impl Stream<Item = Result<Event<'static>, EventError>> + Send + 'static {
    stream::iter(0..COUNT).map(|n| {
        let event = Event::new()
            .with_event_type("item")?
            .with_id(n.to_string())?;
        Ok(event.with_data(html(n)))
    })
}

/// A response streaming [`numbered`]: every event, in order, line breaks normalised.
pub async fn expect_numbered(response: Response<Incoming>) {
    let mut events = decode(response, false);
    for n in 0..COUNT {
        let event = next_event(&mut events).await;
        assert_eq!(event.event_type(), "item");
        assert_eq!(event.last_event_id(), n.to_string());
        assert_eq!(event.data(), html_decoded(n));
    }
    assert!(next(&mut events).await.is_none());
}

/// The keep-alive interval of the idle-stream tests.
pub const QUICK: Duration = Duration::from_millis(50);

/// A response streaming `then_idle(vec!["first"])` with keep-alive every [`QUICK`]: the event,
/// then keep-alive comments.
pub async fn expect_first_then_keep_alives(response: Response<Incoming>) {
    let mut events = decode(response, true);
    assert_eq!(next_event(&mut events).await.data(), "first");
    for _ in 0..3 {
        match next(&mut events).await {
            Some(Ok(Decoded::Comment(comment))) => assert_eq!(comment, ""),
            other => panic!("expected a keep-alive comment, got {other:?}"),
        }
    }
}

/// Three events with ids counting up after `last` (from 1 without it), then idle.
pub fn resumed_after(
    last: Option<String>,
) -> impl Stream<Item = Result<Event<'static>, EventError>> + Send + 'static {
    let first = last
        .and_then(|id| id.parse::<u64>().ok())
        .map_or(1, |n| n + 1);
    then_idle((first..first + 3).collect()).map(|n| {
        Ok(Event::new()
            .with_id(n.to_string())?
            .with_data(format!("event {n}")))
    })
}

/// Against a handler that reports the `Last-Event-ID` it saw on `seen` and streams
/// [`resumed_after`] it: a client reads three events, reconnects with the last id it got, and
/// is served the next one.
pub async fn expect_resumption(
    addr: SocketAddr,
    seen: &mut mpsc::UnboundedReceiver<Option<String>>,
) {
    let (response, conn) = get(addr, "/", &[]).await;
    let mut events = decode(response, false);
    for n in 1..=3 {
        assert_eq!(next_event(&mut events).await.data(), format!("event {n}"));
    }
    assert_eq!(within("handler saw", seen.recv()).await, Some(None));
    let last = HeaderValue::from_str(events.last_event_id()).expect("header value");
    drop((events, conn));

    let (response, _conn) = get(addr, "/", &[("last-event-id", last)]).await;
    let saw = within("handler saw", seen.recv()).await;
    assert_eq!(saw, Some(Some("3".to_owned())));
    let mut events = decode(response, false);
    let event = next_event(&mut events).await;
    assert_eq!((event.last_event_id(), event.data()), ("4", "event 4"));
}

/// A `Last-Event-ID` that is not UTF-8 is answered 400, as plain text with the reason.
pub async fn expect_malformed_id_refused(addr: SocketAddr) {
    let not_utf8 = HeaderValue::from_bytes(b"\xc3\x28").expect("header value");
    let (response, _conn) = get(addr, "/", &[("last-event-id", not_utf8)]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let body = within("400 body", response.into_body().collect()).await;
    let body = body.expect("body").to_bytes();
    let reason = String::from_utf8_lossy(&body);
    assert!(reason.contains("not valid UTF-8"), "{reason}");
}

/// Against a handler streaming `owning(then_idle(vec!["only"]), guard)`: once the client has
/// the event and hangs up, the server drops the stream (so the guard, completing `dropped`).
pub async fn expect_drop_on_disconnect(addr: SocketAddr, dropped: oneshot::Receiver<()>) {
    let (response, conn) = get(addr, "/", &[]).await;
    let mut events = decode(response, false);
    assert_eq!(next_event(&mut events).await.data(), "only");
    drop((events, conn));
    let dropped = within("server drops the stream", dropped).await;
    assert!(dropped.is_err(), "the guard was sent, not dropped");
}

/// Against a server streaming what `tx` sends at `/fail` (see [`fed`]) and `["fine"]` at
/// `/ok`: `good` arrives as `good_data`; after `bad` the response ends cleanly (no body
/// error: the client sees a normal end), and the server goes on serving.
pub async fn expect_failure_ends_the_response<T>(
    addr: SocketAddr,
    tx: &mpsc::Sender<T>,
    (good, good_data): (T, &str),
    bad: T,
) {
    let (response, _conn) = get(addr, "/fail", &[]).await;
    let mut events = decode(response, false);
    feed(tx, good).await;
    assert_eq!(next_event(&mut events).await.data(), good_data);
    feed(tx, bad).await;
    match next(&mut events).await {
        None => {}
        other => panic!("expected the body to end cleanly, got {other:?}"),
    }
    let (response, _conn) = get(addr, "/ok", &[]).await;
    let mut events = decode(response, false);
    assert_eq!(next_event(&mut events).await.data(), "fine");
    assert!(next(&mut events).await.is_none());
}

/// A stream item that is an error: the response must end after it.
pub type Fallible = Result<&'static str, std::io::Error>;

/// An error for a [`Fallible`] stream.
pub fn broken() -> Fallible {
    Err(std::io::Error::other("broken"))
}

/// What a server streams at `/burst`: an event, an error and an event after it, all ready
/// at once (the ssekit-axum docs' example, which once cost the client even the first event).
pub fn burst() -> Vec<Fallible> {
    vec![Ok("sent"), broken(), Ok("never sent")]
}

/// Against a server streaming [`burst`] at `/burst`: the status and headers arrive, the
/// body is exactly the event before the error and ends cleanly (no truncated chunk), and
/// the error is logged for the operator.
pub async fn expect_events_before_an_error_then_a_clean_end(addr: SocketAddr) {
    let logs = capture_logs();
    let (response, _conn) = get(addr, "/burst", &[]).await;
    assert_event_stream_head(&response);
    let body = within("the body", response.into_body().collect()).await;
    let body = body
        .expect("a clean end, not a broken connection")
        .to_bytes();
    assert_eq!(body, "data: sent\n\n");
    let log = logs.text();
    assert!(
        log.contains("SSE stream ended early") && log.contains("broken"),
        "the error is logged: {log:?}"
    );
}

/// What `tracing` logged in this test process (see [`capture_logs`]).
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Everything logged so far, by any test of this process.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Collects `tracing` output from now on, process-wide (servers log from their own tasks).
pub fn capture_logs() -> Logs {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    let buf = LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buf);
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || LogWriter(Arc::clone(&sink)))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
        buf
    });
    Logs(Arc::clone(buf))
}

/// Appends log output to the shared buffer.
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut buf) = self.0.lock() {
            buf.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Events one at a time: event N+1 is sent only once the client has decoded event N, so
/// anything holding events back (a buffering compressor) makes the test time out.
pub async fn lockstep<B>(tx: &mpsc::Sender<String>, events: &mut EventStream<B>)
where
    B: Body + Unpin,
    B::Error: Into<BoxError>,
{
    for n in 0..20 {
        feed(tx, html(n)).await;
        assert_eq!(next_event(events).await.data(), html_decoded(n));
    }
}

/// Against a server streaming what `tx` sends, behind tower-http's default `CompressionLayer`:
/// a request accepting gzip is answered uncompressed (the default predicate skips
/// `text/event-stream`), with events one by one.
pub async fn expect_uncompressed_lockstep(addr: SocketAddr, tx: &mpsc::Sender<String>) {
    let gzip = HeaderValue::from_static("gzip");
    let (response, _conn) = get(addr, "/", &[("accept-encoding", gzip)]).await;
    assert_eq!(check_response(&response), Ok(()));
    assert!(!response.headers().contains_key("content-encoding"));
    let mut events = decode(response, false);
    lockstep(tx, &mut events).await;
}

/// Against a server streaming what `tx` sends, gzipped: gzip on the wire, and once gunzipped,
/// events one by one.
pub async fn expect_gzipped_lockstep(addr: SocketAddr, tx: &mpsc::Sender<String>) {
    let (response, _conn) = get_gunzipped(addr, "/").await;
    assert_eq!(check_response(&response), Ok(()));
    let gzip = WireEncoding(Some(HeaderValue::from_static("gzip")));
    assert_eq!(response.extensions().get(), Some(&gzip));
    let mut events = EventStream::new(response.into_body());
    lockstep(tx, &mut events).await;
}
