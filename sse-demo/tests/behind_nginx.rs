//! The demo behind a real nginx running the nginx snippet of `docs/production.md`, read
//! from the doc (so the two cannot drift): a stream's head comes at once, as
//! `text/event-stream`, not compressed although the `http` block compresses event streams;
//! a chat message posted through nginx while the stream is open arrives through nginx at
//! once; a reconnect with `Last-Event-ID` gets the message it missed, once, then live ones.
//! A second test runs the snippet made wrong on purpose (buffering forced on) and checks
//! that the same checks then fail: they do catch a buffering proxy.
//!
//! Needs nginx (Debian's `nginx`; `bash .ci/test` installs it). Without it the tests print
//! a notice and pass, unless `CI=true`: then they fail. nginx runs in the foreground as one
//! process, with everything it writes in a temp dir, and is killed when a test ends, also
//! when it fails.

mod common;
// The shared free-port helper (and Redis, which this file does not start).
#[path = "../../sse-hub/tests/common/redis.rs"]
mod redis;

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::{Body, BodyDataStream};
use common::post;
use futures_util::StreamExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sse_demo::Demo;
use ssekit_core::{Decoded, Decoder};
use ssekit_hub::Config;

/// The line that marks the doc's tested snippet.
const MARKER: &str = "# Tested by sse-demo/tests/behind_nginx.rs";
/// A response head through nginx comes within this of the request, an event within this
/// of its post.
const PROMPT: Duration = Duration::from_millis(500);
/// Every other wait.
const LIMIT: Duration = Duration::from_secs(10);

/// The nginx binary: on `PATH`, or where Debian and nginx's own builds put it.
fn nginx() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"].map(PathBuf::from))
        .map(|dir| dir.join("nginx"))
        .find(|binary| binary.is_file())
}

/// nginx, or `None` after a notice; with `CI=true` a missing nginx fails the test.
fn nginx_or_skip() -> Option<PathBuf> {
    let found = nginx();
    if found.is_none() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true and no nginx (on PATH or in /usr/sbin): install Debian's nginx (bash .ci/test does)"
        );
        println!("skipped: no nginx on PATH or in /usr/sbin (bash .ci/test installs it)");
    }
    found
}

/// The ```nginx block of docs/production.md that holds [`MARKER`].
fn documented_snippet() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/production.md");
    let doc = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    doc.split("```nginx\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("\n```").map(|(block, _)| block))
        .find(|block| block.contains(MARKER))
        .unwrap_or_else(|| panic!("no ```nginx block with {MARKER:?} in {}", path.display()))
        .to_owned()
}

