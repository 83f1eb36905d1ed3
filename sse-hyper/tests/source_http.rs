//! The reconnecting client's HTTP side, through the library only: items and causes,
//! redirects, headers per request, the opt-in retry of server errors, cancellation, the
//! tower `Service` seam, https.

#[path = "support/script.rs"]
mod script;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::{Empty, Full};
use script::{
    ScriptServer, Step, chunk, chunked_head, head, no_content, plain, stream, stream_head,
};
use ssekit_hyper::{
    Disconnect, EventSource, Item, Reconnect, ResponseError, SetupError, SourceError,
};

const MS: Duration = Duration::from_millis(1);

type Next = Option<Result<Item, SourceError>>;

async fn next(source: &mut EventSource) -> Next {
    match tokio::time::timeout(Duration::from_secs(5), source.next()).await {
        Ok(item) => item,
        Err(_) => panic!("no item within 5 s"),
    }
}

fn source(url: &str) -> EventSource {
    EventSource::new(url.parse().expect("a URL")).expect("an http URL")
}

fn event_data(item: Next) -> String {
    match item {
        Some(Ok(Item::Event(event))) => event.data().to_owned(),
        other => panic!("expected an event, got {other:?}"),
    }
}

fn is_open(item: &Next) -> bool {
    matches!(item, Some(Ok(Item::Open)))
}

#[tokio::test]
async fn opens_events_and_each_reconnection_with_its_cause() {
    let mut cut = chunked_head();
    cut.extend(chunk(b"data: b\n\ndata: cut"));
    let server = ScriptServer::scripts(vec![
        stream("retry: 10\n\ndata: a\n\n"),
        vec![Step::Write(cut)],
    ]);
    let mut source = source(&server.url("/"));
    assert!(is_open(&next(&mut source).await));
    assert!(matches!(next(&mut source).await, Some(Ok(Item::Retry(t))) if t == 10 * MS));
    assert_eq!(event_data(next(&mut source).await), "a");
    match next(&mut source).await {
        Some(Ok(Item::Reconnecting {
            delay,
            retry: 1,
            cause: Disconnect::Ended,
        })) => assert_eq!(delay, 10 * MS),
        other => panic!("expected a reconnection after the end, got {other:?}"),
    }
    assert_eq!(source.retries(), 1);
    assert!(is_open(&next(&mut source).await));
    assert_eq!(event_data(next(&mut source).await), "b");
    assert_eq!(source.retries(), 0, "an event makes the connection healthy");
    match next(&mut source).await {
        Some(Ok(Item::Reconnecting {
            retry: 1,
            cause: Disconnect::Body(_),
            ..
        })) => {}
        other => panic!("expected a reconnection after a body error, got {other:?}"),
    }
    assert!(next(&mut source).await.is_none(), "then 204");
    assert_eq!(server.connections(), 3);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_the_source_gives_up() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let policy = Reconnect::new()
        .with_reconnection_time(10 * MS)
        .with_max_retries(1);
    let mut source = source(&format!("http://127.0.0.1:{port}/")).with_reconnect(policy);
    match next(&mut source).await {
        Some(Ok(Item::Reconnecting {
            delay,
            retry: 1,
            cause: Disconnect::Connect(_),
        })) => assert_eq!(delay, 10 * MS),
        other => panic!("expected a reconnection, got {other:?}"),
    }
    match next(&mut source).await {
        Some(Err(SourceError::RetriesExhausted {
            retries: 1,
            last: Disconnect::Connect(_),
        })) => {}
        other => panic!("expected to give up, got {other:?}"),
    }
    assert!(next(&mut source).await.is_none());
}

