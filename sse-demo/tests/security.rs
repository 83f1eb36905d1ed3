//! The demo's guards over real HTTP: a cross-site form post is refused (403) while a
//! same-origin one and a non-browser client go through; every response says `nosniff`
//! and may not be framed; the favicon is there; job starts are bounded (a line of 20,
//! then 429) and start no thread. Bounded: every wait has a deadline.

use std::time::Duration;

use sse_demo::Demo;
use ssekit_hub::Config;

mod common;

use common::request;

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
    let demo = Demo::new(Config::default());
    let port = common::serve(&demo).await;

    let evil = request(port, &post(port, Some("https://evil.example"))).await;
    assert!(evil.starts_with("http/1.1 403"), "{evil}");
    let same = format!("http://127.0.0.1:{port}");
    let ok = request(port, &post(port, Some(&same))).await;
    assert!(ok.starts_with("http/1.1 200"), "{ok}");
    let curl = request(port, &post(port, None)).await;
    assert!(curl.starts_with("http/1.1 200"), "{curl}");
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
            head.contains("content-security-policy: default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"),
            "{path}: {head}"
        );
        if path == "/favicon.ico" {
            assert!(head.contains("content-type: image/svg+xml"), "{head}");
        }
    }
    demo.hub.close();
}

/// Threads of this process now.
fn threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_job_starts_wait_in_a_bounded_line_on_a_fixed_pool() {
    let demo = Demo::new(Config::default());
    demo.start_producers(sse_demo::Pace {
        notification: Duration::from_secs(3600),
        tick: Duration::from_secs(1),
        job_step: Duration::from_millis(50),
    });
    let port = common::serve(&demo).await;
    let before = threads();
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..300 {
        let head = request(
            port,
            &format!(
                "POST /progress/start HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n"
            ),
        )
        .await;
        if head.starts_with("http/1.1 202") {
            accepted += 1;
        } else if head.starts_with("http/1.1 429") {
            refused += 1;
        } else {
            panic!("{head}");
        }
    }
    // htmx gets the same refusal as a note for the page, with 200.
    let note = request(
        port,
        &format!(
            "POST /progress/start HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHX-Request: true\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert!(note.starts_with("http/1.1 200"), "{note}");
    let after = threads();
    println!("{accepted} accepted, {refused} refused; threads {before} -> {after}");
    assert!(
        accepted <= 2 + 20 + 2,
        "two running, twenty waiting: {accepted}"
    );
    assert!(refused >= 270, "the rest refused: {refused}");
    assert!(
        after <= before + 8,
        "no thread per job: {before} -> {after}"
    );
    demo.hub.close();
}
