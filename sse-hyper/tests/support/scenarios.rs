//! The scenarios a reconnecting client must get through, each a scripted server (see
//! `script.rs`), the client's settings and what must come out: shared by ssekit-hyper's library
//! tests and ssekit-cli's `sse get` tests, which run each one their own way.
//!
//! Included by path at a test crate's root as `mod scenarios`, beside `mod script`
//! (ssekit-cli: `#[path = "../../sse-hyper/tests/support/scenarios.rs"] mod scenarios;`). It
//! needs std and ssekit-core.
#![allow(dead_code)] // each test file uses its own part

use std::time::Duration;

use crate::script::{
    ScriptServer, Step, chunk, chunked_head, last_chunk, no_content, plain, stream, stream_head,
};

/// The longest a scenario may take, client included.
pub const SCENARIO_LIMIT: Duration = Duration::from_secs(10);

/// What a client reports, as `sse decode` prints it: an event, a retry, a comment, or an
/// error from the decoder's limits (stderr for the binary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// An event: type, data, last event ID.
    Event(String, String, String),
    /// A `retry` field, in milliseconds.
    Retry(u128),
    /// A comment.
    Comment(String),
    /// A limit exceeded.
    DecodeError,
}

/// An event of type `message`.
pub fn message(data: &str, id: &str) -> Expect {
    Expect::Event("message".into(), data.into(), id.into())
}

/// How the client must end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Cleanly, on a 204 (exit 0).
    Stop,
    /// Failed for good, with an error that contains this (exit 1, on stderr).
    Fail(&'static str),
}

/// How to set up the client.
#[derive(Debug, Clone, Default)]
pub struct ClientConfig {
    /// Keep comments.
    pub comments: bool,
    /// Idle timeout.
    pub idle_timeout: Option<Duration>,
    /// Maximum retries.
    pub max_retries: Option<u32>,
    /// Maximum delay.
    pub max_delay: Option<Duration>,
    /// The last event ID to start from.
    pub last_event_id: Option<&'static str>,
    /// Line length limit.
    pub max_line_len: Option<usize>,
    /// Event size limit.
    pub max_event_size: Option<usize>,
}

/// A server, a client set up for it, and what must come out.
pub struct Scenario {
    /// The server, running.
    pub server: ScriptServer,
    /// The client's settings.
    pub client: ClientConfig,
    /// What the client reports, in order.
    pub expect: Vec<Expect>,
    /// How it ends.
    pub end: End,
    /// The `Last-Event-ID` each request must carry (so also how many requests).
    pub sent: Vec<Option<&'static str>>,
    /// The wait before each reconnection, when the scenario pins it down.
    pub delays: Option<Vec<Duration>>,
}

impl Scenario {
    fn new(server: ScriptServer, expect: Vec<Expect>, end: End) -> Self {
        Scenario {
            server,
            client: ClientConfig::default(),
            expect,
            end,
            sent: Vec::new(),
            delays: None,
        }
    }

