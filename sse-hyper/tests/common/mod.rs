//! ssekit-hyper's own test helper: a real hyper server. The rest is in `../support`, shared with
//! the other adapters.

use std::net::SocketAddr;

use http::{Request, Response};
use http_body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use ssekit_hyper::BoxError;

use crate::support::listener;

/// Serves `service` (HTTP/1 and HTTP/2) on 127.0.0.1 with an ephemeral port.
pub async fn serve<S, B>(service: S) -> SocketAddr
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>>,
    S: Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let service = service.clone();
            tokio::spawn(async move {
                let builder = auto::Builder::new(TokioExecutor::new());
                let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
            });
        }
    });
    addr
}
