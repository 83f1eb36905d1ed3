//! `sse get`: the reconnecting client's scenarios (shared with ssekit-hyper's library tests)
//! through the binary, and what only the command does: stdout for events, stderr for the
//! rest, exit codes, Ctrl-C, headers.

#[path = "../../sse-hyper/tests/support/scenarios.rs"]
mod scenarios;
#[path = "../../sse-hyper/tests/support/script.rs"]
mod script;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use scenarios::{ClientConfig, End, Expect, SCENARIO_LIMIT, Scenario};
use script::{ScriptServer, Step};

const SSE: &str = env!("CARGO_BIN_EXE_sse");

/// `sse get URL` with the options a scenario's client settings describe.
fn command(url: &str, config: &ClientConfig) -> Command {
    let mut command = Command::new(SSE);
    command.args(["get", url]);
    if config.comments {
        command.arg("--comments");
    }
    if let Some(timeout) = config.idle_timeout {
        command.args(["--idle-timeout", &timeout.as_secs_f64().to_string()]);
    }
    if let Some(max) = config.max_retries {
        command.args(["--max-retries", &max.to_string()]);
    }
    if let Some(max) = config.max_delay {
        command.args(["--max-delay", &max.as_secs_f64().to_string()]);
    }
    if let Some(id) = config.last_event_id {
        command.args(["--last-event-id", id]);
    }
    if let Some(max) = config.max_line_len {
        command.args(["--max-line-len", &max.to_string()]);
    }
    if let Some(max) = config.max_event_size {
        command.args(["--max-event-size", &max.to_string()]);
    }
    command
}

/// What the binary did.
#[derive(Debug)]
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Reads a pipe to the end on a thread.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// Waits for the child, killing it (and failing) after `limit`.
fn wait(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if start.elapsed() < limit => thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("sse get took longer than {limit:?}");
            }
        }
    }
}

