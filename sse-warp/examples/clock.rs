//! A warp server streaming the time every second as `time` events, resuming ids after
//! `Last-Event-ID`.
//!
//! ```sh
//! cargo run -p ssekit-warp --example warp-clock    # PORT=8080 to change the port
//! curl -N http://127.0.0.1:3000/
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, SystemTime};

use futures_util::stream::{self, Stream};
use ssekit_warp::{Event, EventError};
use warp::Filter;

/// A `time` event every second with ids counting up from `first`.
fn clock(first: u64) -> impl Stream<Item = Result<Event<'static>, EventError>> {
    let ticks = tokio::time::interval(Duration::from_secs(1));
    stream::unfold((first, ticks), |(n, mut ticks)| async move {
        ticks.tick().await;
        let now = httpdate::fmt_http_date(SystemTime::now());
        let event = Event::new()
            .with_event_type("time")
            .and_then(|e| e.with_id(n.to_string()));
        Some((event.map(|e| e.with_data(now)), (n + 1, ticks)))
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = match std::env::var("PORT") {
        Ok(port) => port.parse()?,
        Err(_) => 3000,
    };
    let route = warp::path::end()
        .and(ssekit_warp::last_event_id())
        .map(|last: Option<String>| {
            let first = last
                .and_then(|id| id.parse::<u64>().ok())
                .map_or(1, |n| n + 1);
            ssekit_warp::reply(clock(first))
        })
        .recover(ssekit_warp::recover);
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    let addr = listener.local_addr()?;
    println!("streaming the time on http://{addr}/");
    println!("try: curl -N http://{addr}/");
    warp::serve(route).incoming(listener).run().await;
    Ok(())
}
