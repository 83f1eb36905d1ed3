//! The demo's guards over real HTTP: a cross-site form post is refused (403) while a
//! same-origin one and a non-browser client go through; every response says `nosniff`
//! and may not be framed; the favicon is there. Bounded: every wait has a deadline.

use std::net::Ipv4Addr;
use std::time::Duration;

use sse_demo::{Demo, Pace};
use sse_hub::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request; the response's head, lowercased.
async fn request(port: u16, head: &str) -> String {
    let mut tcp = tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
        .await
        .expect("connect");
    tcp.write_all(head.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut response))
        .await
        .expect("a response in time")
        .expect("read");
    let text = String::from_utf8_lossy(&response).to_lowercase();
    text.split("\r\n\r\n").next().unwrap_or_default().to_owned()
}

fn post(port: u16, origin: Option<&str>) -> String {
    let origin = origin.map_or(String::new(), |o| format!("Origin: {o}\r\n"));
    let body = "name=a&text=hello";
    format!(
        "POST /chat/lobby HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{origin}Connection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_posts_are_refused_and_every_response_is_guarded() {
    let pace = Pace {
        notification: Duration::from_secs(3600),
        tick: Duration::from_secs(1),
        job_step: Duration::from_millis(5),
    };
    let demo = Demo::new(Config::default(), pace);
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let serving = demo.clone();
    tokio::spawn(async move { serving.serve(listener, std::future::pending()).await });

    let evil = request(port, &post(port, Some("https://evil.example"))).await;
    assert!(evil.starts_with("http/1.1 403"), "{evil}");
    let same = format!("http://127.0.0.1:{port}");
    let ok = request(port, &post(port, Some(&same))).await;
    assert!(ok.starts_with("http/1.1 204"), "{ok}");
    let curl = request(port, &post(port, None)).await;
    assert!(curl.starts_with("http/1.1 204"), "{curl}");
    let fetched_cross_site = request(
        port,
        &post(port, None).replace(
            "Connection: close",
            "Sec-Fetch-Site: cross-site\r\nConnection: close",
        ),
    )
    .await;
    assert!(
        fetched_cross_site.starts_with("http/1.1 403"),
        "{fetched_cross_site}"
    );

    for path in ["/", "/chat/lobby", "/assets/sse-live.js", "/favicon.ico"] {
        let head = request(
            port,
            &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
        )
        .await;
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        assert!(
            head.contains("x-content-type-options: nosniff"),
            "{path}: {head}"
        );
        assert!(
            head.contains("content-security-policy: frame-ancestors 'none'"),
            "{path}: {head}"
        );
        if path == "/favicon.ico" {
            assert!(head.contains("content-type: image/svg+xml"), "{head}");
        }
    }
    demo.hub.close();
}
