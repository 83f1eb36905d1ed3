//! A ready server for event-stream apps (feature `server`; TLS with feature `server-tls`):
//! hyper-util's HTTP/1.1 and HTTP/2 on one port, any tower `Service` (an axum `Router`
//! too), with what long-lived streams need that `axum::serve` does not give:
//!
//! - **A write-stall timeout**: a client that stops reading is closed, so its memory, its
//!   socket and its place in a broadcast hub are freed.
//! - **A header read timeout** from the connection's first moment (slowloris, and
//!   connections that send nothing), a header size limit, and a connection limit with a
//!   clear `503` beyond it.
//! - **Graceful shutdown with a deadline**, on SIGTERM or SIGINT by default: new connections
//!   are refused, the app's [`on_shutdown`](Server::on_shutdown) ends its event streams
//!   (e.g. `hub.close()`), and whatever is still open at the deadline is dropped, so
//!   shutdown always ends.
//! - **TLS with HTTP/2** (feature `server-tls`): browsers speak HTTP/2 only over TLS, and
//!   only HTTP/2 lets more than six tabs of one site hold an event stream each.
//!
//! Connections are logged with `tracing` at debug level (opened, closed and why), the
//! server's start and shutdown at info; [`Server::stats`] counts them.
//!
//! ```no_run
//! # #[cfg(feature = "server")]
//! # async fn run() -> std::io::Result<()> {
//! use std::convert::Infallible;
//! use http::{Request, Response};
//! use ssekit_hyper::server::Server;
//!
//! let service = tower::service_fn(|_request: Request<hyper::body::Incoming>| async {
//!     Ok::<_, Infallible>(Response::new(String::from("hello")))
//! });
//! Server::bind("127.0.0.1:3000").await?.serve(service).await
//! # }
//! ```

mod config;
mod guard;
mod stats;
#[cfg(feature = "server-tls")]
mod tls;

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::task::JoinSet;

pub use config::ServerConfig;
pub use stats::ServerStats;
#[cfg(feature = "server-tls")]
pub use tls::{Tls, TlsError};

use crate::BoxError;
use guard::{Guarded, Trip, Tripped};
use stats::Counters;

/// A server for event-stream apps; see the [module docs](self).
pub struct Server {
    listener: TcpListener,
    config: ServerConfig,
    #[cfg(feature = "server-tls")]
    tls: Option<Tls>,
    signal: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    on_shutdown: Option<Box<dyn FnOnce() + Send>>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.listener.local_addr().ok())
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// A handle that reads a server's counters while it runs.
#[derive(Debug, Clone)]
pub struct StatsHandle(Arc<Counters>);

impl StatsHandle {
    /// The counters now.
    pub fn get(&self) -> ServerStats {
        self.0.snapshot()
    }
}

