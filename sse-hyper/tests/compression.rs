//! Events go through tower-http's `CompressionLayer` one at a time: the producer only sends
//! event N+1 once the client has decoded event N, so a layer holding events back would make
//! the test time out.

mod common;

use std::convert::Infallible;

use common::*;
use futures_util::stream::{self, StreamExt};
use http::{HeaderValue, Request};
use hyper::body::Incoming;
use hyper_util::service::TowerToHyperService;
use sse_hyper::{EventStream, Sse, check_response};
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
        let events = stream::iter(rx.take()).flat_map(channel_stream);
        async move { Ok::<_, Infallible>(Sse::new(events).into_response()) }
    });
    let service = ServiceBuilder::new().layer(layer).service(service);
    (serve(TowerToHyperService::new(service)).await, tx)
}

async fn lockstep<B>(tx: &mpsc::Sender<String>, events: &mut EventStream<B>)
where
    B: http_body::Body + Unpin,
    B::Error: Into<sse_hyper::BoxError>,
{
    for n in 0..20 {
        feed(tx, html(n)).await;
        assert_eq!(next_event(events).await.data(), html_decoded(n));
    }
}

#[tokio::test]
async fn default_compression_layer_passes_events_one_by_one() {
    let (addr, tx) = lockstep_server(CompressionLayer::new()).await;
    let gzip = HeaderValue::from_static("gzip");
    let (response, _conn) = get(addr, "/", &[("accept-encoding", gzip)]).await;
    assert_eq!(check_response(&response), Ok(()));
    // tower-http's default predicate leaves `text/event-stream` uncompressed.
    assert!(!response.headers().contains_key("content-encoding"));
    let mut events = decode(response, false);
    lockstep(&tx, &mut events).await;
}

#[tokio::test]
async fn forced_gzip_still_delivers_events_one_by_one() {
    let always =
        |_: http::StatusCode, _: http::Version, _: &http::HeaderMap, _: &http::Extensions| true;
    let (addr, tx) = lockstep_server(CompressionLayer::new().compress_when(always)).await;
    let (response, _conn) = get_gunzipped(addr, "/").await;
    assert_eq!(check_response(&response), Ok(()));
    let gzip = WireEncoding(Some(HeaderValue::from_static("gzip")));
    assert_eq!(response.extensions().get(), Some(&gzip));
    let mut events = EventStream::new(response.into_body());
    lockstep(&tx, &mut events).await;
}
