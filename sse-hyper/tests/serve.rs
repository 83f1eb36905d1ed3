//! The ready server (`ssekit_hyper::server`) on real sockets, against the clients that hurt
//! long-lived streams: clients that stop reading, slowloris and silent connections, one
//! connection too many, a shutdown with a client that never reads, and HTTP/2 over TLS.
//! Every count is bounded and every wait has a deadline.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream;
use http::{Request, Response};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use ssekit_hyper::server::{Server, ServerConfig, StatsHandle, Tls};

#[path = "support/tls.rs"]
mod tls;
use ssekit_hyper::{Event, Sse, SseBody, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{Notify, oneshot};

const LIMIT: Duration = Duration::from_secs(20);

type Events =
    std::pin::Pin<Box<dyn futures_core::Stream<Item = Result<Event<'static>, Infallible>> + Send>>;

/// `/stream`: 1 KiB events as fast as the body is polled (counted in `produced`); `/ticks`:
/// a small event every 50 ms; both until `stop` is notified. `/`: a short page.
fn app(
    stop: Arc<Notify>,
    produced: Arc<AtomicU64>,
) -> impl tower::Service<
    Request<Incoming>,
    Response = Response<http_body_util::Either<SseBody<Events, TokioTimer>, String>>,
    Error = Infallible,
    Future = impl Send,
> + Clone {
    tower::service_fn(move |request: Request<Incoming>| {
        let stop = Arc::clone(&stop);
        let produced = Arc::clone(&produced);
        async move {
            let events: Events = match request.uri().path() {
                "/stream" => {
                    let data = "x".repeat(1024);
                    Box::pin(stream::repeat_with(move || {
                        produced.fetch_add(1, Ordering::Relaxed);
                        Ok(Event::new().with_data(data.clone()))
                    }))
                }
                "/ticks" => Box::pin(stream::unfold(0u64, |n| async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((Ok(Event::new().with_data(format!("tick {n}"))), n + 1))
                })),
                _ => {
                    return Ok(Response::new(http_body_util::Either::Right(
                        "page".to_owned(),
                    )));
                }
            };
            let events: Events = Box::pin(events.take_until(async move { stop.notified().await }));
            let response = Sse::new(events).into_response();
            Ok(response.map(http_body_util::Either::Left))
        }
    })
}

/// A server running on an ephemeral port.
struct Running {
    addr: SocketAddr,
    stats: StatsHandle,
    /// Shuts it down.
    stop: oneshot::Sender<()>,
    serving: tokio::task::JoinHandle<()>,
    /// `/stream` events made so far.
    produced: Arc<AtomicU64>,
}

/// A server on an ephemeral port of 127.0.0.1 with `config`.
async fn start(config: ServerConfig, tls: Option<Tls>) -> Running {
    start_on(Ipv4Addr::LOCALHOST, config, tls).await
}

/// A server on an ephemeral port of `ip` (a loopback address) with `config`.
async fn start_on(ip: Ipv4Addr, config: ServerConfig, tls: Option<Tls>) -> Running {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let stop_streams = Arc::new(Notify::new());
    let (stop, stopped) = oneshot::channel::<()>();
    let mut server = Server::from_listener(listener)
        .with_config(config)
        .with_shutdown_signal(async {
            let _ = stopped.await;
        });
    if let Some(tls) = tls {
        server = server.with_tls(tls);
    }
    let ending = Arc::clone(&stop_streams);
    let server = server.on_shutdown(move || ending.notify_waiters());
    let addr = server.local_addr().expect("address");
    let stats = server.stats_handle();
    let produced = Arc::new(AtomicU64::new(0));
    let app = app(Arc::clone(&stop_streams), Arc::clone(&produced));
    let serving = tokio::spawn(async move {
        server.serve(app).await.expect("serve");
    });
    Running {
        addr,
        stats,
        stop,
        serving,
        produced,
    }
}

/// A connection with a small receive buffer (so a client that does not read fills it
/// fast) that sent `GET path`.
async fn request(addr: SocketAddr, path: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("buffer size");
    let mut tcp = socket.connect(addr).await.expect("connect");
    let head = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    tcp.write_all(head.as_bytes()).await.expect("request");
    tcp
}

