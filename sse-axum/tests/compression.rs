//! Events go through tower-http's `CompressionLayer` on an axum `Router` one at a time: the
//! producer only sends event N+1 once the client has decoded event N, so a layer holding
//! events back would make the test time out.

mod common;
#[path = "../../sse-hyper/tests/support/mod.rs"]
mod support;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::routing::get as route;
use common::*;
use ssekit_axum::Sse;
use support::*;
use tokio::sync::mpsc;
use tower_http::compression::{CompressionLayer, Predicate};

/// A server whose first request streams what is sent on the returned channel.
async fn lockstep_server(
    layer: CompressionLayer<impl Predicate + Send + Sync + 'static>,
) -> (SocketAddr, mpsc::Sender<String>) {
    let (tx, rx) = mpsc::channel::<String>(1);
    let handler =
        |State(rx): State<Once<mpsc::Receiver<String>>>| async move { Sse::new(fed(&rx)) };
    let app = Router::new()
        .route("/", route(handler))
        .layer(layer)
        .with_state(Once::new(rx));
    (serve(app).await, tx)
}

#[tokio::test]
async fn default_compression_layer_passes_events_one_by_one() {
    let (addr, tx) = lockstep_server(CompressionLayer::new()).await;
    expect_uncompressed_lockstep(addr, &tx).await;
}

#[tokio::test]
async fn forced_gzip_still_delivers_events_one_by_one() {
    let (addr, tx) = lockstep_server(CompressionLayer::new().compress_when(always)).await;
    expect_gzipped_lockstep(addr, &tx).await;
}
