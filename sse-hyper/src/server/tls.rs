//! [`Tls`]: the server's certificate, and HTTP/2 by ALPN (feature `server-tls`).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// A certificate and its key for [`Server::with_tls`](super::Server::with_tls), offering
/// HTTP/2 and HTTP/1.1 by ALPN (browsers then share one HTTP/2 connection among every tab
/// of the site).
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

/// Why TLS could not be set up: what was wrong, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError(String);

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLS: {}", self.0)
    }
}

impl std::error::Error for TlsError {}

impl Tls {
    /// The certificate chain and private key in PEM files (as Let's Encrypt's
    /// `fullchain.pem` and `privkey.pem`).
    ///
    /// # Errors
    ///
    /// When a file cannot be read, holds no certificate or key, or they do not match.
    pub fn from_pem_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Self, TlsError> {
        let (cert, key) = (cert.as_ref(), key.as_ref());
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| TlsError(format!("certificates in {}: {e}", cert.display())))?;
        if chain.is_empty() {
            return Err(TlsError(format!("no certificate in {}", cert.display())));
        }
        let key = PrivateKeyDer::from_pem_file(key)
            .map_err(|e| TlsError(format!("private key in {}: {e}", key.display())))?;
        Self::from_chain(chain, key)
    }

    /// A certificate made now, signed by itself, for `names` (e.g. `["localhost",
    /// "127.0.0.1"]`): for development only. Browsers warn about it (or, started with
    /// `--ignore-certificate-errors`, accept it); a warning is logged.
    ///
    /// # Errors
    ///
    /// When a name is not a valid DNS name or IP address.
    pub fn self_signed(names: &[&str]) -> Result<Self, TlsError> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let made = rcgen::generate_simple_self_signed(names.clone())
            .map_err(|e| TlsError(format!("self-signed certificate: {e}")))?;
        tracing::warn!(
            ?names,
            "TLS with a self-signed certificate: for development only, browsers will warn"
        );
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
        Self::from_chain(vec![made.cert.der().clone()], key)
    }

    /// A rustls configuration of the caller's; ALPN is set to `h2, http/1.1` if it has
    /// none.
    pub fn from_rustls(mut config: ServerConfig) -> Self {
        if config.alpn_protocols.is_empty() {
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        }
        Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
        }
    }

    fn from_chain(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| TlsError(format!("certificate and key: {e}")))?;
        Ok(Self::from_rustls(config))
    }

    /// The handshake on `io`.
    pub(crate) async fn accept<IO: AsyncRead + AsyncWrite + Unpin>(
        &self,
        io: IO,
    ) -> std::io::Result<TlsStream<IO>> {
        self.acceptor.accept(io).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_offers_http2() {
        let tls = Tls::self_signed(&["localhost", "127.0.0.1"]).expect("made");
        let config = tls.acceptor.config();
        assert_eq!(
            config.alpn_protocols,
            [b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        assert!(
            Tls::self_signed(&["nä.example"]).is_err(),
            "names are ASCII"
        );
    }

    #[test]
    fn missing_or_empty_files_say_which() {
        let error = Tls::from_pem_files("/nonexistent/cert.pem", "/nonexistent/key.pem")
            .expect_err("no such file");
        assert!(
            error.to_string().contains("/nonexistent/cert.pem"),
            "{error}"
        );
    }
}