/// Waits until `check` holds, within the limit.
async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !check() {
        assert!(Instant::now() < deadline, "in time: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One request on a new connection: its status and how long it took.
async fn get(addr: SocketAddr, path: &str) -> (u16, Duration) {
    let started = Instant::now();
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    let head = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    tcp.write_all(head.as_bytes()).await.expect("request");
    let mut response = Vec::new();
    tokio::time::timeout(LIMIT, tcp.read_to_end(&mut response))
        .await
        .expect("in time")
        .expect("read");
    let status = String::from_utf8_lossy(&response)
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_stop_reading_are_closed_and_readers_go_on() {
    let stall = Duration::from_secs(1);
    let config = ServerConfig::default().with_write_stall_timeout(stall);
    let Running {
        addr,
        stats,
        stop,
        serving,
        ..
    } = start(config, None).await;
    let mut stalled = Vec::new();
    for _ in 0..100 {
        stalled.push(request(addr, "/stream").await);
    }
    let mut reader = request(addr, "/stream").await;
    let reading = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        let mut total = 0usize;
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(4) {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
        (total, started.elapsed())
    });
    until("every client that stopped reading is closed", || {
        stats.get().stalled == 100
    })
    .await;
    assert_eq!(stats.get().open, 1, "the reader is still served");
    let (read, for_how_long) = reading.await.expect("reader");
    assert!(
        for_how_long >= Duration::from_secs(4),
        "the reader was never cut"
    );
    assert!(read > 1024 * 1024, "it got events all along: {read} bytes");
    // The closed connections end on the client's side too: what was sent, then the end.
    for mut tcp in stalled.drain(..10) {
        let mut sink = vec![0u8; 64 * 1024];
        let ended = tokio::time::timeout(LIMIT, async {
            loop {
                match tcp.read(&mut sink).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(ended.is_ok(), "the server closed it");
    }
    let _ = stop.send(());
    let _ = tokio::time::timeout(LIMIT, serving).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_and_silent_connections_are_closed_while_pages_are_served() {
    let timeout = Duration::from_secs(1);
    let config = ServerConfig::default().with_header_read_timeout(timeout);
    let Running {
        addr,
        stats,
        stop,
        serving,
        ..
    } = start(config, None).await;
    let started = Instant::now();
    let mut held = Vec::new();
    for n in 0..1100 {
        let mut tcp = TcpStream::connect(addr).await.expect("connect");
        if n >= 100 {
            tcp.write_all(b"G").await.expect("a first byte"); // then one byte now and then
        }
        held.push(tcp);
    }
    let dribble = tokio::spawn(async move {
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            for tcp in held.iter_mut().skip(100) {
                let _ = tcp.write_all(b"E").await; // the first 100 stay silent
            }
        }
        held
    });
    for _ in 0..5 {
        let (status, took) = get(addr, "/").await;
        assert_eq!(status, 200);
        assert!(
            took < Duration::from_millis(500),
            "served meanwhile in {took:?}"
        );
    }
    until("1,000 slow and 100 silent connections closed", || {
        stats.get().timed_out == 1100
    })
    .await;
    assert!(
        started.elapsed() < timeout + Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    drop(dribble.await);
    let _ = stop.send(());
    let _ = tokio::time::timeout(LIMIT, serving).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_connection_too_many_is_answered_503() {
    let config = ServerConfig::default().with_max_connections(10);
    let Running {
        addr,
        stats,
        stop,
        serving,
        ..
    } = start(config, None).await;
    let mut streams = Vec::new();
    for _ in 0..10 {
        streams.push(request(addr, "/stream").await);
    }
    until("ten open", || stats.get().open == 10).await;
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .expect("request");
    let mut response = Vec::new();
    tokio::time::timeout(LIMIT, tcp.read_to_end(&mut response))
        .await
        .expect("answered and closed")
        .expect("read");
    let text = String::from_utf8_lossy(&response).to_lowercase();
    assert!(text.starts_with("http/1.1 503"), "{text}");
    assert!(text.contains("retry-after: 1"), "{text}");
    assert_eq!(stats.get().refused, 1);
    drop(streams);
    until("room again", || stats.get().open == 0).await;
    assert_eq!(get(addr, "/").await.0, 200);
    let _ = stop.send(());
    let _ = tokio::time::timeout(LIMIT, serving).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_reading_streams_cleanly_and_always_ends() {
    let deadline = Duration::from_secs(1);
    let config = ServerConfig::default()
        .with_shutdown_deadline(deadline)
        .with_write_stall_timeout(Duration::from_secs(60)); // the deadline, not the stall, ends it
    let Running {
        addr,
        stats,
        stop,
        serving,
        produced,
    } = start(config, None).await;
    let mut readers = Vec::new();
    for _ in 0..200 {
        let mut tcp = request(addr, "/ticks").await;
        readers.push(tokio::spawn(async move {
            let mut buf = vec![0u8; 16 * 1024];
            let mut tail = Vec::new();
            loop {
                match tcp.read(&mut buf).await {
                    Ok(0) => return Some(tail),
                    Ok(n) => {
                        tail.extend_from_slice(&buf[..n]);
                        let keep = tail.len().saturating_sub(16);
                        tail.drain(..keep);
                    }
                    Err(_) => return None,
                }
            }
        }));
    }
    let _never_reads = request(addr, "/stream").await;
    until("all open", || stats.get().open == 201).await;
    // Its socket is full once its events are no longer taken, a quarter second long.
    let stuck_by = Instant::now() + LIMIT;
    let mut before = u64::MAX;
    loop {
        let now = produced.load(Ordering::Relaxed);
        if std::mem::replace(&mut before, now) == now && now > 0 {
            break;
        }
        assert!(
            Instant::now() < stuck_by,
            "the client that never reads is stuck"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let stopped = Instant::now();
    let _ = stop.send(());
    tokio::time::timeout(deadline + Duration::from_secs(1), serving)
        .await
        .expect("the server stops within the deadline plus a second")
        .expect("server task");
    assert!(stopped.elapsed() < deadline + Duration::from_secs(1));
    for reader in readers {
        let tail = tokio::time::timeout(LIMIT, reader)
            .await
            .expect("the stream ended")
            .expect("reader task")
            .expect("a clean end, not a reset");
        assert!(
            tail.ends_with(b"\r\n0\r\n\r\n"),
            "the chunked body's last chunk: {tail:?}"
        );
    }
    assert_eq!(
        stats.get().dropped_at_shutdown,
        1,
        "only the client that never reads"
    );
    let refused = TcpStream::connect(addr).await;
    assert!(refused.is_err(), "new connections are refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_speaks_http2_with_many_streams_on_one_connection() {
    let certificate = tls::localhost();
    let (tls, client) = (certificate.tls.clone(), certificate.client.clone());
    let Running {
        addr,
        stats,
        stop,
        serving,
        ..
    } = // an address of its own: no other test's socket can reach it and be counted
        start_on(Ipv4Addr::new(127, 0, 0, 93), ServerConfig::default(), Some(tls)).await;
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let stream = tokio_rustls::TlsConnector::from(Arc::new(client))
        .connect(name, tcp)
        .await
        .expect("handshake");
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (sender, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .expect("h2 handshake");
    tokio::spawn(connection);
    // 100 event streams at once, all on this one connection, each getting events.
    let mut streams = Vec::new();
    for _ in 0..100 {
        let mut sender = sender.clone();
        streams.push(tokio::spawn(async move {
            let request = Request::get("https://localhost/stream")
                .body(Empty::<Bytes>::new())
                .expect("request");
            let response = sender.send_request(request).await.expect("response");
            assert_eq!(response.version(), http::Version::HTTP_2);
            let mut body = response.into_body();
            let mut got = 0;
            while got < 10 * 1024 {
                let frame = body.frame().await.expect("a frame").expect("data");
                got += frame.into_data().map_or(0, |d| d.len());
            }
            got
        }));
    }
    for stream in streams {
        let got = tokio::time::timeout(LIMIT, stream)
            .await
            .expect("in time")
            .expect("task");
        assert!(got >= 10 * 1024);
    }
    assert_eq!(
        stats.get().accepted,
        1,
        "one TCP connection for all of them"
    );
    let _ = stop.send(());
    let _ = tokio::time::timeout(LIMIT, serving).await;
}
