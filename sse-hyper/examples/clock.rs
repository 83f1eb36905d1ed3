//! A plain hyper server streaming the time every second as `time` events.
//!
//! ```sh
//! cargo run -p ssekit-hyper --example clock        # PORT=8080 to change the port
//! curl -N http://127.0.0.1:3000/
//! ```

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, SystemTime};

use futures_util::stream::{self, Stream};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use ssekit_hyper::Sse;
use tokio::net::TcpListener;

/// `("time", "Tue, 15 Nov 1994 08:12:31 GMT")` every second, the first one at once.
fn clock() -> impl Stream<Item = (&'static str, String)> {
    let ticks = tokio::time::interval(Duration::from_secs(1));
    stream::unfold(ticks, |mut ticks| async move {
        ticks.tick().await;
        Some((("time", httpdate::fmt_http_date(SystemTime::now())), ticks))
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = match std::env::var("PORT") {
        Ok(port) => port.parse()?,
        Err(_) => 3000,
    };
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    let addr = listener.local_addr()?;
    println!("streaming the time on http://{addr}/");
    println!("try: curl -N http://{addr}/");
    loop {
        let (tcp, _) = listener.accept().await?;
        tokio::spawn(async move {
            let service = service_fn(|_request| async {
                Ok::<_, Infallible>(Sse::new(clock()).into_response())
            });
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service)
                .await
            {
                eprintln!("connection ended: {e}");
            }
        });
    }
}
