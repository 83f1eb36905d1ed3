//! The demo in a real headless Chromium, driven over WebDriver (chromedriver): each page
//! swaps the right elements, chat and todo stay in step across two browsers, progress
//! reaches 100%, a page that loses its stream reconnects with `Last-Event-ID` without a gap
//! or a duplicate, and every event name in the served HTML is in the catalogue. A
//! screenshot of each page goes to `target/screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`bash .ci/test` installs them); it
//! fails, never skips, when the browser cannot start.

mod common;
#[path = "../../sse-hub/tests/common/redis.rs"]
mod redis;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use sse_demo::{Demo, Pace};
use ssekit_hub::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long any wait in a page may take.
const LIMIT: Duration = Duration::from_secs(15);

/// A demo server on an ephemeral port, fast-paced, stopped on drop.
struct Server {
    demo: Demo,
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

/// The pace of the tests' demos: fast, and notifications only when asked for.
const PACE: Pace = Pace {
    notification: Duration::from_secs(3600),
    tick: Duration::from_millis(200),
    job_step: Duration::from_millis(5),
};

fn config() -> Config {
    Config::default().with_retry(Duration::from_millis(200))
}

async fn server() -> Server {
    serve(Demo::new(config())).await
}

async fn serve(demo: Demo) -> Server {
    serve_at(demo, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
}

/// `demo` served at `addr` (port 0: any), once it can be bound (a restarted server's port
/// is free again within moments).
async fn serve_at(demo: Demo, addr: SocketAddr) -> Server {
    demo.start_producers(PACE);
    let started = Instant::now();
    let listener = loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => break listener,
            Err(error) => {
                assert!(started.elapsed() < LIMIT, "bind {addr}: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = demo.clone();
    tokio::spawn(async move {
        let _ = serving
            .serve(listener, async {
                let _ = stopped.await;
            })
            .await;
    });
    Server {
        demo,
        addr,
        _stop: stop,
    }
}

/// chromedriver on a free port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn driver() -> Driver {
    for path in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            std::path::Path::new(path).exists(),
            "{path} is missing: install Debian's chromium and chromium-driver (`bash .ci/test` does)"
        );
    }
    let port = redis::free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(started.elapsed() < LIMIT, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    driver
}

/// A headless Chromium session (as root it needs `--no-sandbox`).
async fn browser(driver: &Driver) -> Client {
    browser_with(driver, &[]).await
}

/// A headless Chromium session with `extra` arguments.
async fn browser_with(driver: &Driver, extra: &[&str]) -> Client {
    let mut args = vec![
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--window-size=1000,800",
    ];
    args.extend_from_slice(extra);
    let options = json!({ "binary": CHROMIUM, "args": args });
    // The console, for `console_errors`.
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session: is chromium installed and startable headless?")
}

/// chromedriver's `POST /session/{id}/se/log` for the browser's console.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

/// The console's errors since the last call (chromedriver keeps them until read).
async fn console_errors(client: &Client) -> Vec<String> {
    let log = client
        .issue_cmd(BrowserLog)
        .await
        .expect("the browser's log");
    log.as_array()
        .map(|entries| {
            entries
                .iter()
                .filter(|e| e["level"] == json!("SEVERE"))
                .filter_map(|e| e["message"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `script` (which returns a value) until `done` accepts its result.
async fn until(client: &Client, what: &str, script: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let value = client.execute(script, vec![]).await.expect("script runs");
        if done(&value) {
            return value;
        }
        assert!(
            started.elapsed() < LIMIT,
            "timed out waiting for {what}: last {value}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Notifications as the page lists them (newest on top), oldest first.
fn oldest_first(mut texts: Vec<String>) -> Vec<String> {
    texts.reverse();
    texts
}

/// The texts of the elements `selector` matches.
async fn texts(client: &Client, selector: &str) -> Vec<String> {
    let script = format!(
        "return Array.from(document.querySelectorAll({selector:?})).map(e => e.textContent.trim())"
    );
    let value = client.execute(&script, vec![]).await.expect("script runs");
    serde_json::from_value(value).unwrap_or_default()
}

/// Waits until the page's event stream is open (the extension fires `htmx:sseOpen`).
async fn open(client: &Client, url: &str) {
    client.goto(url).await.expect("page loads");
    client
        .execute(
            "window.__sseOpen = false; document.body.addEventListener('htmx:sseOpen', () => window.__sseOpen = true); return true",
            vec![],
        )
        .await
        .expect("script runs");
    // The stream may have opened before the listener: a connection counts too.
    let _ = until(
        client,
        "the stream",
        "return window.__sseOpen || !!document.querySelector('[sse-connect]')",
        |v| v == &json!(true),
    )
    .await;
}

async fn screenshot(client: &Client, name: &str) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/screenshots");
    std::fs::create_dir_all(dir).expect("screenshot folder");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(format!("{dir}/{name}.png"), png).expect("save screenshot");
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .expect("element present")
        .click()
        .await
        .expect("click");
}

/// Types into the form `form` and submits it.
async fn submit(client: &Client, form: &str, fields: &[(&str, &str)]) {
    for (name, text) in fields {
        let input = client
            .find(Locator::Css(&format!("{form} input[name={name}]")))
            .await
            .expect("input present");
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }
    click(client, &format!("{form} button")).await;
}

/// Subscribers on `topic` right now.
fn subscribers(server: &Server, topic: &str) -> usize {
    server
        .demo
        .hub
        .topics()
        .iter()
        .find(|(t, _)| &**t == topic)
        .map_or(0, |(_, n)| *n)
}

async fn subscribed(server: &Server, topic: &str, n: usize) {
    let started = Instant::now();
    while subscribers(server, topic) < n {
        assert!(started.elapsed() < LIMIT, "{n} subscribers on {topic}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_append_and_count() {
    let (server, driver) = (server().await, driver().await);
    let client = browser(&driver).await;
    open(&client, &format!("http://{}/notifications", server.addr)).await;
    subscribed(&server, "notifications", 1).await;
    click(&client, "button[hx-post='/notifications/new']").await;
    click(&client, "button[hx-post='/notifications/new']").await;
    until(
        &client,
        "two notifications",
        "return document.querySelectorAll('#notifications li').length",
        |v| v == &json!(2),
    )
    .await;
    assert_eq!(texts(&client, "#unread").await, ["2"]);
    screenshot(&client, "notifications").await;
    click(&client, "button[hx-post='/notifications/read']").await;
    until(
        &client,
        "the count reset",
        "return document.querySelector('#unread').textContent",
        |v| v == &json!("0"),
    )
    .await;
    client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_message_appears_once_in_both_browsers_escaped() {
    let (server, driver) = (server().await, driver().await);
    let (alice, bob) = (browser(&driver).await, browser(&driver).await);
    let url = format!("http://{}/chat/lobby", server.addr);
    open(&alice, &url).await;
    open(&bob, &url).await;
    subscribed(&server, "chat:lobby", 2).await;
    let message = "<b>hi</b> & <script>alert(1)</script>";
    submit(&alice, "form", &[("name", "alice"), ("text", message)]).await;
    let want = format!("alice: {message}");
    for (who, client) in [("alice", &alice), ("bob", &bob)] {
        until(
            client,
            "the message",
            "return document.querySelectorAll('#messages li').length",
            |v| v == &json!(1),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await; // a duplicate would arrive by now
        assert_eq!(
            texts(client, "#messages li").await,
            std::slice::from_ref(&want),
            "{who} sees it once, as text"
        );
        let bold = client
            .execute(
                "return document.querySelectorAll('#messages b').length",
                vec![],
            )
            .await;
        assert_eq!(
            bold.ok(),
            Some(json!(1)),
            "only the name is bold: the text was escaped"
        );
    }
    screenshot(&bob, "chat").await;
    alice.close().await.expect("close");
    bob.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_jobs_two_bars_each_to_100() {
    let (server, driver) = (server().await, driver().await);
    let client = browser(&driver).await;
    open(&client, &format!("http://{}/progress", server.addr)).await;
    subscribed(&server, "progress", 1).await;
    click(&client, "button[hx-post='/progress/start']").await;
    click(&client, "button[hx-post='/progress/start']").await;
    // Watch both bars until both jobs are done: each only moves forward.
    let script = "return Array.from(document.querySelectorAll('#jobs li')).map(li => \
        [li.id, (li.querySelector('progress') || {}).value ?? -1, li.textContent.includes('done')])";
    let started = Instant::now();
    let mut seen: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    loop {
        let jobs = client.execute(script, vec![]).await.expect("script runs");
        let jobs = jobs.as_array().cloned().unwrap_or_default();
        for job in &jobs {
            let id = job[0].as_str().unwrap_or_default().to_owned();
            seen.entry(id)
                .or_default()
                .push(job[1].as_i64().unwrap_or(-1));
        }
        if jobs.len() == 2 && jobs.iter().all(|job| job[2] == json!(true)) {
            break;
        }
        assert!(started.elapsed() < LIMIT, "both jobs done: {jobs:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        ["job-1", "job-2"],
        "two bars"
    );
    for (id, values) in &seen {
        assert!(
            values.windows(2).all(|w| w[0] <= w[1]),
            "{id} only moves forward: {values:?}"
        );
        assert_eq!(values.last(), Some(&100), "{id} reaches 100%");
    }
    screenshot(&client, "progress").await;
    client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_swaps_each_named_event_into_its_element() {
    let (server, driver) = (server().await, driver().await);
    let client = browser(&driver).await;
    open(&client, &format!("http://{}/dashboard", server.addr)).await;
    // The chart of this server's real deliveries: the page's own events count.
    until(
        &client,
        "a chart with deliveries",
        "const b = document.querySelector('#metric .figures b'); \
         const line = document.querySelector('#metric svg polyline'); \
         return [b ? b.textContent : '', line ? line.getAttribute('points').trim() : '']",
        |v| {
            v[0].as_str()
                .and_then(|t| t.parse::<u64>().ok())
                .is_some_and(|n| n > 0)
                && v[1].as_str().is_some_and(|p| !p.is_empty())
        },
    )
    .await;
    until(
        &client,
        "an alert",
        "return document.querySelector('#alert').textContent",
        |v| v != &json!("none yet"),
    )
    .await;
    until(
        &client,
        "the status, fetched on the status event",
        "return document.querySelector('#status').textContent",
        |v| v.as_str().is_some_and(|t| t.contains("all systems normal")),
    )
    .await;
    screenshot(&client, "dashboard").await;
    client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn todos_stay_in_step_across_browsers() {
    let (server, driver) = (server().await, driver().await);
    let (one, two) = (browser(&driver).await, browser(&driver).await);
    let url = format!("http://{}/todo", server.addr);
    open(&one, &url).await;
    open(&two, &url).await;
    subscribed(&server, "todo", 2).await;
    submit(&one, "form", &[("text", "write the tests")]).await;
    for client in [&one, &two] {
        until(
            client,
            "the new todo",
            "return document.querySelectorAll('#todos li').length",
            |v| v == &json!(1),
        )
        .await;
    }
    click(&two, "#todo-1 input").await;
    until(
        &one,
        "the todo done in the other browser",
        "return document.querySelector('#todo-1 input').checked",
        |v| v == &json!(true),
    )
    .await;
    assert_eq!(texts(&one, "#todos li").await, ["write the tests"]);
    screenshot(&one, "todo").await;
    one.close().await.expect("close");
    two.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_show_the_registry_live() {
    let (server, driver) = (server().await, driver().await);
    let client = browser(&driver).await;
    open(&client, &format!("http://{}/connections", server.addr)).await;
    until(
        &client,
        "this page's own connection in the table",
        "return document.querySelectorAll('#registry tr').length",
        |v| v.as_u64().is_some_and(|rows| rows >= 2),
    )
    .await;
    let text = texts(&client, "#registry p").await.concat();
    assert!(text.contains("published"), "{text}");
    screenshot(&client, "connections").await;
    client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_whose_stream_ends_resumes_without_gap_or_duplicate() {
    let (server, driver) = (server().await, driver().await);
    let client = browser(&driver).await;
    open(&client, &format!("http://{}/notifications", server.addr)).await;
    subscribed(&server, "notifications", 1).await;
    for n in 1..=3 {
        sse_demo::notify(&server.demo, &format!("before {n}"));
    }
    until(
        &client,
        "three notifications",
        "return document.querySelectorAll('#notifications li').length",
        |v| v == &json!(3),
    )
    .await;
    // The server ends every stream; these are published while the page is away.
    server.demo.hub.disconnect_all();
    for n in 1..=3 {
        sse_demo::notify(&server.demo, &format!("while away {n}"));
    }
    let replayed_before = server.demo.hub.stats().replayed;
    until(
        &client,
        "the missed notifications",
        "return document.querySelectorAll('#notifications li').length",
        |v| v.as_u64().is_some_and(|n| n >= 6),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await; // a duplicate would arrive by now
    for n in 1..=2 {
        sse_demo::notify(&server.demo, &format!("after {n}"));
    }
    until(
        &client,
        "live again",
        "return document.querySelectorAll('#notifications li').length",
        |v| v.as_u64().is_some_and(|n| n >= 8),
    )
    .await;
    let want = [
        "before 1",
        "before 2",
        "before 3",
        "while away 1",
        "while away 2",
        "while away 3",
        "after 1",
        "after 2",
    ];
    assert_eq!(
        oldest_first(texts(&client, "#notifications li").await),
        want,
        "no gap, no duplicate"
    );
    assert!(
        server.demo.hub.stats().replayed >= replayed_before + 3,
        "the page resumed from its Last-Event-ID"
    );
    assert_eq!(texts(&client, "#unread").await, ["8"]);
    screenshot(&client, "reconnected").await;
    client.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_redis_share_the_chat() {
    let redis = redis::RedisServer::start();
    let on_redis = || Demo::new_with_redis(config(), &redis.url()).expect("the demo on Redis");
    let (one, two) = (serve(on_redis()).await, serve(on_redis()).await);
    let driver = driver().await;
    let (alice, bob) = (browser(&driver).await, browser(&driver).await);
    open(&alice, &format!("http://{}/chat/rust", one.addr)).await;
    open(&bob, &format!("http://{}/chat/rust", two.addr)).await;
    subscribed(&one, "chat:rust", 1).await;
    subscribed(&two, "chat:rust", 1).await;
    submit(
        &alice,
        "form",
        &[("name", "alice"), ("text", "posted on one, read on two")],
    )
    .await;
    for client in [&alice, &bob] {
        until(
            client,
            "the message on both servers",
            "return document.querySelectorAll('#messages li').length",
            |v| v == &json!(1),
        )
        .await;
    }
    assert_eq!(
        texts(&bob, "#messages li").await,
        ["alice: posted on one, read on two"]
    );
    screenshot(&bob, "chat-on-redis").await;
    alice.close().await.expect("close");
    bob.close().await.expect("close");
}

/// The values of `attribute="..."` in `html`.
fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let needle = format!("{attribute}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = html.get(at + needle.len()..)?;
            rest.split('"').next()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_name_in_the_pages_is_in_the_catalogue() {
    let server = server().await;
    let names: Vec<&str> = sse_demo::catalogue::ALL.iter().map(|e| e.name()).collect();
    let mut seen = 0;
    for path in [
        "/notifications",
        "/chat/lobby",
        "/progress",
        "/dashboard",
        "/todo",
        "/connections",
    ] {
        let (status, html) = common::get(server.addr.port(), path).await;
        assert_eq!(status, 200, "{path}");
        for list in attribute_values(&html, "sse-swap") {
            for name in list.split(',') {
                assert!(
                    names.contains(&name.trim()),
                    "{path}: sse-swap {name:?} is not in the catalogue"
                );
                seen += 1;
            }
        }
        for trigger in attribute_values(&html, "hx-trigger") {
            for spec in trigger.split(',') {
                if let Some(name) = spec.trim().strip_prefix("sse:") {
                    let name = name.split_whitespace().next().unwrap_or("");
                    assert!(
                        names.contains(&name),
                        "{path}: hx-trigger sse:{name:?} is not in the catalogue"
                    );
                    seen += 1;
                }
            }
        }
    }
    assert!(seen >= 10, "the pages name events: {seen}");
}

/// Twelve tabs of one page over HTTPS, where Chromium speaks HTTP/2: every tab's stream is
/// live, a chat message reaches all twelve, and the server sees at most 3 TCP connections.
/// (Over HTTP/1.1 a browser opens at most six connections per origin, so a seventh tab
/// with an event stream never loads: the reason for HTTP/2; see the demo's README.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_tabs_over_https_share_one_connection() {
    let demo = Demo::new(config());
    demo.start_producers(PACE);
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("address").port();
    let tls = ssekit_axum::server::Tls::self_signed(&["localhost"]).expect("a certificate");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = demo
        .server(listener)
        .with_tls(tls)
        .with_shutdown_signal(async {
            let _ = stopped.await;
        });
    let stats = server.stats_handle();
    let router = demo.router();
    tokio::spawn(async move { server.serve(router).await });
    let driver = driver().await;
    let client = browser_with(&driver, &["--ignore-certificate-errors"]).await;
    let url = format!("https://localhost:{port}/chat/lobby");
    let mut tabs = Vec::new();
    for n in 0..12 {
        if n > 0 {
            let tab = client.new_window(true).await.expect("a new tab");
            client.switch_to_window(tab.handle).await.expect("switch");
        }
        open(&client, &url).await;
        tabs.push(client.window().await.expect("its handle"));
    }
    let started = Instant::now();
    while demo
        .hub
        .topics()
        .iter()
        .find(|(t, _)| &**t == "chat:lobby")
        .map_or(0, |(_, n)| *n)
        < 12
    {
        assert!(started.elapsed() < LIMIT, "12 live streams");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    submit(
        &client,
        "form",
        &[("name", "tab12"), ("text", "to every tab")],
    )
    .await;
    for tab in tabs {
        client.switch_to_window(tab).await.expect("switch");
        until(
            &client,
            "the message in every tab",
            "return document.querySelectorAll('#messages li').length",
            |v| v == &json!(1),
        )
        .await;
    }
    let connections = stats.get().accepted;
    assert!(
        connections <= 3,
        "{connections} TCP connections for 12 tabs"
    );
    println!("12 tabs over HTTPS: {connections} TCP connection(s)");
    screenshot(&client, "chat-twelve-tabs-https").await;
    client.close().await.expect("close");
    let _ = stop.send(());
}

/// The streams the hub serves now, on every topic.
fn live_streams(server: &Server) -> u64 {
    server.demo.hub.stats().subscribers
}

/// One tab clicks through every page and back and forward again, 14 navigations, with
/// Chromium's back/forward cache on (its default): each page loads within 2 s, pages come
/// back from the cache, and once a page shows, the server holds one stream for the tab: a
/// page left behind closes its stream, and one shown again resumes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_tab_through_every_page_and_back_holds_one_stream() {
    let (server, driver) = (server().await, driver().await);
    let client = browser(&driver).await;
    let base = format!("http://{}", server.addr);
    client.goto(&format!("{base}/")).await.expect("home");
    let pages = [
        "/notifications",
        "/chat/lobby",
        "/progress",
        "/dashboard",
        "/todo",
        "/connections",
    ];
    let mut steps: Vec<&str> = pages.iter().map(|_| "click").collect();
    steps.extend(["back"; 5]);
    steps.extend(["forward"; 3]);
    let mut at = 0usize; // index into `pages` of the page shown
    let mut restored = 0;
    for (n, step) in steps.iter().enumerate() {
        let started = Instant::now();
        match *step {
            "click" => {
                if n > 0 {
                    at += 1;
                }
                click(&client, &format!("nav a[href='{}']", pages[at])).await;
            }
            "back" => {
                at -= 1;
                client.back().await.expect("back");
            }
            _ => {
                at += 1;
                client.forward().await.expect("forward");
            }
        }
        let want = pages[at];
        let shown = until(
            &client,
            "the page",
            "return [location.pathname, document.readyState, \
             (document.querySelector('[data-sse-live]') || {}).dataset?.sseState || '']",
            |v| v[0] == json!(want) && v[1] == json!("complete") && v[2] == json!("connected"),
        )
        .await;
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(2),
            "step {n} ({step} to {want}) took {took:?}: {shown}"
        );
        // Count pages restored from the cache: each page notes it in its own window.
        let from_cache = client
            .execute(
                "if (!window.__watching) { window.__watching = true; window.__restored = 0; \
                 addEventListener('pageshow', e => { if (e.persisted) window.__restored++ }); } \
                 return window.__restored",
                vec![],
            )
            .await
            .expect("script runs");
        restored += from_cache.as_u64().unwrap_or(0).min(1);
        let settled = Instant::now();
        while live_streams(&server) != 1 {
            assert!(
                settled.elapsed() < Duration::from_secs(2),
                "step {n} ({step} to {want}): {} live streams for one tab",
                live_streams(&server)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert!(restored > 0, "pages came back from the back/forward cache");
    let errors = console_errors(&client).await;
    assert!(
        errors.is_empty(),
        "no console error on any page: {errors:?}"
    );
    println!(
        "{} navigations, {restored} restored from the back/forward cache",
        steps.len()
    );
    client.close().await.expect("close");
}

/// A proxy in front of the demo that answers the next `/events/` requests with the given
/// statuses (a deploy's 502, then a 503), passes everything else through, and can cut the
/// streams it carries.
struct FlakyProxy {
    addr: SocketAddr,
    fail: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<u16>>>,
    failed: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    streams: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl FlakyProxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind the proxy");
        let proxy = FlakyProxy {
            addr: listener.local_addr().expect("address"),
            fail: Default::default(),
            failed: Default::default(),
            streams: Default::default(),
        };
        let (fail, failed, streams) = (
            std::sync::Arc::clone(&proxy.fail),
            std::sync::Arc::clone(&proxy.failed),
            std::sync::Arc::clone(&proxy.streams),
        );
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let (fail, failed, streams) = (fail.clone(), failed.clone(), streams.clone());
                let task = tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                        match client.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let events = head.starts_with(b"GET /events/");
                    let status = if events {
                        fail.lock().expect("fail").pop_front()
                    } else {
                        None
                    };
                    if let Some(status) = status {
                        failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let reply = format!(
                            "HTTP/1.1 {status} Proxy Says No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        );
                        let _ = client.write_all(reply.as_bytes()).await;
                        return;
                    }
                    let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    if server.write_all(&head).await.is_ok() {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                streams.lock().expect("streams").push(task.abort_handle());
            }
        });
        proxy
    }

    /// The next `/events/` requests get these statuses.
    fn fail_next(&self, statuses: &[u16]) {
        self.fail.lock().expect("fail").extend(statuses);
    }

    /// Closes every connection it carries now.
    fn cut(&self) {
        for stream in self.streams.lock().expect("streams").drain(..) {
            stream.abort();
        }
    }
}

/// A reconnect answered 502, then the next attempt 503 (what a proxy says during a deploy):
/// the extension makes a new EventSource, which resumes from the last event the page got
/// (sse-live.js), so every notification appears exactly once, in order, with no reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_502_then_a_503_on_reconnect_duplicate_nothing() {
    let (server, driver) = (server().await, driver().await);
    let proxy = FlakyProxy::start(server.addr).await;
    let client = browser(&driver).await;
    open(&client, &format!("http://{}/notifications", proxy.addr)).await;
    subscribed(&server, "notifications", 1).await;
    client
        .execute("window.__sameDocument = true; return true", vec![])
        .await
        .expect("script runs");
    let count = "return document.querySelectorAll('#notifications li').length";
    for n in 1..=3 {
        sse_demo::notify(&server.demo, &format!("before {n}"));
    }
    until(&client, "three notifications", count, |v| v == &json!(3)).await;
    proxy.fail_next(&[502, 503]);
    proxy.cut();
    for n in 1..=3 {
        sse_demo::notify(&server.demo, &format!("during {n}"));
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    until(&client, "the notifications after the errors", count, |v| {
        v.as_u64().is_some_and(|n| n >= 6)
    })
    .await;
    sse_demo::notify(&server.demo, "after");
    until(&client, "live again", count, |v| {
        v.as_u64().is_some_and(|n| n >= 7)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await; // a duplicate would arrive by now
    let want = [
        "before 1", "before 2", "before 3", "during 1", "during 2", "during 3", "after",
    ];
    assert_eq!(
        oldest_first(texts(&client, "#notifications li").await),
        want,
        "once each, in order"
    );
    assert_eq!(
        proxy.failed.load(std::sync::atomic::Ordering::Relaxed),
        2,
        "the reconnects met the 502 and the 503"
    );
    let same = client
        .execute("return window.__sameDocument === true", vec![])
        .await
        .expect("script runs");
    assert_eq!(same, json!(true), "no reload");
    // The browser reports the failed requests itself; htmx's "[object Event]" is not added.
    let errors = console_errors(&client).await;
    assert!(
        errors
            .iter()
            .any(|e| e.contains("502") || e.contains("503")),
        "the browser's own report: {errors:?}"
    );
    assert!(
        !errors.iter().any(|e| e.contains("[object Event]")),
        "no htmx noise for an expected reconnect: {errors:?}"
    );
    assert!(
        !errors.iter().any(|e| e.contains("favicon")),
        "the favicon is there: {errors:?}"
    );
    client.close().await.expect("close");
}

/// The server restarts under an open page. In memory the new server cannot resume the
/// page's id: a reset, the page reloads once, and it is live again. On Redis the new server
/// resumes it: no reset, no reload, and what was published meanwhile appears.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_reloads_in_memory_and_resumes_on_redis() {
    let driver = driver().await;
    for on_redis in [false, true] {
        let redis = on_redis.then(redis::RedisServer::start);
        let demo = || match &redis {
            Some(redis) => Demo::new_with_redis(config(), &redis.url()).expect("on Redis"),
            None => Demo::new(config()),
        };
        let first = serve(demo()).await;
        let addr = first.addr;
        let client = browser(&driver).await;
        open(&client, &format!("http://{addr}/notifications")).await;
        subscribed(&first, "notifications", 1).await;
        sse_demo::notify(&first.demo, "before the restart");
        let count = "return document.querySelectorAll('#notifications li').length";
        until(&client, "the first notification", count, |v| v == &json!(1)).await;
        client
            .execute("window.__sameDocument = true; return true", vec![])
            .await
            .expect("script runs");
        drop(first); // shutdown: the hub closes, every stream ends
        tokio::time::sleep(Duration::from_millis(300)).await;
        let second = serve_at(demo(), addr).await;
        if on_redis {
            subscribed(&second, "notifications", 1).await;
        } else {
            let reloaded = "return window.__sameDocument !== true && \
                (document.querySelector('[data-sse-live]') || {}).dataset?.sseState === 'connected'";
            until(&client, "the reload after the reset", reloaded, |v| {
                v == &json!(true)
            })
            .await;
            subscribed(&second, "notifications", 1).await;
        }
        sse_demo::notify(&second.demo, "after the restart");
        let state = "return [window.__sameDocument === true, \
             Array.from(document.querySelectorAll('#notifications li')).map(li => li.textContent.trim()).reverse()]";
        let seen = until(&client, "the page live again", state, |v| {
            v[1].as_array()
                .is_some_and(|items| items.iter().any(|i| i == &json!("after the restart")))
        })
        .await;
        if on_redis {
            assert_eq!(seen[0], json!(true), "on Redis: resumed, no reload");
            assert_eq!(
                seen[1],
                json!(["before the restart", "after the restart"]),
                "on Redis: nothing lost, nothing twice"
            );
            assert_eq!(second.demo.hub.stats().resets, 0, "no reset");
        } else {
            assert_eq!(seen[0], json!(false), "in memory: the page reloaded");
            assert!(second.demo.hub.stats().resets >= 1, "after a reset event");
        }
        client.close().await.expect("close");
    }
}

/// A proxy that cuts every connection every 2.5 s while 200 notifications are published:
/// the page shows all 200, once each, in order (the browser resumes with Last-Event-ID).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_notifications_through_a_proxy_that_keeps_cutting() {
    let (server, driver) = (server().await, driver().await);
    let proxy = FlakyProxy::start(server.addr).await;
    let client = browser(&driver).await;
    open(&client, &format!("http://{}/notifications", proxy.addr)).await;
    subscribed(&server, "notifications", 1).await;
    let started = Instant::now();
    let mut cuts = 0;
    for n in 1..=200 {
        sse_demo::notify(&server.demo, &format!("n{n}"));
        tokio::time::sleep(Duration::from_millis(35)).await;
        if started.elapsed() > Duration::from_millis(2500) * (cuts + 1) {
            proxy.cut();
            cuts += 1;
        }
    }
    let count = "return document.querySelectorAll('#notifications li').length";
    until(&client, "all 200", count, |v| {
        v.as_u64().is_some_and(|n| n >= 200)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await; // a duplicate would arrive by now
    let want: Vec<String> = (1..=200).map(|n| format!("n{n}")).collect();
    assert_eq!(
        oldest_first(texts(&client, "#notifications li").await),
        want,
        "{cuts} cuts"
    );
    assert!(cuts >= 2, "the proxy cut the stream {cuts} times");
    client.close().await.expect("close");
}

/// A late joiner of a chat room sees its earlier messages, then the new ones, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_chat_joiner_sees_the_history() {
    let (server, driver) = (server().await, driver().await);
    let (alice, bob) = (browser(&driver).await, browser(&driver).await);
    let url = format!("http://{}/chat/rust", server.addr);
    open(&alice, &url).await;
    subscribed(&server, "chat:rust", 1).await;
    let count = "return document.querySelectorAll('#messages li').length";
    for n in 1..=3 {
        submit(
            &alice,
            "form",
            &[("name", "alice"), ("text", &format!("early {n}"))],
        )
        .await;
        until(&alice, "the message", count, |v| v == &json!(n)).await;
    }
    open(&bob, &url).await;
    subscribed(&server, "chat:rust", 2).await;
    let early = ["alice: early 1", "alice: early 2", "alice: early 3"];
    assert_eq!(
        texts(&bob, "#messages li").await,
        early,
        "the history, rendered"
    );
    submit(&alice, "form", &[("name", "alice"), ("text", "late")]).await;
    until(&bob, "the live message", count, |v| v == &json!(4)).await;
    tokio::time::sleep(Duration::from_millis(300)).await; // a duplicate would arrive by now
    let mut want = early.to_vec();
    want.push("alice: late");
    assert_eq!(
        texts(&bob, "#messages li").await,
        want,
        "once each, in order"
    );
    alice.close().await.expect("close");
    bob.close().await.expect("close");
}

/// A message the server refuses (only spaces) gets its reason on the page, with the text
/// kept and nothing in the console; a good one then goes through and the reason goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_chat_message_says_why_on_the_page() {
    let (server, driver) = (server().await, driver().await);
    let client = browser(&driver).await;
    open(&client, &format!("http://{}/chat/lobby", server.addr)).await;
    subscribed(&server, "chat:lobby", 1).await;
    submit(&client, "form", &[("name", "alice"), ("text", "   ")]).await;
    let why = until(
        &client,
        "the reason",
        "return (document.querySelector('form .error') || {}).textContent || ''",
        |v| v.as_str().is_some_and(|t| !t.is_empty()),
    )
    .await;
    assert_eq!(why, json!("Write something first."));
    submit(&client, "form", &[("name", "alice"), ("text", "hello")]).await;
    until(
        &client,
        "the message",
        "return document.querySelectorAll('#messages li').length",
        |v| v == &json!(1),
    )
    .await;
    until(
        &client,
        "the reason gone, the form empty",
        "return [!!document.querySelector('form .error'), document.querySelector('form input[name=text]').value]",
        |v| v == &json!([false, ""]),
    )
    .await;
    let errors = console_errors(&client).await;
    assert!(errors.is_empty(), "no console error: {errors:?}");
    client.close().await.expect("close");
}

/// Every page at desktop and phone width: nothing wider than the screen (responsive from
/// 360 px), no console error; screenshots in `target/screenshots/` (the README's are
/// copies of these).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_desktop_and_phone_widths() {
    let (server, driver) = (server().await, driver().await);
    let client = browser(&driver).await;
    // Something on each page first: a notification, a chat message, a job, a todo.
    sse_demo::notify(&server.demo, "Build #41 passed");
    sse_demo::notify(&server.demo, "Build #42 passed");
    for (path, body) in [
        ("/chat/lobby", "name=ada&text=Hello+from+the+first+tab"),
        ("/todo", "text=Write+the+release+notes"),
        ("/todo", "text=Try+two+tabs"),
    ] {
        assert_eq!(
            common::post(server.addr.port(), path, body).await,
            200,
            "{path}"
        );
    }
    let pages = [
        ("home", "/"),
        ("notifications", "/notifications"),
        ("chat", "/chat/lobby"),
        ("progress", "/progress"),
        ("dashboard", "/dashboard"),
        ("todo", "/todo"),
        ("connections", "/connections"),
    ];
    for (width, height, size) in [(1280, 860, "desktop"), (360, 740, "phone")] {
        client
            .set_window_size(width, height)
            .await
            .expect("window size");
        for (name, path) in pages {
            client
                .goto(&format!("http://{}{path}", server.addr))
                .await
                .expect("page loads");
            if name == "progress" && size == "desktop" {
                click(&client, "button").await;
            }
            tokio::time::sleep(Duration::from_millis(700)).await; // live content arrives
            let overflow = client
                .execute(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                    vec![],
                )
                .await
                .expect("script runs");
            assert_eq!(overflow, json!(0), "{path} is wider than {width} px");
            screenshot(&client, &format!("{name}-{size}")).await;
        }
    }
    assert_eq!(console_errors(&client).await, Vec::<String>::new());
    client.close().await.expect("close");
}
