//! [`Target`]: the URL a load streams from, resolved once: its address, the request every
//! stream sends, and the TLS client for https (rustls, the public roots plus `cacert`; ALPN
//! `h2` or `http/1.1`).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use http::header::{HOST, HeaderMap, HeaderValue};
use http::{Request, Uri};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::LoadError;

/// Where and how every stream connects.
pub(crate) struct Target {
    pub url: Uri,
    pub addr: SocketAddr,
    /// `host[:port]`, for the `Host` header.
    pub authority: String,
    /// The path and query, for the request line.
    pub path: String,
    /// The event-stream request headers and the caller's, without `Last-Event-ID`.
    pub headers: HeaderMap,
    pub tls: Option<(TlsConnector, ServerName<'static>)>,
}

impl Target {
    /// Resolves `url` (http or https) and prepares its TLS client. `http2` chooses the ALPN
    /// protocol offered over https.
    pub async fn new(
        url: Uri,
        mut headers: HeaderMap,
        cacert: Option<&Path>,
        http2: bool,
    ) -> Result<Target, LoadError> {
        let https = match url.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => {
                return Err(LoadError::Url(
                    "the URL must start with http:// or https://",
                ));
            }
        };
        let authority = url
            .authority()
            .ok_or(LoadError::Url("the URL has no host"))?
            .clone();
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let addr = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| LoadError::Resolve(format!("{host}: {e}")))?
            .next()
            .ok_or_else(|| LoadError::Resolve(format!("{host}: no address")))?;
        ssekit_hyper::set_request_headers(&mut headers, "")
            .map_err(|_| LoadError::Url("unreachable: an empty id is valid"))?;
        let tls = if https {
            let name = ServerName::try_from(host.to_owned())
                .map_err(|_| LoadError::Url("the URL's host is not a valid TLS server name"))?;
            Some((tls_connector(cacert, http2)?, name))
        } else {
            None
        };
        let path = url
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        Ok(Target {
            authority: authority.as_str().to_owned(),
            url,
            addr,
            path,
            headers,
            tls,
        })
    }

    /// A TCP connection to the target, without Nagle's delay.
    pub async fn connect(&self) -> Result<TcpStream, String> {
        let tcp = TcpStream::connect(self.addr)
            .await
            .map_err(|e| format!("connect to {}: {e}", self.addr))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(tcp)
    }

    /// A TLS connection to the target; `h2` whether the server must agree to HTTP/2.
    pub async fn connect_tls(
        &self,
        (connector, name): &(TlsConnector, ServerName<'static>),
        h2: bool,
    ) -> Result<TlsStream<TcpStream>, String> {
        let tcp = self.connect().await?;
        let tls = connector
            .connect(name.clone(), tcp)
            .await
            .map_err(|e| format!("TLS: {e}"))?;
        let agreed = tls.get_ref().1.alpn_protocol() == Some(b"h2");
        if h2 && !agreed {
            return Err("the server did not agree to HTTP/2 (ALPN h2)".into());
        }
        Ok(tls)
    }

    /// The HTTP/1.1 request head, with `last_event_id` if not empty.
    pub fn request_head(&self, last_event_id: &str) -> Vec<u8> {
        let mut head =
            format!("GET {} HTTP/1.1\r\nHost: {}\r\n", self.path, self.authority).into_bytes();
        let name = ssekit_hyper::LAST_EVENT_ID;
        let id = HeaderValue::from_str(last_event_id).ok();
        let last = id
            .as_ref()
            .filter(|_| !last_event_id.is_empty())
            .map(|v| (&name, v));
        for (name, value) in self.headers.iter().filter(|(n, _)| *n != HOST).chain(last) {
            head.extend_from_slice(name.as_str().as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"\r\n");
        head
    }

    /// The request for an HTTP/2 stream, with `last_event_id` if not empty.
    pub fn request(
        &self,
        last_event_id: &str,
    ) -> Result<Request<http_body_util::Empty<bytes::Bytes>>, String> {
        let mut request = Request::get(self.url.clone())
            .body(http_body_util::Empty::new())
            .map_err(|e| e.to_string())?;
        *request.headers_mut() = self.headers.clone();
        ssekit_hyper::set_request_headers(request.headers_mut(), last_event_id)
            .map_err(|e| e.to_string())?;
        Ok(request)
    }
}

/// rustls with the ring provider, the public roots and those in `cacert`.
fn tls_connector(cacert: Option<&Path>, http2: bool) -> Result<TlsConnector, LoadError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = cacert {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<_, _>>())
            .map_err(|e| LoadError::Tls(format!("certificates in {}: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(LoadError::Tls(format!(
                "no certificate in {}",
                path.display()
            )));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| LoadError::Tls(format!("a certificate in {}: {e}", path.display())))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| LoadError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![if http2 {
        b"h2".to_vec()
    } else {
        b"http/1.1".to_vec()
    }];
    Ok(TlsConnector::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_request_head_carries_the_headers_and_the_last_event_id() -> Result<(), LoadError> {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Bearer t"));
        let target = Target::new(
            "http://127.0.0.1:9/events?topic=a"
                .parse()
                .map_err(|_| LoadError::Url("x"))?,
            headers,
            None,
            false,
        )
        .await?;
        let head = String::from_utf8_lossy(&target.request_head("e1-41")).into_owned();
        assert!(
            head.starts_with("GET /events?topic=a HTTP/1.1\r\nHost: 127.0.0.1:9\r\n"),
            "{head}"
        );
        for line in [
            "authorization: Bearer t\r\n",
            "accept: text/event-stream\r\n",
            "last-event-id: e1-41\r\n",
        ] {
            assert!(head.contains(line), "{line:?} in {head}");
        }
        assert!(head.ends_with("\r\n\r\n"));
        assert!(!String::from_utf8_lossy(&target.request_head("")).contains("last-event-id"));
        let request = target.request("7").map_err(|_| LoadError::Url("request"))?;
        assert_eq!(request.headers()["last-event-id"], "7");
        Ok(())
    }

    #[tokio::test]
    async fn only_http_and_https_urls() {
        for url in ["ftp://example.com/", "/relative"] {
            let uri: Uri = url.parse().unwrap_or_default();
            assert!(
                matches!(
                    Target::new(uri, HeaderMap::new(), None, false).await,
                    Err(LoadError::Url(_))
                ),
                "{url}"
            );
        }
    }
}