/// Runs `command` to its end, within `limit`.
fn run_command(mut command: Command, limit: Duration) -> Run {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning sse: {e}"));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait(&mut child, limit);
    Run {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// A stdout line as a scenario describes it.
fn parse(line: &str) -> Expect {
    let value: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"));
    let text = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
    if value.get("event").is_some() {
        Expect::Event(text("event"), text("data"), text("id"))
    } else if let Some(retry) = value.get("retry").and_then(|r| r.as_u64()) {
        Expect::Retry(u128::from(retry))
    } else if value.get("comment").is_some() {
        Expect::Comment(text("comment"))
    } else {
        panic!("unexpected line {line:?}")
    }
}

/// Runs a scenario through `sse get` and checks everything it pins down.
fn run(scenario: Scenario) {
    let command = command(&scenario.server.url("/events"), &scenario.client);
    let run = run_command(command, SCENARIO_LIMIT);
    let printed: Vec<Expect> = run.stdout.lines().map(parse).collect();
    let expected: Vec<Expect> = scenario
        .expect
        .iter()
        .filter(|e| **e != Expect::DecodeError)
        .cloned()
        .collect();
    assert_eq!(printed, expected, "{run:?}");
    let limit_errors = run
        .stderr
        .lines()
        .filter(|l| l.contains("limit of"))
        .count();
    let expected_errors = scenario.expect.len() - expected.len();
    assert_eq!(limit_errors, expected_errors, "{run:?}");
    match scenario.end {
        End::Stop => assert_eq!(run.status.code(), Some(0), "{run:?}"),
        End::Fail(what) => {
            assert_eq!(run.status.code(), Some(1), "{run:?}");
            let last = run.stderr.lines().last().unwrap_or_default();
            assert!(
                last.starts_with("sse get: ") && last.contains(what),
                "{run:?}"
            );
        }
    }
    let reconnects: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("; reconnecting in "))
        .collect();
    assert_eq!(reconnects.len() + 1, scenario.sent.len(), "{run:?}");
    if let Some(delays) = &scenario.delays {
        for (line, delay) in reconnects.iter().zip(delays) {
            assert!(
                line.contains(&format!("reconnecting in {delay:?} ")),
                "{line}"
            );
        }
    }
    scenario.check_requests();
}

#[test]
fn dropped_mid_event_resumes_after_the_last_whole_event() {
    run(scenarios::dropped_mid_event());
}

#[test]
fn chunked_body_cut_mid_event_resumes_after_the_last_whole_event() {
    run(scenarios::dropped_mid_chunk());
}

#[test]
fn last_event_id_persists_across_reconnects_and_an_empty_id_resets_it() {
    run(scenarios::last_event_id_persists_and_resets());
}

#[test]
fn retry_is_followed_including_a_later_shorter_one() {
    run(scenarios::retry_followed());
}

#[test]
fn no_content_at_the_start_exits_0() {
    run(scenarios::no_content_at_start());
}

#[test]
fn no_content_after_events_exits_0() {
    run(scenarios::no_content_after_events());
}

#[test]
fn server_error_exits_1_saying_what_came() {
    run(scenarios::server_error());
}

#[test]
fn wrong_content_type_exits_1_saying_what_came() {
    run(scenarios::wrong_content_type());
}

#[test]
fn byte_at_a_time_with_a_bom_crlf_and_a_comment() {
    run(scenarios::byte_at_a_time());
}

#[test]
fn chunks_cutting_a_crlf_and_a_utf8_character() {
    run(scenarios::chunks_cut_crlf_and_utf8());
}

#[test]
fn twenty_reconnects_in_a_row_without_a_duplicate() {
    run(scenarios::twenty_reconnects());
}

#[test]
fn a_server_that_stops_sending_is_dropped_after_the_idle_timeout() {
    run(scenarios::idle_timeout());
}

#[test]
fn the_idle_timeout_covers_the_wait_for_the_response_head() {
    run(scenarios::idle_before_the_head());
}

#[test]
fn keep_alive_comments_keep_the_idle_timeout_away() {
    run(scenarios::keep_alive_is_not_idle());
}

#[test]
fn retries_exhausted_exits_1() {
    run(scenarios::retries_exhausted());
}

#[test]
fn an_initial_last_event_id_resumes_a_previous_stream() {
    run(scenarios::initial_last_event_id());
}

#[test]
fn hostile_endless_line_gets_the_line_limit() {
    run(scenarios::endless_line());
}

#[test]
fn hostile_huge_retry_is_capped_by_the_max_delay() {
    run(scenarios::huge_retry());
}

#[test]
fn hostile_binary_garbage_is_decoded_within_limits() {
    run(scenarios::binary_garbage());
}

#[test]
fn hostile_slow_drip_gets_the_line_limit() {
    run(scenarios::slow_drip());
}

// ---- the command itself ----

#[test]
fn headers_are_sent_and_only_events_reach_stdout() {
    let server = ScriptServer::scripts(vec![script::stream("retry: 10\n\ndata: a\n\n")]);
    let mut command = Command::new(SSE);
    command.args([
        "get",
        &server.url("/"),
        "-H",
        "Authorization: Bearer t0ken",
        "--header",
        "X-Trace:  42 ",
    ]);
    let run = run_command(command, SCENARIO_LIMIT);
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert_eq!(
        run.stdout,
        "{\"retry\":10}\n{\"event\":\"message\",\"data\":\"a\",\"id\":\"\"}\n"
    );
    let notice = "sse get: the server ended the stream; reconnecting in 10ms (attempt 1)";
    assert!(run.stderr.lines().any(|l| l == notice), "{run:?}");
    for request in server.requests() {
        assert_eq!(request.header("authorization"), Some("Bearer t0ken"));
        assert_eq!(request.header("x-trace"), Some("42"));
    }
    assert_eq!(server.requests().len(), 2);
}

/// Each event is on stdout while the connection is still open (flushed as it arrives), and
/// Ctrl-C ends the command with 0.
#[cfg(unix)]
#[test]
fn events_are_flushed_as_they_arrive_and_ctrl_c_exits_0() {
    let mut bytes = script::stream_head();
    bytes.extend_from_slice(b"id: 1\ndata: live\n\n");
    let server = ScriptServer::scripts(vec![vec![Step::Write(bytes), Step::Hang]]);
    let mut child = Command::new(SSE)
        .args(["get", &server.url("/")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning sse: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let stderr = drain(child.stderr.take());
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let _ = tx.send(lines.next().and_then(Result::ok));
    });
    let line = rx.recv_timeout(Duration::from_secs(5));
    assert_eq!(
        line.ok().flatten().as_deref(),
        Some("{\"event\":\"message\",\"data\":\"live\",\"id\":\"1\"}")
    );
    let interrupt = Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status();
    assert!(interrupt.is_ok_and(|s| s.success()));
    let status = wait(&mut child, Duration::from_secs(5));
    assert_eq!(
        status.code(),
        Some(0),
        "{}",
        stderr.join().unwrap_or_default()
    );
}

#[test]
fn an_unreachable_server_is_retried_then_exits_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("a free port: {e}"))
        .port();
    let mut command = Command::new(SSE);
    command.args([
        "get",
        &format!("http://127.0.0.1:{port}/"),
        "--max-retries",
        "1",
        "--max-delay",
        "0.01",
    ]);
    let run = run_command(command, SCENARIO_LIMIT);
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert!(run.stdout.is_empty());
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{run:?}");
    assert!(
        lines[0].contains("reconnecting in 10ms (attempt 1)"),
        "{run:?}"
    );
    assert!(
        lines[1].starts_with("sse get: gave up after 1 reconnection attempts"),
        "{run:?}"
    );
}

#[test]
fn arguments_that_cannot_make_a_client_are_refused() {
    for (args, says) in [
        (&["get", "/relative"][..], "not absolute"),
        (&["get", "ftp://example.com/"], "scheme"),
        (
            &["get", "http://127.0.0.1:1/", "-H", "no colon"],
            "Name: value",
        ),
        (
            &["get", "http://127.0.0.1:1/", "--idle-timeout", "soon"],
            "seconds",
        ),
        (&["get", "not a url"], "URL"),
    ] {
        let mut command = Command::new(SSE);
        command.args(args);
        let run = run_command(command, Duration::from_secs(5));
        assert_eq!(run.status.code(), Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.contains(says), "{args:?}: {run:?}");
        assert!(run.stdout.is_empty());
    }
}
