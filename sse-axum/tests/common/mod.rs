//! ssekit-axum's own test helper: a real axum server. The rest is in ssekit-hyper's
//! `tests/support`, shared by the adapters.

use std::net::SocketAddr;

use crate::support::listener;

/// Serves `app` with `axum::serve` on 127.0.0.1 with an ephemeral port.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let (listener, addr) = listener().await;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}