#[tokio::test]
async fn server_errors_are_retried_when_asked_honouring_retry_after_capped() {
    let server = ScriptServer::scripts(vec![
        plain("503 Service Unavailable", "text/plain", "busy"),
        vec![Step::Write(head(
            "429 Too Many Requests",
            &[("Retry-After", "3600")],
        ))],
        stream("data: finally\n\n"),
    ]);
    let policy = Reconnect::new()
        .with_retry_server_errors(true)
        .with_reconnection_time(10 * MS)
        .with_max_delay(80 * MS);
    let mut source = source(&server.url("/")).with_reconnect(policy);
    match next(&mut source).await {
        Some(Ok(Item::Reconnecting {
            delay,
            cause:
                Disconnect::Status {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    retry_after: None,
                },
            ..
        })) => assert_eq!(delay, 10 * MS),
        other => panic!("expected a retried 503, got {other:?}"),
    }
    match next(&mut source).await {
        Some(Ok(Item::Reconnecting {
            delay,
            retry: 2,
            cause:
                Disconnect::Status {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    retry_after: Some(after),
                },
        })) => {
            assert_eq!(after, Duration::from_secs(3600));
            assert_eq!(delay, 80 * MS, "Retry-After is capped by the max delay");
        }
        other => panic!("expected a retried 429, got {other:?}"),
    }
    assert!(is_open(&next(&mut source).await));
    assert_eq!(event_data(next(&mut source).await), "finally");
}

#[tokio::test]
async fn without_the_policy_a_server_error_fails_for_good_with_what_came() {
    let server = ScriptServer::scripts(vec![plain("503 Service Unavailable", "text/html", "x")]);
    let mut source = source(&server.url("/"));
    match next(&mut source).await {
        Some(Err(SourceError::Response(ResponseError::Unexpected {
            status,
            content_type,
        }))) => {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(content_type, Some(HeaderValue::from_static("text/html")));
        }
        other => panic!("expected the response error, got {other:?}"),
    }
    assert!(next(&mut source).await.is_none());
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn redirects_are_followed_and_credentials_stay_with_their_origin() {
    let other = ScriptServer::scripts(vec![stream("retry: 10\n\nid: 1\ndata: via b\n\n")]);
    let there = other.url("/there");
    let server = ScriptServer::start(move |n, _| match n {
        0 => vec![Step::Write(head("302 Found", &[("Location", "moved?x=1")]))],
        1 => vec![Step::Write(head(
            "307 Temporary Redirect",
            &[("Location", &there)],
        ))],
        _ => no_content(),
    });
    let mut source = source(&server.url("/a/events")).with_headers(|| {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Bearer secret"));
        headers.insert("x-client", HeaderValue::from_static("test"));
        headers
    });
    assert!(is_open(&next(&mut source).await));
    let _retry = next(&mut source).await;
    assert_eq!(event_data(next(&mut source).await), "via b");
    assert!(matches!(
        next(&mut source).await,
        Some(Ok(Item::Reconnecting { .. }))
    ));
    assert!(
        next(&mut source).await.is_none(),
        "the reconnection went to the first URL"
    );

    let requests = server.requests();
    let targets: Vec<&str> = requests.iter().map(|r| r.target()).collect();
    assert_eq!(targets, ["/a/events", "/a/moved?x=1", "/a/events"]);
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer secret"))
    );
    assert_eq!(requests[2].header("last-event-id"), Some("1"));
    let crossed = other.requests();
    assert_eq!(crossed.len(), 1);
    assert_eq!(crossed[0].target(), "/there");
    assert_eq!(
        crossed[0].header("authorization"),
        None,
        "not to another origin"
    );
    assert_eq!(crossed[0].header("x-client"), Some("test"));
    assert_eq!(crossed[0].header("accept"), Some("text/event-stream"));
}

#[tokio::test]
async fn a_redirect_loop_fails_with_too_many_redirects() {
    let server =
        ScriptServer::start(|_, _| vec![Step::Write(head("302 Found", &[("Location", "/again")]))]);
    let mut source = source(&server.url("/")).with_max_redirects(3);
    assert!(matches!(
        next(&mut source).await,
        Some(Err(SourceError::TooManyRedirects { max: 3 }))
    ));
    assert!(next(&mut source).await.is_none());
    assert_eq!(server.connections(), 4);
}

