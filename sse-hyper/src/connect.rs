//! Client side: the seam between the reconnect loop and an HTTP client. Any tower
//! `Service` from `http::Request<Empty<Bytes>>` to `http::Response<impl Body>` drives an
//! `EventSource`; hyper-util's client is the default.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http::{Request, Response};
use http_body::Body;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty};
use tower_service::Service;

use crate::item::BoxError;
use crate::source_error::SetupError;

/// A response body of any client, boxed.
pub(crate) type SourceBody = UnsyncBoxBody<Bytes, BoxError>;

/// A response on its way, boxed.
pub(crate) type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<Response<SourceBody>, BoxError>> + Send>>;

/// A client, its types erased: what the reconnect loop calls.
pub(crate) trait Connect: Send {
    /// `Service::poll_ready`.
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>>;
    /// `Service::call`, with the response body boxed.
    fn call(&mut self, request: Request<Empty<Bytes>>) -> ResponseFuture;
}

impl<S, B> Connect for S
where
    S: Service<Request<Empty<Bytes>>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Service::poll_ready(self, cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<Empty<Bytes>>) -> ResponseFuture {
        let response = Service::call(self, request);
        Box::pin(async move {
            let response = response.await.map_err(Into::into)?;
            Ok(response.map(|body| {
                body.map_frame(|frame| {
                    frame.map_data(|mut data| data.copy_to_bytes(data.remaining()))
                })
                .map_err(Into::into)
                .boxed_unsync()
            }))
        })
    }
}

/// hyper-util's client with the default connector: http, and https with feature `rustls`.
pub(crate) fn default_client() -> Result<Box<dyn Connect>, SetupError> {
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    let builder = Client::builder(TokioExecutor::new());
    #[cfg(feature = "rustls")]
    {
        let provider = rustls::crypto::ring::default_provider();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| SetupError::Tls(Box::new(e)))?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        Ok(Box::new(builder.build::<_, Empty<Bytes>>(connector)))
    }
    #[cfg(not(feature = "rustls"))]
    {
        Ok(Box::new(builder.build_http::<Empty<Bytes>>()))
    }
}

/// hyper-util's client for https (HTTP/2 and HTTP/1.1 by ALPN) trusting the public roots
/// and the CA certificates in the PEM file `ca`.
#[cfg(feature = "rustls")]
pub(crate) fn client_trusting(ca: &std::path::Path) -> Result<Box<dyn Connect>, SetupError> {
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let tls = |e: String| SetupError::Tls(e.into());
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let certs = CertificateDer::pem_file_iter(ca)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| tls(format!("certificates in {}: {e}", ca.display())))?;
    if certs.is_empty() {
        return Err(tls(format!("no certificate in {}", ca.display())));
    }
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| tls(format!("a certificate in {}: {e}", ca.display())))?;
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SetupError::Tls(Box::new(e)))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build();
    Ok(Box::new(
        Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(connector),
    ))
}

/// The schemes the default client speaks.
pub(crate) fn default_client_speaks(scheme: &str) -> bool {
    scheme == "http" || (cfg!(feature = "rustls") && scheme == "https")
}
