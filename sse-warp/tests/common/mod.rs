//! ssekit-warp's own test helper: a real warp server. The rest is in ssekit-hyper's
//! `tests/support`, shared by the adapters.

use std::net::SocketAddr;

use warp::reject::Rejection;
use warp::{Filter, Reply};

use crate::support::listener;

/// Serves `filter` with `warp::serve` on 127.0.0.1 with an ephemeral port.
pub async fn serve<F, R>(filter: F) -> SocketAddr
where
    F: Filter<Extract = (R,), Error = Rejection> + Clone + Send + Sync + 'static,
    R: Reply,
{
    let (listener, addr) = listener().await;
    tokio::spawn(warp::serve(filter).incoming(listener).run());
    addr
}