impl Server {
    /// A server listening on `addr`.
    ///
    /// # Errors
    ///
    /// When the address cannot be bound.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<Self> {
        Ok(Self::from_listener(TcpListener::bind(addr).await?))
    }

    /// A server on a listener of the caller's (an ephemeral port, a socket from systemd).
    pub fn from_listener(listener: TcpListener) -> Self {
        Server {
            listener,
            config: ServerConfig::default(),
            #[cfg(feature = "server-tls")]
            tls: None,
            signal: None,
            on_shutdown: None,
            counters: Arc::default(),
        }
    }

    /// The address it listens on.
    ///
    /// # Errors
    ///
    /// As [`TcpListener::local_addr`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Its timeouts and limits.
    pub fn with_config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Serves HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with `tls`.
    #[cfg(feature = "server-tls")]
    pub fn with_tls(mut self, tls: Tls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Shuts down when `signal` completes, instead of on SIGTERM or SIGINT.
    pub fn with_shutdown_signal(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.signal = Some(Box::pin(signal));
        self
    }

    /// Called once when shutdown starts, before the server waits for connections to end:
    /// end the app's event streams there (`hub.close()`), or they hold the server until
    /// the deadline.
    pub fn on_shutdown(mut self, f: impl FnOnce() + Send + 'static) -> Self {
        self.on_shutdown = Some(Box::new(f));
        self
    }

    /// Its counters now.
    pub fn stats(&self) -> ServerStats {
        self.counters.snapshot()
    }

    /// A handle to read its counters while it serves.
    pub fn stats_handle(&self) -> StatsHandle {
        StatsHandle(Arc::clone(&self.counters))
    }

    /// Serves `service` until the shutdown signal, then shuts down within the deadline.
    ///
    /// # Errors
    ///
    /// Only when installing the signal handlers fails; connection errors are counted and
    /// logged, never returned.
    pub async fn serve<S, B>(self, service: S) -> io::Result<()>
    where
        S: tower_service::Service<Request<Incoming>, Response = Response<B>>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let Server {
            listener,
            config,
            #[cfg(feature = "server-tls")]
            tls,
            signal,
            on_shutdown,
            counters,
        } = self;
        let mut signal = match signal {
            Some(signal) => signal,
            None => Box::pin(terminate()?),
        };
        #[cfg(feature = "server-tls")]
        let scheme = if tls.is_some() { "https" } else { "http" };
        #[cfg(not(feature = "server-tls"))]
        let scheme = "http";
        tracing::info!(addr = ?listener.local_addr().ok(), scheme, "serving");
        let builder = Arc::new(builder(&config));
        let graceful = GracefulShutdown::new();
        let mut tasks = JoinSet::new();
        let refusing = Arc::new(AtomicU64::new(0));
        loop {
            while tasks.try_join_next().is_some() {}
            let accepted = tokio::select! {
                () = &mut signal => break,
                accepted = listener.accept() => accepted,
            };
            let (tcp, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, or a connection reset before accept: wait a
                    // moment rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let open = counters.open.load(std::sync::atomic::Ordering::Relaxed);
            let conn = Conn {
                config: config.clone(),
                builder: Arc::clone(&builder),
                counters: Arc::clone(&counters),
                #[cfg(feature = "server-tls")]
                tls: tls.clone(),
                peer,
            };
            if open >= config.max_connections() as u64 {
                // Refusals are bounded too: beyond a tenth of the limit, just close.
                let refusals = refusing.load(std::sync::atomic::Ordering::Relaxed);
                Counters::add(&counters.refused, 1);
                if refusals < (config.max_connections() as u64 / 10).max(16) {
                    let refusing = Arc::clone(&refusing);
                    Counters::add(&refusing, 1);
                    tasks.spawn(async move {
                        conn.refuse(tcp).await;
                        refusing.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                    });
                }
                continue;
            }
            Counters::add(&counters.accepted, 1);
            Counters::add(&counters.open, 1);
            let service = TowerToHyperService::new(service.clone());
            let watcher = graceful.watcher();
            tasks.spawn(async move { conn.serve(tcp, service, watcher).await });
        }
        drop(listener);
        let open = counters.open.load(std::sync::atomic::Ordering::Relaxed);
        tracing::info!(open, deadline = ?config.shutdown_deadline(), "shutting down: new connections refused");
        if let Some(on_shutdown) = on_shutdown {
            on_shutdown();
        }
        let ended = tokio::time::timeout(config.shutdown_deadline(), graceful.shutdown()).await;
        if ended.is_err() {
            let dropped = counters.open.load(std::sync::atomic::Ordering::Relaxed);
            Counters::add(&counters.dropped_at_shutdown, dropped);
            tracing::info!(
                dropped,
                "shutdown deadline: the connections still open are dropped"
            );
        }
        tasks.shutdown().await;
        tracing::info!(stats = ?counters.snapshot(), "stopped");
        Ok(())
    }
}

/// hyper-util's builder with the config's limits and timeouts.
fn builder(config: &ServerConfig) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout())
        .max_buf_size(config.max_header_bytes())
        // One buffer, one `write`, per flush: an event is three slices (chunk size, event,
        // line break), and a `writev` of them costs the kernel more than the copy (at
        // 10,000 connections × 10 events/s, 77% of a core against 67%: benches/README.md).
        // The price: a client that stops reading holds a copy of the event being written
        // (and at most `max_header_bytes` more) until the write-stall timeout closes it.
        .writev(false);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(config.http2_keep_alive())
        .keep_alive_timeout(config.http2_keep_alive())
        .max_concurrent_streams(config.http2_max_streams())
        .max_header_list_size(u32::try_from(config.max_header_bytes()).unwrap_or(u32::MAX));
    builder
}

