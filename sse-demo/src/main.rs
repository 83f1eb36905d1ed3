//! `cargo run -p sse-demo [-- --port N] [--redis redis://127.0.0.1:6379] [--tls | --cert
//! FILE --key FILE]`: the live htmx demo on 127.0.0.1 (port from `--port`, else `PORT`,
//! else 3000; on a Redis Streams backplane with `--redis` or `REDIS_URL`, else in memory;
//! HTTPS with HTTP/2 with `--tls`, a self-signed certificate for localhost made at start,
//! or with the certificate and key of `--cert` and `--key`). Ctrl-C or SIGTERM stops it:
//! open streams end at once, and a client that does not read is dropped after 5 s.

use std::net::{Ipv4Addr, SocketAddr};

use sse_demo::{Demo, Pace};
use ssekit_axum::server::Tls;
use ssekit_hub::Config;

/// What to serve on: the port, the Redis backplane if any, TLS if asked for.
struct Options {
    port: u16,
    redis: Option<String>,
    tls: Option<TlsFrom>,
}

/// Where the certificate comes from.
enum TlsFrom {
    SelfSigned,
    Files(String, String),
}

const USAGE: &str = "usage: sse-demo [--port N] [--redis redis://HOST:PORT] [--tls | --cert FILE --key FILE]   (or PORT, REDIS_URL)";

/// `--port N` (or `PORT`, else 3000) and `--redis URL` (or `REDIS_URL`).
fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut port = std::env::var("PORT").ok();
    let mut redis = std::env::var("REDIS_URL").ok();
    let (mut self_signed, mut cert, mut key) = (false, None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next(),
            "--redis" => redis = args.next(),
            "--tls" => self_signed = true,
            "--cert" => cert = args.next(),
            "--key" => key = args.next(),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let port = match port {
        None => 3000,
        Some(text) => text.parse().map_err(|_| format!("not a port: {text:?}"))?,
    };
    let tls = match (self_signed, cert, key) {
        (false, None, None) => None,
        (true, None, None) => Some(TlsFrom::SelfSigned),
        (false, Some(cert), Some(key)) => Some(TlsFrom::Files(cert, key)),
        _ => return Err("--tls alone, or --cert FILE with --key FILE".into()),
    };
    Ok(Options { port, redis, tls })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("sse-demo: {message}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, options.port));
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("sse-demo: cannot listen on {addr}: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(addr); // the real port when asked for 0
    let pace = Pace::default();
    // Browsers reconnect after 3 s by default; a second is kinder to a page after a deploy.
    let config = Config::default().with_retry(std::time::Duration::from_secs(1));
    let demo = match &options.redis {
        None => Demo::new(config),
        Some(url) => match Demo::new_with_redis(config, url) {
            // Named for where it listens, on the connections page.
            Ok(demo) => demo.with_name(&addr.to_string()),
            Err(error) => {
                eprintln!("sse-demo: {error}");
                return std::process::ExitCode::FAILURE;
            }
        },
    };
    let mut server = demo.server(listener);
    let mut scheme = "http";
    if let Some(from) = &options.tls {
        let tls = match from {
            TlsFrom::SelfSigned => Tls::self_signed(&["localhost", "127.0.0.1"]),
            TlsFrom::Files(cert, key) => Tls::from_pem_files(cert, key),
        };
        match tls {
            Ok(tls) => server = server.with_tls(tls),
            Err(error) => {
                eprintln!("sse-demo: {error}");
                return std::process::ExitCode::FAILURE;
            }
        }
        scheme = "https";
    }
    demo.start_producers(pace);
    let on = options
        .redis
        .as_deref()
        .map_or("in memory".to_owned(), |url| format!("on {url}"));
    let host = if matches!(options.tls, Some(TlsFrom::SelfSigned)) {
        format!("localhost:{}", addr.port())
    } else {
        addr.to_string()
    };
    println!("sse-demo: open {scheme}://{host}/ (events {on}; Ctrl-C to stop)");
    if matches!(options.tls, Some(TlsFrom::SelfSigned)) {
        println!(
            "sse-demo: the certificate is self-signed, made now for localhost: for development \
             only; your browser will warn once"
        );
    }
    match server.serve(demo.router()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sse-demo: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
