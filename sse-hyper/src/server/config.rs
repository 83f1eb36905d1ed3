//! [`ServerConfig`]: the server's timeouts and limits, with defaults for event streams.

use std::time::Duration;

/// The timeouts and limits of a [`Server`](super::Server). The defaults suit long-lived
/// event streams; each can be changed.
///
/// ```
/// use std::time::Duration;
/// use ssekit_hyper::server::ServerConfig;
///
/// let config = ServerConfig::default()
///     .with_write_stall_timeout(Duration::from_secs(10))
///     .with_max_connections(50_000);
/// assert_eq!(config.header_read_timeout(), Duration::from_secs(10));
/// ```
#[derive(Debug, Clone)]
pub struct ServerConfig {
    write_stall_timeout: Duration,
    header_read_timeout: Duration,
    max_header_bytes: usize,
    max_connections: usize,
    shutdown_deadline: Duration,
    http2_keep_alive: Duration,
    http2_max_streams: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            write_stall_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_connections: 10_000,
            shutdown_deadline: Duration::from_secs(5),
            http2_keep_alive: Duration::from_secs(20),
            http2_max_streams: 250,
        }
    }
}

impl ServerConfig {
    /// A connection whose socket takes no bytes for this long while data waits to be sent
    /// is closed: a client that stopped reading (a frozen tab, a phone that went away)
    /// frees its memory, its socket and its place in the hub. Default 30 s; at least 1 ms.
    pub fn with_write_stall_timeout(mut self, timeout: Duration) -> Self {
        self.write_stall_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long a client may take to send a request's headers, counted from the
    /// connection's start (or the end of the previous request): against slowloris, and
    /// against connections that send nothing at all. Also bounds the TLS handshake.
    /// Default 10 s; at least 1 ms.
    ///
    /// It is also how long an idle HTTP/1.1 keep-alive connection stays open (hyper starts
    /// it whenever it waits for a request head). Behind a proxy that keeps idle connections
    /// to the app longer (AWS ALB: 60 s), set it above the proxy's idle timeout, or the
    /// proxy may send a request on a connection this server is closing and answer 502
    /// (`docs/production.md`).
    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The largest request head (request line and headers) accepted over HTTP/1.1 (431
    /// beyond), and header list over HTTP/2. Default 16 KiB; at least 8 KiB.
    pub fn with_max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes.max(8 * 1024);
        self
    }

    /// Connections served at once. One more is answered `503 Service Unavailable` with
    /// `Retry-After` and closed. Default 10,000; at least 1.
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// After the shutdown signal, how long open connections get to end (event streams end
    /// once the app's [`on_shutdown`](super::Server::on_shutdown) closed them); the rest
    /// are then dropped. Default 5 s.
    pub fn with_shutdown_deadline(mut self, deadline: Duration) -> Self {
        self.shutdown_deadline = deadline;
        self
    }

    /// HTTP/2: a ping this often on each connection; one not answered within the same
    /// time closes the connection (a peer that went away without a word). Default 20 s;
    /// at least 1 ms.
    pub fn with_http2_keep_alive(mut self, interval: Duration) -> Self {
        self.http2_keep_alive = interval.max(Duration::from_millis(1));
        self
    }

    /// HTTP/2: streams (requests, event streams) one connection may have open at once:
    /// every tab of one browser shares one connection. Default 250; at least 1.
    pub fn with_http2_max_streams(mut self, streams: u32) -> Self {
        self.http2_max_streams = streams.max(1);
        self
    }

    /// See [`with_write_stall_timeout`](Self::with_write_stall_timeout).
    pub fn write_stall_timeout(&self) -> Duration {
        self.write_stall_timeout
    }

    /// See [`with_header_read_timeout`](Self::with_header_read_timeout).
    pub fn header_read_timeout(&self) -> Duration {
        self.header_read_timeout
    }

    /// See [`with_max_header_bytes`](Self::with_max_header_bytes).
    pub fn max_header_bytes(&self) -> usize {
        self.max_header_bytes
    }

    /// See [`with_max_connections`](Self::with_max_connections).
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// See [`with_shutdown_deadline`](Self::with_shutdown_deadline).
    pub fn shutdown_deadline(&self) -> Duration {
        self.shutdown_deadline
    }

    /// See [`with_http2_keep_alive`](Self::with_http2_keep_alive).
    pub fn http2_keep_alive(&self) -> Duration {
        self.http2_keep_alive
    }

    /// See [`with_http2_max_streams`](Self::with_http2_max_streams).
    pub fn http2_max_streams(&self) -> u32 {
        self.http2_max_streams
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_hold() {
        let config = ServerConfig::default()
            .with_write_stall_timeout(Duration::ZERO)
            .with_max_header_bytes(10)
            .with_max_connections(0)
            .with_http2_max_streams(0);
        assert_eq!(config.write_stall_timeout(), Duration::from_millis(1));
        assert_eq!(config.max_header_bytes(), 8 * 1024);
        assert_eq!(
            (config.max_connections(), config.http2_max_streams()),
            (1, 1)
        );
    }
}
