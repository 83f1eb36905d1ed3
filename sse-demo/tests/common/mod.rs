//! What the demo's HTTP tests share: a demo served on a free port, and a raw request.
#![allow(dead_code)] // each test file uses its own part

use std::net::Ipv4Addr;
use std::time::Duration;

use sse_demo::Demo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves `demo` on a free loopback port until its hub is closed; returns the port.
pub async fn serve(demo: &Demo) -> u16 {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let serving = demo.clone();
    tokio::spawn(async move { serving.serve(listener, std::future::pending()).await });
    port
}

/// Sends `request` (a whole HTTP/1.1 request, `Connection: close`) and returns the whole
/// response, within ten seconds.
async fn exchange(port: u16, request: &str) -> String {
    let mut tcp = tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
        .await
        .expect("connect");
    tcp.write_all(request.as_bytes()).await.expect("send");
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut response))
        .await
        .expect("a response in time")
        .expect("read");
    String::from_utf8_lossy(&response).into_owned()
}

/// Sends `head` (a whole HTTP/1.1 request, `Connection: close`) and returns the
/// response's head, lowercased, within ten seconds.
pub async fn request(port: u16, head: &str) -> String {
    let text = exchange(port, head).await.to_lowercase();
    text.split("\r\n\r\n").next().unwrap_or_default().to_owned()
}

/// The status code of a response head.
pub fn status(head: &str) -> u16 {
    head.get(9..12)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// `GET path` (HTTP/1.1, `Connection: close`): the status and the body, within ten seconds.
pub async fn get(port: u16, path: &str) -> (u16, String) {
    let head = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let text = exchange(port, &head).await;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (status(&head.to_lowercase()), body.to_owned())
}

/// `POST path` with a form `body` from the same origin: the status.
pub async fn post(port: u16, path: &str, body: &str) -> u16 {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost:{port}\r\nOrigin: http://localhost:{port}\r\n\
         Connection: close\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    status(&request(port, &head).await)
}