/// What one connection's task needs.
struct Conn {
    config: ServerConfig,
    builder: Arc<auto::Builder<TokioExecutor>>,
    counters: Arc<Counters>,
    #[cfg(feature = "server-tls")]
    tls: Option<Tls>,
    peer: SocketAddr,
}

impl Conn {
    /// Serves one connection to its end, and counts how it ended.
    async fn serve<S, B>(self, tcp: TcpStream, service: S, watcher: Watcher)
    where
        S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        tracing::debug!(peer = %self.peer, "connection opened");
        let trip = Trip::default();
        let io = Guarded::new(
            tcp,
            self.config.header_read_timeout(),
            self.config.write_stall_timeout(),
            trip.clone(),
        );
        let ended = self.run(io, service, Some(watcher)).await;
        self.counters
            .open
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        let (counter, reason) = match (trip.get(), ended) {
            (Some(Tripped::Stalled), _) => (
                Some(&self.counters.stalled),
                "stalled: the client stopped reading",
            ),
            (Some(Tripped::Silent), _) => {
                (Some(&self.counters.timed_out), "timed out: nothing sent")
            }
            (None, Ended::TimedOut) => (
                Some(&self.counters.timed_out),
                "timed out: no request head in time",
            ),
            (None, Ended::Failed) => (Some(&self.counters.failed), "failed"),
            (None, Ended::Closed) => (None, "closed"),
        };
        if let Some(counter) = counter {
            Counters::add(counter, 1);
        }
        tracing::debug!(peer = %self.peer, reason, "connection closed");
    }

    /// Answers every request of an over-the-limit connection with 503 and closes it.
    async fn refuse(self, tcp: TcpStream) {
        tracing::debug!(peer = %self.peer, "connection refused: too many open");
        let io = Guarded::new(
            tcp,
            self.config.header_read_timeout(),
            self.config.write_stall_timeout(),
            Trip::default(),
        );
        let service = hyper::service::service_fn(|_request: Request<Incoming>| async {
            let mut response = Response::new(Full::new(Bytes::from_static(
                b"too many connections, try again shortly\n",
            )));
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            let headers = response.headers_mut();
            headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            headers.insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
            Ok::<_, Infallible>(response)
        });
        let _ = self.run(io, service, None).await;
    }

    /// The TLS handshake if any, then HTTP until the connection ends.
    async fn run<S, B>(&self, io: Guarded<TcpStream>, service: S, watcher: Option<Watcher>) -> Ended
    where
        S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        #[cfg(feature = "server-tls")]
        if let Some(tls) = &self.tls {
            let handshake =
                tokio::time::timeout(self.config.header_read_timeout(), tls.accept(io)).await;
            return match handshake {
                Ok(Ok(stream)) => self.http(stream, service, watcher).await,
                Ok(Err(error)) => {
                    tracing::debug!(peer = %self.peer, %error, "TLS handshake failed");
                    Ended::Failed
                }
                Err(_) => Ended::TimedOut,
            };
        }
        self.http(io, service, watcher).await
    }

    async fn http<I, S, B>(&self, io: I, service: S, watcher: Option<Watcher>) -> Ended
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let connection = self
            .builder
            .serve_connection_with_upgrades(TokioIo::new(io), service);
        let ended = match watcher {
            Some(watcher) => watcher.watch(connection).await,
            None => connection.await,
        };
        match ended {
            Ok(()) => Ended::Closed,
            Err(error) => {
                let timed_out = error
                    .downcast_ref::<hyper::Error>()
                    .is_some_and(hyper::Error::is_timeout);
                tracing::trace!(peer = %self.peer, %error, "connection error");
                if timed_out {
                    Ended::TimedOut
                } else {
                    Ended::Failed
                }
            }
        }
    }
}

/// How a connection ended, as hyper tells it.
enum Ended {
    Closed,
    TimedOut,
    Failed,
}

/// SIGTERM or SIGINT (Ctrl-C elsewhere than on Unix).
fn terminate() -> io::Result<impl Future<Output = ()> + Send> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            };
            tracing::info!(signal = name, "shutdown signal");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutdown signal: Ctrl-C");
        })
    }
}
