//! `cargo run -p sse-demo [-- --port N]`: the live htmx demo on 127.0.0.1 (port from
//! `--port`, else `PORT`, else 3000). Ctrl-C stops it within a second, streams open or not.

use std::net::{Ipv4Addr, SocketAddr};

use sse_demo::{Demo, Pace};
use sse_hub::Config;

/// The port from `--port N` or `PORT`, else 3000.
fn port() -> Result<u16, String> {
    let mut args = std::env::args().skip(1);
    let mut port = std::env::var("PORT").ok();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next(),
            "-h" | "--help" => {
                println!("usage: sse-demo [--port N]   (or PORT=N; default 3000)");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    match port {
        None => Ok(3000),
        Some(text) => text.parse().map_err(|_| format!("not a port: {text:?}")),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let port = match port() {
        Ok(port) => port,
        Err(message) => {
            eprintln!("sse-demo: {message}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("sse-demo: cannot listen on {addr}: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(addr); // the real port when asked for 0
    let pace = Pace::default();
    let demo = Demo::new(Config::default(), pace);
    demo.start_producers(pace);
    println!("sse-demo: open http://{addr}/ (Ctrl-C to stop)");
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
