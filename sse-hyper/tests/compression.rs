//! Events go through tower-http's `CompressionLayer` one at a time: the producer only sends
//! event N+1 once the client has decoded event N, so a layer holding events back would make
//! the test time out.

mod common;
mod support;

use std::convert::Infallible;

use common::*;
use http::Request;
use hyper::body::Incoming;
use hyper_util::service::TowerToHyperService;
use ssekit_hyper::Sse;
use support::*;
use tokio::sync::mpsc;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;

/// A server whose first request streams what is sent on the returned channel.
async fn lockstep_server(
    layer: CompressionLayer<impl tower_http::compression::Predicate + Send + Sync + 'static>,
) -> (std::net::SocketAddr, mpsc::Sender<String>) {
    let (tx, rx) = mpsc::channel::<String>(1);
    let rx = Once::new(rx);
    let service = tower::service_fn(move |_req: Request<Incoming>| {
        let events = fed(&rx);
        async move { Ok::<_, Infallible>(Sse::new(events).into_response()) }
    });
    let service = ServiceBuilder::new().layer(layer).service(service);
    (serve(TowerToHyperService::new(service)).await, tx)
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
