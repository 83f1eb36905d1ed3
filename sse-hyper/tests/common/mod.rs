//! Shared test helpers: a real hyper server on an ephemeral port, a real hyper client, and
//! decoding with sse-core through `EventStream`.
#![allow(dead_code)] // each test file uses its own part

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::{self, Stream};
use http::{HeaderValue, Request, Response};
use http_body::Body;
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use sse_hyper::{BoxError, ClientError, Decoded, Decoder, EventStream, MessageEvent};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long any single step may take before the test fails.
pub const LIMIT: Duration = Duration::from_secs(5);

/// Awaits `future`, failing the test if it takes longer than [`LIMIT`].
pub async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(LIMIT, future).await {
        Ok(output) => output,
        Err(_) => panic!("timed out: {what}"),
    }
}

/// Serves `service` (HTTP/1 and HTTP/2) on 127.0.0.1 with an ephemeral port.
pub async fn serve<S, B>(service: S) -> SocketAddr
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>>,
    S: Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let service = service.clone();
            tokio::spawn(async move {
                let builder = auto::Builder::new(TokioExecutor::new());
                let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
            });
        }
    });
    addr
}

/// A client connection; dropping it closes the TCP connection.
pub struct Connection(JoinHandle<()>);

impl Drop for Connection {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// `GET path` over a fresh HTTP/1.1 connection, with `headers`.
pub async fn get(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, HeaderValue)],
) -> (Response<Incoming>, Connection) {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .expect("HTTP/1 handshake");
    let conn = Connection(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let mut request = Request::get(path).header("host", addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, value.clone());
    }
    let request = request.body(Empty::<Bytes>::new()).expect("request");
    let response = within("response head", sender.send_request(request))
        .await
        .expect("response");
    (response, conn)
}

/// `GET path` over a fresh HTTP/2 (prior knowledge) connection.
pub async fn get_h2(addr: SocketAddr, path: &str) -> (Response<Incoming>, Connection) {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .expect("HTTP/2 handshake");
    let conn = Connection(tokio::spawn(async move {
        let _ = conn.await;
    }));
    let request = Request::get(format!("http://{addr}{path}"))
        .body(Empty::<Bytes>::new())
        .expect("request");
    let response = within("response head", sender.send_request(request))
        .await
        .expect("response");
    (response, conn)
}

/// The response's items, decoded by sse-core (comments kept if `comments`).
pub fn decode(response: Response<Incoming>, comments: bool) -> EventStream<Incoming> {
    EventStream::with_decoder(response.into_body(), Decoder::new().comments(comments))
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

/// A guard to move into a stream, and a receiver that completes when the guard (so the
/// stream) is dropped.
pub fn drop_flag() -> (oneshot::Sender<()>, oneshot::Receiver<()>) {
    oneshot::channel()
}

/// Items arriving through a channel, one by one.
pub fn channel_stream<T: Send + 'static>(
    rx: mpsc::Receiver<T>,
) -> impl Stream<Item = T> + Send + 'static {
    stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
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
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .expect("HTTP/1 handshake");
    let conn = Connection(tokio::spawn(async move {
        let _ = conn.await;
    }));
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
        .body(Empty::<Bytes>::new())
        .expect("request");
    let response = within("response head", client.oneshot(request))
        .await
        .expect("response");
    (response, conn)
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
