//! `sse bench` against a scripted server: streams that end, resume with `Last-Event-ID`,
//! skip an id and repeat one, over chunked and close-delimited bodies; what the summary
//! counts of them; failures and exit codes. (HTTPS and HTTP/2: `tests/tls.rs`; against the
//! demo: `sse-demo/tests/bench.rs`.) Bounded: each run lasts its `--duration`.

#[path = "../../sse-hyper/tests/support/script.rs"]
mod script;

use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use script::{ScriptServer, Step, chunk, chunked_head, head, last_chunk, stream_head};

const SSE: &str = env!("CARGO_BIN_EXE_sse");

/// Streams asked for in the scripted run.
const STREAMS: usize = 3;

fn bench(args: &[&str]) -> Output {
    Command::new(SSE)
        .arg("bench")
        .args(args)
        .output()
        .expect("run sse bench")
}

fn json(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// An event whose data starts with its send time in milliseconds (the convention).
fn stamped(id: u64) -> Vec<u8> {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("id: e1-{id}\ndata: {ms} price {id}\n\n").into_bytes()
}

#[test]
fn counts_gaps_duplicates_reconnects_and_latency() {
    // First request: a chunked body with ids 1, 2, 4 (3 is skipped), then its end. The
    // resume after 4: 4 again (a duplicate) and 5 in a body that ends with the connection,
    // which then hangs. Per stream: 5 events, 1 gap of 1, 1 duplicate, 1 reconnection.
    let server = ScriptServer::start(|_, request| match request.header("last-event-id") {
        None => vec![Step::Write(
            [
                chunked_head(),
                chunk(&stamped(1)),
                chunk(&[stamped(2), stamped(4)].concat()),
                chunk(b": a comment is not an event\n\n"),
                last_chunk(),
            ]
            .concat(),
        )],
        Some("e1-4") => vec![
            Step::Write([stream_head(), stamped(4), stamped(5)].concat()),
            Step::Hang,
        ],
        Some(_) => vec![Step::Write(head("500 Internal Server Error", &[]))],
    });
    let output = bench(&[
        &server.url("/prices"),
        "--connections",
        &STREAMS.to_string(),
        "--duration",
        "1.5",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.is_empty(),
        "no progress line off a terminal: {stderr}"
    );
    let summary = json(&output);
    let n = STREAMS as u64;
    assert_eq!(summary["protocol"], "HTTP/1.1");
    let connections = &summary["connections"];
    assert_eq!(connections["established"], n);
    assert_eq!(connections["failed"], 0);
    assert_eq!(connections["reconnects"], n);
    assert_eq!(connections["ended_by_server"], n);
    assert_eq!(connections["errors"], 0, "{summary}");
    assert_eq!(connections["open_at_end"], n);
    let events = &summary["events"];
    assert_eq!(events["received"], 5 * n);
    assert_eq!(events["gaps"], n, "{summary}");
    assert_eq!(events["missed"], n);
    assert_eq!(events["duplicates"], n);
    assert!(
        events["bytes"].as_u64().is_some_and(|b| b > 5 * n * 30),
        "{summary}"
    );
    let latency = &summary["latency_ms"];
    assert_eq!(latency["events"], 5 * n, "every event carried a send time");
    assert!(
        latency["max"]
            .as_f64()
            .is_some_and(|ms| (0.0..1500.0).contains(&ms)),
        "{latency}"
    );
    assert!(summary["client_cpu_percent"].is_number() || !cfg!(target_os = "linux"));
    // Each resume carried the last id received, and the request its headers.
    let ids = server.last_event_ids();
    assert_eq!(
        ids.iter()
            .filter(|id| id.as_deref() == Some("e1-4"))
            .count(),
        STREAMS,
        "{ids:?}"
    );
    for request in server.requests() {
        assert_eq!(request.target(), "/prices");
        assert_eq!(request.header("accept"), Some("text/event-stream"));
    }
}

#[test]
fn the_text_summary_says_the_same() {
    let server = ScriptServer::start(|_, _| {
        vec![
            Step::Write([stream_head(), stamped(7), stamped(9)].concat()),
            Step::Hang,
        ]
    });
    let output = bench(&[
        &server.url("/"),
        "-c",
        "2",
        "-d",
        "1",
        "-H",
        "Authorization: Bearer t",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for line in [
        "2 established, 0 failed, 2 open at the end",
        "4 received",
        "2 gaps (2 events missed), 0 duplicates",
        "latency   p50",
    ] {
        assert!(stdout.contains(line), "{line:?} in:\n{stdout}");
    }
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer t"))
    );
}

#[test]
fn failures_are_counted_and_said() {
    // Every request answered 503: nothing opens; exit 1 with the reason.
    let server =
        ScriptServer::start(|_, _| vec![Step::Write(head("503 Service Unavailable", &[]))]);
    let output = bench(&[&server.url("/events"), "-c", "2", "-d", "1.2", "--json"]);
    assert_eq!(output.status.code(), Some(1));
    let summary = json(&output);
    assert_eq!(summary["connections"]["established"], 0);
    assert_eq!(summary["connections"]["failed"], 2);
    assert!(
        summary["connections"]["errors"]
            .as_u64()
            .is_some_and(|e| e >= 2)
    );
    assert_eq!(
        summary["first_errors"][0],
        "response: HTTP/1.1 503 Service Unavailable"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("no stream could be opened"));

    // Not an event stream: refused the same way.
    let html = ScriptServer::start(|_, _| {
        vec![Step::Write(head(
            "200 OK",
            &[("Content-Type", "text/html")],
        ))]
    });
    let summary = json(&bench(&[&html.url("/"), "-c", "1", "-d", "0.5", "--json"]));
    assert_eq!(
        summary["first_errors"][0],
        r#"content type "text/html", not text/event-stream"#
    );

    // 204: the server says stop; the stream is not retried.
    let stop = ScriptServer::start(|_, _| vec![Step::Write(head("204 No Content", &[]))]);
    let summary = json(&bench(&[&stop.url("/"), "-c", "2", "-d", "1.5", "--json"]));
    assert_eq!(stop.connections(), 2, "each stream asked once");
    assert_eq!(summary["connections"]["errors"], 0);

    // Arguments that cannot make a load: exit 2.
    for args in [
        &["ftp://127.0.0.1/", "-d", "0.1"][..],
        &["http://127.0.0.1:9/", "-c", "0", "-d", "0.1"],
        &["http://127.0.0.1:9/", "--http2", "0", "-d", "0.1"],
    ] {
        let output = bench(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn the_ramp_opens_streams_over_time_and_empty_ends_are_not_hammered() {
    // 10 streams at 10 per second, for 0.45 s: about 5 open, never all 10.
    let server = ScriptServer::start(|_, _| vec![Step::Write(stream_head()), Step::Hang]);
    let summary = json(&bench(&[
        &server.url("/"),
        "-c",
        "10",
        "--ramp",
        "10",
        "-d",
        "0.45",
        "--json",
    ]));
    let established = summary["connections"]["established"].as_u64().unwrap_or(0);
    assert!((1..10).contains(&established), "{summary}");

    // A server that ends every stream at once, with no event: each stream asks again after
    // a second, not in a loop.
    let empty = ScriptServer::start(|_, _| vec![Step::Write(stream_head())]);
    let summary = json(&bench(&[&empty.url("/"), "-c", "2", "-d", "1.5", "--json"]));
    assert!(
        (2..=6).contains(&empty.connections()),
        "{} requests: {summary}",
        empty.connections()
    );
    assert_eq!(
        summary["connections"]["ended_by_server"],
        empty.connections() as u64
    );
}
