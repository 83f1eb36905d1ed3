//! The reconnecting client (`EventSource`, feature `rustls`) against the ready server over
//! HTTPS: it negotiates HTTP/2 by ALPN, follows the stream, and resumes after a lost
//! connection with `Last-Event-ID`, still over HTTP/2. Bounded: every wait has a deadline.

use std::convert::Infallible;
use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{StreamExt, stream};
use http::{Request, Version};
use hyper::body::Incoming;
use ssekit_hyper::server::Server;

#[path = "support/tls.rs"]
mod tls;
use ssekit_hyper::{Event, EventSource, Item, Sse, last_event_id};

/// Each request's HTTP version and `Last-Event-ID`.
type Requests = Arc<Mutex<Vec<(Version, Option<String>)>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_source_speaks_http2_to_the_tls_server_and_resumes() {
    let certificate = tls::localhost();
    let (tls, mut config) = (certificate.tls.clone(), certificate.client.clone());
    config.alpn_protocols.clear(); // hyper-rustls sets them from what it enables
    // Each connection of the stream sends three events after the client's Last-Event-ID,
    // then ends: the client reconnects and resumes.
    let seen: Requests = Arc::default();
    let log = Arc::clone(&seen);
    let app = tower::service_fn(move |request: Request<Incoming>| {
        let last = last_event_id(request.headers())
            .ok()
            .flatten()
            .map(str::to_owned);
        log.lock()
            .expect("log")
            .push((request.version(), last.clone()));
        let first = last
            .and_then(|id| id.parse::<u64>().ok())
            .map_or(1, |n| n + 1);
        let events = stream::iter(first..first + 3).map(|n| {
            Ok::<_, Infallible>(
                Event::new()
                    .with_id(n)
                    .expect("an id")
                    .with_data(format!("tick {n}")),
            )
        });
        async move { Ok::<_, Infallible>(Sse::new(events).into_response()) }
    });
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = Server::from_listener(listener)
        .with_tls(tls)
        .with_shutdown_signal(async {
            let _ = stopped.await;
        });
    tokio::spawn(async move { server.serve(app).await });

    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_only()
        .enable_http1()
        .enable_http2()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, http_body_util::Empty<bytes::Bytes>>(connector);
    let url = format!("https://localhost:{port}/ticks")
        .parse()
        .expect("url");
    let mut source = EventSource::new_with_service(client, url)
        .expect("a source")
        .with_reconnect(
            ssekit_hyper::Reconnect::new().with_reconnection_time(Duration::from_millis(10)),
        );
    let mut data = Vec::new();
    while data.len() < 6 {
        let item = tokio::time::timeout(Duration::from_secs(10), source.next())
            .await
            .expect("in time")
            .expect("the source goes on");
        if let Ok(Item::Event(event)) = item {
            data.push(event.data().to_owned());
        }
    }
    let want: Vec<String> = (1..=6).map(|n| format!("tick {n}")).collect();
    assert_eq!(data, want, "resumed with no gap and no duplicate");
    let seen = seen.lock().expect("log").clone();
    assert!(seen.len() >= 2, "it reconnected: {seen:?}");
    assert!(
        seen.iter().all(|(version, _)| *version == Version::HTTP_2),
        "{seen:?}"
    );
    assert_eq!(seen[1].1.as_deref(), Some("3"), "with Last-Event-ID");
    let _ = stop.send(());
}