#[tokio::test]
async fn an_unusable_location_fails_cleanly() {
    for location in ["http://[::1", "ftp://example.com/x", "/with space"] {
        let server = ScriptServer::scripts(vec![vec![Step::Write(head(
            "301 Moved Permanently",
            &[("Location", location)],
        ))]]);
        let mut source = source(&server.url("/"));
        match next(&mut source).await {
            Some(Err(error @ SourceError::BadRedirect { .. })) => {
                assert!(error.to_string().contains(location), "{error}");
            }
            other => panic!("{location}: expected a bad redirect, got {other:?}"),
        }
        assert!(next(&mut source).await.is_none());
    }
}

#[tokio::test]
async fn headers_come_from_the_callback_before_each_request() {
    let server = ScriptServer::scripts(vec![stream("retry: 10\n\ndata: a\n\n")]);
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let mut source = source(&server.url("/")).with_headers(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let mut headers = HeaderMap::new();
        let token = HeaderValue::from_str(&format!("Bearer {n}")).expect("a header value");
        headers.insert("authorization", token);
        headers.insert("accept", HeaderValue::from_static("text/html"));
        headers.insert("last-event-id", HeaderValue::from_static("forged"));
        headers
    });
    while next(&mut source).await.is_some() {}
    let requests = server.requests();
    let tokens: Vec<_> = requests.iter().map(|r| r.header("authorization")).collect();
    assert_eq!(tokens, [Some("Bearer 1"), Some("Bearer 2")]);
    for request in &requests {
        assert_eq!(request.header("accept"), Some("text/event-stream"));
        assert_eq!(
            request.header("last-event-id"),
            None,
            "the source's own, empty"
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn dropping_the_source_closes_the_connection() {
    let mut bytes = stream_head();
    bytes.extend_from_slice(b"data: a\n\n");
    let server = ScriptServer::scripts(vec![vec![Step::Write(bytes), Step::Hang]]);
    let mut source = source(&server.url("/"));
    assert!(is_open(&next(&mut source).await));
    assert_eq!(event_data(next(&mut source).await), "a");
    // A pending `next()` cancelled on the way is harmless too.
    let waited = tokio::time::timeout(20 * MS, source.next()).await;
    assert!(waited.is_err());
    drop(source);
    // The client's connection task runs on this runtime: wait without blocking it.
    let closed = async {
        while server.hung_up() == 0 {
            tokio::time::sleep(5 * MS).await;
        }
    };
    let closed = tokio::time::timeout(Duration::from_secs(5), closed).await;
    assert!(closed.is_ok(), "the server saw the connection close");
}

#[tokio::test]
async fn state_is_readable_at_any_time() {
    let server = ScriptServer::scripts(vec![stream("retry: 40\nid: 9\ndata: a\n\n")]);
    let decoder = ssekit_hyper::Decoder::new().with_last_event_id("8");
    let mut source = source(&server.url("/")).with_decoder(decoder);
    assert_eq!(source.last_event_id(), "8");
    assert_eq!(source.reconnection_time(), Duration::from_secs(3));
    assert!(is_open(&next(&mut source).await));
    assert!(matches!(next(&mut source).await, Some(Ok(Item::Retry(_)))));
    assert_eq!(
        source.reconnection_time(),
        40 * MS,
        "as soon as the field is read"
    );
    assert_eq!(
        source.last_event_id(),
        "8",
        "the event is not dispatched yet"
    );
    assert_eq!(event_data(next(&mut source).await), "a");
    assert_eq!(source.last_event_id(), "9");
    assert!(matches!(
        next(&mut source).await,
        Some(Ok(Item::Reconnecting { .. }))
    ));
    assert_eq!(
        (source.last_event_id(), source.reconnection_time()),
        ("9", 40 * MS)
    );
    assert!(next(&mut source).await.is_none());
    assert_eq!(source.last_event_id(), "9");
    let debug = format!("{source:?}");
    assert!(debug.contains("done") && debug.contains("\"9\""), "{debug}");
}

#[tokio::test]
async fn an_id_that_cannot_be_a_header_fails_for_good_at_the_reconnection() {
    let server = ScriptServer::scripts(vec![stream("retry: 10\n\nid: a\u{1}b\ndata: x\n\n")]);
    let mut source = source(&server.url("/"));
    assert!(is_open(&next(&mut source).await));
    let _retry = next(&mut source).await;
    assert_eq!(event_data(next(&mut source).await), "x");
    assert!(matches!(
        next(&mut source).await,
        Some(Ok(Item::Reconnecting { .. }))
    ));
    match next(&mut source).await {
        Some(Err(SourceError::LastEventId(e))) => assert_eq!(e.id(), "a\u{1}b"),
        other => panic!("expected the id error, got {other:?}"),
    }
    assert!(next(&mut source).await.is_none());
}

/// The seam: any tower `Service` drives the loop. This one answers from memory (no I/O)
/// and records what it was asked.
#[tokio::test]
async fn any_tower_service_drives_it() {
    let seen: Arc<Mutex<Vec<Option<HeaderValue>>>> = Arc::default();
    let record = Arc::clone(&seen);
    let calls = Arc::new(AtomicUsize::new(0));
    let service = tower::service_fn(move |request: Request<Empty<Bytes>>| {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut seen) = record.lock() {
            seen.push(request.headers().get("last-event-id").cloned());
        }
        let response = match n {
            0 => Response::builder()
                .header("content-type", "text/event-stream")
                .body(Full::new(Bytes::from_static(
                    b"retry: 5\nid: 1\ndata: from memory\n\n",
                ))),
            _ => Response::builder().status(204).body(Full::default()),
        };
        async move { Ok::<_, Infallible>(response.unwrap_or_default()) }
    });
    let url = "http://service.invalid/events".parse().expect("a URL");
    let mut source = EventSource::new_with_service(service, url).expect("a source");
    assert!(is_open(&next(&mut source).await));
    assert!(matches!(next(&mut source).await, Some(Ok(Item::Retry(_)))));
    assert_eq!(event_data(next(&mut source).await), "from memory");
    assert!(matches!(
        next(&mut source).await,
        Some(Ok(Item::Reconnecting { .. }))
    ));
    assert!(next(&mut source).await.is_none());
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(seen, [None, Some(HeaderValue::from_static("1"))]);
}

#[test]
fn setup_refuses_what_cannot_be_an_event_source() {
    let relative = EventSource::new("/events".parse().expect("a URI"));
    assert!(matches!(relative, Err(SetupError::NotAbsolute(_))));
    let ftp = EventSource::new("ftp://example.com/".parse().expect("a URI"));
    assert!(matches!(ftp, Err(SetupError::UnsupportedScheme(s)) if s == "ftp"));
}

#[cfg(not(feature = "rustls"))]
#[test]
fn https_needs_the_rustls_feature() {
    let https = EventSource::new("https://example.com/".parse().expect("a URI"));
    assert!(matches!(https, Err(SetupError::UnsupportedScheme(s)) if s == "https"));
}

/// With `rustls`, an https URL speaks TLS: against a plain-HTTP server the handshake fails
/// (a connection error, retried like any other).
#[cfg(feature = "rustls")]
#[tokio::test]
async fn https_speaks_tls() {
    // A server that answers in plain HTTP at once, whatever it is sent.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("an address");
    std::thread::spawn(move || {
        if let Ok((mut tcp, _)) = listener.accept() {
            use std::io::Write;
            let _ = tcp.write_all(b"HTTP/1.1 204 No Content\r\n\r\n");
        }
    });
    let url = format!("https://{addr}/");
    let policy = Reconnect::new().with_max_retries(0);
    let mut source = source(&url).with_reconnect(policy);
    match next(&mut source).await {
        Some(Err(SourceError::RetriesExhausted {
            last: Disconnect::Connect(_),
            ..
        })) => {}
        other => panic!("expected a failed handshake, got {other:?}"),
    }
}