/// nginx in the foreground, killed (and its temp dir removed) on drop, also when a test
/// fails.
struct Nginx {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Nginx {
    /// nginx with `snippet`, whose app address (`127.0.0.1:3000`) becomes the demo's and
    /// whose `listen 80;` becomes a free loopback port; once it accepts connections.
    async fn start(binary: &Path, snippet: &str, demo_port: u16) -> Nginx {
        for placeholder in ["server 127.0.0.1:3000;", "listen 80;"] {
            assert!(snippet.contains(placeholder), "{placeholder} in {snippet}");
        }
        let port = redis::free_port();
        let site = snippet
            .replace(
                "server 127.0.0.1:3000;",
                &format!("server 127.0.0.1:{demo_port};"),
            )
            .replace("listen 80;", &format!("listen 127.0.0.1:{port};"));
        let dir = std::env::temp_dir().join(format!("ssekit-nginx-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("nginx's temp dir");
        let d = dir.display();
        // Everything nginx writes goes to `dir`, so it runs as root without touching /var.
        let conf = format!(
            "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n\
             access_log {d}/access.log;\n\
             client_body_temp_path {d}/client_body;\nproxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\nuwsgi_temp_path {d}/uwsgi;\nscgi_temp_path {d}/scgi;\n\
             # A server-wide setting that compresses event streams: the snippet must win.\n\
             gzip on;\ngzip_types text/event-stream;\n\
             {site}\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), conf).expect("write nginx.conf");
        let stderr = std::fs::File::create(dir.join("stderr.log")).expect("stderr.log");
        let child = Command::new(binary)
            .arg("-p")
            .arg(&dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|error| panic!("start {}: {error}", binary.display()));
        let mut nginx = Nginx { child, dir, port };
        let started = Instant::now();
        while tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
            .await
            .is_err()
        {
            if let Ok(Some(status)) = nginx.child.try_wait() {
                panic!("nginx exited ({status}): {}", nginx.log());
            }
            assert!(
                started.elapsed() < LIMIT,
                "nginx not listening after {LIMIT:?}: {}",
                nginx.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        nginx
    }

    /// What nginx said.
    fn log(&self) -> String {
        ["stderr.log", "error.log"]
            .map(|file| std::fs::read_to_string(self.dir.join(file)).unwrap_or_default())
            .join("")
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A chat room's event stream through nginx: its response head, and its messages decoded
/// as they come.
struct Stream {
    head: http::HeaderMap,
    body: BodyDataStream,
    decoder: Decoder,
    /// Messages decoded, not yet taken: (last event id, data).
    ready: VecDeque<(String, String)>,
}

impl Stream {
    /// `GET /events/chat/{room}` through nginx on `port`, as a browser asks (gzip accepted),
    /// with `Last-Event-ID: last` if given; `None` when no response head comes within
    /// `within`.
    async fn open(port: u16, room: &str, last: Option<&str>, within: Duration) -> Option<Stream> {
        let client: Client<HttpConnector, String> =
            Client::builder(TokioExecutor::new()).build_http();
        let mut request = http::Request::get(format!("http://127.0.0.1:{port}/events/chat/{room}"))
            .header("accept", "text/event-stream")
            .header("accept-encoding", "gzip");
        if let Some(last) = last {
            request = request.header("last-event-id", last);
        }
        let request = request.body(String::new()).expect("a request");
        let response = tokio::time::timeout(within, client.request(request))
            .await
            .ok()?
            .expect("a response through nginx");
        assert_eq!(response.status(), 200, "{response:?}");
        Some(Stream {
            head: response.headers().clone(),
            body: Body::new(response.into_body()).into_data_stream(),
            decoder: Decoder::new(),
            ready: VecDeque::new(),
        })
    }

    /// The next chat message (its id and data); `None` if none comes within `within`.
    async fn next_message(&mut self, within: Duration) -> Option<(String, String)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(message) = self.ready.pop_front() {
                return Some(message);
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()??
                .expect("the stream reads");
            for item in self.decoder.feed(&chunk) {
                if let Ok(Decoded::Event(event)) = item
                    && event.event_type() == "message"
                {
                    let message = (event.last_event_id().to_owned(), event.data().to_owned());
                    self.ready.push_back(message);
                }
            }
        }
    }
}

/// A chat message's data, as the demo escapes and wraps it.
fn message(text: &str) -> String {
    format!("<li><b>a</b>: {text}</li>")
}

/// Posts `text` to `room` through nginx (a same-origin form post, as htmx sends it).
async fn say(port: u16, room: &str, text: &str) -> Result<(), String> {
    match post(
        port,
        &format!("/chat/{room}"),
        &format!("name=a&text={text}"),
    )
    .await
    {
        200 => Ok(()),
        status => Err(format!("posting {text:?} through nginx: {status}")),
    }
}

/// Opens a chat room's stream through nginx; its head must come at once.
async fn open(port: u16, room: &str, last: Option<&str>) -> Result<Stream, String> {
    Stream::open(port, room, last, PROMPT)
        .await
        .ok_or(format!("no response head within {PROMPT:?}"))
}

/// The next message of `stream`, which must be `text` and come within `within`.
async fn expect(stream: &mut Stream, text: &str, within: Duration) -> Result<String, String> {
    let (id, data) = stream
        .next_message(within)
        .await
        .ok_or(format!("message {text:?}: none within {within:?}"))?;
    if data == message(text) {
        Ok(id)
    } else {
        Err(format!("message {text:?}: got {data:?}"))
    }
}

/// The demo behind nginx running `snippet`, and the checks: a stream's head at once, as
/// `text/event-stream`, not compressed; a message posted while it is open within
/// [`PROMPT`]; a reconnect with `Last-Event-ID` gets what it missed, once, then live ones.
/// The first check that fails, in words; else how long the first message took.
async fn through_nginx(binary: &Path, snippet: &str) -> Result<Duration, String> {
    let demo = Demo::new(Config::default());
    let nginx = Nginx::start(binary, snippet, common::serve(&demo).await).await;
    let checked = checks(nginx.port).await;
    demo.hub.close();
    drop(nginx);
    checked
}

async fn checks(port: u16) -> Result<Duration, String> {
    // An event stream, not compressed though gzip is accepted and asked for server-wide.
    let mut first = open(port, "lobby", None).await?;
    let head = &first.head;
    if head
        .get("content-type")
        .is_none_or(|value| value != "text/event-stream")
    {
        return Err(format!("not an event stream: {head:?}"));
    }
    if head.contains_key("content-encoding") {
        return Err(format!("compressed: {head:?}"));
    }

    // A message posted now arrives at once: nginx does not hold it back.
    let posted = Instant::now();
    say(port, "lobby", "one").await?;
    let one = expect(&mut first, "one", PROMPT).await?;
    let took = posted.elapsed();

    // Missed while away; a reconnect with Last-Event-ID gets it once, then live ones.
    drop(first);
    say(port, "lobby", "two").await?;
    let mut again = open(port, "lobby", Some(&one)).await?;
    expect(&mut again, "two", PROMPT).await?;
    say(port, "lobby", "three").await?;
    expect(&mut again, "three", PROMPT).await?;
    match again.next_message(Duration::from_millis(300)).await {
        None => Ok(took),
        Some(more) => Err(format!("a message twice: {more:?}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_nginx_passes_events_at_once_and_resumes() {
    let Some(binary) = nginx_or_skip() else {
        return;
    };
    match through_nginx(&binary, &documented_snippet()).await {
        Ok(took) => println!("posted and received through nginx in {took:?}"),
        Err(why) => panic!("through the documented nginx: {why}"),
    }
}

/// The same checks catch a buffering nginx: the snippet with buffering forced on and the
/// app's `X-Accel-Buffering: no` ignored (nginx then holds the response head until the
/// stream's first bytes), and the same with nginx's default HTTP/1.0 to the app (then it
/// holds everything).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checks_catch_a_buffering_nginx() {
    let Some(binary) = nginx_or_skip() else {
        return;
    };
    let snippet = documented_snippet();
    let buffering = snippet.replace(
        "proxy_buffering off;",
        "proxy_buffering on; proxy_ignore_headers X-Accel-Buffering;",
    );
    assert_ne!(
        buffering, snippet,
        "no `proxy_buffering off;` in the snippet"
    );
    let http10: Vec<&str> = buffering
        .lines()
        .filter(|line| !line.contains("proxy_http_version") && !line.contains("Connection \"\""))
        .collect();
    let http10 = http10.join("\n");
    for (wrong, what) in [
        (buffering, "buffering on, the header ignored"),
        (http10, "the same over HTTP/1.0"),
    ] {
        match through_nginx(&binary, &wrong).await {
            Ok(took) => panic!("{what}: not caught (the first message took {took:?})"),
            Err(why) => println!("{what}: caught: {why}"),
        }
    }
}
