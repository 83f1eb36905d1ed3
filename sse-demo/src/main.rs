//! `cargo run -p sse-demo [-- --port N] [--redis redis://127.0.0.1:6379]`: the live htmx
//! demo on 127.0.0.1 (port from `--port`, else `PORT`, else 3000; on a Redis Streams
//! backplane with `--redis` or `REDIS_URL`, else in memory). Ctrl-C stops it within a
//! second, streams open or not.

use std::net::{Ipv4Addr, SocketAddr};

use sse_demo::{Demo, Pace};
use sse_hub::Config;

/// What to serve on: the port and, if any, the Redis backplane.
struct Options {
    port: u16,
    redis: Option<String>,
}

/// `--port N` (or `PORT`, else 3000) and `--redis URL` (or `REDIS_URL`).
fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut port = std::env::var("PORT").ok();
    let mut redis = std::env::var("REDIS_URL").ok();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next(),
            "--redis" => redis = args.next(),
            "-h" | "--help" => {
                println!(
                    "usage: sse-demo [--port N] [--redis redis://HOST:PORT]   (or PORT, REDIS_URL)"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let port = match port {
        None => 3000,
        Some(text) => text.parse().map_err(|_| format!("not a port: {text:?}"))?,
    };
    Ok(Options { port, redis })
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
    let demo = match &options.redis {
        None => Demo::new(Config::default(), pace),
        Some(url) => match Demo::new_with_redis(Config::default(), pace, url) {
            Ok(demo) => demo,
            Err(error) => {
                eprintln!("sse-demo: {error}");
                return std::process::ExitCode::FAILURE;
            }
        },
    };
    demo.start_producers(pace);
    let on = options
        .redis
        .as_deref()
        .map_or("in memory".to_owned(), |url| format!("on {url}"));
    println!("sse-demo: open http://{addr}/ (events {on}; Ctrl-C to stop)");
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match demo.serve(listener, ctrl_c).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sse-demo: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
