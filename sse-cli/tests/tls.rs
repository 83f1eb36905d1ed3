//! `sse get` and `sse bench` over HTTPS against ssekit-hyper's ready server with a
//! certificate of their own: they speak HTTP/2 (ALPN) when told to trust the certificate
//! (`--cacert`; `sse bench` HTTP/1.1 too), and refuse the server, saying why, when not.
//! Bounded: every wait has a deadline.

#[path = "../../sse-hyper/tests/support/tls.rs"]
mod tls;

use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use http::{Request, Version};
use hyper::body::Incoming;
use ssekit_hyper::server::Server;
use ssekit_hyper::{Event, Sse};

const SSE: &str = env!("CARGO_BIN_EXE_sse");

/// ssekit-hyper's server over TLS with `certificate`, answering every request with events
/// 1 to 3 (then nothing), recording each request's HTTP version; stops when `stop` is sent
/// or dropped.
fn serve_ticks(
    runtime: &tokio::runtime::Runtime,
    certificate: &tls::TestCertificate,
) -> (
    u16,
    Arc<Mutex<Vec<Version>>>,
    tokio::sync::oneshot::Sender<()>,
) {
    let versions: Arc<Mutex<Vec<Version>>> = Arc::default();
    let seen = Arc::clone(&versions);
    let app = tower::service_fn(move |request: Request<Incoming>| {
        seen.lock().expect("versions").push(request.version());
        let events = stream::iter(1..=3)
            .map(|n| {
                Ok::<_, Infallible>(
                    Event::new()
                        .with_id(n)
                        .expect("an id")
                        .with_data(format!("tick {n}")),
                )
            })
            .chain(stream::pending());
        async move { Ok::<_, Infallible>(Sse::new(events).into_response()) }
    });
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = Server::from_listener(listener)
            .with_tls(certificate.tls.clone())
            .with_shutdown_signal(async {
                let _ = stopped.await;
            });
        tokio::spawn(async move { server.serve(app).await });
        (port, versions, stop)
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn get_speaks_http2_to_a_server_it_is_told_to_trust() {
    let runtime = runtime();
    let certificate = tls::localhost();
    let (port, versions, stop) = serve_ticks(&runtime, &certificate);
    let url = format!("https://localhost:{port}/events");

    let mut trusting = Command::new(SSE)
        .args(["get", &url, "--cacert"])
        .arg(&certificate.cert_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sse get");
    let stdout = trusting.stdout.take().expect("stdout");
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut got = Vec::new();
    while got.len() < 3 {
        let left = deadline.saturating_duration_since(Instant::now());
        got.push(lines.recv_timeout(left).expect("an event in time"));
    }
    let _ = trusting.kill();
    let _ = trusting.wait();
    assert_eq!(
        got,
        (1..=3)
            .map(|n| format!(r#"{{"event":"message","data":"tick {n}","id":"{n}"}}"#))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        versions.lock().expect("versions").first(),
        Some(&Version::HTTP_2)
    );

    let refused = Command::new(SSE)
        .args(["get", &url, "--max-retries", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run sse get");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(refused.stdout.is_empty());
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
    let _ = stop.send(());
}

#[test]
fn bench_streams_over_http2_and_http1_with_tls() {
    let runtime = runtime();
    let certificate = tls::localhost();
    let (port, versions, stop) = serve_ticks(&runtime, &certificate);
    let url = format!("https://localhost:{port}/events");
    for (http2, protocol, version) in [
        (Some("2"), "HTTP/2", Version::HTTP_2),
        (None, "HTTP/1.1", Version::HTTP_11),
    ] {
        versions.lock().expect("versions").clear();
        let mut command = Command::new(SSE);
        command.args(["bench", &url, "-c", "4", "-d", "1.5", "--json", "--cacert"]);
        command.arg(&certificate.cert_file);
        if let Some(streams) = http2 {
            command.args(["--http2", streams]);
        }
        let output = command.output().expect("run sse bench");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{stdout}");
        let summary: serde_json::Value = serde_json::from_str(stdout.trim()).expect("JSON");
        assert_eq!(summary["protocol"], protocol);
        assert_eq!(summary["connections"]["established"], 4, "{summary}");
        assert_eq!(summary["connections"]["errors"], 0, "{summary}");
        assert_eq!(summary["events"]["received"], 12, "{summary}");
        assert_eq!(summary["events"]["gaps"], 0);
        let seen = versions.lock().expect("versions").clone();
        assert_eq!(seen, vec![version; 4], "{protocol}");
    }

    // Without the certificate trusted, nothing opens, and the reason is given.
    let output = Command::new(SSE)
        .args(["bench", &url, "-c", "1", "-d", "0.5"])
        .output()
        .expect("run sse bench");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr).to_lowercase();
    assert!(stderr.contains("certificate"), "{stderr}");
    let _ = stop.send(());
}
