//! Shared test helpers: a real warp server on an ephemeral port, a real hyper client, and
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
use hyper_util::rt::TokioIo;
use sse_hyper::{BoxError, ClientError, Decoded, Decoder, EventStream, MessageEvent};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use warp::reject::Rejection;
use warp::{Filter, Reply};

/// How long any single step may take before the test fails.
pub const LIMIT: Duration = Duration::from_secs(5);

/// Awaits `future`, failing the test if it takes longer than [`LIMIT`].
pub async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(LIMIT, future).await {
        Ok(output) => output,
        Err(_) => panic!("timed out: {what}"),
    }
}

/// Serves `filter` with `warp::serve` on 127.0.0.1 with an ephemeral port.
pub async fn serve<F, R>(filter: F) -> SocketAddr
where
    F: Filter<Extract = (R,), Error = Rejection> + Clone + Send + Sync + 'static,
    R: Reply,
{
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(warp::serve(filter).incoming(listener).run());
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
