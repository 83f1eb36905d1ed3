//! The `sse-demo` binary as a newcomer (and a deploy) runs it: it prints its URL, serves,
//! and Ctrl-C (SIGINT) or SIGTERM stops it, event streams open or not.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The demo on a free port, and the `host:port` of the URL it printed.
fn start_demo() -> (Child, String) {
    let mut demo = Command::new(env!("CARGO_BIN_EXE_sse-demo"))
        .args(["--port", "0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start sse-demo");
    let stdout = demo.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the URL line");
    let host = line
        .split_whitespace()
        .find_map(|word| word.strip_prefix("http://127.0.0.1:"))
        .map(|port| format!("127.0.0.1:{}", port.trim_end_matches('/')))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    (demo, host)
}

#[test]
fn prints_its_url_and_stops_within_a_second_of_ctrl_c() {
    let (mut demo, host) = start_demo();
    let host = host.as_str();

    // Two open event streams, each answered with its headers.
    let streams: Vec<TcpStream> = ["/events/dashboard", "/events/chat/lobby"]
        .iter()
        .map(|path| {
            let mut tcp = TcpStream::connect(host).expect("connect");
            write!(tcp, "GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n").expect("request");
            tcp.set_read_timeout(Some(Duration::from_secs(5)))
                .expect("timeout");
            let mut head = [0u8; 64];
            let n = tcp.read(&mut head).expect("response");
            assert!(
                head[..n].starts_with(b"HTTP/1.1 200"),
                "{:?}",
                String::from_utf8_lossy(&head[..n])
            );
            tcp
        })
        .collect();

    let pid = demo.id().to_string();
    let stopped = Instant::now();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
    loop {
        if let Some(status) = demo.try_wait().expect("wait") {
            assert!(status.success(), "{status}");
            break;
        }
        if stopped.elapsed() > Duration::from_secs(1) {
            let _ = demo.kill();
            panic!("still running a second after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    println!("stopped {:?} after Ctrl-C", stopped.elapsed());
    drop(streams);
}

/// SIGTERM (what systemd, Docker and Kubernetes send) and SIGINT with 1,000 open event
/// streams and one client that never reads: every reading stream ends cleanly (the
/// chunked body's last chunk), and the process exits within the shutdown deadline (5 s)
/// plus a second.
#[test]
fn sigterm_and_sigint_end_every_stream_and_exit_within_the_deadline() {
    for signal in ["-TERM", "-INT"] {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(streams_end_on(signal));
    }
}

async fn streams_end_on(signal: &str) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (mut demo, host) = start_demo();
    let request = format!("GET /events/dashboard HTTP/1.1\r\nHost: {host}\r\n\r\n");
    let mut readers = Vec::new();
    for _ in 0..1000 {
        let mut tcp = tokio::net::TcpStream::connect(&host)
            .await
            .expect("connect");
        tcp.write_all(request.as_bytes()).await.expect("request");
        readers.push(tokio::spawn(async move {
            let mut tail = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                match tcp.read(&mut buf).await {
                    Ok(0) => return Ok(tail),
                    Ok(n) => {
                        tail.extend_from_slice(&buf[..n]);
                        let keep = tail.len().saturating_sub(16);
                        tail.drain(..keep);
                    }
                    Err(error) => return Err(error),
                }
            }
        }));
    }
    let mut idle = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    idle.write_all(request.as_bytes()).await.expect("request"); // and never reads
    tokio::time::sleep(Duration::from_millis(300)).await;

    let pid = demo.id().to_string();
    let stopped = Instant::now();
    let sent = Command::new("kill")
        .args([signal, &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    let deadline = Duration::from_secs(5) + Duration::from_secs(1);
    loop {
        if let Some(status) = demo.try_wait().expect("wait") {
            assert!(status.success(), "{signal}: {status}");
            break;
        }
        if stopped.elapsed() > deadline {
            let _ = demo.kill();
            panic!("{signal}: still running {deadline:?} after the signal");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!("{signal}: stopped {:?} after the signal", stopped.elapsed());
    for reader in readers {
        let tail = tokio::time::timeout(Duration::from_secs(10), reader)
            .await
            .expect("the stream ended")
            .expect("reader task")
            .unwrap_or_else(|error| panic!("{signal}: a reset, not a clean end: {error}"));
        assert!(
            tail.ends_with(b"\r\n0\r\n\r\n"),
            "{signal}: the last chunk: {tail:?}"
        );
    }
    drop(idle);
}
