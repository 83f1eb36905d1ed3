//! The `sse-demo` binary as a newcomer runs it: it prints its URL, serves, and Ctrl-C
//! (SIGINT) stops it within a second even with event streams open.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn prints_its_url_and_stops_within_a_second_of_ctrl_c() {
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
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let host = url.trim_start_matches("http://").trim_end_matches('/');

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
