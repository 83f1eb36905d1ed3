//! Events go through `warp::compression::gzip()` one at a time: the producer only sends event
//! N+1 once the client has decoded event N, so a filter holding events back would make the
//! test time out.

mod common;
#[path = "../../sse-hyper/tests/support/mod.rs"]
mod support;

use common::*;
use support::*;
use tokio::sync::mpsc;
use warp::Filter;

#[tokio::test]
async fn warp_gzip_delivers_events_one_by_one() {
    let (tx, rx) = mpsc::channel::<String>(1);
    let rx = Once::new(rx);
    let route = warp::path::end()
        .map(move || ssekit_warp::reply(fed(&rx)))
        .with(warp::compression::gzip());
    expect_gzipped_lockstep(serve(route).await, &tx).await;
}

/// What the crate docs warn about: warp's gzip filter ignores `Accept-Encoding`.
#[tokio::test]
async fn warp_gzip_compresses_even_when_the_client_did_not_ask() {
    let route = warp::path::end()
        .map(|| ssekit_warp::reply(futures_util::stream::iter(["hello"])))
        .with(warp::compression::gzip());
    let (response, _conn) = get(serve(route).await, "/", &[]).await;
    assert_eq!(response.headers()["content-encoding"], "gzip");
}