    fn sent(mut self, sent: &[Option<&'static str>]) -> Self {
        self.sent = sent.to_vec();
        self
    }

    fn client(mut self, client: ClientConfig) -> Self {
        self.client = client;
        self
    }

    /// Checks what the server saw once the client is done: the headers of every request,
    /// and the `Last-Event-ID`s.
    pub fn check_requests(&self) {
        let requests = self.server.requests();
        for request in &requests {
            assert!(request.line.starts_with("GET "), "{request:?}");
            assert_eq!(request.header("accept"), Some("text/event-stream"));
            assert_eq!(request.header("cache-control"), Some("no-cache"));
        }
        let sent: Vec<Option<String>> = self.sent.iter().map(|s| s.map(str::to_owned)).collect();
        assert_eq!(
            self.server.last_event_ids(),
            sent,
            "Last-Event-ID per request"
        );
    }
}

const MS: Duration = Duration::from_millis(1);

/// A connection dropped in the middle of an event (the body just ends): the event is never
/// dispatched, and the reconnection resumes after the last whole one.
pub fn dropped_mid_event() -> Scenario {
    let server = ScriptServer::scripts(vec![
        stream("retry: 10\n\nid: 1\ndata: one\n\nid: 2\ndata: tw"),
        stream("id: 2\ndata: two\n\n"),
    ]);
    let expect = vec![Expect::Retry(10), message("one", "1"), message("two", "2")];
    Scenario::new(server, expect, End::Stop).sent(&[None, Some("1"), Some("2")])
}

/// The same with a chunked body cut off (a body error rather than an end).
pub fn dropped_mid_chunk() -> Scenario {
    let mut first = chunked_head();
    first.extend(chunk(b"retry: 10\n\nid: 1\ndata: one\n\nid: 2\ndata: tw"));
    let mut second = chunked_head();
    second.extend(chunk(b"id: 2\ndata: two\n\n"));
    second.extend(last_chunk());
    let server = ScriptServer::scripts(vec![vec![Step::Write(first)], vec![Step::Write(second)]]);
    let expect = vec![Expect::Retry(10), message("one", "1"), message("two", "2")];
    Scenario::new(server, expect, End::Stop).sent(&[None, Some("1"), Some("2")])
}

/// The last event ID persists across reconnections, an empty `id` resets it (and then no
/// header is sent), and an `id` in a block without data still counts.
pub fn last_event_id_persists_and_resets() -> Scenario {
    let server = ScriptServer::scripts(vec![
        stream("retry: 10\n\nid: a\ndata: 1\n\n"),
        stream("data: 2\n\n"),
        stream("id\ndata: 3\n\n"),
        stream("data: 4\n\nid: b\n\n"),
    ]);
    let expect = vec![
        Expect::Retry(10),
        message("1", "a"),
        message("2", "a"),
        message("3", ""),
        message("4", ""),
    ];
    Scenario::new(server, expect, End::Stop).sent(&[None, Some("a"), Some("a"), None, Some("b")])
}

/// `retry` is followed, a later shorter one too.
pub fn retry_followed() -> Scenario {
    let server = ScriptServer::scripts(vec![
        stream("retry: 300\ndata: x\n\n"),
        stream("retry: 20\ndata: y\n\n"),
    ]);
    let expect = vec![
        Expect::Retry(300),
        message("x", ""),
        Expect::Retry(20),
        message("y", ""),
    ];
    let mut scenario = Scenario::new(server, expect, End::Stop).sent(&[None, None, None]);
    scenario.delays = Some(vec![300 * MS, 20 * MS]);
    scenario
}

/// 204 at once: nothing, a clean end, no reconnection.
pub fn no_content_at_start() -> Scenario {
    let server = ScriptServer::scripts(vec![]);
    Scenario::new(server, vec![], End::Stop).sent(&[None])
}

/// 204 after some events.
pub fn no_content_after_events() -> Scenario {
    let server = ScriptServer::scripts(vec![stream("retry: 10\n\nid: 1\ndata: a\n\ndata: b\n\n")]);
    let expect = vec![Expect::Retry(10), message("a", "1"), message("b", "1")];
    Scenario::new(server, expect, End::Stop).sent(&[None, Some("1")])
}

/// 500: fails for good, saying what came; no reconnection.
pub fn server_error() -> Scenario {
    let server = ScriptServer::scripts(vec![plain(
        "500 Internal Server Error",
        "text/plain",
        "oops",
    )]);
    Scenario::new(server, vec![], End::Fail("500 Internal Server Error")).sent(&[None])
}

/// 200 with another content type: fails for good, saying what came.
pub fn wrong_content_type() -> Scenario {
    let server = ScriptServer::scripts(vec![plain("200 OK", "text/html", "<h1>hi</h1>")]);
    Scenario::new(server, vec![], End::Fail("text/html")).sent(&[None])
}

/// A server writing one byte at a time: a BOM, CRLF line ends, a comment, a multi-byte
/// character.
pub fn byte_at_a_time() -> Scenario {
    let body =
        "\u{feff}: hello\r\nretry: 10\r\nevent: greet\r\nid: 7\r\ndata: hé\r\ndata: llo\r\n\r\n";
    let server = ScriptServer::scripts(vec![vec![
        Step::Write(stream_head()),
        Step::Drip(body.as_bytes().to_vec(), MS),
    ]]);
    let expect = vec![
        Expect::Comment(" hello".into()),
        Expect::Retry(10),
        Expect::Event("greet".into(), "hé\nllo".into(), "7".into()),
    ];
    Scenario::new(server, expect, End::Stop)
        .sent(&[None, Some("7")])
        .client(ClientConfig {
            comments: true,
            ..ClientConfig::default()
        })
}

/// Chunked transfer encoding with chunks that cut a CRLF and a UTF-8 character.
pub fn chunks_cut_crlf_and_utf8() -> Scenario {
    let pause = Step::Pause(20 * MS);
    let script = vec![
        Step::Write(chunked_head()),
        Step::Write(chunk(b"retry: 10\r")),
        pause.clone(),
        Step::Write(chunk(b"\ndata: caf\xc3")),
        pause.clone(),
        Step::Write(chunk(b"\xa9\r")),
        pause.clone(),
        Step::Write(chunk(b"\n\r\n")),
        Step::Write(last_chunk()),
    ];
    let server = ScriptServer::scripts(vec![script]);
    let expect = vec![Expect::Retry(10), message("café", "")];
    Scenario::new(server, expect, End::Stop).sent(&[None, None])
}

/// How many times [`twenty_reconnects`] reconnects.
pub const RECONNECTS: usize = 20;

/// Twenty reconnections in a row, each after two whole events and one cut off: a server
/// that resumes after the `Last-Event-ID` it gets. Every event arrives once, in order.
pub fn twenty_reconnects() -> Scenario {
    let server = ScriptServer::start(|n, request| {
        if n > RECONNECTS {
            return no_content();
        }
        let last: usize = request
            .header("last-event-id")
            .and_then(|id| id.parse().ok())
            .unwrap_or(0);
        stream(&format!(
            "retry: 1\n\nid: {a}\ndata: event {a}\n\nid: {b}\ndata: event {b}\n\nid: {c}\ndata: cut off",
            a = last + 1,
            b = last + 2,
            c = last + 3,
        ))
    });
    let mut expect = Vec::new();
    let mut sent = vec![None];
    for n in 0..=RECONNECTS {
        let (a, b) = (2 * n + 1, 2 * n + 2);
        expect.push(Expect::Retry(1));
        expect.push(message(&format!("event {a}"), &a.to_string()));
        expect.push(message(&format!("event {b}"), &b.to_string()));
        sent.push(Some(leak(b.to_string())));
    }
    Scenario::new(server, expect, End::Stop).sent(&sent)
}

/// A server that stops sending (the connection stays open): after the idle timeout the
/// client drops it and reconnects.
pub fn idle_timeout() -> Scenario {
    let server = ScriptServer::scripts(vec![vec![
        Step::Write(stream_head()),
        Step::Write(b"retry: 10\n\ndata: a\n\n".to_vec()),
        Step::Hang,
    ]]);
    let expect = vec![Expect::Retry(10), message("a", "")];
    Scenario::new(server, expect, End::Stop)
        .sent(&[None, None])
        .client(ClientConfig {
            idle_timeout: Some(300 * MS),
            ..ClientConfig::default()
        })
}

/// A server that never answers the request: the idle timeout covers the wait for the head.
pub fn idle_before_the_head() -> Scenario {
    let server = ScriptServer::scripts(vec![vec![Step::Hang]]);
    Scenario::new(server, vec![], End::Stop)
        .sent(&[None, None])
        .client(ClientConfig {
            idle_timeout: Some(300 * MS),
            max_delay: Some(50 * MS),
            ..ClientConfig::default()
        })
}

/// Keep-alive comments are bytes: they keep an idle timeout from firing.
pub fn keep_alive_is_not_idle() -> Scenario {
    let mut script = vec![
        Step::Write(stream_head()),
        Step::Write(b"retry: 10\n\n".to_vec()),
    ];
    // 600 ms in all, longer than the idle timeout; never more than 50 ms without a byte.
    for _ in 0..12 {
        script.push(Step::Pause(50 * MS));
        script.push(Step::Write(b":\n\n".to_vec()));
    }
    script.push(Step::Write(b"data: alive\n\n".to_vec()));
    let server = ScriptServer::scripts(vec![script]);
    let expect = vec![Expect::Retry(10), message("alive", "")];
    Scenario::new(server, expect, End::Stop)
        .sent(&[None, None])
        .client(ClientConfig {
            idle_timeout: Some(400 * MS),
            ..ClientConfig::default()
        })
}

/// Connections that open but deliver no event, again and again: the client gives up after
/// its maximum retries, saying so.
pub fn retries_exhausted() -> Scenario {
    let server = ScriptServer::start(|_, _| stream("retry: 10\n\n"));
    Scenario::new(
        server,
        vec![Expect::Retry(10); 3],
        End::Fail("gave up after 2"),
    )
    .sent(&[None, None, None])
    .client(ClientConfig {
        max_retries: Some(2),
        ..ClientConfig::default()
    })
}

/// Resuming a stream a previous process followed: the first request carries the id.
pub fn initial_last_event_id() -> Scenario {
    let server = ScriptServer::scripts(vec![stream("retry: 10\ndata: resumed\n\n")]);
    let expect = vec![Expect::Retry(10), message("resumed", "41")];
    Scenario::new(server, expect, End::Stop)
        .sent(&[Some("41"), Some("41")])
        .client(ClientConfig {
            last_event_id: Some("41"),
            ..ClientConfig::default()
        })
}

// ---- hostile servers ----

/// A line that never ends (2 MiB of it): one limit error, the rest skipped in bounded
/// memory, then decoding goes on.
pub fn endless_line() -> Scenario {
    let mut script = vec![
        Step::Write(stream_head()),
        Step::Write(b"retry: 10\n\ndata: ".to_vec()),
    ];
    for _ in 0..32 {
        script.push(Step::Write(vec![b'x'; 64 * 1024]));
    }
    script.push(Step::Write(b"\n\ndata: after\n\n".to_vec()));
    let server = ScriptServer::scripts(vec![script]);
    let expect = vec![Expect::Retry(10), Expect::DecodeError, message("after", "")];
    Scenario::new(server, expect, End::Stop)
        .sent(&[None, None])
        .client(ClientConfig {
            max_line_len: Some(1024),
            ..ClientConfig::default()
        })
}

/// A huge `retry` is reported as sent, but the wait is capped by the maximum delay; one too
/// large for 64 bits of milliseconds is ignored.
pub fn huge_retry() -> Scenario {
    let server = ScriptServer::scripts(vec![stream(
        "retry: 99999999999999999999999\nretry: 99999999999999\ndata: x\n\n",
    )]);
    let expect = vec![Expect::Retry(99_999_999_999_999), message("x", "")];
    let mut scenario = Scenario::new(server, expect, End::Stop)
        .sent(&[None, None])
        .client(ClientConfig {
            max_delay: Some(50 * MS),
            ..ClientConfig::default()
        });
    scenario.delays = Some(vec![50 * MS]);
    scenario
}

/// Bytes no stream should hold (NULs, lone CRs, invalid UTF-8, 0xFF…), pseudo-random.
pub fn garbage(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// Binary garbage, then a whole event: the client reports what the decoder makes of it (at
/// any chunking, the same as in one piece), within its limits, and goes on.
pub fn binary_garbage() -> Scenario {
    let mut body = garbage(256 * 1024);
    body.extend_from_slice(b"\n\nretry: 10\n\ndata: survived\n\n");
    let expect = decoded(&body, 4096, 4096, false);
    assert!(expect.ends_with(&[Expect::Retry(10), message("survived", "")]));
    let mut bytes = stream_head();
    bytes.extend_from_slice(&body);
    let server = ScriptServer::scripts(vec![vec![Step::Write(bytes)]]);
    Scenario::new(server, expect, End::Stop)
        .sent(&[None, None])
        .client(ClientConfig {
            max_line_len: Some(4096),
            max_event_size: Some(4096),
            ..ClientConfig::default()
        })
}

/// A slow drip of a line that never ends: every byte keeps the idle timeout away, and the
/// line limit ends it.
pub fn slow_drip() -> Scenario {
    let mut drip = b"data: ".to_vec();
    drip.extend(std::iter::repeat_n(b'y', 200));
    let server = ScriptServer::scripts(vec![vec![
        Step::Write(stream_head()),
        Step::Write(b"retry: 10\n\n".to_vec()),
        Step::Drip(drip, 2 * MS),
        Step::Write(b"\n\ndata: after\n\n".to_vec()),
    ]]);
    let expect = vec![Expect::Retry(10), Expect::DecodeError, message("after", "")];
    Scenario::new(server, expect, End::Stop)
        .sent(&[None, None])
        .client(ClientConfig {
            idle_timeout: Some(300 * MS),
            max_line_len: Some(64),
            ..ClientConfig::default()
        })
}

/// What ssekit-core's decoder makes of `bytes` in one piece.
pub fn decoded(
    bytes: &[u8],
    max_line_len: usize,
    max_event_size: usize,
    comments: bool,
) -> Vec<Expect> {
    let limits = ssekit_core::Limits::default()
        .with_max_line_len(max_line_len)
        .with_max_event_size(max_event_size);
    let mut decoder = ssekit_core::Decoder::new()
        .with_limits(limits)
        .with_comments(comments);
    let mut out = Vec::new();
    for item in decoder.feed(bytes) {
        out.push(match item {
            Ok(ssekit_core::Decoded::Event(e)) => Expect::Event(
                e.event_type().into(),
                e.data().into(),
                e.last_event_id().into(),
            ),
            Ok(ssekit_core::Decoded::Retry(time)) => Expect::Retry(time.as_millis()),
            Ok(ssekit_core::Decoded::Comment(text)) => Expect::Comment(text),
            Ok(_) => continue,
            Err(_) => Expect::DecodeError,
        });
    }
    out
}

/// A `&'static str` for a scenario's expectations (a few short strings per test process).
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}
