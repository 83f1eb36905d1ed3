//! The `sse` binary, run on files and through pipes.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SSE: &str = env!("CARGO_BIN_EXE_sse");

fn fixture(name: &str) -> File {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run_file(args: &[&str], input: &str) -> Output {
    Command::new(SSE)
        .args(args)
        .stdin(fixture(input))
        .output()
        .unwrap_or_else(|e| panic!("running sse: {e}"))
}

fn run_bytes(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(SSE)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning sse: {e}"));
    let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    stdin
        .write_all(input)
        .unwrap_or_else(|e| panic!("writing stdin: {e}"));
    drop(stdin);
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting: {e}"))
}

fn stdout(out: &Output) -> &str {
    std::str::from_utf8(&out.stdout).unwrap_or_else(|e| panic!("stdout not UTF-8: {e}"))
}

const MIXED_DECODED: &str = r#"{"retry":2500}
{"event":"greeting","data":"hello\n world","id":"1"}
{"event":"message","data":"second","id":"2"}
{"event":"update","data":"no space","id":"2"}
{"event":"message","data":"after id only","id":"3"}
"#;

#[test]
fn decode_a_file() {
    let out = run_file(&["decode"], "mixed.sse");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out), MIXED_DECODED);
}

#[test]
fn decode_prints_comments_when_asked() {
    let out = run_file(&["decode", "--comments"], "mixed.sse");
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<&str> = stdout(&out).lines().collect();
    assert_eq!(lines[0], r#"{"comment":" welcome"}"#);
    assert_eq!(lines[1], r#"{"retry":2500}"#);
    assert!(lines.contains(&r#"{"comment":" keep-alive"}"#));
    assert_eq!(lines.len(), 7);
}

#[test]
fn decode_gives_the_same_output_at_any_chunking() {
    for sizes in ["1", "2", "3", "14,2,1,3", "5,1", "7", "4096"] {
        let out = run_file(&["decode", "--chunks", sizes], "mixed.sse");
        assert!(out.status.success(), "--chunks {sizes}: {out:?}");
        assert_eq!(stdout(&out), MIXED_DECODED, "--chunks {sizes}");
    }
}

#[test]
fn decode_refuses_a_bad_chunk_list() {
    let out = run_bytes(&["decode", "--chunks", "3,0"], b"");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("chunk size"));
}

#[test]
fn decode_reports_an_exceeded_limit_and_keeps_going() {
    let input = b"data: this line is far too long\n\ndata: ok\n\n";
    let out = run_bytes(&["decode", "--max-line-len", "16"], input);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("16"),
        "{out:?}"
    );
    assert_eq!(
        stdout(&out),
        "{\"event\":\"message\",\"data\":\"ok\",\"id\":\"\"}\n"
    );
}

#[test]
fn decode_prints_each_event_as_soon_as_its_blank_line_arrives() {
    let mut child = Command::new(SSE)
        .arg("decode")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning sse: {e}"));
    let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    let mut lines =
        BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout"))).lines();
    for i in 0..3 {
        // stdin stays open: the line can only come back if sse streams.
        write!(stdin, "id: {i}\ndata: event {i}\n\n").unwrap_or_else(|e| panic!("{e}"));
        stdin.flush().unwrap_or_else(|e| panic!("{e}"));
        let line = lines.next().and_then(Result::ok);
        assert_eq!(
            line.as_deref(),
            Some(format!(r#"{{"event":"message","data":"event {i}","id":"{i}"}}"#).as_str())
        );
    }
    drop(stdin);
    assert!(child.wait().is_ok_and(|s| s.success()));
}

#[test]
fn encode_a_file() {
    let out = run_file(&["encode"], "events.jsonl");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out),
        "event: greeting\nid: 1\ndata: hello\ndata: world\n\n:keep-alive\n\nretry: 1000\ndata: {\"n\":1,\"ok\":true}\n\ndata:\n\n"
    );
}

#[test]
fn encode_then_decode_round_trips() {
    let encoded = run_file(&["encode"], "events.jsonl");
    let decoded = run_bytes(&["decode"], &encoded.stdout);
    assert!(decoded.status.success(), "{decoded:?}");
    assert_eq!(
        stdout(&decoded),
        concat!(
            r#"{"event":"greeting","data":"hello\nworld","id":"1"}"#,
            "\n",
            r#"{"retry":1000}"#,
            "\n",
            r#"{"event":"message","data":"{\"n\":1,\"ok\":true}","id":"1"}"#,
            "\n",
            r#"{"event":"message","data":"","id":"1"}"#,
            "\n",
        )
    );
}

#[test]
fn encode_stops_at_a_bad_line_after_writing_the_good_ones() {
    let input =
        b"{\"data\":\"one\"}\n{\"data\":\"two\"}\n{\"id\":\"a\\nb\"}\n{\"data\":\"never\"}\n";
    let out = run_bytes(&["encode"], input);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "data: one\n\ndata: two\n\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 3"), "{stderr}");
}

#[test]
fn encode_reports_invalid_json_with_its_line_number() {
    let out = run_bytes(&["encode"], b"{\"data\":\"ok\"}\n\nnot json\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3"));
}

/// Invalid bytes grow into U+FFFD when decoded: the second event passes the raw size check
/// but not the decoded one. It is discarded, reported, and its id is not kept.
#[test]
fn decode_an_event_over_the_limit_once_decoded_is_reported_and_keeps_no_id() {
    let input =
        b"id: 1\ndata: ok\n\nid: 2\ndata: \xff\xff\xff\xff\xff\xff\xff\xff\n\ndata: after\n\n";
    let out = run_bytes(&["decode", "--max-event-size", "16"], input);
    assert!(!out.status.success(), "a limit is a failure exit: {out:?}");
    assert_eq!(
        stdout(&out),
        "{\"event\":\"message\",\"data\":\"ok\",\"id\":\"1\"}\n{\"event\":\"message\",\"data\":\"after\",\"id\":\"1\"}\n"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("event size limit of 16 bytes"), "{stderr}");
}
